/*
 * topo_load_internal.h: what the topo_load*.c files share: the state of
 * one load (Ld), the loader's limits, and the helpers each file offers the
 * others. The public contract is topo_load.h; topo_load.c's opening
 * comment tells how the loader works.
 *
 * The files, from the bottom up:
 *   topo_load_diag.c     diagnostics: repeats dropped, capped, each with the
 *                        place it sorts at, put back in file order at the end
 *   topo_load_node.c     YAML nodes: locations, the visit budget that keeps
 *                        aliases in check, mappings read against a schema
 *                        (merge keys included), and mappings of names
 *   topo_load_value.c    typed values: durations, rates, fractions, counts,
 *                        booleans, names, references, words, distributions
 *   topo_load_csv.c      a traffic shape read from a CSV file
 *   topo_load_call.c     calls (backoff, budget, breaker, region), and their
 *                        regions checked once every deployment is known
 *   topo_load_service.c  the services and their sub-blocks
 *   topo_load_source.c   the sources: shapes, region weights, clients
 *   topo_load_root.c     the top level: the order of the sections; regions,
 *                        settings, configs; the estimate of the traffic
 *   topo_load.c          the load itself (libyaml, the prescan, the result)
 *                        and the public API
 *
 * Who owns what: an Ld lives on load()'s stack for one load, and owns its
 * name tables, skip flags, anchors and CSV records (load() frees them).
 * Every string and array put into ld->t belongs to the Topo. Errors are
 * never returned: they go into ld->dl through ld_err() and its kin, and a
 * reader that fails leaves its output as it was. Once ld->stop is set the
 * walk is over: ld_get() gives NULL, and every walker returns.
 */
#ifndef FD_TOPO_LOAD_INTERNAL_H
#define FD_TOPO_LOAD_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>
#include "load/topo_load.h"

/* Limits. Each protects the loader or the model from an input that no real
 * system needs; docs/topology.md lists them. */
#define MAX_ERRORS 100
#define MAX_VISITS 200000           /* plus MAX_VISITS_PER_NODE per node in the file */
#define MAX_VISITS_PER_NODE 4       /* a plain file is walked about twice */
#define MAX_DEPTH 64                /* merge keys (<<) within merge keys */
#define MAX_NESTING 64              /* lists and mappings within each other */
#define MAX_ANCHORS 1000
#define MAX_ALIASES 100000
#define MAX_FILE_BYTES (16L << 20)
#define MAX_CSV_BYTES (16L << 20)
#define MAX_CSV_ROWS 1000000        /* in all CSV files, copies included */
#define MAX_REGIONS 256
#define MAX_SERVICES 100000
#define MAX_CONFIGS 100000
#define MAX_SOURCES 10000
#define MAX_INSTANCES 100000        /* per region */
#define SUGGEST_WORK 20000000      /* edit-distance cells for "did you mean", in all */
#define WEIGHT_TOLERANCE 1e-6

typedef yaml_node_t Node;

typedef struct NameIx {
    const char *name;
    int idx;
} NameIx;

/* The names of one kind of object, for resolving references. */
typedef struct NameTable {
    NameIx *ix;          /* sorted by name */
    const char **names;  /* in file order, for suggestions */
    int n;
    bool broken;         /* the section itself is missing or bad: a dangling reference
                          * to it would only repeat that error */
} NameTable;

/* A CSV file a shape named. Several sources may share one (through an
 * alias): it is read once, and copied. */
typedef struct CsvFile {
    char *path;                /* as opened; diagnostics about the file point at it */
    const TopoShape *shape;    /* the first shape read from it, or NULL if it had errors */
} CsvFile;

typedef struct Ld {
    Topo *t;
    DiagList *dl;
    yaml_document_t *doc;
    char *dir;                 /* the topology's folder, "" for the current one */
    double top_rate;           /* the largest source rate, and where it is */
    FdLoc top_rate_loc;
    size_t start;              /* dl->n when this load began */
    FdLoc *anchor;             /* per diagnostic added: where it sorts in the topology */
    size_t nanchor, capanchor;
    bool anchor_oom;
    bool in_csv;               /* diagnostics now are about a CSV file... */
    FdLoc csv_anchor;          /* ...which the topology names here */
    size_t visits, max_visits;
    int depth;
    bool stop;                 /* the walk is over: return from everything */
    bool oom;                  /* ...because memory ran out: load returns -3 */
    bool drop_notes;           /* the last error was dropped, and so are its notes */
    size_t errors;
    size_t suggest_work;       /* see ld_suggest() */
    NameTable reg, svc, cfg;
    unsigned char *svc_skip, *cfg_skip, *src_skip;  /* per pair: defines nothing */
    bool *weights_given;       /* per source */
    CsvFile *csv;              /* the CSV files read, each once */
    int ncsv;
    int csv_rows;              /* rows read or copied from CSV files, in all */
} Ld;

typedef struct Schema {
    const char *what;            /* "a call": for "unknown key 'x' in a call" */
    const char *const *keys;
    int n;
} Schema;

#define SCHEMA(name, what, n) static const Schema name##_schema = { what, name##_keys, n }

#define EACH_PAIR(pr, m) \
    for (yaml_node_pair_t *pr = (m)->data.mapping.pairs.start; pr < (m)->data.mapping.pairs.top; pr++)
#define EACH_ITEM(it, s) \
    for (yaml_node_item_t *it = (s)->data.sequence.items.start; it < (s)->data.sequence.items.top; it++)

/* Walks the objects of a name mapping that scan_names kept, in order. */
#define EACH_DEFINED(ld, m, skip, count, idx, vn)                                          \
    for (size_t ed_i = 0, idx = 0; ed_i < ld_map_len(m) && idx < (size_t)(count); ed_i++)    \
        for (Node *vn = (skip) && !(skip)[ed_i]                                          \
                            ? ld_get((ld), (m)->data.mapping.pairs.start[ed_i].value) : NULL; \
             vn; vn = NULL, idx++)

/* The keys a kind takes (of a distribution, a shape), as bits of the
 * schema's key indexes. */
#define BIT(i) (1u << (i))

/* A file that is not a regular one, for ld_slurp()'s *err. */
#define NOT_REGULAR (-1)

/* A sub-block written as a mapping, as `true` or as `false` (ld_toggle()). */
typedef enum Toggle { TG_BAD, TG_OFF, TG_ON, TG_MAP } Toggle;

/* topo_load_diag.c */
void ld_err(Ld *ld, FdLoc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void ld_warn(Ld *ld, FdLoc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void ld_note(Ld *ld, FdLoc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void ld_oom(Ld *ld);
void *ld_xcalloc(Ld *ld, size_t n, size_t size);
char *ld_xstrdup(Ld *ld, const char *s);
const char *ld_show(const char *s, char *buf, size_t size);
bool ld_reported_at(const Ld *ld, FdLoc at);
void ld_suggest(Ld *ld, FdLoc at, const char *word, const char *const *cands, size_t n);
void ld_sort_diags(Ld *ld);

/* topo_load_node.c */
int ld_to_int(size_t v);
FdLoc ld_mark_loc(const Ld *ld, yaml_mark_t m);
FdLoc ld_node_loc(const Ld *ld, const Node *n);
Node *ld_get(Ld *ld, int id);
bool ld_is_null(const Node *n);
bool ld_is_map(const Node *n);
bool ld_is_seq(const Node *n);
size_t ld_map_len(const Node *n);
size_t ld_seq_len(const Node *n);
const char *ld_scalar_str(const Node *n);
void ld_wrong_type(Ld *ld, const Node *v, const char *key, const char *what);
bool ld_collect(Ld *ld, const Node *m, const char *key, const Schema *sc, const char *what,
             Node **k, Node **v);
int ld_scan_names(Ld *ld, const Node *m, const char *kind, int max, unsigned char **skip_out);

/* topo_load_value.c */
bool ld_duration(Ld *ld, const Node *v, const char *key, bool positive, SimTime *out);
bool ld_rate(Ld *ld, const Node *v, const char *key, bool positive, double *out);
bool ld_fraction(Ld *ld, const Node *v, const char *key, bool positive, double *out);
bool ld_count(Ld *ld, const Node *v, const char *key, int64_t lo, int64_t hi, int64_t *out);
void ld_int(Ld *ld, const Node *v, const char *key, int lo, int hi, int *out);
bool ld_number(Ld *ld, const Node *v, const char *key, double lo, double hi, double *out);
bool ld_bool(Ld *ld, const Node *v, const char *key, bool *out);
const char *ld_name(Ld *ld, const Node *v, const char *key, const char *what);
void ld_table_build(Ld *ld, NameTable *tab, const char *const *names, int n);
void ld_table_free(NameTable *tab);
int ld_ref(Ld *ld, const Node *v, const char *key, const NameTable *tab, const char *kind);
int ld_word(Ld *ld, const Node *v, const char *key, const char *what,
            const char *const *words, int n);
Toggle ld_toggle(Ld *ld, const Node *v, const char *key);
void ld_dist(Ld *ld, const Node *m, const char *key, Dist *out);

/* topo_load_csv.c */
void ld_read_csv(Ld *ld, const Node *fv, TopoShape *sh);

/* topo_load_call.c */
void ld_walk_backoff(Ld *ld, const Node *m, const char *key, TopoBackoff *b);
void ld_walk_call(Ld *ld, const Node *m, TopoCall *c);
void ld_walk_calls(Ld *ld, const Node *m, TopoService *s);
void ld_call_regions(Ld *ld);

/* topo_load_service.c */
void ld_pre_services(Ld *ld, const Node *m);
void ld_walk_services(Ld *ld, const Node *m);

/* topo_load_source.c */
void ld_pre_sources(Ld *ld, const Node *m);
void ld_walk_sources(Ld *ld, const Node *m);
void ld_default_weights(Ld *ld, TopoSource *src);

/* topo_load_root.c */
void ld_walk_root(Ld *ld, const Node *root);

/* topo_load.c */
char *ld_slurp(const char *path, long max, bool regular_only, size_t *len, int *err);

#endif

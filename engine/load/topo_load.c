/*
 * topo_load.c: reads a topology file (YAML) into a Topo (see topo_load.h).
 *
 * How it works, and why:
 *
 * - libyaml's document API (yaml_parser_load) turns the text into a graph
 *   of nodes with positions; we walk that graph by hand against the schema
 *   (docs/topology.md). Aliases make the graph a DAG, even a cycle, so the
 *   walk fetches every node through get(), which counts visits against a
 *   budget, and merge keys (the one place the walk recurses) count depth. An
 *   alias bomb costs one error, not the machine. Everything else the walk
 *   does is linear in what it visits: duplicate names are found by sorting,
 *   references are resolved by binary search, a repeated error skips its
 *   "did you mean" search, and those searches share a fixed budget.
 *
 * - libyaml itself is quadratic in flow nesting (its scanner walks every
 *   open level on each token) and in anchors (looked up one by one), so a
 *   first pass over its events (prescan()) caps both before the document is
 *   built, and reports the syntax error, if any.
 *
 * - All errors of a file are reported in one pass. A bad value is reported
 *   and leaves the default in place, and the walk goes on. Only a syntax
 *   error (there is no document to walk), the visit budget and the error
 *   cap end it early. An error that the same node already produced (an
 *   anchor used twice) is reported once.
 *
 * - Names come first: the regions, services, configs and sources are
 *   collected (and duplicates reported) before any section is walked, so
 *   references may point forward. Each mapping is read by collect() into a
 *   table of its known keys, then the values are read in a fixed order; the
 *   diagnostics are put back in file order at the end (finish()), keeping
 *   each error with its notes.
 *
 * - Checks that need every service read (a call's `region:` must be one its
 *   target is deployed in) run once the sections are walked; that pass
 *   (call_regions()) also expands `regions: all` into one call per region,
 *   so the Topo holds only plain calls.
 *
 * - Locations: libyaml's marks are 0-based; mark_loc() adds 1, and is the
 *   only place that does (CSV lines are counted 1-based as they are read).
 *
 * - t->file: every topology FdLoc points at it. Diagnostics about a CSV
 *   file point at that file's path, and on failure the Topo is emptied, so
 *   finish() copies those paths into the same allocation as t->file, after
 *   its NUL: the diagnostics stay valid for as long as t->file does.
 *
 * - The loader is split by job: topo_load_internal.h lists the files and
 *   what each one does; this one holds the rest.
 */
#include "load/topo_load_internal.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "base/fspath.h"
#include "base/units.h"

/* ------------------------------------------------------------------ */
/* Schemas */

enum { R_REGIONS, R_SETTINGS, R_CONFIGS, R_SERVICES, R_SOURCES, R_N };
static const char *const root_keys[R_N] = {
    [R_REGIONS] = "regions", [R_SETTINGS] = "settings", [R_CONFIGS] = "configs",
    [R_SERVICES] = "services", [R_SOURCES] = "sources",
};
SCHEMA(root, "the topology", R_N);

enum { ST_INTERVAL, ST_SAMPLING, ST_BUDGET, ST_PROPAGATION, ST_MONITORING, ST_STATUS_PAGE, ST_N };
static const char *const settings_keys[ST_N] = {
    [ST_INTERVAL] = "interval", [ST_SAMPLING] = "sampling", [ST_BUDGET] = "budget",
    [ST_PROPAGATION] = "propagation", [ST_MONITORING] = "monitoring",
    [ST_STATUS_PAGE] = "status_page",
};
SCHEMA(settings, "settings", ST_N);

enum { CF_STORE, CF_TTL, CF_MAX_STALE, CF_TIMEOUT, CF_N };
static const char *const config_keys[CF_N] = {
    [CF_STORE] = "store", [CF_TTL] = "ttl", [CF_MAX_STALE] = "max_stale", [CF_TIMEOUT] = "timeout",
};
SCHEMA(config, "a config", CF_N);

/* ------------------------------------------------------------------ */
/* Sources */

/* Reads a whole file of at most max bytes. NULL with *err set (an errno
 * value, or NOT_REGULAR) when it cannot. A file named inside a topology
 * must be a regular file (regular_only): a FIFO or a device could block or
 * never end. It is opened without blocking to find out. */
char *slurp(const char *path, long max, bool regular_only, size_t *len, int *err)
{
    int fd = open(path, O_RDONLY | (regular_only ? O_NONBLOCK : 0));
    if (fd < 0) {
        *err = errno;
        return NULL;
    }
    struct stat st;
    if (regular_only && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
        close(fd);
        *err = NOT_REGULAR;
        return NULL;
    }
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        *err = errno;
        close(fd);
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    if (!buf) {
        fclose(f);
        *err = ENOMEM;
        return NULL;
    }
    for (;;) {
        if (n == cap) {
            if (cap >= (size_t)max) {
                free(buf);
                fclose(f);
                *err = EFBIG;
                return NULL;
            }
            cap *= 2;
            char *nb = realloc(buf, cap + 1);
            if (!nb) {
                free(buf);
                fclose(f);
                *err = ENOMEM;
                return NULL;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    if (ferror(f)) {
        *err = errno ? errno : EIO;
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    if (n > (size_t)max) {
        free(buf);
        *err = EFBIG;
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* ------------------------------------------------------------------ */
/* Sections */

static void walk_regions(Ld *ld, const Node *m)
{
    Topo *t = ld->t;
    if (!is_seq(m)) {
        wrong_type(ld, m, "regions", "a list of region names like [eu-west, us-east]");
        ld->reg.broken = true;
        return;
    }
    size_t n = seq_len(m);
    if (n == 0) {
        ld_err(ld, node_loc(ld, m), "regions: the list is empty; name at least one region");
        ld->reg.broken = true;
        return;
    }
    if (n > MAX_REGIONS) {
        ld_err(ld, node_loc(ld, m), "regions: too many regions: at most %d", MAX_REGIONS);
        n = MAX_REGIONS;
    }
    t->regions = xcalloc(ld, n, sizeof *t->regions);
    if (!t->regions) return;
    size_t i = 0;
    char b[64];
    EACH_ITEM(it, m) {
        if (i++ == n) break;
        Node *r = get(ld, *it);
        if (!r) break;
        const char *name = rd_name(ld, r, "regions", "a region name");
        if (!name) continue;
        int dup = -1;
        for (int j = 0; j < t->nregions && dup < 0; j++)
            if (strcmp(t->regions[j].name, name) == 0) dup = j;
        if (dup >= 0) {
            ld_err(ld, node_loc(ld, r), "region '%s' is listed twice", show(name, b, sizeof b));
            ld_note(ld, t->regions[dup].loc, "first listed here");
            continue;
        }
        TopoRegion *reg = &t->regions[t->nregions];
        reg->name = xstrdup(ld, name);
        if (!reg->name) break;
        reg->loc = node_loc(ld, r);
        t->nregions++;
    }
    if (t->nregions == 0) {     /* every name was bad, and said so */
        ld->reg.broken = true;
        return;
    }
    const char **names = xcalloc(ld, (size_t)t->nregions, sizeof *names);
    if (!names) return;
    for (int j = 0; j < t->nregions; j++) names[j] = t->regions[j].name;
    table_build(ld, &ld->reg, names, t->nregions);
    free(names);
}

static void pre_configs(Ld *ld, const Node *m)
{
    Topo *t = ld->t;
    if (!is_map(m)) return;
    int n = scan_names(ld, m, "config", MAX_CONFIGS, &ld->cfg_skip);
    if (!ld->cfg_skip) return;
    t->configs = xcalloc(ld, (size_t)n, sizeof *t->configs);
    const char **names = xcalloc(ld, (size_t)n, sizeof *names);
    if (!t->configs || !names) {
        free(names);
        return;
    }
    size_t i = 0;
    EACH_PAIR(pr, m) {
        if (ld->cfg_skip[i++] || t->nconfigs == n) continue;
        Node *kn = get(ld, pr->key);
        if (!kn) break;
        TopoConfig *c = &t->configs[t->nconfigs++];
        c->name = xstrdup(ld, scalar_str(kn));
        c->loc = node_loc(ld, kn);
        c->store = -1;
        c->timeout = FD_SEC;
        names[t->nconfigs - 1] = c->name;
    }
    table_build(ld, &ld->cfg, names, t->nconfigs);
    free(names);
}

/* What the sources ask the simulation to carry, estimated before any run:
 * every simulated request is a few kernel events and some bytes of queue.
 * Past MAX_SIM_RATE a run cannot finish or fit in memory, so it is refused;
 * past WARN_SIM_RATE it is slow, so it is said. With a budget, firedrill
 * picks the sampling itself. Shapes and surges scale the rate further at
 * run time; this is the floor. */
#define MIN_INTERVAL FD_SEC
#define WARN_SIM_RATE 2e5
#define MAX_SIM_RATE 5e6
#define EVENTS_PER_REQUEST 4

static void check_load(Ld *ld)
{
    const Topo *t = ld->t;
    if (t->budget > 0 || ld->errors || !ld->top_rate_loc.file) return;
    double total = 0;
    for (int i = 0; i < t->nsources; i++) total += t->sources[i].rate;
    double sampling = topo_sampling(t);
    double sim = total / sampling;
    if (sim <= WARN_SIM_RATE) return;
    double events_h = sim * 3600 * EVENTS_PER_REQUEST;
    char est[200];
    snprintf(est, sizeof est,
             "at sampling %g the sources simulate %.3g requests per second, about %.2g kernel "
             "events per simulated hour",
             sampling, sim, events_h);
    double need = ceil(total / WARN_SIM_RATE);
    if (sim > MAX_SIM_RATE) {
        ld_err(ld, ld->top_rate_loc, "rate: too much traffic to simulate: %s", est);
        ld_note(ld, ld->top_rate_loc,
                "set settings.sampling to %g or more, or settings.budget (like budget: 20000/s)",
                need);
    } else {
        ld_warn(ld, ld->top_rate_loc, "rate: a slow run: %s", est);
        ld_note(ld, ld->top_rate_loc,
                "settings.sampling of %g or settings.budget (like budget: 20000/s) keeps it quick",
                need);
    }
}

static void walk_settings(Ld *ld, const Node *m)
{
    Topo *t = ld->t;
    Node *k[ST_N], *v[ST_N];
    if (!collect(ld, m, "settings", &settings_schema, "settings", k, v)) return;
    if (rd_duration(ld, v[ST_INTERVAL], "interval", true, &t->interval) &&
        t->interval < MIN_INTERVAL) {
        char b[64];
        ld_err(ld, node_loc(ld, v[ST_INTERVAL]),
               "interval: '%s' is shorter than 1s: every interval writes a metrics row per "
               "service and region, and an hour at 1ns would be terabytes of metrics.csv",
               show(scalar_str(v[ST_INTERVAL]), b, sizeof b));
    }
    rd_number(ld, v[ST_SAMPLING], "sampling", 1, 1e9, &t->sampling);
    rd_rate(ld, v[ST_BUDGET], "budget", true, &t->budget);
    if (v[ST_SAMPLING] && v[ST_BUDGET]) {
        ld_err(ld, node_loc(ld, k[ST_BUDGET]), "settings: set either 'sampling' or 'budget', not both");
        ld_note(ld, node_loc(ld, k[ST_SAMPLING]), "'sampling' is set here");
    }
    rd_duration(ld, v[ST_PROPAGATION], "propagation", false, &t->propagation);
    if (v[ST_MONITORING])
        t->monitoring = rd_ref(ld, v[ST_MONITORING], "monitoring", &ld->svc, "service");
    if (v[ST_STATUS_PAGE])
        t->status_page = rd_ref(ld, v[ST_STATUS_PAGE], "status_page", &ld->svc, "service");
}

static void walk_configs(Ld *ld, const Node *m)
{
    if (is_null(m)) return;
    if (!is_map(m)) {
        wrong_type(ld, m, "configs", "a mapping of config names to { store: service }");
        return;
    }
    EACH_DEFINED(ld, m, ld->cfg_skip, ld->t->nconfigs, idx, vn) {
        TopoConfig *c = &ld->t->configs[idx];
        char what[96], b[64];
        snprintf(what, sizeof what, "config '%s'", show(c->name, b, sizeof b));
        Node *k[CF_N], *v[CF_N];
        if (!collect(ld, vn, c->name, &config_schema, what, k, v)) continue;
        if (v[CF_STORE]) c->store = rd_ref(ld, v[CF_STORE], "store", &ld->svc, "service");
        bool ttl_ok = rd_duration(ld, v[CF_TTL], "ttl", true, &c->ttl);
        bool stale_ok = rd_duration(ld, v[CF_MAX_STALE], "max_stale", true, &c->max_stale);
        rd_duration(ld, v[CF_TIMEOUT], "timeout", true, &c->timeout);
        if (v[CF_TTL] && !v[CF_STORE])
            ld_err(ld, node_loc(ld, k[CF_TTL]),
                   "ttl: config '%s' has no store to refresh it from (add store: SERVICE)",
                   show(c->name, b, sizeof b));
        if ((v[CF_MAX_STALE] || v[CF_TIMEOUT]) && !v[CF_TTL]) {
            int key = v[CF_MAX_STALE] ? CF_MAX_STALE : CF_TIMEOUT;
            ld_err(ld, node_loc(ld, k[key]),
                   "%s: config '%s' has no ttl: without a cache nothing is refreshed",
                   config_keys[key], show(c->name, b, sizeof b));
        }
        if (ttl_ok && stale_ok && c->max_stale <= c->ttl)
            ld_err(ld, node_loc(ld, v[CF_MAX_STALE]),
                   "max_stale: must be more than ttl (%gs), or every copy goes stale before "
                   "its refresh", fd_time_sec(c->ttl));
    }
}

static void walk_root(Ld *ld, const Node *root)
{
    Topo *t = ld->t;
    if (!is_map(root)) {
        wrong_type(ld, root, "topology", "a mapping with regions, services and sources");
        return;
    }
    Node *k[R_N], *v[R_N];
    if (!collect(ld, root, "topology", &root_schema, "the topology", k, v)) return;
    (void)k;
    if (v[R_REGIONS]) walk_regions(ld, v[R_REGIONS]);
    else ld->reg.broken = true;
    if (v[R_SERVICES]) pre_services(ld, v[R_SERVICES]);
    else ld->svc.broken = true;
    if (v[R_CONFIGS]) pre_configs(ld, v[R_CONFIGS]);
    if (v[R_SOURCES]) pre_sources(ld, v[R_SOURCES]);
    if (v[R_SETTINGS]) walk_settings(ld, v[R_SETTINGS]);
    if (v[R_CONFIGS]) walk_configs(ld, v[R_CONFIGS]);
    if (v[R_SERVICES]) walk_services(ld, v[R_SERVICES]);
    if (v[R_SOURCES]) walk_sources(ld, v[R_SOURCES]);
    if (ld->stop) return;
    call_regions(ld);
    FdLoc top = node_loc(ld, root);
    if (!v[R_REGIONS])
        ld_err(ld, top, "missing 'regions': list the regions, like regions: [eu-west, us-east]");
    if (!v[R_SERVICES])
        ld_err(ld, top, "missing 'services': a topology needs at least one service");
    if (!v[R_SOURCES])
        ld_err(ld, top, "missing 'sources': a topology needs at least one traffic source");
    for (int i = 0; i < t->nsources; i++)
        if (!ld->weights_given[i]) default_weights(ld, &t->sources[i]);
    check_load(ld);
}

/* ------------------------------------------------------------------ */
/* The load */

/* libyaml gave up: say where and why. A reader error (bytes that are not
 * UTF-8) comes with a byte offset instead of a mark. */
static void syntax_error(Ld *ld, const yaml_parser_t *p, const char *text, size_t len)
{
    const char *file = ld->t->file;
    if (p->error == YAML_MEMORY_ERROR) {
        oom(ld);
        return;
    }
    const char *problem = p->problem ? p->problem : "the parser gave up";
    if (p->error == YAML_READER_ERROR) {
        size_t off = p->problem_offset < len ? p->problem_offset : len;
        int line = 1, col = 1;
        for (size_t i = 0; i < off; i++) {
            if (text[i] == '\n') line++, col = 1;
            else if (((unsigned char)text[i] & 0xC0) != 0x80) col++;
        }
        if (p->problem_value >= 0)
            ld_err(ld, (FdLoc){ file, line, col }, "syntax error: %s (byte 0x%02X)", problem,
                   (unsigned)p->problem_value);
        else
            ld_err(ld, (FdLoc){ file, line, col }, "syntax error: %s", problem);
        return;
    }
    if (p->error == YAML_COMPOSER_ERROR) {
        /* Aliases and anchors: libyaml words a repeated anchor as a context
         * ("found duplicate anchor; first occurrence") and a problem. */
        if (p->context && strstr(p->context, "duplicate anchor")) {
            ld_err(ld, mark_loc(ld, p->problem_mark), "anchor defined twice");
            ld_note(ld, mark_loc(ld, p->context_mark), "first defined here");
        } else {
            ld_err(ld, mark_loc(ld, p->problem_mark), "%s", problem);
        }
        return;
    }
    ld_err(ld, mark_loc(ld, p->problem_mark), "syntax error: %s", problem);
    if (p->context) ld_note(ld, mark_loc(ld, p->context_mark), "%s", p->context);
}

/* A first pass over libyaml's events, before it builds the document. It
 * reports the syntax error libyaml stops at, and caps what libyaml itself
 * pays for with the square of its count: its scanner walks every open flow
 * level on every token, and its composer looks anchors up one by one.
 * Returns false when the document must not be built. */
static bool prescan(Ld *ld, const char *text, size_t len)
{
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p)) {
        oom(ld);
        return false;
    }
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    int depth = 0, docs = 0;
    size_t anchors = 0, aliases = 0;
    bool ok = true, end = false;
    while (ok && !end) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&p, &ev)) {
            syntax_error(ld, &p, text, len);
            ok = false;
            break;
        }
        FdLoc at = mark_loc(ld, ev.start_mark);
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            end = true;
            break;
        case YAML_DOCUMENT_START_EVENT:
            /* Only the first document is read: a second would be ignored. */
            if (++docs == 2)
                ld_err(ld, at, "a topology file holds one YAML document; this is a second one");
            break;
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            if (ev.type == YAML_SEQUENCE_START_EVENT ? ev.data.sequence_start.anchor != NULL
                                                     : ev.data.mapping_start.anchor != NULL)
                anchors++;
            if (++depth > MAX_NESTING) {
                ld_err(ld, at, "nested too deeply: more than %d levels", MAX_NESTING);
                ok = false;
            }
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            depth--;
            break;
        case YAML_SCALAR_EVENT:
            if (ev.data.scalar.anchor) anchors++;
            break;
        case YAML_ALIAS_EVENT:
            aliases++;
            break;
        default:
            break;
        }
        if (anchors > MAX_ANCHORS) {
            ld_err(ld, at, "too many anchors (&name): at most %d", MAX_ANCHORS);
            ok = false;
        } else if (aliases > MAX_ALIASES) {
            ld_err(ld, at, "too many aliases (*name): at most %d", MAX_ALIASES);
            ok = false;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&p);
    return ok;
}

/* Sorts the diagnostics and, on failure, empties t but for t->file, into
 * which the names of the CSV files the diagnostics mention are copied. */
static int finish(Ld *ld)
{
    Topo *t = ld->t;
    DiagList *dl = ld->dl;
    sort_diags(ld);
    if (ld->errors == 0) return 0;
    size_t tl = strlen(t->file) + 1, total = tl;
    for (int j = 0; j < ld->ncsv; j++) total += strlen(ld->csv[j].path) + 1;
    char *blob = malloc(total);
    if (blob) {
        memcpy(blob, t->file, tl);
        for (size_t i = ld->start; i < dl->n; i++)
            if (dl->v[i].loc.file == t->file) dl->v[i].loc.file = blob;
    }
    size_t off = tl;
    for (int j = 0; j < ld->ncsv; j++) {
        const char *path = ld->csv[j].path;
        size_t fl = strlen(path) + 1;
        /* Without the copy, a CSV diagnostic falls back to the topology's name. */
        const char *to = blob ? blob + off : t->file;
        if (blob) memcpy(blob + off, path, fl);
        for (size_t i = ld->start; i < dl->n; i++)
            if (dl->v[i].loc.file == path) dl->v[i].loc.file = to;
        off += fl;
    }
    char *file = t->file;
    t->file = NULL;
    topo_free(t);
    if (blob) {
        free(file);
        file = blob;
    }
    t->file = file;
    return -1;
}

static int load(Topo *t, const char *text, size_t len, DiagList *dl)
{
    t->inputs = fd_digest_add(t->inputs, text, len);
    Ld ld;
    memset(&ld, 0, sizeof ld);
    ld.t = t;
    ld.dl = dl;
    ld.start = dl->n;
    const char *slash = strrchr(t->file, '/');
    size_t dirlen = slash ? (size_t)(slash - t->file) : 0;
    if (slash && dirlen == 0) dirlen = 1;     /* "/topology.yaml": the root folder */
    ld.dir = malloc(dirlen + 1);
    if (ld.dir) {
        memcpy(ld.dir, t->file, dirlen);
        ld.dir[dirlen] = '\0';
    }
    yaml_parser_t p;
    if (!ld.dir) {
        oom(&ld);
    } else if (!prescan(&ld, text, len)) {
        /* reported */
    } else if (!yaml_parser_initialize(&p)) {
        oom(&ld);
    } else {
        yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
        yaml_document_t doc;
        if (!yaml_parser_load(&p, &doc)) {
            syntax_error(&ld, &p, text, len);
        } else {
            Node *root = yaml_document_get_root_node(&doc);
            if (!root) {
                ld_err(&ld, (FdLoc){ t->file, 1, 1 },
                       "the file is empty: a topology needs regions, services and sources");
            } else {
                ld.doc = &doc;
                size_t nodes = (size_t)(doc.nodes.top - doc.nodes.start);
                ld.max_visits = MAX_VISITS + MAX_VISITS_PER_NODE * nodes;
                walk_root(&ld, root);
            }
            yaml_document_delete(&doc);
        }
        yaml_parser_delete(&p);
    }
    int rc = finish(&ld);
    if (ld.oom || dl->oom) rc = -3;
    free(ld.dir);
    free(ld.anchor);
    table_free(&ld.reg);
    table_free(&ld.svc);
    table_free(&ld.cfg);
    free(ld.svc_skip);
    free(ld.cfg_skip);
    free(ld.src_skip);
    free(ld.weights_given);
    for (int j = 0; j < ld.ncsv; j++) free(ld.csv[j].path);
    free(ld.csv);
    return rc;
}

int topo_load_string(Topo *t, const char *name, const char *text, size_t len, DiagList *dl)
{
    topo_init(t);
    t->file = strdup(name);
    if (!t->file) {
        FdLoc nowhere = { NULL, 0, 0 };
        diag_error(dl, nowhere, "out of memory");
        return -3;
    }
    return load(t, text, len, dl);
}

int topo_load_file(Topo *t, const char *path, DiagList *dl)
{
    topo_init(t);
    t->file = strdup(path);
    if (!t->file) {
        FdLoc nowhere = { NULL, 0, 0 };
        diag_error(dl, nowhere, "out of memory");
        return -3;
    }
    size_t len = 0;
    int e = 0;
    char *text = slurp(path, MAX_FILE_BYTES, false, &len, &e);
    if (!text) {
        FdLoc at = { t->file, 0, 0 };
        diag_error(dl, at, "cannot read the topology file: %s", strerror(e));
        return e == ENOMEM ? -3 : -2;
    }
    int rc = load(t, text, len, dl);
    free(text);
    return rc;
}

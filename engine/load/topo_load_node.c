/*
 * topo_load_node.c: libyaml's nodes as the walk sees them (see
 * topo_load_internal.h).
 *
 * Aliases make the document a DAG, even a cycle, so every node the walk
 * looks at comes through ld_get(), which counts visits against the load's
 * budget; merge keys (<<), the one place the walk recurses, count depth.
 * Past either the walk stops with one error: an alias bomb costs an error,
 * not the machine.
 *
 * On top of that, the two kinds of mapping a topology is made of: a fixed
 * set of keys, read by ld_collect() (unknown keys with "did you mean",
 * duplicates, merge keys; `x-` keys are the user's own), and names to
 * objects, checked by ld_scan_names() (duplicates found by sorting).
 */
#include "load/topo_load_internal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ld_to_int(size_t v)
{
    return v >= (size_t)INT_MAX ? INT_MAX : (int)v;
}

/* The one place a libyaml mark (0-based) becomes an FdLoc (1-based). */
FdLoc ld_mark_loc(const Ld *ld, yaml_mark_t m)
{
    return (FdLoc){ ld->t->file, ld_to_int(m.line + 1), ld_to_int(m.column + 1) };
}

FdLoc ld_node_loc(const Ld *ld, const Node *n)
{
    return ld_mark_loc(ld, n->start_mark);
}

/* Every node the walk looks at comes through here: the visit budget is what
 * keeps aliases from expanding without bound. NULL means stop walking. */
Node *ld_get(Ld *ld, int id)
{
    if (ld->stop) return NULL;
    Node *n = yaml_document_get_node(ld->doc, id);
    if (!n) return NULL;
    if (++ld->visits > ld->max_visits) {
        ld_err(ld, ld_node_loc(ld, n),
               "alias expansion too large: more than %zu nodes visited (an alias bomb?)",
               ld->max_visits);
        ld->stop = true;
        return NULL;
    }
    return n;
}

bool ld_is_null(const Node *n)
{
    if (n->type == YAML_NO_NODE) return true;
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    const char *s = (const char *)n->data.scalar.value;
    size_t len = n->data.scalar.length;
    return len == 0 || (len == 1 && s[0] == '~') ||
           (len == 4 && (!memcmp(s, "null", 4) || !memcmp(s, "Null", 4) ||
                         !memcmp(s, "NULL", 4)));
}

bool ld_is_map(const Node *n) { return n->type == YAML_MAPPING_NODE; }
bool ld_is_seq(const Node *n) { return n->type == YAML_SEQUENCE_NODE; }

size_t ld_map_len(const Node *n)
{
    return (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
}

size_t ld_seq_len(const Node *n)
{
    return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
}

/* A scalar's text, or NULL when it is not a scalar or holds a NUL byte
 * (which a C string cannot carry). */
const char *ld_scalar_str(const Node *n)
{
    if (n->type != YAML_SCALAR_NODE) return NULL;
    const char *s = (const char *)n->data.scalar.value;
    return strlen(s) == n->data.scalar.length ? s : NULL;
}

static bool is_merge(const Node *k)
{
    const char *s = ld_scalar_str(k);
    return s && k->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && strcmp(s, "<<") == 0;
}

/* What a node is, for "expected X, got Y". */
static const char *describe(const Node *n, char *buf, size_t size)
{
    if (ld_is_null(n)) return "nothing";
    if (ld_is_seq(n)) return "a list";
    if (ld_is_map(n)) return "a mapping";
    char b[64];
    snprintf(buf, size, "'%s'", ld_show((const char *)n->data.scalar.value, b, sizeof b));
    return buf;
}

void ld_wrong_type(Ld *ld, const Node *v, const char *key, const char *what)
{
    char d[80];
    ld_err(ld, ld_node_loc(ld, v), "%s: expected %s, got %s", key, what, describe(v, d, sizeof d));
}

/* ------------------------------------------------------------------ */
/* Mappings with a fixed set of keys */

static void unknown_key(Ld *ld, const Node *k, const char *name, const Schema *sc,
                        const char *what)
{
    char b[64];
    FdLoc at = ld_node_loc(ld, k);
    if (ld_reported_at(ld, at)) return;
    ld_err(ld, at, "unknown key '%s' in %s", ld_show(name, b, sizeof b), what);
    const char *s = diag_suggest(name, sc->keys, (size_t)sc->n);
    if (s) {
        ld_note(ld, at, "did you mean '%s'?", s);
        return;
    }
    char list[600];
    size_t len = 0;
    list[0] = '\0';
    for (int i = 0; i < sc->n && len < sizeof list; i++) {
        int w = snprintf(list + len, sizeof list - len, "%s%s", i ? ", " : "", sc->keys[i]);
        if (w < 0) break;
        len += (size_t)w;
    }
    ld_note(ld, at, "the keys here are: %s", list);
}

static void collect_pairs(Ld *ld, const Node *m, const Schema *sc, const char *what, Node **k,
                          Node **v, bool merged);

/* `<<: *anchor` or `<<: [*a, *b]`: the merged mappings fill the keys not
 * already set, earlier ones first (YAML's merge key rule). */
static void merge(Ld *ld, const Node *mv, const Schema *sc, const char *what, Node **k, Node **v)
{
    if (ld->depth >= MAX_DEPTH) {
        ld_err(ld, ld_node_loc(ld, mv), "merge keys (<<) nested too deeply (a recursive alias?)");
        ld->stop = true;
        return;
    }
    ld->depth++;
    if (ld_is_map(mv)) {
        collect_pairs(ld, mv, sc, what, k, v, true);
    } else if (ld_is_seq(mv)) {
        EACH_ITEM(it, mv) {
            Node *m = ld_get(ld, *it);
            if (!m) break;
            if (ld_is_map(m)) collect_pairs(ld, m, sc, what, k, v, true);
            else ld_wrong_type(ld, m, "<<", "a mapping to merge");
        }
    } else {
        ld_wrong_type(ld, mv, "<<", "a mapping (or a list of mappings) to merge");
    }
    ld->depth--;
}

static void collect_pairs(Ld *ld, const Node *m, const Schema *sc, const char *what, Node **k,
                          Node **v, bool merged)
{
    /* Explicit keys first: they win over merged ones wherever they stand. */
    EACH_PAIR(pr, m) {
        Node *kn = ld_get(ld, pr->key), *vn = ld_get(ld, pr->value);
        if (!kn || !vn) return;
        const char *name = ld_scalar_str(kn);
        if (!name) {
            char d[80];
            ld_err(ld, ld_node_loc(ld, kn), "expected a key name in %s, got %s", what,
                   kn->type == YAML_SCALAR_NODE ? "text with a NUL character"
                                                : describe(kn, d, sizeof d));
            continue;
        }
        if (is_merge(kn) || strncmp(name, "x-", 2) == 0) continue;
        int i = 0;
        while (i < sc->n && strcmp(sc->keys[i], name) != 0) i++;
        if (i == sc->n) {
            unknown_key(ld, kn, name, sc, what);
            continue;
        }
        if (k[i]) {
            if (!merged) {
                ld_err(ld, ld_node_loc(ld, kn), "duplicate key '%s'", name);
                ld_note(ld, ld_node_loc(ld, k[i]), "'%s' was first set here", name);
            }
            continue;
        }
        k[i] = kn;
        v[i] = vn;
    }
    EACH_PAIR(pr, m) {
        Node *kn = ld_get(ld, pr->key);
        if (!kn) return;
        if (!is_merge(kn)) continue;
        Node *vn = ld_get(ld, pr->value);
        if (!vn) return;
        merge(ld, vn, sc, what, k, v);
    }
}

/* Reads mapping m (the value of `key`) into k[] and v[], indexed like
 * sc->keys; absent keys are NULL. An empty value counts as an empty
 * mapping. Returns false, having reported it, when m is not a mapping. */
bool ld_collect(Ld *ld, const Node *m, const char *key, const Schema *sc, const char *what,
             Node **k, Node **v)
{
    for (int i = 0; i < sc->n; i++) k[i] = v[i] = NULL;
    if (ld_is_null(m)) return true;
    if (!ld_is_map(m)) {
        ld_wrong_type(ld, m, key, "a mapping of settings");
        return false;
    }
    collect_pairs(ld, m, sc, what ? what : sc->what, k, v, false);
    return !ld->stop;
}

/* ------------------------------------------------------------------ */
/* Mappings from names to objects: services, configs, sources */

typedef struct KeyRef {
    const char *name;
    size_t ord;
    const Node *key;
} KeyRef;

static int cmp_keyref(const void *a, const void *b)
{
    const KeyRef *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->ord > y->ord) - (x->ord < y->ord);
}

/* Flags in *skip (one per pair) the pairs of m that define nothing (not a
 * usable name, or one already defined, both reported), and returns how many
 * names m defines. Sorting finds the duplicates in n log n. */
int ld_scan_names(Ld *ld, const Node *m, const char *kind, int max, unsigned char **skip_out)
{
    size_t n = ld_map_len(m), nr = 0, i = 0;
    unsigned char *skip = ld_xcalloc(ld, n, 1);
    KeyRef *r = ld_xcalloc(ld, n, sizeof *r);
    *skip_out = skip;
    if (!skip || !r) {
        free(r);
        return 0;
    }
    memset(skip, 1, n);
    char b[64];
    EACH_PAIR(pr, m) {
        size_t ord = i++;
        Node *kn = ld_get(ld, pr->key);
        if (!kn) break;
        const char *name = ld_scalar_str(kn);
        if (!name || ld_is_null(kn) || !*name) {
            char d[80];
            ld_err(ld, ld_node_loc(ld, kn), "expected a %s name, got %s", kind,
                   kn->type != YAML_SCALAR_NODE ? describe(kn, d, sizeof d)
                   : name ? "nothing" : "text with a NUL character");
            continue;
        }
        if (is_merge(kn)) {
            ld_err(ld, ld_node_loc(ld, kn), "merge keys (<<) are not supported among %s names", kind);
            continue;
        }
        skip[ord] = 0;
        r[nr++] = (KeyRef){ name, ord, kn };
    }
    qsort(r, nr, sizeof *r, cmp_keyref);
    size_t first = 0;
    for (size_t j = 1; j < nr; j++) {
        if (strcmp(r[j].name, r[first].name) != 0) {
            first = j;
            continue;
        }
        skip[r[j].ord] = 1;
        ld_err(ld, ld_node_loc(ld, r[j].key), "%s '%s' is defined twice", kind,
               ld_show(r[j].name, b, sizeof b));
        ld_note(ld, ld_node_loc(ld, r[first].key), "'%s' was first defined here",
                ld_show(r[j].name, b, sizeof b));
    }
    free(r);
    int count = 0;
    for (size_t j = 0; j < n; j++) {
        if (skip[j]) continue;
        if (count == max) {
            ld_err(ld, ld_node_loc(ld, m), "too many %ss: at most %d", kind, max);
            for (; j < n; j++) skip[j] = 1;
            break;
        }
        count++;
    }
    return count;
}

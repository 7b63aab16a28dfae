/*
 * topo_load_value.c: typed values (see topo_load_internal.h): durations,
 * rates, fractions, counts, numbers, booleans, names, references to named
 * objects, words from a fixed set, sub-blocks that may be switched on or
 * off, and service-time distributions.
 *
 * Every reader reports a bad value at the value's own file:line:col, in
 * the words "key: 'text' why", and leaves its output as it was, so the
 * default stays in place and the walk goes on. References are resolved by
 * binary search in a NameTable; a reference into a section that is itself
 * missing or bad is not reported again.
 */
#include "load/topo_load_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/units.h"

/* The text of a scalar value; anything else is reported as not being
 * `what` and gives NULL. */
static const char *node_text(Ld *ld, const Node *v, const char *key, const char *what)
{
    if (v->type == YAML_SCALAR_NODE && !ld_is_null(v)) {
        const char *s = ld_scalar_str(v);
        if (s) return s;
        ld_err(ld, ld_node_loc(ld, v), "%s: expected %s, got text with a NUL character", key, what);
        return NULL;
    }
    ld_wrong_type(ld, v, key, what);
    return NULL;
}

static void bad_value(Ld *ld, const Node *v, const char *key, const char *s, const char *why)
{
    char b[64];
    ld_err(ld, ld_node_loc(ld, v), "%s: '%s' %s", key, ld_show(s, b, sizeof b), why);
}

/* ------------------------------------------------------------------ */
/* Values. Each reader does nothing when v is NULL (the key is absent),
 * stores the value and returns true when it is good, and otherwise reports
 * it and leaves *out alone. */

#define A_DURATION "a duration like 250ms"

bool ld_duration(Ld *ld, const Node *v, const char *key, bool positive, SimTime *out)
{
    if (!v) return false;
    const char *s = node_text(ld, v, key, A_DURATION), *why;
    if (!s) return false;
    SimTime d;
    if (units_parse_duration(s, &d, &why) < 0) {
        bad_value(ld, v, key, s, why);
        return false;
    }
    if (positive && d <= 0) {
        bad_value(ld, v, key, s, "must be more than 0");
        return false;
    }
    *out = d;
    return true;
}

bool ld_rate(Ld *ld, const Node *v, const char *key, bool positive, double *out)
{
    if (!v) return false;
    const char *s = node_text(ld, v, key, "a rate like 100/s"), *why;
    if (!s) return false;
    double r;
    if (units_parse_rate(s, &r, &why) < 0) {
        bad_value(ld, v, key, s, why);
        return false;
    }
    if (positive && !(r > 0)) {
        bad_value(ld, v, key, s, "must be more than 0");
        return false;
    }
    *out = r;
    return true;
}

bool ld_fraction(Ld *ld, const Node *v, const char *key, bool positive, double *out)
{
    if (!v) return false;
    const char *s = node_text(ld, v, key, "a fraction like 0.5 or 50%"), *why;
    if (!s) return false;
    double f;
    if (units_parse_fraction(s, &f, &why) < 0) {
        bad_value(ld, v, key, s, why);
        return false;
    }
    if (positive && !(f > 0)) {
        bad_value(ld, v, key, s, "must be more than 0");
        return false;
    }
    *out = f;
    return true;
}

bool ld_count(Ld *ld, const Node *v, const char *key, int64_t lo, int64_t hi, int64_t *out)
{
    if (!v) return false;
    const char *s = node_text(ld, v, key, "a whole number"), *why;
    if (!s) return false;
    int64_t n;
    if (units_parse_count(s, &n, &why) < 0) {
        bad_value(ld, v, key, s, why);
        return false;
    }
    char b[64];
    if (n < lo) {
        ld_err(ld, ld_node_loc(ld, v), "%s: '%s' must be at least %lld", key, ld_show(s, b, sizeof b),
               (long long)lo);
        return false;
    }
    if (n > hi) {
        ld_err(ld, ld_node_loc(ld, v), "%s: '%s' must be at most %lld", key, ld_show(s, b, sizeof b),
               (long long)hi);
        return false;
    }
    *out = n;
    return true;
}

void ld_int(Ld *ld, const Node *v, const char *key, int lo, int hi, int *out)
{
    int64_t n;
    if (ld_count(ld, v, key, lo, hi, &n)) *out = (int)n;
}

bool ld_number(Ld *ld, const Node *v, const char *key, double lo, double hi, double *out)
{
    if (!v) return false;
    const char *s = node_text(ld, v, key, "a number"), *why;
    if (!s) return false;
    double x;
    if (units_parse_number(s, &x, &why) < 0) {
        bad_value(ld, v, key, s, why);
        return false;
    }
    char b[64];
    if (x < lo) {
        ld_err(ld, ld_node_loc(ld, v), "%s: '%s' must be at least %g", key, ld_show(s, b, sizeof b), lo);
        return false;
    }
    if (x > hi) {
        ld_err(ld, ld_node_loc(ld, v), "%s: '%s' must be at most %g", key, ld_show(s, b, sizeof b), hi);
        return false;
    }
    *out = x;
    return true;
}

/* YAML 1.1's booleans, which is what libyaml users expect. */
static int parse_bool(const char *s)
{
    static const char *const yes[] = { "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON" };
    static const char *const no[] = { "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF" };
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (strcmp(s, yes[i]) == 0) return 1;
        if (strcmp(s, no[i]) == 0) return 0;
    }
    return -1;
}

bool ld_bool(Ld *ld, const Node *v, const char *key, bool *out)
{
    if (!v) return false;
    const char *s = node_text(ld, v, key, "true or false");
    if (!s) return false;
    int b = parse_bool(s);
    if (b < 0) {
        bad_value(ld, v, key, s, "is not true or false");
        return false;
    }
    *out = b;
    return true;
}

/* A non-empty name. */
const char *ld_name(Ld *ld, const Node *v, const char *key, const char *what)
{
    if (!v) return NULL;
    const char *s = node_text(ld, v, key, what);
    if (s && !*s) {
        ld_err(ld, ld_node_loc(ld, v), "%s: the name is empty", key);
        return NULL;
    }
    return s;
}

/* ------------------------------------------------------------------ */
/* Names and references */

static int cmp_nameix(const void *a, const void *b)
{
    const NameIx *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

/* Builds tab from n names (entries may be NULL after an OOM: skipped). */
void ld_table_build(Ld *ld, NameTable *tab, const char *const *names, int n)
{
    tab->ix = ld_xcalloc(ld, (size_t)n, sizeof *tab->ix);
    tab->names = ld_xcalloc(ld, (size_t)n, sizeof *tab->names);
    tab->n = 0;
    if (!tab->ix || !tab->names) return;
    for (int i = 0; i < n; i++) {
        if (!names[i]) continue;
        tab->names[tab->n] = names[i];
        tab->ix[tab->n] = (NameIx){ names[i], i };
        tab->n++;
    }
    qsort(tab->ix, (size_t)tab->n, sizeof *tab->ix, cmp_nameix);
}

static int table_find(const NameTable *tab, const char *name)
{
    size_t lo = 0, hi = (size_t)tab->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(tab->ix[mid].name, name);
        if (c == 0) return tab->ix[mid].idx;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return -1;
}

void ld_table_free(NameTable *tab)
{
    free(tab->ix);
    free(tab->names);
}

/* Resolves the name in v against tab; kind names the object ("service"). */
int ld_ref(Ld *ld, const Node *v, const char *key, const NameTable *tab, const char *kind)
{
    if (!v) return -1;
    char what[48];
    snprintf(what, sizeof what, "a %s name", kind);
    const char *s = node_text(ld, v, key, what);
    if (!s) return -1;
    int i = table_find(tab, s);
    if (i >= 0 || tab->broken) return i;
    char b[64];
    FdLoc at = ld_node_loc(ld, v);
    if (ld_reported_at(ld, at)) return -1;
    ld_err(ld, at, "%s: unknown %s '%s'", key, kind, ld_show(s, b, sizeof b));
    ld_suggest(ld, at, s, tab->names, (size_t)tab->n);
    return -1;
}

/* A word from a fixed set (a kind, a signal), with "did you mean". */
int ld_word(Ld *ld, const Node *v, const char *key, const char *what,
            const char *const *words, int n)
{
    if (!v) return -1;
    const char *s = node_text(ld, v, key, what);
    if (!s) return -1;
    for (int i = 0; i < n; i++)
        if (strcmp(s, words[i]) == 0) return i;
    if (ld_reported_at(ld, ld_node_loc(ld, v))) return -1;
    char b[64], list[200];
    size_t len = 0;
    list[0] = '\0';
    for (int i = 0; i < n && len < sizeof list; i++) {
        int w = snprintf(list + len, sizeof list - len, "%s%s", i ? ", " : "", words[i]);
        if (w < 0) break;
        len += (size_t)w;
    }
    FdLoc at = ld_node_loc(ld, v);
    ld_err(ld, at, "%s: '%s' is not one of: %s", key, ld_show(s, b, sizeof b), list);
    ld_suggest(ld, at, s, words, (size_t)n);
    return -1;
}

/* A sub-block that may be written as a mapping, as `true` (on, with the
 * defaults) or as `false` (off): breaker, budget, health, autoscale. */
Toggle ld_toggle(Ld *ld, const Node *v, const char *key)
{
    if (ld_is_map(v) || ld_is_null(v)) return ld_is_map(v) ? TG_MAP : TG_ON;
    const char *s = ld_scalar_str(v);
    int b = s ? parse_bool(s) : -1;
    if (b >= 0) return b ? TG_ON : TG_OFF;
    ld_wrong_type(ld, v, key, "a mapping of settings, or true or false");
    return TG_BAD;
}

/* ------------------------------------------------------------------ */
/* Distributions */

enum { D_DIST, D_VALUE, D_MEAN, D_MEDIAN, D_P99, D_MIN, D_MAX, D_TABLE, D_N };
static const char *const dist_keys[D_N] = {
    [D_DIST] = "dist", [D_VALUE] = "value", [D_MEAN] = "mean", [D_MEDIAN] = "median",
    [D_P99] = "p99", [D_MIN] = "min", [D_MAX] = "max", [D_TABLE] = "table",
};
SCHEMA(dist, "a distribution", D_N);

enum { DK_CONSTANT, DK_UNIFORM, DK_EXP, DK_EXPONENTIAL, DK_LOGNORMAL, DK_EMPIRICAL, DK_N };
static const char *const dist_names[DK_N] = {
    [DK_CONSTANT] = "constant", [DK_UNIFORM] = "uniform", [DK_EXP] = "exp",
    [DK_EXPONENTIAL] = "exponential", [DK_LOGNORMAL] = "lognormal", [DK_EMPIRICAL] = "empirical",
};

/* The keys each distribution takes, as bits of the D_* indexes. */

static const unsigned dist_takes[DK_N] = {
    [DK_CONSTANT] = BIT(D_VALUE),
    [DK_UNIFORM] = BIT(D_MIN) | BIT(D_MAX),
    [DK_EXP] = BIT(D_MEAN),
    [DK_EXPONENTIAL] = BIT(D_MEAN),
    [DK_LOGNORMAL] = BIT(D_MEDIAN) | BIT(D_P99),
    [DK_EMPIRICAL] = BIT(D_TABLE),
};

static void takes_list(unsigned mask, const char *const *keys, int n, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && len < size; i++) {
        if (!(mask & BIT(i))) continue;
        int w = snprintf(buf + len, size - len, "%s%s", len ? ", " : "", keys[i]);
        if (w < 0) break;
        len += (size_t)w;
    }
}

static bool rd_table(Ld *ld, const Node *tab, Dist *out)
{
    if (!ld_is_seq(tab)) {
        ld_wrong_type(ld, tab, "table", "a list of [value, cumulative %] pairs like [[5ms, 50%], [20ms, 100%]]");
        return false;
    }
    size_t n = ld_seq_len(tab);
    double *xs = ld_xcalloc(ld, n, sizeof *xs), *ps = ld_xcalloc(ld, n, sizeof *ps);
    bool ok = xs && ps;
    size_t i = 0;
    if (ok) {
        EACH_ITEM(it, tab) {
            Node *row = ld_get(ld, *it);
            if (!row) {
                ok = false;
                break;
            }
            if (!ld_is_seq(row) || ld_seq_len(row) != 2) {
                ld_wrong_type(ld, row, "table", "a pair like [20ms, 90%]");
                ok = false;
                continue;
            }
            Node *x = ld_get(ld, row->data.sequence.items.start[0]);
            Node *p = ld_get(ld, row->data.sequence.items.start[1]);
            if (!x || !p) {
                ok = false;
                break;
            }
            SimTime d;
            bool good = ld_duration(ld, x, "table", false, &d);
            good = ld_fraction(ld, p, "table", false, &ps[i]) && good;
            xs[i++] = fd_time_sec(d);
            if (!good) ok = false;
        }
    }
    const char *why = NULL;
    if (ok && dist_empirical(out, xs, ps, n, &why) < 0) {
        ld_err(ld, ld_node_loc(ld, tab), "table: %s", why);
        ok = false;
    }
    free(xs);
    free(ps);
    return ok;
}

/* service_time: a duration (constant) or { dist: ..., ... }. The values are
 * durations; Dist holds them in seconds. */
void ld_dist(Ld *ld, const Node *m, const char *key, Dist *out)
{
    if (m->type == YAML_SCALAR_NODE && !ld_is_null(m)) {
        SimTime d;
        if (ld_duration(ld, m, key, false, &d)) dist_const(out, fd_time_sec(d), NULL);
        return;
    }
    if (!ld_is_map(m)) {
        ld_wrong_type(ld, m, key,
                   "a duration like 20ms or a distribution like { dist: exp, mean: 20ms }");
        return;
    }
    Node *k[D_N], *v[D_N];
    if (!ld_collect(ld, m, key, &dist_schema, "a distribution", k, v)) return;
    int kind;
    if (v[D_DIST]) {
        kind = ld_word(ld, v[D_DIST], "dist", "a distribution name", dist_names, DK_N);
        if (kind < 0) return;
    } else if (v[D_VALUE]) kind = DK_CONSTANT;
    else if (v[D_MEAN]) kind = DK_EXP;
    else if (v[D_MEDIAN] || v[D_P99]) kind = DK_LOGNORMAL;
    else if (v[D_MIN] || v[D_MAX]) kind = DK_UNIFORM;
    else if (v[D_TABLE]) kind = DK_EMPIRICAL;
    else {
        ld_err(ld, ld_node_loc(ld, m), "%s: say which distribution, like { dist: lognormal, median: 5ms, p99: 40ms }", key);
        return;
    }
    char takes[64];
    takes_list(dist_takes[kind], dist_keys, D_N, takes, sizeof takes);
    bool bad = false;
    for (int i = D_DIST + 1; i < D_N; i++) {
        if (k[i] && !(dist_takes[kind] & BIT(i))) {
            ld_err(ld, ld_node_loc(ld, k[i]), "%s: '%s' does not apply to a %s distribution (it takes %s)",
                   key, dist_keys[i], dist_names[kind], takes);
            bad = true;
        }
        if (!k[i] && (dist_takes[kind] & BIT(i))) {
            ld_err(ld, ld_node_loc(ld, m), "%s: a %s distribution needs '%s'", key,
                   dist_names[kind], dist_keys[i]);
            bad = true;
        }
    }
    if (bad) return;
    const char *why = NULL;
    const Node *at = m;
    int rc = 0;
    SimTime a = 0, z = 0;
    switch (kind) {
    case DK_CONSTANT:
        if (!ld_duration(ld, v[D_VALUE], "value", false, &a)) return;
        rc = dist_const(out, fd_time_sec(a), &why);
        break;
    case DK_UNIFORM:
        if (!ld_duration(ld, v[D_MIN], "min", false, &a)) bad = true;
        if (!ld_duration(ld, v[D_MAX], "max", false, &z) || bad) return;
        at = v[D_MAX];
        rc = dist_uniform(out, fd_time_sec(a), fd_time_sec(z), &why);
        break;
    case DK_EXP:
    case DK_EXPONENTIAL:
        if (!ld_duration(ld, v[D_MEAN], "mean", true, &a)) return;
        at = v[D_MEAN];
        rc = dist_exp(out, fd_time_sec(a), &why);
        break;
    case DK_LOGNORMAL:
        if (!ld_duration(ld, v[D_MEDIAN], "median", true, &a)) bad = true;
        if (!ld_duration(ld, v[D_P99], "p99", true, &z) || bad) return;
        at = v[D_P99];
        rc = dist_lognormal(out, fd_time_sec(a), fd_time_sec(z), &why);
        break;
    case DK_EMPIRICAL:
        rd_table(ld, v[D_TABLE], out);
        return;
    }
    if (rc < 0) ld_err(ld, ld_node_loc(ld, at), "%s: %s", key, why ? why : "impossible parameters");
}

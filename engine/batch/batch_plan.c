/*
 * batch_plan.c: the canonical order of a batch's runs, and DIR/plan.json.
 *
 * Index arithmetic: index = (scenario * points + point) * seeds + seed_i,
 * and a point is an odometer over the axes, the last axis fastest. All of
 * it is pure arithmetic on the plan, so a shard, a resume and a merge agree
 * on which run an index means without talking to each other.
 */
#include "batch/batch_plan.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/atomic_file.h"

void batch_plan_init(BatchPlan *p)
{
    memset(p, 0, sizeof *p);
    p->seed_lo = p->seed_hi = 1;
}

void batch_plan_free(BatchPlan *p)
{
    for (int i = 0; i < p->nscenarios; i++) free(p->scenarios[i]);
    free(p->scenarios);
    for (int a = 0; a < p->naxes; a++) {
        free(p->axes[a].name);
        for (int v = 0; v < p->axes[a].nvalues; v++) free(p->axes[a].values[v]);
        free(p->axes[a].values);
    }
    free(p->axes);
    batch_plan_init(p);
}

int batch_plan_add_scenario(BatchPlan *p, const char *path)
{
    char **v = realloc(p->scenarios, (size_t)(p->nscenarios + 1) * sizeof *v);
    if (!v) return -ENOMEM;
    p->scenarios = v;
    if (!(v[p->nscenarios] = strdup(path))) return -ENOMEM;
    p->nscenarios++;
    return 0;
}

static int axis_push(BatchAxis *ax, const char *s, size_t n)
{
    char **v = realloc(ax->values, (size_t)(ax->nvalues + 1) * sizeof *v);
    if (!v) return -ENOMEM;
    ax->values = v;
    char *c = malloc(n + 1);
    if (!c) return -ENOMEM;
    memcpy(c, s, n);
    c[n] = 0;
    v[ax->nvalues++] = c;
    return 0;
}

int batch_plan_add_axis(BatchPlan *p, const char *spec, char *err, size_t errsize)
{
    const char *eq = strchr(spec, '=');
    if (!eq || eq == spec) {
        snprintf(err, errsize, "--param needs NAME=V1,V2,... (got '%s')", spec);
        return -EINVAL;
    }
    size_t klen = (size_t)(eq - spec);
    for (int a = 0; a < p->naxes; a++)
        if (strlen(p->axes[a].name) == klen && memcmp(p->axes[a].name, spec, klen) == 0) {
            snprintf(err, errsize, "--param %.*s given twice", (int)klen, spec);
            return -EINVAL;
        }
    BatchAxis *axes = realloc(p->axes, (size_t)(p->naxes + 1) * sizeof *axes);
    if (!axes) return -ENOMEM;
    p->axes = axes;
    BatchAxis *ax = &axes[p->naxes];
    memset(ax, 0, sizeof *ax);
    if (!(ax->name = strndup(spec, klen))) return -ENOMEM;
    p->naxes++;
    const char *s = eq + 1;
    for (;;) {
        const char *c = strchr(s, ',');
        size_t n = c ? (size_t)(c - s) : strlen(s);
        if (n == 0) {
            snprintf(err, errsize, "--param %s: empty value", spec);
            return -EINVAL;
        }
        /* Two equal values would be two groups with one name. */
        for (int i = 0; i < ax->nvalues; i++)
            if (strlen(ax->values[i]) == n && memcmp(ax->values[i], s, n) == 0) {
                snprintf(err, errsize, "--param %s: the value '%.*s' is given twice", spec,
                         (int)n, s);
                return -EINVAL;
            }
        if (axis_push(ax, s, n) < 0) return -ENOMEM;
        if (!c) break;
        s = c + 1;
    }
    return 0;
}

static bool parse_u64(const char *s, const char *end, uint64_t *out)
{
    if (s == end || (size_t)(end - s) > 19) return false;
    uint64_t v = 0;
    for (; s < end; s++) {
        if (*s < '0' || *s > '9') return false;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return true;
}

int batch_plan_set_seeds(BatchPlan *p, const char *spec)
{
    const char *dots = strstr(spec, "..");
    uint64_t lo, hi;
    if (dots) {
        if (!parse_u64(spec, dots, &lo) || !parse_u64(dots + 2, dots + strlen(dots), &hi))
            return -EINVAL;
    } else {
        if (!parse_u64(spec, spec + strlen(spec), &lo)) return -EINVAL;
        hi = lo;
    }
    if (hi < lo || hi - lo >= (uint64_t)FD_BATCH_MAX_RUNS) return -EINVAL;
    p->seed_lo = lo;
    p->seed_hi = hi;
    return 0;
}

/* a * b for counts >= 0, held at INT64_MAX rather than wrapping: a plan
 * too large to run must still compare as too large. */
static int64_t count_mul(int64_t a, int64_t b)
{
    return b && a > INT64_MAX / b ? INT64_MAX : a * b;
}

int64_t batch_plan_points(const BatchPlan *p)
{
    int64_t n = 1;
    for (int a = 0; a < p->naxes; a++) n = count_mul(n, p->axes[a].nvalues);
    return n;
}

int64_t batch_plan_seeds(const BatchPlan *p) { return (int64_t)(p->seed_hi - p->seed_lo) + 1; }
int64_t batch_plan_groups(const BatchPlan *p) { return count_mul(p->nscenarios, batch_plan_points(p)); }
int64_t batch_plan_total(const BatchPlan *p) { return count_mul(batch_plan_groups(p), batch_plan_seeds(p)); }

BatchRun batch_plan_run(const BatchPlan *p, int64_t index)
{
    int64_t ns = batch_plan_seeds(p), np = batch_plan_points(p);
    BatchRun r;
    r.index = index;
    r.seed = p->seed_lo + (uint64_t)(index % ns);
    r.point = (index / ns) % np;
    r.scenario = (int)(index / ns / np);
    return r;
}

const char *batch_plan_value(const BatchPlan *p, int64_t point, int a)
{
    int64_t stride = 1;
    for (int b = p->naxes - 1; b > a; b--) stride *= p->axes[b].nvalues;
    return p->axes[a].values[(point / stride) % p->axes[a].nvalues];
}

char **batch_plan_point_params(const BatchPlan *p, int64_t point)
{
    char **v = calloc((size_t)p->naxes + 1, sizeof *v);
    if (!v) return NULL;
    for (int a = 0; a < p->naxes; a++) {
        const char *val = batch_plan_value(p, point, a);
        size_t n = strlen(p->axes[a].name) + strlen(val) + 2;
        if (!(v[a] = malloc(n))) {
            batch_plan_free_params(v, a);
            return NULL;
        }
        snprintf(v[a], n, "%s=%s", p->axes[a].name, val);
    }
    return v;
}

void batch_plan_free_params(char **params, int n)
{
    if (!params) return;
    for (int i = 0; i < n; i++) free(params[i]);
    free(params);
}

/* ---- plan.json ---- */

static json_t *plan_json(const BatchPlan *p)
{
    json_t *o = json_object(), *sc = json_array(), *axes = json_array();
    int bad = !o || !sc || !axes;
    for (int i = 0; i < p->nscenarios; i++) bad |= json_array_append_new(sc, json_string(p->scenarios[i]));
    for (int a = 0; a < p->naxes; a++) {
        json_t *ax = json_object(), *vals = json_array();
        bad |= !ax || !vals;
        for (int v = 0; v < p->axes[a].nvalues; v++)
            bad |= json_array_append_new(vals, json_string(p->axes[a].values[v]));
        bad |= json_object_set_new(ax, "name", json_string(p->axes[a].name));
        bad |= json_object_set_new(ax, "values", vals);
        bad |= json_array_append_new(axes, ax);
    }
    bad |= json_object_set_new(o, "scenarios", sc);
    bad |= json_object_set_new(o, "params", axes);
    bad |= json_object_set_new(o, "seed_first", json_integer((json_int_t)p->seed_lo));
    bad |= json_object_set_new(o, "seed_last", json_integer((json_int_t)p->seed_hi));
    bad |= json_object_set_new(o, "runs", json_integer((json_int_t)batch_plan_total(p)));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

int batch_plan_write(const BatchPlan *p, const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/plan.json", dir);
    json_t *o = plan_json(p);
    if (!o) return -ENOMEM;
    AtomicFile af;
    FILE *f = afile_open(&af, path);
    if (!f) {
        int e = errno ? -errno : -EIO;
        json_decref(o);
        return e;
    }
    int rc = json_dumpf(o, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0 && fputc('\n', f) != EOF;
    json_decref(o);
    if (!rc) {
        afile_abort(&af);
        return -EIO;
    }
    return afile_commit(&af);
}

int batch_plan_read(BatchPlan *p, const char *dir, char *why, size_t whysize)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/plan.json", dir);
    FILE *f = fopen(path, "r");
    if (!f) return errno ? -errno : -EIO;
    json_error_t je;
    json_t *o = json_loadf(f, 0, &je);
    fclose(f);
    if (!o) {
        if (why) snprintf(why, whysize, "%s:%d:%d: error: %s", path, je.line, je.column, je.text);
        return -EINVAL;
    }
    if (why) snprintf(why, whysize, "%s: error: not the plan of a firedrill batch", path);
    int rc = -EINVAL;
    json_t *sc = json_object_get(o, "scenarios"), *axes = json_object_get(o, "params");
    json_t *lo = json_object_get(o, "seed_first"), *hi = json_object_get(o, "seed_last");
    if (!json_is_array(sc) || !json_is_array(axes) || !json_is_integer(lo) || !json_is_integer(hi))
        goto out;
    size_t i;
    json_t *v;
    json_array_foreach(sc, i, v) {
        if (!json_is_string(v)) goto out;
        if ((rc = batch_plan_add_scenario(p, json_string_value(v))) < 0) goto out;
    }
    json_array_foreach(axes, i, v) {
        json_t *name = json_object_get(v, "name"), *vals = json_object_get(v, "values");
        rc = -EINVAL;
        if (!json_is_string(name) || !json_is_array(vals) || json_array_size(vals) == 0) goto out;
        BatchAxis *ax = realloc(p->axes, (size_t)(p->naxes + 1) * sizeof *ax);
        if (!ax) { rc = -ENOMEM; goto out; }
        p->axes = ax;
        ax = &p->axes[p->naxes];
        memset(ax, 0, sizeof *ax);
        p->naxes++;
        if (!(ax->name = strdup(json_string_value(name)))) { rc = -ENOMEM; goto out; }
        size_t j;
        json_t *s;
        json_array_foreach(vals, j, s) {
            if (!json_is_string(s)) { rc = -EINVAL; goto out; }
            if (axis_push(ax, json_string_value(s), strlen(json_string_value(s))) < 0) {
                rc = -ENOMEM;
                goto out;
            }
        }
    }
    p->seed_lo = (uint64_t)json_integer_value(lo);
    p->seed_hi = (uint64_t)json_integer_value(hi);
    rc = p->seed_hi >= p->seed_lo ? 0 : -EINVAL;
out:
    json_decref(o);
    if (rc == 0 && why && whysize) why[0] = 0;
    return rc;
}

bool batch_plan_equal(const BatchPlan *a, const BatchPlan *b)
{
    if (a->nscenarios != b->nscenarios || a->naxes != b->naxes || a->seed_lo != b->seed_lo ||
        a->seed_hi != b->seed_hi)
        return false;
    for (int i = 0; i < a->nscenarios; i++)
        if (strcmp(a->scenarios[i], b->scenarios[i]) != 0) return false;
    for (int x = 0; x < a->naxes; x++) {
        if (strcmp(a->axes[x].name, b->axes[x].name) != 0) return false;
        if (a->axes[x].nvalues != b->axes[x].nvalues) return false;
        for (int v = 0; v < a->axes[x].nvalues; v++)
            if (strcmp(a->axes[x].values[v], b->axes[x].values[v]) != 0) return false;
    }
    return true;
}

/*
 * test_topo_load.c: the YAML topology loader (load/topo_load.c).
 *
 * Three parts:
 * 1. docs/topology-example.yaml loads, and every value it sets lands in the
 *    right field, with the right unit; what it leaves out gets the default.
 * 2. Each kind of bad input gives its error with the exact file:line:col
 *    (1-based) and the note that goes with it ("did you mean", "first
 *    defined here"), all errors of a file in one pass, in file order:
 *    one fixture file per case in tests/topo_load/, with what it must
 *    give written at its end (test_fixtures() below). The errors that
 *    need more than that (the Topo after them, generated or odd bytes,
 *    files on disk) are checked here, each next to what loads.
 * 3. Inputs meant to hurt (alias bombs, deep nesting; a recursive alias
 *    is a fixture) end fast with one error.
 *
 * The inline YAML is written one source line per YAML line, so the line
 * numbers the checks expect can be read off the left margin of each case.
 */
#include "fdtest.h"

#include "load/topo_load.h"

#include <dirent.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#define NAME "t.yaml"

typedef struct Load {
    Topo t;
    DiagList dl;
    int rc;
} Load;

static void load(Load *l, const char *text)
{
    diag_list_init(&l->dl);
    l->rc = topo_load_string(&l->t, NAME, text, strlen(text), &l->dl);
}

/* The diagnostics point at l->t.file: free them first. */
static void unload(Load *l)
{
    diag_list_free(&l->dl);
    topo_free(&l->t);
}

static void dump(const DiagList *dl)
{
    fprintf(stderr, "  diagnostics were:\n");
    for (size_t i = 0; i < dl->n; i++)
        fprintf(stderr, "    %s:%d:%d: %s: %s\n", dl->v[i].loc.file ? dl->v[i].loc.file : "-",
                dl->v[i].loc.line, dl->v[i].loc.col,
                dl->v[i].level == DIAG_ERROR ? "error" : dl->v[i].level == DIAG_NOTE ? "note" : "warning",
                dl->v[i].msg);
}

/* Where a check is written: a line of this file, or of a fixture. */
typedef struct At {
    const char *file;
    int line;
} At;
#define HERE ((At){ __FILE__, __LINE__ })

static void pass_or_fail(bool ok, At at, const char *what, const DiagList *dl)
{
    if (ok) {
        fdt_pass++;
        return;
    }
    fdt_fail++;
    fprintf(stderr, "%s:%d: %s\n", at.file, at.line, what);
    dump(dl);
}

/* Expects a diagnostic of `level` whose message contains frag, at
 * file:line:col; returns its index (or -1). */
static long expect_at(const Load *l, DiagLevel level, const char *file, int line, int col,
                      const char *frag, At at)
{
    const DiagList *dl = &l->dl;
    for (size_t i = 0; i < dl->n; i++) {
        const Diag *d = &dl->v[i];
        if (d->level != level || !strstr(d->msg, frag)) continue;
        char what[300];
        snprintf(what, sizeof what, "'%s' is at %s:%d:%d, expected %s:%d:%d", frag,
                 d->loc.file ? d->loc.file : "-", d->loc.line, d->loc.col, file, line, col);
        pass_or_fail(d->loc.line == line && d->loc.col == col && d->loc.file &&
                         strcmp(d->loc.file, file) == 0,
                     at, what, dl);
        return (long)i;
    }
    char what[200];
    snprintf(what, sizeof what, "no %s containing '%s'", level == DIAG_NOTE ? "note" : "error", frag);
    pass_or_fail(false, at, what, dl);
    return -1;
}

#define EXPECT_ERR(l, line, col, frag) expect_at((l), DIAG_ERROR, NAME, line, col, frag, HERE)
#define EXPECT_NOTE(l, line, col, frag) expect_at((l), DIAG_NOTE, NAME, line, col, frag, HERE)

/* The load failed, with exactly n errors. */
static void expect_failed(const Load *l, size_t n, At at)
{
    char what[100];
    snprintf(what, sizeof what, "expected rc -1 and %zu errors, got rc %d and %zu", n, l->rc,
             l->dl.errors);
    pass_or_fail(l->rc == -1 && l->dl.errors == n, at, what, &l->dl);
}
#define EXPECT_FAILED(l, n) expect_failed((l), (n), HERE)

/* An error that is followed (before the next error) by a note with frag. */
static void expect_note_follows(const Load *l, long err, int line, int col, const char *frag,
                                At at)
{
    const DiagList *dl = &l->dl;
    bool ok = false;
    if (err >= 0)
        for (size_t i = (size_t)err + 1; i < dl->n && dl->v[i].level == DIAG_NOTE; i++)
            if (strstr(dl->v[i].msg, frag) && dl->v[i].loc.line == line && dl->v[i].loc.col == col)
                ok = true;
    char what[200];
    snprintf(what, sizeof what, "no note '%s' at %d:%d after the error", frag, line, col);
    pass_or_fail(ok, at, what, dl);
}
#define EXPECT_NOTE_AFTER(l, err, line, col, frag) \
    expect_note_follows((l), (err), line, col, frag, HERE)

/* An error and the note that follows it: the usual pair (the thing named
 * at the error, the did-you-mean or "defined here" at the note). */
#define EXPECT_ERR_NOTE(l, line, col, frag, nline, ncol, nfrag) \
    expect_note_follows((l), EXPECT_ERR((l), line, col, frag), nline, ncol, nfrag, HERE)

static void expect_ok(const Load *l, At at)
{
    pass_or_fail(l->rc == 0 && l->dl.errors == 0, at, "expected the load to succeed", &l->dl);
}
#define EXPECT_OK(l) expect_ok((l), HERE)

/* ------------------------------------------------------------------ */

static void test_example(void)
{
    Load l;
    const char *path = FD_SOURCE_DIR "/docs/topology-example.yaml";
    diag_list_init(&l.dl);
    l.rc = topo_load_file(&l.t, path, &l.dl);
    EXPECT_OK(&l);
    Topo *t = &l.t;
    if (l.rc != 0) {
        unload(&l);
        return;
    }
    CHECK_STR(t->file, path);

    CHECK_EQ_INT(t->nregions, 3);
    CHECK_STR(t->regions[0].name, "guangzhou");
    CHECK_STR(t->regions[2].name, "beijing");
    CHECK_EQ_INT(t->regions[1].loc.line, 3);
    CHECK(t->regions[1].loc.file == t->file);

    CHECK_EQ_INT(t->interval, 10 * FD_SEC);
    CHECK_NEAR(t->sampling, 10, 0);
    CHECK_NEAR(t->budget, 0, 0);
    CHECK_EQ_INT(t->propagation, 2 * FD_MIN);
    CHECK_EQ_INT(t->monitoring, topo_find_service(t, "monitor"));

    CHECK_EQ_INT(t->nconfigs, 1);
    CHECK_STR(t->configs[0].name, "api-routing");
    CHECK_EQ_INT(t->configs[0].store, topo_find_service(t, "config-db"));
    CHECK_EQ_INT(t->configs[0].loc.line, 13);
    CHECK_EQ_INT(t->configs[0].loc.col, 3);

    CHECK_EQ_INT(t->nservices, 6);
    int gw = topo_find_service(t, "gateway"), api = topo_find_service(t, "cloud-api");
    int tke = topo_find_service(t, "tke"), db = topo_find_service(t, "config-db");
    int sms = topo_find_service(t, "sms");
    CHECK(gw >= 0 && api >= 0 && tke >= 0 && db >= 0 && sms >= 0);
    if (gw < 0 || api < 0 || tke < 0 || db < 0 || sms < 0) {
        unload(&l);
        return;
    }

    const TopoService *g = &t->services[gw];
    CHECK_EQ_INT(g->loc.line, 16);
    CHECK_EQ_INT(g->loc.col, 3);
    CHECK(g->loc.file == t->file);
    CHECK_EQ_INT(g->kind, SVC_SERVICE);
    CHECK_EQ_INT(g->ndeploy, 3);
    for (int r = 0; r < 3; r++) CHECK_EQ_INT(topo_instances(g, r), 4);
    CHECK_EQ_INT(g->deploy[1].loc.line, 18);
    CHECK_EQ_INT(g->concurrency, 64);
    CHECK_EQ_INT(g->queue, 128);
    CHECK_EQ_INT(g->service_time.kind, DIST_LOGNORMAL);
    CHECK_REL(dist_quantile(&g->service_time, 0.5), 0.005, 1e-9);
    CHECK_REL(dist_quantile(&g->service_time, 0.99), 0.040, 1e-6);
    CHECK_NEAR(g->error_rate, 0.001, 1e-15);
    CHECK_EQ_INT(g->ncalls, 1);
    const TopoCall *c = &g->calls[0];
    CHECK_EQ_INT(c->target, api);
    CHECK_EQ_INT(c->loc.line, 28);
    CHECK_EQ_INT(c->loc.col, 9);
    CHECK_EQ_INT(c->timeout, 2 * FD_SEC);
    CHECK_EQ_INT(c->retries, 2);
    CHECK_EQ_INT(c->backoff.base, 100 * FD_MS);
    CHECK_EQ_INT(c->backoff.max, 2 * FD_SEC);
    CHECK_NEAR(c->backoff.multiplier, 2, 0);
    CHECK_NEAR(c->backoff.jitter, 1, 0);
    CHECK(c->budget.enabled);
    CHECK_NEAR(c->budget.ratio, 0.1, 1e-15);
    CHECK_NEAR(c->budget.burst, 20, 0);
    CHECK(c->critical);
    CHECK(!c->fallback);
    CHECK_NEAR(c->probability, 1, 0);
    CHECK(c->breaker.enabled);
    CHECK_NEAR(c->breaker.error_rate, 0.5, 0);
    CHECK_EQ_INT(c->breaker.min_requests, 20);
    CHECK_EQ_INT(c->breaker.window, 10 * FD_SEC);
    CHECK_EQ_INT(c->breaker.open_for, 30 * FD_SEC);
    CHECK_EQ_INT(c->breaker.probes, 5);
    CHECK_EQ_INT(c->breaker.loc.line, 36);
    CHECK_EQ_INT(g->nconfigs, 1);
    CHECK_EQ_INT(g->configs[0], 0);
    CHECK_EQ_INT(g->runs_on, tke);
    CHECK_EQ_INT(g->runs_on_loc.line, 38);
    CHECK_EQ_INT(g->runs_on_loc.col, 14);
    CHECK_EQ_INT(g->restart_time, 45 * FD_SEC);
    CHECK(g->health.enabled);
    CHECK_EQ_INT(g->health.interval, 10 * FD_SEC);
    CHECK_EQ_INT(g->health.failures, 3);
    const TopoAutoscale *a = &g->autoscale;
    CHECK(a->enabled);
    CHECK_EQ_INT(a->signal, SCALE_UTILISATION);
    CHECK_NEAR(a->target, 0.6, 1e-15);
    CHECK_EQ_INT(a->period, FD_MIN);
    CHECK_EQ_INT(a->delay, 3 * FD_MIN);
    CHECK_EQ_INT(a->step, 10);
    CHECK_EQ_INT(a->min, 4);
    CHECK_EQ_INT(a->max, 40);
    CHECK_NEAR(a->rate, 20, 1e-9);
    CHECK_EQ_INT(a->loc.line, 41);
    CHECK_EQ_INT(g->admission.max_inflight, 200);
    CHECK_EQ_INT(g->admission.max_queue_wait, 500 * FD_MS);
    CHECK_NEAR(g->admission.shed_above, 0.95, 1e-15);
    CHECK(!g->cross_region);
    CHECK_EQ_INT(g->routing, ROUTE_LEAST_OUTSTANDING);
    CHECK_STR(g->owner, "api");

    /* A service that says little gets the defaults. */
    const TopoService *ca = &t->services[api];
    CHECK_EQ_INT(ca->kind, SVC_SERVICE);
    CHECK_EQ_INT(ca->concurrency, 16);
    CHECK_EQ_INT(ca->queue, 64);
    CHECK_EQ_INT(ca->service_time.kind, DIST_CONST);
    CHECK_NEAR(ca->service_time.a, 0.010, 1e-15);
    CHECK_NEAR(ca->error_rate, 0, 0);
    CHECK_EQ_INT(ca->ncalls, 0);
    CHECK_EQ_INT(ca->runs_on, tke);
    CHECK_EQ_INT(ca->restart_time, 30 * FD_SEC);
    CHECK(!ca->health.enabled);
    CHECK(!ca->autoscale.enabled);
    CHECK_EQ_INT(ca->admission.max_inflight, 0);
    CHECK_EQ_INT(ca->routing, ROUTE_ROUND_ROBIN);
    CHECK(ca->owner == NULL);
    CHECK_EQ_INT(topo_instances(ca, 2), 2);

    const TopoService *tk = &t->services[tke];
    CHECK_EQ_INT(tk->ncalls, 1);
    CHECK_EQ_INT(tk->calls[0].target, api);
    CHECK_EQ_INT(tk->calls[0].timeout, FD_SEC);
    CHECK_EQ_INT(tk->calls[0].retries, 0);
    CHECK(tk->calls[0].critical);
    CHECK(!tk->calls[0].breaker.enabled);
    CHECK(!tk->calls[0].budget.enabled);
    CHECK_EQ_INT(tk->calls[0].backoff.base, 100 * FD_MS);
    CHECK_EQ_INT(tk->runs_on, -1);
    CHECK_EQ_INT(tk->scheduler.retries, -1);
    CHECK_EQ_INT(tk->scheduler.parallel, 4);
    CHECK_NEAR(tk->scheduler.rate, 20.0 / 60, 1e-12);
    CHECK_EQ_INT(tk->scheduler.backoff.max, FD_MIN);
    CHECK_EQ_INT(ca->nstartup, 1);
    CHECK_EQ_INT(ca->startup[0].target, db);
    CHECK_EQ_INT(ca->startup[0].timeout, 2 * FD_SEC);

    CHECK_EQ_INT(t->services[db].kind, SVC_STORAGE);
    CHECK_EQ_INT(t->services[db].ndeploy, 1);
    CHECK_EQ_INT(topo_instances(&t->services[db], 1), 0);

    const TopoService *sm = &t->services[sms];
    CHECK_EQ_INT(sm->kind, SVC_EXTERNAL);
    CHECK_EQ_INT(sm->ndeploy, 0);
    CHECK_NEAR(sm->service_time.a, 0.080, 1e-15);
    CHECK_NEAR(sm->error_rate, 0.01, 1e-15);

    CHECK_EQ_INT(t->nsources, 1);
    const TopoSource *s = &t->sources[0];
    CHECK_STR(s->name, "console");
    CHECK_EQ_INT(s->loc.line, 57);
    CHECK_EQ_INT(s->entry, gw);
    CHECK_NEAR(s->rate, 2000, 0);
    CHECK_EQ_INT(s->shape.kind, SHAPE_DIURNAL);
    CHECK_NEAR(s->shape.amplitude, 0.3, 1e-15);
    CHECK_EQ_INT(s->shape.period, 24 * FD_HOUR);
    CHECK_EQ_INT(s->shape.peak, 14 * FD_HOUR);
    CHECK_NEAR(s->weights[0], 0.40, 1e-15);
    CHECK_NEAR(s->weights[1], 0.35, 1e-15);
    CHECK_NEAR(s->weights[2], 0.25, 1e-15);
    CHECK_EQ_INT(s->customers, 100000);
    CHECK_NEAR(s->slo, 0.99, 1e-15);
    CHECK_EQ_INT(s->client.timeout, 10 * FD_SEC);
    CHECK_EQ_INT(s->client.retries, 2);
    CHECK_EQ_INT(s->client.backoff.base, 200 * FD_MS);
    CHECK_EQ_INT(s->client.backoff.max, 5 * FD_SEC);
    CHECK_NEAR(s->client.backoff.multiplier, 2, 0);
    CHECK_NEAR(s->client.reattempt, 0.8, 1e-15);
    CHECK_EQ_INT(s->client.reattempt_after, 30 * FD_SEC);
    CHECK_EQ_INT(s->client.max_reattempts, 10);
    CHECK_EQ_INT(s->client.patience, 30 * FD_MIN);
    CHECK_NEAR(s->client.offline, 0, 0);
    CHECK_NEAR(s->client.defer, 0, 0);
    CHECK_EQ_INT(s->client.recheck, 10 * FD_MIN);
    CHECK_EQ_INT(s->client.catch_up, 5 * FD_MIN);
    unload(&l);
}

/* The smallest sensible topology, and the defaults it gets. */
static void test_minimal(void)
{
    Load l;
    load(&l,
         "regions: [eu, us]\n"
         "services:\n"
         "  api: { deploy: { eu: 3, us: 1 }, service_time: 10ms, calls: [db] }\n"
         "  db: { kind: storage, deploy: { eu: 1 }, service_time: 2ms }\n"
         "  pay: { kind: external, service_time: 200ms }\n"
         "sources:\n"
         "  web: { entry: api, rate: 100/s }\n"
         "  partner: { entry: pay, rate: 5 }\n");
    EXPECT_OK(&l);
    Topo *t = &l.t;
    if (l.rc == 0) {
        CHECK_EQ_INT(t->interval, 10 * FD_SEC);
        CHECK_NEAR(t->sampling, 0, 0);            /* not set: the default applies */
    /* us and db run one instance each: sampling cannot keep them whole. */
    CHECK_NEAR(topo_sampling(t), 1, 0);
    t->services[0].deploy[1].instances = 2;
    t->services[1].deploy[0].instances = 2;
    CHECK_NEAR(topo_sampling(t), FD_SAMPLING_DEFAULT, 0);
        CHECK_EQ_INT(t->propagation, FD_MIN);
        CHECK_EQ_INT(t->monitoring, -1);
        CHECK_EQ_INT(t->nconfigs, 0);
        CHECK_EQ_INT(t->services[0].ncalls, 1);
        CHECK_EQ_INT(t->services[0].calls[0].target, 1);
        CHECK_EQ_INT(t->services[0].calls[0].timeout, FD_SEC);
        /* Weights spread like the entry's instances... */
        CHECK_NEAR(t->sources[0].weights[0], 0.75, 1e-15);
        CHECK_NEAR(t->sources[0].weights[1], 0.25, 1e-15);
        /* ...or equally when it has none. */
        CHECK_NEAR(t->sources[1].weights[0], 0.5, 1e-15);
        CHECK_NEAR(t->sources[1].weights[1], 0.5, 1e-15);
        CHECK_NEAR(t->sources[1].rate, 5, 0);
        CHECK_EQ_INT(t->sources[0].shape.kind, SHAPE_CONSTANT);
        CHECK_NEAR(t->sources[0].slo, 0.99, 0);
        CHECK_EQ_INT(t->sources[0].client.timeout, 10 * FD_SEC);
        CHECK_EQ_INT(t->sources[0].client.max_reattempts, 3);
        CHECK_STR(t->file, NAME);
    }
    unload(&l);
}

/* Every distribution form, shapes, merge keys with x- anchors, and the
 * smaller conveniences. */
static void test_forms(void)
{
    Load l;
    load(&l,
         "x-call: &call { timeout: 3s, retries: 1 }\n"
         "regions: [eu]\n"
         "settings: { budget: 5000/s }\n"
         "configs: { flags: }\n"
         "services:\n"
         "  a: { deploy: { eu: 1 }, service_time: { dist: exp, mean: 20ms },\n"
         "       calls: [ { <<: *call, to: b }, { <<: *call, to: c, retries: 3 } ],\n"
         "       reads: flags, health: true, autoscale: { signal: concurrency, target: 8, max: 9 } }\n"
         "  b: { deploy: { eu: 1 }, service_time: { min: 5ms, max: 15ms } }\n"
         "  c: { deploy: { eu: 1 }, service_time: { dist: empirical, table: [[5ms, 50%], [20ms, 100%]] } }\n"
         "  d: { deploy: { eu: 1 }, service_time: { value: 0 } }\n"
         "sources:\n"
         "  s1: { entry: a, rate: 20/m, shape: { steps: [ { at: 10m, factor: 2 }, { at: 20m, factor: 0.5 } ] } }\n"
         "  s2: { entry: a, rate: 1k/s, shape: constant, regions: { eu: 1 } }\n");
    EXPECT_OK(&l);
    Topo *t = &l.t;
    if (l.rc == 0) {
        CHECK_NEAR(t->budget, 5000, 0);
        CHECK_EQ_INT(t->services[0].service_time.kind, DIST_EXP);
        CHECK_NEAR(dist_mean(&t->services[0].service_time), 0.020, 1e-15);
        CHECK_EQ_INT(t->services[0].calls[0].timeout, 3 * FD_SEC);
        CHECK_EQ_INT(t->services[0].calls[0].retries, 1);
        CHECK_EQ_INT(t->services[0].calls[1].retries, 3);   /* explicit beats merged */
        CHECK_EQ_INT(t->services[0].calls[1].target, 2);
        CHECK_EQ_INT(t->services[0].nconfigs, 1);
        CHECK(t->services[0].health.enabled);
        CHECK_EQ_INT(t->services[0].health.failures, 3);
        CHECK_EQ_INT(t->services[0].autoscale.signal, SCALE_CONCURRENCY);
        CHECK_NEAR(t->services[0].autoscale.target, 8, 0);
        CHECK_EQ_INT(t->services[0].autoscale.min, 1);
        CHECK_EQ_INT(t->services[1].service_time.kind, DIST_UNIFORM);
        CHECK_NEAR(dist_mean(&t->services[1].service_time), 0.010, 1e-15);
        CHECK_EQ_INT(t->services[2].service_time.kind, DIST_EMPIRICAL);
        CHECK_NEAR(dist_quantile(&t->services[2].service_time, 1), 0.020, 1e-15);
        CHECK_EQ_INT(t->services[3].service_time.kind, DIST_CONST);
        CHECK_EQ_INT(t->sources[0].shape.kind, SHAPE_STEPS);
        CHECK_EQ_INT(t->sources[0].shape.npoints, 2);
        CHECK_EQ_INT(t->sources[0].shape.points[1].at, 20 * FD_MIN);
        CHECK_NEAR(t->sources[0].shape.points[1].factor, 0.5, 0);
        CHECK_NEAR(t->sources[0].rate, 20.0 / 60, 1e-15);
        CHECK_NEAR(t->sources[1].rate, 1000, 0);
        CHECK_NEAR(t->sources[1].weights[0], 1, 0);
    }
    unload(&l);
}

/* ------------------------------------------------------------------ */
/* Error cases as fixtures: tests/topo_load/<case>.yaml
 *
 * Each fixture is a topology followed, at the end of the file, by what
 * loading it must give, written as YAML comments so that the lines and
 * columns above stay those of the file:
 *
 *   # expect-errors: N     the load fails with exactly N errors (0: it
 *                          succeeds, with no error)
 *   # error L:C text       the first error whose message contains text
 *                          is at L:C
 *   # note L:C text        ...and a note containing text, at L:C, follows
 *                          that error (before the next error); several
 *                          note lines may follow one error line
 *   # no-note              ...and no note follows that error
 *   # any-note L:C text    the first note containing text is at L:C,
 *                          whatever it follows
 *
 * The block starts at the expect-errors line, which every fixture has,
 * and every line from there to the end must be one of these: a fixture
 * without the block, with a misspelt line in it or with an expectation
 * above it fails, so a typo cannot leave a case checking nothing. A
 * failed check is reported at its fixture's file:line. Locations are in
 * the fixture itself, which is the file its diagnostics must name, and a
 * fixture with several errors must get them in file order. Comments that
 * say what a case is about go just above the block: below the YAML, they
 * move no line of it.
 */

#define FIXTURES FD_SOURCE_DIR "/tests/topo_load"

static const char *const expect_words[] = {
    "# expect-errors:", "# error ", "# note ", "# no-note", "# any-note ",
};

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool is_expectation(const char *s)
{
    for (size_t i = 0; i < sizeof expect_words / sizeof expect_words[0]; i++)
        if (starts_with(s, expect_words[i])) return true;
    return false;
}

/* A positive decimal number at *s, moved past it; 0 if there is none. */
static int number(const char **s)
{
    int n = 0;
    if (**s < '1' || **s > '9') return 0;
    while (**s >= '0' && **s <= '9' && n < 1000000) n = n * 10 + (*(*s)++ - '0');
    return n;
}

/* "L:C text": false unless all three are there. */
static bool parse_place(const char *s, int *line, int *col, const char **text)
{
    *line = number(&s);
    if (!*line || *s++ != ':') return false;
    *col = number(&s);
    if (!*col || *s++ != ' ') return false;
    *text = s;
    return **text != '\0' && **text != ' ';
}

static void malformed(const char *path, int line, const char *why)
{
    fdt_fail++;
    fprintf(stderr, "%s:%d: %s\n", path, line, why);
}

/* The fixture's text, split into NUL-terminated lines (trailing blanks
 * and CR dropped); *nlines of them. NULL if it cannot be read. */
static char **read_lines(const char *path, int *nlines)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char **lines = NULL, *buf = NULL;
    size_t cap = 0;
    int n = 0;
    while (getline(&buf, &cap, f) != -1) {
        size_t len = strlen(buf);
        while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' '))
            buf[--len] = '\0';
        char **grown = realloc(lines, (size_t)(n + 1) * sizeof *lines);
        char *copy = strdup(buf);
        if (!grown || !copy) {
            free(copy);
            lines = grown ? grown : lines;
            break;
        }
        lines = grown;
        lines[n++] = copy;
    }
    free(buf);
    fclose(f);
    *nlines = n;
    return lines ? lines : calloc(1, sizeof *lines);
}

static void free_lines(char **lines, int n)
{
    for (int i = 0; i < n; i++) free(lines[i]);
    free(lines);
}

/* The checks of lines[from..n) against the load of path. */
static void check_expectations(const Load *l, const char *path, char **lines, int from, int n)
{
    long err = -1;          /* the diagnostic the last error line found */
    int named = 0;          /* error lines */
    int expected = -1;
    const char *prev = "";  /* the line before, for where notes may go */
    for (int i = from; i < n; i++) {
        const char *s = lines[i];
        At at = { path, i + 1 };
        int line, col;
        const char *text;
        if (i == from) {
            s += strlen("# expect-errors:");
            while (*s == ' ') s++;
            bool zero = strcmp(s, "0") == 0;
            expected = zero ? 0 : number(&s);
            if (!zero && (!expected || *s)) {
                malformed(path, at.line, "expected '# expect-errors: N'");
                return;
            }
            if (expected) expect_failed(l, (size_t)expected, at);
            else expect_ok(l, at);
        } else if (starts_with(s, "# error ")) {
            if (!parse_place(s + strlen("# error "), &line, &col, &text)) {
                malformed(path, at.line, "expected '# error LINE:COL text'");
                continue;
            }
            err = expect_at(l, DIAG_ERROR, path, line, col, text, at);
            named++;
        } else if (starts_with(s, "# note ")) {
            if (!starts_with(prev, "# error ") && !starts_with(prev, "# note ")) {
                malformed(path, at.line, "a note line goes after its error line");
                continue;
            }
            if (!parse_place(s + strlen("# note "), &line, &col, &text)) {
                malformed(path, at.line, "expected '# note LINE:COL text'");
                continue;
            }
            expect_note_follows(l, err, line, col, text, at);
        } else if (strcmp(s, "# no-note") == 0) {
            if (!starts_with(prev, "# error ")) {
                malformed(path, at.line, "no-note goes right after its error line");
                continue;
            }
            pass_or_fail(err >= 0 && ((size_t)err + 1 == l->dl.n ||
                                      l->dl.v[err + 1].level != DIAG_NOTE),
                         at, "a note follows the error", &l->dl);
        } else if (starts_with(s, "# any-note ")) {
            if (!parse_place(s + strlen("# any-note "), &line, &col, &text)) {
                malformed(path, at.line, "expected '# any-note LINE:COL text'");
                continue;
            }
            expect_at(l, DIAG_NOTE, path, line, col, text, at);
        } else {
            malformed(path, at.line, "not an expectation (error, note, no-note, any-note), "
                                     "below the expect-errors line");
        }
        prev = s;
    }
    if (expected > 0 && !named)
        malformed(path, from + 1, "expects errors but names none of them");
    if (expected > 1) {
        int last = 0;
        bool ordered = true;
        for (size_t i = 0; i < l->dl.n; i++) {
            if (l->dl.v[i].level != DIAG_ERROR) continue;
            if (l->dl.v[i].loc.line < last) ordered = false;
            last = l->dl.v[i].loc.line;
        }
        pass_or_fail(ordered, (At){ path, from + 1 }, "errors are not in file order", &l->dl);
    }
}

static void run_fixture(const char *path)
{
    int n = 0;
    char **lines = read_lines(path, &n);
    if (!lines) {
        malformed(path, 0, "cannot read the fixture");
        return;
    }
    int from = -1;
    for (int i = 0; i < n && from < 0; i++) {
        if (starts_with(lines[i], "# expect-errors:")) from = i;
        else if (is_expectation(lines[i]))
            malformed(path, i + 1, "an expectation above '# expect-errors: N' (it would be "
                                   "part of the topology, and check nothing)");
    }
    if (from < 0) {
        malformed(path, n, "no '# expect-errors: N' line: the fixture checks nothing");
    } else {
        Load l;
        diag_list_init(&l.dl);
        l.rc = topo_load_file(&l.t, path, &l.dl);
        check_expectations(&l, path, lines, from, n);
        unload(&l);
    }
    free_lines(lines, n);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every .yaml file in tests/topo_load/, in name order. */
static void test_fixtures(void)
{
    DIR *d = opendir(FIXTURES);
    if (!d) {
        malformed(FIXTURES, 0, "cannot open the fixtures' folder");
        return;
    }
    char **names = NULL;
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len <= 5 || strcmp(e->d_name + len - 5, ".yaml") != 0) continue;
        char **grown = realloc(names, (n + 1) * sizeof *names);
        if (!grown) break;
        names = grown;
        if (!(names[n] = strdup(e->d_name))) break;
        n++;
    }
    closedir(d);
    if (!n) malformed(FIXTURES, 0, "no fixtures");
    else qsort(names, n, sizeof *names, cmp_names);
    for (size_t i = 0; i < n; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", FIXTURES, names[i]);
        run_fixture(path);
        free(names[i]);
    }
    free(names);
}

/* ------------------------------------------------------------------ */
/* What each feature loads as, and the errors a fixture cannot hold */

/* A syntax error leaves an empty Topo whose file name outlives it; a byte
 * that is not UTF-8 stays here, as an escape, rather than raw in a file. */
static void test_syntax_error(void)
{
    Load l;
    load(&l,
         "regions: [eu, us\n"
         "services: {}\n");
    EXPECT_FAILED(&l, 1);
    EXPECT_ERR_NOTE(&l, 2, 9, "syntax error: did not find expected ',' or ']'",
                    1, 10, "while parsing a flow sequence");
    CHECK(l.t.nservices == 0 && l.t.regions == NULL);
    CHECK(l.dl.n > 0 && l.dl.v[0].loc.file == l.t.file);   /* t->file outlives the Topo */
    unload(&l);

    /* Not UTF-8: located by byte offset (libyaml gives no mark). */
    load(&l, "regions: [eu]\nservices: { a\xff: 1 }\n");
    EXPECT_FAILED(&l, 1);
    EXPECT_ERR(&l, 2, 14, "invalid leading UTF-8 octet");
    unload(&l);
}

#define SVC_HEAD \
    "regions: [eu, us]\n"   /* 1 */ \
    "services:\n"           /* 2 */ \
    "  api:\n"              /* 3 */ \
    "    deploy: { eu: 2 }\n"  /* 4 */
#define SVC_TAIL \
    "  db: { deploy: { eu: 1 }, service_time: 1ms }\n" \
    "sources:\n" \
    "  web: { entry: api, rate: 100/s }\n"

/* The load balancer's routing lands in the service, round_robin by
 * default (its errors: tests/topo_load/routing-errors.yaml). */
static void test_routing(void)
{
    Load l;
    load(&l, SVC_HEAD
         "    service_time: 10ms\n"
         "    routing: least_outstanding\n"  /* 6 */
         SVC_TAIL);
    EXPECT_OK(&l);
    if (l.rc == 0) {
        CHECK_EQ_INT(l.t.services[0].routing, ROUTE_LEAST_OUTSTANDING);
        CHECK_EQ_INT(l.t.services[1].routing, ROUTE_ROUND_ROBIN);
    }
    unload(&l);
}

/* Overload collapse: the keys and their values (its errors:
 * tests/topo_load/collapse-*.yaml). */
static void test_collapse(void)
{
    Load l;
    load(&l, SVC_HEAD
         "    service_time: 10ms\n"                                            /* 5 */
         "    collapse: { knee: 32, contention: 0.02, coherency: 0.0005 }\n"   /* 6 */
         SVC_TAIL);
    EXPECT_OK(&l);
    if (l.rc == 0) {
        const TopoCollapse *c = &l.t.services[0].collapse;
        CHECK(c->enabled);
        CHECK_EQ_INT(c->knee, 32);
        CHECK_NEAR(c->contention, 0.02, 1e-15);
        CHECK_NEAR(c->coherency, 0.0005, 1e-15);
        CHECK(!l.t.services[1].collapse.enabled);
    }
    unload(&l);
}

/* Configuration read through a cache: ttl, max_stale and timeout, and
 * their defaults (the errors: tests/topo_load/config-cache-errors.yaml). */
static void test_config_cache(void)
{
    Load l;
    load(&l, "regions: [eu]\n"                                                        /* 1 */
             "configs:\n"                                                             /* 2 */
             "  a: { store: db, ttl: 30s, max_stale: 5m, timeout: 200ms }\n"          /* 3 */
             "  b: { store: db }\n"                                                   /* 4 */
             "services:\n"                                                            /* 5 */
             "  api: { deploy: { eu: 1 }, service_time: 1ms, reads: [a, b] }\n"       /* 6 */
             "  db: { deploy: { eu: 1 }, service_time: 1ms }\n"                       /* 7 */
             "sources:\n"                                                             /* 8 */
             "  web: { entry: api, rate: 1/s }\n");                                   /* 9 */
    EXPECT_OK(&l);
    if (l.rc == 0) {
        CHECK_EQ_INT(l.t.configs[0].ttl, 30 * FD_SEC);
        CHECK_EQ_INT(l.t.configs[0].max_stale, 5 * FD_MIN);
        CHECK_EQ_INT(l.t.configs[0].timeout, 200 * FD_MS);
        CHECK_EQ_INT(l.t.configs[1].ttl, 0);
        CHECK_EQ_INT(l.t.configs[1].max_stale, 0);
        CHECK_EQ_INT(l.t.configs[1].timeout, FD_SEC);
    }
    unload(&l);
}

/* Calls to a named region (`region:`, `regions: all`) and deferred work:
 * how they expand (the errors: tests/topo_load/call-regions-errors.yaml). */
static void test_call_regions(void)
{
    Load l;
    load(&l,
         "regions: [a, b, c]\n"
         "services:\n"
         "  api: { deploy: { a: 1 }, service_time: 1ms,\n"
         "         calls: [ { to: db, regions: all, timeout: 2s }, cache, { to: db, region: c } ] }\n"
         "  db: { deploy: { c: 1, a: 2 }, service_time: 1ms }\n"
         "  cache: { deploy: { a: 1 }, service_time: 1ms }\n"
         "sources:\n"
         "  web: { entry: api, rate: 1/s, customers: 100,\n"
         "         client: { defer: 25%, recheck: 2m, catch_up: 30s } }\n");
    EXPECT_OK(&l);
    if (l.rc == 0) {
        const TopoService *api = &l.t.services[0];
        CHECK_EQ_INT(api->ncalls, 4);
        if (api->ncalls == 4) {
            /* one call per region db runs in, in the topology's order */
            CHECK_EQ_INT(api->calls[0].target, 1);
            CHECK_EQ_INT(api->calls[0].region, 0);
            CHECK_EQ_INT(api->calls[1].target, 1);
            CHECK_EQ_INT(api->calls[1].region, 2);
            CHECK_EQ_INT(api->calls[1].timeout, 2 * FD_SEC);
            CHECK_EQ_INT(api->calls[2].target, 2);
            CHECK_EQ_INT(api->calls[2].region, -1);
            CHECK_EQ_INT(api->calls[3].region, 2);
        }
        const TopoClient *c = &l.t.sources[0].client;
        CHECK_NEAR(c->defer, 0.25, 1e-15);
        CHECK_EQ_INT(c->recheck, 2 * FD_MIN);
        CHECK_EQ_INT(c->catch_up, 30 * FD_SEC);
    }
    unload(&l);
}

/* Past 100 errors, one more says so and the walk stops. */
static void test_error_cap(void)
{
    char text[8192];
    size_t n = (size_t)snprintf(text, sizeof text, "regions: [eu]\nsettings:\n");
    for (int i = 0; i < 150; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "  bogus%d: 1\n", i);   /* line i + 3 */
    Load l;
    load(&l, text);
    EXPECT_FAILED(&l, 101);
    EXPECT_ERR(&l, 102, 3, "unknown key 'bogus99' in settings");
    EXPECT_ERR(&l, 103, 3, "too many errors; stopping after 100");
    unload(&l);
}

static double seconds_since(clock_t start)
{
    return (double)(clock() - start) / CLOCKS_PER_SEC;
}

static void test_alias_bombs(void)
{
    /* Billion laughs through merge keys: each level merges ten of the one
     * below, 10^8 mappings in all if anyone expanded them. */
    char text[4096];
    size_t n = 0;
    n += (size_t)snprintf(text + n, sizeof text - n, "x-a: &a { timeout: 1s }\n");
    const char *lv = "abcdefghi";
    for (int i = 1; i < 9; i++) {
        n += (size_t)snprintf(text + n, sizeof text - n, "x-%c: &%c { <<: [", lv[i], lv[i]);
        for (int j = 0; j < 10; j++)
            n += (size_t)snprintf(text + n, sizeof text - n, "%s*%c", j ? ", " : "", lv[i - 1]);
        n += (size_t)snprintf(text + n, sizeof text - n, "] }\n");
    }
    snprintf(text + n, sizeof text - n,
             "regions: [eu]\n"                                                            /* 10 */
             "services:\n"                                                                /* 11 */
             "  api: { deploy: { eu: 1 }, service_time: 1ms, calls: [ { <<: *i, to: api } ] }\n" /* 12 */
             "sources: { web: { entry: api, rate: 1/s } }\n");
    Load l;
    clock_t start = clock();
    load(&l, text);
    double took = seconds_since(start);
    EXPECT_FAILED(&l, 1);
    /* The budget runs out deep inside the anchors, at a fixed place. */
    EXPECT_ERR(&l, 2, 15, "alias expansion too large");
    pass_or_fail(took < 2.0, HERE, "the alias bomb took too long", &l.dl);
    unload(&l);

    /* The classic, list form, where the walk expects names: every item is
     * the same wrong node, so one error. */
    n = 0;
    n += (size_t)snprintf(text + n, sizeof text - n,
                          "x-a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for (int i = 1; i < 9; i++) {
        n += (size_t)snprintf(text + n, sizeof text - n, "x-%c: &%c [", lv[i], lv[i]);
        for (int j = 0; j < 10; j++)
            n += (size_t)snprintf(text + n, sizeof text - n, "%s*%c", j ? ", " : "", lv[i - 1]);
        n += (size_t)snprintf(text + n, sizeof text - n, "]\n");
    }
    snprintf(text + n, sizeof text - n,
             "regions: *i\n"                                                        /* 10 */
             "services: { api: { deploy: { eu: 1 }, service_time: 1ms } }\n"
             "sources: { web: { entry: api, rate: 1/s } }\n");
    start = clock();
    load(&l, text);
    took = seconds_since(start);
    EXPECT_FAILED(&l, 1);
    EXPECT_ERR(&l, 8, 6, "regions: expected a region name, got a list");
    pass_or_fail(took < 2.0, HERE, "the list alias bomb took too long", &l.dl);
    unload(&l);

    /* Deep nesting: libyaml's scanner is quadratic in it, so it is capped
     * before the document is built. */
    size_t depth = 100000;
    char *deep = malloc(2 * depth + 32);
    if (deep) {
        strcpy(deep, "regions: ");
        memset(deep + 9, '[', depth);
        memset(deep + 9 + depth, ']', depth);
        strcpy(deep + 9 + 2 * depth, "\n");
        start = clock();
        load(&l, deep);
        took = seconds_since(start);
        EXPECT_FAILED(&l, 1);
        EXPECT_ERR(&l, 1, 73, "nested too deeply");
        pass_or_fail(took < 2.0, HERE, "deep nesting took too long", &l.dl);
        unload(&l);
        free(deep);
    }
}

/* ------------------------------------------------------------------ */
/* Files */

static char tmpdir[64];

static void write_file(const char *name, const char *text)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f) return;
    fputs(text, f);
    fclose(f);
}

static void remove_file(const char *name)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    unlink(path);
}

static void test_files(void)
{
    strcpy(tmpdir, "/tmp/fd_topo_load_XXXXXX");
    if (!mkdtemp(tmpdir)) {
        CHECK(!"mkdtemp");
        return;
    }
    char topo[128], csv[128], missing[128];
    snprintf(topo, sizeof topo, "%s/topo.yaml", tmpdir);
    snprintf(csv, sizeof csv, "%s/rate.csv", tmpdir);
    snprintf(missing, sizeof missing, "%s/none.yaml", tmpdir);

    /* A file that is not there: -2, with the path and the system's reason. */
    Load l;
    diag_list_init(&l.dl);
    l.rc = topo_load_file(&l.t, missing, &l.dl);
    CHECK_EQ_INT(l.rc, -2);
    CHECK_EQ_INT(l.dl.errors, 1);
    if (l.dl.n == 1) {
        CHECK_STR(l.dl.v[0].loc.file, missing);
        CHECK(strstr(l.dl.v[0].msg, "No such file or directory") != NULL);
    }
    unload(&l);

    /* A CSV shape, read from the topology's folder. */
    write_file("rate.csv",
               "time,factor\n"
               "0,1\n"
               "# a comment\n"
               "\n"
               "10m, 2.5\r\n"
               "3600,1\n");
    write_file("topo.yaml",
               "regions: [eu]\n"
               "services: { api: { deploy: { eu: 1 }, service_time: 1ms } }\n"
               "sources: { web: { entry: api, rate: 1/s, shape: { kind: csv, file: rate.csv } } }\n");
    diag_list_init(&l.dl);
    l.rc = topo_load_file(&l.t, topo, &l.dl);
    EXPECT_OK(&l);
    if (l.rc == 0) {
        const TopoShape *sh = &l.t.sources[0].shape;
        CHECK_EQ_INT(sh->kind, SHAPE_CSV);
        CHECK_STR(sh->csv_path, csv);
        CHECK_EQ_INT(sh->npoints, 3);
        CHECK_EQ_INT(sh->points[1].at, 10 * FD_MIN);
        CHECK_NEAR(sh->points[1].factor, 2.5, 0);
        CHECK_EQ_INT(sh->points[2].at, FD_HOUR);
    }
    unload(&l);

    /* Errors inside the CSV point into it, and stay valid after the Topo
     * is emptied (the path lives with t->file). */
    write_file("rate.csv",
               "time,factor\n"          /* 1 */
               "0,1\n"                  /* 2 */
               "10m,2\n"                /* 3 */
               "5m,1\n"                 /* 4 */
               "1h\n"                   /* 5 */
               "soon, 1\n"              /* 6 */
               "2h,-2\n");              /* 7 */
    diag_list_init(&l.dl);
    l.rc = topo_load_file(&l.t, topo, &l.dl);
    CHECK_EQ_INT(l.rc, -1);
    CHECK_EQ_INT(l.dl.errors, 4);
    CHECK(l.t.nsources == 0 && l.t.sources == NULL);
    expect_at(&l, DIAG_ERROR, csv, 7, 4, "factor: '-2' must be between 0 and 1e6", HERE);
    expect_at(&l, DIAG_ERROR, csv, 4, 1, "time: '5m' is before the row above it", HERE);
    expect_at(&l, DIAG_ERROR, csv, 5, 3, "expected 2 columns (time,factor)", HERE);
    expect_at(&l, DIAG_ERROR, csv, 6, 1, "time: 'soon' is not a duration", HERE);
    unload(&l);

    write_file("rate.csv", "0,1\n");
    diag_list_init(&l.dl);
    l.rc = topo_load_file(&l.t, topo, &l.dl);
    CHECK_EQ_INT(l.rc, -1);
    expect_at(&l, DIAG_ERROR, csv, 1, 1, "expected the header line 'time,factor'", HERE);
    expect_at(&l, DIAG_ERROR, csv, 1, 1, "no data rows", HERE);
    unload(&l);

    /* Two sources sharing one shape (through an alias) read the file once
     * and get a copy each; a device is refused, since it could block. */
    write_file("rate.csv", "time,factor\n0,1\n1h,3\n");
    write_file("topo.yaml",
               "regions: [eu]\n"
               "services: { api: { deploy: { eu: 1 }, service_time: 1ms } }\n"
               "sources:\n"
               "  web: { entry: api, rate: 1/s, shape: &csv { file: rate.csv } }\n"
               "  app: { entry: api, rate: 1/s, shape: *csv }\n");
    diag_list_init(&l.dl);
    l.rc = topo_load_file(&l.t, topo, &l.dl);
    EXPECT_OK(&l);
    if (l.rc == 0) {
        CHECK_EQ_INT(l.t.sources[1].shape.kind, SHAPE_CSV);
        CHECK_EQ_INT(l.t.sources[1].shape.npoints, 2);
        CHECK(l.t.sources[1].shape.points != l.t.sources[0].shape.points);
        CHECK_NEAR(l.t.sources[1].shape.points[1].factor, 3, 0);
        CHECK_STR(l.t.sources[1].shape.csv_path, csv);
    }
    unload(&l);
    write_file("topo.yaml",
               "regions: [eu]\n"
               "services: { api: { deploy: { eu: 1 }, service_time: 1ms } }\n"
               "sources: { web: { entry: api, rate: 1/s, shape: { file: /dev/null } } }\n");
    diag_list_init(&l.dl);
    l.rc = topo_load_file(&l.t, topo, &l.dl);
    CHECK_EQ_INT(l.rc, -1);
    expect_at(&l, DIAG_ERROR, topo, 3, 57, "file: '/dev/null' is outside the topology's folder",
              HERE);
    unload(&l);
    /* Inside the folder, a file that is not a regular one is still refused. */
    char fifo[160];
    snprintf(fifo, sizeof fifo, "%s/pipe.csv", tmpdir);
    CHECK(mkfifo(fifo, 0600) == 0);
    write_file("topo.yaml",
               "regions: [eu]\n"
               "services: { api: { deploy: { eu: 1 }, service_time: 1ms } }\n"
               "sources: { web: { entry: api, rate: 1/s, shape: { file: pipe.csv } } }\n");
    diag_list_init(&l.dl);
    l.rc = topo_load_file(&l.t, topo, &l.dl);
    CHECK_EQ_INT(l.rc, -1);
    expect_at(&l, DIAG_ERROR, topo, 3, 57, "not a regular file", HERE);
    unload(&l);
    remove_file("pipe.csv");
    write_file("topo.yaml",
               "regions: [eu]\n"
               "services: { api: { deploy: { eu: 1 }, service_time: 1ms } }\n"
               "sources: { web: { entry: api, rate: 1/s, shape: { kind: csv, file: rate.csv } } }\n");

    /* A CSV file that is not there is the topology's error. */
    remove_file("rate.csv");
    diag_list_init(&l.dl);
    l.rc = topo_load_file(&l.t, topo, &l.dl);
    CHECK_EQ_INT(l.rc, -1);
    expect_at(&l, DIAG_ERROR, topo, 3, 68, "file: cannot read", HERE);
    unload(&l);

    remove_file("topo.yaml");
    rmdir(tmpdir);
}

/* Values that load but cannot run are refused (tests/topo_load/
 * cannot-run-*.yaml); here, the traffic that loads: with sampling or a
 * budget, or slow and warned about. */
static void test_cannot_run(void)
{
    Load l;
    /* The same traffic with sampling or a budget is fine. */
    load(&l, "regions: [eu]\n"
             "settings: { budget: 20000/s }\n"
             "services: { api: { deploy: { eu: 1 }, service_time: 1ms } }\n"
             "sources: { big: { entry: api, rate: 1e9/s } }\n");
    CHECK_EQ_INT(l.rc, 0);
    CHECK(l.dl.n == 0);
    unload(&l);
    /* Slow but possible: a warning, and the load succeeds. */
    load(&l, "regions: [eu]\n"
             "services: { api: { deploy: { eu: 1 }, service_time: 1ms } }\n"
             "sources: { web: { entry: api, rate: 1e6/s } }\n");              /* 3 */
    CHECK_EQ_INT(l.rc, 0);
    CHECK(l.dl.warnings == 1);
    CHECK(l.dl.n > 0 && l.dl.v[0].level == DIAG_WARNING && l.dl.v[0].loc.line == 3 &&
          strstr(l.dl.v[0].msg, "rate: a slow run: at sampling 1"));
    unload(&l);
}

/* Bytes that are not a topology at all must not crash anything. */
static void test_garbage(void)
{
    static const char *const inputs[] = {
        "", "\n", "~", "null", "[]", "{}", "42", "'", "\"", "&a", "*a", "!!binary x", "? ? ?",
        "regions:", "regions: ~\nservices: ~\nsources: ~\n", "regions: {}\nservices: []\nsources: 1\n",
        "regions: [a]\nservices: { a: }\nsources: { s: }\n",
        "regions: [a]\nservices: { [x]: 1, {y: 2}: 2, '': 3, ~: 4 }\nsources: {}\n",
        "regions: [\"\"]\nservices: { a: { deploy: { \"\": 1 } } }\n",
        "regions: [a]\nservices: { a: { service_time: { dist: empirical, table: [[1ms], 3, [1ms, 50%]] } } }\n",
        "regions: [a]\nservices: { a: { service_time: { dist: zipf } } }\n",
        "regions: [a]\nservices: { a: { calls: [ ~, 1, [], { to: ~ } ] } }\n",
        "regions: [a]\nsources: { s: { shape: { kind: steps, steps: [ { at: 1m, factor: 1 }, { at: 1m, factor: 2 } ] } } }\n",
        "regions: [a]\nsources: { s: { shape: { kind: diurnal, file: x.csv } } }\n",
        "regions: [a]\nservices: { a: { <<: 1, <<: [1, {kind: storage}] } }\n",
        "%YAML 1.1\n---\nregions: [a]\n...\n",
        "regions: [a\x00]\n",
    };
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        Load l;
        load(&l, inputs[i]);
        CHECK_EQ_INT(l.rc, -1);
        CHECK(l.dl.errors > 0);
        unload(&l);
    }
    /* Embedded NUL bytes, which strlen-based code would cut short. */
    static const char nul[] = "regions: [\"a\\0b\"]\nservices: { x: { service_time: \"1ms\\0junk\" } }\n";
    Load l;
    diag_list_init(&l.dl);
    l.rc = topo_load_string(&l.t, NAME, nul, sizeof nul - 1, &l.dl);
    CHECK_EQ_INT(l.rc, -1);
    EXPECT_ERR(&l, 1, 11, "regions: expected a region name, got text with a NUL character");
    EXPECT_ERR(&l, 2, 32, "service_time: expected a duration like 250ms, got text with a NUL character");
    unload(&l);
}

/* `scheduler` on a platform and `startup` calls: defaults and values (the
 * errors: tests/topo_load/scheduler-startup-errors.yaml). */
static void test_scheduler_startup(void)
{
    Load l;
    load(&l, SVC_HEAD
         "    service_time: 10ms\n"                                               /* 5 */
         "    runs_on: db\n"                                                      /* 6 */
         "    startup:\n"                                                         /* 7 */
         "      calls:\n"                                                         /* 8 */
         "        - { to: db, timeout: 2s, retries: 1, backoff: { base: 1s, jitter: 0 } }\n" /* 9 */
         "        - { to: db, regions: all, critical: false }\n"                  /* 10 */
         "  db:\n"                                                                /* 11 */
         "    deploy: { eu: 1, us: 1 }\n"                                         /* 12 */
         "    service_time: 1ms\n"                                                /* 13 */
         "    scheduler: { timeout: 10s, retries: 3, parallel: 4, rate: 20/m,\n"  /* 14 */
         "                 backoff: { base: 1s, max: 30s, multiplier: 3, jitter: 0 } }\n" /* 15 */
         "sources:\n"
         "  web: { entry: api, rate: 100/s }\n");
    EXPECT_OK(&l);
    if (l.rc == 0) {
        const TopoService *api = &l.t.services[0], *db = &l.t.services[1];
        /* The default policy, as the engine had it before it was a setting. */
        CHECK_EQ_INT(api->scheduler.timeout, 30 * FD_SEC);
        CHECK_EQ_INT(api->scheduler.retries, -1);
        CHECK_EQ_INT(api->scheduler.backoff.base, 5 * FD_SEC);
        CHECK_EQ_INT(api->scheduler.backoff.max, 60 * FD_SEC);
        CHECK_NEAR(api->scheduler.backoff.multiplier, 2, 0);
        CHECK_NEAR(api->scheduler.backoff.jitter, 0.5, 0);
        CHECK_EQ_INT(api->scheduler.parallel, 0);
        CHECK_NEAR(api->scheduler.rate, 0, 0);
        CHECK_EQ_INT(db->scheduler.timeout, 10 * FD_SEC);
        CHECK_EQ_INT(db->scheduler.retries, 3);
        CHECK_EQ_INT(db->scheduler.parallel, 4);
        CHECK_NEAR(db->scheduler.rate, 20.0 / 60, 1e-12);
        CHECK_EQ_INT(db->scheduler.backoff.base, FD_SEC);
        CHECK_EQ_INT(db->scheduler.backoff.max, 30 * FD_SEC);
        CHECK_NEAR(db->scheduler.backoff.multiplier, 3, 0);
        CHECK_NEAR(db->scheduler.backoff.jitter, 0, 0);
        CHECK_EQ_INT(db->scheduler.loc.line, 14);
        /* `regions: all` expands here as in `calls`: one call per region. */
        CHECK_EQ_INT(api->nstartup, 3);
        if (api->nstartup == 3) {
            CHECK_EQ_INT(api->startup[0].target, 1);
            CHECK_EQ_INT(api->startup[0].timeout, 2 * FD_SEC);
            CHECK_EQ_INT(api->startup[0].retries, 1);
            CHECK_EQ_INT(api->startup[0].backoff.base, FD_SEC);
            CHECK_EQ_INT(api->startup[1].region, 0);
            CHECK_EQ_INT(api->startup[2].region, 1);
            CHECK(!api->startup[2].critical);
        }
        CHECK_EQ_INT(api->ncalls, 0);
        CHECK_EQ_INT(db->nstartup, 0);
    }
    unload(&l);
}

int main(void)
{
    test_fixtures();
    test_example();
    test_minimal();
    test_forms();
    test_syntax_error();
    test_routing();
    test_scheduler_startup();
    test_collapse();
    test_config_cache();
    test_call_regions();
    test_error_cap();
    test_alias_bombs();
    test_files();
    test_cannot_run();
    test_garbage();
    return fdt_finish();
}

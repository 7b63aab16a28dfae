/*
 * test_topo_check.c: the static analyses (model/topo_check.c) and the DOT
 * writer (model/topo_graph.c), over topologies built by hand in C.
 *
 * Building the Topo here rather than loading YAML keeps these tests about
 * the analyses alone: a loader bug cannot make them pass or fail. Every
 * object gets a distinct line number, so the tests can assert that each
 * diagnostic points at the right YAML object, not just that it exists.
 * The small topologies mirror the reference incidents: Tencent's API that
 * its own container platform needs (recovery cycle, console surge) and
 * NetEase's storage tier shared by two products (blast radius).
 */
#include "fdtest.h"

#include "model/topo_check.h"
#include "report/check_report.h"
#include "model/topo_graph.h"

#include <stdbool.h>

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n);
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(3);
    }
    return p;
}

static char *xstrdup(const char *s)
{
    char *p = xrealloc(NULL, strlen(s) + 1);
    return strcpy(p, s);
}

/* ---- Building topologies --------------------------------------------------- */

static FdLoc at(const Topo *t, int line)
{
    return (FdLoc){ t->file, line, 5 };
}

static void make(Topo *t, int nregions, const char *const *regions)
{
    topo_init(t);
    t->file = xstrdup("test.yaml");
    t->regions = xrealloc(NULL, (size_t)nregions * sizeof *t->regions);
    for (int i = 0; i < nregions; i++)
        t->regions[i] = (TopoRegion){ xstrdup(regions[i]), at(t, 1) };
    t->nregions = nregions;
}

/* A service defined at `line`, with 10ms of own work, 16 workers. */
static int service(Topo *t, const char *name, SvcKind kind, int line)
{
    t->services = xrealloc(t->services, (size_t)(t->nservices + 1) * sizeof *t->services);
    TopoService *sv = &t->services[t->nservices];
    memset(sv, 0, sizeof *sv);
    sv->name = xstrdup(name);
    sv->loc = at(t, line);
    sv->kind = kind;
    sv->concurrency = 16;
    sv->queue = 64;
    dist_const(&sv->service_time, 0.010, NULL);
    sv->runs_on = -1;
    sv->restart_time = 30 * FD_SEC;
    return t->nservices++;
}

static void deploy(Topo *t, int s, int region, int instances, int line)
{
    TopoService *sv = &t->services[s];
    sv->deploy = xrealloc(sv->deploy, (size_t)(sv->ndeploy + 1) * sizeof *sv->deploy);
    sv->deploy[sv->ndeploy++] = (TopoDeploy){ region, instances, at(t, line) };
}

static TopoCall *call(Topo *t, int from, int to, int line)
{
    TopoService *sv = &t->services[from];
    sv->calls = xrealloc(sv->calls, (size_t)(sv->ncalls + 1) * sizeof *sv->calls);
    TopoCall *c = &sv->calls[sv->ncalls++];
    *c = topo_default_call();
    c->target = to;
    c->loc = at(t, line);
    return c;
}

/* A start-up call (`startup: { calls }`) of from to to. */
static void startup(Topo *t, int from, int to, int line)
{
    TopoService *sv = &t->services[from];
    sv->startup = xrealloc(sv->startup, (size_t)(sv->nstartup + 1) * sizeof *sv->startup);
    TopoCall *c = &sv->startup[sv->nstartup++];
    *c = topo_default_call();
    c->target = to;
    c->loc = at(t, line);
}

static void runs_on(Topo *t, int s, int platform, int line)
{
    t->services[s].runs_on = platform;
    t->services[s].runs_on_loc = at(t, line);
}

static int config(Topo *t, const char *name, int store, int line)
{
    t->configs = xrealloc(t->configs, (size_t)(t->nconfigs + 1) * sizeof *t->configs);
    t->configs[t->nconfigs] = (TopoConfig){ .name = xstrdup(name), .loc = at(t, line), .store = store };
    return t->nconfigs++;
}

static void reads(Topo *t, int s, int cfg)
{
    TopoService *sv = &t->services[s];
    sv->configs = xrealloc(sv->configs, (size_t)(sv->nconfigs + 1) * sizeof *sv->configs);
    sv->configs[sv->nconfigs++] = cfg;
}

/* weights: one per region, or NULL for all in region 0. */
static int source(Topo *t, const char *name, int entry, double rate, const double *weights,
                  int line)
{
    t->sources = xrealloc(t->sources, (size_t)(t->nsources + 1) * sizeof *t->sources);
    TopoSource *src = &t->sources[t->nsources];
    memset(src, 0, sizeof *src);
    src->name = xstrdup(name);
    src->loc = at(t, line);
    src->entry = entry;
    src->rate = rate;
    src->weights = xrealloc(NULL, (size_t)t->nregions * sizeof *src->weights);
    for (int r = 0; r < t->nregions; r++) src->weights[r] = weights ? weights[r] : r == 0;
    src->client = topo_default_client();
    src->slo = 0.99;
    return t->nsources++;
}

/* ---- Looking at diagnostics ------------------------------------------------- */

/* The index of the first diagnostic of `level` whose message contains
 * `text`, or -1. */
static int find_diag(const DiagList *dl, DiagLevel level, const char *text)
{
    for (size_t i = 0; i < dl->n; i++)
        if (dl->v[i].level == level && strstr(dl->v[i].msg, text)) return (int)i;
    return -1;
}

static int count_level(const DiagList *dl, DiagLevel level)
{
    int n = 0;
    for (size_t i = 0; i < dl->n; i++) n += dl->v[i].level == level;
    return n;
}

static int count_containing(const DiagList *dl, const char *text)
{
    int n = 0;
    for (size_t i = 0; i < dl->n; i++) n += strstr(dl->v[i].msg, text) != NULL;
    return n;
}

static void check_topo(const Topo *t, double surge, DiagList *dl)
{
    TopoCheckOptions o;
    topo_check_options_init(&o);
    o.surge = surge;
    diag_list_init(dl);
    CHECK_EQ_INT(topo_check(t, &o, dl, NULL), 0);
}

static bool has_entry(const TopoBlast *b, int src)
{
    for (int i = 0; i < b->nentries; i++)
        if (b->entries[i] == src) return true;
    return false;
}

static bool has_recovery(const TopoBlast *b, int src)
{
    for (int i = 0; i < b->nrecovery; i++)
        if (b->recovery[i] == src) return true;
    return false;
}

static const char *const ONE_REGION[] = { "shanghai" };
static const char *const THREE_REGIONS[] = { "guangzhou", "shanghai", "beijing" };

/* ---- Request-path cycles ---------------------------------------------------- */

static void test_request_cycle(void)
{
    Topo t;
    make(&t, 1, ONE_REGION);
    int a = service(&t, "a", SVC_SERVICE, 10);
    int b = service(&t, "b", SVC_SERVICE, 20);
    int c = service(&t, "c", SVC_SERVICE, 30);
    int d = service(&t, "d", SVC_SERVICE, 40);
    for (int s = 0; s < 4; s++) deploy(&t, s, 0, 2, 100 + s);
    call(&t, a, b, 11);
    call(&t, b, c, 21);
    call(&t, c, a, 31);   /* closes a -> b -> c -> a */
    call(&t, c, d, 32);   /* leaves the loop: not part of it */
    source(&t, "web", a, 100, NULL, 50);

    TopoCycleList l;
    CHECK_EQ_INT(topo_request_cycles(&t, 50, &l), 0);
    CHECK_EQ_INT(l.n, 1);
    CHECK(!l.truncated);
    if (l.n == 1) {
        char *text = topo_cycle_text(&t, &l.v[0], false);
        CHECK_STR(text, "a -> b -> c -> a");
        free(text);
        CHECK_EQ_INT(l.v[0].edges[2].from, c);
        CHECK_EQ_INT(l.v[0].edges[2].call, 0);
    }
    topo_cycle_list_free(&l);

    DiagList dl;
    check_topo(&t, 1, &dl);
    CHECK_EQ_INT(dl.errors, 1);
    int i = find_diag(&dl, DIAG_ERROR, "request-path cycle: a -> b -> c -> a");
    CHECK(i >= 0);
    if (i >= 0) {
        CHECK_STR(dl.v[i].msg, "request-path cycle: a -> b -> c -> a");
        CHECK_EQ_INT(dl.v[i].loc.line, 31);   /* at the call that closes it */
        CHECK((size_t)i + 2 < dl.n);
        if ((size_t)i + 2 < dl.n) {
            CHECK_EQ_INT(dl.v[i + 1].level, DIAG_NOTE);
            CHECK_STR(dl.v[i + 1].msg, "a calls b here");
            CHECK_EQ_INT(dl.v[i + 1].loc.line, 11);
            CHECK_STR(dl.v[i + 2].msg, "b calls c here");
            CHECK_EQ_INT(dl.v[i + 2].loc.line, 21);
        }
    }
    /* A plain request cycle has no runs_on edge: no recovery warning. */
    CHECK_EQ_INT(count_containing(&dl, "recovery-path"), 0);
    diag_list_free(&dl);
    topo_free(&t);
}

/* Overlapping loops are each listed once; a self-call is a loop; the same
 * target called twice is one edge, not two cycles. */
static void test_request_cycles_each_once(void)
{
    Topo t;
    make(&t, 1, ONE_REGION);
    int a = service(&t, "a", SVC_SERVICE, 10);
    int b = service(&t, "b", SVC_SERVICE, 20);
    int c = service(&t, "c", SVC_SERVICE, 30);
    int d = service(&t, "d", SVC_SERVICE, 40);
    call(&t, a, b, 11);
    call(&t, b, a, 21);
    call(&t, b, c, 22);
    call(&t, c, a, 31);
    call(&t, c, a, 32);   /* a second call to the same target */
    call(&t, d, d, 41);   /* self-call */
    call(&t, a, c, 12)->probability = 0;   /* never made: not an edge */

    TopoCycleList l;
    CHECK_EQ_INT(topo_request_cycles(&t, 50, &l), 0);
    CHECK_EQ_INT(l.n, 3);
    const char *want[] = { "a -> b -> a", "a -> b -> c -> a", "d -> d" };
    for (int i = 0; i < l.n && i < 3; i++) {
        char *text = topo_cycle_text(&t, &l.v[i], false);
        CHECK_STR(text, want[i]);
        free(text);
    }
    topo_cycle_list_free(&l);

    /* The limit is honoured and said. */
    CHECK_EQ_INT(topo_request_cycles(&t, 2, &l), 0);
    CHECK_EQ_INT(l.n, 2);
    CHECK(l.truncated);
    topo_cycle_list_free(&l);

    DiagList dl;
    check_topo(&t, 1, &dl);
    CHECK_EQ_INT(dl.errors, 3);
    int i = find_diag(&dl, DIAG_ERROR, "request-path cycle: d -> d");
    CHECK(i >= 0);
    if (i >= 0) CHECK_EQ_INT(dl.v[i].loc.line, 41);
    diag_list_free(&dl);
    topo_free(&t);
}

/* Johnson's algorithm against plain backtracking on random small graphs:
 * the same number of elementary cycles, each starting at its least vertex
 * and none listed twice. */
static int brute_cycles(bool adj[][7], int n, int s, int v, bool *on)
{
    int count = 0;
    for (int w = 0; w < n; w++) {
        if (!adj[v][w]) continue;
        if (w == s) count++;
        else if (w > s && !on[w]) {
            on[w] = true;
            count += brute_cycles(adj, n, s, w, on);
            on[w] = false;
        }
    }
    return count;
}

static void test_cycles_against_brute_force(void)
{
    unsigned seed = 12345;
    for (int round = 0; round < 200; round++) {
        Topo t;
        make(&t, 1, ONE_REGION);
        int n = 2 + round % 6;
        bool adj[7][7] = { { false } };
        char name[16];
        for (int v = 0; v < n; v++) {
            snprintf(name, sizeof name, "s%d", v);
            service(&t, name, SVC_SERVICE, 10 * (v + 1));
        }
        for (int v = 0; v < n; v++)
            for (int w = 0; w < n; w++) {
                seed = seed * 1103515245u + 12345u;
                if ((seed >> 16) % 100 < 35) {
                    call(&t, v, w, 10 * (v + 1) + w + 1);
                    adj[v][w] = true;
                }
            }
        int want = 0;
        bool on[7] = { false };
        for (int s = 0; s < n; s++) want += brute_cycles(adj, n, s, s, on);
        TopoCycleList l;
        CHECK_EQ_INT(topo_request_cycles(&t, 100000, &l), 0);
        CHECK_EQ_INT(l.n, want);
        bool ok = true;   /* one check per graph keeps the tally readable */
        for (int i = 0; i < l.n; i++) {
            const TopoCycle *c = &l.v[i];
            ok = ok && c->edges[c->n - 1].to == c->edges[0].from;
            for (int k = 0; k < c->n; k++) {
                ok = ok && c->edges[k].from >= c->edges[0].from;
                if (k + 1 < c->n) ok = ok && c->edges[k].to == c->edges[k + 1].from;
                for (int m = k + 1; m < c->n; m++) ok = ok && c->edges[k].from != c->edges[m].from;
            }
            char *a = topo_cycle_text(&t, c, false);
            for (int j = i + 1; j < l.n && a; j++) {
                char *b = topo_cycle_text(&t, &l.v[j], false);
                ok = ok && b && strcmp(a, b) != 0;
                free(b);
            }
            ok = ok && a;
            free(a);
        }
        CHECK(ok);
        topo_cycle_list_free(&l);
        topo_free(&t);
    }
}

/* A complete graph has astronomically many cycles: the search must stop at
 * the limit, and the check must say there are more. */
static void test_cycles_limit_on_dense_graph(void)
{
    Topo t;
    make(&t, 1, ONE_REGION);
    char name[16];
    for (int v = 0; v < 30; v++) {
        snprintf(name, sizeof name, "s%d", v);
        service(&t, name, SVC_SERVICE, v + 1);
    }
    for (int v = 0; v < 30; v++)
        for (int w = 0; w < 30; w++)
            if (v != w) call(&t, v, w, v + 1);
    DiagList dl;
    check_topo(&t, 1, &dl);
    CHECK_EQ_INT(dl.errors, 50);
    CHECK(find_diag(&dl, DIAG_NOTE, "more request-path cycles exist") >= 0);
    diag_list_free(&dl);
    TopoCycleList l;
    for (int v = 0; v < 30; v++) runs_on(&t, v, (v + 1) % 30, v + 1);
    CHECK_EQ_INT(topo_recovery_cycles(&t, 10, &l), 0);
    CHECK_EQ_INT(l.n, 10);
    CHECK(l.truncated);
    topo_cycle_list_free(&l);
    topo_free(&t);
}

/* ---- Recovery-path cycles (Tencent 2024-04-08) -------------------------------- */

static void tencent(Topo *t)
{
    make(t, 3, THREE_REGIONS);
    int gw = service(t, "gateway", SVC_SERVICE, 10);
    int api = service(t, "cloud-api", SVC_SERVICE, 20);
    int tke = service(t, "tke", SVC_SERVICE, 30);
    for (int r = 0; r < 3; r++) {
        deploy(t, gw, r, 4, 11);
        deploy(t, api, r, 2, 21);
        deploy(t, tke, r, 2, 31);
    }
    call(t, gw, api, 12);
    runs_on(t, gw, tke, 13);
    runs_on(t, api, tke, 22);
    call(t, tke, api, 32);
    static const double w[] = { 0.4, 0.35, 0.25 };
    source(t, "console", gw, 2000, w, 50);
}

static void test_recovery_cycle(void)
{
    Topo t;
    tencent(&t);
    int api = topo_find_service(&t, "cloud-api"), tke = topo_find_service(&t, "tke");

    TopoCycleList l;
    CHECK_EQ_INT(topo_recovery_cycles(&t, 50, &l), 0);
    CHECK_EQ_INT(l.n, 1);
    if (l.n == 1) {
        char *text = topo_cycle_text(&t, &l.v[0], true);
        CHECK_STR(text, "cloud-api runs on tke, tke calls cloud-api");
        free(text);
        CHECK_EQ_INT(l.v[0].edges[0].call, TOPO_EDGE_RUNS_ON);
    }
    topo_cycle_list_free(&l);
    CHECK_EQ_INT(topo_request_cycles(&t, 50, &l), 0);
    CHECK_EQ_INT(l.n, 0);
    topo_cycle_list_free(&l);

    DiagList dl;
    check_topo(&t, 1, &dl);
    CHECK_EQ_INT(dl.errors, 0);
    int i = find_diag(&dl, DIAG_WARNING, "recovery-path cycle");
    CHECK(i >= 0);
    if (i >= 0) {
        CHECK_STR(dl.v[i].msg, "recovery-path cycle: cloud-api runs on tke, tke calls cloud-api: "
                               "if cloud-api's instances crash, tke cannot reschedule them");
        CHECK_EQ_INT(dl.v[i].loc.line, 32);   /* tke's call closes it */
        CHECK((size_t)i + 1 < dl.n);
        if ((size_t)i + 1 < dl.n) {
            CHECK_STR(dl.v[i + 1].msg, "cloud-api runs on tke here");
            CHECK_EQ_INT(dl.v[i + 1].loc.line, 22);
        }
    }
    CHECK_EQ_INT(count_containing(&dl, "recovery-path cycle"), 1);
    diag_list_free(&dl);

    /* Broken three ways: each must make the warning go away. */
    t.services[tke].calls[0].fallback = true;   /* tke can schedule without the API */
    check_topo(&t, 1, &dl);
    CHECK_EQ_INT(count_containing(&dl, "recovery-path cycle"), 0);
    diag_list_free(&dl);
    t.services[tke].calls[0].fallback = false;
    t.services[tke].calls[0].critical = false;
    check_topo(&t, 1, &dl);
    CHECK_EQ_INT(count_containing(&dl, "recovery-path cycle"), 0);
    diag_list_free(&dl);
    t.services[tke].calls[0].critical = true;
    t.services[api].runs_on = -1;   /* the API restarts itself */
    check_topo(&t, 1, &dl);
    CHECK_EQ_INT(count_containing(&dl, "recovery-path cycle"), 0);
    diag_list_free(&dl);
    topo_free(&t);
}

/* The two recovery edges, runs_on and a start-up call, in the same two
 * shapes: a longer loop through services that are not platforms (x -> p,
 * p calls b, b calls x), and a loop of two services that each need the
 * other to come back (q <-> r). Neither is a request-path cycle. */
typedef struct RecoveryShape {
    bool startup;             /* the recovery edges are start-up calls, else runs_on */
    const char *loop, *pair;  /* the warnings expected */
} RecoveryShape;

static const RecoveryShape recovery_shapes[] = {
    { false,
      "recovery-path cycle: x runs on p, p calls b, b calls x: "
      "if x's instances crash, p cannot reschedule them",
      "recovery-path cycle: q runs on r, r runs on q: "
      "if q and r crash at once, none of them can be rescheduled" },
    { true,
      "recovery-path cycle: x calls at start-up p, p calls b, b calls x: "
      "if x's instances crash, they cannot start again: their start-up call to p needs x serving",
      "recovery-path cycle: q calls at start-up r, r calls at start-up q: "
      "if q and r crash at once, none of them can come back" },
};

static void recovery_edge(Topo *t, bool startup_call, int from, int to, int line)
{
    if (startup_call) startup(t, from, to, line);
    else runs_on(t, from, to, line);
}

static void test_recovery_cycle_shapes(void)
{
    for (size_t k = 0; k < sizeof recovery_shapes / sizeof *recovery_shapes; k++) {
        const RecoveryShape *rs = &recovery_shapes[k];
        Topo t;
        make(&t, 1, ONE_REGION);
        int x = service(&t, "x", SVC_SERVICE, 10);
        int p = service(&t, "p", SVC_SERVICE, 20);
        int b = service(&t, "b", SVC_SERVICE, 30);
        int q = service(&t, "q", SVC_SERVICE, 40);
        int r = service(&t, "r", SVC_SERVICE, 50);
        recovery_edge(&t, rs->startup, x, p, 11);
        call(&t, p, b, 21);
        call(&t, b, x, 31);
        recovery_edge(&t, rs->startup, q, r, 41);
        recovery_edge(&t, rs->startup, r, q, 51);

        TopoCycleList l;
        CHECK_EQ_INT(topo_request_cycles(&t, 50, &l), 0);
        CHECK_EQ_INT(l.n, 0);
        topo_cycle_list_free(&l);
        CHECK_EQ_INT(topo_recovery_cycles(&t, 50, &l), 0);
        CHECK_EQ_INT(l.n, 2);
        if (l.n >= 1 && rs->startup) {
            CHECK(TOPO_EDGE_IS_STARTUP(l.v[0].edges[0].call));
            CHECK_EQ_INT(TOPO_EDGE_STARTUP_INDEX(l.v[0].edges[0].call), 0);
        }
        topo_cycle_list_free(&l);
        DiagList dl;
        check_topo(&t, 1, &dl);
        int i = find_diag(&dl, DIAG_WARNING, rs->loop);
        CHECK(i >= 0);
        if (i >= 0) {
            CHECK_EQ_INT(dl.v[i].loc.line, 31);   /* b's call closes it */
            CHECK((size_t)i + 1 < dl.n);
            if ((size_t)i + 1 < dl.n) {
                CHECK_STR(dl.v[i + 1].msg, rs->startup ? "x calls at start-up p here"
                                                       : "x runs on p here");
                CHECK_EQ_INT(dl.v[i + 1].loc.line, 11);
            }
        }
        CHECK(find_diag(&dl, DIAG_WARNING, rs->pair) >= 0);
        diag_list_free(&dl);
        topo_free(&t);
    }
}

/* Start-up calls are on the way back in the failure closure too: with
 * auth down, policy fails on the request path, and app (which reads
 * policy at start-up) cannot come back. */
static void test_recovery_closure_startup(void)
{
    Topo t;
    make(&t, 1, ONE_REGION);
    int app = service(&t, "app", SVC_SERVICE, 10);
    int policy = service(&t, "policy", SVC_SERVICE, 20);
    int auth = service(&t, "auth", SVC_SERVICE, 30);
    startup(&t, app, policy, 11);
    call(&t, policy, auth, 21);
    call(&t, auth, app, 31);
    bool down[3] = { false };
    down[auth] = true;
    topo_failure_closure(&t, down, false);
    CHECK(down[policy] && !down[app]);
    bool rdown[3] = { false };
    rdown[auth] = true;
    topo_failure_closure(&t, rdown, true);
    CHECK(rdown[policy] && rdown[app]);
    topo_free(&t);
}

/* ---- Blast radius (NetEase 2024-08-18) ------------------------------------- */

typedef struct NetEase {
    int portal, news, db, storage, cache, web, app;
} NetEase;

static NetEase netease(Topo *t)
{
    make(t, 1, ONE_REGION);
    NetEase n;
    n.portal = service(t, "portal", SVC_SERVICE, 10);
    n.news = service(t, "news", SVC_SERVICE, 20);
    n.db = service(t, "db", SVC_STORAGE, 30);
    n.storage = service(t, "block-storage", SVC_STORAGE, 40);
    n.cache = service(t, "cache", SVC_SERVICE, 45);
    for (int s = 0; s < 5; s++) deploy(t, s, 0, 3, 100 + s);
    call(t, n.portal, n.db, 11);
    call(t, n.news, n.db, 21);
    call(t, n.news, n.cache, 22)->critical = false;
    call(t, n.db, n.storage, 31);
    n.web = source(t, "163-portal", n.portal, 1000, NULL, 60);
    n.app = source(t, "news-app", n.news, 500, NULL, 61);
    return n;
}

static void test_blast_shared_storage(void)
{
    Topo t;
    NetEase n = netease(&t);
    TopoBlastList bl;
    CHECK_EQ_INT(topo_blast_radius(&t, &bl), 0);
    CHECK_EQ_INT(bl.n, 5);
    const TopoBlast *st = &bl.v[n.storage];
    CHECK_EQ_INT(st->kind, TOPO_COMP_SERVICE);
    CHECK_EQ_INT(st->index, n.storage);
    CHECK_EQ_INT(st->nentries, 2);
    CHECK(has_entry(st, n.web) && has_entry(st, n.app));
    CHECK(st->down[n.db] && st->down[n.portal] && st->down[n.news] && !st->down[n.cache]);
    /* portal alone takes down only its own entry. */
    CHECK_EQ_INT(bl.v[n.portal].nentries, 1);
    CHECK(has_entry(&bl.v[n.portal], n.web));
    /* An optional call does not carry the failure up. */
    CHECK_EQ_INT(bl.v[n.cache].nentries, 0);
    topo_blast_list_free(&bl);

    /* A fallback on portal's call keeps 163-portal up (degraded). */
    t.services[n.portal].calls[0].fallback = true;
    CHECK_EQ_INT(topo_blast_radius(&t, &bl), 0);
    CHECK_EQ_INT(bl.v[n.storage].nentries, 1);
    CHECK(has_entry(&bl.v[n.storage], n.app));
    CHECK(!has_entry(&bl.v[n.storage], n.web));
    topo_blast_list_free(&bl);

    /* So does marking it optional; a call made with probability 0 never
     * fails anything. */
    t.services[n.portal].calls[0].fallback = false;
    t.services[n.portal].calls[0].critical = false;
    t.services[n.news].calls[0].probability = 0;
    CHECK_EQ_INT(topo_blast_radius(&t, &bl), 0);
    CHECK_EQ_INT(bl.v[n.storage].nentries, 0);
    topo_blast_list_free(&bl);
    topo_free(&t);
}

/* Bad data in a config item fails its readers; the platform only blocks
 * recovery. */
static void test_blast_config_and_platform(void)
{
    Topo t;
    tencent(&t);
    int gw = topo_find_service(&t, "gateway"), api = topo_find_service(&t, "cloud-api");
    int tke = topo_find_service(&t, "tke");
    int db = service(&t, "config-db", SVC_STORAGE, 40);
    deploy(&t, db, 0, 3, 41);
    int cfg = config(&t, "api-routing", db, 45);
    reads(&t, api, cfg);
    int other = config(&t, "unused", db, 46);

    TopoBlastList bl;
    CHECK_EQ_INT(topo_blast_radius(&t, &bl), 0);
    CHECK_EQ_INT(bl.n, 6);
    const TopoBlast *c = &bl.v[t.nservices + cfg];
    CHECK_EQ_INT(c->kind, TOPO_COMP_CONFIG);
    CHECK_EQ_INT(c->index, cfg);
    CHECK_EQ_INT(c->nentries, 1);
    CHECK(c->down[api] && c->down[gw] && c->down[tke]);
    CHECK_EQ_INT(bl.v[t.nservices + other].nentries, 0);
    /* The store being down is not bad data: readers keep their value. */
    CHECK_EQ_INT(bl.v[db].nentries, 0);
    /* Nothing calls tke: it takes nothing down on the request path, but
     * console cannot recover while it is down. */
    CHECK_EQ_INT(bl.v[tke].nentries, 0);
    CHECK_EQ_INT(bl.v[tke].nrecovery, 1);
    CHECK(has_recovery(&bl.v[tke], 0));
    CHECK_EQ_INT(bl.v[gw].nrecovery, 1);
    topo_blast_list_free(&bl);

    bool down[8] = { false };
    down[tke] = true;
    topo_failure_closure(&t, down, false);
    CHECK(!down[gw] && !down[api]);
    topo_failure_closure(&t, down, true);
    CHECK(down[gw] && down[api]);
    topo_free(&t);
}

/* The monitoring service on the same failing storage: blind responders. */
static void test_blind_monitoring(void)
{
    Topo t;
    NetEase n = netease(&t);
    int mon = service(&t, "monitor", SVC_SERVICE, 70);
    deploy(&t, mon, 0, 2, 71);
    call(&t, mon, n.db, 72);
    t.monitoring = mon;
    DiagList dl;
    check_topo(&t, 1, &dl);
    int i = find_diag(&dl, DIAG_WARNING, "a failure of block-storage takes down");
    CHECK(i >= 0);
    if (i >= 0) {
        CHECK_STR(dl.v[i].msg, "a failure of block-storage takes down 163-portal, news-app and "
                               "the monitoring service monitor: alerts go quiet when they are needed");
        CHECK_EQ_INT(dl.v[i].loc.line, 40);
    }
    CHECK(find_diag(&dl, DIAG_WARNING, "a failure of portal") < 0);
    diag_list_free(&dl);
    topo_free(&t);
}

/* ---- Single points of failure ---------------------------------------------- */

static void test_spof(void)
{
    Topo t;
    make(&t, 3, THREE_REGIONS);
    int gw = service(&t, "gateway", SVC_SERVICE, 10);
    int db = service(&t, "db", SVC_STORAGE, 20);
    int ext = service(&t, "sms", SVC_EXTERNAL, 30);
    int api = service(&t, "api", SVC_SERVICE, 40);
    for (int r = 0; r < 3; r++) deploy(&t, gw, r, 2, 11 + r);
    deploy(&t, db, 0, 1, 21);
    for (int r = 0; r < 3; r++) deploy(&t, api, r, 1, 41 + r);
    t.services[api].autoscale = (TopoAutoscale){ .enabled = true, .target = 0.6, .min = 2,
                                                 .max = 10, .step = 10 };
    call(&t, gw, db, 14);
    call(&t, gw, ext, 15);
    call(&t, gw, api, 16);
    static const double w[] = { 0.5, 0.5, 0 };
    int web = source(&t, "web", gw, 100, w, 50);
    source(&t, "app", gw, 100, NULL, 51);

    TopoBlastList bl;
    TopoSpofList sl;
    CHECK_EQ_INT(topo_blast_radius(&t, &bl), 0);
    CHECK_EQ_INT(topo_spofs(&t, &bl, &sl), 0);
    /* db: one region, one instance, while web is served from two. gateway
     * is redundant; sms is external; api's autoscaler keeps two. */
    CHECK_EQ_INT(sl.n, 1);
    if (sl.n == 1) {
        CHECK_EQ_INT(sl.v[0].service, db);
        CHECK_EQ_INT(sl.v[0].only_region, 0);
        CHECK_EQ_INT(sl.v[0].spread_source, web);
        CHECK_EQ_INT(sl.v[0].single_region, 0);
        CHECK_EQ_INT(sl.v[0].nsingle, 1);
        CHECK(sl.v[0].shared);
    }
    topo_spof_list_free(&sl);
    topo_blast_list_free(&bl);

    DiagList dl;
    check_topo(&t, 1, &dl);
    int i = find_diag(&dl, DIAG_WARNING, "single point of failure");
    CHECK(i >= 0);
    if (i >= 0) {
        CHECK_STR(dl.v[i].msg, "db is a single point of failure: deployed only in guangzhou while "
                               "web is served from 2 regions, and a single instance in guangzhou; "
                               "its failure takes down web, app (shared by 2 entry points)");
        CHECK_EQ_INT(dl.v[i].loc.line, 20);
        CHECK_EQ_INT(dl.v[i + 1].level, DIAG_NOTE);
        CHECK_EQ_INT(dl.v[i + 1].loc.line, 21);
    }
    CHECK_EQ_INT(count_containing(&dl, "single point of failure"), 1);
    diag_list_free(&dl);

    /* Make db redundant in its region and serve web from guangzhou only:
     * no longer a SPOF. */
    t.services[db].deploy[0].instances = 3;
    t.sources[web].weights[1] = 0;
    t.sources[web].weights[0] = 1;
    t.sources[1].weights[0] = 1;
    t.sources[1].weights[1] = t.sources[1].weights[2] = 0;
    check_topo(&t, 1, &dl);
    CHECK_EQ_INT(count_containing(&dl, "single point of failure"), 0);
    diag_list_free(&dl);
    topo_free(&t);
}

/* ---- Capacity ------------------------------------------------------------- */

static void test_headroom_surge(void)
{
    Topo t;
    make(&t, 1, ONE_REGION);
    int gw = service(&t, "gateway", SVC_SERVICE, 10);
    int api = service(&t, "api", SVC_SERVICE, 20);
    deploy(&t, gw, 0, 2, 11);
    deploy(&t, api, 0, 20, 21);
    /* gateway holds a worker 5ms + 0.5 x api's 10ms = 10ms: 30 workers
     * give 3000/s per instance, 6000/s for two, 12000/s at autoscale max 4. */
    t.services[gw].concurrency = 30;
    dist_free(&t.services[gw].service_time);
    dist_const(&t.services[gw].service_time, 0.005, NULL);
    t.services[gw].autoscale = (TopoAutoscale){ .enabled = true, .target = 0.6, .min = 2,
                                                .max = 4, .step = 10 };
    TopoCall *c = call(&t, gw, api, 12);
    c->probability = 0.5;
    c->retries = 3;   /* counted once at steady state */
    source(&t, "console", gw, 2000, NULL, 50);

    double lat[2];
    CHECK_EQ_INT(topo_mean_latencies(&t, lat), 0);
    CHECK_NEAR(lat[gw], 0.010, 1e-12);
    CHECK_NEAR(lat[api], 0.010, 1e-12);
    double load[2] = { 0 }, unserved[2] = { 0 };
    CHECK_EQ_INT(topo_source_load(&t, 0, load, unserved), 0);
    CHECK_NEAR(load[gw], 2000, 1e-9);
    CHECK_NEAR(load[api], 1000, 1e-9);
    CHECK_NEAR(unserved[gw] + unserved[api], 0, 0);

    TopoHeadroomList hl;
    CHECK_EQ_INT(topo_headroom(&t, 9, &hl), 0);
    CHECK_EQ_INT(hl.n, 2);
    if (hl.n == 2) {
        CHECK_NEAR(hl.v[0].capacity, 6000, 1e-6);
        CHECK_NEAR(hl.v[0].max_capacity, 12000, 1e-6);
        CHECK_NEAR(hl.v[0].headroom, 3, 1e-9);
        CHECK_EQ_INT(hl.v[0].max_instances, 4);
        CHECK(hl.v[0].short_at_surge);
        CHECK_NEAR(hl.v[1].capacity, 32000, 1e-6);   /* 20 x 16 / 10ms */
        CHECK(!hl.v[1].short_at_surge);               /* 9000/s needed */
    }
    topo_headroom_list_free(&hl);

    DiagList dl;
    check_topo(&t, 9, &dl);
    int i = find_diag(&dl, DIAG_WARNING, "surge");
    CHECK(i >= 0);
    if (i >= 0) {
        CHECK_STR(dl.v[i].msg, "console surge x9 needs 18000/s at gateway/shanghai; capacity 6000/s "
                               "(autoscaling to 4 instances: 12000/s)");
        CHECK_EQ_INT(dl.v[i].loc.line, 11);   /* the deployment in that region */
        CHECK_STR(dl.v[i + 1].msg,
                  "capacity = 2 instances x 30 workers / 10ms per request (own time + calls)");
    }
    CHECK_EQ_INT(count_level(&dl, DIAG_WARNING), 1);
    diag_list_free(&dl);

    check_topo(&t, 1, &dl);
    CHECK_EQ_INT(count_level(&dl, DIAG_WARNING), 0);
    diag_list_free(&dl);
    /* 5x fits within the autoscaler's reach (10000 <= 12000). */
    check_topo(&t, 5, &dl);
    CHECK_EQ_INT(count_level(&dl, DIAG_WARNING), 0);
    diag_list_free(&dl);
    topo_free(&t);
}

/* Load split by region weights, routed as the model routes it: a service
 * not deployed in a region serves that region's calls from the first region
 * where it has instances; one deployed there with no instances fails them
 * unless it may cross regions. */
static void test_load_regions(void)
{
    Topo t;
    make(&t, 3, THREE_REGIONS);
    int gw = service(&t, "gateway", SVC_SERVICE, 10);
    int api = service(&t, "api", SVC_SERVICE, 20);
    for (int r = 0; r < 3; r++) deploy(&t, gw, r, 2, 11);
    deploy(&t, api, 0, 1, 21);
    deploy(&t, api, 1, 3, 22);
    call(&t, gw, api, 12);
    static const double w[] = { 0.5, 0.3, 0.2 };
    source(&t, "console", gw, 1000, w, 50);

    double load[6] = { 0 }, un[6] = { 0 };
    CHECK_EQ_INT(topo_source_load(&t, 0, load, un), 0);
    CHECK_NEAR(load[gw * 3 + 0], 500, 1e-9);
    CHECK_NEAR(load[gw * 3 + 2], 200, 1e-9);
    CHECK_NEAR(load[api * 3 + 2], 0, 0);
    CHECK_NEAR(un[api * 3 + 2], 0, 0);
    CHECK_NEAR(load[api * 3 + 0], 500 + 200, 1e-9);
    CHECK_NEAR(load[api * 3 + 1], 300, 1e-9);

    /* Deployed in beijing with no instances, and not allowed to cross. */
    deploy(&t, api, 2, 0, 23);
    memset(load, 0, sizeof load);
    memset(un, 0, sizeof un);
    CHECK_EQ_INT(topo_source_load(&t, 0, load, un), 0);
    CHECK_NEAR(un[api * 3 + 2], 200, 1e-9);
    DiagList dl;
    check_topo(&t, 1, &dl);
    CHECK(find_diag(&dl, DIAG_WARNING, "api receives 200/s in beijing but has no instances there "
                                       "and cross_region is off: those requests fail") >= 0);
    diag_list_free(&dl);

    t.services[api].cross_region = true;
    memset(load, 0, sizeof load);
    memset(un, 0, sizeof un);
    CHECK_EQ_INT(topo_source_load(&t, 0, load, un), 0);
    CHECK_NEAR(un[api * 3 + 2], 0, 0);
    CHECK_NEAR(load[api * 3 + 0], 500 + 200, 1e-9);
    CHECK_NEAR(load[api * 3 + 1], 300, 1e-9);
    topo_free(&t);
}

/* ---- The whole check and its report ------------------------------------------- */

static void test_report(void)
{
    Topo t;
    tencent(&t);
    TopoCheckOptions o;
    topo_check_options_init(&o);
    o.surge = 9;
    DiagList dl;
    diag_list_init(&dl);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    CHECK(f != NULL);
    if (!f) return;
    TopoAnalysis an;
    CHECK_EQ_INT(topo_check(&t, &o, &dl, &an), 0);
    check_report_write(f, &t, &an, o.surge, &dl);
    topo_analysis_free(&an);
    fclose(f);
    CHECK(strstr(buf, "Blast radius") != NULL);
    CHECK(strstr(buf, "cloud-api/guangzhou") != NULL);
    CHECK(strstr(buf, "recovery path: cloud-api runs on tke, tke calls cloud-api") != NULL);
    /* cloud-api: 2 x 16 / 10ms = 3200/s against 9 x 800/s in guangzhou. */
    CHECK(find_diag(&dl, DIAG_WARNING,
                    "console surge x9 needs 7200/s at cloud-api/guangzhou; capacity 3200/s "
                    "(no autoscaling)") >= 0);
    free(buf);
    diag_list_free(&dl);
    topo_free(&t);
}

/* ---- The DOT writer --------------------------------------------------------- */

static char *graph_of(const Topo *t)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return NULL;
    int rc = topo_graph_write(t, f);
    fclose(f);
    CHECK_EQ_INT(rc, 0);
    return buf;
}

static void test_graph(void)
{
    Topo t;
    tencent(&t);
    int gw = topo_find_service(&t, "gateway"), tke = topo_find_service(&t, "tke");
    int db = service(&t, "config \"db\"", SVC_STORAGE, 40);
    deploy(&t, db, 0, 1, 41);
    int cfg = config(&t, "api-routing", db, 45);
    reads(&t, gw, cfg);
    int sms = service(&t, "sms", SVC_EXTERNAL, 60);
    call(&t, gw, sms, 14)->fallback = true;
    int x = service(&t, "x", SVC_SERVICE, 70);
    call(&t, x, x, 71);
    (void)tke;

    char *dot = graph_of(&t);
    CHECK(dot != NULL);
    if (!dot) return;
    CHECK(strncmp(dot, "// firedrill graph: test.yaml\n", 30) == 0);
    CHECK(strstr(dot, "digraph topology {") != NULL);
    CHECK(strstr(dot, "\"source:console\" [shape=invhouse, label=\"console\\n2000/s\"];") != NULL);
    CHECK(strstr(dot, "\"source:console\" -> \"gateway\";") != NULL);
    CHECK(strstr(dot, "\"gateway\" [shape=box, label=\"gateway\\nguangzhou 4, shanghai 4, "
                      "beijing 4\"];") != NULL);
    CHECK(strstr(dot, "\"config \\\"db\\\"\" [shape=cylinder") != NULL);
    CHECK(strstr(dot, "\"sms\" [shape=ellipse, style=dashed") != NULL);
    CHECK(strstr(dot, "\"config:api-routing\" [shape=note") != NULL);
    CHECK(strstr(dot, "\"gateway\" -> \"config:api-routing\" [label=\"reads\"") != NULL);
    CHECK(strstr(dot, "\"config:api-routing\" -> \"config \\\"db\\\"\" [label=\"stored in\"") != NULL);
    /* Plain call, fallback call, the recovery loop in orange, the request
     * loop in red. */
    CHECK(strstr(dot, "\"gateway\" -> \"cloud-api\" [label=\"1s\", style=solid];") != NULL);
    CHECK(strstr(dot, "\"gateway\" -> \"sms\" [label=\"1s\\nfallback\", style=dashed];") != NULL);
    CHECK(strstr(dot, "\"gateway\" -> \"tke\" [label=\"runs on\", style=dotted];") != NULL);
    CHECK(strstr(dot, "\"cloud-api\" -> \"tke\" [label=\"runs on\", style=\"dotted,bold\", "
                      "color=orange") != NULL);
    CHECK(strstr(dot, "\"tke\" -> \"cloud-api\" [label=\"1s\", style=\"solid,bold\", "
                      "color=orange") != NULL);
    CHECK(strstr(dot, "\"x\" -> \"x\" [label=\"1s\", style=\"solid,bold\", color=red") != NULL);
    size_t n = strlen(dot);
    CHECK(n > 2 && strcmp(dot + n - 2, "}\n") == 0);

    /* Deterministic: the same Topo gives the same bytes. */
    char *again = graph_of(&t);
    CHECK(again && strcmp(dot, again) == 0);
    free(again);
    free(dot);
    topo_free(&t);
}

static void test_empty(void)
{
    Topo t;
    topo_init(&t);
    DiagList dl;
    check_topo(&t, 1, &dl);
    CHECK_EQ_INT(dl.n, 0);
    diag_list_free(&dl);
    char *dot = graph_of(&t);
    CHECK(dot && strstr(dot, "digraph topology {") != NULL);
    free(dot);
    topo_free(&t);
}

int main(void)
{
    test_request_cycle();
    test_request_cycles_each_once();
    test_cycles_against_brute_force();
    test_cycles_limit_on_dense_graph();
    test_recovery_cycle();
    test_recovery_cycle_shapes();
    test_recovery_closure_startup();
    test_blast_shared_storage();
    test_blast_config_and_platform();
    test_blind_monitoring();
    test_spof();
    test_headroom_surge();
    test_load_regions();
    test_report();
    test_graph();
    test_empty();
    return fdt_finish();
}

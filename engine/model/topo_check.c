/*
 * topo_check.c: the static analyses behind `firedrill check` (see
 * topo_check.h for the rules and the contracts).
 *
 * Cycles are enumerated with Johnson's algorithm, which is output-sensitive:
 * O((services + edges) x (cycles + 1)), so a topology with a handful of
 * loops costs a handful of passes, and a pathological one stops at the
 * limit instead of running away. Parallel edges between two services (two
 * calls to the same target, or a call to one's own platform) are merged so
 * each elementary cycle is listed once; the merged edge keeps the runs_on
 * edge if there is one, else the first call, which is the one a reader
 * would look at first.
 *
 * The failure closure is a fixpoint over the services without allocation:
 * topologies have tens to hundreds of services, and each pass is linear, so
 * depth-of-the-graph passes cost nothing worth a worklist.
 *
 * Everything iterates the Topo's arrays in order, so the diagnostics (and
 * the report/check_report.c text made from the analyses) are byte-identical
 * from run to run.
 */
#include "model/topo_check.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void topo_check_options_init(TopoCheckOptions *o)
{
    o->surge = 1.0;
    o->max_cycles = 50;
}

/* ---- A growable string, for messages of any length ------------------------ */

typedef struct Str {
    char *p;
    size_t n, cap;
    bool oom;
} Str;

static void str_addf(Str *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void str_addf(Str *s, const char *fmt, ...)
{
    if (s->oom) return;
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (len < 0) { s->oom = true; return; }
    if (s->n + (size_t)len + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 64;
        while (cap < s->n + (size_t)len + 1) cap *= 2;
        char *p = realloc(s->p, cap);
        if (!p) { s->oom = true; return; }
        s->p = p;
        s->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(s->p + s->n, (size_t)len + 1, fmt, ap);
    va_end(ap);
    s->n += (size_t)len;
}

/* The string, or NULL when building it ran out of memory. */
static char *str_take(Str *s)
{
    if (s->oom) { free(s->p); return NULL; }
    if (!s->p) return calloc(1, 1);
    return s->p;
}

static const char *str_get(const Str *s)
{
    return s->oom || !s->p ? "(out of memory)" : s->p;
}

const char *topo_fmt_rate(double v, char *buf, size_t size)
{
    if (isinf(v)) snprintf(buf, size, "unbounded");
    else if (v >= 100 || v == 0) snprintf(buf, size, "%.0f/s", v);
    else if (v >= 10) snprintf(buf, size, "%.1f/s", v);
    else snprintf(buf, size, "%.2f/s", v);
    return buf;
}

static const char *fmt_secs(double s, char *buf, size_t size)
{
    if (s >= 1) snprintf(buf, size, "%.3gs", s);
    else if (s >= 1e-3) snprintf(buf, size, "%.3gms", s * 1e3);
    else snprintf(buf, size, "%.3gus", s * 1e6);
    return buf;
}

static bool propagates(const TopoCall *c)
{
    return c->target >= 0 && c->critical && !c->fallback && c->probability > 0;
}

static const char *svc_name(const Topo *t, int s) { return t->services[s].name; }

/* ---- Cycles ---------------------------------------------------------------- */

/* The dependency graph in compressed rows, forward and reverse. */
typedef struct Graph {
    int n;
    int *off, *adj, *call;  /* forward: adj[off[v] .. off[v+1]), call per slot */
    int *roff, *radj;       /* reverse */
} Graph;

static void graph_free(Graph *g)
{
    free(g->off);
    free(g->adj);
    free(g->call);
    free(g->roff);
    free(g->radj);
    memset(g, 0, sizeof *g);
}

static int graph_build(const Topo *t, bool recovery, Graph *g)
{
    memset(g, 0, sizeof *g);
    int n = t->nservices;
    size_t cap = (size_t)n + 1;
    for (int s = 0; s < n; s++) cap += (size_t)t->services[s].ncalls + (size_t)t->services[s].nstartup;
    g->n = n;
    g->off = calloc((size_t)n + 1, sizeof *g->off);
    g->roff = calloc((size_t)n + 2, sizeof *g->roff);
    g->adj = malloc(cap * sizeof *g->adj);
    g->call = malloc(cap * sizeof *g->call);
    g->radj = malloc(cap * sizeof *g->radj);
    if (!g->off || !g->roff || !g->adj || !g->call || !g->radj) {
        graph_free(g);
        return -1;
    }
    int m = 0;
    for (int s = 0; s < n; s++) {
        const TopoService *sv = &t->services[s];
        int start = m;
        g->off[s] = m;
        if (recovery && sv->runs_on >= 0) {
            g->adj[m] = sv->runs_on;
            g->call[m++] = TOPO_EDGE_RUNS_ON;
        }
        for (int k = 0; k < sv->ncalls; k++) {
            const TopoCall *c = &sv->calls[k];
            if (recovery ? !propagates(c) : (c->target < 0 || !(c->probability > 0))) continue;
            bool dup = false;
            for (int i = start; i < m && !dup; i++) dup = g->adj[i] == c->target;
            if (dup) continue;
            g->adj[m] = c->target;
            g->call[m++] = k;
        }
        /* An instance that cannot make its start-up calls cannot serve
         * again: those are on the way back from a crash. */
        for (int k = 0; recovery && k < sv->nstartup; k++) {
            int to = sv->startup[k].target;
            bool dup = !propagates(&sv->startup[k]);
            for (int i = start; i < m && !dup; i++) dup = g->adj[i] == to;
            if (dup) continue;
            g->adj[m] = to;
            g->call[m++] = TOPO_EDGE_STARTUP(k);
        }
    }
    g->off[n] = m;
    /* Reverse rows by counting sort on the target. */
    for (int i = 0; i < m; i++) g->roff[g->adj[i] + 2]++;
    for (int v = 0; v < n; v++) g->roff[v + 2] += g->roff[v + 1];
    for (int v = 0; v < n; v++)
        for (int i = g->off[v]; i < g->off[v + 1]; i++) g->radj[g->roff[g->adj[i] + 1]++] = v;
    return 0;
}

typedef struct IntVec {
    int *v;
    int n, cap;
} IntVec;

static int intvec_push(IntVec *iv, int x)
{
    if (iv->n == iv->cap) {
        int cap = iv->cap ? iv->cap * 2 : 4;
        int *v = realloc(iv->v, (size_t)cap * sizeof *v);
        if (!v) return -1;
        iv->v = v;
        iv->cap = cap;
    }
    iv->v[iv->n++] = x;
    return 0;
}

typedef struct Johnson {
    const Graph *g;
    bool recovery;          /* keep only cycles with a runs_on or start-up edge, rotated to it */
    int s;                  /* the least vertex of the cycles being searched */
    bool *blocked, *inscc, *mark;
    int *stack, *slot, depth;
    int *queue;
    IntVec *B;
    int limit, cap;
    long enumerated, enum_cap;
    TopoCycleList *out;
    bool stop, oom;
} Johnson;

static void johnson_emit(Johnson *j)
{
    if (++j->enumerated > j->enum_cap) {
        /* Mostly cycles of the other kind: the recovery filter drops them,
         * but the search must still end. */
        j->out->truncated = true;
        j->stop = true;
        return;
    }
    int n = j->depth, first = 0;
    if (j->recovery) {
        first = -1;
        for (int i = 0; i < n && first < 0; i++)
            if (topo_edge_recovery_only(j->g->call[j->slot[i]])) first = i;
        if (first < 0) return;
    }
    TopoCycleList *out = j->out;
    if (out->n == j->limit) {
        out->truncated = true;
        j->stop = true;
        return;
    }
    if (out->n == j->cap) {
        int cap = j->cap ? j->cap * 2 : 8;
        TopoCycle *v = realloc(out->v, (size_t)cap * sizeof *v);
        if (!v) { j->oom = j->stop = true; return; }
        out->v = v;
        j->cap = cap;
    }
    TopoEdge *e = malloc((size_t)n * sizeof *e);
    if (!e) { j->oom = j->stop = true; return; }
    for (int i = 0; i < n; i++) {
        int k = (first + i) % n;
        e[i] = (TopoEdge){ j->stack[k], j->g->adj[j->slot[k]], j->g->call[j->slot[k]] };
    }
    out->v[out->n++] = (TopoCycle){ e, n };
}

static void johnson_unblock(Johnson *j, int u)
{
    j->blocked[u] = false;
    while (j->B[u].n > 0) {
        int w = j->B[u].v[--j->B[u].n];
        if (j->blocked[w]) johnson_unblock(j, w);
    }
}

static bool johnson_circuit(Johnson *j, int v)
{
    const Graph *g = j->g;
    bool found = false;
    int d = j->depth++;
    j->stack[d] = v;
    j->blocked[v] = true;
    for (int i = g->off[v]; i < g->off[v + 1] && !j->stop; i++) {
        int w = g->adj[i];
        if (!j->inscc[w]) continue;
        j->slot[d] = i;
        if (w == j->s) {
            johnson_emit(j);
            found = true;
        } else if (!j->blocked[w] && johnson_circuit(j, w)) {
            found = true;
        }
    }
    if (found) {
        johnson_unblock(j, v);
    } else {
        for (int i = g->off[v]; i < g->off[v + 1]; i++) {
            int w = g->adj[i];
            if (!j->inscc[w]) continue;
            bool in = false;
            for (int k = 0; k < j->B[w].n && !in; k++) in = j->B[w].v[k] == v;
            if (!in && intvec_push(&j->B[w], v) < 0) j->oom = j->stop = true;
        }
    }
    j->depth--;
    return found;
}

/* Marks in j->inscc the strongly connected component of s in the subgraph
 * of vertices >= s: what s reaches and what reaches s. */
static void johnson_scc(Johnson *j)
{
    const Graph *g = j->g;
    int s = j->s;
    memset(j->mark, 0, (size_t)g->n * sizeof *j->mark);
    memset(j->inscc, 0, (size_t)g->n * sizeof *j->inscc);
    int head = 0, tail = 0;
    j->queue[tail++] = s;
    j->mark[s] = true;
    while (head < tail) {
        int v = j->queue[head++];
        for (int i = g->off[v]; i < g->off[v + 1]; i++) {
            int w = g->adj[i];
            if (w >= s && !j->mark[w]) { j->mark[w] = true; j->queue[tail++] = w; }
        }
    }
    head = tail = 0;
    j->queue[tail++] = s;
    j->inscc[s] = true;
    while (head < tail) {
        int v = j->queue[head++];
        for (int i = g->roff[v]; i < g->roff[v + 1]; i++) {
            int w = g->radj[i];
            if (w >= s && j->mark[w] && !j->inscc[w]) { j->inscc[w] = true; j->queue[tail++] = w; }
        }
    }
}

static int find_cycles(const Topo *t, bool recovery, int limit, TopoCycleList *out)
{
    memset(out, 0, sizeof *out);
    Graph g;
    if (graph_build(t, recovery, &g) < 0) return -1;
    int n = t->nservices;
    size_t nn = n > 0 ? (size_t)n : 1;
    Johnson j = { 0 };
    j.g = &g;
    j.recovery = recovery;
    j.limit = limit < 0 ? 0 : limit;
    j.enum_cap = 16L * j.limit + 10000;
    j.out = out;
    j.blocked = calloc(nn, sizeof *j.blocked);
    j.inscc = calloc(nn, sizeof *j.inscc);
    j.mark = calloc(nn, sizeof *j.mark);
    j.stack = calloc(nn, sizeof *j.stack);
    j.slot = calloc(nn, sizeof *j.slot);
    j.queue = calloc(nn, sizeof *j.queue);
    j.B = calloc(nn, sizeof *j.B);
    j.oom = !j.blocked || !j.inscc || !j.mark || !j.stack || !j.slot || !j.queue || !j.B;
    for (int s = 0; s < n && !j.oom && !j.stop; s++) {
        j.s = s;
        johnson_scc(&j);
        for (int v = s; v < n; v++) {
            j.blocked[v] = false;
            j.B[v].n = 0;
        }
        johnson_circuit(&j, s);
    }
    if (j.B)
        for (int v = 0; v < n; v++) free(j.B[v].v);
    free(j.B);
    free(j.blocked);
    free(j.inscc);
    free(j.mark);
    free(j.stack);
    free(j.slot);
    free(j.queue);
    graph_free(&g);
    if (j.oom) {
        topo_cycle_list_free(out);
        return -1;
    }
    return 0;
}

int topo_request_cycles(const Topo *t, int limit, TopoCycleList *out)
{
    return find_cycles(t, false, limit, out);
}

int topo_recovery_cycles(const Topo *t, int limit, TopoCycleList *out)
{
    return find_cycles(t, true, limit, out);
}

void topo_cycle_list_free(TopoCycleList *l)
{
    for (int i = 0; i < l->n; i++) free(l->v[i].edges);
    free(l->v);
    memset(l, 0, sizeof *l);
}

bool topo_edge_recovery_only(int call)
{
    return call == TOPO_EDGE_RUNS_ON || TOPO_EDGE_IS_STARTUP(call);
}

/* "runs on", "calls at start-up" or "calls" */
static const char *edge_verb(const TopoEdge *e)
{
    return e->call == TOPO_EDGE_RUNS_ON     ? "runs on"
           : TOPO_EDGE_IS_STARTUP(e->call) ? "calls at start-up"
                                           : "calls";
}

static void cycle_text(const Topo *t, const TopoCycle *c, bool recovery, Str *s)
{
    if (c->n == 0) return;
    if (!recovery) {
        for (int i = 0; i < c->n; i++) str_addf(s, "%s -> ", svc_name(t, c->edges[i].from));
        str_addf(s, "%s", svc_name(t, c->edges[0].from));
        return;
    }
    for (int i = 0; i < c->n; i++)
        str_addf(s, "%s%s %s %s", i ? ", " : "", svc_name(t, c->edges[i].from),
                 edge_verb(&c->edges[i]), svc_name(t, c->edges[i].to));
}

char *topo_cycle_text(const Topo *t, const TopoCycle *c, bool recovery)
{
    Str s = { 0 };
    cycle_text(t, c, recovery, &s);
    return str_take(&s);
}

/* ---- Blast radius ------------------------------------------------------------ */

/* A caller fails with a callee when the call propagates failure (critical,
 * no fallback, made at all). With `recovery`, a service also fails with its
 * platform: it keeps serving only until its instances crash. */
void topo_failure_closure(const Topo *t, bool *down, bool recovery)
{
    bool changed = true;
    while (changed) {
        changed = false;
        for (int s = 0; s < t->nservices; s++) {
            if (down[s]) continue;
            const TopoService *sv = &t->services[s];
            bool fail = recovery && sv->runs_on >= 0 && down[sv->runs_on];
            for (int k = 0; k < sv->ncalls && !fail; k++)
                fail = propagates(&sv->calls[k]) && down[sv->calls[k].target];
            for (int k = 0; recovery && k < sv->nstartup && !fail; k++)
                fail = propagates(&sv->startup[k]) && down[sv->startup[k].target];
            if (fail) {
                down[s] = true;
                changed = true;
            }
        }
    }
}

int topo_entries_down(const Topo *t, const bool *down, int *entries)
{
    int n = 0;
    for (int i = 0; i < t->nsources; i++) {
        int e = t->sources[i].entry;
        if (e >= 0 && down[e]) entries[n++] = i;
    }
    return n;
}

static bool reads_config(const TopoService *sv, int cfg)
{
    for (int k = 0; k < sv->nconfigs; k++)
        if (sv->configs[k] == cfg) return true;
    return false;
}

static void blast_free(TopoBlast *b)
{
    free(b->down);
    free(b->entries);
    free(b->recovery);
}

void topo_blast_list_free(TopoBlastList *l)
{
    for (int i = 0; i < l->n; i++) blast_free(&l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

int topo_blast_radius(const Topo *t, TopoBlastList *out)
{
    memset(out, 0, sizeof *out);
    int total = t->nservices + t->nconfigs;
    size_t ns = t->nservices > 0 ? (size_t)t->nservices : 1;
    size_t nsrc = t->nsources > 0 ? (size_t)t->nsources : 1;
    out->v = calloc(total > 0 ? (size_t)total : 1, sizeof *out->v);
    bool *rec = calloc(ns, sizeof *rec);
    if (!out->v || !rec) goto oom;
    for (int i = 0; i < total; i++) {
        TopoBlast *b = &out->v[out->n++];
        b->kind = i < t->nservices ? TOPO_COMP_SERVICE : TOPO_COMP_CONFIG;
        b->index = i < t->nservices ? i : i - t->nservices;
        b->down = calloc(ns, sizeof *b->down);
        b->entries = malloc(nsrc * sizeof *b->entries);
        b->recovery = malloc(nsrc * sizeof *b->recovery);
        if (!b->down || !b->entries || !b->recovery) goto oom;
        if (b->kind == TOPO_COMP_SERVICE) {
            b->down[b->index] = true;
        } else {
            /* Bad data fails every reader, whatever version of the code
             * it runs: the fault is in the data, not in the program. */
            for (int s = 0; s < t->nservices; s++)
                b->down[s] = reads_config(&t->services[s], b->index);
        }
        topo_failure_closure(t, b->down, false);
        b->nentries = topo_entries_down(t, b->down, b->entries);
        memcpy(rec, b->down, ns * sizeof *rec);
        topo_failure_closure(t, rec, true);
        b->nrecovery = topo_entries_down(t, rec, b->recovery);
        b->blinds_monitoring = t->monitoring >= 0 && b->down[t->monitoring];
    }
    free(rec);
    return 0;
oom:
    free(rec);
    topo_blast_list_free(out);
    return -1;
}

/* ---- Single points of failure ------------------------------------------------ */

/* Instances the service keeps in a region: the deployment, raised to the
 * autoscaler's floor where it is deployed at all. */
static int floor_instances(const TopoService *sv, int region)
{
    int n = topo_instances(sv, region);
    if (n > 0 && sv->autoscale.enabled && sv->autoscale.min > n) n = sv->autoscale.min;
    return n;
}

static int source_regions(const Topo *t, const TopoSource *src)
{
    if (!src->weights) return t->nregions;
    int n = 0;
    for (int r = 0; r < t->nregions; r++) n += src->weights[r] > 0;
    return n;
}

void topo_spof_list_free(TopoSpofList *l)
{
    free(l->v);
    memset(l, 0, sizeof *l);
}

int topo_spofs(const Topo *t, const TopoBlastList *blast, TopoSpofList *out)
{
    memset(out, 0, sizeof *out);
    out->v = calloc(t->nservices > 0 ? (size_t)t->nservices : 1, sizeof *out->v);
    if (!out->v) return -1;
    for (int i = 0; i < blast->n; i++) {
        const TopoBlast *b = &blast->v[i];
        if (b->kind != TOPO_COMP_SERVICE || b->nentries == 0) continue;
        const TopoService *sv = &t->services[b->index];
        if (sv->kind == SVC_EXTERNAL) continue;
        TopoSpof sp = { b->index, -1, -1, -1, 0, b->nentries >= 2 };
        int nreg = 0, reg = -1;
        for (int r = 0; r < t->nregions; r++) {
            int n = floor_instances(sv, r);
            if (n > 0) { nreg++; reg = r; }
            if (n == 1) {
                if (sp.single_region < 0) sp.single_region = r;
                sp.nsingle++;
            }
        }
        if (nreg == 1) {
            for (int k = 0; k < b->nentries && sp.spread_source < 0; k++)
                if (source_regions(t, &t->sources[b->entries[k]]) >= 2) {
                    sp.only_region = reg;
                    sp.spread_source = b->entries[k];
                }
        }
        if (sp.only_region >= 0 || sp.nsingle > 0) out->v[out->n++] = sp;
    }
    return 0;
}

/* ---- Capacity ------------------------------------------------------------------ */

static double latency_of(const Topo *t, int s, double *lat, unsigned char *state)
{
    if (state[s] == 2) return lat[s];
    if (state[s] == 1) return 0;   /* closes a request-path cycle, reported as an error */
    state[s] = 1;
    const TopoService *sv = &t->services[s];
    double v = dist_mean(&sv->service_time);
    if (!(v >= 0)) v = 0;
    for (int k = 0; k < sv->ncalls; k++) {
        const TopoCall *c = &sv->calls[k];
        if (c->target >= 0 && c->probability > 0)
            v += c->probability * latency_of(t, c->target, lat, state);
    }
    state[s] = 2;
    lat[s] = v;
    return v;
}

int topo_mean_latencies(const Topo *t, double *latency)
{
    unsigned char *state = calloc(t->nservices > 0 ? (size_t)t->nservices : 1, 1);
    if (!state) return -1;
    for (int s = 0; s < t->nservices; s++) latency_of(t, s, latency, state);
    free(state);
    return 0;
}

typedef struct LoadWalk {
    const Topo *t;
    int R;
    int *callbase;          /* flat index of each service's first call */
    unsigned char *state;   /* DFS: 0 new, 1 on the stack, 2 done */
    bool *back;             /* per flat call: closes a cycle, not followed */
    int *order, norder;     /* post-order */
    double *mass;           /* [s * R + r] requests/s arriving */
    double *unserved;
} LoadWalk;

static void load_dfs(LoadWalk *w, int s)
{
    w->state[s] = 1;
    const TopoService *sv = &w->t->services[s];
    for (int k = 0; k < sv->ncalls; k++) {
        const TopoCall *c = &sv->calls[k];
        if (c->target < 0 || !(c->probability > 0)) continue;
        if (w->state[c->target] == 1) w->back[w->callbase[s] + k] = true;
        else if (w->state[c->target] == 0) load_dfs(w, c->target);
    }
    w->state[s] = 2;
    w->order[w->norder++] = s;
}

/* Sends m requests/s to service s from region r (see topo_source_load),
 * routing as the model's load balancer does (model_pool_for_call): to the
 * local deployment when it has instances; when the service is not deployed
 * in r at all, or is deployed with no instances and may cross regions, to
 * the first region (in the topology's order) where it has instances. A
 * local deployment with no instances that may not cross regions fails the
 * requests. A call that names its region goes there. */
static void load_route(LoadWalk *w, int s, int r, double m)
{
    const TopoService *sv = &w->t->services[s];
    int R = w->R;
    if (sv->kind == SVC_EXTERNAL || topo_instances(sv, r) > 0) {
        w->mass[s * R + r] += m;
        return;
    }
    bool local = false;
    for (int d = 0; d < sv->ndeploy; d++)
        if (sv->deploy[d].region == r) local = true;
    if (local && !sv->cross_region) {
        w->unserved[s * R + r] += m;
        return;
    }
    for (int k = 0; k < R; k++)
        if (topo_instances(sv, k) > 0) {
            w->mass[s * R + k] += m;
            return;
        }
    w->unserved[s * R + r] += m;
}

int topo_source_load(const Topo *t, int source, double *load, double *unserved)
{
    const TopoSource *src = &t->sources[source];
    int n = t->nservices, R = t->nregions;
    if (src->entry < 0 || n == 0 || R == 0) return 0;
    size_t cells = (size_t)n * (size_t)R, ncalls = 1;
    for (int s = 0; s < n; s++) ncalls += (size_t)t->services[s].ncalls;
    LoadWalk w = { .t = t, .R = R };
    w.callbase = malloc((size_t)n * sizeof *w.callbase);
    w.state = calloc((size_t)n, 1);
    w.back = calloc(ncalls, sizeof *w.back);
    w.order = malloc((size_t)n * sizeof *w.order);
    w.mass = calloc(cells, sizeof *w.mass);
    w.unserved = calloc(cells, sizeof *w.unserved);
    int rc = -1;
    if (!w.callbase || !w.state || !w.back || !w.order || !w.mass || !w.unserved) goto out;
    for (int s = 0, base = 0; s < n; s++) {
        w.callbase[s] = base;
        base += t->services[s].ncalls;
    }
    load_dfs(&w, src->entry);
    for (int r = 0; r < R; r++) {
        double wt = src->weights ? src->weights[r] : 1.0 / R;
        if (wt > 0) load_route(&w, src->entry, r, src->rate * wt);
    }
    /* Reverse post-order is a topological order of the graph without its
     * back edges: all of a service's load has arrived before it is passed on. */
    for (int i = w.norder - 1; i >= 0; i--) {
        int s = w.order[i];
        const TopoService *sv = &t->services[s];
        for (int r = 0; r < R; r++) {
            double m = w.mass[s * R + r];
            if (!(m > 0)) continue;
            for (int k = 0; k < sv->ncalls; k++) {
                const TopoCall *c = &sv->calls[k];
                if (c->target < 0 || !(c->probability > 0) || w.back[w.callbase[s] + k]) continue;
                if (c->region >= 0 && c->region < R) {
                    /* A call to a named region goes there, serving or not. */
                    const TopoService *tv = &t->services[c->target];
                    int cell = c->target * R + c->region;
                    if (tv->kind == SVC_EXTERNAL || topo_instances(tv, c->region) > 0)
                        w.mass[cell] += m * c->probability;
                    else
                        w.unserved[cell] += m * c->probability;
                    continue;
                }
                load_route(&w, c->target, r, m * c->probability);
            }
        }
    }
    for (size_t i = 0; i < cells; i++) {
        if (load) load[i] += w.mass[i];
        if (unserved) unserved[i] += w.unserved[i];
    }
    rc = 0;
out:
    free(w.callbase);
    free(w.state);
    free(w.back);
    free(w.order);
    free(w.mass);
    free(w.unserved);
    return rc;
}

void topo_headroom_list_free(TopoHeadroomList *l)
{
    for (int i = 0; i < l->n; i++) free(l->v[i].from);
    free(l->v);
    memset(l, 0, sizeof *l);
}

int topo_headroom(const Topo *t, double surge, TopoHeadroomList *out)
{
    memset(out, 0, sizeof *out);
    out->surge = surge;
    int n = t->nservices, R = t->nregions, S = t->nsources;
    size_t cells = (size_t)n * (size_t)R;
    if (cells == 0) return 0;
    double *lat = malloc((size_t)n * sizeof *lat);
    double *load = calloc(cells, sizeof *load), *unserved = calloc(cells, sizeof *unserved);
    double *one = calloc(cells, sizeof *one), *one_un = calloc(cells, sizeof *one_un);
    unsigned char *from = calloc(cells * (size_t)(S > 0 ? S : 1), 1);
    out->v = calloc(cells, sizeof *out->v);
    int rc = -1;
    if (!lat || !load || !unserved || !one || !one_un || !from || !out->v) goto out;
    if (topo_mean_latencies(t, lat) < 0) goto out;
    for (int src = 0; src < S; src++) {
        memset(one, 0, cells * sizeof *one);
        memset(one_un, 0, cells * sizeof *one_un);
        if (topo_source_load(t, src, one, one_un) < 0) goto out;
        for (size_t i = 0; i < cells; i++) {
            load[i] += one[i];
            unserved[i] += one_un[i];
            if (one[i] > 0 || one_un[i] > 0) from[i * (size_t)S + (size_t)src] = 1;
        }
    }
    for (int s = 0; s < n; s++) {
        const TopoService *sv = &t->services[s];
        if (sv->kind == SVC_EXTERNAL) continue;
        for (int r = 0; r < R; r++) {
            size_t i = (size_t)s * (size_t)R + (size_t)r;
            int inst = topo_instances(sv, r);
            if (inst <= 0 && !(load[i] > 0) && !(unserved[i] > 0)) continue;
            TopoHeadroom *h = &out->v[out->n++];
            h->service = s;
            h->region = r;
            h->load = load[i];
            h->unserved = unserved[i];
            h->latency = lat[s];
            h->instances = inst > 0 ? inst : 0;
            h->max_instances = h->instances;
            if (sv->autoscale.enabled && h->instances > 0 && sv->autoscale.max > h->instances)
                h->max_instances = sv->autoscale.max;
            double per = lat[s] > 0 ? sv->concurrency / lat[s] : INFINITY;
            h->capacity = h->instances > 0 ? h->instances * per : 0;
            h->max_capacity = h->max_instances > 0 ? h->max_instances * per : 0;
            h->headroom = h->load > 0 ? h->capacity / h->load : INFINITY;
            h->short_at_surge = h->load > 0 && h->max_capacity < surge * h->load;
            h->from = malloc(S > 0 ? (size_t)S : 1);
            if (!h->from) goto out;
            memcpy(h->from, from + i * (size_t)S, (size_t)S);
        }
    }
    rc = 0;
out:
    free(lat);
    free(load);
    free(unserved);
    free(one);
    free(one_un);
    free(from);
    if (rc < 0) topo_headroom_list_free(out);
    return rc;
}

/* ---- Everything ------------------------------------------------------------------ */

void topo_analysis_free(TopoAnalysis *a)
{
    topo_cycle_list_free(&a->request_cycles);
    topo_cycle_list_free(&a->recovery_cycles);
    topo_blast_list_free(&a->blast);
    topo_spof_list_free(&a->spofs);
    topo_headroom_list_free(&a->headroom);
}

int topo_analyse(const Topo *t, const TopoCheckOptions *o, TopoAnalysis *a)
{
    TopoCheckOptions def;
    if (!o) {
        topo_check_options_init(&def);
        o = &def;
    }
    memset(a, 0, sizeof *a);
    if (topo_request_cycles(t, o->max_cycles, &a->request_cycles) < 0 ||
        topo_recovery_cycles(t, o->max_cycles, &a->recovery_cycles) < 0 ||
        topo_blast_radius(t, &a->blast) < 0 || topo_spofs(t, &a->blast, &a->spofs) < 0 ||
        topo_headroom(t, o->surge, &a->headroom) < 0) {
        topo_analysis_free(a);
        return -1;
    }
    return 0;
}

/* ---- Diagnostics ------------------------------------------------------------------ */

static FdLoc edge_loc(const Topo *t, const TopoEdge *e)
{
    const TopoService *sv = &t->services[e->from];
    if (e->call == TOPO_EDGE_RUNS_ON) return sv->runs_on_loc;
    if (TOPO_EDGE_IS_STARTUP(e->call)) return sv->startup[TOPO_EDGE_STARTUP_INDEX(e->call)].loc;
    return sv->calls[e->call].loc;
}

static void join_sources(const Topo *t, const int *idx, int n, const char *sep, Str *s)
{
    for (int i = 0; i < n; i++) str_addf(s, "%s%s", i ? sep : "", t->sources[idx[i]].name);
}

/* A request-path cycle is located at the call that closes it, with a note
 * at each other call, so an editor can walk the loop. */
static void diag_request_cycle(const Topo *t, const TopoCycle *c, DiagList *dl)
{
    Str s = { 0 };
    cycle_text(t, c, false, &s);
    const TopoEdge *last = &c->edges[c->n - 1];
    diag_error(dl, edge_loc(t, last), "request-path cycle: %s", str_get(&s));
    for (int i = 0; i < c->n - 1; i++)
        diag_note(dl, edge_loc(t, &c->edges[i]), "%s calls %s here",
                  svc_name(t, c->edges[i].from), svc_name(t, c->edges[i].to));
    free(s.p);
}

/* With one runs_on edge X -> P, the rest of the cycle is a chain of critical
 * calls from P back to X: X's crash alone fails P's scheduling. A start-up
 * call X -> Y in its place: X's instances cannot start while Y needs X.
 * With more, the deadlock needs every service on such an edge to be down at
 * once. */
static void diag_recovery_cycle(const Topo *t, const TopoCycle *c, DiagList *dl)
{
    Str s = { 0 };
    cycle_text(t, c, true, &s);
    int nro = 0;
    for (int i = 0; i < c->n; i++) nro += topo_edge_recovery_only(c->edges[i].call);
    str_addf(&s, ": ");
    if (nro == 1 && c->edges[0].call == TOPO_EDGE_RUNS_ON) {
        str_addf(&s, "if %s's instances crash, %s cannot reschedule them",
                 svc_name(t, c->edges[0].from), svc_name(t, c->edges[0].to));
    } else if (nro == 1) {
        str_addf(&s, "if %s's instances crash, they cannot start again: their start-up call "
                 "to %s needs %s serving", svc_name(t, c->edges[0].from),
                 svc_name(t, c->edges[0].to), svc_name(t, c->edges[0].from));
    } else {
        str_addf(&s, "if ");
        for (int i = 0, k = 0; i < c->n; i++) {
            if (!topo_edge_recovery_only(c->edges[i].call)) continue;
            str_addf(&s, "%s%s", k == 0 ? "" : k == nro - 1 ? " and " : ", ",
                     svc_name(t, c->edges[i].from));
            k++;
        }
        bool startup = false;
        for (int i = 0; i < c->n; i++) startup = startup || TOPO_EDGE_IS_STARTUP(c->edges[i].call);
        str_addf(&s, " crash at once, none of them can %s",
                 startup ? "come back" : "be rescheduled");
    }
    const TopoEdge *last = &c->edges[c->n - 1];
    diag_warning(dl, edge_loc(t, last), "recovery-path cycle: %s", str_get(&s));
    for (int i = 0; i < c->n - 1; i++)
        diag_note(dl, edge_loc(t, &c->edges[i]), "%s %s %s here", svc_name(t, c->edges[i].from),
                  edge_verb(&c->edges[i]), svc_name(t, c->edges[i].to));
    free(s.p);
}

static void diag_spof(const Topo *t, const TopoSpof *sp, const TopoBlast *b, DiagList *dl)
{
    const TopoService *sv = &t->services[sp->service];
    Str s = { 0 };
    str_addf(&s, "%s is a single point of failure: ", sv->name);
    if (sp->only_region >= 0)
        str_addf(&s, "deployed only in %s while %s is served from %d regions",
                 t->regions[sp->only_region].name, t->sources[sp->spread_source].name,
                 source_regions(t, &t->sources[sp->spread_source]));
    if (sp->nsingle > 0) {
        if (sp->only_region >= 0) str_addf(&s, ", and ");
        if (sp->nsingle == 1) str_addf(&s, "a single instance in %s", t->regions[sp->single_region].name);
        else str_addf(&s, "a single instance in %d regions", sp->nsingle);
    }
    str_addf(&s, "; its failure takes down ");
    join_sources(t, b->entries, b->nentries, ", ", &s);
    if (sp->shared) str_addf(&s, " (shared by %d entry points)", b->nentries);
    diag_warning(dl, sv->loc, "%s", str_get(&s));
    for (int d = 0; d < sv->ndeploy; d++)
        if (sv->deploy[d].region == sp->only_region || sv->deploy[d].region == sp->single_region) {
            diag_note(dl, sv->deploy[d].loc, "deployed here: %d instance%s in %s",
                      sv->deploy[d].instances, sv->deploy[d].instances == 1 ? "" : "s",
                      t->regions[sv->deploy[d].region].name);
            break;
        }
    free(s.p);
}

static void diag_blind(const Topo *t, const TopoBlast *b, DiagList *dl)
{
    Str s = { 0 };
    FdLoc loc;
    if (b->kind == TOPO_COMP_SERVICE) {
        loc = t->services[b->index].loc;
        str_addf(&s, "a failure of %s takes down ", t->services[b->index].name);
    } else {
        loc = t->configs[b->index].loc;
        str_addf(&s, "bad data in %s takes down ", t->configs[b->index].name);
    }
    join_sources(t, b->entries, b->nentries, ", ", &s);
    str_addf(&s, " and the monitoring service %s: alerts go quiet when they are needed",
             t->services[t->monitoring].name);
    diag_warning(dl, loc, "%s", str_get(&s));
    free(s.p);
}

static FdLoc deploy_loc(const TopoService *sv, int region)
{
    for (int d = 0; d < sv->ndeploy; d++)
        if (sv->deploy[d].region == region) return sv->deploy[d].loc;
    return sv->loc;
}

static void diag_headroom(const Topo *t, const TopoHeadroom *h, double surge, DiagList *dl)
{
    const TopoService *sv = &t->services[h->service];
    const char *region = t->regions[h->region].name;
    char a[32], b[32], c[32];
    if (h->unserved > 0)
        diag_warning(dl, sv->loc,
                     "%s receives %s in %s but has no instances there and cross_region is off: "
                     "those requests fail", sv->name, topo_fmt_rate(h->unserved, a, sizeof a), region);
    if (!h->short_at_surge) return;
    Str s = { 0 };
    int first = 1;
    for (int i = 0; i < t->nsources; i++)
        if (h->from[i]) {
            str_addf(&s, "%s%s", first ? "" : "+", t->sources[i].name);
            first = 0;
        }
    if (surge != 1) str_addf(&s, " surge x%g needs %s", surge, topo_fmt_rate(surge * h->load, a, sizeof a));
    else str_addf(&s, " needs %s at steady load", topo_fmt_rate(h->load, a, sizeof a));
    str_addf(&s, " at %s/%s; capacity %s", sv->name, region, topo_fmt_rate(h->capacity, b, sizeof b));
    if (h->max_instances > h->instances)
        str_addf(&s, " (autoscaling to %d instances: %s)", h->max_instances,
                 topo_fmt_rate(h->max_capacity, c, sizeof c));
    else
        str_addf(&s, " (%s)", sv->autoscale.enabled ? "autoscaling max reached" : "no autoscaling");
    FdLoc loc = deploy_loc(sv, h->region);
    diag_warning(dl, loc, "%s", str_get(&s));
    diag_note(dl, loc, "capacity = %d instance%s x %d workers / %s per request (own time + calls)",
              h->instances, h->instances == 1 ? "" : "s", sv->concurrency,
              fmt_secs(h->latency, a, sizeof a));
    free(s.p);
}

/* ---- The report ----------------------------------------------------------------- */

int topo_check(const Topo *t, const TopoCheckOptions *o, DiagList *dl, TopoAnalysis *keep)
{
    TopoCheckOptions def;
    if (!o) {
        topo_check_options_init(&def);
        o = &def;
    }
    TopoAnalysis a;
    if (topo_analyse(t, o, &a) < 0) return -1;

    for (int i = 0; i < a.request_cycles.n; i++) diag_request_cycle(t, &a.request_cycles.v[i], dl);
    if (a.request_cycles.truncated && a.request_cycles.n > 0)
        diag_note(dl, t->services[a.request_cycles.v[0].edges[0].from].loc,
                  "more request-path cycles exist; only the first %d are listed", a.request_cycles.n);
    for (int i = 0; i < a.recovery_cycles.n; i++)
        diag_recovery_cycle(t, &a.recovery_cycles.v[i], dl);
    if (a.recovery_cycles.truncated && a.recovery_cycles.n > 0)
        diag_note(dl, t->services[a.recovery_cycles.v[0].edges[0].from].loc,
                  "more recovery-path cycles may exist; only the first %d are listed",
                  a.recovery_cycles.n);
    for (int i = 0; i < a.spofs.n; i++)
        diag_spof(t, &a.spofs.v[i], &a.blast.v[a.spofs.v[i].service], dl);
    for (int i = 0; i < a.blast.n; i++) {
        const TopoBlast *b = &a.blast.v[i];
        if (b->blinds_monitoring && b->nentries > 0 &&
            !(b->kind == TOPO_COMP_SERVICE && b->index == t->monitoring))
            diag_blind(t, b, dl);
    }
    for (int i = 0; i < a.headroom.n; i++) diag_headroom(t, &a.headroom.v[i], o->surge, dl);

    if (keep) *keep = a;
    else topo_analysis_free(&a);
    return 0;
}

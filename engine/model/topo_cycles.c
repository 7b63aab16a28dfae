/*
 * topo_cycles.c: the loops of a topology, on the request path and on the
 * way back from a crash (see topo_check.h for the rules).
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
 * The recovery graph adds the edges only the way back takes: runs_on, and
 * the start-up calls (topo_edge_recovery_only()).
 */
#include "model/topo_check_internal.h"

#include <stdlib.h>
#include <string.h>

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


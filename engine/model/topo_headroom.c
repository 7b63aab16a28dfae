/*
 * topo_headroom.c: capacity against steady load: the mean time a worker is
 * held, the load each source brings to every service and region, and the
 * headroom that leaves (see topo_check.h for the rules).
 */
#include "model/topo_check.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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

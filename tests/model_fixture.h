/*
 * model_fixture.h: running a model from an inline topology in a test, and
 * summing its metrics over windows of simulated time.
 */
#ifndef FD_MODEL_FIXTURE_H
#define FD_MODEL_FIXTURE_H

#include "fdtest.h"
#include "load/topo_load.h"
#include "model/model.h"

#define FX_MAXPOOLS 16
#define FX_MAXSRC 4

typedef struct FxWindow {
    SimTime from, to;             /* intervals ending in (from, to] are summed */
    double offered[FX_MAXPOOLS], ok[FX_MAXPOOLS], degraded[FX_MAXPOOLS];
    double failed[FX_MAXPOOLS][FAIL_NCAUSES];
    double lat_sum[FX_MAXPOOLS], lat_n[FX_MAXPOOLS];
    double util_sum[FX_MAXPOOLS], n_iv[FX_MAXPOOLS];
    double intents[FX_MAXSRC], iok[FX_MAXSRC], ideg[FX_MAXSRC], ifail[FX_MAXSRC];
    double attempts[FX_MAXSRC], aok[FX_MAXSRC];
    double user_attempts[FX_MAXSRC], deferred[FX_MAXSRC], released[FX_MAXSRC];
    double peak_user_rate[FX_MAXSRC];   /* highest user_attempts per second of an interval */
    double peak_waiting[FX_MAXSRC];     /* most waiting customers at an interval's end */
    double telemetry[FX_MAXPOOLS];
} FxWindow;

typedef struct Fx {
    Topo topo;
    Sim *sim;
    Model *model;
    FxWindow *win;
    int nwin;
    uint64_t hash;                /* FNV-1a over every interval's figures */
} Fx;

static void fx_on_interval(void *ud, const ModelInterval *iv)
{
    Fx *fx = ud;
    for (int i = 0; i < iv->npools; i++) {
        const PoolStats *p = &iv->pools[i];
        const double v[] = { p->offered, p->ok, p->degraded, p->utilisation, p->latency_mean };
        for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
            uint64_t bits;
            memcpy(&bits, &v[k], sizeof bits);
            fx->hash = (fx->hash ^ bits) * 1099511628211ull;
        }
    }
    for (int w = 0; w < fx->nwin; w++) {
        FxWindow *x = &fx->win[w];
        if (iv->end <= x->from || iv->end > x->to) continue;
        for (int i = 0; i < iv->npools && i < FX_MAXPOOLS; i++) {
            const PoolStats *p = &iv->pools[i];
            x->offered[i] += p->offered;
            x->ok[i] += p->ok;
            x->degraded[i] += p->degraded;
            for (int c = 0; c < FAIL_NCAUSES; c++) x->failed[i][c] += p->failed[c];
            double answered = (double)p->latency.count;
            x->lat_sum[i] += p->latency_mean * answered;
            x->lat_n[i] += answered;
            x->util_sum[i] += p->utilisation;
            x->n_iv[i] += 1;
            x->telemetry[i] += p->telemetry;
        }
        for (int s = 0; s < iv->nsources && s < FX_MAXSRC; s++) {
            const SourceStats *ss = &iv->sources[s];
            x->intents[s] += ss->intents;
            x->iok[s] += ss->intents_ok;
            x->ideg[s] += ss->intents_degraded;
            x->ifail[s] += ss->intents_failed;
            x->attempts[s] += ss->attempts;
            x->aok[s] += ss->attempts_ok;
            x->user_attempts[s] += ss->user_attempts;
            x->deferred[s] += ss->deferred;
            x->released[s] += ss->released;
            double dt = fd_time_sec(iv->end - iv->start);
            if (dt > 0 && ss->user_attempts / dt > x->peak_user_rate[s])
                x->peak_user_rate[s] = ss->user_attempts / dt;
            if (ss->waiting_customers > x->peak_waiting[s])
                x->peak_waiting[s] = ss->waiting_customers;
        }
    }
}

/* Loads the topology text and builds a model on a new sim. Aborts the test
 * program when the topology does not load: every fixture must be valid. */
static void fx_open(Fx *fx, const char *yaml, uint64_t seed, FxWindow *win, int nwin)
{
    memset(fx, 0, sizeof *fx);
    for (int w = 0; w < nwin; w++) {
        SimTime from = win[w].from, to = win[w].to;
        memset(&win[w], 0, sizeof win[w]);
        win[w].from = from;
        win[w].to = to;
    }
    fx->win = win;
    fx->nwin = nwin;
    fx->hash = 1469598103934665603ull;
    DiagList dl;
    diag_list_init(&dl);
    topo_init(&fx->topo);
    if (topo_load_string(&fx->topo, "fixture.yaml", yaml, strlen(yaml), &dl) != 0) {
        diag_list_print(&dl, stderr);
        fprintf(stderr, "fixture topology does not load\n");
        exit(1);
    }
    diag_list_free(&dl);
    fx->sim = sim_new(seed);
    ModelOptions o = { .on_interval = fx_on_interval, .ud = fx };
    fx->model = model_new(&fx->topo, fx->sim, &o);
    if (!fx->model) {
        fprintf(stderr, "model_new failed\n");
        exit(1);
    }
}

static void fx_run(Fx *fx, SimTime until) { sim_run_until(fx->sim, until); }

static void fx_close(Fx *fx)
{
    model_free(fx->model);
    sim_free(fx->sim);
    topo_free(&fx->topo);
}

static int fx_svc(Fx *fx, const char *name)
{
    int s = topo_find_service(&fx->topo, name);
    if (s < 0) { fprintf(stderr, "no service %s\n", name); exit(1); }
    return s;
}

/* The pool index of a service's first deployment (fixtures use one region
 * unless they say otherwise; pools are laid out service by service). */
static int fx_pool(Fx *fx, const char *name, int region)
{
    int svc = fx_svc(fx, name), k = 0;
    for (int s = 0; s < fx->topo.nservices; s++) {
        const TopoService *ts = &fx->topo.services[s];
        if (ts->kind == SVC_EXTERNAL) {
            if (s == svc) return k;
            k++;
            continue;
        }
        for (int d = 0; d < ts->ndeploy; d++, k++)
            if (s == svc && ts->deploy[d].region == region) return k;
    }
    fprintf(stderr, "%s not deployed in region %d\n", name, region);
    exit(1);
}

static double fx_failed(const FxWindow *w, int pool)
{
    double f = 0;
    for (int c = 0; c < FAIL_NCAUSES; c++) f += w->failed[pool][c];
    return f;
}

static double fx_intent_avail(const FxWindow *w, int src)
{
    double resolved = w->iok[src] + w->ideg[src] + w->ifail[src];
    return resolved > 0 ? (w->iok[src] + w->ideg[src]) / resolved : 1;
}

#endif

/*
 * topo_load_service.c: the `services` section (see topo_load_internal.h).
 *
 * ld_pre_services() defines every service (name, location, defaults) before
 * any is read, so that calls, `runs_on` and settings may point forward;
 * ld_walk_services() then reads each one: its kind and deployment, its own
 * work, the configs it reads, and its sub-blocks (scheduler, startup,
 * health, autoscale, admission, collapse, routing). Its calls are read by
 * topo_load_call.c.
 */
#include "load/topo_load_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    S_KIND, S_DEPLOY, S_CONCURRENCY, S_QUEUE, S_SERVICE_TIME, S_ERROR_RATE, S_CALLS, S_READS,
    S_RUNS_ON, S_RESTART_TIME, S_HEALTH, S_AUTOSCALE, S_ADMISSION, S_CROSS_REGION, S_ROUTING,
    S_OWNER, S_SCHEDULER, S_STARTUP, S_COLLAPSE, S_N
};
static const char *const service_keys[S_N] = {
    [S_KIND] = "kind", [S_DEPLOY] = "deploy", [S_CONCURRENCY] = "concurrency",
    [S_QUEUE] = "queue", [S_SERVICE_TIME] = "service_time", [S_ERROR_RATE] = "error_rate",
    [S_CALLS] = "calls", [S_READS] = "reads", [S_RUNS_ON] = "runs_on",
    [S_RESTART_TIME] = "restart_time", [S_HEALTH] = "health", [S_AUTOSCALE] = "autoscale",
    [S_ADMISSION] = "admission", [S_CROSS_REGION] = "cross_region", [S_ROUTING] = "routing",
    [S_OWNER] = "owner", [S_SCHEDULER] = "scheduler", [S_STARTUP] = "startup",
    [S_COLLAPSE] = "collapse",
};
SCHEMA(service, "a service", S_N);

enum { H_INTERVAL, H_FAILURES, H_N };
static const char *const health_keys[H_N] = { [H_INTERVAL] = "interval", [H_FAILURES] = "failures" };
SCHEMA(health, "health", H_N);

enum { A_SIGNAL, A_TARGET, A_PERIOD, A_DELAY, A_STEP, A_MIN, A_MAX, A_RATE, A_N };
static const char *const autoscale_keys[A_N] = {
    [A_SIGNAL] = "signal", [A_TARGET] = "target", [A_PERIOD] = "period", [A_DELAY] = "delay",
    [A_STEP] = "step", [A_MIN] = "min", [A_MAX] = "max", [A_RATE] = "rate",
};
SCHEMA(autoscale, "autoscale", A_N);

enum { SC_TIMEOUT, SC_RETRIES, SC_BACKOFF, SC_PARALLEL, SC_RATE, SC_N };
static const char *const scheduler_keys[SC_N] = {
    [SC_TIMEOUT] = "timeout", [SC_RETRIES] = "retries", [SC_BACKOFF] = "backoff",
    [SC_PARALLEL] = "parallel", [SC_RATE] = "rate",
};
SCHEMA(scheduler, "a scheduler", SC_N);

enum { SU_CALLS, SU_N };
static const char *const startup_keys[SU_N] = { [SU_CALLS] = "calls" };
SCHEMA(startup, "startup", SU_N);

enum { AD_MAX_INFLIGHT, AD_MAX_QUEUE_WAIT, AD_SHED_ABOVE, AD_N };
static const char *const admission_keys[AD_N] = {
    [AD_MAX_INFLIGHT] = "max_inflight", [AD_MAX_QUEUE_WAIT] = "max_queue_wait",
    [AD_SHED_ABOVE] = "shed_above",
};
SCHEMA(admission, "admission", AD_N);

enum { CO_KNEE, CO_CONTENTION, CO_COHERENCY, CO_N };
static const char *const collapse_keys[CO_N] = {
    [CO_KNEE] = "knee", [CO_CONTENTION] = "contention", [CO_COHERENCY] = "coherency",
};
SCHEMA(collapse, "collapse", CO_N);

static void walk_reads(Ld *ld, const Node *m, TopoService *s)
{
    if (ld_is_null(m)) return;
    if (m->type == YAML_SCALAR_NODE) {      /* reads: one-item */
        s->configs = ld_xcalloc(ld, 1, sizeof *s->configs);
        if (!s->configs) return;
        int c = ld_ref(ld, m, "reads", &ld->cfg, "config");
        if (c >= 0) s->configs[s->nconfigs++] = c;
        return;
    }
    if (!ld_is_seq(m)) {
        ld_wrong_type(ld, m, "reads", "a list of config names");
        return;
    }
    s->configs = ld_xcalloc(ld, ld_seq_len(m), sizeof *s->configs);
    if (!s->configs) return;
    EACH_ITEM(it, m) {
        Node *n = ld_get(ld, *it);
        if (!n) return;
        int c = ld_ref(ld, n, "reads", &ld->cfg, "config");
        if (c >= 0) s->configs[s->nconfigs++] = c;
    }
}

static void walk_deploy(Ld *ld, const Node *kn, const Node *m, TopoService *s)
{
    char b[64];
    if (s->kind == SVC_EXTERNAL) {
        ld_err(ld, ld_node_loc(ld, kn),
               "deploy: an external service has no instances (its capacity is unlimited)");
        ld_note(ld, ld_node_loc(ld, kn), "remove 'deploy', or make it kind: service");
        return;
    }
    if (!ld_is_map(m)) {
        ld_wrong_type(ld, m, "deploy", "a mapping of region to instances, like { eu-west: 2 }");
        return;
    }
    int nreg = ld->t->nregions;
    s->deploy = ld_xcalloc(ld, ld_map_len(m), sizeof *s->deploy);
    const Node **first = ld_xcalloc(ld, (size_t)nreg, sizeof *first);
    if (!s->deploy || !first) {
        free(first);
        return;
    }
    int64_t total = 0;
    bool all_ok = true;
    EACH_PAIR(pr, m) {
        Node *rk = ld_get(ld, pr->key), *rv = ld_get(ld, pr->value);
        if (!rk || !rv) break;
        int r = ld_ref(ld, rk, "deploy", &ld->reg, "region");
        int64_t n = 0;
        bool ok = ld_count(ld, rv, "deploy", 0, MAX_INSTANCES, &n);
        if (r < 0 || !ok) {
            all_ok = false;
            continue;
        }
        if (first[r]) {
            ld_err(ld, ld_node_loc(ld, rk), "deploy: region '%s' is listed twice",
                   ld_show(ld->t->regions[r].name, b, sizeof b));
            ld_note(ld, ld_node_loc(ld, first[r]), "first listed here");
            continue;
        }
        first[r] = rk;
        s->deploy[s->ndeploy++] = (TopoDeploy){ r, (int)n, ld_node_loc(ld, rk) };
        total += n;
    }
    free(first);
    if (!all_ok || ld->stop) return;
    if (s->ndeploy == 0)
        ld_err(ld, ld_node_loc(ld, m), "deploy: service '%s' is deployed in no region",
               ld_show(s->name, b, sizeof b));
    else if (total == 0)
        ld_err(ld, ld_node_loc(ld, m), "deploy: service '%s' has no instances in any region",
               ld_show(s->name, b, sizeof b));
}

static void walk_health(Ld *ld, const Node *m, TopoHealth *h)
{
    Toggle tg = ld_toggle(ld, m, "health");
    if (tg == TG_BAD) return;
    h->enabled = tg != TG_OFF;
    if (tg != TG_MAP) return;
    Node *k[H_N], *v[H_N];
    if (!ld_collect(ld, m, "health", &health_schema, "health", k, v)) return;
    ld_duration(ld, v[H_INTERVAL], "interval", true, &h->interval);
    ld_int(ld, v[H_FAILURES], "failures", 1, 1000, &h->failures);
}

static const char *const signal_names[] = { "utilisation", "concurrency", "utilization", "cpu" };

static void walk_autoscale(Ld *ld, const Node *kn, const Node *m, TopoService *s)
{
    TopoAutoscale *a = &s->autoscale;
    Toggle tg = ld_toggle(ld, m, "autoscale");
    if (tg == TG_BAD) return;
    a->loc = ld_node_loc(ld, kn);
    a->enabled = tg != TG_OFF;
    if (tg == TG_OFF) return;
    if (s->kind == SVC_EXTERNAL) {
        ld_err(ld, a->loc, "autoscale: an external service has no instances to scale");
        return;
    }
    Node *k[A_N], *v[A_N];
    for (int i = 0; i < A_N; i++) k[i] = v[i] = NULL;
    if (tg == TG_MAP && !ld_collect(ld, m, "autoscale", &autoscale_schema, "autoscale", k, v)) return;
    if (v[A_SIGNAL]) {
        int sig = ld_word(ld, v[A_SIGNAL], "signal", "a signal name", signal_names, 4);
        if (sig >= 0)
            a->signal = sig == 1 ? SCALE_CONCURRENCY : sig == 3 ? SCALE_CPU : SCALE_UTILISATION;
    }
    double x = 0;
    if (!v[A_TARGET])
        ld_err(ld, a->loc, "autoscale needs a 'target' (%s)",
               a->signal != SCALE_CONCURRENCY ? "a utilisation like 60%"
                                              : "in-flight requests per instance");
    else if (a->signal != SCALE_CONCURRENCY)
        ld_fraction(ld, v[A_TARGET], "target", true, &a->target);
    else if (ld_number(ld, v[A_TARGET], "target", 0, 1e6, &x) && !(x > 0))
        ld_err(ld, ld_node_loc(ld, v[A_TARGET]), "target: in-flight requests must be more than 0");
    else if (x > 0)
        a->target = x;
    ld_duration(ld, v[A_PERIOD], "period", true, &a->period);
    ld_duration(ld, v[A_DELAY], "delay", false, &a->delay);
    ld_int(ld, v[A_STEP], "step", 1, MAX_INSTANCES, &a->step);
    bool min_ok = !v[A_MIN], max_ok = false;
    int64_t n;
    if (ld_count(ld, v[A_MIN], "min", 0, MAX_INSTANCES, &n)) a->min = (int)n, min_ok = true;
    if (!v[A_MAX]) ld_err(ld, a->loc, "autoscale needs a 'max' (instances per region)");
    else if (ld_count(ld, v[A_MAX], "max", 1, MAX_INSTANCES, &n)) a->max = (int)n, max_ok = true;
    if (min_ok && max_ok && a->min > a->max)
        ld_err(ld, ld_node_loc(ld, v[A_MAX]), "autoscale: max (%d) is less than min (%d)", a->max,
               a->min);
    double r;
    if (ld_rate(ld, v[A_RATE], "rate", false, &r)) a->rate = r * 60;
}

static void walk_admission(Ld *ld, const Node *m, TopoAdmission *a)
{
    Node *k[AD_N], *v[AD_N];
    if (!ld_collect(ld, m, "admission", &admission_schema, "admission", k, v)) return;
    ld_int(ld, v[AD_MAX_INFLIGHT], "max_inflight", 0, 1000000000, &a->max_inflight);
    ld_duration(ld, v[AD_MAX_QUEUE_WAIT], "max_queue_wait", false, &a->max_queue_wait);
    ld_fraction(ld, v[AD_SHED_ABOVE], "shed_above", false, &a->shed_above);
}

static void walk_scheduler(Ld *ld, const Node *kn, const Node *m, TopoService *s)
{
    TopoScheduler *sc = &s->scheduler;
    sc->loc = ld_node_loc(ld, kn);
    if (s->kind == SVC_EXTERNAL) {
        ld_err(ld, sc->loc, "scheduler: an external service schedules no instances");
        return;
    }
    Node *k[SC_N], *v[SC_N];
    if (!ld_collect(ld, m, "scheduler", &scheduler_schema, "a scheduler", k, v)) return;
    ld_duration(ld, v[SC_TIMEOUT], "timeout", true, &sc->timeout);
    const char *r = v[SC_RETRIES] ? ld_scalar_str(v[SC_RETRIES]) : NULL;
    if (r && strcmp(r, "unlimited") == 0) sc->retries = -1;
    else ld_int(ld, v[SC_RETRIES], "retries", 0, 1000000, &sc->retries);
    if (v[SC_BACKOFF]) ld_walk_backoff(ld, v[SC_BACKOFF], "backoff", &sc->backoff);
    ld_int(ld, v[SC_PARALLEL], "parallel", 1, MAX_INSTANCES, &sc->parallel);
    ld_rate(ld, v[SC_RATE], "rate", true, &sc->rate);
}

/* `startup: { calls: [...] }`: calls as in `calls`, made by a booting
 * instance. The edge's retry budget and breaker belong to serving
 * traffic, so a start-up call takes neither. */
static void walk_startup(Ld *ld, const Node *kn, const Node *m, TopoService *s)
{
    if (s->kind == SVC_EXTERNAL) {
        ld_err(ld, ld_node_loc(ld, kn), "startup: an external service has no instances to start");
        return;
    }
    Node *k[SU_N], *v[SU_N];
    if (!ld_collect(ld, m, "startup", &startup_schema, "startup", k, v)) return;
    const Node *cm = v[SU_CALLS];
    if (!cm || ld_is_null(cm)) return;
    if (!ld_is_seq(cm)) {
        ld_wrong_type(ld, cm, "calls", "a list of calls like [{ to: db, timeout: 1s }]");
        return;
    }
    s->startup = ld_xcalloc(ld, ld_seq_len(cm), sizeof *s->startup);
    if (!s->startup) return;
    EACH_ITEM(it, cm) {
        Node *c = ld_get(ld, *it);
        if (!c) return;
        TopoCall *call = &s->startup[s->nstartup++];
        ld_walk_call(ld, c, call);
        if (call->breaker.enabled)
            ld_err(ld, call->breaker.loc, "breaker: a start-up call takes no breaker");
        if (call->budget.enabled)
            ld_err(ld, call->loc, "budget: a start-up call takes no retry budget");
    }
}

static void walk_collapse(Ld *ld, const Node *kn, const Node *m, TopoService *s)
{
    TopoCollapse *c = &s->collapse;
    c->loc = ld_node_loc(ld, kn);
    if (s->kind == SVC_EXTERNAL) {
        ld_err(ld, c->loc, "collapse: an external service has no instances to overload");
        return;
    }
    Node *k[CO_N], *v[CO_N];
    if (!ld_collect(ld, m, "collapse", &collapse_schema, "collapse", k, v)) return;
    c->enabled = true;
    if (!v[CO_KNEE]) ld_err(ld, c->loc, "collapse needs a 'knee' (requests per instance before it slows down)");
    else ld_int(ld, v[CO_KNEE], "knee", 1, 10000000, &c->knee);
    ld_number(ld, v[CO_CONTENTION], "contention", 0, 1000, &c->contention);
    ld_number(ld, v[CO_COHERENCY], "coherency", 0, 1000, &c->coherency);
    if (!v[CO_CONTENTION] && !v[CO_COHERENCY])
        ld_err(ld, c->loc, "collapse needs 'contention' or 'coherency' (without either it changes nothing)");
}

static const char *const kind_names[] = { "service", "storage", "external" };

/* In RoutePolicy order. */
static const char *const routing_names[] = { "round_robin", "least_outstanding", "random" };

static void rd_routing(Ld *ld, const Node *kn, const Node *v, TopoService *s)
{
    if (!v) return;
    if (s->kind == SVC_EXTERNAL) {
        ld_err(ld, ld_node_loc(ld, kn), "routing: an external service has no instances to pick from");
        return;
    }
    int r = ld_word(ld, v, "routing", "a routing policy", routing_names, 3);
    if (r >= 0) s->routing = (RoutePolicy)r;
}

static void walk_service(Ld *ld, const Node *m, TopoService *s)
{
    char what[96], b[64];
    snprintf(what, sizeof what, "service '%s'", ld_show(s->name, b, sizeof b));
    Node *k[S_N], *v[S_N];
    if (!ld_collect(ld, m, s->name, &service_schema, what, k, v)) return;
    int kind = ld_word(ld, v[S_KIND], "kind", "a service kind", kind_names, 3);
    if (kind >= 0) s->kind = (SvcKind)kind;
    if (v[S_DEPLOY]) {
        walk_deploy(ld, k[S_DEPLOY], v[S_DEPLOY], s);
    } else if (s->kind != SVC_EXTERNAL) {
        ld_err(ld, s->loc, "service '%s' has no deploy: say where it runs and how many instances",
               ld_show(s->name, b, sizeof b));
        ld_note(ld, s->loc, "like deploy: { %s: 2 }, or kind: external for a service outside your control",
                ld->t->nregions ? ld_show(ld->t->regions[0].name, b, sizeof b) : "eu-west");
    }
    ld_int(ld, v[S_CONCURRENCY], "concurrency", 1, 100000, &s->concurrency);
    ld_int(ld, v[S_QUEUE], "queue", 0, 10000000, &s->queue);
    if (v[S_SERVICE_TIME])
        ld_dist(ld, v[S_SERVICE_TIME], "service_time", &s->service_time);
    else
        ld_err(ld, s->loc, "service '%s' has no service_time: how long its own work takes, like service_time: 20ms",
               ld_show(s->name, b, sizeof b));
    ld_fraction(ld, v[S_ERROR_RATE], "error_rate", false, &s->error_rate);
    if (v[S_CALLS]) ld_walk_calls(ld, v[S_CALLS], s);
    if (v[S_READS]) walk_reads(ld, v[S_READS], s);
    if (v[S_RUNS_ON]) {
        s->runs_on = ld_ref(ld, v[S_RUNS_ON], "runs_on", &ld->svc, "service");
        s->runs_on_loc = ld_node_loc(ld, v[S_RUNS_ON]);
    }
    ld_duration(ld, v[S_RESTART_TIME], "restart_time", false, &s->restart_time);
    if (v[S_SCHEDULER]) walk_scheduler(ld, k[S_SCHEDULER], v[S_SCHEDULER], s);
    if (v[S_STARTUP]) walk_startup(ld, k[S_STARTUP], v[S_STARTUP], s);
    if (v[S_HEALTH]) walk_health(ld, v[S_HEALTH], &s->health);
    if (v[S_AUTOSCALE]) walk_autoscale(ld, k[S_AUTOSCALE], v[S_AUTOSCALE], s);
    if (v[S_ADMISSION]) walk_admission(ld, v[S_ADMISSION], &s->admission);
    if (v[S_COLLAPSE]) walk_collapse(ld, k[S_COLLAPSE], v[S_COLLAPSE], s);
    ld_bool(ld, v[S_CROSS_REGION], "cross_region", &s->cross_region);
    rd_routing(ld, k[S_ROUTING], v[S_ROUTING], s);
    const char *owner = ld_name(ld, v[S_OWNER], "owner", "a team name");
    if (owner) s->owner = ld_xstrdup(ld, owner);
}

static void service_defaults(TopoService *s)
{
    s->kind = SVC_SERVICE;
    s->concurrency = 16;
    s->queue = 64;
    dist_const(&s->service_time, 0, NULL);
    s->runs_on = -1;
    s->routing = ROUTE_ROUND_ROBIN;
    s->restart_time = 30 * FD_SEC;
    s->scheduler = topo_default_scheduler();
    s->health = (TopoHealth){ false, 10 * FD_SEC, 3 };
    s->autoscale = (TopoAutoscale){ .signal = SCALE_UTILISATION, .period = FD_MIN,
                                    .delay = 2 * FD_MIN, .step = 10, .min = 1 };
}

/* Defines the services (names, locations, defaults) before any is read, so
 * that calls may point forward. */
void ld_pre_services(Ld *ld, const Node *m)
{
    Topo *t = ld->t;
    if (!ld_is_map(m)) return;      /* walk_services says so */
    int n = ld_scan_names(ld, m, "service", MAX_SERVICES, &ld->svc_skip);
    if (!ld->svc_skip) return;
    t->services = ld_xcalloc(ld, (size_t)n, sizeof *t->services);
    const char **names = ld_xcalloc(ld, (size_t)n, sizeof *names);
    if (!t->services || !names) {
        free(names);
        return;
    }
    size_t i = 0;
    EACH_PAIR(pr, m) {
        if (ld->svc_skip[i++] || t->nservices == n) continue;
        Node *kn = ld_get(ld, pr->key);
        if (!kn) break;
        TopoService *s = &t->services[t->nservices++];
        service_defaults(s);
        s->name = ld_xstrdup(ld, ld_scalar_str(kn));
        s->loc = ld_node_loc(ld, kn);
        names[t->nservices - 1] = s->name;
    }
    ld_table_build(ld, &ld->svc, names, t->nservices);
    free(names);
}

void ld_walk_services(Ld *ld, const Node *m)
{
    if (!ld_is_map(m)) {
        ld_wrong_type(ld, m, "services", "a mapping of service names to their settings");
        ld->svc.broken = true;
        return;
    }
    if (ld_map_len(m) == 0) {
        ld_err(ld, ld_node_loc(ld, m), "services: there are none; a topology needs at least one");
        ld->svc.broken = true;
        return;
    }
    EACH_DEFINED(ld, m, ld->svc_skip, ld->t->nservices, idx, vn)
        walk_service(ld, vn, &ld->t->services[idx]);
}

/*
 * scenario_alerts.c: the scenario's alerts, evaluated every interval.
 *
 * Alerts see what monitoring heard: while the monitoring service hears
 * nothing, only dead-man alerts (fire when telemetry stops) can fire, and
 * the others only on the telemetry that got through. An alert fires once
 * its condition has held for its `hold`: it says so in the timeline,
 * detects the incident if nothing has yet, pages the teams it names and
 * starts its on_alert handlers, each in an engine thread
 * (scenario_threads.c), unless people play the team it pages. It resolves
 * when the condition no longer holds.
 */
#include "script/script_internal.h"

#include <stdio.h>
#include <string.h>

double api_pool_metric(Scenario *s, int svc, int r, int metric);

/* Alerts see what monitoring heard: the services' telemetry is ordinary
 * requests to the monitoring service, so whatever monitoring depends on can
 * blind it. A service alert has data only when its service's telemetry got
 * through this interval; an entry-point alert when its entry service's did. */
static bool alert_has_data(Scenario *s, const Alert *a)
{
    if (s->topo.monitoring < 0) return true;
    int svc = a->source >= 0 ? s->topo.sources[a->source].entry : a->service;
    if (svc == s->topo.monitoring) return true;
    return model_telemetry(s->model, svc, a->source >= 0 ? -1 : a->region) > 0;
}

/* A dead-man alert's condition: nothing heard (from its service, or from
 * anyone) in the last interval. */
static bool alert_absent(Scenario *s, const Alert *a)
{
    if (a->service < 0) return !model_heard_from_any(s->model);
    return model_telemetry(s->model, a->service, a->region) == 0;
}

static double alert_value(Scenario *s, const Alert *a)
{
    if (a->source >= 0) return model_source_availability(s->model, a->source);
    return api_pool_metric(s, a->service, a->region, (int)a->metric);
}

static bool alert_holds(const Alert *a, double v)
{
    switch (a->op) {
    case '>': return v > a->threshold;
    case '<': return v < a->threshold;
    case 'g': return v >= a->threshold;
    case 'l': return v <= a->threshold;
    }
    return false;
}

static const char *const metric_label[] = {
    "error rate", "availability", "p50", "p90", "p99", "utilisation", "queue",
    "offered", "ok rate", "degraded rate", "instances up",
};

static void fire_handlers(Scenario *s, int a)
{
    if (live_skip_alert(s, a)) return;      /* people play the team it pages */
    lua_State *L = s->L;
    lua_getfield(L, LUA_REGISTRYINDEX, "fd.handlers");        // [handlers]
    lua_rawgeti(L, -1, a + 1);                                // [handlers, list?]
    if (!lua_istable(L, -1)) { lua_pop(L, 2); return; }
    int n = (int)lua_rawlen(L, -1);
    for (int i = 1; i <= n && !s->failed; i++) {
        lua_rawgeti(L, -1, i);                                // [handlers, list, fn]
        lua_createtable(L, 0, 2);                             // [.., fn, alert]
        lua_pushstring(L, s->alerts[a].name);
        lua_setfield(L, -2, "name");
        lua_pushnumber(L, fd_time_sec(sim_now(s->sim)));
        lua_setfield(L, -2, "fired_at");
        scenario_spawn_top(s, 1);                             // [handlers, list]
    }
    lua_pop(L, 2);
}

static void page_for_alert(Scenario *s, const Alert *a)
{
    char why[160];
    snprintf(why, sizeof why, "alert %s", a->name);
    for (int k = 0; k < a->npages; k++)
        if (resp_page(s->resp, a->pages[k], -1, why, 0) < 0) s->oom = true;
}

void scenario_eval_alerts(Scenario *s, const ModelInterval *iv)
{
    bool blind = !model_heard_from_any(s->model);
    if (blind != s->blind) {
        s->blind = blind;
        const char *mon = s->topo.services[s->topo.monitoring].name;
        api_note(s, RE_HEALTH, mon, NULL,
                 blind ? "monitoring (%s) hears nothing: alerts cannot fire" : "monitoring (%s) hears the services again",
                 mon);
    }
    for (int i = 0; i < s->nalerts && !s->failed; i++) {
        Alert *a = &s->alerts[i];
        /* Dead-man alerts are checked outside monitoring; the rest only on
         * the data monitoring received. */
        if (!a->absent && (blind || !alert_has_data(s, a))) continue;
        double v = a->absent ? 0 : alert_value(s, a);
        if (a->absent ? alert_absent(s, a) : alert_holds(a, v)) {
            if (a->since < 0) a->since = iv->start;
            if (!a->firing && iv->end - a->since >= a->hold) {
                a->firing = true;
                char val[64];
                if (a->absent) {
                    const char *mon = s->topo.services[s->topo.monitoring].name;
                    if (a->service >= 0)
                        api_note(s, RE_ALERT, a->name, NULL, "alert %s fires: %s has heard nothing from %s for %.0f min",
                                 a->name, mon, s->topo.services[a->service].name,
                                 fd_time_sec(iv->end - a->since) / 60);
                    else
                        api_note(s, RE_ALERT, a->name, NULL, "alert %s fires: %s has received no telemetry for %.0f min",
                                 a->name, mon, fd_time_sec(iv->end - a->since) / 60);
                    if (s->res->t_detected < 0) scenario_detected(s, "alert %s", a->name);
                    page_for_alert(s, a);
                    fire_handlers(s, i);
                    continue;
                }
                bool lat = a->metric == AM_P50 || a->metric == AM_P90 || a->metric == AM_P99;
                bool frac = a->metric == AM_ERROR_RATE || a->metric == AM_AVAILABILITY ||
                            a->metric == AM_UTILISATION;
                if (lat) snprintf(val, sizeof val, "%.0fms", v * 1e3);
                else if (frac) snprintf(val, sizeof val, "%.1f%%", v * 100);
                else snprintf(val, sizeof val, "%.4g", v);
                const char *subject = a->source >= 0 ? s->topo.sources[a->source].name
                                                     : s->topo.services[a->service].name;
                api_note(s, RE_ALERT, a->name, a->region >= 0 ? s->topo.regions[a->region].name : NULL,
                         "alert %s fires: %s %s is %s", a->name, subject,
                         metric_label[a->metric], val);
                if (s->res->t_detected < 0) scenario_detected(s, "alert %s", a->name);
                page_for_alert(s, a);
                fire_handlers(s, i);
            }
        } else {
            a->since = -1;
            if (a->firing) {
                a->firing = false;
                api_note(s, RE_RESOLVED, a->name, NULL, "alert %s resolves", a->name);
            }
        }
    }
}

bool scenario_alert_firing(Scenario *s, const char *name)
{
    for (int i = 0; i < s->nalerts; i++)
        if (strcmp(s->alerts[i].name, name) == 0) return s->alerts[i].firing;
    return false;
}

/*
 * scenario_finish.c: the end of a run, into its RunResult.
 *
 * scenario_finish() flushes the model's last interval, has the timeline
 * say what still fails (scenario_interval.c), fills the per-entry figures
 * from the incident clock's sums, closes the status page's record
 * (script_comms.c), and runs the expectations: each one's check gets the
 * summary table pushed here, a view of the RunResult as filled so far.
 * An allocation failure leaves what was filled whole and the run ends
 * with -3; the expectations are then skipped, as their summary would not
 * be whole.
 */
#include "script/script_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Pushes the summary table that expectations check. */
static void push_summary(Scenario *s)
{
    lua_State *L = s->L;
    RunResult *r = s->res;
    lua_createtable(L, 0, 6);                                 // [sum]
    lua_createtable(L, 0, 5);                                 // [sum, inc]
    const struct { const char *k; SimTime v; } moments[] = {
        { "start", r->t_start }, { "detected", r->t_detected },
        { "mitigated", r->t_mitigated }, { "recovered", r->t_recovered },
    };
    for (int i = 0; i < 4; i++) {
        if (moments[i].v < 0) continue;
        lua_pushnumber(L, fd_time_sec(moments[i].v));
        lua_setfield(L, -2, moments[i].k);
    }
    if (r->t_start >= 0 && r->t_recovered >= 0) {
        lua_pushnumber(L, fd_time_sec(r->t_recovered - r->t_start));
        lua_setfield(L, -2, "duration");
    }
    if (r->detected_by) {
        lua_pushstring(L, r->detected_by);
        lua_setfield(L, -2, "detected_by");
    }
    lua_setfield(L, -2, "incident");                          // [sum]
    lua_createtable(L, 0, r->nentries);                       // [sum, entries]
    for (int i = 0; i < r->nentries; i++) {
        const EntryResult *e = &r->entries[i];
        lua_createtable(L, 0, 8);
        const struct { const char *k; double v; } f[] = {
            { "availability", e->availability }, { "attempt_availability", e->attempt_availability },
            { "incident_availability", e->incident_availability },
            { "degraded", e->degraded }, { "baseline_rate", e->baseline_rate },
            { "peak_rate", e->peak_rate }, { "peak_to_baseline", e->peak_to_baseline },
            { "customers_affected", e->customers_affected },
            { "customers_reported", e->customers_reported }, { "slo", e->slo },
            { "peak_attempts_to_baseline", e->peak_attempts_to_baseline },
            { "capacity_to_baseline", e->capacity_to_baseline },
        };
        for (size_t k = 0; k < sizeof f / sizeof f[0]; k++) {
            if (isnan(f[k].v)) continue;          /* incident_availability without an incident */
            lua_pushnumber(L, f[k].v);
            lua_setfield(L, -2, f[k].k);
        }
        /* Moments, in seconds since the start; absent when there was none. */
        if (e->peak_at >= 0) {
            lua_pushnumber(L, fd_time_sec(e->peak_at));
            lua_setfield(L, -2, "peak_at");
        }
        if (e->capacity_peak_at >= 0) {
            lua_pushnumber(L, fd_time_sec(e->capacity_peak_at));
            lua_setfield(L, -2, "capacity_peak_at");
        }
        lua_setfield(L, -2, e->name);
    }
    lua_setfield(L, -2, "entries");                           // [sum]
    lua_createtable(L, r->ndeadlocks, 0);
    for (int i = 0; i < r->ndeadlocks; i++) {
        lua_createtable(L, 0, 3);
        lua_pushnumber(L, fd_time_sec(r->deadlocks[i].at));
        lua_setfield(L, -2, "t");
        lua_pushstring(L, r->deadlocks[i].region);
        lua_setfield(L, -2, "region");
        lua_pushstring(L, r->deadlocks[i].cycle);
        lua_setfield(L, -2, "cycle");
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, "deadlocks");
    /* The status page (script_comms.c); moments in seconds since the
     * start, absent when they never came. */
    const CommsResult *cm = &r->comms;
    lua_createtable(L, 0, 7);                                 // [sum, status]
    lua_createtable(L, cm->nposts, 0);
    for (int i = 0; i < cm->nposts; i++) {
        lua_pushnumber(L, fd_time_sec(cm->posts[i]));
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, "posts");
    if (cm->first_notice >= 0) {
        lua_pushnumber(L, fd_time_sec(cm->first_notice));
        lua_setfield(L, -2, "first_notice");
    }
    if (cm->longest_gap >= 0) {
        lua_pushnumber(L, fd_time_sec(cm->longest_gap));
        lua_setfield(L, -2, "longest_gap");
    }
    lua_pushinteger(L, cm->failed);
    lua_setfield(L, -2, "failed");
    lua_pushnumber(L, cm->wrong_min);
    lua_setfield(L, -2, "wrong_min");
    lua_pushnumber(L, cm->unreachable_min);
    lua_setfield(L, -2, "unreachable_min");
    lua_pushnumber(L, cm->accurate_min);
    lua_setfield(L, -2, "accurate_min");
    lua_setfield(L, -2, "status");                            // [sum]
    lua_pushnumber(L, fd_time_sec(s->duration));
    lua_setfield(L, -2, "duration");
}

static void fill_entries(Scenario *s)
{
    RunResult *r = s->res;
    r->entries = calloc((size_t)s->topo.nsources + 1, sizeof *r->entries);
    if (!r->entries) { s->oom = true; return; }
    r->nentries = s->topo.nsources;
    for (int i = 0; i < s->topo.nsources; i++) {
        const SourceClock *c = &s->clock[i];
        const TopoSource *ts = &s->topo.sources[i];
        EntryResult *e = &r->entries[i];
        e->name = strdup(ts->name);
        if (!e->name) {
            /* The entries so far stay whole; the run ends with exit 3. */
            r->nentries = i;
            s->oom = true;
            return;
        }
        e->slo = ts->slo > 0 ? ts->slo : s->slo;
        e->availability = c->good + c->bad > 0 ? c->good / (c->good + c->bad) : 1;
        /* Of the attempts answered (ok, degraded or failed, timeouts
         * included) by the end; those still in flight are not counted. */
        double answered = c->attempts_ok + c->attempts_failed;
        e->attempt_availability = answered > 0 ? c->attempts_ok / answered : 1;
        e->incident_availability = !s->started ? NAN
            : c->inc_good + c->inc_bad > 0 ? c->inc_good / (c->inc_good + c->inc_bad) : 1;
        double resolved = c->intents_ok + c->intents_deg + c->intents_failed;
        e->degraded = resolved > 0 ? c->intents_deg / resolved : 0;
        double base_all = c->baseline_n ? c->baseline_sum / c->baseline_n : 0;
        e->baseline_rate = c->baseline_n ? c->user_base_sum / c->baseline_n : 0;
        e->peak_rate = c->user_peak;
        e->peak_at = s->started ? c->user_peak_at : -1;
        e->peak_to_baseline = e->baseline_rate > 0 ? c->user_peak / e->baseline_rate : 0;
        e->peak_attempts_to_baseline = base_all > 0 ? c->peak / base_all : 0;
        double base_busy = c->baseline_n ? c->busy_base_sum / c->baseline_n : 0;
        e->capacity_to_baseline = base_busy > 0 ? c->need_peak / base_busy : 0;
        e->capacity_peak_at = s->started ? c->need_peak_at : -1;
        e->intents = c->intents;
        e->attempts = c->attempts;
        e->customers = (double)ts->customers;
        const SourceStats *last = model_last_source(s->model, i);
        e->customers_affected = last ? last->customers_affected : 0;
        /* Reports that arrived, shared out by customers affected. */
        double all = 0;
        for (int k = 0; k < s->topo.nsources; k++) {
            const SourceStats *o = model_last_source(s->model, k);
            all += o ? o->customers_affected : 0;
        }
        e->customers_reported = all > 0 ? s->support.arrived * e->customers_affected / all : 0;
    }
}

static void run_expectations(Scenario *s)
{
    lua_State *L = s->L;
    RunResult *r = s->res;
    if (s->oom) return;     /* the summary the checks read is not whole */
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->expects_ref);        // [list]
    int n = (int)lua_rawlen(L, -1);
    r->expects = calloc((size_t)n + 1, sizeof *r->expects);
    if (!r->expects) { s->oom = true; lua_pop(L, 1); return; }
    for (int i = 1; i <= n && !s->failed; i++) {
        lua_rawgeti(L, -1, i);                                // [list, e]
        lua_getfield(L, -1, "name");
        lua_getfield(L, -2, "pass_rate");
        ExpectResult *x = &r->expects[r->nexpects++];
        x->name = strdup(lua_tostring(L, -2));
        x->pass_rate = lua_tonumber(L, -1);
        lua_pop(L, 2);
        if (!x->name) {
            r->nexpects--;
            s->oom = true;
            break;
        }
        lua_getfield(L, -1, "check");                         // [list, e, check]
        push_summary(s);                                      // [list, e, check, sum]
        if (sandbox_pcall(s, L, 1, 2) != LUA_OK) {
            lua_pop(L, 1);
            x->ok = false;
            x->detail = strdup("the check raised an error");
            if (!x->detail) s->oom = true;
            break;
        }                                                     // [list, e, ok, detail]
        x->ok = lua_toboolean(L, -2);
        const char *d = lua_tostring(L, -1);
        x->detail = strdup(d ? d : "");
        if (!x->detail) s->oom = true;
        lua_pop(L, 3);
    }
    lua_pop(L, 1);
}

int scenario_finish(Scenario *s)
{
    if (s->failed) return -1;
    if (s->finished) return 0;
    s->finished = true;
    model_flush(s->model);
    RunResult *r = s->res;
    scenario_explain_unmitigated(s);
    fill_entries(s);
    comms_finish(s);
    r->events_run = sim_events_run(s->sim);
    run_expectations(s);
    result_sort_events(r);
    if (s->oom) return -3;
    return s->failed ? -1 : 0;
}

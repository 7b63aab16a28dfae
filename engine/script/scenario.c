/*
 * scenario.c: a scenario's lifecycle, the entry points of script/.
 *
 * The simulation drives the script, never the other way round: timers,
 * alert handlers and playbooks are Lua coroutines that the kernel resumes
 * at their simulated times (scenario_threads.c); a wait() yields back to
 * the kernel. Opening is scenario_load.c's, what each interval the model
 * reports means is scenario_interval.c's (the alerts: scenario_alerts.c),
 * finishing is scenario_finish.c's. This file advances the run, closes it
 * (freeing what all of them built), and strings the steps together for a
 * batch worker and for the params check.
 */
#include "script/script_internal.h"

#include <stdlib.h>

int scenario_advance(Scenario *s, SimTime t)
{
    if (s->failed) return -1;
    if (t > s->duration) t = s->duration;
    sim_run_until(s->sim, t);
    if (s->oom || model_oom(s->model) || sim_failed(s->sim)) return -3;
    if (s->failed) return -1;
    return sim_now(s->sim) >= s->duration ? 1 : 0;
}

void scenario_close(Scenario *s)
{
    if (!s) return;
    if (s->L) lua_close(s->L);
    model_free(s->model);
    sim_free(s->sim);
    topo_free(&s->topo);
    free(s->timers);
    free(s->cos);
    for (int i = 0; i < s->nalerts; i++) {
        free(s->alerts[i].name);
        free(s->alerts[i].where);
        free(s->alerts[i].what);
        free(s->alerts[i].pages);
    }
    resp_free(s->resp);
    free(s->support.slots);
    free(s->support.affected_before);
    dist_free(&s->support.delay);
    comms_free(s);
    free(s->alerts);
    for (int i = 0; i < s->nteams; i++) {
        free(s->teams[i].name);
        for (int k = 0; k < s->teams[i].nskills; k++) free(s->teams[i].skills[k]);
        free(s->teams[i].skills);
        free(s->teams[i].where);
    }
    free(s->teams);
    free(s->clock);
    free(s->pool_bad);
    live_free(s);
    free(s->path);
    free(s->dir);
    free(s);
}

SimTime scenario_now(const Scenario *s) { return s->sim ? sim_now(s->sim) : 0; }
SimTime scenario_duration(const Scenario *s) { return s->duration; }
const Topo *scenario_topo(const Scenario *s) { return &s->topo; }
Model *scenario_model(Scenario *s) { return s->model; }

int scenario_check_params(const ScenarioOptions *o, DiagList *dl)
{
    RunResult res;
    result_init(&res);
    Scenario *s;
    int rc = scenario_open(&s, o, &res, dl);
    if (rc == -1 && s && s->bad_param) rc = 1;
    scenario_close(s);
    result_free(&res);
    return rc;
}

int scenario_run(const ScenarioOptions *o, RunResult *res, DiagList *dl)
{
    Scenario *s;
    int rc = scenario_open(&s, o, res, dl);
    if (rc == 0) {
        while ((rc = scenario_advance(s, s->duration)) == 0) {}
        if (rc == 1) rc = scenario_finish(s);
    }
    scenario_close(s);
    return rc;
}

/*
 * api_internal.h: what the binding files share: script_api.c and the
 * api_*.c files whose functions it registers.
 *
 * The argument helpers of api_args.c check what a script passed and return
 * only when it is good: a bad name, key or value raises a Lua error at the
 * caller's line, with a "did you mean" when a name is close. C memory that
 * runs out raises through api_oom_error(), a change the model refuses through
 * api_model_result(): either way the binding stops where it is.
 */
#ifndef FD_API_INTERNAL_H
#define FD_API_INTERNAL_H

#include "script/script_internal.h"

/* ---- api_args.c ---- */

/* C memory ran out in a binding: a system error (the run exits 3). */
int api_oom_error(lua_State *L, Scenario *s);
/* The Scenario, once scenario{} has made the model. */
Scenario *api_need_model(lua_State *L);
/* The options table at idx has only keys api_schema.c lists for fn. */
/* The same with required keys and nested tables; errors name the line of
 * level `where` (1: the caller of the C function). */
void api_check_options_deep(lua_State *L, int idx, const char *fn, int where);
/* The index of `name` among n things of a kind; name_of names the i-th. */
int api_find_named(lua_State *L, const char *kind, const char *name, int n,
                   const char *(*name_of)(Scenario *, int));
/* The same for t[field] of the table at idx (the value at idx when field
 * is NULL), counting with `count`. */
int api_check_named(lua_State *L, int idx, const char *field, const char *kind,
                    int (*count)(Scenario *), const char *(*name_of)(Scenario *, int));
/* Optional fields of the table at idx, dflt when absent. */
SimTime api_opt_duration(lua_State *L, int idx, const char *field, SimTime dflt);
double api_opt_fraction(lua_State *L, int idx, const char *field, double dflt);
double api_opt_number(lua_State *L, int idx, const char *field, double dflt, double lo,
                      double hi);
bool api_opt_bool(lua_State *L, int idx, const char *field, bool dflt);
/* n zeroed distributions owned by a value pushed on the stack, whose
 * finalizer frees them: a binding that builds several and may still raise
 * an error (a later option that is wrong) keeps them here, so the error
 * leaks nothing. dist_free() on them afterwards is fine (it zeroes them). */
Dist *api_dists(lua_State *L, int n);
/* The options of a binding acting on a service, in a region or (r < 0)
 * every region. */
Scenario *api_svc_region_args(lua_State *L, const char *fn, int *svc, int *r);
/* A region for the timeline: its name, or "all regions" / NULL when r < 0. */
const char *api_region_label(Scenario *s, int r);
const char *api_region_or_null(Scenario *s, int r);
/* A model call's result: below 0, an error with the model's reason. */
void api_model_result(lua_State *L, Scenario *s, int rc);
/* The callee names of a service's calls, "a, b", for an error message. */
void api_call_list(Scenario *s, int svc, char *buf, size_t size);

/* What check_named looks names up in, kind by kind. */
static inline const char *svc_name(Scenario *s, int i) { return s->topo.services[i].name; }
static inline const char *region_name(Scenario *s, int i) { return s->topo.regions[i].name; }
static inline const char *cfg_name(Scenario *s, int i) { return s->topo.configs[i].name; }
static inline const char *src_name(Scenario *s, int i) { return s->topo.sources[i].name; }
static inline const char *alert_name(Scenario *s, int i) { return s->alerts[i].name; }
static inline const char *team_name(Scenario *s, int i) { return s->teams[i].name; }
static inline int n_svc(Scenario *s) { return s->topo.nservices; }
static inline int n_region(Scenario *s) { return s->topo.nregions; }
static inline int n_cfg(Scenario *s) { return s->topo.nconfigs; }
static inline int n_src(Scenario *s) { return s->topo.nsources; }
static inline int n_alert(Scenario *s) { return s->nalerts; }
static inline int n_team(Scenario *s) { return s->nteams; }

/* ---- api_observe.c ---- */

/* The AlertMetric a metric name stands for; an error for an unknown one. */
int api_metric_index(lua_State *L, const char *name);
/* A metric of a service over the last interval, summed over the regions
 * asked for (r < 0: every region). */
double api_pool_metric(Scenario *s, int svc, int r, int metric);

/* ---- the families' functions, for api_register() ---- */

/* api_scenario.c: scenario{}, param(), time; and the methods of a Timer */
extern const luaL_Reg api_scenario_fns[];
extern const luaL_Reg api_timer_methods[];
/* api_faults.c: faults, versions, configuration data */
extern const luaL_Reg api_fault_fns[];
/* api_responses.c: what-ifs and responses */
extern const luaL_Reg api_response_fns[];
/* api_observe.c: observation */
extern const luaL_Reg api_observe_fns[];
/* api_alerts.c: alerts, support, on_alert, on_page */
extern const luaL_Reg api_alert_fns[];
/* api_responders.c: responders and the incident */
extern const luaL_Reg api_responder_fns[];

#endif

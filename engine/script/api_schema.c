/*
 * api_schema.c: the table described in api_schema.h.
 *
 * To add an option: add its key here (type, required, one line), then use
 * it in the function. The run-time check, `firedrill check` and the test
 * that holds docs/api.md and lua/meta/ to this table pick it up.
 */
#include "script/api_schema.h"

#include <string.h>

#define K(n, t, doc) { n, t, false, doc, NULL }
#define R(n, t, doc) { n, t, true, doc, NULL }
#define SUB(n, sub, doc) { n, AT_TABLE, false, doc, sub }
#define END { NULL, AT_ANY, false, NULL, NULL }

/* Keys many functions take, described once. */
#define SERVICE R("service", AT_SERVICE, "the service")
#define REGION_DEPLOYED K("region", AT_REGION, "one region; default every region it is deployed in")
#define REGION_ANY K("region", AT_REGION, "one region; default every region")
#define AT_NOW K("at", AT_WHEN, "when; default now")
#define SOURCE R("source", AT_SOURCE, "the traffic source")
#define ENTRY R("entry", AT_SOURCE, "the entry point")
#define TEAM R("team", AT_TEAM, "who does it")
#define PASS_RATE K("pass_rate", AT_NUMBER, "share of a batch's runs that must pass, (0, 1]")

/* ---- the scenario ---- */
static const ApiKey k_scenario[] = {
    R("name", AT_STRING, "shown in the timeline, the summary and the reports"),
    R("topology", AT_STRING, "the topology YAML, relative to the scenario's folder"),
    K("start", AT_STRING, "the wall-clock start, \"YYYY-MM-DD HH:MM[:SS] [OFFSET]\""),
    K("duration", AT_DURATION, "the length of the run"),
    K("slo", AT_FRACTION, "the availability objective of every entry point's intents"),
    K("settle", AT_DURATION, "how long every entry point must stay well to count as recovered"),
    K("report_rate", AT_FRACTION, "share of affected customers who report the problem"),
    K("description", AT_STRING, "accepted and ignored; for the reader"),
    K("sampling", AT_NUMBER, "one simulated request stands for this many real ones"),
    END,
};

/* ---- faults ---- */
static const ApiKey k_svc_region[] = {
    SERVICE,
    REGION_DEPLOYED,
    END,
};
static const ApiKey k_crash[] = {
    SERVICE,
    REGION_DEPLOYED,
    K("count", AT_INTEGER, "instances per region; default every instance (-1)"),
    END,
};
static const ApiKey k_latency[] = {
    SERVICE,
    REGION_DEPLOYED,
    K("add", AT_DURATION, "extra time per request; replaces an earlier value, 0 removes it"),
    END,
};
static const ApiKey k_errors[] = {
    SERVICE,
    REGION_DEPLOYED,
    K("rate", AT_FRACTION, "share of requests that fail; replaces an earlier value, 0 removes it"),
    END,
};
static const ApiKey k_partition[] = {
    R("from", AT_SERVICE, "the caller; it must call `to` in the topology"),
    R("to", AT_SERVICE, "the callee"),
    K("regions", AT_REGIONS, "the caller's regions whose calls are cut; default every region"),
    END,
};
static const ApiKey k_surge[] = {
    SOURCE,
    K("factor", AT_NUMBER, "multiple of the normal rate, 0 to 1000; 1 ends a surge"),
    END,
};
static const ApiKey k_set_version[] = {
    SERVICE,
    REGION_DEPLOYED,
    K("version", AT_INTEGER, "the version number (a label)"),
    K("error_rate", AT_FRACTION, "share of requests this code fails"),
    K("share", AT_FRACTION, "move instances until this share of each region's runs it"),
    K("instances", AT_INTEGER, "move instances until this many in each region run it"),
    K("from", AT_INTEGER, "move only instances on this version"),
    SUB("cost", "cost", "what each request served by this code costs"),
    END,
};
static const ApiKey k_cost[] = {
    K("cpu", AT_DURATION, "extra CPU time per request: holds a worker"),
    K("latency", AT_DURATION, "extra delay per request before admission: holds nothing"),
    END,
};
static const ApiKey k_write_config[] = {
    R("item", AT_CONFIG, "the configuration item"),
    REGION_ANY,
    K("data", AT_STRING, "\"good\", \"bad\" or \"corrupt\""),
    K("error_rate", AT_FRACTION, "with bad data: share of reading requests that fail; default 1"),
    SUB("cost", "cost", "with bad data: what each reading request costs"),
    END,
};

/* ---- what-ifs ---- */
static const ApiKey k_remove_dependency[] = {
    R("from", AT_SERVICE, "the caller; it must call `to` in the topology"),
    R("to", AT_SERVICE, "the callee"),
    K("restore", AT_BOOLEAN, "true puts the calls back"),
    END,
};
static const ApiKey k_client[] = {
    SOURCE,
    K("timeout", AT_DURATION, "per attempt"),
    K("retries", AT_INTEGER, "automatic client retries per user attempt"),
    K("reattempt", AT_FRACTION, "probability that a user tries again after a failure"),
    K("reattempt_after", AT_DURATION, "mean pause before the user tries again"),
    K("max_reattempts", AT_INTEGER, "most times a user tries again per intent"),
    K("patience", AT_DURATION, "the user gives up on an intent after this long; 0 never"),
    K("offline", AT_FRACTION, "share of intents a local cache answers when the service fails"),
    K("defer", AT_FRACTION, "share of users who put failed work aside and bring it back"),
    K("recheck", AT_DURATION, "mean time between a waiting user's checks"),
    K("catch_up", AT_DURATION, "how long a returning user takes to bring the work back"),
    SUB("backoff", "client.backoff", "the wait before each automatic retry"),
    END,
};
static const ApiKey k_backoff[] = {
    K("base", AT_DURATION, "the first wait"),
    K("max", AT_DURATION, "the longest wait; not less than base"),
    K("multiplier", AT_NUMBER, "growth per retry, 1 to 1000"),
    K("jitter", AT_FRACTION, "how much of each wait is randomised"),
    END,
};
static const ApiKey k_set_call[] = {
    R("from", AT_SERVICE, "the caller; it must call `to` in the topology"),
    R("to", AT_SERVICE, "the callee"),
    K("region", AT_REGION, "the caller's region; default every region"),
    K("timeout", AT_DURATION, "per attempt, more than 0"),
    K("retries", AT_INTEGER, "extra attempts after the first, 0 to 100"),
    SUB("backoff", "set_call.backoff", "the wait before each retry"),
    { "budget", AT_TABLE, false, "a retry budget { ratio, burst }, or false to remove it",
      "set_call.budget" },
    END,
};
static const ApiKey k_set_call_budget[] = {
    K("ratio", AT_FRACTION, "retries may add this share to the first attempts"),
    K("burst", AT_NUMBER, "the bucket's size, 1 or more"),
    END,
};
static const ApiKey k_set_autoscale[] = {
    R("service", AT_SERVICE, "the service; it must autoscale in the topology"),
    REGION_DEPLOYED,
    K("signal", AT_STRING, "\"utilisation\", \"concurrency\" or \"cpu\""),
    K("target", AT_NUMBER, "the signal's target: a fraction, or requests per instance"),
    K("min", AT_INTEGER, "fewest instances per region"),
    K("max", AT_INTEGER, "most instances per region"),
    K("period", AT_DURATION, "time between decisions"),
    K("step", AT_INTEGER, "most instances added or removed per decision"),
    END,
};
static const ApiKey k_fallback[] = {
    R("from", AT_SERVICE, "the caller; it must call `to`"),
    R("to", AT_SERVICE, "the callee"),
    K("off", AT_BOOLEAN, "true stops the fallback"),
    END,
};

/* ---- deploys (lua/firedrill/deploy.lua) ---- */
static const ApiKey k_deploy[] = {
    SERVICE,
    R("version", AT_STRING, "a name for the new version, like \"v2\""),
    K("stages", AT_LIST, "cumulative shares (0.25 or \"1%\") of its regions or instances after each stage"),
    K("by", AT_STRING, "\"regions\" (default) or \"instances\": what a stage is a share of"),
    K("regions", AT_REGIONS, "only these regions, in this order; default every region it runs in"),
    K("every", AT_DURATION, "the pause between stages"),
    K("error_rate", AT_FRACTION, "share of requests the new code fails"),
    SUB("cost", "cost", "what each request the new code serves costs"),
    SUB("config", "deploy.config", "a configuration write that goes out with the release"),
    SUB("halt_on", "deploy.halt_on", "stop the rollout when it looks bad"),
    END,
};
static const ApiKey k_deploy_config[] = {
    R("item", AT_CONFIG, "the configuration item the release writes"),
    K("writes", AT_STRING, "\"bad\" or \"good\""),
    K("stages", AT_LIST, "the data's own stages, always by region"),
    K("error_rate", AT_FRACTION, "share of reading requests the bad data fails; default 1"),
    SUB("cost", "cost", "what each reading request costs with the bad data"),
    END,
};
static const ApiKey k_deploy_halt[] = {
    K("error_rate", AT_FRACTION, "halt when the new version's error rate in a region is above this"),
    K("p99", AT_DURATION, "halt when the new version's p99 latency in a region is above this"),
    K("availability", AT_FRACTION, "halt when the new version's availability in a region is below this"),
    END,
};
static const ApiKey k_rollback[] = {
    SERVICE,
    K("regions", AT_REGIONS, "where to roll back; default every region it is deployed in"),
    K("batch", AT_INTEGER, "instances restarted at a time"),
    K("error_rate", AT_FRACTION, "the old code's error rate"),
    END,
};
static const ApiKey k_repair_config[] = {
    R("item", AT_CONFIG, "the configuration item"),
    REGION_ANY,
    END,
};

/* ---- responses ---- */
static const ApiKey k_restart[] = {
    SERVICE,
    REGION_DEPLOYED,
    K("count", AT_INTEGER, "instances per region; default every instance (-1)"),
    K("manual", AT_BOOLEAN, "restart by hand, bypassing the platform"),
    { "takes", AT_HUMANTIME, false, "with manual: until the instances serve", "distribution" },
    K("batch", AT_INTEGER, "a rolling redeploy, this many instances at a time"),
    K("version", AT_INTEGER, "with batch: redeploy only the instances on this version"),
    K("team", AT_TEAM, "with manual: whose responder does it"),
    END,
};
static const ApiKey k_scale[] = {
    SERVICE,
    REGION_DEPLOYED,
    K("instances", AT_INTEGER, "the count wanted in each region, now"),
    K("max", AT_INTEGER, "the autoscaling maximum in each region; the service must autoscale"),
    END,
};
static const ApiKey k_shift_traffic[] = {
    K("source", AT_SOURCE, "shift only this source; default every source"),
    R("from", AT_REGION, "the region whose share moves"),
    R("to", AT_REGIONS, "where it goes"),
    END,
};
static const ApiKey k_breakers[] = {
    R("to", AT_SERVICE, "every call to this service"),
    END,
};
static const ApiKey k_shed[] = {
    SERVICE,
    REGION_DEPLOYED,
    K("fraction", AT_FRACTION, "share of new requests rejected; 0 stops shedding"),
    END,
};

/* ---- alerts, responders ---- */
static const ApiKey k_alert[] = {
    R("name", AT_STRING, "unique"),
    K("service", AT_SERVICE, "watch a service's metric"),
    K("entry", AT_SOURCE, "watch an entry point's availability of intents"),
    K("region", AT_REGION, "with service: one region"),
    R("when", AT_CONDITION, "\"METRIC OP VALUE\", like \"error_rate > 5%\", or \"absent\""),
    K("hold", AT_DURATION, "how long the condition must hold"),
    K("page", AT_ANY, "the team, or list of teams, it pages when it fires"),
    END,
};
#define H(n, doc) { n, AT_HUMANTIME, false, doc, "distribution" }
static const ApiKey k_distribution[] = {
    K("dist", AT_STRING, "constant, uniform, exp, exponential, lognormal or empirical"),
    K("value", AT_DURATION, "constant: the value"),
    K("mean", AT_DURATION, "exponential: the mean"),
    K("median", AT_DURATION, "lognormal: the median"),
    K("p99", AT_DURATION, "lognormal: the 99th percentile"),
    K("min", AT_DURATION, "uniform: the lowest"),
    K("max", AT_DURATION, "uniform: the highest"),
    K("table", AT_ANY, "empirical: { duration, cumulative fraction } pairs"),
    END,
};
static const ApiKey k_team[] = {
    R("name", AT_STRING, "unique"),
    K("skills", AT_SKILLS, "components or team names whose services the team knows"),
    K("oncall", AT_INTEGER, "people on call"),
    H("ack", "time to acknowledge a page"),
    H("diagnose", "time to diagnose a component someone on call owns"),
    H("unowned", "time to diagnose a component nobody on call owns"),
    H("handoff", "the briefing when another team pages it"),
    K("misdiagnose", AT_FRACTION, "chance a diagnosis first follows a wrong lead"),
    K("escalate", AT_DURATION, "an unacknowledged page goes to the secondary after this"),
    K("secondary", AT_TEAM, "where an unacknowledged page goes"),
    END,
};
static const ApiKey k_diagnose[] = {
    R("component", AT_COMPONENT, "a service or a configuration item"),
    R("team", AT_TEAM, "who does the work"),
    H("takes", "instead of the team's diagnosis time"),
    K("misdiagnose", AT_FRACTION, "instead of the team's misdiagnosis chance"),
    END,
};
static const ApiKey k_inspect[] = {
    R("service", AT_SERVICE, "the service to look at"),
    REGION_DEPLOYED,
    R("team", AT_TEAM, "whose responder looks"),
    H("takes", "how long the look takes; default median 2 min, p99 8 min"),
    END,
};
static const ApiKey k_inject[] = {
    R("name", AT_STRING, "unique; what the facilitator fires"),
    K("what", AT_STRING, "one line for the facilitator"),
    R("run", AT_FUNCTION, "what happens when it is fired"),
    END,
};
static const ApiKey k_response_for[] = {
    R("scenario", AT_STRING, "the scenario file (.lua) whose incident this responds to"),
    R("teams", AT_ANY, "the teams whose response this file replaces"),
    K("params", AT_ANY, "its params, as name = value, unless --param says otherwise"),
    END,
};
static const ApiKey k_act[] = {
    R("team", AT_TEAM, "whose responder is busy"),
    H("takes", "how long"),
    K("what", AT_STRING, "what the person does, for the timeline"),
    END,
};
static const ApiKey k_page[] = {
    K("from", AT_TEAM, "the team handing off: the paged team is briefed first"),
    K("why", AT_STRING, "for the timeline"),
    END,
};
static const ApiKey k_declare[] = {
    K("page", AT_ANY, "the team, or list of teams, the declaration pages"),
    END,
};
static const ApiKey k_support[] = {
    K("pages", AT_TEAM, "the team the channel pages past the threshold"),
    K("threshold", AT_NUMBER, "reports within the window that page"),
    K("within", AT_DURATION, "the window"),
    K("rate", AT_FRACTION, "share of affected customers who report"),
    H("delay", "from being affected to reporting"),
    END,
};
static const ApiKey k_status_page[] = {
    R("text", AT_STRING, "the post"),
    K("state", AT_STRING, "investigating, identified, monitoring (an incident notice), resolved "
                          "or operational (an all-clear); default investigating"),
    K("host", AT_SERVICE, "the service the status page runs on (default: settings.status_page)"),
    END,
};
static const ApiKey k_status_effects[] = {
    K("accurate_reports", AT_NUMBER, "report rate factor while an accurate notice is read, 0..1"),
    K("accurate_reattempt", AT_NUMBER, "users' re-attempt factor while it is read, 0..1"),
    K("wrong_reports", AT_NUMBER, "report rate factor while the page wrongly says all is well, >= 1"),
    K("stale_after", AT_DURATION, "an incident notice older than this is no longer read as news"),
    END,
};

/* ---- expectations (lua/firedrill/expect.lua) ---- */
static const ApiKey k_pass_rate[] = {
    PASS_RATE,
    END,
};
static const ApiKey k_expect_availability[] = {
    ENTRY,
    R("min", AT_NUMBER, "the lowest availability of intents that passes, 0 to 1"),
    K("over", AT_STRING, "\"run\" (the default) or \"incident\": from its start to its end"),
    PASS_RATE,
    END,
};
static const ApiKey k_expect_error_budget[] = {
    ENTRY,
    R("slo", AT_NUMBER, "the objective, like 0.999"),
    K("window", AT_DURATION, "the budget's window; default \"30d\""),
    PASS_RATE,
    END,
};
static const ApiKey k_expect_peak[] = {
    ENTRY,
    K("max", AT_NUMBER, "the highest ratio that passes"),
    K("min", AT_NUMBER, "the lowest ratio that passes"),
    K("with_retries", AT_BOOLEAN, "count every attempt, automatic retries included"),
    PASS_RATE,
    END,
};
static const ApiKey k_expect_status_updates[] = {
    R("every", AT_DURATION, "the longest time without a notice while the incident lasts"),
    PASS_RATE,
    END,
};
static const ApiKey k_expect_first_notice[] = {
    R("within", AT_DURATION, "the longest time from detection to the first notice"),
    PASS_RATE,
    END,
};
static const ApiKey k_expect_deadlock[] = {
    K("region", AT_REGION, "only a deadlock in this region counts"),
    PASS_RATE,
    END,
};

/* ---- patterns (lua/firedrill/patterns.lua) ---- */
static const ApiKey k_p_cascading[] = {
    R("storage", AT_SERVICE, "the storage service that hangs"),
    AT_NOW,
    R("lasts", AT_DURATION, "how long it hangs"),
    REGION_ANY,
    END,
};
static const ApiKey k_p_storage[] = {
    R("storage", AT_SERVICE, "the storage service that fails"),
    AT_NOW,
    R("lasts", AT_DURATION, "how long it fails"),
    K("errors", AT_FRACTION, "share of requests that fail; default 100%"),
    REGION_ANY,
    END,
};
static const ApiKey k_p_bad_config[] = {
    R("service", AT_SERVICE, "the service released"),
    R("item", AT_CONFIG, "the configuration item it writes bad data to"),
    AT_NOW,
    K("version", AT_STRING, "the new version's name; default \"v2\""),
    K("gray", AT_LIST, "the stages; default all at once"),
    K("every", AT_DURATION, "the pause between stages"),
    K("halt_on", AT_TABLE, "{ error_rate = 0.05 }: halt the rollout (needs 2+ stages)"),
    K("error_rate", AT_FRACTION, "share of requests the new code fails"),
    END,
};
static const ApiKey k_p_circular[] = {
    R("service", AT_SERVICE, "the service redeployed"),
    R("region", AT_REGION, "the region"),
    AT_NOW,
    K("how", AT_STRING, "\"restart\" (default) or \"crash\""),
    K("batch", AT_INTEGER, "instances at a time"),
    END,
};
static const ApiKey k_p_retry_storm[] = {
    SOURCE,
    AT_NOW,
    R("factor", AT_NUMBER, "the multiple of the normal rate, 1 to 1000, not 1"),
    R("lasts", AT_DURATION, "how long"),
    END,
};
static const ApiKey k_p_surge_on_recovery[] = {
    R("service", AT_SERVICE, "the service on the entry path that fails"),
    AT_NOW,
    R("lasts", AT_DURATION, "how long it fails"),
    REGION_ANY,
    K("rate", AT_FRACTION, "share of requests that fail; default 100%"),
    END,
};
static const ApiKey k_p_region_outage[] = {
    R("region", AT_REGION, "the region that goes down"),
    AT_NOW,
    R("lasts", AT_DURATION, "how long"),
    END,
};

/* ---- playbooks (lua/firedrill/playbooks.lua) ---- */
static const ApiKey k_pb_rollback_then_repair[] = {
    R("service", AT_SERVICE, "the service rolled back"),
    R("item", AT_CONFIG, "the configuration item repaired if rolling back does not help"),
    TEAM,
    K("verify", AT_DURATION, "how long to wait for health"),
    K("batch", AT_INTEGER, "instances restarted at a time"),
    K("takes", AT_DURATION, "preparing the rollback"),
    K("repair_takes", AT_DURATION, "preparing the repair"),
    END,
};
static const ApiKey k_pb_redirect_region[] = {
    R("service", AT_SERVICE, "the service watched"),
    R("region", AT_REGION, "the region traffic leaves"),
    R("to", AT_REGIONS, "the regions it goes to"),
    TEAM,
    K("source", AT_SOURCE, "only this source"),
    K("takes", AT_DURATION, "preparing the shift"),
    K("break_glass", AT_DURATION, "restart a stalled service by hand, taking this long"),
    END,
};
static const ApiKey k_pb_scale_for_surge[] = {
    R("service", AT_SERVICE, "the service scaled"),
    R("max", AT_INTEGER, "the new autoscaling maximum"),
    TEAM,
    K("when", AT_ANY, "a condition (\"utilisation > 80%\") or a function"),
    REGION_ANY,
    K("instances", AT_INTEGER, "scale to this many now"),
    K("takes", AT_DURATION, "getting the capacity approved"),
    K("limit", AT_DURATION, "how long to wait for `when`"),
    END,
};

#define A0 0, { AT_ANY }
#define F(name, opts, keys) { name, opts, A0, keys, NULL }
#define P(name, n, ...) { name, 0, n, { __VA_ARGS__ }, NULL, NULL }

static const ApiFn schema[] = {
    { "scenario", 1, A0, k_scenario, NULL },
    P("param", 2, AT_STRING, AT_ANY),
    P("at", 2, AT_WHEN, AT_FUNCTION),
    P("after", 2, AT_DURATION, AT_FUNCTION),
    P("every", 2, AT_DURATION, AT_FUNCTION),
    P("wait", 1, AT_DURATION),
    P("wait_until", 3, AT_FUNCTION, AT_DURATION, AT_DURATION),
    P("now", 0, AT_ANY),
    P("clock", 0, AT_ANY),
    P("seconds", 1, AT_DURATION),
    F("crash", 1, k_crash),
    F("hang", 1, k_svc_region),
    F("unhang", 1, k_svc_region),
    F("latency", 1, k_latency),
    F("errors", 1, k_errors),
    F("partition", 1, k_partition),
    F("heal", 1, k_partition),
    F("surge", 1, k_surge),
    F("set_version", 1, k_set_version),
    F("write_config", 1, k_write_config),
    F("cost", 0, k_cost),
    F("remove_dependency", 1, k_remove_dependency),
    F("client", 1, k_client),
    F("client.backoff", 0, k_backoff),
    F("set_call", 1, k_set_call),
    F("set_call.backoff", 0, k_backoff),
    F("set_call.budget", 0, k_set_call_budget),
    F("set_autoscale", 1, k_set_autoscale),
    F("fallback", 1, k_fallback),
    F("deploy", 1, k_deploy),
    F("deploy.config", 0, k_deploy_config),
    F("deploy.halt_on", 0, k_deploy_halt),
    { "rollback", 1, 1, { AT_SERVICE }, k_rollback, NULL },
    { "repair_config", 1, 1, { AT_CONFIG }, k_repair_config, NULL },
    F("restart", 1, k_restart),
    F("scale", 1, k_scale),
    F("shift_traffic", 1, k_shift_traffic),
    F("open_breakers", 1, k_breakers),
    F("close_breakers", 1, k_breakers),
    F("shed", 1, k_shed),
    P("healthy", 2, AT_SERVICE, AT_REGION),
    P("stalled", 2, AT_SERVICE, AT_REGION),
    P("deadlocked", 2, AT_SERVICE, AT_REGION),
    P("metric", 4, AT_SERVICE, AT_METRIC, AT_REGION, AT_INTEGER),
    P("availability", 1, AT_SOURCE),
    P("alert_firing", 1, AT_ALERT),
    P("version", 2, AT_SERVICE, AT_REGION),
    P("version_share", 3, AT_SERVICE, AT_INTEGER, AT_REGION),
    P("config_bad", 2, AT_CONFIG, AT_REGION),
    P("names", 1, AT_STRING),
    P("deployed", 1, AT_SERVICE),
    P("instances", 3, AT_SERVICE, AT_REGION, AT_STRING),
    P("readers", 1, AT_CONFIG),
    P("waiting_on", 2, AT_SERVICE, AT_REGION),
    { "alert", 1, A0, k_alert, "alert" },
    P("on_alert", 2, AT_ALERT, AT_FUNCTION),
    { "team", 1, A0, k_team, "team" },
    F("diagnose", 1, k_diagnose),
    F("act", 1, k_act),
    F("inspect", 1, k_inspect),
    P("ack", 1, AT_TEAM),
    { "inject", 1, 0, { AT_ANY }, k_inject, NULL },
    P("hint", 1, AT_STRING),
    F("response_for", 1, k_response_for),
    { "page", 2, 1, { AT_TEAM }, k_page, NULL },
    P("on_page", 2, AT_TEAM, AT_FUNCTION),
    { "declare", 3, 2, { AT_STRING, AT_STRING }, k_declare, NULL },
    F("support", 1, k_support),
    F("distribution", 0, k_distribution),
    P("note", 1, AT_STRING),
    F("status_page", 1, k_status_page),
    F("status_effects", 1, k_status_effects),
    P("read_file", 1, AT_STRING),
    F("expect.availability", 1, k_expect_availability),
    F("expect.error_budget", 1, k_expect_error_budget),
    { "expect.recovered_within", 2, 1, { AT_DURATION }, k_pass_rate, NULL },
    { "expect.mitigated_within", 2, 1, { AT_DURATION }, k_pass_rate, NULL },
    { "expect.detected_within", 2, 1, { AT_DURATION }, k_pass_rate, NULL },
    F("expect.peak_to_baseline", 1, k_expect_peak),
    F("expect.no_deadlock", 1, k_pass_rate),
    F("expect.deadlock", 1, k_expect_deadlock),
    F("expect.status_updates", 1, k_expect_status_updates),
    F("expect.first_notice", 1, k_expect_first_notice),
    { "expect.that", 3, 2, { AT_STRING, AT_FUNCTION }, k_pass_rate, NULL },
    F("patterns.cascading_storage_failure", 1, k_p_cascading),
    F("patterns.storage_failure", 1, k_p_storage),
    F("patterns.bad_config_push", 1, k_p_bad_config),
    F("patterns.circular_dependency", 1, k_p_circular),
    F("patterns.retry_storm", 1, k_p_retry_storm),
    F("patterns.surge_on_recovery", 1, k_p_surge_on_recovery),
    F("patterns.region_outage", 1, k_p_region_outage),
    F("playbooks.rollback_then_repair", 1, k_pb_rollback_then_repair),
    F("playbooks.redirect_region", 1, k_pb_redirect_region),
    F("playbooks.scale_for_surge", 1, k_pb_scale_for_surge),
};

const ApiFn *api_schema(size_t *n)
{
    *n = sizeof schema / sizeof schema[0];
    return schema;
}

const ApiFn *api_schema_find(const char *name)
{
    for (size_t i = 0; i < sizeof schema / sizeof schema[0]; i++)
        if (strcmp(schema[i].name, name) == 0) return &schema[i];
    return NULL;
}

const ApiKey *api_schema_key(const ApiFn *fn, const char *key)
{
    if (!fn->keys) return NULL;
    for (const ApiKey *k = fn->keys; k->name; k++)
        if (strcmp(k->name, key) == 0) return k;
    return NULL;
}

size_t api_schema_key_names(const ApiFn *fn, const char **out, size_t cap)
{
    size_t n = 0;
    if (fn->keys)
        for (const ApiKey *k = fn->keys; k->name && n < cap; k++) out[n++] = k->name;
    return n;
}

const char *api_type_name(ApiType t)
{
    static const char *const names[AT_NTYPES] = {
        "any", "string", "number", "integer", "boolean", "duration", "fraction", "when",
        "function", "list of numbers", "table", "service", "region", "region or list of regions",
        "configuration item", "source", "team", "alert", "component", "list of names", "metric",
        "condition", "duration or distribution",
    };
    return (unsigned)t < AT_NTYPES ? names[t] : "?";
}

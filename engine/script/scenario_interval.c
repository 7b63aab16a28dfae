/*
 * scenario_interval.c: what the scenario layer makes of each interval the
 * model reports.
 *
 * Every interval, this file notes which services fell over or came back,
 * has the alerts evaluated (scenario_alerts.c; only while the monitoring
 * service that carries them is up), draws the support channel's customer
 * reports, and advances the incident clock:
 *
 *   start      the first interval in which an entry point's availability
 *              of intents falls below its objective;
 *   detected   the first alert fired or incident declared;
 *   mitigated  the first interval after the start in which every entry
 *              point is back above its objective;
 *   recovered  the start of the first stretch, `settle` long, in which
 *              every entry point stays above its objective and its traffic
 *              stays within half to one and a half times its baseline.
 *
 * The clock is computed as the run goes, so it needs no history. A run
 * that ends before mitigation closes its timeline with what still fails,
 * and why (scenario_explain_unmitigated).
 */
#include "script/script_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRAFFIC_BAND_HI 1.5
#define TRAFFIC_BAND_LO 0.5

void scenario_detected(Scenario *s, const char *fmt, ...)
{
    if (s->res->t_detected >= 0) return;
    s->res->t_detected = sim_now(s->sim);
    char buf[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    free(s->res->detected_by);
    s->res->detected_by = strdup(buf);
    if (!s->res->detected_by) s->oom = true;
}

/* A pool's interval in brief: requests failed and answered, the most
 * common cause of failure, whether no instance serves, and whether it is
 * failing (over 10% of requests, or nothing serving). */
typedef struct PoolVerdict {
    double failed, answered;
    int worst;
    bool none_up, bad;
} PoolVerdict;

static PoolVerdict pool_verdict(const Scenario *s, const PoolStats *p)
{
    PoolVerdict v = { 0 };
    for (int c = 0; c < FAIL_NCAUSES; c++) {
        v.failed += p->failed[c];
        if (p->failed[c] > p->failed[v.worst]) v.worst = c;
    }
    v.answered = p->ok + p->degraded + v.failed;
    v.none_up = s->topo.services[p->service].kind != SVC_EXTERNAL && p->instances[INST_UP] == 0;
    v.bad = v.none_up || (v.answered > 0 && v.failed / v.answered > 0.10);
    return v;
}

/* Notes services that fall over and come back, per region. */
static void eval_health(Scenario *s, const ModelInterval *iv)
{
    for (int i = 0; i < iv->npools; i++) {
        const PoolStats *p = &iv->pools[i];
        PoolVerdict v = pool_verdict(s, p);
        double failed = v.failed, answered = v.answered;
        int worst = v.worst;
        const TopoService *ts = &s->topo.services[p->service];
        bool none_up = v.none_up, bad = v.bad;
        /* An interval with no traffic says nothing: keep the last verdict. */
        bool good = !none_up && answered > 0 && failed / answered < 0.01;
        const char *region = p->region >= 0 ? s->topo.regions[p->region].name : NULL;
        if (!s->pool_bad[i] && bad) {
            s->pool_bad[i] = true;
            if (none_up)
                api_note(s, RE_HEALTH, ts->name, region, "%s in %s is down: no instance serving",
                         ts->name, region ? region : "-");
            else
                api_note(s, RE_HEALTH, ts->name, region, "%s in %s is failing %.0f%% of requests (mostly %s)",
                         ts->name, region ? region : "-", answered > 0 ? 100 * failed / answered : 100,
                         fail_cause_name((FailCause)worst));
        } else if (s->pool_bad[i] && good) {
            s->pool_bad[i] = false;
            api_note(s, RE_HEALTH, ts->name, region, "%s in %s is serving normally again", ts->name,
                     region ? region : "-");
        }
    }
}

static void clock_event(Scenario *s, SimTime t, const char *what)
{
    if (result_add_event(s->res, t, RE_CLOCK, NULL, NULL, "%s", what) < 0) s->oom = true;
}

/* The entry service of source i over the interval: busy workers (real,
 * time-averaged), requests answered, requests turned away unserved. */
static void entry_load(Scenario *s, const ModelInterval *iv, int i, double *busy, double *answered,
                       double *rejected)
{
    int svc = s->topo.sources[i].entry;
    double conc = s->topo.services[svc].concurrency;
    for (int k = 0; k < iv->npools; k++) {
        const PoolStats *p = &iv->pools[k];
        if (p->service != svc) continue;
        *busy += p->utilisation * p->instances[INST_UP] * conc;
        double failed = 0;
        for (int c = 0; c < FAIL_NCAUSES; c++) failed += p->failed[c];
        *answered += p->ok + p->degraded + failed;
        *rejected += p->failed[FAIL_REJECTED] + p->failed[FAIL_NO_INSTANCE];
    }
}

static void eval_clock(Scenario *s, const ModelInterval *iv)
{
    RunResult *r = s->res;
    bool all_good = true, in_band = true;
    int below = -1;
    for (int i = 0; i < iv->nsources; i++) {
        const SourceStats *ss = &iv->sources[i];
        SourceClock *c = &s->clock[i];
        double dt = fd_time_sec(iv->end - iv->start);
        double rate = dt > 0 ? ss->attempts / dt : 0;
        double good = ss->intents_ok + ss->intents_degraded;
        double avail = good + ss->user_failures > 0 ? good / (good + ss->user_failures) : 1;
        double slo = s->topo.sources[i].slo > 0 ? s->topo.sources[i].slo : s->slo;
        c->good += good;
        c->bad += ss->user_failures;
        c->attempts += ss->attempts;
        c->attempts_ok += ss->attempts_ok;
        c->attempts_failed += ss->attempts_failed;
        c->intents += ss->intents;
        c->intents_ok += ss->intents_ok;
        c->intents_deg += ss->intents_degraded;
        c->intents_failed += ss->intents_failed;
        /* Peaks count from the incident's start, like the users' below. */
        if (s->started && rate > c->peak) c->peak = rate;
        /* Users' traffic (no automatic retries) and the capacity the
         * entry service had: what a surge at recovery is measured on. */
        double urate = dt > 0 ? ss->user_attempts / dt : 0;
        double busy = 0, answered = 0, rejected = 0;
        entry_load(s, iv, i, &busy, &answered, &rejected);
        /* The capacity the entry service needed: the workers it kept busy,
         * plus the work of the requests it turned away, at the baseline's
         * worker time per request. */
        double w = c->baseline_n && c->answered_base_sum > 0 ? c->busy_base_sum / c->answered_base_sum : 0;
        double need = busy + (dt > 0 ? rejected / dt : 0) * w;
        if (s->started) {
            if (urate > c->user_peak) { c->user_peak = urate; c->user_peak_at = iv->start; }
            if (need > c->need_peak) { c->need_peak = need; c->need_peak_at = iv->start; }
        }
        /* Say when an entry point falls below its objective (its error
         * budget is burning) and when it is back: a dependency serving
         * again does not mean the users are. Only for intervals with
         * traffic, like the services' health lines. */
        c->last_avail = avail;
        if (good + ss->user_failures > 0 && (avail < slo) != c->below) {
            c->below = avail < slo;
            const char *name = s->topo.sources[i].name;
            if (c->below)
                api_note(s, RE_HEALTH, name, NULL,
                         "%s is below its objective: %.1f%% of intents answered well (objective %.6g%%)",
                         name, avail * 100, slo * 100);
            else
                api_note(s, RE_HEALTH, name, NULL,
                         "%s is back above its objective: %.1f%% of intents answered well", name,
                         avail * 100);
        }
        if (avail < slo) {
            all_good = false;
            if (below < 0) below = i;
        }
        if (!s->started) {
            c->baseline_sum += rate;
            c->user_base_sum += urate;
            c->busy_base_sum += busy;
            c->answered_base_sum += dt > 0 ? answered / dt : 0;
            c->baseline_n++;
        } else if (c->baseline_n > 0) {
            double base = c->baseline_sum / c->baseline_n;
            if (rate > base * TRAFFIC_BAND_HI || rate < base * TRAFFIC_BAND_LO) in_band = false;
        }
    }
    if (!s->started) {
        if (!all_good && below >= 0) {
            s->started = true;
            r->t_start = iv->start;
            /* The baseline is the traffic before the start, this interval
             * excluded. When the incident starts in the first interval there
             * is no traffic before it: the topology's nominal rate (one
             * attempt per intent, as in a healthy system) stands in. */
            for (int i = 0; i < iv->nsources; i++) {
                SourceClock *c = &s->clock[i];
                double dt = fd_time_sec(iv->end - iv->start);
                if (c->baseline_n > 1) {
                    c->baseline_sum -= dt > 0 ? iv->sources[i].attempts / dt : 0;
                    c->user_base_sum -= dt > 0 ? iv->sources[i].user_attempts / dt : 0;
                    double busy = 0, answered = 0, rejected = 0;
                    entry_load(s, iv, i, &busy, &answered, &rejected);
                    c->busy_base_sum -= busy;
                    c->answered_base_sum -= dt > 0 ? answered / dt : 0;
                    c->baseline_n--;
                } else {
                    c->baseline_sum = model_source_nominal_rate(s->model, i, iv->start);
                    c->user_base_sum = c->baseline_sum;
                    c->baseline_n = 1;
                }
            }
            char line[256];
            snprintf(line, sizeof line, "incident starts: %s availability falls below its objective",
                     s->topo.sources[below].name);
            clock_event(s, iv->start, line);
        }
        return;
    }
    if (r->t_mitigated < 0 && all_good) {
        r->t_mitigated = iv->start;
        clock_event(s, iv->start, "mitigated: every entry point is back above its objective");
    }
    if (r->t_recovered >= 0) return;
    if (all_good && in_band) {
        if (s->good_since < 0) s->good_since = iv->start;
        if (iv->end - s->good_since >= s->settle) {
            r->t_recovered = s->good_since;
            clock_event(s, s->good_since, "recovered: objectives met and traffic back to normal");
        }
    } else {
        s->good_since = -1;
    }
}

/* The support channel: reports from newly affected customers are drawn
 * with their delays into per-interval slots; the slot of the interval just
 * ended is what arrived in it. Past the threshold within the window, the
 * channel pages its team, and detects the incident if nothing else has. */
static void eval_support(Scenario *s, const ModelInterval *iv, double factor)
{
    Support *sp = &s->support;
    if (s->report_rate <= 0) return;
    SimTime step = s->topo.interval;
    if (!sp->slots) {
        sp->nslots = (int)(s->duration / step) + 2;
        sp->slots = calloc((size_t)sp->nslots, sizeof *sp->slots);
        sp->affected_before = calloc((size_t)s->topo.nsources + 1, sizeof *sp->affected_before);
        if (!sp->slots || !sp->affected_before) { s->oom = true; return; }
    }
    for (int i = 0; i < iv->nsources; i++) {
        double aff = iv->sources[i].customers_affected;
        double d = aff - sp->affected_before[i];
        sp->affected_before[i] = aff;
        if (d <= 0) continue;
        /* What the status page says changes how many report (factor:
         * script_comms.c). */
        double expect = d * s->report_rate * factor;
        double n = floor(expect + rng_uniform(&sp->rng));
        /* Many reports are drawn as at most 4096 delays of equal weight. */
        int draws = n > 4096 ? 4096 : (int)n;
        for (int k = 0; k < draws; k++) {
            SimTime at = iv->end + fd_time_from_sec(dist_sample(&sp->delay, &sp->rng));
            int slot = (int)(at / step);
            if (slot >= 0 && slot < sp->nslots) sp->slots[slot] += n / draws;
        }
    }
    int cur = (int)(iv->start / step);
    if (cur < 0 || cur >= sp->nslots) return;
    sp->arrived += sp->slots[cur];
    if (!sp->declared || sp->fired) return;
    int width = (int)(sp->window / step);
    double recent = 0;
    for (int k = cur; k >= 0 && k > cur - (width > 0 ? width : 1); k--) recent += sp->slots[k];
    if (recent < sp->threshold) return;
    sp->fired = true;
    double mins = fd_time_sec(sp->window) / 60;
    if (sp->pages >= 0)
        api_note(s, RE_INCIDENT, "support", NULL, "support: %.0f customer reports in the last %.0f min; "
                 "support pages %s", recent, mins, s->teams[sp->pages].name);
    else
        api_note(s, RE_INCIDENT, "support", NULL, "support: %.0f customer reports in the last %.0f min",
                 recent, mins);
    if (s->res->t_detected < 0) {
        scenario_detected(s, "customer reports");
        api_note(s, RE_INCIDENT, "support", NULL, "incident detected through customer reports");
    }
    if (sp->pages >= 0 && resp_page(s->resp, sp->pages, -1, "customer reports", 0) < 0) s->oom = true;
}

/* Sums of intents over the incident window: from its start until it
 * recovered (the start of the settled streak), or the end of the run. */
static void eval_incident_window(Scenario *s, const ModelInterval *iv)
{
    if (!s->started || s->inc_closed) return;
    bool recovered = s->res->t_recovered >= 0;
    for (int i = 0; i < iv->nsources; i++) {
        SourceClock *c = &s->clock[i];
        const SourceStats *ss = &iv->sources[i];
        if (recovered) {
            c->inc_good = c->snap_good;
            c->inc_bad = c->snap_bad;
            continue;
        }
        if (s->good_since == iv->start) {
            c->snap_good = c->inc_good;
            c->snap_bad = c->inc_bad;
        }
        c->inc_good += ss->intents_ok + ss->intents_degraded;
        c->inc_bad += ss->user_failures;
    }
    if (recovered) s->inc_closed = true;
}

void scenario_on_interval(void *ud, const ModelInterval *iv)
{
    Scenario *s = ud;
    if (s->failed) return;
    eval_health(s, iv);
    scenario_eval_alerts(s, iv);
    eval_support(s, iv, comms_interval(s, iv));
    eval_clock(s, iv);
    eval_incident_window(s, iv);
    if (s->opt.on_interval) s->opt.on_interval(s->opt.ud, iv);
}

/* A run that ends with the incident not mitigated: what still fails at
 * the end, and why, as the last lines of the timeline. */
void scenario_explain_unmitigated(Scenario *s)
{
    RunResult *r = s->res;
    if (r->t_start < 0 || r->t_mitigated >= 0) return;
    SimTime end = sim_now(s->sim);
    for (int i = 0; i < s->topo.nsources; i++) {
        if (!s->clock[i].below) continue;
        const char *name = s->topo.sources[i].name;
        if (result_add_event(r, end, RE_CLOCK, name, NULL,
                             "not mitigated at the end: %s answers %.1f%% of intents well, below "
                             "its objective", name, s->clock[i].last_avail * 100) < 0)
            s->oom = true;
    }
    for (int svc = 0; svc < s->topo.nservices; svc++) {
        const PoolStats *seen = NULL;
        const TopoService *ts = &s->topo.services[svc];
        for (int reg = 0; reg < s->topo.nregions; reg++) {
            const PoolStats *p = model_last_pool(s->model, svc, reg);
            if (!p || p == seen) continue;
            seen = p;
            PoolVerdict v = pool_verdict(s, p);
            if (!v.bad) continue;
            double failed = v.failed, answered = v.answered;
            int worst = v.worst;
            bool none_up = v.none_up;
            const char *region = p->region >= 0 ? s->topo.regions[p->region].name : NULL;
            char why[256];
            if (none_up)
                snprintf(why, sizeof why, "no instance serving (%d waiting for a platform, %d starting)",
                         p->instances[INST_WAITING], p->instances[INST_STARTING]);
            else if (p->hung > 0)
                snprintf(why, sizeof why, "it is hung: requests are accepted and never answered");
            else if (p->utilisation > 0.9)
                snprintf(why, sizeof why, "its workers are busy (%.0f%% utilised, p99 %.2fs): slow "
                         "calls or too little capacity hold them", p->utilisation * 100,
                         fd_time_sec(hist_quantile(&p->latency, 0.99)));
            else if (worst == FAIL_DEPENDENCY)
                snprintf(why, sizeof why, "its calls to its dependencies fail");
            else
                snprintf(why, sizeof why, "mostly %s", fail_cause_name((FailCause)worst));
            if (result_add_event(r, end, RE_CLOCK, ts->name, region,
                                 "still failing at the end: %s in %s, %.0f%% of requests: %s",
                                 ts->name, region ? region : "-",
                                 answered > 0 ? 100 * failed / answered : 100, why) < 0)
                s->oom = true;
        }
    }
}

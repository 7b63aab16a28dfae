/*
 * script_comms.c: the status page, as customers read it.
 *
 * A status page is a service in the topology (settings.status_page, or a
 * post's `host`): it serves while its own pools serve well and every
 * service it calls critically (without a fallback) does too, transitively,
 * judged over the last metrics interval like healthy(). A post to a page
 * that is down does not go out; a page that is down cannot be read. A page
 * named nowhere is hosted apart from the system and always up.
 *
 * What it says is the last notice that went out: an incident notice
 * (investigating, identified, monitoring), an all-clear (resolved,
 * operational), or nothing yet. Every interval, customers read it:
 *   - an incident notice younger than `stale_after` is accurate: customers
 *     newly affected report at `accurate_reports` x the report rate, and
 *     users come back after a failure (re-attempt) with
 *     `accurate_reattempt` x their probability;
 *   - an all-clear while an entry point is below its objective is wrong:
 *     reports at `wrong_reports` x the rate;
 *   - nothing, a stale notice, or a page that is down: no effect.
 * The report factor goes to the support channel (scenario_interval.c, eval_support),
 * so a notice changes the same reports that page the support team. The
 * re-attempt factor is applied through model_set_client and undone when
 * the notice stops being read, unless client{} set another value meanwhile.
 *
 * Invariants: a run that names no page and never posts is untouched (no
 * draw, no client change, no timeline line), so it stays byte-identical to
 * what it was before pages were modelled.
 */
#include "script/script_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void comms_init(Scenario *s)
{
    Comms *c = &s->comms;
    c->host = -1;
    c->posted = -1;
    /* Defaults and their sources: docs/api.md, "status_effects". */
    c->accurate_reports = 0.6;
    c->accurate_reattempt = 0.5;
    c->wrong_reports = 1.5;
    c->stale_after = 60 * FD_MIN;
}

/* The service that keeps the page from serving (svc itself or one it
 * calls critically), or -1 when the page serves. */
static int down_because(Scenario *s, int svc, unsigned char *seen)
{
    if (seen[svc]) return -1;
    seen[svc] = 1;
    if (!api_pool_healthy(s, svc, -1)) return svc;
    const TopoService *ts = &s->topo.services[svc];
    for (int k = 0; k < ts->ncalls; k++) {
        const TopoCall *call = &ts->calls[k];
        if (!call->critical || call->fallback) continue;
        int bad = down_because(s, call->target, seen);
        if (bad >= 0) return bad;
    }
    return -1;
}

static int page_down(Scenario *s, int host)
{
    unsigned char seen[1024];
    unsigned char *v = seen;
    size_t n = (size_t)s->topo.nservices;
    if (n > sizeof seen) {
        v = calloc(n, 1);
        if (!v) { s->oom = true; return -1; }
    } else {
        memset(seen, 0, n);
    }
    int bad = down_because(s, host, v);
    if (v != seen) free(v);
    return bad;
}

/* "X, which is down" or "X, which needs Y, which is down". */
static void why_down(Scenario *s, int host, int bad, char *buf, size_t size)
{
    if (bad == host)
        snprintf(buf, size, "%s, which is down", s->topo.services[host].name);
    else
        snprintf(buf, size, "%s, which needs %s, which is down", s->topo.services[host].name,
                 s->topo.services[bad].name);
}

const char *const scenario_page_states[] = {
    "investigating", "identified", "monitoring", "resolved", "operational", NULL,
};

bool comms_post(Scenario *s, const char *text, int state, int host)
{
    Comms *c = &s->comms;
    c->used = true;
    /* A post that names its host moves the page there: customers read it
     * where it was posted. */
    if (host < 0) host = c->host;
    else c->host = host;
    int bad = host >= 0 ? page_down(s, host) : -1;
    if (bad >= 0) {
        char why[300];
        why_down(s, host, bad, why, sizeof why);
        api_note(s, RE_STATUS, s->topo.services[host].name, NULL,
                 "status page post fails: the page is hosted on %s (\"%s\")", why, text);
        c->failed++;
        return false;
    }
    /* Set first: whoever the timeline line reaches (the game day) reads
     * the state of the notice it announces. */
    const char *was = c->state;
    c->state = scenario_page_states[state];
    api_note(s, RE_STATUS, NULL, NULL, "status page: %s", text);
    if (c->nposts == c->capposts) {
        int cap = c->capposts ? c->capposts * 2 : 16;
        SimTime *p = realloc(c->posts, sizeof *p * (size_t)cap);
        if (!p) { s->oom = true; c->state = was; return true; }
        c->posts = p;
        c->capposts = cap;
    }
    SimTime now = sim_now(s->sim);
    c->posts[c->nposts++] = now;
    c->says = state >= SCENARIO_PAGE_ALL_CLEAR ? PAGE_ALL_CLEAR : PAGE_INCIDENT;
    c->posted = now;
    return true;
}

/* Scales (on) or restores (off) the users' re-attempt probability of
 * every source. */
static void apply_reattempt(Scenario *s, bool on)
{
    Comms *c = &s->comms;
    int n = s->topo.nsources;
    if (!c->reattempt_set) {
        c->reattempt_set = malloc(sizeof *c->reattempt_set * (size_t)(n + 1));
        c->reattempt_base = malloc(sizeof *c->reattempt_base * (size_t)(n + 1));
        if (!c->reattempt_set || !c->reattempt_base) { s->oom = true; return; }
        for (int i = 0; i < n; i++) c->reattempt_set[i] = -1;
    }
    for (int i = 0; i < n; i++) {
        TopoClient cl = *model_client(s->model, i);
        if (on) {
            c->reattempt_base[i] = cl.reattempt;
            cl.reattempt *= c->accurate_reattempt;
            c->reattempt_set[i] = cl.reattempt;
        } else {
            if (c->reattempt_set[i] < 0) continue;
            /* client{} changed it while the notice was read: keep that. */
            if (cl.reattempt == c->reattempt_set[i]) cl.reattempt = c->reattempt_base[i];
            c->reattempt_set[i] = -1;
        }
        model_set_client(s->model, i, &cl);
    }
}

void comms_client_changed(Scenario *s, int src)
{
    Comms *c = &s->comms;
    if (c->read != READ_ACCURATE || !c->reattempt_set) return;
    TopoClient cl = *model_client(s->model, src);
    c->reattempt_base[src] = cl.reattempt;
    cl.reattempt *= c->accurate_reattempt;
    c->reattempt_set[src] = cl.reattempt;
    model_set_client(s->model, src, &cl);
}

double comms_interval(Scenario *s, const ModelInterval *iv)
{
    Comms *c = &s->comms;
    if (!c->used) return 1;
    double dt = fd_time_sec(iv->end - iv->start);
    /* An outage now: an entry point below its objective in this interval,
     * as the incident clock counts it. */
    bool outage = false;
    for (int i = 0; i < iv->nsources; i++) {
        const SourceStats *ss = &iv->sources[i];
        double good = ss->intents_ok + ss->intents_degraded;
        if (good + ss->user_failures <= 0) continue;
        double slo = s->topo.sources[i].slo > 0 ? s->topo.sources[i].slo : s->slo;
        if (good / (good + ss->user_failures) < slo) outage = true;
    }
    int bad = c->host >= 0 ? page_down(s, c->host) : -1;
    bool down = bad >= 0;
    if (down != c->down) {
        c->down = down;
        if (down) {
            char why[300];
            why_down(s, c->host, bad, why, sizeof why);
            api_note(s, RE_STATUS, s->topo.services[c->host].name, NULL,
                     "status page unreachable: customers cannot read it (hosted on %s)", why);
        } else {
            api_note(s, RE_STATUS, s->topo.services[c->host].name, NULL,
                     "status page reachable again");
        }
    }
    PageRead read = READ_NOTHING;
    if (!down && c->says == PAGE_INCIDENT && iv->end - c->posted <= c->stale_after)
        read = READ_ACCURATE;
    else if (!down && c->says == PAGE_ALL_CLEAR && outage)
        read = READ_WRONG;
    if (outage) {
        if (down) c->unreachable_s += dt;
        else if (read == READ_ACCURATE) c->accurate_s += dt;
        else if (read == READ_WRONG) c->wrong_s += dt;
    }
    if ((read == READ_ACCURATE) != (c->read == READ_ACCURATE) && c->accurate_reattempt != 1)
        apply_reattempt(s, read == READ_ACCURATE);
    c->read = read;
    return read == READ_ACCURATE ? c->accurate_reports : read == READ_WRONG ? c->wrong_reports : 1;
}

void comms_finish(Scenario *s)
{
    Comms *c = &s->comms;
    RunResult *r = s->res;
    CommsResult *o = &r->comms;
    o->modelled = c->used || c->host >= 0;
    if (!o->modelled) return;
    o->failed = c->failed;
    o->wrong_min = c->wrong_s / 60;
    o->unreachable_min = c->unreachable_s / 60;
    o->accurate_min = c->accurate_s / 60;
    if (c->nposts > 0) {
        o->posts = malloc(sizeof *o->posts * (size_t)c->nposts);
        if (!o->posts) { s->oom = true; return; }
        memcpy(o->posts, c->posts, sizeof *o->posts * (size_t)c->nposts);
        o->nposts = c->nposts;
    }
    o->first_notice = o->longest_gap = -1;
    if (r->t_start < 0) return;
    /* The incident lasts from its detection (its start when nobody
     * detected it, or when it was detected before it started) to its
     * recovery, or the end of the run. */
    SimTime from = result_incident_known(r);
    SimTime to = r->t_recovered >= 0 ? r->t_recovered : sim_now(s->sim);
    SimTime first_from = r->t_detected >= 0 && r->t_detected < r->t_start ? r->t_detected : r->t_start;
    for (int i = 0; i < c->nposts; i++)
        if (c->posts[i] >= first_from) { o->first_notice = c->posts[i]; break; }
    SimTime last = from, gap = -1;
    bool any = false;
    for (int i = 0; i < c->nposts; i++) {
        SimTime t = c->posts[i];
        if (t < first_from || t > to) continue;
        if (t < from) t = from;
        if (t - last > gap) gap = t - last;
        last = t;
        any = true;
    }
    if (!any) return;
    if (to - last > gap) gap = to - last;
    o->longest_gap = gap;
}

void comms_free(Scenario *s)
{
    free(s->comms.posts);
    free(s->comms.reattempt_set);
    free(s->comms.reattempt_base);
}

const char *scenario_status_state(const Scenario *s)
{
    return s->comms.state;
}

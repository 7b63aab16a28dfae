/*
 * gameday.c: the live run and its hub (gameday.h, hub.h).
 *
 * The clock: `anchor_wall` and `anchor_sim` are where the pacing last
 * started (resume, a speed change, the end of a skip); the simulated time
 * due now is anchor_sim + (wall - anchor_wall) * speed. Each tick of the
 * timer runs the scenario up to that time, on the half millisecond below
 * it (see gameday.h for why), and a skip runs it in bounded steps until
 * something people can see happens.
 *
 * Messages: built with jansson, one object per message, sent compact.
 */
/* realpath() and strncasecmp() are XSI. */
#define _XOPEN_SOURCE 700
#include "live/gameday.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/atomic_file.h"
#include "base/hist.h"
#include "base/sha256.h"
#include "live/command.h"
#include "live/gameday_internal.h"
#include "model/resp.h"
#include "report/outputs.h"

#define TICK_MS 25
#define TICK_EVERY_MS 250          /* how often clients get a `tick` */
#define SKIP_BUDGET_NS 40000000    /* wall time a skip may use per tick */
#define SKIP_STEP (30 * FD_SEC)    /* simulated time per skip step */
#define SLICE_BUDGET_NS 40000000   /* wall time the model may use per tick */
#define SLICE_STEP (10 * FD_SEC)   /* simulated time per step within a tick */
#define BEHIND_MAX_S 1.0           /* how far behind the wall clock the run may fall */
#define MAX_CLIENTS 64
#define HISTORY_MAX 2000           /* metrics messages kept for late joiners */

/* ---- sending ---- */

static void send_to(Gameday *g, int c, json_t *msg)
{
    Client *cl = &g->clients[c];
    if (!cl->used) return;
    char *s = json_dumps(msg, JSON_COMPACT);
    if (!s) return;
    cl->send(cl->ud, s, strlen(s));
    free(s);
}

/* Sends to everyone (facilitators only with fac_only), and takes the
 * reference. */
static void broadcast(Gameday *g, json_t *msg, bool fac_only)
{
    char *s = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    if (!s) return;
    size_t len = strlen(s);
    for (int c = 0; c < g->nclients; c++)
        if (g->clients[c].used && (!fac_only || g->clients[c].facilitator))
            g->clients[c].send(g->clients[c].ud, s, len);
    free(s);
}

static void keep(json_t *list, json_t *msg, size_t max)
{
    json_array_append(list, msg);
    if (json_array_size(list) > max) json_array_remove(list, 0);
}

/* "15:23:10" for simulated time t. */
static void clock_of(const Gameday *g, SimTime t, char *buf, size_t n)
{
    result_clock(&g->res, t, true, buf, n);
}

static json_t *stamp(const Gameday *g, const char *type, SimTime t)
{
    char clock[16];
    clock_of(g, t, clock, sizeof clock);
    return json_pack("{s:s, s:f, s:s}", "t", type, "sim", fd_time_sec(t), "clock", clock);
}

static double wall_now(const Gameday *g) { return (double)(uv_hrtime() - g->wall0) / 1e9; }

static json_t *tick_msg(Gameday *g)
{
    json_t *m = stamp(g, "tick", scenario_now(g->sc));
    json_object_set_new(m, "wall", json_real(wall_now(g)));
    json_object_set_new(m, "speed", json_real(g->speed));
    json_object_set_new(m, "paused", json_boolean(g->paused));
    json_object_set_new(m, "ended", json_boolean(g->ended));
    json_object_set_new(m, "skipping", json_boolean(g->skipping));
    json_object_set_new(m, "behind", json_integer(g->behind));
    return m;
}

/* ---- what the scenario tells us ---- */

static bool public_kind(RunEventKind k)
{
    switch (k) {
    case RE_NOTE: case RE_CHANGE: case RE_ACTION: case RE_ALERT: case RE_RESOLVED:
    case RE_INCIDENT: case RE_STATUS:
        return true;
    default:
        return false;
    }
}

static const char *timeline_kind(RunEventKind k)
{
    switch (k) {
    case RE_ALERT: case RE_RESOLVED: return "alert";
    case RE_INCIDENT: return "page";
    case RE_STATUS: return "status";
    case RE_NOTE: return "note";
    default: return "action";
    }
}

static int alert_index(const Gameday *g, const char *name)
{
    for (int i = 0; i < scenario_nalerts(g->sc); i++)
        if (strcmp(scenario_alert_name(g->sc, i), name) == 0) return i;
    return -1;
}

static json_t *alert_msg(Gameday *g, int a, SimTime t)
{
    json_t *m = stamp(g, "alert", t);
    json_object_set_new(m, "name", json_string(scenario_alert_name(g->sc, a)));
    json_object_set_new(m, "firing", json_boolean(scenario_alert_is_firing(g->sc, a)));
    json_object_set_new(m, "what", json_string(scenario_alert_what(g->sc, a)));
    return m;
}

static void on_event(void *ud, const RunEvent *e)
{
    Gameday *g = ud;
    if (g->swallow_note && e->kind == RE_NOTE) {
        g->swallow_note = false;    /* the command's own line: sent as a command */
        return;
    }
    if (!public_kind(e->kind)) return;
    g->seen_public = true;
    if ((e->kind == RE_ALERT || e->kind == RE_RESOLVED) && e->subject) {
        int a = alert_index(g, e->subject);
        if (a >= 0) {
            json_t *m = alert_msg(g, a, e->t);
            json_object_set_new(m, "firing", json_boolean(e->kind == RE_ALERT));
            json_array_append(g->alerts_log, m);
            broadcast(g, m, false);
        }
    }
    /* Only the notices that went out are on the page; a failed post and
     * the page going down are in the timeline. */
    if (e->kind == RE_STATUS && strncmp(e->text, "status page: ", 13) == 0) {
        const char *text = e->text + 13;
        json_t *m = stamp(g, "status", e->t);
        const char *state = scenario_status_state(g->sc);
        json_object_set_new(m, "state", json_string(state ? state : "investigating"));
        json_object_set_new(m, "text", json_string(text));
        keep(g->status_log, m, 500);
        broadcast(g, m, false);
    }
    json_t *m = stamp(g, "timeline", e->t);
    json_object_set_new(m, "kind", json_string(timeline_kind(e->kind)));
    json_object_set_new(m, "who", e->subject && e->kind == RE_INCIDENT ? json_string(e->subject) : json_null());
    json_object_set_new(m, "text", json_string(e->text));
    keep(g->timeline_log, m, 5000);
    broadcast(g, m, false);
}

static Page *find_open_page(Gameday *g, const char *team)
{
    for (int i = g->npages - 1; i >= 0; i--)
        if (strcmp(g->pages[i].team, team) == 0 && strcmp(g->pages[i].state, "open") == 0)
            return &g->pages[i];
    return NULL;
}

static json_t *page_msg(Gameday *g, const Page *p)
{
    json_t *m = stamp(g, "page", p->t);
    json_object_set_new(m, "id", json_integer(p->id));
    json_object_set_new(m, "team", json_string(p->team));
    json_object_set_new(m, "from", p->from[0] ? json_string(p->from) : json_null());
    json_object_set_new(m, "why", json_string(p->why));
    json_object_set_new(m, "state", json_string(p->state));
    if (p->by[0]) json_object_set_new(m, "by", json_string(p->by));
    return m;
}

static void page_changed(Gameday *g, Page *p)
{
    broadcast(g, page_msg(g, p), false);
}

static void on_page(void *ud, const char *team, int state, const char *from, const char *why)
{
    Gameday *g = ud;
    if (state == RESP_PAGE_OPEN) {
        if (g->npages == g->cappages) {
            int cap = g->cappages ? g->cappages * 2 : 16;
            Page *v = realloc(g->pages, sizeof *v * (size_t)cap);
            if (!v) return;
            g->pages = v;
            g->cappages = cap;
        }
        Page *p = &g->pages[g->npages++];
        *p = (Page){ .id = g->npages, .t = scenario_now(g->sc) };
        snprintf(p->team, sizeof p->team, "%s", team);
        snprintf(p->from, sizeof p->from, "%s", from ? from : "");
        snprintf(p->why, sizeof p->why, "%s", why ? why : "");
        snprintf(p->state, sizeof p->state, "open");
        g->seen_public = true;
        page_changed(g, p);
        return;
    }
    Page *p = find_open_page(g, team);
    if (!p) return;
    snprintf(p->state, sizeof p->state, "%s", state == RESP_PAGE_ESCALATED ? "escalated" : "unanswered");
    page_changed(g, p);
}

static void on_engaged(void *ud, const char *team)
{
    Gameday *g = ud;
    int k = -1;
    for (int i = 0; i < scenario_nteams(g->sc); i++)
        if (strcmp(scenario_team(g->sc, i), team) == 0) k = i;
    for (int i = 0; i < g->npages; i++) {
        Page *p = &g->pages[i];
        if (strcmp(p->team, team) != 0 || strcmp(p->state, "acked") == 0) continue;
        snprintf(p->state, sizeof p->state, "acked");
        if (k >= 0 && !scenario_team_played(g->sc, k))
            snprintf(p->by, sizeof p->by, "the scripted responder");
        else if (k >= 0 && k < FD_MAX_TEAMS)
            snprintf(p->by, sizeof p->by, "%s", g->acked_by[k]);
        page_changed(g, p);
    }
}

static void on_reply(void *ud, uint64_t cookie, bool ok, const char *text)
{
    Gameday *g = ud;
    int c = (int)(cookie >> 32) - 1;
    uint32_t seq = (uint32_t)cookie;
    if (c < 0 || c >= g->nclients || !g->clients[c].used || g->clients[c].gen != g->cmd_gen[seq % FD_CMD_RING])
        return;
    json_t *m = json_pack("{s:s, s:b, s:s, s:s}", "t", "reply", "ok", ok, "text", ok && !*text ? "done" : text,
                          "line", g->cmd_line[seq % FD_CMD_RING]);
    send_to(g, c, m);
    json_decref(m);
}

/* ---- metrics ---- */

static json_t *pool_json(const PoolStats *p, double secs, bool blind)
{
    if (blind) return json_null();
    double failed = 0;
    for (int c = 0; c < FAIL_NCAUSES; c++) failed += p->failed[c];
    double answered = p->ok + p->degraded + failed;
    int of = 0;
    for (int k = 0; k < INST_NSTATES; k++)
        if (k != INST_STOPPED) of += p->instances[k];
    json_t *o = json_object();
    json_object_set_new(o, "avail", answered > 0 ? json_real((p->ok + p->degraded) / answered) : json_null());
    json_object_set_new(o, "err", answered > 0 ? json_real(failed / answered) : json_real(0));
    SimTime q = p->latency.count ? hist_quantile(&p->latency, 0.99) : 0;
    json_object_set_new(o, "p99", json_real(fd_time_sec(q)));
    json_object_set_new(o, "rps", json_real(p->offered / secs));
    json_object_set_new(o, "up", json_integer(p->instances[INST_UP]));
    json_object_set_new(o, "of", json_integer(of));
    return o;
}

static void on_interval(void *ud, const ModelInterval *iv)
{
    Gameday *g = ud;
    metrics_csv_interval(&g->mc, iv);
    const Topo *t = iv->topo;
    double secs = fd_time_sec(iv->end - iv->start);
    if (!(secs > 0)) return;
    json_t *m = stamp(g, "metrics", iv->end);
    json_object_set_new(m, "interval", json_real(secs));
    json_t *svcs = json_object();
    /* A pool monitoring did not hear from this interval shows no data:
     * what a blind dashboard shows. */
    bool watch = t->monitoring >= 0;
    for (int s = 0; s < t->nservices; s++) {
        json_t *per = json_object();
        PoolStats all = { .service = s, .region = -1 };
        hist_clear(&all.latency);
        bool any = false, all_blind = true;
        for (int i = 0; i < iv->npools; i++) {
            const PoolStats *p = &iv->pools[i];
            if (p->service != s) continue;
            bool blind = watch && s != t->monitoring && p->telemetry == 0;
            /* An external service's pool has no region: "-", as in metrics.csv. */
            const char *rname = p->region >= 0 ? t->regions[p->region].name : "-";
            json_object_set_new(per, rname, pool_json(p, secs, blind));
            if (blind) continue;
            all_blind = false;
            any = true;
            all.offered += p->offered;
            all.ok += p->ok;
            all.degraded += p->degraded;
            for (int c = 0; c < FAIL_NCAUSES; c++) all.failed[c] += p->failed[c];
            for (int k = 0; k < INST_NSTATES; k++) all.instances[k] += p->instances[k];
            hist_merge(&all.latency, &p->latency);
        }
        json_object_set_new(per, "all", pool_json(&all, secs, !any && !all_blind ? false : all_blind));
        json_object_set_new(svcs, t->services[s].name, per);
    }
    json_object_set_new(m, "services", svcs);
    json_t *ents = json_object();
    for (int i = 0; i < iv->nsources; i++) {
        const SourceStats *ss = &iv->sources[i];
        double res = ss->intents_ok + ss->intents_degraded + ss->intents_failed;
        json_t *o = json_object();
        json_object_set_new(o, "avail", res > 0 ? json_real((ss->intents_ok + ss->intents_degraded) / res)
                                                : json_null());
        json_object_set_new(o, "rps", json_real(ss->attempts / secs));
        json_object_set_new(ents, t->sources[ss->source].name, o);
    }
    json_object_set_new(m, "entries", ents);
    keep(g->history, m, HISTORY_MAX);
    broadcast(g, m, false);
}

/* ---- the journal ---- */

static void journal(Gameday *g, json_t *line)
{
    if (!g->journal) { json_decref(line); return; }
    char *s = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(line);
    if (!s) return;
    fprintf(g->journal, "%s\n", s);
    fflush(g->journal);
    free(s);
}

static json_t *journal_line(Gameday *g, const char *type)
{
    SimTime t = scenario_now(g->sc);
    json_t *j = json_object();
    json_object_set_new(j, "t", json_string(type));
    json_object_set_new(j, "sim", json_real(fd_time_sec(t)));
    json_object_set_new(j, "ns", json_integer((json_int_t)t));
    return j;
}

/* ---- the end ---- */

static void finish(Gameday *g, const char *why)
{
    if (g->ended) return;
    g->ended = true;
    uv_timer_stop(&g->timer);
    json_t *j = journal_line(g, "end");
    json_object_set_new(j, "why", json_string(why));
    journal(g, j);
    int rc = scenario_finish(g->sc);
    bool ok = rc == 0;
    if (ok) {
        int e = outputs_write(&g->res, scenario_topo(g->sc), g->out, &g->mc);
        if (e < 0) {
            fprintf(stderr, "firedrill gameday: cannot write to %s: %s\n", g->out, strerror(-e));
            ok = false;
        }
    } else {
        metrics_csv_abort(&g->mc);
        diag_list_print(g->dl, stderr);
    }
    if (g->journal) fclose(g->journal);
    g->journal = NULL;
    json_t *m = stamp(g, "end", scenario_now(g->sc));
    char sp[4096], rp[4096];
    snprintf(sp, sizeof sp, "%s/summary.json", g->out);
    snprintf(rp, sizeof rp, "%s/report.html", g->out);
    json_t *sum = ok ? json_load_file(sp, 0, NULL) : NULL;
    json_object_set_new(m, "summary", sum ? sum : json_null());
    json_object_set_new(m, "report", json_string(rp));
    broadcast(g, m, false);
    broadcast(g, tick_msg(g), false);
    if (g->o.ended) g->o.ended(g->o.ud, ok);
}

/* ---- the clock ---- */

static SimTime due_now(const Gameday *g)
{
    double w = (double)(uv_hrtime() - g->anchor_wall) / 1e9;
    return g->anchor_sim + fd_time_from_sec(w * g->speed);
}

/* The half millisecond at or below t, and above the current time. */
static SimTime slice_end(SimTime now, SimTime t)
{
    SimTime ms = 1000000;
    SimTime e = (t / ms) * ms + ms / 2;
    if (e > t) e -= ms;
    return e > now ? e : now;
}

static void reanchor(Gameday *g)
{
    g->anchor_wall = uv_hrtime();
    g->anchor_sim = scenario_now(g->sc);
}

/* Runs the scenario to t. False when the run ended or failed. */
static bool advance(Gameday *g, SimTime t)
{
    if (t <= scenario_now(g->sc)) return true;
    int rc = scenario_advance(g->sc, t);
    if (rc == 1) { finish(g, "time"); return false; }
    if (rc < 0) {
        fprintf(stderr, "firedrill gameday: the run stopped:\n");
        finish(g, "error");
        return false;
    }
    return true;
}

static void on_tick(uv_timer_t *t)
{
    Gameday *g = t->data;
    if (g->ended) return;
    if (g->skipping) {
        uint64_t start = uv_hrtime();
        g->seen_public = false;
        while (!g->seen_public && uv_hrtime() - start < SKIP_BUDGET_NS) {
            SimTime now = scenario_now(g->sc);
            if (!advance(g, slice_end(now, now + SKIP_STEP))) return;
            if (scenario_now(g->sc) >= g->skip_until) break;
        }
        if (g->seen_public || scenario_now(g->sc) >= g->skip_until) {
            g->skipping = false;
            reanchor(g);
            broadcast(g, tick_msg(g), false);
        }
    } else if (!g->paused) {
        /* In steps, for at most SLICE_BUDGET_NS of wall time per tick, so
         * the loop keeps answering when the model cannot keep up with the
         * speed; a run that falls more than BEHIND_MAX_S behind gives up
         * catching up (the clock then shows the speed it really reaches). */
        uint64_t start = uv_hrtime();
        SimTime due = due_now(g);
        while (scenario_now(g->sc) < slice_end(scenario_now(g->sc), due) &&
               uv_hrtime() - start < SLICE_BUDGET_NS) {
            SimTime now = scenario_now(g->sc);
            if (!advance(g, slice_end(now, due < now + SLICE_STEP ? due : now + SLICE_STEP))) return;
        }
        if (due - scenario_now(g->sc) > fd_time_from_sec(g->speed * BEHIND_MAX_S)) {
            g->behind++;
            reanchor(g);
        }
    }
    uint64_t w = uv_hrtime();
    if (w - g->last_tick_sent >= (uint64_t)TICK_EVERY_MS * 1000000) {
        g->last_tick_sent = w;
        broadcast(g, tick_msg(g), false);
    }
}

/* ---- hub: clients ---- */

static json_t *welcome_msg(Gameday *g, int c)
{
    Scenario *sc = g->sc;
    const Topo *t = scenario_topo(sc);
    bool fac = g->clients[c].facilitator;
    json_t *m = json_object();
    json_object_set_new(m, "t", json_string("welcome"));
    json_object_set_new(m, "you", json_pack("{s:i, s:b}", "id", c, "facilitator", fac));
    char start[64] = "";
    if (g->res.wall_start) {
        time_t ws = (time_t)(g->res.wall_start + (int64_t)g->res.tz_minutes * 60);
        struct tm tm;
        gmtime_r(&ws, &tm);
        int off = g->res.tz_minutes;
        snprintf(start, sizeof start, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, off < 0 ? '-' : '+',
                 abs(off) / 60, abs(off) % 60);
    }
    json_object_set_new(m, "scenario", json_pack("{s:s, s:s, s:f, s:I}", "name", scenario_name(sc) ? scenario_name(sc) : "",
                                                 "start", start, "duration",
                                                 fd_time_sec(scenario_duration(sc)), "seed",
                                                 (json_int_t)g->o.seed));
    json_t *teams = json_array();
    for (int i = 0; i < scenario_nteams(sc); i++)
        json_array_append_new(teams, json_pack("{s:s, s:b, s:i}", "name", scenario_team(sc, i), "played",
                                               scenario_team_played(sc, i), "oncall",
                                               scenario_team_oncall(sc, i)));
    json_object_set_new(m, "teams", teams);
    json_t *svcs = json_array(), *regions = json_array(), *entries = json_array();
    json_t *nodes = json_array(), *edges = json_array();
    for (int i = 0; i < t->nsources; i++) {
        json_array_append_new(entries, json_string(t->sources[i].name));
        json_array_append_new(nodes, json_pack("{s:s, s:s}", "id", t->sources[i].name, "kind", "entry"));
        json_array_append_new(edges, json_pack("{s:s, s:s}", "from", t->sources[i].name, "to",
                                               t->services[t->sources[i].entry].name));
    }
    for (int i = 0; i < t->nservices; i++) {
        const TopoService *ts = &t->services[i];
        json_array_append_new(svcs, json_string(ts->name));
        json_array_append_new(nodes, json_pack("{s:s, s:s}", "id", ts->name, "kind", "service"));
        for (int k = 0; k < ts->ncalls; k++) {
            const char *to = t->services[ts->calls[k].target].name;
            bool dup = false;
            for (int j = 0; j < k; j++) dup = dup || ts->calls[j].target == ts->calls[k].target;
            if (!dup) json_array_append_new(edges, json_pack("{s:s, s:s}", "from", ts->name, "to", to));
        }
        for (int k = 0; k < ts->nconfigs; k++)
            json_array_append_new(edges, json_pack("{s:s, s:s}", "from", ts->name, "to",
                                                   t->configs[ts->configs[k]].name));
        if (ts->runs_on >= 0)
            json_array_append_new(edges, json_pack("{s:s, s:s, s:s}", "from", ts->name, "to",
                                                   t->services[ts->runs_on].name, "kind", "runs_on"));
    }
    for (int i = 0; i < t->nconfigs; i++)
        json_array_append_new(nodes, json_pack("{s:s, s:s}", "id", t->configs[i].name, "kind", "config"));
    for (int i = 0; i < t->nregions; i++) json_array_append_new(regions, json_string(t->regions[i].name));
    json_object_set_new(m, "services", svcs);
    json_object_set_new(m, "regions", regions);
    json_object_set_new(m, "entries", entries);
    json_object_set_new(m, "graph", json_pack("{s:o, s:o}", "nodes", nodes, "edges", edges));
    size_t nv;
    const CmdVerb *v = cmd_verbs(&nv);
    json_t *verbs = json_array();
    for (size_t i = 0; i < nv; i++)
        json_array_append_new(verbs, json_pack("{s:s, s:s, s:s}", "verb", v[i].verb, "usage", v[i].usage,
                                               "help", v[i].help));
    json_object_set_new(m, "verbs", verbs);
    json_t *inj = json_array(), *hints = json_array();
    if (fac) {
        for (int i = 0; i < scenario_ninjects(sc); i++)
            json_array_append_new(inj, json_pack("{s:s, s:s, s:b}", "name", scenario_inject_name(sc, i), "what",
                                                 scenario_inject_what(sc, i), "fired",
                                                 scenario_inject_fired(sc, i)));
        for (int i = 0; i < scenario_nhints(sc); i++) json_array_append_new(hints, json_string(scenario_hint(sc, i)));
    }
    json_object_set_new(m, "injects", inj);
    json_object_set_new(m, "hints", hints);
    json_object_set(m, "history", g->history);
    json_object_set(m, "timeline", g->timeline_log);
    json_t *alerts = json_array();
    for (int i = 0; i < scenario_nalerts(sc); i++)
        if (scenario_alert_is_firing(sc, i)) json_array_append_new(alerts, alert_msg(g, i, scenario_now(sc)));
    json_object_set_new(m, "alerts", alerts);
    json_t *pages = json_array();
    for (int i = 0; i < g->npages; i++) json_array_append_new(pages, page_msg(g, &g->pages[i]));
    json_object_set_new(m, "pages", pages);
    json_object_set(m, "status", g->status_log);
    json_t *players = json_array();
    for (int i = 0; i < g->nclients; i++)
        if (g->clients[i].used && g->clients[i].name[0])
            json_array_append_new(players, json_pack("{s:s, s:i, s:s, s:o, s:b}", "t", "player", "id", i, "name",
                                                     g->clients[i].name, "team",
                                                     g->clients[i].team[0] ? json_string(g->clients[i].team)
                                                                           : json_null(),
                                                     "joined", 1));
    json_object_set_new(m, "players", players);
    json_object_set_new(m, "state", tick_msg(g));
    return m;
}

static int hub_join_impl(Gameday *g, bool facilitator, HubSendFn send, void *ud)
{
    int c = -1;
    for (int i = 0; i < g->nclients; i++)
        if (!g->clients[i].used) { c = i; break; }
    if (c < 0) {
        if (g->nclients == MAX_CLIENTS) return -1;
        c = g->nclients++;
    }
    Client *cl = &g->clients[c];
    uint32_t gen = cl->gen + 1;
    *cl = (Client){ .used = true, .facilitator = facilitator, .send = send, .ud = ud, .gen = gen };
    json_t *w = welcome_msg(g, c);
    send_to(g, c, w);
    json_decref(w);
    return c;
}

static void reply(Gameday *g, int c, bool ok, const char *line, const char *text)
{
    json_t *m = json_pack("{s:s, s:b, s:s, s:s}", "t", "reply", "ok", ok, "text", text, "line", line ? line : "");
    send_to(g, c, m);
    json_decref(m);
}

static int team_index(Gameday *g, const char *name)
{
    for (int i = 0; i < scenario_nteams(g->sc); i++)
        if (strcmp(scenario_team(g->sc, i), name) == 0) return i;
    return -1;
}

static void hello(Gameday *g, int c, json_t *msg)
{
    Client *cl = &g->clients[c];
    const char *name = json_string_value(json_object_get(msg, "name"));
    json_t *jt = json_object_get(msg, "team");
    const char *team = json_string_value(jt);
    if (!name || !*name || strlen(name) >= sizeof cl->name) {
        reply(g, c, false, NULL, "hello: give a name (up to 40 characters)");
        return;
    }
    for (const char *p = name; *p; p++)
        if ((unsigned char)*p < 0x20) { reply(g, c, false, NULL, "hello: the name has control characters"); return; }
    if (team) {
        int k = team_index(g, team);
        if (k < 0 || !scenario_team_played(g->sc, k)) {
            reply(g, c, false, NULL, "hello: that team is not played by people in this drill");
            return;
        }
    } else if (!cl->facilitator) {
        reply(g, c, false, NULL, "hello: choose a team");
        return;
    }
    snprintf(cl->name, sizeof cl->name, "%s", name);
    snprintf(cl->team, sizeof cl->team, "%s", team ? team : "");
    json_t *j = journal_line(g, "join");
    json_object_set_new(j, "player", json_string(cl->name));
    json_object_set_new(j, "team", team ? json_string(team) : json_null());
    journal(g, j);
    broadcast(g, json_pack("{s:s, s:i, s:s, s:o, s:b}", "t", "player", "id", c, "name", cl->name, "team",
                           team ? json_string(team) : json_null(), "joined", 1), false);
}

/* Runs a command: what the journal keeps and what replays call. */
int gameday_run_command(Scenario *sc, const char *player, const char *team, const char *line,
                        const char *lua, uint64_t cookie, char *err, size_t errsize)
{
    char who[600];
    snprintf(who, sizeof who, "%s (%s): %s", player, team, line);
    return scenario_live_command(sc, lua, who, cookie, err, errsize);
}

static void command(Gameday *g, int c, const char *line)
{
    Client *cl = &g->clients[c];
    if (!cl->name[0]) { reply(g, c, false, line, "say hello first: your name and team"); return; }
    if (!cl->team[0]) { reply(g, c, false, line, "a facilitator without a team cannot act; join a team"); return; }
    if (g->ended) { reply(g, c, false, line, "the drill is over"); return; }
    if (strlen(line) > 400) { reply(g, c, false, line, "the command is too long"); return; }
    const char *teams[FD_MAX_TEAMS];
    int nt = scenario_nteams(g->sc) < FD_MAX_TEAMS ? scenario_nteams(g->sc) : FD_MAX_TEAMS;
    for (int i = 0; i < nt; i++) teams[i] = scenario_team(g->sc, i);
    CmdNames nm = { scenario_topo(g->sc), teams, nt };
    char lua[4096], err[512];
    int rc = cmd_translate(&nm, cl->team, line, lua, sizeof lua, err, sizeof err);
    if (rc == 1) { reply(g, c, true, line, lua); return; }
    if (rc < 0) { reply(g, c, false, line, err); return; }
    /* Who acknowledges, for the page's `by`. */
    if (strncmp(line, "ack", 3) == 0) {
        int k = team_index(g, cl->team);
        if (k >= 0 && k < FD_MAX_TEAMS) {
            /* memcpy, not snprintf: both lie in *g, which -Wrestrict cannot tell apart. */
            size_t n = strnlen(cl->name, sizeof g->acked_by[k] - 1);
            memcpy(g->acked_by[k], cl->name, n);
            g->acked_by[k][n] = '\0';
        }
    }
    uint32_t seq = ++g->cmd_seq;
    snprintf(g->cmd_line[seq % FD_CMD_RING], sizeof g->cmd_line[0], "%s", line);
    g->cmd_gen[seq % FD_CMD_RING] = cl->gen;
    uint64_t cookie = ((uint64_t)(c + 1) << 32) | seq;
    char who[64];
    snprintf(who, sizeof who, "%s (%s)", cl->name, cl->team);
    json_t *tl = stamp(g, "timeline", scenario_now(g->sc));
    json_object_set_new(tl, "kind", json_string("command"));
    json_object_set_new(tl, "who", json_string(who));
    json_object_set_new(tl, "text", json_string(line));
    keep(g->timeline_log, tl, 5000);
    broadcast(g, tl, false);
    json_t *j = journal_line(g, "cmd");
    json_object_set_new(j, "player", json_string(cl->name));
    json_object_set_new(j, "team", json_string(cl->team));
    json_object_set_new(j, "line", json_string(line));
    json_object_set_new(j, "lua", json_string(lua));
    g->swallow_note = true;
    rc = gameday_run_command(g->sc, cl->name, cl->team, line, lua, cookie, err, sizeof err);
    g->swallow_note = false;
    json_object_set_new(j, "ok", json_boolean(rc == 0));
    journal(g, j);
    if (rc < 0) reply(g, c, false, line, err);
}

static void complete(Gameday *g, int c, const char *line)
{
    const char *teams[FD_MAX_TEAMS];
    int nt = scenario_nteams(g->sc) < FD_MAX_TEAMS ? scenario_nteams(g->sc) : FD_MAX_TEAMS;
    for (int i = 0; i < nt; i++) teams[i] = scenario_team(g->sc, i);
    CmdNames nm = { scenario_topo(g->sc), teams, nt };
    char *items[200];
    int n = cmd_complete(&nm, line, items, 200);
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) {
        json_array_append_new(arr, json_string(items[i]));
        free(items[i]);
    }
    json_t *m = json_pack("{s:s, s:s, s:o}", "t", "completions", "line", line, "items", arr);
    send_to(g, c, m);
    json_decref(m);
}

static void control(Gameday *g, int c, json_t *msg)
{
    Client *cl = &g->clients[c];
    const char *op = json_string_value(json_object_get(msg, "op"));
    json_t *val = json_object_get(msg, "value");
    if (!cl->facilitator) { reply(g, c, false, op, "only the facilitator controls the drill"); return; }
    if (!op) { reply(g, c, false, NULL, "control: op is required"); return; }
    if (g->ended && strcmp(op, "hint") != 0) { reply(g, c, false, op, "the drill is over"); return; }
    char text[600] = "";
    json_t *j = journal_line(g, "control");
    json_object_set_new(j, "player", json_string(cl->name[0] ? cl->name : "facilitator"));
    json_object_set_new(j, "op", json_string(op));
    if (strcmp(op, "pause") == 0) {
        g->paused = true;
        g->skipping = false;
        snprintf(text, sizeof text, "the facilitator paused the drill");
    } else if (strcmp(op, "resume") == 0) {
        g->paused = false;
        reanchor(g);
        snprintf(text, sizeof text, "the facilitator resumed the drill");
    } else if (strcmp(op, "speed") == 0) {
        double v = json_is_number(val) ? json_number_value(val)
                 : json_is_string(val) ? atof(json_string_value(val)) : 0;
        if (!(v >= 0.1 && v <= 100000)) {
            json_decref(j);
            reply(g, c, false, op, "speed: a number of simulated seconds per wall second, 0.1 to 100000");
            return;
        }
        reanchor(g);
        g->speed = v;
        json_object_set_new(j, "value", json_real(v));
        snprintf(text, sizeof text, "speed set to %gx", v);
    } else if (strcmp(op, "skip") == 0) {
        g->skipping = true;
        g->skip_until = scenario_now(g->sc) + 60 * FD_MIN;
        snprintf(text, sizeof text, "skipping to the next event");
    } else if (strcmp(op, "inject") == 0) {
        const char *name = json_string_value(val);
        if (!name || scenario_fire_inject(g->sc, name) < 0) {
            json_decref(j);
            reply(g, c, false, op, "inject: the scenario declares no inject by that name");
            return;
        }
        json_object_set_new(j, "value", json_string(name));
        snprintf(text, sizeof text, "inject fired: %s", name);
    } else if (strcmp(op, "hint") == 0) {
        const char *h = NULL;
        if (json_is_integer(val) && json_integer_value(val) >= 0 &&
            json_integer_value(val) < scenario_nhints(g->sc))
            h = scenario_hint(g->sc, (int)json_integer_value(val));
        else if (json_is_string(val)) h = json_string_value(val);
        if (!h || !*h) {
            json_decref(j);
            reply(g, c, false, op, "hint: give a hint's index or its text");
            return;
        }
        json_object_set_new(j, "value", json_string(h));
        journal(g, j);
        json_t *tl = stamp(g, "timeline", scenario_now(g->sc));
        json_object_set_new(tl, "kind", json_string("hint"));
        json_object_set_new(tl, "who", json_string("facilitator"));
        json_object_set_new(tl, "text", json_string(h));
        keep(g->timeline_log, tl, 5000);
        broadcast(g, tl, false);
        return;
    } else if (strcmp(op, "end") == 0) {
        json_decref(j);
        finish(g, "facilitator");
        return;
    } else {
        json_decref(j);
        reply(g, c, false, op, "control: op is pause, resume, speed, skip, inject, hint or end");
        return;
    }
    journal(g, j);
    json_t *tl = stamp(g, "timeline", scenario_now(g->sc));
    json_object_set_new(tl, "kind", json_string(strcmp(op, "inject") == 0 ? "inject" : "note"));
    json_object_set_new(tl, "who", json_string("facilitator"));
    json_object_set_new(tl, "text", json_string(text));
    if (strcmp(op, "inject") == 0) {
        broadcast(g, tl, true);     /* players see the inject's effects, not its name */
    } else {
        keep(g->timeline_log, tl, 5000);
        broadcast(g, tl, false);
    }
    broadcast(g, tick_msg(g), false);
}

static void hub_message_impl(Gameday *g, int c, const char *msg, size_t len)
{
    if (c < 0 || c >= g->nclients || !g->clients[c].used) return;
    json_error_t je;
    json_t *m = json_loadb(msg, len, JSON_REJECT_DUPLICATES, &je);
    const char *t = m ? json_string_value(json_object_get(m, "t")) : NULL;
    if (!t) {
        reply(g, c, false, NULL, "expected a JSON object with a \"t\" field");
    } else if (strcmp(t, "hello") == 0) {
        hello(g, c, m);
    } else if (strcmp(t, "cmd") == 0 || strcmp(t, "complete") == 0) {
        const char *line = json_string_value(json_object_get(m, "line"));
        if (!line) reply(g, c, false, NULL, "expected \"line\"");
        else if (t[1] == 'm') command(g, c, line);
        else complete(g, c, line);
    } else if (strcmp(t, "control") == 0) {
        control(g, c, m);
    } else {
        reply(g, c, false, NULL, "unknown message type");
    }
    json_decref(m);
}

static void hub_leave_impl(Gameday *g, int c)
{
    if (c < 0 || c >= g->nclients || !g->clients[c].used) return;
    Client *cl = &g->clients[c];
    if (cl->name[0])
        broadcast(g, json_pack("{s:s, s:i, s:s, s:o, s:b}", "t", "player", "id", c, "name", cl->name, "team",
                               cl->team[0] ? json_string(cl->team) : json_null(), "joined", 0), false);
    cl->used = false;
    cl->name[0] = 0;
}

/* The Hub is the Gameday: hub.h's functions take it back. */
int hub_join(Hub *h, bool facilitator, HubSendFn send, void *ud)
{
    return hub_join_impl((Gameday *)h, facilitator, send, ud);
}
void hub_message(Hub *h, int client, const char *msg, size_t len)
{
    hub_message_impl((Gameday *)h, client, msg, len);
}
void hub_leave(Hub *h, int client) { hub_leave_impl((Gameday *)h, client); }
Hub *gameday_hub(Gameday *g) { return (Hub *)g; }

/* ---- open and close ---- */

int gameday_open(Gameday **out, uv_loop_t *loop, const GamedayOptions *o, DiagList *dl)
{
    *out = NULL;
    Gameday *g = calloc(1, sizeof *g);
    if (!g) return -3;
    g->o = *o;
    g->dl = dl;
    g->speed = o->speed > 0 ? o->speed : 9;
    g->paused = o->paused;
    g->out = o->out;
    g->history = json_array();
    g->timeline_log = json_array();
    g->alerts_log = json_array();
    g->status_log = json_array();
    result_init(&g->res);
    *out = g;
    int e = fd_mkdir_p(o->out);
    char path[4096];
    snprintf(path, sizeof path, "%s/metrics.csv", o->out);
    if (e == 0) e = metrics_csv_open(&g->mc, path);
    snprintf(path, sizeof path, "%s/session.jsonl", o->out);
    if (e == 0 && !(g->journal = fopen(path, "w"))) e = -errno;
    if (e < 0) {
        FdLoc loc = { diag_intern(dl, o->out), 0, 0 };
        diag_error(dl, loc, "cannot write the session here: %s", strerror(-e));
        return -2;
    }
    /* The scenario by its real path: what the journal names, so that a
     * replay from anywhere writes the same summary. */
    char realp[4096];
    if (!realpath(o->path, realp)) snprintf(realp, sizeof realp, "%s", o->path);
    static const char *const every[] = { "*" };
    g->live = (ScenarioLive){ .ud = g, .event = on_event, .page = on_page, .engaged = on_engaged,
                              .reply = on_reply };
    ScenarioOptions so = { .path = realp, .seed = o->seed, .params = o->params, .nparams = o->nparams,
                           .on_interval = on_interval, .ud = g,
                           .play = o->play ? o->play : every, .nplay = o->play ? o->nplay : 1,
                           .live = &g->live };
    int rc = scenario_open(&g->sc, &so, &g->res, dl);
    if (rc < 0) return rc;
    /* By default a drill takes about 20 minutes of wall time. */
    if (!(o->speed > 0)) {
        g->speed = fd_time_sec(scenario_duration(g->sc)) / 1200;
        if (g->speed < 1) g->speed = 1;
    }
    /* The journal's head: what a replay needs to run the same session. */
    json_t *head = json_object();
    json_object_set_new(head, "t", json_string("session"));
    json_object_set_new(head, "version", json_integer(1));
    json_object_set_new(head, "scenario", json_string(realp));
    json_object_set_new(head, "seed", json_integer((json_int_t)o->seed));
    json_t *params = json_array();
    for (int i = 0; i < o->nparams; i++) json_array_append_new(params, json_string(o->params[i]));
    json_object_set_new(head, "params", params);
    json_t *play = json_array();
    for (int i = 0; i < scenario_nteams(g->sc); i++)
        if (scenario_team_played(g->sc, i)) json_array_append_new(play, json_string(scenario_team(g->sc, i)));
    json_object_set_new(head, "play", play);
    char dig[32], sha[65] = "";
    snprintf(dig, sizeof dig, "%016llx", (unsigned long long)g->res.inputs);
    if (fd_sha256_file(o->path, sha) < 0) sha[0] = 0;
    json_object_set_new(head, "digests", json_pack("{s:s, s:s}", "scenario", sha, "inputs", dig));
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char started[32];
    strftime(started, sizeof started, "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_object_set_new(head, "started", json_string(started));
    json_object_set_new(head, "speed", json_real(g->speed));
    journal(g, head);
    g->loop = loop;
    uv_timer_init(loop, &g->timer);
    g->timer.data = g;
    g->wall0 = uv_hrtime();
    reanchor(g);
    uv_timer_start(&g->timer, on_tick, TICK_MS, TICK_MS);
    return 0;
}

void gameday_end(Gameday *g, const char *why) { finish(g, why); }

void gameday_notice(Gameday *g, const char *text)
{
    json_t *tl = stamp(g, "timeline", scenario_now(g->sc));
    json_object_set_new(tl, "kind", json_string("note"));
    json_object_set_new(tl, "who", json_string("firedrill"));
    json_object_set_new(tl, "text", json_string(text));
    keep(g->timeline_log, tl, 5000);
    broadcast(g, tl, false);
}

void gameday_stop_timer(Gameday *g)
{
    if (g && g->loop && !uv_is_closing((uv_handle_t *)&g->timer)) {
        uv_timer_stop(&g->timer);
        uv_close((uv_handle_t *)&g->timer, NULL);
    }
}

void gameday_close(Gameday *g)
{
    if (!g) return;
    if (g->journal) fclose(g->journal);
    if (!g->ended) metrics_csv_abort(&g->mc);
    scenario_close(g->sc);
    result_free(&g->res);
    json_decref(g->history);
    json_decref(g->timeline_log);
    json_decref(g->alerts_log);
    json_decref(g->status_log);
    free(g->pages);
    free(g);
}

double gameday_sim_seconds(const Gameday *g) { return fd_time_sec(scenario_now(g->sc)); }
bool gameday_ended(const Gameday *g) { return g->ended; }

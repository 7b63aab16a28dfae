/*
 * gameday_feed.c: what the people of a live run are sent (gameday.h).
 *
 * The scenario's live hooks (ScenarioLive) and its metrics intervals
 * become messages to every client: alerts, pages, the public timeline,
 * status posts, metrics, replies to commands. What late joiners need is
 * kept in the Gameday's logs, trimmed to a bound; the welcome sends them.
 *
 * Messages: built with jansson, one object per message, sent compact.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hist.h"
#include "live/gameday_internal.h"
#include "model/resp.h"

#define HISTORY_MAX 2000           /* metrics messages kept for late joiners */

/* ---- sending ---- */

void gameday_send_to(Gameday *g, int c, json_t *msg)
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
void gameday_broadcast(Gameday *g, json_t *msg, bool fac_only)
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

void gameday_keep(json_t *list, json_t *msg, size_t max)
{
    json_array_append(list, msg);
    if (json_array_size(list) > max) json_array_remove(list, 0);
}

/* "15:23:10" for simulated time t. */
static void clock_of(const Gameday *g, SimTime t, char *buf, size_t n)
{
    result_clock(&g->res, t, true, buf, n);
}

json_t *gameday_stamp(const Gameday *g, const char *type, SimTime t)
{
    char clock[16];
    clock_of(g, t, clock, sizeof clock);
    return json_pack("{s:s, s:f, s:s}", "t", type, "sim", fd_time_sec(t), "clock", clock);
}

json_t *gameday_timeline_msg(const Gameday *g, SimTime t, const char *kind, const char *who,
                             const char *text)
{
    json_t *m = gameday_stamp(g, "timeline", t);
    json_object_set_new(m, "kind", json_string(kind));
    json_object_set_new(m, "who", who ? json_string(who) : json_null());
    json_object_set_new(m, "text", json_string(text));
    return m;
}

void gameday_timeline(Gameday *g, SimTime t, const char *kind, const char *who, const char *text)
{
    json_t *m = gameday_timeline_msg(g, t, kind, who, text);
    gameday_keep(g->timeline_log, m, 5000);
    gameday_broadcast(g, m, false);
}

static double wall_now(const Gameday *g) { return (double)(uv_hrtime() - g->wall0) / 1e9; }

json_t *gameday_tick_msg(Gameday *g)
{
    json_t *m = gameday_stamp(g, "tick", scenario_now(g->sc));
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

json_t *gameday_alert_msg(Gameday *g, int a, SimTime t)
{
    json_t *m = gameday_stamp(g, "alert", t);
    json_object_set_new(m, "name", json_string(scenario_alert_name(g->sc, a)));
    json_object_set_new(m, "firing", json_boolean(scenario_alert_is_firing(g->sc, a)));
    json_object_set_new(m, "what", json_string(scenario_alert_what(g->sc, a)));
    return m;
}

void gameday_on_event(void *ud, const RunEvent *e)
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
            json_t *m = gameday_alert_msg(g, a, e->t);
            json_object_set_new(m, "firing", json_boolean(e->kind == RE_ALERT));
            json_array_append(g->alerts_log, m);
            gameday_broadcast(g, m, false);
        }
    }
    /* Only the notices that went out are on the page; a failed post and
     * the page going down are in the timeline. */
    if (e->kind == RE_STATUS && strncmp(e->text, "status page: ", 13) == 0) {
        const char *text = e->text + 13;
        json_t *m = gameday_stamp(g, "status", e->t);
        const char *state = scenario_status_state(g->sc);
        json_object_set_new(m, "state", json_string(state ? state : "investigating"));
        json_object_set_new(m, "text", json_string(text));
        gameday_keep(g->status_log, m, 500);
        gameday_broadcast(g, m, false);
    }
    gameday_timeline(g, e->t, timeline_kind(e->kind),
                     e->kind == RE_INCIDENT ? e->subject : NULL, e->text);
}

static Page *find_open_page(Gameday *g, const char *team)
{
    for (int i = g->npages - 1; i >= 0; i--)
        if (strcmp(g->pages[i].team, team) == 0 && strcmp(g->pages[i].state, "open") == 0)
            return &g->pages[i];
    return NULL;
}

json_t *gameday_page_msg(Gameday *g, const Page *p)
{
    json_t *m = gameday_stamp(g, "page", p->t);
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
    gameday_broadcast(g, gameday_page_msg(g, p), false);
}

void gameday_on_page(void *ud, const char *team, int state, const char *from, const char *why)
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

void gameday_on_engaged(void *ud, const char *team)
{
    Gameday *g = ud;
    int k = gameday_team_index(g, team);
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

void gameday_on_reply(void *ud, uint64_t cookie, bool ok, const char *text)
{
    Gameday *g = ud;
    int c = (int)(cookie >> 32) - 1;
    uint32_t seq = (uint32_t)cookie;
    if (c < 0 || c >= g->nclients || !g->clients[c].used || g->clients[c].gen != g->cmd_gen[seq % FD_CMD_RING])
        return;
    json_t *m = json_pack("{s:s, s:b, s:s, s:s}", "t", "reply", "ok", ok, "text", ok && !*text ? "done" : text,
                          "line", g->cmd_line[seq % FD_CMD_RING]);
    gameday_send_to(g, c, m);
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

void gameday_on_interval(void *ud, const ModelInterval *iv)
{
    Gameday *g = ud;
    metrics_csv_interval(&g->mc, iv);
    const Topo *t = iv->topo;
    double secs = fd_time_sec(iv->end - iv->start);
    if (!(secs > 0)) return;
    json_t *m = gameday_stamp(g, "metrics", iv->end);
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
    gameday_keep(g->history, m, HISTORY_MAX);
    gameday_broadcast(g, m, false);
}

void gameday_notice(Gameday *g, const char *text)
{
    gameday_timeline(g, scenario_now(g->sc), "note", "firedrill", text);
}

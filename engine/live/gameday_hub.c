/*
 * gameday_hub.c: the live run's clients, through hub.h.
 *
 * A client joins and gets the welcome (the drill, its graph, the verbs,
 * and what happened so far), says hello with a name and a team, then
 * sends commands, asks for completions, and, as a facilitator, controls
 * the clock. Every command and control that takes effect goes to the
 * journal (gameday_journal.c). The Hub is the Gameday itself.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "live/command.h"
#include "live/gameday_internal.h"

#define MAX_CLIENTS 64

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
        if (scenario_alert_is_firing(sc, i)) json_array_append_new(alerts, gameday_alert_msg(g, i, scenario_now(sc)));
    json_object_set_new(m, "alerts", alerts);
    json_t *pages = json_array();
    for (int i = 0; i < g->npages; i++) json_array_append_new(pages, gameday_page_msg(g, &g->pages[i]));
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
    json_object_set_new(m, "state", gameday_tick_msg(g));
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
    gameday_send_to(g, c, w);
    json_decref(w);
    return c;
}

static void reply(Gameday *g, int c, bool ok, const char *line, const char *text)
{
    json_t *m = json_pack("{s:s, s:b, s:s, s:s}", "t", "reply", "ok", ok, "text", text, "line", line ? line : "");
    gameday_send_to(g, c, m);
    json_decref(m);
}

int gameday_team_index(const Gameday *g, const char *name)
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
        int k = gameday_team_index(g, team);
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
    json_t *j = gameday_journal_line(g, "join");
    json_object_set_new(j, "player", json_string(cl->name));
    json_object_set_new(j, "team", team ? json_string(team) : json_null());
    gameday_journal(g, j);
    gameday_broadcast(g, json_pack("{s:s, s:i, s:s, s:o, s:b}", "t", "player", "id", c, "name", cl->name, "team",
                           team ? json_string(team) : json_null(), "joined", 1), false);
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
        int k = gameday_team_index(g, cl->team);
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
    char who[sizeof cl->name + sizeof cl->team + 3];   /* "name (team)": never cut */
    snprintf(who, sizeof who, "%s (%s)", cl->name, cl->team);
    gameday_timeline(g, scenario_now(g->sc), "command", who, line);
    json_t *j = gameday_journal_line(g, "cmd");
    json_object_set_new(j, "player", json_string(cl->name));
    json_object_set_new(j, "team", json_string(cl->team));
    json_object_set_new(j, "line", json_string(line));
    json_object_set_new(j, "lua", json_string(lua));
    g->swallow_note = true;
    rc = gameday_run_command(g->sc, cl->name, cl->team, line, lua, cookie, err, sizeof err);
    g->swallow_note = false;
    json_object_set_new(j, "ok", json_boolean(rc == 0));
    gameday_journal(g, j);
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
    gameday_send_to(g, c, m);
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
    json_t *j = gameday_journal_line(g, "control");
    json_object_set_new(j, "player", json_string(cl->name[0] ? cl->name : "facilitator"));
    json_object_set_new(j, "op", json_string(op));
    if (strcmp(op, "pause") == 0) {
        g->paused = true;
        g->skipping = false;
        snprintf(text, sizeof text, "the facilitator paused the drill");
    } else if (strcmp(op, "resume") == 0) {
        g->paused = false;
        gameday_reanchor(g);
        snprintf(text, sizeof text, "the facilitator resumed the drill");
    } else if (strcmp(op, "speed") == 0) {
        double v = json_is_number(val) ? json_number_value(val)
                 : json_is_string(val) ? atof(json_string_value(val)) : 0;
        if (!(v >= 0.1 && v <= 100000)) {
            json_decref(j);
            reply(g, c, false, op, "speed: a number of simulated seconds per wall second, 0.1 to 100000");
            return;
        }
        gameday_reanchor(g);
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
        gameday_journal(g, j);
        gameday_timeline(g, scenario_now(g->sc), "hint", "facilitator", h);
        return;
    } else if (strcmp(op, "end") == 0) {
        json_decref(j);
        gameday_end(g, "facilitator");
        return;
    } else {
        json_decref(j);
        reply(g, c, false, op, "control: op is pause, resume, speed, skip, inject, hint or end");
        return;
    }
    gameday_journal(g, j);
    if (strcmp(op, "inject") == 0)     /* players see the inject's effects, not its name */
        gameday_broadcast(g, gameday_timeline_msg(g, scenario_now(g->sc), "inject", "facilitator",
                                                  text), true);
    else
        gameday_timeline(g, scenario_now(g->sc), "note", "facilitator", text);
    gameday_broadcast(g, gameday_tick_msg(g), false);
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
        gameday_broadcast(g, json_pack("{s:s, s:i, s:s, s:o, s:b}", "t", "player", "id", c, "name", cl->name, "team",
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

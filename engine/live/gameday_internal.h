/*
 * gameday_internal.h: the Gameday's state, shared by the live run's files
 * and gameday_replay.c (the replay and the playbook export).
 *
 *   gameday.c          open, the paced clock, the end, close
 *   gameday_feed.c     what people are sent: the scenario's hooks, metrics
 *   gameday_hub.c      what people send: join, hello, commands, controls
 *   gameday_journal.c  the session journal
 */
#ifndef FD_GAMEDAY_INTERNAL_H
#define FD_GAMEDAY_INTERNAL_H

#include <jansson.h>
#include <stdio.h>
#include "live/gameday.h"
#include "report/metrics_csv.h"
#include "model/result.h"
#include "script/scenario.h"

#define FD_MAX_TEAMS 64
#define FD_CMD_RING 256     /* commands in flight that may still reply */

typedef struct Client {
    bool used, facilitator;
    uint32_t gen;           /* tells a reused slot from its earlier client */
    HubSendFn send;
    void *ud;
    char name[41];
    char team[64];
} Client;

typedef struct Page {
    int id;
    SimTime t;
    char team[64], from[64], why[200], state[16], by[41];
} Page;

struct Gameday {
    GamedayOptions o;
    DiagList *dl;
    const char *out;
    Scenario *sc;
    RunResult res;
    MetricsCsv mc;
    ScenarioLive live;
    FILE *journal;
    /* the clock */
    uv_loop_t *loop;
    uv_timer_t timer;
    uint64_t wall0, anchor_wall, last_tick_sent;
    SimTime anchor_sim, skip_until;
    double speed;
    bool paused, skipping, ended;
    uint32_t behind;          /* times the run fell too far behind the wall clock */
    bool seen_public;       /* something people can see happened (a skip stops) */
    bool swallow_note;      /* the next note is a command's own line */
    /* clients */
    Client clients[64];
    int nclients;
    uint32_t cmd_seq;
    char cmd_line[FD_CMD_RING][401];
    uint32_t cmd_gen[FD_CMD_RING];
    char acked_by[FD_MAX_TEAMS][41];
    /* what late joiners are sent */
    json_t *history, *timeline_log, *alerts_log, *status_log;
    Page *pages;
    int npages, cappages;
};

/* Runs a person's command: the timeline line "player (team): line" and
 * the Lua. Live runs and replays both come through here, so they write the
 * same timeline. */
int gameday_run_command(Scenario *sc, const char *player, const char *team, const char *line,
                        const char *lua, uint64_t cookie, char *err, size_t errsize);

/* A line from firedrill itself in everyone's timeline (not the run's). */
void gameday_notice(Gameday *g, const char *text);

/* Stops and closes the clock's timer handle (before the loop's last run). */
void gameday_stop_timer(Gameday *g);

/* ---- gameday.c ---- */

/* Starts the pacing again from now (resume, a speed change). */
void gameday_reanchor(Gameday *g);

/* ---- gameday_hub.c ---- */

/* The index of the scenario's team of this name, or -1. */
int gameday_team_index(const Gameday *g, const char *name);

/* ---- gameday_feed.c ---- */

/* To client c, if it is there; the reference stays the caller's. */
void gameday_send_to(Gameday *g, int c, json_t *msg);
/* Sends to everyone (facilitators only with fac_only), and takes the
 * reference. */
void gameday_broadcast(Gameday *g, json_t *msg, bool fac_only);
/* Appends msg to list (a new reference), dropping the oldest past max. */
void gameday_keep(json_t *list, json_t *msg, size_t max);
/* A new message {"t": type, "sim": seconds, "clock": "15:23:10"}. */
json_t *gameday_stamp(const Gameday *g, const char *type, SimTime t);
/* A timeline message: kind ("note", "command", ...), who (NULL: null) and
 * text, stamped at t. gameday_timeline() also keeps it in the timeline
 * late joiners are sent, and sends it to everyone. */
json_t *gameday_timeline_msg(const Gameday *g, SimTime t, const char *kind, const char *who,
                             const char *text);
void gameday_timeline(Gameday *g, SimTime t, const char *kind, const char *who, const char *text);
json_t *gameday_tick_msg(Gameday *g);
json_t *gameday_alert_msg(Gameday *g, int a, SimTime t);
json_t *gameday_page_msg(Gameday *g, const Page *p);
/* The scenario's hooks (ScenarioLive, ScenarioOptions.on_interval); ud is
 * the Gameday. */
void gameday_on_event(void *ud, const RunEvent *e);
void gameday_on_page(void *ud, const char *team, int state, const char *from, const char *why);
void gameday_on_engaged(void *ud, const char *team);
void gameday_on_reply(void *ud, uint64_t cookie, bool ok, const char *text);
void gameday_on_interval(void *ud, const ModelInterval *iv);

/* ---- gameday_journal.c ---- */

/* Writes a line to the journal (if open) and takes the reference. */
void gameday_journal(Gameday *g, json_t *line);
/* A new journal line {"t": type, "sim", "ns"} at the scenario's time. */
json_t *gameday_journal_line(Gameday *g, const char *type);
/* The journal's first line; realp is the scenario's real path. */
void gameday_journal_head(Gameday *g, const GamedayOptions *o, const char *realp);

#endif

/*
 * resp.h: the people on call, as the model of a response.
 *
 * A Resp holds the teams of one run. Each team has people on call; a
 * person works on one thing at a time, and work for a team waits in a
 * first-come-first-served queue until someone is free. A team works only
 * once it has acknowledged a page: paging is how a team enters an
 * incident (an alert, another team, a declared incident, the support
 * channel). Every human time (acknowledging, being briefed, diagnosing,
 * acting) is a draw from a distribution, from named streams: the team's
 * own stream for its acknowledgements and its misdiagnoses, and one stream
 * per person for the work that person does, so adding a team or a person
 * reshuffles nobody else's draws.
 *
 *   page       the team acknowledges after a drawn time. With an escalation
 *              time and a secondary, a page not acknowledged in time (or to
 *              a team with nobody on call) goes to the secondary too.
 *              Paged by another team, the team is first briefed (a
 *              hand-off, drawn) before it takes anything else.
 *   work       act, diagnose or restart by hand: waits its turn, then takes
 *              one person for a drawn time. A diagnosis may first follow a
 *              wrong lead (with the team's misdiagnosis probability) for a
 *              drawn time.
 *
 * The layer above is told through hooks: timeline lines, work starting
 * (to apply its effect, e.g. a manual restart), and a waiter's work or
 * page being done. Hooks run from kernel events, never from inside the
 * call that queued the work, so a caller can always park first.
 *
 * Ownership: the Resp copies every name and distribution it is given.
 * Not thread-safe; one per Sim.
 */
#ifndef FD_RESP_H
#define FD_RESP_H

#include <stdbool.h>
#include <stdint.h>
#include "base/dist.h"
#include "base/fd_time.h"
#include "des/sim.h"

typedef struct Resp Resp;

typedef enum RespKind { RESP_ACT, RESP_DIAGNOSE, RESP_RESTART } RespKind;

/* A team as declared. Distributions are in seconds. */
typedef struct RespTeamSpec {
    const char *name;
    int oncall;                 /* people on call; 0: pages go unanswered */
    Dist ack, diagnose, unowned, handoff;
    double misdiagnose;         /* default for its diagnoses, 0..1 */
    SimTime escalate;           /* 0: never */
    const char *secondary;      /* team name, or NULL */
} RespTeamSpec;

/* A piece of work for a team. */
typedef struct RespWork {
    RespKind kind;
    const Dist *takes;          /* NULL: the team's (diagnose/unowned per `owned`) */
    bool owned;                 /* diagnose: some team on call owns the component */
    double misdiagnose;         /* diagnose: < 0 for the team's default */
    const char *what;           /* diagnose: the component; act: a label, or NULL */
    const char *wrong;          /* diagnose: the wrong lead it may follow, or NULL */
    int64_t arg[4];             /* for the start hook (a manual restart's target) */
} RespWork;

typedef struct RespHooks {
    void *ud;
    /* A timeline line about a team. */
    void (*note)(void *ud, int team, const char *text);
    /* Work is starting (person taken); `w` is valid during the call only. */
    void (*start)(void *ud, int team, const RespWork *w, SimTime takes);
    /* What `token` waited for is done: ok, and the team that answered. */
    void (*done)(void *ud, uint64_t token, bool ok, int team);
    /* The team has just acknowledged a page (it is on the incident now). */
    void (*engaged)(void *ud, int team);
    /* A page to the team opened (RESP_PAGE_OPEN, `from` and `why` as given),
     * escalated to its secondary, or went unanswered. Called from inside
     * resp_page() too: for telling people, never for waking a waiter. May
     * be NULL. */
    void (*page)(void *ud, int team, int state, int from, const char *why);
} RespHooks;

enum { RESP_PAGE_OPEN, RESP_PAGE_ESCALATED, RESP_PAGE_UNANSWERED };

Resp *resp_new(Sim *sim, const RespHooks *hooks);
void resp_free(Resp *r);

/* Returns the team's index, or -1 when out of memory. */
int resp_add_team(Resp *r, const RespTeamSpec *spec);
int resp_nteams(const Resp *r);
const char *resp_team_name(const Resp *r, int team);
int resp_find(const Resp *r, const char *name);
int resp_oncall(const Resp *r, int team);
/* Resolves every secondary by name. Returns -1 and the first team whose
 * secondary is unknown in *bad. */
int resp_resolve(Resp *r, int *bad);

/* Has the team been paged (acknowledged or not)? Acknowledged? */
bool resp_paged(const Resp *r, int team);
bool resp_engaged(const Resp *r, int team);
int resp_busy(const Resp *r, int team);
int resp_queued(const Resp *r, int team);

/* Pages a team; `from` is the paging team (a hand-off) or -1; `why` may be
 * NULL. token != 0: done(token, acknowledged?, who) once it is answered. */
int resp_page(Resp *r, int team, int from, const char *why, uint64_t token);

/* People play the team (a game day): its pages wait for resp_ack() instead
 * of a drawn acknowledgement; escalation to a secondary still happens if
 * nobody acknowledges in time. Set before the run starts. */
void resp_set_human(Resp *r, int team, bool human);
bool resp_human(const Resp *r, int team);

/* Someone of the team acknowledges now: its open page if it has one, else
 * it joins the incident of its own accord (a later page is answered at
 * once). The hooks run from a kernel event, as always. Returns true when a
 * page was open, false when there was none or the team is already on the
 * incident. */
bool resp_ack(Resp *r, int team);

/* Queues work; done(token, true, team) when finished. The team must have
 * been paged and have someone on call (the layer above reports those as
 * the user's errors). Returns 0, or -1 when out of memory. */
int resp_work(Resp *r, int team, const RespWork *w, uint64_t token);

#endif

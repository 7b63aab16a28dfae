/*
 * resp.c: teams, people on call, pages and the work queue (see resp.h).
 *
 * Invariants:
 *   - a person is either free or holds exactly one job (Person.busy);
 *   - a team's queue only drains while the team is engaged (acknowledged);
 *   - every wake-up (the done hook) comes from a kernel event, never from
 *     resp_page() or resp_work() themselves: a caller queues, parks, and is
 *     woken later (Resp.calling counts those calls in progress).
 *
 * Events carry the Resp as their object and pack what they need into the
 * 64-bit argument: a team index, a person, or a waiter's token (tokens stay
 * below 2^40, the team sits above).
 */
#include "model/resp.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/rng.h"

#define MAX_HUMAN_TIME (30 * 24 * FD_HOUR)
#define TOKEN_BITS 40

typedef struct Job {
    RespWork w;
    char what[96], wrong[96];
    Dist takes;
    bool has_takes;
    uint64_t token;
} Job;

typedef struct Person {
    bool busy;
    int phase;              /* diagnose: 1 on the wrong lead, 2 on the right one */
    SimTime started;
    Job job;
    Rng rng;
} Person;

typedef struct Team {
    char *name;
    int oncall;
    Dist ack, diagnose, unowned, handoff;
    double misdiagnose;
    SimTime escalate;
    char *secondary_name;
    int secondary;
    Rng rng;
    Person *people;
    Job *q;                 /* ring of queued jobs */
    int qhead, qlen, qcap;
    bool paged, engaged;
    bool human;             /* played by people: pages wait for resp_ack() */
    bool acking;            /* resp_ack() has an acknowledgement on its way */
    bool briefing;          /* being briefed by the team that paged it: no work starts */
    int paged_by;           /* the team that paged it, for the briefing; -1 */
    int escalated_to;       /* -1 */
    SimTime paged_at;
    uint64_t *waiters;
    int nwait, capwait;
} Team;

struct Resp {
    Sim *sim;
    RespHooks h;
    Team *teams;
    int nteams, cap;
    int calling;            /* resp_page() and resp_work() calls in progress */
};

Resp *resp_new(Sim *sim, const RespHooks *hooks)
{
    Resp *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->sim = sim;
    r->h = *hooks;
    return r;
}

static void job_free(Job *j)
{
    if (j->has_takes) dist_free(&j->takes);
    j->has_takes = false;
}

void resp_free(Resp *r)
{
    if (!r) return;
    for (int i = 0; i < r->nteams; i++) {
        Team *t = &r->teams[i];
        free(t->name);
        free(t->secondary_name);
        dist_free(&t->ack);
        dist_free(&t->diagnose);
        dist_free(&t->unowned);
        dist_free(&t->handoff);
        for (int p = 0; p < t->oncall; p++)
            if (t->people[p].busy) job_free(&t->people[p].job);
        for (int k = 0; k < t->qlen; k++) job_free(&t->q[(t->qhead + k) % t->qcap]);
        free(t->people);
        free(t->q);
        free(t->waiters);
    }
    free(r->teams);
    free(r);
}

static void note(Resp *r, int team, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void note(Resp *r, int team, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (r->h.note) r->h.note(r->h.ud, team, buf);
}

int resp_add_team(Resp *r, const RespTeamSpec *spec)
{
    if (r->nteams == r->cap) {
        int cap = r->cap ? r->cap * 2 : 8;
        Team *v = realloc(r->teams, sizeof *v * (size_t)cap);
        if (!v) return -1;
        r->teams = v;
        r->cap = cap;
    }
    Team *t = &r->teams[r->nteams];
    *t = (Team){ .oncall = spec->oncall, .misdiagnose = spec->misdiagnose,
                 .escalate = spec->escalate, .secondary = -1, .paged_by = -1,
                 .escalated_to = -1 };
    t->name = strdup(spec->name);
    t->secondary_name = spec->secondary ? strdup(spec->secondary) : NULL;
    t->people = calloc((size_t)spec->oncall + 1, sizeof *t->people);
    bool ok = t->name && t->people && (!spec->secondary || t->secondary_name);
    ok = ok && dist_copy(&t->ack, &spec->ack) == 0;
    ok = ok && dist_copy(&t->diagnose, &spec->diagnose) == 0;
    ok = ok && dist_copy(&t->unowned, &spec->unowned) == 0;
    ok = ok && dist_copy(&t->handoff, &spec->handoff) == 0;
    if (!ok) {
        /* Only what was made; the team is not counted. */
        free(t->name);
        free(t->secondary_name);
        free(t->people);
        dist_free(&t->ack);
        dist_free(&t->diagnose);
        dist_free(&t->unowned);
        dist_free(&t->handoff);
        return -1;
    }
    char name[200];
    uint64_t seed = sim_seed(r->sim);
    snprintf(name, sizeof name, "team:%s", spec->name);
    rng_init(&t->rng, seed, name);
    for (int p = 0; p < spec->oncall; p++) {
        snprintf(name, sizeof name, "team:%s:person:%d", spec->name, p + 1);
        rng_init(&t->people[p].rng, seed, name);
    }
    return r->nteams++;
}

int resp_nteams(const Resp *r) { return r->nteams; }
const char *resp_team_name(const Resp *r, int team) { return r->teams[team].name; }
int resp_oncall(const Resp *r, int team) { return r->teams[team].oncall; }
bool resp_paged(const Resp *r, int team) { return r->teams[team].paged || r->teams[team].engaged; }
bool resp_engaged(const Resp *r, int team) { return r->teams[team].engaged; }
int resp_queued(const Resp *r, int team) { return r->teams[team].qlen; }

int resp_busy(const Resp *r, int team)
{
    const Team *t = &r->teams[team];
    int n = 0;
    for (int p = 0; p < t->oncall; p++) n += t->people[p].busy;
    return n;
}

void resp_set_human(Resp *r, int team, bool human) { r->teams[team].human = human; }
bool resp_human(const Resp *r, int team) { return r->teams[team].human; }

int resp_find(const Resp *r, const char *name)
{
    for (int i = 0; i < r->nteams; i++)
        if (strcmp(r->teams[i].name, name) == 0) return i;
    return -1;
}

int resp_resolve(Resp *r, int *bad)
{
    for (int i = 0; i < r->nteams; i++) {
        Team *t = &r->teams[i];
        if (!t->secondary_name) continue;
        t->secondary = resp_find(r, t->secondary_name);
        if (t->secondary < 0 || t->secondary == i) {
            *bad = i;
            return -1;
        }
    }
    return 0;
}

/* A human time: a draw in seconds, as simulated time, never negative and
 * never past a month. */
static SimTime draw(const Dist *d, Rng *rng)
{
    double s = dist_sample(d, rng);
    if (!(s > 0)) return 0;
    SimTime t = fd_time_from_sec(s > 3e6 ? 3e6 : s);
    return t > MAX_HUMAN_TIME ? MAX_HUMAN_TIME : t;
}

static double mins(SimTime t) { return fd_time_sec(t) / 60; }

/* ---- the queue ---- */

static int q_grow(Team *t)
{
    if (t->qlen < t->qcap) return 0;
    int cap = t->qcap ? t->qcap * 2 : 8;
    Job *v = malloc(sizeof *v * (size_t)cap);
    if (!v) return -1;
    for (int k = 0; k < t->qlen; k++) v[k] = t->q[(t->qhead + k) % t->qcap];
    free(t->q);
    t->q = v;
    t->qcap = cap;
    t->qhead = 0;
    return 0;
}

static int q_push(Team *t, const Job *j, bool front)
{
    if (q_grow(t) < 0) return -1;
    assert(t->qlen < t->qcap);
    if (front) {
        t->qhead = (t->qhead + t->qcap - 1) % t->qcap;
        t->q[t->qhead] = *j;
    } else {
        t->q[(t->qhead + t->qlen) % t->qcap] = *j;
    }
    t->qlen++;
    return 0;
}

static Job q_pop(Team *t)
{
    assert(t->qlen > 0);
    assert(t->engaged && !t->briefing);   /* the queue drains only while the team works */
    Job j = t->q[t->qhead];
    t->qhead = (t->qhead + 1) % t->qcap;
    t->qlen--;
    return j;
}

/* ---- work ---- */

/* Wakes a parked caller through the done hook: only ever from a kernel
 * event, never inside resp_page() or resp_work() (`calling`). */
static void wake(Resp *r, uint64_t token, bool ok, int who)
{
    assert(!r->calling);
    if (r->h.done) r->h.done(r->h.ud, token, ok, who);
}

static void on_job_done(Sim *sim, void *obj, uint64_t arg);

static void begin(Resp *r, int team, int p, Job job)
{
    Team *t = &r->teams[team];
    Person *pe = &t->people[p];
    assert(!pe->busy);   /* one job at a time */
    pe->busy = true;
    pe->job = job;
    pe->started = sim_now(r->sim);
    pe->phase = 2;
    Job *j = &pe->job;
    SimTime d;
    switch (j->w.kind) {
    case RESP_DIAGNOSE: {
        const Dist *dd = j->has_takes ? &j->takes : j->w.owned ? &t->diagnose : &t->unowned;
        double p_wrong = j->w.misdiagnose >= 0 ? j->w.misdiagnose : t->misdiagnose;
        /* The team's own stream decides whether it goes wrong, whoever
         * does the work; the person's stream draws how long it takes. */
        bool wrong = j->wrong[0] && p_wrong > 0 && rng_uniform(&t->rng) < p_wrong;
        d = draw(dd, &pe->rng);
        if (wrong) {
            pe->phase = 1;
            note(r, team, "%s starts diagnosing and follows a wrong lead first: %s", t->name, j->wrong);
        } else {
            note(r, team, "%s starts diagnosing %s%s", t->name, j->what,
                 j->w.owned ? "" : " (no one on call owns it)");
        }
        break;
    }
    default:
        d = j->has_takes ? draw(&j->takes, &pe->rng) : FD_MIN;
        break;
    }
    if (r->h.start) {
        RespWork w = j->w;
        w.what = j->what[0] ? j->what : NULL;
        w.wrong = j->wrong[0] ? j->wrong : NULL;
        r->h.start(r->h.ud, team, &w, d);
    }
    sim_after(r->sim, d, on_job_done, r, ((uint64_t)team << 32) | (uint32_t)p);
}

static void start_jobs(Resp *r, int team)
{
    Team *t = &r->teams[team];
    if (!t->engaged || t->briefing) return;
    for (int p = 0; p < t->oncall && t->qlen > 0; p++)
        if (!t->people[p].busy) begin(r, team, p, q_pop(t));
}

static void on_job_done(Sim *sim, void *obj, uint64_t arg)
{
    Resp *r = obj;
    int team = (int)(arg >> 32), p = (int)(uint32_t)arg;
    Team *t = &r->teams[team];
    Person *pe = &t->people[p];
    assert(pe->busy);
    if (pe->phase == 1) {
        /* The wrong lead is ruled out; the real diagnosis starts now. */
        Job *j = &pe->job;
        const Dist *dd = j->has_takes ? &j->takes : j->w.owned ? &t->diagnose : &t->unowned;
        note(r, team, "%s rules out %s after %.0f min (a wrong lead); now diagnosing %s%s", t->name,
             j->wrong, mins(sim_now(sim) - pe->started), j->what,
             j->w.owned ? "" : " (no one on call owns it)");
        pe->phase = 2;
        pe->started = sim_now(sim);
        sim_after(sim, draw(dd, &pe->rng), on_job_done, r, arg);
        return;
    }
    uint64_t token = pe->job.token;
    job_free(&pe->job);
    pe->busy = false;
    start_jobs(r, team);
    if (token) wake(r, token, true, team);
}

static int work(Resp *r, int team, const RespWork *w, uint64_t token)
{
    Team *t = &r->teams[team];
    assert(t->oncall > 0 && resp_paged(r, team));
    assert(token < ((uint64_t)1 << TOKEN_BITS));
    Job j = { .w = *w, .token = token };
    snprintf(j.what, sizeof j.what, "%s", w->what ? w->what : "");
    snprintf(j.wrong, sizeof j.wrong, "%s", w->wrong ? w->wrong : "");
    j.w.what = NULL;
    j.w.wrong = NULL;
    if (w->takes) {
        if (dist_copy(&j.takes, w->takes) < 0) return -1;
        j.has_takes = true;
    }
    if (q_push(t, &j, false) < 0) {
        job_free(&j);
        return -1;
    }
    start_jobs(r, team);
    return 0;
}

/* The caller of these two parks after they return: a waiter is woken
 * only from a kernel event, never from inside them (`calling`). */
int resp_work(Resp *r, int team, const RespWork *w, uint64_t token)
{
    r->calling++;
    int rc = work(r, team, w, token);
    r->calling--;
    return rc;
}

static int page(Resp *r, int team, int from, const char *why, uint64_t token);

int resp_page(Resp *r, int team, int from, const char *why, uint64_t token)
{
    r->calling++;
    int rc = page(r, team, from, why, token);
    r->calling--;
    return rc;
}

/* ---- pages ---- */

static void on_ack(Sim *sim, void *obj, uint64_t arg);
static void on_escalate(Sim *sim, void *obj, uint64_t arg);
static void on_unanswered(Sim *sim, void *obj, uint64_t arg);
static void on_answered(Sim *sim, void *obj, uint64_t arg);

static void on_briefed(Sim *sim, void *obj, uint64_t arg)
{
    (void)sim;
    Resp *r = obj;
    r->teams[arg].briefing = false;
    start_jobs(r, (int)arg);
}

static int add_waiter(Team *t, uint64_t token)
{
    if (t->nwait == t->capwait) {
        int cap = t->capwait ? t->capwait * 2 : 4;
        uint64_t *v = realloc(t->waiters, sizeof *v * (size_t)cap);
        if (!v) return -1;
        t->waiters = v;
        t->capwait = cap;
    }
    t->waiters[t->nwait++] = token;
    return 0;
}

/* Tells everyone waiting on `team`'s page that `who` answered (or -1). */
static void answer(Resp *r, int team, bool ok, int who)
{
    Team *t = &r->teams[team];
    /* Hooks may page again (and grow the list): take it first. */
    int n = t->nwait;
    uint64_t *w = t->waiters;
    t->waiters = NULL;
    t->nwait = t->capwait = 0;
    for (int i = 0; i < n; i++) wake(r, w[i], ok, who);
    free(w);
}

static int page(Resp *r, int team, int from, const char *why, uint64_t token)
{
    Team *t = &r->teams[team];
    assert(token < ((uint64_t)1 << TOKEN_BITS));
    if (t->engaged) {
        /* Already on it: the answer comes at once, from a kernel event. */
        if (token) sim_after(r->sim, 0, on_answered, r, ((uint64_t)team << TOKEN_BITS) | token);
        return 0;
    }
    if (token && add_waiter(t, token) < 0) return -1;
    if (t->paged) return 0;
    t->paged = true;
    t->paged_by = from;
    t->paged_at = sim_now(r->sim);
    note(r, team, "%s paged%s%s%s%s", t->name, from >= 0 ? " by " : "",
         from >= 0 ? r->teams[from].name : "", why ? ": " : "", why ? why : "");
    if (r->h.page) r->h.page(r->h.ud, team, RESP_PAGE_OPEN, from, why);
    if (t->human) {
        /* People answer when they answer (resp_ack); nothing is drawn. */
        if (t->secondary >= 0 && t->escalate > 0)
            sim_after(r->sim, t->escalate, on_escalate, r, (uint64_t)team);
        return 0;
    }
    SimTime ack = draw(&t->ack, &t->rng);
    bool escalates = t->secondary >= 0 && t->escalate > 0 && (t->oncall == 0 || ack > t->escalate);
    if (t->oncall > 0) sim_after(r->sim, ack, on_ack, r, (uint64_t)team);
    if (escalates) sim_after(r->sim, t->escalate, on_escalate, r, (uint64_t)team);
    else if (t->oncall == 0) sim_after(r->sim, t->escalate > 0 ? t->escalate : ack, on_unanswered, r,
                                       (uint64_t)team);
    return 0;
}

static void on_answered(Sim *sim, void *obj, uint64_t arg)
{
    (void)sim;
    Resp *r = obj;
    uint64_t token = arg & (((uint64_t)1 << TOKEN_BITS) - 1);
    wake(r, token, true, (int)(arg >> TOKEN_BITS));
}

static void on_ack(Sim *sim, void *obj, uint64_t arg)
{
    Resp *r = obj;
    int team = (int)arg;
    Team *t = &r->teams[team];
    t->acking = false;
    if (t->engaged) return;
    t->engaged = true;
    if (!t->paged) {
        note(r, team, "%s joins the incident", t->name);
        t->paged = true;
    } else {
        note(r, team, "%s acknowledges the page (after %.0f min)", t->name,
             mins(sim_now(sim) - t->paged_at));
    }
    if (t->paged_by >= 0) {
        /* Paged by another team: the team is briefed before it takes up
         * anything (a hand-off costs time). */
        SimTime d = draw(&t->handoff, &t->rng);
        t->briefing = true;
        note(r, team, "%s is briefed by %s (a hand-off between teams, %.0f min)", t->name,
             r->teams[t->paged_by].name, mins(d));
        sim_after(sim, d, on_briefed, r, (uint64_t)team);
    }
    start_jobs(r, team);
    if (r->h.engaged) r->h.engaged(r->h.ud, team);
    answer(r, team, true, team);
    /* Pages that escalated here are answered too. */
    for (int i = 0; i < r->nteams; i++)
        if (r->teams[i].escalated_to == team && !r->teams[i].engaged) answer(r, i, true, team);
}

static void on_escalate(Sim *sim, void *obj, uint64_t arg)
{
    (void)sim;
    Resp *r = obj;
    int team = (int)arg;
    Team *t = &r->teams[team];
    if (t->engaged || t->secondary < 0) return;
    Team *s = &r->teams[t->secondary];
    t->escalated_to = t->secondary;
    if (t->oncall > 0)
        note(r, team, "page to %s not acknowledged within %.0f min: escalates to %s", t->name,
             mins(t->escalate), s->name);
    else
        note(r, team, "page to %s goes unanswered (nobody on call): escalates to %s after %.0f min",
             t->name, s->name, mins(t->escalate));
    if (r->h.page) r->h.page(r->h.ud, team, RESP_PAGE_ESCALATED, t->secondary, NULL);
    char why[160];
    snprintf(why, sizeof why, "escalated from %s", t->name);
    if (s->engaged) answer(r, team, true, t->secondary);
    else resp_page(r, t->secondary, -1, why, 0);
}

static void on_unanswered(Sim *sim, void *obj, uint64_t arg)
{
    (void)sim;
    Resp *r = obj;
    int team = (int)arg;
    Team *t = &r->teams[team];
    note(r, team, "page to %s goes unanswered: nobody on call", t->name);
    if (r->h.page) r->h.page(r->h.ud, team, RESP_PAGE_UNANSWERED, -1, NULL);
    t->paged = false;   /* a later page tries again */
    answer(r, team, false, -1);
}

bool resp_ack(Resp *r, int team)
{
    Team *t = &r->teams[team];
    if (t->engaged || t->acking) return false;
    t->acking = true;
    sim_after(r->sim, 0, on_ack, r, (uint64_t)team);
    return t->paged;
}

/*
 * gameday.c: the live run: open, the clock, the end, close (gameday.h).
 *
 * The clock: `anchor_wall` and `anchor_sim` are where the pacing last
 * started (resume, a speed change, the end of a skip); the simulated time
 * due now is anchor_sim + (wall - anchor_wall) * speed. Each tick of the
 * timer runs the scenario up to that time, on the half millisecond below
 * it (see gameday.h for why), and a skip runs it in bounded steps until
 * something people can see happens.
 *
 * What people are sent is in gameday_feed.c, what they send in
 * gameday_hub.c, and the session journal in gameday_journal.c.
 */
/* realpath() and strncasecmp() are XSI. */
#define _XOPEN_SOURCE 700
#include "live/gameday.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/atomic_file.h"
#include "live/gameday_internal.h"
#include "report/outputs.h"

#define TICK_MS 25
#define TICK_EVERY_MS 250          /* how often clients get a `tick` */
#define SKIP_BUDGET_NS 40000000    /* wall time a skip may use per tick */
#define SKIP_STEP (30 * FD_SEC)    /* simulated time per skip step */
#define SLICE_BUDGET_NS 40000000   /* wall time the model may use per tick */
#define SLICE_STEP (10 * FD_SEC)   /* simulated time per step within a tick */
#define BEHIND_MAX_S 1.0           /* how far behind the wall clock the run may fall */

/* ---- the end ---- */

static void finish(Gameday *g, const char *why)
{
    if (g->ended) return;
    g->ended = true;
    uv_timer_stop(&g->timer);
    json_t *j = gameday_journal_line(g, "end");
    json_object_set_new(j, "why", json_string(why));
    gameday_journal(g, j);
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
    json_t *m = gameday_stamp(g, "end", scenario_now(g->sc));
    char sp[4096], rp[4096];
    snprintf(sp, sizeof sp, "%s/summary.json", g->out);
    snprintf(rp, sizeof rp, "%s/report.html", g->out);
    json_t *sum = ok ? json_load_file(sp, 0, NULL) : NULL;
    json_object_set_new(m, "summary", sum ? sum : json_null());
    json_object_set_new(m, "report", json_string(rp));
    gameday_broadcast(g, m, false);
    gameday_broadcast(g, gameday_tick_msg(g), false);
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

void gameday_reanchor(Gameday *g)
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
            gameday_reanchor(g);
            gameday_broadcast(g, gameday_tick_msg(g), false);
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
            gameday_reanchor(g);
        }
    }
    uint64_t w = uv_hrtime();
    if (w - g->last_tick_sent >= (uint64_t)TICK_EVERY_MS * 1000000) {
        g->last_tick_sent = w;
        gameday_broadcast(g, gameday_tick_msg(g), false);
    }
}

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
    g->live = (ScenarioLive){ .ud = g, .event = gameday_on_event, .page = gameday_on_page, .engaged = gameday_on_engaged,
                              .reply = gameday_on_reply };
    ScenarioOptions so = { .path = realp, .seed = o->seed, .params = o->params, .nparams = o->nparams,
                           .on_interval = gameday_on_interval, .ud = g,
                           .play = o->play ? o->play : every, .nplay = o->play ? o->nplay : 1,
                           .live = &g->live };
    int rc = scenario_open(&g->sc, &so, &g->res, dl);
    if (rc < 0) return rc;
    /* By default a drill takes about 20 minutes of wall time. */
    if (!(o->speed > 0)) {
        g->speed = fd_time_sec(scenario_duration(g->sc)) / 1200;
        if (g->speed < 1) g->speed = 1;
    }
    gameday_journal_head(g, o, realp);
    g->loop = loop;
    uv_timer_init(loop, &g->timer);
    g->timer.data = g;
    g->wall0 = uv_hrtime();
    gameday_reanchor(g);
    uv_timer_start(&g->timer, on_tick, TICK_MS, TICK_MS);
    return 0;
}

void gameday_end(Gameday *g, const char *why) { finish(g, why); }

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

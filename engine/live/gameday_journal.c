/*
 * gameday_journal.c: the session journal, DIR/session.jsonl (gameday.h).
 *
 * One JSON object a line: the head (what a replay needs to run the same
 * session), then every join, command, control and the end, each with the
 * simulated time it took effect, to the nanosecond. docs/gameday.md ("The
 * session journal") has the format; gameday_replay.c reads it back.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "base/sha256.h"
#include "live/gameday_internal.h"

/* ---- the journal ---- */

void gameday_journal(Gameday *g, json_t *line)
{
    if (!g->journal) { json_decref(line); return; }
    char *s = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(line);
    if (!s) return;
    fprintf(g->journal, "%s\n", s);
    fflush(g->journal);
    free(s);
}

json_t *gameday_journal_line(Gameday *g, const char *type)
{
    SimTime t = scenario_now(g->sc);
    json_t *j = json_object();
    json_object_set_new(j, "t", json_string(type));
    json_object_set_new(j, "sim", json_real(fd_time_sec(t)));
    json_object_set_new(j, "ns", json_integer((json_int_t)t));
    return j;
}

    /* The journal's head: what a replay needs to run the same session. */
void gameday_journal_head(Gameday *g, const GamedayOptions *o, const char *realp)
{
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
    gameday_journal(g, head);
}

/* Runs a command: what the journal keeps and what replays call. */
int gameday_run_command(Scenario *sc, const char *player, const char *team, const char *line,
                        const char *lua, uint64_t cookie, char *err, size_t errsize)
{
    char who[600];
    snprintf(who, sizeof who, "%s (%s): %s", player, team, line);
    return scenario_live_command(sc, lua, who, cookie, err, errsize);
}

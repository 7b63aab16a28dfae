/*
 * cmd_gameday.c: `firedrill gameday`, the live run people play.
 *
 * Wires the parts together on one libuv loop: the live run and its hub
 * (live/gameday.h), the web dashboard (live/web.h), the terminal console
 * (live/console.h), and at the end the debrief (report/debrief.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "cli/cli.h"
#include "live/console.h"
#include "live/gameday.h"
#include "live/gameday_internal.h"
#include "live/web.h"

static int cmd_gameday(int argc, char **argv);

const CliCommand cli_gameday = {
    "gameday", "Play a scenario live: people respond through a web dashboard or a console",
    "usage: firedrill gameday SCENARIO [--seed N] [--param NAME=VALUE ...] [--out DIR]\n"
    "                         [--speed X] [--play TEAM[,TEAM...]] [--bind ADDR] [--port N]\n"
    "                         [--console] [--start] [--exit-at-end] [--debrief-seeds N]\n"
    "\n"
    "Runs SCENARIO live, paced against the wall clock, while people play the\n"
    "on-call of its teams. The incident (faults, deploys, users) and the teams\n"
    "nobody plays run as the scenario says; the teams people play get pages\n"
    "instead of running the scenario's reference response, and act through\n"
    "commands that cost the simulated time a person takes (docs/gameday.md).\n"
    "\n"
    "It prints two URLs: one for the players, one for the facilitator (pause,\n"
    "speed, skip, injects, hints, end). Each carries its own random token;\n"
    "every request without it is refused.\n"
    "\n"
    "  --seed N            the run's seed (default 1)\n"
    "  --param NAME=VALUE  override a param of the scenario; may be repeated\n"
    "  --out DIR           where the session goes (default gameday-DATE-TIME):\n"
    "                      session.jsonl (the journal), then the run's outputs\n"
    "                      as `firedrill run --out` writes them, debrief.json\n"
    "                      and report.html with the debrief\n"
    "  --speed X           simulated seconds per wall second (default: the\n"
    "                      scenario's duration in 20 minutes: 9 for 3 hours)\n"
    "  --play TEAMS        the teams people play, comma-separated (default every\n"
    "                      team)\n"
    "  --bind ADDR         the address to serve on (default 127.0.0.1); any other\n"
    "                      makes the dashboard reachable from the network\n"
    "  --port N            the port (default 8642; 0: any free port)\n"
    "  --console           also play from this terminal (as the facilitator)\n"
    "  --start             start the clock at once (default: paused until the\n"
    "                      facilitator starts it)\n"
    "  --exit-at-end       exit once the drill is over and the debrief written\n"
    "                      (default: keep serving the dashboard until Ctrl-C)\n"
    "  --debrief-seeds N   reference runs the debrief compares with (default 40;\n"
    "                      0: no debrief)\n"
    "\n"
    "Ctrl-C ends the drill (its outputs are written), then the server.\n"
    "\n"
    "Exit codes: 0 the drill ran to its end, 2 bad input, 3 a system error.\n",
    cmd_gameday,
};

typedef struct Live {
    uv_loop_t *loop;
    Gameday *g;
    Web *web;
    Console *con;
    uv_signal_t sigint, sigterm;
    uv_process_t debrief;
    bool debriefing;
    bool exit_at_end, stopping;
    int debrief_seeds;
    int rc;
} Live;

static void stop_all(Live *lv)
{
    if (lv->stopping) return;
    lv->stopping = true;
    /* A debrief being written finishes first; its exit stops the rest. */
    if (lv->debriefing) return;
    if (lv->con) console_stop(lv->con);
    lv->con = NULL;
    if (lv->web) web_stop(lv->web);
    lv->web = NULL;
    gameday_stop_timer(lv->g);
    uv_close((uv_handle_t *)&lv->sigint, NULL);
    uv_close((uv_handle_t *)&lv->sigterm, NULL);
}

static void on_signal(uv_signal_t *h, int sig)
{
    (void)sig;
    Live *lv = h->data;
    if (!gameday_ended(lv->g)) {
        fprintf(stderr, "\nfiredrill gameday: ending the drill\n");
        gameday_end(lv->g, "interrupted");
    }
    stop_all(lv);
}

static void debrief_done(uv_process_t *p, int64_t status, int sig)
{
    (void)sig;
    Live *lv = p->data;
    lv->debriefing = false;
    uv_close((uv_handle_t *)p, NULL);
    char text[4200];
    if (status == 0) {
        snprintf(text, sizeof text, "the debrief is ready: %s/report.html", lv->g->out);
        printf("The debrief is written: %s/report.html\n", lv->g->out);
    } else {
        snprintf(text, sizeof text, "the debrief could not be written (firedrill debrief %s says why)", lv->g->out);
        lv->rc = FD_EXIT_SYSTEM;
    }
    fflush(stdout);
    if (!lv->stopping) gameday_notice(lv->g, text);
    if (lv->exit_at_end || lv->stopping) {
        lv->stopping = false;
        stop_all(lv);
    } else if (lv->web) {
        printf("The dashboard stays up; Ctrl-C closes it.\n");
        fflush(stdout);
    }
}

/* The debrief runs the reference response over many seeds: seconds to
 * minutes of work, so it runs in a process of its own (`firedrill debrief`)
 * and the dashboard stays live meanwhile. */
static int start_debrief(Live *lv)
{
    static char exe[4096];
    size_t n = sizeof exe;
    if (uv_exepath(exe, &n) < 0) return -1;
    char seeds[24];
    snprintf(seeds, sizeof seeds, "%d", lv->debrief_seeds);
    char *args[] = { exe, "debrief", (char *)lv->g->out, "--seeds", seeds, "--jobs", "2", NULL };
    uv_stdio_container_t io[3] = { { .flags = UV_IGNORE }, { .flags = UV_INHERIT_FD, .data.fd = 1 },
                                   { .flags = UV_INHERIT_FD, .data.fd = 2 } };
    uv_process_options_t po = { .exit_cb = debrief_done, .file = exe, .args = args,
                                .stdio = io, .stdio_count = 3 };
    lv->debrief.data = lv;
    if (uv_spawn(lv->loop, &lv->debrief, &po) < 0) return -1;
    lv->debriefing = true;
    return 0;
}

static void on_ended(void *ud, bool ok)
{
    Live *lv = ud;
    if (!ok) lv->rc = FD_EXIT_SYSTEM;
    printf("\nThe drill is over. Outputs in %s.\n", lv->g->out);
    if (ok && lv->debrief_seeds > 0) {
        printf("Writing the debrief: the reference response over %d seeds...\n", lv->debrief_seeds);
        fflush(stdout);
        if (start_debrief(lv) == 0) {
            gameday_notice(lv->g, "the drill is over; the debrief is being written");
            return;
        }
        fprintf(stderr, "firedrill gameday: cannot start the debrief; run firedrill debrief %s\n", lv->g->out);
    }
    fflush(stdout);
    if (lv->exit_at_end) stop_all(lv);
}

static void console_quit(void *ud)
{
    Live *lv = ud;
    if (!gameday_ended(lv->g)) on_signal(&lv->sigint, SIGINT);
    else stop_all(lv);
}

/* A token: 128 random bits as hex. */
static int make_token(char out[33])
{
    unsigned char b[16];
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = read(fd, b, sizeof b);
    close(fd);
    if (n != (ssize_t)sizeof b) return -1;
    for (int i = 0; i < 16; i++) snprintf(out + 2 * i, 3, "%02x", b[i]);
    return 0;
}

static int web_join(void *ud, bool fac, HubSendFn send, void *sud)
{
    return hub_join(ud, fac, send, sud);
}
static void web_message(void *ud, int c, const char *m, size_t n) { hub_message(ud, c, m, n); }
static void web_leave(void *ud, int c) { hub_leave(ud, c); }

static int cmd_gameday(int argc, char **argv)
{
    const char *scenario = NULL, *out = NULL, *bind = "127.0.0.1", *play_arg = NULL;
    uint64_t seed = 1, port = 8642, dseeds = 40;
    double speed = 0;
    bool console = false, start = false, exit_at_end = false;
    const char **params = calloc((size_t)argc + 1, sizeof *params);
    int nparams = 0;
    if (!params) return FD_EXIT_SYSTEM;
    int rc = FD_EXIT_USAGE;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (cli_is_help(a)) { free(params); return cli_print_help("gameday"); }
        if (strcmp(a, "--seed") == 0) {
            if (!v || !cli_parse_u64(v, &seed)) { cli_usage_error("gameday", "--seed needs a whole number"); goto done; }
            i++;
        } else if (strcmp(a, "--param") == 0) {
            if (!v || !strchr(v, '=') || v[0] == '=') { cli_usage_error("gameday", "--param needs NAME=VALUE"); goto done; }
            params[nparams++] = v;
            i++;
        } else if (strcmp(a, "--out") == 0) {
            if (!v) { cli_usage_error("gameday", "--out needs a directory"); goto done; }
            out = v;
            i++;
        } else if (strcmp(a, "--speed") == 0) {
            char *end;
            speed = v ? strtod(v, &end) : 0;
            if (!v || *end || !(speed >= 0.1 && speed <= 100000)) {
                cli_usage_error("gameday", "--speed needs a number from 0.1 to 100000 (simulated seconds per wall second)");
                goto done;
            }
            i++;
        } else if (strcmp(a, "--play") == 0) {
            if (!v || !*v) { cli_usage_error("gameday", "--play needs team names, comma-separated"); goto done; }
            play_arg = v;
            i++;
        } else if (strcmp(a, "--bind") == 0) {
            if (!v) { cli_usage_error("gameday", "--bind needs an address"); goto done; }
            bind = v;
            i++;
        } else if (strcmp(a, "--port") == 0) {
            if (!v || !cli_parse_u64(v, &port) || port > 65535) {
                cli_usage_error("gameday", "--port needs a port number, 0 to 65535");
                goto done;
            }
            i++;
        } else if (strcmp(a, "--debrief-seeds") == 0) {
            if (!v || !cli_parse_u64(v, &dseeds) || dseeds > 10000) {
                cli_usage_error("gameday", "--debrief-seeds needs a whole number, 0 to 10000");
                goto done;
            }
            i++;
        } else if (strcmp(a, "--console") == 0) {
            console = true;
        } else if (strcmp(a, "--start") == 0) {
            start = true;
        } else if (strcmp(a, "--exit-at-end") == 0) {
            exit_at_end = true;
        } else if (a[0] == '-' && a[1]) {
            cli_usage_error("gameday", "unknown option %s", a);
            goto done;
        } else if (!scenario) {
            scenario = a;
        } else {
            cli_usage_error("gameday", "one scenario at a time (got %s and %s)", scenario, a);
            goto done;
        }
    }
    if (!scenario) { cli_usage_error("gameday", "name a scenario"); goto done; }

    char defout[64];
    if (!out) {
        time_t now = time(NULL);
        struct tm tm;
        localtime_r(&now, &tm);
        strftime(defout, sizeof defout, "gameday-%Y%m%d-%H%M%S", &tm);
        out = defout;
    }
    /* --play api,platform */
    char *playbuf = play_arg ? strdup(play_arg) : NULL;
    const char *play[64];
    int nplay = 0;
    for (char *p = playbuf ? strtok(playbuf, ",") : NULL; p && nplay < 64; p = strtok(NULL, ","))
        play[nplay++] = p;

    char *path = cli_scenario_path(scenario);
    if (!path) { free(playbuf); rc = FD_EXIT_SYSTEM; goto done; }
    uv_loop_t loop;
    uv_loop_init(&loop);
    Live lv = { .loop = &loop, .exit_at_end = exit_at_end, .debrief_seeds = (int)dseeds, .rc = FD_EXIT_OK };
    DiagList dl;
    diag_list_init(&dl);
    GamedayOptions go = { .path = path, .seed = seed, .params = params, .nparams = nparams,
                          .play = playbuf ? play : NULL, .nplay = nplay, .speed = speed,
                          .paused = !start, .out = out, .ended = on_ended, .ud = &lv };
    int orc = gameday_open(&lv.g, &loop, &go, &dl);
    diag_list_print(&dl, stderr);
    if (orc < 0) {
        rc = orc == -3 ? FD_EXIT_SYSTEM : orc == -2 ? FD_EXIT_SYSTEM : FD_EXIT_USAGE;
        if (orc == -3) fprintf(stderr, "firedrill gameday: out of memory\n");
        gameday_stop_timer(lv.g);
        uv_run(&loop, UV_RUN_DEFAULT);
        gameday_close(lv.g);
        uv_loop_close(&loop);
        diag_list_free(&dl);
        free(path);
        free(playbuf);
        goto done;
    }
    Hub *hub = gameday_hub(lv.g);

    char ptok[33], ftok[33];
    if (make_token(ptok) < 0 || make_token(ftok) < 0) {
        fprintf(stderr, "firedrill gameday: cannot read /dev/urandom for the tokens\n");
        rc = FD_EXIT_SYSTEM;
    } else {
        WebOptions wo = { .bind = bind, .port = (int)port, .player_token = ptok, .facilitator_token = ftok };
        WebHooks wh = { .ud = hub, .join = web_join, .message = web_message, .leave = web_leave };
        char err[512];
        if (web_start(&lv.web, &loop, &wo, &wh, err, sizeof err) < 0) {
            fprintf(stderr, "firedrill gameday: cannot serve the dashboard: %s\n", err);
            lv.web = NULL;
            rc = FD_EXIT_SYSTEM;
        }
    }
    if (lv.web) {
        int p = web_port(lv.web);
        const char *host = strcmp(bind, "0.0.0.0") == 0 ? "127.0.0.1" : bind;
        bool v6 = strchr(host, ':') != NULL;
        printf("firedrill gameday: %s, seed %llu, at %gx (%s)\n",
               scenario_name(lv.g->sc) ? scenario_name(lv.g->sc) : path, (unsigned long long)seed,
               lv.g->speed, start ? "running" : "paused until the facilitator starts it");
        printf("  players:     open the URL below; each player picks a name and a team\n");
        printf("URL http://%s%s%s:%d/?token=%s\n", v6 ? "[" : "", host, v6 ? "]" : "", p, ptok);
        printf("  facilitator: keep this one to yourself (pause, speed, skip, injects, end)\n");
        printf("FACILITATOR http://%s%s%s:%d/?token=%s\n", v6 ? "[" : "", host, v6 ? "]" : "", p, ftok);
        printf("  session:     %s/session.jsonl; Ctrl-C ends the drill\n", out);
        if (strcmp(bind, "127.0.0.1") != 0 && strcmp(bind, "localhost") != 0 && strcmp(bind, "::1") != 0)
            fprintf(stderr, "firedrill gameday: warning: serving on %s: the dashboard is reachable from the "
                            "network; anyone with a URL can play\n", bind);
        fflush(stdout);
        uv_signal_init(&loop, &lv.sigint);
        uv_signal_init(&loop, &lv.sigterm);
        lv.sigint.data = lv.sigterm.data = &lv;
        uv_signal_start(&lv.sigint, on_signal, SIGINT);
        uv_signal_start(&lv.sigterm, on_signal, SIGTERM);
        if (console) {
            ConsoleOptions co = { .name = getenv("USER"), .team = NULL, .facilitator = true, .in_fd = 0,
                                  .out_fd = 1, .quit = console_quit, .quit_ud = &lv };
            ConsoleHooks ch = { .ud = hub, .join = web_join, .message = web_message, .leave = web_leave };
            char err[512];
            if (console_start(&lv.con, &loop, &co, &ch, err, sizeof err) < 0) {
                fprintf(stderr, "firedrill gameday: cannot start the console: %s\n", err);
                lv.con = NULL;
            }
        }
        uv_run(&loop, UV_RUN_DEFAULT);
        rc = lv.rc;
    } else {
        gameday_stop_timer(lv.g);
        uv_run(&loop, UV_RUN_DEFAULT);
    }
    gameday_close(lv.g);
    uv_loop_close(&loop);
    diag_list_free(&dl);
    free(path);
    free(playbuf);
done:
    free(params);
    return rc;
}

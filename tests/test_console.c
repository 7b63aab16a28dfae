/*
 * test_console.c: the game day's console (live/console.c) against a fake
 * hub, over a pipe: what it sends and what it prints.
 *
 * The fake hub answers join with a welcome (from inside join, as a hub
 * may), hello by sending an alert and then a page, a timeline entry and a
 * status on timers, `cmd` lines with a reply, and `control` with a reply
 * and, for pause and resume, a tick.
 *
 *   test_console                  the tests
 *   test_console --interactive [--facilitator] [--name N] [--team T]
 *                                 the console on this terminal with the
 *                                 fake hub, for tests/cli/console_tty.sh:
 *                                 `arm` makes an alert come 1.5 s later
 */
#include "fdtest.h"
#include "live/console.h"

#include <fcntl.h>
#include <jansson.h>
#include <stdbool.h>
#include <unistd.h>

enum { MAXMSG = 64 };

typedef struct Fake {
    uv_loop_t *loop;
    HubSendFn send;
    void *send_ud;
    bool full;                 /* join refuses */
    int nplayed;               /* 1: only api is played; 2: api and platform */
    bool interactive;
    bool facilitator;
    int joins, leaves;
    char *msgs[MAXMSG];        /* what the console sent, in order */
    int nmsgs;
    uv_timer_t t1, t2, t3;
    int stage;
    Console *con;
    int quits;
    /* the script typed into the pipe */
    int wfd;
    const char *const *steps;  /* text to write, one step per 40 ms; NULL closes */
    int nsteps, step;
    uv_timer_t writer, guard;
    bool timed_out;
} Fake;

static void fake_sendf(Fake *f, json_t *o)
{
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (s && f->send) f->send(f->send_ud, s, strlen(s));
    free(s);
}

static json_t *welcome(const Fake *f, bool facilitator)
{
    json_t *verbs = json_pack("[{s:s,s:s,s:s},{s:s,s:s,s:s},{s:s,s:s,s:s},{s:s,s:s,s:s},{s:s,s:s,s:s}]",
        "verb", "ack", "usage", "ack PAGE", "help", "acknowledge a page",
        "verb", "inspect", "usage", "inspect SERVICE", "help", "a service's state by region",
        "verb", "rollback", "usage", "rollback SERVICE [REGION...]", "help", "undo the last release",
        "verb", "restart", "usage", "restart SERVICE REGION", "help", "restart a service's instances",
        "verb", "note", "usage", "note TEXT", "help", "add a note to the timeline");
    return json_pack("{s:s,s:{s:i,s:b},s:{s:s,s:s,s:i,s:i},s:[{s:s,s:b,s:s},{s:s,s:b,s:s},{s:s,s:b,s:s}],"
                     "s:[s,s],s:[s,s],s:[s],s:o,s:[{s:s,s:s,s:b}],s:[],s:[],s:{s:i,s:s,s:b,s:b}}",
        "t", "welcome",
        "you", "id", 0, "facilitator", facilitator,
        "scenario", "name", "api-outage", "start", "2026-12-04T15:00:00+08:00", "duration", 10800, "seed", 7,
        "teams", "name", "api", "played", 1, "oncall", "alice",
                 "name", "platform", "played", f->nplayed > 1, "oncall", "bob",
                 "name", "db", "played", 0, "oncall", "carol",
        "services", "cloud-api", "cloud-db",
        "regions", "shanghai", "beijing",
        "entries", "web",
        "verbs", verbs,
        "injects", "name", "db-failover", "what", "the primary database fails over", "fired", 0,
        "alerts", "pages",
        "state", "sim", 0, "clock", "15:00:00", "paused", 0, "ended", 0);
}

static void send_alert(Fake *f)
{
    fake_sendf(f, json_pack("{s:s,s:s,s:b,s:f,s:s,s:s}", "t", "alert", "name", "api-5xx", "firing", 1,
                            "sim", 1390.0, "clock", "15:23:10", "what", "error_rate > 5%"));
}

static void t1_cb(uv_timer_t *t)
{
    Fake *f = t->data;
    send_alert(f);
    fake_sendf(f, json_pack("{s:s,s:s,s:b,s:f,s:s,s:s}", "t", "metrics", "name", "x", "firing", 0,
                            "sim", 1395.0, "clock", "15:23:15", "what", "noise"));
}

static void t2_cb(uv_timer_t *t)
{
    Fake *f = t->data;
    fake_sendf(f, json_pack("{s:s,s:i,s:s,s:n,s:s,s:f,s:s,s:s}", "t", "page", "id", 3, "team", "api",
                            "from", "why", "api-5xx: error_rate > 5%", "sim", 1420.0, "clock", "15:23:40",
                            "state", "open"));
    fake_sendf(f, json_pack("{s:s,s:f,s:s,s:s,s:s,s:s}", "t", "timeline", "sim", 1430.0, "clock", "15:23:50",
                            "kind", "note", "who", "bob (platform)", "text", "looking at the db"));
    fake_sendf(f, json_pack("{s:s,s:f,s:s,s:s,s:s,s:s}", "t", "timeline", "sim", 1431.0, "clock", "15:23:51",
                            "kind", "alert", "who", "x", "text", "not shown: alerts come as alerts"));
    fake_sendf(f, json_pack("{s:s,s:f,s:s,s:s,s:s}", "t", "status", "sim", 1440.0, "clock", "15:24:00",
                            "state", "investigating", "text", "errors on the API"));
}

static void t3_cb(uv_timer_t *t)
{
    send_alert(t->data);
}

static void send_end(Fake *f)
{
    fake_sendf(f, json_pack("{s:s,s:{s:s,s:{s:f},s:[{s:s,s:b},{s:s,s:b}],s:b},s:s}", "t", "end",
                            "summary", "scenario", "api-outage", "incident", "duration_s", 2530.0,
                            "expectations", "name", "recovers", "ok", 1, "name", "fast", "ok", 0,
                            "ok", 0,
                            "report", "/tmp/gd/report.html"));
}

static int fake_join(void *ud, bool facilitator, HubSendFn send, void *send_ud)
{
    Fake *f = ud;
    f->joins++;
    if (f->full) return -1;
    f->send = send;
    f->send_ud = send_ud;
    f->facilitator = facilitator;
    fake_sendf(f, welcome(f, facilitator));  /* from inside join */
    return 5;
}

static void reply(Fake *f, bool ok, const char *text, const char *line)
{
    fake_sendf(f, json_pack("{s:s,s:b,s:s,s:s}", "t", "reply", "ok", ok, "text", text, "line", line));
}

static void fake_message(void *ud, int client, const char *msg, size_t len)
{
    Fake *f = ud;
    CHECK_EQ_INT(client, 5);
    if (f->nmsgs < MAXMSG) {
        char *s = malloc(len + 1);
        memcpy(s, msg, len);
        s[len] = '\0';
        f->msgs[f->nmsgs++] = s;
    }
    json_t *m = json_loadb(msg, len, 0, NULL);
    const char *t = json_string_value(json_object_get(m, "t"));
    const char *line = json_string_value(json_object_get(m, "line"));
    const char *op = json_string_value(json_object_get(m, "op"));
    char text[256];
    if (t && strcmp(t, "hello") == 0 && !f->interactive) {
        uv_timer_start(&f->t1, t1_cb, 30, 0);
        uv_timer_start(&f->t2, t2_cb, 60, 0);
    } else if (t && strcmp(t, "cmd") == 0 && line) {
        if (strncmp(line, "inspect ", 8) == 0) {
            snprintf(text, sizeof text, "%s: 3 of 3 up\n  shanghai  err 7.1%%\n  beijing   err 0.2%%", line + 8);
            reply(f, true, text, line);
        } else if (strncmp(line, "ack ", 4) == 0) {
            snprintf(text, sizeof text, "acked page #%s", line + 4);
            reply(f, true, text, line);
        } else if (strcmp(line, "arm") == 0) {
            reply(f, true, "armed", line);
            uv_timer_start(&f->t3, t3_cb, 1500, 0);
        } else if (strcmp(line, "finish") == 0) {
            send_end(f);
        } else {
            snprintf(text, sizeof text, "unknown command: %.*s", (int)strcspn(line, " "), line);
            reply(f, false, text, line);
        }
    } else if (t && strcmp(t, "control") == 0 && op) {
        snprintf(text, sizeof text, "control %s", op);
        reply(f, true, text, "");
        if (strcmp(op, "pause") == 0 || strcmp(op, "resume") == 0)
            fake_sendf(f, json_pack("{s:s,s:f,s:s,s:b}", "t", "tick", "sim", 1500.0, "clock", "15:25:00",
                                    "paused", op[0] == 'p'));
        if (strcmp(op, "end") == 0) send_end(f);
    }
    json_decref(m);
}

static void fake_leave(void *ud, int client)
{
    Fake *f = ud;
    CHECK_EQ_INT(client, 5);
    f->leaves++;
}

static void close_all(Fake *f)
{
    uv_close((uv_handle_t *)&f->t1, NULL);
    uv_close((uv_handle_t *)&f->t2, NULL);
    uv_close((uv_handle_t *)&f->t3, NULL);
    uv_close((uv_handle_t *)&f->writer, NULL);
    uv_close((uv_handle_t *)&f->guard, NULL);
    if (f->wfd >= 0) close(f->wfd);
    f->wfd = -1;
}

static void on_quit(void *ud)
{
    Fake *f = ud;
    f->quits++;
    console_stop(f->con);
    f->con = NULL;
    close_all(f);
}

static void writer_cb(uv_timer_t *t)
{
    Fake *f = t->data;
    if (f->step >= f->nsteps) {
        uv_timer_stop(t);
        return;
    }
    const char *s = f->steps[f->step++];
    if (!s) {
        if (f->wfd >= 0) close(f->wfd);
        f->wfd = -1;
    } else if (f->wfd >= 0 && *s) {
        CHECK(write(f->wfd, s, strlen(s)) == (ssize_t)strlen(s));
    }
}

static void guard_cb(uv_timer_t *t)
{
    Fake *f = t->data;
    f->timed_out = true;
    fprintf(stderr, "the console did not quit in time\n");
    if (f->con) console_stop(f->con);
    f->con = NULL;
    close_all(f);
}

static void fake_init(Fake *f, uv_loop_t *loop, int nplayed)
{
    memset(f, 0, sizeof *f);
    f->loop = loop;
    f->nplayed = nplayed;
    f->wfd = -1;
    uv_timer_init(loop, &f->t1);
    uv_timer_init(loop, &f->t2);
    uv_timer_init(loop, &f->t3);
    uv_timer_init(loop, &f->writer);
    uv_timer_init(loop, &f->guard);
    f->t1.data = f->t2.data = f->t3.data = f->writer.data = f->guard.data = f;
}

static void fake_free(Fake *f)
{
    for (int i = 0; i < f->nmsgs; i++) free(f->msgs[i]);
}

/* The console with the fake hub over a pipe; returns what it printed
 * (malloc'd). `steps` are written 40 ms apart after a first 100 ms. */
static char *run_case(Fake *f, int nplayed, const ConsoleOptions *base, const char *const *steps,
                      int nsteps)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    fake_init(f, &loop, nplayed);
    int p[2];
    CHECK(pipe(p) == 0);
    char outpath[] = "/tmp/fd_console_XXXXXX";
    int out = mkstemp(outpath);
    CHECK(out >= 0);
    unlink(outpath);
    f->wfd = p[1];
    f->steps = steps;
    f->nsteps = nsteps;
    uv_timer_start(&f->writer, writer_cb, 100, 40);
    uv_timer_start(&f->guard, guard_cb, 5000, 0);

    ConsoleOptions o = *base;
    o.in_fd = p[0];
    o.out_fd = out;
    o.quit = on_quit;
    o.quit_ud = f;
    ConsoleHooks h = {f, fake_join, fake_message, fake_leave};
    char err[256] = "";
    int rc = console_start(&f->con, &loop, &o, &h, err, sizeof err);
    CHECK_EQ_INT(rc, 0);
    if (rc != 0) {
        fprintf(stderr, "console_start: %s\n", err);
        close_all(f);
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK_EQ_INT(uv_loop_close(&loop), 0);
    close(p[0]);
    if (f->wfd >= 0) close(f->wfd);

    off_t n = lseek(out, 0, SEEK_END);
    char *text = calloc(1, (size_t)n + 1);
    CHECK(pread(out, text, (size_t)n, 0) == n);
    close(out);
    CHECK(!f->timed_out);
    return text;
}

/* The i-th message sent, parsed; NULL when there is none. */
static json_t *sent(const Fake *f, int i)
{
    if (i >= f->nmsgs) {
        fprintf(stderr, "no message %d (only %d)\n", i, f->nmsgs);
        return NULL;
    }
    return json_loads(f->msgs[i], 0, NULL);
}

static void check_sent(const Fake *f, int i, const char *t, const char *key, const char *value)
{
    json_t *m = sent(f, i);
    CHECK_STR(json_string_value(json_object_get(m, "t")), t);
    if (key) CHECK_STR(json_string_value(json_object_get(m, key)), value);
    json_decref(m);
}

#define CHECK_HAS(text, needle) do { \
    if (strstr((text), (needle))) fdt_pass++; \
    else { fdt_fail++; fprintf(stderr, "%s:%d: output lacks \"%s\"; it was:\n%s\n", \
                               __FILE__, __LINE__, (needle), (text)); } \
} while (0)
#define CHECK_LACKS(text, needle) do { \
    if (!strstr((text), (needle))) fdt_pass++; \
    else { fdt_fail++; fprintf(stderr, "%s:%d: output has \"%s\"\n", __FILE__, __LINE__, (needle)); } \
} while (0)

/* A player: commands, a refused one, help (local), an alert and a page
 * printed as they come, the end of the run. */
static void test_player(void)
{
    Fake f;
    ConsoleOptions o = {.name = "alice", .team = "api"};
    const char *const steps[] = {"ack 1\ninspect cloud-api\n", "", "", "bogus thing\nhelp\n", "pause\n",
                                 "  \n", "note half", " a line\n", "finish\n"};
    char *out = run_case(&f, 2, &o, steps, (int)(sizeof steps / sizeof steps[0]));

    CHECK_EQ_INT(f.joins, 1);
    CHECK_EQ_INT(f.leaves, 1);
    CHECK_EQ_INT(f.quits, 1);
    CHECK(!f.facilitator);
    CHECK_EQ_INT(f.nmsgs, 7);
    json_t *hello = sent(&f, 0);
    CHECK_STR(json_string_value(json_object_get(hello, "t")), "hello");
    CHECK_STR(json_string_value(json_object_get(hello, "name")), "alice");
    CHECK_STR(json_string_value(json_object_get(hello, "team")), "api");
    json_decref(hello);
    check_sent(&f, 1, "cmd", "line", "ack 1");
    check_sent(&f, 2, "cmd", "line", "inspect cloud-api");
    check_sent(&f, 3, "cmd", "line", "bogus thing");
    check_sent(&f, 4, "cmd", "line", "pause");        /* not a facilitator: a command like any */
    check_sent(&f, 5, "cmd", "line", "note half a line");
    check_sent(&f, 6, "cmd", "line", "finish");  /* help never went to the hub */

    CHECK_HAS(out, "firedrill game day: api-outage (seed 7, starts 2026-12-04T15:00:00+08:00, 3h00m)\n");
    CHECK_HAS(out, "teams: api (played), platform (played), db\n");
    CHECK_HAS(out, "type help");
    CHECK_HAS(out, "[15:23:10] ALERT api-5xx firing: error_rate > 5%\n");
    CHECK_HAS(out, "[15:23:40] PAGE #3 to api: api-5xx: error_rate > 5% (ack 3)\n");
    CHECK_HAS(out, "[15:23:50] bob (platform): looking at the db\n");
    CHECK_LACKS(out, "not shown");
    CHECK_HAS(out, "[15:24:00] STATUS investigating: errors on the API\n");
    CHECK_HAS(out, "acked page #1\n");
    CHECK_HAS(out, "cloud-api: 3 of 3 up\n  shanghai  err 7.1%\n");
    CHECK_HAS(out, "error: unknown command: bogus\n");
    CHECK_HAS(out, "inspect SERVICE");
    CHECK_HAS(out, "a service's state by region");
    CHECK_LACKS(out, "facilitator:");
    CHECK_HAS(out, "-- the run is over: api-outage, expectations 1/2 met, the incident lasted 0h42m10s --\n");
    CHECK_HAS(out, "report: /tmp/gd/report.html\n");
    CHECK_LACKS(out, "\033");   /* not a terminal: no colour */
    CHECK_LACKS(out, "\r");
    /* the alert came before the reply to `bogus`, which was typed later */
    const char *a = strstr(out, "ALERT"), *b = strstr(out, "error: unknown");
    CHECK(a && b && a < b);
    free(out);
    fake_free(&f);
}

/* The facilitator: asked for a team (two are played), answers from the
 * pipe; controls go as control; the end of input quits. */
static void test_facilitator(void)
{
    Fake f;
    setenv("USER", "tester", 1);
    ConsoleOptions o = {.facilitator = true};
    const char *const steps[] = {"nosuch\nplatform\npause\n", "speed 30\nspeed fast\ninject db-failover\n",
                                 "hint 2\nhint look at the db\nskip\n", "resume\nhelp\nrollback cloud-api\n",
                                 "end", NULL};
    char *out = run_case(&f, 2, &o, steps, (int)(sizeof steps / sizeof steps[0]));

    CHECK(f.facilitator);
    CHECK_EQ_INT(f.quits, 1);
    CHECK_EQ_INT(f.leaves, 1);
    CHECK_EQ_INT(f.nmsgs, 10);
    json_t *m = sent(&f, 0);
    CHECK_STR(json_string_value(json_object_get(m, "name")), "tester");
    CHECK_STR(json_string_value(json_object_get(m, "team")), "platform");
    json_decref(m);
    check_sent(&f, 1, "control", "op", "pause");
    m = sent(&f, 1);
    CHECK(json_is_null(json_object_get(m, "value")));
    json_decref(m);
    m = sent(&f, 2);
    CHECK_STR(json_string_value(json_object_get(m, "op")), "speed");
    CHECK(json_is_number(json_object_get(m, "value")));
    CHECK_NEAR(json_number_value(json_object_get(m, "value")), 30, 0);
    json_decref(m);
    m = sent(&f, 3);
    CHECK_STR(json_string_value(json_object_get(m, "op")), "inject");
    CHECK_STR(json_string_value(json_object_get(m, "value")), "db-failover");
    json_decref(m);
    m = sent(&f, 4);
    CHECK_STR(json_string_value(json_object_get(m, "op")), "hint");
    CHECK(json_is_integer(json_object_get(m, "value")));
    CHECK_EQ_INT(json_integer_value(json_object_get(m, "value")), 2);
    json_decref(m);
    m = sent(&f, 5);
    CHECK_STR(json_string_value(json_object_get(m, "value")), "look at the db");
    json_decref(m);
    check_sent(&f, 6, "control", "op", "skip");
    check_sent(&f, 7, "control", "op", "resume");
    check_sent(&f, 8, "cmd", "line", "rollback cloud-api");
    check_sent(&f, 9, "control", "op", "end");  /* the last line, without '\n', at the end of input */

    CHECK_HAS(out, "your team (api, platform; empty to watch): \n");
    CHECK_HAS(out, "nosuch is not a played team\n");
    CHECK_HAS(out, "-- paused --\n");
    CHECK_HAS(out, "-- resumed --\n");
    CHECK_HAS(out, "error: speed wants a positive number");
    CHECK_HAS(out, "facilitator:\n");
    CHECK_HAS(out, "control skip\n");
    free(out);
    fake_free(&f);
}

/* One played team: chosen without asking; `quit` quits with the input
 * still open. */
static void test_quit(void)
{
    Fake f;
    ConsoleOptions o = {.name = "bob"};
    const char *const steps[] = {"inspect cloud-db\nquit\ninspect never\n"};
    char *out = run_case(&f, 1, &o, steps, 1);
    CHECK_EQ_INT(f.quits, 1);
    CHECK_EQ_INT(f.nmsgs, 2);
    json_t *m = sent(&f, 0);
    CHECK_STR(json_string_value(json_object_get(m, "team")), "api");
    CHECK_STR(json_string_value(json_object_get(m, "name")), "bob");
    json_decref(m);
    check_sent(&f, 1, "cmd", "line", "inspect cloud-db");
    CHECK_LACKS(out, "your team");
    CHECK_HAS(out, "cloud-db: 3 of 3 up");
    free(out);
    fake_free(&f);
}

/* A hub that refuses: console_start fails and says why. */
static void test_full(void)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    Fake f;
    fake_init(&f, &loop, 2);
    f.full = true;
    ConsoleOptions o = {.name = "x", .in_fd = 0, .out_fd = 1};
    ConsoleHooks h = {&f, fake_join, fake_message, fake_leave};
    char err[256] = "";
    Console *c = (Console *)&f;
    CHECK_EQ_INT(console_start(&c, &loop, &o, &h, err, sizeof err), -1);
    CHECK(c == NULL);
    CHECK(strstr(err, "full") != NULL);
    CHECK_EQ_INT(f.leaves, 0);
    close_all(&f);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK_EQ_INT(uv_loop_close(&loop), 0);
}

/* ---- the interactive fake, for tests/cli/console_tty.sh ---- */

static int interactive(int argc, char **argv)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    Fake f;
    fake_init(&f, &loop, 2);
    f.interactive = true;
    ConsoleOptions o = {.in_fd = 0, .out_fd = 1, .quit = on_quit, .quit_ud = &f};
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--facilitator") == 0) o.facilitator = true;
        else if (strcmp(argv[i], "--name") == 0 && i + 1 < argc) o.name = argv[++i];
        else if (strcmp(argv[i], "--team") == 0 && i + 1 < argc) o.team = argv[++i];
    }
    ConsoleHooks h = {&f, fake_join, fake_message, fake_leave};
    char err[256];
    if (console_start(&f.con, &loop, &o, &h, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    printf("console done: %d message(s) sent\n", f.nmsgs);
    fake_free(&f);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--interactive") == 0) return interactive(argc, argv);
    unsetenv("NO_COLOR");
    test_player();
    test_facilitator();
    test_quit();
    test_full();
    return fdt_finish();
}

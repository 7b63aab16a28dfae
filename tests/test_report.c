/*
 * test_report.c: the report layer's outputs for a hand-built run.
 *
 * The RunResult imitates Tencent Cloud's 2024-04-08 cloud API incident
 * (the write-up our timeline imitates): run time 0 is 07:00 UTC, printed
 * at UTC+8 as 15:00. It checks the printed timeline (order, local times,
 * colour only when asked, no escape smuggled in by scenario text), parses
 * events.jsonl and summary.json back with Jansson, and checks that an
 * aborted atomic write leaves the previous output in place.
 */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>
#include "base/atomic_file.h"
#include "fdtest.h"
#include "result_fixture.h"
#include "model/result.h"
#include "report/metrics_csv.h"
#include "report/run_json.h"
#include "report/timeline.h"


/* ---- helpers ---- */

/* The report as a string (the caller frees). */
static char *print_to_string(const RunResult *r, bool color)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) abort();
    timeline_print(r, f, color);
    fclose(f);
    return buf;
}

static bool write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) return false;
    fputs(text, f);
    return fclose(f) == 0;
}

/* Entries in dir whose name contains ".tmp.": leftovers of atomic writes. */
static int count_temporaries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strstr(e->d_name, ".tmp.")) n++;
    closedir(d);
    return n;
}

static void remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0) return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
            char sub[4096];
            snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
            remove_tree(sub);
        }
        if (d) closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

/* ---- the run ---- */

static void build_run(RunResult *r)
{
    result_init(r);
    r->scenario = xstrdup("tencent-cloud-api-2024-04-08");
    r->path = xstrdup("scenarios/tencent_api.lua");
    r->seed = 42;
    r->wall_start = APR8_0700_UTC;
    r->tz_minutes = 480;
    r->duration = 3 * FD_HOUR;
    r->sampling = 10;
    r->events_run = 123456789;

    r->nparams = 2;
    r->params = xcalloc(2, sizeof *r->params);
    r->params[0] = xstrdup("surge=9");
    r->params[1] = xstrdup("rollback_at=45m");

    /* Out of order, as a scenario produces them: the incident clock's
     * moments are only known at the end. Two events share 15:23 and must
     * keep the order they were added in. */
    result_add_event(r, 23 * FD_MIN, RE_ALERT, "cloud-api-5xx", "shanghai",
                     "alert cloud-api-5xx fired");
    result_add_event(r, 47 * FD_MIN, RE_ACTION, "cloud-api", NULL,
                     "rollback of cloud-api did not restore service");
    result_add_event(r, 3 * FD_MIN, RE_CHANGE, "cloud-api", NULL,
                     "cloud-api v2 and its configuration pushed to all regions");
    result_add_event(r, 23 * FD_MIN, RE_INCIDENT, NULL, NULL, "incident declared by sre-oncall");
    result_add_event(r, 62 * FD_MIN + 30 * FD_SEC, RE_DEADLOCK, "tke", "shanghai",
                     "deadlock in shanghai: tke -> cloud-api -> tke\033[2J");
    result_add_event(r, 105 * FD_MIN, RE_CLOCK, NULL, NULL, "every entry point above its SLO");
    result_sort_events(r);

    r->t_start = 3 * FD_MIN;
    r->t_detected = 23 * FD_MIN;
    r->t_mitigated = 105 * FD_MIN;
    r->t_recovered = 110 * FD_MIN;
    fixture_entry(r, (EntryResult){
        .name = xstrdup("console"), .slo = 0.999,
        .availability = 0.712345678912, .attempt_availability = 0.6010000000001,
        .incident_availability = 0.25, .degraded = 0.0123, .baseline_rate = 12.5, .peak_rate = 112.5,
        .peak_to_baseline = 9.0, .intents = 1500000, .attempts = 2400000.4,
        .customers = 20000, .customers_affected = 1957, .customers_reported = 312 });
    fixture_entry(r, (EntryResult){
        .name = xstrdup("api"), .slo = 0.99, .availability = 0.99,
        .attempt_availability = 0.99999999, .incident_availability = NAN, .degraded = 0, .baseline_rate = 0, .peak_rate = 3,
        .peak_to_baseline = INFINITY, .intents = 10, .attempts = 10 });

    r->ndeadlocks = 1;
    r->deadlocks = xcalloc(1, sizeof *r->deadlocks);
    r->deadlocks[0] = (DeadlockResult){ 62 * FD_MIN + 30 * FD_SEC, xstrdup("shanghai"),
                                        xstrdup("tke -> cloud-api -> tke") };
    fixture_expect(r, "recovered_within(120m)", true, "recovered after 107 min", 1);
    fixture_expect(r, "availability(console) >= 0.9", false, "0.712 < 0.9", 1);
    fixture_expect(r, "no_deadlock()", true, NULL, 0.95);
}

/* ---- tests ---- */

static void test_datetime(void)
{
    RunResult r;
    result_init(&r);
    char buf[64];
    r.wall_start = APR8_0700_UTC;
    r.tz_minutes = 480;
    result_datetime(&r, 0, true, buf, sizeof buf);
    CHECK_STR(buf, "2024-04-08T15:00:00+08:00");
    result_datetime(&r, 0, false, buf, sizeof buf);
    CHECK_STR(buf, "2024-04-08 15:00:00 UTC+08:00");
    result_clock(&r, 23 * FD_MIN, false, buf, sizeof buf);
    CHECK_STR(buf, "15:23");

    r.tz_minutes = -330;   /* 07:00 UTC is 01:30 at UTC-05:30 */
    result_datetime(&r, 0, true, buf, sizeof buf);
    CHECK_STR(buf, "2024-04-08T01:30:00-05:30");
    r.tz_minutes = -480;   /* the day before */
    result_datetime(&r, 0, true, buf, sizeof buf);
    CHECK_STR(buf, "2024-04-07T23:00:00-08:00");
    CHECK_EQ_INT(result_local_day(&r, 0) + 1, result_local_day(&r, FD_HOUR));

    r.tz_minutes = 0;      /* a leap day, and before the epoch */
    r.wall_start = INT64_C(1709164800); /* 2024-02-29T00:00:00Z */
    result_datetime(&r, 0, true, buf, sizeof buf);
    CHECK_STR(buf, "2024-02-29T00:00:00+00:00");
    r.wall_start = -1;
    result_datetime(&r, 0, true, buf, sizeof buf);
    CHECK_STR(buf, "1969-12-31T23:59:59+00:00");
    CHECK_EQ_INT(result_local_day(&r, 0), -1);
}

static void test_event_order(void)
{
    RunResult r;
    result_init(&r);
    result_add_event(&r, 5, RE_NOTE, NULL, NULL, "b");
    result_add_event(&r, 1, RE_NOTE, NULL, NULL, "a");
    result_add_event(&r, 5, RE_NOTE, NULL, NULL, "c");
    int *order = result_event_order(&r);
    CHECK(order != NULL);
    if (order) {
        CHECK_EQ_INT(order[0], 1);
        CHECK_EQ_INT(order[1], 0);
        CHECK_EQ_INT(order[2], 2);
    }
    free(order);
    /* Unsorted events still print in time order. */
    char *s = print_to_string(&r, false);
    CHECK(strstr(s, "  1. ") && strstr(strstr(s, "  1. "), "  a\n"));
    CHECK(strstr(s, "  3. ") && strstr(strstr(s, "  3. "), "  c\n"));
    free(s);
    result_free(&r);
}

static void test_timeline_text(const RunResult *r, bool show)
{
    char *s = print_to_string(r, false);
    CHECK(strchr(s, '\033') == NULL);

    CHECK(strstr(s, "tencent-cloud-api-2024-04-08  seed 42\n") == s);
    CHECK(strstr(s, "  start     2024-04-08 15:00:00 UTC+08:00\n") != NULL);
    CHECK(strstr(s, "  duration  3h\n") != NULL);
    CHECK(strstr(s, "  sampling  each simulated request stands for 10\n") != NULL);
    CHECK(strstr(s, "  params    surge=9 rollback_at=45m\n") != NULL);

    /* Numbered lines, in time order, equal times in insertion order. */
    static const char *const lines[] = {
        "\n  1. 15:03  cloud-api v2 and its configuration pushed to all regions\n",
        "\n  2. 15:23  alert cloud-api-5xx fired\n",
        "\n  3. 15:23  incident declared by sre-oncall\n",
        "\n  4. 15:47  rollback of cloud-api did not restore service\n",
        "\n  5. 16:02  deadlock in shanghai: tke -> cloud-api -> tke?[2J\n",
        "\n  6. 16:45  every entry point above its SLO\n",
    };
    const char *prev = s;
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
        const char *at = strstr(s, lines[i]);
        CHECK(at != NULL && at > prev);
        if (!at) fprintf(stderr, "  missing: %s", lines[i] + 1);
        else prev = at;
    }

    CHECK(strstr(s, "\nIncident clock\n"
                    "  start      15:03\n"
                    "  detected   15:23  +20 min\n"
                    "  mitigated  16:45  +102 min\n"
                    "  recovered  16:50  +107 min\n"
                    "  duration   107 min\n") != NULL);
    CHECK(strstr(s, "\nEntry points\n  console\n"
                    "    availability  71.234% of intents, 60.100% of attempts (SLO 99.9%)\n"
                    "                  (an intent is what a user wants done; its attempts are the "
                    "requests sent for it, retries included)\n"
                    "    incident      25.000% of intents from the incident's start to its recovery\n"
                    "    degraded      1.230% of answered intents (answered by a fallback: worse, "
                    "but not failed)\n"
                    "    traffic       baseline 12.5/s, peak 112.5/s (9.0x baseline, at 15:00) "
                    "(users' attempts: automatic retries left out)\n"
                    "    customers     1957 affected, 312 reported, of 20000\n") != NULL);
    /* 0.99 is not floored to 98.999%, 0.99999999 not shown as 100%, and
     * there is no ratio over a zero baseline. */
    CHECK(strstr(s, "    availability  99.000% of intents, 99.999% of attempts (SLO 99%)\n"));
    CHECK(strstr(s, "    traffic       baseline 0/s, peak 3/s\n"));
    /* The terms are explained once, and an entry without an incident
     * figure shows none. */
    CHECK(strstr(strstr(s, "an intent is what") + 1, "an intent is what") == NULL);
    CHECK(strstr(s, "    degraded      0.000% of answered intents\n"));
    CHECK(strstr(s, "incident      nan") == NULL);
    CHECK(strstr(s, "    customers     0 affected, 0 reported\n"));
    CHECK(strstr(s, "\nDeadlocks\n  16:02  shanghai: tke -> cloud-api -> tke\n") != NULL);
    CHECK(strstr(s, "\nExpectations\n"
                    "  PASS  recovered_within(120m)        recovered after 107 min\n"
                    "  FAIL  availability(console) >= 0.9  0.712 < 0.9\n"
                    "  PASS  no_deadlock()\n"
                    "2 of 3 expectations hold\n") != NULL);
    size_t len = strlen(s), tail = strlen("\n2 of 3 expectations hold\n");
    CHECK(len > tail && strcmp(s + len - tail, "\n2 of 3 expectations hold\n") == 0);
    if (show) printf("%s\n", s);
    free(s);
}

static void test_timeline_color(const RunResult *r)
{
    char *s = print_to_string(r, true);
    CHECK(strchr(s, '\033') != NULL);
    CHECK(strstr(s, "\033[32mPASS\033[0m") != NULL);
    CHECK(strstr(s, "\033[31mFAIL\033[0m") != NULL);
    CHECK(strstr(s, "\033[1mTimeline\033[0m") != NULL);
    CHECK(strstr(s, "\033[2m15:03\033[0m") != NULL);
    /* The scenario's own escape stays neutralised with colour on too. */
    CHECK(strstr(s, "\033[2J") == NULL);
    free(s);

    /* Never for a file, nor with NO_COLOR, whatever the stream. */
    FILE *f = tmpfile();
    CHECK(f && !timeline_color_wanted(f));
    if (f) fclose(f);
    setenv("NO_COLOR", "1", 1);
    CHECK(!timeline_color_wanted(stdout));
    unsetenv("NO_COLOR");
}

/* A name too long to align to goes on its own line; its detail below it,
 * never run into it. */
static void test_long_expectation_name(void)
{
    RunResult r;
    result_init(&r);
    fixture_expect(&r, "short", true, "fine", 1);
    fixture_expect(&r, "a check of our own whose name is much longer than forty columns", false,
                   "what it saw", 1);
    char *s = print_to_string(&r, false);
    CHECK(strstr(s, "  PASS  short  fine\n") != NULL);
    CHECK(strstr(s, "  FAIL  a check of our own whose name is much longer than forty columns\n"
                    "               what it saw\n") != NULL);
    free(s);
    result_free(&r);
}

static void test_incident_not_reached(void)
{
    RunResult r;
    result_init(&r);
    r.wall_start = APR8_0700_UTC;
    r.t_start = 10 * FD_MIN;
    r.t_detected = 5 * FD_MIN;     /* an alert before the SLO broke */
    char *s = print_to_string(&r, false);
    CHECK(strstr(s, "  start     2024-04-08 07:00:00 UTC+00:00\n") != NULL);
    CHECK(strstr(s, "  detected   07:05  -5 min\n") != NULL);
    CHECK(strstr(s, "  mitigated  not reached\n") != NULL);
    CHECK(strstr(s, "  recovered  not reached\n") != NULL);
    CHECK(strstr(s, "  duration   not reached\n") != NULL);
    CHECK(strstr(s, "  no events\n") != NULL);
    CHECK(strstr(s, "0 of 0 expectations hold\n") != NULL);
    free(s);
    result_free(&r);
}

static void test_midnight(void)
{
    RunResult r;
    result_init(&r);
    r.wall_start = APR8_0700_UTC + 8 * 3600 + 1800;   /* 23:30 at UTC+8 */
    r.tz_minutes = 480;
    r.t_start = 20 * FD_MIN;
    r.t_recovered = 50 * FD_MIN;
    result_add_event(&r, 10 * FD_MIN, RE_NOTE, NULL, NULL, "before");
    result_add_event(&r, 40 * FD_MIN, RE_NOTE, NULL, NULL, "after");
    char *s = print_to_string(&r, false);
    CHECK(strstr(s, "  1. 23:40  before\n     2024-04-09\n  2. 00:10  after\n") != NULL);
    CHECK(strstr(s, "  start      23:50\n") != NULL);
    CHECK(strstr(s, "  recovered  00:20 +1d  +30 min\n") != NULL);
    free(s);
    result_free(&r);
}

static void test_events_jsonl(const RunResult *r, const char *dir)
{
    char path[4096];
    join(path, sizeof path, dir, "events.jsonl");
    CHECK_EQ_INT(run_write_events_jsonl(r, path), 0);
    CHECK_EQ_INT(count_temporaries(dir), 0);
    char *text = read_file(path);
    CHECK(text != NULL);
    if (!text) return;
    /* Fixed key order, numbers as the policy says. */
    const char *first = "{\"t\":180.0,\"clock\":\"15:03:00\",\"kind\":\"change\","
                        "\"subject\":\"cloud-api\",\"text\":\"cloud-api v2 ";
    CHECK(strncmp(text, first, strlen(first)) == 0);

    int n = 0;
    for (char *line = text, *nl; (nl = strchr(line, '\n')) != NULL; line = nl + 1, n++) {
        *nl = '\0';
        json_error_t err;
        json_t *o = json_loads(line, 0, &err);
        CHECK(json_is_object(o));
        if (!o) {
            fprintf(stderr, "  line %d: %s\n", n + 1, err.text);
            continue;
        }
        const RunEvent *e = &r->events[n];
        CHECK_NEAR(json_real_value(json_object_get(o, "t")), fd_time_sec(e->t), 1e-9);
        CHECK_STR(json_string_value(json_object_get(o, "kind")), run_event_kind_name(e->kind));
        CHECK_STR(json_string_value(json_object_get(o, "text")), e->text);
        CHECK(e->subject ? json_is_string(json_object_get(o, "subject"))
                         : json_object_get(o, "subject") == NULL);
        CHECK(e->region ? json_is_string(json_object_get(o, "region"))
                        : json_object_get(o, "region") == NULL);
        if (n == 4) {
            CHECK_STR(json_string_value(json_object_get(o, "clock")), "16:02:30");
            CHECK_STR(json_string_value(json_object_get(o, "region")), "shanghai");
        }
        json_decref(o);
    }
    CHECK_EQ_INT(n, r->nevents);
    free(text);
}

static void test_summary_json(const RunResult *r, const char *dir)
{
    char path[4096], path2[4096];
    join(path, sizeof path, dir, "summary.json");
    join(path2, sizeof path2, dir, "summary2.json");
    CHECK_EQ_INT(run_write_summary(r, path), 0);
    CHECK_EQ_INT(run_write_summary(r, path2), 0);
    CHECK_EQ_INT(count_temporaries(dir), 0);

    /* Byte-identical across writes, and the same as --json prints. */
    char *a = read_file(path), *b = read_file(path2), *c = NULL;
    size_t clen = 0;
    FILE *m = open_memstream(&c, &clen);
    CHECK_EQ_INT(timeline_print_json(r, m), 0);
    fclose(m);
    CHECK(a && b && strcmp(a, b) == 0);
    CHECK(a && c && strcmp(a, c) == 0);
    /* Rounded before encoding: no float noise in the text. */
    CHECK(a && strstr(a, "\"availability\": 0.712345,") != NULL);
    CHECK(a && strstr(a, "\"attempt_availability\": 0.601,") != NULL);
    CHECK(a && strstr(a, "\"incident_availability\": 0.25,") != NULL);
    CHECK(a && strstr(a, "\"slo\": 0.999,") != NULL);
    CHECK(a && strstr(a, "\"attempts\": 2400000,") != NULL);
    CHECK(a && strstr(a, "{\n  \"scenario\": ") == a);
    free(a);
    free(b);
    free(c);

    json_error_t err;
    json_t *o = json_load_file(path, 0, &err);
    CHECK(json_is_object(o));
    if (!o) {
        fprintf(stderr, "  %s:%d: %s\n", path, err.line, err.text);
        return;
    }
    /* The keys, in order. */
    static const char *const keys[] = {
        "scenario", "path", "seed", "params", "start", "duration_s", "sampling", "incident",
        "entries", "deadlocks", "expectations", "ok", "events_run",
    };
    size_t k = 0;
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v) {
        CHECK(k < sizeof keys / sizeof *keys && strcmp(key, keys[k]) == 0);
        k++;
    }
    CHECK_EQ_INT(k, sizeof keys / sizeof *keys);

    CHECK_STR(json_string_value(json_object_get(o, "scenario")), "tencent-cloud-api-2024-04-08");
    CHECK_STR(json_string_value(json_object_get(o, "path")), "scenarios/tencent_api.lua");
    CHECK_EQ_INT(json_integer_value(json_object_get(o, "seed")), 42);
    json_t *params = json_object_get(o, "params");
    CHECK_STR(json_string_value(json_object_get(params, "surge")), "9");
    CHECK_STR(json_string_value(json_object_get(params, "rollback_at")), "45m");
    CHECK_STR(json_string_value(json_object_get(o, "start")), "2024-04-08T15:00:00+08:00");
    CHECK_NEAR(json_number_value(json_object_get(o, "duration_s")), 10800, 0);
    CHECK_NEAR(json_number_value(json_object_get(o, "sampling")), 10, 0);

    json_t *inc = json_object_get(o, "incident");
    CHECK_NEAR(json_number_value(json_object_get(json_object_get(inc, "start"), "t")), 180, 0);
    CHECK_STR(json_string_value(json_object_get(json_object_get(inc, "start"), "clock")), "15:03");
    CHECK_STR(json_string_value(json_object_get(json_object_get(inc, "detected"), "clock")),
              "15:23");
    CHECK_STR(json_string_value(json_object_get(json_object_get(inc, "mitigated"), "clock")),
              "16:45");
    CHECK_STR(json_string_value(json_object_get(json_object_get(inc, "recovered"), "clock")),
              "16:50");
    CHECK_NEAR(json_number_value(json_object_get(inc, "duration_s")), 107 * 60, 0);

    json_t *entries = json_object_get(o, "entries");
    CHECK_EQ_INT(json_array_size(entries), 2);
    json_t *e0 = json_array_get(entries, 0), *e1 = json_array_get(entries, 1);
    CHECK_STR(json_string_value(json_object_get(e0, "name")), "console");
    CHECK_NEAR(json_real_value(json_object_get(e0, "availability")), 0.712345, 1e-12);
    CHECK_NEAR(json_real_value(json_object_get(e0, "peak_to_baseline")), 9, 0);
    CHECK_EQ_INT(json_integer_value(json_object_get(e0, "intents")), 1500000);
    CHECK_EQ_INT(json_integer_value(json_object_get(e0, "customers_affected")), 1957);
    CHECK_EQ_INT(json_integer_value(json_object_get(e0, "customers_reported")), 312);
    CHECK(json_is_null(json_object_get(e1, "peak_to_baseline")));
    /* Floored, never shown as 100%; 0.99 not floored to 0.989999. */
    CHECK_NEAR(json_real_value(json_object_get(e1, "attempt_availability")), 0.999999, 0);
    CHECK_NEAR(json_real_value(json_object_get(e1, "availability")), 0.99, 0);

    json_t *d0 = json_array_get(json_object_get(o, "deadlocks"), 0);
    CHECK_NEAR(json_number_value(json_object_get(d0, "t")), 3750, 0);
    CHECK_STR(json_string_value(json_object_get(d0, "clock")), "16:02");
    CHECK_STR(json_string_value(json_object_get(d0, "region")), "shanghai");
    CHECK_STR(json_string_value(json_object_get(d0, "cycle")), "tke -> cloud-api -> tke");

    json_t *xs = json_object_get(o, "expectations");
    CHECK_EQ_INT(json_array_size(xs), 3);
    CHECK(json_is_true(json_object_get(json_array_get(xs, 0), "ok")));
    CHECK(json_is_false(json_object_get(json_array_get(xs, 1), "ok")));
    CHECK_STR(json_string_value(json_object_get(json_array_get(xs, 1), "detail")), "0.712 < 0.9");
    CHECK(json_is_null(json_object_get(json_array_get(xs, 2), "detail")));
    CHECK_NEAR(json_number_value(json_object_get(json_array_get(xs, 2), "pass_rate")), 0.95, 0);
    CHECK(json_is_false(json_object_get(o, "ok")));
    CHECK_EQ_INT(json_integer_value(json_object_get(o, "events_run")), 123456789);
    json_decref(o);
}

/* The moments never reached are null, a huge seed is a string, and text
 * that is not UTF-8 still gives valid JSON. */
static void test_summary_edges(const char *dir)
{
    RunResult r;
    result_init(&r);
    r.seed = UINT64_MAX;
    r.nparams = 1;
    r.params = xcalloc(1, sizeof *r.params);
    r.params[0] = xstrdup("bad\xff=v\xc3");
    result_add_event(&r, 0, RE_NOTE, NULL, NULL, "caf\xe9 \xed\xa0\x80 ok");

    char path[4096];
    join(path, sizeof path, dir, "edge.json");
    CHECK_EQ_INT(run_write_summary(&r, path), 0);
    json_t *o = json_load_file(path, 0, NULL);
    CHECK(o != NULL);
    CHECK_STR(json_string_value(json_object_get(o, "seed")), "18446744073709551615");
    CHECK(json_is_null(json_object_get(o, "scenario")));
    json_t *inc = json_object_get(o, "incident");
    CHECK(json_is_null(json_object_get(inc, "start")));
    CHECK(json_is_null(json_object_get(inc, "recovered")));
    CHECK(json_is_null(json_object_get(inc, "duration_s")));
    CHECK_STR(json_string_value(json_object_get(json_object_get(o, "params"), "bad\xef\xbf\xbd")),
              "v\xef\xbf\xbd");
    CHECK(json_is_true(json_object_get(o, "ok")));
    json_decref(o);

    join(path, sizeof path, dir, "edge.jsonl");
    CHECK_EQ_INT(run_write_events_jsonl(&r, path), 0);
    char *text = read_file(path);
    o = text ? json_loads(text, 0, NULL) : NULL;
    CHECK_STR(json_string_value(json_object_get(o, "text")),
              "caf\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd ok");
    json_decref(o);
    free(text);

    /* Into a directory that does not exist: an error, nothing written. */
    join(path, sizeof path, dir, "missing/summary.json");
    CHECK_EQ_INT(run_write_summary(&r, path), -ENOENT);
    result_free(&r);
}

static void test_atomic_file(const char *dir)
{
    char path[4096];
    join(path, sizeof path, dir, "out.txt");

    /* Commit: the file appears with the content and the umask's mode. */
    AtomicFile af;
    FILE *f = afile_open(&af, path);
    CHECK(f != NULL);
    if (!f) return;
    fputs("first\n", f);
    CHECK(access(path, F_OK) != 0);     /* nothing at the target before commit */
    CHECK_EQ_INT(count_temporaries(dir), 1);
    CHECK_EQ_INT(afile_commit(&af), 0);
    char *s = read_file(path);
    CHECK_STR(s, "first\n");
    free(s);
    mode_t mask = umask(0);
    umask(mask);
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == (0666 & ~mask));
    CHECK_EQ_INT(count_temporaries(dir), 0);

    /* Abort over an existing file: the previous output stays. */
    f = afile_open(&af, path);
    CHECK(f != NULL);
    if (!f) return;
    fputs("half-writ", f);
    fflush(f);
    afile_abort(&af);
    s = read_file(path);
    CHECK_STR(s, "first\n");
    free(s);
    CHECK_EQ_INT(count_temporaries(dir), 0);
    afile_abort(&af);                   /* a second abort is harmless */

    /* Abort with no previous file: nothing is left. */
    char fresh[4096];
    join(fresh, sizeof fresh, dir, "never.txt");
    f = afile_open(&af, fresh);
    CHECK(f != NULL);
    if (f) {
        fputs("x", f);
        afile_abort(&af);
    }
    CHECK(access(fresh, F_OK) != 0 && errno == ENOENT);
    CHECK_EQ_INT(count_temporaries(dir), 0);

    /* Commit replaces. */
    f = afile_open(&af, path);
    if (f) {
        fputs("second\n", f);
        CHECK_EQ_INT(afile_commit(&af), 0);
    }
    s = read_file(path);
    CHECK_STR(s, "second\n");
    free(s);

    /* A missing directory fails at open, with errno. */
    char bad[4096];
    join(bad, sizeof bad, dir, "nope/out.txt");
    errno = 0;
    CHECK(afile_open(&af, bad) == NULL && errno == ENOENT);
    afile_abort(&af);                   /* harmless on a failed open too */

    /* Committing over a directory fails and leaves no temporary. */
    char sub[4096];
    join(sub, sizeof sub, dir, "adir");
    CHECK(mkdir(sub, 0777) == 0);
    f = afile_open(&af, sub);
    if (f) {
        fputs("x", f);
        CHECK(afile_commit(&af) < 0);
    }
    CHECK_EQ_INT(count_temporaries(dir), 0);

    /* A full disk is reported as one (ENOSPC), not as EIO: the stream's
     * descriptor is swapped for /dev/full, whose writes fail that way. */
    int full = open("/dev/full", O_WRONLY);
    f = full >= 0 ? afile_open(&af, path) : NULL;
    CHECK(f != NULL);
    if (f) {
        CHECK(dup2(full, fileno(f)) >= 0);
        for (int i = 0; i < 100000; i++) fputs("a line of output\n", f);
        fflush(f);                      /* its failure's errno is gone by the commit */
        CHECK_EQ_INT(afile_commit(&af), -ENOSPC);
    }
    if (full >= 0) close(full);
    s = read_file(path);
    CHECK_STR(s, "second\n");          /* the previous output stays */
    free(s);
    CHECK_EQ_INT(count_temporaries(dir), 0);

    /* Temporaries of the same target left by a dead writer are removed by
     * the next open; a live writer's, and other files, are left alone. */
    char stale[4096], live[4096], other[4096];
    pid_t dead = fork();
    if (dead == 0) _exit(0);
    waitpid(dead, NULL, 0);
    char name[128];
    snprintf(name, sizeof name, "out.txt.tmp.%ld.AbCdEf", (long)dead);
    join(stale, sizeof stale, dir, name);
    snprintf(name, sizeof name, "out.txt.tmp.%ld.AbCdEf", (long)getpid());
    join(live, sizeof live, dir, name);
    join(other, sizeof other, dir, "other.txt.tmp.1.AbCdEf");
    const char *const made[] = { stale, live, other };
    for (int i = 0; i < 3; i++) {
        FILE *m = fopen(made[i], "w");
        CHECK(m != NULL);
        if (m) fclose(m);
    }
    f = afile_open(&af, path);
    CHECK(f != NULL);
    if (f) afile_abort(&af);
    CHECK(access(stale, F_OK) != 0);
    CHECK(access(live, F_OK) == 0);
    CHECK(access(other, F_OK) == 0);
    unlink(live);
    unlink(other);

    /* afile_remove_temporaries(), what the SIGINT/SIGTERM handler calls,
     * removes the open ones and leaves the AtomicFile abortable. */
    f = afile_open(&af, path);
    CHECK(f != NULL);
    if (f) {
        CHECK_EQ_INT(count_temporaries(dir), 1);
        afile_remove_temporaries();
        CHECK_EQ_INT(count_temporaries(dir), 0);
        afile_abort(&af);
    }
}

static void test_mkdir_p(const char *dir)
{
    char path[4096];
    struct stat st;
    join(path, sizeof path, dir, "a//b/c/");
    CHECK_EQ_INT(fd_mkdir_p(path), 0);
    CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode));
    CHECK_EQ_INT(fd_mkdir_p(path), 0);  /* existing is fine */

    join(path, sizeof path, dir, "plain");
    CHECK(write_file(path, "x"));
    CHECK_EQ_INT(fd_mkdir_p(path), -ENOTDIR);
    join(path, sizeof path, dir, "plain/sub");
    CHECK_EQ_INT(fd_mkdir_p(path), -ENOTDIR);
    CHECK_EQ_INT(fd_mkdir_p(""), -ENOENT);
}

/* With -v, prints the sample report. */
/* csv_put_number() writes what "%.9g" writes, its fast path for whole
 * numbers included: the edges of that path and values either side. */
static void test_csv_number(void)
{
    const double v[] = { 0, -0.0, 1, -1, 7, 10, 31, 100, 123456789, 999999999, -999999999,
                         1e9, -1e9, 1e9 - 0.5, 999999999.5, 4294967296.0, 0.5, -0.5, 1.25,
                         1e-7, 123.456, 2.5e8 + 0.25, 1e15, -1e300, NAN, INFINITY, -INFINITY };
    int same = 0, n = (int)(sizeof v / sizeof v[0]);
    for (int i = 0; i < n; i++) {
        char got[64] = "", want[64];
        FILE *f = fmemopen(got, sizeof got - 1, "w");
        if (!f) continue;
        csv_put_number(f, v[i]);
        fclose(f);
        snprintf(want, sizeof want, "%.9g", v[i]);
        if (strcmp(got, want) == 0) same++;
        else fprintf(stderr, "csv_put_number(%.17g): '%s', printf '%s'\n", v[i], got, want);
    }
    CHECK_EQ_INT(same, n);
}

int main(int argc, char **argv)
{
    test_csv_number();
    test_datetime();
    test_event_order();

    RunResult r;
    build_run(&r);
    test_timeline_text(&r, argc > 1 && strcmp(argv[1], "-v") == 0);
    test_timeline_color(&r);
    test_incident_not_reached();
    test_long_expectation_name();
    test_midnight();

    const char *tmp = getenv("TMPDIR");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/fdtest-report-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        result_free(&r);
        return 1;
    }
    test_events_jsonl(&r, dir);
    test_summary_json(&r, dir);
    test_summary_edges(dir);
    test_atomic_file(dir);
    test_mkdir_p(dir);
    remove_tree(dir);

    result_free(&r);
    return fdt_finish();
}

/*
 * test_summary_diff.c: the summary difference `run --watch` prints, for
 * hand-built runs.
 *
 * Run time 0 is 2024-01-01 10:00 UTC, printed at UTC+0. Each case builds a
 * previous and a current RunResult, prints the difference into memory and
 * checks its lines: flipped expectations (also when an edited threshold
 * renamed one), new and gone ones, the incident clock moving, appearing
 * and disappearing, the duration, availability per entry point, and
 * "no change" for equal runs.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fdtest.h"
#include "result_fixture.h"
#include "model/result.h"
#include "report/summary_diff.h"

#define JAN1_1000_UTC INT64_C(1704103200)

static void base_run(RunResult *r)
{
    result_init(r);
    r->scenario = xstrdup("t");
    r->wall_start = JAN1_1000_UTC;
    r->duration = 60 * FD_MIN;
    r->t_start = 2 * FD_MIN;
    r->t_detected = 5 * FD_MIN;
    r->t_mitigated = 20 * FD_MIN;
    r->t_recovered = 47 * FD_MIN;
    fixture_entry(r, (EntryResult){ .name = xstrdup("users"), .availability = 0.9995,
                                    .customers_affected = 10 });
    fixture_entry(r, (EntryResult){ .name = xstrdup("partners"), .availability = 0.98 });
}

/* The difference as a string (the caller frees); *n gets the count. */
static char *diff(const RunResult *p, const RunResult *c, int *n)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) abort();
    *n = summary_diff_print(p, c, f);
    fclose(f);
    return buf;
}

static bool has(const char *text, const char *line)
{
    if (strstr(text, line)) return true;
    fprintf(stderr, "  wanted: \"%s\"\n  in:\n%s", line, text);
    return false;
}

static void test_same(void)
{
    RunResult a, b;
    base_run(&a);
    base_run(&b);
    fixture_expect(&a, "recovered within 1h", true, NULL, 1);
    fixture_expect(&b, "recovered within 1h", true, NULL, 1);
    int n;
    char *t = diff(&a, &b, &n);
    CHECK_EQ_INT(n, 0);
    CHECK_STR(t, "  no change in the summary\n");
    free(t);
    result_free(&a);
    result_free(&b);
}

static void test_flips(void)
{
    RunResult a, b;
    base_run(&a);
    base_run(&b);
    fixture_expect(&a, "recovered within 1h", true, NULL, 1);
    fixture_expect(&a, "no deadlock", false, NULL, 1);
    fixture_expect(&a, "detected within 10m", true, NULL, 1);
    fixture_expect(&b, "recovered within 1h", false, "not recovered", 1);
    fixture_expect(&b, "no deadlock", true, NULL, 1);
    fixture_expect(&b, "detected within 10m", true, NULL, 1);
    int n;
    char *t = diff(&a, &b, &n);
    CHECK_EQ_INT(n, 2);
    CHECK(has(t, "  PASS -> FAIL  recovered within 1h   (not recovered)\n"));
    CHECK(has(t, "  FAIL -> PASS  no deadlock\n"));
    CHECK(!strstr(t, "detected within"));
    CHECK(!strstr(t, "no change"));
    /* The count moved from 2 of 3 to 2 of 3: no total line. */
    CHECK(!strstr(t, "expectations"));
    free(t);
    result_free(&a);
    result_free(&b);
}

/* An edited threshold renames the expectation; it still pairs up. */
static void test_renamed(void)
{
    RunResult a, b;
    base_run(&a);
    base_run(&b);
    fixture_expect(&a, "availability(users) >= 50.00%", true, NULL, 1);
    fixture_expect(&a, "no deadlock", true, NULL, 1);
    fixture_expect(&b, "no deadlock", true, NULL, 1);
    fixture_expect(&b, "availability(users) >= 99.99%", false, "was 99.95%", 1);
    int n;
    char *t = diff(&a, &b, &n);
    CHECK_EQ_INT(n, 1);
    CHECK(has(t, "  PASS -> FAIL  availability(users) >= 99.99%   (was availability(users) >= "
                 "50.00%)   (was 99.95%)\n"));
    CHECK(has(t, "  expectations  2 of 2 -> 1 of 2 hold\n"));
    free(t);
    result_free(&a);
    result_free(&b);
}

static void test_new_gone(void)
{
    RunResult a, b;
    base_run(&a);
    base_run(&b);
    fixture_expect(&a, "x", true, NULL, 1);
    fixture_expect(&a, "y", true, NULL, 1);
    fixture_expect(&b, "x", true, NULL, 1);
    int n;
    char *t = diff(&a, &b, &n);
    CHECK_EQ_INT(n, 1);
    CHECK(has(t, "  gone (PASS)   y\n"));
    CHECK(has(t, "  expectations  2 of 2 -> 1 of 1 hold\n"));
    free(t);
    t = diff(&b, &a, &n);
    CHECK_EQ_INT(n, 1);
    CHECK(has(t, "  new PASS      y\n"));
    free(t);
    result_free(&a);
    result_free(&b);
}

static void test_clock(void)
{
    RunResult a, b;
    base_run(&a);
    base_run(&b);
    b.t_recovered = 51 * FD_MIN;        /* 10:47 -> 10:51 */
    b.t_detected = -1;                  /* detected, then never */
    b.t_mitigated = 20 * FD_MIN + 30 * FD_SEC;
    int n;
    char *t = diff(&a, &b, &n);
    CHECK_EQ_INT(n, 4);
    CHECK(has(t, "  recovered     10:47 -> 10:51 (+4 min)\n"));
    CHECK(has(t, "  detected      10:05 -> never\n"));
    CHECK(has(t, "  mitigated     10:20:00 -> 10:20:30 (+0.5 min)\n"));
    CHECK(has(t, "  duration      45 min -> 49 min (+4 min)\n"));
    CHECK(!strstr(t, "start"));
    free(t);
    /* And back: the incident recovers again. */
    b.t_recovered = -1;
    t = diff(&b, &a, &n);
    CHECK(has(t, "  recovered     never -> 10:47\n"));
    CHECK(has(t, "  duration      not recovered -> 45 min\n"));
    free(t);
    /* No incident at all now. */
    b.t_start = b.t_detected = b.t_mitigated = b.t_recovered = -1;
    t = diff(&a, &b, &n);
    CHECK(has(t, "  start         10:02 -> never\n"));
    CHECK(has(t, "  duration      45 min -> no incident\n"));
    free(t);
    result_free(&a);
    result_free(&b);
}

static void test_entries(void)
{
    RunResult a, b;
    base_run(&a);
    base_run(&b);
    b.entries[0].availability = 0.871;
    b.entries[0].customers_affected = 250;
    b.entries[1].availability = 0.98 + 1e-9;   /* below the printed precision */
    int n;
    char *t = diff(&a, &b, &n);
    CHECK_EQ_INT(n, 2);
    CHECK(has(t, "  users         availability 99.950% -> 87.100% (-12.850 pp)\n"));
    CHECK(has(t, "  users         customers affected 10 -> 250\n"));
    CHECK(!strstr(t, "partners"));
    free(t);
    /* An entry point renamed in the topology: one gone, one new. */
    free(b.entries[1].name);
    b.entries[1].name = xstrdup("api");
    t = diff(&a, &b, &n);
    CHECK_EQ_INT(n, 4);
    CHECK(has(t, "  api           new entry point, availability 98.000%\n"));
    CHECK(has(t, "  partners      entry point gone\n"));
    free(t);
    result_free(&a);
    result_free(&b);
}

static void test_deadlocks_and_escapes(void)
{
    RunResult a, b;
    base_run(&a);
    base_run(&b);
    b.ndeadlocks = 1;
    b.deadlocks = calloc(1, sizeof *b.deadlocks);
    if (!b.deadlocks) abort();
    fixture_expect(&a, "evil\033[2J", true, NULL, 1);
    fixture_expect(&b, "evil\033[2J", false, "\033[31mred", 1);
    int n;
    char *t = diff(&a, &b, &n);
    CHECK_EQ_INT(n, 2);
    CHECK(has(t, "  deadlocks     0 -> 1\n"));
    CHECK(has(t, "  PASS -> FAIL  evil?[2J   (?[31mred)\n"));
    CHECK(!strchr(t, '\033'));
    free(t);
    result_free(&a);
    result_free(&b);
}

int main(void)
{
    test_same();
    test_flips();
    test_renamed();
    test_new_gone();
    test_clock();
    test_entries();
    test_deadlocks_and_escapes();
    return fdt_finish();
}

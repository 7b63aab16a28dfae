/*
 * test_junit.c: junit.xml for hand-built runs (report/junit.c).
 *
 * The runs hold the strings a scenario script can produce: markup
 * characters, quotes, newlines and tabs, terminal escapes, carriage
 * returns, C1 controls, truncated and overlong UTF-8, U+FFFF. The test
 * checks the exact escapes, that nothing XML forbids reaches the file, the
 * counts, the simulated timestamp and duration, the timeline excerpt of a
 * failure, a run without expectations, byte-identical output for the same
 * run, and that a failed write leaves no file. When xmllint is installed
 * each document is also validated against tests/junit/junit.xsd.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fdtest.h"
#include "result_fixture.h"
#include "report/junit.h"
#include "model/result.h"

#define XSD "tests/junit/junit.xsd"

/* ---- helpers ---- */

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle)) n++;
    return n;
}

#define CHECK_HAS(doc, s) do { \
    const char *fdt_s = (s); \
    if ((doc) && strstr((doc), fdt_s)) fdt_pass++; \
    else { fdt_fail++; fprintf(stderr, "%s:%d: junit.xml lacks: %s\n", __FILE__, __LINE__, fdt_s); } \
} while (0)

#define CHECK_LACKS(doc, s) do { \
    const char *fdt_s = (s); \
    if ((doc) && !strstr((doc), fdt_s)) fdt_pass++; \
    else { fdt_fail++; fprintf(stderr, "%s:%d: junit.xml has: %s\n", __FILE__, __LINE__, fdt_s); } \
} while (0)

/* True when every byte sequence of s is valid UTF-8 and a character XML 1.0
 * allows (\t, \n and U+0020 up, no surrogates, no U+FFFE/U+FFFF), and no C1
 * control shows up either (junit.c drops those too). */
static bool xml_chars_ok(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p, cp;
        size_t n;
        if (c < 0x80) n = 1, cp = c;
        else if (c >= 0xc2 && c <= 0xdf) n = 2, cp = c & 0x1f;
        else if (c >= 0xe0 && c <= 0xef) n = 3, cp = c & 0x0f;
        else if (c >= 0xf0 && c <= 0xf4) n = 4, cp = c & 0x07;
        else return false;
        for (size_t i = 1; i < n; i++) {
            if ((p[i] & 0xc0) != 0x80) return false;
            cp = cp << 6 | (p[i] & 0x3f);
        }
        static const unsigned min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
        if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
        if (cp < 0x20 && cp != '\n' && cp != '\t') return false;
        if (cp >= 0x7f && cp <= 0x9f) return false;
        if (cp == 0xfffe || cp == 0xffff) return false;
        p += n;
    }
    return true;
}

static bool have_xmllint(void)
{
    return system("xmllint --version >/dev/null 2>&1") == 0;
}

/* Validates path against the schema with xmllint; true when it holds. */
static bool schema_valid(const char *path)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "xmllint --noout --schema " XSD " '%s' >/dev/null 2>&1", path);
    if (system(cmd) == 0) return true;
    /* Again, to show why. */
    snprintf(cmd, sizeof cmd, "xmllint --noout --schema " XSD " '%s'", path);
    return system(cmd) == 0 && false;
}

/* ---- runs ---- */

/* A run whose every string is hostile. */
static void build_nasty(RunResult *r)
{
    result_init(r);
    r->scenario = xstrdup("a<b>&\"c\" 'd'\x1b[31m\r\n\tnext");
    r->path = xstrdup("scenarios/<odd>&path.lua");
    r->seed = UINT64_C(18446744073709551615);
    r->wall_start = APR8_0700_UTC;
    r->tz_minutes = 480;
    r->duration = 3 * FD_HOUR + FD_SEC / 2;

    r->nparams = 3;
    r->params = xcalloc(3, sizeof *r->params);
    r->params[0] = xstrdup("surge=<9>&\"");
    r->params[1] = xstrdup("bad\xff" "name=v\xc3");   /* a stray byte, a truncated sequence */
    r->params[2] = xstrdup("empty=");

    result_add_event(r, 3 * FD_MIN, RE_FAULT, NULL, NULL, "crash <db> & \"friends\"\x07\x1b[2J");
    result_add_event(r, 23 * FD_MIN, RE_ALERT, NULL, NULL, "alert \xc2\x9b" "c1 \xef\xbf\xbf ffff");
    result_add_event(r, 24 * FD_MIN, RE_NOTE, NULL, NULL, "上海 🔥 \xe4\xb8 cut \xc0\xaf overlong");
    r->t_start = 3 * FD_MIN;
    r->t_detected = 23 * FD_MIN + 30 * FD_SEC;
    fixture_expect(r, "holds & <stays>", true, "fine", 1);
    fixture_expect(r, "breaks \"quoted\" 'single'", false, "0.5 < 0.9 &\nsecond line\twith tab\r", 1);
    fixture_expect(r, "", false, NULL, 1);
    fixture_expect(r, "ctl\x01\x02\x7f" "end", false, "", 1);
}

/* A run with many events, for the excerpt's window. */
static void build_long(RunResult *r, int nevents, SimTime start_at)
{
    result_init(r);
    r->scenario = xstrdup("long");
    r->wall_start = APR8_0700_UTC;
    r->tz_minutes = 480;
    r->duration = 24 * FD_HOUR;
    for (int i = 0; i < nevents; i++)
        result_add_event(r, (SimTime)i * FD_MIN, i == 50 ? RE_FAULT : RE_NOTE, NULL, NULL,
                         "event %d", i + 1);
    r->t_start = start_at;
    fixture_expect(r, "fails", false, "nope", 1);
}

/* ---- tests ---- */

static void test_nasty(const char *dir, bool lint)
{
    RunResult r;
    build_nasty(&r);
    char path[4096], path2[4096];
    join(path, sizeof path, dir, "nasty.xml");
    join(path2, sizeof path2, dir, "nasty2.xml");
    CHECK_EQ_INT(run_write_junit(&r, path), 0);
    CHECK_EQ_INT(run_write_junit(&r, path2), 0);
    char *doc = read_file(path), *doc2 = read_file(path2);
    CHECK(doc != NULL && doc2 != NULL);
    if (!doc || !doc2) goto out;
    CHECK_STR(doc, doc2);   /* deterministic */
    CHECK(xml_chars_ok(doc));
    CHECK(strncmp(doc, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 39) == 0);

    /* Counts, time and timestamp. */
    CHECK_HAS(doc, "<testsuites name=\"firedrill\" tests=\"4\" failures=\"3\" errors=\"0\" "
                   "time=\"10800.500\">");
    CHECK_HAS(doc, " tests=\"4\" failures=\"3\" errors=\"0\" skipped=\"0\" time=\"10800.500\" "
                   "timestamp=\"2024-04-08T15:00:00+08:00\" hostname=\"firedrill\">");
    CHECK_EQ_INT(count(doc, "<testcase "), 4);
    CHECK_EQ_INT(count(doc, "<failure "), 3);
    CHECK_EQ_INT(count(doc, "type=\"expectation\""), 3);

    /* Attributes: the five markup characters; \n and \t as references so
     * that they survive attribute normalisation; \r and ESC dropped. */
    const char *suite = "<testsuite name=\"a&lt;b&gt;&amp;&quot;c&quot; &apos;d&apos;[31m&#10;&#9;next\"";
    CHECK_HAS(doc, suite);
    CHECK_HAS(doc, "classname=\"a&lt;b&gt;&amp;&quot;c&quot; &apos;d&apos;[31m&#10;&#9;next\"");
    CHECK_HAS(doc, "name=\"holds &amp; &lt;stays&gt;\" time=\"0\"/>");
    CHECK_HAS(doc, "name=\"breaks &quot;quoted&quot; &apos;single&apos;\" time=\"0\">");
    CHECK_HAS(doc, "<failure message=\"0.5 &lt; 0.9 &amp;&#10;second line&#9;with tab\" "
                   "type=\"expectation\">0.5 &lt; 0.9 &amp;\nsecond line\twith tab\n\n");
    /* Empty names and details get words; control characters go. */
    CHECK_HAS(doc, "name=\"(unnamed expectation)\"");
    CHECK_HAS(doc, "<failure message=\"expectation failed\"");
    CHECK_HAS(doc, "name=\"ctlend\"");

    /* Properties: the seed in full, the path, each param escaped; invalid
     * UTF-8 becomes U+FFFD. */
    CHECK_HAS(doc, "<property name=\"seed\" value=\"18446744073709551615\"/>");
    CHECK_HAS(doc, "<property name=\"path\" value=\"scenarios/&lt;odd&gt;&amp;path.lua\"/>");
    CHECK_HAS(doc, "<property name=\"param.surge\" value=\"&lt;9&gt;&amp;&quot;\"/>");
    CHECK_HAS(doc, "<property name=\"param.bad\xef\xbf\xbdname\" value=\"v\xef\xbf\xbd\"/>");
    CHECK_HAS(doc, "<property name=\"param.empty\" value=\"\"/>");

    /* The timeline excerpt in the failure body, in local time. */
    CHECK_HAS(doc, "Timeline (3 events):\n");
    CHECK_HAS(doc, "  1. 15:03  crash &lt;db&gt; &amp; &quot;friends&quot;[2J\n");
    CHECK_HAS(doc, "  2. 15:23  alert c1 \xef\xbf\xbd ffff\n");
    CHECK_HAS(doc, "  3. 15:24  上海 🔥 \xef\xbf\xbd\xef\xbf\xbd cut \xef\xbf\xbd\xef\xbf\xbd overlong\n");
    CHECK_EQ_INT(count(doc, "  1. 15:03  crash"), 3);   /* once per failure */

    /* The incident clock in system-out. */
    CHECK_HAS(doc, "<system-out>Incident clock (simulated, start 2024-04-08 15:00:00 UTC+08:00)\n");
    CHECK_HAS(doc, "  start      15:03\n");
    CHECK_HAS(doc, "  detected   15:23  +20.5 min\n");
    CHECK_HAS(doc, "  mitigated  not reached\n");
    CHECK_HAS(doc, "  duration   not reached\n</system-out>\n  </testsuite>\n</testsuites>\n");
    CHECK_LACKS(doc, "\r");
    CHECK_LACKS(doc, "\x1b");

    if (lint) CHECK(schema_valid(path));
out:
    free(doc);
    free(doc2);
    result_free(&r);
}

static void test_no_expectations(const char *dir, bool lint)
{
    RunResult r;
    result_init(&r);   /* no name, no path, no events: the bare minimum */
    r.duration = 10 * FD_MIN;
    char path[4096];
    join(path, sizeof path, dir, "empty.xml");
    CHECK_EQ_INT(run_write_junit(&r, path), 0);
    char *doc = read_file(path);
    CHECK(doc != NULL);
    if (doc) {
        CHECK_HAS(doc, "<testsuites name=\"firedrill\" tests=\"0\" failures=\"0\" errors=\"0\" "
                       "time=\"600.000\">");
        CHECK_HAS(doc, "<testsuite name=\"(unnamed scenario)\" tests=\"0\" failures=\"0\"");
        CHECK_HAS(doc, "timestamp=\"1970-01-01T00:00:00+00:00\"");
        CHECK_HAS(doc, "<property name=\"seed\" value=\"0\"/>");
        CHECK_LACKS(doc, "<testcase");
        CHECK_LACKS(doc, "name=\"path\"");
        CHECK_HAS(doc, "  start      not reached\n");
        CHECK(xml_chars_ok(doc));
    }
    if (lint) CHECK(schema_valid(path));
    free(doc);
    result_free(&r);
}

/* 120 events, incident at event 61: the excerpt starts five before it and
 * holds 40 lines, numbered as the printed timeline numbers them. */
static void test_excerpt_window(const char *dir, bool lint)
{
    RunResult r;
    build_long(&r, 120, 60 * FD_MIN);
    r.t_detected = 83 * FD_MIN;
    r.t_recovered = 147 * FD_MIN;
    char path[4096];
    join(path, sizeof path, dir, "long.xml");
    CHECK_EQ_INT(run_write_junit(&r, path), 0);
    char *doc = read_file(path);
    CHECK(doc != NULL);
    if (doc) {
        CHECK_HAS(doc, "  start      16:00\n  detected   16:23  +23 min\n");
        CHECK_HAS(doc, "  recovered  17:27  +87 min\n  duration   87 min\n");
        CHECK_HAS(doc, "Timeline, events 56 to 95 of 120:\n");
        CHECK_HAS(doc, "  ...  (55 earlier)\n   56. 15:55  event 56\n");
        CHECK_HAS(doc, "   95. 16:34  event 95\n  ...  (25 later)\n</failure>");
        CHECK_LACKS(doc, "event 55\n");
        CHECK_LACKS(doc, "event 96\n");
        CHECK_EQ_INT(count(doc, "  event "), 40);
    }
    if (lint) CHECK(schema_valid(path));
    free(doc);
    result_free(&r);

    /* No incident: the window is anchored at the first fault (event 51). */
    build_long(&r, 120, -1);
    CHECK_EQ_INT(run_write_junit(&r, path), 0);
    doc = read_file(path);
    if (doc) CHECK_HAS(doc, "Timeline, events 46 to 85 of 120:\n");
    free(doc);
    result_free(&r);

    /* An incident near the end: the window still holds 40 lines. */
    build_long(&r, 120, 118 * FD_MIN);
    CHECK_EQ_INT(run_write_junit(&r, path), 0);
    doc = read_file(path);
    if (doc) {
        CHECK_HAS(doc, "Timeline, events 81 to 120 of 120:\n");
        CHECK_LACKS(doc, "later)");
    }
    free(doc);
    result_free(&r);

    /* Past local midnight the times carry the day, as the timeline's do. */
    build_long(&r, 3, 0);
    r.wall_start = APR8_0700_UTC + 8 * 3600 + 59 * 60;   /* 23:59 local */
    CHECK_EQ_INT(run_write_junit(&r, path), 0);
    doc = read_file(path);
    if (doc) {
        CHECK_HAS(doc, "  1. 23:59  event 1\n");
        CHECK_HAS(doc, "  2. 00:00 +1d  event 2\n");
    }
    free(doc);
    result_free(&r);
}

/* A write that cannot happen reports -errno and leaves nothing behind; a
 * write over an existing file replaces it whole. */
static void test_errors(const char *dir)
{
    RunResult r;
    build_nasty(&r);
    char path[4096];
    join(path, sizeof path, dir, "missing/junit.xml");
    CHECK_EQ_INT(run_write_junit(&r, path), -ENOENT);
    struct stat st;
    CHECK(stat(path, &st) != 0);

    join(path, sizeof path, dir, "over.xml");
    FILE *f = fopen(path, "w");
    if (f) {
        fputs("old", f);
        fclose(f);
    }
    CHECK_EQ_INT(run_write_junit(&r, path), 0);
    char *doc = read_file(path);
    CHECK(doc != NULL && strncmp(doc, "<?xml", 5) == 0);
    free(doc);
    result_free(&r);
}

int main(void)
{
    char dir[] = "/tmp/fd_junit_XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    bool lint = have_xmllint();
    if (!lint) printf("note: xmllint not found; schema validation skipped (scripts/deps.sh test)\n");
    test_nasty(dir, lint);
    test_no_expectations(dir, lint);
    test_excerpt_window(dir, lint);
    test_errors(dir);
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return fdt_finish();
}

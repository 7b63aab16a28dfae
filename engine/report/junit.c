/*
 * junit.c: junit.xml, the run as a test report for CI (see junit.h).
 *
 * The shape is the Ant/Jenkins JUnit report that GitLab, Jenkins and the
 * GitHub JUnit actions all read:
 *
 *     <testsuites name tests failures errors time>
 *       <testsuite name=SCENARIO tests failures errors skipped time
 *                  timestamp hostname="firedrill">
 *         <properties> seed, path, param.NAME for each param </properties>
 *         <testcase classname=SCENARIO name=EXPECTATION time="0">
 *           <failure message=DETAIL type="expectation">detail + timeline excerpt</failure>
 *         </testcase> ...
 *         <system-out>the incident clock</system-out>
 *       </testsuite>
 *     </testsuites>
 *
 * Promises:
 * - Deterministic: the same RunResult gives the same bytes. Nothing comes
 *   from the host's clock or name: `timestamp` is the scenario's simulated
 *   start in its own UTC offset, `time` the simulated duration.
 * - Well-formed whatever the scenario wrote: every string from the run goes
 *   through put_xml(), which escapes the five markup characters, drops
 *   control characters (all but \n and \t, and in attributes those two are
 *   written as character references so that attribute normalisation does
 *   not turn them into spaces), and replaces bytes that are not valid UTF-8
 *   (and the non-characters U+FFFE and U+FFFF, which XML forbids) by U+FFFD.
 * - Written atomically: on any error the previous junit.xml stays.
 *
 * A failed expectation's body repeats the timeline lines around the
 * incident, numbered as the printed timeline numbers them, so that a CI
 * page shows what happened without opening the artifacts.
 */
#include "base/utf8.h"
#include "report/junit.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/atomic_file.h"

/* The timeline excerpt of a failure: at most this many lines, starting a
 * few lines before the incident so that its cause is in view. */
#define EXCERPT_LINES  40
#define EXCERPT_BEFORE 5

/* ---- escaping ---- */


/* Writes s[0..len) as XML character data; attr for an attribute value
 * (see the top of the file). */
static void put_xmln(FILE *f, const char *s, size_t len, bool attr)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
        unsigned cp = 0;
        size_t n = *p ? fd_utf8_seq(p, &cp) : 1;
        if (n == 0 || n > (size_t)(end - p)) {
            fputs("\xef\xbf\xbd", f);   /* U+FFFD for the one bad byte */
            p++;
            continue;
        }
        switch (cp) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&apos;", f); break;
        case '\n': fputs(attr ? "&#10;" : "\n", f); break;
        case '\t': fputs(attr ? "&#9;" : "\t", f); break;
        case 0xfffe:
        case 0xffff: fputs("\xef\xbf\xbd", f); break;
        default:
            /* C0 (\r and NUL among them), DEL and C1 are dropped: XML 1.0
             * forbids most of them and a CI page would show the rest as
             * garbage. */
            if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) break;
            fwrite(p, 1, n, f);
        }
        p += n;
    }
}

/* NULL writes nothing. */
static void put_xml(FILE *f, const char *s, bool attr)
{
    if (s) put_xmln(f, s, strlen(s), attr);
}

/* name="value" with a leading space; value escaped. */
static void put_attr(FILE *f, const char *name, const char *value)
{
    fprintf(f, " %s=\"", name);
    put_xml(f, value, true);
    fputc('"', f);
}

static void put_attr_int(FILE *f, const char *name, long long v)
{
    fprintf(f, " %s=\"%lld\"", name, v);
}

/* Seconds with millisecond precision, truncated, in integers so that no
 * locale or rounding can change them; never negative. */
static void put_attr_sec(FILE *f, const char *name, SimTime t)
{
    if (t < 0) t = 0;
    long long ms = (long long)(t / (FD_SEC / 1000));
    fprintf(f, " %s=\"%lld.%03lld\"", name, ms / 1000, ms % 1000);
}

/* ---- pieces ---- */

/* <property name="PREFIX+NAME" value="VALUE"/>, NAME being name[0..namelen). */
static void put_property(FILE *f, const char *prefix, const char *name, size_t namelen,
                         const char *value)
{
    fprintf(f, "      <property name=\"%s", prefix);
    put_xmln(f, name, namelen, true);
    fputs("\" value=\"", f);
    put_xml(f, value, true);
    fputs("\"/>\n", f);
}

static void put_properties(FILE *f, const RunResult *r)
{
    char seed[24];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)r->seed);
    fputs("    <properties>\n", f);
    put_property(f, "", "seed", 4, seed);
    if (r->path) put_property(f, "", "path", 4, r->path);
    for (int i = 0; i < r->nparams; i++) {
        const char *p = r->params[i];
        if (!p) continue;
        const char *eq = strchr(p, '=');
        size_t klen = eq ? (size_t)(eq - p) : strlen(p);
        /* "param.NAME", so that a param called "seed" cannot pass for the seed. */
        put_property(f, "param.", p, klen, eq ? eq + 1 : "");
    }
    fputs("    </properties>\n", f);
}

/* The first event (in time order) of the excerpt: a few before the
 * incident's start, or before the first fault when no incident started;
 * moved back when that would leave fewer lines than the excerpt holds. */
static int excerpt_begin(const RunResult *r, const int *order)
{
    int n = r->nevents, anchor = -1;
    for (int i = 0; i < n && anchor < 0; i++) {
        const RunEvent *e = &r->events[order[i]];
        if (r->t_start >= 0 ? e->t >= r->t_start : e->kind == RE_FAULT) anchor = i;
    }
    if (anchor < 0) anchor = 0;
    int begin = anchor - EXCERPT_BEFORE;
    if (begin > n - EXCERPT_LINES) begin = n - EXCERPT_LINES;
    return begin < 0 ? 0 : begin;
}

/* The timeline lines around the incident, numbered as in the printed
 * timeline ("  12. 15:23  text"). Returns 0 or -ENOMEM. */
static int put_excerpt(FILE *f, const RunResult *r)
{
    if (r->nevents <= 0) {
        fputs("Timeline: no events\n", f);
        return 0;
    }
    int *order = result_event_order(r);
    if (!order) return -ENOMEM;
    int n = r->nevents, begin = excerpt_begin(r, order);
    int end = begin + EXCERPT_LINES < n ? begin + EXCERPT_LINES : n;
    if (begin == 0 && end == n) fprintf(f, "Timeline (%d events):\n", n);
    else fprintf(f, "Timeline, events %d to %d of %d:\n", begin + 1, end, n);
    int width = 1;   /* the printed timeline's: as wide as the last number */
    for (int m = n; m >= 10; m /= 10) width++;
    if (begin > 0) fprintf(f, "  ...  (%d earlier)\n", begin);
    for (int i = begin; i < end; i++) {
        const RunEvent *e = &r->events[order[i]];
        char hm[32];
        result_clock_day(r, e->t, hm, sizeof hm);
        fprintf(f, "  %*d. %s  ", width, i + 1, hm);
        put_xml(f, e->text, false);
        fputc('\n', f);
    }
    if (end < n) fprintf(f, "  ...  (%d later)\n", n - end);
    free(order);
    return 0;
}

/* Minutes to a tenth, without a trailing ".0" ("87 min", "+86.5 min"), as
 * the printed summary writes them; in integers, so that no float reaches
 * the bytes. */
static void put_minutes(FILE *f, SimTime d, bool sign)
{
    SimTime a = d < 0 ? -d : d;
    long long tenths = (long long)((a + 3 * FD_SEC) / (6 * FD_SEC));
    const char *s = d < 0 && tenths ? "-" : sign ? "+" : "";
    if (tenths % 10) fprintf(f, "%s%lld.%lld min", s, tenths / 10, tenths % 10);
    else fprintf(f, "%s%lld min", s, tenths / 10);
}

/* One moment of the incident clock, as the printed summary shows it. */
static void put_moment(FILE *f, const RunResult *r, const char *name, SimTime t)
{
    fprintf(f, "  %-10s ", name);
    if (t < 0) {
        fputs("not reached\n", f);
        return;
    }
    char hm[32];
    result_clock_day(r, t, hm, sizeof hm);
    fputs(hm, f);
    if (t != r->t_start && r->t_start >= 0) {
        fputs("  ", f);
        put_minutes(f, t - r->t_start, true);
    }
    fputc('\n', f);
}

static void put_system_out(FILE *f, const RunResult *r)
{
    char start[48];
    result_datetime(r, 0, false, start, sizeof start);
    fputs("    <system-out>", f);
    fputs("Incident clock (simulated, start ", f);
    put_xml(f, start, false);
    fputs(")\n", f);
    put_moment(f, r, "start", r->t_start);
    put_moment(f, r, "detected", r->t_detected);
    put_moment(f, r, "mitigated", r->t_mitigated);
    put_moment(f, r, "recovered", r->t_recovered);
    fprintf(f, "  %-10s ", "duration");
    if (r->t_start >= 0 && r->t_recovered >= 0) {
        put_minutes(f, r->t_recovered - r->t_start, false);
        fputc('\n', f);
    } else {
        fputs("not reached\n", f);
    }
    fputs("</system-out>\n", f);
}

static int put_testcase(FILE *f, const RunResult *r, const ExpectResult *x)
{
    const char *name = x->name && *x->name ? x->name : "(unnamed expectation)";
    fputs("    <testcase", f);
    put_attr(f, "classname", r->scenario ? r->scenario : "(unnamed scenario)");
    put_attr(f, "name", name);
    fputs(" time=\"0\"", f);
    if (x->ok) {
        fputs("/>\n", f);
        return 0;
    }
    const char *detail = x->detail && *x->detail ? x->detail : "expectation failed";
    fputs(">\n      <failure", f);
    put_attr(f, "message", detail);
    fputs(" type=\"expectation\">", f);
    put_xml(f, detail, false);
    fputs("\n\n", f);
    int rc = put_excerpt(f, r);
    fputs("</failure>\n    </testcase>\n", f);
    return rc;
}

/* The whole document into f. Returns 0, -ENOMEM, or -errno/-EIO when f
 * reports a write error. */
static int put_document(FILE *f, const RunResult *r)
{
    int failures = 0;
    for (int i = 0; i < r->nexpects; i++) failures += !r->expects[i].ok;
    const char *scenario = r->scenario ? r->scenario : "(unnamed scenario)";
    char stamp[48];
    result_datetime(r, 0, true, stamp, sizeof stamp);

    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
    fputs("<testsuites", f);
    put_attr(f, "name", "firedrill");
    put_attr_int(f, "tests", r->nexpects);
    put_attr_int(f, "failures", failures);
    put_attr_int(f, "errors", 0);
    put_attr_sec(f, "time", r->duration);
    fputs(">\n  <testsuite", f);
    put_attr(f, "name", scenario);
    put_attr_int(f, "tests", r->nexpects);
    put_attr_int(f, "failures", failures);
    put_attr_int(f, "errors", 0);
    put_attr_int(f, "skipped", 0);
    put_attr_sec(f, "time", r->duration);
    put_attr(f, "timestamp", stamp);
    put_attr(f, "hostname", "firedrill");
    fputs(">\n", f);
    put_properties(f, r);
    int rc = 0;
    for (int i = 0; i < r->nexpects && rc == 0; i++) rc = put_testcase(f, r, &r->expects[i]);
    if (rc != 0) return rc;
    put_system_out(f, r);
    fputs("  </testsuite>\n</testsuites>\n", f);
    if (ferror(f)) return errno ? -errno : -EIO;
    return 0;
}

int run_write_junit(const RunResult *r, const char *path)
{
    AtomicFile af;
    errno = 0;
    FILE *f = afile_open(&af, path);
    if (!f) return errno ? -errno : -EIO;
    errno = 0;
    int rc = put_document(f, r);
    if (rc != 0) {
        afile_abort(&af);
        return rc;
    }
    return afile_commit(&af);
}

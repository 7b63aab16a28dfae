/*
 * result_fixture.h: hand-built run results for the tests of the report
 * layer (test_report.c, test_junit.c, test_summary_diff.c).
 *
 * A test fills a RunResult the way a scenario would (result_init(), then
 * fields and result_add_event()), and adds its entries and expectations
 * with the two helpers here, which grow the arrays that result_free()
 * releases. Allocation failures abort: a test has no way on without them.
 */
#ifndef FD_RESULT_FIXTURE_H
#define FD_RESULT_FIXTURE_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model/result.h"

/* 2024-04-08 07:00 UTC: the start of Tencent Cloud's cloud API incident,
 * 15:00 at UTC+8, which the report tests' runs imitate. */
#define APR8_0700_UTC INT64_C(1712559600)

static inline char *xstrdup(const char *s)
{
    if (!s) return NULL;
    char *d = strdup(s);
    if (!d) abort();
    return d;
}

static inline void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n, size);
    if (!p) abort();
    return p;
}

/* The whole file as a string (the caller frees); NULL when it cannot be read. */
static inline char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m) abort();
    int c;
    while ((c = fgetc(f)) != EOF) fputc(c, m);
    fclose(f);
    fclose(m);
    return buf;
}

/* dir/name into buf; the tests' paths are short, so overflow is a bug. */
static inline void join(char *buf, size_t size, const char *dir, const char *name)
{
    int n = snprintf(buf, size, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= size) abort();
}

static inline void fixture_entry(RunResult *r, EntryResult e)
{
    EntryResult *v = realloc(r->entries, sizeof *v * (size_t)(r->nentries + 1));
    if (!v) abort();
    r->entries = v;
    v[r->nentries++] = e;
}

/* An expectation with a copy of name and detail (detail may be NULL). */
static inline void fixture_expect(RunResult *r, const char *name, bool ok, const char *detail,
                                  double pass_rate)
{
    ExpectResult *v = realloc(r->expects, sizeof *v * (size_t)(r->nexpects + 1));
    if (!v) abort();
    r->expects = v;
    v[r->nexpects++] = (ExpectResult){ xstrdup(name), ok, xstrdup(detail), pass_rate };
}

#endif

/*
 * html.h: report.html, one self-contained file a team reads after a drill.
 *
 * Built from a run's RunResult and its metrics.csv, so `firedrill report
 * DIR` can rebuild it later from the files a run left.
 */
#ifndef FD_HTML_H
#define FD_HTML_H

#include <stdbool.h>
#include <stdio.h>
#include "model/topo.h"
#include "model/result.h"

/* Writes path atomically from the result and the metrics.csv at
 * metrics_path. topo may be NULL (the dependency graph is then drawn from
 * what metrics.csv names). Returns 0, or -errno. */
int run_write_html(const RunResult *r, const Topo *topo, const char *metrics_path,
                   const char *path);

/* A moment drawn on each time chart as a marker: a game day's command. */
typedef struct HtmlMark {
    double t;                 /* seconds since the run's start */
    const char *label;        /* short, drawn by the marker (a player's name) */
    const char *title;        /* the tooltip (the command as typed) */
    bool refused;             /* drawn hollow */
} HtmlMark;

/* What a page may carry beside the run itself (the game day's debrief). */
typedef struct HtmlExtra {
    /* Writes a section right after the page's header, before the incident
     * clock; NULL: none. */
    void (*section)(FILE *f, void *ud);
    void *ud;
    const char *css;          /* appended to the page's style; may be NULL */
    const HtmlMark *marks;    /* drawn on the availability, errors and latency charts */
    int nmarks;
} HtmlExtra;

/* run_write_html with extra content; extra may be NULL. */
int run_write_html_ex(const RunResult *r, const Topo *topo, const char *metrics_path,
                      const char *path, const HtmlExtra *extra);

/* Opens a page: the document head, title (escaped) then suffix (as it is),
 * the style every firedrill page shares with css appended (may be NULL),
 * and <body><main>. The caller closes with </main></body></html>. */
void html_page_open(FILE *f, const char *title, const char *suffix, const char *css);

/* Writes s escaped for HTML text and attribute values (invalid UTF-8
 * becomes U+FFFD, control characters '?'). */
void html_esc(FILE *f, const char *s);

#endif

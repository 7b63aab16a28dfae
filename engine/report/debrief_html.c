/*
 * debrief_html.c: the "Debrief" section of a game day's report.html.
 *
 * report.html is written again by html.c's run_write_html_ex() from the
 * played run's files; this file gives it the section at the top (the score,
 * the team against the reference, the error budget, where the team's
 * outage falls among the reference seeds, the two timelines side by side)
 * and the players' commands as markers on the charts. Figures come from
 * the Debrief, already rounded as debrief.json holds them, so the page and
 * the JSON agree. Fixed formats only: the same Debrief gives the same page.
 */
#include "report/debrief.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "load/topo_load.h"
#include "report/html.h"
#include "report/svg_chart.h"

static const char debrief_css[] =
    ".cmdlab{font-size:10px;fill:#6a1b9a}\n"
    "#debrief{border:2px solid #6a1b9a;border-radius:6px;padding:4px 16px 12px;margin:16px 0;"
    "background:#fff}\n"
    ".score{font-size:20px;margin:8px 0}.score b{font-size:28px;color:#6a1b9a}\n"
    "table.side{width:100%;table-layout:fixed}table.side td{border-top:1px solid #eee}\n"
    "table.side td.clk{width:70px}.cmd{color:#6a1b9a;font-weight:600}.same{color:#999}\n"
    ".better{color:#2e7d32}.worse{color:#c62828}\n";

static void fmt_ms(int64_t ms, char *buf, size_t n)
{
    if (ms < 0) {
        snprintf(buf, n, "never");
        return;
    }
    int64_t s = (ms + 500) / 1000;
    if (s >= 3600) snprintf(buf, n, "%lldh %02lldm", (long long)(s / 3600), (long long)(s / 60 % 60));
    else if (s >= 60) snprintf(buf, n, "%lldm %02llds", (long long)(s / 60), (long long)(s % 60));
    else snprintf(buf, n, "%llds", (long long)s);
}

static void clock_ms(const RunResult *r, int64_t ms, char *buf, size_t n)
{
    if (ms < 0) snprintf(buf, n, "never");
    else result_clock(r, fd_time_from_sec((double)ms / 1e3), true, buf, n);
}

/* A cell for a duration, marked better or worse than `than` (lower is better). */
static void dur_cell(FILE *f, int64_t ms, int64_t than, bool compare)
{
    char b[32];
    fmt_ms(ms, b, sizeof b);
    const char *cls = "";
    if (compare && than != ms) {
        bool better = ms >= 0 && (than < 0 || ms < than);
        cls = better ? " better" : " worse";
    }
    fprintf(f, "<td class=\"num%s\">%s</td>", cls, b);
}

static int64_t ms_of(SimTime t) { return t < 0 ? -1 : (int64_t)llround(fd_time_sec(t) * 1e3); }

static void against(FILE *f, const Debrief *d)
{
    const DebriefFigures *t = &d->team_fig, *r = &d->ref_fig;
    fprintf(f, "<h3>Against the reference response</h3>\n<table>\n<tr><th></th>"
               "<th class=\"num\">team</th><th class=\"num\">reference, seed %llu</th>"
               "<th class=\"num\">reference median, %d seeds</th></tr>\n",
            (unsigned long long)d->session.seed, d->nseeds);
    char a[32], b[32];
    clock_ms(&d->team, ms_of(d->team.t_start), a, sizeof a);
    clock_ms(&d->ref, ms_of(d->ref.t_start), b, sizeof b);
    fprintf(f, "<tr><td>incident start</td><td class=\"num\">%s</td><td class=\"num\">%s</td>"
               "<td></td></tr>\n", t->incident ? a : "none", r->incident ? b : "none");
    struct { const char *name; int64_t tv, rv, mv; } rows[] = {
        { "detected after", t->detect_ms, r->detect_ms, d->med_detect_ms },
        { "page answered after", t->respond_ms, r->respond_ms, d->med_respond_ms },
        { "mitigated after", t->mitigate_ms, r->mitigate_ms, d->med_mitigate_ms },
        { "recovered after (outage length)", t->outage_ms, r->outage_ms, d->med_outage_ms },
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        fprintf(f, "<tr><td>%s</td>", rows[i].name);
        dur_cell(f, rows[i].tv, rows[i].mv, true);
        dur_cell(f, rows[i].rv, -2, false);
        dur_cell(f, rows[i].mv, -2, false);
        fputs("</tr>\n", f);
    }
    const char *cls = t->customers_affected < d->med_customers   ? " better"
                      : t->customers_affected > d->med_customers ? " worse"
                                                                 : "";
    fprintf(f, "<tr><td>customers affected</td><td class=\"num%s\">%.0f</td>"
               "<td class=\"num\">%.0f</td><td class=\"num\">%.0f</td></tr>\n",
            cls, t->customers_affected, r->customers_affected, d->med_customers);
    fprintf(f, "<tr><td>expectations held</td><td class=\"num\">%d of %d</td>"
               "<td class=\"num\">%d of %d</td><td></td></tr>\n",
            t->expects_held, t->expects, r->expects_held, r->expects);
    if (d->any_page) {
        fputs("<tr><td>first notice after (from detection)</td>", f);
        dur_cell(f, t->notice_ms, d->med_notice_ms, true);
        dur_cell(f, r->notice_ms, -2, false);
        dur_cell(f, d->med_notice_ms, -2, false);
        fputs("</tr>\n<tr><td>page wrong or unreachable</td>", f);
        dur_cell(f, t->misinformed_ms, r->misinformed_ms, true);
        dur_cell(f, r->misinformed_ms, -2, false);
        fputs("<td></td></tr>\n", f);
    }
    fputs("</table>\n", f);
    fputs("<p class=\"muted\">Times are since the incident's start. \"Page answered\": from the "
          "first page to a played team (else from detection) to that team's first command or "
          "acknowledgement; in the reference, the scenario's own acknowledgement.</p>\n",
          f);
}

static double floor6(double x) { return floor(x * 1e6 + 1e-6) / 1e6; }

static void budget_cells(FILE *f, const EntryResult *e)
{
    double slo = round(e->slo * 1e6) / 1e6, a = floor6(e->availability);
    if (!isfinite(a)) {
        fputs("<td class=\"num\">n/a</td><td class=\"num\">n/a</td>", f);
        return;
    }
    fprintf(f, "<td class=\"num\">%.4f%%</td>", a * 100);
    if (slo < 1) fprintf(f, "<td class=\"num\">%.1f%%</td>", round((1 - a) / (1 - slo) * 1e6) / 1e4);
    else fputs("<td class=\"num\">n/a</td>", f);
}

static void budget(FILE *f, const Debrief *d)
{
    if (d->team.nentries == 0) return;
    fputs("<h3>Error budget</h3>\n<table>\n<tr><th>entry</th><th class=\"num\">SLO</th>"
          "<th class=\"num\">team availability</th><th class=\"num\">team budget burned</th>"
          "<th class=\"num\">reference availability</th>"
          "<th class=\"num\">reference budget burned</th></tr>\n", f);
    for (int i = 0; i < d->team.nentries; i++) {
        const EntryResult *e = &d->team.entries[i];
        fputs("<tr><td>", f);
        html_esc(f, e->name);
        fprintf(f, "</td><td class=\"num\">%.4g%%</td>", round(e->slo * 1e6) / 1e4);
        budget_cells(f, e);
        const EntryResult *re = NULL;
        for (int j = 0; j < d->ref.nentries; j++)
            if (d->ref.entries[j].name && e->name && strcmp(d->ref.entries[j].name, e->name) == 0)
                re = &d->ref.entries[j];
        if (re) budget_cells(f, re);
        else fputs("<td></td><td></td>", f);
        fputs("</tr>\n", f);
    }
    fputs("</table>\n<p class=\"muted\">Error budget burned = (1 - availability) / (1 - SLO): "
          "the share of the entry's intents that failed over the run, over the share its "
          "objective allows. Above 100%: the budget is overspent.</p>\n", f);
}

/* A strip of the reference seeds' outage lengths, the team's marked. */
static void distribution(FILE *f, const Debrief *d)
{
    fprintf(f, "<h3>The team among %d reference runs</h3>\n", d->nseeds);
    const DebriefFigures *t = &d->team_fig;
    char b[32];
    double hi = 60;
    int never = 0;
    for (int i = 0; i < d->nseeds; i++) {
        if (d->seeds[i].outage_ms < 0) never++;
        else if (d->seeds[i].outage_ms / 1e3 > hi) hi = d->seeds[i].outage_ms / 1e3;
    }
    if (t->outage_ms > 0 && t->outage_ms / 1e3 > hi) hi = t->outage_ms / 1e3;
    fmt_ms(t->incident ? t->outage_ms : 0, b, sizeof b);
    if (t->incident && t->outage_ms < 0)
        fprintf(f, "<p>The team's run never recovered: <b>faster than 0%%</b> of the reference "
                   "runs (%d of %d never recovered either).</p>\n", never, d->nseeds);
    else
        fprintf(f, "<p>Outage of %s: <b>faster than %.1f%%</b> of the reference runs (%d of %d "
                   "lasted longer; a run that never recovered counts as longer than any).</p>\n",
                b, d->faster_than * 100, d->longer, d->nseeds);
    double step = svg_nice_step(hi, 6);
    hi = ceil(hi * 1.02 / step) * step;
    const double W = 1100, H = 150, x0 = 60, w = never ? 900 : 980, y0 = 20, h = 90;
    svg_open(f, "debrief-distribution", W, H,
             "Outage lengths of the reference runs over seeds, the team's marked");
    for (double v = 0; v <= hi + step * 1e-9; v += step) {
        double x = x0 + w * v / hi;
        char lab[32];
        snprintf(lab, sizeof lab, "%.0fm", v / 60);
        svg_vgrid(f, x, y0, y0 + h, y0 + h + 14, "middle", lab);
    }
    svg_frame(f, x0, y0, w, h);
    char unit[128];
    snprintf(unit, sizeof unit, "outage (recovered - start), reference seeds %llu..%llu",
             (unsigned long long)d->first_seed,
             (unsigned long long)(d->first_seed + (uint64_t)d->nseeds - 1));
    svg_unit(f, x0, y0 - 6, unit);
    /* Dots stacked where they would overlap (4 px columns). */
    int cols[300] = { 0 };
    for (int i = 0; i < d->nseeds; i++) {
        int64_t o = d->seeds[i].outage_ms;
        double x = o < 0 ? x0 + w + 60 : x0 + w * (o / 1e3) / hi;
        int c = (int)(x / 4);
        if (c < 0) c = 0;
        if (c > 299) c = 299;
        double y = y0 + h - 6 - 7.0 * (cols[c]++ % 12);
        fmt_ms(o, b, sizeof b);
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#1f77b4\" fill-opacity=\"0.7\">"
                   "<title>seed %llu: %s</title></circle>\n",
                x, y, (unsigned long long)(d->first_seed + (uint64_t)i), b);
    }
    if (never)
        fprintf(f, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">never "
                   "(%d)</text>\n", x0 + w + 60, y0 + h + 14, never);
    double tx = t->incident && t->outage_ms < 0 ? x0 + w + 60
                : x0 + w * ((t->incident ? t->outage_ms : 0) / 1e3) / hi;
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#6a1b9a\" "
               "stroke-width=\"3\"><title>the team</title></line>"
               "<text class=\"legend\" x=\"%.1f\" y=\"%.1f\" fill=\"#6a1b9a\">team</text>\n",
            tx, y0, tx, y0 + h, tx + 4, y0 + 12);
    fputs("</svg>\n", f);
}

static void score_table(FILE *f, const Debrief *d)
{
    fputs("<h3>The score</h3>\n<table>\n<tr><th>line</th><th>measured</th><th>reference</th>"
          "<th class=\"num\">points</th><th>how</th></tr>\n", f);
    for (int i = 0; i < DEBRIEF_NLINES; i++) {
        const DebriefScoreLine *l = &d->lines[i];
        fputs("<tr><td>", f);
        html_esc(f, l->name);
        fputs("</td><td>", f);
        html_esc(f, l->measured);
        fputs("</td><td>", f);
        html_esc(f, l->reference);
        fprintf(f, "</td><td class=\"num\">%.2f / %g</td><td class=\"muted\">", l->points, l->max);
        html_esc(f, l->rule);
        fputs("</td></tr>\n", f);
    }
    fprintf(f, "<tr><th>total</th><td></td><td></td><th class=\"num\">%.2f / 100</th><td></td>"
               "</tr>\n</table>\n", d->total);
    fputs("<p class=\"muted\">Times and customers: points = max / (1 + (x / ref)^2 / 2), x the "
          "team's figure and ref the reference median over seeds (at least 1 min, or 1 "
          "customer). Matching the median earns two thirds of the line, half the median about "
          "nine tenths, twice the median a third; never getting there earns nothing. Every "
          "line falls strictly as its figure grows, so a faster response always scores "
          "higher. Communication: the first notice's delay on the same curve, times the share "
          "of the outage the page did not tell customers an all-clear or fail to load.</p>\n", f);
}

/* One side's rows of the timeline at one moment. */
static void side_cell(FILE *f, const RunResult *r, const int *order, int *k, int64_t ms,
                      const RunResult *other, const DebriefSession *s, int *c)
{
    fputs("<td>", f);
    bool first = true;
    while (s && *c < s->ncmds && s->cmds[*c].ms == ms) {
        const DebriefCmd *x = &s->cmds[(*c)++];
        if (!first) fputs("<br>", f);
        first = false;
        fputs("<span class=\"cmd\">&gt; ", f);
        html_esc(f, x->player);
        if (x->team) {
            fputs(" (", f);
            html_esc(f, x->team);
            fputs(")", f);
        }
        fputs(": <code>", f);
        html_esc(f, x->line);
        fputs("</code>", f);
        if (!x->ok) fputs(" (refused)", f);
        fputs("</span>", f);
    }
    while (*k < r->nevents && ms_of(r->events[order[*k]].t) == ms) {
        const RunEvent *e = &r->events[order[(*k)++]];
        bool same = false;
        for (int j = 0; j < other->nevents && !same; j++)
            same = ms_of(other->events[j].t) == ms && other->events[j].text && e->text &&
                   strcmp(other->events[j].text, e->text) == 0;
        if (!first) fputs("<br>", f);
        first = false;
        fprintf(f, "<span class=\"kind k-%s\">%s</span>%s", run_event_kind_name(e->kind),
                run_event_kind_name(e->kind), same ? "<span class=\"same\">" : "<span>");
        html_esc(f, e->text);
        fputs("</span>", f);
    }
    fputs("</td>", f);
}

static int cmd_cmp(const void *a, const void *b)
{
    const DebriefCmd *x = a, *y = b;
    if (x->ms != y->ms) return x->ms < y->ms ? -1 : 1;
    return x->lineno < y->lineno ? -1 : x->lineno > y->lineno;
}

static void timelines(FILE *f, const Debrief *d)
{
    fputs("<h3>The two timelines</h3>\n<p class=\"muted\">Left, the played run with the "
          "players' commands; right, the reference response at the same seed. Grey: the same "
          "line at the same moment on both sides.</p>\n", f);
    int *ot = result_event_order(&d->team), *orf = result_event_order(&d->ref);
    DebriefSession cs = d->session;
    DebriefCmd *sorted = malloc(sizeof *sorted * (size_t)(cs.ncmds ? cs.ncmds : 1));
    if ((!ot && d->team.nevents) || (!orf && d->ref.nevents) || !sorted) {
        free(ot);
        free(orf);
        free(sorted);
        return;
    }
    if (cs.ncmds) memcpy(sorted, cs.cmds, sizeof *sorted * (size_t)cs.ncmds);
    qsort(sorted, (size_t)cs.ncmds, sizeof *sorted, cmd_cmp);
    cs.cmds = sorted;
    fputs("<table class=\"side\">\n<tr><th class=\"clk\">clock</th><th>team</th>"
          "<th>reference</th></tr>\n", f);
    int i = 0, j = 0, c = 0;
    while (i < d->team.nevents || j < d->ref.nevents || c < cs.ncmds) {
        int64_t t = INT64_MAX;
        if (i < d->team.nevents && ms_of(d->team.events[ot[i]].t) < t) t = ms_of(d->team.events[ot[i]].t);
        if (j < d->ref.nevents && ms_of(d->ref.events[orf[j]].t) < t) t = ms_of(d->ref.events[orf[j]].t);
        if (c < cs.ncmds && cs.cmds[c].ms < t) t = cs.cmds[c].ms;
        char clk[16];
        clock_ms(&d->team, t, clk, sizeof clk);
        fprintf(f, "<tr><td class=\"clk t\">%s</td>", clk);
        side_cell(f, &d->team, ot, &i, t, &d->ref, &cs, &c);
        side_cell(f, &d->ref, orf, &j, t, &d->team, NULL, NULL);
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
    free(ot);
    free(orf);
    free(sorted);
}

static void section(FILE *f, void *ud)
{
    const Debrief *d = ud;
    const DebriefSession *s = &d->session;
    fputs("<section id=\"debrief\">\n<h2>Debrief</h2>\n<p>Played: ", f);
    if (s->nplay == 0) fputs("<span class=\"muted\">no team</span>", f);
    for (int i = 0; i < s->nplay; i++) {
        fputs(i ? ", <b>" : "<b>", f);
        html_esc(f, s->play[i]);
        fputs("</b>", f);
    }
    fprintf(f, "; %d command%s in the journal. The reference is the scenario as written "
               "(its own playbooks, no team played) at the same seed (%llu) and params, and "
               "over seeds %llu..%llu.",
            s->ncmds, s->ncmds == 1 ? "" : "s", (unsigned long long)s->seed,
            (unsigned long long)d->first_seed,
            (unsigned long long)(d->first_seed + (uint64_t)d->nseeds - 1));
    if (d->digest_ok == 0)
        fputs(" <b class=\"worse\">The scenario changed since the session</b>: the reference "
              "runs it as it is now.", f);
    fputs("</p>\n", f);
    fprintf(f, "<p class=\"score\">Score <b>%.2f</b> / 100", d->total);
    if (!(d->team_fig.incident && d->team_fig.outage_ms < 0))
        fprintf(f, " &middot; faster than %.1f%% of the reference runs", d->faster_than * 100);
    fputs("</p>\n", f);
    score_table(f, d);
    against(f, d);
    budget(f, d);
    distribution(f, d);
    timelines(f, d);
    fputs("</section>\n", f);
}

int debrief_write_html(const Debrief *d, const char *dir)
{
    size_t n = strlen(dir) + 32;
    char *mp = malloc(n), *hp = malloc(n), *tp = malloc(n);
    HtmlMark *marks = calloc((size_t)(d->session.ncmds ? d->session.ncmds : 1), sizeof *marks);
    if (!mp || !hp || !tp || !marks) {
        free(mp);
        free(hp);
        free(tp);
        free(marks);
        return -ENOMEM;
    }
    snprintf(mp, n, "%s/metrics.csv", dir);
    snprintf(hp, n, "%s/report.html", dir);
    snprintf(tp, n, "%s/topology.yaml", dir);
    /* The graph needs the topology the run left beside its outputs; without
     * it the page draws the services metrics.csv names. */
    Topo topo;
    topo_init(&topo);
    DiagList tdl;
    diag_list_init(&tdl);
    bool have_topo = topo_load_file(&topo, tp, &tdl) == 0;
    diag_list_free(&tdl);
    for (int i = 0; i < d->session.ncmds; i++) {
        const DebriefCmd *c = &d->session.cmds[i];
        marks[i] = (HtmlMark){ (double)c->ms / 1e3, c->player, c->line, !c->ok };
    }
    HtmlExtra x = { section, (void *)d, debrief_css, marks, d->session.ncmds };
    int rc = run_write_html_ex(&d->team, have_topo ? &topo : NULL, mp, hp, &x);
    topo_free(&topo);
    free(mp);
    free(hp);
    free(tp);
    free(marks);
    return rc;
}

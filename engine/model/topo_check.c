/*
 * topo_check.c: `firedrill check` over the analyses (see topo_check.h for
 * the rules and the contracts): runs them all, and turns what they find
 * into diagnostics located at the YAML objects. The analyses themselves
 * live one per file: topo_cycles.c, topo_blast.c, topo_spof.c and
 * topo_headroom.c.
 *
 * Everything iterates the Topo's arrays in order, so the diagnostics (and
 * the report/check_report.c text made from the analyses) are byte-identical
 * from run to run.
 */
#include "model/topo_check_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void topo_check_options_init(TopoCheckOptions *o)
{
    o->surge = 1.0;
    o->max_cycles = 50;
}

/* ---- A growable string, for messages of any length ------------------------ */

typedef struct Str {
    char *p;
    size_t n, cap;
    bool oom;
} Str;

static void str_addf(Str *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void str_addf(Str *s, const char *fmt, ...)
{
    if (s->oom) return;
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (len < 0) { s->oom = true; return; }
    if (s->n + (size_t)len + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 64;
        while (cap < s->n + (size_t)len + 1) cap *= 2;
        char *p = realloc(s->p, cap);
        if (!p) { s->oom = true; return; }
        s->p = p;
        s->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(s->p + s->n, (size_t)len + 1, fmt, ap);
    va_end(ap);
    s->n += (size_t)len;
}

/* The string, or NULL when building it ran out of memory. */
static char *str_take(Str *s)
{
    if (s->oom) { free(s->p); return NULL; }
    if (!s->p) return calloc(1, 1);
    return s->p;
}

static const char *str_get(const Str *s)
{
    return s->oom || !s->p ? "(out of memory)" : s->p;
}

const char *topo_fmt_rate(double v, char *buf, size_t size)
{
    if (isinf(v)) snprintf(buf, size, "unbounded");
    else if (v >= 100 || v == 0) snprintf(buf, size, "%.0f/s", v);
    else if (v >= 10) snprintf(buf, size, "%.1f/s", v);
    else snprintf(buf, size, "%.2f/s", v);
    return buf;
}

static const char *fmt_secs(double s, char *buf, size_t size)
{
    if (s >= 1) snprintf(buf, size, "%.3gs", s);
    else if (s >= 1e-3) snprintf(buf, size, "%.3gms", s * 1e3);
    else snprintf(buf, size, "%.3gus", s * 1e6);
    return buf;
}

static const char *svc_name(const Topo *t, int s) { return t->services[s].name; }

/* ---- The text of a cycle ------------------------------------------------- */

/* "runs on", "calls at start-up" or "calls" */
static const char *edge_verb(const TopoEdge *e)
{
    return e->call == TOPO_EDGE_RUNS_ON     ? "runs on"
           : TOPO_EDGE_IS_STARTUP(e->call) ? "calls at start-up"
                                           : "calls";
}

static void cycle_text(const Topo *t, const TopoCycle *c, bool recovery, Str *s)
{
    if (c->n == 0) return;
    if (!recovery) {
        for (int i = 0; i < c->n; i++) str_addf(s, "%s -> ", svc_name(t, c->edges[i].from));
        str_addf(s, "%s", svc_name(t, c->edges[0].from));
        return;
    }
    for (int i = 0; i < c->n; i++)
        str_addf(s, "%s%s %s %s", i ? ", " : "", svc_name(t, c->edges[i].from),
                 edge_verb(&c->edges[i]), svc_name(t, c->edges[i].to));
}

char *topo_cycle_text(const Topo *t, const TopoCycle *c, bool recovery)
{
    Str s = { 0 };
    cycle_text(t, c, recovery, &s);
    return str_take(&s);
}

/* ---- Everything ------------------------------------------------------------------ */

void topo_analysis_free(TopoAnalysis *a)
{
    topo_cycle_list_free(&a->request_cycles);
    topo_cycle_list_free(&a->recovery_cycles);
    topo_blast_list_free(&a->blast);
    topo_spof_list_free(&a->spofs);
    topo_headroom_list_free(&a->headroom);
}

int topo_analyse(const Topo *t, const TopoCheckOptions *o, TopoAnalysis *a)
{
    TopoCheckOptions def;
    if (!o) {
        topo_check_options_init(&def);
        o = &def;
    }
    memset(a, 0, sizeof *a);
    if (topo_request_cycles(t, o->max_cycles, &a->request_cycles) < 0 ||
        topo_recovery_cycles(t, o->max_cycles, &a->recovery_cycles) < 0 ||
        topo_blast_radius(t, &a->blast) < 0 || topo_spofs(t, &a->blast, &a->spofs) < 0 ||
        topo_headroom(t, o->surge, &a->headroom) < 0) {
        topo_analysis_free(a);
        return -1;
    }
    return 0;
}

/* ---- Diagnostics ------------------------------------------------------------------ */

static FdLoc edge_loc(const Topo *t, const TopoEdge *e)
{
    const TopoService *sv = &t->services[e->from];
    if (e->call == TOPO_EDGE_RUNS_ON) return sv->runs_on_loc;
    if (TOPO_EDGE_IS_STARTUP(e->call)) return sv->startup[TOPO_EDGE_STARTUP_INDEX(e->call)].loc;
    return sv->calls[e->call].loc;
}

static void join_sources(const Topo *t, const int *idx, int n, const char *sep, Str *s)
{
    for (int i = 0; i < n; i++) str_addf(s, "%s%s", i ? sep : "", t->sources[idx[i]].name);
}

/* A request-path cycle is located at the call that closes it, with a note
 * at each other call, so an editor can walk the loop. */
static void diag_request_cycle(const Topo *t, const TopoCycle *c, DiagList *dl)
{
    Str s = { 0 };
    cycle_text(t, c, false, &s);
    const TopoEdge *last = &c->edges[c->n - 1];
    diag_error(dl, edge_loc(t, last), "request-path cycle: %s", str_get(&s));
    for (int i = 0; i < c->n - 1; i++)
        diag_note(dl, edge_loc(t, &c->edges[i]), "%s calls %s here",
                  svc_name(t, c->edges[i].from), svc_name(t, c->edges[i].to));
    free(s.p);
}

/* With one runs_on edge X -> P, the rest of the cycle is a chain of critical
 * calls from P back to X: X's crash alone fails P's scheduling. A start-up
 * call X -> Y in its place: X's instances cannot start while Y needs X.
 * With more, the deadlock needs every service on such an edge to be down at
 * once. */
static void diag_recovery_cycle(const Topo *t, const TopoCycle *c, DiagList *dl)
{
    Str s = { 0 };
    cycle_text(t, c, true, &s);
    int nro = 0;
    for (int i = 0; i < c->n; i++) nro += topo_edge_recovery_only(c->edges[i].call);
    str_addf(&s, ": ");
    if (nro == 1 && c->edges[0].call == TOPO_EDGE_RUNS_ON) {
        str_addf(&s, "if %s's instances crash, %s cannot reschedule them",
                 svc_name(t, c->edges[0].from), svc_name(t, c->edges[0].to));
    } else if (nro == 1) {
        str_addf(&s, "if %s's instances crash, they cannot start again: their start-up call "
                 "to %s needs %s serving", svc_name(t, c->edges[0].from),
                 svc_name(t, c->edges[0].to), svc_name(t, c->edges[0].from));
    } else {
        str_addf(&s, "if ");
        for (int i = 0, k = 0; i < c->n; i++) {
            if (!topo_edge_recovery_only(c->edges[i].call)) continue;
            str_addf(&s, "%s%s", k == 0 ? "" : k == nro - 1 ? " and " : ", ",
                     svc_name(t, c->edges[i].from));
            k++;
        }
        bool startup = false;
        for (int i = 0; i < c->n; i++) startup = startup || TOPO_EDGE_IS_STARTUP(c->edges[i].call);
        str_addf(&s, " crash at once, none of them can %s",
                 startup ? "come back" : "be rescheduled");
    }
    const TopoEdge *last = &c->edges[c->n - 1];
    diag_warning(dl, edge_loc(t, last), "recovery-path cycle: %s", str_get(&s));
    for (int i = 0; i < c->n - 1; i++)
        diag_note(dl, edge_loc(t, &c->edges[i]), "%s %s %s here", svc_name(t, c->edges[i].from),
                  edge_verb(&c->edges[i]), svc_name(t, c->edges[i].to));
    free(s.p);
}

static void diag_spof(const Topo *t, const TopoSpof *sp, const TopoBlast *b, DiagList *dl)
{
    const TopoService *sv = &t->services[sp->service];
    Str s = { 0 };
    str_addf(&s, "%s is a single point of failure: ", sv->name);
    if (sp->only_region >= 0)
        str_addf(&s, "deployed only in %s while %s is served from %d regions",
                 t->regions[sp->only_region].name, t->sources[sp->spread_source].name,
                 topo_source_regions(t, &t->sources[sp->spread_source]));
    if (sp->nsingle > 0) {
        if (sp->only_region >= 0) str_addf(&s, ", and ");
        if (sp->nsingle == 1) str_addf(&s, "a single instance in %s", t->regions[sp->single_region].name);
        else str_addf(&s, "a single instance in %d regions", sp->nsingle);
    }
    str_addf(&s, "; its failure takes down ");
    join_sources(t, b->entries, b->nentries, ", ", &s);
    if (sp->shared) str_addf(&s, " (shared by %d entry points)", b->nentries);
    diag_warning(dl, sv->loc, "%s", str_get(&s));
    for (int d = 0; d < sv->ndeploy; d++)
        if (sv->deploy[d].region == sp->only_region || sv->deploy[d].region == sp->single_region) {
            diag_note(dl, sv->deploy[d].loc, "deployed here: %d instance%s in %s",
                      sv->deploy[d].instances, sv->deploy[d].instances == 1 ? "" : "s",
                      t->regions[sv->deploy[d].region].name);
            break;
        }
    free(s.p);
}

static void diag_blind(const Topo *t, const TopoBlast *b, DiagList *dl)
{
    Str s = { 0 };
    FdLoc loc;
    if (b->kind == TOPO_COMP_SERVICE) {
        loc = t->services[b->index].loc;
        str_addf(&s, "a failure of %s takes down ", t->services[b->index].name);
    } else {
        loc = t->configs[b->index].loc;
        str_addf(&s, "bad data in %s takes down ", t->configs[b->index].name);
    }
    join_sources(t, b->entries, b->nentries, ", ", &s);
    str_addf(&s, " and the monitoring service %s: alerts go quiet when they are needed",
             t->services[t->monitoring].name);
    diag_warning(dl, loc, "%s", str_get(&s));
    free(s.p);
}

static FdLoc deploy_loc(const TopoService *sv, int region)
{
    for (int d = 0; d < sv->ndeploy; d++)
        if (sv->deploy[d].region == region) return sv->deploy[d].loc;
    return sv->loc;
}

static void diag_headroom(const Topo *t, const TopoHeadroom *h, double surge, DiagList *dl)
{
    const TopoService *sv = &t->services[h->service];
    const char *region = t->regions[h->region].name;
    char a[32], b[32], c[32];
    if (h->unserved > 0)
        diag_warning(dl, sv->loc,
                     "%s receives %s in %s but has no instances there and cross_region is off: "
                     "those requests fail", sv->name, topo_fmt_rate(h->unserved, a, sizeof a), region);
    if (!h->short_at_surge) return;
    Str s = { 0 };
    int first = 1;
    for (int i = 0; i < t->nsources; i++)
        if (h->from[i]) {
            str_addf(&s, "%s%s", first ? "" : "+", t->sources[i].name);
            first = 0;
        }
    if (surge != 1) str_addf(&s, " surge x%g needs %s", surge, topo_fmt_rate(surge * h->load, a, sizeof a));
    else str_addf(&s, " needs %s at steady load", topo_fmt_rate(h->load, a, sizeof a));
    str_addf(&s, " at %s/%s; capacity %s", sv->name, region, topo_fmt_rate(h->capacity, b, sizeof b));
    if (h->max_instances > h->instances)
        str_addf(&s, " (autoscaling to %d instances: %s)", h->max_instances,
                 topo_fmt_rate(h->max_capacity, c, sizeof c));
    else
        str_addf(&s, " (%s)", sv->autoscale.enabled ? "autoscaling max reached" : "no autoscaling");
    FdLoc loc = deploy_loc(sv, h->region);
    diag_warning(dl, loc, "%s", str_get(&s));
    diag_note(dl, loc, "capacity = %d instance%s x %d workers / %s per request (own time + calls)",
              h->instances, h->instances == 1 ? "" : "s", sv->concurrency,
              fmt_secs(h->latency, a, sizeof a));
    free(s.p);
}

/* ---- The report ----------------------------------------------------------------- */

int topo_check(const Topo *t, const TopoCheckOptions *o, DiagList *dl, TopoAnalysis *keep)
{
    TopoCheckOptions def;
    if (!o) {
        topo_check_options_init(&def);
        o = &def;
    }
    TopoAnalysis a;
    if (topo_analyse(t, o, &a) < 0) return -1;

    for (int i = 0; i < a.request_cycles.n; i++) diag_request_cycle(t, &a.request_cycles.v[i], dl);
    if (a.request_cycles.truncated && a.request_cycles.n > 0)
        diag_note(dl, t->services[a.request_cycles.v[0].edges[0].from].loc,
                  "more request-path cycles exist; only the first %d are listed", a.request_cycles.n);
    for (int i = 0; i < a.recovery_cycles.n; i++)
        diag_recovery_cycle(t, &a.recovery_cycles.v[i], dl);
    if (a.recovery_cycles.truncated && a.recovery_cycles.n > 0)
        diag_note(dl, t->services[a.recovery_cycles.v[0].edges[0].from].loc,
                  "more recovery-path cycles may exist; only the first %d are listed",
                  a.recovery_cycles.n);
    for (int i = 0; i < a.spofs.n; i++)
        diag_spof(t, &a.spofs.v[i], &a.blast.v[a.spofs.v[i].service], dl);
    for (int i = 0; i < a.blast.n; i++) {
        const TopoBlast *b = &a.blast.v[i];
        if (b->blinds_monitoring && b->nentries > 0 &&
            !(b->kind == TOPO_COMP_SERVICE && b->index == t->monitoring))
            diag_blind(t, b, dl);
    }
    for (int i = 0; i < a.headroom.n; i++) diag_headroom(t, &a.headroom.v[i], o->surge, dl);

    if (keep) *keep = a;
    else topo_analysis_free(&a);
    return 0;
}

/*
 * topo_graph.c: DOT output for a topology (see topo_graph.h).
 *
 * The cycles come from topo_check's analyses, so the drawing and
 * `firedrill check` can never disagree about which edges form a loop. The
 * edges of every listed cycle are marked before anything is written; a
 * topology with more cycles than the limit (thousands) gets the first ones
 * marked, which is still the picture a reader needs.
 */
#include "model/topo_graph.h"

#include <stdbool.h>
#include <stdlib.h>
#include "model/topo_check.h"

/* Enough to mark every loop of any topology a person would draw. */
#define GRAPH_CYCLE_LIMIT 1000

/* A DOT double-quoted string body: quotes and backslashes escaped, line
 * breaks as DOT's \n. */
static void put_escaped(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') fputc('\\', f);
        if (*s == '\n') fputs("\\n", f);
        else fputc(*s, f);
    }
}

static void put_id(FILE *f, const char *prefix, const char *name)
{
    fputc('"', f);
    fputs(prefix, f);
    put_escaped(f, name);
    fputc('"', f);
}

/* The largest unit that fits, as people write durations: 250ms, 2s, 1.5m. */
static void put_duration(FILE *f, SimTime d)
{
    static const struct { SimTime unit; const char *name; } units[] = {
        { FD_HOUR, "h" }, { FD_MIN, "m" }, { FD_SEC, "s" }, { FD_MS, "ms" }, { FD_US, "us" },
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (d >= units[i].unit) {
            fprintf(f, "%.4g%s", (double)d / (double)units[i].unit, units[i].name);
            return;
        }
    fprintf(f, "%lldns", (long long)d);
}

static void put_rate(FILE *f, double r)
{
    if (r >= 100 || r == 0) fprintf(f, "%.0f/s", r);
    else fprintf(f, "%.3g/s", r);
}

static void put_service(FILE *f, const Topo *t, int s)
{
    const TopoService *sv = &t->services[s];
    fputs("  ", f);
    put_id(f, "", sv->name);
    switch (sv->kind) {
    case SVC_STORAGE: fputs(" [shape=cylinder", f); break;
    case SVC_EXTERNAL: fputs(" [shape=ellipse, style=dashed", f); break;
    default: fputs(" [shape=box", f); break;
    }
    fputs(", label=\"", f);
    put_escaped(f, sv->name);
    if (sv->kind == SVC_STORAGE) fputs("\\n(storage)", f);
    if (sv->kind == SVC_EXTERNAL) fputs("\\n(external)", f);
    if (s == t->monitoring) fputs("\\n(monitoring)", f);
    if (s == t->status_page) fputs("\\n(status page)", f);
    if (sv->ndeploy > 0) {
        fputs("\\n", f);
        for (int d = 0; d < sv->ndeploy; d++) {
            fputs(d ? ", " : "", f);
            put_escaped(f, t->regions[sv->deploy[d].region].name);
            fprintf(f, " %d", sv->deploy[d].instances);
        }
    }
    if (sv->autoscale.enabled) fprintf(f, "\\nautoscale %d..%d", sv->autoscale.min, sv->autoscale.max);
    fputs("\"];\n", f);
}

/* Style and colour of an edge: its own line style, bold and coloured when
 * it is on a cycle. */
static void put_edge_style(FILE *f, const char *style, bool request, bool recovery)
{
    if (request || recovery)
        fprintf(f, ", style=\"%s,bold\", color=%s, fontcolor=%s, penwidth=2", style,
                request ? "red" : "orange", request ? "red" : "orange");
    else
        fprintf(f, ", style=%s", style);
}

static void put_call(FILE *f, const Topo *t, int s, int k, bool request, bool recovery)
{
    const TopoService *sv = &t->services[s];
    const TopoCall *c = &sv->calls[k];
    fputs("  ", f);
    put_id(f, "", sv->name);
    fputs(" -> ", f);
    put_id(f, "", t->services[c->target].name);
    fputs(" [label=\"", f);
    put_duration(f, c->timeout);
    if (c->retries > 0) fprintf(f, ", %d retr%s", c->retries, c->retries == 1 ? "y" : "ies");
    if (c->probability < 1) fprintf(f, "\\np=%g%%", c->probability * 100);
    if (c->fallback) fputs("\\nfallback", f);
    else if (!c->critical) fputs("\\noptional", f);
    fputc('"', f);
    put_edge_style(f, c->fallback || !c->critical ? "dashed" : "solid", request, recovery);
    fputs("];\n", f);
}

static void mark_cycles(const TopoCycleList *l, const int *callbase, bool *calls, bool *runs_on)
{
    for (int i = 0; i < l->n; i++)
        for (int k = 0; k < l->v[i].n; k++) {
            const TopoEdge *e = &l->v[i].edges[k];
            if (e->call == TOPO_EDGE_RUNS_ON) runs_on[e->from] = true;
            else if (e->call >= 0) calls[callbase[e->from] + e->call] = true;
        }
}

int topo_graph_write(const Topo *t, FILE *f)
{
    int n = t->nservices;
    size_t ncalls = 1;
    for (int s = 0; s < n; s++) ncalls += (size_t)t->services[s].ncalls;
    size_t nn = n > 0 ? (size_t)n : 1;
    int *callbase = malloc(nn * sizeof *callbase);
    bool *req_call = calloc(ncalls, sizeof *req_call), *rec_call = calloc(ncalls, sizeof *rec_call);
    bool *req_run = calloc(nn, sizeof *req_run), *rec_run = calloc(nn, sizeof *rec_run);
    TopoCycleList req = { 0 }, rec = { 0 };
    int rc = -1;
    if (!callbase || !req_call || !rec_call || !req_run || !rec_run) goto out;
    if (topo_request_cycles(t, GRAPH_CYCLE_LIMIT, &req) < 0 ||
        topo_recovery_cycles(t, GRAPH_CYCLE_LIMIT, &rec) < 0)
        goto out;
    for (int s = 0, base = 0; s < n; s++) {
        callbase[s] = base;
        base += t->services[s].ncalls;
    }
    mark_cycles(&req, callbase, req_call, req_run);
    mark_cycles(&rec, callbase, rec_call, rec_run);

    fputs("// firedrill graph", f);
    if (t->file) {
        fputs(": ", f);
        /* A comment cannot be escaped; keep it on one line. */
        for (const char *p = t->file; *p; p++) fputc(*p == '\n' ? ' ' : *p, f);
    }
    fputs("\n// red: request-path cycle; orange: recovery-path cycle\n", f);
    fputs("digraph topology {\n", f);
    fputs("  graph [rankdir=LR, fontname=\"Helvetica\"];\n", f);
    fputs("  node [fontname=\"Helvetica\", fontsize=11];\n", f);
    fputs("  edge [fontname=\"Helvetica\", fontsize=9];\n", f);

    fputs("\n  // sources\n", f);
    for (int i = 0; i < t->nsources; i++) {
        const TopoSource *src = &t->sources[i];
        fputs("  ", f);
        put_id(f, "source:", src->name);
        fputs(" [shape=invhouse, label=\"", f);
        put_escaped(f, src->name);
        fputs("\\n", f);
        put_rate(f, src->rate);
        fputs("\"];\n", f);
    }
    fputs("\n  // services\n", f);
    for (int s = 0; s < n; s++) put_service(f, t, s);
    if (t->nconfigs > 0) fputs("\n  // config items\n", f);
    for (int i = 0; i < t->nconfigs; i++) {
        fputs("  ", f);
        put_id(f, "config:", t->configs[i].name);
        fputs(" [shape=note, label=\"", f);
        put_escaped(f, t->configs[i].name);
        fputs("\"];\n", f);
    }

    fputs("\n  // entry points\n", f);
    for (int i = 0; i < t->nsources; i++) {
        const TopoSource *src = &t->sources[i];
        if (src->entry < 0) continue;
        fputs("  ", f);
        put_id(f, "source:", src->name);
        fputs(" -> ", f);
        put_id(f, "", t->services[src->entry].name);
        fputs(";\n", f);
    }
    fputs("\n  // calls, runs_on and config reads, per service\n", f);
    for (int s = 0; s < n; s++) {
        const TopoService *sv = &t->services[s];
        for (int k = 0; k < sv->ncalls; k++)
            if (sv->calls[k].target >= 0)
                put_call(f, t, s, k, req_call[callbase[s] + k], rec_call[callbase[s] + k]);
        if (sv->runs_on >= 0) {
            fputs("  ", f);
            put_id(f, "", sv->name);
            fputs(" -> ", f);
            put_id(f, "", t->services[sv->runs_on].name);
            fputs(" [label=\"runs on\"", f);
            put_edge_style(f, "dotted", req_run[s], rec_run[s]);
            fputs("];\n", f);
        }
        for (int k = 0; k < sv->nconfigs; k++) {
            if (sv->configs[k] < 0) continue;
            fputs("  ", f);
            put_id(f, "", sv->name);
            fputs(" -> ", f);
            put_id(f, "config:", t->configs[sv->configs[k]].name);
            fputs(" [label=\"reads\", style=dashed, arrowhead=open];\n", f);
        }
    }
    bool any_store = false;
    for (int i = 0; i < t->nconfigs; i++) {
        if (t->configs[i].store < 0) continue;
        if (!any_store) fputs("\n  // where config items are stored\n", f);
        any_store = true;
        fputs("  ", f);
        put_id(f, "config:", t->configs[i].name);
        fputs(" -> ", f);
        put_id(f, "", t->services[t->configs[i].store].name);
        fputs(" [label=\"stored in\", style=dashed, arrowhead=open];\n", f);
    }
    fputs("}\n", f);
    rc = ferror(f) ? -2 : 0;
out:
    topo_cycle_list_free(&req);
    topo_cycle_list_free(&rec);
    free(callbase);
    free(req_call);
    free(rec_call);
    free(req_run);
    free(rec_run);
    return rc;
}

/*
 * check_report.c: the text summary `firedrill check` prints after its
 * diagnostics (check_report.h), from the analyses of model/topo_check.c:
 * blast radius per component, capacity against a surge, single points of
 * failure and shared components, cycles. Columns are sized to their
 * longest cell; everything follows the Topo's order, so the text is the
 * same on every run.
 */
#include "report/check_report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *kind_name(SvcKind k)
{
    return k == SVC_STORAGE ? "storage" : k == SVC_EXTERNAL ? "external" : "service";
}

static const char *comp_name(const Topo *t, const TopoBlast *b)
{
    return b->kind == TOPO_COMP_SERVICE ? t->services[b->index].name : t->configs[b->index].name;
}

/* The sources' names, ", " between them ("-" for none), padded to width. */
static void print_sources(FILE *f, const Topo *t, const int *idx, int n, int width)
{
    int len = n == 0 ? 1 : 0;
    if (n == 0) fputs("-", f);
    for (int i = 0; i < n; i++) {
        const char *name = t->sources[idx[i]].name;
        fprintf(f, "%s%s", i ? ", " : "", name);
        len += (int)strlen(name) + (i ? 2 : 0);
    }
    fprintf(f, "%*s", width > len ? width - len : 0, "");
}

static void report_blast(const Topo *t, const TopoAnalysis *a, FILE *f)
{
    int w = (int)strlen("component");
    for (int i = 0; i < a->blast.n; i++) {
        int len = (int)strlen(comp_name(t, &a->blast.v[i]));
        if (len > w) w = len;
    }
    int we = (int)strlen("request path");
    for (int i = 0; i < a->blast.n; i++) {
        const TopoBlast *b = &a->blast.v[i];
        int len = b->nentries ? -2 : 1;
        for (int k = 0; k < b->nentries; k++) len += (int)strlen(t->sources[b->entries[k]].name) + 2;
        if (len > we) we = len;
    }
    fprintf(f, "Blast radius: the entry points that fail when a component fails\n");
    fprintf(f, "  %-*s  %-8s  %-*s  %s\n", w, "component", "kind", we, "request path",
            "recovery (stays down while instances crash)");
    for (int i = 0; i < a->blast.n; i++) {
        const TopoBlast *b = &a->blast.v[i];
        const char *kind = b->kind == TOPO_COMP_CONFIG ? "config"
                                                       : kind_name(t->services[b->index].kind);
        fprintf(f, "  %-*s  %-8s  ", w, comp_name(t, b), kind);
        print_sources(f, t, b->entries, b->nentries, we);
        fprintf(f, "  ");
        print_sources(f, t, b->recovery, b->nrecovery, 0);
        /* The monitoring service's own failure blinds it trivially: say it
         * only for the components that take it down with them. */
        if (b->blinds_monitoring && !(b->kind == TOPO_COMP_SERVICE && b->index == t->monitoring))
            fprintf(f, "  [monitoring blind]");
        fprintf(f, "\n");
    }
    if (t->nconfigs > 0)
        fprintf(f, "  (a config item's row is what bad data in it takes down)\n");
}

static void report_headroom(const Topo *t, const TopoAnalysis *a, double surge, FILE *f)
{
    const TopoHeadroomList *l = &a->headroom;
    fprintf(f, "\nCapacity at steady load, against a surge of x%g\n", surge);
    if (l->n == 0) {
        fprintf(f, "  (no deployed services)\n");
        return;
    }
    int w = (int)strlen("service/region");
    for (int i = 0; i < l->n; i++) {
        int len = (int)(strlen(t->services[l->v[i].service].name) +
                        strlen(t->regions[l->v[i].region].name) + 1);
        if (len > w) w = len;
    }
    fprintf(f, "  %-*s  %10s  %10s  %10s  %9s  %18s\n", w, "service/region", "load", "need",
            "capacity", "headroom", "max (instances)");
    for (int i = 0; i < l->n; i++) {
        const TopoHeadroom *h = &l->v[i];
        char name[256], lb[32], nb[32], cb[32], hb[32], mb[32], mx[48];
        snprintf(name, sizeof name, "%s/%s", t->services[h->service].name, t->regions[h->region].name);
        if (isinf(h->headroom)) snprintf(hb, sizeof hb, "-");
        else snprintf(hb, sizeof hb, "%.1fx", h->headroom);
        snprintf(mx, sizeof mx, "%s (%d)", topo_fmt_rate(h->max_capacity, mb, sizeof mb), h->max_instances);
        fprintf(f, "  %-*s  %10s  %10s  %10s  %9s  %18s  %s\n", w, name,
                topo_fmt_rate(h->load, lb, sizeof lb), topo_fmt_rate(surge * h->load, nb, sizeof nb),
                topo_fmt_rate(h->capacity, cb, sizeof cb), hb, mx,
                h->unserved > 0 ? "UNSERVED" : h->short_at_surge ? "SHORT" : "ok");
    }
}

static void report_spofs(const Topo *t, const TopoAnalysis *a, FILE *f)
{
    fprintf(f, "\nSingle points of failure\n");
    if (a->spofs.n == 0) fprintf(f, "  none\n");
    for (int i = 0; i < a->spofs.n; i++) {
        const TopoSpof *sp = &a->spofs.v[i];
        const TopoService *sv = &t->services[sp->service];
        fprintf(f, "  %s (%s): ", sv->name, kind_name(sv->kind));
        if (sp->only_region >= 0) fprintf(f, "only in %s", t->regions[sp->only_region].name);
        if (sp->nsingle > 0)
            fprintf(f, "%s1 instance in %d region%s", sp->only_region >= 0 ? ", " : "", sp->nsingle,
                    sp->nsingle == 1 ? "" : "s");
        fprintf(f, "%s\n", sp->shared ? "; shared" : "");
    }
    /* Shared components are worth knowing even when redundant: replicas of
     * one tier fail together to a bad release, a bad config or a hang. */
    bool any = false;
    for (int i = 0; i < a->blast.n; i++) {
        const TopoBlast *b = &a->blast.v[i];
        if (b->nentries < 2) continue;
        if (!any) fprintf(f, "Shared components (a failure takes down 2+ entry points)\n");
        any = true;
        fprintf(f, "  %s: ", comp_name(t, b));
        print_sources(f, t, b->entries, b->nentries, 0);
        fprintf(f, "\n");
    }
}

static void report_cycles(const Topo *t, const TopoAnalysis *a, FILE *f)
{
    fprintf(f, "\nCycles\n");
    if (a->request_cycles.n == 0 && a->recovery_cycles.n == 0) fprintf(f, "  none\n");
    for (int k = 0; k < 2; k++) {
        const TopoCycleList *l = k == 0 ? &a->request_cycles : &a->recovery_cycles;
        for (int i = 0; i < l->n; i++) {
            char *text = topo_cycle_text(t, &l->v[i], k == 1);
            fprintf(f, "  %s: %s\n", k == 0 ? "request path" : "recovery path",
                    text ? text : "(out of memory)");
            free(text);
        }
        if (l->truncated)
            fprintf(f, "  %s: more cycles not listed\n", k == 0 ? "request path" : "recovery path");
    }
}

void check_report_write(FILE *f, const Topo *t, const TopoAnalysis *a, double surge,
                        const DiagList *dl)
{
    fprintf(f, "%s: %d service%s, %d region%s, %d config item%s, %d source%s\n\n",
            t->file ? t->file : "topology", t->nservices, t->nservices == 1 ? "" : "s",
            t->nregions, t->nregions == 1 ? "" : "s", t->nconfigs, t->nconfigs == 1 ? "" : "s",
            t->nsources, t->nsources == 1 ? "" : "s");
    report_blast(t, a, f);
    report_headroom(t, a, surge, f);
    report_spofs(t, a, f);
    report_cycles(t, a, f);
    fprintf(f, "\n%zu error%s, %zu warning%s\n", dl->errors, dl->errors == 1 ? "" : "s",
            dl->warnings, dl->warnings == 1 ? "" : "s");
}

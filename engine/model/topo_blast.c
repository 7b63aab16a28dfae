/*
 * topo_blast.c: what each component takes down when it fails (see
 * topo_check.h for the rules).
 *
 * The failure closure is a fixpoint over the services without allocation:
 * topologies have tens to hundreds of services, and each pass is linear, so
 * depth-of-the-graph passes cost nothing worth a worklist.
 */
#include "model/topo_check_internal.h"

#include <stdlib.h>
#include <string.h>

/* A caller fails with a callee when the call propagates failure (critical,
 * no fallback, made at all). With `recovery`, a service also fails with its
 * platform: it keeps serving only until its instances crash. */
void topo_failure_closure(const Topo *t, bool *down, bool recovery)
{
    bool changed = true;
    while (changed) {
        changed = false;
        for (int s = 0; s < t->nservices; s++) {
            if (down[s]) continue;
            const TopoService *sv = &t->services[s];
            bool fail = recovery && sv->runs_on >= 0 && down[sv->runs_on];
            for (int k = 0; k < sv->ncalls && !fail; k++)
                fail = propagates(&sv->calls[k]) && down[sv->calls[k].target];
            for (int k = 0; recovery && k < sv->nstartup && !fail; k++)
                fail = propagates(&sv->startup[k]) && down[sv->startup[k].target];
            if (fail) {
                down[s] = true;
                changed = true;
            }
        }
    }
}

int topo_entries_down(const Topo *t, const bool *down, int *entries)
{
    int n = 0;
    for (int i = 0; i < t->nsources; i++) {
        int e = t->sources[i].entry;
        if (e >= 0 && down[e]) entries[n++] = i;
    }
    return n;
}

static bool reads_config(const TopoService *sv, int cfg)
{
    for (int k = 0; k < sv->nconfigs; k++)
        if (sv->configs[k] == cfg) return true;
    return false;
}

static void blast_free(TopoBlast *b)
{
    free(b->down);
    free(b->entries);
    free(b->recovery);
}

void topo_blast_list_free(TopoBlastList *l)
{
    for (int i = 0; i < l->n; i++) blast_free(&l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

int topo_blast_radius(const Topo *t, TopoBlastList *out)
{
    memset(out, 0, sizeof *out);
    int total = t->nservices + t->nconfigs;
    size_t ns = t->nservices > 0 ? (size_t)t->nservices : 1;
    size_t nsrc = t->nsources > 0 ? (size_t)t->nsources : 1;
    out->v = calloc(total > 0 ? (size_t)total : 1, sizeof *out->v);
    bool *rec = calloc(ns, sizeof *rec);
    if (!out->v || !rec) goto oom;
    for (int i = 0; i < total; i++) {
        TopoBlast *b = &out->v[out->n++];
        b->kind = i < t->nservices ? TOPO_COMP_SERVICE : TOPO_COMP_CONFIG;
        b->index = i < t->nservices ? i : i - t->nservices;
        b->down = calloc(ns, sizeof *b->down);
        b->entries = malloc(nsrc * sizeof *b->entries);
        b->recovery = malloc(nsrc * sizeof *b->recovery);
        if (!b->down || !b->entries || !b->recovery) goto oom;
        if (b->kind == TOPO_COMP_SERVICE) {
            b->down[b->index] = true;
        } else {
            /* Bad data fails every reader, whatever version of the code
             * it runs: the fault is in the data, not in the program. */
            for (int s = 0; s < t->nservices; s++)
                b->down[s] = reads_config(&t->services[s], b->index);
        }
        topo_failure_closure(t, b->down, false);
        b->nentries = topo_entries_down(t, b->down, b->entries);
        memcpy(rec, b->down, ns * sizeof *rec);
        topo_failure_closure(t, rec, true);
        b->nrecovery = topo_entries_down(t, rec, b->recovery);
        b->blinds_monitoring = t->monitoring >= 0 && b->down[t->monitoring];
    }
    free(rec);
    return 0;
oom:
    free(rec);
    topo_blast_list_free(out);
    return -1;
}

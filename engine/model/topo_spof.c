/*
 * topo_spof.c: the single points of failure: components whose blast radius
 * (topo_blast.c) is not empty and that have no redundancy to absorb it.
 */
#include "model/topo_check_internal.h"

#include <stdlib.h>
#include <string.h>

/* Instances the service keeps in a region: the deployment, raised to the
 * autoscaler's floor where it is deployed at all. */
static int floor_instances(const TopoService *sv, int region)
{
    int n = topo_instances(sv, region);
    if (n > 0 && sv->autoscale.enabled && sv->autoscale.min > n) n = sv->autoscale.min;
    return n;
}

int topo_source_regions(const Topo *t, const TopoSource *src)
{
    if (!src->weights) return t->nregions;
    int n = 0;
    for (int r = 0; r < t->nregions; r++) n += src->weights[r] > 0;
    return n;
}

void topo_spof_list_free(TopoSpofList *l)
{
    free(l->v);
    memset(l, 0, sizeof *l);
}

int topo_spofs(const Topo *t, const TopoBlastList *blast, TopoSpofList *out)
{
    memset(out, 0, sizeof *out);
    out->v = calloc(t->nservices > 0 ? (size_t)t->nservices : 1, sizeof *out->v);
    if (!out->v) return -1;
    for (int i = 0; i < blast->n; i++) {
        const TopoBlast *b = &blast->v[i];
        if (b->kind != TOPO_COMP_SERVICE || b->nentries == 0) continue;
        const TopoService *sv = &t->services[b->index];
        if (sv->kind == SVC_EXTERNAL) continue;
        TopoSpof sp = { b->index, -1, -1, -1, 0, b->nentries >= 2 };
        int nreg = 0, reg = -1;
        for (int r = 0; r < t->nregions; r++) {
            int n = floor_instances(sv, r);
            if (n > 0) { nreg++; reg = r; }
            if (n == 1) {
                if (sp.single_region < 0) sp.single_region = r;
                sp.nsingle++;
            }
        }
        if (nreg == 1) {
            for (int k = 0; k < b->nentries && sp.spread_source < 0; k++)
                if (topo_source_regions(t, &t->sources[b->entries[k]]) >= 2) {
                    sp.only_region = reg;
                    sp.spread_source = b->entries[k];
                }
        }
        if (sp.only_region >= 0 || sp.nsingle > 0) out->v[out->n++] = sp;
    }
    return 0;
}

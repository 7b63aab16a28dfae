/*
 * topo_check_internal.h: what the analyses of topo_check.h share, and
 * nothing else: the failure rule every analysis applies, and a helper the
 * diagnostics reuse.
 */
#ifndef FD_TOPO_CHECK_INTERNAL_H
#define FD_TOPO_CHECK_INTERNAL_H

#include "model/topo_check.h"

static inline bool propagates(const TopoCall *c)
{
    return c->target >= 0 && c->critical && !c->fallback && c->probability > 0;
}

/* topo_spof.c: in how many regions a source's customers are. */
int topo_source_regions(const Topo *t, const TopoSource *src);

#endif

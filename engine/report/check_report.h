/*
 * check_report.h: the text summary of `firedrill check`.
 */
#ifndef FD_CHECK_REPORT_H
#define FD_CHECK_REPORT_H

#include <stdio.h>
#include "base/diag.h"
#include "model/topo_check.h"

/* Writes to f what the analyses a of t found: the topology's counts, the
 * blast radius of each component, capacity against a surge of `surge`,
 * single points of failure and shared components, cycles, and the count
 * of errors and warnings in dl (what topo_check added, and what came
 * before it). */
void check_report_write(FILE *f, const Topo *t, const TopoAnalysis *a, double surge,
                        const DiagList *dl);

#endif

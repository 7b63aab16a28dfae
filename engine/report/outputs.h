/*
 * outputs.h: the files a finished run leaves in its output folder.
 *
 * events.jsonl, summary.json, junit.xml, report.html, topology.yaml (a
 * copy of the topology the run used) and metrics.csv (streamed during the
 * run by metrics_csv.h, committed here). Each file is written whole or not
 * at all (atomic_file.h). `firedrill run --out`, a game day and its replay
 * all write the same set through this one function.
 */
#ifndef FD_OUTPUTS_H
#define FD_OUTPUTS_H

#include "model/topo.h"
#include "report/metrics_csv.h"
#include "model/result.h"

/* Commits mc (already streamed) and writes the rest into dir, which must
 * exist. Returns 0 or -errno. */
int outputs_write(const RunResult *r, const Topo *topo, const char *dir, MetricsCsv *mc);

/* A byte copy of `src` into `dst`, whole or not at all. 0 or -errno. */
int outputs_copy_file(const char *src, const char *dst);

#endif

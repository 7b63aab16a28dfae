/*
 * batch_html.h: DIR/report.html of a batch, from the same run records as
 * runs.csv, summary.json and junit.xml.
 *
 * One self-contained page (inline CSS, inline SVG, no script, no fetch):
 * per scenario x parameter point the distributions of recovery duration and,
 * per entry point, availability, customers affected and peak-to-baseline as
 * strip/box plots (p5-p95 box, p50, max, one dot per run); per swept axis
 * (2+ values) its effect on recovery duration and availability (median and
 * p5-p95 band per value, over all runs at that value); each expectation's
 * pass rate against the required one; and the seeds of runs that did not
 * pass, each with the `firedrill run` command that replays it.
 *
 * recs[i] is the record of run i, or NULL outside the shard; records are
 * visited by index only, so the bytes depend on nothing else.
 */
#ifndef FD_BATCH_HTML_H
#define FD_BATCH_HTML_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include "batch/batch_plan.h"

/* Writes the page to f. Returns 0, -ENOMEM or -EIO. */
int batch_html_write(const BatchPlan *p, json_t *const *recs, int64_t total, FILE *f);

#endif

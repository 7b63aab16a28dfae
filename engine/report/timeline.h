/*
 * timeline.h: a finished run as text, for people.
 *
 * What `firedrill run` prints: a header (scenario, seed, local start,
 * duration, sampling), the incident-review timeline numbered like a
 * post-mortem's ("  1. 15:23  alert cloud-api-5xx fired"), the incident
 * clock, per-entry figures, deadlocks, and the expectations ending with
 * "N of M expectations hold". Times are the scenario's local wall clock.
 *
 * Colour: ANSI escapes only when `color` is true, so a pipe or a golden
 * file gets plain text. Text that comes from the scenario is printed with
 * control characters replaced by '?', so a script cannot move the cursor or
 * slip an escape into "plain" output.
 *
 * Errors: output errors are left on the stream (check ferror(out)).
 * Events are printed in time order whether or not they were sorted.
 */
#ifndef FD_TIMELINE_H
#define FD_TIMELINE_H

#include <stdbool.h>
#include <stdio.h>
#include "model/result.h"

void timeline_print(const RunResult *r, FILE *out, bool color);

/* The same without the timeline of events (`run --quiet`). */
void timeline_print_summary(const RunResult *r, FILE *out, bool color);

/* The summary JSON (report/run_json.h) for `--json`. Returns 0 or a
 * negative errno (-ENOMEM, or the stream's error). */
int timeline_print_json(const RunResult *r, FILE *out);

/* Whether printing to `out` should use colour: a terminal, NO_COLOR unset
 * or empty (https://no-color.org), and TERM not "dumb". */
bool timeline_color_wanted(FILE *out);

#endif

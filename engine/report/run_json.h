/*
 * run_json.h: a finished run as JSON, for machines.
 *
 * Two files, both written atomically (base/atomic_file.h):
 *   events.jsonl  one object per timeline event, in time order:
 *                 {"t","clock","kind","subject","region","text"}; subject
 *                 and region are left out when the event has none.
 *   summary.json  the run in one object: scenario, path, seed, params,
 *                 start, duration_s, sampling, incident, entries,
 *                 deadlocks, expectations, ok, events_run.
 * The same summary goes to stdout for `firedrill run --json`.
 *
 * Determinism: the same RunResult gives the same bytes. Keys come in a
 * fixed order; numbers follow one policy, so float noise never shows:
 *   - times in seconds since the run's start, rounded to the millisecond;
 *   - availabilities floored to 6 decimals (never overstated: 0.99999999
 *     is 0.999999, as in the printed report); shares, SLOs and pass rates
 *     rounded to 6 decimals;
 *   - rates and the peak-to-baseline ratio rounded to 3 decimals;
 *   - counts (intents, attempts, customers) as integers;
 *   - anything not finite (a ratio over a zero baseline) as null;
 *   - reals printed with 10 significant digits (JSON_REAL_PRECISION(10)).
 * "clock" is the scenario's local time: "HH:MM:SS" in events.jsonl, "HH:MM"
 * in summary.json, like the printed timeline. The seed is a JSON integer up
 * to 2^53 (what every JSON reader holds exactly) and a decimal string above.
 * Strings that are not valid UTF-8 have the bad bytes replaced by U+FFFD.
 *
 * Errors: each function returns 0 or a negative errno (-ENOMEM, or the
 * file system's error). The output directory must exist (fd_mkdir_p); a
 * failed write leaves any previous file at the path untouched.
 */
#ifndef FD_RUN_JSON_H
#define FD_RUN_JSON_H

#include <stdio.h>
#include "model/result.h"

int run_write_events_jsonl(const RunResult *r, const char *path);
int run_write_summary(const RunResult *r, const char *path);

/* Writes the summary object, indented, plus a newline, to an open stream. */
int run_summary_dumpf(const RunResult *r, FILE *out);

#endif

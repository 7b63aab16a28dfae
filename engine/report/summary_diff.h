/*
 * summary_diff.h: what changed between two runs of a scenario, in a few lines.
 *
 * `firedrill run --watch` re-runs a scenario each time its files change and
 * prints, after the new run, how its summary moved against the run before:
 * expectations that flipped, the incident clock, the incident's duration,
 * availability and customers affected per entry point, deadlocks. One line
 * per difference, each indented two spaces, for example
 *
 *   PASS -> FAIL  availability(users) >= 99.00%   (availability ... 87.10%)
 *   recovered     16:47 -> 16:51 (+4 min)
 *   duration      47 min -> 51 min (+4 min)
 *   users         availability 99.950% -> 87.100% (-12.850 pp)
 *
 * Matching: expectations by name, then what is left on both sides in
 * declaration order (an edited threshold renames its expectation; it is
 * shown as "PASS -> FAIL  new name   (was old name)"); entries by name;
 * what is only in one run is reported as new or gone.
 * Each run's times are printed in its own local clock (result_clock), so a
 * changed start or time zone still reads right. Text that comes from the
 * scenario has control characters replaced by '?', as in timeline.h.
 *
 * Pure: reads the two results, writes text, keeps nothing. Errors on the
 * stream are left on it (check ferror(out)).
 */
#ifndef FD_SUMMARY_DIFF_H
#define FD_SUMMARY_DIFF_H

#include <stdio.h>
#include "model/result.h"

/* Prints the differences of `cur` against `prev` and returns how many it
 * found (then a last line may add "expectations  2 of 2 -> 1 of 2 hold");
 * prints "  no change in the summary" and returns 0 when
 * they agree. Neither may be NULL. */
int summary_diff_print(const RunResult *prev, const RunResult *cur, FILE *out);

#endif

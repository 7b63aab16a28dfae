/*
 * run_read.h: a RunResult rebuilt from the files a run left.
 *
 * `firedrill report DIR` reads DIR/summary.json and DIR/events.jsonl (the
 * formats of run_json.h) back into a RunResult, so report.html can be
 * written again without running the scenario. What comes back is what the
 * files hold: times to the millisecond, availabilities to 6 decimals (the
 * writers' number policy), so a page built from it matches the page the
 * run wrote only if the page rounds the same way (html.c does).
 *
 * Errors: a missing file, bad JSON or a value of the wrong type becomes a
 * diagnostic in dl, located "file:line:col" where the JSON parser knows
 * the place (syntax errors, and each events.jsonl line), "file" alone
 * otherwise; all problems of a file are gathered where reading can go on.
 * Returns 0, -1 on bad input (see dl), or -3 when memory runs out.
 * On failure r holds whatever was read; result_free() still releases it.
 */
#ifndef FD_RUN_READ_H
#define FD_RUN_READ_H

#include "base/diag.h"
#include "model/result.h"

/* r must be initialised (result_init). dir is the --out directory. */
int run_read_result(RunResult *r, const char *dir, DiagList *dl);

/* The parts, for callers with files elsewhere. */
int run_read_summary(RunResult *r, const char *path, DiagList *dl);
int run_read_events(RunResult *r, const char *path, DiagList *dl);

#endif

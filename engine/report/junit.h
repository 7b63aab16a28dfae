/*
 * junit.h: junit.xml for CI systems (GitLab, Jenkins, GitHub).
 *
 * One testsuite for the run, one testcase per expectation. A failed
 * expectation carries its detail and an excerpt of the timeline.
 */
#ifndef FD_JUNIT_H
#define FD_JUNIT_H

#include "model/result.h"

/* Writes path atomically. Returns 0, or -errno. */
int run_write_junit(const RunResult *r, const char *path);

#endif

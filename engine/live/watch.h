/*
 * watch.h: re-running something whenever files in some folders change.
 *
 * What `firedrill run --watch` stands on. watch_loop() watches folders
 * (not files: an editor that saves by writing a new file and renaming it
 * over the old one would leave a file watch pointing at nothing), waits
 * until the changes settle (a debounce: no event for debounce_ms), then
 * calls `run` once however many events came. It calls `run` once at the
 * start, and returns when SIGINT or SIGTERM arrives.
 *
 * Which files count: names ending in .lua, .yaml, .yml or .csv, except
 * hidden ones (".#x.lua" is an Emacs lock) and those in `ignore` (for
 * outputs the run itself writes into a watched folder). Folders are not
 * watched recursively.
 *
 * Threading: one thread. `run` is called from the loop's own thread,
 * never from inside a libuv callback; the callbacks only record what
 * happened. All the libuv handles belong to the Watch and are closed
 * before watch_loop() returns, whatever the outcome.
 *
 * Errors: libuv's negative codes (uv_strerror() names them).
 */
#ifndef FD_WATCH_H
#define FD_WATCH_H

#include <stdbool.h>

typedef struct Watch Watch;

/* Called once at the start and once after each settled change. Returns 0
 * to keep watching, or a negative code to stop watch_loop() with it. */
typedef int (*WatchRunFn)(Watch *w, void *ud);

typedef struct WatchOptions {
    const char *const *dirs;     /* folders to watch; at least one */
    int ndirs;
    const char *const *ignore;   /* file names (no folder) not to react to; may be NULL */
    int nignore;
    unsigned debounce_ms;        /* 0: 200 */
    WatchRunFn run;
    void *ud;
} WatchOptions;

/* Runs until SIGINT or SIGTERM (returns 0), until `run` returns a
 * negative code (returns it), or until a folder cannot be watched (returns
 * libuv's code, having called `run` never). The strings in `o` are
 * borrowed for the call. */
int watch_loop(const WatchOptions *o);

/* Adds a folder to the watch from inside `run`, e.g. one that the run
 * found it reads. A folder already watched (the same folder, whatever the path) is left alone.
 * Returns 0 or a negative code. */
int watch_add_dir(Watch *w, const char *dir);

/* How many folders are watched. */
int watch_ndirs(const Watch *w);

/* For a long `run`: takes in what has happened since it started and says
 * whether the user asked to stop, so the run can give up early. Changes
 * seen meanwhile are kept and lead to another run. */
bool watch_stop_requested(Watch *w);

/* A message for a code from this file (libuv's). */
const char *watch_strerror(int rc);

/* Whether a code says the folder itself is wrong (missing, not a folder,
 * not readable): bad input rather than a system failure. */
bool watch_error_is_input(int rc);

/* Whether a change to the file `name` (no folder) leads to a run, leaving
 * aside the ignore list. NULL (the platform did not say) counts. */
bool watch_name_relevant(const char *name);

#endif

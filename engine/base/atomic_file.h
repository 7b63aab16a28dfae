/*
 * atomic_file.h: write an output file all at once or not at all.
 *
 * A run's outputs (summary.json, events.jsonl, report.html...) are read by
 * CI jobs, dashboards and `batch merge`. A run killed half-way, or a disk
 * that fills up, must never leave a truncated file where a complete one is
 * expected: readers see either the previous file or the new one.
 *
 * The recipe is the usual one: write into a temporary file in the same
 * directory (same filesystem, so rename() is atomic), flush and fsync it,
 * then rename it over the target. A process killed before the rename leaves
 * at most a stray "PATH.tmp.PID.XXXXXX" next to the target, never a partial
 * PATH; the next afile_open() of PATH removes it once PID is gone.
 *
 * Usage:
 *     AtomicFile af;
 *     FILE *f = afile_open(&af, "out/summary.json");
 *     if (!f) return -errno;
 *     ... write to f ...
 *     int rc = afile_commit(&af);        // or afile_abort(&af) on error
 *
 * Contracts: the FILE belongs to the AtomicFile; do not fclose it. After
 * afile_commit() or afile_abort() the AtomicFile is empty again, and
 * afile_abort() on an empty one does nothing, so an error path may always
 * call it. Each AtomicFile is used by one thread at a time; distinct ones
 * are independent.
 */
#ifndef FD_ATOMIC_FILE_H
#define FD_ATOMIC_FILE_H

#include <stdio.h>

typedef struct AtomicFile {
    FILE *fp;        /* the temporary file, open for writing; NULL when empty */
    char *path;      /* the target */
    char *tmp;       /* the temporary's path: path + ".tmp.XXXXXX" */
} AtomicFile;

/* Creates the temporary file next to `path` and returns a stream on it, or
 * NULL with errno set (the AtomicFile is then empty). The temporary gets
 * mode 0666 minus the umask, as a plain fopen() would. */
FILE *afile_open(AtomicFile *af, const char *path);

/* Flushes, fsyncs and closes the temporary, then renames it over the
 * target. Returns 0, or a negative errno, in which case the temporary is
 * removed and the target left as it was. The directory is fsynced too, on a
 * best-effort basis (the file is in place whatever that reports). */
int afile_commit(AtomicFile *af);

/* Closes and removes the temporary; the target is left as it was. */
void afile_abort(AtomicFile *af);

/* Removes every temporary open now in this process, so that a run ended
 * by SIGINT or SIGTERM leaves none (its handler calls this, then dies of
 * the signal). Async-signal-safe; the AtomicFiles stay as they are. */
void afile_remove_temporaries(void);

/* Creates a directory and any missing parents (mode 0777 minus the umask).
 * An existing directory is fine. Returns 0 or a negative errno (-ENOTDIR
 * when a component exists and is not a directory). */
int fd_mkdir_p(const char *dir);

#endif

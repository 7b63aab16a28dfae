/*
 * diag.h: diagnostics about bad user input, carried as data.
 *
 * Every problem found in a user's file becomes a Diag with the place it was
 * found (file, 1-based line and column), a severity and a message, plus any
 * number of "note:" lines. A DiagList gathers all of a file's problems in
 * one pass; the caller prints them once, in the form compilers use:
 *
 *   topology.yaml:12:5: error: unknown key 'timout'
 *   topology.yaml:12:5: note: did you mean 'timeout'?
 *
 * Ownership: a DiagList owns its messages; diag_list_free() releases them.
 * The file strings in FdLoc are borrowed and must outlive the list.
 * Out of memory while recording a diagnostic is itself recorded as a flag
 * (oom) rather than lost silently.
 */
#ifndef FD_DIAG_H
#define FD_DIAG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

typedef struct FdLoc {
    const char *file;   /* borrowed; NULL when the object has no source */
    int line, col;      /* 1-based; 0 when unknown */
} FdLoc;

typedef enum DiagLevel { DIAG_NOTE, DIAG_WARNING, DIAG_ERROR } DiagLevel;

typedef struct Diag {
    FdLoc loc;
    DiagLevel level;
    char *msg;
} Diag;

typedef struct DiagList {
    Diag *v;
    size_t n, cap;
    char **strings;         /* interned copies, see diag_intern() */
    size_t nstrings;
    size_t errors, warnings;
    int oom;
} DiagList;

void diag_list_init(DiagList *dl);
void diag_list_free(DiagList *dl);

/* Appends a diagnostic. A note attaches to the diagnostic before it. */
void diag_add(DiagList *dl, DiagLevel level, FdLoc loc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void diag_addv(DiagList *dl, DiagLevel level, FdLoc loc, const char *fmt, va_list ap);

#define diag_error(dl, loc, ...)   diag_add((dl), DIAG_ERROR, (loc), __VA_ARGS__)
#define diag_warning(dl, loc, ...) diag_add((dl), DIAG_WARNING, (loc), __VA_ARGS__)
#define diag_note(dl, loc, ...)    diag_add((dl), DIAG_NOTE, (loc), __VA_ARGS__)

/* A copy of s that lives as long as the list: for file names that a
 * diagnostic points at but whose owner may go away first. NULL on OOM. */
const char *diag_intern(DiagList *dl, const char *s);

/* Prints every diagnostic as "file:line:col: level: message", in the order
 * they were added (which is file order for a loader). */
void diag_list_print(const DiagList *dl, FILE *out);

/* Formats one location as "file:line:col" (or less, when parts are
 * unknown) into buf. Returns buf. */
const char *fd_loc_str(FdLoc loc, char *buf, size_t size);

/* The candidate closest to `word` by edit distance, or NULL when none is
 * close enough to be a plausible typo. */
const char *diag_suggest(const char *word, const char *const *candidates, size_t n);

#endif

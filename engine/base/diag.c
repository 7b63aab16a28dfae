/*
 * diag.c: the diagnostic list and its printing (see diag.h).
 */
#include "base/diag.h"

#include <stdlib.h>
#include <string.h>

void diag_list_init(DiagList *dl)
{
    memset(dl, 0, sizeof *dl);
}

void diag_list_free(DiagList *dl)
{
    for (size_t i = 0; i < dl->n; i++) free(dl->v[i].msg);
    free(dl->v);
    for (size_t i = 0; i < dl->nstrings; i++) free(dl->strings[i]);
    free(dl->strings);
    memset(dl, 0, sizeof *dl);
}

void diag_addv(DiagList *dl, DiagLevel level, FdLoc loc, const char *fmt, va_list ap)
{
    if (level == DIAG_ERROR) dl->errors++;
    else if (level == DIAG_WARNING) dl->warnings++;
    if (dl->n == dl->cap) {
        size_t cap = dl->cap ? dl->cap * 2 : 16;
        Diag *v = realloc(dl->v, cap * sizeof *v);
        if (!v) { dl->oom = 1; return; }
        dl->v = v;
        dl->cap = cap;
    }
    va_list ap2;
    va_copy(ap2, ap);
    int len = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    char *msg = len >= 0 ? malloc((size_t)len + 1) : NULL;
    if (!msg) { dl->oom = 1; return; }
    vsnprintf(msg, (size_t)len + 1, fmt, ap);
    dl->v[dl->n++] = (Diag){ loc, level, msg };
}

void diag_add(DiagList *dl, DiagLevel level, FdLoc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_addv(dl, level, loc, fmt, ap);
    va_end(ap);
}

const char *diag_intern(DiagList *dl, const char *s)
{
    for (size_t i = 0; i < dl->nstrings; i++)
        if (strcmp(dl->strings[i], s) == 0) return dl->strings[i];
    char **v = realloc(dl->strings, sizeof *v * (dl->nstrings + 1));
    if (!v) { dl->oom = 1; return NULL; }
    dl->strings = v;
    size_t n = strlen(s) + 1;
    char *copy = malloc(n);
    if (!copy) { dl->oom = 1; return NULL; }
    memcpy(copy, s, n);
    dl->strings[dl->nstrings++] = copy;
    return copy;
}

const char *fd_loc_str(FdLoc loc, char *buf, size_t size)
{
    const char *file = loc.file ? loc.file : "<input>";
    if (loc.line > 0 && loc.col > 0) snprintf(buf, size, "%s:%d:%d", file, loc.line, loc.col);
    else if (loc.line > 0) snprintf(buf, size, "%s:%d", file, loc.line);
    else snprintf(buf, size, "%s", file);
    return buf;
}

void diag_list_print(const DiagList *dl, FILE *out)
{
    static const char *const names[] = { "note", "warning", "error" };
    char where[512];
    for (size_t i = 0; i < dl->n; i++) {
        const Diag *d = &dl->v[i];
        fprintf(out, "%s: %s: %s\n", fd_loc_str(d->loc, where, sizeof where), names[d->level],
                d->msg);
    }
    if (dl->oom) fprintf(out, "firedrill: out of memory; some diagnostics were lost\n");
}

/* Optimal string alignment distance, capped at 3 for speed: beyond that a
 * suggestion is no help anyway. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64) return 99;
    size_t d[65][65];
    for (size_t i = 0; i <= la; i++) d[i][0] = i;
    for (size_t j = 0; j <= lb; j++) d[0][j] = j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] != b[j - 1];
            size_t v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v) v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v) v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    }
    return d[la][lb];
}

const char *diag_suggest(const char *word, const char *const *candidates, size_t n)
{
    const char *best = NULL;
    size_t best_d = 99, len = strlen(word);
    /* Allow about one edit per three characters, at least one. */
    size_t limit = len < 3 ? 1 : len / 3 + 1;
    if (limit > 3) limit = 3;
    for (size_t i = 0; i < n; i++) {
        size_t dist = edit_distance(word, candidates[i]);
        if (dist < best_d) { best_d = dist; best = candidates[i]; }
    }
    return best_d <= limit ? best : NULL;
}

/*
 * topo_load_diag.c: the loader's diagnostics (see topo_load_internal.h).
 *
 * Every error, warning and note of a load goes through emit(), which keeps
 * the promises topo_load.h makes about them: an error the same node already
 * produced (an anchor used twice) is reported once, its notes dropped with
 * it; past MAX_ERRORS the walk stops; and each diagnostic records its
 * anchor, the topology location it sorts at (a CSV file's diagnostics sort
 * where the topology names the file), so that ld_sort_diags() can put them
 * back in file order at the end, each error with its notes.
 *
 * Also here: the allocation helpers that turn a failed allocation into an
 * "out of memory" error that stops the walk, ld_show() for printing a user's
 * text safely, and the "did you mean" search with its shared budget.
 */
#include "load/topo_load_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void push_anchor(Ld *ld, FdLoc a)
{
    if (ld->nanchor == ld->capanchor) {
        size_t cap = ld->capanchor ? ld->capanchor * 2 : 32;
        FdLoc *v = realloc(ld->anchor, cap * sizeof *v);
        if (!v) {
            ld->anchor_oom = true;
            return;
        }
        ld->anchor = v;
        ld->capanchor = cap;
    }
    ld->anchor[ld->nanchor++] = a;
}

static bool same_loc(FdLoc a, FdLoc b)
{
    return a.file == b.file && a.line == b.line && a.col == b.col;
}

static void emit(Ld *ld, DiagLevel level, FdLoc loc, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

static void emit(Ld *ld, DiagLevel level, FdLoc loc, const char *fmt, va_list ap)
{
    DiagList *dl = ld->dl;
    if (level == DIAG_NOTE && ld->drop_notes) return;
    if (level != DIAG_NOTE && ld->stop) {
        ld->drop_notes = true;
        return;
    }
    va_list ap2;
    va_copy(ap2, ap);
    int len = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    char *msg = len >= 0 ? malloc((size_t)len + 1) : NULL;
    if (!msg) {
        dl->oom = 1;
        if (level == DIAG_ERROR) ld->errors++;
        return;
    }
    vsnprintf(msg, (size_t)len + 1, fmt, ap);
    if (level != DIAG_NOTE) {
        /* An anchor used in several places fails the same way each time. */
        for (size_t i = ld->start; i < dl->n; i++) {
            const Diag *d = &dl->v[i];
            if (d->level == level && same_loc(d->loc, loc) && strcmp(d->msg, msg) == 0) {
                ld->drop_notes = true;
                free(msg);
                return;
            }
        }
        ld->drop_notes = false;
        if (level == DIAG_ERROR && ld->errors == MAX_ERRORS) {
            free(msg);
            ld->errors++;
            size_t n = dl->n;
            diag_error(dl, loc, "too many errors; stopping after %d", MAX_ERRORS);
            if (dl->n > n) push_anchor(ld, ld->in_csv ? ld->csv_anchor : loc);
            ld->stop = true;
            ld->drop_notes = true;
            return;
        }
        if (level == DIAG_ERROR) ld->errors++;
    }
    size_t n = dl->n;
    diag_add(dl, level, loc, "%s", msg);
    free(msg);
    if (dl->n > n) push_anchor(ld, ld->in_csv ? ld->csv_anchor : loc);
}

void ld_err(Ld *ld, FdLoc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit(ld, DIAG_ERROR, loc, fmt, ap);
    va_end(ap);
}

void ld_warn(Ld *ld, FdLoc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit(ld, DIAG_WARNING, loc, fmt, ap);
    va_end(ap);
}

void ld_note(Ld *ld, FdLoc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit(ld, DIAG_NOTE, loc, fmt, ap);
    va_end(ap);
}

void ld_oom(Ld *ld)
{
    ld_err(ld, (FdLoc){ ld->t->file, 0, 0 }, "out of memory");
    ld->stop = true;
    ld->oom = true;
}

void *ld_xcalloc(Ld *ld, size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p) ld_oom(ld);
    return p;
}

char *ld_xstrdup(Ld *ld, const char *s)
{
    char *p = strdup(s);
    if (!p) ld_oom(ld);
    return p;
}

/* A user's text, made safe to print: control bytes become '?', and long
 * text is cut (at a character boundary) with "...". size must be >= 8. */
const char *ld_show(const char *s, char *buf, size_t size)
{
    size_t j = 0, max = size - 4;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (j == max) {
            while (j > 0 && ((unsigned char)buf[j - 1] & 0xC0) == 0x80) j--;
            if (j > 0 && (unsigned char)buf[j - 1] >= 0xC0) j--;
            memcpy(buf + j, "...", 4);
            return buf;
        }
        buf[j++] = (*p < 0x20 || *p == 0x7f) ? '?' : (char)*p;
    }
    buf[j] = '\0';
    return buf;
}

/* Whether an error was already reported at this place. A node reached
 * through an alias again fails the same way; checking first skips the
 * costly part (a "did you mean" search) of reporting it again. */
bool ld_reported_at(const Ld *ld, FdLoc at)
{
    for (size_t i = ld->start; i < ld->dl->n; i++)
        if (ld->dl->v[i].level == DIAG_ERROR && same_loc(ld->dl->v[i].loc, at)) return true;
    return false;
}

/* "Did you mean" for a name, among n candidates. diag_suggest accepts at
 * most 3 edits, so only names within 3 characters of the word's length can
 * match; each costs an edit-distance table, and a load spends at most
 * SUGGEST_WORK cells on them, so that many long names cannot make a bad file
 * slow to report. */
void ld_suggest(Ld *ld, FdLoc at, const char *word, const char *const *cands, size_t n)
{
    size_t len = strlen(word);
    if (n == 0 || len > 64) return;
    const char **near = malloc(n * sizeof *near);
    if (!near) return;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(cands[i]);
        if (l + 3 >= len && l <= len + 3) near[m++] = cands[i];
    }
    size_t cost = m * (len + 1) * (len + 4);
    const char *s = NULL;
    if (m > 0 && cost <= SUGGEST_WORK - ld->suggest_work) {
        ld->suggest_work += cost;
        s = diag_suggest(word, near, m);
    }
    free(near);
    char b[72];
    if (s) ld_note(ld, at, "did you mean '%s'?", ld_show(s, b, sizeof b));
}

typedef struct Group {
    int line, col;
    size_t ord, first, len;
} Group;

static int cmp_group(const void *a, const void *b)
{
    const Group *x = a, *y = b;
    if (x->line != y->line) return x->line < y->line ? -1 : 1;
    if (x->col != y->col) return x->col < y->col ? -1 : 1;
    return (x->ord > y->ord) - (x->ord < y->ord);
}

/* Puts this load's diagnostics in file order (by their anchors), each
 * error or warning followed by its notes. Skipped if memory ran out, since
 * the anchors may then be out of step with the list. */
void ld_sort_diags(Ld *ld)
{
    DiagList *dl = ld->dl;
    size_t n = dl->n - ld->start;
    if (n < 2 || ld->anchor_oom || ld->nanchor != n || dl->oom) return;
    Group *g = malloc(n * sizeof *g);
    Diag *tmp = malloc(n * sizeof *tmp);
    if (!g || !tmp) {
        free(g);
        free(tmp);
        return;
    }
    size_t ng = 0;
    for (size_t i = 0; i < n; i++) {
        if (dl->v[ld->start + i].level != DIAG_NOTE || ng == 0) {
            g[ng] = (Group){ ld->anchor[i].line, ld->anchor[i].col, ng, i, 0 };
            ng++;
        }
        g[ng - 1].len++;
    }
    qsort(g, ng, sizeof *g, cmp_group);
    size_t k = 0;
    for (size_t i = 0; i < ng; i++) {
        memcpy(tmp + k, dl->v + ld->start + g[i].first, g[i].len * sizeof *tmp);
        k += g[i].len;
    }
    memcpy(dl->v + ld->start, tmp, n * sizeof *tmp);
    free(g);
    free(tmp);
}

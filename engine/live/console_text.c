/*
 * console_text.c: the console's strings and what it prints (console.h).
 *
 * The small pieces every part of the console builds with: a copied
 * string, a list of words, a growing buffer, the colours. And the one way
 * text reaches the terminal: console_emit(), which on a terminal prints above the
 * line being edited and has libedit redraw it, and off a terminal just
 * writes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "live/console_internal.h"

/* ---- small helpers ---- */

char *console_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p) memcpy(p, s, n);
    return p;
}

void console_strv_free(StrV *v)
{
    for (int i = 0; i < v->n; i++) free(v->v[i]);
    free(v->v);
    v->v = NULL;
    v->n = v->cap = 0;
}

/* Adds s unless it is there already (or empty, or out of memory). */
void console_strv_add(StrV *v, const char *s)
{
    if (!s || !*s) return;
    for (int i = 0; i < v->n; i++)
        if (strcmp(v->v[i], s) == 0) return;
    if (v->n == v->cap) {
        int cap = v->cap ? v->cap * 2 : 16;
        char **nv = realloc(v->v, (size_t)cap * sizeof *nv);
        if (!nv) return;
        v->v = nv;
        v->cap = cap;
    }
    char *d = console_strdup(s);
    if (d) v->v[v->n++] = d;
}

const char *console_jstr(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static void buf_add(Buf *b, const char *s, size_t len)
{
    if (b->oom) return;
    if (b->n + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (b->n + len + 1 > cap) cap *= 2;
        char *ns = realloc(b->s, cap);
        if (!ns) {
            b->oom = true;
            return;
        }
        b->s = ns;
        b->cap = cap;
    }
    memcpy(b->s + b->n, s, len);
    b->n += len;
    b->s[b->n] = '\0';
}

void console_buf_puts(Buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void console_buf_printf(Buf *b, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof small) {
        buf_add(b, small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        b->oom = true;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    buf_add(b, big, (size_t)n);
    free(big);
}

const char *console_col(const Console *c, const char *code)
{
    return c->color ? code : "";
}

/* ---- output ---- */

static void write_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return;           /* a closed terminal: nothing more to say */
        }
        s += w;
        n -= (size_t)w;
    }
}

static int term_cols(const Console *c)
{
    struct winsize ws;
    if (ioctl(c->out_fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
    return 80;
}

/* Prints text (lines ending in '\n'). While a line is being edited, it
 * goes above: the prompt's rows are erased, the text printed, and libedit
 * redraws the prompt and the line below it. On a terminal '\n' becomes
 * "\r\n" (the editing mode may not translate it). */
void console_emit(Console *c, const char *s, size_t n)
{
    if (n == 0 && !c->editing) return;
    if (!c->interactive) {
        write_all(c->out_fd, s, n);
        return;
    }
    Buf b = {0};
    if (c->editing) {
        const LineInfo *li = el_line(c->el);
        size_t at = strlen(c->prompt) + (size_t)(li->cursor - li->buffer);
        int rows = (int)(at / (size_t)term_cols(c));
        fflush(c->fout);
        console_buf_puts(&b, "\r");
        if (rows > 0) console_buf_printf(&b, "\033[%dA", rows);
        console_buf_puts(&b, "\033[J");
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) buf_add(&b, "\r\n", 2);
        else buf_add(&b, s + i, 1);
    }
    if (!b.oom) write_all(c->out_fd, b.s, b.n);
    free(b.s);
    if (c->editing) el_set(c->el, EL_REFRESH);
}

void console_emit_buf(Console *c, Buf *b)
{
    if (b->n && b->s[b->n - 1] != '\n') console_buf_puts(b, "\n");
    if (!b->oom) console_emit(c, b->s, b->n);
    free(b->s);
    *b = (Buf){0};
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void console_say(Console *c, const char *fmt, ...)
{
    Buf b = {0};
    char small[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n >= sizeof small) n = (int)sizeof small - 1;
    buf_add(&b, small, (size_t)n);
    console_emit_buf(c, &b);
}

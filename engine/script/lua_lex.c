/*
 * lua_lex.c: see lua_lex.h. Follows the lexical conventions of the Lua 5.4
 * manual, section 3.1.
 */
#include "script/lua_lex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct Lx {
    const char *s, *end, *p;
    int line;
    const char *bol;        /* start of the current line */
    LxToks *out;
} Lx;

static const char *const keywords[] = {
    "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if",
    "in", "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while",
};

static int col_of(const Lx *x, const char *p)
{
    return (int)(p - x->bol) + 1;
}

static int fail(Lx *x, const char *at, const char *msg)
{
    snprintf(x->out->err, sizeof x->out->err, "%s", msg);
    x->out->err_line = x->line;
    x->out->err_col = col_of(x, at);
    return -1;
}

static void newline(Lx *x)
{
    /* \n, \r, \r\n and \n\r each count as one line break. */
    char c = *x->p++;
    if (x->p < x->end && (*x->p == '\n' || *x->p == '\r') && *x->p != c) x->p++;
    x->line++;
    x->bol = x->p;
}

static int push(Lx *x, LxKind kind, const char *start, int line, int col, char *str)
{
    LxToks *o = x->out;
    if (o->n == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 256;
        LxTok *v = realloc(o->v, sizeof *v * cap);
        if (!v) {
            free(str);
            return -3;
        }
        o->v = v;
        o->cap = cap;
    }
    LxTok *t = &o->v[o->n++];
    memset(t, 0, sizeof *t);
    t->kind = kind;
    t->line = line;
    t->col = col;
    t->p = start;
    t->len = (size_t)(x->p - start);
    t->str = str;
    if (kind == LX_NAME)
        for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
            if (strlen(keywords[i]) == t->len && memcmp(keywords[i], start, t->len) == 0)
                t->keyword = true;
    return 0;
}

/* At '[': the level of a long bracket ("[[" 0, "[==[" 2), or -1. */
static int long_open(const Lx *x)
{
    const char *q = x->p + 1;
    int level = 0;
    while (q < x->end && *q == '=') q++, level++;
    return q < x->end && *q == '[' ? level : -1;
}

/* Reads a long bracket of `level` from x->p; its contents into *val when
 * val is not NULL. */
static int long_body(Lx *x, int level, char **val, const char *what)
{
    const char *start = x->p;
    x->p += level + 2;
    if (x->p < x->end && (*x->p == '\n' || *x->p == '\r')) newline(x);
    const char *body = x->p;
    for (;;) {
        if (x->p >= x->end) return fail(x, start, what);
        if (*x->p == ']') {
            const char *q = x->p + 1;
            int l = 0;
            while (q < x->end && *q == '=') q++, l++;
            if (l == level && q < x->end && *q == ']') {
                if (val) {
                    size_t n = (size_t)(x->p - body);
                    *val = malloc(n + 1);
                    if (!*val) return -3;
                    memcpy(*val, body, n);
                    (*val)[n] = 0;
                }
                x->p = q + 1;
                return 0;
            }
            x->p++;
        } else if (*x->p == '\n' || *x->p == '\r') {
            newline(x);
        } else {
            x->p++;
        }
    }
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static size_t utf8_put(char *b, unsigned long cp)
{
    if (cp < 0x80) { b[0] = (char)cp; return 1; }
    if (cp < 0x800) { b[0] = (char)(0xC0 | (cp >> 6)); b[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    b[0] = (char)(0xF0 | ((cp >> 18) & 0x07));
    b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    b[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* A quoted string from x->p (at the quote); its decoded value into *val. */
static int quoted(Lx *x, char **val)
{
    const char *start = x->p;
    char q = *x->p++;
    /* The decoded text is never longer than the source text. */
    char *b = malloc((size_t)(x->end - x->p) + 8);
    if (!b) return -3;
    size_t n = 0;
    for (;;) {
        if (x->p >= x->end || *x->p == '\n' || *x->p == '\r') {
            free(b);
            return fail(x, start, "unfinished string");
        }
        char c = *x->p;
        if (c == q) {
            x->p++;
            break;
        }
        if (c != '\\') {
            b[n++] = c;
            x->p++;
            continue;
        }
        x->p++;
        if (x->p >= x->end) continue;
        c = *x->p;
        switch (c) {
        case 'a': b[n++] = '\a'; x->p++; break;
        case 'b': b[n++] = '\b'; x->p++; break;
        case 'f': b[n++] = '\f'; x->p++; break;
        case 'n': b[n++] = '\n'; x->p++; break;
        case 'r': b[n++] = '\r'; x->p++; break;
        case 't': b[n++] = '\t'; x->p++; break;
        case 'v': b[n++] = '\v'; x->p++; break;
        case '\n': case '\r': b[n++] = '\n'; newline(x); break;
        case 'x': {
            int h1 = x->p + 1 < x->end ? hexval(x->p[1]) : -1;
            int h2 = x->p + 2 < x->end ? hexval(x->p[2]) : -1;
            if (h1 < 0 || h2 < 0) {
                free(b);
                return fail(x, x->p - 1, "hexadecimal digit expected");
            }
            b[n++] = (char)(h1 * 16 + h2);
            x->p += 3;
            break;
        }
        case 'z':
            x->p++;
            while (x->p < x->end && strchr(" \t\v\f\r\n", *x->p)) {
                if (*x->p == '\n' || *x->p == '\r') newline(x);
                else x->p++;
            }
            break;
        case 'u': {
            unsigned long cp = 0;
            const char *e = x->p + 1;
            if (e >= x->end || *e != '{') {
                free(b);
                return fail(x, x->p - 1, "missing '{' in \\u{xxxx}");
            }
            e++;
            int digits = 0;
            while (e < x->end && hexval(*e) >= 0 && cp < 0x80000000UL / 16)
                cp = cp * 16 + (unsigned long)hexval(*e++), digits++;
            if (!digits || e >= x->end || *e != '}') {
                free(b);
                return fail(x, x->p - 1, "bad \\u{xxxx} escape");
            }
            n += utf8_put(b + n, cp);
            x->p = e + 1;
            break;
        }
        default:
            if (c >= '0' && c <= '9') {
                int v = 0, k = 0;
                while (k < 3 && x->p < x->end && *x->p >= '0' && *x->p <= '9')
                    v = v * 10 + (*x->p++ - '0'), k++;
                if (v > 255) {
                    free(b);
                    return fail(x, x->p - k - 1, "decimal escape too large");
                }
                b[n++] = (char)v;
            } else if (c == '\\' || c == '"' || c == '\'') {
                b[n++] = c;
                x->p++;
            } else {
                free(b);
                return fail(x, x->p - 1, "invalid escape sequence");
            }
        }
    }
    b[n] = 0;
    *val = b;
    return 0;
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

int lx_lex(const char *src, size_t n, LxToks *out)
{
    memset(out, 0, sizeof *out);
    Lx x = { src, src + n, src, 1, src, out };
    /* A first line starting with '#' (a shebang) is skipped, as lua does. */
    if (x.p < x.end && *x.p == '#')
        while (x.p < x.end && *x.p != '\n' && *x.p != '\r') x.p++;
    while (x.p < x.end) {
        char c = *x.p;
        if (c == '\n' || c == '\r') {
            newline(&x);
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\v' || c == '\f') {
            x.p++;
            continue;
        }
        const char *start = x.p;
        int line = x.line, col = col_of(&x, start);
        int rc;
        if (c == '-' && x.p + 1 < x.end && x.p[1] == '-') {
            x.p += 2;
            int level = x.p < x.end && *x.p == '[' ? long_open(&x) : -1;
            if (level >= 0) {
                rc = long_body(&x, level, NULL, "unfinished long comment");
                if (rc) return rc;
            } else {
                while (x.p < x.end && *x.p != '\n' && *x.p != '\r') x.p++;
            }
            continue;
        }
        if (is_alpha(c)) {
            while (x.p < x.end && (is_alpha(*x.p) || is_digit(*x.p))) x.p++;
            rc = push(&x, LX_NAME, start, line, col, NULL);
        } else if (is_digit(c) || (c == '.' && x.p + 1 < x.end && is_digit(x.p[1]))) {
            bool hex = c == '0' && x.p + 1 < x.end && (x.p[1] == 'x' || x.p[1] == 'X');
            x.p += hex ? 2 : 0;
            while (x.p < x.end) {
                char d = *x.p;
                bool expo = hex ? (d == 'p' || d == 'P') : (d == 'e' || d == 'E');
                if (expo && x.p + 1 < x.end && (x.p[1] == '+' || x.p[1] == '-')) x.p += 2;
                else if (is_alpha(d) || is_digit(d) || d == '.') x.p++;
                else break;
            }
            rc = push(&x, LX_NUMBER, start, line, col, NULL);
        } else if (c == '"' || c == '\'') {
            char *val = NULL;
            rc = quoted(&x, &val);
            if (rc == 0) rc = push(&x, LX_STRING, start, line, col, val);
        } else if (c == '[' && long_open(&x) >= 0) {
            char *val = NULL;
            rc = long_body(&x, long_open(&x), &val, "unfinished long string");
            if (rc == 0) rc = push(&x, LX_STRING, start, line, col, val);
        } else {
            static const char *const ops3[] = { "..." };
            static const char *const ops2[] = { "..", "==", "~=", "<=", ">=", "<<", ">>", "//", "::" };
            size_t len = 1;
            if (x.end - x.p >= 3 && memcmp(x.p, ops3[0], 3) == 0) len = 3;
            else if (x.end - x.p >= 2)
                for (size_t i = 0; i < sizeof ops2 / sizeof ops2[0]; i++)
                    if (memcmp(x.p, ops2[i], 2) == 0) len = 2;
            if (len == 1 && !strchr("+-*/%^#&~|<>=(){}[];:,.", c))
                return fail(&x, start, "unexpected symbol");
            x.p += len;
            rc = push(&x, LX_OP, start, line, col, NULL);
        }
        if (rc) return rc;
    }
    return push(&x, LX_EOF, x.p, x.line, col_of(&x, x.p), NULL);
}

void lx_free(LxToks *t)
{
    for (size_t i = 0; i < t->n; i++) free(t->v[i].str);
    free(t->v);
    t->v = NULL;
    t->n = t->cap = 0;
}

bool lx_is(const LxTok *t, const char *s)
{
    if (t->kind != LX_OP && !(t->kind == LX_NAME && t->keyword)) return false;
    return strlen(s) == t->len && memcmp(t->p, s, t->len) == 0;
}

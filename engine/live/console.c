/*
 * console.c: the game day's terminal console (see console.h).
 *
 * Two input paths. On a terminal, libedit's own API (histedit.h) in
 * EL_UNBUFFERED mode: a uv_poll_t on in_fd says a key is waiting and
 * el_gets() handles exactly one editing command (a key or an escape
 * sequence) and returns; a line is complete when the buffer ends in '\n'.
 * Not libedit's readline layer (rl_callback_read_char): it keeps one
 * global EditLine on stdio streams, and its rl_redisplay() redraws by
 * pushing ^R into the input instead of drawing. Off a terminal, the same
 * poll, read(), and lines split on '\n'.
 *
 * What the hub sends is copied into a queue by the send function and
 * handled from a uv_idle_t on the next turn, never inside the hub's call.
 * Printing while a line is being edited: erase the rows of the prompt and
 * line, print, then EL_REFRESH redraws the prompt and the line where the
 * cursor now is; libedit's buffer is never touched.
 *
 * Handles: poll (or, for an input that cannot be polled, a regular file
 * or /dev/null, a timer that reads it) and the idle. Both are closed in
 * console_stop(); the Console is freed by the last close callback.
 */
#include "live/console.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <histedit.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <wchar.h>

enum { ASK_NONE, ASK_NAME, ASK_TEAM };

typedef struct StrV {
    char **v;
    int n, cap;
} StrV;

typedef struct Msg {
    char *s;
    size_t len;
} Msg;

struct Console {
    uv_loop_t *loop;
    ConsoleHooks h;
    bool facilitator;
    int in_fd, out_fd;
    void (*quit)(void *ud);
    void *quit_ud;

    int client;            /* -1 until join returned, and after leaving */
    int in_flags;          /* in_fd's file status flags before, or -1 */
    bool interactive;      /* libedit on a terminal */
    bool color;
    bool stopped;          /* console_stop() was called */
    bool quit_pending, quit_called, eof;

    uv_poll_t poll;
    uv_timer_t filetimer;  /* instead of poll, for what epoll refuses */
    uv_idle_t idle;
    bool poll_open, filetimer_open, idle_open, reading;
    int open_handles;

    /* line input off a terminal */
    char *in;
    size_t inlen, incap;

    /* libedit */
    EditLine *el;
    History *hist;
    HistEvent hev;
    FILE *fin, *fout;
    bool editing;          /* el is in unbuffered (raw) mode with a prompt shown */
    char prompt[160];
    char *histfile;

    /* hub messages waiting to be handled */
    Msg *q;
    int qn, qcap, qhead;

    /* the session */
    char *name, *team;
    bool welcomed, helloed;
    int ask;
    bool paused;
    json_t *verbs;         /* welcome.verbs */
    StrV played;           /* played teams */
    StrV vverbs;           /* words completed first */
    StrV words;            /* services, regions, teams, entries, alerts, pages */
    StrV injects;
};

/* ---- small helpers ---- */

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p) memcpy(p, s, n);
    return p;
}

static void strv_free(StrV *v)
{
    for (int i = 0; i < v->n; i++) free(v->v[i]);
    free(v->v);
    v->v = NULL;
    v->n = v->cap = 0;
}

/* Adds s unless it is there already (or empty, or out of memory). */
static void strv_add(StrV *v, const char *s)
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
    char *d = xstrdup(s);
    if (d) v->v[v->n++] = d;
}

static const char *jstr(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* A growing string for what is printed. */
typedef struct Buf {
    char *s;
    size_t n, cap;
    bool oom;
} Buf;

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

static void buf_puts(Buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void buf_printf(Buf *b, const char *fmt, ...)
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

/* ANSI colours, only on a terminal without NO_COLOR. */
#define C_RED "\033[31m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"
#define C_CYAN "\033[36m"
#define C_BOLD "\033[1m"
#define C_DIM "\033[2m"
#define C_OFF "\033[0m"

static const char *col(const Console *c, const char *code)
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
static void emit(Console *c, const char *s, size_t n)
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
        buf_puts(&b, "\r");
        if (rows > 0) buf_printf(&b, "\033[%dA", rows);
        buf_puts(&b, "\033[J");
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) buf_add(&b, "\r\n", 2);
        else buf_add(&b, s + i, 1);
    }
    if (!b.oom) write_all(c->out_fd, b.s, b.n);
    free(b.s);
    if (c->editing) el_set(c->el, EL_REFRESH);
}

static void emit_buf(Console *c, Buf *b)
{
    if (b->n && b->s[b->n - 1] != '\n') buf_puts(b, "\n");
    if (!b->oom) emit(c, b->s, b->n);
    free(b->s);
    *b = (Buf){0};
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void say(Console *c, const char *fmt, ...)
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
    emit_buf(c, &b);
}

/* ---- to the hub ---- */

static void send_json(Console *c, json_t *o)
{
    if (!o) return;
    if (c->client >= 0 && !c->stopped) {
        char *s = json_dumps(o, JSON_COMPACT);
        if (s) {
            c->h.message(c->h.ud, c->client, s, strlen(s));
            free(s);
        }
    }
    json_decref(o);
}

/* ---- the prompt and libedit ---- */

static char *prompt_fn(EditLine *el)
{
    Console *c = NULL;
    el_get(el, EL_CLIENTDATA, &c);
    return c ? c->prompt : (char *)"> ";
}

static void set_prompt(Console *c)
{
    if (c->ask == ASK_NAME) {
        const char *u = getenv("USER");
        snprintf(c->prompt, sizeof c->prompt, "your name [%s]: ", u && *u ? u : "player");
    } else if (c->ask == ASK_TEAM) {
        Buf b = {0};
        buf_puts(&b, "your team (");
        for (int i = 0; i < c->played.n; i++) buf_printf(&b, "%s%s", i ? ", " : "", c->played.v[i]);
        buf_puts(&b, c->facilitator ? "; empty to watch): " : "): ");
        snprintf(c->prompt, sizeof c->prompt, "%s", b.oom ? "your team: " : b.s);
        free(b.s);
    } else {
        snprintf(c->prompt, sizeof c->prompt, "%s> ",
                 c->team ? c->team : c->facilitator ? "facilitator" : "watch");
    }
}

/* Shows the prompt and lets keys in (raw mode). */
static void edit_begin(Console *c)
{
    if (!c->interactive || c->editing || c->stopped) return;
    set_prompt(c);
    el_set(c->el, EL_UNBUFFERED, 1);
    c->editing = true;
}

/* Back to the terminal's ordinary mode. */
static void edit_end(Console *c)
{
    if (!c->interactive || !c->editing) return;
    el_set(c->el, EL_UNBUFFERED, 0);
    c->editing = false;
}

/* Off a terminal a question is printed on its own line. */
static void ask(Console *c, int what)
{
    c->ask = what;
    set_prompt(c);
    if (c->interactive) {
        emit(c, "", 0);  /* while editing: redraw with the new prompt */
    } else {
        say(c, "%s", c->prompt);
    }
}

/* ---- completion (from words learnt) ---- */

static const char *const control_ops[] = {"pause", "resume", "speed", "skip", "inject", "hint", "end"};
enum { NCONTROL = (int)(sizeof control_ops / sizeof control_ops[0]) };

static bool is_control(const char *w)
{
    for (int i = 0; i < NCONTROL; i++)
        if (strcmp(w, control_ops[i]) == 0) return true;
    return false;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static unsigned char complete_fn(EditLine *el, int ch)
{
    (void)ch;
    Console *c = NULL;
    el_get(el, EL_CLIENTDATA, &c);
    if (!c || c->ask != ASK_NONE) return CC_REFRESH_BEEP;
    const LineInfo *li = el_line(el);
    size_t len = (size_t)(li->cursor - li->buffer);
    const char *line = li->buffer;
    size_t ws = len;
    while (ws > 0 && line[ws - 1] != ' ') ws--;
    const char *word = line + ws;
    size_t wl = len - ws;
    /* the first word of the line, if any precedes this one */
    size_t f0 = 0;
    while (f0 < ws && line[f0] == ' ') f0++;
    size_t f1 = f0;
    while (f1 < ws && line[f1] != ' ') f1++;
    bool first = f0 == ws;
    char verb[64] = "";
    if (!first && f1 - f0 < sizeof verb) {
        memcpy(verb, line + f0, f1 - f0);
        verb[f1 - f0] = '\0';
    }

    const StrV *from = first ? &c->vverbs
                       : (c->facilitator && strcmp(verb, "inject") == 0) ? &c->injects
                       : strcmp(verb, "help") == 0 ? &c->vverbs : &c->words;
    StrV m = {0};
    for (int i = 0; i < from->n; i++)
        if (strncmp(from->v[i], word, wl) == 0) strv_add(&m, from->v[i]);
    unsigned char rc = CC_REFRESH;
    if (m.n == 0) {
        rc = CC_REFRESH_BEEP;
    } else if (m.n == 1) {
        Buf b = {0};
        buf_puts(&b, m.v[0] + wl);
        buf_puts(&b, " ");
        if (!b.oom) el_insertstr(el, b.s);
        free(b.s);
    } else {
        size_t common = strlen(m.v[0]);
        for (int i = 1; i < m.n; i++) {
            size_t k = 0;
            while (k < common && m.v[i][k] == m.v[0][k]) k++;
            common = k;
        }
        if (common > wl) {
            char *ins = malloc(common - wl + 1);
            if (ins) {
                memcpy(ins, m.v[0] + wl, common - wl);
                ins[common - wl] = '\0';
                el_insertstr(el, ins);
                free(ins);
            }
        } else {
            qsort(m.v, (size_t)m.n, sizeof *m.v, cmp_str);
            Buf b = {0};
            for (int i = 0; i < m.n; i++) buf_printf(&b, "%s%s", i ? "  " : "", m.v[i]);
            emit_buf(c, &b);  /* above the line, which is redrawn */
            rc = CC_NORM;
        }
    }
    strv_free(&m);
    return rc;
}

/* ---- printing what the hub sends ---- */

static const char *clock_of(const json_t *m)
{
    const char *k = jstr(m, "clock");
    return k ? k : "--:--:--";
}

static void print_alert(Console *c, const json_t *m)
{
    const char *name = jstr(m, "name");
    const char *what = jstr(m, "what");
    bool firing = json_is_true(json_object_get(m, "firing"));
    strv_add(&c->words, name);
    say(c, "[%s] %sALERT %s %s%s%s%s", clock_of(m), col(c, firing ? C_RED C_BOLD : C_GREEN),
        name ? name : "?", firing ? "firing" : "resolved", what ? ": " : "", what ? what : "",
        col(c, C_OFF));
}

static void print_page(Console *c, const json_t *m)
{
    json_int_t id = json_integer_value(json_object_get(m, "id"));
    char ids[32];
    snprintf(ids, sizeof ids, "%lld", (long long)id);
    strv_add(&c->words, ids);
    const char *team = jstr(m, "team");
    const char *why = jstr(m, "why");
    const char *state = jstr(m, "state");
    const char *by = jstr(m, "by");
    const char *from = jstr(m, "from");
    Buf b = {0};
    buf_printf(&b, "[%s] %sPAGE #%s", clock_of(m), col(c, C_YELLOW C_BOLD), ids);
    if (state && strcmp(state, "acked") == 0) {
        buf_printf(&b, " to %s acked by %s", team ? team : "?", by ? by : "someone");
    } else {
        buf_printf(&b, " to %s", team ? team : "?");
        if (from) buf_printf(&b, " from %s", from);
        if (state && strcmp(state, "escalated") == 0) buf_puts(&b, " ESCALATED");
        buf_printf(&b, ": %s (ack %s)", why ? why : "", ids);
    }
    buf_puts(&b, col(c, C_OFF));
    emit_buf(c, &b);
}

static void who_text(const json_t *who, char *out, size_t n)
{
    if (json_is_string(who)) {
        snprintf(out, n, "%s", json_string_value(who));
    } else if (json_is_object(who)) {
        const char *name = jstr(who, "name"), *team = jstr(who, "team");
        if (name && team) snprintf(out, n, "%s (%s)", name, team);
        else snprintf(out, n, "%s", name ? name : team ? team : "");
    } else {
        out[0] = '\0';
    }
}

static void print_timeline(Console *c, const json_t *m)
{
    static const char *const kinds[] = {"action", "note", "status", "command", "inject", "hint"};
    const char *kind = jstr(m, "kind");
    bool shown = false;
    for (size_t i = 0; kind && i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kind, kinds[i]) == 0) shown = true;
    if (!shown) return;  /* alerts and pages come as their own messages */
    char who[160];
    who_text(json_object_get(m, "who"), who, sizeof who);
    const char *text = jstr(m, "text");
    say(c, "[%s] %s%s%s", clock_of(m), who, *who ? ": " : "", text ? text : "");
}

static void print_status(Console *c, const json_t *m)
{
    const char *state = jstr(m, "state"), *text = jstr(m, "text");
    say(c, "[%s] %sSTATUS %s%s: %s", clock_of(m), col(c, C_CYAN), state ? state : "?",
        col(c, C_OFF), text ? text : "");
}

static void print_reply(Console *c, const json_t *m)
{
    const char *text = jstr(m, "text");
    bool ok = json_is_true(json_object_get(m, "ok"));
    if (!text || !*text) {
        if (!ok) say(c, "%serror%s", col(c, C_RED), col(c, C_OFF));
        return;
    }
    Buf b = {0};
    if (!ok) buf_printf(&b, "%serror:%s ", col(c, C_RED), col(c, C_OFF));
    buf_puts(&b, text);
    emit_buf(c, &b);
}

static void print_tick(Console *c, const json_t *m)
{
    json_t *p = json_object_get(m, "paused");
    if (!json_is_boolean(p)) return;
    bool paused = json_is_true(p);
    if (paused == c->paused) return;
    c->paused = paused;
    say(c, "%s-- %s --%s", col(c, C_DIM), paused ? "paused" : "resumed", col(c, C_OFF));
}

static void print_player(Console *c, const json_t *m)
{
    const char *name = jstr(m, "name"), *team = jstr(m, "team");
    bool joined = json_is_true(json_object_get(m, "joined"));
    say(c, "%s-- %s%s%s%s %s --%s", col(c, C_DIM), name ? name : "someone", team ? " (" : "",
        team ? team : "", team ? ")" : "", joined ? "joined" : "left", col(c, C_OFF));
}

static void print_end(Console *c, const json_t *m)
{
    const json_t *s = json_object_get(m, "summary");
    const char *report = jstr(m, "report");
    Buf b = {0};
    buf_printf(&b, "%s-- the run is over", col(c, C_BOLD));
    const char *scen = jstr(s, "scenario");
    if (scen) buf_printf(&b, ": %s", scen);
    json_t *ex = json_object_get(s, "expectations");
    if (json_is_array(ex) && json_array_size(ex) > 0) {
        size_t met = 0, i;
        json_t *x;
        json_array_foreach(ex, i, x) if (json_is_true(json_object_get(x, "ok"))) met++;
        buf_printf(&b, ", expectations %zu/%zu met", met, json_array_size(ex));
    }
    json_t *inc = json_object_get(s, "incident");
    json_t *dur = json_object_get(inc, "duration_s");
    if (json_is_number(dur)) {
        long sec = (long)json_number_value(dur);
        buf_printf(&b, ", the incident lasted %ldh%02ldm%02lds", sec / 3600, sec / 60 % 60, sec % 60);
    } else if (inc) {
        buf_puts(&b, ", the incident did not recover");
    }
    buf_printf(&b, " --%s\n", col(c, C_OFF));
    if (report) buf_printf(&b, "report: %s\n", report);
    emit_buf(c, &b);
    c->quit_pending = true;
}

static void print_help(Console *c)
{
    Buf b = {0};
    size_t w = 4;
    size_t i;
    json_t *v;
    json_array_foreach(c->verbs, i, v) {
        const char *u = jstr(v, "usage");
        if (!u) u = jstr(v, "verb");
        if (u && strlen(u) > w) w = strlen(u);
    }
    if (w > 40) w = 40;
    buf_puts(&b, "commands:\n");
    json_array_foreach(c->verbs, i, v) {
        const char *u = jstr(v, "usage"), *h = jstr(v, "help");
        if (!u) u = jstr(v, "verb");
        if (!u) continue;
        buf_printf(&b, "  %-*s  %s\n", (int)w, u, h ? h : "");
    }
    if (c->facilitator) {
        buf_puts(&b, "facilitator:\n");
        buf_printf(&b, "  %-*s  %s\n", (int)w, "pause | resume", "stop or restart the clock");
        buf_printf(&b, "  %-*s  %s\n", (int)w, "speed X", "X simulated seconds per second");
        buf_printf(&b, "  %-*s  %s\n", (int)w, "skip", "jump to the next event");
        buf_printf(&b, "  %-*s  %s\n", (int)w, "inject NAME", "fire an inject");
        buf_printf(&b, "  %-*s  %s\n", (int)w, "hint N | hint TEXT", "give the players a hint");
        buf_printf(&b, "  %-*s  %s\n", (int)w, "end", "end the run now");
    }
    buf_printf(&b, "  %-*s  %s\n", (int)w, "help", "this list");
    buf_printf(&b, "  %-*s  %s\n", (int)w, "quit", "leave the console (Ctrl-D too)");
    emit_buf(c, &b);
}

/* ---- the session: welcome, hello ---- */

static void start_reading(Console *c);

static void send_hello(Console *c)
{
    json_t *o = json_object();
    json_object_set_new(o, "t", json_string("hello"));
    json_object_set_new(o, "name", json_string(c->name ? c->name : "player"));
    json_object_set_new(o, "team", c->team ? json_string(c->team) : json_null());
    send_json(c, o);
    c->helloed = true;
    c->ask = ASK_NONE;
    set_prompt(c);
    emit(c, "", 0);
}

/* After the name is settled: the team, then hello. */
static void settle_team(Console *c)
{
    if (!c->team && c->played.n == 1) c->team = xstrdup(c->played.v[0]);
    if (c->team || c->played.n == 0) {
        send_hello(c);
        return;
    }
    ask(c, ASK_TEAM);
}

static void settle_name(Console *c)
{
    if (!c->name && c->interactive) {
        ask(c, ASK_NAME);
        return;
    }
    if (!c->name) {
        const char *u = getenv("USER");
        c->name = xstrdup(u && *u ? u : "player");
    }
    settle_team(c);
}

static void on_welcome(Console *c, json_t *m)
{
    if (c->welcomed) return;
    c->welcomed = true;
    json_t *verbs = json_object_get(m, "verbs");
    c->verbs = json_is_array(verbs) ? json_incref(verbs) : json_array();
    size_t i;
    json_t *v;
    json_array_foreach(c->verbs, i, v) strv_add(&c->vverbs, jstr(v, "verb"));
    strv_add(&c->vverbs, "help");
    strv_add(&c->vverbs, "quit");
    if (c->facilitator)
        for (int k = 0; k < NCONTROL; k++) strv_add(&c->vverbs, control_ops[k]);
    json_array_foreach(json_object_get(m, "services"), i, v) strv_add(&c->words, json_string_value(v));
    json_array_foreach(json_object_get(m, "regions"), i, v) strv_add(&c->words, json_string_value(v));
    json_array_foreach(json_object_get(m, "entries"), i, v) strv_add(&c->words, json_string_value(v));
    json_array_foreach(json_object_get(m, "injects"), i, v) strv_add(&c->injects, jstr(v, "name"));

    json_t *scen = json_object_get(m, "scenario");
    Buf b = {0};
    buf_printf(&b, "%sfiredrill game day: %s%s", col(c, C_BOLD),
               jstr(scen, "name") ? jstr(scen, "name") : "?", col(c, C_OFF));
    json_t *seed = json_object_get(scen, "seed");
    if (json_is_integer(seed)) buf_printf(&b, " (seed %lld", (long long)json_integer_value(seed));
    else buf_puts(&b, " (");
    const char *start = jstr(scen, "start");
    if (start) buf_printf(&b, "%sstarts %s", json_is_integer(seed) ? ", " : "", start);
    json_t *dur = json_object_get(scen, "duration");
    if (json_is_number(dur)) {
        long s = (long)json_number_value(dur);
        buf_printf(&b, "%s%ldh%02ldm", json_is_integer(seed) || start ? ", " : "", s / 3600, s / 60 % 60);
    }
    buf_puts(&b, ")\nteams:");
    json_array_foreach(json_object_get(m, "teams"), i, v) {
        const char *tn = jstr(v, "name");
        if (!tn) continue;
        strv_add(&c->words, tn);
        bool played = json_is_true(json_object_get(v, "played"));
        if (played) strv_add(&c->played, tn);
        buf_printf(&b, "%s %s%s", i ? "," : "", tn, played ? " (played)" : "");
    }
    buf_puts(&b, "\ntype help for the commands, quit to leave\n");
    emit_buf(c, &b);

    json_t *st = json_object_get(m, "state");
    if (json_is_true(json_object_get(st, "paused"))) {
        c->paused = true;
        say(c, "-- paused --");
    }
    json_array_foreach(json_object_get(m, "alerts"), i, v) print_alert(c, v);
    json_array_foreach(json_object_get(m, "pages"), i, v) {
        const char *s = jstr(v, "state");
        if (s && strcmp(s, "acked") == 0) {
            char ids[32];
            snprintf(ids, sizeof ids, "%lld", (long long)json_integer_value(json_object_get(v, "id")));
            strv_add(&c->words, ids);
        } else {
            print_page(c, v);
        }
    }
    if (c->client >= 0) settle_name(c);
}

static void handle_message(Console *c, const char *s, size_t len)
{
    json_error_t e;
    json_t *m = json_loadb(s, len, 0, &e);
    if (!json_is_object(m)) {
        json_decref(m);
        return;
    }
    const char *t = jstr(m, "t");
    if (!t) {
    } else if (strcmp(t, "welcome") == 0) {
        on_welcome(c, m);
    } else if (strcmp(t, "alert") == 0) {
        print_alert(c, m);
    } else if (strcmp(t, "page") == 0) {
        print_page(c, m);
    } else if (strcmp(t, "timeline") == 0) {
        print_timeline(c, m);
    } else if (strcmp(t, "status") == 0) {
        print_status(c, m);
    } else if (strcmp(t, "reply") == 0) {
        print_reply(c, m);
    } else if (strcmp(t, "tick") == 0) {
        print_tick(c, m);
    } else if (strcmp(t, "player") == 0) {
        print_player(c, m);
    } else if (strcmp(t, "end") == 0) {
        print_end(c, m);
    }
    /* metrics: too noisy; completions: completion is local */
    json_decref(m);
}

/* ---- the queue of hub messages ---- */

static void idle_cb(uv_idle_t *h);

static void schedule(Console *c)
{
    if (c->idle_open && !c->stopped) uv_idle_start(&c->idle, idle_cb);
}

static void hub_send_cb(void *ud, const char *json, size_t len)
{
    Console *c = ud;
    if (c->stopped) return;
    if (c->qn == c->qcap) {
        if (c->qhead > 0) {
            memmove(c->q, c->q + c->qhead, (size_t)(c->qn - c->qhead) * sizeof *c->q);
            c->qn -= c->qhead;
            c->qhead = 0;
        }
        if (c->qn == c->qcap) {
            int cap = c->qcap ? c->qcap * 2 : 16;
            Msg *nq = realloc(c->q, (size_t)cap * sizeof *nq);
            if (!nq) return;  /* dropped: out of memory */
            c->q = nq;
            c->qcap = cap;
        }
    }
    char *s = malloc(len + 1);
    if (!s) return;
    memcpy(s, json, len);
    s[len] = '\0';
    c->q[c->qn++] = (Msg){s, len};
    schedule(c);
}

static void idle_cb(uv_idle_t *h)
{
    Console *c = h->data;
    uv_idle_stop(h);
    while (c->qhead < c->qn && !c->stopped) {
        Msg m = c->q[c->qhead++];
        handle_message(c, m.s, m.len);
        free(m.s);
    }
    if (c->qhead == c->qn) c->qhead = c->qn = 0;
    if (c->helloed && !c->reading && !c->stopped) start_reading(c);
    if (c->ask != ASK_NONE && !c->reading && !c->stopped) start_reading(c);
    if (c->quit_pending && !c->quit_called && !c->stopped) {
        c->quit_called = true;
        edit_end(c);
        if (c->reading) {
            if (c->poll_open) uv_poll_stop(&c->poll);
            if (c->filetimer_open) uv_timer_stop(&c->filetimer);
            c->reading = false;
        }
        if (c->quit) c->quit(c->quit_ud);  /* may call console_stop(): c stays until closed */
    }
}

/* ---- lines typed ---- */

static void handle_line(Console *c, char *line)
{
    /* trim */
    size_t n = strlen(line);
    while (n > 0 && isspace((unsigned char)line[n - 1])) line[--n] = '\0';
    while (*line && isspace((unsigned char)*line)) line++;

    if (c->ask == ASK_NAME) {
        const char *u = getenv("USER");
        c->name = xstrdup(*line ? line : u && *u ? u : "player");
        c->ask = ASK_NONE;
        settle_team(c);
        return;
    }
    if (c->ask == ASK_TEAM) {
        if (!*line && c->facilitator) {
            send_hello(c);
            return;
        }
        for (int i = 0; i < c->played.n; i++)
            if (strcmp(line, c->played.v[i]) == 0) {
                c->team = xstrdup(line);
                send_hello(c);
                return;
            }
        say(c, "%s is not a played team", *line ? line : "(nothing)");
        ask(c, ASK_TEAM);
        return;
    }
    if (!*line) return;

    char verb[64];
    size_t vl = strcspn(line, " \t");
    const char *rest = line + vl;
    while (*rest == ' ' || *rest == '\t') rest++;
    snprintf(verb, sizeof verb, "%.*s", (int)(vl < sizeof verb ? vl : sizeof verb - 1), line);

    if (strcmp(verb, "quit") == 0 || strcmp(verb, "exit") == 0) {
        c->quit_pending = true;
        schedule(c);
        return;
    }
    if (strcmp(verb, "help") == 0) {
        print_help(c);
        return;
    }
    if (c->facilitator && is_control(verb)) {
        json_t *o = json_object();
        json_object_set_new(o, "t", json_string("control"));
        json_object_set_new(o, "op", json_string(verb));
        json_t *val = json_null();
        if (strcmp(verb, "speed") == 0) {
            char *end;
            double x = strtod(rest, &end);
            if (end == rest || *end || !(x > 0)) {
                json_decref(o);
                say(c, "error: speed wants a positive number: speed 30");
                return;
            }
            val = json_real(x);
        } else if (strcmp(verb, "inject") == 0 || strcmp(verb, "hint") == 0) {
            if (!*rest) {
                json_decref(o);
                say(c, "error: %s wants %s", verb, verb[0] == 'i' ? "an inject's name" : "a hint's number or text");
                return;
            }
            char *end;
            long long k = strtoll(rest, &end, 10);
            if (verb[0] == 'h' && !*end && isdigit((unsigned char)rest[0])) val = json_integer(k);
            else val = json_string(rest);
        }
        json_object_set_new(o, "value", val);
        send_json(c, o);
        return;
    }
    json_t *o = json_object();
    json_object_set_new(o, "t", json_string("cmd"));
    json_object_set_new(o, "line", json_string(line));
    send_json(c, o);
}

/* ---- input ---- */

static void input_eof(Console *c)
{
    if (c->eof) return;
    c->eof = true;
    if (c->inlen > 0) {
        /* a last line without '\n' */
        char *l = malloc(c->inlen + 1);
        if (l) {
            memcpy(l, c->in, c->inlen);
            l[c->inlen] = '\0';
            c->inlen = 0;
            handle_line(c, l);
            free(l);
        }
    }
    c->quit_pending = true;
    schedule(c);
}

static void read_lines(Console *c)
{
    char chunk[4096];
    ssize_t r = read(c->in_fd, chunk, sizeof chunk);
    if (r < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (r <= 0) {
        input_eof(c);
        if (c->poll_open) uv_poll_stop(&c->poll);
        if (c->filetimer_open) uv_timer_stop(&c->filetimer);
        c->reading = false;
        return;
    }
    if (c->inlen + (size_t)r > c->incap) {
        size_t cap = c->incap ? c->incap : 4096;
        while (c->inlen + (size_t)r > cap) cap *= 2;
        char *ni = realloc(c->in, cap);
        if (!ni) return;
        c->in = ni;
        c->incap = cap;
    }
    memcpy(c->in + c->inlen, chunk, (size_t)r);
    c->inlen += (size_t)r;
    size_t at = 0;
    for (;;) {
        char *nl = memchr(c->in + at, '\n', c->inlen - at);
        if (!nl || c->stopped || c->quit_pending) break;
        *nl = '\0';
        size_t next = (size_t)(nl - c->in) + 1;
        char *l = xstrdup(c->in + at);
        at = next;
        if (l) {
            handle_line(c, l);
            free(l);
        }
    }
    if (c->stopped) return;
    memmove(c->in, c->in + at, c->inlen - at);
    c->inlen -= at;
}

/* el_gets() in unbuffered mode returns NULL both when the line is empty
 * after a key (Ctrl-U) and when the terminal is gone; only the second
 * leaves the descriptor hung up. */
static bool hung_up(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR | POLLNVAL));
}

static void read_key(Console *c)
{
    int n = 0;
    const char *buf = el_gets(c->el, &n);
    if (!buf || n <= 0) {
        if (!hung_up(c->in_fd)) return;
        edit_end(c);
        input_eof(c);
        if (c->poll_open) uv_poll_stop(&c->poll);
        c->reading = false;
        return;
    }
    if (n == 1 && buf[0] == 4) {  /* Ctrl-D on an empty line (CC_EOF) */
        edit_end(c);
        emit(c, "\n", 1);
        input_eof(c);
        if (c->poll_open) uv_poll_stop(&c->poll);
        c->reading = false;
        return;
    }
    if (buf[n - 1] == '\n') {
        char *l = malloc((size_t)n);
        if (l) {
            memcpy(l, buf, (size_t)n - 1);
            size_t k = (size_t)n - 1;
            while (k > 0 && isspace((unsigned char)l[k - 1])) k--;
            l[k] = '\0';
        }
        edit_end(c);
        if (l) {
            bool command = c->ask == ASK_NONE && l[strspn(l, " \t")] != '\0';
            if (command && c->hist) history(c->hist, &c->hev, H_ENTER, l + strspn(l, " \t"));
            handle_line(c, l);
            free(l);
        }
        if (!c->stopped && !c->quit_pending) edit_begin(c);
    }
}

static void poll_cb(uv_poll_t *h, int status, int events)
{
    Console *c = h->data;
    if (c->stopped) return;
    if (status < 0 && status != UV_EBADF) {
        /* an error on the descriptor: as the end of input */
        if (c->interactive) edit_end(c);
        input_eof(c);
        uv_poll_stop(h);
        c->reading = false;
        return;
    }
    (void)events;
    if (c->interactive) read_key(c);
    else read_lines(c);
}

static void filetimer_cb(uv_timer_t *h)
{
    Console *c = h->data;
    if (!c->stopped) read_lines(c);
}

static void start_reading(Console *c)
{
    if (c->reading || c->eof || c->stopped) return;
    c->reading = true;
    if (c->poll_open) {
        uv_poll_start(&c->poll, UV_READABLE | UV_DISCONNECT, poll_cb);
    } else if (c->filetimer_open) {
        uv_timer_start(&c->filetimer, filetimer_cb, 0, 1);
    }
    edit_begin(c);
}

/* ---- start and stop ---- */

static void console_free(Console *c)
{
    for (int i = c->qhead; i < c->qn; i++) free(c->q[i].s);
    free(c->q);
    free(c->in);
    free(c->name);
    free(c->team);
    free(c->histfile);
    json_decref(c->verbs);
    strv_free(&c->played);
    strv_free(&c->vverbs);
    strv_free(&c->words);
    strv_free(&c->injects);
    free(c);
}

static void close_cb(uv_handle_t *h)
{
    Console *c = h->data;
    if (--c->open_handles == 0) console_free(c);
}

static void history_path(Console *c)
{
    const char *home = getenv("HOME");
    if (!home || !*home) return;
    size_t n = strlen(home) + sizeof "/.firedrill_history";
    c->histfile = malloc(n);
    if (c->histfile) snprintf(c->histfile, n, "%s/.firedrill_history", home);
}

static int setup_editline(Console *c)
{
    int fi = dup(c->in_fd), fo = dup(c->out_fd);
    if (fi >= 0) c->fin = fdopen(fi, "r");
    if (fo >= 0) c->fout = fdopen(fo, "w");
    if (!c->fin || !c->fout) {
        if (c->fin) fclose(c->fin);
        else if (fi >= 0) close(fi);
        if (c->fout) fclose(c->fout);
        else if (fo >= 0) close(fo);
        c->fin = c->fout = NULL;
        return -1;
    }
    c->el = el_init_fd("firedrill", c->fin, c->fout, c->fout, c->in_fd, c->out_fd, STDERR_FILENO);
    c->hist = history_init();
    if (!c->el || !c->hist) return -1;
    history(c->hist, &c->hev, H_SETSIZE, 1000);
    history(c->hist, &c->hev, H_SETUNIQUE, 1);
    history_path(c);
    if (c->histfile) history(c->hist, &c->hev, H_LOAD, c->histfile);
    el_set(c->el, EL_CLIENTDATA, c);
    el_set(c->el, EL_EDITOR, "emacs");
    el_set(c->el, EL_SIGNAL, 0);
    el_set(c->el, EL_PROMPT, prompt_fn);
    el_set(c->el, EL_HIST, history, c->hist);
    /* The wide call keeps these (static) strings; el_set(EL_ADDFN) would
     * copy them and never free the copies. */
    el_wset(c->el, EL_ADDFN, L"fd-complete", L"complete a command or a name", complete_fn);
    el_set(c->el, EL_BIND, "^I", "fd-complete", NULL);
    return 0;
}

static void teardown_editline(Console *c)
{
    edit_end(c);
    if (c->hist && c->histfile) history(c->hist, &c->hev, H_SAVE, c->histfile);
    if (c->el) el_end(c->el);      /* puts the terminal back as it was */
    if (c->hist) history_end(c->hist);
    c->el = NULL;
    c->hist = NULL;
    if (c->fin) fclose(c->fin);
    if (c->fout) fclose(c->fout);
    c->fin = c->fout = NULL;
}

static void close_handles(Console *c)
{
    if (c->poll_open) uv_close((uv_handle_t *)&c->poll, close_cb);
    if (c->filetimer_open) uv_close((uv_handle_t *)&c->filetimer, close_cb);
    if (c->idle_open) uv_close((uv_handle_t *)&c->idle, close_cb);
    c->poll_open = c->filetimer_open = c->idle_open = false;
}

void console_stop(Console *c)
{
    if (!c || c->stopped) return;
    if (c->client >= 0) {
        int id = c->client;
        c->client = -1;
        c->h.leave(c->h.ud, id);
    }
    c->stopped = true;
    if (c->interactive) teardown_editline(c);
    if (c->in_flags >= 0) fcntl(c->in_fd, F_SETFL, c->in_flags);  /* uv_poll made it non-blocking */
    if (c->open_handles == 0) {
        console_free(c);
        return;
    }
    close_handles(c);
}

int console_start(Console **out, uv_loop_t *loop, const ConsoleOptions *o, const ConsoleHooks *h,
                  char *err, size_t errsize)
{
    *out = NULL;
    Console *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errsize, "console: out of memory");
        return -1;
    }
    c->loop = loop;
    c->h = *h;
    c->facilitator = o->facilitator;
    c->in_fd = o->in_fd;
    c->out_fd = o->out_fd;
    c->quit = o->quit;
    c->quit_ud = o->quit_ud;
    c->client = -1;
    c->interactive = isatty(o->in_fd) && isatty(o->out_fd);
    const char *term = getenv("TERM");
    c->color = isatty(o->out_fd) && !getenv("NO_COLOR") && !(term && strcmp(term, "dumb") == 0);
    c->in_flags = -1;
    if ((o->name && !(c->name = xstrdup(o->name))) || (o->team && !(c->team = xstrdup(o->team)))) {
        snprintf(err, errsize, "console: out of memory");
        console_free(c);
        return -1;
    }
    set_prompt(c);

    /* A welcome sent from inside join waits in the queue; hello follows
     * it from the idle callback. */
    int id = h->join(h->ud, o->facilitator, hub_send_cb, c);
    if (id < 0) {
        snprintf(err, errsize, "console: the game day did not let the console in (it is full)");
        console_free(c);
        return -1;
    }
    c->client = id;

    c->in_flags = fcntl(o->in_fd, F_GETFL);
    int rc = uv_idle_init(loop, &c->idle);
    if (rc == 0) {
        c->idle.data = c;
        c->idle_open = true;
        c->open_handles++;
        rc = uv_poll_init(loop, &c->poll, o->in_fd);
        if (rc == 0) {
            c->poll.data = c;
            c->poll_open = true;
            c->open_handles++;
        } else if (rc == UV_EPERM && !c->interactive) {
            /* a regular file or /dev/null: read it without polling */
            rc = uv_timer_init(loop, &c->filetimer);
            if (rc == 0) {
                c->filetimer.data = c;
                c->filetimer_open = true;
                c->open_handles++;
            }
        }
    }
    if (rc != 0) {
        snprintf(err, errsize, "console: cannot watch the input: %s", uv_strerror(rc));
        console_stop(c);
        return -1;
    }
    if (c->interactive && setup_editline(c) != 0) {
        snprintf(err, errsize, "console: cannot set up line editing on the terminal");
        console_stop(c);
        return -1;
    }
    schedule(c);
    *out = c;
    return 0;
}

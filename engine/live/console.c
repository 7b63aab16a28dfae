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
 *
 * This file has the handles, the input and the queue; the editing, the
 * printing and the session are beside it (console_internal.h lists them).
 */
#include "live/console.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "live/console_internal.h"

/* ---- the queue of hub messages ---- */

static void idle_cb(uv_idle_t *h);
static void start_reading(Console *c);

void console_schedule(Console *c)
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
    console_schedule(c);
}

static void idle_cb(uv_idle_t *h)
{
    Console *c = h->data;
    uv_idle_stop(h);
    while (c->qhead < c->qn && !c->stopped) {
        Msg m = c->q[c->qhead++];
        console_handle_message(c, m.s, m.len);
        free(m.s);
    }
    if (c->qhead == c->qn) c->qhead = c->qn = 0;
    if (c->helloed && !c->reading && !c->stopped) start_reading(c);
    if (c->ask != ASK_NONE && !c->reading && !c->stopped) start_reading(c);
    if (c->quit_pending && !c->quit_called && !c->stopped) {
        c->quit_called = true;
        console_edit_end(c);
        if (c->reading) {
            if (c->poll_open) uv_poll_stop(&c->poll);
            if (c->filetimer_open) uv_timer_stop(&c->filetimer);
            c->reading = false;
        }
        if (c->quit) c->quit(c->quit_ud);  /* may call console_stop(): c stays until closed */
    }
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
            console_handle_line(c, l);
            free(l);
        }
    }
    c->quit_pending = true;
    console_schedule(c);
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
        char *l = console_strdup(c->in + at);
        at = next;
        if (l) {
            console_handle_line(c, l);
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
        console_edit_end(c);
        input_eof(c);
        if (c->poll_open) uv_poll_stop(&c->poll);
        c->reading = false;
        return;
    }
    if (n == 1 && buf[0] == 4) {  /* Ctrl-D on an empty line (CC_EOF) */
        console_edit_end(c);
        console_emit(c, "\n", 1);
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
        console_edit_end(c);
        if (l) {
            bool command = c->ask == ASK_NONE && l[strspn(l, " \t")] != '\0';
            if (command && c->hist) history(c->hist, &c->hev, H_ENTER, l + strspn(l, " \t"));
            console_handle_line(c, l);
            free(l);
        }
        if (!c->stopped && !c->quit_pending) console_edit_begin(c);
    }
}

static void poll_cb(uv_poll_t *h, int status, int events)
{
    Console *c = h->data;
    if (c->stopped) return;
    if (status < 0 && status != UV_EBADF) {
        /* an error on the descriptor: as the end of input */
        if (c->interactive) console_edit_end(c);
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
    console_edit_begin(c);
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
    console_strv_free(&c->played);
    console_strv_free(&c->vverbs);
    console_strv_free(&c->words);
    console_strv_free(&c->injects);
    free(c);
}

static void close_cb(uv_handle_t *h)
{
    Console *c = h->data;
    if (--c->open_handles == 0) console_free(c);
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
    if (c->interactive) console_teardown_editline(c);
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
    if ((o->name && !(c->name = console_strdup(o->name))) || (o->team && !(c->team = console_strdup(o->team)))) {
        snprintf(err, errsize, "console: out of memory");
        console_free(c);
        return -1;
    }
    console_set_prompt(c);

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
    if (c->interactive && console_setup_editline(c) != 0) {
        snprintf(err, errsize, "console: cannot set up line editing on the terminal");
        console_stop(c);
        return -1;
    }
    console_schedule(c);
    *out = c;
    return 0;
}

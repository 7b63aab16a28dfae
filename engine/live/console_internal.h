/*
 * console_internal.h: the Console's state, shared by the console's files.
 *
 *   console.c          start and stop, reading the input, the queue of
 *                      hub messages
 *   console_text.c     strings, word lists, buffers, and printing them
 *   console_edit.c     libedit: the prompt, completion, history
 *   console_print.c    what the hub sends, printed
 *   console_session.c  welcome and hello, and what a typed line does
 *
 * Everything here runs on the loop's thread (console.h).
 */
#ifndef FD_CONSOLE_INTERNAL_H
#define FD_CONSOLE_INTERNAL_H

#include <histedit.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "live/console.h"

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

/* A growing string for what is printed. */
typedef struct Buf {
    char *s;
    size_t n, cap;
    bool oom;
} Buf;

/* ANSI colours, only on a terminal without NO_COLOR. */
#define C_RED "\033[31m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"
#define C_CYAN "\033[36m"
#define C_BOLD "\033[1m"
#define C_DIM "\033[2m"
#define C_OFF "\033[0m"

/* ---- console_text.c ---- */

char *console_strdup(const char *s);
void console_strv_free(StrV *v);
/* Adds s unless it is there already (or empty, or out of memory). */
void console_strv_add(StrV *v, const char *s);
const char *console_jstr(const json_t *o, const char *key);
void console_buf_puts(Buf *b, const char *s);
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void console_buf_printf(Buf *b, const char *fmt, ...);
const char *console_col(const Console *c, const char *code);
/* Prints text (lines ending in '\n'), above the line being edited if one
 * is; with n 0 while editing, only redraws the prompt and the line. */
void console_emit(Console *c, const char *s, size_t n);
/* Prints b, adding a last '\n' if it lacks one, and empties it. */
void console_emit_buf(Console *c, Buf *b);
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void console_say(Console *c, const char *fmt, ...);

/* ---- console_edit.c ---- */

void console_set_prompt(Console *c);
void console_edit_begin(Console *c);
void console_edit_end(Console *c);
void console_ask(Console *c, int what);
/* 0, or -1 when libedit cannot be set up on the descriptors. */
int console_setup_editline(Console *c);
void console_teardown_editline(Console *c);

/* ---- console_print.c ---- */

void console_print_alert(Console *c, const json_t *m);
void console_print_page(Console *c, const json_t *m);
void console_print_help(Console *c);
/* Handles one message from the hub (a JSON object; others are ignored). */
void console_handle_message(Console *c, const char *s, size_t len);

/* ---- console_session.c ---- */

void console_welcome(Console *c, json_t *m);
/* Handles a line typed (or read); trims it in place. */
void console_handle_line(Console *c, char *line);

/* ---- console.c ---- */

/* Has the queue of hub messages handled on the loop's next turn. */
void console_schedule(Console *c);

#endif

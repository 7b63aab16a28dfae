/*
 * console.h: the game day's terminal console, a transport of the live run
 * for players without a browser (`firedrill gameday --console`).
 *
 * The console is one client of a hub (live/hub.h). It joins, says hello
 * with the player's name and team, sends every line typed as a command
 * ({"t":"cmd"}; facilitator controls as {"t":"control"}), and prints what
 * the hub sends: alerts, pages, timeline entries, replies, status
 * updates, the end of the run. docs/gameday.md ("The protocol") has the
 * messages.
 *
 * Input: when in_fd and out_fd are both terminals, lines are edited with
 * libedit (emacs keys, history, Tab completion from the names the welcome
 * and later messages taught it), driven character by character from the
 * libuv loop, and what the hub sends is printed above the line being
 * edited without disturbing it. Otherwise (a pipe, a file) lines are read
 * as they come, split on '\n', so the console can be scripted:
 *   printf 'ack 1\ninspect cloud-api\n' | firedrill gameday S --console
 * Local commands, never sent: `help` (the verbs the welcome listed) and
 * `quit` (or end of input, Ctrl-D), which call `quit`.
 *
 * Joining: the console joins at once, waits for the welcome, then says
 * hello. The name: `name`, else asked on a terminal (default $USER), else
 * $USER. The team: `team`, else the only played team, else asked; off a
 * terminal the question is printed and the first input line answers it.
 * A facilitator may answer with an empty line to watch (team null).
 *
 * Threading: one thread, the loop's. Messages given to the send function
 * are copied and handled on the next turn of the loop, never inside the
 * hub's call, so the hub may send from inside join or message.
 *
 * Lifetime: console_stop() leaves the hub, restores the terminal and
 * closes the console's handles; its memory goes when their close
 * callbacks have run, so the loop must turn once more after it. It may be
 * called from inside `quit`. One console per process at a time (the
 * terminal is one).
 */
#ifndef FD_CONSOLE_H
#define FD_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#include "live/hub.h"

typedef struct Console Console;

/* What the console calls: a hub's functions (hub_join, hub_message,
 * hub_leave with `ud` the Hub), or a test's fake. */
typedef struct ConsoleHooks {
    void *ud;
    int  (*join)(void *ud, bool facilitator, HubSendFn send, void *send_ud);
    void (*message)(void *ud, int client, const char *msg, size_t len);
    void (*leave)(void *ud, int client);
} ConsoleHooks;

typedef struct ConsoleOptions {
    const char *name;         /* the player's name; NULL: ask (terminal), or $USER */
    const char *team;         /* the team played; NULL: the only played team, or ask */
    bool facilitator;         /* also controls the run: pause, resume, speed, skip, inject, hint, end */
    int in_fd, out_fd;        /* normally 0 and 1; borrowed, never closed */
    void (*quit)(void *ud);   /* the user typed `quit` or ended the input, or the run ended */
    void *quit_ud;
} ConsoleOptions;

/* Joins the hub and starts reading in_fd on `loop`. Returns 0, or -1 with
 * a message in err (the hub is full, a handle or the terminal could not
 * be set up); then *out is NULL, the hub has been left, and a handle
 * opened is closing (freed on the loop's next turn). The strings in `o`
 * are copied. */
int console_start(Console **out, uv_loop_t *loop, const ConsoleOptions *o,
                  const ConsoleHooks *h, char *err, size_t errsize);

/* Leaves the hub, restores the terminal, closes the handles. Call it
 * once per console (NULL is allowed); the memory goes on the loop's next
 * turn. */
void console_stop(Console *c);

#endif

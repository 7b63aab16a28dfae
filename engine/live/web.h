/*
 * web.h: the game day's HTTP and WebSocket server.
 *
 * What the web dashboard of `firedrill gameday` talks to. One listening
 * socket serves the dashboard's static files (web/, embedded in the
 * binary at build time: nothing is read from disk at run time) and the
 * WebSocket at /ws, whose subprotocol is "firedrill". Each WebSocket is a
 * client of a hub (hub.h): web_start() is given the hub's three entry
 * points as WebHooks, and every text message a browser sends (one JSON
 * object, passed through as bytes) goes to `message`.
 *
 * Access: every request and every WebSocket upgrade must carry
 * ?token=... with the player's or the facilitator's token (compared in
 * constant time); the facilitator's makes the client a facilitator. The
 * Host header must name the bound address and the port ("localhost:PORT"
 * too when bound to a loopback address; any IP address with the port when
 * bound to a wildcard one), and an Origin header, when present, must be
 * "http://" followed by that Host. Anything else is answered 403 and never
 * reaches the hub. Responses carry Cache-Control: no-store, a
 * Content-Security-Policy allowing only the page's own origin and its
 * WebSocket (no inline scripts or styles), X-Content-Type-Options:
 * nosniff and Referrer-Policy: no-referrer.
 *
 * WebSocket messages: text only, reassembled from fragments up to
 * max_message bytes. A larger message (close code 1009), a binary one
 * (1003), text that is not UTF-8 (1007) or a frame that breaks the
 * protocol (1002) closes that connection only.
 * What the hub sends a client is copied into the connection's queue and
 * written when the socket can take it, one message per write; a client
 * whose queue passes 4 MiB (it is not reading) is disconnected.
 *
 * Threading: one thread, the libuv loop's. The server runs on the
 * caller's loop (libwebsockets' libuv event library, loaded by
 * libwebsockets as the plugin libwebsockets-evlib_uv.so); the hooks are
 * called from the loop's callbacks, and the send function given to `join`
 * may be called at any time from the same thread, inside a hook or not.
 * web_start() sets libwebsockets' logging, which is process-wide, to
 * errors only, on stderr.
 *
 * Ownership: the Web belongs to the caller until web_stop(), which closes
 * every connection (calling `leave` for each joined client) and the
 * listener, and releases everything once the loop has run the close
 * callbacks: run the loop (uv_run) after web_stop() before
 * uv_loop_close(). The strings in WebOptions are copied.
 *
 * Errors: web_start() returns 0, or -1 with a message in `err` (the port
 * is taken, the address is not this machine's, a token is missing or too
 * long, out of memory).
 */
#ifndef FD_WEB_H
#define FD_WEB_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#include "live/hub.h"

typedef struct Web Web;

/* A hub's entry points (hub_join, hub_message, hub_leave with `ud` the
 * Hub); a test may pass a fake. `join` returns the client's id (>= 0) or
 * -1 to refuse it (the connection is then closed); the send function it is
 * given, with `send_ud`, stays valid until `leave` for that client. */
typedef struct WebHooks {
    void *ud;
    int  (*join)(void *ud, bool facilitator, HubSendFn send, void *send_ud);
    void (*message)(void *ud, int client, const char *msg, size_t len);
    void (*leave)(void *ud, int client);
} WebHooks;

typedef struct WebOptions {
    const char *bind;              /* NULL: "127.0.0.1" */
    int port;                      /* 0: a free port (web_port() tells which) */
    const char *player_token;      /* required, at most 128 bytes */
    const char *facilitator_token; /* required, different from the player's */
    size_t max_message;            /* largest message from a client, bytes; 0: 64 KiB */
} WebOptions;

/* Starts listening on `loop` (which the caller runs). On failure *out is
 * NULL; the loop may still hold handles on their way to closing, so run it
 * before closing it. */
int web_start(Web **out, uv_loop_t *loop, const WebOptions *o, const WebHooks *h,
              char *err, size_t errsize);

/* The port listened on (the real one when WebOptions.port was 0). */
int web_port(const Web *w);

/* Closes every connection and the listener; the loop then runs its close
 * callbacks, after which nothing of the Web remains. Must not be called
 * from inside a hook (defer it, e.g. to a uv_timer); `w` is invalid
 * afterwards. NULL is a no-op. */
void web_stop(Web *w);

#endif

/*
 * hub.h: what the game day's transports (the web dashboard, the terminal
 * console) see of a live run.
 *
 * A live run (live/gameday.c; its hub side in gameday_hub.c) is a hub with
 * clients. A transport admits a client (a browser's WebSocket, the
 * console) with hub_join(), passes on every message the client sends with
 * hub_message(), and says when it is gone with hub_leave(). The hub talks back through the client's own send
 * function, one JSON object per call. Every message either way is one
 * JSON object with a "t" field naming its type; docs/gameday.md
 * ("The protocol") lists them all.
 *
 * Client to hub:
 *   {"t":"hello","name":"alice","team":"api"}   join as a player of a team
 *   {"t":"cmd","line":"rollback cloud-api shanghai"}
 *   {"t":"complete","line":"roll"}               -> "completions"
 *   {"t":"control","op":"pause"|"resume"|"speed"|"skip"|"inject"|"hint"|"end",
 *    "value":...}                                 facilitator only
 * Hub to client:
 *   welcome, tick, metrics, alert, page, timeline, status, reply,
 *   completions, player, end (see docs/gameday.md).
 *
 * Threading: one thread, the libuv loop's. The hub never calls a send
 * function from inside hub_message() for another client before it
 * returns... it may; a transport must queue what it is given and write it
 * when the connection is writable (send functions never block).
 *
 * Ownership: the hub copies what it is given; `json` passed to a send
 * function is valid for the call only.
 */
#ifndef FD_HUB_H
#define FD_HUB_H

#include <stdbool.h>
#include <stddef.h>

typedef struct Hub Hub;

/* Delivers one JSON message to one client. Must not block; may queue. */
typedef void (*HubSendFn)(void *ud, const char *json, size_t len);

/* Admits a client. `facilitator`: it came with the facilitator's token.
 * Returns the client's id (>= 0), or -1 when the hub is full or out of
 * memory (the transport then closes the connection). The hub sends
 * "welcome" at once. */
int hub_join(Hub *h, bool facilitator, HubSendFn send, void *ud);

/* One message from a client, as received (not necessarily NUL-terminated;
 * not necessarily valid JSON: the hub answers a bad message with a
 * "reply" carrying ok=false and goes on). */
void hub_message(Hub *h, int client, const char *msg, size_t len);

/* The client is gone; its send function is not called again. */
void hub_leave(Hub *h, int client);

#endif

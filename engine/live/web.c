/*
 * web.c: the game day's HTTP and WebSocket server (see web.h).
 *
 * Built on libwebsockets, run on the caller's libuv loop as a "foreign"
 * loop. One vhost with two protocols sharing one callback: "http" (the
 * static files, and the check of every WebSocket upgrade, which lws asks
 * of the HTTP protocol before it upgrades) and "firedrill" (the
 * WebSockets, also the vhost's default for clients that name no
 * subprotocol).
 *
 * Invariants: a request reaches a file or the hub only after access()
 * has passed it. A WebSocket is a hub client from ESTABLISHED (joined)
 * until CLOSED, where `leave` is called once; its queue is freed there
 * too, so the send function is never called for a connection that is
 * gone (the hub stops at `leave`). The Web outlives the lws context
 * (see Reaper), so the callback may always use it.
 */
#include "live/web.h"
#include "live/web_embed.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libwebsockets.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define WEB_TOKEN_MAX 128
#define WEB_QUEUE_MAX ((size_t)4 << 20)   /* bytes queued to one client */
#define WRITES_PER_CALLBACK 64              /* messages written per writable callback, at most */
#define WEB_CHUNK 16384                   /* bytes of a file per write */
#define WEB_DRAIN_TICKS 200               /* web_stop waits up to 200 x 10 ms for queues to empty */

/* Finishes what lws_context_destroy() starts. With a foreign libuv loop,
 * libwebsockets 4.1 closes its handles and then waits for a second
 * lws_context_destroy() to free the rest; this timer makes that call once
 * lws's handles (whose `data` is the context) are gone from the loop, and
 * then frees the Web and closes itself. lws sets `ctx` to NULL when the
 * context is freed (info.pcontext), so a version that finishes on its own
 * is left alone. */
typedef struct Reaper {
    uv_timer_t timer;
    struct lws_context *ctx;
    struct Web *web;       /* freed once ctx is, as lws may call back till then */
    int tries, drain_ticks;
} Reaper;

struct Web {
    struct lws_context *ctx;
    Reaper *reaper;
    struct lws_vhost *vh;
    WebHooks hooks;
    size_t max_message;
    int port;
    bool stopping;
    size_t pending;                       /* bytes queued to every client */
    int depth;                            /* hooks being run */
    void *loops[1];
    char bind[64];
    char player[WEB_TOKEN_MAX + 1], facilitator[WEB_TOKEN_MAX + 1];
};

typedef struct Msg {
    struct Msg *next;
    size_t len;
    unsigned char buf[];                  /* LWS_PRE headroom, then len bytes */
} Msg;

/* Per connection; the same struct for both protocols so that lws may
 * move a connection from one to the other. */
typedef struct Conn {
    Web *w;
    struct lws *wsi;
    /* HTTP: the response body being written */
    const unsigned char *body;
    size_t body_len, body_sent;
    bool responding;
    unsigned char *owned;   /* a body made for this request (freed after it) */
    /* WebSocket */
    int id;
    bool joined, dead;
    Msg *head, *tail;
    size_t queued;
    char *rx;
    size_t rx_len, rx_cap;
} Conn;

/* ---- access -------------------------------------------------------- */

/* Compares `got` with `want` in time that depends on want's length only. */
static bool token_eq(const char *got, size_t got_len, const char *want)
{
    size_t n = strlen(want);
    unsigned diff = (unsigned)(got_len != n);
    for (size_t i = 0; i < n; i++) {
        unsigned char g = i < got_len ? (unsigned char)got[i] : 0;
        diff |= (unsigned)(g ^ (unsigned char)want[i]);
    }
    return diff == 0;
}

static bool is_wildcard(const char *bind)
{
    return strcmp(bind, "0.0.0.0") == 0 || strcmp(bind, "::") == 0;
}

static bool is_loopback(const char *bind)
{
    return strncmp(bind, "127.", 4) == 0 || strcmp(bind, "::1") == 0;
}

/* Whether `host` (a Host header) names the server: "ADDR:PORT" for the
 * bound address, "localhost:PORT" when bound to loopback, and any IP
 * address literal (which no DNS rebinding can produce) when bound to a
 * wildcard address. */
static bool host_ok(const Web *w, const char *host)
{
    const char *colon = strrchr(host, ':');
    if (!colon || colon == host) return false;
    char port[16];
    snprintf(port, sizeof port, "%d", w->port);
    if (strcmp(colon + 1, port) != 0) return false;
    size_t hl = (size_t)(colon - host);
    char name[64];
    if (hl >= sizeof name) return false;
    memcpy(name, host, hl);
    name[hl] = '\0';

    bool v6 = strchr(w->bind, ':') != NULL;
    if (v6) {
        char want[70];
        snprintf(want, sizeof want, "[%s]", w->bind);
        if (strcmp(name, want) == 0) return true;
    } else if (strcmp(name, w->bind) == 0) {
        return true;
    }
    if ((is_loopback(w->bind) || is_wildcard(w->bind)) && strcmp(name, "localhost") == 0)
        return true;
    if (is_wildcard(w->bind)) {
        unsigned char addr[sizeof(struct in6_addr)];
        if (inet_pton(AF_INET, name, addr) == 1) return true;
        if (hl > 2 && name[0] == '[' && name[hl - 1] == ']') {
            name[hl - 1] = '\0';
            if (inet_pton(AF_INET6, name + 1, addr) == 1) return true;
        }
    }
    return false;
}

/* Copies header `tok` into buf; false when absent or too long. */
static bool header(struct lws *wsi, enum lws_token_indexes tok, char *buf, int size)
{
    int n = lws_hdr_total_length(wsi, tok);
    if (n <= 0 || n >= size) return false;
    return lws_hdr_copy(wsi, buf, size, tok) == n;
}

typedef enum { DENY, PLAYER, FACILITATOR } Access;

/* Who a request is from, by its Host, Origin and token. */
static Access access_of(const Web *w, struct lws *wsi, char *host, int hostsize)
{
    if (!header(wsi, WSI_TOKEN_HOST, host, hostsize) || !host_ok(w, host)) return DENY;
    if (lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) != 0) {
        char origin[160], want[160];
        if (!header(wsi, WSI_TOKEN_ORIGIN, origin, sizeof origin)) return DENY;
        snprintf(want, sizeof want, "http://%s", host);
        if (strcmp(origin, want) != 0) return DENY;
    }
    char arg[WEB_TOKEN_MAX + 16];
    const char *tok = lws_get_urlarg_by_name(wsi, "token=", arg, (int)sizeof arg);
    if (!tok) return DENY;
    size_t n = strlen(tok);
    /* both compared, whatever the first says */
    bool fac = token_eq(tok, n, w->facilitator);
    bool pla = token_eq(tok, n, w->player);
    return fac ? FACILITATOR : pla ? PLAYER : DENY;
}

/* ---- HTTP ---------------------------------------------------------- */

static const FdWebFile *find_file(const char *path)
{
    if (strcmp(path, "/") == 0) path = "/index.html";
    if (path[0] != '/') return NULL;
    for (const FdWebFile *f = fd_web_files; f->name; f++)
        if (strcmp(f->name, path + 1) == 0) return f;
    return NULL;
}

static int add_header(struct lws *wsi, const char *name, const char *value,
                      unsigned char **p, unsigned char *end)
{
    return lws_add_http_header_by_name(wsi, (const unsigned char *)name,
                                       (const unsigned char *)value, (int)strlen(value), p, end);
}

/* Sends the status line and headers. A short body goes with them
 * (returns 1: the response is complete); a longer one is written when the
 * connection is writable (returns 0). -1: the connection is to be closed.
 * `host` (validated) goes into the CSP; NULL when the request named no
 * acceptable host. */
static int respond(Conn *c, struct lws *wsi, unsigned status, const char *type,
                   const unsigned char *body, size_t len, const char *host)
{
    unsigned char buf[LWS_PRE + 2048];
    unsigned char *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf - 1;
    char csp[256];
    if (host)
        snprintf(csp, sizeof csp,
                 "default-src 'self'; connect-src 'self' ws://%s; frame-ancestors 'none'", host);
    else
        snprintf(csp, sizeof csp, "default-src 'none'; frame-ancestors 'none'");
    if (lws_add_http_common_headers(wsi, status, type, (lws_filepos_t)len, &p, end) ||
        add_header(wsi, "cache-control:", "no-store", &p, end) ||
        add_header(wsi, "content-security-policy:", csp, &p, end) ||
        add_header(wsi, "x-content-type-options:", "nosniff", &p, end) ||
        add_header(wsi, "referrer-policy:", "no-referrer", &p, end))
        return -1;
    if (len <= 512) {
        if (lws_finalize_http_header(wsi, &p, end) || (size_t)(end - p) < len) return -1;
        if (len) memcpy(p, body, len);
        p += len;
        int n = (int)(p - start);
        return lws_write(wsi, start, (size_t)n, LWS_WRITE_HTTP_FINAL) == n ? 1 : -1;
    }
    if (lws_finalize_write_http_header(wsi, start, &p, end)) return -1;
    c->body = body;
    c->body_len = len;
    c->body_sent = 0;
    c->responding = true;
    lws_callback_on_writable(wsi);
    return 0;
}

static int respond_error(Conn *c, struct lws *wsi, unsigned status, const char *host)
{
    static const char forbidden[] = "403 forbidden\n", missing[] = "404 not found\n",
                      method[] = "405 method not allowed\n";
    const char *text = status == 403 ? forbidden : status == 404 ? missing : method;
    return respond(c, wsi, status, "text/plain; charset=utf-8",
                   (const unsigned char *)text, strlen(text), host);
}

/* The page names its scripts and styles with "{{token}}" for the token it
 * was requested with, so that they are fetched with it too: every request
 * carries the token. Returns a malloc'd copy, or NULL. */
static unsigned char *with_token(const FdWebFile *f, const char *tok, size_t *len)
{
    static const char mark[] = "{{token}}";
    size_t ml = sizeof mark - 1, tl = strlen(tok), n = 0;
    for (size_t i = 0; i + ml <= f->len; i++)
        if (memcmp(f->data + i, mark, ml) == 0) n++;
    unsigned char *out = malloc(f->len + n * tl + 1);
    if (!out) return NULL;
    size_t o = 0;
    for (size_t i = 0; i < f->len;) {
        if (i + ml <= f->len && memcmp(f->data + i, mark, ml) == 0) {
            memcpy(out + o, tok, tl);
            o += tl;
            i += ml;
        } else {
            out[o++] = f->data[i++];
        }
    }
    *len = o;
    return out;
}

static int http_request(Web *w, Conn *c, struct lws *wsi, const char *path)
{
    char host[128];
    free(c->owned);
    memset(c, 0, sizeof *c);
    c->w = w;
    c->wsi = wsi;
    Access a = access_of(w, wsi, host, sizeof host);
    const char *h = a == DENY ? NULL : host;
    int rc;
    if (a == DENY) rc = respond_error(c, wsi, 403, h);
    else if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) <= 0) rc = respond_error(c, wsi, 405, h);
    else {
        const FdWebFile *f = find_file(path);
        char arg[WEB_TOKEN_MAX + 16];
        const char *tok = lws_get_urlarg_by_name(wsi, "token=", arg, (int)sizeof arg);
        size_t len = 0;
        if (f && tok && strstr(f->type, "text/html")) {
            c->owned = with_token(f, tok, &len);
            if (!c->owned) return -1;
        }
        rc = !f ? respond_error(c, wsi, 404, h)
           : c->owned ? respond(c, wsi, 200, f->type, c->owned, len, h)
           : respond(c, wsi, 200, f->type, f->data, f->len, h);
    }
    if (rc == 1) return lws_http_transaction_completed(wsi) ? -1 : 0;
    return rc;
}

static int http_writable(Conn *c, struct lws *wsi)
{
    if (!c->responding) return 0;
    unsigned char buf[LWS_PRE + WEB_CHUNK];
    size_t n = c->body_len - c->body_sent;
    if (n > WEB_CHUNK) n = WEB_CHUNK;
    bool last = c->body_sent + n == c->body_len;
    if (n) memcpy(buf + LWS_PRE, c->body + c->body_sent, n);
    if (lws_write(wsi, buf + LWS_PRE, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) != (int)n)
        return -1;
    c->body_sent += n;
    if (!last) {
        lws_callback_on_writable(wsi);
        return 0;
    }
    c->responding = false;
    free(c->owned);
    c->owned = NULL;
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}


/* ---- WebSocket ----------------------------------------------------- */

static void queue_free(Conn *c)
{
    for (Msg *m = c->head, *next; m; m = next) {
        next = m->next;
        free(m);
    }
    c->head = c->tail = NULL;
    if (c->queued) c->w->pending -= c->queued;   /* queued only once c->w is set */
    c->queued = 0;
}

/* The HubSendFn handed to the hub: queues a copy. */
static void conn_send(void *ud, const char *json, size_t len)
{
    Conn *c = ud;
    if (c->dead || c->w->stopping) return;
    if (c->queued > 0 && c->queued + len > WEB_QUEUE_MAX) {
        /* not reading: let it go rather than grow without bound */
        c->dead = true;
        queue_free(c);
        lws_close_reason(c->wsi, LWS_CLOSE_STATUS_POLICY_VIOLATION,
                         (unsigned char *)"too slow", 8);
        lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_ASYNC);
        return;
    }
    Msg *m = malloc(sizeof *m + LWS_PRE + len);
    if (!m) {
        c->dead = true;
        queue_free(c);
        lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_ASYNC);
        return;
    }
    m->next = NULL;
    m->len = len;
    memcpy(m->buf + LWS_PRE, json, len);
    if (c->tail) c->tail->next = m;
    else c->head = m;
    c->tail = m;
    c->queued += len;
    c->w->pending += len;
    lws_callback_on_writable(c->wsi);
}

static int ws_established(Web *w, Conn *c, struct lws *wsi)
{
    char host[128];
    memset(c, 0, sizeof *c);
    c->w = w;
    c->wsi = wsi;
    c->id = -1;
    /* checked before the upgrade too (LWS_CALLBACK_HTTP_CONFIRM_UPGRADE) */
    Access a = access_of(w, wsi, host, sizeof host);
    if (a == DENY || w->stopping) return -1;
    w->depth++;
    int id = w->hooks.join(w->hooks.ud, a == FACILITATOR, conn_send, c);
    w->depth--;
    if (id < 0) {
        queue_free(c);
        return -1;
    }
    c->id = id;
    c->joined = true;
    return 0;
}

static int ws_close(struct lws *wsi, enum lws_close_status code, const char *why)
{
    lws_close_reason(wsi, code, (unsigned char *)why, strlen(why));
    return -1;
}

static int ws_receive(Web *w, Conn *c, struct lws *wsi, const void *in, size_t len)
{
    if (c->dead || !c->joined) return -1;
    if (w->stopping) return 0;              /* draining: what comes in is ignored */
    if (lws_frame_is_binary(wsi))
        return ws_close(wsi, LWS_CLOSE_STATUS_UNACCEPTABLE_OPCODE, "text only");
    size_t rest = lws_remaining_packet_payload(wsi);
    if (len > w->max_message || rest > w->max_message - len ||
        c->rx_len > w->max_message - len - rest)
        return ws_close(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, "too large");
    if (c->rx_len + len > c->rx_cap) {
        size_t cap = c->rx_cap ? c->rx_cap : 1024;
        while (cap < c->rx_len + len) cap *= 2;
        if (cap > w->max_message) cap = w->max_message;
        char *rx = realloc(c->rx, cap);
        if (!rx) return ws_close(wsi, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "out of memory");
        c->rx = rx;
        c->rx_cap = cap;
    }
    if (len) memcpy(c->rx + c->rx_len, in, len);
    c->rx_len += len;
    if (!lws_is_final_fragment(wsi) || rest) return 0;
    size_t n = c->rx_len;
    c->rx_len = 0;
    w->depth++;
    w->hooks.message(w->hooks.ud, c->id, n ? c->rx : "", n);
    w->depth--;
    return 0;
}

static int ws_writable(Conn *c, struct lws *wsi)
{
    if (c->dead) return -1;
    /* As many messages as the socket takes now: one per callback would
     * hold a dashboard to one message per turn of the loop, which a fast
     * drill outruns. A write the kernel takes only in part is kept by
     * lws, which then reports the pipe choked. */
    for (int n = 0; c->head && n < WRITES_PER_CALLBACK; n++) {
        if (n > 0 && lws_send_pipe_choked(wsi)) break;
        Msg *m = c->head;
        if (lws_write(wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_TEXT) < (int)m->len) return -1;
        c->head = m->next;
        if (!c->head) c->tail = NULL;
        c->queued -= m->len;
        c->w->pending -= m->len;
        free(m);
    }
    if (c->head) lws_callback_on_writable(wsi);
    return 0;
}

static void ws_closed(Web *w, Conn *c)
{
    if (c->joined) {
        c->joined = false;
        c->dead = true;
        w->depth++;
        w->hooks.leave(w->hooks.ud, c->id);
        w->depth--;
    }
    queue_free(c);
    free(c->rx);
    c->rx = NULL;
    c->rx_len = c->rx_cap = 0;
}

/* ---- the callback -------------------------------------------------- */

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
                    void *in, size_t len)
{
    Conn *c = user;
    Web *w;
    char host[128];

    switch (reason) {
    case LWS_CALLBACK_HTTP:
        w = lws_context_user(lws_get_context(wsi));
        return http_request(w, c, wsi, in ? (const char *)in : "");
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return c ? http_writable(c, wsi) : 0;
    case LWS_CALLBACK_HTTP_BODY:
        return 0;              /* no request has a body we read: discarded */
    case LWS_CALLBACK_CLOSED_HTTP:
        if (c) {
            free(c->owned);
            c->owned = NULL;
        }
        return 0;
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
        /* >0: refused with a response of our own; lws hangs up after it.
         * No per-connection data yet: the refusal is short, written at once. */
        w = lws_context_user(lws_get_context(wsi));
        if (w->stopping) return -1;
        if (!in || strcmp((const char *)in, "websocket") != 0) return -1;
        {
            char uri[16];
            Conn tmp = { 0 };
            c = &tmp;
            Access a = access_of(w, wsi, host, sizeof host);
            if (a == DENY) return respond_error(c, wsi, 403, NULL) == 1 ? 1 : -1;
            if (!header(wsi, WSI_TOKEN_GET_URI, uri, sizeof uri) || strcmp(uri, "/ws") != 0)
                return respond_error(c, wsi, 404, host) == 1 ? 1 : -1;
        }
        return 0;
    case LWS_CALLBACK_ESTABLISHED:
        w = lws_context_user(lws_get_context(wsi));
        return ws_established(w, c, wsi);
    case LWS_CALLBACK_RECEIVE:
        w = lws_context_user(lws_get_context(wsi));
        return ws_receive(w, c, wsi, in, len);
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return ws_writable(c, wsi);
    case LWS_CALLBACK_CLOSED:
        w = lws_context_user(lws_get_context(wsi));
        ws_closed(w, c);
        return 0;
    default:
        return 0;
    }
}

static const struct lws_protocols protocols[] = {
    { "http", callback, sizeof(Conn), 0, 0, NULL, 0 },
    { "firedrill", callback, sizeof(Conn), 4096, 0, NULL, 0 },
    { NULL, NULL, 0, 0, 0, NULL, 0 },
};

/* Makes "firedrill" the protocol of WebSockets that name none. */
static const struct lws_protocol_vhost_options pvo_default = { NULL, NULL, "default", "" };
static const struct lws_protocol_vhost_options pvo = { NULL, &pvo_default, "firedrill", "" };

/* ---- start and stop ------------------------------------------------ */

typedef struct Find {
    const void *data;
    bool found;
} Find;

static void find_data(uv_handle_t *h, void *arg)
{
    Find *f = arg;
    if (h->data == f->data) f->found = true;
}

static void reaper_closed(uv_handle_t *h)
{
    free(h->data);
}

static void reap(uv_timer_t *t)
{
    Reaper *r = t->data;
    if (r->ctx) {
        Find f = { r->ctx, false };
        uv_walk(t->loop, find_data, &f);
        if (f.found) return;                    /* lws's handles still closing */
        lws_context_destroy(r->ctx);            /* the second call frees the rest */
        if (r->ctx && ++r->tries < 100) return;
    }
    if (!r->ctx) free(r->web);                  /* else leaked, not used after free */
    uv_timer_stop(t);
    uv_close((uv_handle_t *)t, reaper_closed);
}

/* Destroys the context; the reaper finishes the job as the loop runs. */
static void destroy(struct lws_context *ctx, Reaper *r)
{
    lws_context_destroy(ctx);
    uv_timer_start(&r->timer, reap, 0, 10);
}

/* web_stop's first step: what is queued (the drill's end, say) goes out
 * before the connections are closed, unless a client reads too slowly. */
static void drain(uv_timer_t *t)
{
    Reaper *r = t->data;
    if (r->web->pending > 0 && ++r->drain_ticks < WEB_DRAIN_TICKS) return;
    uv_timer_stop(t);
    destroy(r->web->ctx, r);
}

/* Why binding failed, found by trying it ourselves (lws does not say). */
static void bind_error(const char *addr, int port, char *err, size_t errsize)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
    int family;
    if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)port);
        sl = sizeof *s4;
        family = AF_INET;
    } else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)port);
        sl = sizeof *s6;
        family = AF_INET6;
    } else {
        snprintf(err, errsize, "cannot listen on %s: not an IP address", addr);
        return;
    }
    const char *why = "cannot bind";
    int fd = socket(family, SOCK_STREAM, 0);
    if (fd >= 0) {
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, (struct sockaddr *)&ss, sl) != 0) why = strerror(errno);
        close(fd);
    }
    if (family == AF_INET6)
        snprintf(err, errsize, "cannot listen on [%s]:%d: %s", addr, port, why);
    else
        snprintf(err, errsize, "cannot listen on %s:%d: %s", addr, port, why);
}

int web_start(Web **out, uv_loop_t *loop, const WebOptions *o, const WebHooks *h,
              char *err, size_t errsize)
{
    *out = NULL;
    const char *bind_addr = o->bind ? o->bind : "127.0.0.1";
    if (!o->player_token || !o->facilitator_token || !o->player_token[0] ||
        !o->facilitator_token[0] || strlen(o->player_token) > WEB_TOKEN_MAX ||
        strlen(o->facilitator_token) > WEB_TOKEN_MAX ||
        strcmp(o->player_token, o->facilitator_token) == 0) {
        snprintf(err, errsize, "web: tokens must be two different strings of 1 to %d bytes",
                 WEB_TOKEN_MAX);
        return -1;
    }
    if (strlen(bind_addr) >= sizeof ((Web *)0)->bind) {
        snprintf(err, errsize, "cannot listen on %s: not an IP address", bind_addr);
        return -1;
    }
    if (o->port < 0 || o->port > 65535) {
        snprintf(err, errsize, "web: port %d is out of range", o->port);
        return -1;
    }
    Web *w = calloc(1, sizeof *w);
    Reaper *r = calloc(1, sizeof *r);
    if (!w || !r) {
        free(w);
        free(r);
        snprintf(err, errsize, "web: out of memory");
        return -1;
    }
    uv_timer_init(loop, &r->timer);
    r->timer.data = r;
    r->web = w;
    w->reaper = r;
    w->hooks = *h;
    w->max_message = o->max_message ? o->max_message : 64 * 1024;
    snprintf(w->bind, sizeof w->bind, "%s", bind_addr);
    snprintf(w->player, sizeof w->player, "%s", o->player_token);
    snprintf(w->facilitator, sizeof w->facilitator, "%s", o->facilitator_token);
    w->loops[0] = loop;

    lws_set_log_level(LLL_ERR, NULL);

    struct lws_context_creation_info ci;
    memset(&ci, 0, sizeof ci);
    ci.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_EXPLICIT_VHOSTS |
                 LWS_SERVER_OPTION_VALIDATE_UTF8;    /* text that is not UTF-8: closed, 1007 */
    ci.foreign_loops = w->loops;
    ci.user = w;
    ci.port = CONTEXT_PORT_NO_LISTEN;
    ci.pcontext = &r->ctx;
    w->ctx = r->ctx = lws_create_context(&ci);
    if (!w->ctx) {
        free(w);
        uv_close((uv_handle_t *)&r->timer, reaper_closed);
        snprintf(err, errsize, "web: cannot start libwebsockets (is libwebsockets-evlib-uv installed?)");
        return -1;
    }

    struct lws_context_creation_info vi;
    memset(&vi, 0, sizeof vi);
    vi.vhost_name = "firedrill";
    vi.port = o->port;
    vi.iface = w->bind;
    vi.protocols = protocols;
    vi.pvo = &pvo;
    vi.options = LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND |
                 (strchr(w->bind, ':') ? 0 : LWS_SERVER_OPTION_DISABLE_IPV6);
    vi.keepalive_timeout = 5;
    lws_set_log_level(0, NULL);         /* a taken port is said in err, once */
    w->vh = lws_create_vhost(w->ctx, &vi);
    lws_set_log_level(LLL_ERR, NULL);
    if (!w->vh || lws_get_vhost_listen_port(w->vh) <= 0) {
        bind_error(w->bind, o->port, err, errsize);
        w->stopping = true;
        destroy(w->ctx, r);             /* frees w as the loop runs */
        return -1;
    }
    w->port = lws_get_vhost_listen_port(w->vh);
    *out = w;
    return 0;
}

int web_port(const Web *w)
{
    return w->port;
}

void web_stop(Web *w)
{
    if (!w) return;
    /* lws cannot be destroyed from inside one of its own callbacks */
    if (w->depth != 0) {
        fprintf(stderr, "firedrill: web_stop() called from inside a hook\n");
        abort();
    }
    w->stopping = true;
    uv_timer_start(&w->reaper->timer, drain, 0, 10);   /* then frees w as the loop runs */
}

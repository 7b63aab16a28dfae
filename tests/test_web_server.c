/*
 * test_web_server.c: live/web.c on a libuv loop, with a fake hub.
 *
 *   test_web_server            checks run in-process (ctest: web_server)
 *   test_web_server --serve    serves until SIGTERM, SIGINT or stdin closes,
 *                              for tests/cli/web_security.py
 *
 * The fake hub answers "welcome" on join and, to every message, a
 * {"t":"reply","ok":true,"text":<the message>} to the sender; a
 * facilitator's message also goes to every client as
 * {"t":"broadcast","from":ID,"text":...}. The message {"t":"flood"} makes
 * it send the sender about 10 MiB at once, more than web.c queues for one
 * client. --serve prints the player's URL ("URL ..."), the facilitator's
 * ("FACILITATOR ...") and "FAKEHUB" (web_security.py then runs the checks
 * that need this hub).
 */
#include "fdtest.h"
#include "live/web.h"
#include "live/web_embed.h"

#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <uv.h>

/* ---- the fake hub ---------------------------------------------------- */

#define NCLIENTS 64

typedef struct FakeClient {
    bool used, facilitator;
    HubSendFn send;
    void *ud;
} FakeClient;

typedef struct FakeHub {
    FakeClient c[NCLIENTS];
    int joins, leaves, messages;
} FakeHub;

/* Whether an embedded file holds the page's "{{token}}" mark. */
static bool has_mark(const unsigned char *d, size_t n)
{
    for (size_t i = 0; i + 9 <= n; i++)
        if (memcmp(d + i, "{{token}}", 9) == 0) return true;
    return false;
}

static void send_json(FakeClient *c, json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (!s) return;
    c->send(c->ud, s, strlen(s));
    free(s);
}

static int fake_join(void *ud, bool facilitator, HubSendFn send, void *send_ud)
{
    FakeHub *h = ud;
    for (int i = 0; i < NCLIENTS; i++) {
        if (h->c[i].used) continue;
        h->c[i] = (FakeClient){ true, facilitator, send, send_ud };
        h->joins++;
        send_json(&h->c[i], json_pack("{s:s, s:{s:i, s:b}}", "t", "welcome", "you", "id", i,
                                      "facilitator", facilitator));
        return i;
    }
    return -1;
}

static void fake_message(void *ud, int client, const char *msg, size_t len)
{
    FakeHub *h = ud;
    h->messages++;
    if (client < 0 || client >= NCLIENTS || !h->c[client].used) {
        fprintf(stderr, "fake hub: message for unknown client %d\n", client);
        abort();
    }
    FakeClient *c = &h->c[client];
    static const char flood[] = "{\"t\":\"flood\"}";
    if (len == sizeof flood - 1 && memcmp(msg, flood, len) == 0) {
        static char big[16384];
        memset(big, ' ', sizeof big);
        for (int i = 0; i < 640 && c->used; i++) c->send(c->ud, big, sizeof big);
        return;
    }
    json_t *text = json_stringn(msg, len);
    if (!text) {
        send_json(c, json_pack("{s:s, s:b, s:s}", "t", "reply", "ok", 0, "text", "not UTF-8"));
        return;
    }
    send_json(c, json_pack("{s:s, s:b, s:O}", "t", "reply", "ok", 1, "text", text));
    if (c->facilitator)
        for (int i = 0; i < NCLIENTS; i++)
            if (h->c[i].used)
                send_json(&h->c[i], json_pack("{s:s, s:i, s:O}", "t", "broadcast", "from",
                                              client, "text", text));
    json_decref(text);
}

static void fake_leave(void *ud, int client)
{
    FakeHub *h = ud;
    if (client < 0 || client >= NCLIENTS || !h->c[client].used) {
        fprintf(stderr, "fake hub: leave of unknown client %d\n", client);
        abort();
    }
    h->c[client].used = false;
    h->leaves++;
}

static void random_token(char *out, size_t n)
{
    unsigned char b[16];
    FILE *f = fopen("/dev/urandom", "rb");
    if (!f || fread(b, 1, sizeof b, f) != sizeof b) {
        fprintf(stderr, "test_web_server: cannot read /dev/urandom\n");
        exit(2);
    }
    fclose(f);
    for (size_t i = 0; i < sizeof b && 2 * i + 2 < n; i++) snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* ---- --serve ----------------------------------------------------------- */

typedef struct Serve {
    Web *web;
    uv_signal_t sigint, sigterm;
    uv_pipe_t in;
    bool in_open;
} Serve;

static void serve_stop(Serve *s)
{
    if (!s->web) return;
    web_stop(s->web);
    s->web = NULL;
    uv_close((uv_handle_t *)&s->sigint, NULL);
    uv_close((uv_handle_t *)&s->sigterm, NULL);
    if (s->in_open) uv_close((uv_handle_t *)&s->in, NULL);
}

static void on_signal(uv_signal_t *sig, int signum)
{
    (void)signum;
    serve_stop(sig->data);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    static char b[256];
    (void)h;
    (void)suggested;
    *buf = uv_buf_init(b, sizeof b);
}

static void on_stdin(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
    (void)buf;
    if (n < 0) serve_stop(st->data);
}

static int serve(int argc, char **argv)
{
    WebOptions o = { 0 };
    char pt[40] = "", ft[40] = "";
    random_token(pt, sizeof pt);
    random_token(ft, sizeof ft);
    o.player_token = pt;
    o.facilitator_token = ft;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--port") == 0) o.port = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--bind") == 0) o.bind = argv[i + 1];
        else if (strcmp(argv[i], "--max") == 0) o.max_message = (size_t)atol(argv[i + 1]);
    }
    static FakeHub hub;
    WebHooks hooks = { &hub, fake_join, fake_message, fake_leave };
    uv_loop_t loop;
    uv_loop_init(&loop);
    Serve s = { 0 };
    char err[256];
    if (web_start(&s.web, &loop, &o, &hooks, err, sizeof err) != 0) {
        fprintf(stderr, "test_web_server: %s\n", err);
        uv_run(&loop, UV_RUN_DEFAULT);
        uv_loop_close(&loop);
        return 1;
    }
    uv_signal_init(&loop, &s.sigint);
    uv_signal_init(&loop, &s.sigterm);
    s.sigint.data = s.sigterm.data = &s;
    uv_signal_start(&s.sigint, on_signal, SIGINT);
    uv_signal_start(&s.sigterm, on_signal, SIGTERM);
    if (uv_pipe_init(&loop, &s.in, 0) == 0) {
        s.in_open = true;
        s.in.data = &s;
        if (uv_pipe_open(&s.in, 0) != 0 || uv_read_start((uv_stream_t *)&s.in, on_alloc, on_stdin) != 0) {
            uv_close((uv_handle_t *)&s.in, NULL);
            s.in_open = false;
        }
    }
    const char *host = o.bind ? o.bind : "127.0.0.1";
    const char *lb = strchr(host, ':') ? "[" : "", *rb = *lb ? "]" : "";
    printf("URL http://%s%s%s:%d/?token=%s\n", lb, host, rb, web_port(s.web), pt);
    printf("FACILITATOR http://%s%s%s:%d/?token=%s\n", lb, host, rb, web_port(s.web), ft);
    printf("FAKEHUB\n");
    fflush(stdout);
    uv_run(&loop, UV_RUN_DEFAULT);
    int rc = uv_loop_close(&loop);
    if (rc != 0) fprintf(stderr, "test_web_server: loop still busy at exit\n");
    fprintf(stderr, "test_web_server: %d joins, %d leaves, %d messages\n", hub.joins, hub.leaves,
            hub.messages);
    return rc != 0 || hub.joins != hub.leaves;
}

/* ---- in-process checks: a plain HTTP client on the same loop ---------- */

typedef struct Fetch {
    uv_tcp_t tcp;
    uv_connect_t conn;
    uv_write_t wr;
    char req[512];
    char resp[65536];
    size_t len;
    bool done;
} Fetch;

static void fetch_closed(uv_handle_t *h)
{
    Fetch *f = h->data;
    f->done = true;
}

static void fetch_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    Fetch *f = h->data;
    (void)suggested;
    *buf = uv_buf_init(f->resp + f->len, (unsigned)(sizeof f->resp - 1 - f->len));
}

static void fetch_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
    Fetch *f = st->data;
    (void)buf;
    if (n > 0) f->len += (size_t)n;
    if (n < 0 || f->len == sizeof f->resp - 1) {
        f->resp[f->len] = '\0';
        uv_close((uv_handle_t *)&f->tcp, fetch_closed);
    }
}

static void fetch_written(uv_write_t *wr, int status)
{
    Fetch *f = wr->data;
    if (status == 0) uv_read_start((uv_stream_t *)&f->tcp, fetch_alloc, fetch_read);
    else uv_close((uv_handle_t *)&f->tcp, fetch_closed);
}

static void fetch_connected(uv_connect_t *c, int status)
{
    Fetch *f = c->data;
    if (status != 0) {
        uv_close((uv_handle_t *)&f->tcp, fetch_closed);
        return;
    }
    uv_buf_t b = uv_buf_init(f->req, (unsigned)strlen(f->req));
    f->wr.data = f;
    uv_write(&f->wr, (uv_stream_t *)&f->tcp, &b, 1, fetch_written);
}

/* GETs `target` from 127.0.0.1:port with Host `host`; the whole response
 * (the server closes: Connection: close) lands in f->resp. */
static void fetch(uv_loop_t *loop, Fetch *f, int port, const char *host, const char *target)
{
    memset(f, 0, sizeof *f);
    snprintf(f->req, sizeof f->req,
             "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", target, host);
    uv_tcp_init(loop, &f->tcp);
    f->tcp.data = f->conn.data = f;
    struct sockaddr_in a;
    uv_ip4_addr("127.0.0.1", port, &a);
    uv_tcp_connect(&f->conn, &f->tcp, (const struct sockaddr *)&a, fetch_connected);
    while (!f->done) uv_run(loop, UV_RUN_ONCE);
}

static bool has(const Fetch *f, const char *s)
{
    return strstr(f->resp, s) != NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--serve") == 0) return serve(argc, argv);

    uv_loop_t loop;
    uv_loop_init(&loop);
    static FakeHub hub;
    WebHooks hooks = { &hub, fake_join, fake_message, fake_leave };
    WebOptions o = { .player_token = "p1ayer", .facilitator_token = "fac1l1tator" };
    char err[256] = "";
    Web *web = NULL;
    CHECK_EQ_INT(web_start(&web, &loop, &o, &hooks, err, sizeof err), 0);
    CHECK(web != NULL);
    if (!web) return fdt_finish();
    int port = web_port(web);
    CHECK(port > 0 && port < 65536);

    /* the same port again: refused, saying why */
    Web *again = (Web *)1;
    WebOptions o2 = o;
    o2.port = port;
    err[0] = '\0';
    CHECK_EQ_INT(web_start(&again, &loop, &o2, &hooks, err, sizeof err), -1);
    CHECK(again == NULL);
    CHECK(strstr(err, "in use") != NULL);
    fprintf(stderr, "(expected) %s\n", err);

    /* tokens the same, or missing: refused */
    WebOptions o3 = o;
    o3.facilitator_token = o.player_token;
    again = NULL;
    CHECK_EQ_INT(web_start(&again, &loop, &o3, &hooks, err, sizeof err), -1);
    o3.facilitator_token = NULL;
    CHECK_EQ_INT(web_start(&again, &loop, &o3, &hooks, err, sizeof err), -1);

    char host[64], target[128];
    snprintf(host, sizeof host, "127.0.0.1:%d", port);
    static Fetch f;

    fetch(&loop, &f, port, host, "/?token=wrong");
    CHECK(strncmp(f.resp, "HTTP/1.1 403", 12) == 0);
    fetch(&loop, &f, port, host, "/");
    CHECK(strncmp(f.resp, "HTTP/1.1 403", 12) == 0);
    fetch(&loop, &f, port, "evil.example:80", "/?token=p1ayer");
    CHECK(strncmp(f.resp, "HTTP/1.1 403", 12) == 0);
    fetch(&loop, &f, port, host, "/no-such-file?token=p1ayer");
    CHECK(strncmp(f.resp, "HTTP/1.1 404", 12) == 0);
    CHECK(has(&f, "x-content-type-options: nosniff"));
    CHECK(has(&f, "cache-control: no-store"));
    fetch(&loop, &f, port, host, "/../CMakeLists.txt?token=fac1l1tator");
    CHECK(strncmp(f.resp, "HTTP/1.1 404", 12) == 0 || strncmp(f.resp, "HTTP/1.1 403", 12) == 0);

    /* every embedded file, byte for byte */
    for (const FdWebFile *wf = fd_web_files; wf->name; wf++) {
        snprintf(target, sizeof target, "/%s?token=p1ayer", wf->name);
        fetch(&loop, &f, port, host, target);
        CHECK(strncmp(f.resp, "HTTP/1.1 200", 12) == 0);
        const char *body = strstr(f.resp, "\r\n\r\n");
        CHECK(body != NULL);
        if (body && wf->len < sizeof f.resp - 4096 && !strstr(wf->type, "text/html")) {
            body += 4;
            CHECK_EQ_INT(f.len - (size_t)(body - f.resp), wf->len);
            CHECK(memcmp(body, wf->data, wf->len) == 0);
        } else if (body) {
            /* The page: "{{token}}" becomes the token it was asked for with,
             * so its scripts and styles are fetched with the token too. */
            body += 4;
            CHECK(strstr(body, "{{token}}") == NULL);
            if (has_mark(wf->data, wf->len)) CHECK(strstr(body, "?token=p1ayer") != NULL);
        }
        char ct[128];
        snprintf(ct, sizeof ct, "content-type: %s", wf->type);
        CHECK(has(&f, ct));
        CHECK(has(&f, "content-security-policy: default-src 'self'; connect-src 'self' ws://127.0.0.1:"));
    }
    /* localhost names the server too when bound to 127.0.0.1 */
    char lh[64];
    snprintf(lh, sizeof lh, "localhost:%d", port);
    fetch(&loop, &f, port, lh, "/no-such-file?token=p1ayer");
    CHECK(strncmp(f.resp, "HTTP/1.1 404", 12) == 0);

    web_stop(web);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK_EQ_INT(uv_loop_close(&loop), 0);
    CHECK_EQ_INT(hub.joins, 0);
    return fdt_finish();
}

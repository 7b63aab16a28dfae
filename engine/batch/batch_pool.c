/*
 * batch_pool.c: the worker processes of a batch, driven by libuv.
 *
 * Each of the N slots runs one worker at a time and owns three handles:
 * the process, the pipe its stdout goes to and the timer of its time
 * limit. Every handle goes through the same life: init, start, stop, close
 * (handle_close() below, which counts the slot's open handles down). A slot
 * is finished only when all three are closed: the process has exited, the
 * pipe has hit EOF (every byte the worker printed has arrived) and the timer
 * is stopped. Only then is its outcome handed to done() and the slot reused
 * for the next job, so a handle is never re-initialised while libuv still
 * holds it.
 *
 * A worker that overruns its time limit is sent SIGKILL and reported as
 * timed out; one killed by any other signal is reported with that signal.
 * Neither stops the pool: a batch goes on past any one run.
 *
 * The callbacks do little: append bytes, record the exit, close handles.
 * The one heavier call, done() (which writes the record file), runs from
 * the last close callback of a slot, when nothing of the slot is in flight.
 */
#include "batch/batch_pool.h"

#include <assert.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#define OUT_CAP (4u << 20)   /* bytes of a worker's stdout kept; the rest is dropped */

typedef struct Pool Pool;

typedef struct Slot {
    uv_process_t proc;
    uv_pipe_t out;
    uv_timer_t timer;
    Pool *pool;
    int job;
    int open;             /* handles of this slot not yet closed */
    char *buf;
    size_t len, cap;
    BatchOutcome oc;
} Slot;

struct Pool {
    uv_loop_t loop;
    const BatchPoolOptions *o;
    Slot *slots;
    int nslots;
    int next;             /* the next job to start */
    int running;          /* slots with a job */
    int err;              /* the first error; stops new jobs */
    uv_timer_t tick;
    bool ticking;
};

int batch_pool_cpus(void)
{
    unsigned n = uv_available_parallelism();
    return n ? (int)n : 1;
}

int batch_pool_exepath(char *buf, size_t size)
{
    size_t n = size;
    int rc = uv_exepath(buf, &n);
    return rc < 0 ? rc : 0;   /* libuv errors are negative errno values on Unix */
}

/* ---- handle lifetimes ---- */

static void slot_closed(uv_handle_t *h);
static void slot_start(Pool *p, Slot *s);

/* Closes a slot handle once; slot_closed() counts it. */
static void handle_close(uv_handle_t *h)
{
    if (!uv_is_closing(h)) uv_close(h, slot_closed);
}

static void pool_fail(Pool *p, int err)
{
    if (!p->err) p->err = err;
}

static void tick_closed(uv_handle_t *h)
{
    (void)h;
}

static void pool_stop_tick(Pool *p)
{
    if (!p->ticking) return;
    p->ticking = false;
    uv_timer_stop(&p->tick);
    uv_close((uv_handle_t *)&p->tick, tick_closed);
}

/* The last handle of a slot is closed: report, then reuse the slot. */
static void slot_finish(Slot *s)
{
    Pool *p = s->pool;
    if (!s->buf) s->buf = calloc(1, 1);
    if (s->buf) s->buf[s->len] = 0;
    s->oc.out = s->buf ? s->buf : "";
    int rc = p->o->done(p->o->ud, s->job, &s->oc);
    if (rc < 0) pool_fail(p, rc);
    free(s->buf);
    s->buf = NULL;
    s->len = s->cap = 0;
    p->running--;
    if (!p->err && p->next < p->o->njobs) slot_start(p, s);
    else if (p->running == 0) pool_stop_tick(p);
}

static void slot_closed(uv_handle_t *h)
{
    Slot *s = h->data;
    assert(s->open > 0);
    if (--s->open == 0) slot_finish(s);
}

/* ---- callbacks ---- */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    Slot *s = h->data;
    if (s->cap - s->len < suggested + 1 && s->cap < OUT_CAP) {
        size_t cap = s->cap ? s->cap * 2 : 8192;
        while (cap - s->len < suggested + 1) cap *= 2;
        char *b = realloc(s->buf, cap);
        if (b) {
            s->buf = b;
            s->cap = cap;
        }
    }
    if (s->buf && s->cap - s->len > 1) {
        *buf = uv_buf_init(s->buf + s->len, (unsigned)(s->cap - s->len - 1));
    } else {
        /* Out of room (or memory): read into a scratch buffer and drop it,
         * so the worker never blocks on a full pipe. */
        static char scratch[4096];
        *buf = uv_buf_init(scratch, sizeof scratch);
    }
}

static void on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
    Slot *s = st->data;
    if (n > 0) {
        if (s->buf && buf->base == s->buf + s->len) s->len += (size_t)n;
        return;
    }
    if (n < 0) {   /* EOF or a read error: either way this pipe is done */
        uv_read_stop(st);
        handle_close((uv_handle_t *)st);
    }
}

static void on_exit_cb(uv_process_t *proc, int64_t status, int sig)
{
    Slot *s = proc->data;
    s->oc.exit_status = status;
    s->oc.term_signal = sig;
    uv_timer_stop(&s->timer);
    handle_close((uv_handle_t *)&s->timer);
    handle_close((uv_handle_t *)proc);
}

static void on_timeout(uv_timer_t *t)
{
    Slot *s = t->data;
    s->oc.timed_out = true;
    uv_process_kill(&s->proc, SIGKILL);
}

static void on_tick(uv_timer_t *t)
{
    Pool *p = t->data;
    if (p->o->tick) p->o->tick(p->o->ud);
}

/* ---- starting ---- */

static void slot_start(Pool *p, Slot *s)
{
    s->job = p->next++;
    memset(&s->oc, 0, sizeof s->oc);
    s->open = 0;
    p->running++;

    uv_pipe_init(&p->loop, &s->out, 0);
    s->out.data = s;
    s->open++;
    uv_timer_init(&p->loop, &s->timer);
    s->timer.data = s;
    s->open++;

    char **argv = p->o->argv_for(p->o->ud, s->job);
    uv_stdio_container_t stdio[3];
    stdio[0].flags = UV_IGNORE;
    stdio[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
    stdio[1].data.stream = (uv_stream_t *)&s->out;
    stdio[2].flags = UV_INHERIT_FD;
    stdio[2].data.fd = 2;
    uv_process_options_t po;
    memset(&po, 0, sizeof po);
    po.exit_cb = on_exit_cb;
    po.file = argv ? argv[0] : "";
    po.args = argv;
    po.stdio = stdio;
    po.stdio_count = 3;
    s->proc.data = s;
    int rc;
    if (argv) {
        rc = uv_spawn(&p->loop, &s->proc, &po);
        s->open++;   /* uv_spawn initialises the process handle even when it fails */
    } else {
        rc = UV_ENOMEM;
        pool_fail(p, -ENOMEM);
    }
    if (rc < 0) {
        s->oc.spawn_error = rc;
        if (argv) handle_close((uv_handle_t *)&s->proc);
        handle_close((uv_handle_t *)&s->out);
        handle_close((uv_handle_t *)&s->timer);
        return;
    }
    uv_read_start((uv_stream_t *)&s->out, on_alloc, on_read);
    if (p->o->timeout_s > 0)
        uv_timer_start(&s->timer, on_timeout, (uint64_t)(p->o->timeout_s * 1000.0 + 0.5), 0);
}

int batch_pool_run(const BatchPoolOptions *o)
{
    Pool p;
    memset(&p, 0, sizeof p);
    p.o = o;
    if (o->njobs <= 0) return 0;
    int rc = uv_loop_init(&p.loop);
    if (rc < 0) return rc;
    p.nslots = o->parallel > 0 ? o->parallel : batch_pool_cpus();
    if (p.nslots > o->njobs) p.nslots = o->njobs;
    p.slots = calloc((size_t)p.nslots, sizeof *p.slots);
    if (!p.slots) {
        uv_loop_close(&p.loop);
        return -ENOMEM;
    }
    if (o->tick && o->tick_s > 0) {
        uv_timer_init(&p.loop, &p.tick);
        p.tick.data = &p;
        uint64_t ms = (uint64_t)(o->tick_s * 1000.0);
        uv_timer_start(&p.tick, on_tick, ms, ms);
        p.ticking = true;
    }
    for (int i = 0; i < p.nslots && !p.err && p.next < o->njobs; i++) {
        p.slots[i].pool = &p;
        slot_start(&p, &p.slots[i]);
    }
    if (p.running == 0) pool_stop_tick(&p);
    uv_run(&p.loop, UV_RUN_DEFAULT);
    rc = uv_loop_close(&p.loop);
    assert(rc == 0);   /* every handle was closed */
    free(p.slots);
    return p.err;
}

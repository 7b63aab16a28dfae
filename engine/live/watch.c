/*
 * watch.c: the folder watch behind `firedrill run --watch` (see watch.h).
 *
 * The one place in the run command that touches libuv. Three kinds of
 * handle, each wrapped the same way (init, start, stop, close): a
 * uv_fs_event_t per folder, one uv_timer_t for the debounce and a
 * uv_signal_t each for SIGINT and SIGTERM. Callbacks only record: a
 * relevant file event (re)starts the debounce timer, the timer's expiry
 * sets `due`, a signal sets `stop`. The loop below turns those flags into
 * work between turns of uv_run(), so `run` never runs inside libuv and
 * may take as long as a simulation takes.
 *
 * Invariants: every handle that was initialised is closed exactly once, in
 * watch_close_all(), and the loop is then run until the close callbacks
 * have come back, so uv_loop_close() finds nothing open. A folder's
 * handle and path are freed in its close callback, never before.
 */
#include "live/watch.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <uv.h>

typedef struct WatchDir {
    uv_fs_event_t h;      /* first, so a handle pointer is a WatchDir pointer */
    char *path;           /* as given */
    dev_t dev;            /* with ino, tells folders apart whatever the path */
    ino_t ino;
    Watch *w;
} WatchDir;

struct Watch {
    uv_loop_t loop;
    uv_timer_t debounce;
    uv_signal_t sigint, sigterm;
    bool debounce_open, sigint_open, sigterm_open;
    WatchDir **dirs;
    int ndirs, capdirs;
    const WatchOptions *o;
    bool due;             /* the debounce expired: run again */
    bool stop;            /* a signal asked us to stop */
};

bool watch_name_relevant(const char *name)
{
    if (!name) return true;
    if (name[0] == '.') return false;
    static const char *const exts[] = { ".lua", ".yaml", ".yml", ".csv" };
    size_t n = strlen(name);
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
        size_t k = strlen(exts[i]);
        if (n > k && strcmp(name + n - k, exts[i]) == 0) return true;
    }
    return false;
}

static bool ignored(const Watch *w, const char *name)
{
    for (int i = 0; name && i < w->o->nignore; i++)
        if (strcmp(name, w->o->ignore[i]) == 0) return true;
    return false;
}

/* ---- the debounce timer ---- */

static void debounce_cb(uv_timer_t *t)
{
    Watch *w = t->data;
    w->due = true;
}

static int debounce_init(Watch *w)
{
    int rc = uv_timer_init(&w->loop, &w->debounce);
    if (rc == 0) {
        w->debounce.data = w;
        w->debounce_open = true;
    }
    return rc;
}

/* (Re)starts the countdown: the run comes debounce_ms after the last event. */
static int debounce_start(Watch *w)
{
    unsigned ms = w->o->debounce_ms ? w->o->debounce_ms : 200;
    return uv_timer_start(&w->debounce, debounce_cb, ms, 0);
}

static void debounce_stop(Watch *w)
{
    if (w->debounce_open) uv_timer_stop(&w->debounce);
}

static void debounce_close(Watch *w)
{
    if (w->debounce_open) uv_close((uv_handle_t *)&w->debounce, NULL);
    w->debounce_open = false;
}

/* ---- signals ---- */

static void signal_cb(uv_signal_t *s, int signum)
{
    (void)signum;
    Watch *w = s->data;
    w->stop = true;
}

static int signal_init(Watch *w, uv_signal_t *s, bool *open)
{
    int rc = uv_signal_init(&w->loop, s);
    if (rc == 0) {
        s->data = w;
        *open = true;
    }
    return rc;
}

static int signal_start(uv_signal_t *s, int signum)
{
    return uv_signal_start(s, signal_cb, signum);
}

static void signal_stop(uv_signal_t *s, bool open)
{
    if (open) uv_signal_stop(s);
}

/* Closing the last handle for a signal gives it back its default action. */
static void signal_close(uv_signal_t *s, bool *open)
{
    if (*open) uv_close((uv_handle_t *)s, NULL);
    *open = false;
}

/* ---- folders ---- */

static void dir_cb(uv_fs_event_t *h, const char *name, int events, int status)
{
    (void)events;
    WatchDir *d = h->data;
    Watch *w = d->w;
    /* An error on one folder (it was removed, say) is not worth stopping
     * for: the others still work, and so does this one if it comes back
     * under the same inode. */
    if (status < 0 || !watch_name_relevant(name) || ignored(w, name)) return;
    if (debounce_start(w) < 0) w->due = true;
}

static int dir_init(Watch *w, WatchDir *d)
{
    int rc = uv_fs_event_init(&w->loop, &d->h);
    if (rc == 0) {
        d->h.data = d;
        d->w = w;
    }
    return rc;
}

static int dir_start(WatchDir *d)
{
    return uv_fs_event_start(&d->h, dir_cb, d->path, 0);
}

static void dir_stop(WatchDir *d)
{
    uv_fs_event_stop(&d->h);
}

static void dir_close_cb(uv_handle_t *h)
{
    WatchDir *d = h->data;
    free(d->path);
    free(d);
}

static void dir_close(WatchDir *d)
{
    uv_close((uv_handle_t *)&d->h, dir_close_cb);
}

int watch_add_dir(Watch *w, const char *dir)
{
    struct stat st;
    if (stat(dir, &st) < 0) return uv_translate_sys_error(errno);
    if (!S_ISDIR(st.st_mode)) return UV_ENOTDIR;
    for (int i = 0; i < w->ndirs; i++)
        if (w->dirs[i]->dev == st.st_dev && w->dirs[i]->ino == st.st_ino) return 0;
    if (w->ndirs == w->capdirs) {
        int cap = w->capdirs ? 2 * w->capdirs : 4;
        WatchDir **v = realloc(w->dirs, sizeof *v * (size_t)cap);
        if (!v) return UV_ENOMEM;
        w->dirs = v;
        w->capdirs = cap;
    }
    WatchDir *d = calloc(1, sizeof *d);
    char *path = strdup(dir);
    if (!d || !path) {
        free(d);
        free(path);
        return UV_ENOMEM;
    }
    d->path = path;
    d->dev = st.st_dev;
    d->ino = st.st_ino;
    int rc = dir_init(w, d);
    if (rc < 0) {
        free(path);
        free(d);
        return rc;
    }
    /* From here the handle is open: it joins the list so that it is
     * closed (and freed) with the rest even when it fails to start. */
    w->dirs[w->ndirs++] = d;
    return dir_start(d);
}

int watch_ndirs(const Watch *w) { return w->ndirs; }

const char *watch_strerror(int rc) { return uv_strerror(rc); }

bool watch_error_is_input(int rc)
{
    return rc == UV_ENOENT || rc == UV_ENOTDIR || rc == UV_EACCES || rc == UV_ELOOP ||
           rc == UV_ENAMETOOLONG;
}

/* ---- the loop ---- */

static void watch_close_all(Watch *w)
{
    debounce_stop(w);
    signal_stop(&w->sigint, w->sigint_open);
    signal_stop(&w->sigterm, w->sigterm_open);
    for (int i = 0; i < w->ndirs; i++) dir_stop(w->dirs[i]);
    debounce_close(w);
    signal_close(&w->sigint, &w->sigint_open);
    signal_close(&w->sigterm, &w->sigterm_open);
    for (int i = 0; i < w->ndirs; i++) dir_close(w->dirs[i]);
    w->ndirs = 0;
    free(w->dirs);
    w->dirs = NULL;
    /* The close callbacks come on the next turn; after them nothing is
     * left and the loop returns. */
    uv_run(&w->loop, UV_RUN_DEFAULT);
}

bool watch_stop_requested(Watch *w)
{
    uv_run(&w->loop, UV_RUN_NOWAIT);
    return w->stop;
}

int watch_loop(const WatchOptions *o)
{
    Watch *w = calloc(1, sizeof *w);
    if (!w) return UV_ENOMEM;
    w->o = o;
    int rc = uv_loop_init(&w->loop);
    if (rc < 0) {
        free(w);
        return rc;
    }
    if ((rc = debounce_init(w)) < 0 || (rc = signal_init(w, &w->sigint, &w->sigint_open)) < 0 ||
        (rc = signal_init(w, &w->sigterm, &w->sigterm_open)) < 0 ||
        (rc = signal_start(&w->sigint, SIGINT)) < 0 || (rc = signal_start(&w->sigterm, SIGTERM)) < 0)
        goto out;
    for (int i = 0; i < o->ndirs; i++)
        if ((rc = watch_add_dir(w, o->dirs[i])) < 0) goto out;

    /* The first run, then one per settled change. The debounce timer is
     * the only thing that sets `due`, and it only runs inside uv_run(), so
     * a change that lands while `run` runs leads to exactly one more run. */
    w->due = true;
    while (!w->stop) {
        if (w->due) {
            w->due = false;
            if ((rc = o->run(w, o->ud)) < 0) goto out;
            continue;   /* a signal or a change may have come meanwhile */
        }
        uv_run(&w->loop, UV_RUN_ONCE);
    }
    rc = 0;
out:
    watch_close_all(w);
    int crc = uv_loop_close(&w->loop);
    if (crc < 0 && rc == 0) rc = crc;
    free(w);
    return rc;
}

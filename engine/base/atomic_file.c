/*
 * atomic_file.c: temporary file, fsync, rename (see atomic_file.h).
 *
 * Why not mkstemp(): it creates the file with mode 0600 whatever the umask,
 * so every report would come out unreadable to the group (a CI artifact
 * server, a colleague opening report.html). Fixing the mode afterwards needs
 * the umask, and the only way to read it, umask(), also sets it, which races
 * with any other thread creating files. So the temporary is created the way
 * mkstemp() does it, O_CREAT|O_EXCL on a random "XXXXXX" suffix, retrying on
 * a clash, but with mode 0666 for the kernel to apply the umask to, and with
 * O_CLOEXEC so a batch worker spawned meanwhile does not inherit it. O_EXCL
 * also refuses to follow a symlink planted at the temporary's name.
 *
 * The random suffix only has to avoid clashes, not to be secret or
 * reproducible; it never reaches any output, so using the clock here does
 * not touch the determinism rules.
 *
 * Leftovers. The temporary is named "PATH.tmp.PID.XXXXXX", and every open
 * one is listed in a small lock-free table, so that a SIGINT or SIGTERM
 * handler can remove them all (afile_remove_temporaries(), async-signal-
 * safe). A kill -9 cannot be handled; the next afile_open() of the same
 * PATH removes the temporaries of PATH that it owns: made by the same user,
 * by a process that no longer exists.
 *
 * A full disk. stdio keeps only an error flag when a buffered write fails,
 * not its errno; at commit, a failed stream is asked again with a direct
 * write() of a few blocks into the doomed temporary, whose errno (ENOSPC,
 * EDQUOT, EFBIG) says why, instead of a blanket EIO.
 */
#include "base/atomic_file.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TMP_MARK ".tmp."
#define MAX_LIVE 64

/* The temporaries open now, for afile_remove_temporaries(). */
static _Atomic(char *) live[MAX_LIVE];

static void live_add(char *tmp)
{
    for (int i = 0; i < MAX_LIVE; i++) {
        char *none = NULL;
        if (atomic_compare_exchange_strong(&live[i], &none, tmp)) return;
    }
}

static void live_remove(char *tmp)
{
    for (int i = 0; i < MAX_LIVE; i++) {
        char *mine = tmp;
        if (atomic_compare_exchange_strong(&live[i], &mine, NULL)) return;
    }
}

void afile_remove_temporaries(void)
{
    for (int i = 0; i < MAX_LIVE; i++) {
        char *p = atomic_load(&live[i]);
        if (p) unlink(p);
    }
}

/* Removes "BASE.tmp.PID.XXXXXX" next to path when PID is gone and the file
 * is ours: what a killed run of the same output left behind. */
static void remove_stale(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t dlen = slash ? (size_t)(slash - path) + 1 : 0, blen = strlen(base);
    char dir[4096];
    if (dlen + 2 > sizeof dir) return;
    if (dlen) memcpy(dir, path, dlen);
    else dir[dlen++] = '.';
    dir[dlen] = 0;
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *n = e->d_name;
        if (strncmp(n, base, blen) != 0 || strncmp(n + blen, TMP_MARK, 5) != 0) continue;
        char *end;
        long pid = strtol(n + blen + 5, &end, 10);
        if (pid <= 0 || *end != '.' || strlen(end + 1) != 6) continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue;
        struct stat st;
        if (fstatat(dirfd(d), n, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode) ||
            st.st_uid != geteuid())
            continue;
        unlinkat(dirfd(d), n, 0);
    }
    closedir(d);
}

static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15u;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
    return x ^ (x >> 31);
}

/* Replaces the last six characters of `tmp` until an exclusive create
 * succeeds. Returns the descriptor, or -1 with errno set. */
static int create_unique(char *tmp, const void *salt)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    char *x6 = tmp + strlen(tmp) - 6;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t state = ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec) ^
                     ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)salt;
    for (int attempt = 0; attempt < 1000; attempt++) {
        uint64_t r = mix64(state += 0x2545f4914f6cdd1du);
        for (int i = 0; i < 6; i++, r /= 62) x6[i] = abc[r % 62];
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0 || errno != EEXIST) return fd;
    }
    errno = EEXIST;
    return -1;
}

FILE *afile_open(AtomicFile *af, const char *path)
{
    memset(af, 0, sizeof *af);
    size_t n = strlen(path);
    if (n == 0) {
        errno = ENOENT;
        return NULL;
    }
    char suffix[48];
    int sl = snprintf(suffix, sizeof suffix, TMP_MARK "%ld.XXXXXX", (long)getpid());
    af->path = malloc(n + 1);
    af->tmp = malloc(n + (size_t)sl + 1);
    if (!af->path || !af->tmp) goto fail_nomem;
    memcpy(af->path, path, n + 1);
    memcpy(af->tmp, path, n);
    memcpy(af->tmp + n, suffix, (size_t)sl + 1);
    remove_stale(path);

    int fd = create_unique(af->tmp, af);
    if (fd < 0) goto fail;
    live_add(af->tmp);
    af->fp = fdopen(fd, "w");
    if (!af->fp) {
        int e = errno;
        close(fd);
        live_remove(af->tmp);
        unlink(af->tmp);
        errno = e;
        goto fail;
    }
    return af->fp;

fail_nomem:
    errno = ENOMEM;
fail: {
        int e = errno;
        free(af->path);
        free(af->tmp);
        memset(af, 0, sizeof *af);
        errno = e;
        return NULL;
    }
}

static void afile_clear(AtomicFile *af)
{
    if (af->tmp) live_remove(af->tmp);
    free(af->path);
    free(af->tmp);
    memset(af, 0, sizeof *af);
}

/* Makes the rename itself durable. Some filesystems refuse fsync on a
 * directory; the file is in place by then either way, so failures here are
 * not reported. */
static void sync_parent_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir;
    if (!slash) {
        dir = malloc(2);
        if (dir) memcpy(dir, ".", 2);
    } else {
        size_t len = slash == path ? 1 : (size_t)(slash - path);
        dir = malloc(len + 1);
        if (dir) {
            memcpy(dir, path, len);
            dir[len] = '\0';
        }
    }
    if (!dir) return;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    free(dir);
}

/* Why an earlier buffered write to fd failed: a direct write of a few
 * blocks past its end meets the same condition (a full disk, a quota, a
 * file size limit) and reports its errno. -EIO when it goes through. */
static int why_failed(int fd)
{
    static const char zeros[4096];
    for (int i = 0; i < 16; i++) {
        ssize_t w = write(fd, zeros, sizeof zeros);
        if (w < 0) return errno == EINTR ? -EIO : -errno;
    }
    return -EIO;
}

int afile_commit(AtomicFile *af)
{
    assert(af->fp && "afile_commit on an AtomicFile that is not open");
    int rc = 0;
    errno = 0;
    if (fflush(af->fp) != 0) rc = errno ? -errno : -EIO;
    /* A write that failed earlier (ENOSPC, EIO) leaves only the error flag;
     * its errno is long gone. */
    else if (ferror(af->fp)) rc = why_failed(fileno(af->fp));
    else if (fsync(fileno(af->fp)) != 0) rc = -errno;
    if (fclose(af->fp) != 0 && rc == 0) rc = errno ? -errno : -EIO;
    af->fp = NULL;
    if (rc == 0 && rename(af->tmp, af->path) != 0) rc = -errno;
    if (rc != 0) unlink(af->tmp);
    else sync_parent_dir(af->path);
    afile_clear(af);
    return rc;
}

void afile_abort(AtomicFile *af)
{
    if (!af->fp) return;
    fclose(af->fp);
    unlink(af->tmp);
    afile_clear(af);
}

/* mkdir that accepts an existing directory. */
static int mkdir_one(const char *dir)
{
    if (mkdir(dir, 0777) == 0) return 0;
    int e = errno;
    struct stat st;
    /* EEXIST is the common case; some systems report EACCES or EROFS for an
     * existing directory they would not let us create, so check what is
     * there before reporting the mkdir error. */
    if (stat(dir, &st) == 0) return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
    return -e;
}

int fd_mkdir_p(const char *dir)
{
    size_t n = strlen(dir);
    if (n == 0) return -ENOENT;
    char *buf = malloc(n + 1);
    if (!buf) return -ENOMEM;
    memcpy(buf, dir, n + 1);
    int rc = 0;
    /* Each prefix ending just before a '/' (skipping the root and runs of
     * slashes), then the whole path. */
    for (size_t i = 1; i < n && rc == 0; i++) {
        if (buf[i] != '/' || buf[i - 1] == '/') continue;
        buf[i] = '\0';
        rc = mkdir_one(buf);
        buf[i] = '/';
    }
    if (rc == 0) rc = mkdir_one(buf);
    free(buf);
    return rc;
}

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
 */
#include "base/atomic_file.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TMP_SUFFIX ".tmp.XXXXXX"

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
    af->path = malloc(n + 1);
    af->tmp = malloc(n + sizeof TMP_SUFFIX);
    if (!af->path || !af->tmp) goto fail_nomem;
    memcpy(af->path, path, n + 1);
    memcpy(af->tmp, path, n);
    memcpy(af->tmp + n, TMP_SUFFIX, sizeof TMP_SUFFIX);

    int fd = create_unique(af->tmp, af);
    if (fd < 0) goto fail;
    af->fp = fdopen(fd, "w");
    if (!af->fp) {
        int e = errno;
        close(fd);
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

int afile_commit(AtomicFile *af)
{
    assert(af->fp && "afile_commit on an AtomicFile that is not open");
    int rc = 0;
    errno = 0;
    if (fflush(af->fp) != 0) rc = errno ? -errno : -EIO;
    /* A write that failed earlier (ENOSPC, EIO) leaves only the error flag;
     * its errno is long gone. */
    else if (ferror(af->fp)) rc = -EIO;
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

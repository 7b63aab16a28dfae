/*
 * fspath.c: a file named by a scenario or topology, kept inside its folder.
 *
 * realpath() does the work: it follows every link, so a link named
 * "data.txt" that points at /etc/passwd resolves to /etc/passwd, and the
 * prefix test below refuses it. The names are checked as written first
 * (absolute, "..") so the message does not depend on what exists.
 */
/* realpath() with a NULL buffer is XSI. */
#define _XOPEN_SOURCE 700
#include "base/fspath.h"

#include <errno.h>
#include <stdbool.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* A ".." component anywhere, or a backslash (a Windows habit). */
static int dotdot(const char *name)
{
    if (strchr(name, '\\')) return 1;
    for (const char *p = name; (p = strstr(p, "..")); p += 2) {
        bool start = p == name || p[-1] == '/';
        bool end = p[2] == 0 || p[2] == '/';
        if (start && end) return 1;
    }
    return 0;
}

int fd_path_inside(const char *dir, const char *name, char **real)
{
    *real = NULL;
    if (!*name || name[0] == '/' || dotdot(name)) return FD_PATH_OUTSIDE;
    if (!dir || !*dir) dir = ".";
    char *rdir = realpath(dir, NULL);
    if (!rdir) return errno ? errno : ENOENT;
    size_t dl = strlen(rdir), nl = strlen(name);
    char *joined = malloc(dl + nl + 2);
    if (!joined) {
        free(rdir);
        return ENOMEM;
    }
    memcpy(joined, rdir, dl);
    joined[dl] = '/';
    memcpy(joined + dl + 1, name, nl + 1);
    char *r = realpath(joined, NULL);
    int e = errno;
    free(joined);
    if (!r) {
        free(rdir);
        return e ? e : ENOENT;
    }
    /* Inside: rdir itself is no file, so a strict prefix followed by '/'
     * (or rdir == "/", where every path is inside). */
    bool inside = strcmp(rdir, "/") == 0 ||
                  (strncmp(r, rdir, dl) == 0 && r[dl] == '/');
    free(rdir);
    if (!inside) {
        free(r);
        return FD_PATH_OUTSIDE;
    }
    *real = r;
    return 0;
}

/*
 * fuzz_common.c: the temporary folder and the helpers of fuzz_common.h.
 */
#include "fuzz_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>

static char dir[64];

static void remove_dir(void)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    char path[512];
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (unlink(path) != 0) {
            /* a subfolder (runs/) holds files of its own */
            DIR *s = opendir(path);
            struct dirent *f;
            char sub[768];
            while (s && (f = readdir(s))) {
                if (f->d_name[0] == '.') continue;
                snprintf(sub, sizeof sub, "%s/%s", path, f->d_name);
                unlink(sub);
            }
            if (s) closedir(s);
            rmdir(path);
        }
    }
    closedir(d);
    rmdir(dir);
}

const char *fuzz_dir(void)
{
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/fd_fuzz_XXXXXX");
        if (!mkdtemp(dir)) abort();
        atexit(remove_dir);
    }
    return dir;
}

int fuzz_write(const char *name, const void *data, size_t len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", fuzz_dir(), name);
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t n = len ? fwrite(data, 1, len, f) : 0;
    return fclose(f) == 0 && n == len ? 0 : -1;
}

char *fuzz_cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s) abort();
    if (size) memcpy(s, data, size);
    s[size] = 0;
    return s;
}

/*
 * fail_alloc.c: out-of-memory injection for the test build (firedrill-
 * faults), after SQLite's malloc-failure tests.
 *
 * The test build is linked with -Wl,--wrap for malloc, calloc, realloc,
 * strdup and strndup, so every allocation firedrill's own code makes (the
 * engine, the CLI, and the Lua heap through the sandbox's allocator) comes
 * here first. With FIREDRILL_FAIL_ALLOC=N in the environment the Nth of
 * them fails, once; tests/cli/oom.sh runs a command for N = 1, 2, ...
 * and expects each run to end with exit 3 and a message, or to succeed
 * when the failure was recovered from, never a crash. At exit, with
 * FIREDRILL_FAIL_ALLOC set, the number of allocations counted is written
 * to stderr as "fail_alloc: N allocations", so the driver knows where to
 * stop. Libraries' own allocations (libyaml, Jansson, libuv, Lua's
 * internals beyond its allocator) are not counted: --wrap reaches only the
 * objects linked into the binary.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t k, size_t n);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

static long fail_at = -1;     /* -1: not read yet; 0: never */
static long count;

static void report(void)
{
    char buf[64];
    int n = snprintf(buf, sizeof buf, "fail_alloc: %ld allocations\n", count);
    if (n > 0) (void)!write(STDERR_FILENO, buf, (size_t)n);
}

/* True when this allocation is the one to fail; it then sets errno to
 * ENOMEM, as a real allocator's failure does. */
static int fail_now(void)
{
    if (fail_at < 0) {
        const char *e = getenv("FIREDRILL_FAIL_ALLOC");
        fail_at = e ? strtol(e, NULL, 10) : 0;
        if (fail_at < 0) fail_at = 0;
        if (e) atexit(report);
    }
    if (++count != fail_at) return 0;
    errno = ENOMEM;
    return 1;
}

void *__wrap_malloc(size_t n)
{
    return fail_now() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t k, size_t n)
{
    return fail_now() ? NULL : __real_calloc(k, n);
}

void *__wrap_realloc(void *p, size_t n)
{
    /* realloc(p, 0) frees: not an allocation that can fail. */
    if (n == 0) return __real_realloc(p, n);
    return fail_now() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
    return fail_now() ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
    return fail_now() ? NULL : __real_strndup(s, n);
}

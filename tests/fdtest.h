/*
 * fdtest.h: the few macros firedrill's C tests use.
 *
 * A test program is a main() that calls CHECK* and returns fdt_finish().
 * Each failing check prints file:line and what was compared; the program's
 * exit code is non-zero when any check failed, and the last line says
 * "N passed, N failed" so that a failure is visible in ctest's output.
 */
#ifndef FD_TEST_H
#define FD_TEST_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fdt_pass, fdt_fail;

#define CHECK(cond) do { \
    if (cond) fdt_pass++; \
    else { fdt_fail++; fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); } \
} while (0)

#define CHECK_EQ_INT(a, b) do { \
    long long fdt_a = (long long)(a), fdt_b = (long long)(b); \
    if (fdt_a == fdt_b) fdt_pass++; \
    else { fdt_fail++; fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", \
                               __FILE__, __LINE__, #a, #b, fdt_a, fdt_b); } \
} while (0)

/* |a - b| <= tol */
#define CHECK_NEAR(a, b, tol) do { \
    double fdt_a = (double)(a), fdt_b = (double)(b), fdt_t = (double)(tol); \
    if (fabs(fdt_a - fdt_b) <= fdt_t) fdt_pass++; \
    else { fdt_fail++; fprintf(stderr, "%s:%d: %s ~ %s failed: %.9g vs %.9g (tol %.3g)\n", \
                               __FILE__, __LINE__, #a, #b, fdt_a, fdt_b, fdt_t); } \
} while (0)

/* |a - b| <= rel * |b| */
#define CHECK_REL(a, b, rel) CHECK_NEAR(a, b, (rel) * fabs((double)(b)))

#define CHECK_STR(a, b) do { \
    const char *fdt_a = (a), *fdt_b = (b); \
    if (fdt_a && fdt_b && strcmp(fdt_a, fdt_b) == 0) fdt_pass++; \
    else { fdt_fail++; fprintf(stderr, "%s:%d: %s == %s failed: \"%s\" != \"%s\"\n", \
                               __FILE__, __LINE__, #a, #b, fdt_a ? fdt_a : "(null)", \
                               fdt_b ? fdt_b : "(null)"); } \
} while (0)

static inline int fdt_finish(void)
{
    printf("%d passed, %d failed\n", fdt_pass, fdt_fail);
    return fdt_fail ? 1 : 0;
}

#endif

/*
 * test_dist.c: every distribution is checked three ways.
 *
 * 1. Analytic: dist_mean and dist_quantile against values worked out by
 *    hand (or by an independent high-precision computation), so a wrong
 *    formula cannot hide behind a sampler that shares it.
 * 2. Sampler against analytics: with a fixed seed, the sample mean must be
 *    within 5 standard errors (sample sd / sqrt(n)) of dist_mean, and the
 *    sample p-quantile must lie in [Q(p - e), Q(p + e)] where
 *    e = 5 sqrt(p (1 - p) / n) + 1/n is five standard errors of the
 *    empirical CDF at that point (plus one sample of rounding). Working in
 *    probability keeps the tolerance honest for every shape, point masses
 *    included, without needing each density.
 * 3. Validation: each impossible parameter is rejected with a reason.
 *
 * Sizes are fixed so the whole program runs in well under a second at -O2.
 */
#include "fdtest.h"

#include "base/dist.h"

#include <stdint.h>

#define N_SAMPLES 250000

/* Maps a double to an integer with the same order (for non-NaN values): flip
 * every bit of negatives, only the sign bit of the rest. */
static uint64_t order_key(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return (u >> 63) ? ~u : u | ((uint64_t)1 << 63);
}

/* LSD radix sort, a byte per pass: linear time, because qsort's comparator
 * calls alone would take most of this program's time budget. */
static void sort_doubles(double *v, size_t n)
{
    double *tmp = malloc(n * sizeof *tmp);
    if (!tmp) {
        fprintf(stderr, "out of memory\n");
        exit(3);
    }
    double *src = v, *dst = tmp;
    for (int shift = 0; shift < 64; shift += 8) {
        size_t count[257] = {0};
        for (size_t i = 0; i < n; i++) count[((order_key(src[i]) >> shift) & 0xff) + 1]++;
        for (int b = 0; b < 256; b++) count[b + 1] += count[b];
        for (size_t i = 0; i < n; i++) dst[count[(order_key(src[i]) >> shift) & 0xff]++] = src[i];
        double *t = src;
        src = dst;
        dst = t;
    }
    /* Eight passes: the sorted data is back in v. */
    free(tmp);
}

/* n samples of d from a fixed stream, sorted. Caller frees. */
static double *sample_sorted(const Dist *d, const char *stream, size_t n)
{
    Rng r;
    rng_init(&r, 20240601, stream);
    double *v = malloc(n * sizeof *v);
    if (!v) {
        fprintf(stderr, "out of memory\n");
        exit(3);
    }
    for (size_t i = 0; i < n; i++) v[i] = dist_sample(d, &r);
    sort_doubles(v, n);
    size_t disorder = 0;
    for (size_t i = 1; i < n; i++) disorder += v[i] < v[i - 1];
    CHECK_EQ_INT(disorder, 0);
    return v;
}

/* The sample p-quantile: the smallest value with at least p n samples at or
 * below it, matching dist_quantile's generalised inverse. */
static double sample_quantile(const double *sorted, size_t n, double p)
{
    size_t k = (size_t)ceil(p * (double)n);
    if (k < 1) k = 1;
    if (k > n) k = n;
    return sorted[k - 1];
}

static void check_sample_quantile(const Dist *d, const double *sorted, size_t n, double p,
                                  const char *what)
{
    double q = sample_quantile(sorted, n, p);
    double e = 5 * sqrt(p * (1 - p) / (double)n) + 1.0 / (double)n;
    double lo = dist_quantile(d, p - e > 0 ? p - e : 0);
    double hi = dist_quantile(d, p + e < 1 ? p + e : 1);
    if (!(q >= lo && q <= hi))
        fprintf(stderr, "%s: sample p%g = %.9g outside [%.9g, %.9g] (Q = %.9g)\n", what, p * 100,
                q, lo, hi, dist_quantile(d, p));
    CHECK(q >= lo && q <= hi);
}

/* Mean within 5 standard errors; then p50, p90 and p99 within their bands. */
static void check_sampler(const Dist *d, const double *sorted, size_t n, const char *what)
{
    double sum = 0, sumsq = 0;
    for (size_t i = 0; i < n; i++) sum += sorted[i], sumsq += sorted[i] * sorted[i];
    double mean = sum / (double)n;
    double var = sumsq / (double)n - mean * mean;
    double se = sqrt(var > 0 ? var : 0) / sqrt((double)n);
    /* The small absolute term absorbs rounding in the sums when se is 0. */
    if (fabs(mean - dist_mean(d)) > 5 * se + 1e-12 * fabs(dist_mean(d)))
        fprintf(stderr, "%s: sample mean %.9g, dist_mean %.9g, se %.3g\n", what, mean,
                dist_mean(d), se);
    CHECK_NEAR(mean, dist_mean(d), 5 * se + 1e-12 * fabs(dist_mean(d)));
    check_sample_quantile(d, sorted, n, 0.50, what);
    check_sample_quantile(d, sorted, n, 0.90, what);
    check_sample_quantile(d, sorted, n, 0.99, what);
}

static void test_normal_quantile(void)
{
    /* References: Python's statistics.NormalDist and mpmath at 50 digits. */
    CHECK(fd_normal_quantile(0.5) == 0.0);
    CHECK_NEAR(fd_normal_quantile(0.975), 1.9599639845400536, 1e-13);
    CHECK_NEAR(fd_normal_quantile(0.99), 2.3263478740408408, 1e-13);
    CHECK_NEAR(fd_normal_quantile(0.3), -0.52440051270804078, 1e-13);
    CHECK_NEAR(fd_normal_quantile(0.8413447460685429), 1.0, 1e-13);
    CHECK_NEAR(fd_normal_quantile(1e-10), -6.3613409024040562, 1e-12);
    CHECK_NEAR(fd_normal_quantile(1e-20), -9.2623400897984076, 1e-12);
    CHECK_NEAR(fd_normal_quantile(1e-300), -37.047096299361199, 1e-11);

    CHECK(isinf(fd_normal_quantile(0.0)) && fd_normal_quantile(0.0) < 0);
    CHECK(isinf(fd_normal_quantile(1.0)) && fd_normal_quantile(1.0) > 0);
    CHECK(isnan(fd_normal_quantile(NAN)));
    CHECK(isfinite(fd_normal_quantile(4.9406564584124654e-324)));

    /* Round trip through Phi (via erfc) across the whole range, in relative
     * terms of the tail probability; and exact symmetry and monotonicity.
     * Acklam alone is good to ~1e-9, so 1e-12 shows the Halley step works. */
    int roundtrip = 0, symmetric = 0, increasing = 0, points = 0;
    double prev = -INFINITY;
    for (int i = 1; i < 2048; i++) {
        /* Dyadic p in (0, 0.5): 1 - p and 1 - (1 - p) are exact, so the
         * symmetry below compares like with like. */
        double p = (double)i / 4096;
        double x = fd_normal_quantile(p);
        double phi = 0.5 * erfc(-x / sqrt(2.0));
        roundtrip += fabs(phi - p) <= 1e-12 * p;
        symmetric += fd_normal_quantile(1 - p) == -x;
        increasing += x > prev;
        prev = x;
        points++;
    }
    CHECK_EQ_INT(roundtrip, points);
    CHECK_EQ_INT(symmetric, points);
    CHECK_EQ_INT(increasing, points);

    int tail_ok = 0, tails = 0;
    for (double p = 1e-300; p < 0.03; p *= 7.3) {
        double x = fd_normal_quantile(p);
        tail_ok += fabs(0.5 * erfc(-x / sqrt(2.0)) - p) <= 1e-12 * p;
        tails++;
    }
    CHECK_EQ_INT(tail_ok, tails);

    /* The rough quantile (what sampling uses) is Acklam's alone: within
     * 1.15e-9 of the refined one, relative, over the range the draws cover
     * ((k + 1/2) * 2^-52 .. 1 - that), with the same symmetry. */
    int rough_ok = 0, rough_sym = 0, rough_n = 0;
    for (double g = 0x1.0p-53; g < 0.5; g *= 1.37) {
        /* on the draws' grid, where 1 - p is exact */
        double p = (floor(g * 0x1.0p52) + 0.5) * 0x1.0p-52;
        double x = fd_normal_quantile(p), y = fd_normal_quantile_rough(p);
        rough_ok += fabs(y - x) <= 1.2e-9 * fabs(x);
        rough_sym += fd_normal_quantile_rough(1 - p) == -y;
        rough_n++;
    }
    CHECK_EQ_INT(rough_ok, rough_n);
    CHECK_EQ_INT(rough_sym, rough_n);
    CHECK(fd_normal_quantile_rough(0.5) == 0.0);
    CHECK(isinf(fd_normal_quantile_rough(0.0)) && isnan(fd_normal_quantile_rough(NAN)));
}

static void test_const(void)
{
    Dist d;
    const char *why = NULL;
    CHECK_EQ_INT(dist_const(&d, 3.5, &why), 0);
    CHECK(dist_mean(&d) == 3.5);
    CHECK(dist_quantile(&d, 0) == 3.5 && dist_quantile(&d, 1) == 3.5);
    double *s = sample_sorted(&d, "const", 1000);
    CHECK(s[0] == 3.5 && s[999] == 3.5);
    check_sampler(&d, s, 1000, "const");
    free(s);
    dist_free(&d);

    /* A constant may be negative or zero: dist knows nothing of units. */
    CHECK_EQ_INT(dist_const(&d, -2, NULL), 0);
    CHECK(dist_mean(&d) == -2);
    dist_free(&d);
}

static void test_uniform(void)
{
    Dist d;
    CHECK_EQ_INT(dist_uniform(&d, 2, 5, NULL), 0);
    CHECK(dist_mean(&d) == 3.5);
    CHECK_NEAR(dist_quantile(&d, 0.9), 4.7, 1e-15);
    CHECK(dist_quantile(&d, 0) == 2 && dist_quantile(&d, 1) == 5);
    double *s = sample_sorted(&d, "uniform", N_SAMPLES);
    CHECK(s[0] >= 2 && s[N_SAMPLES - 1] < 5);
    check_sampler(&d, s, N_SAMPLES, "uniform");
    free(s);
    dist_free(&d);

    /* A degenerate range is a constant. */
    CHECK_EQ_INT(dist_uniform(&d, 1, 1, NULL), 0);
    Rng r;
    rng_init(&r, 1, "deg");
    CHECK(dist_sample(&d, &r) == 1);
    dist_free(&d);
}

static void test_exp(void)
{
    Dist d;
    CHECK_EQ_INT(dist_exp(&d, 0.2, NULL), 0);
    CHECK(dist_mean(&d) == 0.2);
    CHECK_NEAR(dist_quantile(&d, 0.5), 0.2 * log(2.0), 1e-15);
    CHECK_NEAR(dist_quantile(&d, 0.99), 0.2 * log(100.0), 1e-14);
    CHECK(dist_quantile(&d, 0) == 0);
    CHECK(isinf(dist_quantile(&d, 1)));
    double *s = sample_sorted(&d, "exp", N_SAMPLES);
    CHECK(s[0] >= 0 && isfinite(s[N_SAMPLES - 1]));
    check_sampler(&d, s, N_SAMPLES, "exp");
    free(s);
    dist_free(&d);
}

static void test_lognormal(void)
{
    Dist d;
    CHECK_EQ_INT(dist_lognormal(&d, 0.05, 0.2, NULL), 0);
    /* sigma = ln(p99 / median) / z_0.99 */
    double sigma = log(4.0) / 2.3263478740408408;
    CHECK_NEAR(d.a, log(0.05), 1e-15);
    CHECK_NEAR(d.b, sigma, 1e-15);
    CHECK_REL(dist_quantile(&d, 0.5), 0.05, 1e-12);
    CHECK_REL(dist_quantile(&d, 0.99), 0.2, 1e-12);
    CHECK_REL(dist_mean(&d), 0.05 * exp(sigma * sigma / 2), 1e-12);

    /* The parameters the user wrote must come back out of the sampler. At
     * this n the sample p99 has a standard error of ~0.45%, the median ~0.15%. */
    double *s = sample_sorted(&d, "lognormal", N_SAMPLES);
    CHECK_REL(sample_quantile(s, N_SAMPLES, 0.50), 0.05, 0.02);
    CHECK_REL(sample_quantile(s, N_SAMPLES, 0.99), 0.2, 0.02);
    CHECK(s[0] > 0);
    check_sampler(&d, s, N_SAMPLES, "lognormal");
    free(s);
    dist_free(&d);

    /* A heavy tail (sigma ~ 1.3): the mean sits far above the median. */
    CHECK_EQ_INT(dist_lognormal(&d, 0.1, 2.0, NULL), 0);
    CHECK_REL(dist_quantile(&d, 0.99), 2.0, 1e-12);
    CHECK(dist_mean(&d) > 0.2);
    s = sample_sorted(&d, "lognormal.wide", N_SAMPLES);
    check_sampler(&d, s, N_SAMPLES, "lognormal.wide");
    free(s);
    dist_free(&d);
}

/* A point mass of 0.2 at 1, then linear pieces: 0.3 on [1,2], 0.4 on [2,4],
 * 0.1 on [4,10]. Mean = 0.2*1 + 0.3*1.5 + 0.4*3 + 0.1*7 = 2.55. */
static void test_empirical(void)
{
    static const double xs[] = {1, 2, 4, 10};
    static const double ps[] = {0.2, 0.5, 0.9, 1.0};
    Dist d;
    CHECK_EQ_INT(dist_empirical(&d, xs, ps, 4, NULL), 0);
    CHECK_NEAR(dist_mean(&d), 2.55, 1e-14);
    CHECK(dist_quantile(&d, 0) == 1);
    CHECK(dist_quantile(&d, 0.1) == 1);
    CHECK(dist_quantile(&d, 0.2) == 1);
    CHECK_NEAR(dist_quantile(&d, 0.35), 1.5, 1e-14);
    CHECK(dist_quantile(&d, 0.5) == 2);
    CHECK_NEAR(dist_quantile(&d, 0.7), 3, 1e-14);
    CHECK(dist_quantile(&d, 0.9) == 4);
    CHECK_NEAR(dist_quantile(&d, 0.95), 7, 1e-13);
    CHECK(dist_quantile(&d, 1) == 10);

    double *s = sample_sorted(&d, "empirical", N_SAMPLES);
    size_t at_one = 0;
    for (size_t i = 0; i < N_SAMPLES; i++) at_one += s[i] == 1.0;
    /* The point mass: 0.2, standard error 8e-4. */
    CHECK_NEAR((double)at_one / N_SAMPLES, 0.2, 4e-3);
    CHECK(s[0] == 1 && s[N_SAMPLES - 1] <= 10);
    check_sampler(&d, s, N_SAMPLES, "empirical");
    free(s);

    /* The table is copied: the caller's arrays may go away. */
    CHECK(d.xs != xs && d.ps != ps);
    dist_free(&d);
    CHECK(d.xs == NULL && d.ps == NULL && d.n == 0);
    dist_free(&d); /* twice is harmless */
}

/* Equal ps leave a gap with no mass; equal xs make a point mass. */
static void test_empirical_gap_and_atom(void)
{
    Dist d;
    /* Half on [0,1], half on [5,6], nothing in between. Mean 0.25 + 2.75. */
    static const double gx[] = {0, 1, 5, 6};
    static const double gp[] = {0, 0.5, 0.5, 1};
    CHECK_EQ_INT(dist_empirical(&d, gx, gp, 4, NULL), 0);
    CHECK_NEAR(dist_mean(&d), 3.0, 1e-14);
    CHECK(dist_quantile(&d, 0.5) == 1);
    CHECK(dist_quantile(&d, nextafter(0.5, 1)) >= 5);
    CHECK_NEAR(dist_quantile(&d, 0.75), 5.5, 1e-14);
    double *s = sample_sorted(&d, "gap", N_SAMPLES);
    size_t in_gap = 0;
    for (size_t i = 0; i < N_SAMPLES; i++) in_gap += s[i] > 1 && s[i] < 5;
    CHECK_EQ_INT(in_gap, 0);
    check_sampler(&d, s, N_SAMPLES, "gap");
    free(s);
    dist_free(&d);

    /* 0.4 on [0,3], a mass of 0.5 at 3, 0.1 on [3,4]. Mean 0.6 + 1.5 + 0.35. */
    static const double ax[] = {0, 3, 3, 4};
    static const double ap[] = {0, 0.4, 0.9, 1};
    CHECK_EQ_INT(dist_empirical(&d, ax, ap, 4, NULL), 0);
    CHECK_NEAR(dist_mean(&d), 2.45, 1e-14);
    CHECK(dist_quantile(&d, 0.5) == 3 && dist_quantile(&d, 0.9) == 3);
    CHECK_NEAR(dist_quantile(&d, 0.95), 3.5, 1e-14);
    s = sample_sorted(&d, "atom", N_SAMPLES);
    size_t at_three = 0;
    for (size_t i = 0; i < N_SAMPLES; i++) at_three += s[i] == 3.0;
    CHECK_NEAR((double)at_three / N_SAMPLES, 0.5, 5e-3); /* se 1e-3 */
    check_sampler(&d, s, N_SAMPLES, "atom");
    free(s);
    dist_free(&d);

    /* One point with p = 1 is a constant. */
    static const double one_x[] = {7}, one_p[] = {1};
    CHECK_EQ_INT(dist_empirical(&d, one_x, one_p, 1, NULL), 0);
    Rng r;
    rng_init(&r, 1, "one");
    CHECK(dist_sample(&d, &r) == 7 && dist_mean(&d) == 7 && dist_quantile(&d, 0.3) == 7);
    dist_free(&d);
}

static void test_copy(void)
{
    static const double xs[] = {1, 2, 4, 10};
    static const double ps[] = {0.2, 0.5, 0.9, 1.0};
    Dist src, dst;
    CHECK_EQ_INT(dist_empirical(&src, xs, ps, 4, NULL), 0);
    CHECK_EQ_INT(dist_copy(&dst, &src), 0);
    CHECK(dst.kind == DIST_EMPIRICAL && dst.n == 4);
    CHECK(dst.xs != src.xs && dst.ps != src.ps);
    CHECK(memcmp(dst.xs, xs, sizeof xs) == 0 && memcmp(dst.ps, ps, sizeof ps) == 0);
    /* Freeing the source must leave the copy whole (ASan would see a
     * use-after-free here if the copy were shallow, a double free below). */
    dist_free(&src);
    CHECK_NEAR(dist_mean(&dst), 2.55, 1e-14);
    CHECK_NEAR(dist_quantile(&dst, 0.7), 3, 1e-14);
    dist_free(&dst);

    /* Other kinds copy by value. */
    CHECK_EQ_INT(dist_lognormal(&src, 0.05, 0.2, NULL), 0);
    CHECK_EQ_INT(dist_copy(&dst, &src), 0);
    CHECK(dst.kind == DIST_LOGNORMAL && dst.a == src.a && dst.b == src.b);
    Rng r1, r2;
    rng_init(&r1, 9, "copy");
    rng_init(&r2, 9, "copy");
    CHECK(dist_sample(&src, &r1) == dist_sample(&dst, &r2));
    dist_free(&src);
    dist_free(&dst);
}

/* Every constructor rejects impossible input with a reason, and leaves a Dist
 * that dist_free accepts. */
static int rejects(int rc, Dist *d, const char *why)
{
    int ok = rc == -1 && why != NULL && why[0] != '\0';
    if (!ok) fprintf(stderr, "expected rejection, got rc %d why %s\n", rc, why ? why : "(null)");
    dist_free(d);
    return ok;
}

static void test_invalid(void)
{
    Dist d;
    const char *why;
    /* The call runs before `why` is read: argument order is unspecified. */
#define REJECT(call) do { why = NULL; int rc_ = (call); CHECK(rejects(rc_, &d, why)); } while (0)
    REJECT(dist_const(&d, NAN, &why));
    REJECT(dist_const(&d, INFINITY, &why));

    REJECT(dist_uniform(&d, 5, 2, &why));
    REJECT(dist_uniform(&d, NAN, 2, &why));
    REJECT(dist_uniform(&d, 0, INFINITY, &why));
    REJECT(dist_uniform(&d, -1e308, 1e308, &why));

    REJECT(dist_exp(&d, -1, &why));
    REJECT(dist_exp(&d, 0, &why));
    REJECT(dist_exp(&d, NAN, &why));
    REJECT(dist_exp(&d, INFINITY, &why));

    REJECT(dist_lognormal(&d, 0.2, 0.05, &why));
    REJECT(dist_lognormal(&d, 0.2, 0.2, &why));
    REJECT(dist_lognormal(&d, 0, 1, &why));
    REJECT(dist_lognormal(&d, -1, 1, &why));
    REJECT(dist_lognormal(&d, NAN, 1, &why));
    REJECT(dist_lognormal(&d, 0.1, NAN, &why));
    REJECT(dist_lognormal(&d, 0.1, INFINITY, &why));
    REJECT(dist_lognormal(&d, 1e10, nextafter(1e10, 2e10), &why)); /* sigma rounds to 0 */

    static const double x_ok[] = {1, 2, 3};
    static const double p_ok[] = {0.1, 0.5, 1.0};
    static const double x_down[] = {1, 3, 2};
    static const double x_nan[] = {1, NAN, 3};
    static const double x_inf[] = {1, 2, INFINITY};
    static const double p_down[] = {0.5, 0.4, 1.0};
    static const double p_short[] = {0.1, 0.5, 0.9};
    static const double p_over[] = {0.1, 1.5, 1.0};
    static const double p_neg[] = {-0.1, 0.5, 1.0};
    static const double p_nan[] = {0.1, NAN, 1.0};
    REJECT(dist_empirical(&d, x_ok, p_ok, 0, &why));
    REJECT(dist_empirical(&d, x_down, p_ok, 3, &why));
    REJECT(dist_empirical(&d, x_nan, p_ok, 3, &why));
    REJECT(dist_empirical(&d, x_inf, p_ok, 3, &why));
    REJECT(dist_empirical(&d, x_ok, p_down, 3, &why));
    REJECT(dist_empirical(&d, x_ok, p_short, 3, &why));
    REJECT(dist_empirical(&d, x_ok, p_over, 3, &why));
    REJECT(dist_empirical(&d, x_ok, p_neg, 3, &why));
    REJECT(dist_empirical(&d, x_ok, p_nan, 3, &why));
#undef REJECT

    /* The reasons tell the cases apart. */
    const char *w1 = NULL, *w2 = NULL;
    dist_lognormal(&d, 0.2, 0.05, &w1);
    dist_lognormal(&d, -1, 1, &w2);
    CHECK(w1 && w2 && strcmp(w1, w2) != 0);

    /* why may be NULL. */
    CHECK_EQ_INT(dist_exp(&d, -1, NULL), -1);
    CHECK_EQ_INT(dist_empirical(&d, x_ok, p_down, 3, NULL), -1);
    dist_free(&d);
}

int main(void)
{
    test_normal_quantile();
    test_const();
    test_uniform();
    test_exp();
    test_lognormal();
    test_empirical();
    test_empirical_gap_and_atom();
    test_copy();
    test_invalid();
    return fdt_finish();
}

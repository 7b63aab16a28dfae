/*
 * dist.c: the model's distributions (see dist.h for the contract).
 *
 * Every kind is sampled by inverse transform where that is cheap, so one
 * sample consumes one draw (lognormal: one rng_normal, which is itself one
 * draw). Keeping the draw count fixed keeps streams aligned when a scenario
 * swaps one distribution for another.
 *
 * Parameters are checked once, in the constructors: a bad value in a
 * scenario must surface as a diagnostic at load time, never as a NaN in a
 * report. Negative values are allowed wherever they are meaningful (a
 * constant, the bounds of a uniform, an empirical table's values), because
 * dist knows nothing of units; only the exponential's mean and the
 * lognormal's median and p99 must be positive.
 *
 * State: every constructor first sets *d to an empty constant, so dist_free
 * is safe on a Dist whose construction failed. dist_free may be called twice.
 * dist_copy treats *dst as uninitialised (it does not free what was there).
 *
 * The empirical CDF is piecewise linear between the table's points, with a
 * point mass ps[0] at xs[0]. Equal xs make a further point mass; equal ps make
 * a gap with no mass. dist_mean and dist_quantile are exact for that CDF.
 */
#include "base/dist.h"

#include <assert.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* z such that P(Z <= z) = 0.99 for a standard normal. */
#define Z_P99 2.3263478740408408
/* M_PI and M_SQRT2 are not ISO C; spell them out. */
#define SQRT_2 1.41421356237309504880
#define SQRT_2PI 2.50662827463100050242

static void set_reason(const char **why, const char *reason)
{
    if (why) *why = reason;
}

static void dist_clear(Dist *d)
{
    memset(d, 0, sizeof *d);
    d->kind = DIST_CONST;
}

int dist_const(Dist *d, double v, const char **why)
{
    dist_clear(d);
    if (!isfinite(v)) {
        set_reason(why, "constant must be a finite number");
        return -1;
    }
    d->a = v;
    return 0;
}

int dist_uniform(Dist *d, double lo, double hi, const char **why)
{
    dist_clear(d);
    if (!isfinite(lo) || !isfinite(hi)) {
        set_reason(why, "uniform bounds must be finite numbers");
        return -1;
    }
    if (lo > hi) {
        set_reason(why, "uniform lower bound is above the upper bound");
        return -1;
    }
    /* The sampler computes hi - lo; it must not overflow. */
    if (!isfinite(hi - lo)) {
        set_reason(why, "uniform range is too wide");
        return -1;
    }
    d->kind = DIST_UNIFORM;
    d->a = lo;
    d->b = hi;
    return 0;
}

int dist_exp(Dist *d, double mean, const char **why)
{
    dist_clear(d);
    if (!isfinite(mean)) {
        set_reason(why, "exponential mean must be a finite number");
        return -1;
    }
    /* Mean 0 would be a constant 0 in disguise (and sample -0.0); say so. */
    if (mean <= 0) {
        set_reason(why, "exponential mean must be positive");
        return -1;
    }
    d->kind = DIST_EXP;
    d->a = mean;
    return 0;
}

int dist_lognormal(Dist *d, double median, double p99, const char **why)
{
    dist_clear(d);
    if (!isfinite(median) || !isfinite(p99)) {
        set_reason(why, "lognormal median and p99 must be finite numbers");
        return -1;
    }
    if (median <= 0) {
        set_reason(why, "lognormal median must be positive");
        return -1;
    }
    if (p99 <= median) {
        set_reason(why, "lognormal p99 must be greater than the median");
        return -1;
    }
    double mu = log(median);
    double sigma = (log(p99) - mu) / Z_P99;
    /* p99 a hair above the median can round to the same logarithm. */
    if (!(sigma > 0) || !isfinite(sigma)) {
        set_reason(why, "lognormal p99 is too close to the median");
        return -1;
    }
    d->kind = DIST_LOGNORMAL;
    d->a = mu;
    d->b = sigma;
    return 0;
}

int dist_empirical(Dist *d, const double *xs, const double *ps, size_t n, const char **why)
{
    dist_clear(d);
    if (n == 0) {
        set_reason(why, "empirical table is empty");
        return -1;
    }
    assert(xs && ps);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(xs[i])) {
            set_reason(why, "empirical value must be a finite number");
            return -1;
        }
        if (!(ps[i] >= 0 && ps[i] <= 1)) { /* also catches NaN */
            set_reason(why, "empirical probability must be between 0 and 1");
            return -1;
        }
        if (i > 0 && xs[i] < xs[i - 1]) {
            set_reason(why, "empirical values must not decrease");
            return -1;
        }
        if (i > 0 && ps[i] < ps[i - 1]) {
            set_reason(why, "empirical probabilities must not decrease");
            return -1;
        }
    }
    if (ps[n - 1] != 1) {
        set_reason(why, "empirical table must end at probability 1");
        return -1;
    }
    double *x = malloc(n * sizeof *x);
    double *p = malloc(n * sizeof *p);
    if (!x || !p) {
        free(x);
        free(p);
        set_reason(why, "out of memory");
        return -1;
    }
    memcpy(x, xs, n * sizeof *x);
    memcpy(p, ps, n * sizeof *p);
    d->kind = DIST_EMPIRICAL;
    d->xs = x;
    d->ps = p;
    d->n = n;
    return 0;
}

/* The generalised inverse inf{x : F(x) >= p} of the piecewise-linear CDF. */
static double empirical_quantile(const Dist *d, double p)
{
    const double *xs = d->xs, *ps = d->ps;
    if (p <= ps[0]) return xs[0];
    /* The first i with ps[i] >= p; it exists because ps[n-1] == 1 >= p, and
     * i >= 1 because ps[0] < p. */
    size_t lo = 1, hi = d->n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ps[mid] >= p) hi = mid;
        else lo = mid + 1;
    }
    size_t i = lo;
    /* ps[i-1] < p <= ps[i], so the segment has positive height. */
    double t = (p - ps[i - 1]) / (ps[i] - ps[i - 1]);
    return xs[i - 1] + t * (xs[i] - xs[i - 1]);
}

double dist_sample(const Dist *d, Rng *r)
{
    switch (d->kind) {
    case DIST_CONST:
        return d->a;
    case DIST_UNIFORM:
        return d->a + (d->b - d->a) * rng_uniform(r);
    case DIST_EXP:
        /* (0, 1] keeps the logarithm finite. */
        return -d->a * log(rng_uniform_pos(r));
    case DIST_LOGNORMAL:
        return exp(d->a + d->b * rng_normal(r));
    case DIST_EMPIRICAL:
        return empirical_quantile(d, rng_uniform(r));
    }
    assert(!"unknown distribution kind");
    return NAN;
}

double dist_mean(const Dist *d)
{
    switch (d->kind) {
    case DIST_CONST:
        return d->a;
    case DIST_UNIFORM:
        return d->a + (d->b - d->a) / 2;
    case DIST_EXP:
        return d->a;
    case DIST_LOGNORMAL:
        /* May overflow to +inf for an absurdly wide lognormal; that is the
         * honest answer. */
        return exp(d->a + d->b * d->b / 2);
    case DIST_EMPIRICAL: {
        /* The point mass at xs[0], then each linear segment contributes its
         * probability times its midpoint. */
        double m = d->ps[0] * d->xs[0];
        for (size_t i = 1; i < d->n; i++)
            m += (d->ps[i] - d->ps[i - 1]) * (d->xs[i - 1] + d->xs[i]) / 2;
        return m;
    }
    }
    assert(!"unknown distribution kind");
    return NAN;
}

double dist_quantile(const Dist *d, double p)
{
    assert(p >= 0 && p <= 1);
    switch (d->kind) {
    case DIST_CONST:
        return d->a;
    case DIST_UNIFORM:
        return d->a + (d->b - d->a) * p;
    case DIST_EXP:
        return -d->a * log1p(-p);
    case DIST_LOGNORMAL:
        return exp(d->a + d->b * fd_normal_quantile(p));
    case DIST_EMPIRICAL:
        return empirical_quantile(d, p);
    }
    assert(!"unknown distribution kind");
    return NAN;
}

int dist_copy(Dist *dst, const Dist *src)
{
    if (dst == src) return 0;
    *dst = *src;
    if (src->kind != DIST_EMPIRICAL) return 0;
    double *x = malloc(src->n * sizeof *x);
    double *p = malloc(src->n * sizeof *p);
    if (!x || !p) {
        free(x);
        free(p);
        dist_clear(dst);
        return -1;
    }
    memcpy(x, src->xs, src->n * sizeof *x);
    memcpy(p, src->ps, src->n * sizeof *p);
    dst->xs = x;
    dst->ps = p;
    return 0;
}

void dist_free(Dist *d)
{
    free(d->xs);
    free(d->ps);
    dist_clear(d);
}

/*
 * Acklam's rational approximation (relative error < 1.15e-9). Only the lower
 * half is computed: for p > 1/2, 1 - p is exact (Sterbenz), and working with
 * the small tail probability keeps the refinement's residual meaningful where
 * p itself would have lost its low digits; it also makes the function exactly
 * odd about 1/2.
 */
double fd_normal_quantile_rough(double p)
{
    static const double a[6] = {
        -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
        1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
    static const double b[5] = {
        -5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
        6.680131188771972e+01, -1.328068155288572e+01};
    static const double c[6] = {
        -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
        -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
    static const double dd[4] = {
        7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
        3.754408661907416e+00};
    const double p_low = 0.02425;

    if (isnan(p)) return NAN;
    if (p <= 0) return -INFINITY;
    if (p >= 1) return INFINITY;
    if (p > 0.5) return -fd_normal_quantile_rough(1 - p);
    if (p < p_low) {
        double q = sqrt(-2 * log(p));
        return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
               ((((dd[0] * q + dd[1]) * q + dd[2]) * q + dd[3]) * q + 1);
    }
    double q = p - 0.5, r = q * q;
    return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
           (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/* The rough estimate, then one Halley step on f(x) = Phi(x) - p, which
 * roughly triples the number of correct digits. */
double fd_normal_quantile(double p)
{
    if (isnan(p) || p <= 0 || p >= 1) return fd_normal_quantile_rough(p);
    if (p > 0.5) return -fd_normal_quantile(1 - p);
    double x = fd_normal_quantile_rough(p);

    /* Halley: e is the residual in probability, u = e / phi(x). Below
     * p ~ 1e-300 phi(x) underflows and u is not finite; Acklam's estimate
     * (relative error ~1e-9) then stands alone. */
    double e = 0.5 * erfc(-x / SQRT_2) - p;
    double u = e * SQRT_2PI * exp(x * x / 2);
    if (isfinite(u)) x = x - u / (1 + x * u / 2);
    return x;
}

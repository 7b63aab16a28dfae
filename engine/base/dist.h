/*
 * dist.h: the distributions the model draws from.
 *
 * A Dist is a small value (copyable) except for the empirical kind, which
 * owns its table; call dist_free() on every Dist you initialise. Values are
 * plain doubles in whatever unit the caller uses (the model uses seconds for
 * durations).
 *
 *   constant   always `a`
 *   uniform    on [a, b]
 *   exp        exponential with mean `a`
 *   lognormal  given its median and its 99th percentile (p99 > median > 0)
 *   empirical  a table of (value, cumulative probability) points, sampled by
 *              inverse transform with linear interpolation between points
 *
 * Constructors return 0 on success and -1 on impossible parameters (a
 * negative mean, p99 <= median, a table that is not increasing...), leaving a
 * short reason in *why when why is not NULL.
 */
#ifndef FD_DIST_H
#define FD_DIST_H

#include <stddef.h>
#include "base/rng.h"

typedef enum DistKind {
    DIST_CONST,
    DIST_UNIFORM,
    DIST_EXP,
    DIST_LOGNORMAL,
    DIST_EMPIRICAL
} DistKind;

typedef struct Dist {
    DistKind kind;
    double a, b;          /* const: a; uniform: [a,b]; exp: mean a; lognormal: mu a, sigma b */
    double *xs, *ps;      /* empirical: values and cumulative probabilities, owned */
    size_t n;
} Dist;

int dist_const(Dist *d, double v, const char **why);
int dist_uniform(Dist *d, double lo, double hi, const char **why);
int dist_exp(Dist *d, double mean, const char **why);
int dist_lognormal(Dist *d, double median, double p99, const char **why);
/* Copies the table. ps must rise from >= 0 to exactly 1; xs must not fall. */
int dist_empirical(Dist *d, const double *xs, const double *ps, size_t n, const char **why);

double dist_sample(const Dist *d, Rng *r);
double dist_mean(const Dist *d);
/* The p-quantile, 0 <= p <= 1. */
double dist_quantile(const Dist *d, double p);

/* Deep copy (the empirical table is duplicated). Returns 0, or -1 on OOM. */
int dist_copy(Dist *dst, const Dist *src);
void dist_free(Dist *d);

/* The standard normal quantile function (Acklam's rational approximation
 * refined by one Halley step; |error| < 1e-12). */
double fd_normal_quantile(double p);

/* Acklam's approximation alone: relative error < 1.15e-9, about a third of
 * the cost (no erfc, no exp). What sampling uses: an error of a part in 10^9
 * of a deviate is far below anything a nanosecond clock can show. */
double fd_normal_quantile_rough(double p);

#endif

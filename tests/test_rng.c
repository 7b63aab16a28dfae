/*
 * test_rng.c: the generator is the root of every replay, so these tests pin
 * its bits (reference vectors and golden outputs) as well as its statistics.
 *
 * The golden values were computed by an independent Python transcription of
 * the algorithms as documented in rng.h/rng.c, not by printing this C code's
 * output, so they check the implementation against its spec. If one of them
 * changes, every recorded timeline changes with it: that is a breaking
 * change, never a test to update casually.
 *
 * Statistical checks use fixed seeds, so they are deterministic; their
 * tolerances are several standard errors wide, so a correct generator passes
 * with a wide margin while a biased one (off by a percent or more) fails.
 */
#include "fdtest.h"

#include "base/rng.h"

#include <stdint.h>

#define N_BIG 1000000

/* A state whose next output is all ones (the output depends on s[1] only;
 * found by inverting the scrambler: s1 = rotr(~0 * 9^-1, 7) * 5^-1). */
static void set_next_all_ones(Rng *r)
{
    r->s[0] = r->s[2] = r->s[3] = 0;
    r->s[1] = 0x4fc71c71c71c71c7u;
}

/* Published reference vectors for the two building blocks, reached through
 * the public API: SplitMix64 from state 0 fills the xoshiro state, and
 * xoshiro256** from {1, 2, 3, 4}. */
static void test_reference_vectors(void)
{
    Rng r;
    rng_init_raw(&r, 0);
    CHECK(r.s[0] == 0xe220a8397b1dcdafu);
    CHECK(r.s[1] == 0x6e789e6aa1b965f4u);
    CHECK(r.s[2] == 0x06c45d188009454fu);
    CHECK(r.s[3] == 0xf88bb8a8724c81ecu);

    r.s[0] = 1, r.s[1] = 2, r.s[2] = 3, r.s[3] = 4;
    CHECK(rng_next(&r) == 11520u);
    CHECK(rng_next(&r) == 0u);
    CHECK(rng_next(&r) == 1509978240u);
    CHECK(rng_next(&r) == 1215971899390074240u);
}

static void test_golden(void)
{
    CHECK(rng_stream_seed(42, "traffic") == 0xdaaed908f1b93707u);
    CHECK(rng_stream_seed(1, "traffic") == 0x12740de0f34378c6u);
    CHECK(rng_stream_seed(42, NULL) == 0x57e1faba65107204u);
    CHECK(rng_stream_seed(42, "") == 0xe400267a6e983482u);
    CHECK(rng_stream_seed(0, NULL) == 0xa706dd2f4d197e6fu);

    Rng r;
    rng_init(&r, 42, "traffic");
    CHECK(rng_next(&r) == 0xd8f6396cb6f62f0au);
    CHECK(rng_next(&r) == 0x0a317c7431e6ea64u);
    CHECK(rng_next(&r) == 0x74a744bd58b43d93u);
    CHECK(rng_next(&r) == 0xd0032bc96f189298u);

    rng_init_raw(&r, 0);
    CHECK(rng_next(&r) == 0x99ec5f36cb75f2b4u);
    CHECK(rng_next(&r) == 0xbf6e1f784956452au);

    rng_init(&r, 7, "svc");
    CHECK(rng_uniform(&r) == 0.682228395074946);
    CHECK(rng_uniform(&r) == 0.35964915638766715);
    CHECK(rng_uniform(&r) == 0.16928582851364604);

    static const uint64_t below6[10] = {5, 0, 2, 4, 5, 4, 0, 0, 2, 0};
    rng_init(&r, 42, "traffic");
    for (int i = 0; i < 10; i++) CHECK_EQ_INT(rng_below(&r, 6), below6[i]);

    static const uint64_t below_big[5] = {847509, 39817, 455678, 812550, 926139};
    rng_init(&r, 42, "traffic");
    for (int i = 0; i < 5; i++) CHECK_EQ_INT(rng_below(&r, 1000003), below_big[i]);
}

static void test_same_seed_same_sequence(void)
{
    Rng a, b;
    rng_init(&a, 12345, "db.latency");
    rng_init(&b, 12345, "db.latency");
    int same = 0;
    for (int i = 0; i < 1000; i++) same += rng_next(&a) == rng_next(&b);
    CHECK_EQ_INT(same, 1000);
}

/* Counts equal outputs at equal positions; for independent streams the
 * expected count is 1000 / 2^64, i.e. 0. */
static int count_equal(Rng *a, Rng *b)
{
    int same = 0;
    for (int i = 0; i < 1000; i++) same += rng_next(a) == rng_next(b);
    return same;
}

static void test_streams_differ(void)
{
    Rng a, b;
    rng_init(&a, 12345, "db.latency");
    rng_init(&b, 12345, "db.latency2");
    CHECK_EQ_INT(count_equal(&a, &b), 0);

    rng_init(&a, 12345, "db.latency");
    rng_init(&b, 12346, "db.latency");
    CHECK_EQ_INT(count_equal(&a, &b), 0);

    /* The root stream is not the empty-named stream. */
    rng_init(&a, 12345, NULL);
    rng_init(&b, 12345, "");
    CHECK_EQ_INT(count_equal(&a, &b), 0);

    /* Seed 0 and the empty name are ordinary inputs, not degenerate ones. */
    rng_init(&a, 0, "");
    uint64_t or_all = 0;
    for (int i = 0; i < 16; i++) or_all |= rng_next(&a);
    CHECK(or_all != 0);
}

/* Neighbouring names ("svc1", "svc2") must not give correlated draws. The
 * sample correlation of independent uniforms has standard error 1/sqrt(n). */
static void test_neighbour_streams_uncorrelated(void)
{
    const int n = 200000;
    Rng a, b;
    rng_init(&a, 99, "svc1");
    rng_init(&b, 99, "svc2");
    double sa = 0, sb = 0, sab = 0, saa = 0, sbb = 0;
    for (int i = 0; i < n; i++) {
        double x = rng_uniform(&a), y = rng_uniform(&b);
        sa += x, sb += y, sab += x * y, saa += x * x, sbb += y * y;
    }
    double cov = sab / n - (sa / n) * (sb / n);
    double corr = cov / sqrt((saa / n - (sa / n) * (sa / n)) * (sbb / n - (sb / n) * (sb / n)));
    CHECK_NEAR(corr, 0.0, 5.0 / sqrt((double)n));
}

/* Streams created in a different order, with an extra stream in between,
 * and drawn in a different interleaving, give the same draws. */
static void test_creation_order_independent(void)
{
    enum { K = 64 };
    static const char *names[3] = {"alpha", "beta", "gamma"};
    uint64_t first[3][K], second[3][K];

    Rng s1[3];
    for (int j = 0; j < 3; j++) rng_init(&s1[j], 2024, names[j]);
    for (int i = 0; i < K; i++)
        for (int j = 0; j < 3; j++) first[j][i] = rng_next(&s1[j]);

    Rng extra, s2[3];
    rng_init(&s2[2], 2024, "gamma");
    rng_init(&extra, 2024, "delta");
    rng_init(&s2[0], 2024, "alpha");
    (void)rng_next(&extra);
    rng_init(&s2[1], 2024, "beta");
    for (int j = 2; j >= 0; j--)
        for (int i = 0; i < K; i++) {
            second[j][i] = rng_next(&s2[j]);
            (void)rng_next(&extra);
        }

    CHECK(memcmp(first, second, sizeof first) == 0);
}

static void test_uniform(void)
{
    Rng r;
    rng_init(&r, 1, "uniform");
    double sum = 0, sumsq = 0, lo = 1, hi = 0;
    int low_decile = 0;
    for (int i = 0; i < N_BIG; i++) {
        double u = rng_uniform(&r);
        sum += u, sumsq += u * u;
        if (u < lo) lo = u;
        if (u > hi) hi = u;
        low_decile += u < 0.1;
    }
    double mean = sum / N_BIG, var = sumsq / N_BIG - mean * mean;
    CHECK(lo >= 0.0);
    CHECK(hi < 1.0);
    /* Standard errors: mean sqrt(1/12/N) = 2.9e-4; variance ~ 9e-5;
     * decile fraction sqrt(0.09/N) = 3e-4. */
    CHECK_NEAR(mean, 0.5, 1.5e-3);
    CHECK_NEAR(var, 1.0 / 12, 5e-4);
    CHECK_NEAR((double)low_decile / N_BIG, 0.1, 1.5e-3);

    /* uniform_pos is uniform shifted up by exactly one step of 2^-53, from
     * the same draw: (0, 1] instead of [0, 1). */
    Rng a, b;
    rng_init(&a, 1, "pos");
    b = a;
    int shifted = 0;
    double plo = 1;
    for (int i = 0; i < 1000; i++) {
        double p = rng_uniform_pos(&a);
        shifted += p == rng_uniform(&b) + 0x1.0p-53;
        if (p < plo) plo = p;
    }
    CHECK_EQ_INT(shifted, 1000);
    CHECK(plo > 0.0);

    /* The extreme draws map onto the documented bounds. */
    r.s[0] = r.s[1] = r.s[2] = r.s[3] = 0; /* next() == 0 forever */
    CHECK(rng_uniform(&r) == 0.0);
    CHECK(rng_uniform_pos(&r) == 0x1.0p-53);
    set_next_all_ones(&r);
    b = r;
    CHECK(rng_next(&b) == UINT64_MAX);
    b = r;
    CHECK(rng_uniform(&b) == 1.0 - 0x1.0p-53);
    CHECK(rng_uniform_pos(&r) == 1.0);
}

/* Chi-square of rng_below(n) over `draws`; degrees of freedom n - 1. */
static double chi_square(Rng *r, uint64_t n, int draws)
{
    long counts[16] = {0};
    int out_of_range = 0;
    for (int i = 0; i < draws; i++) {
        uint64_t v = rng_below(r, n);
        if (v >= n) out_of_range++;
        else counts[v]++;
    }
    CHECK_EQ_INT(out_of_range, 0);
    double expect = (double)draws / (double)n, chi = 0;
    for (uint64_t k = 0; k < n; k++) chi += (counts[k] - expect) * (counts[k] - expect) / expect;
    return chi;
}

static void test_below(void)
{
    Rng r;
    rng_init(&r, 3, "below");

    int nonzero = 0;
    for (int i = 0; i < 1000; i++) nonzero += rng_below(&r, 1) != 0;
    CHECK_EQ_INT(nonzero, 0);

    /* Chi-square critical values at p = 1e-4: 33.7 for 9 dof, 27.9 for 6
     * dof. A generator off by 1% in one cell scores ~100 at these sizes. */
    CHECK(chi_square(&r, 10, N_BIG) < 33.7);
    CHECK(chi_square(&r, 7, 700000) < 27.9);
    CHECK(chi_square(&r, 16, 400000) < 45.0); /* 15 dof, p = 1e-4 */

    /* Powers of two take the top bits of one draw: this pins the 128-bit
     * multiply without any reference to a rejection path. */
    Rng a = r, b = r;
    int ok = 0;
    for (int i = 0; i < 1000; i++) ok += rng_below(&a, (uint64_t)1 << 32) == rng_next(&b) >> 32;
    for (int i = 0; i < 1000; i++) ok += rng_below(&a, (uint64_t)1 << 63) == rng_next(&b) >> 1;
    CHECK_EQ_INT(ok, 2000);

    /* n ~ 2/3 * 2^64 is where shortcuts show: x % n makes the lower half
     * twice as likely as the upper (P = 2/3), and the multiply without
     * rejection makes even results twice as likely as odd ones (P = 2/3).
     * Unbiased, both are 1/2 with standard error 0.0011 at 200k draws. */
    const uint64_t n = 0xaaaaaaaaaaaaaaabu;
    const int draws = 200000;
    int lower = 0, even = 0, over = 0;
    for (int i = 0; i < draws; i++) {
        uint64_t v = rng_below(&r, n);
        over += v >= n;
        lower += v < n / 2;
        even += (v & 1) == 0;
    }
    CHECK_EQ_INT(over, 0);
    CHECK_NEAR((double)lower / draws, 0.5, 0.01);
    CHECK_NEAR((double)even / draws, 0.5, 0.01);

    /* The largest n still stays in range. */
    over = 0;
    for (int i = 0; i < 1000; i++) over += rng_below(&r, UINT64_MAX) >= UINT64_MAX;
    CHECK_EQ_INT(over, 0);
}

static void test_normal(void)
{
    const int n = 500000;
    Rng r;
    rng_init(&r, 5, "normal");
    double sum = 0, sumsq = 0, m4 = 0;
    int inside = 0, finite = 0;
    for (int i = 0; i < n; i++) {
        double z = rng_normal(&r);
        finite += isfinite(z) != 0;
        sum += z, sumsq += z * z, m4 += z * z * z * z;
        inside += fabs(z) < 1.959963984540054;
    }
    double mean = sum / n, var = sumsq / n - mean * mean;
    CHECK_EQ_INT(finite, n);
    /* Standard errors: mean 1/sqrt(n) = 1.4e-3; variance sqrt(2/n) = 2e-3;
     * the 95% band sqrt(0.0475/n) = 3.1e-4; the fourth moment (3 for a
     * normal) sqrt(96/n) = 0.014. */
    CHECK_NEAR(mean, 0.0, 7e-3);
    CHECK_NEAR(var, 1.0, 1e-2);
    CHECK_NEAR((double)inside / n, 0.95, 1.6e-3);
    CHECK_NEAR(m4 / n, 3.0, 0.07);

    /* The extreme draws stay finite and mirror each other. */
    r.s[0] = r.s[1] = r.s[2] = r.s[3] = 0;
    double z_lo = rng_normal(&r); /* next() == 0 */
    set_next_all_ones(&r);
    double z_hi = rng_normal(&r);
    CHECK(isfinite(z_lo) && z_lo < -8.0);
    CHECK(z_hi == -z_lo);
}

int main(void)
{
    test_reference_vectors();
    test_golden();
    test_same_seed_same_sequence();
    test_streams_differ();
    test_neighbour_streams_uncorrelated();
    test_creation_order_independent();
    test_uniform();
    test_below();
    test_normal();
    return fdt_finish();
}

/* test_hist.c: bucket accuracy, quantiles and merging. */
#include "fdtest.h"
#include "base/hist.h"

int main(void)
{
    static Hist h, a, b;
    hist_clear(&h);
    CHECK_EQ_INT(hist_quantile(&h, 0.5), 0);

    /* 1..100000 us uniformly: the quantiles fall within one bucket (at most 6.25%). */
    for (int i = 1; i <= 100000; i++) hist_add(&h, (SimTime)i * FD_US);
    CHECK_EQ_INT(h.count, 100000);
    CHECK_REL(hist_quantile(&h, 0.5), 50000.0 * FD_US, 0.0625);
    CHECK_REL(hist_quantile(&h, 0.9), 90000.0 * FD_US, 0.0625);
    CHECK_REL(hist_quantile(&h, 0.99), 99000.0 * FD_US, 0.0625);
    /* Upper-edge reporting never under-states. */
    CHECK(hist_quantile(&h, 0.99) >= 99000 * FD_US);

    /* Every value lands in a bucket whose upper edge is within 6.25% above it. */
    int ok = 1;
    for (SimTime v = 2 * FD_US; v < 3 * FD_HOUR / 2; v = v * 21 / 20 + 7) {
        Hist one;
        hist_clear(&one);
        hist_add(&one, v);
        SimTime q = hist_quantile(&one, 1.0);
        if (q < v || (double)q > (double)v * 1.0625) ok = 0;
    }
    CHECK(ok);

    /* Merging equals adding everything to one histogram. */
    hist_clear(&a);
    hist_clear(&b);
    for (int i = 1; i <= 1000; i++) hist_add(i % 2 ? &a : &b, (SimTime)i * FD_MS);
    hist_merge(&a, &b);
    CHECK_EQ_INT(a.count, 1000);
    CHECK_REL(hist_quantile(&a, 0.5), 500.0 * FD_MS, 0.0625);

    /* Out of range values clamp instead of overflowing. */
    hist_clear(&a);
    hist_add(&a, 0);
    hist_add(&a, -5);
    hist_add(&a, FD_TIME_NEVER);
    CHECK_EQ_INT(a.count, 3);
    CHECK(hist_quantile(&a, 1.0) > FD_HOUR);
    return fdt_finish();
}

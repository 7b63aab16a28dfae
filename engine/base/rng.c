/*
 * rng.c: xoshiro256** with named, order-independent streams (see rng.h).
 *
 * Why these pieces: xoshiro256** is small, fast and passes BigCrush; its state
 * must not be all zero and wants well-mixed bits, so it is filled from four
 * SplitMix64 outputs (the seeding its authors recommend; SplitMix64 is a
 * bijection step by step, so four consecutive outputs are never all zero).
 *
 * A stream's seed depends only on (run seed, stream name):
 *
 *     stream_seed = sm(sm(seed) ^ fd_fnv1a(name))     (name NULL: hash 0)
 *
 * where sm is one SplitMix64 step. Hashing the name rather than counting
 * streams is what makes creation order irrelevant; mixing the run seed before
 * the xor keeps nearby seeds and similar names from cancelling out. Nothing
 * here touches floating point except the conversions at the end, which are
 * exact, so the bits are the same on every machine. rng_normal is the one
 * exception: it goes through libm (log, sqrt) in
 * fd_normal_quantile_rough, which lives with the distributions in the same layer.
 *
 * Every draw consumes exactly one rng_next() except rng_below's rare
 * rejections; in particular rng_normal uses one draw, not a pair, so streams
 * stay aligned whichever mix of calls a consumer makes, and Rng needs no
 * cached spare deviate.
 */
#include "base/rng.h"
#include "base/digest.h"
#include "base/dist.h"

#include <assert.h>
#include <string.h>

#define SM_GAMMA 0x9e3779b97f4a7c15u

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* One SplitMix64 step from state x, without keeping the state. */
static uint64_t splitmix_once(uint64_t x)
{
    return mix64(x + SM_GAMMA);
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t rng_stream_seed(uint64_t seed, const char *name)
{
    /* NULL hashes to 0, apart from "" (which hashes to the FNV offset basis),
     * so the root stream is not any named stream. */
    uint64_t h = name ? fd_fnv1a(FD_DIGEST_INIT, name, strlen(name)) : 0;
    return splitmix_once(splitmix_once(seed) ^ h);
}

void rng_init(Rng *r, uint64_t seed, const char *name)
{
    rng_init_raw(r, rng_stream_seed(seed, name));
}

void rng_init_raw(Rng *r, uint64_t seed64)
{
    uint64_t x = seed64;
    for (int i = 0; i < 4; i++) {
        x += SM_GAMMA;
        r->s[i] = mix64(x);
    }
}

uint64_t rng_next(Rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* The top 53 bits are the best of xoshiro256**'s output and fill a double's
 * mantissa exactly, so k * 2^-53 is exact and every value is equally likely. */
double rng_uniform(Rng *r)
{
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

double rng_uniform_pos(Rng *r)
{
    return (double)((rng_next(r) >> 11) + 1) * 0x1.0p-53;
}

/* The full 128-bit product of two 64-bit values, in portable C (ISO C has no
 * 128-bit integer type, and -Wpedantic rejects __int128). */
static void mul64(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
    uint64_t a_lo = a & 0xffffffffu, a_hi = a >> 32;
    uint64_t b_lo = b & 0xffffffffu, b_hi = b >> 32;
    uint64_t ll = a_lo * b_lo, lh = a_lo * b_hi, hl = a_hi * b_lo, hh = a_hi * b_hi;
    uint64_t mid = (ll >> 32) + (lh & 0xffffffffu) + (hl & 0xffffffffu);
    *hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
    *lo = (mid << 32) | (ll & 0xffffffffu);
}

/* Lemire's nearly-divisionless method: x * n / 2^64 maps [0, 2^64) onto
 * [0, n); rejecting the (2^64 mod n) values of the low word that would make
 * some outputs one preimage more likely than others leaves it exactly
 * uniform. The division only happens when a rejection is possible at all. */
uint64_t rng_below(Rng *r, uint64_t n)
{
    assert(n > 0);
    uint64_t hi, lo;
    mul64(rng_next(r), n, &hi, &lo);
    if (lo < n) {
        uint64_t threshold = (0 - n) % n; /* 2^64 mod n */
        while (lo < threshold)
            mul64(rng_next(r), n, &hi, &lo);
    }
    return hi;
}

/* Inverse transform of one draw. The draw is the midpoint of one of 2^52
 * equal cells, (k + 1/2) * 2^-52, which is exact in a double and lies strictly
 * inside (0, 1): neither 0 nor 1 can come out, so the result is always finite
 * (|z| < 8.3), and the cells are symmetric about 1/2, so the deviates are too. */
double rng_normal(Rng *r)
{
    double u = ((double)(rng_next(r) >> 12) + 0.5) * 0x1.0p-52;
    return fd_normal_quantile_rough(u);
}

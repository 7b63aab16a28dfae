/*
 * rng.h: seeded, platform-independent random numbers with named streams.
 *
 * Every consumer of randomness (a traffic source, a service, a scenario) owns
 * its own Rng, seeded from the run's seed and the stream's name. Streams are
 * independent of each other and of the order in which they are created, so
 * adding a service does not reshuffle the draws of another.
 *
 * The generator is xoshiro256** seeded through SplitMix64; names are hashed
 * with 64-bit FNV-1a. Everything is integer arithmetic, so the same seed
 * yields the same bits on every machine.
 */
#ifndef FD_RNG_H
#define FD_RNG_H

#include <stdint.h>

typedef struct Rng {
    uint64_t s[4];
} Rng;

/* The 64-bit seed of stream `name` under run seed `seed`. `name` may be NULL
 * (the run's root stream). */
uint64_t rng_stream_seed(uint64_t seed, const char *name);

/* Seeds `r` for stream `name` of run `seed`. */
void rng_init(Rng *r, uint64_t seed, const char *name);

/* Seeds `r` directly from a 64-bit value. */
void rng_init_raw(Rng *r, uint64_t seed64);

uint64_t rng_next(Rng *r);

/* Uniform in [0, 1), 53 bits of precision. */
double rng_uniform(Rng *r);

/* Uniform in (0, 1]: safe to take the logarithm of. */
double rng_uniform_pos(Rng *r);

/* Uniform integer in [0, n); n > 0. Unbiased. */
uint64_t rng_below(Rng *r, uint64_t n);

/* A standard normal deviate. */
double rng_normal(Rng *r);

#endif

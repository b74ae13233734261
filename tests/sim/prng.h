/*
 * The simulator's randomness: xoshiro256** streams seeded from one 64-bit
 * seed. Every consumer (workload, storage writes, storage reads, cache,
 * relay) draws from a stream of its own, so that an extra draw in one (a
 * cache hit that became a miss) does not shift the decisions of the others.
 */
#ifndef W3W_SIM_PRNG_H
#define W3W_SIM_PRNG_H

#include <stdint.h>

typedef struct sim_rng {
	uint64_t s[4];
} sim_rng;

/** Seed stream `stream` of `seed` (streams of one seed are independent). */
void sim_rng_seed(sim_rng *r, uint64_t seed, uint64_t stream);
uint64_t sim_rng_next(sim_rng *r);
/** Uniform in [0, n); n == 0 gives 0. */
uint64_t sim_rng_below(sim_rng *r, uint64_t n);
/** Uniform in [lo, hi]. */
int64_t sim_rng_range(sim_rng *r, int64_t lo, int64_t hi);
/** 1 with probability per_million / 1e6. */
int sim_rng_chance(sim_rng *r, uint32_t per_million);

/** A stateless mix of four words: decisions keyed by what they are about, not by call order. */
uint64_t sim_hash4(uint64_t a, uint64_t b, uint64_t c, uint64_t d);

#endif

/* xoshiro256** (Blackman & Vigna) seeded through splitmix64 (see prng.h). */
#include "prng.h"

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void sim_rng_seed(sim_rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ (stream * 0xd1b54a32d192ed03ULL);
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

uint64_t sim_rng_next(sim_rng *r)
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

uint64_t sim_rng_below(sim_rng *r, uint64_t n)
{
	/* Rejection keeps it uniform: the bias of a bare modulo would differ per n. */
	uint64_t limit, v;
	if (n == 0)
		return 0;
	limit = UINT64_MAX - UINT64_MAX % n;
	do
		v = sim_rng_next(r);
	while (v >= limit);
	return v % n;
}

int64_t sim_rng_range(sim_rng *r, int64_t lo, int64_t hi)
{
	return lo + (int64_t)sim_rng_below(r, (uint64_t)(hi - lo) + 1);
}

int sim_rng_chance(sim_rng *r, uint32_t per_million)
{
	return sim_rng_below(r, 1000000) < per_million;
}

uint64_t sim_hash4(uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
	uint64_t x = a;
	uint64_t h = splitmix64(&x);
	x = h ^ b;
	h = splitmix64(&x);
	x = h ^ c;
	h = splitmix64(&x);
	x = h ^ d;
	return splitmix64(&x);
}

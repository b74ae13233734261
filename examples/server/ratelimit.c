/* Per-user token buckets in sharded hash tables (see ratelimit.h). */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ratelimit.h"

#define SHARDS 64
#define SLOTS 256              /* hash chains per shard */
#define SHARD_ENTRIES_MAX 4096 /* above this, forget buckets that have refilled */
#define KEY_MAX 48

typedef struct bucket {
	struct bucket *next;
	char key[KEY_MAX];
	double tokens;
	int64_t last_us;
} bucket;

typedef struct shard {
	pthread_mutex_t mu;
	bucket *slots[SLOTS];
	size_t count;
} shard;

struct ratelimit {
	double rate, burst;
	shard shards[SHARDS];
};

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

ratelimit *ratelimit_new(double rate_per_s, double burst)
{
	ratelimit *rl = calloc(1, sizeof(*rl));
	if (!rl)
		return NULL;
	rl->rate = rate_per_s;
	rl->burst = burst < 1 ? 1 : burst;
	for (int i = 0; i < SHARDS; i++)
		pthread_mutex_init(&rl->shards[i].mu, NULL);
	return rl;
}

void ratelimit_free(ratelimit *rl)
{
	if (!rl)
		return;
	for (int i = 0; i < SHARDS; i++) {
		for (int j = 0; j < SLOTS; j++)
			for (bucket *b = rl->shards[i].slots[j], *n; b; b = n) {
				n = b->next;
				free(b);
			}
		pthread_mutex_destroy(&rl->shards[i].mu);
	}
	free(rl);
}

/* A bucket idle long enough to be full again carries no state worth keeping. */
static void sweep(ratelimit *rl, shard *sh, int64_t now_us)
{
	for (int j = 0; j < SLOTS; j++) {
		bucket **pp = &sh->slots[j];
		while (*pp) {
			bucket *b = *pp;
			if (b->tokens + (double)(now_us - b->last_us) / 1e6 * rl->rate >= rl->burst) {
				*pp = b->next;
				free(b);
				sh->count--;
			} else {
				pp = &b->next;
			}
		}
	}
}

int ratelimit_take(ratelimit *rl, const char *key, int64_t now_us, int *retry_after_s)
{
	uint64_t h;
	shard *sh;
	bucket *b;
	int allowed;

	if (!rl || rl->rate <= 0)
		return 1;
	h = fnv1a(key);
	sh = &rl->shards[h % SHARDS];
	pthread_mutex_lock(&sh->mu);
	for (b = sh->slots[(h / SHARDS) % SLOTS]; b; b = b->next)
		if (strcmp(b->key, key) == 0)
			break;
	if (!b) {
		if (sh->count >= SHARD_ENTRIES_MAX)
			sweep(rl, sh, now_us);
		b = calloc(1, sizeof(*b));
		if (!b) {
			pthread_mutex_unlock(&sh->mu);
			return 1; /* out of memory: fail open rather than refuse everyone */
		}
		strncpy(b->key, key, KEY_MAX - 1);
		b->tokens = rl->burst;
		b->last_us = now_us;
		b->next = sh->slots[(h / SHARDS) % SLOTS];
		sh->slots[(h / SHARDS) % SLOTS] = b;
		sh->count++;
	}
	if (now_us > b->last_us) {
		b->tokens += (double)(now_us - b->last_us) / 1e6 * rl->rate;
		if (b->tokens > rl->burst)
			b->tokens = rl->burst;
		b->last_us = now_us;
	}
	allowed = b->tokens >= 1.0;
	if (allowed)
		b->tokens -= 1.0;
	else
		*retry_after_s = (int)ceil((1.0 - b->tokens) / rl->rate);
	pthread_mutex_unlock(&sh->mu);
	if (!allowed && *retry_after_s < 1)
		*retry_after_s = 1;
	return allowed;
}

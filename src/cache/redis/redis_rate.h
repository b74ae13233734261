/*
 * Token bucket shared by every process on one Redis: a Lua script reads,
 * refills and takes in one atomic step, on the server's clock. A second
 * script reconciles hosts' local buckets with the same hash (core/rate_local.c).
 */
#ifndef W3W_CACHE_REDIS_RATE_H
#define W3W_CACHE_REDIS_RATE_H

#include "cache/redis/redis_pool.h"
#include "w3wallet/sys/cache.h"

/**
 * Take one token from the bucket stored at `key` (already prefixed).
 * EVALSHA of the SHA-1 the server named (SCRIPT LOAD, again after a NOSCRIPT).
 */
w3w_status w3w__redis_rate_take(w3w__redis_pool *pool, const char *key, size_t keylen,
	double rate_per_s, double burst, int *allowed, int64_t *retry_after_ms);

/**
 * w3w_cache.rate_sync: one pipeline of EVALSHAs, one per bucket (keys
 * already prefixed, parallel to items). All or nothing: W3W_EUNAVAILABLE
 * if any reply is not a number.
 */
w3w_status w3w__redis_rate_sync(w3w__redis_pool *pool, const char *const *keys, const size_t *keylens,
	w3w_cache_rate_sync *items, size_t count);

/** The script's SHA-1 as the server named it; "" before the first use (for tests). */
const char *w3w__redis_rate_script_sha(void);

/** The script's text (for tests). */
const char *w3w__redis_rate_script(void);

#endif

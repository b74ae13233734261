/*
 * Cache backend interface (for backend authors).
 *
 * Core uses the cache aside of storage, never as the source of truth.
 * Values are opaque bytes (core stores JSON). To make sure a stale entry
 * never outlives the write that changed it, invalidation leaves a short
 * tombstone, and reads fill the cache only where no entry or tombstone is:
 *
 *   reader: get(k) miss -> read storage -> fill(k, v)   (set-if-absent)
 *   writer: commit -> invalidate(k)                    (tombstone, W3W_CACHE_TOMBSTONE_MS)
 *
 * A reader that read storage before the commit cannot overwrite the
 * tombstone, so its stale value is dropped. A cache that is down or slow
 * answers W3W_EUNAVAILABLE quickly; core then reads storage.
 */
#ifndef W3WALLET_SYS_CACHE_H
#define W3WALLET_SYS_CACHE_H

#include "w3wallet/sys/backend.h"

#ifdef __cplusplus
extern "C" {
#endif

#define W3W_CACHE_VERSION 2
/** How long a tombstone blocks fills: longer than any storage read. */
#define W3W_CACHE_TOMBSTONE_MS 10000

typedef struct w3w_cache w3w_cache;

/** One bucket of a w3w_cache.rate_sync call. */
typedef struct w3w_cache_rate_sync {
	const char *key;
	double rate_per_s;
	double burst;
	uint32_t taken;   /**< tokens taken on this host since its last sync: the bucket loses them */
	double tokens;    /**< out: tokens left after that, refilled to now; below 0 when hosts overdrew */
} w3w_cache_rate_sync;

struct w3w_cache {
	unsigned int version;   /**< W3W_CACHE_VERSION */
	const char *name;       /**< "memory", "none", "redis" */
	/** Hit: *value (malloc'd, NUL-terminated, caller frees) and *len. Miss or tombstone: W3W_ENOTFOUND. */
	w3w_status (*get)(w3w_cache *c, const char *key, char **value, size_t *len);
	/** Store if there is neither an entry nor a tombstone for `key`. */
	w3w_status (*fill)(w3w_cache *c, const char *key, const char *value, size_t len, int ttl_s);
	/** Replace each key by a tombstone that lives W3W_CACHE_TOMBSTONE_MS. */
	w3w_status (*invalidate)(w3w_cache *c, const char *const *keys, size_t count);
	/**
	 * Token bucket `key`: refill `rate_per_s` tokens per second up to
	 * `burst`, take one. *allowed = 1 if taken, else 0 and
	 * *retry_after_ms says when one will be there. Shared by every
	 * process using the same cache server. NULL: not supported.
	 */
	w3w_status (*rate_take)(w3w_cache *c, const char *key, double rate_per_s, double burst,
		int *allowed, int64_t *retry_after_ms);
	w3w_status (*ping)(w3w_cache *c);
	void (*free)(w3w_cache *c);
	/* ---- version 2 (core reads these only from a handle of version >= 2) ---- */
	/**
	 * get() of `count` keys in one round trip: values[i] (malloc'd,
	 * NUL-terminated, caller frees) and lens[i] per hit, NULL for a miss or a
	 * tombstone. NULL member: core calls get() once per key.
	 */
	w3w_status (*get_many)(w3w_cache *c, const char *const *keys, size_t count, char **values, size_t *lens);
	/**
	 * Reconcile hosts' local token buckets with the shared ones, in one round
	 * trip: each item's bucket (the rate_take bucket of the same key) is
	 * refilled to now, loses `taken` tokens, even below zero (an overdraft is
	 * paid back by refills, never forgiven), and reports what is left in
	 * `tokens`. NULL member: core calls rate_take() for every request.
	 */
	w3w_status (*rate_sync)(w3w_cache *c, w3w_cache_rate_sync *items, size_t count);
};

/** A handle whose members are all NULL but version and name; or w3w_cache_init() on one you allocate. */
#define W3W_CACHE_INIT(NAME) { .version = W3W_CACHE_VERSION, .name = (NAME) }
W3W_EXTERN w3w_status w3w_cache_init(w3w_cache *c, unsigned int version);

typedef w3w_status (*w3w_cache_open_fn)(w3w_cache **out, const char *url, const w3w_backend_config *cfg);

/** Register a cache backend for URL `scheme`. */
W3W_EXTERN w3w_status w3w_cache_register(const char *scheme, w3w_cache_open_fn open);

#ifdef __cplusplus
}
#endif
#endif

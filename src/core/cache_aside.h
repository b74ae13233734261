/*
 * Cache-aside reads. Keys and TTLs follow the system design:
 * supply:{id}, order:{id}, order:{id}:items, claim:{id},
 * claim:order:{order_id} (1 h); supplies:user:{id}, orders:user:{id} (30 min).
 * A cache error is a miss: reads go to storage, never fail because of it.
 */
#ifndef W3W_CORE_CACHE_ASIDE_H
#define W3W_CORE_CACHE_ASIDE_H

#include <cjson/cJSON.h>

#include "core/context.h"

#define W3W__TTL_RECORD 3600
#define W3W__TTL_LIST   1800

/** Hit: *out parsed JSON (caller deletes). Miss, cache down, or bad value: NULL. */
cJSON *w3w__cache_lookup(w3w_ctx *ctx, const char *key);
#define W3W__CACHE_MANY_MAX 8
/** w3w__cache_lookup of `count` (<= W3W__CACHE_MANY_MAX) keys in one round trip where the cache can. */
void w3w__cache_lookup_many(w3w_ctx *ctx, const char *const *keys, size_t count, cJSON **out);
/**
 * The texts of `count` (<= W3W__CACHE_MANY_MAX) keys as stored, unparsed, in one round trip where the
 * cache can; values[i] NULL on a miss, else the caller frees it. 1 when every key was found.
 * Not counted: the caller, who alone knows whether the texts answered the read, calls w3w__cache_count.
 */
int w3w__cache_lookup_texts(w3w_ctx *ctx, const char *const *keys, size_t count, char **values, size_t *lens);
/** Count `keys` reads as answered by the cache (hit) or gone to storage. */
void w3w__cache_count(w3w_ctx *ctx, int hit, size_t keys);
/** Store `value` (deleted here) under key if nothing newer is there. */
void w3w__cache_store(w3w_ctx *ctx, const char *key, cJSON *value, int ttl_s);

/**
 * Invalidate after a commit. If the cache cannot be reached, the keys are
 * remembered and the cache is bypassed until w3w__cache_retry() succeeds.
 */
void w3w__cache_invalidate(w3w_ctx *ctx, const char *const *keys, size_t count);
/** Retry remembered invalidations (the relay calls this on every round). */
void w3w__cache_retry(w3w_ctx *ctx);

/** 0 while owed invalidations keep the cache bypassed. */
int w3w__cache_trusted(w3w_ctx *ctx);

w3w_status w3w__cache_debt_init(w3w_ctx *ctx);
void w3w__cache_debt_free(w3w_ctx *ctx);

#endif

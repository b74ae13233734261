/*
 * Token buckets kept on this host and reconciled with the shared ones in
 * batches (a cache with rate_sync: Redis), so that a request pays no
 * network round trip for the limiter unless its key is busy.
 *
 * Each host admits from its own view of a bucket: the tokens the shared
 * bucket held at the last sync, refilled locally since, minus what this host
 * took. What it took is sent to the cache every W3W__RATE_SYNC_MS by one
 * thread, all keys in one pipeline; a host that has taken q tokens not yet
 * counted by the cache syncs that key before admitting more, with
 *
 *     q = max(1, floor(burst / W3W__RATE_LOCAL_DIVISOR)).
 *
 * Bound, across H hosts sharing one cache: for any key, the requests
 * admitted in any interval of t seconds are at most burst + rate * t + H * q
 * (each host has at most q admissions the shared bucket has not counted;
 * counted ones overdraw it and are paid back by refills, never forgiven).
 * A host never refuses while its view holds a token, and its view is never
 * below the shared bucket's true level, so it refuses nothing a single
 * shared bucket counting every admission would admit.
 */
#ifndef W3W_CORE_RATE_LOCAL_H
#define W3W_CORE_RATE_LOCAL_H

#include "w3wallet.h"
#include "w3wallet/sys/cache.h"

#define W3W__RATE_SYNC_MS 20
#define W3W__RATE_LOCAL_DIVISOR 10
/** Buckets kept per context; past this, keys go to the cache's rate_take each time. */
#define W3W__RATE_LOCAL_MAX 100000

typedef struct w3w__rate_local w3w__rate_local;

/** NULL (no error) when `cache` cannot reconcile (no rate_sync): use its rate_take. */
w3w_status w3w__rate_local_open(w3w__rate_local **out, w3w_cache *cache);
/** Stops the sync thread after a last sync of what was taken; NULL is fine. */
void w3w__rate_local_close(w3w__rate_local *rl);

/**
 * Take one token from `key`'s bucket. W3W_EUNAVAILABLE when the cache could
 * not be reached for a sync this take needed (the caller decides what an
 * outage means).
 */
w3w_status w3w__rate_local_take(w3w__rate_local *rl, const char *key, double rate_per_s, double burst,
	int *allowed, int64_t *retry_after_ms);

/** The q of the bound above for `burst`. */
uint32_t w3w__rate_local_quota(double burst);

#endif

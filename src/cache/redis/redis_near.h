/*
 * The near cache: values read from Redis kept in this process, kept correct
 * by Redis itself (server-assisted client-side caching, RESP2 flavour).
 *
 * One subscriber connection SUBSCRIBEs to __redis__:invalidate; every pooled
 * connection runs `CLIENT TRACKING on REDIRECT <subscriber id> OPTIN`, and a
 * read meant for the near cache is preceded by `CLIENT CACHING yes`, so Redis
 * remembers the keys it returned and pushes their names to the subscriber
 * when anyone changes them.
 *
 * Rules that keep it correct:
 *   - an entry is only stored from a reply read on a connection tracking to
 *     the live subscriber (its tag equals the current epoch);
 *   - a read snapshots its shard's invalidation counter and the flush counter
 *     before it is sent; it stores only if neither moved (an invalidation
 *     that raced the read wins);
 *   - the subscriber lost, a tracking connection lost (its tracked keys are
 *     forgotten by Redis): everything is flushed, nothing is served until a
 *     subscriber is live again.
 * Bounded: at most `capacity` entries (LRU per shard), values up to
 * W3W__NEAR_MAX_VALUE bytes.
 */
#ifndef W3W_CACHE_REDIS_NEAR_H
#define W3W_CACHE_REDIS_NEAR_H

#include <stddef.h>
#include <stdint.h>

#include "cache/redis/redis_pool.h"
#include "w3wallet/sys/cache.h"

#define W3W__NEAR_MAX_VALUE (64 * 1024)
/** The subscriber PINGs this often; silence for 3 periods counts as lost. */
#define W3W__NEAR_PING_MS 1000

typedef struct w3w__near w3w__near;

/** Snapshot taken before a read; w3w__near_store needs it. */
typedef struct w3w__near_ticket {
	uint64_t shard_seq;
	uint64_t flushes;
} w3w__near_ticket;

/**
 * Start a near cache of `capacity` entries for `pool`: installs the pool's
 * connection hooks and starts the subscriber thread.
 */
w3w_status w3w__near_start(w3w__near **out, w3w__redis_pool *pool, size_t capacity);

/** Stop the subscriber and free everything (before the pool is destroyed). */
void w3w__near_stop(w3w__near *n);

/** Hit: *value (malloc'd copy, NUL-terminated) and *len; miss: 0. */
int w3w__near_get(w3w__near *n, const char *key, size_t key_len, char **value, size_t *len);

/** The ticket for a read of `key` about to be sent. */
w3w__near_ticket w3w__near_ticket_for(w3w__near *n, const char *key, size_t key_len);

/** Keep `value` if the read (through a connection tagged `tag`) raced nothing. */
void w3w__near_store(w3w__near *n, const char *key, size_t key_len, const char *value, size_t len,
	uint64_t tag, w3w__near_ticket ticket);

/** Drop `key` now (a write through this host). */
void w3w__near_drop(w3w__near *n, const char *key, size_t key_len);

/** Counters for tests and metrics. */
typedef struct w3w__near_stats {
	size_t entries;
	uint64_t hits, stores, invalidations, flushes;
	uint64_t epoch;   /* the tag of connections tracking for the live subscriber */
	int live;
} w3w__near_stats;
void w3w__near_stats_get(w3w__near *n, w3w__near_stats *out);

/** The near cache of a cache opened by w3w_cache_redis_open (NULL: none). */
w3w__near *w3w__redis_cache_near(w3w_cache *c);

#endif

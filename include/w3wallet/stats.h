/*
 * Counters of a context, for hosts that export metrics (the reference
 * server's /metrics): cache effectiveness and command outcomes since open.
 */
#ifndef W3WALLET_STATS_H
#define W3WALLET_STATS_H

#include "w3wallet/context.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct w3w_ctx_stats {
	uint64_t cache_hits;        /**< reads answered by the cache */
	uint64_t cache_misses;      /**< reads that went to storage (miss, tombstone, cache down or bypassed) */
	uint64_t commands_ok;       /**< write commands committed (replays included) */
	uint64_t commands_refused;  /**< write commands that reached storage and were refused */
	uint64_t command_us_total;  /**< time spent in write commands' storage calls, microseconds */
} w3w_ctx_stats;

/** Snapshot of the context's counters. Cache hit ratio = hits / (hits + misses). */
W3W_EXTERN w3w_status w3w_ctx_stats_get(w3w_ctx_stats *out, w3w_ctx *ctx);

/** The state of each backend, for readiness checks (each a status; messages stay in logs). */
typedef struct w3w_health {
	w3w_status storage; /**< W3W_OK, W3W_ESTATE (reads only: a standby), W3W_EUNAVAILABLE */
	w3w_status cache;   /**< W3W_OK, or W3W_EUNAVAILABLE: unreachable, or bypassed until owed invalidations land */
	w3w_status events;  /**< W3W_OK (also with no sink), or W3W_EUNAVAILABLE: the sink refused the last publish */
} w3w_health;

/**
 * Ask each backend: storage and cache with one cheap call each, the event
 * sink from the relay's last publish (no call: a sink that is down only
 * delays events). A cache or sink that is down does not stop commands.
 * When `storage` is not W3W_OK, w3w_error_message() says why (for logs).
 */
W3W_EXTERN w3w_status w3w_ctx_health_get(w3w_health *out, w3w_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif

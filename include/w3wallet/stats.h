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

#ifdef __cplusplus
}
#endif
#endif

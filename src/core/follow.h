/*
 * Cache invalidation from the stream of events committed anywhere (every
 * host, every region): a thread reads the event source and drops the cache
 * keys of each event (event_keys.h), so a write made in another region,
 * whose own relay invalidated only that region's cache, does not leave this
 * region's cache serving the old value.
 */
#ifndef W3W_CORE_FOLLOW_H
#define W3W_CORE_FOLLOW_H

#include "core/context.h"

/** Start following options.cache_follow_url (no-op when empty). */
w3w_status w3w__follow_start(w3w_ctx *ctx, const w3w_backend_config *cfg);
void w3w__follow_stop(w3w_ctx *ctx);

#endif

/*
 * The cache keys a committed event makes stale. Both invalidation paths use
 * it: the fast path right after a commit, and the relay, which sees every
 * committed event exactly once (also those whose caller never heard back:
 * a process killed after COMMIT, a lost answer, a replay).
 */
#ifndef W3W_CORE_EVENT_KEYS_H
#define W3W_CORE_EVENT_KEYS_H

#include <stddef.h>

#include "w3wallet/events.h"

#define W3W__EVENT_KEYS_MAX 6
#define W3W__EVENT_KEY_SIZE 80

/**
 * Fill keys[] with the cache keys `ev` invalidates (supply:{id},
 * supplies:user:{id}, order:{id}, orders:user:{id}, claim:{id},
 * claim:order:{id}); returns how many. Ids come from the payload, which the
 * storage completes with what only it knows (order_user_id, supply_id).
 * An event without cached state (wallet.*) or with an unreadable payload
 * gives 0.
 */
size_t w3w__event_cache_keys(const w3w_event *ev, char keys[W3W__EVENT_KEYS_MAX][W3W__EVENT_KEY_SIZE]);

#endif

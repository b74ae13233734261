/* The context as core sees it: backends, relay, options. */
#ifndef W3W_CORE_CONTEXT_H
#define W3W_CORE_CONTEXT_H

#include <pthread.h>
#include <stdatomic.h>

#include "w3wallet.h"
#include "w3wallet/sys/cache.h"
#include "w3wallet/sys/events.h"
#include "w3wallet/sys/signer.h"
#include "w3wallet/sys/storage.h"
#include "core/registry.h"
#include "core/store.h"

typedef struct w3w__relay w3w__relay;
typedef struct w3w__replica w3w__replica;
typedef struct w3w__follower w3w__follower;

#define W3W__PENDING_INVALIDATIONS 1024

/* Cache keys whose invalidation failed (cache down): until they are
 * invalidated, the cache is bypassed so no stale entry can be served. */
typedef struct w3w__cache_debt {
	pthread_mutex_t lock;
	char (*keys)[80];
	size_t count;
	w3w_time distrust_until;  /* overflowed: bypass until every TTL has run out */
	atomic_int owed;          /* count or distrust_until set: readers take the lock */
} w3w__cache_debt;

struct w3w_ctx {
	w3w_options opts;
	w3w__store store;
	w3w_cache *cache;          /* never NULL: "none:" is a cache that always misses */
	w3w_cache *limits;         /* in-process token buckets when `cache` has no rate_take */
	struct w3w__rate_local *rate_local; /* local buckets synced in batches when `cache` has rate_sync */
	w3w_event_sink *sink;      /* NULL: in-process subscribers only */
	unsigned char master_key[32];
	int has_master_key;
	w3w_signer *signer;        /* NULL: wallet keys are derived here (options.signer_url) */
	w3w__relay *relay;
	w3w__replica *replica;     /* NULL: every read goes to `storage` */
	w3w__follower *follower;   /* NULL: the cache follows only this context's relay */
	w3w__cache_debt debt;
	struct {
		atomic_uint_fast64_t cache_hits, cache_misses, commands_ok, commands_refused, command_us;
	} counters;
};

#endif

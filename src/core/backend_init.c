/*
 * The *_init functions of every backend interface: what the *_INIT macros
 * give, for a table or handle a backend allocates.
 */
#include <string.h>

#include "w3wallet/sys/cache.h"
#include "w3wallet/sys/chain.h"
#include "w3wallet/sys/events.h"
#include "w3wallet/sys/signer.h"
#include "w3wallet/sys/storage.h"


#define DEFINE_INIT(fn, T, FIRST, CURRENT)                                                      \
	w3w_status fn(T *t, unsigned int version)                                             \
	{                                                                                     \
		if (!t || version < (FIRST) || version > (CURRENT))                               \
			return w3w_error_set(W3W_EINVAL, #fn ": version %u, this library knows %u to %u", \
				version, (unsigned int)(FIRST), (unsigned int)(CURRENT));                                        \
		memset(t, 0, sizeof(*t));                                                         \
		t->version = version;                                                             \
		return W3W_OK;                                                                    \
	}

DEFINE_INIT(w3w_market_store_init, w3w_market_store, 1, W3W_MARKET_STORE_VERSION)
DEFINE_INIT(w3w_outbox_store_init, w3w_outbox_store, 1, W3W_OUTBOX_STORE_VERSION)
DEFINE_INIT(w3w_audit_store_init, w3w_audit_store, 1, W3W_AUDIT_STORE_VERSION)
DEFINE_INIT(w3w_wallet_store_init, w3w_wallet_store, 1, W3W_WALLET_STORE_VERSION)
DEFINE_INIT(w3w_replica_store_init, w3w_replica_store, 1, W3W_REPLICA_STORE_VERSION)
/* Versions 2 and 3 were another (flat) layout: a handle is made at the current one only. */
DEFINE_INIT(w3w_storage_init, w3w_storage, W3W_STORAGE_VERSION, W3W_STORAGE_VERSION)
DEFINE_INIT(w3w_cache_init, w3w_cache, 1, W3W_CACHE_VERSION)
DEFINE_INIT(w3w_event_sink_init, w3w_event_sink, 1, W3W_EVENT_SINK_VERSION)
DEFINE_INIT(w3w_event_source_init, w3w_event_source, 1, W3W_EVENT_SOURCE_VERSION)
DEFINE_INIT(w3w_chain_adapter_init, w3w_chain_adapter, 1, W3W_CHAIN_ADAPTER_VERSION)
DEFINE_INIT(w3w_signer_init, w3w_signer, 1, W3W_SIGNER_VERSION)

/* Backend registration by URL scheme: one table per backend kind. */
#ifndef W3W_CORE_REGISTRY_H
#define W3W_CORE_REGISTRY_H

#include "w3wallet/sys/cache.h"
#include "w3wallet/sys/chain.h"
#include "w3wallet/sys/events.h"
#include "w3wallet/sys/signer.h"
#include "w3wallet/sys/storage.h"

w3w_status w3w__storage_open_url(w3w_storage **out, const char *url, const w3w_backend_config *cfg);
w3w_status w3w__cache_open_url(w3w_cache **out, const char *url, const w3w_backend_config *cfg);
w3w_status w3w__event_sink_open_url(w3w_event_sink **out, const char *url, const w3w_backend_config *cfg);
w3w_status w3w__event_source_open_url(w3w_event_source **out, const char *url, const w3w_backend_config *cfg);
/** Open the registered chain adapter `name`; W3W_EINVAL naming it when unknown. */
w3w_status w3w__chain_adapter_open(w3w_chain_adapter **out, const char *name, const char *url,
	const w3w_chain_adapter_config *cfg);

/** Open the signer registered for `url`'s scheme; W3W_EINVAL naming the scheme when unknown. */
w3w_status w3w__signer_open_url(w3w_signer **out, const char *url, const w3w_signer_config *cfg);

/* Built-in backends that live in core's tree. */
w3w_status w3w__cache_memory_open(w3w_cache **out, const char *url, const w3w_backend_config *cfg);
/**
 * The in-process cache shared by every context of this process whose
 * `scope` (the storage URL) and cache URL match, so that one context's
 * invalidations reach the others' reads. Freed when the last one closes.
 */
w3w_status w3w__cache_memory_shared(w3w_cache **out, const char *url, const char *scope,
	const w3w_backend_config *cfg);
w3w_status w3w__cache_none_open(w3w_cache **out, const char *url, const w3w_backend_config *cfg);
w3w_status w3w__event_sink_file_open(w3w_event_sink **out, const char *url, const w3w_backend_config *cfg);

#endif

/*
 * The fault-injecting wrapper backends, each registered under the URL
 * scheme "sim" of its kind (storage, cache, event sink), written only
 * against the public backend interfaces of <w3wallet/sys/ *.h>:
 *
 *   storage  "sim:sqlite:PATH", "sim:postgres://..."   (fault_storage.c)
 *   cache    "sim:memory:", "sim:redis://..."          (fault_cache.c; memory: is mem_cache.c)
 *   sink     "sim:record"                              (fault_sink.c, into sim_fx->sink_log)
 *
 * They inject what the fault controller (faults.h) decides.
 */
#ifndef W3W_SIM_WRAPPERS_H
#define W3W_SIM_WRAPPERS_H

#include <w3wallet.h>
#include <w3wallet/sys/cache.h>

#define SIM_SCHEME "sim"

/** Register the three wrappers (process-global; call before opening contexts). */
w3w_status sim_wrappers_register(void);

w3w_status sim_storage_register(void);
w3w_status sim_cache_register(void);
w3w_status sim_sink_register(void);

/**
 * The simulator's own in-process cache, following the sys/cache.h contract
 * (set-if-absent fills, tombstones) on the logical clock sim_fx->clock_ms,
 * so that what is cached never depends on how fast a run goes. (The
 * library's memory: cache has no public constructor to wrap.)
 */
w3w_status sim_mem_cache_open(w3w_cache **out);

#endif

/*
 * Redis cache backend (hiredis), for hosts that build a cache by hand or
 * register it under another scheme. w3w_ctx_open() picks it for
 * "redis://" cache URLs. Present when the library was built with hiredis.
 *
 * URL: redis://[[user]:password@]host[:port][/db][?option=value&...]
 *   pool=N        connections shared by threads (default: cfg->pool_size, at most 64)
 *   timeout_ms=N  command timeout (default: cfg->timeout_ms capped at 200 ms,
 *                 so a slow Redis makes reads slower, never failed)
 *   prefix=TEXT   prepended to every key (several deployments on one Redis)
 *   lazy=1        open even when Redis is unreachable; calls fail with
 *                 W3W_EUNAVAILABLE until it answers
 *
 * Failures answer W3W_EUNAVAILABLE quickly: a broken connection is dropped,
 * and no new connection is tried for 500 ms after a failure.
 */
#ifndef W3WALLET_SYS_REDIS_H
#define W3WALLET_SYS_REDIS_H

#include "w3wallet/sys/cache.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Open a Redis cache. Without lazy=1 it connects and sends PING within
 * cfg->timeout_ms, and fails with W3W_EUNAVAILABLE naming the server and
 * the reason. `cfg` may be NULL (5000 ms, 4 connections). Free with
 * (*out)->free(*out).
 */
W3W_EXTERN w3w_status w3w_cache_redis_open(w3w_cache **out, const char *url, const w3w_backend_config *cfg);

#ifdef __cplusplus
}
#endif
#endif

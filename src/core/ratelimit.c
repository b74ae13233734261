/* Per-key token buckets: local ones synced with the shared cache in batches (core/rate_local.h), in-process otherwise. */
#include <string.h>

#include "core/context.h"
#include "core/rate_local.h"
#include "core/registry.h"

w3w_status w3w_rate_limit_take(w3w_ctx *ctx, const char *key, double rate_per_s, double burst,
	int *allowed, int64_t *retry_after_ms)
{
	w3w_cache *c;
	w3w_status st;

	if (!ctx || !key || !allowed || !retry_after_ms)
		return w3w_error_set(W3W_EINVAL, "rate limit: NULL argument");
	if (!*key || strlen(key) > 200)
		return w3w_error_set(W3W_EINVAL, "rate limit: key must be 1..200 bytes");
	if (!(rate_per_s > 0) || !(burst >= 1))
		return w3w_error_set(W3W_EINVAL, "rate limit: rate must be > 0 and burst >= 1");
	c = ctx->cache->rate_take ? ctx->cache : ctx->limits;
	st = ctx->rate_local ? w3w__rate_local_take(ctx->rate_local, key, rate_per_s, burst, allowed, retry_after_ms)
		: c->rate_take(c, key, rate_per_s, burst, allowed, retry_after_ms);
	if (st != W3W_OK) {
		/* A cache outage must not turn into refused requests. */
		*allowed = 1;
		*retry_after_ms = 0;
		w3w_error_clear();
	}
	return W3W_OK;
}

/* Context lifecycle: options, backend opening by URL, the relay thread. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/cache_aside.h"
#include "core/context.h"
#include "core/follow.h"
#include "core/registry.h"
#include "core/rate_local.h"
#include "core/relay.h"
#include "core/replica.h"
#include "signer/protocol.h"

static const w3w_options default_options = W3W_OPTIONS_INIT;

/* Bytes of w3w_options a caller of `version` has: members are only appended. */
static size_t options_size(unsigned int version)
{
	if (version >= 4)
		return sizeof(w3w_options);
	if (version == 3)
		return offsetof(w3w_options, signer_url);
	return version == 2 ? offsetof(w3w_options, tracer) : offsetof(w3w_options, read_storage_url);
}

w3w_status w3w_options_init(w3w_options *opts, unsigned int version)
{
	if (!opts)
		return w3w_error_set(W3W_EINVAL, "options: NULL");
	if (version < 1 || version > W3W_OPTIONS_VERSION)
		return w3w_error_set(W3W_EVERSION, "options: version %u, library has 1 to %u", version, W3W_OPTIONS_VERSION);
	memcpy(opts, &default_options, options_size(version));
	opts->version = version;
	return W3W_OK;
}

static w3w_status check_text_field(const char *field, size_t size, const char *name)
{
	if (memchr(field, '\0', size) == NULL)
		return w3w_error_set(W3W_EINVAL, "options.%s: not NUL-terminated", name);
	return W3W_OK;
}

static w3w_status validate_options(const w3w_options *o)
{
	w3w_status st;
	if (o->version < 1 || o->version > W3W_OPTIONS_VERSION)
		return w3w_error_set(W3W_EVERSION, "options: version %u, library has 1 to %u (use w3w_options_init)",
			o->version, W3W_OPTIONS_VERSION);
	if (o->version >= 2) {
		if ((st = check_text_field(o->read_storage_url, sizeof(o->read_storage_url), "read_storage_url")) ||
		    (st = check_text_field(o->cache_follow_url, sizeof(o->cache_follow_url), "cache_follow_url")))
			return st;
		if (o->max_replica_lag_ms < 0 || o->max_replica_lag_ms > 3600000)
			return w3w_error_set(W3W_EINVAL, "options.max_replica_lag_ms: must be 0..3600000");
	}
	if (o->version >= 4 &&
	    ((st = check_text_field(o->signer_url, sizeof(o->signer_url), "signer_url")) ||
	     (st = check_text_field(o->signer_key_hex, sizeof(o->signer_key_hex), "signer_key_hex"))))
		return st;
	if (o->version >= 3 && o->tracer.version > W3W_TRACER_VERSION)
		return w3w_error_set(W3W_EVERSION, "options.tracer: version %u, library has 0 to %u",
			o->tracer.version, W3W_TRACER_VERSION);
	if ((st = check_text_field(o->storage_url, sizeof(o->storage_url), "storage_url")) ||
	    (st = check_text_field(o->cache_url, sizeof(o->cache_url), "cache_url")) ||
	    (st = check_text_field(o->events_url, sizeof(o->events_url), "events_url")) ||
	    (st = check_text_field(o->master_key_hex, sizeof(o->master_key_hex), "master_key_hex")) ||
	    (st = check_text_field(o->region, sizeof(o->region), "region")))
		return st;
	if (o->pool_size < 0 || o->pool_size > 1024)
		return w3w_error_set(W3W_EINVAL, "options.pool_size: must be 0..1024");
	if (o->timeout_ms < 0 || o->timeout_ms > 600000)
		return w3w_error_set(W3W_EINVAL, "options.timeout_ms: must be 0..600000");
	if (o->idempotency_ttl_s < 0)
		return w3w_error_set(W3W_EINVAL, "options.idempotency_ttl_s: must not be negative");
	return W3W_OK;
}

/* The signer of options.signer_url (none when empty); its key leaves the options at once. */
static w3w_status open_signer(w3w_ctx *ctx)
{
	if (!ctx->opts.signer_url[0])
		return W3W_OK;
	return w3w__signer_open_options(&ctx->signer, ctx->opts.signer_url, ctx->opts.signer_key_hex,
		sizeof(ctx->opts.signer_key_hex), ctx->opts.timeout_ms);
}

static w3w_status load_master_key(w3w_ctx *ctx)
{
	size_t len = 0;
	const char *hex = ctx->opts.master_key_hex;
	if (hex[0] == '\0')
		return W3W_OK;
	if (strlen(hex) != 64 ||
	    sodium_hex2bin(ctx->master_key, sizeof(ctx->master_key), hex, 64, NULL, &len, NULL) != 0 ||
	    len != sizeof(ctx->master_key))
		return w3w_error_set(W3W_EINVAL, "options.master_key_hex: must be 64 hex characters");
	ctx->has_master_key = 1;
	/* Kept out of swap and core dumps where the limits allow (best effort, as sodium_malloc). */
	(void)sodium_mlock(ctx->master_key, sizeof(ctx->master_key));
	(void)sodium_mlock(ctx->opts.master_key_hex, sizeof(ctx->opts.master_key_hex));
	return W3W_OK;
}

/*
 * "memory:" caches are shared by the contexts of one process on the same
 * storage: otherwise a write through one context would leave another's
 * cached copy stale. (Separate processes need a shared cache: Redis.)
 */
static w3w_status open_cache(w3w_ctx *ctx, const w3w_backend_config *cfg)
{
	/* Not for private in-memory databases: each context has its own. */
	if (strncmp(ctx->opts.cache_url, "memory:", 7) == 0 && strstr(ctx->opts.storage_url, ":memory:") == NULL)
		return w3w__cache_memory_shared(&ctx->cache, ctx->opts.cache_url, ctx->opts.storage_url, cfg);
	return w3w__cache_open_url(&ctx->cache, ctx->opts.cache_url, cfg);
}

w3w_status w3w_ctx_open(w3w_ctx **out, const w3w_options *opts)
{
	w3w_ctx *ctx;
	w3w_backend_config cfg;
	w3w_status st;

	if (!out)
		return w3w_error_set(W3W_EINVAL, "out: NULL");
	*out = NULL;
	if (sodium_init() < 0)
		return w3w_error_set(W3W_EINTERNAL, "libsodium failed to initialize");
	if ((st = validate_options(opts ? opts : &default_options)) != W3W_OK)
		return st;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return w3w_error_set(W3W_ENOMEM, "context: out of memory");
	/* A version-1 caller's struct ends before the version-2 members: those keep their defaults. */
	ctx->opts = default_options;
	if (opts)
		memcpy(&ctx->opts, opts, options_size(opts->version));
	ctx->opts.version = W3W_OPTIONS_VERSION;
	if (ctx->opts.storage_url[0] == '\0')
		strcpy(ctx->opts.storage_url, default_options.storage_url);
	if (ctx->opts.cache_url[0] == '\0')
		strcpy(ctx->opts.cache_url, default_options.cache_url);
	if (ctx->opts.region[0] == '\0')
		strcpy(ctx->opts.region, default_options.region);
	if (ctx->opts.pool_size == 0)
		ctx->opts.pool_size = default_options.pool_size;
	if (ctx->opts.timeout_ms == 0)
		ctx->opts.timeout_ms = default_options.timeout_ms;
	if (ctx->opts.idempotency_ttl_s == 0)
		ctx->opts.idempotency_ttl_s = default_options.idempotency_ttl_s;

	cfg.version = W3W_BACKEND_CONFIG_VERSION;
	cfg.pool_size = ctx->opts.pool_size;
	cfg.timeout_ms = ctx->opts.timeout_ms;
	cfg.region = ctx->opts.region;

	if ((st = w3w__cache_debt_init(ctx)) != W3W_OK ||
	    (st = load_master_key(ctx)) != W3W_OK || (st = open_signer(ctx)) != W3W_OK ||
	    (st = w3w__store_open(&ctx->store, ctx->opts.storage_url, &cfg)) != W3W_OK ||
	    (st = w3w__replica_open(ctx, &cfg)) != W3W_OK ||
	    (st = open_cache(ctx, &cfg)) != W3W_OK ||
	    (!ctx->cache->rate_take && (st = w3w__cache_memory_open(&ctx->limits, "memory:", &cfg)) != W3W_OK) ||
	    (st = w3w__rate_local_open(&ctx->rate_local, ctx->cache)) != W3W_OK ||
	    (ctx->opts.events_url[0] &&
	     (st = w3w__event_sink_open_url(&ctx->sink, ctx->opts.events_url, &cfg)) != W3W_OK) ||
	    (st = w3w__relay_start(ctx)) != W3W_OK ||
	    (st = w3w__follow_start(ctx, &cfg)) != W3W_OK) {
		w3w_ctx_close(ctx);
		return st;
	}
	*out = ctx;
	return W3W_OK;
}

w3w_status w3w_ctx_health_get(w3w_health *out, w3w_ctx *ctx)
{
	if (!out || !ctx)
		return w3w_error_set(W3W_EINVAL, "out/ctx: NULL");
	out->cache = ctx->cache->ping ? ctx->cache->ping(ctx->cache) : W3W_OK;
	if (out->cache == W3W_OK && !w3w__cache_trusted(ctx))
		out->cache = W3W_EUNAVAILABLE;
	out->events = w3w__relay_sink_failing(ctx) ? W3W_EUNAVAILABLE : W3W_OK;
	w3w_error_clear();
	out->storage = ctx->store.ping(ctx->store.handle); /* last: its message is the one left on the thread */
	return W3W_OK;
}

w3w_status w3w_ctx_ping(w3w_ctx *ctx)
{
	if (!ctx)
		return w3w_error_set(W3W_EINVAL, "ctx: NULL");
	return ctx->store.ping(ctx->store.handle);
}

void w3w_ctx_close(w3w_ctx *ctx)
{
	if (!ctx)
		return;
	w3w__follow_stop(ctx);
	w3w__relay_stop(ctx);
	if (ctx->sink)
		ctx->sink->free(ctx->sink);
	w3w__rate_local_close(ctx->rate_local); /* its last sync needs the cache */
	if (ctx->cache)
		ctx->cache->free(ctx->cache);
	if (ctx->limits)
		ctx->limits->free(ctx->limits);
	w3w__replica_close(ctx);
	w3w__store_close(&ctx->store);
	w3w__cache_debt_free(ctx);
	if (ctx->signer)
		ctx->signer->free(ctx->signer);
	sodium_memzero(ctx->opts.signer_key_hex, sizeof(ctx->opts.signer_key_hex));
	/* Wipes, then unlocks. */
	sodium_munlock(ctx->master_key, sizeof(ctx->master_key));
	sodium_munlock(ctx->opts.master_key_hex, sizeof(ctx->opts.master_key_hex));
	free(ctx);
}

w3w_status w3w_ctx_stats_get(w3w_ctx_stats *out, w3w_ctx *ctx)
{
	if (!out || !ctx)
		return w3w_error_set(W3W_EINVAL, "out/ctx: NULL");
	out->cache_hits = atomic_load(&ctx->counters.cache_hits);
	out->cache_misses = atomic_load(&ctx->counters.cache_misses);
	out->commands_ok = atomic_load(&ctx->counters.commands_ok);
	out->commands_refused = atomic_load(&ctx->counters.commands_refused);
	out->command_us_total = atomic_load(&ctx->counters.command_us);
	return W3W_OK;
}

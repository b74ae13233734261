/* Cache-aside reads (see cache_aside.h). The thread-local error is kept intact. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cache_aside.h"
#include "core/trace.h"
#include "util/assert.h"

#define MAX_TTL_US ((w3w_time)W3W__TTL_RECORD * 1000000)

/* False while some invalidation could not be delivered. Lock-free while nothing is owed (every read asks). */
int w3w__cache_trusted(w3w_ctx *ctx)
{
	w3w__cache_debt *d = &ctx->debt;
	int trusted;
	if (!atomic_load_explicit(&d->owed, memory_order_acquire))
		return 1;
	pthread_mutex_lock(&d->lock);
	trusted = d->count == 0 && (d->distrust_until == 0 || w3w_time_now() >= d->distrust_until);
	if (trusted) {
		d->distrust_until = 0;
		atomic_store_explicit(&d->owed, 0, memory_order_release);
	}
	pthread_mutex_unlock(&d->lock);
	return trusted;
}

/* A cache answer as JSON (NULL: miss or unparsable), counted as a hit or a miss. */
static cJSON *parsed(w3w_ctx *ctx, w3w_status st, char *value, size_t len)
{
	cJSON *j = st == W3W_OK ? cJSON_ParseWithLength(value, len) : NULL;
	free(value);
	atomic_fetch_add(j ? &ctx->counters.cache_hits : &ctx->counters.cache_misses, 1);
	return j;
}

/* One key's text (NULL: miss, cache down or bypassed); not counted. */
static w3w_status fetch_one(w3w_ctx *ctx, const char *key, char **value, size_t *len)
{
	w3w__span span;
	w3w_status st = W3W_ENOTFOUND;

	*value = NULL;
	*len = 0;
	if (w3w__cache_trusted(ctx)) {
		w3w__span_begin(&span, ctx, "cache.get", W3W_SPAN_CLIENT, key);
		st = ctx->cache->get(ctx->cache, key, value, len);
		w3w__span_end(&span, ctx, st);
	}
	if (st != W3W_OK)
		w3w_error_clear();
	return st;
}

cJSON *w3w__cache_lookup(w3w_ctx *ctx, const char *key)
{
	char *value;
	size_t len;
	w3w_status st = fetch_one(ctx, key, &value, &len);
	return parsed(ctx, st, value, len);
}

/* The keys' texts in one round trip where the cache can (values[i] NULL: miss); not counted. */
static void fetch_many(w3w_ctx *ctx, const char *const *keys, size_t count, char **values, size_t *lens)
{
	w3w__span span;
	w3w_status st = W3W_ENOTFOUND;

	W3W_ASSERT(count <= W3W__CACHE_MANY_MAX);
	memset(values, 0, count * sizeof(*values));
	memset(lens, 0, count * sizeof(*lens));
	if (ctx->cache->version < 2 || !ctx->cache->get_many) {
		for (size_t i = 0; i < count; i++)
			fetch_one(ctx, keys[i], &values[i], &lens[i]);
		return;
	}
	if (w3w__cache_trusted(ctx)) {
		w3w__span_begin(&span, ctx, "cache.get_many", W3W_SPAN_CLIENT, keys[0]);
		st = ctx->cache->get_many(ctx->cache, keys, count, values, lens);
		w3w__span_end(&span, ctx, st);
	}
	if (st != W3W_OK) {
		w3w_error_clear();
		for (size_t i = 0; i < count; i++) {
			free(values[i]);
			values[i] = NULL;
		}
	}
}

void w3w__cache_lookup_many(w3w_ctx *ctx, const char *const *keys, size_t count, cJSON **out)
{
	char *values[W3W__CACHE_MANY_MAX];
	size_t lens[W3W__CACHE_MANY_MAX];

	fetch_many(ctx, keys, count, values, lens);
	for (size_t i = 0; i < count; i++)
		out[i] = parsed(ctx, values[i] ? W3W_OK : W3W_ENOTFOUND, values[i], lens[i]);
}

int w3w__cache_lookup_texts(w3w_ctx *ctx, const char *const *keys, size_t count, char **values, size_t *lens)
{
	int all = 1;

	fetch_many(ctx, keys, count, values, lens);
	for (size_t i = 0; i < count; i++)
		all = all && values[i];
	return all;
}

void w3w__cache_count(w3w_ctx *ctx, int hit, size_t keys)
{
	atomic_fetch_add(hit ? &ctx->counters.cache_hits : &ctx->counters.cache_misses, keys);
}

void w3w__cache_store(w3w_ctx *ctx, const char *key, cJSON *value, int ttl_s)
{
	char *text = value && w3w__cache_trusted(ctx) ? cJSON_PrintUnformatted(value) : NULL;
	w3w__span span;
	w3w_status st;
	cJSON_Delete(value);
	if (!text)
		return;
	w3w__span_begin(&span, ctx, "cache.fill", W3W_SPAN_CLIENT, key);
	st = ctx->cache->fill(ctx->cache, key, text, strlen(text), ttl_s);
	w3w__span_end(&span, ctx, st);
	if (st != W3W_OK)
		w3w_error_clear();
	cJSON_free(text);
}

w3w_status w3w__cache_debt_init(w3w_ctx *ctx)
{
	ctx->debt.keys = calloc(W3W__PENDING_INVALIDATIONS, sizeof(*ctx->debt.keys));
	if (!ctx->debt.keys)
		return w3w_error_set(W3W_ENOMEM, "context: out of memory");
	pthread_mutex_init(&ctx->debt.lock, NULL);
	return W3W_OK;
}

void w3w__cache_debt_free(w3w_ctx *ctx)
{
	if (!ctx->debt.keys)
		return;
	pthread_mutex_destroy(&ctx->debt.lock);
	free(ctx->debt.keys);
	ctx->debt.keys = NULL;
}

/* Remember keys that could not be invalidated; on overflow distrust the cache for a full TTL. */
static void debt_add(w3w__cache_debt *d, const char *const *keys, size_t count)
{
	pthread_mutex_lock(&d->lock);
	atomic_store_explicit(&d->owed, 1, memory_order_release);
	for (size_t i = 0; i < count; i++) {
		if (d->count == W3W__PENDING_INVALIDATIONS || strlen(keys[i]) >= sizeof(d->keys[0])) {
			d->distrust_until = w3w_time_now() + MAX_TTL_US;
			continue;
		}
		strcpy(d->keys[d->count++], keys[i]);
	}
	pthread_mutex_unlock(&d->lock);
}

void w3w__cache_invalidate(w3w_ctx *ctx, const char *const *keys, size_t count)
{
	w3w__span span;
	w3w_status st;
	if (count == 0)
		return;
	w3w__span_begin(&span, ctx, "cache.invalidate", W3W_SPAN_CLIENT, keys[0]);
	st = ctx->cache->invalidate(ctx->cache, keys, count);
	w3w__span_end(&span, ctx, st);
	if (st != W3W_OK) {
		w3w_error_clear();
		debt_add(&ctx->debt, keys, count);
	}
}

void w3w__cache_retry(w3w_ctx *ctx)
{
	w3w__cache_debt *d = &ctx->debt;
	const char *keys[W3W__PENDING_INVALIDATIONS];
	char (*copy)[80];
	size_t n;

	pthread_mutex_lock(&d->lock);
	n = d->count;
	pthread_mutex_unlock(&d->lock);
	if (n == 0 || !(copy = malloc(n * sizeof(*copy))))
		return;
	/* Copy out so readers are not held behind a slow cache; new debts append after n. */
	pthread_mutex_lock(&d->lock);
	memcpy(copy, d->keys, n * sizeof(*copy));
	pthread_mutex_unlock(&d->lock);
	for (size_t i = 0; i < n; i++)
		keys[i] = copy[i];
	if (ctx->cache->invalidate(ctx->cache, keys, n) == W3W_OK) {
		pthread_mutex_lock(&d->lock);
		memmove(d->keys, d->keys + n, (d->count - n) * sizeof(*d->keys));
		d->count -= n;
		pthread_mutex_unlock(&d->lock);
	}
	free(copy);
	w3w_error_clear();
}

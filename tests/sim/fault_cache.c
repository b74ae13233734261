/*
 * Cache wrapper "sim:INNER" (INNER "memory:" for mem_cache.c or a redis://
 * URL). Honest faults: a get that fails (the caller sees a miss), a fill
 * that fails or is dropped, an invalidation that fails with nothing
 * applied. With sim_fx->lying set it also lies, as a lagging replica
 * would: serves the value a key had before its last invalidation, or
 * reports an invalidation done that it dropped. The library cannot defend
 * against a lying cache, so that mode exists to prove the checker sees
 * stale reads (a run with it must fail).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "faults.h"
#include "strmap.h"
#include "wrappers.h"
#ifdef W3W_WITH_REDIS
#include <w3wallet/sys/redis.h>
#endif

typedef struct fcache {
	w3w_cache base;
	w3w_cache *in;
	pthread_mutex_t lock;
	sim_strmap *old; /* lying mode: each key's value before its last invalidation */
} fcache;

static w3w_status unavailable(const char *what)
{
	return w3w_error_set(W3W_EUNAVAILABLE, "sim cache: %s: unreachable", what);
}

static w3w_status fc_get(w3w_cache *c, const char *key, char **value, size_t *len)
{
	fcache *f = (fcache *)c;
	sim_strmap_entry *e;
	w3w_status st = W3W_ENOTFOUND;

	if (sim_cache_fault(SIM_F_CACHE_GET))
		return unavailable("get");
	if (sim_fx && sim_fx->lying && sim_cache_fault(SIM_F_CACHE_LIE)) {
		pthread_mutex_lock(&f->lock);
		e = sim_strmap_find(f->old, key);
		if (e && e->value && (*value = malloc(e->len + 1)) != NULL) {
			memcpy(*value, e->value, e->len + 1);
			*len = e->len;
			st = W3W_OK;
		}
		pthread_mutex_unlock(&f->lock);
		if (st == W3W_OK)
			return st;
	}
	return f->in->get(f->in, key, value, len);
}

static w3w_status fc_fill(w3w_cache *c, const char *key, const char *value, size_t len, int ttl_s)
{
	fcache *f = (fcache *)c;
	if (sim_cache_fault(SIM_F_CACHE_FILL))
		return unavailable("fill");
	if (sim_cache_fault(SIM_F_CACHE_DROP))
		return W3W_OK;
	return f->in->fill(f->in, key, value, len, ttl_s);
}

/* Lying mode: remember what each key held, so a later get can serve it. */
static void remember_old(fcache *f, const char *const *keys, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		char *value = NULL;
		size_t len = 0;
		if (f->in->get(f->in, keys[i], &value, &len) == W3W_OK) {
			pthread_mutex_lock(&f->lock);
			sim_strmap_put(f->old, keys[i], value, len, INT64_MAX);
			pthread_mutex_unlock(&f->lock);
		}
		free(value);
	}
	w3w_error_clear();
}

static w3w_status fc_invalidate(w3w_cache *c, const char *const *keys, size_t count)
{
	fcache *f = (fcache *)c;
	if (sim_cache_fault(SIM_F_CACHE_INVAL))
		return unavailable("invalidate");
	if (sim_fx && sim_fx->lying) {
		remember_old(f, keys, count);
		if (sim_cache_fault(SIM_F_CACHE_LIE))
			return W3W_OK;
	}
	return f->in->invalidate(f->in, keys, count);
}

static w3w_status fc_rate_take(w3w_cache *c, const char *key, double rate_per_s, double burst,
	int *allowed, int64_t *retry_after_ms)
{
	fcache *f = (fcache *)c;
	return f->in->rate_take(f->in, key, rate_per_s, burst, allowed, retry_after_ms);
}

static w3w_status fc_ping(w3w_cache *c)
{
	fcache *f = (fcache *)c;
	return f->in->ping(f->in);
}

static void fc_free(w3w_cache *c)
{
	fcache *f = (fcache *)c;
	if (!f)
		return;
	f->in->free(f->in);
	sim_strmap_free(f->old);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

static w3w_status open_inner(w3w_cache **out, const char *url, const w3w_backend_config *cfg)
{
	if (strcmp(url, "memory:") == 0)
		return sim_mem_cache_open(out);
#ifdef W3W_WITH_REDIS
	if (strncmp(url, "redis://", 8) == 0)
		return w3w_cache_redis_open(out, url, cfg);
#endif
	return w3w_error_set(W3W_EINVAL, "sim cache: inner URL must be memory: or redis:// (built in?)");
}

static w3w_status fc_open(w3w_cache **out, const char *url, const w3w_backend_config *cfg)
{
	fcache *f;
	w3w_cache *in = NULL;
	w3w_status st;

	*out = NULL;
	if (strncmp(url, SIM_SCHEME ":", sizeof(SIM_SCHEME)) != 0)
		return w3w_error_set(W3W_EINVAL, "sim cache: URL must be " SIM_SCHEME ":INNER");
	if ((st = open_inner(&in, url + sizeof(SIM_SCHEME), cfg)) != W3W_OK)
		return st;
	if (!(f = calloc(1, sizeof(*f))) || !(f->old = sim_strmap_new())) {
		free(f);
		in->free(in);
		return w3w_error_set(W3W_ENOMEM, "sim cache: out of memory");
	}
	pthread_mutex_init(&f->lock, NULL);
	f->in = in;
	f->base.version = W3W_CACHE_VERSION;
	f->base.name = "sim";
	f->base.get = fc_get;
	f->base.fill = fc_fill;
	f->base.invalidate = fc_invalidate;
	f->base.rate_take = in->rate_take ? fc_rate_take : NULL;
	f->base.ping = fc_ping;
	f->base.free = fc_free;
	*out = &f->base;
	return W3W_OK;
}

w3w_status sim_cache_register(void)
{
	return w3w_cache_register(SIM_SCHEME, fc_open);
}

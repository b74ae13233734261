/*
 * The simulator's in-process cache (see wrappers.h): the sys/cache.h
 * contract on a logical clock. fill stores only where neither a live entry
 * nor a live tombstone is; invalidate leaves a tombstone for
 * W3W_CACHE_TOMBSTONE_MS of simulated time.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "faults.h"
#include "strmap.h"
#include "wrappers.h"

typedef struct mem_cache {
	w3w_cache base;
	pthread_mutex_t lock;
	sim_strmap *map;
} mem_cache;

static int64_t clock_ms(void)
{
	return sim_fx ? sim_fx->clock_ms : 0;
}

static w3w_status mc_get(w3w_cache *c, const char *key, char **value, size_t *len)
{
	mem_cache *m = (mem_cache *)c;
	sim_strmap_entry *e;
	w3w_status st = W3W_ENOTFOUND;

	pthread_mutex_lock(&m->lock);
	e = sim_strmap_find(m->map, key);
	if (e && e->value && e->expires_ms > clock_ms()) {
		if ((*value = malloc(e->len + 1)) != NULL) {
			memcpy(*value, e->value, e->len + 1);
			*len = e->len;
			st = W3W_OK;
		} else {
			st = W3W_ENOMEM;
		}
	}
	pthread_mutex_unlock(&m->lock);
	if (st == W3W_ENOTFOUND)
		return w3w_error_set(st, "sim cache: %s: miss", key);
	if (st == W3W_ENOMEM)
		return w3w_error_set(st, "sim cache: out of memory");
	return st;
}

static w3w_status mc_fill(w3w_cache *c, const char *key, const char *value, size_t len, int ttl_s)
{
	mem_cache *m = (mem_cache *)c;
	sim_strmap_entry *e;
	int64_t now = clock_ms();
	int rc = 0;

	pthread_mutex_lock(&m->lock);
	e = sim_strmap_find(m->map, key);
	if (!e || e->expires_ms <= now)
		rc = sim_strmap_put(m->map, key, value, len, now + (int64_t)ttl_s * 1000);
	pthread_mutex_unlock(&m->lock);
	return rc ? w3w_error_set(W3W_ENOMEM, "sim cache: out of memory") : W3W_OK;
}

static w3w_status mc_invalidate(w3w_cache *c, const char *const *keys, size_t count)
{
	mem_cache *m = (mem_cache *)c;
	int64_t until = clock_ms() + W3W_CACHE_TOMBSTONE_MS;
	int rc = 0;

	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < count && rc == 0; i++)
		rc = sim_strmap_put(m->map, keys[i], NULL, 0, until);
	pthread_mutex_unlock(&m->lock);
	return rc ? w3w_error_set(W3W_ENOMEM, "sim cache: out of memory") : W3W_OK;
}

static w3w_status mc_ping(w3w_cache *c)
{
	return W3W_OK;
}

static void mc_free(w3w_cache *c)
{
	mem_cache *m = (mem_cache *)c;
	if (!m)
		return;
	sim_strmap_free(m->map);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

w3w_status sim_mem_cache_open(w3w_cache **out)
{
	mem_cache *m = calloc(1, sizeof(*m));

	*out = NULL;
	if (!m || !(m->map = sim_strmap_new())) {
		free(m);
		return w3w_error_set(W3W_ENOMEM, "sim cache: out of memory");
	}
	pthread_mutex_init(&m->lock, NULL);
	m->base.version = W3W_CACHE_VERSION;
	m->base.name = "sim-memory";
	m->base.get = mc_get;
	m->base.fill = mc_fill;
	m->base.invalidate = mc_invalidate;
	m->base.rate_take = NULL;
	m->base.ping = mc_ping;
	m->base.free = mc_free;
	*out = &m->base;
	return W3W_OK;
}

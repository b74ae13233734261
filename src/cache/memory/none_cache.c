/* "none:" — a cache that stores nothing: every read goes to storage. */
#include <stdlib.h>

#include "core/registry.h"

static w3w_status none_get(w3w_cache *c, const char *key, char **value, size_t *len)
{
	return W3W_ENOTFOUND;
}

static w3w_status none_fill(w3w_cache *c, const char *key, const char *value, size_t len, int ttl_s)
{
	return W3W_OK;
}

static w3w_status none_invalidate(w3w_cache *c, const char *const *keys, size_t count)
{
	return W3W_OK;
}

static w3w_status none_ping(w3w_cache *c)
{
	return W3W_OK;
}

static void none_free(w3w_cache *c)
{
	free(c);
}

w3w_status w3w__cache_none_open(w3w_cache **out, const char *url, const w3w_backend_config *cfg)
{
	w3w_cache *c = calloc(1, sizeof(*c));
	if (!c)
		return w3w_error_set(W3W_ENOMEM, "none cache: out of memory");
	c->version = W3W_CACHE_VERSION;
	c->name = "none";
	c->get = none_get;
	c->fill = none_fill;
	c->invalidate = none_invalidate;
	c->rate_take = NULL;
	c->ping = none_ping;
	c->free = none_free;
	*out = c;
	return W3W_OK;
}

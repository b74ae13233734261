/* Cache-aside reads (see cache_aside.h). The thread-local error is kept intact. */
#include <stdlib.h>
#include <string.h>

#include "core/cache_aside.h"

cJSON *w3w__cache_lookup(w3w_ctx *ctx, const char *key)
{
	char *value = NULL;
	size_t len = 0;
	cJSON *j;

	if (ctx->cache->get(ctx->cache, key, &value, &len) != W3W_OK) {
		w3w_error_clear();
		return NULL;
	}
	j = cJSON_ParseWithLength(value, len);
	free(value);
	return j;
}

void w3w__cache_store(w3w_ctx *ctx, const char *key, cJSON *value, int ttl_s)
{
	char *text = value ? cJSON_PrintUnformatted(value) : NULL;
	cJSON_Delete(value);
	if (!text)
		return;
	if (ctx->cache->fill(ctx->cache, key, text, strlen(text), ttl_s) != W3W_OK)
		w3w_error_clear();
	cJSON_free(text);
}

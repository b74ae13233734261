/* The cache follower (see follow.h). */
#include <stdatomic.h>
#include <stdlib.h>

#include "core/cache_aside.h"
#include "core/event_keys.h"
#include "core/follow.h"

#define POLL_MS 100

struct w3w__follower {
	w3w_event_source *source;
	pthread_t thread;
	atomic_int stopping;
};

static void *follow_main(void *arg)
{
	w3w_ctx *ctx = arg;
	w3w__follower *f = ctx->follower;
	char keys[W3W__EVENT_KEYS_MAX][W3W__EVENT_KEY_SIZE];
	const char *ptrs[W3W__EVENT_KEYS_MAX];

	while (!atomic_load(&f->stopping)) {
		w3w_event *e = NULL;
		/* A source that is down answers EUNAVAILABLE after its own wait: just ask again. */
		if (f->source->next(f->source, &e, POLL_MS) == W3W_OK && e) {
			size_t n = w3w__event_cache_keys(e, keys);
			for (size_t i = 0; i < n; i++)
				ptrs[i] = keys[i];
			w3w__cache_invalidate(ctx, ptrs, n); /* a cache that is down becomes a debt */
		}
		w3w_event_free(e);
		w3w_error_clear();
	}
	return NULL;
}

w3w_status w3w__follow_start(w3w_ctx *ctx, const w3w_backend_config *cfg)
{
	w3w__follower *f;
	w3w_status st;

	if (!ctx->opts.cache_follow_url[0])
		return W3W_OK;
	if (!(f = calloc(1, sizeof(*f))))
		return w3w_error_set(W3W_ENOMEM, "cache follower: out of memory");
	if ((st = w3w__event_source_open_url(&f->source, ctx->opts.cache_follow_url, cfg)) != W3W_OK) {
		free(f);
		return st;
	}
	ctx->follower = f;
	if (pthread_create(&f->thread, NULL, follow_main, ctx) != 0) {
		f->source->free(f->source);
		free(f);
		ctx->follower = NULL;
		return w3w_error_set(W3W_EINTERNAL, "cache follower: cannot start its thread");
	}
	return W3W_OK;
}

void w3w__follow_stop(w3w_ctx *ctx)
{
	w3w__follower *f = ctx->follower;
	if (!f)
		return;
	atomic_store(&f->stopping, 1);
	pthread_join(f->thread, NULL);
	f->source->free(f->source);
	free(f);
	ctx->follower = NULL;
}

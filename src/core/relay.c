/*
 * The outbox relay: takes committed events from storage in order,
 * invalidates the cache keys they make stale, publishes them to the sink
 * (if any), hands acknowledged ones to in-process subscribers, and marks
 * them sent. It also seals the audit chain. It runs
 * on a background thread (woken after each commit, and polling for other
 * processes' events) or is driven by the host through w3w_events_pump().
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/audit.h"
#include "core/cache_aside.h"
#include "core/event_keys.h"
#include "core/relay.h"
#include "core/subscription.h"
#include "core/trace.h"

#define RELAY_BATCH 256
#define RELAY_POLL_MS 100
#define RELAY_BATCH_MS 5
#define SEAL_BATCH 2048
#define PURGE_EVERY_US (60 * (w3w_time)1000000)

struct w3w__relay {
	pthread_t thread;
	int thread_started;
	int stopping;
	int notified;
	pthread_mutex_t lock;    /* guards stopping, notified */
	pthread_cond_t wake;
	pthread_mutex_t pump_lock; /* one pump at a time in this process */
	w3w_time retry_after;    /* after a sink failure, wait for the batch's lease to end */
	w3w_time next_purge;
	w3w__subscribers subs;
	atomic_int sink_failing;   /* the last publish was not fully acknowledged */
};

static int lease_ms(const w3w_ctx *ctx)
{
	return 2 * ctx->opts.timeout_ms + 1000;
}

static void events_free(w3w_event *events, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(events[i].payload);
	free(events);
}

/*
 * Invalidation follows what committed, not what a caller heard: every event
 * taken here drops its cache keys, so a commit whose caller was killed or
 * lost the answer leaves no stale entry beyond one relay round. (The
 * command's own after-commit invalidation is the fast path.)
 */
static w3w_status invalidate_committed(w3w_ctx *ctx, const w3w_event *events, size_t n)
{
	char (*keys)[W3W__EVENT_KEY_SIZE] = malloc(n * W3W__EVENT_KEYS_MAX * sizeof(*keys));
	const char **ptrs = malloc(n * W3W__EVENT_KEYS_MAX * sizeof(*ptrs));
	size_t count = 0;

	if (!keys || !ptrs) {
		free(keys);
		free(ptrs);
		return w3w_error_set(W3W_ENOMEM, "events: out of memory");
	}
	for (size_t i = 0; i < n; i++)
		count += w3w__event_cache_keys(&events[i], &keys[count]);
	for (size_t i = 0; i < count; i++)
		ptrs[i] = keys[i];
	w3w__cache_invalidate(ctx, ptrs, count); /* a cache that is down becomes a debt, see cache_aside.h */
	free(ptrs);
	free(keys);
	return W3W_OK;
}

/* A "relay.publish" span for each traced event of the batch (NULL when there is no tracer). */
static w3w__span *publish_spans_begin(w3w_ctx *ctx, const w3w_event *events, size_t n)
{
	w3w__span *spans;
	w3w_trace_context parent;

	if (!w3w__tracing(ctx) || !(spans = calloc(n, sizeof(*spans))))
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (w3w__event_trace(&events[i], &parent))
			w3w__span_begin_under(&spans[i], ctx, &parent, "relay.publish", W3W_SPAN_PRODUCER, events[i].id);
	return spans;
}

static void publish_spans_end(w3w_ctx *ctx, w3w__span *spans, size_t n, const unsigned char *acked, w3w_status pub)
{
	for (size_t i = 0; spans && i < n; i++)
		w3w__span_end(&spans[i], ctx, acked[i] ? W3W_OK : pub != W3W_OK ? pub : W3W_EUNAVAILABLE);
	free(spans);
}

/* One batch: take, invalidate, publish, deliver, ack. */
static w3w_status pump_once(w3w_ctx *ctx, size_t max, size_t *delivered)
{
	w3w__relay *r = ctx->relay;
	w3w_event *events = NULL;
	size_t n = 0, nacked = 0;
	unsigned char *acked = NULL;
	int64_t *seqs = NULL;
	w3w__span *spans;
	w3w_status st, pub = W3W_OK;

	*delivered = 0;
	if (r->retry_after && w3w_time_now() < r->retry_after)
		return w3w_error_set(W3W_EUNAVAILABLE, "events: sink unavailable, retrying after the lease");
	r->retry_after = 0;
	if ((st = ctx->store.outbox.take(ctx->store.handle, max, lease_ms(ctx), &events, &n)) != W3W_OK || n == 0)
		return st;
	acked = calloc(n, 1);
	seqs = calloc(n, sizeof(*seqs));
	if (!acked || !seqs || (st = invalidate_committed(ctx, events, n)) != W3W_OK) {
		st = w3w_error_set(W3W_ENOMEM, "events: out of memory");
		goto done;
	}
	spans = publish_spans_begin(ctx, events, n);
	if (ctx->sink)
		pub = ctx->sink->publish(ctx->sink, events, n, acked);
	else
		memset(acked, 1, n);
	publish_spans_end(ctx, spans, n, acked, pub);
	atomic_store(&r->sink_failing, pub != W3W_OK || !acked[n - 1]);
	/* Deliver in order up to the first unacknowledged event; the rest is retaken later. */
	for (size_t i = 0; i < n && acked[i]; i++) {
		w3w__subscribers_deliver(&r->subs, &events[i]);
		seqs[nacked++] = events[i].seq;
	}
	if (nacked && (st = ctx->store.outbox.ack(ctx->store.handle, seqs, nacked)) != W3W_OK)
		goto done;
	*delivered = nacked;
	if (nacked < n) {
		r->retry_after = w3w_time_now() + (w3w_time)lease_ms(ctx) * 1000;
		st = pub != W3W_OK ? pub : w3w_error_set(W3W_EUNAVAILABLE, "events: sink did not acknowledge all events");
	}
done:
	free(seqs);
	free(acked);
	events_free(events, n);
	return st;
}

w3w_status w3w_events_pump(w3w_ctx *ctx, size_t max, size_t *delivered)
{
	size_t total = 0, got = 0;
	w3w_status st = W3W_OK;

	if (!ctx)
		return w3w_error_set(W3W_EINVAL, "ctx: NULL");
	if (max == 0)
		max = RELAY_BATCH;
	pthread_mutex_lock(&ctx->relay->pump_lock);
	w3w__cache_retry(ctx); /* owed invalidations first: they gate cache reads */
	while (total < max) {
		st = pump_once(ctx, max - total, &got);
		total += got;
		if (st != W3W_OK || got == 0)
			break;
	}
	pthread_mutex_unlock(&ctx->relay->pump_lock);
	if (delivered)
		*delivered = total;
	return st;
}

/* Expired idempotency keys go at most once a minute. */
static void purge_expired_keys(w3w_ctx *ctx)
{
	w3w__relay *r = ctx->relay;
	w3w_time now = w3w_time_now();
	if (now < r->next_purge)
		return;
	r->next_purge = now + PURGE_EVERY_US;
	ctx->store.market.purge_expired(ctx->store.handle, now, NULL);
}

static void *relay_main(void *arg)
{
	w3w_ctx *ctx = arg;
	w3w__relay *r = ctx->relay;

	pthread_mutex_lock(&r->lock);
	while (!r->stopping) {
		struct timespec until;
		pthread_mutex_unlock(&r->lock);

		w3w_events_pump(ctx, 0, NULL);
		w3w_audit_seal(ctx, SEAL_BATCH, NULL);
		purge_expired_keys(ctx);
		w3w_error_clear();

		pthread_mutex_lock(&r->lock);
		/*
		 * Commits wake the relay, but it waits RELAY_BATCH_MS between rounds so
		 * that under load one take/ack/seal serves many commits instead of one
		 * each (measured: per-commit rounds cost a third of claim throughput).
		 */
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += (r->notified ? RELAY_BATCH_MS : RELAY_POLL_MS) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		if (r->notified) {
			r->notified = 0;
			while (!r->stopping && pthread_cond_timedwait(&r->wake, &r->lock, &until) != ETIMEDOUT)
				;
		} else {
			while (!r->stopping && !r->notified &&
			       pthread_cond_timedwait(&r->wake, &r->lock, &until) != ETIMEDOUT)
				;
		}
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

w3w_status w3w__relay_start(w3w_ctx *ctx)
{
	w3w__relay *r = calloc(1, sizeof(*r));
	if (!r)
		return w3w_error_set(W3W_ENOMEM, "relay: out of memory");
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->wake, NULL);
	pthread_mutex_init(&r->pump_lock, NULL);
	w3w__subscribers_init(&r->subs);
	ctx->relay = r;
	if (ctx->opts.background_relay) {
		if (pthread_create(&r->thread, NULL, relay_main, ctx) != 0)
			return w3w_error_set(W3W_EINTERNAL, "relay: cannot start thread");
		r->thread_started = 1;
	}
	return W3W_OK;
}

void w3w__relay_notify(w3w_ctx *ctx)
{
	w3w__relay *r = ctx->relay;
	if (!r->thread_started)
		return;
	pthread_mutex_lock(&r->lock);
	r->notified = 1;
	pthread_cond_signal(&r->wake);
	pthread_mutex_unlock(&r->lock);
}

void w3w__relay_stop(w3w_ctx *ctx)
{
	w3w__relay *r = ctx->relay;
	if (!r)
		return;
	if (r->thread_started) {
		pthread_mutex_lock(&r->lock);
		r->stopping = 1;
		pthread_cond_signal(&r->wake);
		pthread_mutex_unlock(&r->lock);
		pthread_join(r->thread, NULL);
		/* Last drain: what committed before close leaves now if the sink is up (bounded). */
		for (int i = 0; i < 64; i++) {
			size_t n = 0;
			if (w3w_events_pump(ctx, 0, &n) != W3W_OK || n == 0)
				break;
		}
		w3w_audit_seal(ctx, 0, NULL);
		w3w_error_clear();
	}
	w3w__subscribers_destroy(&r->subs);
	pthread_cond_destroy(&r->wake);
	pthread_mutex_destroy(&r->lock);
	pthread_mutex_destroy(&r->pump_lock);
	free(r);
	ctx->relay = NULL;
}

int w3w__relay_sink_failing(w3w_ctx *ctx)
{
	return atomic_load(&ctx->relay->sink_failing);
}

w3w__subscribers *w3w__relay_subscribers(w3w_ctx *ctx)
{
	return &ctx->relay->subs;
}

/* In-process event subscribers (see subscription.h and w3wallet/events.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/context.h"
#include "core/subscription.h"

#define DEFAULT_QUEUE 1024

struct w3w_subscription {
	w3w__subscribers *owner;  /* NULL once the context closed */
	w3w_subscription *next;
	w3w_event_fn fn;
	void *userdata;
	int64_t after_seq;        /* events up to here were committed before subscribing */
	/* queue mode */
	pthread_mutex_t qlock;
	pthread_cond_t qcond;
	w3w_event **ring;
	size_t cap, head, len;
	uint64_t dropped;
};

void w3w__subscribers_init(w3w__subscribers *subs)
{
	pthread_mutex_init(&subs->lock, NULL);
	subs->head = NULL;
}

void w3w__subscribers_destroy(w3w__subscribers *subs)
{
	pthread_mutex_lock(&subs->lock);
	for (w3w_subscription *s = subs->head; s; s = s->next)
		s->owner = NULL;
	subs->head = NULL;
	pthread_mutex_unlock(&subs->lock);
	pthread_mutex_destroy(&subs->lock);
}

static w3w_event *event_copy(const w3w_event *ev)
{
	w3w_event *c = malloc(sizeof(*c));
	if (!c)
		return NULL;
	*c = *ev;
	c->payload = strdup(ev->payload ? ev->payload : "{}");
	if (!c->payload) {
		free(c);
		return NULL;
	}
	return c;
}

static void queue_push(w3w_subscription *s, const w3w_event *ev)
{
	w3w_event *c = event_copy(ev);
	pthread_mutex_lock(&s->qlock);
	if (!c) {
		s->dropped++;
	} else {
		if (s->len == s->cap) { /* full: drop the oldest */
			w3w_event_free(s->ring[s->head]);
			s->head = (s->head + 1) % s->cap;
			s->len--;
			s->dropped++;
		}
		s->ring[(s->head + s->len) % s->cap] = c;
		s->len++;
		pthread_cond_signal(&s->qcond);
	}
	pthread_mutex_unlock(&s->qlock);
}

void w3w__subscribers_deliver(w3w__subscribers *subs, const w3w_event *event)
{
	pthread_mutex_lock(&subs->lock);
	for (w3w_subscription *s = subs->head; s; s = s->next) {
		if (event->seq <= s->after_seq)
			continue;
		if (s->fn)
			s->fn(event, s->userdata);
		else
			queue_push(s, event);
	}
	pthread_mutex_unlock(&subs->lock);
}

w3w_status w3w_subscribe(w3w_subscription **out, w3w_ctx *ctx, w3w_event_fn fn, void *userdata,
	size_t queue_capacity)
{
	w3w__subscribers *subs;
	w3w_subscription *s, **tail;
	w3w_outbox_stats stats;
	w3w_status st;

	if (!out || !ctx)
		return w3w_error_set(W3W_EINVAL, "out/ctx: NULL");
	*out = NULL;
	/* The watermark: only events committed after this point are delivered. */
	if ((st = ctx->store.outbox.stats(ctx->store.handle, &stats)) != W3W_OK)
		return st;
	s = calloc(1, sizeof(*s));
	if (!s)
		return w3w_error_set(W3W_ENOMEM, "subscription: out of memory");
	s->after_seq = stats.last_seq;
	s->fn = fn;
	s->userdata = userdata;
	if (!fn) {
		s->cap = queue_capacity ? queue_capacity : DEFAULT_QUEUE;
		s->ring = calloc(s->cap, sizeof(*s->ring));
		if (!s->ring) {
			free(s);
			return w3w_error_set(W3W_ENOMEM, "subscription: out of memory");
		}
	}
	pthread_mutex_init(&s->qlock, NULL);
	pthread_cond_init(&s->qcond, NULL);
	subs = w3w__relay_subscribers(ctx);
	s->owner = subs;
	pthread_mutex_lock(&subs->lock);
	for (tail = &subs->head; *tail; tail = &(*tail)->next)
		;
	*tail = s;
	pthread_mutex_unlock(&subs->lock);
	*out = s;
	return W3W_OK;
}

w3w_status w3w_subscription_next(w3w_event **out, w3w_subscription *s, int timeout_ms)
{
	struct timespec until;
	w3w_status st = W3W_OK;

	if (!out || !s)
		return w3w_error_set(W3W_EINVAL, "out/subscription: NULL");
	*out = NULL;
	if (s->fn)
		return w3w_error_set(W3W_EINVAL, "subscription: has a callback, nothing is queued");
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&s->qlock);
	while (s->len == 0 && timeout_ms > 0 &&
	       pthread_cond_timedwait(&s->qcond, &s->qlock, &until) != ETIMEDOUT)
		;
	if (s->len == 0) {
		st = w3w_error_set(W3W_ENOTFOUND, "subscription: no event within %d ms", timeout_ms);
	} else {
		*out = s->ring[s->head];
		s->head = (s->head + 1) % s->cap;
		s->len--;
	}
	pthread_mutex_unlock(&s->qlock);
	return st;
}

uint64_t w3w_subscription_dropped(const w3w_subscription *s)
{
	return s ? s->dropped : 0;
}

void w3w_unsubscribe(w3w_subscription *s)
{
	if (!s)
		return;
	if (s->owner) {
		w3w__subscribers *subs = s->owner;
		pthread_mutex_lock(&subs->lock);
		for (w3w_subscription **p = &subs->head; *p; p = &(*p)->next)
			if (*p == s) {
				*p = s->next;
				break;
			}
		pthread_mutex_unlock(&subs->lock);
	}
	while (s->len) {
		w3w_event_free(s->ring[s->head]);
		s->head = (s->head + 1) % s->cap;
		s->len--;
	}
	free(s->ring);
	pthread_cond_destroy(&s->qcond);
	pthread_mutex_destroy(&s->qlock);
	free(s);
}

void w3w_event_free(w3w_event *event)
{
	if (!event)
		return;
	free(event->payload);
	free(event);
}

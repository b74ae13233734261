/* Local token buckets reconciled with the cache's in batches (see rate_local.h). */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/rate_local.h"

#define SHARDS 16
#define HEADS 1024
#define SYNC_BATCH 512
/* A take that needs syncs (others' takes may use up each one's quota first) gives up after this long. */
#define WAIT_SYNC_MS 1000

typedef struct bucket {
	struct bucket *next;
	double rate, burst;
	double view;        /* tokens as this host sees them at at_us (its own takes subtracted) */
	int64_t at_us;
	int64_t used_us;    /* last take: idle buckets are dropped */
	uint32_t pending;   /* taken here, not sent to the cache yet */
	uint32_t inflight;  /* taken here, in the sync under way */
	int syncing;
	char key[];
} bucket;

typedef struct shard {
	pthread_mutex_t mu;
	pthread_cond_t synced;  /* a sync of one of its buckets ended */
	bucket *heads[HEADS];
} shard;

struct w3w__rate_local {
	w3w_cache *cache;
	shard shards[SHARDS];
	atomic_size_t count;
	pthread_mutex_t run_mu;
	pthread_cond_t run_cv;
	atomic_int started;
	int stopping;
	pthread_t thread;
};

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void deadline_after_ms(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_nsec += (long)ms * 1000000L;
	ts->tv_sec += ts->tv_nsec / 1000000000L;
	ts->tv_nsec %= 1000000000L;
}

static void cond_init_monotonic(pthread_cond_t *cv)
{
	pthread_condattr_t a;
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(cv, &a);
	pthread_condattr_destroy(&a);
}

static uint32_t hash_key(const char *s)
{
	uint32_t h = 2166136261u;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

uint32_t w3w__rate_local_quota(double burst)
{
	double q = floor(burst / W3W__RATE_LOCAL_DIVISOR);
	return q < 1 ? 1 : q > 1e6 ? 1000000u : (uint32_t)q;
}

static void refill(bucket *b, int64_t now)
{
	if (now > b->at_us) {
		b->view = fmin(b->burst, b->view + (double)(now - b->at_us) * b->rate / 1e6);
		b->at_us = now;
	}
}

/* Under the shard's lock: hand what was taken to a sync. */
static void sync_begin(bucket *b, w3w_cache_rate_sync *item)
{
	b->syncing = 1;
	b->inflight = b->pending;
	b->pending = 0;
	*item = (w3w_cache_rate_sync){ .key = b->key, .rate_per_s = b->rate, .burst = b->burst, .taken = b->inflight };
}

/* Under the shard's lock: the cache's answer (or its failure: the takes go back to pending). */
static void sync_end(shard *s, bucket *b, w3w_status st, double tokens, int64_t now)
{
	b->syncing = 0;
	if (st == W3W_OK) {
		b->view = fmin(b->burst, tokens) - b->pending; /* the takes made during the round trip */
		b->at_us = now;
	} else {
		b->pending += b->inflight;
	}
	b->inflight = 0;
	pthread_cond_broadcast(&s->synced);
}

static w3w_status cache_sync(w3w__rate_local *rl, w3w_cache_rate_sync *items, size_t n)
{
	w3w_status st = rl->cache->rate_sync(rl->cache, items, n);
	if (st != W3W_OK)
		w3w_error_clear();
	return st;
}

/* Idle long enough that the shared bucket has refilled, and nothing owed to the cache. */
static int idle(const bucket *b, int64_t now)
{
	return !b->syncing && !b->pending && !b->inflight &&
		now - b->used_us > (int64_t)(b->burst / b->rate * 1e6) + 5000000;
}

/* One round of the sync thread: every bucket with takes, SYNC_BATCH per round trip; drops idle ones. */
static void sync_round(w3w__rate_local *rl)
{
	w3w_cache_rate_sync items[SYNC_BATCH];
	bucket *owners[SYNC_BATCH];
	shard *of[SYNC_BATCH];
	size_t n = 0;
	int64_t now = now_us();

	for (size_t si = 0; si < SHARDS; si++) {
		shard *s = &rl->shards[si];
		pthread_mutex_lock(&s->mu);
		for (size_t h = 0; h < HEADS; h++) {
			for (bucket **pp = &s->heads[h]; *pp;) {
				bucket *b = *pp;
				if (idle(b, now)) {
					*pp = b->next;
					free(b);
					atomic_fetch_sub(&rl->count, 1);
					continue;
				}
				if (b->pending && !b->syncing && n < SYNC_BATCH) {
					sync_begin(b, &items[n]);
					owners[n] = b;
					of[n++] = s;
				}
				pp = &b->next;
			}
		}
		pthread_mutex_unlock(&s->mu);
		if (n == SYNC_BATCH || (si == SHARDS - 1 && n)) {
			w3w_status st = cache_sync(rl, items, n);
			int64_t done = now_us();
			for (size_t i = 0; i < n; i++) {
				pthread_mutex_lock(&of[i]->mu);
				sync_end(of[i], owners[i], st, items[i].tokens, done);
				pthread_mutex_unlock(&of[i]->mu);
			}
			n = 0;
		}
	}
}

static void *sync_main(void *arg)
{
	w3w__rate_local *rl = arg;
	struct timespec ts;
	pthread_mutex_lock(&rl->run_mu);
	while (!rl->stopping) {
		deadline_after_ms(&ts, W3W__RATE_SYNC_MS);
		pthread_cond_timedwait(&rl->run_cv, &rl->run_mu, &ts);
		pthread_mutex_unlock(&rl->run_mu);
		sync_round(rl);
		pthread_mutex_lock(&rl->run_mu);
	}
	pthread_mutex_unlock(&rl->run_mu);
	return NULL;
}

static void start_thread(w3w__rate_local *rl)
{
	pthread_mutex_lock(&rl->run_mu);
	if (!rl->started && !rl->stopping)
		atomic_store(&rl->started, pthread_create(&rl->thread, NULL, sync_main, rl) == 0);
	pthread_mutex_unlock(&rl->run_mu);
}

w3w_status w3w__rate_local_open(w3w__rate_local **out, w3w_cache *cache)
{
	w3w__rate_local *rl;
	*out = NULL;
	if (!cache || cache->version < 2 || !cache->rate_sync)
		return W3W_OK;
	if (!(rl = calloc(1, sizeof *rl)))
		return w3w_error_set(W3W_ENOMEM, "rate limiter: out of memory");
	rl->cache = cache;
	for (size_t i = 0; i < SHARDS; i++) {
		pthread_mutex_init(&rl->shards[i].mu, NULL);
		cond_init_monotonic(&rl->shards[i].synced);
	}
	pthread_mutex_init(&rl->run_mu, NULL);
	cond_init_monotonic(&rl->run_cv);
	*out = rl;
	return W3W_OK;
}

void w3w__rate_local_close(w3w__rate_local *rl)
{
	if (!rl)
		return;
	pthread_mutex_lock(&rl->run_mu);
	rl->stopping = 1;
	pthread_cond_signal(&rl->run_cv);
	pthread_mutex_unlock(&rl->run_mu);
	if (atomic_load(&rl->started)) {
		pthread_join(rl->thread, NULL);
		sync_round(rl); /* hand the last takes to the cache */
	}
	for (size_t i = 0; i < SHARDS; i++) {
		for (size_t h = 0; h < HEADS; h++)
			for (bucket *b = rl->shards[i].heads[h], *next; b; b = next) {
				next = b->next;
				free(b);
			}
		pthread_mutex_destroy(&rl->shards[i].mu);
		pthread_cond_destroy(&rl->shards[i].synced);
	}
	pthread_mutex_destroy(&rl->run_mu);
	pthread_cond_destroy(&rl->run_cv);
	free(rl);
}

/* Under the shard's lock: the key's bucket, made (full, as a bucket the cache has never seen) if new. */
static bucket *find_or_add(w3w__rate_local *rl, shard *s, uint32_t h, const char *key, double rate, double burst,
	int64_t now)
{
	bucket **head = &s->heads[(h / SHARDS) % HEADS], *b;
	size_t len;
	for (b = *head; b; b = b->next)
		if (strcmp(b->key, key) == 0)
			return b;
	if (atomic_load(&rl->count) >= W3W__RATE_LOCAL_MAX)
		return NULL;
	len = strlen(key);
	if (!(b = calloc(1, sizeof *b + len + 1)))
		return NULL;
	memcpy(b->key, key, len + 1);
	b->rate = rate;
	b->burst = burst;
	b->view = burst;
	b->at_us = b->used_us = now;
	b->next = *head;
	*head = b;
	atomic_fetch_add(&rl->count, 1);
	return b;
}

/* Under the shard's lock, released during the round trip: sync this one bucket now. */
static w3w_status sync_now(w3w__rate_local *rl, shard *s, bucket *b)
{
	w3w_cache_rate_sync item;
	w3w_status st;
	sync_begin(b, &item);
	pthread_mutex_unlock(&s->mu);
	st = cache_sync(rl, &item, 1);
	pthread_mutex_lock(&s->mu);
	sync_end(s, b, st, item.tokens, now_us());
	return st;
}

w3w_status w3w__rate_local_take(w3w__rate_local *rl, const char *key, double rate_per_s, double burst,
	int *allowed, int64_t *retry_after_ms)
{
	uint32_t h = hash_key(key), q = w3w__rate_local_quota(burst);
	shard *s = &rl->shards[h % SHARDS];
	w3w_status st = W3W_OK;
	struct timespec deadline;
	bucket *b;

	deadline_after_ms(&deadline, WAIT_SYNC_MS);
	if (!atomic_load_explicit(&rl->started, memory_order_relaxed))
		start_thread(rl);
	pthread_mutex_lock(&s->mu);
	if (!(b = find_or_add(rl, s, h, key, rate_per_s, burst, now_us()))) {
		pthread_mutex_unlock(&s->mu); /* too many keys (or no memory): the shared bucket directly */
		return rl->cache->rate_take(rl->cache, key, rate_per_s, burst, allowed, retry_after_ms);
	}
	b->rate = rate_per_s;
	b->burst = burst;
	for (;;) {
		refill(b, now_us());
		if (b->view < 1) {
			*allowed = 0;
			*retry_after_ms = (int64_t)ceil((1 - b->view) * 1000 / b->rate);
			break;
		}
		if (b->pending + b->inflight < q) {
			b->view -= 1;
			b->pending++;
			b->used_us = b->at_us;
			*allowed = 1;
			*retry_after_ms = 0;
			break;
		}
		/* q admissions the cache has not counted: count them before admitting more */
		if (b->syncing) {
			if (pthread_cond_timedwait(&s->synced, &s->mu, &deadline) == ETIMEDOUT) {
				st = w3w_error_set(W3W_EUNAVAILABLE, "rate limiter: no sync with the cache in %d ms", WAIT_SYNC_MS);
				break;
			}
		} else if ((st = sync_now(rl, s, b)) != W3W_OK) {
			st = w3w_error_set(W3W_EUNAVAILABLE, "rate limiter: the cache cannot be reached to sync");
			break;
		}
	}
	pthread_mutex_unlock(&s->mu);
	return st;
}

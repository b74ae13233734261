/* The near cache (see redis_near.h): sharded LRU maps and the invalidation subscriber. */
#include "cache/redis/redis_near.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "w3wallet/sys/backend.h"

#define SHARDS 16
#define POLL_MS 50
static const char CHANNEL[] = "__redis__:invalidate";

typedef struct entry {
	struct entry *hnext;        /* bucket chain */
	struct entry *prev, *next;  /* LRU list, head = most recent */
	uint64_t hash;
	size_t key_len, len;
	char *value;                /* NUL-terminated */
	char key[];
} entry;

typedef struct shard {
	pthread_mutex_t mu;
	entry **buckets;
	size_t mask;                /* buckets - 1 (a power of two) */
	entry *head, *tail;
	size_t count, cap;
	_Atomic uint64_t seq;       /* bumped, under mu, by every invalidation here */
} shard;

struct w3w__near {
	shard shards[SHARDS];
	w3w__redis_pool *pool;
	pthread_mutex_t mu;         /* guards sub_id with the epoch changes */
	long long sub_id;           /* the subscriber's client id; -1: none */
	_Atomic uint64_t epoch;     /* changes whenever the subscriber does; never 0 */
	atomic_int live;            /* a subscriber is listening: entries may be served */
	_Atomic uint64_t flushes;
	_Atomic uint64_t hits, stores, invalidations;
	atomic_int stop;
	pthread_t thread;
};

static uint64_t hash_of(const char *key, size_t len)
{
	uint64_t h = 1469598103934665603ULL;   /* FNV-1a */
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)key[i];
		h *= 1099511628211ULL;
	}
	/* FNV leaves the high bits (the shard) barely touched by the last bytes: mix */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

static shard *shard_of(w3w__near *n, uint64_t h)
{
	return &n->shards[h >> 60];
}

static entry **slot_of(shard *s, uint64_t h, const char *key, size_t len)
{
	entry **p = &s->buckets[h & s->mask];
	while (*p && !((*p)->hash == h && (*p)->key_len == len && memcmp((*p)->key, key, len) == 0))
		p = &(*p)->hnext;
	return p;
}

static void lru_unlink(shard *s, entry *e)
{
	if (e->prev) e->prev->next = e->next; else s->head = e->next;
	if (e->next) e->next->prev = e->prev; else s->tail = e->prev;
	e->prev = e->next = NULL;
}

static void lru_push(shard *s, entry *e)
{
	e->next = s->head;
	e->prev = NULL;
	if (s->head) s->head->prev = e; else s->tail = e;
	s->head = e;
}

/* Unlink `*p` from its bucket and the LRU list and free it (s->mu held). */
static void remove_at(shard *s, entry **p)
{
	entry *e = *p;
	*p = e->hnext;
	lru_unlink(s, e);
	s->count--;
	free(e->value);
	free(e);
}

static void shard_clear(shard *s)
{
	pthread_mutex_lock(&s->mu);
	atomic_fetch_add(&s->seq, 1);
	while (s->head)
		remove_at(s, slot_of(s, s->head->hash, s->head->key, s->head->key_len));
	pthread_mutex_unlock(&s->mu);
}

/* Forget everything: the counter first, so a read in flight cannot store afterwards. */
static void flush_all(w3w__near *n)
{
	atomic_fetch_add(&n->flushes, 1);
	for (size_t i = 0; i < SHARDS; i++)
		shard_clear(&n->shards[i]);
}

void w3w__near_drop(w3w__near *n, const char *key, size_t key_len)
{
	uint64_t h = hash_of(key, key_len);
	shard *s = shard_of(n, h);
	entry **p;
	pthread_mutex_lock(&s->mu);
	atomic_fetch_add(&s->seq, 1);
	if (*(p = slot_of(s, h, key, key_len)))
		remove_at(s, p);
	pthread_mutex_unlock(&s->mu);
}

int w3w__near_get(w3w__near *n, const char *key, size_t key_len, char **value, size_t *len)
{
	uint64_t h = hash_of(key, key_len);
	shard *s = shard_of(n, h);
	entry *e;
	char *copy = NULL;

	if (!atomic_load(&n->live))
		return 0;
	pthread_mutex_lock(&s->mu);
	if ((e = *slot_of(s, h, key, key_len)) && (copy = malloc(e->len + 1))) {
		memcpy(copy, e->value, e->len + 1);
		*len = e->len;
		lru_unlink(s, e);
		lru_push(s, e);
	}
	pthread_mutex_unlock(&s->mu);
	if (!copy)
		return 0;
	*value = copy;
	atomic_fetch_add_explicit(&n->hits, 1, memory_order_relaxed);
	return 1;
}

w3w__near_ticket w3w__near_ticket_for(w3w__near *n, const char *key, size_t key_len)
{
	w3w__near_ticket t;
	t.flushes = atomic_load(&n->flushes);
	t.shard_seq = atomic_load(&shard_of(n, hash_of(key, key_len))->seq);
	return t;
}

void w3w__near_store(w3w__near *n, const char *key, size_t key_len, const char *value, size_t len,
	uint64_t tag, w3w__near_ticket ticket)
{
	uint64_t h = hash_of(key, key_len);
	shard *s = shard_of(n, h);
	entry *e, **p;

	if (len > W3W__NEAR_MAX_VALUE || tag == 0)
		return;
	e = malloc(sizeof *e + key_len);
	if (!e || !(e->value = malloc(len + 1))) {
		free(e);
		return;
	}
	memcpy(e->key, key, key_len);
	memcpy(e->value, value, len);
	e->value[len] = '\0';
	e->key_len = key_len;
	e->len = len;
	e->hash = h;
	pthread_mutex_lock(&s->mu);
	/* raced by an invalidation, a flush or a new subscriber: drop the value */
	if (!atomic_load(&n->live) || tag != atomic_load(&n->epoch) ||
	    ticket.flushes != atomic_load(&n->flushes) || ticket.shard_seq != atomic_load(&s->seq)) {
		pthread_mutex_unlock(&s->mu);
		free(e->value);
		free(e);
		return;
	}
	if (*(p = slot_of(s, h, key, key_len)))
		remove_at(s, p);
	while (s->count >= s->cap)
		remove_at(s, slot_of(s, s->tail->hash, s->tail->key, s->tail->key_len));
	e->hnext = s->buckets[h & s->mask];
	s->buckets[h & s->mask] = e;
	lru_push(s, e);
	s->count++;
	pthread_mutex_unlock(&s->mu);
	atomic_fetch_add_explicit(&n->stores, 1, memory_order_relaxed);
}

void w3w__near_stats_get(w3w__near *n, w3w__near_stats *out)
{
	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < SHARDS; i++) {
		pthread_mutex_lock(&n->shards[i].mu);
		out->entries += n->shards[i].count;
		pthread_mutex_unlock(&n->shards[i].mu);
	}
	out->hits = atomic_load(&n->hits);
	out->stores = atomic_load(&n->stores);
	out->invalidations = atomic_load(&n->invalidations);
	out->flushes = atomic_load(&n->flushes);
	out->live = atomic_load(&n->live);
	out->epoch = atomic_load(&n->epoch);
}

/* ---- pool hooks ----------------------------------------------------------- */

/* Each new pooled connection tracks (OPTIN) for the live subscriber; its tag is that epoch. */
static uint64_t on_connect(void *arg, redisContext *c)
{
	w3w__near *n = arg;
	redisReply *r;
	uint64_t epoch;
	long long id;
	int ok;

	pthread_mutex_lock(&n->mu);
	id = n->sub_id;
	epoch = atomic_load(&n->epoch);
	pthread_mutex_unlock(&n->mu);
	if (id < 0)
		return 0;
	r = redisCommand(c, "CLIENT TRACKING on REDIRECT %lld OPTIN", id);
	ok = r && r->type == REDIS_REPLY_STATUS;
	if (r) freeReplyObject(r);
	return ok ? epoch : 0;
}

/* A tracking connection closed: Redis no longer reports its keys. */
static void on_drop(void *arg)
{
	flush_all(arg);
}

/* ---- subscriber ------------------------------------------------------------ */

static void go_live(w3w__near *n, long long id)
{
	pthread_mutex_lock(&n->mu);
	n->sub_id = id;
	atomic_fetch_add(&n->epoch, 1);
	pthread_mutex_unlock(&n->mu);
	flush_all(n);
	/* connections made before track nothing or for a dead subscriber: remake them */
	w3w__redis_pool_retire(n->pool);
	atomic_store(&n->live, 1);
}

static void go_dead(w3w__near *n)
{
	pthread_mutex_lock(&n->mu);
	atomic_store(&n->live, 0);
	n->sub_id = -1;
	atomic_fetch_add(&n->epoch, 1);
	pthread_mutex_unlock(&n->mu);
	flush_all(n);
}

/* CLIENT ID, then SUBSCRIBE; the subscriber's id, or -1. */
static long long subscribe(redisContext *c)
{
	long long id = -1;
	redisReply *r = redisCommand(c, "CLIENT ID");
	if (r && r->type == REDIS_REPLY_INTEGER)
		id = r->integer;
	if (r) freeReplyObject(r);
	if (id < 0)
		return -1;
	r = redisCommand(c, "SUBSCRIBE %s", CHANNEL);
	if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 3)
		id = -1;
	if (r) freeReplyObject(r);
	return id;
}

/* One pushed message: ["message", channel, [keys...] or nil = everything]. */
static void on_message(w3w__near *n, const redisReply *r)
{
	const redisReply *keys;
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 3 || r->element[0]->type != REDIS_REPLY_STRING ||
	    strcmp(r->element[0]->str, "message") != 0)
		return;   /* a PING answer */
	keys = r->element[2];
	if (keys->type != REDIS_REPLY_ARRAY) {
		flush_all(n);   /* FLUSHALL/FLUSHDB */
		return;
	}
	for (size_t i = 0; i < keys->elements; i++)
		if (keys->element[i]->type == REDIS_REPLY_STRING) {
			w3w__near_drop(n, keys->element[i]->str, keys->element[i]->len);
			atomic_fetch_add_explicit(&n->invalidations, 1, memory_order_relaxed);
		}
}

/* Read pushes until the connection fails, falls silent, or stop. */
static void listen_on(w3w__near *n, redisContext *c)
{
	int64_t last_rx = w3w__redis_now_ms(), last_ping = last_rx;
	while (!atomic_load(&n->stop)) {
		struct pollfd pfd = { c->fd, POLLIN, 0 };
		int64_t now;
		int ready = poll(&pfd, 1, POLL_MS);
		if (ready < 0 && errno != EINTR)
			return;
		now = w3w__redis_now_ms();
		if (ready > 0) {
			void *reply = NULL;
			if (redisBufferRead(c) != REDIS_OK)
				return;
			last_rx = now;
			while (redisGetReplyFromReader(c, &reply) == REDIS_OK && reply) {
				on_message(n, reply);
				freeReplyObject(reply);
				reply = NULL;
			}
			if (c->err)
				return;
		}
		if (now - last_rx > 3 * W3W__NEAR_PING_MS)
			return;   /* silent: the server or the path to it is gone */
		if (now - last_ping >= W3W__NEAR_PING_MS) {
			int done = 0;
			last_ping = now;
			if (redisAppendCommand(c, "PING") != REDIS_OK)
				return;
			while (!done)
				if (redisBufferWrite(c, &done) != REDIS_OK)
					return;
			/* killed idle tracking connections would go unnoticed until used */
			w3w__redis_pool_sweep(n->pool);
		}
	}
}

static void sleep_unless_stopped(w3w__near *n, int ms)
{
	for (int slept = 0; slept < ms && !atomic_load(&n->stop); slept += POLL_MS) {
		struct timespec ts = { 0, POLL_MS * 1000000L };
		nanosleep(&ts, NULL);
	}
}

static void *subscriber_main(void *arg)
{
	w3w__near *n = arg;
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);   /* SIGPIPE included: signals are the host's */
	while (!atomic_load(&n->stop)) {
		char err[256];
		redisContext *c = w3w__redis_connect(n->pool, n->pool->connect_timeout_ms, err, sizeof err);
		long long id = c ? subscribe(c) : -1;
		if (id >= 0) {
			go_live(n, id);
			listen_on(n, c);
			go_dead(n);
		}
		if (c) redisFree(c);
		sleep_unless_stopped(n, W3W__REDIS_RETRY_MS);
	}
	return NULL;
}

/* ---- lifetime ---------------------------------------------------------------- */

static void shards_free(w3w__near *n, size_t made)
{
	for (size_t i = 0; i < made; i++) {
		shard_clear(&n->shards[i]);
		free(n->shards[i].buckets);
		pthread_mutex_destroy(&n->shards[i].mu);
	}
}

w3w_status w3w__near_start(w3w__near **out, w3w__redis_pool *pool, size_t capacity)
{
	w3w__near *n = calloc(1, sizeof *n);
	size_t cap = (capacity + SHARDS - 1) / SHARDS, made = 0, buckets = 1;

	*out = NULL;
	if (!n)
		return w3w_error_set(W3W_ENOMEM, "redis near cache: out of memory");
	while (buckets < cap) buckets <<= 1;
	for (; made < SHARDS; made++) {
		shard *s = &n->shards[made];
		s->cap = cap ? cap : 1;
		s->mask = buckets - 1;
		if (!(s->buckets = calloc(buckets, sizeof *s->buckets)))
			break;
		if (pthread_mutex_init(&s->mu, NULL) != 0) {
			free(s->buckets);
			break;
		}
	}
	if (made < SHARDS || pthread_mutex_init(&n->mu, NULL) != 0) {
		shards_free(n, made);
		free(n);
		return w3w_error_set(W3W_ENOMEM, "redis near cache: out of memory");
	}
	n->pool = pool;
	n->sub_id = -1;
	atomic_store(&n->epoch, 1);
	pool->on_connect = on_connect;
	pool->on_drop = on_drop;
	pool->hook_arg = n;
	if (pthread_create(&n->thread, NULL, subscriber_main, n) != 0) {
		pool->on_connect = NULL;
		pool->on_drop = NULL;
		pool->hook_arg = NULL;
		pthread_mutex_destroy(&n->mu);
		shards_free(n, SHARDS);
		free(n);
		return w3w_error_set(W3W_EINTERNAL, "redis near cache: cannot start the subscriber thread");
	}
	*out = n;
	return W3W_OK;
}

void w3w__near_stop(w3w__near *n)
{
	if (!n) return;
	atomic_store(&n->stop, 1);
	pthread_join(n->thread, NULL);
	n->pool->on_connect = NULL;
	n->pool->on_drop = NULL;
	n->pool->hook_arg = NULL;
	pthread_mutex_destroy(&n->mu);
	shards_free(n, SHARDS);
	free(n);
}

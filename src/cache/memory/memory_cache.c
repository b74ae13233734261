/*
 * In-process cache ("memory:" or "memory:?max=N"): a hash table with LRU
 * eviction, per-entry TTL and tombstones, behind one mutex. Also the
 * "none:" cache, which always misses.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/registry.h"
#include "w3wallet/id.h"

#define DEFAULT_MAX_ENTRIES 100000

typedef struct entry {
	char *key;
	char *value;          /* NULL: tombstone */
	size_t len;
	w3w_time expires_at;
	struct entry *hnext;  /* hash chain */
	struct entry *prev, *next; /* LRU list, most recent at head */
} entry;

typedef struct memory_cache {
	w3w_cache base;
	/* Shared by every context of the process on the same storage (see w3w__cache_memory_shared). */
	char *shared_key;
	int refs;
	struct memory_cache *next_shared;
	pthread_mutex_t lock;
	entry **buckets;
	size_t nbuckets, count, max;
	entry *head, *tail;
} memory_cache;

static size_t hash_key(const char *s)
{
	size_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static void lru_unlink(memory_cache *m, entry *e)
{
	if (e->prev) e->prev->next = e->next; else m->head = e->next;
	if (e->next) e->next->prev = e->prev; else m->tail = e->prev;
	e->prev = e->next = NULL;
}

static void lru_push(memory_cache *m, entry *e)
{
	e->next = m->head;
	e->prev = NULL;
	if (m->head) m->head->prev = e;
	m->head = e;
	if (!m->tail) m->tail = e;
}

static entry **find_slot(memory_cache *m, const char *key)
{
	entry **p = &m->buckets[hash_key(key) % m->nbuckets];
	while (*p && strcmp((*p)->key, key) != 0)
		p = &(*p)->hnext;
	return p;
}

static void entry_remove(memory_cache *m, entry **slot)
{
	entry *e = *slot;
	*slot = e->hnext;
	lru_unlink(m, e);
	free(e->key);
	free(e->value);
	free(e);
	m->count--;
}

/* Insert or replace; evicts the least recently used entry when full. */
static w3w_status entry_put(memory_cache *m, const char *key, const char *value, size_t len, w3w_time expires_at)
{
	entry **slot = find_slot(m, key);
	entry *e = *slot;
	char *copy = NULL;

	if (value) {
		copy = malloc(len + 1);
		if (!copy)
			return w3w_error_set(W3W_ENOMEM, "memory cache: out of memory");
		memcpy(copy, value, len);
		copy[len] = '\0';
	}
	if (!e) {
		if (m->count >= m->max && m->tail)
			entry_remove(m, find_slot(m, m->tail->key));
		slot = find_slot(m, key);
		e = calloc(1, sizeof(*e));
		if (!e || !(e->key = strdup(key))) {
			free(e);
			free(copy);
			return w3w_error_set(W3W_ENOMEM, "memory cache: out of memory");
		}
		*slot = e;
		m->count++;
	} else {
		lru_unlink(m, e);
		free(e->value);
	}
	e->value = copy;
	e->len = len;
	e->expires_at = expires_at;
	lru_push(m, e);
	return W3W_OK;
}

static w3w_status mem_get(w3w_cache *c, const char *key, char **value, size_t *len)
{
	memory_cache *m = (memory_cache *)c;
	w3w_status st = W3W_ENOTFOUND;
	entry **slot;

	pthread_mutex_lock(&m->lock);
	slot = find_slot(m, key);
	if (*slot && (*slot)->expires_at <= w3w_time_now()) {
		entry_remove(m, slot);
	} else if (*slot && (*slot)->value) {
		entry *e = *slot;
		char *copy = malloc(e->len + 1);
		if (copy) {
			memcpy(copy, e->value, e->len + 1);
			*value = copy;
			*len = e->len;
			lru_unlink(m, e);
			lru_push(m, e);
			st = W3W_OK;
		}
	}
	pthread_mutex_unlock(&m->lock);
	return st;
}

static w3w_status mem_fill(w3w_cache *c, const char *key, const char *value, size_t len, int ttl_s)
{
	memory_cache *m = (memory_cache *)c;
	w3w_status st = W3W_OK;
	entry **slot;
	w3w_time now = w3w_time_now();

	pthread_mutex_lock(&m->lock);
	slot = find_slot(m, key);
	if (*slot && (*slot)->expires_at <= now)
		entry_remove(m, slot), slot = NULL;
	if (!slot || !*slot)
		st = entry_put(m, key, value, len, now + (w3w_time)ttl_s * 1000000);
	pthread_mutex_unlock(&m->lock);
	return st;
}

static w3w_status mem_invalidate(w3w_cache *c, const char *const *keys, size_t count)
{
	memory_cache *m = (memory_cache *)c;
	w3w_status st = W3W_OK;
	w3w_time until = w3w_time_now() + (w3w_time)W3W_CACHE_TOMBSTONE_MS * 1000;

	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < count && st == W3W_OK; i++)
		st = entry_put(m, keys[i], NULL, 0, until);
	pthread_mutex_unlock(&m->lock);
	return st;
}

/* Token buckets live in the same LRU table, as {tokens, at} bytes under the caller's key. */
typedef struct bucket_state {
	double tokens;
	w3w_time at;
} bucket_state;

static w3w_status mem_rate_take(w3w_cache *c, const char *key, double rate, double burst,
	int *allowed, int64_t *retry_after_ms)
{
	memory_cache *m = (memory_cache *)c;
	bucket_state b = { burst, 0 };
	w3w_time now = w3w_time_now();
	w3w_status st;
	entry **slot;

	pthread_mutex_lock(&m->lock);
	slot = find_slot(m, key);
	if (*slot && (*slot)->value && (*slot)->len == sizeof(b))
		memcpy(&b, (*slot)->value, sizeof(b));
	else
		b.at = now;
	b.tokens += (double)(now - b.at) / 1e6 * rate;
	if (b.tokens > burst)
		b.tokens = burst;
	b.at = now;
	*allowed = b.tokens >= 1.0;
	if (*allowed) {
		b.tokens -= 1.0;
		*retry_after_ms = 0;
	} else {
		*retry_after_ms = (int64_t)((1.0 - b.tokens) / rate * 1000.0) + 1;
	}
	/* Idle for as long as a full refill takes, the bucket is full again: let it expire. */
	st = entry_put(m, key, (const char *)&b, sizeof(b), now + (w3w_time)(burst / rate * 1e6) + 1000000);
	pthread_mutex_unlock(&m->lock);
	return st;
}

static w3w_status mem_ping(w3w_cache *c)
{
	(void)c;
	return W3W_OK;
}

static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;
static memory_cache *shared_head;

static void mem_destroy(memory_cache *m);

static void mem_free(w3w_cache *c)
{
	memory_cache *m = (memory_cache *)c;
	if (m->shared_key) {
		pthread_mutex_lock(&shared_lock);
		if (--m->refs > 0) {
			pthread_mutex_unlock(&shared_lock);
			return;
		}
		for (memory_cache **p = &shared_head; *p; p = &(*p)->next_shared)
			if (*p == m) {
				*p = m->next_shared;
				break;
			}
		pthread_mutex_unlock(&shared_lock);
		free(m->shared_key);
	}
	mem_destroy(m);
}

static void mem_destroy(memory_cache *m)
{
	while (m->head)
		entry_remove(m, find_slot(m, m->head->key));
	free(m->buckets);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

w3w_status w3w__cache_memory_open(w3w_cache **out, const char *url, const w3w_backend_config *cfg)
{
	memory_cache *m;
	long max = DEFAULT_MAX_ENTRIES;
	const char *q = strstr(url, "max=");
	(void)cfg;

	if (q) {
		char *end;
		max = strtol(q + 4, &end, 10);
		if (max < 1 || max > 100000000 || (*end && *end != '&'))
			return w3w_error_set(W3W_EINVAL, "cache URL: memory:?max= must be 1..100000000");
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return w3w_error_set(W3W_ENOMEM, "memory cache: out of memory");
	m->max = (size_t)max;
	m->nbuckets = m->max < 1024 ? 1024 : m->max;
	m->buckets = calloc(m->nbuckets, sizeof(*m->buckets));
	if (!m->buckets) {
		free(m);
		return w3w_error_set(W3W_ENOMEM, "memory cache: out of memory");
	}
	pthread_mutex_init(&m->lock, NULL);
	m->base.version = W3W_CACHE_VERSION;
	m->base.name = "memory";
	m->base.get = mem_get;
	m->base.fill = mem_fill;
	m->base.invalidate = mem_invalidate;
	m->base.rate_take = mem_rate_take;
	m->base.ping = mem_ping;
	m->base.free = mem_free;
	*out = &m->base;
	return W3W_OK;
}

w3w_status w3w__cache_memory_shared(w3w_cache **out, const char *url, const char *scope,
	const w3w_backend_config *cfg)
{
	memory_cache *m;
	size_t n = strlen(url) + strlen(scope) + 2;
	char *key = malloc(n);
	w3w_status st = W3W_OK;

	if (!key)
		return w3w_error_set(W3W_ENOMEM, "memory cache: out of memory");
	snprintf(key, n, "%s|%s", scope, url);
	pthread_mutex_lock(&shared_lock);
	for (m = shared_head; m && strcmp(m->shared_key, key) != 0; m = m->next_shared)
		;
	if (m) {
		m->refs++;
		free(key);
	} else if ((st = w3w__cache_memory_open(out, url, cfg)) == W3W_OK) {
		m = (memory_cache *)*out;
		m->shared_key = key;
		m->refs = 1;
		m->next_shared = shared_head;
		shared_head = m;
	} else {
		free(key);
	}
	pthread_mutex_unlock(&shared_lock);
	if (st == W3W_OK)
		*out = &m->base;
	return st;
}

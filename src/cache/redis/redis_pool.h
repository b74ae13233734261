/*
 * A small pool of hiredis connections shared by threads, with a circuit
 * breaker: after a failure no connection is attempted for
 * W3W__REDIS_RETRY_MS, and every call in that window fails at once with
 * W3W_EUNAVAILABLE, so a Redis that is down costs callers nothing but a
 * mutex. A failed connection also retires every idle one (they most likely
 * point at the same dead or restarted server).
 */
#ifndef W3W_CACHE_REDIS_POOL_H
#define W3W_CACHE_REDIS_POOL_H

#include <pthread.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

#include "cache/redis/redis_url.h"

/** How long the breaker stays open after a failure before one caller probes. */
#define W3W__REDIS_RETRY_MS 500

typedef struct w3w__redis_slot {
	redisContext *ctx;
	unsigned int generation;  /* pool generation it was connected in */
	int busy;
	uint64_t tag;             /* from on_connect: which near-cache epoch it tracks for (0: none) */
} w3w__redis_slot;

typedef struct w3w__redis_pool {
	pthread_mutex_t mu;
	pthread_cond_t freed;
	w3w__redis_url url;
	int connect_timeout_ms;
	int command_timeout_ms;
	size_t size;
	w3w__redis_slot *slots;
	unsigned int generation;  /* bumped on each failure: older connections are dropped */
	int failing;              /* breaker open (or half-open while probing) */
	int probing;              /* one caller is trying to reconnect */
	int64_t retry_at_ms;      /* monotonic time of the next allowed probe */
	char last_error[160];     /* why the breaker opened (no secrets) */
	/*
	 * Near cache hooks (redis_near.c), NULL without one: on_connect sets a new
	 * connection up and returns its tag; on_drop hears that a tagged
	 * connection was closed (Redis forgets what it tracked). Both run
	 * without pool->mu held.
	 */
	uint64_t (*on_connect)(void *arg, redisContext *c);
	void (*on_drop)(void *arg);
	void *hook_arg;
} w3w__redis_pool;

/** One command of a pipeline: argv with binary-safe lengths. */
typedef struct w3w__redis_cmd {
	int argc;
	const char **argv;
	const size_t *argvlen;
} w3w__redis_cmd;

/** Set the pool up (no connection yet). Takes a copy of `url`. */
w3w_status w3w__redis_pool_init(w3w__redis_pool *pool, const w3w__redis_url *url, size_t size,
	int connect_timeout_ms, int command_timeout_ms);

/** Close every connection and release the pool's resources. */
void w3w__redis_pool_destroy(w3w__redis_pool *pool);

/**
 * Send `count` commands in one pipeline on one pooled connection and read
 * their replies into `replies` (caller frees each with freeReplyObject).
 * Error replies (REDIS_REPLY_ERROR) are returned as replies, not failures.
 * W3W_EUNAVAILABLE when no connection could be had or the exchange failed
 * (then no reply is returned and the connection is dropped).
 */
w3w_status w3w__redis_pipeline(w3w__redis_pool *pool, const w3w__redis_cmd *cmds, size_t count,
	redisReply **replies);

/** w3w__redis_pipeline that also tells the tag of the connection used. */
w3w_status w3w__redis_pipeline_tagged(w3w__redis_pool *pool, const w3w__redis_cmd *cmds, size_t count,
	redisReply **replies, uint64_t *tag);

/** Retire every connection: each is closed and reopened when next used (no breaker). */
void w3w__redis_pool_retire(w3w__redis_pool *pool);

/** Close idle tagged connections the server has closed; how many there were. */
size_t w3w__redis_pool_sweep(w3w__redis_pool *pool);

/** A connection of its own (authenticated, database selected, no hooks); NULL with `err` set. */
redisContext *w3w__redis_connect(w3w__redis_pool *pool, int timeout_ms, char *err, size_t errsize);

/**
 * Connect now with `timeout_ms` (the open-time check); W3W_EUNAVAILABLE
 * naming the server and the reason if it does not answer PING.
 */
w3w_status w3w__redis_pool_check(w3w__redis_pool *pool, int timeout_ms);

/** Monotonic clock in milliseconds. */
int64_t w3w__redis_now_ms(void);

#endif

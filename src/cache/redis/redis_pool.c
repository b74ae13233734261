#include "cache/redis/redis_pool.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "w3wallet/sys/backend.h"

int64_t w3w__redis_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct timeval ms_to_timeval(int ms)
{
	struct timeval tv;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	return tv;
}

/*
 * hiredis 0.14 writes with write(2): on a socket the server closed that
 * raises SIGPIPE, which would kill a host that did not ignore it. Block it
 * on this thread around each exchange and swallow one we caused (the way
 * libpq does), leaving the process's signal setup alone.
 */
typedef struct sigpipe_guard {
	sigset_t old_mask;
	int was_pending;
} sigpipe_guard;

static void sigpipe_block(sigpipe_guard *g)
{
	sigset_t pipe_set, pending;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &g->old_mask);
	sigemptyset(&pending);
	sigpending(&pending);
	g->was_pending = sigismember(&pending, SIGPIPE) == 1;
}

static void sigpipe_restore(sigpipe_guard *g, int io_failed)
{
	if (io_failed && !g->was_pending) {
		sigset_t pipe_set, pending;
		sigemptyset(&pipe_set);
		sigaddset(&pipe_set, SIGPIPE);
		sigemptyset(&pending);
		if (sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1) {
			struct timespec zero = { 0, 0 };
			int saved = errno;
			sigtimedwait(&pipe_set, NULL, &zero);
			errno = saved;
		}
	}
	pthread_sigmask(SIG_SETMASK, &g->old_mask, NULL);
}

/* Describe a failed exchange on `c` (never includes sent data). */
static void describe_io_error(char *buf, size_t size, const redisContext *c, int timeout_ms)
{
	if (c->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK))
		snprintf(buf, size, "no answer within %d ms", timeout_ms);
	else if (c->err)
		snprintf(buf, size, "%s", c->errstr);
	else
		snprintf(buf, size, "connection failed");
}

/* Run one command during connection setup; 0 if the reply is not an error. */
static int setup_command(redisContext *c, const char *what, int argc, const char **argv,
	char *err, size_t errsize, int timeout_ms)
{
	redisReply *r = redisCommandArgv(c, argc, argv, NULL);
	if (!r) {
		char why[128];
		describe_io_error(why, sizeof why, c, timeout_ms);
		snprintf(err, errsize, "%s: %s", what, why);
		return -1;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		/* Redis error texts name the problem, never the password. */
		snprintf(err, errsize, "%s refused: %.100s", what, r->str ? r->str : "");
		freeReplyObject(r);
		return -1;
	}
	freeReplyObject(r);
	return 0;
}

/* Connect, authenticate and select the database. NULL with `err` set on failure. */
static redisContext *open_connection(w3w__redis_pool *pool, int connect_ms, int command_ms,
	char *err, size_t errsize)
{
	redisContext *c = redisConnectWithTimeout(pool->url.host, pool->url.port, ms_to_timeval(connect_ms));
	if (!c) {
		snprintf(err, errsize, "out of memory");
		return NULL;
	}
	if (c->err) {
		snprintf(err, errsize, "connect: %s", c->errstr);
		redisFree(c);
		return NULL;
	}
	if (redisSetTimeout(c, ms_to_timeval(command_ms)) != REDIS_OK) {
		snprintf(err, errsize, "cannot set socket timeout: %s", c->errstr);
		redisFree(c);
		return NULL;
	}
	redisEnableKeepAlive(c);
	if (pool->url.has_password) {
		const char *argv[3] = { "AUTH", pool->url.user, pool->url.password };
		int with_user = pool->url.user[0] != '\0';
		if (with_user) {
			if (setup_command(c, "AUTH", 3, argv, err, errsize, command_ms)) goto fail;
		} else {
			argv[1] = pool->url.password;
			if (setup_command(c, "AUTH", 2, argv, err, errsize, command_ms)) goto fail;
		}
	}
	if (pool->url.db != 0) {
		char db[16];
		const char *argv[2] = { "SELECT", db };
		snprintf(db, sizeof db, "%d", pool->url.db);
		if (setup_command(c, "SELECT", 2, argv, err, errsize, command_ms)) goto fail;
	}
	return c;
fail:
	redisFree(c);
	return NULL;
}

/* Open the breaker (pool->mu held): no reconnect for W3W__REDIS_RETRY_MS. */
static void trip_locked(w3w__redis_pool *pool, const char *why)
{
	pool->failing = 1;
	pool->retry_at_ms = w3w__redis_now_ms() + W3W__REDIS_RETRY_MS;
	pool->generation++;
	snprintf(pool->last_error, sizeof pool->last_error, "%.150s", why);
}

static w3w_status unavailable(const w3w__redis_pool *pool, const char *why)
{
	return w3w_error_set(W3W_EUNAVAILABLE, "redis %s:%d: %s", pool->url.host, pool->url.port, why);
}

w3w_status w3w__redis_pool_init(w3w__redis_pool *pool, const w3w__redis_url *url, size_t size,
	int connect_timeout_ms, int command_timeout_ms)
{
	memset(pool, 0, sizeof *pool);
	pool->slots = calloc(size, sizeof *pool->slots);
	if (!pool->slots)
		return w3w_error_set(W3W_ENOMEM, "redis: out of memory");
	if (pthread_mutex_init(&pool->mu, NULL) != 0) {
		free(pool->slots);
		return w3w_error_set(W3W_EINTERNAL, "redis: cannot create a mutex");
	}
	if (pthread_cond_init(&pool->freed, NULL) != 0) {
		pthread_mutex_destroy(&pool->mu);
		free(pool->slots);
		return w3w_error_set(W3W_EINTERNAL, "redis: cannot create a condition variable");
	}
	pool->url = *url;
	pool->size = size;
	pool->connect_timeout_ms = connect_timeout_ms;
	pool->command_timeout_ms = command_timeout_ms;
	return W3W_OK;
}

void w3w__redis_pool_destroy(w3w__redis_pool *pool)
{
	for (size_t i = 0; i < pool->size; i++)
		if (pool->slots[i].ctx) redisFree(pool->slots[i].ctx);
	free(pool->slots);
	pthread_cond_destroy(&pool->freed);
	pthread_mutex_destroy(&pool->mu);
	w3w__redis_url_wipe(&pool->url);
	memset(pool, 0, sizeof *pool);
}

/* Index of a free slot, preferring a live current connection; -1 if none. */
static long pick_free_slot(const w3w__redis_pool *pool)
{
	long any = -1;
	for (size_t i = 0; i < pool->size; i++) {
		const w3w__redis_slot *s = &pool->slots[i];
		if (s->busy) continue;
		if (s->ctx && s->generation == pool->generation) return (long)i;
		if (any < 0) any = (long)i;
	}
	return any;
}

static int wait_until(pthread_cond_t *cv, pthread_mutex_t *mu, int64_t deadline_ms)
{
	/* condition variables time out on CLOCK_REALTIME: convert the remaining span */
	int64_t left = deadline_ms - w3w__redis_now_ms();
	struct timespec ts;
	if (left <= 0) return ETIMEDOUT;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += left / 1000;
	ts.tv_nsec += (left % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	return pthread_cond_timedwait(cv, mu, &ts);
}

/* Take a slot with a live connection, connecting if needed (breaker allowing). */
static w3w_status acquire(w3w__redis_pool *pool, size_t *out)
{
	int64_t deadline = w3w__redis_now_ms() + pool->command_timeout_ms;
	redisContext *stale = NULL, *fresh;
	w3w__redis_slot *slot;
	unsigned int generation;
	uint64_t stale_tag, tag = 0;
	int probe = 0;
	char err[256];
	long idx;

	pthread_mutex_lock(&pool->mu);
	while ((idx = pick_free_slot(pool)) < 0) {
		if (wait_until(&pool->freed, &pool->mu, deadline) == ETIMEDOUT &&
		    (idx = pick_free_slot(pool)) < 0) {
			pthread_mutex_unlock(&pool->mu);
			snprintf(err, sizeof err, "all %zu connections busy for %d ms", pool->size,
				pool->command_timeout_ms);
			return unavailable(pool, err);
		}
	}
	slot = &pool->slots[idx];
	if (slot->ctx && slot->generation == pool->generation) {
		slot->busy = 1;
		pthread_mutex_unlock(&pool->mu);
		*out = (size_t)idx;
		return W3W_OK;
	}
	if (pool->failing) {
		int64_t wait_ms = pool->retry_at_ms - w3w__redis_now_ms();
		if (pool->probing || wait_ms > 0) {
			snprintf(err, sizeof err, "%.150s (next attempt in %lld ms)", pool->last_error,
				(long long)(wait_ms > 0 ? wait_ms : 0));
			pthread_mutex_unlock(&pool->mu);
			return unavailable(pool, err);
		}
		pool->probing = probe = 1;
	}
	slot->busy = 1;
	stale = slot->ctx;
	stale_tag = slot->tag;
	slot->ctx = NULL;
	slot->tag = 0;
	generation = pool->generation;
	pthread_mutex_unlock(&pool->mu);

	if (stale) {
		redisFree(stale);
		if (stale_tag && pool->on_drop) pool->on_drop(pool->hook_arg);
	}
	fresh = open_connection(pool, pool->connect_timeout_ms, pool->command_timeout_ms, err, sizeof err);
	if (fresh && pool->on_connect) tag = pool->on_connect(pool->hook_arg, fresh);

	pthread_mutex_lock(&pool->mu);
	if (probe) pool->probing = 0;
	if (!fresh) {
		trip_locked(pool, err);
		slot->busy = 0;
		pthread_cond_signal(&pool->freed);
		pthread_mutex_unlock(&pool->mu);
		return unavailable(pool, err);
	}
	if (generation == pool->generation) pool->failing = 0;
	slot->ctx = fresh;
	slot->tag = tag;
	slot->generation = generation;
	pthread_mutex_unlock(&pool->mu);
	*out = (size_t)idx;
	return W3W_OK;
}

/* Give a slot back; a broken connection is closed and opens the breaker. */
static void release(w3w__redis_pool *pool, size_t idx, const char *broken_why)
{
	w3w__redis_slot *slot = &pool->slots[idx];
	redisContext *drop = NULL;
	uint64_t drop_tag = 0;

	pthread_mutex_lock(&pool->mu);
	if (broken_why) trip_locked(pool, broken_why);
	if (slot->generation != pool->generation) {
		drop = slot->ctx;
		drop_tag = slot->tag;
		slot->ctx = NULL;
		slot->tag = 0;
	}
	slot->busy = 0;
	pthread_cond_signal(&pool->freed);
	pthread_mutex_unlock(&pool->mu);
	if (drop) redisFree(drop);
	if (drop && drop_tag && pool->on_drop) pool->on_drop(pool->hook_arg);
}

w3w_status w3w__redis_pipeline(w3w__redis_pool *pool, const w3w__redis_cmd *cmds, size_t count,
	redisReply **replies)
{
	return w3w__redis_pipeline_tagged(pool, cmds, count, replies, NULL);
}

w3w_status w3w__redis_pipeline_tagged(w3w__redis_pool *pool, const w3w__redis_cmd *cmds, size_t count,
	redisReply **replies, uint64_t *tag)
{
	sigpipe_guard guard;
	redisContext *c;
	size_t idx = 0, got = 0;
	char err[256];
	w3w_status st;
	int failed = 0;

	sigpipe_block(&guard);
	st = acquire(pool, &idx);
	if (st != W3W_OK) {
		sigpipe_restore(&guard, 1);
		return st;
	}
	c = pool->slots[idx].ctx;
	if (tag) *tag = pool->slots[idx].tag;
	for (size_t i = 0; i < count && !failed; i++)
		if (redisAppendCommandArgv(c, cmds[i].argc, cmds[i].argv, cmds[i].argvlen) != REDIS_OK)
			failed = 1;
	for (; got < count && !failed; got++) {
		void *reply = NULL;
		if (redisGetReply(c, &reply) != REDIS_OK || !reply)
			failed = 1;
		else
			replies[got] = reply;
	}
	if (failed) {
		describe_io_error(err, sizeof err, c, pool->command_timeout_ms);
		for (size_t i = 0; i < got; i++) {
			freeReplyObject(replies[i]);
			replies[i] = NULL;
		}
	}
	sigpipe_restore(&guard, failed);
	release(pool, idx, failed ? err : NULL);
	return failed ? unavailable(pool, err) : W3W_OK;
}

w3w_status w3w__redis_pool_check(w3w__redis_pool *pool, int timeout_ms)
{
	sigpipe_guard guard;
	redisContext *c;
	char err[256];
	const char *ping[1] = { "PING" };
	int failed = 0;
	uint64_t tag = 0;
	unsigned int generation;

	/* the generation it is connected in: a retire meanwhile (the near cache's) makes it stale */
	pthread_mutex_lock(&pool->mu);
	generation = pool->generation;
	pthread_mutex_unlock(&pool->mu);
	sigpipe_block(&guard);
	c = open_connection(pool, timeout_ms, timeout_ms, err, sizeof err);
	if (!c || setup_command(c, "PING", 1, ping, err, sizeof err, timeout_ms) != 0)
		failed = 1;
	else if (redisSetTimeout(c, ms_to_timeval(pool->command_timeout_ms)) != REDIS_OK) {
		snprintf(err, sizeof err, "cannot set socket timeout: %s", c->errstr);
		failed = 1;
	} else if (pool->on_connect) {
		tag = pool->on_connect(pool->hook_arg, c);
	}
	sigpipe_restore(&guard, failed);

	pthread_mutex_lock(&pool->mu);
	if (failed) {
		trip_locked(pool, err);
	} else if (pool->size > 0 && !pool->slots[0].busy && !pool->slots[0].ctx) {
		/* keep the checked connection for the first caller */
		pool->slots[0].ctx = c;
		pool->slots[0].tag = tag;
		pool->slots[0].generation = generation;
		pool->failing = 0;
		c = NULL;
	}
	pthread_mutex_unlock(&pool->mu);
	if (c) redisFree(c);
	if (c && tag && pool->on_drop) pool->on_drop(pool->hook_arg);
	return failed ? unavailable(pool, err) : W3W_OK;
}

void w3w__redis_pool_retire(w3w__redis_pool *pool)
{
	pthread_mutex_lock(&pool->mu);
	pool->generation++;
	pthread_mutex_unlock(&pool->mu);
}

size_t w3w__redis_pool_sweep(w3w__redis_pool *pool)
{
	redisContext *dead[64];
	size_t n = 0;

	pthread_mutex_lock(&pool->mu);
	for (size_t i = 0; i < pool->size && n < sizeof dead / sizeof dead[0]; i++) {
		w3w__redis_slot *s = &pool->slots[i];
		struct pollfd pfd;
		if (s->busy || !s->ctx || !s->tag) continue;
		/* an idle connection is sent nothing: readable means closed (or broken) */
		pfd.fd = s->ctx->fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, 0) == 0) continue;
		dead[n++] = s->ctx;
		s->ctx = NULL;
		s->tag = 0;
	}
	pthread_mutex_unlock(&pool->mu);
	for (size_t i = 0; i < n; i++)
		redisFree(dead[i]);
	if (n && pool->on_drop) pool->on_drop(pool->hook_arg);
	return n;
}

redisContext *w3w__redis_connect(w3w__redis_pool *pool, int timeout_ms, char *err, size_t errsize)
{
	return open_connection(pool, timeout_ms, timeout_ms, err, errsize);
}

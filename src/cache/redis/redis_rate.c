#include "cache/redis/redis_rate.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "w3wallet/sys/backend.h"

/*
 * KEYS[1] bucket; ARGV[1] tokens per second; ARGV[2] burst.
 * The bucket is a hash {t = tokens, ts = last refill in ms, server time},
 * expiring once it would be full again, so idle buckets cost nothing.
 * Returns {allowed, retry_after_ms}.
 */
static const char rate_script_text[] =
	"if redis.replicate_commands then pcall(redis.replicate_commands) end\n"
	"local rate = tonumber(ARGV[1])\n"
	"local burst = tonumber(ARGV[2])\n"
	"local now = redis.call('TIME')\n"
	"now = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)\n"
	"local s = redis.call('HMGET', KEYS[1], 't', 'ts')\n"
	"local tokens = tonumber(s[1])\n"
	"local ts = tonumber(s[2])\n"
	"if tokens == nil or ts == nil then tokens = burst ts = now end\n"
	"if now > ts then tokens = tokens + (now - ts) * rate / 1000 end\n"
	"tokens = math.min(burst, tokens)\n"
	"local allowed = 0\n"
	"local retry = 0\n"
	"if tokens >= 1 then\n"
	"  tokens = tokens - 1\n"
	"  allowed = 1\n"
	"else\n"
	"  retry = math.ceil((1 - tokens) * 1000 / rate)\n"
	"end\n"
	"redis.call('HSET', KEYS[1], 't', string.format('%.17g', tokens), 'ts', string.format('%d', math.max(now, ts)))\n"
	"redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) * 1000 / rate) + 1000)\n"
	"return {allowed, retry}\n";

/*
 * KEYS[1] bucket (the same hash as above); ARGV[1] rate; ARGV[2] burst;
 * ARGV[3] tokens a host took locally since its last sync. Refill, subtract
 * them (below zero if the hosts overdrew: paid back by refills), return the
 * tokens left as a string (a Lua number reply would lose the fraction).
 */
static const char sync_script[] =
	"if redis.replicate_commands then pcall(redis.replicate_commands) end\n"
	"local rate = tonumber(ARGV[1])\n"
	"local burst = tonumber(ARGV[2])\n"
	"local taken = tonumber(ARGV[3])\n"
	"local now = redis.call('TIME')\n"
	"now = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)\n"
	"local s = redis.call('HMGET', KEYS[1], 't', 'ts')\n"
	"local tokens = tonumber(s[1])\n"
	"local ts = tonumber(s[2])\n"
	"if tokens == nil or ts == nil then tokens = burst ts = now end\n"
	"if now > ts then tokens = tokens + (now - ts) * rate / 1000 end\n"
	"tokens = math.min(burst, tokens) - taken\n"
	"redis.call('HSET', KEYS[1], 't', string.format('%.17g', tokens), 'ts', string.format('%d', math.max(now, ts)))\n"
	"redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) * 1000 / rate) + 1000)\n"
	"return string.format('%.17g', tokens)\n";

/*
 * A script's SHA-1 as the server named it (SCRIPT LOAD). It is the same on
 * every server and never changes, so it is written once and then read
 * without a lock: `ready` (release/acquire) publishes the 40 bytes.
 */
typedef struct rate_script {
	const char *text;
	size_t len;
	char sha[41];
	atomic_int ready;
} rate_script;

static rate_script take_script = { rate_script_text, sizeof rate_script_text - 1, "", 0 };
static rate_script reconcile_script = { sync_script, sizeof sync_script - 1, "", 0 };
static pthread_mutex_t script_sha_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *script_sha(rate_script *s)
{
	return atomic_load_explicit(&s->ready, memory_order_acquire) ? s->sha : "";
}

static void sha_publish(rate_script *s, const char *sha)
{
	pthread_mutex_lock(&script_sha_lock); /* only writers: the first one wins */
	if (!atomic_load_explicit(&s->ready, memory_order_relaxed)) {
		memcpy(s->sha, sha, 40);
		atomic_store_explicit(&s->ready, 1, memory_order_release);
	}
	pthread_mutex_unlock(&script_sha_lock);
}

const char *w3w__redis_rate_script_sha(void)
{
	return script_sha(&take_script);
}

const char *w3w__redis_rate_script(void)
{
	return take_script.text;
}

/* Ask the server to cache the script and name it (once per process, and after a NOSCRIPT). */
static w3w_status load_script(w3w__redis_pool *pool, rate_script *s)
{
	const char *argv[3] = { "SCRIPT", "LOAD", s->text };
	size_t argvlen[3] = { 6, 4, s->len };
	w3w__redis_cmd cmd = { 3, argv, argvlen };
	redisReply *r = NULL;
	w3w_status st = w3w__redis_pipeline(pool, &cmd, 1, &r);

	if (st != W3W_OK)
		return st;
	if (r->type != REDIS_REPLY_STRING || r->len != 40)
		st = w3w_error_set(W3W_EUNAVAILABLE, "redis: SCRIPT LOAD of the rate limiter failed: %.120s",
			r->type == REDIS_REPLY_ERROR && r->str ? r->str : "unexpected reply");
	else
		sha_publish(s, r->str);
	freeReplyObject(r);
	return st;
}

static int is_noscript(const redisReply *r)
{
	return r->type == REDIS_REPLY_ERROR && r->str && strncmp(r->str, "NOSCRIPT", 8) == 0;
}

static w3w_status run_script(w3w__redis_pool *pool, const char *key, size_t keylen,
	const char *rate, const char *burst, redisReply **reply)
{
	const char *sha = script_sha(&take_script);
	const char *argv[6] = { "EVALSHA", sha, "1", key, rate, burst };
	size_t argvlen[6] = { 7, strlen(sha), 1, keylen, strlen(rate), strlen(burst) };
	w3w__redis_cmd cmd = { 6, argv, argvlen };
	return w3w__redis_pipeline(pool, &cmd, 1, reply);
}

static w3w_status check_limits(double rate_per_s, double burst)
{
	if (!isfinite(rate_per_s) || rate_per_s <= 0 || rate_per_s > 1e9)
		return w3w_error_set(W3W_EINVAL, "rate_per_s: must be a positive number");
	if (!isfinite(burst) || burst < 1 || burst > 1e12)
		return w3w_error_set(W3W_EINVAL, "burst: must be at least 1");
	return W3W_OK;
}

w3w_status w3w__redis_rate_take(w3w__redis_pool *pool, const char *key, size_t keylen,
	double rate_per_s, double burst, int *allowed, int64_t *retry_after_ms)
{
	char rate[40], cap[40];
	redisReply *r = NULL;
	w3w_status st;

	if ((st = check_limits(rate_per_s, burst)) != W3W_OK)
		return st;
	snprintf(rate, sizeof rate, "%.17g", rate_per_s);
	snprintf(cap, sizeof cap, "%.17g", burst);

	if (!script_sha(&take_script)[0] && (st = load_script(pool, &take_script)) != W3W_OK)
		return st;
	st = run_script(pool, key, keylen, rate, cap, &r);
	if (st == W3W_OK && is_noscript(r)) {
		/* a server that does not have it (restarted, SCRIPT FLUSH, another server): load, run again */
		freeReplyObject(r);
		r = NULL;
		if ((st = load_script(pool, &take_script)) == W3W_OK)
			st = run_script(pool, key, keylen, rate, cap, &r);
	}
	if (st != W3W_OK)
		return st;
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    r->element[0]->type != REDIS_REPLY_INTEGER || r->element[1]->type != REDIS_REPLY_INTEGER) {
		st = w3w_error_set(W3W_EUNAVAILABLE, "redis: rate limiter script failed: %.120s",
			r->type == REDIS_REPLY_ERROR && r->str ? r->str : "unexpected reply");
		freeReplyObject(r);
		return st;
	}
	*allowed = r->element[0]->integer == 1;
	*retry_after_ms = *allowed ? 0 : (int64_t)r->element[1]->integer;
	freeReplyObject(r);
	return W3W_OK;
}

/* The text arguments of one bucket's EVALSHA. */
typedef struct sync_args {
	char rate[32], burst[32], taken[16];
	const char *argv[7];
	size_t argvlen[7];
} sync_args;

static w3w_status run_sync(w3w__redis_pool *pool, const char *const *keys, const size_t *keylens,
	const w3w_cache_rate_sync *items, size_t count, sync_args *a, w3w__redis_cmd *cmds, redisReply **replies)
{
	const char *sha = script_sha(&reconcile_script);
	for (size_t i = 0; i < count; i++) {
		snprintf(a[i].rate, sizeof a[i].rate, "%.17g", items[i].rate_per_s);
		snprintf(a[i].burst, sizeof a[i].burst, "%.17g", items[i].burst);
		snprintf(a[i].taken, sizeof a[i].taken, "%u", (unsigned)items[i].taken);
		a[i].argv[0] = "EVALSHA"; a[i].argvlen[0] = 7;
		a[i].argv[1] = sha;       a[i].argvlen[1] = strlen(sha);
		a[i].argv[2] = "1";       a[i].argvlen[2] = 1;
		a[i].argv[3] = keys[i];   a[i].argvlen[3] = keylens[i];
		a[i].argv[4] = a[i].rate; a[i].argvlen[4] = strlen(a[i].rate);
		a[i].argv[5] = a[i].burst; a[i].argvlen[5] = strlen(a[i].burst);
		a[i].argv[6] = a[i].taken; a[i].argvlen[6] = strlen(a[i].taken);
		cmds[i] = (w3w__redis_cmd){ 7, a[i].argv, a[i].argvlen };
	}
	return w3w__redis_pipeline(pool, cmds, count, replies);
}

static void free_replies(redisReply **replies, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (replies[i])
			freeReplyObject(replies[i]);
	memset(replies, 0, count * sizeof *replies);
}

w3w_status w3w__redis_rate_sync(w3w__redis_pool *pool, const char *const *keys, const size_t *keylens,
	w3w_cache_rate_sync *items, size_t count)
{
	sync_args *a = calloc(count, sizeof *a);
	w3w__redis_cmd *cmds = calloc(count, sizeof *cmds);
	redisReply **replies = calloc(count, sizeof *replies);
	w3w_status st = W3W_OK;

	if (!a || !cmds || !replies) {
		st = w3w_error_set(W3W_ENOMEM, "redis: out of memory");
		goto done;
	}
	for (size_t i = 0; i < count && st == W3W_OK; i++)
		st = check_limits(items[i].rate_per_s, items[i].burst);
	if (st == W3W_OK && !script_sha(&reconcile_script)[0])
		st = load_script(pool, &reconcile_script);
	if (st == W3W_OK)
		st = run_sync(pool, keys, keylens, items, count, a, cmds, replies);
	if (st == W3W_OK && count && is_noscript(replies[0])) {
		/* the server lost its scripts (restart, SCRIPT FLUSH): every reply is NOSCRIPT */
		free_replies(replies, count);
		if ((st = load_script(pool, &reconcile_script)) == W3W_OK)
			st = run_sync(pool, keys, keylens, items, count, a, cmds, replies);
	}
	for (size_t i = 0; i < count && st == W3W_OK; i++) {
		char *end = NULL;
		const redisReply *r = replies[i];
		if (r->type == REDIS_REPLY_STRING)
			items[i].tokens = strtod(r->str, &end);
		if (r->type != REDIS_REPLY_STRING || end == r->str || !isfinite(items[i].tokens))
			st = w3w_error_set(W3W_EUNAVAILABLE, "redis: rate sync script failed: %.120s",
				r->type == REDIS_REPLY_ERROR && r->str ? r->str : "unexpected reply");
	}
done:
	if (replies)
		free_replies(replies, count);
	free(a);
	free(cmds);
	free(replies);
	return st;
}

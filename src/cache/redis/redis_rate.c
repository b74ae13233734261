#include "cache/redis/redis_rate.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "w3wallet/sys/backend.h"

/*
 * KEYS[1] bucket; ARGV[1] tokens per second; ARGV[2] burst.
 * The bucket is a hash {t = tokens, ts = last refill in ms, server time},
 * expiring once it would be full again, so idle buckets cost nothing.
 * Returns {allowed, retry_after_ms}.
 */
static const char rate_script[] =
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

/* The script's SHA-1 as the server named it (SCRIPT LOAD): the same on every server. */
static char script_sha[41];
static pthread_mutex_t script_sha_lock = PTHREAD_MUTEX_INITIALIZER;

const char *w3w__redis_rate_script_sha(void)
{
	static _Thread_local char copy[41];
	pthread_mutex_lock(&script_sha_lock);
	memcpy(copy, script_sha, sizeof(copy));
	pthread_mutex_unlock(&script_sha_lock);
	return copy;
}

const char *w3w__redis_rate_script(void)
{
	return rate_script;
}

/* Ask the server to cache the script and name it (once per process, and after a NOSCRIPT). */
static w3w_status load_script(w3w__redis_pool *pool)
{
	const char *argv[3] = { "SCRIPT", "LOAD", rate_script };
	size_t argvlen[3] = { 6, 4, sizeof rate_script - 1 };
	w3w__redis_cmd cmd = { 3, argv, argvlen };
	redisReply *r = NULL;
	w3w_status st = w3w__redis_pipeline(pool, &cmd, 1, &r);

	if (st != W3W_OK)
		return st;
	if (r->type != REDIS_REPLY_STRING || r->len != 40) {
		st = w3w_error_set(W3W_EUNAVAILABLE, "redis: SCRIPT LOAD of the rate limiter failed: %.120s",
			r->type == REDIS_REPLY_ERROR && r->str ? r->str : "unexpected reply");
	} else {
		pthread_mutex_lock(&script_sha_lock);
		memcpy(script_sha, r->str, 40);
		pthread_mutex_unlock(&script_sha_lock);
	}
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
	const char *sha = w3w__redis_rate_script_sha();
	const char *argv[6] = { "EVALSHA", sha, "1", key, rate, burst };
	size_t argvlen[6] = { 7, strlen(sha), 1, keylen, strlen(rate), strlen(burst) };
	w3w__redis_cmd cmd = { 6, argv, argvlen };
	return w3w__redis_pipeline(pool, &cmd, 1, reply);
}

w3w_status w3w__redis_rate_take(w3w__redis_pool *pool, const char *key, size_t keylen,
	double rate_per_s, double burst, int *allowed, int64_t *retry_after_ms)
{
	char rate[40], cap[40];
	redisReply *r = NULL;
	w3w_status st;

	if (!isfinite(rate_per_s) || rate_per_s <= 0 || rate_per_s > 1e9)
		return w3w_error_set(W3W_EINVAL, "rate_per_s: must be a positive number");
	if (!isfinite(burst) || burst < 1 || burst > 1e12)
		return w3w_error_set(W3W_EINVAL, "burst: must be at least 1");
	snprintf(rate, sizeof rate, "%.17g", rate_per_s);
	snprintf(cap, sizeof cap, "%.17g", burst);

	if (!w3w__redis_rate_script_sha()[0] && (st = load_script(pool)) != W3W_OK)
		return st;
	st = run_script(pool, key, keylen, rate, cap, &r);
	if (st == W3W_OK && is_noscript(r)) {
		/* a server that does not have it (restarted, SCRIPT FLUSH, another server): load, run again */
		freeReplyObject(r);
		r = NULL;
		if ((st = load_script(pool)) == W3W_OK)
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

/*
 * Redis cache backend against a real redis-server (W3W_TEST_REDIS_URL,
 * started by scripts/services/with-services.sh). A raw hiredis connection
 * checks what the backend really stored.
 */
#include <check.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "cache/redis/redis_rate.h"
#include "core/rate_local.h"
#include "cache/redis/redis_url.h"
#include "w3wallet/sys/redis.h"

static const char *redis_url;
static char host[256];
static int port;
static char run_id[32];   /* keeps keys of concurrent runs apart */

/* Extra milliseconds allowed on timing bounds: set by the memcheck runs (valgrind is slow). */
static int64_t slack_ms(void)
{
	const char *v = getenv("W3W_TEST_SLACK_MS");
	return v ? atoll(v) : 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static w3w_backend_config config(int timeout_ms)
{
	w3w_backend_config cfg = { W3W_BACKEND_CONFIG_VERSION, 4, timeout_ms, "test" };
	return cfg;
}

static w3w_cache *open_cache(const char *url)
{
	w3w_backend_config cfg = config(2000);
	w3w_cache *c = NULL;
	w3w_status st = w3w_cache_redis_open(&c, url, &cfg);
	ck_assert_msg(st == W3W_OK, "open %s: %s", url, w3w_error_message());
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(c->name, "redis");
	ck_assert_uint_eq(c->version, W3W_CACHE_VERSION);
	return c;
}

static redisContext *raw(void)
{
	struct timeval tv = { 2, 0 };
	redisContext *r = redisConnectWithTimeout(host, port, tv);
	ck_assert_msg(r && !r->err, "raw connect to %s:%d", host, port);
	return r;
}

static redisReply *raw_cmd(redisContext *r, const char *fmt, ...)
{
	va_list ap;
	redisReply *reply;
	va_start(ap, fmt);
	reply = redisvCommand(r, fmt, ap);
	va_end(ap);
	ck_assert_msg(reply != NULL, "raw command %s failed: %s", fmt, r->errstr);
	return reply;
}

/* Test key: unique per run. */
static const char *key(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "t:%s:%s", run_id, name);
	return buf;
}

static void assert_hit(w3w_cache *c, const char *k, const char *expected)
{
	char *v = NULL;
	size_t len = 0;
	w3w_status st = c->get(c, k, &v, &len);
	ck_assert_msg(st == W3W_OK, "get %s: %s (%s)", k, w3w_status_name(st), w3w_error_message());
	ck_assert_uint_eq(len, strlen(expected));
	ck_assert_str_eq(v, expected);
	free(v);
}

static void assert_miss(w3w_cache *c, const char *k)
{
	char *v = (char *)1;
	size_t len = 7;
	w3w_status st = c->get(c, k, &v, &len);
	ck_assert_msg(st == W3W_ENOTFOUND, "get %s: expected a miss, got %s", k, w3w_status_name(st));
	ck_assert_ptr_null(v);
	ck_assert_uint_eq(len, 0);
}

static void fill(w3w_cache *c, const char *k, const char *v, int ttl)
{
	w3w_status st = c->fill(c, k, v, strlen(v), ttl);
	ck_assert_msg(st == W3W_OK, "fill %s: %s", k, w3w_error_message());
}

static void invalidate1(w3w_cache *c, const char *k)
{
	const char *keys[1] = { k };
	w3w_status st = c->invalidate(c, keys, 1);
	ck_assert_msg(st == W3W_OK, "invalidate %s: %s", k, w3w_error_message());
}

static void services_ctl(const char *action)
{
	const char *dir = getenv("W3W_SERVICES_DIR");
	char cmd[1024];
	ck_assert_msg(dir && *dir, "W3W_SERVICES_DIR is not set: run under scripts/services/with-services.sh");
	snprintf(cmd, sizeof cmd, "'%s/scripts/services/ctl.sh' '%s' %s redis >/dev/null 2>&1",
		W3W_SOURCE_DIR, dir, action);
	ck_assert_msg(system(cmd) == 0, "ctl.sh %s redis failed", action);
}

/* ---- URL parsing and open ------------------------------------------------ */

START_TEST(url_parsing)
{
	w3w__redis_url u;
	ck_assert_int_eq(w3w__redis_url_parse(&u, "redis://127.0.0.1:6380/2"), W3W_OK);
	ck_assert_str_eq(u.host, "127.0.0.1");
	ck_assert_int_eq(u.port, 6380);
	ck_assert_int_eq(u.db, 2);
	ck_assert_int_eq(u.has_password, 0);

	ck_assert_int_eq(w3w__redis_url_parse(&u, "redis://cache.example"), W3W_OK);
	ck_assert_str_eq(u.host, "cache.example");
	ck_assert_int_eq(u.port, 6379);
	ck_assert_int_eq(u.db, 0);

	ck_assert_int_eq(w3w__redis_url_parse(&u,
		"redis://app:s%40cret@[::1]:7000/1?pool=3&timeout_ms=50&prefix=eu%3A&lazy=1"), W3W_OK);
	ck_assert_str_eq(u.host, "::1");
	ck_assert_int_eq(u.port, 7000);
	ck_assert_str_eq(u.user, "app");
	ck_assert_str_eq(u.password, "s@cret");
	ck_assert_int_eq(u.pool, 3);
	ck_assert_int_eq(u.timeout_ms, 50);
	ck_assert_str_eq(u.prefix, "eu:");
	ck_assert_int_eq(u.lazy, 1);

	ck_assert_int_eq(w3w__redis_url_parse(&u, "redis://:pw@h/"), W3W_OK);
	ck_assert_str_eq(u.user, "");
	ck_assert_str_eq(u.password, "pw");

	static const char *bad[] = {
		"http://h:1/0", "redis://", "redis://:6379/0", "redis://h:0/0", "redis://h:70000",
		"redis://h:12x/0", "redis://h/abc", "redis://h?pool=0", "redis://h?pool=999",
		"redis://h?bogus=1", "redis://nocolon@h", "redis://:%zz@h", "redis://[::1/0", NULL,
	};
	for (int i = 0; i <= 13; i++) {
		w3w_error_clear();
		ck_assert_msg(w3w__redis_url_parse(&u, bad[i]) == W3W_EINVAL, "accepted %s", bad[i] ? bad[i] : "NULL");
		ck_assert_msg(strstr(w3w_error_message(), "redis URL") != NULL, "message: %s", w3w_error_message());
	}
	/* the password never appears in a message */
	ck_assert_int_eq(w3w__redis_url_parse(&u, "redis://u:topsecret@h:1/0?nope=1"), W3W_EINVAL);
	ck_assert_ptr_null(strstr(w3w_error_message(), "topsecret"));
}
END_TEST

/* The limiter runs its script by the SHA-1 the server gave it: the one SCRIPT LOAD answers. */
START_TEST(script_sha_is_the_servers)
{
	w3w_backend_config cfg = config(1000);
	redisContext *r = raw();
	redisReply *reply;
	w3w_cache *c = NULL;
	int allowed = 0;
	int64_t retry = 0;

	ck_assert_int_eq(w3w_cache_redis_open(&c, redis_url, &cfg), W3W_OK);
	ck_assert_int_eq(c->rate_take(c, "rl:sha", 10, 10, &allowed, &retry), W3W_OK);
	ck_assert_int_eq(allowed, 1);
	reply = raw_cmd(r, "SCRIPT LOAD %s", w3w__redis_rate_script());
	ck_assert_int_eq(reply->type, REDIS_REPLY_STRING);
	ck_assert_str_eq(reply->str, w3w__redis_rate_script_sha());
	freeReplyObject(reply);
	c->free(c);
	redisFree(r);
}
END_TEST

START_TEST(open_unreachable_fails_fast_unless_lazy)
{
	w3w_backend_config cfg = config(1000);
	w3w_cache *c = (w3w_cache *)1;
	int64_t t0 = now_ms();
	/* port 1 on loopback: nothing listens, the connect is refused at once */
	w3w_status st = w3w_cache_redis_open(&c, "redis://127.0.0.1:1/0", &cfg);
	ck_assert_int_eq(st, W3W_EUNAVAILABLE);
	ck_assert_ptr_null(c);
	ck_assert_msg(strstr(w3w_error_message(), "redis 127.0.0.1:1") != NULL, "message: %s", w3w_error_message());
	ck_assert_int_lt(now_ms() - t0, 1500 + slack_ms());

	ck_assert_int_eq(w3w_cache_redis_open(&c, "redis://127.0.0.1:1/0?lazy=1", &cfg), W3W_OK);
	ck_assert_int_eq(c->ping(c), W3W_EUNAVAILABLE);
	ck_assert_int_eq(c->get(c, "x", &(char *){ NULL }, &(size_t){ 0 }), W3W_EUNAVAILABLE);
	c->free(c);

	ck_assert_int_eq(w3w_cache_redis_open(&c, "redis://127.0.0.1:1/0?what=1", &cfg), W3W_EINVAL);
	cfg.version = 99;
	ck_assert_int_eq(w3w_cache_redis_open(&c, redis_url, &cfg), W3W_EVERSION);
	/* a NULL config takes defaults */
	ck_assert_int_eq(w3w_cache_redis_open(&c, redis_url, NULL), W3W_OK);
	ck_assert_int_eq(c->ping(c), W3W_OK);
	c->free(c);
}
END_TEST

START_TEST(wrong_password_is_named)
{
	char url[512];
	w3w_backend_config cfg = config(1000);
	w3w_cache *c = NULL;
	snprintf(url, sizeof url, "redis://nobody:hunter2@%s:%d/0", host, port);
	ck_assert_int_eq(w3w_cache_redis_open(&c, url, &cfg), W3W_EUNAVAILABLE);
	ck_assert_msg(strstr(w3w_error_message(), "AUTH") != NULL, "message: %s", w3w_error_message());
	ck_assert_ptr_null(strstr(w3w_error_message(), "hunter2"));
}
END_TEST

/* ---- cache semantics ----------------------------------------------------- */

START_TEST(get_fill_invalidate)
{
	w3w_cache *c = open_cache(redis_url);
	char k1[128], k2[128], k3[128];
	key(k1, sizeof k1, "order:1");
	key(k2, sizeof k2, "order:2");
	key(k3, sizeof k3, "never-filled");

	assert_miss(c, k1);
	fill(c, k1, "{\"v\":1}", 60);
	assert_hit(c, k1, "{\"v\":1}");
	/* set-if-absent: a second fill does not overwrite */
	fill(c, k1, "{\"v\":2}", 60);
	assert_hit(c, k1, "{\"v\":1}");

	fill(c, k2, "{\"v\":\"two\"}", 60);
	{
		const char *keys[3] = { k1, k2, k3 };
		ck_assert_int_eq(c->invalidate(c, keys, 3), W3W_OK);
	}
	assert_miss(c, k1);
	assert_miss(c, k2);
	assert_miss(c, k3);
	/* tombstones block fills, also of keys that were never cached */
	fill(c, k1, "{\"v\":3}", 60);
	fill(c, k3, "{\"v\":3}", 60);
	assert_miss(c, k1);
	assert_miss(c, k3);
	ck_assert_int_eq(c->invalidate(c, NULL, 0), W3W_OK);

	/* binary-safe lengths: the value is exactly len bytes, NUL-terminated */
	{
		char kb[128];
		char *v = NULL;
		size_t len = 0;
		key(kb, sizeof kb, "bin");
		ck_assert_int_eq(c->fill(c, kb, "abc\0def", 7, 60), W3W_OK);
		ck_assert_int_eq(c->get(c, kb, &v, &len), W3W_OK);
		ck_assert_uint_eq(len, 7);
		ck_assert_int_eq(memcmp(v, "abc\0def", 8), 0);
		free(v);
	}

	/* bad input: clear error, nothing stored */
	ck_assert_int_eq(c->fill(c, "", "x", 1, 60), W3W_EINVAL);
	ck_assert_int_eq(c->fill(c, k3, "x", 1, 0), W3W_EINVAL);
	ck_assert_int_eq(c->fill(c, k3, "\0w3w:tombstone", 14, 60), W3W_EINVAL);
	ck_assert_int_eq(c->get(c, NULL, &(char *){ NULL }, &(size_t){ 0 }), W3W_EINVAL);
	{
		const char *keys[2] = { k1, "" };
		ck_assert_int_eq(c->invalidate(c, keys, 2), W3W_EINVAL);
	}
	ck_assert_int_eq(c->ping(c), W3W_OK);
	c->free(c);
}
END_TEST

START_TEST(tombstone_blocks_racing_stale_fill)
{
	w3w_cache *reader = open_cache(redis_url), *writer = open_cache(redis_url);
	redisContext *r = raw();
	redisReply *reply;
	char k[128];
	key(k, sizeof k, "supply:race");

	/* reader misses and reads v1 from storage ... */
	assert_miss(reader, k);
	/* ... meanwhile a writer commits v2 and invalidates ... */
	invalidate1(writer, k);
	/* ... then the reader's stale fill arrives: it must not land */
	fill(reader, k, "{\"amount\":\"1\"}", 3600);
	assert_miss(reader, k);
	assert_miss(writer, k);

	/* the tombstone lives W3W_CACHE_TOMBSTONE_MS, not forever */
	reply = raw_cmd(r, "PTTL %s", k);
	ck_assert_int_eq(reply->type, REDIS_REPLY_INTEGER);
	ck_assert_int_gt(reply->integer, W3W_CACHE_TOMBSTONE_MS - 2000);
	ck_assert_int_le(reply->integer, W3W_CACHE_TOMBSTONE_MS);
	freeReplyObject(reply);

	/* once it expires (shortened here) a fresh fill lands */
	freeReplyObject(raw_cmd(r, "PEXPIRE %s 50", k));
	sleep_ms(120);
	fill(reader, k, "{\"amount\":\"2\"}", 3600);
	assert_hit(writer, k, "{\"amount\":\"2\"}");
	reply = raw_cmd(r, "TTL %s", k);
	ck_assert_int_gt(reply->integer, 3500);
	freeReplyObject(reply);

	redisFree(r);
	reader->free(reader);
	writer->free(writer);
}
END_TEST

START_TEST(ttl_expiry)
{
	w3w_cache *c = open_cache(redis_url);
	char k[128];
	key(k, sizeof k, "claim:ttl");
	fill(c, k, "{}", 1);
	assert_hit(c, k, "{}");
	sleep_ms(1300);
	assert_miss(c, k);
	fill(c, k, "{\"again\":true}", 1);
	assert_hit(c, k, "{\"again\":true}");
	c->free(c);
}
END_TEST

START_TEST(prefix_and_database)
{
	char url[512], k[128];
	w3w_cache *c;
	redisContext *r = raw();
	redisReply *reply;

	snprintf(url, sizeof url, "redis://%s:%d/3?prefix=eu-1:&pool=2", host, port);
	c = open_cache(url);
	key(k, sizeof k, "order:p");
	fill(c, k, "{\"p\":1}", 60);
	assert_hit(c, k, "{\"p\":1}");

	reply = raw_cmd(r, "EXISTS %s", k);
	ck_assert_int_eq(reply->integer, 0); /* not in db 0, not unprefixed */
	freeReplyObject(reply);
	freeReplyObject(raw_cmd(r, "SELECT 3"));
	reply = raw_cmd(r, "GET eu-1:%s", k);
	ck_assert_int_eq(reply->type, REDIS_REPLY_STRING);
	ck_assert_str_eq(reply->str, "{\"p\":1}");
	freeReplyObject(reply);
	redisFree(r);
	c->free(c);
}
END_TEST

START_TEST(flushall_causes_misses)
{
	w3w_cache *c = open_cache(redis_url);
	redisContext *r = raw();
	char k1[128], k2[128];
	int allowed = 0;
	int64_t retry = 0;
	key(k1, sizeof k1, "flush:1");
	key(k2, sizeof k2, "flush:2");
	fill(c, k1, "\"one\"", 600);
	fill(c, k2, "\"two\"", 600);
	assert_hit(c, k1, "\"one\"");

	freeReplyObject(raw_cmd(r, "FLUSHALL"));
	freeReplyObject(raw_cmd(r, "SCRIPT FLUSH"));
	assert_miss(c, k1);
	assert_miss(c, k2);
	fill(c, k1, "\"one again\"", 600);
	assert_hit(c, k1, "\"one again\"");
	/* the rate script is gone from the server too: EVAL brings it back */
	ck_assert_int_eq(c->rate_take(c, k2, 10, 2, &allowed, &retry), W3W_OK);
	ck_assert_int_eq(allowed, 1);
	redisFree(r);
	c->free(c);
}
END_TEST

/* ---- rate limiting ------------------------------------------------------- */

START_TEST(rate_take_burst_then_refuse_shared)
{
	w3w_cache *a = open_cache(redis_url), *b = open_cache(redis_url);
	char k[128];
	int allowed = -1, taken = 0;
	int64_t retry = -1;
	key(k, sizeof k, "rate:user:1");

	/* burst 5 at 2/s: handle a takes 3, handle b 2, then both are refused */
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(a->rate_take(a, k, 2.0, 5.0, &allowed, &retry), W3W_OK);
		taken += allowed;
	}
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(b->rate_take(b, k, 2.0, 5.0, &allowed, &retry), W3W_OK);
		taken += allowed;
	}
	ck_assert_int_eq(taken, 5);
	ck_assert_int_eq(b->rate_take(b, k, 2.0, 5.0, &allowed, &retry), W3W_OK);
	ck_assert_int_eq(allowed, 0);
	/* one token takes 500 ms at 2/s; some ms have passed since the burst */
	ck_assert_int_gt(retry, 0);
	ck_assert_int_le(retry, 500);
	ck_assert_int_eq(a->rate_take(a, k, 2.0, 5.0, &allowed, &retry), W3W_OK);
	ck_assert_int_eq(allowed, 0);

	sleep_ms((int)retry + 30);
	ck_assert_int_eq(a->rate_take(a, k, 2.0, 5.0, &allowed, &retry), W3W_OK);
	ck_assert_int_eq(allowed, 1);
	ck_assert_int_eq(retry, 0);
	ck_assert_int_eq(b->rate_take(b, k, 2.0, 5.0, &allowed, &retry), W3W_OK);
	ck_assert_int_eq(allowed, 0);

	/* another key has its own bucket */
	{
		char k2[128];
		key(k2, sizeof k2, "rate:user:2");
		ck_assert_int_eq(b->rate_take(b, k2, 2.0, 5.0, &allowed, &retry), W3W_OK);
		ck_assert_int_eq(allowed, 1);
	}
	ck_assert_int_eq(a->rate_take(a, k, 0, 5, &allowed, &retry), W3W_EINVAL);
	ck_assert_int_eq(a->rate_take(a, k, 1, 0.5, &allowed, &retry), W3W_EINVAL);
	a->free(a);
	b->free(b);
}
END_TEST

START_TEST(rate_take_refills_over_time)
{
	w3w_cache *c = open_cache(redis_url);
	char k[128];
	int allowed = 0, taken = 0;
	int64_t retry = 0, t0;
	key(k, sizeof k, "rate:refill");

	/* 20/s with burst 1: over ~1 s about 20 pass, never much more */
	t0 = now_ms();
	while (now_ms() - t0 < 1000) {
		ck_assert_int_eq(c->rate_take(c, k, 20.0, 1.0, &allowed, &retry), W3W_OK);
		taken += allowed;
		if (!allowed) {
			ck_assert_int_gt(retry, 0);
			ck_assert_int_le(retry, 50);
		}
		sleep_ms(5);
	}
	ck_assert_msg(taken >= 17 && taken <= 22, "took %d tokens in 1 s at 20/s", taken);
	c->free(c);
}
END_TEST

/* ---- threads ------------------------------------------------------------- */

typedef struct worker_arg {
	w3w_cache *cache;
	int id;
	int wrong;        /* a value that is not what was filled: never allowed */
	int unavailable;  /* pool busy past the timeout (slow runs, valgrind): allowed */
	int served;
} worker_arg;

static void *worker(void *p)
{
	worker_arg *w = p;
	char k[128], name[32], val[64];
	for (int i = 0; i < 300; i++) {
		char *v = NULL;
		size_t len = 0;
		w3w_status st;
		snprintf(name, sizeof name, "mt:%d", i % 17);
		key(k, sizeof k, name);
		snprintf(val, sizeof val, "{\"i\":%d}", i % 17);
		st = w->cache->get(w->cache, k, &v, &len);
		if (st == W3W_OK) {
			if (strcmp(v, val) != 0 || len != strlen(val)) w->wrong++;
			free(v);
			w->served++;
		} else if (st == W3W_ENOTFOUND) {
			st = w->cache->fill(w->cache, k, val, strlen(val), 60);
			if (st == W3W_OK) w->served++;
		}
		if (st == W3W_EUNAVAILABLE) w->unavailable++;
		else if (st != W3W_OK) w->wrong++;
		if (i % 50 == w->id) {
			const char *keys[1] = { k };
			st = w->cache->invalidate(w->cache, keys, 1);
			if (st == W3W_EUNAVAILABLE) w->unavailable++;
			else if (st != W3W_OK) w->wrong++;
		}
	}
	return NULL;
}

START_TEST(threads_share_a_small_pool)
{
	char url[512];
	w3w_cache *c;
	pthread_t t[8];
	worker_arg args[8];
	snprintf(url, sizeof url, "%s?pool=2", redis_url);
	c = open_cache(url);
	int wrong = 0, unavailable = 0, served = 0;
	for (int i = 0; i < 8; i++) {
		args[i] = (worker_arg){ c, i, 0, 0, 0 };
		if (pthread_create(&t[i], NULL, worker, &args[i]) != 0)
			args[i].cache = NULL;
	}
	/* join every thread before any assertion can leave this function */
	for (int i = 0; i < 8; i++) {
		if (args[i].cache) pthread_join(t[i], NULL);
		wrong += args[i].wrong;
		unavailable += args[i].unavailable;
		served += args[i].served;
	}
	c->free(c);
	for (int i = 0; i < 8; i++)
		ck_assert_ptr_nonnull(args[i].cache);
	fprintf(stderr, "8 threads on 2 connections: %d served, %d unavailable, %d wrong\n", served, unavailable, wrong);
	ck_assert_int_eq(wrong, 0);
	ck_assert_int_gt(served, 8 * 300 / 2);
}
END_TEST

/* ---- Redis going away ---------------------------------------------------- */

static void assert_fast_unavailable(w3w_cache *c, const char *k, int64_t *worst)
{
	int allowed;
	int64_t retry, t0;
	w3w_status st[5];
	const char *keys[1] = { k };
	char *v = NULL;
	size_t len = 0;

	t0 = now_ms();
	st[0] = c->get(c, k, &v, &len);
	st[1] = c->fill(c, k, "{}", 2, 60);
	st[2] = c->invalidate(c, keys, 1);
	st[3] = c->rate_take(c, k, 1, 1, &allowed, &retry);
	st[4] = c->ping(c);
	for (int i = 0; i < 5; i++)
		ck_assert_msg(st[i] == W3W_EUNAVAILABLE, "call %d: %s", i, w3w_status_name(st[i]));
	if (now_ms() - t0 > *worst) *worst = now_ms() - t0;
}

START_TEST(redis_stopped_then_restarted)
{
	w3w_cache *c = open_cache(redis_url);
	char k[128], *v = NULL;
	size_t len = 0;
	int64_t worst = 0, t0, calls = 0;
	w3w_status st;
	key(k, sizeof k, "order:outage");
	fill(c, k, "{\"before\":1}", 600);
	assert_hit(c, k, "{\"before\":1}");

	services_ctl("stop");
	/* for 2 s, every call fails fast: the connection is dropped, then the breaker holds */
	t0 = now_ms();
	while (now_ms() - t0 < 2000) {
		assert_fast_unavailable(c, k, &worst);
		calls += 5;
		sleep_ms(20);
	}
	ck_assert_msg(strstr(w3w_error_message(), "redis ") != NULL, "message: %s", w3w_error_message());
	/* five calls per round, each well under 200 ms */
	ck_assert_msg(worst < 5 * 200 + slack_ms(), "slowest round of 5 calls took %lld ms", (long long)worst);
	fprintf(stderr, "redis down: %lld calls, slowest round of 5 calls %lld ms\n",
		(long long)calls, (long long)worst);

	services_ctl("start");
	/* back within the breaker's retry interval (and a little margin) */
	t0 = now_ms();
	while ((st = c->ping(c)) != W3W_OK && now_ms() - t0 < 3000)
		sleep_ms(50);
	ck_assert_msg(st == W3W_OK, "not back after restart: %s", w3w_error_message());
	fprintf(stderr, "redis back: ping ok %lld ms after start returned\n", (long long)(now_ms() - t0));
	/* the server kept nothing (no persistence): a miss, then fills work again */
	ck_assert_int_eq(c->get(c, k, &v, &len), W3W_ENOTFOUND);
	fill(c, k, "{\"after\":1}", 600);
	assert_hit(c, k, "{\"after\":1}");
	c->free(c);
}
END_TEST

START_TEST(slow_redis_times_out_then_recovers)
{
	w3w_cache *c = open_cache(redis_url);
	redisContext *r = raw();
	char k[128], *v = NULL;
	size_t len = 0;
	int64_t t0, first, rest = 0;
	w3w_status st;
	key(k, sizeof k, "order:slow");
	fill(c, k, "{\"slow\":1}", 600);

	/* Redis holds every client's commands for 1.5 s: a stand-in for a stalled server */
	freeReplyObject(raw_cmd(r, "CLIENT PAUSE 1500 ALL"));
	t0 = now_ms();
	ck_assert_int_eq(c->get(c, k, &v, &len), W3W_EUNAVAILABLE);
	first = now_ms() - t0;
	ck_assert_msg(strstr(w3w_error_message(), "no answer within 200 ms") != NULL, "message: %s",
		w3w_error_message());
	/* the command timeout is capped at 200 ms even though the config says 2000 */
	ck_assert_msg(first >= 150 && first < 400 + slack_ms(), "timed out after %lld ms", (long long)first);
	/* the breaker is open now: the next calls do not wait at all */
	for (int i = 0; i < 10; i++) {
		t0 = now_ms();
		ck_assert_int_eq(c->get(c, k, &v, &len), W3W_EUNAVAILABLE);
		if (now_ms() - t0 > rest) rest = now_ms() - t0;
	}
	ck_assert_msg(rest < 50 + slack_ms(), "a call with the breaker open took %lld ms", (long long)rest);
	fprintf(stderr, "redis paused: first call %lld ms, then at most %lld ms\n", (long long)first, (long long)rest);

	/* once the pause ends, reads work again (at most a probe timeout or two later) */
	t0 = now_ms();
	while ((st = c->get(c, k, &v, &len)) != W3W_OK && now_ms() - t0 < 4000)
		sleep_ms(50);
	ck_assert_msg(st == W3W_OK, "not back after the pause: %s", w3w_error_message());
	ck_assert_str_eq(v, "{\"slow\":1}");
	free(v);
	freeReplyObject(raw_cmd(r, "CLIENT UNPAUSE"));
	redisFree(r);
	c->free(c);
}
END_TEST

/* ---- version 2: get_many, rate_sync, and core's local buckets on top ------ */

START_TEST(get_many_is_one_mget)
{
	w3w_cache *c = open_cache(redis_url);
	char k1[128], k2[128], k3[128], *values[3];
	const char *keys[3] = { key(k1, sizeof k1, "many:hit"), key(k2, sizeof k2, "many:tomb"),
		key(k3, sizeof k3, "many:absent") };
	size_t lens[3];

	ck_assert_int_eq(c->fill(c, k1, "{\"a\":1}", 7, 60), W3W_OK);
	ck_assert_int_eq(c->fill(c, k2, "{\"b\":2}", 7, 60), W3W_OK);
	ck_assert_int_eq(c->invalidate(c, &keys[1], 1), W3W_OK);
	ck_assert_int_eq(c->get_many(c, keys, 3, values, lens), W3W_OK);
	ck_assert_str_eq(values[0], "{\"a\":1}");
	ck_assert_uint_eq(lens[0], 7);
	ck_assert_ptr_null(values[1]); /* the tombstone reads as a miss, as with get */
	ck_assert_ptr_null(values[2]);
	free(values[0]);
	ck_assert_int_eq(c->get_many(c, keys, 0, values, lens), W3W_EINVAL);
	c->free(c);
}
END_TEST

/* The shared bucket's level now: a sync that takes nothing. */
static double bucket_level(w3w_cache *c, const char *k, double rate, double burst)
{
	w3w_cache_rate_sync item = { k, rate, burst, 0, -1 };
	ck_assert_int_eq(c->rate_sync(c, &item, 1), W3W_OK);
	return item.tokens;
}

START_TEST(rate_sync_overdraws_and_rate_take_sees_it)
{
	w3w_cache *c = open_cache(redis_url);
	char k[128], k2[128];
	int allowed = -1;
	int64_t retry = -1;
	w3w_cache_rate_sync items[2] = {
		{ key(k, sizeof k, "sync:over"), 0.001, 5, 8, 0 },
		{ key(k2, sizeof k2, "sync:other"), 0.001, 5, 2, 0 },
	};

	/* hosts took 8 of a burst of 5 between syncs: the bucket owes 3, and refuses until repaid */
	ck_assert_int_eq(c->rate_sync(c, items, 2), W3W_OK);
	ck_assert_msg(items[0].tokens > -3.01 && items[0].tokens < -2.99, "tokens %f", items[0].tokens);
	ck_assert_msg(items[1].tokens > 2.99 && items[1].tokens < 3.01, "tokens %f", items[1].tokens);
	ck_assert_int_eq(c->rate_take(c, k, 0.001, 5, &allowed, &retry), W3W_OK);
	ck_assert_int_eq(allowed, 0);
	ck_assert_int_gt(retry, 3000 * 1000 - 1000);
	items[0].rate_per_s = 0;
	ck_assert_int_eq(c->rate_sync(c, items, 1), W3W_EINVAL);
	c->free(c);
}
END_TEST

/* Redis's count of EVALSHA calls (rate_take and rate_sync both use it). */
static long long evalsha_calls(redisContext *r)
{
	redisReply *reply = raw_cmd(r, "INFO commandstats");
	const char *p = reply->str ? strstr(reply->str, "cmdstat_evalsha:calls=") : NULL;
	long long n = p ? atoll(p + strlen("cmdstat_evalsha:calls=")) : 0;
	freeReplyObject(reply);
	return n;
}

START_TEST(local_buckets_skip_redis_while_far_from_the_limit)
{
	w3w_cache *c = open_cache(redis_url);
	w3w__rate_local *rl = NULL;
	redisContext *r = raw();
	char k[128];
	int allowed = 0, taken = 0;
	int64_t retry = 0;
	long long before;

	key(k, sizeof k, "local:far");
	ck_assert_int_eq(w3w__rate_local_open(&rl, c), W3W_OK);
	ck_assert_ptr_nonnull(rl);
	before = evalsha_calls(r);
	for (int i = 0; i < 2000; i++) {
		ck_assert_int_eq(w3w__rate_local_take(rl, k, 1e6, 1e6, &allowed, &retry), W3W_OK);
		taken += allowed;
	}
	ck_assert_int_eq(taken, 2000);
	/* no round trip per take: only the sync thread's, one per W3W__RATE_SYNC_MS at most */
	{
		long long calls = evalsha_calls(r) - before;
		ck_assert_msg(calls < 200, "%lld EVALSHA for 2000 takes", calls);
	}
	w3w__rate_local_close(rl); /* its last sync counts every take */
	ck_assert_msg(bucket_level(c, k, 1e6, 1e6) <= 1e6, "bucket over its burst");
	redisFree(r);
	c->free(c);
}
END_TEST

typedef struct host_run {
	w3w__rate_local *rl;
	const char *key;
	atomic_int *admitted;
	int tries;
} host_run;

static void *host_takes(void *arg)
{
	host_run *h = arg;
	int allowed = 0;
	int64_t retry = 0;
	for (int i = 0; i < h->tries; i++) {
		ck_assert_int_eq(w3w__rate_local_take(h->rl, h->key, 0.001, 50, &allowed, &retry), W3W_OK);
		if (allowed)
			atomic_fetch_add(h->admitted, 1);
		else
			ck_assert_int_gt(retry, 0);
	}
	return NULL;
}

/*
 * The stated bound (core/rate_local.h), on two hosts sharing one Redis with
 * 4 threads each: burst 50, no refill to speak of (0.001/s), q = 5. A single
 * shared bucket admits exactly 50 of the 400 tries; the local buckets admit
 * at least that (they never refuse while the shared bucket has a token) and
 * at most 50 + 2 * q; and Redis counts every admission (the overdraft stays).
 */
START_TEST(local_buckets_bound_across_two_hosts)
{
	w3w_cache *ca = open_cache(redis_url), *cb = open_cache(redis_url);
	w3w__rate_local *a = NULL, *b = NULL;
	pthread_t th[8];
	host_run runs[8];
	atomic_int admitted = 0;
	char k[128];
	uint32_t q = w3w__rate_local_quota(50);

	ck_assert_uint_eq(q, 5);
	key(k, sizeof k, "local:bound");
	ck_assert_int_eq(w3w__rate_local_open(&a, ca), W3W_OK);
	ck_assert_int_eq(w3w__rate_local_open(&b, cb), W3W_OK);
	for (int i = 0; i < 8; i++) {
		runs[i] = (host_run){ i % 2 ? b : a, k, &admitted, 50 };
		ck_assert_int_eq(pthread_create(&th[i], NULL, host_takes, &runs[i]), 0);
	}
	for (int i = 0; i < 8; i++)
		pthread_join(th[i], NULL);
	fprintf(stderr, "local buckets: %d of 400 admitted on two hosts (burst 50, q %u)\n", atomic_load(&admitted), q);
	ck_assert_int_ge(atomic_load(&admitted), 50);
	ck_assert_int_le(atomic_load(&admitted), 50 + 2 * (int)q);
	w3w__rate_local_close(a);
	w3w__rate_local_close(b);
	{
		double level = bucket_level(ca, k, 0.001, 50);
		ck_assert_msg(level > 50 - atomic_load(&admitted) - 0.1 && level < 50 - atomic_load(&admitted) + 0.1,
			"Redis holds %f tokens after %d admissions of 50", level, atomic_load(&admitted));
	}
	ca->free(ca);
	cb->free(cb);
}
END_TEST

static Suite *redis_suite(void)
{
	Suite *s = suite_create("redis_cache");
	TCase *tc = tcase_create("redis");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, url_parsing);
	tcase_add_test(tc, script_sha_is_the_servers);
	tcase_add_test(tc, open_unreachable_fails_fast_unless_lazy);
	tcase_add_test(tc, wrong_password_is_named);
	tcase_add_test(tc, get_fill_invalidate);
	tcase_add_test(tc, tombstone_blocks_racing_stale_fill);
	tcase_add_test(tc, ttl_expiry);
	tcase_add_test(tc, prefix_and_database);
	tcase_add_test(tc, flushall_causes_misses);
	tcase_add_test(tc, rate_take_burst_then_refuse_shared);
	tcase_add_test(tc, rate_take_refills_over_time);
	tcase_add_test(tc, get_many_is_one_mget);
	tcase_add_test(tc, rate_sync_overdraws_and_rate_take_sees_it);
	tcase_add_test(tc, local_buckets_skip_redis_while_far_from_the_limit);
	tcase_add_test(tc, local_buckets_bound_across_two_hosts);
	tcase_add_test(tc, threads_share_a_small_pool);
	tcase_add_test(tc, slow_redis_times_out_then_recovers);
	tcase_add_test(tc, redis_stopped_then_restarted); /* last: it restarts the server */
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	redis_url = getenv("W3W_TEST_REDIS_URL");
	if (!redis_url || !*redis_url) {
		fprintf(stderr, "W3W_TEST_REDIS_URL is not set: run under scripts/services/with-services.sh\n");
		return 1;
	}
	{
		w3w__redis_url u;
		if (w3w__redis_url_parse(&u, redis_url) != W3W_OK) {
			fprintf(stderr, "W3W_TEST_REDIS_URL: %s\n", w3w_error_message());
			return 1;
		}
		snprintf(host, sizeof host, "%s", u.host);
		port = u.port;
	}
	snprintf(run_id, sizeof run_id, "%ld-%ld", (long)getpid(), (long)time(NULL));

	sr = srunner_create(redis_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

/*
 * The Redis near cache (redis://...?near_cache=N) against a real
 * redis-server (W3W_TEST_REDIS_URL): what another client changes stops
 * being served within the invalidation delay, losing the subscriber or a
 * tracking connection flushes, the entry bound holds, and an invalidation
 * racing a read wins.
 */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "cache/redis/redis_near.h"
#include "cache/redis/redis_url.h"
#include "w3wallet/sys/redis.h"

/* How long another client's write may still be served here (docs/backends.md). */
#define STALE_BOUND_MS 1000
/* Losing a tracking connection is noticed by the subscriber's next sweep. */
#define SWEEP_BOUND_MS (2 * W3W__NEAR_PING_MS)

static const char *redis_url;
static char host[256];
static int port;
static char run_id[32];

static int64_t slack_ms(void)
{
	const char *v = getenv("W3W_TEST_SLACK_MS");
	return v ? atoll(v) : 0;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static const char *key(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "near:%s:%s", run_id, name);
	return buf;
}

static redisContext *raw(void)
{
	struct timeval tv = { 2, 0 };
	redisContext *r = redisConnectWithTimeout(host, port, tv);
	ck_assert_msg(r && !r->err, "raw connect to %s:%d", host, port);
	return r;
}

static void raw_ok(redisContext *r, const char *fmt, ...)
{
	va_list ap;
	redisReply *reply;
	va_start(ap, fmt);
	reply = redisvCommand(r, fmt, ap);
	va_end(ap);
	ck_assert_msg(reply && reply->type != REDIS_REPLY_ERROR, "raw %s: %s", fmt,
		reply ? reply->str : r->errstr);
	freeReplyObject(reply);
}

/* A cache with a near cache of `entries`, waited for until its subscriber listens. */
static w3w_cache *open_near(int entries)
{
	w3w_backend_config cfg = { W3W_BACKEND_CONFIG_VERSION, 4, 2000, "test" };
	char url[512];
	w3w_cache *c = NULL;
	w3w__near_stats s;
	snprintf(url, sizeof url, "%s%cnear_cache=%d", redis_url, strchr(redis_url, '?') ? '&' : '?', entries);
	ck_assert_msg(w3w_cache_redis_open(&c, url, &cfg) == W3W_OK, "open: %s", w3w_error_message());
	ck_assert_ptr_nonnull(w3w__redis_cache_near(c));
	for (int i = 0; i < 100 + slack_ms() / 50; i++) {
		w3w__near_stats_get(w3w__redis_cache_near(c), &s);
		if (s.live) return c;
		sleep_ms(50);
	}
	ck_abort_msg("the near cache's subscriber never listened");
	return c;
}

static w3w__near_stats stats(w3w_cache *c)
{
	w3w__near_stats s;
	w3w__near_stats_get(w3w__redis_cache_near(c), &s);
	return s;
}

/* get: the value, or NULL on a miss. */
static char *get(w3w_cache *c, const char *k)
{
	char *v = NULL;
	size_t len = 0;
	w3w_status st = c->get(c, k, &v, &len);
	ck_assert_msg(st == W3W_OK || st == W3W_ENOTFOUND, "get %s: %s", k, w3w_error_message());
	return v;
}

static int is(char *v, const char *expected)
{
	int same = v && expected ? strcmp(v, expected) == 0 : v == NULL && expected == NULL;
	free(v);
	return same;
}

/*
 * Read k into the near cache and check the next read is served from it.
 * A few tries: an invalidation still on its way (of an earlier write, or a
 * flush after a connection was remade) may drop the first copy.
 */
static void warm(w3w_cache *c, const char *k, const char *expected)
{
	w3w__near_stats st;
	for (int i = 0; i < 20 + slack_ms() / 50; i++) {
		uint64_t hits;
		ck_assert_msg(is(get(c, k), expected), "%s: not %s in Redis", k, expected);
		hits = stats(c).hits;
		ck_assert(is(get(c, k), expected));
		if (stats(c).hits == hits + 1)
			return;
		sleep_ms(50);
	}
	st = stats(c);
	ck_abort_msg("%s: never served from the near cache (entries %zu, stores %llu, flushes %llu, live %d)", k,
		st.entries, (unsigned long long)st.stores, (unsigned long long)st.flushes, st.live);
}

/* Milliseconds until get(k) answers `expected`; fails past `bound_ms`. */
static int64_t ms_until(w3w_cache *c, const char *k, const char *expected, int64_t bound_ms)
{
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		int64_t el;
		int done = is(get(c, k), expected);
		clock_gettime(CLOCK_MONOTONIC, &t);
		el = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
		if (done) return el;
		ck_assert_msg(el <= bound_ms + slack_ms(), "%s still stale after %lld ms", k, (long long)el);
		sleep_ms(1);
	}
}

START_TEST(other_client_writes_stop_being_served)
{
	w3w_cache *c = open_near(1000), *other = open_near(1000);
	redisContext *r = raw();
	char k1[128], k2[128];
	int64_t ms;
	key(k1, sizeof k1, "other:1");
	key(k2, sizeof k2, "other:2");
	raw_ok(r, "SET %s v1", k1);
	raw_ok(r, "SET %s w1", k2);
	warm(c, k1, "v1");
	warm(c, k2, "w1");

	raw_ok(r, "SET %s v2", k1);           /* another client changes it */
	ms = ms_until(c, k1, "v2", STALE_BOUND_MS);
	printf("near: a change by another client stopped being served after %lld ms\n", (long long)ms);
	warm(c, k1, "v2");
	raw_ok(r, "DEL %s", k1);              /* ... deletes it */
	ms_until(c, k1, NULL, STALE_BOUND_MS);

	/* another host of the library invalidates (a commit there) */
	ck_assert_int_eq(other->invalidate(other, (const char *[]){ k2 }, 1), W3W_OK);
	ms = ms_until(c, k2, NULL, STALE_BOUND_MS);
	printf("near: another host's invalidate reached this one after %lld ms\n", (long long)ms);
	ck_assert_uint_gt(stats(c).invalidations, 0);

	/* FLUSHALL is announced as "everything" */
	raw_ok(r, "SET %s x", k1);
	warm(c, k1, "x");
	raw_ok(r, "FLUSHALL");
	ms_until(c, k1, NULL, STALE_BOUND_MS);
	redisFree(r);
	other->free(other);
	c->free(c);
}
END_TEST

START_TEST(own_writes_are_dropped_at_once)
{
	w3w_cache *c = open_near(1000);
	char k1[128], k2[128];
	const char *keys[2] = { key(k1, sizeof k1, "own:order"), key(k2, sizeof k2, "own:items") };
	char *values[2];
	size_t lens[2];
	uint64_t hits;

	ck_assert_int_eq(c->fill(c, k1, "{\"o\":1}", 7, 60), W3W_OK);
	ck_assert_int_eq(c->fill(c, k2, "[1]", 3, 60), W3W_OK);
	warm(c, k1, "{\"o\":1}");
	warm(c, k2, "[1]");
	hits = stats(c).hits;
	ck_assert_int_eq(c->get_many(c, keys, 2, values, lens), W3W_OK);
	ck_assert_str_eq(values[0], "{\"o\":1}");
	ck_assert_str_eq(values[1], "[1]");
	ck_assert_uint_eq(lens[1], 3);
	free(values[0]);
	free(values[1]);
	ck_assert_uint_eq(stats(c).hits, hits + 2);   /* no round trip */

	ck_assert_int_eq(c->invalidate(c, keys, 1), W3W_OK);
	/* read-your-writes: the very next read misses, no invalidation delay */
	ck_assert(is(get(c, k1), NULL));
	ck_assert_int_eq(c->get_many(c, keys, 2, values, lens), W3W_OK);
	ck_assert_ptr_null(values[0]);
	ck_assert_str_eq(values[1], "[1]");
	free(values[1]);
	c->free(c);
}
END_TEST

/* Kill the clients of CLIENT LIST whose flags contain `flag`; how many. */
static int kill_flagged(redisContext *r, char flag)
{
	redisReply *list = redisCommand(r, "CLIENT LIST");
	int killed = 0;
	ck_assert(list && list->type == REDIS_REPLY_STRING);
	for (char *line = list->str; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		long long id = atoll(line + 3);   /* "id=N ..." */
		char *flags = strstr(line, " flags=");
		char *end = flags ? strchr(flags + 7, ' ') : NULL;
		if (strncmp(line, "id=", 3) != 0 || !flags || !end) continue;
		if (memchr(flags + 7, flag, (size_t)(end - flags - 7))) {
			raw_ok(r, "CLIENT KILL ID %lld", id);
			killed++;
		}
	}
	freeReplyObject(list);
	return killed;
}

START_TEST(lost_subscriber_flushes)
{
	w3w_cache *c = open_near(1000);
	redisContext *r = raw();
	char k1[128];
	uint64_t flushes;
	key(k1, sizeof k1, "sub:1");
	raw_ok(r, "SET %s v1", k1);
	warm(c, k1, "v1");
	flushes = stats(c).flushes;

	ck_assert_int_ge(kill_flagged(r, 'P'), 1);    /* the pub/sub subscriber */
	raw_ok(r, "SET %s v2", k1);                   /* its invalidation is lost */
	ms_until(c, k1, "v2", STALE_BOUND_MS);
	ck_assert_uint_gt(stats(c).flushes, flushes);

	/* a new subscriber: served from near again, and kept correct */
	for (int i = 0; i < 100 && !stats(c).live; i++) sleep_ms(50);
	ck_assert(stats(c).live);
	ms_until(c, k1, "v2", 0);
	warm(c, k1, "v2");
	raw_ok(r, "SET %s v3", k1);
	ms_until(c, k1, "v3", STALE_BOUND_MS);
	redisFree(r);
	c->free(c);
}
END_TEST

START_TEST(lost_tracking_connection_flushes)
{
	w3w_cache *c = open_near(1000);
	redisContext *r = raw();
	char k1[128];
	int64_t ms;
	key(k1, sizeof k1, "conn:1");
	raw_ok(r, "SET %s v1", k1);
	warm(c, k1, "v1");

	/* Redis forgets what a killed connection tracked: no invalidation comes */
	ck_assert_int_ge(kill_flagged(r, 't'), 1);
	raw_ok(r, "SET %s v2", k1);
	ms = ms_until(c, k1, "v2", SWEEP_BOUND_MS);
	printf("near: a killed tracking connection was noticed after %lld ms\n", (long long)ms);
	redisFree(r);
	c->free(c);
}
END_TEST

START_TEST(entries_are_bounded)
{
	w3w_cache *c = open_near(64);
	redisContext *r = raw();
	char k[128], name[32];
	w3w__near_stats s;
	for (int i = 0; i < 400; i++) {
		snprintf(name, sizeof name, "bound:%d", i);
		raw_ok(r, "SET %s %d", key(k, sizeof k, name), i);
		free(get(c, k));
	}
	s = stats(c);
	ck_assert_uint_le(s.entries, 64);
	ck_assert_uint_ge(s.entries, 32);
	ck_assert_uint_ge(s.stores, 390);   /* a flush as the first connection is remade may cost one */
	/* the most recent are the ones kept */
	{
		uint64_t hits = s.hits;
		ck_assert(is(get(c, k), "399"));
		ck_assert_uint_eq(stats(c).hits, hits + 1);
	}
	redisFree(r);
	c->free(c);
}
END_TEST

START_TEST(invalidation_racing_a_read_wins)
{
	w3w_cache *c = open_near(100);
	w3w__near *n = w3w__redis_cache_near(c);
	const char *k = "race:key";
	size_t kl = strlen(k);
	w3w__near_stats s0 = stats(c);
	uint64_t tag = 0;
	w3w__near_ticket t;

	/* the tag of connections tracking for the live subscriber */
	tag = stats(c).epoch;
	/* the mechanism with a live tag: an untouched read stores */
	t = w3w__near_ticket_for(n, k, kl);
	w3w__near_store(n, k, kl, "x", 1, tag, t);
	ck_assert_uint_eq(stats(c).entries, s0.entries + 1);
	/* a read in flight: ticket taken, the invalidation lands, then the reply */
	w3w__near_drop(n, k, kl);
	t = w3w__near_ticket_for(n, k, kl);
	w3w__near_drop(n, k, kl);                       /* the invalidation */
	w3w__near_store(n, k, kl, "stale", 5, tag, t);  /* the reply read before it */
	{
		char *v = NULL;
		size_t len;
		ck_assert_int_eq(w3w__near_get(n, k, kl, &v, &len), 0);
	}
	/* a connection tagged for another subscriber's epoch never stores */
	t = w3w__near_ticket_for(n, k, kl);
	w3w__near_store(n, k, kl, "old epoch", 9, tag + 1, t);
	ck_assert_int_eq(w3w__near_get(n, k, kl, &(char *){ NULL }, &(size_t){ 0 }), 0);
	c->free(c);
}
END_TEST

START_TEST(url_option)
{
	w3w__redis_url u;
	w3w_cache *c = NULL;
	w3w_backend_config cfg = { W3W_BACKEND_CONFIG_VERSION, 4, 2000, "test" };
	char url[512];
	ck_assert_int_eq(w3w__redis_url_parse(&u, "redis://h:1/0?near_cache=10000&pool=2"), W3W_OK);
	ck_assert_int_eq(u.near_cache, 10000);
	ck_assert_int_eq(w3w__redis_url_parse(&u, "redis://h:1/0"), W3W_OK);
	ck_assert_int_eq(u.near_cache, 0);
	ck_assert_int_eq(w3w__redis_url_parse(&u, "redis://h:1/0?near_cache=-1"), W3W_EINVAL);
	ck_assert_int_eq(w3w__redis_url_parse(&u, "redis://h:1/0?near_cache=10000001"), W3W_EINVAL);
	ck_assert_int_eq(w3w__redis_url_parse(&u, "redis://h:1/0?near_cache="), W3W_EINVAL);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "near_cache"));
	/* near_cache=0 and no option: no near cache at all */
	snprintf(url, sizeof url, "%s%cnear_cache=0", redis_url, strchr(redis_url, '?') ? '&' : '?');
	ck_assert_int_eq(w3w_cache_redis_open(&c, url, &cfg), W3W_OK);
	ck_assert_ptr_null(w3w__redis_cache_near(c));
	c->free(c);
}
END_TEST

/* Readers hammer a few keys while a writer changes them; afterwards every reader sees the last values. */
#define HAMMER_KEYS 8
typedef struct hammer {
	w3w_cache *c;
	char keys[HAMMER_KEYS][128];
	atomic_int stop;
	atomic_long reads;
} hammer;

static void *hammer_reader(void *arg)
{
	hammer *h = arg;
	for (unsigned i = 0; !atomic_load(&h->stop); i++) {
		char *v = NULL;
		size_t len = 0;
		w3w_status st = h->c->get(h->c, h->keys[i % HAMMER_KEYS], &v, &len);
		if (st != W3W_OK && st != W3W_ENOTFOUND)
			w3w_error_clear();
		free(v);
		atomic_fetch_add(&h->reads, 1);
	}
	return NULL;
}

START_TEST(threads_converge_on_the_last_write)
{
	hammer h;
	pthread_t readers[4];
	redisContext *r = raw();
	char name[32], last[32];
	memset(&h, 0, sizeof h);
	h.c = open_near(1000);
	for (int k = 0; k < HAMMER_KEYS; k++) {
		snprintf(name, sizeof name, "hammer:%d", k);
		key(h.keys[k], sizeof h.keys[k], name);
		raw_ok(r, "SET %s 0", h.keys[k]);
	}
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&readers[i], NULL, hammer_reader, &h), 0);
	for (int round = 1; round <= 200; round++) {
		raw_ok(r, "SET %s %d", h.keys[round % HAMMER_KEYS], round);
		sleep_ms(1);
	}
	atomic_store(&h.stop, 1);
	for (int i = 0; i < 4; i++)
		pthread_join(readers[i], NULL);
	ck_assert_int_gt(atomic_load(&h.reads), 200);
	ck_assert_uint_gt(stats(h.c).hits, 0);
	for (int k = 0; k < HAMMER_KEYS; k++) {
		int final = 200 - ((200 - k) % HAMMER_KEYS);   /* the last round that wrote key k */
		snprintf(last, sizeof last, "%d", final);
		ms_until(h.c, h.keys[k], last, STALE_BOUND_MS);
	}
	redisFree(r);
	h.c->free(h.c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("redis_near");
	TCase *tc = tcase_create("near");
	SRunner *sr;
	int failed;
	w3w__redis_url u;

	redis_url = getenv("W3W_TEST_REDIS_URL");
	if (!redis_url || !*redis_url) {
		fprintf(stderr, "W3W_TEST_REDIS_URL is not set: run under scripts/services/with-services.sh\n");
		return 1;
	}
	if (w3w__redis_url_parse(&u, redis_url) != W3W_OK) {
		fprintf(stderr, "W3W_TEST_REDIS_URL: %s\n", w3w_error_message());
		return 1;
	}
	snprintf(host, sizeof host, "%s", u.host);
	port = u.port;
	snprintf(run_id, sizeof run_id, "%ld-%ld", (long)getpid(), (long)time(NULL));

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, url_option);
	tcase_add_test(tc, other_client_writes_stop_being_served);
	tcase_add_test(tc, own_writes_are_dropped_at_once);
	tcase_add_test(tc, lost_subscriber_flushes);
	tcase_add_test(tc, lost_tracking_connection_flushes);
	tcase_add_test(tc, entries_are_bounded);
	tcase_add_test(tc, invalidation_racing_a_read_wins);
	tcase_add_test(tc, threads_converge_on_the_last_write);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

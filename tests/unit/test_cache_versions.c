/*
 * Cache backends of both interface versions. A version-1 handle, allocated
 * exactly as large as the version-1 layout (so reading a version-2 member
 * would be an overread ASan reports), is used with one get() per key and
 * its rate_take() per request; a version-2 handle gets one get_many() for
 * an order and its items, and the rate limiter's takes reach it through
 * rate_sync() in batches, all of them counted by the time the context closes.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "w3wallet.h"
#include "w3wallet/sys/cache.h"

/* The version-1 handle, member by member as the 0.2 header had it. */
typedef struct cache_v1 {
	unsigned int version;
	const char *name;
	w3w_status (*get)(w3w_cache *c, const char *key, char **value, size_t *len);
	w3w_status (*fill)(w3w_cache *c, const char *key, const char *value, size_t len, int ttl_s);
	w3w_status (*invalidate)(w3w_cache *c, const char *const *keys, size_t count);
	w3w_status (*rate_take)(w3w_cache *c, const char *key, double rate_per_s, double burst, int *allowed,
		int64_t *retry_after_ms);
	w3w_status (*ping)(w3w_cache *c);
	void (*free)(w3w_cache *c);
} cache_v1;

static struct {
	int gets, get_manys, keys_in_get_many, rate_takes, rate_syncs;
	uint32_t synced_taken;
} calls;

static w3w_status c_get(w3w_cache *c, const char *key, char **value, size_t *len)
{
	(void)c; (void)key; (void)value; (void)len;
	calls.gets++;
	return W3W_ENOTFOUND;
}
static w3w_status c_fill(w3w_cache *c, const char *key, const char *value, size_t len, int ttl_s)
{
	(void)c; (void)key; (void)value; (void)len; (void)ttl_s;
	return W3W_OK;
}
static w3w_status c_invalidate(w3w_cache *c, const char *const *keys, size_t count)
{
	(void)c; (void)keys; (void)count;
	return W3W_OK;
}
static w3w_status c_rate_take(w3w_cache *c, const char *key, double rate, double burst, int *allowed, int64_t *retry)
{
	(void)c; (void)key; (void)rate; (void)burst;
	calls.rate_takes++;
	*allowed = 1;
	*retry = 0;
	return W3W_OK;
}
static w3w_status c_ping(w3w_cache *c) { (void)c; return W3W_OK; }
static void c_free(w3w_cache *c) { free(c); }

static w3w_status c_get_many(w3w_cache *c, const char *const *keys, size_t count, char **values, size_t *lens)
{
	(void)c; (void)keys;
	calls.get_manys++;
	calls.keys_in_get_many += (int)count;
	memset(values, 0, count * sizeof *values);
	memset(lens, 0, count * sizeof *lens);
	return W3W_OK;
}
static w3w_status c_rate_sync(w3w_cache *c, w3w_cache_rate_sync *items, size_t count)
{
	(void)c;
	calls.rate_syncs++;
	for (size_t i = 0; i < count; i++) {
		calls.synced_taken += items[i].taken;
		items[i].tokens = items[i].burst - calls.synced_taken;
	}
	return W3W_OK;
}

static w3w_status open_v1(w3w_cache **out, const char *url, const w3w_backend_config *cfg)
{
	cache_v1 *c = malloc(sizeof *c); /* no room for any version-2 member */
	(void)url; (void)cfg;
	*c = (cache_v1){ 1, "v1", c_get, c_fill, c_invalidate, c_rate_take, c_ping, c_free };
	*out = (w3w_cache *)c;
	return W3W_OK;
}

static w3w_status open_v2(w3w_cache **out, const char *url, const w3w_backend_config *cfg)
{
	w3w_cache *c = malloc(sizeof *c);
	(void)url; (void)cfg;
	*c = (w3w_cache)W3W_CACHE_INIT("v2");
	c->get = c_get;
	c->fill = c_fill;
	c->invalidate = c_invalidate;
	c->rate_take = c_rate_take;
	c->ping = c_ping;
	c->free = c_free;
	c->get_many = c_get_many;
	c->rate_sync = c_rate_sync;
	*out = c;
	return W3W_OK;
}

static char dir[64];

static w3w_ctx *open_ctx(const char *cache_url)
{
	w3w_options o;
	w3w_ctx *ctx = NULL;
	memset(&calls, 0, sizeof calls);
	ck_assert_int_eq(w3w_options_init(&o, W3W_OPTIONS_VERSION), W3W_OK);
	snprintf(o.storage_url, sizeof o.storage_url, "sqlite:%s/c.db", dir);
	snprintf(o.cache_url, sizeof o.cache_url, "%s", cache_url);
	o.background_relay = 0;
	ck_assert_msg(w3w_ctx_open(&ctx, &o) == W3W_OK, "open with %s: %s", cache_url, w3w_error_message());
	return ctx;
}

static void read_missing_order(w3w_ctx *ctx)
{
	char uid[W3W_ID_SIZE], oid[W3W_ID_SIZE];
	w3w_actor user;
	w3w_order *o = NULL;
	w3w_id_new(uid, sizeof uid);
	w3w_id_new(oid, sizeof oid);
	ck_assert_int_eq(w3w_actor_init(&user, uid, W3W_ROLE_USER), W3W_OK);
	ck_assert_int_eq(w3w_order_get(&o, ctx, &user, oid), W3W_ENOTFOUND);
	ck_assert_ptr_null(o);
}

static void take(w3w_ctx *ctx, int n)
{
	int allowed = 0;
	int64_t retry = -1;
	for (int i = 0; i < n; i++) {
		ck_assert_int_eq(w3w_rate_limit_take(ctx, "rl:someone", 1000, 1000, &allowed, &retry), W3W_OK);
		ck_assert_int_eq(allowed, 1);
	}
}

START_TEST(version_1_one_get_per_key_and_rate_take_per_request)
{
	w3w_ctx *ctx = open_ctx("v1test:");
	read_missing_order(ctx);
	ck_assert_int_eq(calls.gets, 2); /* order:{id}, order:{id}:items */
	take(ctx, 10);
	ck_assert_int_eq(calls.rate_takes, 10);
	w3w_ctx_close(ctx);
}
END_TEST

START_TEST(version_2_one_get_many_and_batched_rate_syncs)
{
	w3w_ctx *ctx = open_ctx("v2test:");
	read_missing_order(ctx);
	ck_assert_int_eq(calls.gets, 0);
	ck_assert_int_eq(calls.get_manys, 1);
	ck_assert_int_eq(calls.keys_in_get_many, 2);
	take(ctx, 10);
	ck_assert_int_eq(calls.rate_takes, 0); /* local buckets: nothing per request */
	w3w_ctx_close(ctx);
	ck_assert_int_ge(calls.rate_syncs, 1);
	ck_assert_uint_eq(calls.synced_taken, 10); /* every take reached the shared bucket, once */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cache_versions");
	TCase *tc = tcase_create("versions");
	SRunner *sr;
	int failed;

	snprintf(dir, sizeof dir, "/tmp/w3w-cachever-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	if (w3w_cache_register("v1test", open_v1) != W3W_OK || w3w_cache_register("v2test", open_v2) != W3W_OK)
		return 1;
	tcase_add_test(tc, version_1_one_get_per_key_and_rate_take_per_request);
	tcase_add_test(tc, version_2_one_get_many_and_batched_rate_syncs);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	{
		char cmd[128];
		snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
		if (system(cmd) != 0)
			failed++;
	}
	return failed ? 1 : 0;
}

/*
 * Two regions on one PostgreSQL database, each with its own Redis (here two
 * database numbers of the test Redis) and one Kafka broker between them.
 *
 *   region A   relay on: it takes every outbox event, invalidates A's cache,
 *              publishes to Kafka
 *   region B   relay off (so nothing but the stream can tell B's cache about
 *              A's writes), cache_follow_url = Kafka
 *   control C  like B without following: proves the staleness B is spared
 *
 * Claims through A; B's cached orders must turn claimed; the time from each
 * claim's return to B seeing it is measured (the cross-region staleness).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e2e.h"

#define N 20

static struct {
	char db[64];
	char storage[W3W_URL_SIZE];
	char redis[3][W3W_URL_SIZE];
	const char *kafka;
	w3w_ctx *a, *b, *c;
	w3w_actor service, buyer, shopper;
	char cur[W3W_CURRENCY_SIZE];
} F;

/* redis://host:port[/db] -> the same server, database `n`. */
static void redis_db(char *out, size_t size, const char *url, int n)
{
	const char *hostpart = strstr(url, "://");
	const char *slash = hostpart ? strchr(hostpart + 3, '/') : NULL;
	int len = slash ? (int)(slash - url) : (int)strlen(url);
	snprintf(out, size, "%.*s/%d", len, url, n);
}

static w3w_ctx *open_region(const char *region, const char *cache, int relay, int follow)
{
	w3w_options o;
	w3w_ctx *ctx = NULL;
	E2E_OK(w3w_options_init(&o, W3W_OPTIONS_VERSION));
	snprintf(o.storage_url, sizeof(o.storage_url), "%s", F.storage);
	snprintf(o.cache_url, sizeof(o.cache_url), "%s", cache);
	snprintf(o.events_url, sizeof(o.events_url), "%s", F.kafka);
	snprintf(o.region, sizeof(o.region), "%s", region);
	if (follow)
		snprintf(o.cache_follow_url, sizeof(o.cache_follow_url), "%s", F.kafka);
	o.background_relay = relay;
	E2E_OK(w3w_ctx_open(&ctx, &o));
	return ctx;
}

static int order_status(w3w_ctx *ctx, const char *id)
{
	w3w_order *o = NULL;
	int status;
	E2E_OK(w3w_order_get(&o, ctx, &F.buyer, id));
	status = o->status;
	w3w_order_free(o);
	return status;
}

static void new_order(char id[W3W_ID_SIZE])
{
	w3w_order_item item;
	w3w_order *o = NULL;
	e2e_item(&item, "1", 1);
	E2E_OK(w3w_order_create(&o, F.a, &F.buyer, F.cur, &item, 1, NULL));
	memcpy(id, o->id, W3W_ID_SIZE);
	w3w_order_free(o);
}

/* Claim `id` through A; milliseconds until B's read shows it claimed (-1: not within `wait_ms`). */
static int64_t claim_seen_by_b(const char *id, int wait_ms)
{
	w3w_claim c;
	int64_t t0, deadline;
	E2E_OK(w3w_claim_order(&c, F.a, &F.shopper, id, NULL));
	t0 = e2e_now_us();
	deadline = e2e_now_ms() + wait_ms;
	while (order_status(F.b, id) != W3W_ORDER_CLAIMED) {
		if (e2e_now_ms() > deadline)
			return -1;
		e2e_sleep_ms(5);
	}
	return (e2e_now_us() - t0) / 1000;
}

static void setup(void)
{
	const char *redis = e2e_env("W3W_TEST_REDIS_URL");
	memset(&F, 0, sizeof(F));
	F.kafka = e2e_env("W3W_TEST_KAFKA_URL");
	for (int i = 0; i < 3; i++)
		redis_db(F.redis[i], sizeof(F.redis[i]), redis, 11 + i);
	e2e_pg_fresh(F.storage, F.db);
	F.a = open_region("region-a", F.redis[0], 1, 0);
	F.b = open_region("region-b", F.redis[1], 0, 1);
	F.c = open_region("region-c", F.redis[2], 0, 0);
	e2e_actor(&F.service, W3W_ROLE_SERVICE);
	e2e_actor(&F.buyer, W3W_ROLE_USER);
	e2e_actor(&F.shopper, W3W_ROLE_USER);
	e2e_currency(F.cur);
	E2E_OK(w3w_deposit(NULL, F.a, &F.service, F.buyer.user_id, F.cur, 1000 * W3W_AMOUNT_SCALE, F.buyer.user_id, NULL));
	E2E_OK(w3w_supply_create(NULL, F.a, &F.shopper, F.cur, 1000 * W3W_AMOUNT_SCALE, NULL));
}

static void teardown(void)
{
	w3w_ctx_close(F.a);
	w3w_ctx_close(F.b);
	w3w_ctx_close(F.c);
	e2e_pg_drop(F.db);
}

START_TEST(other_region_cache_follows_commits)
{
	char ids[N][W3W_ID_SIZE], probe[W3W_ID_SIZE];
	int64_t ms, sum = 0, worst = 0;
	int64_t deadline = e2e_now_ms() + 60000;

	/* B's consumer group joins the topics (a rebalance of a few seconds): probe until it follows. */
	for (;;) {
		new_order(probe);
		ck_assert_int_eq(order_status(F.b, probe), W3W_ORDER_OPEN); /* cached in B */
		if (claim_seen_by_b(probe, 3000) >= 0)
			break;
		ck_assert_msg(e2e_now_ms() < deadline, "region B's cache never followed region A's commits");
	}
	for (int i = 0; i < N; i++) {
		new_order(ids[i]);
		ck_assert_int_eq(order_status(F.b, ids[i]), W3W_ORDER_OPEN);
		ck_assert_int_eq(order_status(F.c, ids[i]), W3W_ORDER_OPEN);
	}
	for (int i = 0; i < N; i++) {
		ms = claim_seen_by_b(ids[i], 5000);
		ck_assert_msg(ms >= 0, "order %d still open in region B 5 s after its claim", i);
		sum += ms;
		if (ms > worst)
			worst = ms;
	}
	/* The control region keeps serving what it cached: this is what B is spared. */
	for (int i = 0; i < N; i++)
		ck_assert_int_eq(order_status(F.c, ids[i]), W3W_ORDER_OPEN);
	fprintf(stderr, "e2e regions: region B saw region A's claims after %.1f ms on average, %lld ms at worst"
		" (%d claims; relay -> Kafka -> B's follower -> B's Redis)\n", (double)sum / N, (long long)worst, N);
	ck_assert_msg(worst < 3000, "worst cross-region staleness %lld ms", (long long)worst);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("e2e_regions");
	TCase *tc = tcase_create("regions");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, other_region_cache_follows_commits);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

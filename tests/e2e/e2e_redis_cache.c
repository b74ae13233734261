/*
 * Redis cache-aside, end to end (public API, plus the cache vtable of
 * <w3wallet/sys/redis.h> to look at and tamper with what is stored).
 *
 * Two contexts A and B on one fresh PostgreSQL database and one real
 * Redis (two processes of a host, as far as the cache is concerned):
 *
 *   stale_read_guard        B caches a supply, an order, a claim; A writes;
 *                           B's next read sees the write at once.
 *   stale_fill_blocked      a reader that read storage before A's commit
 *                           fills the old JSON late: the tombstone wins.
 *   racing_readers          readers on A and B hammer supplies while A
 *                           updates them one by one: a read that starts
 *                           after an update returned never sees the old
 *                           value (racing stale fills included).
 *   redis_stopped           Redis stopped mid-run: reads and commands keep
 *                           succeeding; a write made during the outage is
 *                           what B reads after Redis comes back (empty);
 *                           the cache is used again afterwards.
 *   flushall_mid_run        FLUSHALL every few ms while A writes and B
 *                           reads: only misses, never a wrong value.
 *   cached_reads_skip_storage  after a warm-up, PostgreSQL is STOPPED and
 *                           cached reads still answer (uncached ones do
 *                           not): hits really do not touch storage.
 *   lost_answer_staleness   commits nobody invalidated (a context without
 *                           the cache: a caller killed after COMMIT, or
 *                           whose answer was lost): B's cached orders turn
 *                           fresh within one relay round; measured.
 *
 * Timings and hit counts (Redis INFO keyspace_hits/misses) are printed.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include <w3wallet/sys/redis.h>

#include "e2e.h"

#define CTX_TIMEOUT_MS 3000
#define WARM_WAIT_MS (W3W_CACHE_TOMBSTONE_MS + 5000)

static struct fixture {
	char db[64];
	char storage[W3W_URL_SIZE];
	const char *redis_url;
	w3w_ctx *a, *b;
	w3w_cache *raw;          /* the same Redis through the backend's own vtable */
	redisContext *rc;        /* and through plain hiredis: FLUSHALL, INFO, EXISTS */
	char redis_host[256];
	int redis_port, redis_db;
	w3w_actor service, auditor, buyer, shopper;
	char cur[W3W_CURRENCY_SIZE];
} F;

/* ---- plain Redis ------------------------------------------------------------- */

/* redis://[userinfo@]host[:port][/db][?...] -> host, port, db (enough for the test URLs). */
static void parse_redis_url(const char *url)
{
	const char *p = url + strlen("redis://"), *at, *end;
	size_t n;

	ck_assert_msg(strncmp(url, "redis://", 8) == 0, "W3W_TEST_REDIS_URL is not redis://: %s", url);
	end = p + strcspn(p, "/?");
	at = memchr(p, '@', (size_t)(end - p));
	if (at)
		p = at + 1;
	n = strcspn(p, ":/?");
	snprintf(F.redis_host, sizeof(F.redis_host), "%.*s", (int)n, p);
	F.redis_port = p[n] == ':' ? atoi(p + n + 1) : 6379;
	F.redis_db = *end == '/' ? atoi(end + 1) : 0;
}

static redisContext *redis_connect(void)
{
	struct timeval tv = { 2, 0 };
	redisContext *c = redisConnectWithTimeout(F.redis_host, F.redis_port, tv);
	ck_assert_msg(c && !c->err, "connect to Redis %s:%d: %s", F.redis_host, F.redis_port, c ? c->errstr : "?");
	redisSetTimeout(c, tv);
	if (F.redis_db) {
		redisReply *r = redisCommand(c, "SELECT %d", F.redis_db);
		ck_assert_msg(r && r->type == REDIS_REPLY_STATUS, "SELECT %d failed", F.redis_db);
		freeReplyObject(r);
	}
	return c;
}

/* A command on the plain connection; reconnects once if Redis was restarted under it. */
static redisReply *redis_cmd(const char *cmd, const char *arg)
{
	redisReply *r = redisCommand(F.rc, cmd, arg);
	if (!r && F.rc->err) {
		redisFree(F.rc);
		F.rc = redis_connect();
		r = redisCommand(F.rc, cmd, arg);
	}
	return r;
}

static long long redis_int(const char *cmd, const char *arg)
{
	redisReply *r = redis_cmd(cmd, arg);
	long long v;
	ck_assert_msg(r && r->type == REDIS_REPLY_INTEGER, "%s %s: no integer reply", cmd, arg);
	v = r->integer;
	freeReplyObject(r);
	return v;
}

/* A counter of INFO stats ("keyspace_hits"). */
static long long redis_stat(const char *name)
{
	redisReply *r = redis_cmd("INFO %s", "stats");
	const char *p;
	long long v = -1;
	ck_assert_msg(r && r->type == REDIS_REPLY_STRING, "INFO stats failed");
	if ((p = strstr(r->str, name)) != NULL && p[strlen(name)] == ':')
		v = atoll(p + strlen(name) + 1);
	freeReplyObject(r);
	ck_assert_msg(v >= 0, "INFO stats has no %s", name);
	return v;
}

/* ---- what the cache holds ------------------------------------------------------ */

/* 1: a value (returned in *value if not NULL, caller frees); 0: a tombstone; -1: nothing. */
static int cached(const char *key, char **value)
{
	char *v = NULL;
	size_t len = 0;
	int64_t end = e2e_now_ms() + 3000;
	w3w_status st;

	/* Our own handle may hold a connection from before a Redis restart: it reconnects after 500 ms. */
	while ((st = F.raw->get(F.raw, key, &v, &len)) == W3W_EUNAVAILABLE && e2e_now_ms() < end)
		e2e_sleep_ms(100);
	if (st == W3W_OK) {
		if (value)
			*value = v;
		else
			free(v);
		return 1;
	}
	ck_assert_msg(st == W3W_ENOTFOUND, "raw get %s: %s (%s)", key, w3w_status_name(st), w3w_error_message());
	return redis_int("EXISTS %s", key) ? 0 : -1;
}

/*
 * Run `read` (a read through B) until B has filled `key`: a write's
 * tombstone blocks fills for W3W_CACHE_TOMBSTONE_MS, so a key written
 * moments ago fills only after that.
 */
#define WARM(key, read) do { \
	int64_t warm_end_ = e2e_now_ms() + WARM_WAIT_MS; \
	for (;;) { \
		read; \
		if (cached((key), NULL) == 1) break; \
		ck_assert_msg(e2e_now_ms() < warm_end_, "B's reads never filled %s", (key)); \
		e2e_sleep_ms(250); \
	} \
} while (0)

static void key_of(char *buf, size_t size, const char *fmt, const char *id)
{
	snprintf(buf, size, fmt, id);
}

/* ---- fixture ------------------------------------------------------------------- */

static void setup(void)
{
	e2e_services_restore(); /* a failed test before may have left one stopped */
	memset(&F, 0, sizeof(F));
	F.redis_url = e2e_env("W3W_TEST_REDIS_URL");
	e2e_env("W3W_SERVICES_DIR");
	parse_redis_url(F.redis_url);
	F.rc = redis_connect();
	e2e_pg_fresh(F.storage, F.db);
	F.a = e2e_open(F.storage, F.redis_url, "", 1, CTX_TIMEOUT_MS);
	F.b = e2e_open(F.storage, F.redis_url, "", 1, CTX_TIMEOUT_MS);
	{
		w3w_backend_config cfg = { W3W_BACKEND_CONFIG_VERSION, 2, 1000, "e2e" };
		E2E_OK(w3w_cache_redis_open(&F.raw, F.redis_url, &cfg));
	}
	e2e_actor(&F.service, W3W_ROLE_SERVICE);
	e2e_actor(&F.auditor, W3W_ROLE_AUDITOR);
	e2e_actor(&F.buyer, W3W_ROLE_USER);
	e2e_actor(&F.shopper, W3W_ROLE_USER);
	e2e_currency(F.cur);
	E2E_OK(w3w_deposit(NULL, F.a, &F.service, F.buyer.user_id, F.cur, 1000 * W3W_AMOUNT_SCALE, F.buyer.user_id, NULL));
}

static void teardown(void)
{
	e2e_check_invariants(F.a, &F.auditor, F.cur, NULL);
	w3w_ctx_close(F.a);
	w3w_ctx_close(F.b);
	F.raw->free(F.raw);
	redisFree(F.rc);
	e2e_pg_drop(F.db);
}

static void new_supply(w3w_supply *out, const char *amount)
{
	E2E_OK(w3w_supply_create(out, F.a, &F.shopper, F.cur, e2e_amt(amount), NULL));
}

/* An order of the buyer through A: 2 × 1.5 + 1 × `price`. */
static void new_order(char id[W3W_ID_SIZE], const char *price)
{
	w3w_order_item items[2];
	w3w_order *o = NULL;
	e2e_item(&items[0], "1.5", 2);
	e2e_item(&items[1], price, 1);
	E2E_OK(w3w_order_create(&o, F.a, &F.buyer, F.cur, items, 2, NULL));
	memcpy(id, o->id, W3W_ID_SIZE);
	w3w_order_free(o);
}

static int b_order_status(const char *id)
{
	w3w_order *o = NULL;
	int status;
	E2E_OK(w3w_order_get(&o, F.b, &F.buyer, id));
	ck_assert_uint_eq(o->item_count, 2);
	status = o->status;
	w3w_order_free(o);
	return status;
}

static w3w_supply b_supply(const char *id)
{
	w3w_supply s;
	E2E_OK(w3w_supply_get(&s, F.b, &F.shopper, id));
	return s;
}

static w3w_claim b_claim(const char *id)
{
	w3w_claim c;
	E2E_OK(w3w_claim_get(&c, F.b, &F.shopper, id));
	return c;
}

/* B lists the shopper's supplies / the buyer's orders (first pages: the cached ones). */
static void b_list_supplies(void)
{
	w3w_supply_page *sp = NULL;
	w3w_list_query q = W3W_LIST_QUERY_INIT;
	E2E_OK(w3w_supply_list(&sp, F.b, &F.shopper, &q));
	w3w_supply_page_free(sp);
}

static void b_list_orders(void)
{
	w3w_order_page *op = NULL;
	w3w_list_query q = W3W_LIST_QUERY_INIT;
	snprintf(q.user_id, sizeof(q.user_id), "%s", F.buyer.user_id);
	E2E_OK(w3w_order_list(&op, F.b, &F.buyer, &q));
	w3w_order_page_free(op);
}

/* ---- (a) a write through A is seen by B's next read ------------------------------ */

START_TEST(stale_read_guard)
{
	w3w_supply s, s2, tmp;
	w3w_supply_patch patch = W3W_SUPPLY_PATCH_INIT;
	w3w_supply_page *sp = NULL;
	w3w_order_page *op = NULL;
	w3w_list_query q = W3W_LIST_QUERY_INIT, oq = W3W_LIST_QUERY_INIT;
	w3w_claim c1, c2, c;
	char o_cancel[W3W_ID_SIZE], o1[W3W_ID_SIZE], o2[W3W_ID_SIZE];
	char k_s[64], k_oc[64], k_o1[64], k_o2[64], k_c1[64], k_c2[64], k_co1[64], k_co2[64], k_sl[80], k_ol[80];

	/* Everything is written first, so one tombstone period covers all warm-ups. */
	new_supply(&s, "100");
	new_order(o_cancel, "2");
	new_order(o1, "3");
	new_order(o2, "4");
	E2E_OK(w3w_claim_order(&c1, F.a, &F.shopper, o1, NULL));
	E2E_OK(w3w_claim_order(&c2, F.a, &F.shopper, o2, NULL));
	key_of(k_s, sizeof k_s, "supply:%s", s.id);
	key_of(k_oc, sizeof k_oc, "order:%s", o_cancel);
	key_of(k_o1, sizeof k_o1, "order:%s", o1);
	key_of(k_o2, sizeof k_o2, "order:%s", o2);
	key_of(k_c1, sizeof k_c1, "claim:%s", c1.id);
	key_of(k_c2, sizeof k_c2, "claim:%s", c2.id);
	key_of(k_co1, sizeof k_co1, "claim:order:%s", o1);
	key_of(k_co2, sizeof k_co2, "claim:order:%s", o2);
	key_of(k_sl, sizeof k_sl, "supplies:user:%s", F.shopper.user_id);
	key_of(k_ol, sizeof k_ol, "orders:user:%s", F.buyer.user_id);
	snprintf(oq.user_id, sizeof(oq.user_id), "%s", F.buyer.user_id);

	/* B reads everything until it is all in Redis. */
	WARM(k_s, b_supply(s.id));
	WARM(k_oc, b_order_status(o_cancel));
	WARM(k_o1, b_order_status(o1));
	WARM(k_o2, b_order_status(o2));
	WARM(k_c1, b_claim(c1.id));
	WARM(k_c2, b_claim(c2.id));
	WARM(k_co1, E2E_OK(w3w_claim_get_by_order(&c, F.b, &F.shopper, o1)));
	WARM(k_co2, E2E_OK(w3w_claim_get_by_order(&c, F.b, &F.shopper, o2)));
	WARM(k_sl, b_list_supplies());
	WARM(k_ol, b_list_orders());
	/* Cached reads answer the old state. */
	ck_assert_int_eq(b_supply(s.id).reserved, e2e_amt("13"));
	ck_assert_int_eq(b_order_status(o_cancel), W3W_ORDER_OPEN);
	ck_assert_int_eq(b_claim(c1.id).status, W3W_CLAIM_PENDING);

	/* Supply update: amount. */
	patch.set_amount = 1;
	patch.amount = e2e_amt("90");
	E2E_OK(w3w_supply_update(&tmp, F.a, &F.shopper, s.id, &patch, NULL));
	ck_assert_msg(b_supply(s.id).amount == e2e_amt("90"), "B read a stale supply after A's update");
	/* A new supply shows in B's cached list. */
	new_supply(&s2, "5");
	E2E_OK(w3w_supply_list(&sp, F.b, &F.shopper, &q));
	ck_assert_msg(sp->count == 2 && sp->items[0].amount == e2e_amt("90"),
		"B read a stale supply list (%zu items)", sp->count);
	w3w_supply_page_free(sp);

	/* Order cancel. */
	E2E_OK(w3w_order_cancel(NULL, F.a, &F.buyer, o_cancel, NULL));
	ck_assert_msg(b_order_status(o_cancel) == W3W_ORDER_CANCELLED, "B read a stale order after A's cancel");
	E2E_OK(w3w_order_list(&op, F.b, &F.buyer, &oq));
	ck_assert_uint_eq(op->count, 3);
	for (size_t i = 0; i < op->count; i++)
		if (strcmp(op->items[i].id, o_cancel) == 0)
			ck_assert_msg(op->items[i].status == W3W_ORDER_CANCELLED, "B read a stale order list after A's cancel");
	w3w_order_page_free(op);

	/* Claim processed: claim, claim by order, order, supply. */
	E2E_OK(w3w_claim_process(&c, F.a, &F.service, c1.id, NULL));
	ck_assert_msg(b_claim(c1.id).status == W3W_CLAIM_PROCESSED, "B read a stale claim after A's process");
	E2E_OK(w3w_claim_get_by_order(&c, F.b, &F.shopper, o1));
	ck_assert_msg(c.status == W3W_CLAIM_PROCESSED, "B read a stale claim (by order) after A's process");
	ck_assert_msg(b_order_status(o1) == W3W_ORDER_COMPLETED, "B read a stale order after A's process");
	tmp = b_supply(s.id);
	ck_assert_msg(tmp.amount == e2e_amt("84") && tmp.reserved == e2e_amt("7"),
		"B read a stale supply after A's process (amount %lld, reserved %lld)",
		(long long)tmp.amount, (long long)tmp.reserved);

	/* Claim released: the claim is released, the order has no live claim and is open again. */
	E2E_OK(w3w_claim_release(&c, F.a, &F.shopper, c2.id, NULL));
	ck_assert_msg(b_claim(c2.id).status == W3W_CLAIM_RELEASED, "B read a stale claim after A's release");
	E2E_EXPECT(W3W_ENOTFOUND, w3w_claim_get_by_order(&c, F.b, &F.shopper, o2));
	ck_assert_msg(b_order_status(o2) == W3W_ORDER_OPEN, "B read a stale order after A's release");
	ck_assert_msg(b_supply(s.id).reserved == 0, "B read a stale reservation after A's release");
}
END_TEST

/* ---- (b) a stale fill racing the write cannot replace the tombstone ------------------ */

START_TEST(stale_fill_blocked)
{
	w3w_supply s;
	w3w_claim c, got;
	char o[W3W_ID_SIZE], probe[80];
	char keys[5][80];
	char *old[5] = { NULL };
	w3w_order *ord = NULL;

	new_supply(&s, "50");
	new_order(o, "2");
	E2E_OK(w3w_claim_order(&c, F.a, &F.shopper, o, NULL));
	key_of(keys[0], sizeof keys[0], "supply:%s", s.id);
	key_of(keys[1], sizeof keys[1], "order:%s", o);
	key_of(keys[2], sizeof keys[2], "claim:%s", c.id);
	key_of(keys[3], sizeof keys[3], "claim:order:%s", o);
	key_of(keys[4], sizeof keys[4], "supplies:user:%s", F.shopper.user_id);

	/* The fill is real where nothing is in the way. */
	E2E_OK(w3w_id_new(probe + 10, sizeof(probe) - 10));
	memcpy(probe, "e2e:probe:", 10);
	E2E_OK(F.raw->fill(F.raw, probe, "{\"x\":1}", 7, 60));
	ck_assert_int_eq(cached(probe, NULL), 1);

	WARM(keys[0], b_supply(s.id));
	WARM(keys[1], b_order_status(o));
	WARM(keys[2], b_claim(c.id));
	WARM(keys[3], E2E_OK(w3w_claim_get_by_order(&got, F.b, &F.shopper, o)));
	WARM(keys[4], b_list_supplies());
	/* What a slow reader of B holds: the JSON it read from storage before A's commit. */
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(cached(keys[i], &old[i]), 1);

	E2E_OK(w3w_claim_process(&got, F.a, &F.service, c.id, NULL));

	/* The slow reader fills late, as B's cache-aside would (SET NX EX). */
	for (int i = 0; i < 5; i++) {
		E2E_OK(F.raw->fill(F.raw, keys[i], old[i], strlen(old[i]), 3600));
		ck_assert_msg(cached(keys[i], NULL) == 0, "%s: a stale fill replaced the write's tombstone", keys[i]);
		free(old[i]);
	}
	ck_assert_msg(b_supply(s.id).amount == e2e_amt("45") && b_supply(s.id).reserved == 0,
		"B read a stale supply after a late fill");
	E2E_OK(w3w_order_get(&ord, F.b, &F.buyer, o));
	ck_assert_msg(ord->status == W3W_ORDER_COMPLETED, "B read a stale order after a late fill");
	w3w_order_free(ord);
	ck_assert_msg(b_claim(c.id).status == W3W_CLAIM_PROCESSED, "B read a stale claim after a late fill");
	E2E_OK(w3w_claim_get_by_order(&got, F.b, &F.shopper, o));
	ck_assert_msg(got.status == W3W_CLAIM_PROCESSED, "B read a stale claim (by order) after a late fill");
	{
		w3w_supply_page *sp = NULL;
		w3w_list_query q = W3W_LIST_QUERY_INIT;
		E2E_OK(w3w_supply_list(&sp, F.b, &F.shopper, &q));
		ck_assert_msg(sp->count == 1 && sp->items[0].amount == e2e_amt("45"), "B read a stale supply list");
		w3w_supply_page_free(sp);
	}
}
END_TEST

/* ---- (b') real races: readers filling while the writer commits -------------------- */

#define RACE_KEYS 200
#define RACE_READERS 4

static struct race {
	char ids[RACE_KEYS][W3W_ID_SIZE];
	atomic_int cur;                  /* the supply being written now */
	atomic_int done[RACE_KEYS];      /* 1 once its update returned */
	atomic_int stop;
} R;

typedef struct reader {
	pthread_t thread;
	w3w_ctx *ctx;
	unsigned int seed;
	long reads, stale, wrong, errors;
	char first[256];
} reader;

#define RACE_OLD (10 * W3W_AMOUNT_SCALE)
#define RACE_NEW (20 * W3W_AMOUNT_SCALE)

static void race_read(reader *r, int i)
{
	w3w_supply s;
	int done = atomic_load(&R.done[i]);   /* before the read starts */
	w3w_status st = w3w_supply_get(&s, r->ctx, &F.shopper, R.ids[i]);
	r->reads++;
	if (st != W3W_OK) {
		if (!r->errors++ && !r->first[0])
			snprintf(r->first, sizeof(r->first), "supply %d: %s (%s)", i, w3w_status_name(st), w3w_error_message());
	} else if (s.amount != RACE_OLD && s.amount != RACE_NEW) {
		if (!r->wrong++ && !r->first[0])
			snprintf(r->first, sizeof(r->first), "supply %d: amount %lld", i, (long long)s.amount);
	} else if (done && s.amount == RACE_OLD) {
		if (!r->stale++ && !r->first[0])
			snprintf(r->first, sizeof(r->first), "supply %d: old amount read after its update returned", i);
	}
}

static void *reader_main(void *arg)
{
	reader *r = arg;
	while (!atomic_load(&R.stop)) {
		int cur = atomic_load(&R.cur);
		race_read(r, cur);
		/* and one already written: a stale fill that got in would show here */
		if (cur > 0)
			race_read(r, (int)(rand_r(&r->seed) % (unsigned)cur));
	}
	return NULL;
}

START_TEST(racing_readers)
{
	reader rs[RACE_READERS];
	w3w_supply s;
	w3w_supply_patch patch = W3W_SUPPLY_PATCH_INIT;
	long long hits0, misses0;
	long reads = 0, stale = 0, wrong = 0, errors = 0;
	const char *first = "";
	int64_t t0;

	memset(&R, 0, sizeof(R));
	for (int i = 0; i < RACE_KEYS; i++) {
		E2E_OK(w3w_supply_create(&s, F.a, &F.shopper, F.cur, RACE_OLD, NULL));
		memcpy(R.ids[i], s.id, W3W_ID_SIZE);
	}
	/* Let the creations' tombstones lapse, so readers really fill and hit before each update. */
	e2e_sleep_ms(W3W_CACHE_TOMBSTONE_MS + 500);
	hits0 = redis_stat("keyspace_hits");
	misses0 = redis_stat("keyspace_misses");
	memset(rs, 0, sizeof(rs));
	for (int t = 0; t < RACE_READERS; t++) {
		rs[t].ctx = t == 0 ? F.a : F.b;
		rs[t].seed = (unsigned)t * 7919u + 1u;
		ck_assert_int_eq(pthread_create(&rs[t].thread, NULL, reader_main, &rs[t]), 0);
	}
	t0 = e2e_now_ms();
	patch.set_amount = 1;
	patch.amount = RACE_NEW;
	for (int i = 0; i < RACE_KEYS; i++) {
		w3w_supply u;
		w3w_status st;
		atomic_store(&R.cur, i);
		/* Even: readers miss, fill and hit before the update. Odd: the update races their first
		 * miss, so fills of the old value land around the commit. */
		if (i % 2 == 0)
			e2e_sleep_ms(4);
		st = w3w_supply_update(&u, F.a, &F.shopper, R.ids[i], &patch, NULL);
		if (st != W3W_OK) {
			atomic_store(&R.stop, 1);
			break;
		}
		atomic_store(&R.done[i], 1);
		e2e_sleep_ms(2);
	}
	atomic_store(&R.stop, 1);
	for (int t = 0; t < RACE_READERS; t++)
		pthread_join(rs[t].thread, NULL);
	for (int t = 0; t < RACE_READERS; t++) {
		reads += rs[t].reads;
		stale += rs[t].stale;
		wrong += rs[t].wrong;
		errors += rs[t].errors;
		if (!first[0] && rs[t].first[0])
			first = rs[t].first;
	}
	fprintf(stderr, "e2e redis: %d updates raced by %d readers in %lld ms: %ld reads (Redis GETs: %lld found, tombstones "
		"included, %lld missing), "
		"%ld stale, %ld wrong, %ld errors\n", RACE_KEYS, RACE_READERS, (long long)(e2e_now_ms() - t0), reads,
		redis_stat("keyspace_hits") - hits0, redis_stat("keyspace_misses") - misses0, stale, wrong, errors);
	for (int i = 0; i < RACE_KEYS; i++)
		ck_assert_msg(atomic_load(&R.done[i]), "update of supply %d failed", i);
	ck_assert_msg(stale == 0 && wrong == 0 && errors == 0, "%ld stale, %ld wrong, %ld failed reads; first: %s",
		stale, wrong, errors, first);
	/* Afterwards every supply reads new through both contexts. */
	for (int i = 0; i < RACE_KEYS; i++) {
		ck_assert_int_eq(b_supply(R.ids[i]).amount, RACE_NEW);
		E2E_OK(w3w_supply_get(&s, F.a, &F.shopper, R.ids[i]));
		ck_assert_int_eq(s.amount, RACE_NEW);
	}
}
END_TEST

/* ---- (c) Redis stopped mid-run ------------------------------------------------------ */

START_TEST(redis_stopped)
{
	w3w_supply s, tmp;
	w3w_supply_patch patch = W3W_SUPPLY_PATCH_INIT;
	w3w_claim c;
	char o[W3W_ID_SIZE], o2[W3W_ID_SIZE], k_s[64], k_o[64];
	int64_t worst_read = 0, worst_cmd = 0, t0;
	int64_t until;
	int reads = 0;

	new_supply(&s, "50");
	new_order(o, "2");
	key_of(k_s, sizeof k_s, "supply:%s", s.id);
	key_of(k_o, sizeof k_o, "order:%s", o);
	WARM(k_s, b_supply(s.id));
	WARM(k_o, b_order_status(o));

	e2e_service("stop", "redis");

	/* Reads: storage answers, right values, quickly (the backend fails fast while Redis is down). */
	until = e2e_now_ms() + 1500;
	while (e2e_now_ms() < until) {
		t0 = e2e_now_us();
		ck_assert_int_eq(b_supply(s.id).amount, e2e_amt("50"));
		ck_assert_int_eq(b_order_status(o), W3W_ORDER_OPEN);
		t0 = e2e_now_us() - t0;
		worst_read = t0 > worst_read ? t0 : worst_read;
		reads++;
	}
	/* Commands: all succeed; their invalidations cannot reach Redis. */
	patch.set_amount = 1;
	patch.amount = e2e_amt("70");
	t0 = e2e_now_us();
	E2E_OK(w3w_supply_update(&tmp, F.a, &F.shopper, s.id, &patch, NULL));
	E2E_OK(w3w_claim_order(&c, F.a, &F.shopper, o, NULL));
	new_order(o2, "1");
	worst_cmd = e2e_now_us() - t0;
	ck_assert_msg(b_supply(s.id).amount == e2e_amt("70") && b_supply(s.id).reserved == e2e_amt("5"),
		"B read a wrong supply with Redis down");
	ck_assert_int_eq(b_order_status(o), W3W_ORDER_CLAIMED);
	{
		w3w_supply as;
		E2E_OK(w3w_supply_get(&as, F.a, &F.shopper, s.id));
		ck_assert_int_eq(as.amount, e2e_amt("70"));
	}
	fprintf(stderr, "e2e redis: Redis down: %d read pairs in 1.5 s, slowest %.1f ms; 3 commands in %.1f ms\n",
		reads, (double)worst_read / 1000.0, (double)worst_cmd / 1000.0);
	ck_assert_msg(worst_read < 1000 * 1000, "a read took %.1f ms with Redis down", (double)worst_read / 1000.0);

	e2e_service("start", "redis");

	/* Redis comes back empty: B reads the write made during the outage. */
	ck_assert_msg(b_supply(s.id).amount == e2e_amt("70"), "B read a stale supply after Redis came back");
	ck_assert_int_eq(b_order_status(o), W3W_ORDER_CLAIMED);
	E2E_OK(w3w_claim_get_by_order(&c, F.b, &F.shopper, o));
	/* And the cache is used again: B fills it (bounded: reconnect, then any tombstone A still owed). */
	t0 = e2e_now_ms();
	WARM(k_s, b_supply(s.id));
	WARM(k_o, b_order_status(o));
	fprintf(stderr, "e2e redis: cache filled again %lld ms after Redis came back\n", (long long)(e2e_now_ms() - t0));
	/* A, whose invalidations failed during the outage, reads right too. */
	{
		w3w_supply as;
		E2E_OK(w3w_supply_get(&as, F.a, &F.shopper, s.id));
		ck_assert_int_eq(as.amount, e2e_amt("70"));
		ck_assert_int_eq(as.reserved, e2e_amt("5"));
	}
	/* A write after the outage still invalidates B's fresh entry. */
	patch.amount = e2e_amt("65");
	E2E_OK(w3w_supply_update(&tmp, F.a, &F.shopper, s.id, &patch, NULL));
	ck_assert_int_eq(b_supply(s.id).amount, e2e_amt("65"));
}
END_TEST

/* ---- (d) FLUSHALL mid-run ----------------------------------------------------------- */

typedef struct flusher {
	volatile int stop;
	int flushes;
	int errors;
} flusher;

static void *flush_main(void *p)
{
	flusher *f = p;
	struct timeval tv = { 2, 0 };
	redisContext *c = redisConnectWithTimeout(F.redis_host, F.redis_port, tv);
	if (!c || c->err) {
		f->errors++;
		redisFree(c);
		return NULL;
	}
	while (!f->stop) {
		redisReply *r = redisCommand(c, "FLUSHALL");
		if (r && r->type == REDIS_REPLY_STATUS)
			f->flushes++;
		else
			f->errors++;
		freeReplyObject(r);
		e2e_sleep_ms(3);
	}
	redisFree(c);
	return NULL;
}

START_TEST(flushall_mid_run)
{
	enum { STEPS = 300 };
	w3w_supply s, tmp;
	w3w_supply_patch patch = W3W_SUPPLY_PATCH_INIT;
	char o[W3W_ID_SIZE];
	flusher fl = { 0, 0, 0 };
	pthread_t th;
	long long hits0, misses0, hits, misses;
	int wrong = 0;
	char first_wrong[256] = "";

	new_supply(&s, "1000");
	new_order(o, "2");
	hits0 = redis_stat("keyspace_hits");
	misses0 = redis_stat("keyspace_misses");
	ck_assert_int_eq(pthread_create(&th, NULL, flush_main, &fl), 0);
	patch.set_amount = 1;
	for (int i = 0; i < STEPS; i++) {
		w3w_amount want = e2e_amt("500") + i;
		w3w_supply got;
		patch.amount = want;
		if (w3w_supply_update(&tmp, F.a, &F.shopper, s.id, &patch, NULL) != W3W_OK) {
			wrong++;
			snprintf(first_wrong, sizeof first_wrong, "step %d: update: %s", i, w3w_error_message());
			break;
		}
		/* Three reads after each write, through B and A: each must see it. */
		for (int k = 0; k < 3; k++) {
			w3w_ctx *ctx = k == 1 ? F.a : F.b;
			if (w3w_supply_get(&got, ctx, &F.shopper, s.id) != W3W_OK || got.amount != want) {
				if (!wrong++)
					snprintf(first_wrong, sizeof first_wrong, "step %d read %d: %s, amount %lld want %lld",
						i, k, w3w_error_message(), (long long)got.amount, (long long)want);
			}
		}
		if (b_order_status(o) != W3W_ORDER_OPEN && !wrong++)
			snprintf(first_wrong, sizeof first_wrong, "step %d: order not open", i);
	}
	fl.stop = 1;
	pthread_join(th, NULL);
	hits = redis_stat("keyspace_hits") - hits0;
	misses = redis_stat("keyspace_misses") - misses0;
	fprintf(stderr, "e2e redis: FLUSHALL x%d during %d write+4 read steps: %lld hits, %lld misses, %d wrong\n",
		fl.flushes, STEPS, hits, misses, wrong);
	ck_assert_msg(wrong == 0, "%d wrong reads with FLUSHALL mid-run; first: %s", wrong, first_wrong);
	ck_assert_int_eq(fl.errors, 0);
	ck_assert_msg(fl.flushes >= 10, "only %d FLUSHALL ran", fl.flushes);
}
END_TEST

/* ---- (e) hits do not touch storage ------------------------------------------------- */

static void order_equal(const w3w_order *a, const w3w_order *b)
{
	ck_assert_str_eq(a->id, b->id);
	ck_assert_int_eq(a->status, b->status);
	ck_assert_int_eq(a->amount, b->amount);
	ck_assert_uint_eq(a->item_count, b->item_count);
	for (size_t i = 0; i < a->item_count; i++) {
		ck_assert_str_eq(a->items[i].product_id, b->items[i].product_id);
		ck_assert_int_eq(a->items[i].price, b->items[i].price);
		ck_assert_int_eq(a->items[i].quantity, b->items[i].quantity);
	}
}

START_TEST(cached_reads_skip_storage)
{
	enum { READS = 200 };
	w3w_supply s;
	w3w_claim c, got;
	w3w_order *ref = NULL, *o = NULL;
	char ord[W3W_ID_SIZE], other[W3W_ID_SIZE], k[4][80];
	w3w_ctx *nocache = e2e_open(F.storage, "none:", "", 0, CTX_TIMEOUT_MS);
	int64_t t0, warm_us, cold_us, down_us;
	long long hits0, hits;
	w3w_status st;

	new_supply(&s, "50");
	new_order(ord, "2");
	new_order(other, "3");
	E2E_OK(w3w_claim_order(&c, F.a, &F.shopper, ord, NULL));
	key_of(k[0], sizeof k[0], "order:%s", ord);
	key_of(k[1], sizeof k[1], "order:%s:items", ord);
	key_of(k[2], sizeof k[2], "claim:%s", c.id);
	key_of(k[3], sizeof k[3], "supply:%s", s.id);
	WARM(k[0], b_order_status(ord));
	ck_assert_int_eq(cached(k[1], NULL), 1);
	WARM(k[2], b_claim(c.id));
	WARM(k[3], b_supply(s.id));
	E2E_OK(w3w_order_get(&ref, F.b, &F.buyer, ord));

	/* Timing: the same read from Redis (B) and from PostgreSQL (a context without cache). */
	t0 = e2e_now_us();
	for (int i = 0; i < READS; i++) {
		E2E_OK(w3w_order_get(&o, F.b, &F.buyer, ord));
		w3w_order_free(o);
	}
	warm_us = e2e_now_us() - t0;
	t0 = e2e_now_us();
	for (int i = 0; i < READS; i++) {
		E2E_OK(w3w_order_get(&o, nocache, &F.buyer, ord));
		w3w_order_free(o);
	}
	cold_us = e2e_now_us() - t0;
	w3w_ctx_close(nocache);

	/* The proof: with PostgreSQL stopped, cached reads still answer, uncached ones cannot. */
	hits0 = redis_stat("keyspace_hits");
	e2e_service("stop", "pg");
	t0 = e2e_now_us();
	for (int i = 0; i < READS; i++) {
		st = w3w_order_get(&o, F.b, &F.buyer, ord);
		if (st != W3W_OK)
			break;
		order_equal(o, ref);
		w3w_order_free(o);
		o = NULL;
	}
	down_us = e2e_now_us() - t0;
	if (st == W3W_OK)
		st = w3w_claim_get(&got, F.b, &F.shopper, c.id);
	if (st == W3W_OK) {
		ck_assert_int_eq(got.status, W3W_CLAIM_PENDING);
		st = w3w_supply_get(&s, F.b, &F.shopper, s.id);
	}
	hits = redis_stat("keyspace_hits") - hits0;
	if (st == W3W_OK) {
		/* Not cached: needs storage, which is down. */
		t0 = e2e_now_us();
		st = w3w_order_get(&o, F.b, &F.buyer, other) == W3W_OK ? W3W_EINTERNAL : W3W_OK;
		w3w_order_free(o);
		fprintf(stderr, "e2e redis: uncached read with PostgreSQL down: %s after %.1f ms (%s)\n",
			w3w_status_name(w3w_error_code()), (double)(e2e_now_us() - t0) / 1000.0, w3w_error_message());
	}
	e2e_service("start", "pg");
	ck_assert_msg(st == W3W_OK, "with PostgreSQL stopped: %s (%s)",
		st == W3W_EINTERNAL ? "an uncached read succeeded: storage was not down?" : "a cached read failed",
		st == W3W_EINTERNAL ? "" : w3w_error_message());
	ck_assert_int_eq(s.reserved, e2e_amt("5"));
	ck_assert_msg(hits >= READS + 2, "only %lld Redis hits for %d cached reads", hits, READS + 2);
	fprintf(stderr, "e2e redis: order with 2 items, %d reads: Redis %.0f us/read, PostgreSQL %.0f us/read "
		"(x%.1f); with PostgreSQL stopped %.0f us/read, %lld Redis hits\n", READS,
		(double)warm_us / READS, (double)cold_us / READS, (double)cold_us / (double)(warm_us ? warm_us : 1),
		(double)down_us / READS, hits);
	w3w_order_free(ref);

	/* PostgreSQL is back: the pools reconnect; reads and commands work again. */
	E2E_OK(w3w_order_get(&o, F.b, &F.buyer, other));
	w3w_order_free(o);
	E2E_OK(w3w_claim_process(&got, F.a, &F.service, c.id, NULL));
	ck_assert_int_eq(b_order_status(ord), W3W_ORDER_COMPLETED);
}
END_TEST

/* ---- (g) invalidation follows what committed: the staleness bound, measured ---------- */

START_TEST(lost_answer_staleness)
{
	enum { N = 20 };
	char ids[N][W3W_ID_SIZE], key[W3W_ID_SIZE + 16];
	int64_t ms[N], sum = 0, worst = 0;
	w3w_ctx *blind = e2e_open(F.storage, "none:", "", 0, CTX_TIMEOUT_MS);
	w3w_supply s;

	new_supply(&s, "1000");
	for (int i = 0; i < N; i++)
		new_order(ids[i], "1");
	for (int i = 0; i < N; i++) {
		snprintf(key, sizeof key, "order:%.36s", ids[i]);
		WARM(key, ck_assert_int_eq(b_order_status(ids[i]), W3W_ORDER_OPEN));
	}
	for (int i = 0; i < N; i++) {
		w3w_claim c;
		int64_t t0, deadline;
		E2E_OK(w3w_claim_order(&c, blind, &F.shopper, ids[i], NULL));
		t0 = e2e_now_us();
		deadline = e2e_now_ms() + 5000;
		/* Only the relays of A and B (polling, nobody woke them) can drop B's cached copy. */
		while (b_order_status(ids[i]) != W3W_ORDER_CLAIMED) {
			ck_assert_msg(e2e_now_ms() < deadline, "order %d still cached as open 5 s after its claim committed", i);
			e2e_sleep_ms(2);
		}
		ms[i] = (e2e_now_us() - t0) / 1000;
		sum += ms[i];
		if (ms[i] > worst)
			worst = ms[i];
	}
	w3w_ctx_close(blind);
	fprintf(stderr, "e2e redis: stale after a commit nobody invalidated: mean %.1f ms, worst %lld ms over %d claims"
		" (relay poll 100 ms)\n", (double)sum / N, (long long)worst, N);
	ck_assert_msg(worst < 1000, "worst staleness %lld ms: more than one relay round", (long long)worst);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("e2e_redis_cache");
	TCase *tc = tcase_create("redis");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_unchecked_fixture(tc, NULL, e2e_services_restore);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, stale_read_guard);
	tcase_add_test(tc, stale_fill_blocked);
	tcase_add_test(tc, racing_readers);
	tcase_add_test(tc, redis_stopped);
	tcase_add_test(tc, flushall_mid_run);
	tcase_add_test(tc, cached_reads_skip_storage);
	tcase_add_test(tc, lost_answer_staleness);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

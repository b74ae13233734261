/*
 * Loading storage backends of every interface version: a flat handle of
 * versions 2 and 3 (0.1, 0.2) still loads and works, and a versioned
 * handle whose tables are half filled or of an unknown version is refused
 * by name; so is a cache of a future version (and freed). The flat
 * layout is written out here on its own, member by member in the order
 * of the 0.2.0 header, independently of src/core/store.c.
 */
#include <check.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "w3wallet.h"
#include "w3wallet/sys/cache.h"
#include "w3wallet/sys/storage.h"

typedef void (*any_fn)(void);

enum flat_member {
	F_TRANSFER, F_SUPPLY_CREATE, F_SUPPLY_UPDATE, F_SUPPLY_DELETE, F_ORDER_CREATE, F_ORDER_CANCEL,
	F_CLAIM_CREATE, F_CLAIM_PROCESS, F_CLAIM_RELEASE, F_SUPPLY_GET, F_SUPPLY_LIST, F_ORDER_GET,
	F_ORDER_LIST, F_CLAIM_GET, F_CLAIM_GET_LIVE, F_ACCOUNTS, F_LEDGER_TOTALS, F_OUTBOX_TAKE,
	F_OUTBOX_ACK, F_OUTBOX_STATS, F_AUDIT_APPEND, F_AUDIT_SEAL, F_AUDIT_READ, F_AUDIT_UNSEALED,
	F_PING, F_PURGE_EXPIRED, F_FREE,
	F_WALLET_FIRST, F_WALLET_LAST = F_WALLET_FIRST + 16,
	F_COMMIT_POSITION, F_REPLAY_POSITION, F_COUNT
};

/* The 0.2.0 handle, and the SQLite backend this test's legacy backend passes calls to. */
typedef struct legacy {
	struct {
		unsigned int version;
		const char *name;
		any_fn members[F_COUNT];
	} flat;
	w3w_storage *inner;
	int supply_creates;
} legacy;

static w3w_storage *inner(w3w_storage *st) { return ((legacy *)st)->inner; }

static w3w_status l_supply_create(w3w_storage *st, w3w_cmd_supply_create *cmd, w3w_supply *out)
{
	((legacy *)st)->supply_creates++;
	return inner(st)->market->supply_create(inner(st), cmd, out);
}
static w3w_status l_supply_get(w3w_storage *st, const char *id, w3w_supply *out)
{
	return inner(st)->market->supply_get(inner(st), id, out);
}
static w3w_status l_ping(w3w_storage *st) { return inner(st)->ping(inner(st)); }
static void l_free(w3w_storage *st)
{
	inner(st)->free(inner(st));
	free(st);
}
/* Members the test never reaches: set (a loaded table is whole), never called. */
static void unused(void) { ck_abort_msg("a member this test does not drive was called"); }

static char db_path[64];
static unsigned int legacy_version;

static w3w_status legacy_open(w3w_storage **out, const char *url, const w3w_backend_config *cfg)
{
	legacy *l = calloc(1, sizeof(*l));
	char real[128];
	w3w_status st;

	ck_assert_ptr_nonnull(l);
	snprintf(real, sizeof(real), "sqlite:%s", db_path);
	if ((st = w3w_storage_sqlite_open(&l->inner, real, cfg)) != W3W_OK) {
		free(l);
		return st;
	}
	l->flat.version = legacy_version;
	l->flat.name = "legacy";
	/* Version 2 has no replica members; a backend of either version may lack the wallet ones. */
	for (int i = 0; i < (legacy_version == 2 ? F_COMMIT_POSITION : F_COUNT); i++)
		if (i < F_WALLET_FIRST || i > F_WALLET_LAST)
			l->flat.members[i] = unused;
	l->flat.members[F_SUPPLY_CREATE] = (any_fn)l_supply_create;
	l->flat.members[F_SUPPLY_GET] = (any_fn)l_supply_get;
	l->flat.members[F_PING] = (any_fn)l_ping;
	l->flat.members[F_FREE] = (any_fn)l_free;
	*out = (w3w_storage *)l;
	(void)url;
	return W3W_OK;
}

static w3w_status open_ctx(w3w_ctx **ctx, const char *url)
{
	w3w_options o;
	ck_assert_int_eq(w3w_options_init(&o, W3W_OPTIONS_VERSION), W3W_OK);
	snprintf(o.storage_url, sizeof(o.storage_url), "%s", url);
	o.background_relay = 0;
	return w3w_ctx_open(ctx, &o);
}

static void setup(void)
{
	snprintf(db_path, sizeof(db_path), "/tmp/w3w-versions-%d.db", (int)getpid());
	unlink(db_path);
	ck_assert_int_eq(w3w_storage_register("legacy", legacy_open), W3W_OK);
}

static void teardown(void)
{
	char side[96];
	unlink(db_path);
	snprintf(side, sizeof(side), "%s-wal", db_path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", db_path);
	unlink(side);
}

static void flat_handle_works(unsigned int version)
{
	w3w_ctx *ctx = NULL, *direct = NULL;
	w3w_actor shopper;
	w3w_supply made, seen;
	char url[96];

	legacy_version = version;
	ck_assert_int_eq(open_ctx(&ctx, "legacy:x"), W3W_OK);
	ck_assert_int_eq(w3w_ctx_ping(ctx), W3W_OK);
	w3w_actor_init(&shopper, "0190a000-0000-7000-8000-000000000001", W3W_ROLE_USER);
	ck_assert_int_eq(w3w_supply_create(&made, ctx, &shopper, "USDC", 500000000, NULL), W3W_OK);
	ck_assert_int_eq(w3w_supply_get(&seen, ctx, &shopper, made.id), W3W_OK);
	ck_assert_str_eq(seen.id, made.id);
	/* An outbox of version 1 cannot list an aggregate's events: said, not called. */
	{
		w3w_event_list *events = NULL;
		w3w_actor admin;
		w3w_actor_init(&admin, "0190a000-0000-7000-8000-000000000003", W3W_ROLE_ADMIN);
		ck_assert_int_eq(w3w_events_of(&events, ctx, &admin, made.id, 0, 0), W3W_EINVAL);
		ck_assert_ptr_nonnull(strstr(w3w_error_message(), "outbox table version 1"));
		ck_assert_ptr_null(events);
	}
	/* The old wallet-less backend: the wallet calls say so instead of calling NULL. */
	{
		w3w_wallet w;
		ck_assert_int_eq(w3w_wallet_create(&w, ctx, &shopper, "evm"), W3W_EINVAL);
		ck_assert_ptr_nonnull(strstr(w3w_error_message(), "no wallet support"));
	}
	w3w_ctx_close(ctx);

	/* It really went through the old handle into the database. */
	snprintf(url, sizeof(url), "sqlite:%s", db_path);
	ck_assert_int_eq(open_ctx(&direct, url), W3W_OK);
	ck_assert_int_eq(w3w_supply_get(&seen, direct, &shopper, made.id), W3W_OK);
	ck_assert_int_eq(seen.amount, 500000000);
	w3w_ctx_close(direct);
}

START_TEST(flat_version_2_loads) { flat_handle_works(2); }
END_TEST

START_TEST(flat_version_3_loads) { flat_handle_works(3); }
END_TEST

/* A versioned handle whose market table is altered: one member NULL, a version from the future, or version 1. */
static w3w_market_store altered;
static int alter_null, alter_v1;
static int batch_calls;

static w3w_status counted_claim_batch(w3w_storage *st, w3w_cmd_claim_create *cmds, w3w_claim *outs,
	w3w_batch_result *results, size_t count)
{
	batch_calls++;
	(void)st; (void)cmds; (void)outs; (void)results; (void)count;
	return W3W_EINTERNAL; /* a version 1 table has no such member: never called */
}

static w3w_status altered_open(w3w_storage **out, const char *url, const w3w_backend_config *cfg)
{
	char real[128];
	w3w_status st;

	snprintf(real, sizeof(real), "sqlite:%s", db_path);
	if ((st = w3w_storage_sqlite_open(out, real, cfg)) != W3W_OK)
		return st;
	altered = *(*out)->market;
	if (alter_null)
		altered.claim_release = NULL;
	else if (alter_v1) {
		altered.version = 1;
		altered.claim_create_batch = counted_claim_batch; /* past version 1: must not be read */
	} else
		altered.version = W3W_MARKET_STORE_VERSION + 1;
	(*out)->market = &altered;
	(void)url;
	return W3W_OK;
}

START_TEST(half_a_table_is_refused)
{
	w3w_ctx *ctx = NULL;
	ck_assert_int_eq(w3w_storage_register("altered", altered_open), W3W_OK);
	alter_null = 1;
	ck_assert_int_eq(open_ctx(&ctx, "altered:x"), W3W_EINVAL);
	ck_assert_ptr_null(ctx);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "market table has NULL members"));
}
END_TEST

START_TEST(unknown_table_version_is_refused)
{
	w3w_ctx *ctx = NULL;
	ck_assert_int_eq(w3w_storage_register("altered", altered_open), W3W_OK);
	alter_null = 0;
	ck_assert_int_eq(open_ctx(&ctx, "altered:x"), W3W_EVERSION);
	ck_assert_ptr_null(ctx);
	char expect[64];
	snprintf(expect, sizeof(expect), "market table version %d", W3W_MARKET_STORE_VERSION + 1);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), expect));
}
END_TEST

/* A market table of version 1 (before batches) still runs batches, one single command per element. */
START_TEST(batch_falls_back_on_version_1)
{
	w3w_ctx *ctx = NULL;
	w3w_actor shopper;
	w3w_claim_request req[2];
	w3w_batch_results *res = NULL;

	ck_assert_int_eq(w3w_storage_register("altered", altered_open), W3W_OK);
	alter_null = 0;
	alter_v1 = 1;
	batch_calls = 0;
	ck_assert_int_eq(open_ctx(&ctx, "altered:x"), W3W_OK);
	alter_v1 = 0;
	w3w_actor_init(&shopper, "0190a000-0000-7000-8000-000000000002", W3W_ROLE_USER);
	memset(req, 0, sizeof(req));
	strcpy(req[0].order_id, "0190a000-0000-7000-8000-0000000000aa");
	strcpy(req[1].order_id, "not-an-id");
	ck_assert_int_eq(w3w_claim_batch(&res, ctx, &shopper, req, 2), W3W_OK);
	ck_assert_int_eq(res->items[0].status, W3W_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(res->items[0].message, req[0].order_id));
	ck_assert_int_eq(res->items[1].status, W3W_EINVAL);
	ck_assert_uint_eq(res->ok, 0);
	ck_assert_int_eq(batch_calls, 0);
	w3w_batch_results_free(res);
	w3w_ctx_close(ctx);
}
END_TEST

/* A backend built against wallet table version 1 (no limits), 2 (no deposit list), 3 (no sweeps) or 4 (no
 * withdrawal attempts). */
static unsigned int wallet_old_version;
static w3w_wallet_store wallet_old;

static w3w_status wallet_old_open(w3w_storage **out, const char *url, const w3w_backend_config *cfg)
{
	char real[128];
	w3w_status st;

	snprintf(real, sizeof(real), "sqlite:%s", db_path);
	if ((st = w3w_storage_sqlite_open(out, real, cfg)) != W3W_OK)
		return st;
	memset(&wallet_old, 0, sizeof(wallet_old));
	memcpy(&wallet_old, (*out)->wallet, wallet_old_version == 1 ? offsetof(w3w_wallet_store, limit_set)
		: wallet_old_version == 2 ? offsetof(w3w_wallet_store, chain_deposit_list)
		: wallet_old_version == 3 ? offsetof(w3w_wallet_store, wallet_list_from)
		: offsetof(w3w_wallet_store, withdrawal_attempt_add));
	wallet_old.version = wallet_old_version;
	(*out)->wallet = &wallet_old;
	(void)url;
	return W3W_OK;
}

START_TEST(wallet_table_version_1_has_no_limits)
{
	w3w_withdrawal_limits *list = NULL;
	w3w_ctx *ctx = NULL;
	w3w_actor admin, user;

	wallet_old_version = 1;
	ck_assert_int_eq(w3w_storage_register("walletv1", wallet_old_open), W3W_OK);
	ck_assert_int_eq(open_ctx(&ctx, "walletv1:x"), W3W_OK);
	w3w_actor_init(&admin, "0190a000-0000-7000-8000-0000000000a1", W3W_ROLE_ADMIN | W3W_ROLE_SERVICE);
	w3w_actor_init(&user, "0190a000-0000-7000-8000-000000000002", W3W_ROLE_USER);
	ck_assert_int_eq(w3w_withdrawal_limit_set(NULL, ctx, &admin, NULL, "USDC", 0, 0), W3W_EINVAL);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "has no withdrawal limits (wallet table version 1"));
	ck_assert_int_eq(w3w_withdrawal_limits_get(&list, ctx, &user, NULL, NULL), W3W_EINVAL);
	ck_assert_ptr_null(list);
	ck_assert_int_eq(w3w_deposit(NULL, ctx, &admin, user.user_id, "USDC", 1000 * W3W_AMOUNT_SCALE, "d1", NULL),
		W3W_OK);
	ck_assert_int_eq(w3w_withdraw(NULL, ctx, &user, "USDC", 1000 * W3W_AMOUNT_SCALE, "evm",
		"0x00000000000000000000000000000000000000aA", NULL), W3W_OK);
	w3w_ctx_close(ctx);
}
END_TEST

/* The registry checks every other backend's version too: one from the future is refused and freed. */
static int future_cache_freed;
static void future_cache_free(w3w_cache *c)
{
	future_cache_freed++;
	free(c);
}
static w3w_status future_cache_open(w3w_cache **out, const char *url, const w3w_backend_config *cfg)
{
	w3w_cache *c = calloc(1, sizeof(*c));
	ck_assert_ptr_nonnull(c);
	c->version = W3W_CACHE_VERSION + 1;
	c->name = "future";
	c->free = future_cache_free;
	*out = c;
	(void)url;
	(void)cfg;
	return W3W_OK;
}

START_TEST(future_cache_is_refused_and_freed)
{
	w3w_options o;
	w3w_ctx *ctx = NULL;
	char url[96];

	ck_assert_int_eq(w3w_cache_register("future", future_cache_open), W3W_OK);
	ck_assert_int_eq(w3w_options_init(&o, W3W_OPTIONS_VERSION), W3W_OK);
	snprintf(url, sizeof(url), "sqlite:%s", db_path);
	snprintf(o.storage_url, sizeof(o.storage_url), "%s", url);
	snprintf(o.cache_url, sizeof(o.cache_url), "future:x");
	o.background_relay = 0;
	future_cache_freed = 0;
	ck_assert_int_eq(w3w_ctx_open(&ctx, &o), W3W_EVERSION);
	ck_assert_ptr_null(ctx);
	ck_assert_int_eq(future_cache_freed, 1);
	snprintf(url, sizeof(url), "cache backend: interface version %d", W3W_CACHE_VERSION + 1);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), url));
}
END_TEST

START_TEST(wallet_table_version_2_cannot_list_deposits)
{
	w3w_ctx *ctx = NULL;
	w3w_actor shopper;
	w3w_wallets *wallets = NULL;
	w3w_chain_deposits *deposits = NULL;

	wallet_old_version = 2;
	ck_assert_int_eq(w3w_storage_register("walletv2", wallet_old_open), W3W_OK);
	ck_assert_int_eq(open_ctx(&ctx, "walletv2:x"), W3W_OK);
	w3w_actor_init(&shopper, "0190a000-0000-7000-8000-000000000001", W3W_ROLE_USER);
	ck_assert_int_eq(w3w_wallet_list(&wallets, ctx, &shopper, NULL), W3W_OK);
	w3w_wallets_free(wallets);
	ck_assert_int_eq(w3w_chain_deposit_list(&deposits, ctx, &shopper, NULL, NULL, 10), W3W_EINVAL);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "cannot list deposits (wallet table version 2)"));
	ck_assert_ptr_null(deposits);
	w3w_ctx_close(ctx);
}
END_TEST

START_TEST(wallet_table_version_3_has_no_sweeps)
{
	w3w_ctx *ctx = NULL;
	w3w_actor service;
	w3w_sweeps *sweeps = NULL;
	w3w_sweep_fee_totals *fees = NULL;
	w3w_chain_deposits *deposits = NULL;

	wallet_old_version = 3;
	ck_assert_int_eq(w3w_storage_register("walletv3", wallet_old_open), W3W_OK);
	ck_assert_int_eq(open_ctx(&ctx, "walletv3:x"), W3W_OK);
	w3w_actor_init(&service, "0190a000-0000-7000-8000-000000000005", W3W_ROLE_SERVICE);
	ck_assert_int_eq(w3w_chain_deposit_list(&deposits, ctx, &service, NULL, NULL, 10), W3W_OK);
	w3w_chain_deposits_free(deposits);
	ck_assert_int_eq(w3w_sweep_list(&sweeps, ctx, &service, NULL, 10), W3W_EINVAL);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "storage backend has no sweep support"));
	ck_assert_int_eq(w3w_sweep_fee_totals_get(&fees, ctx, &service, NULL), W3W_EINVAL);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "no sweep support (wallet table version 3"));
	ck_assert_ptr_null(sweeps);
	ck_assert_ptr_null(fees);
	w3w_ctx_close(ctx);
}
END_TEST

START_TEST(wallet_table_version_4_has_no_replacements)
{
	w3w_ctx *ctx = NULL;
	w3w_actor admin;
	w3w_withdrawal_attempts *list = NULL;
	w3w_sweeps *sweeps = NULL;

	wallet_old_version = 4;
	ck_assert_int_eq(w3w_storage_register("walletv4", wallet_old_open), W3W_OK);
	ck_assert_int_eq(open_ctx(&ctx, "walletv4:x"), W3W_OK);
	w3w_actor_init(&admin, "0190a000-0000-7000-8000-0000000000a1", W3W_ROLE_ADMIN);
	ck_assert_int_eq(w3w_sweep_list(&sweeps, ctx, &admin, NULL, 10), W3W_OK);
	w3w_sweeps_free(sweeps);
	ck_assert_int_eq(w3w_withdrawal_attempt_list(&list, ctx, &admin, "0190a000-0000-7000-8000-0000000000ff"),
		W3W_EINVAL);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "has no replacement support (sqlite, wallet table version 4)"));
	ck_assert_ptr_null(list);
	w3w_ctx_close(ctx);
}
END_TEST

/*
 * A backend whose audit table is version 1 (built before trace ids): its
 * records are w3w_audit_record_v1, which it takes, hashes and answers as
 * such. Here SQLite's table behind a wrapper that keeps to that size.
 */
static w3w_audit_store audit_v1;
static const w3w_audit_store *audit_v1_inner;
static w3w_audit_hash_fn audit_v1_fn;
static int audit_v1_hashed;

static w3w_status v1_append(w3w_storage *st, const w3w_audit_record *record)
{
	w3w_audit_record full;
	/* Only the old record's bytes: what a backend of version 1 knows. */
	memset(&full, 0, sizeof(full));
	memcpy(&full, record, sizeof(w3w_audit_record_v1));
	return audit_v1_inner->append(st, &full);
}

/* The inner backend hashes version 2 records; core's function must get version 1 ones. */
static void v1_hash(unsigned char hash[32], const unsigned char prev[32], const w3w_audit_record *r)
{
	w3w_audit_record_v1 *copy = malloc(sizeof(*copy)); /* exactly the old size: ASan sees a read past it */
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, r, sizeof(*copy));
	audit_v1_fn(hash, prev, (const w3w_audit_record *)(void *)copy);
	audit_v1_hashed++;
	free(copy);
}

static w3w_status v1_seal(w3w_storage *st, w3w_audit_hash_fn fn, size_t max, size_t *sealed)
{
	audit_v1_fn = fn;
	return audit_v1_inner->seal(st, v1_hash, max, sealed);
}

static w3w_status v1_read(w3w_storage *st, int64_t after_pos, size_t max, w3w_audit_record **out, size_t *count)
{
	w3w_audit_record *wide = NULL;
	w3w_audit_record_v1 *narrow;
	w3w_status rc = audit_v1_inner->read(st, after_pos, max, &wide, count);

	*out = NULL;
	if (rc != W3W_OK || *count == 0) {
		free(wide);
		return rc;
	}
	narrow = malloc(*count * sizeof(*narrow));
	ck_assert_ptr_nonnull(narrow);
	for (size_t i = 0; i < *count; i++)
		memcpy(&narrow[i], &wide[i], sizeof(*narrow));
	free(wide);
	*out = (w3w_audit_record *)(void *)narrow;
	return W3W_OK;
}

static w3w_status audit_v1_open(w3w_storage **out, const char *url, const w3w_backend_config *cfg)
{
	char real[128];
	w3w_status st;

	snprintf(real, sizeof(real), "sqlite:%s", db_path);
	if ((st = w3w_storage_sqlite_open(out, real, cfg)) != W3W_OK)
		return st;
	audit_v1_inner = (*out)->audit;
	ck_assert_int_eq(w3w_audit_store_init(&audit_v1, 1), W3W_OK);
	audit_v1.append = v1_append;
	audit_v1.seal = v1_seal;
	audit_v1.read = v1_read;
	audit_v1.unsealed = (*out)->audit->unsealed;
	(*out)->audit = &audit_v1;
	(void)url;
	return W3W_OK;
}

START_TEST(audit_table_version_1_reads_and_verifies)
{
	w3w_ctx *ctx = NULL;
	w3w_actor shopper, auditor;
	w3w_trace_context trace;
	w3w_audit_report report;
	w3w_audit_page *page = NULL;
	w3w_supply made;

	ck_assert_int_eq(w3w_storage_register("audit-v1", audit_v1_open), W3W_OK);
	ck_assert_int_eq(open_ctx(&ctx, "audit-v1:x"), W3W_OK);
	w3w_actor_init(&shopper, "0190a000-0000-7000-8000-000000000001", W3W_ROLE_USER);
	w3w_actor_init(&auditor, "0190a000-0000-7000-8000-000000000002", W3W_ROLE_AUDITOR);
	/* In a trace: a success and a refusal, whose trace a version 1 table cannot keep. */
	ck_assert_int_eq(w3w_trace_context_new(&trace), W3W_OK);
	ck_assert_int_eq(w3w_trace_set(&trace), W3W_OK);
	ck_assert_int_eq(w3w_supply_create(&made, ctx, &shopper, "USDC", 500000000, NULL), W3W_OK);
	ck_assert_int_eq(w3w_supply_delete(NULL, ctx, &shopper, "0190a000-0000-7000-8000-0000000000ff", NULL),
		W3W_ENOTFOUND);
	ck_assert_int_eq(w3w_trace_set(NULL), W3W_OK);

	ck_assert_int_eq(w3w_audit_verify(&report, ctx, &auditor), W3W_OK);
	ck_assert_msg(report.ok, "%s", report.reason);
	ck_assert_int_eq(report.records, 2);
	ck_assert_int_eq(audit_v1_hashed, 2);
	ck_assert_int_eq(w3w_audit_read(&page, ctx, &auditor, 0, 10), W3W_OK);
	ck_assert_uint_eq(page->count, 2);
	ck_assert_int_eq(page->next_after, 2);
	ck_assert_str_eq(page->items[0].action, "supply.create");
	ck_assert_str_eq(page->items[1].outcome, w3w_status_name(W3W_ENOTFOUND));
	for (size_t i = 0; i < page->count; i++) {
		ck_assert_int_eq(page->items[i].chain_pos, (int64_t)i + 1);
		ck_assert_str_eq(page->items[i].trace_id, "");
	}
	w3w_audit_page_free(page);
	w3w_ctx_close(ctx);
}
END_TEST

START_TEST(init_functions)
{
	w3w_outbox_store t;
	w3w_storage h;
	memset(&t, 0xff, sizeof(t));
	ck_assert_int_eq(w3w_outbox_store_init(&t, 0), W3W_EINVAL);
	ck_assert_int_eq(w3w_outbox_store_init(&t, W3W_OUTBOX_STORE_VERSION + 1), W3W_EINVAL);
	ck_assert_int_eq(w3w_outbox_store_init(&t, W3W_OUTBOX_STORE_VERSION), W3W_OK);
	ck_assert_uint_eq(t.version, W3W_OUTBOX_STORE_VERSION);
	ck_assert_ptr_null(t.take);
	ck_assert_ptr_null(t.stats);
	ck_assert_int_eq(w3w_storage_init(&h, W3W_STORAGE_VERSION), W3W_OK);
	ck_assert_ptr_null(h.market);
	ck_assert_ptr_null(h.free);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("storage_versions");
	TCase *tc = tcase_create("load");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, flat_version_2_loads);
	tcase_add_test(tc, flat_version_3_loads);
	tcase_add_test(tc, half_a_table_is_refused);
	tcase_add_test(tc, unknown_table_version_is_refused);
	tcase_add_test(tc, wallet_table_version_1_has_no_limits);
	tcase_add_test(tc, future_cache_is_refused_and_freed);
	tcase_add_test(tc, wallet_table_version_2_cannot_list_deposits);
	tcase_add_test(tc, batch_falls_back_on_version_1);
	tcase_add_test(tc, init_functions);
	tcase_add_test(tc, audit_table_version_1_reads_and_verifies);
	tcase_add_test(tc, wallet_table_version_3_has_no_sweeps);
	tcase_add_test(tc, wallet_table_version_4_has_no_replacements);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/*
 * The deposit watcher on SQLite against the in-memory chain of
 * test_wallet_mock.h: credits native and ERC-20 deposits at the
 * confirmation depth, rounds dust down and records it, ignores reverted
 * transfers and strangers, never credits a deposit that a shallow
 * reorganisation removed, stops on a deep one, credits nothing twice
 * across restarts and a lost cursor.
 */
#include <check.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "test_wallet_mock.h"
#include "test_wallet_util.h"

#define TOKEN "0x5fbdb2315678afecb367f032d93f642f64180aa3"
#define OTHER_TOKEN "0xe7f1725e7734ce288f8367e1bb143e90bb3f0512"
#define ALICE_ADDR "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"
#define BOB_ADDR "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"
#define STRANGER "0x9965507d1a55bcc2695c58ba16fb37d819b0a4dc"

static w3w_ctx *ctx;
static w3w_chain *chain;

static void open_chain(int confirmations)
{
	w3w_chain_options o;

	ck_assert_int_eq(w3w_chain_options_init(&o, W3W_CHAIN_OPTIONS_VERSION), W3W_OK);
	strcpy(o.adapter, "mock");
	strcpy(o.url, "mock://node");
	o.chain_id = 0; /* asked from the node */
	o.confirmations = confirmations;
	o.start_block = 0;
	snprintf(o.assets, sizeof(o.assets), "ETH=native:18,USDC=%s:6", TOKEN);
	ck_assert_msg(w3w_chain_open(&chain, ctx, &o) == W3W_OK, "%s", w3w_error_message());
	ck_assert_str_eq(w3w_chain_key(chain), "evm:31337");
}

static void setup(void)
{
	w3w_wallet w;

	util_fresh_db();
	mock_reset(31337);
	ck_assert_int_eq(w3w_chain_adapter_register("mock", mock_open), W3W_OK);
	ctx = util_open(KEY1);
	ck_assert_int_eq(w3w_master_seed_import(ctx, &admin, ANVIL_MNEMONIC, NULL), W3W_OK);
	ck_assert_int_eq(w3w_wallet_create(&w, ctx, &alice, "evm"), W3W_OK);
	ck_assert_str_eq(w.address, "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
	ck_assert_int_eq(w3w_wallet_create(&w, ctx, &bob, "evm"), W3W_OK);
	open_chain(3);
}

static void teardown(void)
{
	w3w_chain_close(chain);
	w3w_ctx_close(ctx);
	util_remove_db();
}

static w3w_chain_poll_stats poll_ok(void)
{
	w3w_chain_poll_stats ps;
	ck_assert_msg(w3w_chain_poll(chain, &service, &ps) == W3W_OK, "%s", w3w_error_message());
	return ps;
}

static void reference_of(char *out, size_t size, const char *hash, const char *index)
{
	snprintf(out, size, "evm:31337:%s:%s", hash, index);
}

START_TEST(native_deposit_at_depth_with_dust)
{
	char hash[W3W_TX_HASH_SIZE], ref[W3W_NAME_SIZE];
	w3w_chain_poll_stats ps;
	w3w_chain_deposit d;

	mock_native(hash, ALICE_ADDR, "1000000000000000001", 1); /* 1 ETH and 1 wei */
	mock_mine(1);                                            /* block 1, head 1: depth 1 */
	ps = poll_ok();
	ck_assert_uint_eq(ps.deposits_credited, 0);
	ck_assert_int_eq(ps.cursor, -1);
	mock_mine(1);                                            /* depth 2 */
	ps = poll_ok();
	ck_assert_uint_eq(ps.deposits_credited, 0);
	ck_assert_int_eq(ps.cursor, 0);
	ck_assert_int_eq(util_account(ctx, U_ALICE, "ETH").balance, 0);
	mock_mine(1);                                            /* depth 3: final */
	ps = poll_ok();
	ck_assert_uint_eq(ps.deposits_credited, 1);
	ck_assert_int_eq(ps.cursor, 1);
	ck_assert_uint_eq(ps.head, 3);
	ck_assert_int_eq(util_account(ctx, U_ALICE, "ETH").balance, COIN);

	reference_of(ref, sizeof(ref), hash, "native");
	ck_assert_int_eq(w3w_chain_deposit_get(&d, ctx, &alice, ref), W3W_OK);
	ck_assert_str_eq(d.value, "1000000000000000001");
	ck_assert_str_eq(d.dust, "1");
	ck_assert_int_eq(d.amount, COIN);
	ck_assert_str_eq(d.status, "credited");
	ck_assert_str_eq(d.currency, "ETH");
	ck_assert_str_eq(d.address, "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
	ck_assert_int_eq(d.block_number, 1);
	ck_assert_int_eq(d.log_index, -1);
	ck_assert_int_eq((int)strlen(d.transfer_id), 36);
	ck_assert_int_eq(w3w_chain_deposit_get(&d, ctx, &bob, ref), W3W_ENOTFOUND);
	{
		char *json = NULL;
		ck_assert_int_eq(w3w_chain_deposit_to_json(&json, &d), W3W_OK);
		ck_assert_ptr_nonnull(strstr(json, "\"dust\":\"1\""));
		w3w_string_free(json);
	}
	/* Polling again finds nothing new. */
	ps = poll_ok();
	ck_assert_uint_eq(ps.deposits_credited + ps.deposits_known, 0);
	ck_assert_int_eq(util_account(ctx, U_ALICE, "ETH").balance, COIN);
}
END_TEST

START_TEST(token_deposits_and_what_is_ignored)
{
	char hash[W3W_TX_HASH_SIZE], ref[W3W_NAME_SIZE];
	w3w_chain_poll_stats ps;
	w3w_chain_deposit d;

	mock_token(hash, TOKEN, BOB_ADDR, "2500000");            /* 2.5 USDC to bob */
	mock_token(NULL, OTHER_TOKEN, BOB_ADDR, "7000000");      /* a token nobody configured */
	mock_token(NULL, TOKEN, STRANGER, "1000000");            /* not a deposit address */
	mock_native(NULL, BOB_ADDR, "5000000000000000000", 0);   /* reverted: moved nothing */
	mock_native(NULL, STRANGER, "5000000000000000000", 1);
	mock_native(NULL, ALICE_ADDR, "9999999999", 1);          /* below 1e-8: dust only */
	mock_mine(3);
	ps = poll_ok();
	ck_assert_uint_eq(ps.deposits_credited, 1);
	ck_assert_uint_eq(ps.deposits_dust, 1);
	ck_assert_int_eq(util_account(ctx, U_BOB, "USDC").balance, 250000000);
	ck_assert_int_eq(util_account(ctx, U_BOB, "ETH").balance, 0);
	ck_assert_int_eq(util_account(ctx, U_ALICE, "ETH").balance, 0);
	reference_of(ref, sizeof(ref), hash, "0");
	ck_assert_int_eq(w3w_chain_deposit_get(&d, ctx, &service, ref), W3W_OK);
	ck_assert_str_eq(d.value, "2500000");
	ck_assert_str_eq(d.dust, "0");
	ck_assert_int_eq(d.log_index, 0);
}
END_TEST

START_TEST(shallow_reorg_never_credits_the_lost_deposit)
{
	w3w_chain_poll_stats ps;

	mock_mine(2);
	mock_native(NULL, ALICE_ADDR, "3000000000000000000", 1); /* block 3 */
	mock_mine(2);                                            /* head 4: block 3 at depth 2 */
	ps = poll_ok();
	ck_assert_int_eq(ps.cursor, 2);
	ck_assert_uint_eq(ps.deposits_credited, 0);
	mock_reorg(2);                                           /* blocks 3 and 4 replaced, without it */
	mock_mine(4);
	ps = poll_ok();
	ck_assert_uint_eq(ps.deposits_credited, 0);
	ck_assert_int_eq(ps.cursor, 6);
	ck_assert_int_eq(util_account(ctx, U_ALICE, "ETH").balance, 0);
}
END_TEST

START_TEST(deep_reorg_stops_crediting)
{
	w3w_chain_poll_stats ps;

	mock_native(NULL, ALICE_ADDR, "1000000000000000000", 1);
	mock_mine(5);
	ps = poll_ok();
	ck_assert_uint_eq(ps.deposits_credited, 1);
	mock_reorg(4); /* deeper than 3 confirmations: a credited block is gone */
	mock_native(NULL, ALICE_ADDR, "1000000000000000000", 1);
	mock_mine(3);
	ck_assert_int_eq(w3w_chain_poll(chain, &service, &ps), W3W_ESTATE);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "deeper than 3"));
	ck_assert_int_eq(util_account(ctx, U_ALICE, "ETH").balance, COIN);
}
END_TEST

static void drop_cursor(void)
{
	sqlite3 *db;
	ck_assert_int_eq(sqlite3_open(test_db, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "DELETE FROM watch_cursors; DELETE FROM watch_blocks;", NULL, NULL, NULL),
		SQLITE_OK);
	sqlite3_close(db);
}

START_TEST(restarts_credit_nothing_twice)
{
	w3w_chain_poll_stats ps;
	w3w_ledger_totals t;

	mock_native(NULL, ALICE_ADDR, "1000000000000000000", 1);
	mock_token(NULL, TOKEN, ALICE_ADDR, "1000000");
	mock_mine(3);
	ps = poll_ok();
	ck_assert_uint_eq(ps.deposits_credited, 2);

	/* A new process on the same database. */
	w3w_chain_close(chain);
	w3w_ctx_close(ctx);
	ctx = util_open(KEY1);
	open_chain(3);
	mock_native(NULL, ALICE_ADDR, "2000000000000000000", 1);
	mock_mine(3);
	ps = poll_ok();
	ck_assert_uint_eq(ps.deposits_credited, 1);
	ck_assert_uint_eq(ps.deposits_known, 0);

	/* As if it crashed after crediting and before storing the cursor: every block again. */
	drop_cursor();
	ps = poll_ok();
	ck_assert_uint_eq(ps.deposits_credited, 0);
	ck_assert_uint_eq(ps.deposits_known, 3);
	ck_assert_int_eq(util_account(ctx, U_ALICE, "ETH").balance, 3 * COIN);
	ck_assert_int_eq(util_account(ctx, U_ALICE, "USDC").balance, COIN);
	ck_assert_int_eq(w3w_ledger_totals_get(&t, ctx, &admin, "ETH"), W3W_OK);
	ck_assert_int_eq(t.deposits, 3 * COIN);
}
END_TEST

START_TEST(node_down_changes_nothing)
{
	w3w_chain_poll_stats ps;

	mock_native(NULL, ALICE_ADDR, "1000000000000000000", 1);
	mock_mine(3);
	M.down = 1;
	ck_assert_int_eq(w3w_chain_poll(chain, &service, &ps), W3W_EUNAVAILABLE);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "mock node: down"));
	ck_assert_int_eq(util_account(ctx, U_ALICE, "ETH").balance, 0);
	M.down = 0;
	ps = poll_ok();
	ck_assert_uint_eq(ps.deposits_credited, 1);
}
END_TEST

START_TEST(polls_are_bounded)
{
	w3w_chain_poll_stats ps;
	w3w_chain_options o;

	w3w_chain_close(chain);
	ck_assert_int_eq(w3w_chain_options_init(&o, W3W_CHAIN_OPTIONS_VERSION), W3W_OK);
	strcpy(o.adapter, "mock");
	strcpy(o.url, "mock://node");
	o.chain_id = 31337;
	o.confirmations = 1;
	o.start_block = 0;
	o.max_blocks_per_poll = 4;
	strcpy(o.assets, "ETH=native:18");
	ck_assert_int_eq(w3w_chain_open(&chain, ctx, &o), W3W_OK);
	mock_mine(9); /* blocks 0..9, all final at depth 1 */
	ps = poll_ok();
	ck_assert_uint_eq(ps.blocks, 4);
	ck_assert_int_eq(ps.cursor, 3);
	ps = poll_ok();
	ps = poll_ok();
	ck_assert_int_eq(ps.cursor, 9);
	ck_assert_uint_eq(ps.blocks, 2);
}
END_TEST

START_TEST(watch_thread_follows_the_chain)
{
	w3w_chain_poll_stats ps;
	char message[256];
	struct timespec pause = { 0, 20 * 1000000L };

	ck_assert_int_eq(w3w_chain_watch_start(chain, &alice, 20), W3W_EFORBIDDEN);
	ck_assert_int_eq(w3w_chain_watch_start(chain, &service, 20), W3W_OK);
	ck_assert_int_eq(w3w_chain_watch_start(chain, &service, 20), W3W_ESTATE);
	mock_native(NULL, BOB_ADDR, "4000000000000000000", 1);
	mock_mine(3);
	for (int i = 0; i < 250 && util_account(ctx, U_BOB, "ETH").balance == 0; i++)
		nanosleep(&pause, NULL);
	ck_assert_int_eq(util_account(ctx, U_BOB, "ETH").balance, 4 * COIN);
	ck_assert_int_eq(w3w_chain_watch_last(chain, &ps, message, sizeof(message)), W3W_OK);
	w3w_chain_watch_stop(chain);
	w3w_chain_watch_stop(chain);
}
END_TEST

START_TEST(chain_options_are_checked)
{
	w3w_chain_options o;
	w3w_chain *c = NULL;

	ck_assert_int_eq(w3w_chain_options_init(&o, 99), W3W_EVERSION);
	ck_assert_int_eq(w3w_chain_options_init(&o, W3W_CHAIN_OPTIONS_VERSION), W3W_OK);
	ck_assert_int_eq(w3w_chain_open(&c, ctx, &o), W3W_EINVAL); /* no url */
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "url"));
	strcpy(o.url, "mock://node");
	strcpy(o.adapter, "nosuch");
	ck_assert_int_eq(w3w_chain_open(&c, ctx, &o), W3W_EINVAL);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "nosuch"));
	strcpy(o.adapter, "evm");
	strcpy(o.url, "ftp://node");
	ck_assert_int_eq(w3w_chain_open(&c, ctx, &o), W3W_EINVAL);
	ck_assert_msg(strstr(w3w_error_message(), "http") || strstr(w3w_error_message(), "libcurl"), "%s",
		w3w_error_message()); /* a build without libcurl has no evm adapter at all */
	strcpy(o.adapter, "mock");
	strcpy(o.assets, "ETH=native:18,USDC=0xnothex:6");
	ck_assert_int_eq(w3w_chain_open(&c, ctx, &o), W3W_EINVAL);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "assets"));
	strcpy(o.assets, "ETH=native:18");
	o.confirmations = -1;
	ck_assert_int_eq(w3w_chain_open(&c, ctx, &o), W3W_EINVAL);
	o.confirmations = 2;
	M.down = 1; /* chain_id 0: asked at open */
	ck_assert_int_eq(w3w_chain_open(&c, ctx, &o), W3W_EUNAVAILABLE);
	o.chain_id = 31337; /* given: open does not need the node */
	ck_assert_int_eq(w3w_chain_open(&c, ctx, &o), W3W_OK);
	M.down = 0;
	w3w_chain_close(c);
	/* The node is another chain than configured: nothing is signed for it. */
	o.chain_id = 1;
	ck_assert_int_eq(w3w_chain_open(&c, ctx, &o), W3W_OK);
	ck_assert_int_eq(w3w_deposit(NULL, ctx, &admin, U_ALICE, "ETH", COIN, "seed", NULL), W3W_OK);
	{
		w3w_withdrawal w;
		ck_assert_int_eq(w3w_wallet_withdraw(&w, c, &alice, "ETH", COIN / 2,
			"0x8626f6940E2eb28930eFb4CeF49B2d1F2C9C1199", NULL), W3W_EUNAVAILABLE);
		ck_assert_ptr_nonnull(strstr(w3w_error_message(), "chain 31337"));
	}
	ck_assert_int_eq(util_account(ctx, U_ALICE, "ETH").held, 0);
	w3w_chain_close(c);
}
END_TEST

static void *poll_thread(void *arg)
{
	w3w_chain *c = arg;
	w3w_chain_poll_stats ps;
	long bad = 0;

	for (int i = 0; i < 5; i++)
		if (w3w_chain_poll(c, &service, &ps) != W3W_OK)
			bad++;
	return (void *)bad;
}

/* Two processes watching the same chain: each deposit is credited once, neither fails. */
START_TEST(two_watchers_credit_once)
{
	w3w_ctx *ctx2 = util_open(KEY1);
	w3w_chain *chain2 = NULL;
	w3w_chain_options o;
	pthread_t t1, t2;
	void *bad1, *bad2;

	ck_assert_int_eq(w3w_chain_options_init(&o, W3W_CHAIN_OPTIONS_VERSION), W3W_OK);
	strcpy(o.adapter, "mock");
	strcpy(o.url, "mock://node");
	o.chain_id = 31337;
	o.confirmations = 3;
	o.start_block = 0;
	snprintf(o.assets, sizeof(o.assets), "ETH=native:18,USDC=%s:6", TOKEN);
	ck_assert_int_eq(w3w_chain_open(&chain2, ctx2, &o), W3W_OK);
	for (int i = 0; i < 10; i++) {
		mock_native(NULL, i % 2 ? ALICE_ADDR : BOB_ADDR, "1000000000000000000", 1);
		mock_token(NULL, TOKEN, ALICE_ADDR, "1000000");
		mock_mine(1);
	}
	mock_mine(3);
	pthread_create(&t1, NULL, poll_thread, chain);
	pthread_create(&t2, NULL, poll_thread, chain2);
	pthread_join(t1, &bad1);
	pthread_join(t2, &bad2);
	ck_assert_int_eq((long)bad1 + (long)bad2, 0);
	ck_assert_int_eq(util_account(ctx, U_ALICE, "ETH").balance, 5 * COIN);
	ck_assert_int_eq(util_account(ctx, U_BOB, "ETH").balance, 5 * COIN);
	ck_assert_int_eq(util_account(ctx, U_ALICE, "USDC").balance, 10 * COIN);
	w3w_chain_close(chain2);
	w3w_ctx_close(ctx2);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("wallet_watcher");
	TCase *tc = tcase_create("watcher");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, native_deposit_at_depth_with_dust);
	tcase_add_test(tc, token_deposits_and_what_is_ignored);
	tcase_add_test(tc, shallow_reorg_never_credits_the_lost_deposit);
	tcase_add_test(tc, deep_reorg_stops_crediting);
	tcase_add_test(tc, restarts_credit_nothing_twice);
	tcase_add_test(tc, node_down_changes_nothing);
	tcase_add_test(tc, polls_are_bounded);
	tcase_add_test(tc, watch_thread_follows_the_chain);
	tcase_add_test(tc, chain_options_are_checked);
	tcase_add_test(tc, two_watchers_credit_once);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

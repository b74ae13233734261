/*
 * Withdrawals on SQLite against the in-memory chain of test_wallet_mock.h:
 * hold, sign, broadcast, follow to the confirmation depth and settle;
 * refusals, a node that is down, lost answers, dropped and reverted
 * transactions release the hold; nonces stay distinct under concurrency
 * and come back when a transaction never reached a pool; bad input changes
 * nothing; every step is an event and an audit record.
 */
#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/write.h"
#include "test_wallet_mock.h"
#include "test_wallet_util.h"

#define TOKEN "0x5FbDB2315678afecb367f032d93F642f64180aa3"
#define EXTERNAL "0x8626f6940E2eb28930eFb4CeF49B2d1F2C9C1199"

static w3w_ctx *ctx;
static w3w_chain *chain;
static w3w_subscription *sub;

static void open_chain(void)
{
	w3w_chain_options o;

	ck_assert_int_eq(w3w_chain_options_init(&o, W3W_CHAIN_OPTIONS_VERSION), W3W_OK);
	strcpy(o.adapter, "mock");
	strcpy(o.url, "mock://node");
	o.chain_id = 31337;
	o.confirmations = 3;
	o.start_block = 0;
	snprintf(o.assets, sizeof(o.assets), "ETH=native:18,USDC=%s:6", TOKEN);
	ck_assert_msg(w3w_chain_open(&chain, ctx, &o) == W3W_OK, "%s", w3w_error_message());
}

static void setup(void)
{
	util_fresh_db();
	mock_reset(31337);
	ck_assert_int_eq(w3w_chain_adapter_register("mock", mock_open), W3W_OK);
	ctx = util_open(KEY1);
	ck_assert_int_eq(w3w_master_seed_import(ctx, &admin, ANVIL_MNEMONIC, NULL), W3W_OK);
	ck_assert_int_eq(w3w_subscribe(&sub, ctx, NULL, NULL, 4096), W3W_OK);
	open_chain();
	ck_assert_int_eq(w3w_deposit(NULL, ctx, &admin, U_ALICE, "ETH", 10 * COIN, "seed-eth", NULL), W3W_OK);
	ck_assert_int_eq(w3w_deposit(NULL, ctx, &admin, U_ALICE, "USDC", 100 * COIN, "seed-usdc", NULL), W3W_OK);
}

static void teardown(void)
{
	w3w_chain_close(chain);
	w3w_unsubscribe(sub);
	w3w_ctx_close(ctx);
	util_remove_db();
}

/* Event types delivered since the last call, space separated. */
static void event_types(char *out, size_t size)
{
	w3w_event *ev;
	size_t delivered = 0, used = 0;

	out[0] = '\0';
	ck_assert_int_eq(w3w_events_pump(ctx, 10000, &delivered), W3W_OK);
	while (w3w_subscription_next(&ev, sub, 0) == W3W_OK) {
		used += (size_t)snprintf(out + used, size > used ? size - used : 0, "%s ", ev->type);
		w3w_event_free(ev);
	}
}

static void check_conservation(const char *currency)
{
	w3w_ledger_totals t;

	ck_assert_int_eq(w3w_ledger_totals_get(&t, ctx, &admin, currency), W3W_OK);
	ck_assert_int_eq(t.balances, t.deposits - t.withdrawals);
	ck_assert_int_eq(t.entries_sum_zero, 1);
}

START_TEST(native_withdrawal_settles_at_depth)
{
	w3w_withdrawal w, again;
	w3w_chain_poll_stats ps;
	w3w_account acc;
	char hot[W3W_ADDRESS_SIZE], types[1024];

	ck_assert_int_eq(w3w_chain_hot_address(hot, sizeof(hot), chain, &alice), W3W_EFORBIDDEN);
	ck_assert_int_eq(w3w_chain_hot_address(hot, sizeof(hot), chain, &service), W3W_OK);
	event_types(types, sizeof(types));

	ck_assert_msg(w3w_wallet_withdraw(&w, chain, &alice, "ETH", 150000000, EXTERNAL, NULL) == W3W_OK, "%s",
		w3w_error_message());
	ck_assert_int_eq(w.status, W3W_WITHDRAWAL_BROADCAST);
	ck_assert_str_eq(w.from_address, hot);
	ck_assert_str_eq(w.to_address, EXTERNAL);
	ck_assert_str_eq(w.chain, "evm:31337");
	ck_assert_int_eq(w.nonce, 0);
	ck_assert_int_eq((int)strlen(w.tx_hash), 66);
	ck_assert_str_eq(w.tx_hash, M.pool[0]); /* the hash the node computed from the raw bytes */
	acc = util_account(ctx, U_ALICE, "ETH");
	ck_assert_int_eq(acc.balance, 10 * COIN);
	ck_assert_int_eq(acc.held, 150000000);
	event_types(types, sizeof(types));
	ck_assert_str_eq(types, "wallet.withdrawal_held wallet.withdrawal_signed wallet.withdrawal_broadcast ");

	/* Mined (depth 1), then depth 2: still pending; depth 3 settles. */
	mock_mine(1);
	ck_assert_int_eq(w3w_chain_poll(chain, &service, &ps), W3W_OK);
	ck_assert_uint_eq(ps.withdrawals_pending, 1);
	mock_mine(1);
	ck_assert_int_eq(w3w_chain_poll(chain, &service, &ps), W3W_OK);
	ck_assert_uint_eq(ps.withdrawals_confirmed, 0);
	mock_mine(1);
	ck_assert_int_eq(w3w_chain_poll(chain, &alice, &ps), W3W_EFORBIDDEN);
	ck_assert_int_eq(w3w_chain_poll(chain, &service, &ps), W3W_OK);
	ck_assert_uint_eq(ps.withdrawals_confirmed, 1);
	ck_assert_int_eq(w3w_withdrawal_get(&again, ctx, &alice, w.id), W3W_OK);
	ck_assert_int_eq(again.status, W3W_WITHDRAWAL_CONFIRMED);
	ck_assert_int_eq((int)strlen(again.transfer_id), 36);
	ck_assert_int_eq(w3w_withdrawal_get(&again, ctx, &bob, w.id), W3W_ENOTFOUND);
	acc = util_account(ctx, U_ALICE, "ETH");
	ck_assert_int_eq(acc.balance, 10 * COIN - 150000000);
	ck_assert_int_eq(acc.held, 0);
	check_conservation("ETH");
	event_types(types, sizeof(types));
	ck_assert_str_eq(types, "wallet.withdrawn ");
	ck_assert_int_eq(util_audit_count(ctx, "wallet.withdrawal_create", "ok"), 1);
	ck_assert_int_eq(util_audit_count(ctx, "wallet.withdrawal_sign", "ok"), 1);
	ck_assert_int_eq(util_audit_count(ctx, "wallet.withdrawal_broadcast", "ok"), 1);
	ck_assert_int_eq(util_audit_count(ctx, "wallet.withdrawal_confirm", "ok"), 1);

	/* Nothing more to do; the next one takes the next nonce. */
	ck_assert_int_eq(w3w_chain_poll(chain, &service, &ps), W3W_OK);
	ck_assert_uint_eq(ps.withdrawals_confirmed + ps.withdrawals_pending, 0);
	ck_assert_int_eq(w3w_wallet_withdraw(&w, chain, &alice, "USDC", 2500000000LL, EXTERNAL, NULL), W3W_OK);
	ck_assert_int_eq(w.nonce, 1);
	{
		char *json = NULL;
		ck_assert_int_eq(w3w_withdrawal_to_json(&json, &w), W3W_OK);
		ck_assert_ptr_nonnull(strstr(json, "\"status\":\"broadcast\""));
		ck_assert_ptr_nonnull(strstr(json, "\"amount\":\"25\""));
		w3w_string_free(json);
	}
}
END_TEST

START_TEST(refusal_releases_and_gives_the_nonce_back)
{
	w3w_withdrawal w, w2;
	w3w_account acc;

	M.next_send = W3W_SEND_REJECTED;
	ck_assert_int_eq(w3w_wallet_withdraw(&w, chain, &alice, "ETH", COIN, EXTERNAL, NULL), W3W_EUNAVAILABLE);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "insufficient funds"));
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "hold released"));
	ck_assert_int_eq(w.status, W3W_WITHDRAWAL_FAILED);
	ck_assert_ptr_nonnull(strstr(w.error, "insufficient funds"));
	acc = util_account(ctx, U_ALICE, "ETH");
	ck_assert_int_eq(acc.held, 0);
	ck_assert_int_eq(acc.balance, 10 * COIN);
	ck_assert_int_eq(util_audit_count(ctx, "wallet.withdrawal_fail", "ok"), 1);
	/* Nonce 0 never reached a pool: the next withdrawal uses it. */
	ck_assert_int_eq(w3w_wallet_withdraw(&w2, chain, &alice, "ETH", COIN, EXTERNAL, NULL), W3W_OK);
	ck_assert_int_eq(w2.nonce, 0);
	check_conservation("ETH");
}
END_TEST

START_TEST(node_down_holds_nothing)
{
	w3w_withdrawal w;
	w3w_chain_poll_stats ps;
	w3w_account acc;

	M.down = 1;
	ck_assert_int_eq(w3w_wallet_withdraw(&w, chain, &alice, "ETH", COIN, EXTERNAL, NULL), W3W_EUNAVAILABLE);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "down"));
	ck_assert_str_eq(w.id, "");
	acc = util_account(ctx, U_ALICE, "ETH");
	ck_assert_int_eq(acc.held, 0);
	ck_assert_int_eq(w3w_chain_poll(chain, &service, &ps), W3W_EUNAVAILABLE);
	M.down = 0;
	ck_assert_int_eq(w3w_chain_poll(chain, &service, &ps), W3W_OK);
	ck_assert_int_eq(util_audit_count(ctx, "wallet.withdrawal_create", NULL), 0);
}
END_TEST

START_TEST(hot_wallet_that_cannot_pay_holds_nothing)
{
	w3w_withdrawal w;

	M.estimate_fails = 1;
	ck_assert_int_eq(w3w_wallet_withdraw(&w, chain, &alice, "USDC", COIN, EXTERNAL, NULL), W3W_EUNAVAILABLE);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "hot wallet"));
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "exceeds balance"));
	ck_assert_int_eq(util_account(ctx, U_ALICE, "USDC").held, 0);
}
END_TEST

START_TEST(lost_answer_is_broadcast_again)
{
	w3w_withdrawal w;
	w3w_chain_poll_stats ps;

	M.next_send = W3W_SEND_UNKNOWN;
	ck_assert_int_eq(w3w_wallet_withdraw(&w, chain, &alice, "ETH", COIN, EXTERNAL, NULL), W3W_OK);
	ck_assert_int_eq(w.status, W3W_WITHDRAWAL_SIGNED);
	ck_assert_int_eq(util_account(ctx, U_ALICE, "ETH").held, COIN);
	/* The node never got it: the follower sends the same bytes. */
	ck_assert_int_eq(w3w_chain_poll(chain, &service, &ps), W3W_OK);
	ck_assert_int_eq(M.sends, 2);
	ck_assert_int_eq(w3w_withdrawal_get(&w, ctx, &alice, w.id), W3W_OK);
	ck_assert_int_eq(w.status, W3W_WITHDRAWAL_BROADCAST);
	ck_assert_str_eq(w.tx_hash, M.pool[0]);
	mock_mine(3);
	ck_assert_int_eq(w3w_chain_poll(chain, &service, &ps), W3W_OK);
	ck_assert_uint_eq(ps.withdrawals_confirmed, 1);
	check_conservation("ETH");
}
END_TEST

START_TEST(forgotten_transaction_is_sent_again_then_dropped)
{
	w3w_withdrawal w;
	w3w_chain_poll_stats ps;

	ck_assert_int_eq(w3w_wallet_withdraw(&w, chain, &alice, "ETH", COIN, EXTERNAL, NULL), W3W_OK);
	/* The node restarts and forgets its pool: sent again, accepted again. */
	mock_forget_pool();
	ck_assert_int_eq(w3w_chain_poll(chain, &service, &ps), W3W_OK);
	ck_assert_int_eq(M.sends, 2);
	ck_assert_uint_eq(ps.withdrawals_pending, 1);
	/* Forgotten again, and meanwhile another transaction took the nonce: it can never be mined. */
	mock_forget_pool();
	M.next_send = W3W_SEND_NONCE_USED;
	ck_assert_int_eq(w3w_chain_poll(chain, &service, &ps), W3W_OK);
	ck_assert_uint_eq(ps.withdrawals_dropped, 1);
	ck_assert_int_eq(w3w_withdrawal_get(&w, ctx, &alice, w.id), W3W_OK);
	ck_assert_int_eq(w.status, W3W_WITHDRAWAL_DROPPED);
	ck_assert_ptr_nonnull(strstr(w.error, "nonce 0"));
	ck_assert_int_eq(util_account(ctx, U_ALICE, "ETH").held, 0);
	ck_assert_int_eq(util_account(ctx, U_ALICE, "ETH").balance, 10 * COIN);
	ck_assert_int_eq(util_audit_count(ctx, "wallet.withdrawal_drop", "ok"), 1);
	check_conservation("ETH");
}
END_TEST

START_TEST(reverted_transaction_releases)
{
	w3w_withdrawal w;
	w3w_chain_poll_stats ps;

	ck_assert_int_eq(w3w_wallet_withdraw(&w, chain, &alice, "USDC", 5 * COIN, EXTERNAL, NULL), W3W_OK);
	M.revert_next = 1;
	mock_mine(3);
	ck_assert_int_eq(w3w_chain_poll(chain, &service, &ps), W3W_OK);
	ck_assert_uint_eq(ps.withdrawals_failed, 1);
	ck_assert_int_eq(w3w_withdrawal_get(&w, ctx, &admin, w.id), W3W_OK);
	ck_assert_int_eq(w.status, W3W_WITHDRAWAL_FAILED);
	ck_assert_ptr_nonnull(strstr(w.error, "reverted"));
	ck_assert_int_eq(util_account(ctx, U_ALICE, "USDC").held, 0);
	/* A reverted transaction used its nonce: the next one moves on. */
	ck_assert_int_eq(w3w_wallet_withdraw(&w, chain, &alice, "USDC", COIN, EXTERNAL, NULL), W3W_OK);
	ck_assert_int_eq(w.nonce, 1);
	check_conservation("USDC");
}
END_TEST

START_TEST(bad_input_changes_nothing)
{
	w3w_withdrawal w;
	int sends = M.sends;

	ck_assert_int_eq(w3w_wallet_withdraw(&w, chain, &alice, "USDC", 12345670, EXTERNAL, NULL), W3W_EINVAL);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "6 decimals"));
	ck_assert_int_eq(w3w_wallet_withdraw(&w, chain, &alice, "BTC", COIN, EXTERNAL, NULL), W3W_EINVAL);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "not configured"));
	ck_assert_int_eq(w3w_wallet_withdraw(&w, chain, &alice, "ETH", COIN,
		"0x8626f6940E2eb28930eFb4CeF49B2d1F2C9C1198", NULL), W3W_EINVAL);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "checksum"));
	ck_assert_int_eq(w3w_wallet_withdraw(&w, chain, &alice, "ETH", COIN, "0x8626f6940e2eb28930efb4cef49b2d1f2c9c11", NULL),
		W3W_EINVAL);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "length"));
	ck_assert_int_eq(w3w_wallet_withdraw(&w, chain, &alice, "ETH", COIN, "0x8626f6940e2eb28930efb4cef49b2d1f2c9c11zz", NULL),
		W3W_EINVAL);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "character"));
	ck_assert_int_eq(w3w_wallet_withdraw(&w, chain, &alice, "ETH", 0, EXTERNAL, NULL), W3W_EINVAL);
	ck_assert_int_eq(w3w_wallet_withdraw(&w, chain, &alice, "ETH", -5, EXTERNAL, NULL), W3W_EINVAL);
	ck_assert_int_eq(w3w_wallet_withdraw(&w, chain, &alice, "ETH", 11 * COIN, EXTERNAL, NULL), W3W_EINSUFFICIENT);
	ck_assert_int_eq(w3w_wallet_withdraw(&w, chain, &bob, "ETH", COIN, EXTERNAL, NULL), W3W_EINSUFFICIENT);
	ck_assert_int_eq(w3w_wallet_withdraw(&w, chain, &alice, "ETH", COIN, EXTERNAL, "bad\x01key"), W3W_EINVAL);
	ck_assert_int_eq(M.sends, sends);
	ck_assert_int_eq(util_account(ctx, U_ALICE, "ETH").held, 0);
	ck_assert_int_eq(util_account(ctx, U_ALICE, "USDC").held, 0);
}
END_TEST

START_TEST(idempotent_retry_sends_once)
{
	w3w_withdrawal w1, w2;

	ck_assert_int_eq(w3w_wallet_withdraw(&w1, chain, &alice, "ETH", COIN, EXTERNAL, "pay-1"), W3W_OK);
	ck_assert_int_eq(w3w_wallet_withdraw(&w2, chain, &alice, "ETH", COIN, EXTERNAL, "pay-1"), W3W_OK);
	ck_assert_str_eq(w1.id, w2.id);
	ck_assert_str_eq(w1.tx_hash, w2.tx_hash);
	ck_assert_int_eq(M.sends, 1);
	ck_assert_int_eq(util_account(ctx, U_ALICE, "ETH").held, COIN);
	ck_assert_int_eq(w3w_wallet_withdraw(&w2, chain, &alice, "ETH", 2 * COIN, EXTERNAL, "pay-1"), W3W_EIDEMPOTENCY);
}
END_TEST

static void *withdraw_many(void *arg)
{
	w3w_withdrawal w;
	long ok = 0;

	(void)arg;
	for (int i = 0; i < 5; i++)
		if (w3w_wallet_withdraw(&w, chain, &alice, "ETH", COIN / 10, EXTERNAL, NULL) == W3W_OK)
			ok++;
	return (void *)ok;
}

START_TEST(concurrent_withdrawals_get_distinct_nonces)
{
	pthread_t th[4];
	w3w_withdrawal_row *rows = NULL;
	size_t n = 0;
	long total = 0;
	int seen[64] = { 0 };

	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, withdraw_many, NULL);
	for (int i = 0; i < 4; i++) {
		void *r;
		pthread_join(th[i], &r);
		total += (long)r;
	}
	ck_assert_int_eq(total, 20);
	ck_assert_int_eq(ctx->store.wallet.withdrawal_list_open(ctx->store.handle, "evm:31337", 100, &rows, &n), W3W_OK);
	ck_assert_uint_eq(n, 20);
	for (size_t i = 0; i < n; i++) {
		ck_assert_int_lt(rows[i].w.nonce, 20);
		ck_assert_int_eq(seen[rows[i].w.nonce]++, 0);
	}
	free(rows);
	ck_assert_int_eq(util_account(ctx, U_ALICE, "ETH").held, 2 * COIN);
}
END_TEST

/* A context opened again on the same file continues where the first stopped. */
START_TEST(restart_keeps_nonces_and_follows_on)
{
	w3w_withdrawal w;
	w3w_chain_poll_stats ps;

	ck_assert_int_eq(w3w_wallet_withdraw(&w, chain, &alice, "ETH", COIN, EXTERNAL, NULL), W3W_OK);
	w3w_chain_close(chain);
	w3w_unsubscribe(sub);
	w3w_ctx_close(ctx);
	/* The node lost its pool too and reports nonce 0 again. */
	mock_forget_pool();
	M.nonce = 0;
	ctx = util_open(KEY1);
	ck_assert_int_eq(w3w_subscribe(&sub, ctx, NULL, NULL, 4096), W3W_OK);
	open_chain();
	ck_assert_int_eq(w3w_wallet_withdraw(&w, chain, &alice, "ETH", COIN, EXTERNAL, NULL), W3W_OK);
	ck_assert_int_eq(w.nonce, 1); /* storage remembers nonce 0 is taken */
	ck_assert_int_eq(w3w_chain_poll(chain, &service, &ps), W3W_OK);
	mock_mine(3);
	ck_assert_int_eq(w3w_chain_poll(chain, &service, &ps), W3W_OK);
	ck_assert_uint_eq(ps.withdrawals_confirmed, 2);
	check_conservation("ETH");
}
END_TEST

/* A process died between holding and signing: the follower finishes the withdrawal. */
START_TEST(abandoned_hold_is_signed_by_the_follower)
{
	w3w_cmd_withdrawal_create cmd;
	w3w_withdrawal_row row;
	w3w_chain_poll_stats ps;
	w3w__write w;
	char hot[W3W_ADDRESS_SIZE];

	ck_assert_int_eq(w3w_chain_hot_address(hot, sizeof(hot), chain, &service), W3W_OK);
	memset(&cmd, 0, sizeof(cmd));
	ck_assert_int_eq(w3w__write_begin(&w, &cmd.meta, ctx, &alice, "wallet.withdrawal_create", NULL), W3W_OK);
	w3w_id_new(cmd.w.id, sizeof(cmd.w.id));
	strcpy(cmd.w.user_id, U_ALICE);
	strcpy(cmd.w.chain, "evm:31337");
	strcpy(cmd.w.currency, "ETH");
	cmd.w.amount = COIN;
	strcpy(cmd.w.to_address, EXTERNAL);
	strcpy(cmd.w.from_address, hot);
	cmd.w.status = W3W_WITHDRAWAL_HELD;
	cmd.w.created_at = cmd.w.updated_at = w3w_time_now() - 3600LL * 1000000;
	ck_assert_int_eq(w3w__write_prepare(&w, "wallet.withdrawal_held", cmd.w.id, cmd.w.id), W3W_OK);
	ck_assert_int_eq(w3w__write_finish(&w, ctx->store.wallet.withdrawal_create(ctx->store.handle, &cmd, &row)), W3W_OK);
	ck_assert_int_eq(row.w.status, W3W_WITHDRAWAL_HELD);
	ck_assert_int_eq(util_account(ctx, U_ALICE, "ETH").held, COIN);

	ck_assert_int_eq(w3w_chain_poll(chain, &service, &ps), W3W_OK);
	ck_assert_int_eq(M.sends, 1);
	ck_assert_int_eq(w3w_withdrawal_get(&row.w, ctx, &alice, cmd.w.id), W3W_OK);
	ck_assert_int_eq(row.w.status, W3W_WITHDRAWAL_BROADCAST);
	mock_mine(3);
	ck_assert_int_eq(w3w_chain_poll(chain, &service, &ps), W3W_OK);
	ck_assert_uint_eq(ps.withdrawals_confirmed, 1);
	check_conservation("ETH");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("wallet_withdraw");
	TCase *tc = tcase_create("withdraw");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, native_withdrawal_settles_at_depth);
	tcase_add_test(tc, refusal_releases_and_gives_the_nonce_back);
	tcase_add_test(tc, node_down_holds_nothing);
	tcase_add_test(tc, hot_wallet_that_cannot_pay_holds_nothing);
	tcase_add_test(tc, lost_answer_is_broadcast_again);
	tcase_add_test(tc, forgotten_transaction_is_sent_again_then_dropped);
	tcase_add_test(tc, reverted_transaction_releases);
	tcase_add_test(tc, bad_input_changes_nothing);
	tcase_add_test(tc, idempotent_retry_sends_once);
	tcase_add_test(tc, concurrent_withdrawals_get_distinct_nonces);
	tcase_add_test(tc, restart_keeps_nonces_and_follows_on);
	tcase_add_test(tc, abandoned_hold_is_signed_by_the_follower);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

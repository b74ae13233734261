/*
 * Replacing and cancelling withdrawals on SQLite against the in-memory
 * chain of test_wallet_mock.h: the exact fee bump (ceil(1.125 x) of every
 * earlier fee, the node's suggestion as a floor) on EIP-1559 and legacy
 * chains, events and audit records, refusals that change nothing, and a
 * withdrawal whose transactions are all mined settled once.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "test_wallet_mock.h"
#include "test_wallet_util.h"

#define EXTERNAL "0x8626f6940E2eb28930eFb4CeF49B2d1F2C9C1199"

static w3w_ctx *ctx;
static w3w_chain *chain;
static w3w_subscription *sub;

static void setup(void)
{
	w3w_chain_options o;

	util_fresh_db();
	mock_reset(31337);
	ck_assert_int_eq(w3w_chain_adapter_register("mock", mock_open), W3W_OK);
	ctx = util_open(KEY1);
	ck_assert_int_eq(w3w_master_seed_import(ctx, &admin, ANVIL_MNEMONIC, NULL), W3W_OK);
	ck_assert_int_eq(w3w_subscribe(&sub, ctx, NULL, NULL, 4096), W3W_OK);
	ck_assert_int_eq(w3w_chain_options_init(&o, W3W_CHAIN_OPTIONS_VERSION), W3W_OK);
	strcpy(o.adapter, "mock");
	strcpy(o.url, "mock://node");
	o.chain_id = 31337;
	o.confirmations = 3;
	o.start_block = 0;
	strcpy(o.assets, "ETH=native:18");
	ck_assert_msg(w3w_chain_open(&chain, ctx, &o) == W3W_OK, "%s", w3w_error_message());
	ck_assert_int_eq(w3w_deposit(NULL, ctx, &admin, U_ALICE, "ETH", 10 * COIN, "seed-eth", NULL), W3W_OK);
}

static void teardown(void)
{
	w3w_chain_close(chain);
	w3w_unsubscribe(sub);
	w3w_ctx_close(ctx);
	util_remove_db();
}

/* 1 if the event of `type` was delivered since the last call. */
static int delivered(const char *type)
{
	w3w_event *ev;
	size_t n = 0;
	int seen = 0;

	ck_assert_int_eq(w3w_events_pump(ctx, 10000, &n), W3W_OK);
	while (w3w_subscription_next(&ev, sub, 0) == W3W_OK) {
		seen |= strcmp(ev->type, type) == 0;
		w3w_event_free(ev);
	}
	return seen;
}

static w3w_withdrawal_attempts *attempts(const char *id)
{
	w3w_withdrawal_attempts *list = NULL;
	ck_assert_int_eq(w3w_withdrawal_attempt_list(&list, ctx, &alice, id), W3W_OK);
	return list;
}

START_TEST(fees_are_raised_by_an_eighth_rounded_up)
{
	w3w_withdrawal w, r;
	w3w_withdrawal_attempts *list;

	ck_assert_int_eq(w3w_wallet_withdraw(&w, chain, &alice, "ETH", COIN, EXTERNAL, NULL), W3W_OK);
	list = attempts(w.id);
	ck_assert_uint_eq(list->count, 1);
	ck_assert_str_eq(list->items[0].max_fee_per_gas, "2000000000");
	ck_assert_str_eq(list->items[0].max_priority_fee_per_gas, "1000000000");
	ck_assert_str_eq(list->items[0].gas_price, "");
	w3w_withdrawal_attempts_free(list);

	/* The minimum: 1.125 x both, above the node's suggestion (2 gwei, 1 gwei). */
	ck_assert_int_eq(w3w_withdrawal_replace(&r, chain, &service, w.id, NULL, NULL), W3W_OK);
	ck_assert_int_eq(r.status, W3W_WITHDRAWAL_BROADCAST);
	ck_assert_int_eq(r.nonce, w.nonce);
	ck_assert_str_ne(r.tx_hash, w.tx_hash);
	ck_assert(delivered("wallet.withdrawal_replaced"));
	ck_assert_int_eq(util_audit_count(ctx, "wallet.withdrawal_replace", "ok"), 1);
	/* Given fees above the minimum; the next minimum rounds up from them. */
	ck_assert_int_eq(w3w_withdrawal_replace(&r, chain, &admin, w.id, "2531249999", NULL), W3W_EINVAL);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "below the minimum"));
	ck_assert_int_eq(w3w_withdrawal_replace(&r, chain, &admin, w.id, "3000000001", "1265625001"), W3W_OK);
	ck_assert_int_eq(w3w_withdrawal_cancel(&r, chain, &admin, w.id, "3375000001", NULL), W3W_EINVAL);
	ck_assert_int_eq(w3w_withdrawal_cancel(&r, chain, &admin, w.id, "3375000002", "3375000003"), W3W_EINVAL);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "above max_fee_per_gas"));
	ck_assert_int_eq(w3w_withdrawal_cancel(&r, chain, &admin, w.id, NULL, NULL), W3W_OK);
	ck_assert(delivered("wallet.withdrawal_cancel_sent"));
	ck_assert_int_eq(util_audit_count(ctx, "wallet.withdrawal_cancel", "ok"), 1);
	list = attempts(w.id);
	ck_assert_uint_eq(list->count, 4);
	ck_assert_int_eq(list->items[1].kind, W3W_ATTEMPT_REPLACEMENT);
	ck_assert_str_eq(list->items[1].max_fee_per_gas, "2250000000");
	ck_assert_str_eq(list->items[1].max_priority_fee_per_gas, "1125000000");
	ck_assert_str_eq(list->items[2].max_fee_per_gas, "3000000001");
	ck_assert_int_eq(list->items[3].kind, W3W_ATTEMPT_CANCELLATION);
	ck_assert_str_eq(list->items[3].max_fee_per_gas, "3375000002");   /* ceil(3000000001 x 9 / 8) */
	ck_assert_str_eq(list->items[3].max_priority_fee_per_gas, "1423828127"); /* ceil(1265625001 x 9 / 8) */
	ck_assert_uint_eq(list->items[3].gas_limit, 21000);
	for (size_t i = 0; i < list->count; i++)
		ck_assert_int_eq(list->items[i].seq, (int)i);
	w3w_withdrawal_attempts_free(list);
	/* Its owner reads them too; another user does not even see the withdrawal. */
	ck_assert_int_eq(w3w_withdrawal_attempt_list(&list, ctx, &bob, w.id), W3W_ENOTFOUND);
}
END_TEST

START_TEST(legacy_chains_raise_the_gas_price)
{
	w3w_withdrawal w, r;
	w3w_withdrawal_attempts *list;

	M.legacy = 1;
	ck_assert_int_eq(w3w_wallet_withdraw(&w, chain, &alice, "ETH", COIN, EXTERNAL, NULL), W3W_OK);
	ck_assert_int_eq(w3w_withdrawal_replace(&r, chain, &admin, w.id, NULL, "1"), W3W_EINVAL);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "no EIP-1559 fees"));
	ck_assert_int_eq(w3w_withdrawal_replace(&r, chain, &admin, w.id, NULL, NULL), W3W_OK);
	list = attempts(w.id);
	ck_assert_uint_eq(list->count, 2);
	ck_assert_str_eq(list->items[0].gas_price, "2000000000");
	ck_assert_str_eq(list->items[1].gas_price, "2250000000");
	ck_assert_str_eq(list->items[1].max_fee_per_gas, "");
	w3w_withdrawal_attempts_free(list);
}
END_TEST

START_TEST(refusals_change_nothing)
{
	w3w_withdrawal w, r;
	w3w_withdrawal_attempts *list;
	w3w_actor auditor;
	int64_t events_before;

	ck_assert_int_eq(w3w_actor_init(&auditor, "01900000-0000-7000-8000-0000000000cc", W3W_ROLE_AUDITOR), W3W_OK);
	ck_assert_int_eq(w3w_wallet_withdraw(&w, chain, &alice, "ETH", COIN, EXTERNAL, NULL), W3W_OK);
	(void)delivered("");
	events_before = util_audit_count(ctx, "wallet.withdrawal_replace", "ok");
	ck_assert_int_eq(w3w_withdrawal_replace(&r, chain, &alice, w.id, NULL, NULL), W3W_EFORBIDDEN);
	ck_assert_int_eq(w3w_withdrawal_cancel(&r, chain, &auditor, w.id, NULL, NULL), W3W_EFORBIDDEN);
	ck_assert_int_eq(w3w_withdrawal_replace(&r, chain, &admin, "0190a000-0000-7000-8000-00000000dead", NULL, NULL),
		W3W_ENOTFOUND);
	ck_assert_int_eq(w3w_withdrawal_replace(&r, chain, &admin, "nope", NULL, NULL), W3W_EINVAL);
	ck_assert_int_eq(w3w_withdrawal_replace(&r, chain, &admin, w.id, "-1", NULL), W3W_EINVAL);
	ck_assert_int_eq(w3w_withdrawal_replace(&r, chain, &admin, w.id, "1e9", NULL), W3W_EINVAL);
	ck_assert_int_eq(w3w_withdrawal_replace(&r, chain, &admin, w.id, "99999999999999999999999999999999999999999999"
		"9999999999999999999999999999999999999", NULL), W3W_EINVAL);
	ck_assert_int_eq(w3w_withdrawal_replace(NULL, NULL, &admin, w.id, NULL, NULL), W3W_EINVAL);
	/* The node is down: nothing signed, nothing recorded. */
	M.down = 1;
	ck_assert_int_eq(w3w_withdrawal_replace(&r, chain, &admin, w.id, NULL, NULL), W3W_EUNAVAILABLE);
	M.down = 0;
	list = attempts(w.id);
	ck_assert_uint_eq(list->count, 1);
	w3w_withdrawal_attempts_free(list);
	ck_assert_int_eq(util_audit_count(ctx, "wallet.withdrawal_replace", "ok"), events_before);
	ck_assert(!delivered("wallet.withdrawal_replaced"));
	ck_assert_int_eq(w3w_withdrawal_get(&r, ctx, &admin, w.id), W3W_OK);
	ck_assert_str_eq(r.tx_hash, w.tx_hash);
	ck_assert_int_eq(r.status, W3W_WITHDRAWAL_BROADCAST);
}
END_TEST

/* Every transaction of the withdrawal has a receipt (this node mines them all): one settlement. */
START_TEST(all_attempts_mined_settle_once)
{
	w3w_withdrawal w, r;
	w3w_chain_poll_stats ps;
	w3w_account acc;
	w3w_ledger_totals t;

	ck_assert_int_eq(w3w_wallet_withdraw(&w, chain, &alice, "ETH", COIN, EXTERNAL, NULL), W3W_OK);
	ck_assert_int_eq(w3w_withdrawal_replace(&r, chain, &admin, w.id, NULL, NULL), W3W_OK);
	ck_assert_int_eq(w3w_withdrawal_replace(&r, chain, &admin, w.id, NULL, NULL), W3W_OK);
	mock_mine(4);
	ck_assert_int_eq(w3w_withdrawal_replace(&r, chain, &admin, w.id, NULL, NULL), W3W_ESTATE);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "is mined"));
	ck_assert_int_eq(w3w_chain_poll(chain, &service, &ps), W3W_OK);
	ck_assert_uint_eq(ps.withdrawals_confirmed, 1);
	ck_assert_int_eq(w3w_chain_poll(chain, &service, &ps), W3W_OK);
	ck_assert_uint_eq(ps.withdrawals_confirmed, 0);
	ck_assert_int_eq(w3w_withdrawal_get(&r, ctx, &alice, w.id), W3W_OK);
	ck_assert_int_eq(r.status, W3W_WITHDRAWAL_CONFIRMED);
	acc = util_account(ctx, U_ALICE, "ETH");
	ck_assert_int_eq(acc.balance, 9 * COIN);
	ck_assert_int_eq(acc.held, 0);
	ck_assert_int_eq(w3w_ledger_totals_get(&t, ctx, &admin, "ETH"), W3W_OK);
	ck_assert_int_eq(t.withdrawals, COIN);
	ck_assert_int_eq(w3w_withdrawal_cancel(&r, chain, &admin, w.id, NULL, NULL), W3W_ESTATE);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "confirmed"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("wallet_replace");
	TCase *tc = tcase_create("replace");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, fees_are_raised_by_an_eighth_rounded_up);
	tcase_add_test(tc, legacy_chains_raise_the_gas_price);
	tcase_add_test(tc, refusals_change_nothing);
	tcase_add_test(tc, all_attempts_mined_settle_once);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

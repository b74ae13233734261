/*
 * Withdrawal limits on an on-chain withdrawal (w3w_wallet_withdraw), on
 * SQLite against the in-memory chain of test_wallet_mock.h: a refusal
 * holds nothing, signs and sends nothing, takes no nonce and is audited;
 * the ledger withdrawal and the on-chain hold share one window; a
 * withdrawal the node refuses gives its amount back to the limit.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "test_wallet_mock.h"
#include "test_wallet_util.h"

#define EXTERNAL "0x8626f6940E2eb28930eFb4CeF49B2d1F2C9C1199"

static w3w_ctx *ctx;
static w3w_chain *chain;

static void setup(void)
{
	w3w_chain_options o;

	util_fresh_db();
	mock_reset(31337);
	ck_assert_int_eq(w3w_chain_adapter_register("mock", mock_open), W3W_OK);
	ctx = util_open(KEY1);
	ck_assert_int_eq(w3w_master_seed_import(ctx, &admin, ANVIL_MNEMONIC, NULL), W3W_OK);
	ck_assert_int_eq(w3w_chain_options_init(&o, W3W_CHAIN_OPTIONS_VERSION), W3W_OK);
	strcpy(o.adapter, "mock");
	strcpy(o.url, "mock://node");
	o.chain_id = 31337;
	o.confirmations = 3;
	o.start_block = 0;
	strcpy(o.assets, "ETH=native:18");
	ck_assert_msg(w3w_chain_open(&chain, ctx, &o) == W3W_OK, "%s", w3w_error_message());
	ck_assert_int_eq(w3w_deposit(NULL, ctx, &admin, U_ALICE, "ETH", 10 * COIN, "seed-eth", NULL), W3W_OK);
	ck_assert_int_eq(w3w_withdrawal_limit_set(NULL, ctx, &admin, NULL, "ETH", 2 * COIN, 3 * COIN), W3W_OK);
}

static void teardown(void)
{
	w3w_chain_close(chain);
	w3w_ctx_close(ctx);
	util_remove_db();
}

static w3w_withdrawal_limit standing(void)
{
	w3w_withdrawal_limits *list = NULL;
	w3w_withdrawal_limit l;

	ck_assert_int_eq(w3w_withdrawal_limits_get(&list, ctx, &alice, NULL, "ETH"), W3W_OK);
	ck_assert_uint_eq(list->count, 1);
	l = list->items[0];
	w3w_withdrawal_limits_free(list);
	return l;
}

START_TEST(a_refused_withdrawal_holds_signs_and_sends_nothing)
{
	w3w_withdrawal w;
	w3w_account acc;
	int sends = M.sends;

	ck_assert_int_eq(w3w_wallet_withdraw(&w, chain, &alice, "ETH", 2 * COIN + 1, EXTERNAL, NULL), W3W_ELIMIT);
	ck_assert_msg(strstr(w3w_error_message(), "above the per-withdrawal maximum of 2 ETH"), "%s", w3w_error_message());
	ck_assert_str_eq(w.id, "");
	acc = util_account(ctx, U_ALICE, "ETH");
	ck_assert_int_eq(acc.held, 0);
	ck_assert_int_eq(M.sends, sends);
	ck_assert_int_eq(util_audit_count(ctx, "wallet.withdrawal_create", "limit_exceeded"), 1);
	ck_assert_int_eq(util_audit_count(ctx, "wallet.withdrawal_create", "ok"), 0);

	/* The ledger withdrawal and the hold share the window: 1 + 2 of 3. */
	ck_assert_int_eq(w3w_withdraw(NULL, ctx, &alice, "ETH", COIN, "evm", EXTERNAL, NULL), W3W_OK);
	ck_assert_msg(w3w_wallet_withdraw(&w, chain, &alice, "ETH", 2 * COIN, EXTERNAL, NULL) == W3W_OK, "%s",
		w3w_error_message());
	ck_assert_int_eq(w.nonce, 0); /* the refusal took no nonce */
	ck_assert_int_eq(standing().remaining, 0);
	ck_assert_int_eq(w3w_wallet_withdraw(NULL, chain, &alice, "ETH", 1, EXTERNAL, NULL), W3W_ELIMIT);
	ck_assert_msg(strstr(w3w_error_message(), "24-hour limit of 3 ETH: 0 remaining now; 1 more frees up at "),
		"%s", w3w_error_message());
	ck_assert_int_eq(w3w_withdraw(NULL, ctx, &alice, "ETH", 1, "evm", EXTERNAL, NULL), W3W_ELIMIT);
	ck_assert_int_eq(M.sends, sends + 1);
	/* Limits of ETH do not touch another user. */
	ck_assert_int_eq(w3w_deposit(NULL, ctx, &admin, U_BOB, "ETH", 5 * COIN, "seed-bob", NULL), W3W_OK);
	ck_assert_int_eq(w3w_wallet_withdraw(NULL, chain, &bob, "ETH", 2 * COIN, EXTERNAL, NULL), W3W_OK);
}
END_TEST

START_TEST(a_withdrawal_the_node_refuses_gives_its_limit_back)
{
	w3w_withdrawal w;

	M.next_send = W3W_SEND_REJECTED;
	ck_assert_int_eq(w3w_wallet_withdraw(&w, chain, &alice, "ETH", 2 * COIN, EXTERNAL, NULL), W3W_EUNAVAILABLE);
	ck_assert_int_eq(w.status, W3W_WITHDRAWAL_FAILED);
	ck_assert_int_eq(util_account(ctx, U_ALICE, "ETH").held, 0);
	ck_assert_int_eq(standing().used, 0);
	ck_assert_int_eq(w3w_wallet_withdraw(&w, chain, &alice, "ETH", 2 * COIN, EXTERNAL, NULL), W3W_OK);
	ck_assert_int_eq(standing().used, 2 * COIN);
	/* Settled at depth, it keeps counting: one withdrawal, not two. */
	mock_mine(3);
	ck_assert_int_eq(w3w_chain_poll(chain, &service, NULL), W3W_OK);
	ck_assert_int_eq(w3w_withdrawal_get(&w, ctx, &alice, w.id), W3W_OK);
	ck_assert_int_eq(w.status, W3W_WITHDRAWAL_CONFIRMED);
	ck_assert_int_eq(standing().used, 2 * COIN);
	ck_assert_int_eq(standing().remaining, COIN);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("wallet_limits");
	TCase *tc = tcase_create("limits");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, a_refused_withdrawal_holds_signs_and_sends_nothing);
	tcase_add_test(tc, a_withdrawal_the_node_refuses_gives_its_limit_back);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

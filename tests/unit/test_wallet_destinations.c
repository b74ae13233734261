/*
 * Where withdrawals may go, and what a caller can follow, on SQLite
 * against the in-memory chain of test_wallet_mock.h: the zero address and
 * the custody's own addresses (hot wallet, deposit addresses) are refused
 * unless the chain's options allow them, "0X" is refused with a message
 * that says so; w3w_chain_confirmations() counts a withdrawal's depth;
 * w3w_chain_deposit_list() lists a user's recorded deposits.
 */
#include <check.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "test_wallet_mock.h"
#include "test_wallet_util.h"

#define EXTERNAL "0x8626f6940E2eb28930eFb4CeF49B2d1F2C9C1199"
#define ZERO "0x0000000000000000000000000000000000000000"

static w3w_ctx *ctx;
static w3w_chain *chain;

static w3w_chain *open_chain(int allow_zero, int allow_custody)
{
	w3w_chain_options o;
	w3w_chain *c = NULL;

	ck_assert_int_eq(w3w_chain_options_init(&o, W3W_CHAIN_OPTIONS_VERSION), W3W_OK);
	strcpy(o.adapter, "mock");
	strcpy(o.url, "mock://node");
	o.chain_id = 31337;
	o.confirmations = 2;
	o.start_block = 0;
	o.allow_zero_address = allow_zero;
	o.allow_custody_addresses = allow_custody;
	snprintf(o.assets, sizeof(o.assets), "ETH=native:18");
	ck_assert_msg(w3w_chain_open(&c, ctx, &o) == W3W_OK, "%s", w3w_error_message());
	return c;
}

static void setup(void)
{
	util_fresh_db();
	mock_reset(31337);
	ck_assert_int_eq(w3w_chain_adapter_register("mock", mock_open), W3W_OK);
	ctx = util_open(KEY1);
	ck_assert_int_eq(w3w_master_seed_import(ctx, &admin, ANVIL_MNEMONIC, NULL), W3W_OK);
	chain = open_chain(0, 0);
	ck_assert_int_eq(w3w_deposit(NULL, ctx, &admin, U_ALICE, "ETH", 10 * COIN, "seed-eth", NULL), W3W_OK);
}

static void teardown(void)
{
	w3w_chain_close(chain);
	w3w_ctx_close(ctx);
	util_remove_db();
}

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

START_TEST(custody_and_zero_addresses_are_refused)
{
	w3w_withdrawal w;
	w3w_wallet bobs;
	char hot[W3W_ADDRESS_SIZE], hot_lower[W3W_ADDRESS_SIZE];
	int sends = M.sends;

	ck_assert_int_eq(w3w_chain_hot_address(hot, sizeof(hot), chain, &service), W3W_OK);
	ck_assert_int_eq(w3w_wallet_create(&bobs, ctx, &bob, "evm"), W3W_OK);
	strcpy(hot_lower, hot);
	lower(hot_lower);

	ck_assert_int_eq(w3w_wallet_withdraw(&w, chain, &alice, "ETH", COIN, ZERO, NULL), W3W_EINVAL);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "zero address"));
	ck_assert_int_eq(w3w_wallet_withdraw(&w, chain, &alice, "ETH", COIN, hot, NULL), W3W_EINVAL);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "hot wallet"));
	/* Any spelling of the same address is the same address. */
	ck_assert_int_eq(w3w_wallet_withdraw(&w, chain, &alice, "ETH", COIN, hot_lower, NULL), W3W_EINVAL);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "hot wallet"));
	ck_assert_int_eq(w3w_wallet_withdraw(&w, chain, &alice, "ETH", COIN, bobs.address, NULL), W3W_EINVAL);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "deposit address"));
	ck_assert_ptr_null(strstr(w3w_error_message(), U_BOB)); /* whose it is stays private */
	ck_assert_int_eq(w3w_wallet_withdraw(&w, chain, &alice, "ETH", COIN,
		"0X8626f6940E2eb28930eFb4CeF49B2d1F2C9C1199", NULL), W3W_EINVAL);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "lowercase 0x"));

	/* Nothing was held, signed or sent. */
	ck_assert_int_eq(M.sends, sends);
	ck_assert_int_eq(util_account(ctx, U_ALICE, "ETH").held, 0);
	ck_assert_int_eq(w3w_wallet_withdraw(&w, chain, &alice, "ETH", COIN, EXTERNAL, NULL), W3W_OK);
	ck_assert_int_eq(M.sends, sends + 1);
}
END_TEST

START_TEST(options_allow_them_explicitly)
{
	w3w_chain *open = open_chain(1, 1);
	w3w_withdrawal w;
	char hot[W3W_ADDRESS_SIZE];

	ck_assert_int_eq(w3w_chain_hot_address(hot, sizeof(hot), open, &service), W3W_OK);
	ck_assert_msg(w3w_wallet_withdraw(&w, open, &alice, "ETH", COIN, ZERO, NULL) == W3W_OK, "%s",
		w3w_error_message());
	ck_assert_str_eq(w.to_address, ZERO);
	ck_assert_msg(w3w_wallet_withdraw(&w, open, &alice, "ETH", COIN, hot, NULL) == W3W_OK, "%s",
		w3w_error_message());
	w3w_chain_close(open);
}
END_TEST

START_TEST(version_1_options_refuse_by_default)
{
	w3w_chain_options o;
	w3w_chain *v1 = NULL;
	w3w_withdrawal w;

	/* A caller built against version 1 passes a struct without the allow members. */
	ck_assert_int_eq(w3w_chain_options_init(&o, W3W_CHAIN_OPTIONS_VERSION), W3W_OK);
	o.version = 1;
	strcpy(o.adapter, "mock");
	strcpy(o.url, "mock://node");
	o.chain_id = 31337;
	strcpy(o.assets, "ETH=native:18");
	o.allow_zero_address = 1; /* past version 1's end: must be ignored */
	ck_assert_int_eq(w3w_chain_open(&v1, ctx, &o), W3W_OK);
	ck_assert_int_eq(w3w_wallet_withdraw(&w, v1, &alice, "ETH", COIN, ZERO, NULL), W3W_EINVAL);
	w3w_chain_close(v1);
	o.version = W3W_CHAIN_OPTIONS_VERSION + 1;
	ck_assert_int_eq(w3w_chain_open(&v1, ctx, &o), W3W_EVERSION);
	ck_assert_ptr_null(v1);
}
END_TEST

START_TEST(confirmations_count_depth)
{
	w3w_withdrawal w;
	int64_t depth = -1;

	ck_assert_int_eq(w3w_chain_confirmations_required(chain), 2);
	ck_assert_int_eq(w3w_wallet_withdraw(&w, chain, &alice, "ETH", COIN, EXTERNAL, NULL), W3W_OK);
	ck_assert_int_eq(w3w_chain_confirmations(&depth, chain, w.tx_hash), W3W_OK);
	ck_assert_int_eq(depth, 0);
	mock_mine(1);
	ck_assert_int_eq(w3w_chain_confirmations(&depth, chain, w.tx_hash), W3W_OK);
	ck_assert_int_eq(depth, 1);
	mock_mine(2);
	ck_assert_int_eq(w3w_chain_confirmations(&depth, chain, w.tx_hash), W3W_OK);
	ck_assert_int_eq(depth, 3);
	ck_assert_int_eq(w3w_chain_confirmations(&depth, chain, "0x12"), W3W_EINVAL);
	ck_assert_int_eq(w3w_chain_confirmations(&depth, chain, NULL), W3W_EINVAL);
	M.down = 1;
	ck_assert_int_eq(w3w_chain_confirmations(&depth, chain, w.tx_hash), W3W_EUNAVAILABLE);
	M.down = 0;
}
END_TEST

START_TEST(deposits_are_listed_newest_first)
{
	w3w_chain_deposits *list = NULL;
	w3w_wallet aw;
	char addr[W3W_ADDRESS_SIZE], *json = NULL;

	ck_assert_int_eq(w3w_wallet_create(&aw, ctx, &alice, "evm"), W3W_OK);
	strcpy(addr, aw.address);
	lower(addr);
	mock_native(NULL, addr, "1000000000000000000", 1);
	mock_mine(1);
	mock_native(NULL, addr, "2000000000000000000", 1);
	mock_mine(3);
	ck_assert_msg(w3w_chain_poll(chain, &service, NULL) == W3W_OK, "%s", w3w_error_message());

	ck_assert_int_eq(w3w_chain_deposit_list(&list, ctx, &alice, NULL, "evm:31337", 10), W3W_OK);
	ck_assert_uint_eq(list->count, 2);
	ck_assert_int_ge(list->items[0].block_number, list->items[1].block_number);
	ck_assert_int_eq(list->items[0].amount + list->items[1].amount, 3 * COIN);
	ck_assert_str_eq(list->items[0].user_id, U_ALICE);
	ck_assert_int_eq(w3w_chain_deposits_to_json(&json, list), W3W_OK);
	ck_assert_ptr_nonnull(strstr(json, "\"items\":[{\"reference\":\"evm:31337:"));
	w3w_string_free(json);
	w3w_chain_deposits_free(list);

	ck_assert_int_eq(w3w_chain_deposit_list(&list, ctx, &alice, NULL, NULL, 1), W3W_OK);
	ck_assert_uint_eq(list->count, 1);
	w3w_chain_deposits_free(list);
	ck_assert_int_eq(w3w_chain_deposit_list(&list, ctx, &alice, NULL, "evm:1", 10), W3W_OK);
	ck_assert_uint_eq(list->count, 0);
	w3w_chain_deposits_free(list);
	ck_assert_int_eq(w3w_chain_deposit_list(&list, ctx, &bob, NULL, NULL, 10), W3W_OK);
	ck_assert_uint_eq(list->count, 0);
	w3w_chain_deposits_free(list);

	/* Another user's deposits: staff only. Bad limits refused. */
	ck_assert_int_eq(w3w_chain_deposit_list(&list, ctx, &bob, U_ALICE, NULL, 10), W3W_EFORBIDDEN);
	ck_assert_ptr_null(list);
	ck_assert_int_eq(w3w_chain_deposit_list(&list, ctx, &service, U_ALICE, NULL, 10), W3W_OK);
	ck_assert_uint_eq(list->count, 2);
	w3w_chain_deposits_free(list);
	list = NULL;
	ck_assert_int_eq(w3w_chain_deposit_list(&list, ctx, &alice, NULL, NULL, 0), W3W_EINVAL);
	ck_assert_int_eq(w3w_chain_deposit_list(&list, ctx, &alice, NULL, NULL, 501), W3W_EINVAL);
	ck_assert_int_eq(w3w_chain_deposit_list(&list, ctx, &alice, "not-a-uuid", NULL, 10), W3W_EINVAL);
	ck_assert_ptr_null(list);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("wallet_destinations");
	TCase *tc = tcase_create("destinations");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, custody_and_zero_addresses_are_refused);
	tcase_add_test(tc, options_allow_them_explicitly);
	tcase_add_test(tc, version_1_options_refuse_by_default);
	tcase_add_test(tc, confirmations_count_depth);
	tcase_add_test(tc, deposits_are_listed_newest_first);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

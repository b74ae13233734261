/* The storage contract: amounts, times and texts come back exactly as written; accounts per currency. */
#include <string.h>

#include "contract.h"

static w3w_status deposit_in(const char *user, const char *currency, w3w_amount amount, const char *ref)
{
	return transfer_in(st, W3W_TRANSFER_DEPOSIT, W3W_EXTERNAL_USER_ID, user, currency, amount, ref, NULL, NULL);
}

START_TEST(test_amounts_and_times_exact)
{
	w3w_cmd_supply_create cmd;
	w3w_supply s, got;
	w3w_ledger_totals t;

	ck_assert_int_eq(deposit_in(BUYER, "BIG", W3W_AMOUNT_MAX, "max"), W3W_OK);
	ck_assert_int_eq(st->market->ledger_totals(st, "BIG", &t), W3W_OK);
	ck_assert_int_eq(t.deposits, W3W_AMOUNT_MAX);
	ck_assert_int_eq(t.balances, W3W_AMOUNT_MAX);

	memset(&cmd, 0, sizeof(cmd));
	new_id(cmd.s.id);
	meta_init(&cmd.meta, SHOPPER, NULL, 2, "supply.created", cmd.s.id);
	strcpy(cmd.s.user_id, SHOPPER);
	strcpy(cmd.s.currency, "BTC");
	cmd.s.amount = 1;                        /* the smallest unit */
	cmd.s.status = W3W_SUPPLY_ACTIVE;
	cmd.s.created_at = 1700000000123457LL;   /* odd microseconds survive */
	cmd.s.updated_at = 4102444800000001LL;   /* 2100-01-01T00:00:00.000001Z */
	ck_assert_int_eq(st->market->supply_create(st, &cmd, &s), W3W_OK);
	ck_assert_int_eq(st->market->supply_get(st, cmd.s.id, &got), W3W_OK);
	ck_assert_int_eq(got.created_at, 1700000000123457LL);
	ck_assert_int_eq(got.updated_at, 4102444800000001LL);
	ck_assert_int_eq(got.amount, 1);
	ck_assert_mem_eq(&got, &s, sizeof(s));
}
END_TEST

START_TEST(test_item_names_exact)
{
	static const char *const names[] = { "item, \"quoted\" \\ {braces} é", "'; DROP TABLE orders; --", "" };
	w3w_cmd_order_create cmd;
	w3w_order o, *got = NULL;
	w3w_order_item items[3];

	ck_assert_int_eq(deposit(BUYER, 10 * COIN), W3W_OK);
	memset(&o, 0, sizeof(o));
	memset(items, 0, sizeof(items));
	new_id(o.id);
	strcpy(o.user_id, BUYER);
	strcpy(o.currency, "USDT");
	o.status = W3W_ORDER_OPEN;
	for (size_t i = 0; i < 3; i++) {
		new_id(items[i].id);
		new_id(items[i].product_id);
		strcpy(items[i].product_name, names[i]);
		items[i].price = COIN;
		items[i].quantity = 1;
		o.amount += COIN;
	}
	o.items = items;
	o.item_count = 3;
	memset(&cmd, 0, sizeof(cmd));
	meta_init(&cmd.meta, BUYER, NULL, 5, "order.created", o.id);
	o.created_at = o.updated_at = cmd.meta.now;
	cmd.o = &o;
	ck_assert_int_eq(st->market->order_create(st, &cmd, &got), W3W_OK);
	w3w_order_free(got);
	ck_assert_int_eq(st->market->order_get(st, o.id, &got), W3W_OK);
	ck_assert_uint_eq(got->item_count, 3);
	for (size_t i = 0; i < 3; i++) {
		ck_assert_str_eq(got->items[i].id, items[i].id);
		ck_assert_str_eq(got->items[i].product_id, items[i].product_id);
		ck_assert_str_eq(got->items[i].product_name, names[i]);
	}
	w3w_order_free(got);
}
END_TEST

START_TEST(test_accounts_by_currency)
{
	w3w_account_list *list = NULL;
	w3w_transfer t;

	ck_assert_int_eq(deposit_in(BUYER, "USDT", 10 * COIN, "bank-1"), W3W_OK);
	ck_assert_int_eq(deposit_in(BUYER, "EUR", 1, "bank-2"), W3W_OK);
	/* A reference is one deposit, whoever it would credit: nothing written. */
	ck_assert_int_eq(deposit_in(BUYER2, "USDT", 5 * COIN, "bank-1"), W3W_ECONFLICT);
	ck_assert_int_eq(outbox_total(), 2);
	ck_assert_int_eq(audit_unsealed(), 2);

	ck_assert_int_eq(do_transfer(st, W3W_TRANSFER_WITHDRAWAL, BUYER, W3W_EXTERNAL_USER_ID, 3 * COIN,
		"eth:0xabc", NULL, &t), W3W_OK);
	ck_assert_int_eq(t.kind, W3W_TRANSFER_WITHDRAWAL);
	ck_assert_str_eq(t.reference, "eth:0xabc");
	ck_assert_int_eq(do_transfer(st, W3W_TRANSFER_TRANSFER, BUYER, SHOPPER, 2 * COIN + 1, "", NULL, &t), W3W_OK);
	ck_assert_str_eq(t.from_user_id, BUYER);
	ck_assert_str_eq(t.to_user_id, SHOPPER);
	ck_assert_int_eq(t.amount, 2 * COIN + 1);
	ck_assert_int_eq(account_of(BUYER).balance, 5 * COIN - 1);
	ck_assert_int_eq(account_of(SHOPPER).balance, 2 * COIN + 1);

	/* One account a currency, in currency order. */
	ck_assert_int_eq(st->market->accounts(st, BUYER, &list), W3W_OK);
	ck_assert_uint_eq(list->count, 2);
	ck_assert_str_eq(list->items[0].currency, "EUR");
	ck_assert_int_eq(list->items[0].balance, 1);
	ck_assert_str_eq(list->items[1].currency, "USDT");
	w3w_account_list_free(list);
	check_invariants();
}
END_TEST

TCase *contract_values_tcase(void)
{
	TCase *tc = tcase_create("values");

	tcase_add_test(tc, test_amounts_and_times_exact);
	tcase_add_test(tc, test_item_names_exact);
	tcase_add_test(tc, test_accounts_by_currency);
	return tc;
}

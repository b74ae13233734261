/* The storage contract: input every backend refuses alike (W3W_EINVAL, a clear message), changing nothing. */
#include <string.h>

#include "contract.h"

/* A supply's status must be one of w3w_supply_status on create (0 too: core gives a complete supply). */
START_TEST(test_supply_status_must_be_known)
{
	static const int bad[] = { 0, -1, W3W_SUPPLY_DELETED + 1 };
	w3w_cmd_supply_create cmd;
	w3w_supply s, got;
	int64_t events = outbox_total(), audits = audit_unsealed();

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&cmd, 0, sizeof(cmd));
		new_id(cmd.s.id);
		meta_init(&cmd.meta, SHOPPER, "bad-status", 2, "supply.created", cmd.s.id);
		strcpy(cmd.s.user_id, SHOPPER);
		strcpy(cmd.s.currency, "USDT");
		cmd.s.amount = COIN;
		cmd.s.status = (w3w_supply_status)bad[i];
		cmd.s.created_at = cmd.s.updated_at = cmd.meta.now;
		ck_assert_int_eq(st->market->supply_create(st, &cmd, &s), W3W_EINVAL);
		ck_assert_msg(strstr(w3w_error_message(), "is not a supply status"), "%s", w3w_error_message());
		ck_assert_int_eq(st->market->supply_get(st, cmd.s.id, &got), W3W_ENOTFOUND);
	}
	/* The refusal stored no key: the same key with a real status runs. */
	cmd.s.status = W3W_SUPPLY_ACTIVE;
	ck_assert_int_eq(st->market->supply_create(st, &cmd, &s), W3W_OK);
	ck_assert_int_eq(cmd.meta.replayed, 0);

	/* On update 0 means "unchanged"; anything else unknown is refused and the supply stays as it was. */
	ck_assert_int_eq(supply_update(s.id, SHOPPER, 1, 2 * COIN, W3W_SUPPLY_DELETED + 1, &got), W3W_EINVAL);
	ck_assert_msg(strstr(w3w_error_message(), "is not a supply status"), "%s", w3w_error_message());
	ck_assert_int_eq(supply_update(s.id, SHOPPER, 0, 0, -1, &got), W3W_EINVAL);
	ck_assert_int_eq(st->market->supply_get(st, s.id, &got), W3W_OK);
	ck_assert_mem_eq(&got, &s, sizeof(s));
	ck_assert_int_eq(outbox_total(), events + 1);
	ck_assert_int_eq(audit_unsealed(), audits + 1);
}
END_TEST

/* A list filtered by a status that does not exist. */
START_TEST(test_list_status_must_be_known)
{
	w3w_storage_query q = { "", W3W_SUPPLY_DELETED + 1, 10, "" };
	w3w_supply_page *supplies = (w3w_supply_page *)1;
	w3w_order_page *orders = (w3w_order_page *)1;

	ck_assert_int_eq(st->market->supply_list(st, &q, &supplies), W3W_EINVAL);
	ck_assert_ptr_null(supplies);
	ck_assert_msg(strstr(w3w_error_message(), "is not a supply status"), "%s", w3w_error_message());
	q.status = -1;
	ck_assert_int_eq(st->market->order_list(st, &q, &orders), W3W_EINVAL);
	ck_assert_ptr_null(orders);
	ck_assert_msg(strstr(w3w_error_message(), "is not an order status"), "%s", w3w_error_message());
}
END_TEST

TCase *contract_refusals_tcase(void)
{
	TCase *tc = tcase_create("refusals");

	tcase_add_test(tc, test_supply_status_must_be_known);
	tcase_add_test(tc, test_list_status_must_be_known);
	return tc;
}

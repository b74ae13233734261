/* Ledger: deposits, withdrawals, transfers, accounts, totals — success, refusals, roles. */
#include <stdio.h>
#include <string.h>

#include "harness.h"

/* ledger.h: "For deposits/withdrawals the external side is the nil UUID." */
#define NIL_UUID "00000000-0000-0000-0000-000000000000"

static void fresh_ref(char *buf, size_t size)
{
	char id[W3W_ID_SIZE];
	h_new_id(id);
	snprintf(buf, size, "ref-%s", id);
}

START_TEST(deposit_credits_the_account)
{
	w3w_actor user;
	w3w_transfer t;
	w3w_account acc;
	w3w_ledger_totals tot;
	char ref[64];
	int64_t outbox = h_outbox_total();
	w3w_time before = w3w_time_now();

	h_user(&user);
	fresh_ref(ref, sizeof(ref));
	H_OK(w3w_deposit(&t, H.ctx, &H.service, user.user_id, H.cur, h_amt("12.5"), ref, NULL));
	ck_assert_int_eq(t.kind, W3W_TRANSFER_DEPOSIT);
	ck_assert_str_eq(t.from_user_id, NIL_UUID);
	ck_assert_str_eq(t.to_user_id, user.user_id);
	ck_assert_str_eq(t.currency, H.cur);
	ck_assert_int_eq(t.amount, h_amt("12.5"));
	ck_assert_str_eq(t.reference, ref);
	ck_assert_int_eq(strlen(t.id), 36);
	ck_assert_int_ge(t.created_at, before - 1000000);
	ck_assert_int_eq(h_outbox_total(), outbox + 1);

	h_account(&acc, user.user_id, H.cur);
	ck_assert_int_eq(acc.balance, h_amt("12.5"));
	ck_assert_int_eq(acc.held, 0);
	ck_assert_int_eq(acc.available, h_amt("12.5"));
	h_totals(&tot, H.cur);
	ck_assert_int_eq(tot.deposits, h_amt("12.5"));
	ck_assert_int_eq(tot.balances, h_amt("12.5"));
	ck_assert_int_eq(tot.withdrawals, 0);

	/* An admin may deposit too; out may be NULL. */
	fresh_ref(ref, sizeof(ref));
	H_OK(w3w_deposit(NULL, H.ctx, &H.admin, user.user_id, H.cur, h_amt("0.00000001"), ref, NULL));
	h_account(&acc, user.user_id, H.cur);
	ck_assert_int_eq(acc.balance, h_amt("12.50000001"));
}
END_TEST

START_TEST(deposit_needs_service_or_admin)
{
	w3w_actor user, both;
	w3w_transfer t;
	char ref[64];

	h_user(&user);
	h_actor(&both, W3W_ROLE_USER | W3W_ROLE_AUDITOR);
	fresh_ref(ref, sizeof(ref));
	H_REFUSED(W3W_EFORBIDDEN, NULL, w3w_deposit(&t, H.ctx, &user, user.user_id, H.cur, h_amt("1"), ref, NULL));
	H_REFUSED(W3W_EFORBIDDEN, NULL, w3w_deposit(&t, H.ctx, &H.auditor, user.user_id, H.cur, h_amt("1"), ref, NULL));
	H_REFUSED(W3W_EFORBIDDEN, NULL, w3w_deposit(&t, H.ctx, &both, user.user_id, H.cur, h_amt("1"), ref, NULL));
	H_OK(w3w_deposit(&t, H.ctx, &H.service, user.user_id, H.cur, h_amt("1"), ref, NULL));
}
END_TEST

START_TEST(deposit_refuses_bad_input)
{
	w3w_actor user;
	w3w_transfer t;
	char ref[64], long_ref[300], long_key[300];

	h_user(&user);
	fresh_ref(ref, sizeof(ref));
	memset(long_ref, 'r', 256);
	long_ref[256] = '\0';
	memset(long_key, 'k', 256);
	long_key[256] = '\0';

	H_REFUSED(W3W_EINVAL, "user_id", w3w_deposit(&t, H.ctx, &H.service, "nope", H.cur, h_amt("1"), ref, NULL));
	H_REFUSED(W3W_EINVAL, "user_id", w3w_deposit(&t, H.ctx, &H.service, NULL, H.cur, h_amt("1"), ref, NULL));
	H_REFUSED(W3W_EINVAL, "currency", w3w_deposit(&t, H.ctx, &H.service, user.user_id, "usd", h_amt("1"), ref, NULL));
	H_REFUSED(W3W_EINVAL, "currency", w3w_deposit(&t, H.ctx, &H.service, user.user_id, "", h_amt("1"), ref, NULL));
	H_REFUSED(W3W_EINVAL, "currency", w3w_deposit(&t, H.ctx, &H.service, user.user_id, NULL, h_amt("1"), ref, NULL));
	H_REFUSED(W3W_EINVAL, "currency", w3w_deposit(&t, H.ctx, &H.service, user.user_id, "ABCDEFGHIJK", h_amt("1"), ref, NULL));
	H_REFUSED(W3W_EINVAL, "currency", w3w_deposit(&t, H.ctx, &H.service, user.user_id, "US-D", h_amt("1"), ref, NULL));
	H_REFUSED(W3W_EINVAL, "currency", w3w_deposit(&t, H.ctx, &H.service, user.user_id, "US D", h_amt("1"), ref, NULL));
	H_REFUSED(W3W_EINVAL, "amount", w3w_deposit(&t, H.ctx, &H.service, user.user_id, H.cur, 0, ref, NULL));
	H_REFUSED(W3W_EINVAL, "amount", w3w_deposit(&t, H.ctx, &H.service, user.user_id, H.cur, -1, ref, NULL));
	H_REFUSED(W3W_EINVAL, "amount", w3w_deposit(&t, H.ctx, &H.service, user.user_id, H.cur, INT64_MIN, ref, NULL));
	H_REFUSED(W3W_EINVAL, "amount", w3w_deposit(&t, H.ctx, &H.service, user.user_id, H.cur, W3W_AMOUNT_MAX + 1, ref, NULL));
	H_REFUSED(W3W_EINVAL, "amount", w3w_deposit(&t, H.ctx, &H.service, user.user_id, H.cur, INT64_MAX, ref, NULL));
	H_REFUSED(W3W_EINVAL, "reference", w3w_deposit(&t, H.ctx, &H.service, user.user_id, H.cur, h_amt("1"), "", NULL));
	H_REFUSED(W3W_EINVAL, "reference", w3w_deposit(&t, H.ctx, &H.service, user.user_id, H.cur, h_amt("1"), NULL, NULL));
	H_REFUSED(W3W_EINVAL, "reference", w3w_deposit(&t, H.ctx, &H.service, user.user_id, H.cur, h_amt("1"), long_ref, NULL));
	H_REFUSED(W3W_EINVAL, "idempotency", w3w_deposit(&t, H.ctx, &H.service, user.user_id, H.cur, h_amt("1"), ref, long_key));
	H_REFUSED(W3W_EINVAL, NULL, w3w_deposit(&t, NULL, &H.service, user.user_id, H.cur, h_amt("1"), ref, NULL));
	H_REFUSED(W3W_EINVAL, "actor", w3w_deposit(&t, H.ctx, NULL, user.user_id, H.cur, h_amt("1"), ref, NULL));
	/* The longest reference is fine (unique: the storage may be shared). */
	memcpy(long_ref, ref, strlen(ref));
	long_ref[255] = '\0';
	H_OK(w3w_deposit(&t, H.ctx, &H.service, user.user_id, H.cur, h_amt("1"), long_ref, NULL));
	ck_assert_str_eq(t.reference, long_ref);
}
END_TEST

/* The external account is not a user: crediting it would break conservation. */
START_TEST(deposit_to_the_external_account_is_refused)
{
	h_snapshot before, after;
	char ref[64];
	w3w_status st;

	fresh_ref(ref, sizeof(ref));
	h_snap(&before);
	st = w3w_deposit(NULL, H.ctx, &H.service, NIL_UUID, H.cur, h_amt("5"), ref, NULL);
	ck_assert_msg(st != W3W_OK, "deposit to the nil UUID accepted");
	h_snap(&after);
	h_snap_assert_same(&before, &after, "deposit to external");
}
END_TEST

START_TEST(deposit_reference_is_unique)
{
	w3w_actor a, b;
	w3w_transfer t;
	char ref[64];

	h_user(&a);
	h_user(&b);
	fresh_ref(ref, sizeof(ref));
	H_OK(w3w_deposit(&t, H.ctx, &H.service, a.user_id, H.cur, h_amt("1"), ref, NULL));
	H_REFUSED(W3W_ECONFLICT, NULL, w3w_deposit(&t, H.ctx, &H.service, a.user_id, H.cur, h_amt("1"), ref, NULL));
	H_REFUSED(W3W_ECONFLICT, NULL, w3w_deposit(&t, H.ctx, &H.service, b.user_id, H.cur, h_amt("2"), ref, NULL));
	H_REFUSED(W3W_ECONFLICT, NULL, w3w_deposit(&t, H.ctx, &H.admin, a.user_id, H.cur, h_amt("1"), ref, NULL));
}
END_TEST

/* Balances beyond DECIMAL(18,8) are either accepted or refused cleanly — never a backend error. */
START_TEST(deposit_near_the_maximum_is_clean)
{
	w3w_actor user;
	h_snapshot before, after;
	char ref[64];
	w3w_status st;

	h_user(&user);
	fresh_ref(ref, sizeof(ref));
	H_OK(w3w_deposit(NULL, H.ctx, &H.service, user.user_id, H.cur, W3W_AMOUNT_MAX, ref, NULL));
	fresh_ref(ref, sizeof(ref));
	h_snap(&before);
	st = w3w_deposit(NULL, H.ctx, &H.service, user.user_id, H.cur, 1, ref, NULL);
	ck_assert_msg(st == W3W_OK || st == W3W_EINVAL || st == W3W_ECONFLICT || st == W3W_EINSUFFICIENT,
		"balance past the maximum: %s (%s)", w3w_status_name(st), w3w_error_message());
	if (st != W3W_OK) {
		h_snap(&after);
		h_snap_assert_same(&before, &after, "deposit past the maximum");
	}
}
END_TEST

START_TEST(withdraw_debits_available_funds)
{
	w3w_actor user;
	w3w_transfer t;
	w3w_account acc;
	w3w_ledger_totals tot;
	char order_id[W3W_ID_SIZE];

	h_user(&user);
	h_fund(&user, H.cur, "10");
	H_OK(w3w_withdraw(&t, H.ctx, &user, H.cur, h_amt("3.25"), "evm", "0x00000000000000000000000000000000000000aa", NULL));
	ck_assert_int_eq(t.kind, W3W_TRANSFER_WITHDRAWAL);
	ck_assert_str_eq(t.from_user_id, user.user_id);
	ck_assert_str_eq(t.to_user_id, NIL_UUID);
	ck_assert_int_eq(t.amount, h_amt("3.25"));
	ck_assert(h_contains(t.reference, "evm"));
	ck_assert(h_contains(t.reference, "0x00000000000000000000000000000000000000aa"));
	h_account(&acc, user.user_id, H.cur);
	ck_assert_int_eq(acc.balance, h_amt("6.75"));
	h_totals(&tot, H.cur);
	ck_assert_int_eq(tot.withdrawals, h_amt("3.25"));

	/* Escrow is not available. */
	h_order(order_id, &user, H.cur, "6");
	H_REFUSED(W3W_EINSUFFICIENT, NULL, w3w_withdraw(&t, H.ctx, &user, H.cur, h_amt("1"), "evm", "0xab", NULL));
	H_OK(w3w_withdraw(&t, H.ctx, &user, H.cur, h_amt("0.75"), "evm", "0xab", NULL));
	H_REFUSED(W3W_EINSUFFICIENT, NULL, w3w_withdraw(&t, H.ctx, &user, H.cur, 1, "evm", "0xab", NULL));
}
END_TEST

START_TEST(withdraw_refuses_bad_input)
{
	w3w_actor user, nobody;
	w3w_transfer t;
	char long_addr[400];

	h_user(&user);
	h_user(&nobody);
	h_fund(&user, H.cur, "10");
	memset(long_addr, 'a', sizeof(long_addr) - 1);
	long_addr[sizeof(long_addr) - 1] = '\0';
	H_REFUSED(W3W_EINSUFFICIENT, NULL, w3w_withdraw(&t, H.ctx, &user, H.cur, h_amt("10.00000001"), "evm", "0xab", NULL));
	H_REFUSED(W3W_EINSUFFICIENT, NULL, w3w_withdraw(&t, H.ctx, &nobody, H.cur, h_amt("1"), "evm", "0xab", NULL));
	H_REFUSED(W3W_EINVAL, "amount", w3w_withdraw(&t, H.ctx, &user, H.cur, 0, "evm", "0xab", NULL));
	H_REFUSED(W3W_EINVAL, "amount", w3w_withdraw(&t, H.ctx, &user, H.cur, -5, "evm", "0xab", NULL));
	H_REFUSED(W3W_EINVAL, "amount", w3w_withdraw(&t, H.ctx, &user, H.cur, W3W_AMOUNT_MAX + 1, "evm", "0xab", NULL));
	H_REFUSED(W3W_EINVAL, "currency", w3w_withdraw(&t, H.ctx, &user, "eth", h_amt("1"), "evm", "0xab", NULL));
	H_REFUSED(W3W_EINVAL, "chain", w3w_withdraw(&t, H.ctx, &user, H.cur, h_amt("1"), NULL, "0xab", NULL));
	H_REFUSED(W3W_EINVAL, "address", w3w_withdraw(&t, H.ctx, &user, H.cur, h_amt("1"), "evm", NULL, NULL));
	H_REFUSED(W3W_EINVAL, NULL, w3w_withdraw(&t, H.ctx, &user, H.cur, h_amt("1"), "evm", long_addr, NULL));
}
END_TEST

START_TEST(transfer_moves_available_funds)
{
	w3w_actor a, b;
	w3w_transfer t;
	w3w_account acc;
	w3w_ledger_totals before, after;

	h_user(&a);
	h_user(&b);
	h_fund(&a, H.cur, "5");
	h_totals(&before, H.cur);
	H_OK(w3w_transfer_funds(&t, H.ctx, &a, b.user_id, H.cur, h_amt("1.5"), NULL));
	ck_assert_int_eq(t.kind, W3W_TRANSFER_TRANSFER);
	ck_assert_str_eq(t.from_user_id, a.user_id);
	ck_assert_str_eq(t.to_user_id, b.user_id);
	ck_assert_int_eq(t.amount, h_amt("1.5"));
	h_account(&acc, a.user_id, H.cur);
	ck_assert_int_eq(acc.balance, h_amt("3.5"));
	h_account(&acc, b.user_id, H.cur);
	ck_assert_int_eq(acc.balance, h_amt("1.5"));
	h_totals(&after, H.cur);
	ck_assert_int_eq(after.balances, before.balances);
	ck_assert_int_eq(after.deposits, before.deposits);

	H_REFUSED(W3W_EINSUFFICIENT, NULL, w3w_transfer_funds(&t, H.ctx, &a, b.user_id, H.cur, h_amt("3.50000001"), NULL));
	H_REFUSED(W3W_EINSUFFICIENT, NULL, w3w_transfer_funds(&t, H.ctx, &b, a.user_id, H.cur, h_amt("2"), NULL));
	H_REFUSED(W3W_EINVAL, NULL, w3w_transfer_funds(&t, H.ctx, &a, a.user_id, H.cur, h_amt("1"), NULL));
	H_REFUSED(W3W_EINVAL, "to_user_id", w3w_transfer_funds(&t, H.ctx, &a, "x", H.cur, h_amt("1"), NULL));
	H_REFUSED(W3W_EINVAL, "to_user_id", w3w_transfer_funds(&t, H.ctx, &a, NULL, H.cur, h_amt("1"), NULL));
	H_REFUSED(W3W_EINVAL, "amount", w3w_transfer_funds(&t, H.ctx, &a, b.user_id, H.cur, 0, NULL));
	H_REFUSED(W3W_EINVAL, "currency", w3w_transfer_funds(&t, H.ctx, &a, b.user_id, "", h_amt("1"), NULL));
	/* Funds in another currency are another account. */
	{
		char other[W3W_CURRENCY_SIZE];
		h_currency(other);
		H_REFUSED(W3W_EINSUFFICIENT, NULL, w3w_transfer_funds(&t, H.ctx, &a, b.user_id, other, h_amt("1"), NULL));
	}
}
END_TEST

START_TEST(transfer_to_the_external_account_is_refused)
{
	w3w_actor a;
	h_snapshot before, after;
	w3w_status st;

	h_user(&a);
	h_fund(&a, H.cur, "5");
	h_snap(&before);
	st = w3w_transfer_funds(NULL, H.ctx, &a, NIL_UUID, H.cur, h_amt("1"), NULL);
	ck_assert_msg(st != W3W_OK, "transfer to the nil UUID accepted (an uncounted withdrawal)");
	h_snap(&after);
	h_snap_assert_same(&before, &after, "transfer to external");
}
END_TEST

/* The external account never acts: not as a user sending money, not as admin or service. */
START_TEST(the_external_account_never_acts)
{
	w3w_actor nil, user;
	w3w_supply s;
	char ref[64], order[W3W_ID_SIZE];
	w3w_order_item item;
	w3w_order *created = NULL;

	h_user(&user);
	h_fund(&user, H.cur, "5");
	h_supply(&s, &user, H.cur, "1");
	h_order(order, &user, H.cur, "1");
	h_item(&item, "1", 1);
	/* Built by hand, as a caller that skips w3w_actor_init() would. */
	memset(&nil, 0, sizeof(nil));
	strcpy(nil.user_id, NIL_UUID);
	nil.roles = W3W_ROLE_USER | W3W_ROLE_ADMIN | W3W_ROLE_SERVICE | W3W_ROLE_AUDITOR;
	fresh_ref(ref, sizeof(ref));
	H_REFUSED(W3W_EINVAL, "reserved", w3w_transfer_funds(NULL, H.ctx, &nil, user.user_id, H.cur, h_amt("1"), NULL));
	H_REFUSED(W3W_EINVAL, "reserved", w3w_withdraw(NULL, H.ctx, &nil, H.cur, h_amt("1"), "evm", "0xabc", NULL));
	H_REFUSED(W3W_EINVAL, "reserved", w3w_deposit(NULL, H.ctx, &nil, user.user_id, H.cur, h_amt("1"), ref, NULL));
	H_REFUSED(W3W_EINVAL, "reserved", w3w_supply_create(NULL, H.ctx, &nil, H.cur, h_amt("1"), NULL));
	H_REFUSED(W3W_EINVAL, "reserved", w3w_order_create(&created, H.ctx, &nil, H.cur, &item, 1, NULL));
	ck_assert_ptr_null(created);
	H_REFUSED(W3W_EINVAL, "reserved", w3w_claim_order(NULL, H.ctx, &nil, order, NULL));
	H_REFUSED(W3W_EINVAL, "reserved", w3w_order_cancel(NULL, H.ctx, &nil, order, NULL));
	ck_assert_int_eq(w3w_actor_init(&nil, NIL_UUID, W3W_ROLE_ADMIN), W3W_EINVAL);
	ck_assert_int_eq(w3w_actor_init(&nil, "00000000-0000-0000-0000-000000000000", W3W_ROLE_USER), W3W_EINVAL);
	h_check_invariants(H.cur);
}
END_TEST

START_TEST(accounts_rights)
{
	w3w_actor a, b;
	w3w_account_list *list = NULL;
	char second[W3W_CURRENCY_SIZE], unknown[W3W_ID_SIZE];

	h_user(&a);
	h_user(&b);
	h_currency(second);
	h_fund(&a, H.cur, "1");
	h_fund(&a, second, "2");

	H_OK(w3w_accounts(&list, H.ctx, &a, NULL));
	ck_assert_uint_eq(list->count, 2);
	ck_assert(strcmp(list->items[0].currency, list->items[1].currency) < 0);
	for (size_t i = 0; i < list->count; i++) {
		ck_assert_str_eq(list->items[i].user_id, a.user_id);
		ck_assert_int_eq(list->items[i].available, list->items[i].balance - list->items[i].held);
	}
	w3w_account_list_free(list);
	list = NULL;
	H_OK(w3w_accounts(&list, H.ctx, &a, a.user_id));
	ck_assert_uint_eq(list->count, 2);
	w3w_account_list_free(list);
	list = NULL;

	H_EXPECT(W3W_EFORBIDDEN, w3w_accounts(&list, H.ctx, &b, a.user_id));
	ck_assert_ptr_null(list);
	H_OK(w3w_accounts(&list, H.ctx, &H.auditor, a.user_id));
	w3w_account_list_free(list);
	list = NULL;
	H_OK(w3w_accounts(&list, H.ctx, &H.service, a.user_id));
	w3w_account_list_free(list);
	list = NULL;

	/* No accounts yet: an empty list, not an error. */
	H_OK(w3w_accounts(&list, H.ctx, &b, NULL));
	ck_assert_uint_eq(list->count, 0);
	w3w_account_list_free(list);
	list = NULL;
	h_new_id(unknown);
	H_OK(w3w_accounts(&list, H.ctx, &H.admin, unknown));
	ck_assert_uint_eq(list->count, 0);
	w3w_account_list_free(list);
	list = NULL;

	H_EXPECT(W3W_EINVAL, w3w_accounts(&list, H.ctx, &H.admin, "bad"));
	H_EXPECT(W3W_EINVAL, w3w_accounts(NULL, H.ctx, &a, NULL));
	w3w_account_list_free(NULL);
}
END_TEST

START_TEST(totals_rights_and_input)
{
	w3w_actor user;
	w3w_ledger_totals t;
	char unused[W3W_CURRENCY_SIZE];

	h_user(&user);
	H_EXPECT(W3W_EFORBIDDEN, w3w_ledger_totals_get(&t, H.ctx, &user, H.cur));
	H_OK(w3w_ledger_totals_get(&t, H.ctx, &H.auditor, H.cur));
	H_OK(w3w_ledger_totals_get(&t, H.ctx, &H.service, H.cur));
	H_EXPECT(W3W_EINVAL, w3w_ledger_totals_get(&t, H.ctx, &H.admin, "x y"));
	H_EXPECT(W3W_EINVAL, w3w_ledger_totals_get(NULL, H.ctx, &H.admin, H.cur));
	h_currency(unused);
	H_OK(w3w_ledger_totals_get(&t, H.ctx, &H.admin, unused));
	ck_assert_int_eq(t.deposits, 0);
	ck_assert_int_eq(t.balances, 0);
	ck_assert_int_eq(t.escrow, 0);
	ck_assert_int_eq(t.entries_sum_zero, 1);
}
END_TEST

START_TEST(outbox_stats_rights)
{
	w3w_actor user;
	w3w_outbox_stats st;
	h_user(&user);
	H_EXPECT(W3W_EFORBIDDEN, w3w_outbox_stats_get(&st, H.ctx, &user));
	H_OK(w3w_outbox_stats_get(&st, H.ctx, &H.auditor));
	H_OK(w3w_outbox_stats_get(&st, H.ctx, &H.service));
	H_EXPECT(W3W_EINVAL, w3w_outbox_stats_get(NULL, H.ctx, &H.admin));
}
END_TEST

TCase *conf_ledger_tcase(void)
{
	TCase *tc = h_tcase("ledger");
	tcase_add_test(tc, deposit_credits_the_account);
	tcase_add_test(tc, deposit_needs_service_or_admin);
	tcase_add_test(tc, deposit_refuses_bad_input);
	tcase_add_test(tc, deposit_to_the_external_account_is_refused);
	tcase_add_test(tc, deposit_reference_is_unique);
	tcase_add_test(tc, deposit_near_the_maximum_is_clean);
	tcase_add_test(tc, withdraw_debits_available_funds);
	tcase_add_test(tc, withdraw_refuses_bad_input);
	tcase_add_test(tc, transfer_moves_available_funds);
	tcase_add_test(tc, transfer_to_the_external_account_is_refused);
	tcase_add_test(tc, the_external_account_never_acts);
	tcase_add_test(tc, accounts_rights);
	tcase_add_test(tc, totals_rights_and_input);
	tcase_add_test(tc, outbox_stats_rights);
	return tc;
}

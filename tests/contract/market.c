/* The storage contract: transfers, supplies, orders, claims, idempotency. */
#include <stdlib.h>
#include <string.h>

#include "contract.h"

START_TEST(test_deposit_withdraw_transfer)
{
	w3w_transfer t;
	w3w_account acc;
	w3w_account_list *list = NULL;
	w3w_ledger_totals tot;
	int64_t events;

	ck_assert_int_eq(do_transfer(st, W3W_TRANSFER_DEPOSIT, W3W_EXTERNAL_USER_ID, BUYER, 100 * COIN,
		"bank-1", NULL, &t), W3W_OK);
	ck_assert_int_eq(t.kind, W3W_TRANSFER_DEPOSIT);
	ck_assert_int_eq(t.amount, 100 * COIN);
	ck_assert_str_eq(t.reference, "bank-1");
	acc = account_of(BUYER);
	ck_assert_int_eq(acc.balance, 100 * COIN);
	ck_assert_int_eq(acc.available, 100 * COIN);
	ck_assert_str_eq(acc.user_id, BUYER);

	/* A reused deposit reference: conflict, nothing applied. */
	events = outbox_total();
	ck_assert_int_eq(do_transfer(st, W3W_TRANSFER_DEPOSIT, W3W_EXTERNAL_USER_ID, BUYER, 5 * COIN,
		"bank-1", NULL, NULL), W3W_ECONFLICT);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "bank-1"));
	ck_assert_int_eq(account_of(BUYER).balance, 100 * COIN);
	ck_assert_int_eq(outbox_total(), events);

	/* Withdrawal beyond available. */
	ck_assert_int_eq(do_transfer(st, W3W_TRANSFER_WITHDRAWAL, BUYER, W3W_EXTERNAL_USER_ID, 101 * COIN,
		"eth:0xabc", NULL, NULL), W3W_EINSUFFICIENT);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), BUYER));
	ck_assert_int_eq(outbox_total(), events);
	ck_assert_int_eq(do_transfer(st, W3W_TRANSFER_WITHDRAWAL, BUYER, W3W_EXTERNAL_USER_ID, 30 * COIN,
		"eth:0xabc", NULL, NULL), W3W_OK);
	ck_assert_int_eq(outbox_total(), events + 1);

	/* User to user; the receiver's account is created on first credit. */
	ck_assert_int_eq(do_transfer(st, W3W_TRANSFER_TRANSFER, BUYER, SHOPPER, 20 * COIN, "", NULL, &t), W3W_OK);
	ck_assert_int_eq(account_of(BUYER).balance, 50 * COIN);
	ck_assert_int_eq(account_of(SHOPPER).balance, 20 * COIN);
	ck_assert_int_eq(do_transfer(st, W3W_TRANSFER_TRANSFER, SHOPPER, BUYER, 21 * COIN, "", NULL, NULL),
		W3W_EINSUFFICIENT);
	/* An account that does not exist has nothing available. */
	ck_assert_int_eq(do_transfer(st, W3W_TRANSFER_TRANSFER, BUYER2, BUYER, 1, "", NULL, NULL),
		W3W_EINSUFFICIENT);

	ck_assert_int_eq(st->market->ledger_totals(st, "USDT", &tot), W3W_OK);
	ck_assert_str_eq(tot.currency, "USDT");
	ck_assert_int_eq(tot.deposits, 100 * COIN);
	ck_assert_int_eq(tot.withdrawals, 30 * COIN);
	ck_assert_int_eq(tot.balances, 70 * COIN);
	ck_assert_int_eq(tot.entries_sum_zero, 1);
	check_invariants();

	/* Other currencies and the external account are empty, not errors. */
	ck_assert_int_eq(st->market->ledger_totals(st, "BTC", &tot), W3W_OK);
	ck_assert_int_eq(tot.deposits, 0);
	ck_assert_int_eq(tot.entries_sum_zero, 1);
	ck_assert_int_eq(st->market->accounts(st, W3W_EXTERNAL_USER_ID, &list), W3W_OK);
	ck_assert_uint_eq(list->count, 0);
	w3w_account_list_free(list);
}
END_TEST

START_TEST(test_balance_overflow_refused)
{
	ck_assert_int_eq(deposit(BUYER, W3W_AMOUNT_MAX), W3W_OK);
	ck_assert_int_eq(deposit(BUYER, 1), W3W_EINVAL);
	ck_assert_int_eq(account_of(BUYER).balance, W3W_AMOUNT_MAX);
	check_invariants();
}
END_TEST

/* ---- supplies ------------------------------------------------------------- */

START_TEST(test_supply_lifecycle)
{
	w3w_supply s, got;
	int64_t events;

	ck_assert_int_eq(supply_create(SHOPPER, 10 * COIN, &s), W3W_OK);
	ck_assert_int_eq(s.status, W3W_SUPPLY_ACTIVE);
	ck_assert_int_eq(s.amount, 10 * COIN);
	ck_assert_int_eq(s.reserved, 0);
	ck_assert_int_eq(st->market->supply_get(st, s.id, &got), W3W_OK);
	ck_assert_mem_eq(&got, &s, sizeof(s));

	ck_assert_int_eq(supply_update(s.id, SHOPPER, 1, 12 * COIN, 0, &got), W3W_OK);
	ck_assert_int_eq(got.amount, 12 * COIN);
	ck_assert_int_eq(got.status, W3W_SUPPLY_ACTIVE);
	ck_assert_int_gt(got.updated_at, s.updated_at);
	ck_assert_int_eq(supply_update(s.id, SHOPPER, 0, 0, W3W_SUPPLY_PAUSED, &got), W3W_OK);
	ck_assert_int_eq(got.status, W3W_SUPPLY_PAUSED);
	ck_assert_int_eq(got.amount, 12 * COIN);
	ck_assert_int_eq(supply_update(s.id, SHOPPER, 1, 0, 0, &got), W3W_OK);
	ck_assert_int_eq(got.status, W3W_SUPPLY_EXHAUSTED);
	ck_assert_int_eq(supply_update(s.id, SHOPPER, 1, 3 * COIN, 0, &got), W3W_OK);
	ck_assert_int_eq(got.status, W3W_SUPPLY_ACTIVE);
	/* Raising a paused supply keeps it paused. */
	ck_assert_int_eq(supply_update(s.id, SHOPPER, 1, 4 * COIN, W3W_SUPPLY_PAUSED, &got), W3W_OK);
	ck_assert_int_eq(supply_update(s.id, SHOPPER, 1, 5 * COIN, 0, &got), W3W_OK);
	ck_assert_int_eq(got.status, W3W_SUPPLY_PAUSED);
	ck_assert_int_eq(supply_update(s.id, SHOPPER, 0, 0, W3W_SUPPLY_ACTIVE, &got), W3W_OK);

	events = outbox_total();
	/* Someone else's supply looks like no supply. */
	ck_assert_int_eq(supply_update(s.id, SHOPPER2, 1, COIN, 0, &got), W3W_ENOTFOUND);
	ck_assert_int_eq(supply_delete(s.id, SHOPPER2, &got), W3W_ENOTFOUND);
	ck_assert_int_eq(supply_update("01900000-0000-7000-8000-0000000fffff", SHOPPER, 1, COIN, 0, &got),
		W3W_ENOTFOUND);
	ck_assert_int_eq(st->market->supply_get(st, "01900000-0000-7000-8000-0000000fffff", &got), W3W_ENOTFOUND);
	ck_assert_int_eq(outbox_total(), events);

	ck_assert_int_eq(supply_delete(s.id, SHOPPER, &got), W3W_OK);
	ck_assert_int_eq(got.status, W3W_SUPPLY_DELETED);
	ck_assert_int_eq(supply_delete(s.id, SHOPPER, &got), W3W_ESTATE);
	ck_assert_int_eq(supply_update(s.id, SHOPPER, 1, COIN, 0, &got), W3W_ESTATE);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), s.id));
	ck_assert_int_eq(outbox_total(), events + 1);
}
END_TEST

START_TEST(test_supply_reservations_block_lowering_and_delete)
{
	w3w_supply s, got;
	w3w_claim c;
	char order[W3W_ID_SIZE];

	ck_assert_int_eq(deposit(BUYER, 100 * COIN), W3W_OK);
	ck_assert_int_eq(supply_create(SHOPPER, 10 * COIN, &s), W3W_OK);
	ck_assert_int_eq(order_create(BUYER, 4 * COIN, 1, order), W3W_OK);
	ck_assert_int_eq(claim(order, SHOPPER, &c), W3W_OK);

	ck_assert_int_eq(supply_update(s.id, SHOPPER, 1, 3 * COIN, 0, &got), W3W_ECONFLICT);
	ck_assert_int_eq(supply_update(s.id, SHOPPER, 1, 4 * COIN, 0, &got), W3W_OK);
	ck_assert_int_eq(got.reserved, 4 * COIN);
	ck_assert_int_eq(supply_delete(s.id, SHOPPER, &got), W3W_ECONFLICT);
	ck_assert_int_eq(st->market->supply_get(st, s.id, &got), W3W_OK);
	ck_assert_int_eq(got.status, W3W_SUPPLY_ACTIVE);

	ck_assert_int_eq(claim_release(c.id, NULL), W3W_OK);
	ck_assert_int_eq(supply_delete(s.id, SHOPPER, &got), W3W_OK);
	check_invariants();
}
END_TEST

START_TEST(test_supply_list_paging)
{
	w3w_supply s[8];
	w3w_storage_query q = { SHOPPER, 0, 2, "" };
	w3w_supply_page *page = NULL;
	size_t seen = 0;
	int pages = 0;

	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(supply_create(SHOPPER, (i + 1) * COIN, &s[i]), W3W_OK);
	for (int i = 5; i < 8; i++)
		ck_assert_int_eq(supply_create(SHOPPER2, COIN, &s[i]), W3W_OK);
	ck_assert_int_eq(supply_update(s[1].id, SHOPPER, 0, 0, W3W_SUPPLY_PAUSED, &s[1]),
		W3W_OK);

	do {
		ck_assert_int_eq(st->market->supply_list(st, &q, &page), W3W_OK);
		for (size_t i = 0; i < page->count; i++, seen++) {
			ck_assert_str_eq(page->items[i].id, s[seen].id);
			ck_assert_str_eq(page->items[i].user_id, SHOPPER);
		}
		strcpy(q.after_id, page->next_cursor);
		pages++;
		ck_assert(page->count == 2 || page->next_cursor[0] == '\0');
		w3w_supply_page_free(page);
	} while (q.after_id[0]);
	ck_assert_uint_eq(seen, 5);
	ck_assert_int_eq(pages, 3);

	/* Exactly `limit` rows left: the last page says so (no empty extra page). */
	q.limit = 5;
	q.after_id[0] = '\0';
	ck_assert_int_eq(st->market->supply_list(st, &q, &page), W3W_OK);
	ck_assert_uint_eq(page->count, 5);
	ck_assert_str_eq(page->next_cursor, "");
	w3w_supply_page_free(page);

	q.status = W3W_SUPPLY_PAUSED;
	ck_assert_int_eq(st->market->supply_list(st, &q, &page), W3W_OK);
	ck_assert_uint_eq(page->count, 1);
	ck_assert_str_eq(page->items[0].id, s[1].id);
	w3w_supply_page_free(page);

	q.user_id[0] = '\0';
	q.status = W3W_SUPPLY_ACTIVE;
	q.limit = 100;
	ck_assert_int_eq(st->market->supply_list(st, &q, &page), W3W_OK);
	ck_assert_uint_eq(page->count, 7);
	w3w_supply_page_free(page);

	q.status = 0;
	ck_assert_int_eq(st->market->supply_list(st, &q, &page), W3W_OK);
	ck_assert_uint_eq(page->count, 8);
	w3w_supply_page_free(page);

	q.limit = 0;
	ck_assert_int_eq(st->market->supply_list(st, &q, &page), W3W_EINVAL);
	ck_assert_ptr_null(page);
}
END_TEST

/* ---- orders --------------------------------------------------------------- */

START_TEST(test_order_create_get_cancel)
{
	w3w_order *o = NULL;
	char id[W3W_ID_SIZE], id2[W3W_ID_SIZE];
	int64_t events, audits;

	/* No account at all counts as zero funds; nothing is written, the key neither. */
	events = outbox_total();
	audits = audit_unsealed();
	ck_assert_int_eq(order_create_in(st, BUYER, COIN, 3, "key-1", 5, id, NULL), W3W_EINSUFFICIENT);
	ck_assert_int_eq(outbox_total(), events);
	ck_assert_int_eq(audit_unsealed(), audits);

	ck_assert_int_eq(deposit(BUYER, 10 * COIN), W3W_OK);
	/* The same request runs for real now. 3 items: 1x + 2x + 3x price = 6 price. */
	ck_assert_int_eq(order_create_in(st, BUYER, COIN, 3, "key-1", 5, id, &o), W3W_OK);
	ck_assert_int_eq(o->amount, 6 * COIN);
	ck_assert_int_eq(o->status, W3W_ORDER_OPEN);
	ck_assert_uint_eq(o->item_count, 3);
	ck_assert_str_eq(o->items[0].product_name, "product 0");
	ck_assert_str_eq(o->items[2].product_name, "product 2");
	ck_assert_int_eq(o->items[2].quantity, 3);
	w3w_order_free(o);
	ck_assert_int_eq(account_of(BUYER).held, 6 * COIN);
	ck_assert_int_eq(account_of(BUYER).available, 4 * COIN);

	/* 5 more would exceed the available 4: refused, no order row. */
	events = outbox_total();
	ck_assert_int_eq(order_create(BUYER, 5 * COIN, 1, id2), W3W_EINSUFFICIENT);
	ck_assert_int_eq(outbox_total(), events);
	ck_assert_int_eq(account_of(BUYER).held, 6 * COIN);

	ck_assert_int_eq(st->market->order_get(st, id, &o), W3W_OK);
	ck_assert_uint_eq(o->item_count, 3);
	ck_assert_int_eq(o->items[1].price, COIN);
	w3w_order_free(o);
	o = (w3w_order *)1;
	ck_assert_int_eq(st->market->order_get(st, "01900000-0000-7000-8000-0000000fffff", &o), W3W_ENOTFOUND);
	ck_assert_ptr_null(o);

	ck_assert_int_eq(order_cancel(id, SHOPPER, 0, NULL), W3W_EFORBIDDEN);
	ck_assert_int_eq(order_cancel("01900000-0000-7000-8000-0000000fffff", BUYER, 0, NULL), W3W_ENOTFOUND);
	ck_assert_int_eq(order_cancel(id, ADMIN, 1, &o), W3W_OK);
	ck_assert_int_eq(o->status, W3W_ORDER_CANCELLED);
	ck_assert_uint_eq(o->item_count, 3);
	w3w_order_free(o);
	ck_assert_int_eq(account_of(BUYER).held, 0);
	ck_assert_int_eq(order_cancel(id, BUYER, 0, NULL), W3W_ESTATE);
	check_invariants();
}
END_TEST

START_TEST(test_order_cancel_claimed_and_completed)
{
	char id[W3W_ID_SIZE];
	w3w_order *o = NULL;
	w3w_claim c;

	ck_assert_int_eq(deposit(BUYER, 10 * COIN), W3W_OK);
	ck_assert_int_eq(supply_create(SHOPPER, 10 * COIN, NULL), W3W_OK);
	ck_assert_int_eq(order_create(BUYER, COIN, 1, id), W3W_OK);
	ck_assert_int_eq(claim(id, SHOPPER, &c), W3W_OK);
	ck_assert_int_eq(order_cancel(id, BUYER, 0, &o), W3W_ECONFLICT);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "already claimed"));
	ck_assert_ptr_null(o);
	ck_assert_int_eq(claim_process(c.id, NULL, NULL), W3W_OK);
	ck_assert_int_eq(order_cancel(id, BUYER, 0, NULL), W3W_ESTATE);
	check_invariants();
}
END_TEST

START_TEST(test_order_list_filters)
{
	char ids[6][W3W_ID_SIZE];
	w3w_storage_query q = { "", W3W_ORDER_OPEN, 100, "" };
	w3w_order_page *page = NULL;

	ck_assert_int_eq(deposit(BUYER, 100 * COIN), W3W_OK);
	ck_assert_int_eq(deposit(BUYER2, 100 * COIN), W3W_OK);
	ck_assert_int_eq(supply_create(SHOPPER, 100 * COIN, NULL), W3W_OK);
	for (int i = 0; i < 6; i++)
		ck_assert_int_eq(order_create(i < 4 ? BUYER : BUYER2, COIN, 1, ids[i]), W3W_OK);
	ck_assert_int_eq(claim(ids[1], SHOPPER, NULL), W3W_OK);
	ck_assert_int_eq(order_cancel(ids[2], BUYER, 0, NULL), W3W_OK);

	ck_assert_int_eq(st->market->order_list(st, &q, &page), W3W_OK);
	ck_assert_uint_eq(page->count, 4);
	ck_assert_str_eq(page->items[0].id, ids[0]);
	ck_assert_str_eq(page->items[1].id, ids[3]);
	ck_assert_ptr_null(page->items[0].items);
	w3w_order_page_free(page);

	strcpy(q.user_id, BUYER);
	ck_assert_int_eq(st->market->order_list(st, &q, &page), W3W_OK);
	ck_assert_uint_eq(page->count, 2);
	w3w_order_page_free(page);

	q.status = W3W_ORDER_CLAIMED;
	ck_assert_int_eq(st->market->order_list(st, &q, &page), W3W_OK);
	ck_assert_uint_eq(page->count, 1);
	ck_assert_str_eq(page->items[0].id, ids[1]);
	w3w_order_page_free(page);

	q.status = 0;
	q.limit = 3;
	ck_assert_int_eq(st->market->order_list(st, &q, &page), W3W_OK);
	ck_assert_uint_eq(page->count, 3);
	ck_assert_str_eq(page->next_cursor, ids[2]);
	strcpy(q.after_id, page->next_cursor);
	w3w_order_page_free(page);
	ck_assert_int_eq(st->market->order_list(st, &q, &page), W3W_OK);
	ck_assert_uint_eq(page->count, 1);
	ck_assert_str_eq(page->items[0].id, ids[3]);
	ck_assert_str_eq(page->next_cursor, "");
	w3w_order_page_free(page);

	q.user_id[0] = '\0';
	q.after_id[0] = '\0';
	q.status = W3W_ORDER_CANCELLED;
	q.limit = 10;
	ck_assert_int_eq(st->market->order_list(st, &q, &page), W3W_OK);
	ck_assert_uint_eq(page->count, 1);
	w3w_order_page_free(page);
}
END_TEST

/* ---- claims --------------------------------------------------------------- */

START_TEST(test_claim_refusals)
{
	char id[W3W_ID_SIZE], owner[W3W_ID_SIZE];
	w3w_supply s, got;
	w3w_claim c;
	int64_t events, audits;

	ck_assert_int_eq(deposit(BUYER, 10 * COIN), W3W_OK);
	ck_assert_int_eq(order_create(BUYER, 2 * COIN, 1, id), W3W_OK);

	ck_assert_int_eq(claim("01900000-0000-7000-8000-0000000fffff", SHOPPER, &c), W3W_ENOTFOUND);
	ck_assert_int_eq(claim(id, BUYER, &c), W3W_EFORBIDDEN);

	/* No supply, then too small, paused or in another currency: insufficient; nothing applied. */
	events = outbox_total();
	audits = audit_unsealed();
	ck_assert_int_eq(claim(id, SHOPPER, &c), W3W_EINSUFFICIENT);
	ck_assert_int_eq(supply_create(SHOPPER, COIN, &s), W3W_OK);
	ck_assert_int_eq(supply_create_in(st, SHOPPER, "BTC", 10 * COIN, NULL), W3W_OK);
	events += 2;
	audits += 2;
	ck_assert_int_eq(claim(id, SHOPPER, &c), W3W_EINSUFFICIENT);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), id));
	ck_assert_int_eq(supply_update(s.id, SHOPPER, 1, 5 * COIN, W3W_SUPPLY_PAUSED, &got),
		W3W_OK);
	events++;
	audits++;
	ck_assert_int_eq(claim(id, SHOPPER, &c), W3W_EINSUFFICIENT);
	ck_assert_int_eq(order_status(id), W3W_ORDER_OPEN);
	ck_assert_int_eq(st->market->supply_get(st, s.id, &got), W3W_OK);
	ck_assert_int_eq(got.reserved, 0);
	ck_assert_int_eq(outbox_total(), events);
	ck_assert_int_eq(audit_unsealed(), audits);
	ck_assert_int_eq(st->market->claim_get_live(st, id, &c), W3W_ENOTFOUND);

	/* Active again: the claim goes through and reports the order's owner. */
	ck_assert_int_eq(supply_update(s.id, SHOPPER, 0, 0, W3W_SUPPLY_ACTIVE, &got), W3W_OK);
	ck_assert_int_eq(claim_in(st, id, SHOPPER, NULL, &c, owner), W3W_OK);
	ck_assert_str_eq(owner, BUYER);
	ck_assert_str_eq(c.supply_id, s.id);

	/* Already claimed: conflict, with a message naming the order. */
	ck_assert_int_eq(supply_create(SHOPPER2, 10 * COIN, NULL), W3W_OK);
	ck_assert_int_eq(claim(id, SHOPPER2, &c), W3W_ECONFLICT);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), id));
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "already claimed"));
	/* Own order stays forbidden whatever its state. */
	ck_assert_int_eq(claim(id, BUYER, &c), W3W_EFORBIDDEN);

	/* A cancelled order is the wrong state. */
	ck_assert_int_eq(order_create(BUYER, COIN, 1, id), W3W_OK);
	ck_assert_int_eq(order_cancel(id, BUYER, 0, NULL), W3W_OK);
	ck_assert_int_eq(claim(id, SHOPPER2, &c), W3W_ESTATE);
	check_invariants();
}
END_TEST

START_TEST(test_claim_process_settles)
{
	char id[W3W_ID_SIZE];
	w3w_supply s, got;
	w3w_claim c, done, live;
	w3w_transfer settlement, t;
	w3w_order *o = NULL;

	ck_assert_int_eq(deposit(BUYER, 10 * COIN), W3W_OK);
	ck_assert_int_eq(supply_create(SHOPPER, 5 * COIN, &s), W3W_OK);
	ck_assert_int_eq(order_create(BUYER, 3 * COIN, 1, id), W3W_OK);
	ck_assert_int_eq(claim(id, SHOPPER, &c), W3W_OK);
	ck_assert_int_eq(c.status, W3W_CLAIM_PENDING);
	ck_assert_str_eq(c.order_id, id);
	ck_assert_str_eq(c.user_id, SHOPPER);
	ck_assert_str_eq(c.supply_id, s.id);
	ck_assert_int_eq(c.processed_at, 0);
	ck_assert_int_eq(c.released_at, 0);
	ck_assert_int_eq(order_status(id), W3W_ORDER_CLAIMED);
	ck_assert_int_eq(st->market->supply_get(st, s.id, &got), W3W_OK);
	ck_assert_int_eq(got.reserved, 3 * COIN);
	ck_assert_int_eq(st->market->claim_get(st, c.id, &live), W3W_OK);
	ck_assert_mem_eq(&live, &c, sizeof(c));
	ck_assert_int_eq(st->market->claim_get_live(st, id, &live), W3W_OK);
	ck_assert_str_eq(live.id, c.id);
	check_invariants();

	ck_assert_int_eq(claim_process(c.id, &done, &settlement), W3W_OK);
	ck_assert_int_eq(done.status, W3W_CLAIM_PROCESSED);
	ck_assert_int_gt(done.processed_at, 0);
	ck_assert_str_eq(done.supply_id, s.id);
	ck_assert_str_eq(settlement.from_user_id, BUYER);
	ck_assert_str_eq(settlement.to_user_id, SHOPPER);
	ck_assert_str_eq(settlement.reference, c.id);
	ck_assert_int_eq(settlement.amount, 3 * COIN);
	ck_assert_int_eq(settlement.kind, W3W_TRANSFER_SETTLEMENT);

	ck_assert_int_eq(account_of(BUYER).balance, 7 * COIN);
	ck_assert_int_eq(account_of(BUYER).held, 0);
	ck_assert_int_eq(account_of(SHOPPER).balance, 3 * COIN);
	ck_assert_int_eq(st->market->supply_get(st, s.id, &got), W3W_OK);
	ck_assert_int_eq(got.amount, 2 * COIN);
	ck_assert_int_eq(got.reserved, 0);
	ck_assert_int_eq(got.status, W3W_SUPPLY_ACTIVE);
	ck_assert_int_eq(st->market->order_get(st, id, &o), W3W_OK);
	ck_assert_int_eq(o->status, W3W_ORDER_COMPLETED);
	w3w_order_free(o);
	/* The processed claim is still the order's live claim. */
	ck_assert_int_eq(st->market->claim_get_live(st, id, &live), W3W_OK);
	ck_assert_int_eq(live.status, W3W_CLAIM_PROCESSED);

	ck_assert_int_eq(claim_process(c.id, &done, NULL), W3W_ESTATE);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "processed"));
	ck_assert_int_eq(claim_release(c.id, NULL), W3W_ESTATE);
	ck_assert_int_eq(claim_process("01900000-0000-7000-8000-0000000fffff", &done, NULL), W3W_ENOTFOUND);
	ck_assert_int_eq(claim_release("01900000-0000-7000-8000-0000000fffff", NULL), W3W_ENOTFOUND);
	ck_assert_int_eq(claim(id, SHOPPER2, NULL), W3W_ECONFLICT);
	ck_assert_int_eq(account_of(BUYER).balance, 7 * COIN);
	check_invariants();

	/* The settled funds are the shopper's to move. */
	ck_assert_int_eq(do_transfer(st, W3W_TRANSFER_TRANSFER, SHOPPER, BUYER, 3 * COIN, "", NULL, &t), W3W_OK);
	check_invariants();
}
END_TEST

START_TEST(test_claim_process_exhausts_supply)
{
	char id[W3W_ID_SIZE];
	w3w_supply s, got;
	w3w_claim c;

	ck_assert_int_eq(deposit(BUYER, 10 * COIN), W3W_OK);
	ck_assert_int_eq(supply_create(SHOPPER, 2 * COIN, &s), W3W_OK);
	ck_assert_int_eq(order_create(BUYER, 2 * COIN, 1, id), W3W_OK);
	ck_assert_int_eq(claim(id, SHOPPER, &c), W3W_OK);
	ck_assert_int_eq(claim_process(c.id, NULL, NULL), W3W_OK);
	ck_assert_int_eq(st->market->supply_get(st, s.id, &got), W3W_OK);
	ck_assert_int_eq(got.amount, 0);
	ck_assert_int_eq(got.status, W3W_SUPPLY_EXHAUSTED);
	/* Exhausted supplies do not take claims. */
	ck_assert_int_eq(order_create(BUYER, COIN, 1, id), W3W_OK);
	ck_assert_int_eq(claim(id, SHOPPER, NULL), W3W_EINSUFFICIENT);
	check_invariants();
}
END_TEST

START_TEST(test_claim_picks_oldest_supply_with_room)
{
	char id[W3W_ID_SIZE];
	w3w_supply small, big, bigger;
	w3w_claim c;

	ck_assert_int_eq(deposit(BUYER, 100 * COIN), W3W_OK);
	ck_assert_int_eq(supply_create(SHOPPER, 1 * COIN, &small), W3W_OK);
	ck_assert_int_eq(supply_create(SHOPPER, 5 * COIN, &big), W3W_OK);
	ck_assert_int_eq(supply_create(SHOPPER, 50 * COIN, &bigger), W3W_OK);
	ck_assert_int_eq(order_create(BUYER, 3 * COIN, 1, id), W3W_OK);
	ck_assert_int_eq(claim(id, SHOPPER, &c), W3W_OK);
	ck_assert_str_eq(c.supply_id, big.id);
	/* big has 2 left: the next 3 goes to bigger; a 1 fits small (oldest). */
	ck_assert_int_eq(order_create(BUYER, 3 * COIN, 1, id), W3W_OK);
	ck_assert_int_eq(claim(id, SHOPPER, &c), W3W_OK);
	ck_assert_str_eq(c.supply_id, bigger.id);
	ck_assert_int_eq(order_create(BUYER, COIN, 1, id), W3W_OK);
	ck_assert_int_eq(claim(id, SHOPPER, &c), W3W_OK);
	ck_assert_str_eq(c.supply_id, small.id);
	check_invariants();
}
END_TEST

START_TEST(test_claim_release_and_reclaim)
{
	char id[W3W_ID_SIZE];
	w3w_supply s, s2, got;
	w3w_claim c, r, c2, old;

	ck_assert_int_eq(deposit(BUYER, 10 * COIN), W3W_OK);
	ck_assert_int_eq(supply_create(SHOPPER, 5 * COIN, &s), W3W_OK);
	ck_assert_int_eq(supply_create(SHOPPER2, 5 * COIN, &s2), W3W_OK);
	ck_assert_int_eq(order_create(BUYER, 4 * COIN, 1, id), W3W_OK);
	ck_assert_int_eq(claim(id, SHOPPER, &c), W3W_OK);

	ck_assert_int_eq(claim_release(c.id, &r), W3W_OK);
	ck_assert_int_eq(r.status, W3W_CLAIM_RELEASED);
	ck_assert_int_gt(r.released_at, 0);
	ck_assert_int_eq(order_status(id), W3W_ORDER_OPEN);
	ck_assert_int_eq(account_of(BUYER).held, 4 * COIN); /* escrow stays */
	ck_assert_int_eq(st->market->supply_get(st, s.id, &got), W3W_OK);
	ck_assert_int_eq(got.reserved, 0);
	ck_assert_int_eq(st->market->claim_get_live(st, id, &old), W3W_ENOTFOUND);
	ck_assert_int_eq(claim_release(c.id, &r), W3W_ESTATE);
	ck_assert_int_eq(claim_process(c.id, &r, NULL), W3W_ESTATE);
	check_invariants();

	ck_assert_int_eq(claim(id, SHOPPER2, &c2), W3W_OK);
	ck_assert_str_eq(c2.supply_id, s2.id);
	/* The released claim stays on record. */
	ck_assert_int_eq(st->market->claim_get(st, c.id, &old), W3W_OK);
	ck_assert_int_eq(old.status, W3W_CLAIM_RELEASED);
	ck_assert_int_eq(claim_process(c2.id, NULL, NULL), W3W_OK);
	ck_assert_int_eq(account_of(SHOPPER2).balance, 4 * COIN);
	ck_assert_int_eq(account_of(SHOPPER).balance, 0);
	check_invariants();
}
END_TEST

START_TEST(test_refused_claim_leaves_nothing)
{
	char id[W3W_ID_SIZE];
	w3w_claim c;
	w3w_supply s, got;
	w3w_ledger_totals before, after;
	int64_t events, audits;

	ck_assert_int_eq(deposit(BUYER, 10 * COIN), W3W_OK);
	ck_assert_int_eq(order_create(BUYER, 5 * COIN, 1, id), W3W_OK);
	ck_assert_int_eq(supply_create(SHOPPER, 4 * COIN, &s), W3W_OK);
	ck_assert_int_eq(st->market->ledger_totals(st, "USDT", &before), W3W_OK);
	events = outbox_total();
	audits = audit_unsealed();

	/* The order UPDATE ran before the supply was found short: all of it is rolled back. */
	ck_assert_int_eq(claim_in(st, id, SHOPPER, "key-1", &c, NULL), W3W_EINSUFFICIENT);
	ck_assert_int_eq(order_status(id), W3W_ORDER_OPEN);
	ck_assert_int_eq(st->market->supply_get(st, s.id, &got), W3W_OK);
	ck_assert_int_eq(got.reserved, 0);
	ck_assert_int_eq(outbox_total(), events);
	ck_assert_int_eq(audit_unsealed(), audits);
	ck_assert_int_eq(st->market->ledger_totals(st, "USDT", &after), W3W_OK);
	ck_assert_mem_eq(&before, &after, sizeof(before));

	/* The key was not stored: the same request runs for real once the supply is there. */
	ck_assert_int_eq(supply_update(s.id, SHOPPER, 1, 5 * COIN, 0, &got), W3W_OK);
	ck_assert_int_eq(claim_in(st, id, SHOPPER, "key-1", &c, NULL), W3W_OK);
	ck_assert_int_eq(order_status(id), W3W_ORDER_CLAIMED);
}
END_TEST

START_TEST(test_idempotent_replay_and_mismatch)
{
	w3w_cmd_transfer cmd, again;
	w3w_transfer first, second;
	int64_t events, audits;
	char owner[W3W_ID_SIZE];

	memset(&cmd, 0, sizeof(cmd));
	new_id(cmd.t.id);
	meta_init(&cmd.meta, ADMIN, "dep-1", 0x11, "wallet.deposited", cmd.t.id);
	cmd.t.kind = W3W_TRANSFER_DEPOSIT;
	strcpy(cmd.t.from_user_id, W3W_EXTERNAL_USER_ID);
	strcpy(cmd.t.to_user_id, BUYER);
	strcpy(cmd.t.currency, "USDT");
	cmd.t.amount = 10 * COIN;
	strcpy(cmd.t.reference, "ref-1");
	cmd.t.created_at = cmd.meta.now;
	ck_assert_int_eq(st->market->transfer(st, &cmd, &first), W3W_OK);
	ck_assert_int_eq(cmd.meta.replayed, 0);
	events = outbox_total();
	audits = audit_unsealed();

	/* Retry: core built new ids, but the key and request hash are the same. */
	again = cmd;
	new_id(again.t.id);
	new_id(again.meta.event.id);
	again.meta.now = tick();
	ck_assert_int_eq(st->market->transfer(st, &again, &second), W3W_OK);
	ck_assert_int_eq(again.meta.replayed, 1);
	ck_assert_mem_eq(&first, &second, sizeof(first));
	ck_assert_int_eq(outbox_total(), events);
	ck_assert_int_eq(audit_unsealed(), audits);
	ck_assert_int_eq(account_of(BUYER).balance, 10 * COIN);

	/* Same key, different request. */
	again.meta.idem_hash[0] ^= 1;
	again.meta.replayed = 0;
	ck_assert_int_eq(st->market->transfer(st, &again, &second), W3W_EIDEMPOTENCY);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "dep-1"));
	ck_assert_int_eq(account_of(BUYER).balance, 10 * COIN);

	/* The scope is (actor, key): another actor may use the same key. */
	again = cmd;
	new_id(again.t.id);
	new_id(again.meta.event.id); /* core makes new event and audit ids for every call */
	new_id(again.meta.audit.id);
	strcpy(again.t.reference, "ref-2");
	strcpy(again.meta.actor_id, SHOPPER);
	ck_assert_int_eq(st->market->transfer(st, &again, &second), W3W_OK);
	ck_assert_int_eq(again.meta.replayed, 0);
	ck_assert_int_eq(account_of(BUYER).balance, 20 * COIN);

	/* Expired: the key is overwritten and the (different) request runs. */
	again = cmd;
	new_id(again.t.id);
	new_id(again.meta.event.id); /* core makes new event and audit ids for every call */
	new_id(again.meta.audit.id);
	strcpy(again.t.reference, "ref-3");
	again.meta.idem_hash[0] ^= 2;
	again.meta.now = cmd.meta.idem_expires_at;
	again.meta.idem_expires_at = again.meta.now + 1000;
	ck_assert_int_eq(st->market->transfer(st, &again, &second), W3W_OK);
	ck_assert_int_eq(again.meta.replayed, 0);
	ck_assert_int_eq(account_of(BUYER).balance, 30 * COIN);

	/* Claims replay with their order owner; orders replay with their items. */
	{
		char id[W3W_ID_SIZE];
		w3w_claim c1, c2;
		w3w_order *o1 = NULL, *o2 = NULL;
		ck_assert_int_eq(supply_create(SHOPPER, 10 * COIN, NULL), W3W_OK);
		ck_assert_int_eq(order_create_in(st, BUYER, COIN, 2, "ord-1", 0x22, id, &o1), W3W_OK);
		ck_assert_int_eq(order_create_in(st, BUYER, COIN, 2, "ord-1", 0x22, NULL, &o2), W3W_OK);
		ck_assert_str_eq(o1->id, o2->id);
		ck_assert_uint_eq(o2->item_count, 2);
		ck_assert_str_eq(o1->items[1].id, o2->items[1].id);
		w3w_order_free(o1);
		w3w_order_free(o2);
		ck_assert_int_eq(account_of(BUYER).held, 3 * COIN);
		ck_assert_int_eq(order_create_in(st, BUYER, COIN, 2, "ord-1", 0x23, NULL, NULL), W3W_EIDEMPOTENCY);

		ck_assert_int_eq(claim_in(st, id, SHOPPER, "claim-1", &c1, NULL), W3W_OK);
		ck_assert_int_eq(claim_in(st, id, SHOPPER, "claim-1", &c2, owner), W3W_OK);
		ck_assert_str_eq(c1.id, c2.id);
		ck_assert_str_eq(owner, BUYER);
	}

	/* purge_expired deletes only expired keys. */
	{
		int64_t deleted = -1;
		ck_assert_int_eq(st->market->purge_expired(st, tick(), &deleted), W3W_OK);
		ck_assert_int_eq(deleted, 0);
		ck_assert_int_eq(st->market->purge_expired(st, tick() + 2 * 3600LL * 1000000, &deleted), W3W_OK);
		ck_assert_int_eq(deleted, 4);
		ck_assert_int_eq(st->market->purge_expired(st, tick() + 2 * 3600LL * 1000000, NULL), W3W_OK);
	}
	check_invariants();
}
END_TEST

/* ---- outbox --------------------------------------------------------------- */


/* Owners, exhaustion at zero, reservations, deletion for good (from the PostgreSQL tests). */
START_TEST(test_supply_owner_status_and_delete)
{
	char shopper[W3W_ID_SIZE], other[W3W_ID_SIZE], buyer[W3W_ID_SIZE], oid[W3W_ID_SIZE];
	w3w_supply s, got;
	w3w_claim c;

	new_id(shopper);
	new_id(other);
	new_id(buyer);
	ck_assert_int_eq(supply_create(shopper, 5 * COIN, &s), W3W_OK);
	ck_assert_int_eq(s.status, W3W_SUPPLY_ACTIVE);
	ck_assert_int_eq(s.reserved, 0);
	ck_assert_int_eq(st->market->supply_get(st, s.id, &got), W3W_OK);
	ck_assert_str_eq(got.user_id, shopper);
	ck_assert_int_eq(got.amount, 5 * COIN);

	ck_assert_int_eq(supply_update(s.id, other, 1, COIN, 0, &got), W3W_ENOTFOUND);
	ck_assert_int_eq(supply_update(s.id, shopper, 1, 0, 0, &got), W3W_OK);
	ck_assert_int_eq(got.status, W3W_SUPPLY_EXHAUSTED);
	ck_assert_int_eq(supply_update(s.id, shopper, 1, 4 * COIN, 0, &got), W3W_OK);
	ck_assert_int_eq(got.status, W3W_SUPPLY_ACTIVE);
	ck_assert_int_eq(supply_update(s.id, shopper, 0, 0, W3W_SUPPLY_PAUSED, &got), W3W_OK);
	ck_assert_int_eq(got.status, W3W_SUPPLY_PAUSED);
	ck_assert_int_eq(got.amount, 4 * COIN);
	ck_assert_int_eq(supply_update(s.id, shopper, 0, 0, W3W_SUPPLY_ACTIVE, &got), W3W_OK);

	/* A live claim reserves 3: lowering below it, or deleting, is a conflict. */
	ck_assert_int_eq(deposit(buyer, 3 * COIN), W3W_OK);
	ck_assert_int_eq(order_create(buyer, 3 * COIN, 1, oid), W3W_OK);
	ck_assert_int_eq(claim(oid, shopper, &c), W3W_OK);
	ck_assert_str_eq(c.supply_id, s.id);
	ck_assert_int_eq(supply_update(s.id, shopper, 1, 2 * COIN, 0, &got), W3W_ECONFLICT);
	ck_assert_int_eq(supply_delete(s.id, shopper, &got), W3W_ECONFLICT);
	ck_assert_int_eq(supply_update(s.id, shopper, 1, 3 * COIN, 0, &got), W3W_OK);
	ck_assert_int_eq(got.reserved, 3 * COIN);
	ck_assert_int_eq(claim_release(c.id, &c), W3W_OK);

	ck_assert_int_eq(supply_delete(s.id, other, &got), W3W_ENOTFOUND);
	ck_assert_int_eq(supply_delete(s.id, shopper, &got), W3W_OK);
	ck_assert_int_eq(got.status, W3W_SUPPLY_DELETED);
	ck_assert_int_eq(supply_delete(s.id, shopper, &got), W3W_ESTATE);
	ck_assert_int_eq(supply_update(s.id, shopper, 1, COIN, 0, &got), W3W_ESTATE);
	ck_assert_int_eq(st->market->supply_get(st, buyer, &got), W3W_ENOTFOUND);
	ck_assert_int_eq(st->market->supply_get(st, "not-a-uuid", &got), W3W_ENOTFOUND);
	check_invariants();
}
END_TEST

TCase *contract_market_tcase(void)
{
	TCase *tc = tcase_create("market");

	tcase_add_test(tc, test_deposit_withdraw_transfer);
	tcase_add_test(tc, test_balance_overflow_refused);
	tcase_add_test(tc, test_supply_lifecycle);
	tcase_add_test(tc, test_supply_owner_status_and_delete);
	tcase_add_test(tc, test_supply_reservations_block_lowering_and_delete);
	tcase_add_test(tc, test_supply_list_paging);
	tcase_add_test(tc, test_order_create_get_cancel);
	tcase_add_test(tc, test_order_cancel_claimed_and_completed);
	tcase_add_test(tc, test_order_list_filters);
	tcase_add_test(tc, test_claim_refusals);
	tcase_add_test(tc, test_claim_process_settles);
	tcase_add_test(tc, test_claim_process_exhausts_supply);
	tcase_add_test(tc, test_claim_picks_oldest_supply_with_room);
	tcase_add_test(tc, test_claim_release_and_reclaim);
	tcase_add_test(tc, test_refused_claim_leaves_nothing);
	tcase_add_test(tc, test_idempotent_replay_and_mismatch);
	return tc;
}

/*
 * The storage contract: what a write hands back besides its out-parameter
 * (the claim's supply and the order's owner in the command, the event's
 * seq), and writes whose out-parameter is NULL.
 */
#include <stdlib.h>
#include <string.h>

#include "contract.h"

/* The one event the outbox holds unsent, taken and acknowledged. */
static int64_t take_one_seq(void)
{
	w3w_event *ev = NULL;
	size_t n = 0;
	int64_t seq;

	ck_assert_int_eq(st->outbox->take(st, 10, 60000, &ev, &n), W3W_OK);
	ck_assert_uint_eq(n, 1);
	seq = ev[0].seq;
	free(ev[0].payload);
	free(ev);
	ck_assert_int_eq(st->outbox->ack(st, &seq, 1), W3W_OK);
	return seq;
}

START_TEST(test_claim_commands_report_supply_and_owner)
{
	char order[W3W_ID_SIZE];
	w3w_cmd_claim_create cc;
	w3w_cmd_claim_release cr;
	w3w_supply small, s;
	w3w_claim c, released;

	ck_assert_int_eq(deposit(BUYER, 10 * COIN), W3W_OK);
	ck_assert_int_eq(order_create(BUYER, 4 * COIN, 1, order), W3W_OK);
	ck_assert_int_eq(supply_create(SHOPPER, COIN, &small), W3W_OK);
	ck_assert_int_eq(supply_create(SHOPPER, 4 * COIN, &s), W3W_OK);

	claim_cmd_init(&cc, order, SHOPPER, NULL);
	ck_assert_int_eq(st->market->claim_create(st, &cc, &c), W3W_OK);
	ck_assert_str_eq(cc.c.supply_id, s.id);   /* the command learns the supply it picked */
	ck_assert_str_eq(c.supply_id, s.id);
	ck_assert_str_eq(cc.order_user_id, BUYER);
	ck_assert_int_eq(c.claimed_at, cc.c.claimed_at);
	ck_assert_int_eq(c.processed_at, 0);

	memset(&cr, 0, sizeof(cr));
	meta_init(&cr.meta, SHOPPER, NULL, 9, "claim.released", c.id);
	strcpy(cr.id, c.id);
	ck_assert_int_eq(st->market->claim_release(st, &cr, &released), W3W_OK);
	ck_assert_str_eq(cr.order_user_id, BUYER);
	ck_assert_int_eq(released.status, W3W_CLAIM_RELEASED);
	ck_assert_int_eq(released.released_at, cr.meta.now);
	ck_assert_int_eq(st->market->claim_get(st, BUYER, &c), W3W_ENOTFOUND);
	check_invariants();
}
END_TEST

START_TEST(test_write_sets_its_event_seq)
{
	w3w_cmd_supply_create cmd;
	w3w_supply s;

	ck_assert_int_eq(supply_create(SHOPPER, COIN, NULL), W3W_OK);
	(void)take_one_seq();
	memset(&cmd, 0, sizeof(cmd));
	new_id(cmd.s.id);
	meta_init(&cmd.meta, SHOPPER, "k-1", 0x11, "supply.created", cmd.s.id);
	strcpy(cmd.s.user_id, SHOPPER);
	strcpy(cmd.s.currency, "USDT");
	cmd.s.amount = 7;
	cmd.s.status = W3W_SUPPLY_ACTIVE;
	cmd.s.created_at = cmd.s.updated_at = cmd.meta.now;
	ck_assert_int_eq(st->market->supply_create(st, &cmd, &s), W3W_OK);
	ck_assert_int_eq(cmd.meta.replayed, 0);
	ck_assert_int_gt(cmd.meta.event.seq, 0);
	ck_assert_int_eq(cmd.meta.event.seq, take_one_seq());
}
END_TEST

/* Every write takes out == NULL when the caller wants only the status. */
START_TEST(test_writes_take_null_out)
{
	char order[W3W_ID_SIZE];
	w3w_cmd_order_create oc;
	w3w_order o, *got = NULL;
	w3w_order_item item;
	w3w_supply s;

	ck_assert_int_eq(deposit(BUYER, 10 * COIN), W3W_OK);
	ck_assert_int_eq(supply_create(SHOPPER, 5 * COIN, NULL), W3W_OK);
	ck_assert_int_eq(supply_create(SHOPPER2, 5 * COIN, &s), W3W_OK);
	ck_assert_int_eq(supply_update(s.id, SHOPPER2, 1, 6 * COIN, 0, NULL), W3W_OK);
	ck_assert_int_eq(supply_update(BUYER, SHOPPER2, 1, COIN, 0, NULL), W3W_ENOTFOUND);

	memset(&o, 0, sizeof(o));
	new_id(o.id);
	strcpy(o.user_id, BUYER);
	strcpy(o.currency, "USDT");
	o.status = W3W_ORDER_OPEN;
	o.amount = COIN;
	memset(&item, 0, sizeof(item));
	new_id(item.id);
	new_id(item.product_id);
	strcpy(item.product_name, "one");
	item.price = COIN;
	item.quantity = 1;
	o.items = &item;
	o.item_count = 1;
	memset(&oc, 0, sizeof(oc));
	meta_init(&oc.meta, BUYER, NULL, 5, "order.created", o.id);
	o.created_at = o.updated_at = oc.meta.now;
	oc.o = &o;
	ck_assert_int_eq(st->market->order_create(st, &oc, NULL), W3W_OK);
	ck_assert_int_eq(account_of(BUYER).held, COIN);
	ck_assert_int_eq(st->market->order_get(st, o.id, &got), W3W_OK);
	ck_assert_uint_eq(got->item_count, 1);
	ck_assert_str_eq(got->items[0].id, item.id);
	w3w_order_free(got);

	ck_assert_int_eq(order_create(BUYER, COIN, 1, order), W3W_OK);
	ck_assert_int_eq(claim(order, SHOPPER, NULL), W3W_OK);
	ck_assert_int_eq(supply_delete(s.id, SHOPPER2, NULL), W3W_OK);
	check_invariants();
}
END_TEST

TCase *contract_commands_tcase(void)
{
	TCase *tc = tcase_create("commands");

	tcase_add_test(tc, test_claim_commands_report_supply_and_owner);
	tcase_add_test(tc, test_write_sets_its_event_seq);
	tcase_add_test(tc, test_writes_take_null_out);
	return tc;
}

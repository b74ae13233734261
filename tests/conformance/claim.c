/* Claims: claim, get, process, release — success paths, refusals, rights. */
#include <stdio.h>
#include <string.h>

#include "harness.h"

/* A buyer with an open order of 10 and a shopper with supply 50. */
typedef struct story {
	w3w_actor buyer, shopper;
	w3w_supply supply;
	char order_id[W3W_ID_SIZE];
} story;

static void story_open(story *s)
{
	h_user(&s->buyer);
	h_user(&s->shopper);
	h_fund(&s->buyer, H.cur, "100");
	h_supply(&s->supply, &s->shopper, H.cur, "50");
	h_order(s->order_id, &s->buyer, H.cur, "10");
}

START_TEST(claim_reserves_supply)
{
	story s;
	w3w_claim c, g;
	w3w_supply sup;
	w3w_time before;
	int64_t outbox;

	story_open(&s);
	outbox = h_outbox_total();
	before = w3w_time_now();
	H_OK(w3w_claim_order(&c, H.ctx, &s.shopper, s.order_id, NULL));
	ck_assert_int_eq(strlen(c.id), 36);
	ck_assert_str_eq(c.order_id, s.order_id);
	ck_assert_str_eq(c.user_id, s.shopper.user_id);
	ck_assert_str_eq(c.supply_id, s.supply.id);
	ck_assert_int_eq(c.status, W3W_CLAIM_PENDING);
	ck_assert_int_ge(c.claimed_at, before - 1000000);
	ck_assert_int_eq(c.processed_at, 0);
	ck_assert_int_eq(c.released_at, 0);
	ck_assert_int_eq(h_outbox_total(), outbox + 1);
	ck_assert_int_eq(h_order_status(s.order_id), W3W_ORDER_CLAIMED);
	H_OK(w3w_supply_get(&sup, H.ctx, &s.shopper, s.supply.id));
	ck_assert_int_eq(sup.reserved, h_amt("10"));
	ck_assert_int_eq(sup.amount, h_amt("50"));

	H_OK(w3w_claim_get(&g, H.ctx, &s.shopper, c.id));
	ck_assert_str_eq(g.id, c.id);
	ck_assert_str_eq(g.order_id, s.order_id);
	ck_assert_str_eq(g.supply_id, s.supply.id);
	ck_assert_int_eq(g.status, W3W_CLAIM_PENDING);
	ck_assert_int_eq(g.claimed_at, c.claimed_at);
	H_OK(w3w_claim_get_by_order(&g, H.ctx, &s.buyer, s.order_id));
	ck_assert_str_eq(g.id, c.id);
}
END_TEST

START_TEST(claim_refusals)
{
	story s;
	w3w_actor poor, rival;
	w3w_claim c;
	char unknown[W3W_ID_SIZE];

	story_open(&s);
	h_user(&poor);
	h_user(&rival);
	h_new_id(unknown);
	H_REFUSED(W3W_EINSUFFICIENT, NULL, w3w_claim_order(&c, H.ctx, &poor, s.order_id, NULL));
	h_supply(NULL, &poor, H.cur, "9.99999999");
	H_REFUSED(W3W_EINSUFFICIENT, NULL, w3w_claim_order(&c, H.ctx, &poor, s.order_id, NULL));
	H_REFUSED(W3W_EFORBIDDEN, NULL, w3w_claim_order(&c, H.ctx, &s.buyer, s.order_id, NULL));
	H_REFUSED(W3W_ENOTFOUND, NULL, w3w_claim_order(&c, H.ctx, &s.shopper, unknown, NULL));
	H_REFUSED(W3W_EINVAL, "id", w3w_claim_order(&c, H.ctx, &s.shopper, "x", NULL));
	H_REFUSED(W3W_EINVAL, "id", w3w_claim_order(&c, H.ctx, &s.shopper, NULL, NULL));

	h_claim(&c, &s.shopper, s.order_id);
	h_supply(NULL, &rival, H.cur, "100");
	H_REFUSED(W3W_ECONFLICT, NULL, w3w_claim_order(&c, H.ctx, &rival, s.order_id, NULL));
	H_REFUSED(W3W_ECONFLICT, NULL, w3w_claim_order(&c, H.ctx, &s.shopper, s.order_id, NULL));
}
END_TEST

START_TEST(claim_get_rights)
{
	story s;
	w3w_actor stranger;
	w3w_claim c, g;
	char unknown[W3W_ID_SIZE];
	w3w_status st;

	story_open(&s);
	h_user(&stranger);
	h_claim(&c, &s.shopper, s.order_id);
	H_OK(w3w_claim_get(&g, H.ctx, &s.shopper, c.id));
	H_OK(w3w_claim_get(&g, H.ctx, &s.buyer, c.id));
	H_OK(w3w_claim_get(&g, H.ctx, &H.admin, c.id));
	H_OK(w3w_claim_get(&g, H.ctx, &H.service, c.id));
	H_OK(w3w_claim_get_by_order(&g, H.ctx, &s.shopper, s.order_id));
	H_OK(w3w_claim_get_by_order(&g, H.ctx, &H.service, s.order_id));

	st = w3w_claim_get(&g, H.ctx, &stranger, c.id);
	ck_assert_msg(st == W3W_ENOTFOUND || st == W3W_EFORBIDDEN, "stranger read a claim: %s", w3w_status_name(st));
	st = w3w_claim_get_by_order(&g, H.ctx, &stranger, s.order_id);
	ck_assert_msg(st == W3W_ENOTFOUND || st == W3W_EFORBIDDEN, "stranger read a claim: %s", w3w_status_name(st));
	st = w3w_claim_get(&g, H.ctx, &H.auditor, c.id);
	ck_assert_msg(st == W3W_ENOTFOUND || st == W3W_EFORBIDDEN, "auditor read a claim: %s", w3w_status_name(st));

	h_new_id(unknown);
	H_EXPECT(W3W_ENOTFOUND, w3w_claim_get(&g, H.ctx, &H.admin, unknown));
	H_EXPECT(W3W_ENOTFOUND, w3w_claim_get_by_order(&g, H.ctx, &H.admin, unknown));
	H_EXPECT(W3W_EINVAL, w3w_claim_get(&g, H.ctx, &H.admin, "zz"));
	H_EXPECT(W3W_EINVAL, w3w_claim_get_by_order(&g, H.ctx, &H.admin, ""));
	H_EXPECT(W3W_EINVAL, w3w_claim_get(NULL, H.ctx, &H.admin, c.id));
}
END_TEST

START_TEST(process_settles_escrow)
{
	story s;
	w3w_claim c, p, g;
	w3w_supply sup;
	w3w_account acc;
	w3w_ledger_totals before, after;
	int64_t outbox;

	story_open(&s);
	h_claim(&c, &s.shopper, s.order_id);
	h_totals(&before, H.cur);
	outbox = h_outbox_total();
	H_OK(w3w_claim_process(&p, H.ctx, &s.buyer, c.id, NULL));
	ck_assert_str_eq(p.id, c.id);
	ck_assert_int_eq(p.status, W3W_CLAIM_PROCESSED);
	ck_assert_int_ge(p.processed_at, c.claimed_at);
	ck_assert_int_eq(p.released_at, 0);
	ck_assert_int_eq(h_outbox_total(), outbox + 1);

	ck_assert_int_eq(h_order_status(s.order_id), W3W_ORDER_COMPLETED);
	h_account(&acc, s.buyer.user_id, H.cur);
	ck_assert_int_eq(acc.balance, h_amt("90"));
	ck_assert_int_eq(acc.held, 0);
	h_account(&acc, s.shopper.user_id, H.cur);
	ck_assert_int_eq(acc.balance, h_amt("10"));
	ck_assert_int_eq(acc.held, 0);
	H_OK(w3w_supply_get(&sup, H.ctx, &s.shopper, s.supply.id));
	ck_assert_int_eq(sup.amount, h_amt("40"));
	ck_assert_int_eq(sup.reserved, 0);
	ck_assert_int_eq(sup.status, W3W_SUPPLY_ACTIVE);
	h_totals(&after, H.cur);
	ck_assert_int_eq(after.balances, before.balances);
	ck_assert_int_eq(after.deposits, before.deposits);
	ck_assert_int_eq(after.escrow, before.escrow - h_amt("10"));

	/* The processed claim stays the order's live claim. */
	H_OK(w3w_claim_get_by_order(&g, H.ctx, &s.shopper, s.order_id));
	ck_assert_str_eq(g.id, c.id);
	ck_assert_int_eq(g.status, W3W_CLAIM_PROCESSED);
	ck_assert_int_eq(g.processed_at, p.processed_at);
}
END_TEST

START_TEST(process_refusals)
{
	story s;
	w3w_actor stranger;
	w3w_claim c, p;
	char unknown[W3W_ID_SIZE];

	story_open(&s);
	h_user(&stranger);
	h_claim(&c, &s.shopper, s.order_id);
	h_new_id(unknown);
	H_REFUSED(W3W_EFORBIDDEN, NULL, w3w_claim_process(&p, H.ctx, &s.shopper, c.id, NULL));
	H_REFUSED(W3W_EFORBIDDEN, NULL, w3w_claim_process(&p, H.ctx, &H.auditor, c.id, NULL));
	{
		h_snapshot a, b;
		w3w_status st;
		h_snap(&a);
		st = w3w_claim_process(&p, H.ctx, &stranger, c.id, NULL);
		ck_assert_msg(st == W3W_EFORBIDDEN || st == W3W_ENOTFOUND, "stranger processed: %s",
			w3w_status_name(st));
		h_snap(&b);
		h_snap_assert_same(&a, &b, "stranger process");
	}
	H_REFUSED(W3W_ENOTFOUND, NULL, w3w_claim_process(&p, H.ctx, &H.admin, unknown, NULL));
	H_REFUSED(W3W_EINVAL, "id", w3w_claim_process(&p, H.ctx, &H.admin, "no", NULL));
	H_OK(w3w_claim_process(&p, H.ctx, &H.service, c.id, NULL));
	H_REFUSED(W3W_ESTATE, NULL, w3w_claim_process(&p, H.ctx, &s.buyer, c.id, NULL));
}
END_TEST

START_TEST(release_reopens_order)
{
	story s;
	w3w_claim c, r, g;
	w3w_supply sup;
	w3w_account acc;
	int64_t outbox;

	story_open(&s);
	h_claim(&c, &s.shopper, s.order_id);
	outbox = h_outbox_total();
	H_OK(w3w_claim_release(&r, H.ctx, &s.shopper, c.id, NULL));
	ck_assert_str_eq(r.id, c.id);
	ck_assert_int_eq(r.status, W3W_CLAIM_RELEASED);
	ck_assert_int_ge(r.released_at, c.claimed_at);
	ck_assert_int_eq(r.processed_at, 0);
	ck_assert_int_eq(h_outbox_total(), outbox + 1);
	ck_assert_int_eq(h_order_status(s.order_id), W3W_ORDER_OPEN);
	h_account(&acc, s.buyer.user_id, H.cur);
	ck_assert_int_eq(acc.held, h_amt("10"));
	H_OK(w3w_supply_get(&sup, H.ctx, &s.shopper, s.supply.id));
	ck_assert_int_eq(sup.reserved, 0);
	ck_assert_int_eq(sup.amount, h_amt("50"));
	/* Released claims stay on record; the order has no live claim. */
	H_OK(w3w_claim_get(&g, H.ctx, &s.shopper, c.id));
	ck_assert_int_eq(g.status, W3W_CLAIM_RELEASED);
	H_EXPECT(W3W_ENOTFOUND, w3w_claim_get_by_order(&g, H.ctx, &s.buyer, s.order_id));
}
END_TEST

START_TEST(release_refusals)
{
	story s;
	w3w_actor stranger;
	w3w_claim c, r;
	char unknown[W3W_ID_SIZE];

	story_open(&s);
	h_user(&stranger);
	h_claim(&c, &s.shopper, s.order_id);
	h_new_id(unknown);
	H_REFUSED(W3W_EFORBIDDEN, NULL, w3w_claim_release(&r, H.ctx, &s.buyer, c.id, NULL));
	H_REFUSED(W3W_EFORBIDDEN, NULL, w3w_claim_release(&r, H.ctx, &H.service, c.id, NULL));
	{
		h_snapshot a, b;
		w3w_status st;
		h_snap(&a);
		st = w3w_claim_release(&r, H.ctx, &stranger, c.id, NULL);
		ck_assert_msg(st == W3W_EFORBIDDEN || st == W3W_ENOTFOUND, "stranger released: %s",
			w3w_status_name(st));
		h_snap(&b);
		h_snap_assert_same(&a, &b, "stranger release");
	}
	H_REFUSED(W3W_ENOTFOUND, NULL, w3w_claim_release(&r, H.ctx, &H.admin, unknown, NULL));
	H_REFUSED(W3W_EINVAL, "id", w3w_claim_release(&r, H.ctx, &s.shopper, "nope", NULL));
	H_OK(w3w_claim_release(&r, H.ctx, &H.admin, c.id, NULL));
	H_REFUSED(W3W_ESTATE, NULL, w3w_claim_release(&r, H.ctx, &s.shopper, c.id, NULL));
	H_REFUSED(W3W_ESTATE, NULL, w3w_claim_process(&r, H.ctx, &s.buyer, c.id, NULL));
}
END_TEST

TCase *conf_claim_tcase(void)
{
	TCase *tc = h_tcase("claim");
	tcase_add_test(tc, claim_reserves_supply);
	tcase_add_test(tc, claim_refusals);
	tcase_add_test(tc, claim_get_rights);
	tcase_add_test(tc, process_settles_escrow);
	tcase_add_test(tc, process_refusals);
	tcase_add_test(tc, release_reopens_order);
	tcase_add_test(tc, release_refusals);
	return tc;
}

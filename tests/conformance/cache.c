/*
 * The cache is never the source of truth: a read after a write sees the
 * write, in the same context and in another context on the same storage.
 */
#include <stdio.h>
#include <string.h>

#include "harness.h"

START_TEST(read_after_write_same_context)
{
	w3w_actor buyer, shopper;
	w3w_supply s, g, u;
	w3w_supply_patch p = W3W_SUPPLY_PATCH_INIT;
	w3w_claim c, r;
	w3w_order *o = NULL;
	w3w_supply_page *page = NULL;
	w3w_list_query q = W3W_LIST_QUERY_INIT;
	char order_id[W3W_ID_SIZE];

	h_user(&buyer);
	h_user(&shopper);
	h_fund(&buyer, H.cur, "100");
	h_supply(&s, &shopper, H.cur, "50");
	/* Fill the cache with reads, then write, then read again. */
	H_OK(w3w_supply_get(&g, H.ctx, &shopper, s.id));
	H_OK(w3w_supply_list(&page, H.ctx, &shopper, &q));
	ck_assert_uint_eq(page->count, 1);
	w3w_supply_page_free(page);
	page = NULL;
	p.set_amount = 1;
	p.amount = h_amt("40");
	H_OK(w3w_supply_update(&u, H.ctx, &shopper, s.id, &p, NULL));
	H_OK(w3w_supply_get(&g, H.ctx, &shopper, s.id));
	ck_assert_int_eq(g.amount, h_amt("40"));
	h_supply(NULL, &shopper, H.cur, "1");
	H_OK(w3w_supply_list(&page, H.ctx, &shopper, &q));
	ck_assert_uint_eq(page->count, 2);
	ck_assert_int_eq(page->items[0].amount, h_amt("40"));
	w3w_supply_page_free(page);

	h_order(order_id, &buyer, H.cur, "10");
	H_OK(w3w_order_get(&o, H.ctx, &shopper, order_id));
	w3w_order_free(o);
	H_EXPECT(W3W_ENOTFOUND, w3w_claim_get_by_order(&c, H.ctx, &buyer, order_id));
	h_claim(&c, &shopper, order_id);
	ck_assert_int_eq(h_order_status(order_id), W3W_ORDER_CLAIMED);
	H_OK(w3w_claim_get_by_order(&r, H.ctx, &buyer, order_id));
	ck_assert_str_eq(r.id, c.id);
	H_OK(w3w_supply_get(&g, H.ctx, &shopper, s.id));
	ck_assert_int_eq(g.reserved, h_amt("10"));
	H_OK(w3w_claim_release(&r, H.ctx, &shopper, c.id, NULL));
	H_EXPECT(W3W_ENOTFOUND, w3w_claim_get_by_order(&r, H.ctx, &buyer, order_id));
	H_OK(w3w_claim_get(&r, H.ctx, &buyer, c.id));
	ck_assert_int_eq(r.status, W3W_CLAIM_RELEASED);
	ck_assert_int_eq(h_order_status(order_id), W3W_ORDER_OPEN);
	H_OK(w3w_supply_get(&g, H.ctx, &shopper, s.id));
	ck_assert_int_eq(g.reserved, 0);
}
END_TEST

/*
 * Two contexts on one storage (two processes of a host, or 2 contexts in
 * one process): a write through B is seen by reads through A, which had
 * cached the old state. docs/design.md: "a cache ... makes reads slower, never
 * wrong".
 */
START_TEST(read_after_write_other_context)
{
	w3w_actor buyer, shopper;
	w3w_ctx *b = h_ctx_open(0);
	w3w_supply s, g, u;
	w3w_supply_patch p = W3W_SUPPLY_PATCH_INIT;
	w3w_claim c, r;
	char order_id[W3W_ID_SIZE];

	h_user(&buyer);
	h_user(&shopper);
	h_fund(&buyer, H.cur, "100");
	h_supply(&s, &shopper, H.cur, "50");
	h_order(order_id, &buyer, H.cur, "10");
	/* A caches the open order, the supply and "no live claim". */
	ck_assert_int_eq(h_order_status(order_id), W3W_ORDER_OPEN);
	H_OK(w3w_supply_get(&g, H.ctx, &shopper, s.id));
	H_EXPECT(W3W_ENOTFOUND, w3w_claim_get_by_order(&r, H.ctx, &buyer, order_id));

	H_OK(w3w_claim_order(&c, b, &shopper, order_id, NULL));
	p.set_amount = 1;
	p.amount = h_amt("45");
	H_OK(w3w_supply_update(&u, b, &shopper, s.id, &p, NULL));

	w3w_ctx_close(b); /* before asserting: a failure must not leak it */

	ck_assert_msg(h_order_status(order_id) == W3W_ORDER_CLAIMED, "stale order read through the other context");
	H_OK(w3w_supply_get(&g, H.ctx, &shopper, s.id));
	ck_assert_msg(g.amount == h_amt("45") && g.reserved == h_amt("10"),
		"stale supply read through the other context (amount %lld, reserved %lld)",
		(long long)g.amount, (long long)g.reserved);
	H_OK(w3w_claim_get_by_order(&r, H.ctx, &buyer, order_id));
	ck_assert_str_eq(r.id, c.id);
}
END_TEST

/*
 * A context on the same storage that never touches the cache: to the cache,
 * its commits are those of a caller killed after COMMIT or whose answer was
 * lost (nobody ran the after-commit invalidation).
 */
static w3w_ctx *blind_ctx(void)
{
	w3w_options o;
	w3w_ctx *ctx = NULL;
	h_options(&o);
	snprintf(o.cache_url, sizeof(o.cache_url), "none:");
	H_OK(w3w_ctx_open(&ctx, &o));
	return ctx;
}

static int first_order_status(const w3w_actor *owner)
{
	w3w_order_page *page = NULL;
	w3w_list_query q = W3W_LIST_QUERY_INIT;
	int status;
	snprintf(q.user_id, sizeof(q.user_id), "%s", owner->user_id); /* the cached page: one owner's */
	H_OK(w3w_order_list(&page, H.ctx, owner, &q));
	ck_assert_uint_ge(page->count, 1);
	status = page->items[0].status;
	w3w_order_page_free(page);
	return status;
}

static w3w_amount supply_reserved(const w3w_actor *shopper, const char *id, int from_list)
{
	w3w_supply g;
	w3w_supply_page *page = NULL;
	w3w_list_query q = W3W_LIST_QUERY_INIT;
	w3w_amount r;
	if (!from_list) {
		H_OK(w3w_supply_get(&g, H.ctx, shopper, id));
		return g.reserved;
	}
	H_OK(w3w_supply_list(&page, H.ctx, shopper, &q));
	ck_assert_uint_eq(page->count, 1);
	r = page->items[0].reserved;
	w3w_supply_page_free(page);
	return r;
}

/* Invalidation follows what committed: one relay round drops every key a commit made stale. */
START_TEST(relay_invalidates_commits_nobody_invalidated)
{
	w3w_actor buyer, shopper;
	w3w_ctx *blind = blind_ctx();
	w3w_supply s;
	w3w_claim c, r;
	w3w_order *cancelled = NULL;
	char order_id[W3W_ID_SIZE], second[W3W_ID_SIZE];

	h_user(&buyer);
	h_user(&shopper);
	h_fund(&buyer, H.cur, "100");
	h_supply(&s, &shopper, H.cur, "50");
	h_order(order_id, &buyer, H.cur, "10");
	/* Everything a claim changes is cached through H.ctx. */
	ck_assert_int_eq(h_order_status(order_id), W3W_ORDER_OPEN);
	ck_assert_int_eq(first_order_status(&buyer), W3W_ORDER_OPEN);
	ck_assert_int_eq(supply_reserved(&shopper, s.id, 0), 0);
	ck_assert_int_eq(supply_reserved(&shopper, s.id, 1), 0);

	H_OK(w3w_claim_order(&c, blind, &shopper, order_id, NULL));
	/* The premise: the cache still holds the old state (what the relay has to repair). */
	ck_assert_int_eq(h_order_status(order_id), W3W_ORDER_OPEN);
	h_pump_all();
	ck_assert_msg(h_order_status(order_id) == W3W_ORDER_CLAIMED, "order:{id} stale after the relay ran");
	ck_assert_msg(first_order_status(&buyer) == W3W_ORDER_CLAIMED, "orders:user:{owner} stale after the relay ran");
	ck_assert_msg(supply_reserved(&shopper, s.id, 0) == h_amt("10"), "supply:{id} stale after the relay ran");
	ck_assert_msg(supply_reserved(&shopper, s.id, 1) == h_amt("10"), "supplies:user:{id} stale after the relay ran");
	H_OK(w3w_claim_get_by_order(&r, H.ctx, &buyer, order_id));
	ck_assert_int_eq(r.status, W3W_CLAIM_PENDING);

	H_OK(w3w_claim_process(&r, blind, &buyer, c.id, NULL));
	h_pump_all();
	ck_assert_int_eq(h_order_status(order_id), W3W_ORDER_COMPLETED);
	H_OK(w3w_claim_get(&r, H.ctx, &shopper, c.id));
	ck_assert_int_eq(r.status, W3W_CLAIM_PROCESSED);
	ck_assert_int_eq(supply_reserved(&shopper, s.id, 0), 0);

	/* An admin cancels someone's order: the owner's list is found through the event alone. */
	h_order(second, &buyer, H.cur, "5");
	ck_assert_int_eq(h_order_status(second), W3W_ORDER_OPEN);
	H_OK(w3w_order_cancel(&cancelled, blind, &H.admin, second, NULL));
	w3w_order_free(cancelled);
	h_pump_all();
	ck_assert_int_eq(h_order_status(second), W3W_ORDER_CANCELLED);
	w3w_ctx_close(blind);
}
END_TEST

/* A retry with the same key replays the first result and invalidates too: the first caller may not have. */
START_TEST(replay_invalidates)
{
	w3w_actor buyer, shopper;
	w3w_ctx *blind = blind_ctx();
	w3w_supply s;
	w3w_claim first, again;
	char order_id[W3W_ID_SIZE];

	h_user(&buyer);
	h_user(&shopper);
	h_fund(&buyer, H.cur, "100");
	h_supply(&s, &shopper, H.cur, "50");
	h_order(order_id, &buyer, H.cur, "10");
	ck_assert_int_eq(h_order_status(order_id), W3W_ORDER_OPEN);
	ck_assert_int_eq(supply_reserved(&shopper, s.id, 0), 0);
	H_OK(w3w_claim_order(&first, blind, &shopper, order_id, "claim-once"));
	ck_assert_int_eq(h_order_status(order_id), W3W_ORDER_OPEN); /* the premise: stale, no relay yet */
	H_OK(w3w_claim_order(&again, H.ctx, &shopper, order_id, "claim-once"));
	ck_assert_str_eq(again.id, first.id);
	ck_assert_msg(h_order_status(order_id) == W3W_ORDER_CLAIMED, "order:{id} stale after a replay");
	ck_assert_msg(supply_reserved(&shopper, s.id, 0) == h_amt("10"), "supply:{id} stale after a replay");
	w3w_ctx_close(blind);
}
END_TEST

/* What only the storage knows travels with the event: the order's owner and the claim's supply. */
START_TEST(claim_events_name_owner_and_supply)
{
	w3w_actor buyer, shopper;
	w3w_subscription *sub = NULL;
	w3w_event *ev = NULL;
	w3w_supply s;
	w3w_claim c;
	char order_id[W3W_ID_SIZE];
	int seen = 0;

	h_user(&buyer);
	h_user(&shopper);
	h_fund(&buyer, H.cur, "100");
	h_supply(&s, &shopper, H.cur, "50");
	h_order(order_id, &buyer, H.cur, "10");
	h_pump_all();
	H_OK(w3w_subscribe(&sub, H.ctx, NULL, NULL, 1024));
	h_claim(&c, &shopper, order_id);
	h_pump_all();
	while (w3w_subscription_next(&ev, sub, 0) == W3W_OK && ev) {
		if (strcmp(ev->type, "order.claimed") == 0 && strcmp(ev->aggregate_id, order_id) == 0) {
			ck_assert_msg(h_contains(ev->payload, "order_user_id") && strstr(ev->payload, buyer.user_id),
				"payload %s lacks the order owner", ev->payload);
			ck_assert_msg(h_contains(ev->payload, "supply_id") && strstr(ev->payload, s.id),
				"payload %s lacks the supply", ev->payload);
			seen++;
		}
		w3w_event_free(ev);
		ev = NULL;
	}
	w3w_unsubscribe(sub);
	ck_assert_int_eq(seen, 1);
}
END_TEST

TCase *conf_cache_tcase(void)
{
	TCase *tc = h_tcase("cache");
	tcase_add_test(tc, read_after_write_same_context);
	tcase_add_test(tc, read_after_write_other_context);
	tcase_add_test(tc, relay_invalidates_commits_nobody_invalidated);
	tcase_add_test(tc, replay_invalidates);
	tcase_add_test(tc, claim_events_name_owner_and_supply);
	return tc;
}

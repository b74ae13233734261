/* Orders: create with items (exact sums, escrow), get, list, cancel — success and refusals. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static const w3w_order_item *find_item(const w3w_order *o, const char *product_id)
{
	for (size_t i = 0; i < o->item_count; i++)
		if (strcmp(o->items[i].product_id, product_id) == 0)
			return &o->items[i];
	return NULL;
}

START_TEST(create_holds_the_exact_sum)
{
	w3w_actor buyer;
	w3w_order_item items[3];
	w3w_order *o = NULL, *g = NULL;
	w3w_account acc;
	int64_t outbox;

	h_user(&buyer);
	h_fund(&buyer, H.cur, "100");
	h_item(&items[0], "0.00000001", W3W_QUANTITY_MAX); /* 0.01 */
	h_item(&items[1], "3333.33333333", 3);             /* does not fit: refused below */
	h_item(&items[2], "19.99", 2);                     /* 39.98 */
	snprintf(items[2].product_name, sizeof(items[2].product_name), "caf\xc3\xa9 \xe2\x98\x95 (UTF-8)");

	H_REFUSED(W3W_EINSUFFICIENT, NULL, w3w_order_create(&o, H.ctx, &buyer, H.cur, items, 3, NULL));
	ck_assert_ptr_null(o);

	items[1].price = h_amt("3.33333333");              /* 9.99999999 */
	outbox = h_outbox_total();
	H_OK(w3w_order_create(&o, H.ctx, &buyer, H.cur, items, 3, NULL));
	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(o->amount, h_amt("49.98999999"));
	ck_assert_int_eq(o->status, W3W_ORDER_OPEN);
	ck_assert_str_eq(o->user_id, buyer.user_id);
	ck_assert_str_eq(o->currency, H.cur);
	ck_assert_int_eq(strlen(o->id), 36);
	ck_assert_uint_eq(o->item_count, 3);
	ck_assert_int_eq(h_outbox_total(), outbox + 1);
	for (int i = 0; i < 3; i++) {
		const w3w_order_item *it = find_item(o, items[i].product_id);
		ck_assert_ptr_nonnull(it);
		ck_assert_int_eq(strlen(it->id), 36);
		ck_assert_str_eq(it->product_name, items[i].product_name);
		ck_assert_int_eq(it->price, items[i].price);
		ck_assert_int_eq(it->quantity, items[i].quantity);
	}
	h_account(&acc, buyer.user_id, H.cur);
	ck_assert_int_eq(acc.balance, h_amt("100"));
	ck_assert_int_eq(acc.held, h_amt("49.98999999"));
	ck_assert_int_eq(acc.available, h_amt("50.01000001"));

	/* Anyone may read it, with its items. */
	{
		w3w_actor stranger;
		h_user(&stranger);
		H_OK(w3w_order_get(&g, H.ctx, &stranger, o->id));
	}
	ck_assert_str_eq(g->id, o->id);
	ck_assert_int_eq(g->amount, o->amount);
	ck_assert_int_eq(g->status, W3W_ORDER_OPEN);
	ck_assert_uint_eq(g->item_count, 3);
	for (int i = 0; i < 3; i++) {
		const w3w_order_item *it = find_item(g, items[i].product_id);
		ck_assert_ptr_nonnull(it);
		ck_assert_str_eq(it->id, find_item(o, items[i].product_id)->id);
		ck_assert_str_eq(it->product_name, items[i].product_name);
		ck_assert_int_eq(it->price, items[i].price);
		ck_assert_int_eq(it->quantity, items[i].quantity);
	}
	w3w_order_free(g);
	w3w_order_free(o);
	w3w_order_free(NULL);
}
END_TEST

START_TEST(create_without_funds)
{
	w3w_actor buyer;
	w3w_order_item item;
	w3w_order *o = NULL;

	h_user(&buyer);
	h_item(&item, "1", 1);
	/* No account at all counts as 0. */
	H_REFUSED(W3W_EINSUFFICIENT, NULL, w3w_order_create(&o, H.ctx, &buyer, H.cur, &item, 1, NULL));
	h_fund(&buyer, H.cur, "0.99999999");
	H_REFUSED(W3W_EINSUFFICIENT, NULL, w3w_order_create(&o, H.ctx, &buyer, H.cur, &item, 1, NULL));
	h_fund(&buyer, H.cur, "0.00000001");
	H_OK(w3w_order_create(&o, H.ctx, &buyer, H.cur, &item, 1, NULL));
	w3w_order_free(o);
	o = NULL;
	H_REFUSED(W3W_EINSUFFICIENT, NULL, w3w_order_create(&o, H.ctx, &buyer, H.cur, &item, 1, NULL));
	ck_assert_ptr_null(o);
}
END_TEST

START_TEST(create_refuses_bad_items)
{
	w3w_actor buyer;
	w3w_order_item items[W3W_ORDER_ITEMS_MAX + 1];
	w3w_order *o = NULL;
	char field[64];

	h_user(&buyer);
	h_fund(&buyer, H.cur, "1000");
	for (int i = 0; i <= W3W_ORDER_ITEMS_MAX; i++)
		h_item(&items[i], "0.1", 1);

	H_REFUSED(W3W_EINVAL, "items", w3w_order_create(&o, H.ctx, &buyer, H.cur, items, 0, NULL));
	H_REFUSED(W3W_EINVAL, "items", w3w_order_create(&o, H.ctx, &buyer, H.cur, NULL, 1, NULL));
	H_REFUSED(W3W_EINVAL, "items", w3w_order_create(&o, H.ctx, &buyer, H.cur, items, W3W_ORDER_ITEMS_MAX + 1, NULL));
	H_REFUSED(W3W_EINVAL, "items", w3w_order_create(&o, H.ctx, &buyer, H.cur, items, (size_t)-1, NULL));
	H_REFUSED(W3W_EINVAL, "currency", w3w_order_create(&o, H.ctx, &buyer, "eur", items, 1, NULL));
	H_REFUSED(W3W_EINVAL, "currency", w3w_order_create(&o, H.ctx, &buyer, NULL, items, 1, NULL));
	H_REFUSED(W3W_EINVAL, NULL, w3w_order_create(NULL, H.ctx, &buyer, H.cur, items, 1, NULL));

	/* Each bad field is named with its index. */
	items[2].price = 0;
	H_REFUSED(W3W_EINVAL, "items[2].price", w3w_order_create(&o, H.ctx, &buyer, H.cur, items, 3, NULL));
	items[2].price = -1;
	H_REFUSED(W3W_EINVAL, "items[2].price", w3w_order_create(&o, H.ctx, &buyer, H.cur, items, 3, NULL));
	items[2].price = W3W_AMOUNT_MAX + 1;
	H_REFUSED(W3W_EINVAL, "items[2].price", w3w_order_create(&o, H.ctx, &buyer, H.cur, items, 3, NULL));
	items[2].price = h_amt("0.1");

	items[1].quantity = 0;
	H_REFUSED(W3W_EINVAL, "items[1].quantity", w3w_order_create(&o, H.ctx, &buyer, H.cur, items, 3, NULL));
	items[1].quantity = -3;
	H_REFUSED(W3W_EINVAL, "items[1].quantity", w3w_order_create(&o, H.ctx, &buyer, H.cur, items, 3, NULL));
	items[1].quantity = W3W_QUANTITY_MAX + 1;
	H_REFUSED(W3W_EINVAL, "items[1].quantity", w3w_order_create(&o, H.ctx, &buyer, H.cur, items, 3, NULL));
	items[1].quantity = 1;

	snprintf(items[0].product_id, sizeof(items[0].product_id), "not-a-uuid");
	H_REFUSED(W3W_EINVAL, "items[0].product_id", w3w_order_create(&o, H.ctx, &buyer, H.cur, items, 3, NULL));
	memset(items[0].product_id, 'f', sizeof(items[0].product_id)); /* no NUL */
	H_REFUSED(W3W_EINVAL, "items[0].product_id", w3w_order_create(&o, H.ctx, &buyer, H.cur, items, 3, NULL));
	h_new_id(items[0].product_id);

	items[0].product_name[0] = '\0';
	H_REFUSED(W3W_EINVAL, "items[0].product_name", w3w_order_create(&o, H.ctx, &buyer, H.cur, items, 3, NULL));
	memset(items[0].product_name, 'n', sizeof(items[0].product_name)); /* 256 bytes, no NUL */
	H_REFUSED(W3W_EINVAL, "items[0].product_name", w3w_order_create(&o, H.ctx, &buyer, H.cur, items, 3, NULL));
	snprintf(items[0].product_name, sizeof(items[0].product_name), "bad \xff\xfe utf-8");
	H_REFUSED(W3W_EINVAL, "items[0].product_name", w3w_order_create(&o, H.ctx, &buyer, H.cur, items, 3, NULL));
	snprintf(items[0].product_name, sizeof(items[0].product_name), "overlong \xc0\xaf slash");
	H_REFUSED(W3W_EINVAL, "items[0].product_name", w3w_order_create(&o, H.ctx, &buyer, H.cur, items, 3, NULL));
	snprintf(items[0].product_name, sizeof(items[0].product_name), "cut \xe2\x98");
	H_REFUSED(W3W_EINVAL, "items[0].product_name", w3w_order_create(&o, H.ctx, &buyer, H.cur, items, 3, NULL));
	/* 255 bytes is the longest name. */
	memset(items[0].product_name, 'n', 255);
	items[0].product_name[255] = '\0';

	/* Index 99 is named too. */
	items[99].quantity = 0;
	snprintf(field, sizeof(field), "items[%d].quantity", 99);
	H_REFUSED(W3W_EINVAL, field, w3w_order_create(&o, H.ctx, &buyer, H.cur, items, 100, NULL));
	items[99].quantity = 1;

	/* price × quantity past the maximum, and a sum past it. */
	items[0].price = W3W_AMOUNT_MAX;
	items[0].quantity = 2;
	H_REFUSED(W3W_EINVAL, "items[0]", w3w_order_create(&o, H.ctx, &buyer, H.cur, items, 1, NULL));
	items[0].price = W3W_AMOUNT_MAX / 2 + 1;
	items[0].quantity = 1;
	items[1].price = W3W_AMOUNT_MAX / 2 + 1;
	H_REFUSED(W3W_EINVAL, NULL, w3w_order_create(&o, H.ctx, &buyer, H.cur, items, 2, NULL));
	items[0].price = INT64_MAX / 2;
	items[0].quantity = W3W_QUANTITY_MAX;
	H_REFUSED(W3W_EINVAL, "items[0]", w3w_order_create(&o, H.ctx, &buyer, H.cur, items, 1, NULL));
	ck_assert_ptr_null(o);

	/* With the name of 255 bytes restored to a sane price, 100 items are accepted. */
	items[0].price = h_amt("0.1");
	items[0].quantity = 1;
	items[1].price = h_amt("0.1");
	H_OK(w3w_order_create(&o, H.ctx, &buyer, H.cur, items, W3W_ORDER_ITEMS_MAX, NULL));
	ck_assert_uint_eq(o->item_count, W3W_ORDER_ITEMS_MAX);
	ck_assert_int_eq(o->amount, h_amt("10"));
	ck_assert_ptr_nonnull(find_item(o, items[0].product_id));
	ck_assert_uint_eq(strlen(find_item(o, items[0].product_id)->product_name), 255);
	w3w_order_free(o);
}
END_TEST

START_TEST(get_refusals)
{
	w3w_actor user;
	w3w_order *o = NULL;
	char unknown[W3W_ID_SIZE];

	h_user(&user);
	h_new_id(unknown);
	H_EXPECT(W3W_ENOTFOUND, w3w_order_get(&o, H.ctx, &user, unknown));
	ck_assert_ptr_null(o);
	H_EXPECT(W3W_EINVAL, w3w_order_get(&o, H.ctx, &user, "0190c2a1-7b3c-7d10-8e2f"));
	H_EXPECT(W3W_EINVAL, w3w_order_get(&o, H.ctx, &user, NULL));
	H_EXPECT(W3W_EINVAL, w3w_order_get(NULL, H.ctx, &user, unknown));
	ck_assert_ptr_null(o);
}
END_TEST

/* w3w_order_get_json prints what w3w_order_get + w3w_order_to_json print: from storage (a miss fills the
 * cache), from the cache (joined from the cached texts: `cached`), and after a write changed the order
 * (its tombstone keeps reads on storage for W3W_CACHE_TOMBSTONE_MS). */
static void same_json(const w3w_actor *reader, const char *order_id, int cached)
{
	w3w_order *o = NULL;
	char *want = NULL, *got = NULL;

	H_OK(w3w_order_get(&o, H.ctx, reader, order_id));
	H_OK(w3w_order_to_json(&want, o));
	for (int i = 0; i < 2; i++) { /* the second read is a cache hit, joined from the cached texts */
		w3w_ctx_stats before, after;
		H_OK(w3w_ctx_stats_get(&before, H.ctx));
		H_OK(w3w_order_get_json(&got, H.ctx, reader, order_id));
		H_OK(w3w_ctx_stats_get(&after, H.ctx));
		ck_assert_str_eq(got, want);
		w3w_string_free(got);
		if (i == 1) {
			ck_assert_uint_eq(after.cache_hits - before.cache_hits, cached ? 2 : 0);
			ck_assert_uint_eq(after.cache_misses - before.cache_misses, cached ? 0 : 2);
		}
	}
	w3w_string_free(want);
	w3w_order_free(o);
}

START_TEST(get_json_is_to_json)
{
	w3w_actor buyer, reader;
	w3w_order_item items[3];
	w3w_order *o = NULL;
	char *got = NULL, unknown[W3W_ID_SIZE];

	h_user(&buyer);
	h_user(&reader);
	h_fund(&buyer, H.cur, "100");
	h_item(&items[0], "0.00000001", W3W_QUANTITY_MAX);
	h_item(&items[1], "3.5", 3);
	h_item(&items[2], "19.99", 2);
	snprintf(items[2].product_name, sizeof(items[2].product_name), "caf\xc3\xa9 \"q\" \\ \xe2\x98\x95");
	H_OK(w3w_order_create(&o, H.ctx, &buyer, H.cur, items, 3, NULL));
	/* Fresh: the first read comes from storage; any user reads it, like w3w_order_get. */
	H_OK(w3w_order_get_json(&got, H.ctx, &reader, o->id));
	ck_assert_ptr_nonnull(strstr(got, "\"items\":[{\"id\":\""));
	w3w_string_free(got);
	same_json(&reader, o->id, 1);
	same_json(&buyer, o->id, 1);
	H_OK(w3w_order_cancel(NULL, H.ctx, &buyer, o->id, NULL)); /* invalidates: the next read sees it */
	same_json(&reader, o->id, 0);
	H_OK(w3w_order_get_json(&got, H.ctx, &reader, o->id));
	ck_assert_ptr_nonnull(strstr(got, "\"status\":\"cancelled\""));
	w3w_string_free(got);
	got = NULL;

	h_new_id(unknown);
	H_EXPECT(W3W_ENOTFOUND, w3w_order_get_json(&got, H.ctx, &reader, unknown));
	ck_assert_ptr_null(got);
	H_EXPECT(W3W_EINVAL, w3w_order_get_json(&got, H.ctx, &reader, "0190c2a1-7b3c-7d10-8e2f"));
	H_EXPECT(W3W_EINVAL, w3w_order_get_json(&got, H.ctx, NULL, o->id));
	H_EXPECT(W3W_EINVAL, w3w_order_get_json(NULL, H.ctx, &reader, o->id));
	ck_assert_ptr_null(got);
	w3w_order_free(o);
}
END_TEST

START_TEST(list_filters)
{
	w3w_actor a, b;
	char oa[3][W3W_ID_SIZE], ob[W3W_ID_SIZE];
	w3w_order_page *page = NULL;
	w3w_list_query q = W3W_LIST_QUERY_INIT;

	h_user(&a);
	h_user(&b);
	h_fund(&a, H.cur, "10");
	h_fund(&b, H.cur, "10");
	for (int i = 0; i < 3; i++)
		h_order(oa[i], &a, H.cur, "1");
	h_order(ob, &b, H.cur, "1");
	H_OK(w3w_order_cancel(NULL, H.ctx, &a, oa[1], NULL));

	snprintf(q.user_id, sizeof(q.user_id), "%s", a.user_id);
	H_OK(w3w_order_list(&page, H.ctx, &b, &q));
	ck_assert_uint_eq(page->count, 3);
	for (int i = 0; i < 3; i++) {
		ck_assert_str_eq(page->items[i].id, oa[i]);
		ck_assert_int_eq(page->items[i].amount, h_amt("1"));
		ck_assert_ptr_null(page->items[i].items);
	}
	ck_assert_str_eq(page->next_cursor, "");
	w3w_order_page_free(page);
	page = NULL;

	q.status = W3W_ORDER_CANCELLED;
	H_OK(w3w_order_list(&page, H.ctx, &a, &q));
	ck_assert_uint_eq(page->count, 1);
	ck_assert_str_eq(page->items[0].id, oa[1]);
	ck_assert_int_eq(page->items[0].status, W3W_ORDER_CANCELLED);
	w3w_order_page_free(page);
	page = NULL;

	q.status = W3W_ORDER_OPEN;
	H_OK(w3w_order_list(&page, H.ctx, &a, &q));
	ck_assert_uint_eq(page->count, 2);
	w3w_order_page_free(page);
	page = NULL;

	q.status = 17;
	H_EXPECT(W3W_EINVAL, w3w_order_list(&page, H.ctx, &a, &q));
	ck_assert_ptr_null(page);
	w3w_order_page_free(NULL);
}
END_TEST

START_TEST(cancel_releases_escrow)
{
	w3w_actor buyer, other;
	char id[W3W_ID_SIZE], id2[W3W_ID_SIZE], unknown[W3W_ID_SIZE];
	w3w_order *o = NULL;
	w3w_account acc;
	int64_t outbox;

	h_user(&buyer);
	h_user(&other);
	h_fund(&buyer, H.cur, "10");
	h_order(id, &buyer, H.cur, "4");
	h_order(id2, &buyer, H.cur, "6");
	h_new_id(unknown);

	H_REFUSED(W3W_EFORBIDDEN, NULL, w3w_order_cancel(&o, H.ctx, &other, id, NULL));
	H_REFUSED(W3W_EFORBIDDEN, NULL, w3w_order_cancel(&o, H.ctx, &H.service, id, NULL));
	H_REFUSED(W3W_ENOTFOUND, NULL, w3w_order_cancel(&o, H.ctx, &buyer, unknown, NULL));
	H_REFUSED(W3W_EINVAL, "id", w3w_order_cancel(&o, H.ctx, &buyer, "nope", NULL));
	ck_assert_ptr_null(o);

	outbox = h_outbox_total();
	H_OK(w3w_order_cancel(&o, H.ctx, &buyer, id, NULL));
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(o->id, id);
	ck_assert_int_eq(o->status, W3W_ORDER_CANCELLED);
	w3w_order_free(o);
	ck_assert_int_eq(h_outbox_total(), outbox + 1);
	h_account(&acc, buyer.user_id, H.cur);
	ck_assert_int_eq(acc.held, h_amt("6"));
	ck_assert_int_eq(acc.balance, h_amt("10"));

	/* Admin may cancel anyone's; out may be NULL. */
	H_OK(w3w_order_cancel(NULL, H.ctx, &H.admin, id2, NULL));
	h_account(&acc, buyer.user_id, H.cur);
	ck_assert_int_eq(acc.held, 0);
	ck_assert_int_eq(h_order_status(id2), W3W_ORDER_CANCELLED);
}
END_TEST

/* Amounts near DECIMAL(18,8)'s maximum survive every backend exactly. */
START_TEST(order_near_the_maximum)
{
	w3w_actor buyer, shopper;
	w3w_order_item item;
	w3w_order *o = NULL, *g = NULL;
	w3w_supply sup, sg;
	w3w_claim c, p;
	w3w_account acc;
	char ref[W3W_ID_SIZE];
	const w3w_amount price = W3W_AMOUNT_MAX / W3W_QUANTITY_MAX; /* 999999999999 units */

	h_user(&buyer);
	h_user(&shopper);
	h_new_id(ref);
	H_OK(w3w_deposit(NULL, H.ctx, &H.service, buyer.user_id, H.cur, W3W_AMOUNT_MAX, ref, NULL));
	H_OK(w3w_supply_create(&sup, H.ctx, &shopper, H.cur, W3W_AMOUNT_MAX, NULL));
	h_item(&item, "1", W3W_QUANTITY_MAX);
	item.price = price;
	H_OK(w3w_order_create(&o, H.ctx, &buyer, H.cur, &item, 1, NULL));
	ck_assert_int_eq(o->amount, price * W3W_QUANTITY_MAX);
	H_OK(w3w_order_get(&g, H.ctx, &buyer, o->id));
	ck_assert_int_eq(g->amount, price * W3W_QUANTITY_MAX);
	ck_assert_int_eq(g->items[0].price, price);
	ck_assert_int_eq(g->items[0].quantity, W3W_QUANTITY_MAX);
	h_account(&acc, buyer.user_id, H.cur);
	ck_assert_int_eq(acc.balance, W3W_AMOUNT_MAX);
	ck_assert_int_eq(acc.held, price * W3W_QUANTITY_MAX);
	h_claim(&c, &shopper, o->id);
	H_OK(w3w_supply_get(&sg, H.ctx, &shopper, sup.id));
	ck_assert_int_eq(sg.amount, W3W_AMOUNT_MAX);
	ck_assert_int_eq(sg.reserved, price * W3W_QUANTITY_MAX);
	H_OK(w3w_claim_process(&p, H.ctx, &buyer, c.id, NULL));
	h_account(&acc, shopper.user_id, H.cur);
	ck_assert_int_eq(acc.balance, price * W3W_QUANTITY_MAX);
	h_account(&acc, buyer.user_id, H.cur);
	ck_assert_int_eq(acc.balance, W3W_AMOUNT_MAX - price * W3W_QUANTITY_MAX);
	ck_assert_int_eq(acc.held, 0);
	H_OK(w3w_supply_get(&sg, H.ctx, &shopper, sup.id));
	ck_assert_int_eq(sg.amount, W3W_AMOUNT_MAX - price * W3W_QUANTITY_MAX);
	w3w_order_free(o);
	w3w_order_free(g);
}
END_TEST

TCase *conf_order_tcase(void)
{
	TCase *tc = h_tcase("order");
	tcase_add_test(tc, create_holds_the_exact_sum);
	tcase_add_test(tc, create_without_funds);
	tcase_add_test(tc, create_refuses_bad_items);
	tcase_add_test(tc, get_refusals);
	tcase_add_test(tc, get_json_is_to_json);
	tcase_add_test(tc, list_filters);
	tcase_add_test(tc, cancel_releases_escrow);
	tcase_add_test(tc, order_near_the_maximum);
	return tc;
}

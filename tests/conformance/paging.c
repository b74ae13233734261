/* Paging by opaque cursor: complete, unique, in id order, stable while rows are added. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define N_ROWS 120

static int in_list(char (*ids)[W3W_ID_SIZE], int n, const char *id)
{
	for (int i = 0; i < n; i++)
		if (strcmp(ids[i], id) == 0)
			return 1;
	return 0;
}

START_TEST(supplies_in_pages_of_50)
{
	w3w_actor shopper;
	char (*created)[W3W_ID_SIZE] = calloc(N_ROWS + 10, W3W_ID_SIZE);
	char (*seen)[W3W_ID_SIZE] = calloc(N_ROWS + 10, W3W_ID_SIZE);
	w3w_list_query q = W3W_LIST_QUERY_INIT;
	int n_seen = 0, pages = 0;
	static const size_t expected_sizes[] = { 50, 50, 20 };

	ck_assert_ptr_nonnull(created);
	ck_assert_ptr_nonnull(seen);
	h_user(&shopper);
	for (int i = 0; i < N_ROWS; i++) {
		w3w_supply s;
		h_supply(&s, &shopper, H.cur, "1");
		memcpy(created[i], s.id, W3W_ID_SIZE);
	}
	q.limit = 50;
	for (;;) {
		w3w_supply_page *page = NULL;
		H_OK(w3w_supply_list(&page, H.ctx, &shopper, &q));
		ck_assert_int_lt(pages, 3);
		ck_assert_uint_eq(page->count, expected_sizes[pages]);
		for (size_t i = 0; i < page->count; i++) {
			const char *id = page->items[i].id;
			ck_assert_str_eq(page->items[i].user_id, shopper.user_id);
			ck_assert_msg(!in_list(seen, n_seen, id), "id %s twice", id);
			if (n_seen > 0)
				ck_assert_msg(strcmp(seen[n_seen - 1], id) < 0, "ids out of order");
			memcpy(seen[n_seen++], id, W3W_ID_SIZE);
		}
		pages++;
		if (page->next_cursor[0] == '\0') {
			w3w_supply_page_free(page);
			break;
		}
		snprintf(q.cursor, sizeof(q.cursor), "%s", page->next_cursor);
		w3w_supply_page_free(page);
	}
	ck_assert_int_eq(pages, 3);
	ck_assert_int_eq(n_seen, N_ROWS);
	/* Oldest first: the order of creation. */
	for (int i = 0; i < N_ROWS; i++)
		ck_assert_str_eq(seen[i], created[i]);

	/* limit 0 means 50. */
	{
		w3w_supply_page *page = NULL;
		w3w_list_query d = W3W_LIST_QUERY_INIT;
		H_OK(w3w_supply_list(&page, H.ctx, &shopper, &d));
		ck_assert_uint_eq(page->count, 50);
		ck_assert_str_ne(page->next_cursor, "");
		w3w_supply_page_free(page);
	}
	free(created);
	free(seen);
}
END_TEST

/* Rows added between pages show up later, none twice, none lost. */
START_TEST(orders_in_pages_while_adding)
{
	w3w_actor buyer;
	w3w_list_query q = W3W_LIST_QUERY_INIT;
	char (*seen)[W3W_ID_SIZE] = calloc(N_ROWS + 10, W3W_ID_SIZE);
	int n_seen = 0, added = 0;

	ck_assert_ptr_nonnull(seen);
	h_user(&buyer);
	h_fund(&buyer, H.cur, "1000");
	for (int i = 0; i < N_ROWS; i++)
		h_order(NULL, &buyer, H.cur, "0.5");
	snprintf(q.user_id, sizeof(q.user_id), "%s", buyer.user_id);
	q.limit = 50;
	for (;;) {
		w3w_order_page *page = NULL;
		H_OK(w3w_order_list(&page, H.ctx, &buyer, &q));
		for (size_t i = 0; i < page->count; i++) {
			ck_assert_msg(!in_list(seen, n_seen, page->items[i].id), "order %s twice", page->items[i].id);
			if (n_seen > 0)
				ck_assert(strcmp(seen[n_seen - 1], page->items[i].id) < 0);
			ck_assert_int_lt(n_seen, N_ROWS + 10);
			memcpy(seen[n_seen++], page->items[i].id, W3W_ID_SIZE);
		}
		if (page->next_cursor[0] == '\0') {
			w3w_order_page_free(page);
			break;
		}
		snprintf(q.cursor, sizeof(q.cursor), "%s", page->next_cursor);
		w3w_order_page_free(page);
		if (!added) {
			for (int i = 0; i < 5; i++)
				h_order(NULL, &buyer, H.cur, "0.5");
			added = 1;
		}
	}
	ck_assert_int_eq(n_seen, N_ROWS + 5);
	free(seen);
}
END_TEST

START_TEST(bad_cursors)
{
	w3w_actor user;
	w3w_list_query q = W3W_LIST_QUERY_INIT;
	w3w_supply_page *sp = NULL;
	w3w_order_page *op = NULL;
	static const char *bad[] = {
		"not a cursor", "!!!!", "0190c2a1-7b3c-7d10-8e2f-1234567890ab-extra", "%00", "\xff\xfe",
	};

	h_user(&user);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(q.cursor, sizeof(q.cursor), "%s", bad[i]);
		w3w_error_clear();
		ck_assert_msg(w3w_supply_list(&sp, H.ctx, &user, &q) == W3W_EINVAL, "supply cursor \"%s\" accepted", bad[i]);
		ck_assert(h_contains(w3w_error_message(), "cursor"));
		ck_assert_ptr_null(sp);
		ck_assert_msg(w3w_order_list(&op, H.ctx, &user, &q) == W3W_EINVAL, "order cursor \"%s\" accepted", bad[i]);
		ck_assert(h_contains(w3w_error_message(), "cursor"));
		ck_assert_ptr_null(op);
	}
	/* A cursor field without its NUL. */
	memset(q.cursor, 'c', sizeof(q.cursor));
	ck_assert_int_eq(w3w_supply_list(&sp, H.ctx, &user, &q), W3W_EINVAL);
	ck_assert_ptr_null(sp);
}
END_TEST

TCase *conf_paging_tcase(void)
{
	TCase *tc = h_tcase("paging");
	tcase_add_test(tc, supplies_in_pages_of_50);
	tcase_add_test(tc, orders_in_pages_while_adding);
	tcase_add_test(tc, bad_cursors);
	return tc;
}

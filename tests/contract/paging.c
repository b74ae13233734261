/* The storage contract: keyset paging by id, with filters by owner and status. */
#include <stdlib.h>
#include <string.h>

#include "contract.h"

START_TEST(test_lists_page_by_id)
{
	char a[W3W_ID_SIZE], b[W3W_ID_SIZE], oid[W3W_ID_SIZE];
	w3w_supply s[5];
	w3w_supply_page *page = NULL;
	w3w_order_page *opage = NULL;
	w3w_storage_query q;

	new_id(a);
	new_id(b);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(supply_create_in(st, i < 3 ? a : b, "USD", COIN, &s[i]), W3W_OK);
	ck_assert_int_eq(supply_update(s[1].id, a, 0, 0, W3W_SUPPLY_PAUSED, NULL), W3W_OK);

	/* Pages of two by id: the cursor is the last id given, empty after the last page. */
	memset(&q, 0, sizeof(q));
	q.limit = 2;
	ck_assert_int_eq(st->market->supply_list(st, &q, &page), W3W_OK);
	ck_assert_int_eq(page->count, 2);
	ck_assert_str_eq(page->items[0].id, s[0].id);
	ck_assert_str_eq(page->next_cursor, s[1].id);
	strcpy(q.after_id, page->next_cursor);
	w3w_supply_page_free(page);
	ck_assert_int_eq(st->market->supply_list(st, &q, &page), W3W_OK);
	ck_assert_int_eq(page->count, 2);
	ck_assert_str_eq(page->items[0].id, s[2].id);
	strcpy(q.after_id, page->next_cursor);
	w3w_supply_page_free(page);
	ck_assert_int_eq(st->market->supply_list(st, &q, &page), W3W_OK);
	ck_assert_int_eq(page->count, 1);
	ck_assert_str_eq(page->next_cursor, "");
	w3w_supply_page_free(page);

	memset(&q, 0, sizeof(q));
	q.limit = 10;
	strcpy(q.user_id, a);
	q.status = W3W_SUPPLY_ACTIVE;
	ck_assert_int_eq(st->market->supply_list(st, &q, &page), W3W_OK);
	ck_assert_int_eq(page->count, 2);
	ck_assert_str_eq(page->items[1].id, s[2].id);
	w3w_supply_page_free(page);

	/* Order lists carry no items; filters by owner and status. */
	ck_assert_int_eq(do_transfer(st, W3W_TRANSFER_DEPOSIT, W3W_EXTERNAL_USER_ID, a, 10 * COIN, "d", NULL, NULL),
		W3W_OK);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(order_create(a, COIN, 1, oid), W3W_OK);
	memset(&q, 0, sizeof(q));
	q.limit = 2;
	q.status = W3W_ORDER_OPEN;
	strcpy(q.user_id, a);
	ck_assert_int_eq(st->market->order_list(st, &q, &opage), W3W_OK);
	ck_assert_int_eq(opage->count, 2);
	ck_assert_ptr_null(opage->items[0].items);
	ck_assert_int_eq(opage->items[0].amount, COIN);
	ck_assert_str_ne(opage->next_cursor, "");
	w3w_order_page_free(opage);
	q.status = W3W_ORDER_CANCELLED;
	ck_assert_int_eq(st->market->order_list(st, &q, &opage), W3W_OK);
	ck_assert_int_eq(opage->count, 0);
	w3w_order_page_free(opage);
}
END_TEST

TCase *contract_paging_tcase(void)
{
	TCase *tc = tcase_create("paging");

	tcase_add_test(tc, test_lists_page_by_id);
	return tc;
}

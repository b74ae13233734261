/* Supplies: create, get, list, update, delete — success, refusals, ownership. */
#include <stdio.h>
#include <string.h>

#include "harness.h"

START_TEST(create_and_get)
{
	w3w_actor shopper;
	w3w_supply s, g;
	w3w_time before = w3w_time_now();
	int64_t outbox = h_outbox_total();
	char id[W3W_ID_SIZE];

	h_user(&shopper);
	H_OK(w3w_supply_create(&s, H.ctx, &shopper, H.cur, h_amt("250.5"), NULL));
	H_OK(w3w_id_normalize(id, sizeof(id), s.id));
	ck_assert_str_eq(id, s.id);
	ck_assert_str_eq(s.user_id, shopper.user_id);
	ck_assert_str_eq(s.currency, H.cur);
	ck_assert_int_eq(s.amount, h_amt("250.5"));
	ck_assert_int_eq(s.reserved, 0);
	ck_assert_int_eq(s.status, W3W_SUPPLY_ACTIVE);
	ck_assert_int_ge(s.created_at, before - 1000000);
	ck_assert_int_le(s.created_at, w3w_time_now() + 1000000);
	ck_assert_int_ge(s.updated_at, s.created_at);
	ck_assert_int_eq(h_outbox_total(), outbox + 1);

	H_OK(w3w_supply_get(&g, H.ctx, &shopper, s.id));
	ck_assert_str_eq(g.id, s.id);
	ck_assert_str_eq(g.user_id, s.user_id);
	ck_assert_str_eq(g.currency, s.currency);
	ck_assert_int_eq(g.amount, s.amount);
	ck_assert_int_eq(g.reserved, 0);
	ck_assert_int_eq(g.status, W3W_SUPPLY_ACTIVE);
	ck_assert_int_eq(g.created_at, s.created_at);

	/* Upper-case ids are accepted as input. */
	for (char *p = id; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	H_OK(w3w_supply_get(&g, H.ctx, &shopper, id));
	ck_assert_str_eq(g.id, s.id);
}
END_TEST

START_TEST(create_refuses_bad_input)
{
	w3w_actor shopper;
	w3w_supply s;
	char long_key[300];

	h_user(&shopper);
	memset(long_key, 'k', 256);
	long_key[256] = '\0';
	H_REFUSED(W3W_EINVAL, "amount", w3w_supply_create(&s, H.ctx, &shopper, H.cur, 0, NULL));
	H_REFUSED(W3W_EINVAL, "amount", w3w_supply_create(&s, H.ctx, &shopper, H.cur, -1, NULL));
	H_REFUSED(W3W_EINVAL, "amount", w3w_supply_create(&s, H.ctx, &shopper, H.cur, W3W_AMOUNT_MAX + 1, NULL));
	H_REFUSED(W3W_EINVAL, "currency", w3w_supply_create(&s, H.ctx, &shopper, "btc", h_amt("1"), NULL));
	H_REFUSED(W3W_EINVAL, "currency", w3w_supply_create(&s, H.ctx, &shopper, "", h_amt("1"), NULL));
	H_REFUSED(W3W_EINVAL, "currency", w3w_supply_create(&s, H.ctx, &shopper, "ABCDEFGHIJK", h_amt("1"), NULL));
	H_REFUSED(W3W_EINVAL, "currency", w3w_supply_create(&s, H.ctx, &shopper, "\xc3\x89UR", h_amt("1"), NULL));
	H_REFUSED(W3W_EINVAL, "currency", w3w_supply_create(&s, H.ctx, &shopper, NULL, h_amt("1"), NULL));
	H_REFUSED(W3W_EINVAL, "idempotency", w3w_supply_create(&s, H.ctx, &shopper, H.cur, h_amt("1"), long_key));
	/* The largest amount and a 10-character currency are fine. */
	H_OK(w3w_supply_create(&s, H.ctx, &shopper, H.cur, W3W_AMOUNT_MAX, NULL));
	ck_assert_int_eq(s.amount, W3W_AMOUNT_MAX);
}
END_TEST

START_TEST(get_is_owner_or_admin)
{
	w3w_actor owner, other;
	w3w_supply s, g;
	char unknown[W3W_ID_SIZE];

	h_user(&owner);
	h_user(&other);
	h_supply(&s, &owner, H.cur, "5");
	H_OK(w3w_supply_get(&g, H.ctx, &owner, s.id));
	H_OK(w3w_supply_get(&g, H.ctx, &H.admin, s.id));
	/* Others do not learn that it exists. */
	H_EXPECT(W3W_ENOTFOUND, w3w_supply_get(&g, H.ctx, &other, s.id));
	H_EXPECT(W3W_ENOTFOUND, w3w_supply_get(&g, H.ctx, &H.auditor, s.id));
	h_new_id(unknown);
	H_EXPECT(W3W_ENOTFOUND, w3w_supply_get(&g, H.ctx, &owner, unknown));
	H_EXPECT(W3W_ENOTFOUND, w3w_supply_get(&g, H.ctx, &H.admin, unknown));
	H_EXPECT(W3W_EINVAL, w3w_supply_get(&g, H.ctx, &owner, "not-an-id"));
	ck_assert(h_contains(w3w_error_message(), "id"));
	H_EXPECT(W3W_EINVAL, w3w_supply_get(&g, H.ctx, &owner, NULL));
	H_EXPECT(W3W_EINVAL, w3w_supply_get(NULL, H.ctx, &owner, s.id));
}
END_TEST

START_TEST(list_own_oldest_first)
{
	w3w_actor a, b;
	w3w_supply sa[3], sb, paused;
	w3w_supply_page *page = NULL;
	w3w_list_query q;
	w3w_supply_patch pause = W3W_SUPPLY_PATCH_INIT;

	h_user(&a);
	h_user(&b);
	for (int i = 0; i < 3; i++)
		h_supply(&sa[i], &a, H.cur, "1");
	h_supply(&sb, &b, H.cur, "1");

	H_OK(w3w_list_query_init(&q, W3W_LIST_QUERY_VERSION));
	H_OK(w3w_supply_list(&page, H.ctx, &a, &q));
	ck_assert_uint_eq(page->count, 3);
	for (int i = 0; i < 3; i++) {
		ck_assert_str_eq(page->items[i].id, sa[i].id);
		ck_assert_str_eq(page->items[i].user_id, a.user_id);
	}
	ck_assert_str_eq(page->next_cursor, "");
	w3w_supply_page_free(page);
	page = NULL;

	/* Status filter. */
	pause.status = W3W_SUPPLY_PAUSED;
	H_OK(w3w_supply_update(&paused, H.ctx, &a, sa[1].id, &pause, NULL));
	ck_assert_int_eq(paused.status, W3W_SUPPLY_PAUSED);
	q.status = W3W_SUPPLY_PAUSED;
	H_OK(w3w_supply_list(&page, H.ctx, &a, &q));
	ck_assert_uint_eq(page->count, 1);
	ck_assert_str_eq(page->items[0].id, sa[1].id);
	ck_assert_int_eq(page->items[0].status, W3W_SUPPLY_PAUSED);
	w3w_supply_page_free(page);
	page = NULL;
	q.status = W3W_SUPPLY_ACTIVE;
	H_OK(w3w_supply_list(&page, H.ctx, &a, &q));
	ck_assert_uint_eq(page->count, 2);
	w3w_supply_page_free(page);
	page = NULL;

	/* Another user's supplies: admin only. */
	q.status = 0;
	snprintf(q.user_id, sizeof(q.user_id), "%s", b.user_id);
	H_OK(w3w_supply_list(&page, H.ctx, &H.admin, &q));
	ck_assert_uint_eq(page->count, 1);
	ck_assert_str_eq(page->items[0].id, sb.id);
	w3w_supply_page_free(page);
	page = NULL;
	{
		w3w_status st = w3w_supply_list(&page, H.ctx, &a, &q);
		ck_assert_msg(st == W3W_EFORBIDDEN || st == W3W_ENOTFOUND,
			"a user listed another user's supplies: %s", w3w_status_name(st));
		ck_assert_ptr_null(page);
	}
	w3w_supply_page_free(NULL);
}
END_TEST

START_TEST(list_refuses_bad_queries)
{
	w3w_actor a;
	w3w_supply_page *page = NULL;
	w3w_list_query q = W3W_LIST_QUERY_INIT;

	h_user(&a);
	q.limit = W3W_LIST_LIMIT_MAX + 1;
	H_EXPECT(W3W_EINVAL, w3w_supply_list(&page, H.ctx, &a, &q));
	ck_assert(h_contains(w3w_error_message(), "limit"));
	q.limit = -1;
	H_EXPECT(W3W_EINVAL, w3w_supply_list(&page, H.ctx, &a, &q));
	q.limit = 0;
	q.status = 99;
	H_EXPECT(W3W_EINVAL, w3w_supply_list(&page, H.ctx, &a, &q));
	ck_assert(h_contains(w3w_error_message(), "status"));
	q.status = 0;
	snprintf(q.cursor, sizeof(q.cursor), "definitely not a cursor");
	H_EXPECT(W3W_EINVAL, w3w_supply_list(&page, H.ctx, &a, &q));
	ck_assert(h_contains(w3w_error_message(), "cursor"));
	q.cursor[0] = '\0';
	snprintf(q.user_id, sizeof(q.user_id), "zzz");
	H_EXPECT(W3W_EINVAL, w3w_supply_list(&page, H.ctx, &H.admin, &q));
	q.user_id[0] = '\0';
	q.version = W3W_LIST_QUERY_VERSION + 1;
	H_EXPECT(W3W_EVERSION, w3w_supply_list(&page, H.ctx, &a, &q));
	q.version = W3W_LIST_QUERY_VERSION;
	H_EXPECT(W3W_EINVAL, w3w_supply_list(NULL, H.ctx, &a, &q));
	ck_assert_ptr_null(page);
	q.limit = W3W_LIST_LIMIT_MAX;
	H_OK(w3w_supply_list(&page, H.ctx, &a, &q));
	ck_assert_uint_eq(page->count, 0);
	ck_assert_str_eq(page->next_cursor, "");
	w3w_supply_page_free(page);
}
END_TEST

START_TEST(update_amount_and_status)
{
	w3w_actor shopper;
	w3w_supply s, u, g;
	w3w_supply_patch p = W3W_SUPPLY_PATCH_INIT;
	int64_t outbox;

	h_user(&shopper);
	h_supply(&s, &shopper, H.cur, "10");
	outbox = h_outbox_total();

	p.set_amount = 1;
	p.amount = h_amt("12.00000001");
	H_OK(w3w_supply_update(&u, H.ctx, &shopper, s.id, &p, NULL));
	ck_assert_str_eq(u.id, s.id);
	ck_assert_int_eq(u.amount, h_amt("12.00000001"));
	ck_assert_int_eq(u.status, W3W_SUPPLY_ACTIVE);
	ck_assert_int_ge(u.updated_at, s.updated_at);
	ck_assert_int_eq(h_outbox_total(), outbox + 1);

	p.set_amount = 0;
	p.status = W3W_SUPPLY_PAUSED;
	H_OK(w3w_supply_update(&u, H.ctx, &shopper, s.id, &p, NULL));
	ck_assert_int_eq(u.status, W3W_SUPPLY_PAUSED);
	ck_assert_int_eq(u.amount, h_amt("12.00000001"));
	H_OK(w3w_supply_get(&g, H.ctx, &shopper, s.id));
	ck_assert_int_eq(g.status, W3W_SUPPLY_PAUSED);

	/* Changing amount alone keeps a paused supply paused. */
	p.set_amount = 1;
	p.amount = h_amt("3");
	p.status = 0;
	H_OK(w3w_supply_update(&u, H.ctx, &shopper, s.id, &p, NULL));
	ck_assert_int_eq(u.status, W3W_SUPPLY_PAUSED);

	p.set_amount = 0;
	p.status = W3W_SUPPLY_ACTIVE;
	H_OK(w3w_supply_update(&u, H.ctx, &shopper, s.id, &p, NULL));
	ck_assert_int_eq(u.status, W3W_SUPPLY_ACTIVE);
	ck_assert_int_eq(u.amount, h_amt("3"));
}
END_TEST

START_TEST(update_refuses_bad_input)
{
	w3w_actor shopper, other;
	w3w_supply s, u;
	w3w_supply_patch p = W3W_SUPPLY_PATCH_INIT;
	char unknown[W3W_ID_SIZE];

	h_user(&shopper);
	h_user(&other);
	h_supply(&s, &shopper, H.cur, "10");
	h_new_id(unknown);

	p.status = W3W_SUPPLY_EXHAUSTED;
	H_REFUSED(W3W_EINVAL, "status", w3w_supply_update(&u, H.ctx, &shopper, s.id, &p, NULL));
	p.status = W3W_SUPPLY_DELETED;
	H_REFUSED(W3W_EINVAL, "status", w3w_supply_update(&u, H.ctx, &shopper, s.id, &p, NULL));
	p.status = 42;
	H_REFUSED(W3W_EINVAL, "status", w3w_supply_update(&u, H.ctx, &shopper, s.id, &p, NULL));
	p.status = 0;
	p.set_amount = 1;
	p.amount = -1;
	H_REFUSED(W3W_EINVAL, "amount", w3w_supply_update(&u, H.ctx, &shopper, s.id, &p, NULL));
	p.amount = W3W_AMOUNT_MAX + 1;
	H_REFUSED(W3W_EINVAL, "amount", w3w_supply_update(&u, H.ctx, &shopper, s.id, &p, NULL));
	p.amount = h_amt("1");
	H_REFUSED(W3W_EINVAL, NULL, w3w_supply_update(&u, H.ctx, &shopper, s.id, NULL, NULL));
	H_REFUSED(W3W_EINVAL, "id", w3w_supply_update(&u, H.ctx, &shopper, "12345", &p, NULL));
	H_REFUSED(W3W_ENOTFOUND, NULL, w3w_supply_update(&u, H.ctx, &shopper, unknown, &p, NULL));
	H_REFUSED(W3W_ENOTFOUND, NULL, w3w_supply_update(&u, H.ctx, &other, s.id, &p, NULL));
}
END_TEST

START_TEST(delete_marks_deleted)
{
	w3w_actor shopper, other;
	w3w_supply s, d, g;
	char unknown[W3W_ID_SIZE];
	int64_t outbox;

	h_user(&shopper);
	h_user(&other);
	h_supply(&s, &shopper, H.cur, "10");
	h_new_id(unknown);
	H_REFUSED(W3W_ENOTFOUND, NULL, w3w_supply_delete(&d, H.ctx, &other, s.id, NULL));
	H_REFUSED(W3W_ENOTFOUND, NULL, w3w_supply_delete(&d, H.ctx, &shopper, unknown, NULL));
	H_REFUSED(W3W_EINVAL, "id", w3w_supply_delete(&d, H.ctx, &shopper, "", NULL));
	outbox = h_outbox_total();
	H_OK(w3w_supply_delete(&d, H.ctx, &shopper, s.id, NULL));
	ck_assert_int_eq(d.status, W3W_SUPPLY_DELETED);
	ck_assert_str_eq(d.id, s.id);
	ck_assert_int_eq(h_outbox_total(), outbox + 1);
	H_OK(w3w_supply_get(&g, H.ctx, &shopper, s.id));
	ck_assert_int_eq(g.status, W3W_SUPPLY_DELETED);
	H_REFUSED(W3W_ESTATE, NULL, w3w_supply_delete(&d, H.ctx, &shopper, s.id, NULL));
}
END_TEST

TCase *conf_supply_tcase(void)
{
	TCase *tc = h_tcase("supply");
	tcase_add_test(tc, create_and_get);
	tcase_add_test(tc, create_refuses_bad_input);
	tcase_add_test(tc, get_is_owner_or_admin);
	tcase_add_test(tc, list_own_oldest_first);
	tcase_add_test(tc, list_refuses_bad_queries);
	tcase_add_test(tc, update_amount_and_status);
	tcase_add_test(tc, update_refuses_bad_input);
	tcase_add_test(tc, delete_marks_deleted);
	return tc;
}

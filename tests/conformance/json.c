/*
 * JSON forms of records read back from the storage (json.h, the HTTP contract in docs/server.md):
 * amounts as strings, times as RFC 3339 UTC with microseconds, statuses as
 * names; lists carry next_cursor (null on the last page, docs/openapi.yaml).
 */
#include <stdio.h>
#include <string.h>

#include "harness.h"

static const char *str_field(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	ck_assert_msg(cJSON_IsString(v), "JSON field \"%s\" missing or not a string", key);
	return v->valuestring;
}

static void assert_amount(const cJSON *obj, const char *key, w3w_amount want)
{
	char buf[W3W_AMOUNT_STRLEN];
	H_OK(w3w_amount_format(buf, sizeof(buf), want));
	ck_assert_str_eq(str_field(obj, key), buf);
}

static void assert_time(const cJSON *obj, const char *key, w3w_time want)
{
	char buf[W3W_TIME_STRLEN];
	H_OK(w3w_time_format(buf, sizeof(buf), want));
	ck_assert_str_eq(str_field(obj, key), buf);
}

static cJSON *parse_and_free(char *text)
{
	cJSON *j;
	ck_assert_ptr_nonnull(text);
	j = cJSON_Parse(text);
	ck_assert_msg(j != NULL, "not JSON: %s", text);
	w3w_string_free(text);
	return j;
}

START_TEST(records_as_json)
{
	w3w_actor buyer, shopper;
	w3w_supply s;
	w3w_claim c;
	w3w_order *o = NULL;
	w3w_order_item item;
	w3w_transfer t;
	char *text = NULL;
	cJSON *j;
	char ref[W3W_ID_SIZE];

	h_user(&buyer);
	h_user(&shopper);
	h_new_id(ref);
	H_OK(w3w_deposit(&t, H.ctx, &H.service, buyer.user_id, H.cur, h_amt("100.5"), ref, NULL));
	H_OK(w3w_supply_create(&s, H.ctx, &shopper, H.cur, h_amt("9999999999.99999999"), NULL));
	h_item(&item, "0.1", 3);
	snprintf(item.product_name, sizeof(item.product_name), "quote \" backslash \\ euro \xe2\x82\xac");
	H_OK(w3w_order_create(&o, H.ctx, &buyer, H.cur, &item, 1, NULL));
	h_claim(&c, &shopper, o->id);
	H_OK(w3w_supply_get(&s, H.ctx, &shopper, s.id));

	H_OK(w3w_supply_to_json(&text, &s));
	j = parse_and_free(text);
	ck_assert_str_eq(str_field(j, "id"), s.id);
	ck_assert_str_eq(str_field(j, "user_id"), shopper.user_id);
	ck_assert_str_eq(str_field(j, "currency"), H.cur);
	assert_amount(j, "amount", W3W_AMOUNT_MAX);
	assert_amount(j, "reserved", h_amt("0.3"));
	ck_assert_str_eq(str_field(j, "status"), "active");
	assert_time(j, "created_at", s.created_at);
	assert_time(j, "updated_at", s.updated_at);
	cJSON_Delete(j);

	{
		w3w_order *g = NULL;
		const cJSON *items, *it;
		H_OK(w3w_order_get(&g, H.ctx, &buyer, o->id));
		H_OK(w3w_order_to_json(&text, g));
		j = parse_and_free(text);
		ck_assert_str_eq(str_field(j, "id"), o->id);
		assert_amount(j, "amount", h_amt("0.3"));
		ck_assert_str_eq(str_field(j, "status"), "claimed");
		assert_time(j, "created_at", g->created_at);
		items = cJSON_GetObjectItemCaseSensitive(j, "items");
		ck_assert(cJSON_IsArray(items));
		ck_assert_int_eq(cJSON_GetArraySize(items), 1);
		it = cJSON_GetArrayItem(items, 0);
		ck_assert_str_eq(str_field(it, "product_id"), item.product_id);
		ck_assert_str_eq(str_field(it, "product_name"), item.product_name);
		assert_amount(it, "price", h_amt("0.1"));
		ck_assert(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(it, "quantity")));
		ck_assert_int_eq((int)cJSON_GetObjectItemCaseSensitive(it, "quantity")->valuedouble, 3);
		cJSON_Delete(j);
		w3w_order_free(g);
	}

	H_OK(w3w_claim_to_json(&text, &c));
	j = parse_and_free(text);
	ck_assert_str_eq(str_field(j, "id"), c.id);
	ck_assert_str_eq(str_field(j, "order_id"), o->id);
	ck_assert_str_eq(str_field(j, "user_id"), shopper.user_id);
	ck_assert_str_eq(str_field(j, "status"), "pending");
	assert_time(j, "claimed_at", c.claimed_at);
	cJSON_Delete(j);

	H_OK(w3w_transfer_to_json(&text, &t));
	j = parse_and_free(text);
	ck_assert_str_eq(str_field(j, "id"), t.id);
	assert_amount(j, "amount", h_amt("100.5"));
	cJSON_Delete(j);

	{
		w3w_account_list *list = NULL;
		const cJSON *a;
		H_OK(w3w_accounts(&list, H.ctx, &buyer, NULL));
		H_OK(w3w_account_list_to_json(&text, list));
		w3w_account_list_free(list);
		j = parse_and_free(text);
		ck_assert(cJSON_IsArray(j));
		ck_assert_int_eq(cJSON_GetArraySize(j), 1);
		a = cJSON_GetArrayItem(j, 0);
		ck_assert_str_eq(str_field(a, "currency"), H.cur);
		assert_amount(a, "balance", h_amt("100.5"));
		assert_amount(a, "held", h_amt("0.3"));
		assert_amount(a, "available", h_amt("100.2"));
		cJSON_Delete(j);
	}

	{
		w3w_supply_page *page = NULL;
		w3w_list_query q = W3W_LIST_QUERY_INIT;
		H_OK(w3w_supply_list(&page, H.ctx, &shopper, &q));
		H_OK(w3w_supply_page_to_json(&text, page));
		w3w_supply_page_free(page);
		j = parse_and_free(text);
		ck_assert(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(j, "items")));
		ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "items")), 1);
		/* docs/openapi.yaml: null on the last page. */
		ck_assert(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(j, "next_cursor")));
		cJSON_Delete(j);
	}
	{
		w3w_order_page *page = NULL;
		w3w_list_query q = W3W_LIST_QUERY_INIT;
		snprintf(q.user_id, sizeof(q.user_id), "%s", buyer.user_id);
		H_OK(w3w_order_list(&page, H.ctx, &buyer, &q));
		H_OK(w3w_order_page_to_json(&text, page));
		w3w_order_page_free(page);
		j = parse_and_free(text);
		ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "items")), 1);
		cJSON_Delete(j);
	}
	ck_assert_int_eq(w3w_supply_to_json(NULL, &s), W3W_EINVAL);
	ck_assert_int_eq(w3w_supply_to_json(&text, NULL), W3W_EINVAL);
	w3w_string_free(NULL);
	w3w_order_free(o);
}
END_TEST

TCase *conf_json_tcase(void)
{
	TCase *tc = h_tcase("json");
	tcase_add_test(tc, records_as_json);
	return tc;
}

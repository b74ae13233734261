/*
 * w3w__order_json_join: an order's API JSON from its two cached texts is byte for byte what
 * w3w_order_to_json prints, and a text not in the library's form (another version's, damaged,
 * foreign) is refused, so the read goes to storage instead of answering with it.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"

static w3w_order sample(w3w_order_item items[2])
{
	w3w_order o;
	memset(&o, 0, sizeof(o));
	memset(items, 0, 2 * sizeof(*items));
	strcpy(o.id, "0190c2a1-7b3c-7d10-8e2f-000000000001");
	strcpy(o.user_id, "0190c2a1-7b3c-7d10-8e2f-000000000002");
	strcpy(o.currency, "USDT");
	o.amount = 4998999999;
	o.status = W3W_ORDER_CLAIMED;
	o.created_at = 1700000000123456;
	o.updated_at = 0; /* printed as null */
	strcpy(items[0].id, "0190c2a1-7b3c-7d10-8e2f-000000000003");
	strcpy(items[0].product_id, "0190c2a1-7b3c-7d10-8e2f-000000000004");
	strcpy(items[0].product_name, "caf\xc3\xa9 \",\"created_at\": \\");
	items[0].price = 1999000000;
	items[0].quantity = 2;
	items[1] = items[0];
	items[1].quantity = 1000000;
	o.items = items;
	o.item_count = 2;
	return o;
}

static char *print(cJSON *j)
{
	char *text = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	return text;
}

START_TEST(join_is_to_json)
{
	w3w_order_item items[2];
	w3w_order o = sample(items);
	char *want, *head, *list, *got = NULL;

	for (size_t n = 0; n <= 2; n++) {
		o.item_count = n;
		ck_assert_int_eq(w3w_order_to_json(&want, &o), W3W_OK);
		head = print(w3w__order_json(&o, 0));
		list = print(w3w__order_items_json(o.items, o.item_count));
		ck_assert_int_eq(w3w__order_json_join(&got, head, strlen(head), list, strlen(list)), W3W_OK);
		ck_assert_str_eq(got, want);
		free(got);
		free(want);
		free(head);
		free(list);
	}
}
END_TEST

START_TEST(join_refuses_other_forms)
{
	static const char list[] = "[]";
	static const char *const heads[] = {
		"",
		"{}",
		"{\"id\":\"x\",\"user_id\":\"u\",\"currency\":\"c\",\"amount\":\"1\",\"status\":\"open\"}", /* no times */
		"{\"user_id\":\"u\",\"id\":\"x\",\"currency\":\"c\",\"amount\":\"1\",\"status\":\"open\",\"created_at\":null,\"updated_at\":null}",
		"{\"id\":\"x\",\"user_id\":\"u\",\"currency\":\"c\",\"amount\":\"1\",\"status\":\"open\",\"items\":[],\"created_at\":null,\"updated_at\":null}",
		"{\"id\":\"x\",\"user_id\":\"u\",\"currency\":\"c\",\"amount\":\"1\",\"status\":\"open\",\"created_at\":null,\"updated_at\":null",
	};
	static const char good[] =
		"{\"id\":\"x\",\"user_id\":\"u\",\"currency\":\"c\",\"amount\":\"1\",\"status\":\"open\",\"created_at\":null,\"updated_at\":null}";
	char *got = NULL;

	for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
		ck_assert_int_eq(w3w__order_json_join(&got, heads[i], strlen(heads[i]), list, strlen(list)), W3W_EINVAL);
		ck_assert_ptr_null(got);
	}
	ck_assert_int_eq(w3w__order_json_join(&got, good, strlen(good), "{}", 2), W3W_EINVAL);
	ck_assert_int_eq(w3w__order_json_join(&got, good, strlen(good), "[1]", 3), W3W_EINVAL);
	ck_assert_int_eq(w3w__order_json_join(&got, good, strlen(good), "[", 1), W3W_EINVAL);
	ck_assert_ptr_null(got);
	ck_assert_int_eq(w3w__order_json_join(&got, good, strlen(good), list, strlen(list)), W3W_OK);
	ck_assert_str_eq(got, "{\"id\":\"x\",\"user_id\":\"u\",\"currency\":\"c\",\"amount\":\"1\",\"status\":\"open\","
		"\"items\":[],\"created_at\":null,\"updated_at\":null}");
	free(got);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("order_json_join");
	TCase *tc = tcase_create("join");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, join_is_to_json);
	tcase_add_test(tc, join_refuses_other_forms);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

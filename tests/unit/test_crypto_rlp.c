/* RLP encoder against the examples of the RLP specification. */
#include "test_crypto_vectors.h"

#include "crypto/rlp.h"

/* Encode a vector item: string = ASCII bytes, {"hex"} = bytes,
 * {"uint"} = integer, array = list. */
static void put_item(w3w__rlp *r, const cJSON *item)
{
	if (cJSON_IsString(item)) {
		w3w__rlp_put_bytes(r, (const unsigned char *)item->valuestring, strlen(item->valuestring));
	} else if (cJSON_IsArray(item)) {
		size_t mark = w3w__rlp_list_begin(r);
		const cJSON *child;

		cJSON_ArrayForEach(child, item)
			put_item(r, child);
		w3w__rlp_list_end(r, mark);
	} else if (cJSON_GetObjectItem(item, "hex") != NULL) {
		unsigned char bytes[64];
		size_t n = w3w_test_unhex(bytes, sizeof bytes, w3w_test_str(item, "hex"));

		w3w__rlp_put_bytes(r, bytes, n);
	} else {
		w3w__rlp_put_u64(r, (uint64_t)w3w_test_num(item, "uint"));
	}
}

START_TEST(spec_examples)
{
	cJSON *v = w3w_test_load_vectors("rlp.json");
	const cJSON *c;
	int n = 0;

	cJSON_ArrayForEach(c, cJSON_GetObjectItem(v, "cases")) {
		w3w__rlp r;
		unsigned char *out = NULL;
		size_t len = 0;

		w3w__rlp_init(&r);
		put_item(&r, cJSON_GetObjectItem(c, "item"));
		ck_assert_int_eq(w3w__rlp_take(&r, &out, &len), 0);
		w3w_test_assert_hex(out, len, w3w_test_str(c, "rlp"));
		free(out);
		n++;
	}
	ck_assert_int_eq(n, 13);
	cJSON_Delete(v);
}
END_TEST

START_TEST(integers_drop_leading_zeros)
{
	static const unsigned char be[] = { 0, 0, 0x04, 0x00 };
	w3w__rlp r;
	unsigned char *out = NULL;
	size_t len = 0;

	w3w__rlp_init(&r);
	w3w__rlp_put_uint_be(&r, be, sizeof be);
	w3w__rlp_put_u64(&r, 0x7f);
	w3w__rlp_put_u64(&r, 0x80);
	w3w__rlp_put_u64(&r, UINT64_MAX);
	ck_assert_int_eq(w3w__rlp_take(&r, &out, &len), 0);
	w3w_test_assert_hex(out, len, "8204007f818088ffffffffffffffff");
	free(out);
}
END_TEST

START_TEST(long_string_two_byte_length)
{
	unsigned char big[300];
	w3w__rlp r;
	unsigned char *out = NULL;
	size_t len = 0;

	memset(big, 0xab, sizeof big);
	w3w__rlp_init(&r);
	size_t mark = w3w__rlp_list_begin(&r);
	w3w__rlp_put_bytes(&r, big, sizeof big);
	w3w__rlp_list_end(&r, mark);
	ck_assert_int_eq(w3w__rlp_take(&r, &out, &len), 0);
	/* list of 303 payload bytes: f9 01 2f; string of 300: b9 01 2c */
	ck_assert_uint_eq(len, 3 + 3 + 300);
	w3w_test_assert_hex(out, 6, "f9012fb9012c");
	free(out);
}
END_TEST

START_TEST(errors_are_sticky)
{
	w3w__rlp r;
	unsigned char *out = (unsigned char *)"x";
	size_t len = 7;

	w3w__rlp_init(&r);
	w3w__rlp_put_bytes(&r, NULL, 3);
	ck_assert_int_eq(w3w__rlp_error(&r), W3W__CRYPTO_EINVAL);
	w3w__rlp_put_u64(&r, 5);
	w3w__rlp_list_end(&r, 0);
	ck_assert_int_eq(w3w__rlp_take(&r, &out, &len), W3W__CRYPTO_EINVAL);
	ck_assert_uint_eq(len, 7);
	/* take() released the buffer; free() on r is still safe. */
	w3w__rlp_free(&r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("crypto_rlp");
	TCase *tc = tcase_create("rlp");

	tcase_add_test(tc, spec_examples);
	tcase_add_test(tc, integers_drop_leading_zeros);
	tcase_add_test(tc, long_string_two_byte_length);
	tcase_add_test(tc, errors_are_sticky);
	suite_add_tcase(s, tc);
	return w3w_test_run(s);
}

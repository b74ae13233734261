/* Keccak-256 known answers, including inputs around the 136-byte rate. */
#include "test_crypto_vectors.h"

#include "crypto/keccak.h"

START_TEST(ascii_vectors)
{
	cJSON *v = w3w_test_load_vectors("keccak256.json");
	const cJSON *c;
	int n = 0;

	cJSON_ArrayForEach(c, cJSON_GetObjectItem(v, "ascii")) {
		const char *in = w3w_test_str(c, "input");
		unsigned char out[32];

		ck_assert_int_eq(w3w__keccak256(out, (const unsigned char *)in, strlen(in)), 0);
		w3w_test_assert_hex(out, sizeof out, w3w_test_str(c, "hash"));
		n++;
	}
	ck_assert_int_eq(n, 3);
	cJSON_Delete(v);
}
END_TEST

START_TEST(rate_boundary_vectors)
{
	cJSON *v = w3w_test_load_vectors("keccak256.json");
	const cJSON *c;
	int n = 0;

	cJSON_ArrayForEach(c, cJSON_GetObjectItem(v, "counter")) {
		size_t len = (size_t)w3w_test_num(c, "len");
		unsigned char *in = malloc(len), out[32];

		ck_assert_ptr_nonnull(in);
		for (size_t i = 0; i < len; i++)
			in[i] = (unsigned char)i;
		ck_assert_int_eq(w3w__keccak256(out, in, len), 0);
		w3w_test_assert_hex(out, sizeof out, w3w_test_str(c, "hash"));
		free(in);
		n++;
	}
	ck_assert_int_ge(n, 6);
	cJSON_Delete(v);
}
END_TEST

START_TEST(incremental_equals_one_shot)
{
	unsigned char in[1000], one[32], inc[32];
	w3w__keccak256_ctx ctx;

	for (size_t i = 0; i < sizeof in; i++)
		in[i] = (unsigned char)(i * 7 + 3);
	ck_assert_int_eq(w3w__keccak256(one, in, sizeof in), 0);
	/* Feed in uneven pieces that straddle block boundaries. */
	for (size_t step = 1; step < 300; step += 67) {
		w3w__keccak256_init(&ctx);
		for (size_t off = 0; off < sizeof in; off += step)
			w3w__keccak256_update(&ctx, in + off, off + step > sizeof in ? sizeof in - off : step);
		w3w__keccak256_final(&ctx, inc);
		ck_assert_mem_eq(one, inc, 32);
	}
}
END_TEST

START_TEST(not_sha3_padding)
{
	cJSON *v = w3w_test_load_vectors("keccak256.json");
	unsigned char out[32];
	char hex[65];

	ck_assert_int_eq(w3w__keccak256(out, NULL, 0), 0);
	w3w__crypto_hex_encode(hex, sizeof hex, out, sizeof out);
	ck_assert_str_ne(hex, w3w_test_str(v, "sha3_256_of_empty_for_contrast"));
	cJSON_Delete(v);
}
END_TEST

START_TEST(bad_arguments)
{
	unsigned char out[32];

	ck_assert_int_eq(w3w__keccak256(NULL, (const unsigned char *)"a", 1), W3W__CRYPTO_EINVAL);
	ck_assert_int_eq(w3w__keccak256(out, NULL, 1), W3W__CRYPTO_EINVAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("crypto_keccak");
	TCase *tc = tcase_create("keccak256");

	tcase_add_test(tc, ascii_vectors);
	tcase_add_test(tc, rate_boundary_vectors);
	tcase_add_test(tc, incremental_equals_one_shot);
	tcase_add_test(tc, not_sha3_padding);
	tcase_add_test(tc, bad_arguments);
	suite_add_tcase(s, tc);
	return w3w_test_run(s);
}

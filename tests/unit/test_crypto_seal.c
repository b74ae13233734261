/* Sealing secrets at rest: round trip, purpose binding, tampering,
 * versions, key rotation. */
#include "test_crypto_vectors.h"

#include <sodium.h>

#include "crypto/seal.h"

static const unsigned char secret[] = "correct horse battery staple seed bytes";

static size_t seal_one(unsigned char *blob, size_t size, const unsigned char key[32], const char *purpose)
{
	size_t len = 0;

	ck_assert_int_eq(w3w__seal(blob, size, &len, key, 32, purpose, secret, sizeof secret), 0);
	ck_assert_uint_eq(len, w3w__seal_blob_len(sizeof secret));
	return len;
}

START_TEST(round_trip)
{
	unsigned char key[32], blob[128], blob2[128], *out = NULL;
	size_t len, len2, out_len = 0;

	ck_assert_int_eq(w3w__seal_keygen(key), 0);
	len = seal_one(blob, sizeof blob, key, "seed");
	ck_assert_int_eq(blob[0], W3W__SEAL_VERSION);
	/* no plaintext in the blob, and a fresh nonce each time */
	ck_assert_ptr_null(memmem(blob, len, "horse", 5));
	len2 = seal_one(blob2, sizeof blob2, key, "seed");
	ck_assert_uint_eq(len, len2);
	ck_assert_mem_ne(blob, blob2, len);
	ck_assert_int_eq(w3w__seal_open(&out, &out_len, key, 32, "seed", blob, len), 0);
	ck_assert_uint_eq(out_len, sizeof secret);
	ck_assert_mem_eq(out, secret, sizeof secret);
	w3w__secret_free(out);
}
END_TEST

START_TEST(purpose_and_key_are_bound)
{
	unsigned char key[32], other[32], blob[128], *out = NULL;
	size_t len, out_len = 0;

	w3w__seal_keygen(key);
	w3w__seal_keygen(other);
	len = seal_one(blob, sizeof blob, key, "wallet:0190f3c2-aaaa-7bbb-8ccc-000000000001");
	ck_assert_int_eq(w3w__seal_open(&out, &out_len, key, 32, "wallet:0190f3c2-aaaa-7bbb-8ccc-000000000002",
	                                blob, len), W3W__CRYPTO_EOPEN);
	ck_assert_int_eq(w3w__seal_open(&out, &out_len, key, 32, "seed", blob, len), W3W__CRYPTO_EOPEN);
	ck_assert_int_eq(w3w__seal_open(&out, &out_len, other, 32,
	                                "wallet:0190f3c2-aaaa-7bbb-8ccc-000000000001", blob, len), W3W__CRYPTO_EOPEN);
	ck_assert_ptr_null(out);
	ck_assert_uint_eq(out_len, 0);
}
END_TEST

START_TEST(every_byte_is_authenticated)
{
	unsigned char key[32], blob[128], *out = NULL;
	size_t len, out_len = 0;

	w3w__seal_keygen(key);
	len = seal_one(blob, sizeof blob, key, "seed");
	/* flipping any bit after the version byte breaks authentication */
	for (size_t i = 1; i < len; i++) {
		blob[i] ^= 0x04;
		ck_assert_int_eq(w3w__seal_open(&out, &out_len, key, 32, "seed", blob, len), W3W__CRYPTO_EOPEN);
		blob[i] ^= 0x04;
	}
	/* truncated or extended blobs too */
	ck_assert_int_eq(w3w__seal_open(&out, &out_len, key, 32, "seed", blob, len - 1), W3W__CRYPTO_EOPEN);
	ck_assert_int_eq(w3w__seal_open(&out, &out_len, key, 32, "seed", blob, len + 1), W3W__CRYPTO_EOPEN);
	ck_assert_int_eq(w3w__seal_open(&out, &out_len, key, 32, "seed", blob, W3W__SEAL_OVERHEAD),
	                 W3W__CRYPTO_ELENGTH);
	ck_assert_int_eq(w3w__seal_open(&out, &out_len, key, 32, "seed", blob, 0), W3W__CRYPTO_ELENGTH);
	/* an unknown version is reported as such */
	blob[0] = 2;
	ck_assert_int_eq(w3w__seal_open(&out, &out_len, key, 32, "seed", blob, len), W3W__CRYPTO_EVERSION);
	blob[0] = W3W__SEAL_VERSION;
	ck_assert_int_eq(w3w__seal_open(&out, &out_len, key, 32, "seed", blob, len), 0);
	w3w__secret_free(out);
}
END_TEST

START_TEST(reseal_rotates_the_key)
{
	unsigned char old_key[32], new_key[32], blob[128], rotated[128], *out = NULL;
	size_t len, rlen = 0, out_len = 0;

	w3w__seal_keygen(old_key);
	w3w__seal_keygen(new_key);
	len = seal_one(blob, sizeof blob, old_key, "seed");
	ck_assert_int_eq(w3w__seal_reseal(rotated, sizeof rotated, &rlen, old_key, new_key, 32, "seed",
	                                  blob, len), 0);
	ck_assert_uint_eq(rlen, len);
	ck_assert_int_eq(w3w__seal_open(&out, &out_len, old_key, 32, "seed", rotated, rlen), W3W__CRYPTO_EOPEN);
	ck_assert_int_eq(w3w__seal_open(&out, &out_len, new_key, 32, "seed", rotated, rlen), 0);
	ck_assert_mem_eq(out, secret, sizeof secret);
	w3w__secret_free(out);
	/* rotating with the wrong old key fails and writes nothing */
	memset(rotated, 0xee, sizeof rotated);
	ck_assert_int_eq(w3w__seal_reseal(rotated, sizeof rotated, &rlen, new_key, old_key, 32, "seed",
	                                  blob, len), W3W__CRYPTO_EOPEN);
	ck_assert_int_eq(rotated[0], 0xee);
	/* too small an output */
	ck_assert_int_eq(w3w__seal_reseal(rotated, len - 1, &rlen, old_key, new_key, 32, "seed", blob, len),
	                 W3W__CRYPTO_ELENGTH);
}
END_TEST

START_TEST(refused_input)
{
	unsigned char key[32] = { 1 }, blob[128];
	char purpose[W3W__SEAL_PURPOSE_MAX + 2];
	size_t len = 0;

	ck_assert_int_eq(w3w__seal(blob, sizeof blob, &len, key, 31, "seed", secret, sizeof secret),
	                 W3W__CRYPTO_ELENGTH);
	ck_assert_int_eq(w3w__seal(blob, sizeof blob, &len, key, 32, "seed", secret, 0), W3W__CRYPTO_ELENGTH);
	ck_assert_int_eq(w3w__seal(blob, 10, &len, key, 32, "seed", secret, sizeof secret), W3W__CRYPTO_ELENGTH);
	ck_assert_int_eq(w3w__seal(blob, sizeof blob, &len, key, 32, "", secret, sizeof secret),
	                 W3W__CRYPTO_EINVAL);
	ck_assert_int_eq(w3w__seal(blob, sizeof blob, &len, key, 32, NULL, secret, sizeof secret),
	                 W3W__CRYPTO_EINVAL);
	memset(purpose, 'p', sizeof purpose - 1);
	purpose[sizeof purpose - 1] = '\0';
	ck_assert_int_eq(w3w__seal(blob, sizeof blob, &len, key, 32, purpose, secret, sizeof secret),
	                 W3W__CRYPTO_ELENGTH);
	purpose[W3W__SEAL_PURPOSE_MAX] = '\0';
	ck_assert_int_eq(w3w__seal(blob, sizeof blob, &len, key, 32, purpose, secret, sizeof secret), 0);
	ck_assert_uint_eq(len, 0 + w3w__seal_blob_len(sizeof secret));
}
END_TEST

START_TEST(secret_buffers)
{
	unsigned char *p = NULL;

	ck_assert_int_eq(w3w__secret_alloc(&p, 0), W3W__CRYPTO_EINVAL);
	ck_assert_int_eq(w3w__secret_alloc(&p, 64), 0);
	memset(p, 0xaa, 64);
	w3w__secret_free(p);
	w3w__secret_free(NULL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("crypto_seal");
	TCase *tc = tcase_create("seal");

	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, purpose_and_key_are_bound);
	tcase_add_test(tc, every_byte_is_authenticated);
	tcase_add_test(tc, reseal_rotates_the_key);
	tcase_add_test(tc, refused_input);
	tcase_add_test(tc, secret_buffers);
	suite_add_tcase(s, tc);
	return w3w_test_run(s);
}

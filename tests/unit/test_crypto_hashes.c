/* RIPEMD-160 / HASH160 and PBKDF2-HMAC-SHA512 known answers. */
#include "test_crypto_vectors.h"

#include <sodium.h>

#include "crypto/pbkdf2.h"
#include "crypto/ripemd160.h"

/* The RIPEMD-160 authors' test set (Bosselaers' page; same digests as
 * Python hashlib / OpenSSL). */
static const struct {
	const char *input;
	const char *hash;
} ripemd_cases[] = {
	{ "", "9c1185a5c5e9fc54612808977ee8f548b2258d31" },
	{ "a", "0bdc9d2d256b3ee9daae347be6f4dc835a467ffe" },
	{ "abc", "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc" },
	{ "message digest", "5d0689ef49d2fae572b881b123a85ffa21595f36" },
	{ "abcdefghijklmnopqrstuvwxyz", "f71c27109c692c1b56bbdceb5b9d2865b3708dbc" },
	{ "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
	  "b0e20b6e3116640286ed3a87a5713079b21f5189" },
	{ "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
	  "9b752e45573d4b39f4dbd3323cab82bf63326bfb" },
};

START_TEST(ripemd160_vectors)
{
	unsigned char out[20];
	const char *in = ripemd_cases[_i].input;

	ck_assert_int_eq(w3w__ripemd160(out, (const unsigned char *)in, strlen(in)), 0);
	w3w_test_assert_hex(out, sizeof out, ripemd_cases[_i].hash);
}
END_TEST

START_TEST(ripemd160_million_a)
{
	size_t len = 1000000;
	unsigned char *in = malloc(len), out[20];

	ck_assert_ptr_nonnull(in);
	memset(in, 'a', len);
	ck_assert_int_eq(w3w__ripemd160(out, in, len), 0);
	w3w_test_assert_hex(out, sizeof out, "52783243c1697bdbe16d37f97f68f08325dc1528");
	free(in);
}
END_TEST

START_TEST(hash160_of_bip32_master_pub)
{
	/* BIP-32 vector 1: the fingerprint of m is 3442193e (the parent
	 * fingerprint SLIP-10 lists for m/0'). */
	unsigned char pub[33], out[20];

	w3w_test_unhex(pub, sizeof pub, "0339a36013301597daef41fbe593a02cc513d0b55527ec2df1050e2e8ff49c85c2");
	ck_assert_int_eq(w3w__hash160(out, pub, sizeof pub), 0);
	w3w_test_assert_hex(out, 4, "3442193e");
}
END_TEST

/* PBKDF2-HMAC-SHA512 answers computed with Python's hashlib.pbkdf2_hmac
 * (OpenSSL), an independent implementation. */
static const struct {
	const char *pass, *salt;
	uint32_t rounds;
	size_t len;
	const char *out;
} pbkdf2_cases[] = {
	{ "password", "salt", 1, 64,
	  "867f70cf1ade02cff3752599a3a53dc4af34c7a669815ae5d513554e1c8cf252c02d470a285a0501bad999bfe943c08f050235d7d68b1da55e63f73b60a57fce" },
	{ "password", "salt", 2, 64,
	  "e1d9c16aa681708a45f5c7c4e215ceb66e011a2e9f0040713f18aefdb866d53cf76cab2868a39b9f7840edce4fef5a82be67335c77a6068e04112754f27ccf4e" },
	{ "password", "salt", 4096, 64,
	  "d197b1b33db0143e018b12f3d1d1479e6cdebdcc97c5c0f87f6902e072f457b5143f30602641b3d55cd335988cb36b84376060ecd532e039b742a239434af2d5" },
	/* 100 bytes: a second, partial output block. */
	{ "passwordPASSWORDpassword", "saltSALTsaltSALTsaltSALTsaltSALTsalt", 4096, 100,
	  "8c0511f4c6e597c6ac6315d8f0362e225f3c501495ba23b868c005174dc4ee71115b59f9e60cd9532fa33e0f75aefe30225c583a186cd82bd4daea9724a3d3b804f75bdd41494fa324cab24bcc680fb3b96a30cf5d21fac3c2875913919f3399b1d9ce7e" },
};

START_TEST(pbkdf2_vectors)
{
	unsigned char out[100];

	ck_assert_int_eq(w3w__pbkdf2_hmac_sha512(out, pbkdf2_cases[_i].len,
	                                         (const unsigned char *)pbkdf2_cases[_i].pass,
	                                         strlen(pbkdf2_cases[_i].pass),
	                                         (const unsigned char *)pbkdf2_cases[_i].salt,
	                                         strlen(pbkdf2_cases[_i].salt),
	                                         pbkdf2_cases[_i].rounds), 0);
	w3w_test_assert_hex(out, pbkdf2_cases[_i].len, pbkdf2_cases[_i].out);
}
END_TEST

START_TEST(pbkdf2_bad_arguments)
{
	unsigned char out[64];

	ck_assert_int_eq(w3w__pbkdf2_hmac_sha512(out, 64, (const unsigned char *)"p", 1,
	                                         (const unsigned char *)"s", 1, 0), W3W__CRYPTO_EINVAL);
	ck_assert_int_eq(w3w__pbkdf2_hmac_sha512(NULL, 64, (const unsigned char *)"p", 1,
	                                         (const unsigned char *)"s", 1, 1), W3W__CRYPTO_EINVAL);
	ck_assert_int_eq(w3w__pbkdf2_hmac_sha512(out, 0, (const unsigned char *)"p", 1,
	                                         (const unsigned char *)"s", 1, 1), W3W__CRYPTO_EINVAL);
}
END_TEST

START_TEST(strerror_and_status)
{
	ck_assert_str_eq(w3w__crypto_strerror(W3W__CRYPTO_ECHECKSUM), "bad checksum");
	ck_assert_str_eq(w3w__crypto_strerror(12345), "unknown crypto error");
	ck_assert_int_eq(w3w__crypto_init(), 0);
	ck_assert_int_eq(w3w__crypto_init(), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("crypto_hashes");
	TCase *tc = tcase_create("hashes");

	tcase_add_loop_test(tc, ripemd160_vectors, 0, (int)(sizeof ripemd_cases / sizeof ripemd_cases[0]));
	tcase_add_test(tc, ripemd160_million_a);
	tcase_add_test(tc, hash160_of_bip32_master_pub);
	tcase_add_loop_test(tc, pbkdf2_vectors, 0, (int)(sizeof pbkdf2_cases / sizeof pbkdf2_cases[0]));
	tcase_add_test(tc, pbkdf2_bad_arguments);
	tcase_add_test(tc, strerror_and_status);
	suite_add_tcase(s, tc);
	return w3w_test_run(s);
}

/* Hex, base58 / base58check, 256-bit integers and derivation path text. */
#include <stdint.h>

#include "test_crypto_vectors.h"

#include "crypto/base58.h"
#include "crypto/hdpath.h"
#include "crypto/u256.h"

START_TEST(hex_round_trip_and_errors)
{
	unsigned char out[4] = { 9, 9, 9, 9 };
	char text[9];
	size_t n = 0;

	ck_assert_int_eq(w3w__crypto_hex_decode(out, sizeof out, &n, "0xDEadBeef", 10), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_int_eq(w3w__crypto_hex_encode(text, sizeof text, out, 4), 0);
	ck_assert_str_eq(text, "deadbeef");
	ck_assert_int_eq(w3w__crypto_hex_encode(text, 8, out, 4), W3W__CRYPTO_ELENGTH);
	ck_assert_int_eq(w3w__crypto_hex_decode(out, sizeof out, &n, "abc", 3), W3W__CRYPTO_ELENGTH);
	ck_assert_int_eq(w3w__crypto_hex_decode(out, sizeof out, &n, "0011223344", 10), W3W__CRYPTO_ELENGTH);
	ck_assert_int_eq(w3w__crypto_hex_decode(out, sizeof out, &n, "00zz", 4), W3W__CRYPTO_ECHARSET);
	/* Failed decodes leave the output alone. */
	ck_assert_int_eq(out[0], 0xde);
}
END_TEST

/* Base58 (Bitcoin alphabet) examples: the leading-zero rule, and strings
 * checked against @scure/base and the Solana System Program id. */
static const struct {
	const char *hex, *text;
} b58_cases[] = {
	{ "", "" },
	{ "00", "1" },
	{ "0000", "11" },
	{ "61", "2g" },
	{ "626262", "a3gV" },
	{ "636363", "aPEr" },
	{ "73696d706c792061206c6f6e6720737472696e67", "2cFupjhnEsSn59qHXstmK2ffpLv2" },
	{ "00eb15231dfceb60925886b67d065299925915aeb172c06647", "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L" },
	{ "516b6fcd0f", "ABnLTmg" },
	{ "bf4f89001e670274dd", "3SEo3LWLoPntC" },
	{ "572e4794", "3EFU7m" },
	{ "ecac89cad93923c02321", "EJDM8drfXA6uyA" },
	{ "10c8511e", "Rt5zm" },
	{ "00000000000000000000", "1111111111" },
	{ "0000000000000000000000000000000000000000000000000000000000000000",
	  "11111111111111111111111111111111" },
};

START_TEST(base58_vectors)
{
	unsigned char bytes[64], back[64];
	char text[128];
	size_t len = w3w_test_unhex(bytes, sizeof bytes, b58_cases[_i].hex), n = 99;

	ck_assert_int_eq(w3w__base58_encode(text, sizeof text, bytes, len), 0);
	ck_assert_str_eq(text, b58_cases[_i].text);
	if (len == 0) {
		ck_assert_int_eq(w3w__base58_decode(back, sizeof back, &n, "", 0), W3W__CRYPTO_EFORMAT);
		return;
	}
	ck_assert_int_eq(w3w__base58_decode(back, sizeof back, &n, text, strlen(text)), 0);
	ck_assert_uint_eq(n, len);
	ck_assert_mem_eq(back, bytes, len);
}
END_TEST

START_TEST(base58_errors)
{
	unsigned char out[8];
	char text[4];
	size_t n;

	/* 0, O, I and l are not in the alphabet, nor are spaces. */
	ck_assert_int_eq(w3w__base58_decode(out, sizeof out, &n, "10", 2), W3W__CRYPTO_ECHARSET);
	ck_assert_int_eq(w3w__base58_decode(out, sizeof out, &n, "1O", 2), W3W__CRYPTO_ECHARSET);
	ck_assert_int_eq(w3w__base58_decode(out, sizeof out, &n, "Il", 2), W3W__CRYPTO_ECHARSET);
	ck_assert_int_eq(w3w__base58_decode(out, sizeof out, &n, "2g ", 3), W3W__CRYPTO_ECHARSET);
	/* Too big for out. */
	ck_assert_int_eq(w3w__base58_decode(out, 2, &n, "a3gV", 4), W3W__CRYPTO_ELENGTH);
	ck_assert_int_eq(w3w__base58_encode(text, sizeof text, (const unsigned char *)"bbbb", 4),
	                 W3W__CRYPTO_ELENGTH);
}
END_TEST

START_TEST(base58check_round_trip_and_errors)
{
	/* The genesis block's P2PKH address: version 0x00 + HASH160. */
	const char *addr = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa";
	unsigned char payload[32];
	char text[64], bad[64];
	size_t n = 0;

	ck_assert_int_eq(w3w__base58check_decode(payload, sizeof payload, &n, addr, strlen(addr)), 0);
	ck_assert_uint_eq(n, 21);
	w3w_test_assert_hex(payload, n, "0062e907b15cbf27d5425399ebf6f0fb50ebb88f18");
	ck_assert_int_eq(w3w__base58check_encode(text, sizeof text, payload, n), 0);
	ck_assert_str_eq(text, addr);
	/* Change one character: the checksum no longer matches. */
	strcpy(bad, addr);
	bad[5] = bad[5] == 'a' ? 'b' : 'a';
	ck_assert_int_eq(w3w__base58check_decode(payload, sizeof payload, &n, bad, strlen(bad)),
	                 W3W__CRYPTO_ECHECKSUM);
	/* Fewer than 4 bytes cannot carry a checksum. */
	ck_assert_int_eq(w3w__base58check_decode(payload, sizeof payload, &n, "2g", 2), W3W__CRYPTO_ELENGTH);
}
END_TEST

/* Add, subtract, multiply by 64 bits: the sums and products of fees (gas x price) and their totals. */
START_TEST(u256_arithmetic)
{
	const char *max = "115792089237316195423570985008687907853269984665640564039457584007913129639935";
	char text[W3W__U256_DECIMAL_SIZE];
	w3w__u256 a, b, r, one;

	w3w__u256_from_u64(&one, 1);
	ck_assert_int_eq(w3w__u256_parse(&a, "18446744073709551615", 20), 0); /* 2^64 - 1 */
	ck_assert_int_eq(w3w__u256_add(&r, &a, &one), 0);
	w3w__u256_to_decimal(text, sizeof text, &r);
	ck_assert_str_eq(text, "18446744073709551616");
	ck_assert_int_eq(w3w__u256_mul_u64(&r, &a, UINT64_MAX), 0);
	w3w__u256_to_decimal(text, sizeof text, &r);
	ck_assert_str_eq(text, "340282366920938463426481119284349108225"); /* (2^64 - 1)^2 */
	ck_assert_int_eq(w3w__u256_parse(&b, "21000", 5), 0);
	ck_assert_int_eq(w3w__u256_mul_u64(&r, &b, 1500000007ULL), 0);
	w3w__u256_to_decimal(text, sizeof text, &r);
	ck_assert_str_eq(text, "31500000147000");
	ck_assert_int_eq(w3w__u256_sub(&r, &r, &b), 0);
	w3w__u256_to_decimal(text, sizeof text, &r);
	ck_assert_str_eq(text, "31500000126000");
	ck_assert_int_eq(w3w__u256_sub(&r, &b, &b), 0);
	ck_assert(w3w__u256_is_zero(&r));
	/* Out of range: nothing written. */
	r = one;
	ck_assert_int_ne(w3w__u256_sub(&r, &one, &b), 0);
	ck_assert_int_eq(w3w__u256_cmp(&r, &one), 0);
	ck_assert_int_eq(w3w__u256_parse(&a, max, strlen(max)), 0);
	ck_assert_int_ne(w3w__u256_add(&r, &a, &one), 0);
	ck_assert_int_ne(w3w__u256_mul_u64(&r, &a, 2), 0);
	ck_assert_int_eq(w3w__u256_mul_u64(&r, &a, 1), 0);
	ck_assert_int_eq(w3w__u256_cmp(&r, &a), 0);
	ck_assert_int_eq(w3w__u256_parse(&b, "0x1" "00000000000000000000000000000000000000000000000000000000", 59), 0); /* 2^224 */
	ck_assert_int_ne(w3w__u256_mul_u64(&r, &b, 1ULL << 32), 0);
	ck_assert_int_eq(w3w__u256_mul_u64(&r, &b, (1ULL << 32) - 1), 0);
}
END_TEST

START_TEST(u256_parse_print)
{
	static const char *max = "115792089237316195423570985008687907853269984665640564039457584007913129639935";
	w3w__u256 a, b;
	char text[W3W__U256_DECIMAL_SIZE];

	ck_assert_int_eq(w3w__u256_parse(&a, "1000000000000000000", 19), 0);
	w3w_test_assert_hex(a.be, 32, "0000000000000000000000000000000000000000000000000de0b6b3a7640000");
	ck_assert_int_eq(w3w__u256_parse(&b, "0x0DE0b6b3a7640000", 18), 0);
	ck_assert_int_eq(w3w__u256_cmp(&a, &b), 0);
	ck_assert_int_eq(w3w__u256_to_decimal(text, sizeof text, &a), 0);
	ck_assert_str_eq(text, "1000000000000000000");

	ck_assert_int_eq(w3w__u256_parse(&a, max, strlen(max)), 0);
	ck_assert_int_eq(w3w__u256_to_decimal(text, sizeof text, &a), 0);
	ck_assert_str_eq(text, max);
	ck_assert_int_eq(w3w__u256_parse(&b, "0x" "ffffffffffffffffffffffffffffffff"
	                                 "ffffffffffffffffffffffffffffffff", 66), 0);
	ck_assert_int_eq(w3w__u256_cmp(&a, &b), 0);

	ck_assert_int_eq(w3w__u256_parse(&a, "0", 1), 0);
	ck_assert(w3w__u256_is_zero(&a));
	ck_assert_int_eq(w3w__u256_to_decimal(text, sizeof text, &a), 0);
	ck_assert_str_eq(text, "0");
	w3w__u256_from_u64(&a, 20000000000ULL);
	ck_assert_int_eq(w3w__u256_parse(&b, "20000000000", 11), 0);
	ck_assert_int_eq(w3w__u256_cmp(&a, &b), 0);
	ck_assert_int_eq(w3w__u256_parse(&b, "20000000001", 11), 0);
	ck_assert_int_eq(w3w__u256_cmp(&a, &b), -1);
}
END_TEST

START_TEST(u256_errors)
{
	static const char *over = "115792089237316195423570985008687907853269984665640564039457584007913129639936";
	w3w__u256 a;
	char small[3];

	w3w__u256_from_u64(&a, 7);
	ck_assert_int_eq(w3w__u256_parse(&a, over, strlen(over)), W3W__CRYPTO_ERANGE);
	ck_assert_int_eq(w3w__u256_parse(&a, "0x1" "00000000000000000000000000000000"
	                                 "00000000000000000000000000000000", 67), W3W__CRYPTO_ERANGE);
	ck_assert_int_eq(w3w__u256_parse(&a, "", 0), W3W__CRYPTO_EFORMAT);
	ck_assert_int_eq(w3w__u256_parse(&a, "0x", 2), W3W__CRYPTO_EFORMAT);
	ck_assert_int_eq(w3w__u256_parse(&a, "-1", 2), W3W__CRYPTO_ECHARSET);
	ck_assert_int_eq(w3w__u256_parse(&a, "1.5", 3), W3W__CRYPTO_ECHARSET);
	ck_assert_int_eq(w3w__u256_parse(&a, "12ab", 4), W3W__CRYPTO_ECHARSET);
	ck_assert_int_eq(w3w__u256_parse(&a, " 1", 2), W3W__CRYPTO_ECHARSET);
	/* Nothing changed by the failures. */
	w3w_test_assert_hex(a.be + 31, 1, "07");
	w3w__u256_from_u64(&a, 1000);
	ck_assert_int_eq(w3w__u256_to_decimal(small, sizeof small, &a), W3W__CRYPTO_ELENGTH);
}
END_TEST

START_TEST(hdpath_parse)
{
	uint32_t idx[8];
	size_t n = 99;

	ck_assert_int_eq(w3w__hdpath_parse(idx, 8, &n, "m"), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(w3w__hdpath_parse(idx, 8, &n, "m/44'/60'/0'/0/5"), 0);
	ck_assert_uint_eq(n, 5);
	ck_assert_uint_eq(idx[0], 0x8000002cu);
	ck_assert_uint_eq(idx[1], 0x8000003cu);
	ck_assert_uint_eq(idx[2], 0x80000000u);
	ck_assert_uint_eq(idx[3], 0);
	ck_assert_uint_eq(idx[4], 5);
	ck_assert_int_eq(w3w__hdpath_parse(idx, 8, &n, "m/0h/2147483647H"), 0);
	ck_assert_uint_eq(idx[1], 0xffffffffu);
}
END_TEST

static const char *bad_paths[] = {
	"", "M/0", "/0", "m/", "m//0", "m/0/", "m/-1", "m/+1", "m/ 1", "m/1 ", "m/2147483648",
	"m/99999999999", "m/0''", "m/0x1", "m0", "n/0", "m/1/2/3/4/5/6/7/8/9",
};

START_TEST(hdpath_rejects)
{
	uint32_t idx[8];
	size_t n = 42;

	ck_assert_int_eq(w3w__hdpath_parse(idx, 8, &n, bad_paths[_i]), W3W__CRYPTO_EPATH);
	ck_assert_uint_eq(n, 42);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("crypto_encoding");
	TCase *tc = tcase_create("encoding");

	tcase_add_test(tc, hex_round_trip_and_errors);
	tcase_add_loop_test(tc, base58_vectors, 0, (int)(sizeof b58_cases / sizeof b58_cases[0]));
	tcase_add_test(tc, base58_errors);
	tcase_add_test(tc, base58check_round_trip_and_errors);
	tcase_add_test(tc, u256_parse_print);
	tcase_add_test(tc, u256_arithmetic);
	tcase_add_test(tc, u256_errors);
	tcase_add_test(tc, hdpath_parse);
	tcase_add_loop_test(tc, hdpath_rejects, 0, (int)(sizeof bad_paths / sizeof bad_paths[0]));
	suite_add_tcase(s, tc);
	return w3w_test_run(s);
}

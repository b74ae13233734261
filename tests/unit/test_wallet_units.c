/*
 * Amounts between the chain (256-bit base units, any decimals) and the
 * ledger (int64 units of 1e-8): deposits round down and report the dust
 * exactly, withdrawals refuse what the asset cannot represent. And the
 * asset list of the chain options.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/u256.h"
#include "wallet/wallet_internal.h"

static w3w__u256 num(const char *decimal)
{
	w3w__u256 v;
	ck_assert_int_eq(w3w__u256_parse(&v, decimal, strlen(decimal)), 0);
	return v;
}

static void from_chain(const char *value, int decimals, w3w_amount want, const char *want_dust)
{
	w3w__u256 v = num(value);
	w3w_amount got = -1;
	char dust[W3W_U256_TEXT_SIZE];

	ck_assert_msg(w3w__units_from_chain(&got, dust, &v, decimals) == W3W_OK, "%s/%d: %s", value, decimals,
		w3w_error_message());
	ck_assert_int_eq(got, want);
	ck_assert_str_eq(dust, want_dust);
}

START_TEST(deposits_round_down_and_keep_the_dust)
{
	/* 18 decimals (ETH): 1e-8 is 10^10 wei. */
	from_chain("1000000000000000000", 18, W3W_AMOUNT_SCALE, "0");
	from_chain("1000000000000000001", 18, W3W_AMOUNT_SCALE, "1");
	from_chain("1234567890123456789", 18, 123456789, "123456789");
	from_chain("9999999999", 18, 0, "9999999999");           /* all dust */
	from_chain("10000000000", 18, 1, "0");                   /* exactly 1e-8 */
	from_chain("1", 18, 0, "1");
	from_chain("0", 18, 0, "0");
	from_chain("20000000000000000001", 18, 20 * W3W_AMOUNT_SCALE, "1");
	/* 6 decimals (USDC): every base unit is a whole number of 1e-8. */
	from_chain("2500000", 6, 250000000, "0");
	from_chain("1", 6, 100, "0");
	/* 8 and 0 decimals. */
	from_chain("12345678", 8, 12345678, "0");
	from_chain("7", 0, 7 * W3W_AMOUNT_SCALE, "0");
	/* 24 decimals: 16 digits of dust. */
	from_chain("1000000000000000000000001", 24, W3W_AMOUNT_SCALE, "1");
	from_chain("1000000000000009990000000", 24, W3W_AMOUNT_SCALE, "9990000000");
	/* The ledger's maximum, and one base unit of 1e-8 more. */
	from_chain("9999999999999999990000000000", 18, W3W_AMOUNT_MAX, "0");
}
END_TEST

START_TEST(deposits_beyond_the_ledger_are_refused)
{
	w3w__u256 v = num("10000000000000000000000000000"); /* 10^10 ETH */
	w3w__u256 max = num("115792089237316195423570985008687907853269984665640564039457584007913129639935");
	w3w_amount got = 42;
	char dust[W3W_U256_TEXT_SIZE];

	ck_assert_int_eq(w3w__units_from_chain(&got, dust, &v, 18), W3W_EINVAL);
	ck_assert_int_eq(w3w__units_from_chain(&got, dust, &max, 18), W3W_EINVAL);
	ck_assert_int_eq(w3w__units_from_chain(&got, dust, &max, 6), W3W_EINVAL);
	v = num("10000000000000000000"); /* 10^19 base units at 0 decimals */
	ck_assert_int_eq(w3w__units_from_chain(&got, dust, &v, 0), W3W_EINVAL);
}
END_TEST

static void to_chain(w3w_amount units, int decimals, const char *want)
{
	w3w__u256 v;
	char text[W3W__U256_DECIMAL_SIZE];

	ck_assert_msg(w3w__units_to_chain(&v, units, decimals, "X") == W3W_OK, "%lld/%d: %s", (long long)units,
		decimals, w3w_error_message());
	ck_assert_int_eq(w3w__u256_to_decimal(text, sizeof(text), &v), 0);
	ck_assert_str_eq(text, want);
}

START_TEST(withdrawals_are_exact_or_refused)
{
	w3w__u256 v;

	to_chain(150000000, 18, "1500000000000000000");
	to_chain(1, 18, "10000000000");
	to_chain(W3W_AMOUNT_MAX, 18, "9999999999999999990000000000");
	to_chain(250000000, 6, "2500000");
	to_chain(100, 6, "1");
	to_chain(12345678, 8, "12345678");
	to_chain(3 * W3W_AMOUNT_SCALE, 0, "3");
	to_chain(1, 36, "10000000000000000000000000000");
	/* 0.1234567 USDC has 7 decimals; USDC has 6. */
	ck_assert_int_eq(w3w__units_to_chain(&v, 12345670, 6, "USDC"), W3W_EINVAL);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "USDC has 6 decimals"));
	ck_assert_int_eq(w3w__units_to_chain(&v, 1, 6, "USDC"), W3W_EINVAL);
	ck_assert_int_eq(w3w__units_to_chain(&v, 150000000 + 1, 0, "WHOLE"), W3W_EINVAL);
	ck_assert_int_eq(w3w__units_to_chain(&v, -1, 18, "ETH"), W3W_EINVAL);
}
END_TEST

static w3w_status parse(const char *text, w3w__asset *out, size_t *n)
{
	return w3w__assets_parse(out, n, text);
}

START_TEST(asset_lists)
{
	w3w__asset a[W3W__ASSETS_MAX];
	size_t n = 0;

	ck_assert_int_eq(parse("ETH=native:18, USDC=0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48:6", a, &n), W3W_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(a[0].currency, "ETH");
	ck_assert_int_eq(a[0].native, 1);
	ck_assert_int_eq(a[0].decimals, 18);
	ck_assert_str_eq(a[1].currency, "USDC");
	ck_assert_int_eq(a[1].native, 0);
	ck_assert_str_eq(a[1].contract_hex, "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48");
	ck_assert_int_eq(a[1].decimals, 6);
	ck_assert_int_eq(parse("", a, &n), W3W_OK);
	ck_assert_uint_eq(n, 0);

	ck_assert_int_eq(parse("ETH", a, &n), W3W_EINVAL);
	ck_assert_int_eq(parse("eth=native:18", a, &n), W3W_EINVAL);
	ck_assert_int_eq(parse("ETH=native:37", a, &n), W3W_EINVAL);
	ck_assert_int_eq(parse("ETH=native:-1", a, &n), W3W_EINVAL);
	ck_assert_int_eq(parse("ETH=native:x", a, &n), W3W_EINVAL);
	ck_assert_int_eq(parse("ETH=native:18,ETH=native:18", a, &n), W3W_EINVAL);
	ck_assert_int_eq(parse("ETH=native:18,WETH=native:18", a, &n), W3W_EINVAL);
	ck_assert_int_eq(parse("USDC=0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB49:6", a, &n), W3W_EINVAL);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "checksum"));
	ck_assert_int_eq(parse("USDC=0xA0b8:6", a, &n), W3W_EINVAL);
	ck_assert_int_eq(parse("A=0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48:6,B=0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48:6",
		a, &n), W3W_EINVAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("wallet_units");
	TCase *tc = tcase_create("units");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, deposits_round_down_and_keep_the_dust);
	tcase_add_test(tc, deposits_beyond_the_ledger_are_refused);
	tcase_add_test(tc, withdrawals_are_exact_or_refused);
	tcase_add_test(tc, asset_lists);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

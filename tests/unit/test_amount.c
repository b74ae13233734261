/*
 * Exact amounts: the shared vectors of tests/vectors/amounts.json, then the
 * overflow edges of w3w_amount_mul() and w3w_amount_add().
 */
#include <check.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include <w3wallet.h>

/* ---- vectors -------------------------------------------------------------- */

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return NULL;
	}
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		buf[n] = '\0';
	fclose(f);
	return buf;
}

static cJSON *load_vectors(const char *name)
{
	const char *dir = getenv("W3W_VECTORS_DIR");
	char path[4096];
	char *text;
	cJSON *json;

	if (!dir || !*dir)
		dir = W3W_SOURCE_DIR "/tests/vectors";
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	text = read_file(path);
	ck_assert_msg(text != NULL, "cannot read %s", path);
	json = cJSON_Parse(text);
	free(text);
	ck_assert_msg(json != NULL, "%s is not valid JSON", path);
	return json;
}

/* Units are strings in the vectors: they exceed the precision of doubles. */
static int64_t units_of(const cJSON *item, const char *what)
{
	const char *s = cJSON_GetStringValue(item);
	char *end;
	long long v;

	ck_assert_msg(s != NULL, "%s: units must be a string", what);
	errno = 0;
	v = strtoll(s, &end, 10);
	ck_assert_msg(errno == 0 && *end == '\0' && end != s, "%s: bad units \"%s\"", what, s);
	return (int64_t)v;
}

static int contains_nocase(const char *haystack, const char *needle)
{
	size_t n = strlen(needle);
	for (; *haystack; haystack++)
		if (strncasecmp(haystack, needle, n) == 0)
			return 1;
	return n == 0;
}

START_TEST(vectors_parse)
{
	cJSON *root = load_vectors("amounts.json");
	const cJSON *cases = cJSON_GetObjectItemCaseSensitive(root, "parse");
	const cJSON *c;
	int count = 0;

	ck_assert(cJSON_IsArray(cases));
	cJSON_ArrayForEach(c, cases) {
		const char *input = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "input"));
		int ok = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "ok"));
		w3w_amount got = -42;
		w3w_status st;

		ck_assert(input != NULL);
		w3w_error_clear();
		st = w3w_amount_parse(&got, input);
		if (ok) {
			int64_t want = units_of(cJSON_GetObjectItemCaseSensitive(c, "units"), input);
			ck_assert_msg(st == W3W_OK, "parse \"%s\": %s (%s)", input,
				w3w_status_name(st), w3w_error_message());
			ck_assert_msg(got == want, "parse \"%s\": got %" PRId64 ", want %" PRId64,
				input, got, want);
		} else {
			const char *want_msg = cJSON_GetStringValue(
				cJSON_GetObjectItemCaseSensitive(c, "error_contains"));
			ck_assert_msg(st == W3W_EINVAL, "parse \"%s\": got %s, want invalid",
				input, w3w_status_name(st));
			ck_assert_msg(got == -42, "parse \"%s\": refused but wrote the output", input);
			ck_assert_msg(w3w_error_code() == W3W_EINVAL, "parse \"%s\": error code not set", input);
			ck_assert_msg(w3w_error_message()[0] != '\0', "parse \"%s\": empty message", input);
			if (want_msg)
				ck_assert_msg(contains_nocase(w3w_error_message(), want_msg),
					"parse \"%s\": message \"%s\" lacks \"%s\"", input,
					w3w_error_message(), want_msg);
		}
		count++;
	}
	ck_assert_int_ge(count, 40);
	cJSON_Delete(root);
}
END_TEST

START_TEST(vectors_format)
{
	cJSON *root = load_vectors("amounts.json");
	const cJSON *cases = cJSON_GetObjectItemCaseSensitive(root, "format");
	int64_t max = units_of(cJSON_GetObjectItemCaseSensitive(root, "max_units"), "max_units");
	const cJSON *c;

	ck_assert_int_eq(max, W3W_AMOUNT_MAX);
	ck_assert(cJSON_IsArray(cases));
	cJSON_ArrayForEach(c, cases) {
		int64_t units = units_of(cJSON_GetObjectItemCaseSensitive(c, "units"), "format");
		const char *want = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "text"));
		char buf[W3W_AMOUNT_STRLEN];
		w3w_amount back;

		ck_assert(want != NULL);
		memset(buf, 'x', sizeof(buf));
		ck_assert_int_eq(w3w_amount_format(buf, sizeof(buf), units), W3W_OK);
		ck_assert_msg(strcmp(buf, want) == 0, "format %" PRId64 ": got \"%s\", want \"%s\"",
			units, buf, want);
		if (units >= 0 && units <= max) {
			ck_assert_int_eq(w3w_amount_parse(&back, buf), W3W_OK);
			ck_assert_int_eq(back, units);
		}
	}
	cJSON_Delete(root);
}
END_TEST

/* ---- round trips and buffers ---------------------------------------------- */

START_TEST(format_parse_round_trip)
{
	/* Powers of ten, their neighbours and a pseudo-random walk. */
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	for (int i = 0; i < 20000; i++) {
		w3w_amount v, back;
		char buf[W3W_AMOUNT_STRLEN];
		if (i < 19 * 3) {
			int64_t p = 1;
			for (int k = 0; k < i / 3; k++)
				p *= 10;
			v = p + (i % 3) - 1;
		} else {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			v = (w3w_amount)(x % ((uint64_t)W3W_AMOUNT_MAX + 1));
		}
		if (v < 0 || v > W3W_AMOUNT_MAX)
			continue;
		ck_assert_int_eq(w3w_amount_format(buf, sizeof(buf), v), W3W_OK);
		ck_assert_msg(w3w_amount_parse(&back, buf) == W3W_OK, "\"%s\": %s", buf, w3w_error_message());
		ck_assert_msg(back == v, "%" PRId64 " -> \"%s\" -> %" PRId64, v, buf, back);
	}
}
END_TEST

START_TEST(format_refuses_short_buffer)
{
	char buf[W3W_AMOUNT_STRLEN + 4];
	memset(buf, 'x', sizeof(buf));
	/* "1.5" would fit in 4 bytes, but the contract is W3W_AMOUNT_STRLEN. */
	ck_assert_int_ne(w3w_amount_format(buf, 2, 150000000), W3W_OK);
	ck_assert_msg(buf[2] == 'x', "wrote past buflen");
	ck_assert_int_ne(w3w_amount_format(NULL, W3W_AMOUNT_STRLEN, 1), W3W_OK);
	ck_assert_int_eq(w3w_amount_format(buf, W3W_AMOUNT_STRLEN, INT64_MIN), W3W_OK);
	ck_assert_uint_lt(strlen(buf), W3W_AMOUNT_STRLEN);
}
END_TEST

START_TEST(parse_null_arguments)
{
	w3w_amount v = 7;
	ck_assert_int_eq(w3w_amount_parse(&v, NULL), W3W_EINVAL);
	ck_assert_int_eq(v, 7);
	ck_assert_int_eq(w3w_amount_parse(NULL, "1"), W3W_EINVAL);
}
END_TEST

/* ---- arithmetic edges ----------------------------------------------------- */

START_TEST(mul_edges)
{
	w3w_amount out = -42;

	ck_assert_int_eq(w3w_amount_mul(&out, 150000000, 3), W3W_OK);
	ck_assert_int_eq(out, 450000000);
	ck_assert_int_eq(w3w_amount_mul(&out, 0, 5), W3W_OK);
	ck_assert_int_eq(out, 0);
	ck_assert_int_eq(w3w_amount_mul(&out, W3W_AMOUNT_MAX, 1), W3W_OK);
	ck_assert_int_eq(out, W3W_AMOUNT_MAX);
	ck_assert_int_eq(w3w_amount_mul(&out, 333333333333333333LL, 3), W3W_OK);
	ck_assert_int_eq(out, W3W_AMOUNT_MAX);
	ck_assert_int_eq(w3w_amount_mul(&out, 1, W3W_AMOUNT_MAX), W3W_OK);
	ck_assert_int_eq(out, W3W_AMOUNT_MAX);
	ck_assert_int_eq(w3w_amount_mul(&out, W3W_AMOUNT_SCALE, 9999999999LL), W3W_OK);
	ck_assert_int_eq(out, 999999999900000000LL);

	out = -42;
	ck_assert_int_eq(w3w_amount_mul(&out, 333333333333333334LL, 3), W3W_EINVAL);
	ck_assert_int_eq(out, -42);
	ck_assert_int_eq(w3w_amount_mul(&out, W3W_AMOUNT_MAX, 2), W3W_EINVAL);
	ck_assert_int_eq(w3w_amount_mul(&out, W3W_AMOUNT_SCALE, 10000000000LL), W3W_EINVAL);
	ck_assert_int_eq(w3w_amount_mul(&out, 1, W3W_AMOUNT_MAX + 1), W3W_EINVAL);
	/* Products that overflow int64 itself must be refused without UB. */
	ck_assert_int_eq(w3w_amount_mul(&out, INT64_MAX, INT64_MAX), W3W_EINVAL);
	ck_assert_int_eq(w3w_amount_mul(&out, 4294967296LL, 4294967296LL), W3W_EINVAL);
	ck_assert_int_eq(w3w_amount_mul(&out, 3037000500LL, 3037000500LL), W3W_EINVAL);
	ck_assert_int_eq(w3w_amount_mul(&out, W3W_AMOUNT_MAX, W3W_QUANTITY_MAX), W3W_EINVAL);
	ck_assert_int_eq(out, -42);
	ck_assert_str_ne(w3w_error_message(), "");
}
END_TEST

START_TEST(add_edges)
{
	w3w_amount out = -42;

	ck_assert_int_eq(w3w_amount_add(&out, 1, 2), W3W_OK);
	ck_assert_int_eq(out, 3);
	ck_assert_int_eq(w3w_amount_add(&out, W3W_AMOUNT_MAX, 0), W3W_OK);
	ck_assert_int_eq(out, W3W_AMOUNT_MAX);
	ck_assert_int_eq(w3w_amount_add(&out, W3W_AMOUNT_MAX - 1, 1), W3W_OK);
	ck_assert_int_eq(out, W3W_AMOUNT_MAX);
	ck_assert_int_eq(w3w_amount_add(&out, 0, 0), W3W_OK);
	ck_assert_int_eq(out, 0);

	out = -42;
	ck_assert_int_eq(w3w_amount_add(&out, W3W_AMOUNT_MAX, 1), W3W_EINVAL);
	ck_assert_int_eq(w3w_amount_add(&out, 1, W3W_AMOUNT_MAX), W3W_EINVAL);
	ck_assert_int_eq(w3w_amount_add(&out, W3W_AMOUNT_MAX, W3W_AMOUNT_MAX), W3W_EINVAL);
	ck_assert_int_eq(w3w_amount_add(&out, INT64_MAX, INT64_MAX), W3W_EINVAL);
	ck_assert_int_eq(w3w_amount_add(&out, INT64_MAX, 1), W3W_EINVAL);
	ck_assert_int_eq(out, -42);
}
END_TEST

/* Σ price × quantity of a full order of maximal items is refused, not wrapped. */
START_TEST(order_sum_does_not_wrap)
{
	w3w_amount total = 0, line;
	int refused = 0;
	for (int i = 0; i < W3W_ORDER_ITEMS_MAX; i++) {
		if (w3w_amount_mul(&line, W3W_AMOUNT_MAX / W3W_QUANTITY_MAX, W3W_QUANTITY_MAX) != W3W_OK)
			ck_abort_msg("line %d refused", i);
		if (w3w_amount_add(&total, total, line) != W3W_OK) {
			refused = 1;
			break;
		}
		ck_assert_int_le(total, W3W_AMOUNT_MAX);
	}
	ck_assert(refused);
}
END_TEST

static Suite *amount_suite(void)
{
	Suite *s = suite_create("amount");
	TCase *tc = tcase_create("amount");
	tcase_add_test(tc, vectors_parse);
	tcase_add_test(tc, vectors_format);
	tcase_add_test(tc, format_parse_round_trip);
	tcase_add_test(tc, format_refuses_short_buffer);
	tcase_add_test(tc, parse_null_arguments);
	tcase_add_test(tc, mul_edges);
	tcase_add_test(tc, add_edges);
	tcase_add_test(tc, order_sum_does_not_wrap);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(amount_suite());
	int failed;
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

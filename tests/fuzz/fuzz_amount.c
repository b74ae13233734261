/*
 * Decimal amounts (w3w_amount_parse, and the signed form storage reads).
 * Properties: an accepted amount is in [0, W3W_AMOUNT_MAX], formats to a
 * string that parses back to the same value, and that string is the
 * canonical form (formatting it again gives the same text).
 */
#include "fuzz.h"

#include "w3wallet/amount.h"
#include "util/decimal.h"

static void round_trip(w3w_amount v, int is_signed)
{
	char text[W3W_AMOUNT_STRLEN], again[W3W_AMOUNT_STRLEN];
	w3w_amount back = -1;

	FUZZ_CHECK(w3w_amount_format(text, sizeof(text), v) == W3W_OK);
	FUZZ_CHECK((is_signed ? w3w__amount_parse_signed(&back, text) : w3w_amount_parse(&back, text)) == W3W_OK);
	FUZZ_CHECK(back == v);
	FUZZ_CHECK(w3w_amount_format(again, sizeof(again), back) == W3W_OK);
	FUZZ_CHECK(strcmp(text, again) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	w3w_amount v = -1, s = 0;

	if (w3w_amount_parse(&v, text) == W3W_OK) {
		FUZZ_CHECK(v >= 0 && v <= W3W_AMOUNT_MAX);
		round_trip(v, 0);
		/* The signed parser accepts whatever the unsigned one does, with the same value. */
		FUZZ_CHECK(w3w__amount_parse_signed(&s, text) == W3W_OK && s == v);
	}
	if (w3w__amount_parse_signed(&s, text) == W3W_OK) {
		FUZZ_CHECK(s != INT64_MIN);
		round_trip(s, 1);
		if (s >= 0 && s <= W3W_AMOUNT_MAX && text[0] != '-')
			FUZZ_CHECK(w3w_amount_parse(&v, text) == W3W_OK && v == s);
	}
	free(text);
	return 0;
}

/* Exact decimal amounts: int64 units of 10^-8, parsed and printed as text. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "w3wallet/amount.h"
#include "w3wallet/sys/backend.h"
#include "util/decimal.h"

/* Parse an unsigned decimal of at most `max` units. */
static w3w_status parse_magnitude(w3w_amount *out, const char *p, int64_t max)
{
	int64_t whole = 0, frac = 0;
	int whole_digits = 0, frac_digits = 0;

	for (; *p >= '0' && *p <= '9'; p++, whole_digits++) {
		if (whole > (max / W3W_AMOUNT_SCALE))
			return w3w_error_set(W3W_EINVAL, "amount: too large (at most 9999999999.99999999)");
		whole = whole * 10 + (*p - '0');
	}
	if (whole_digits == 0)
		return w3w_error_set(W3W_EINVAL, "amount: must start with a digit");
	if (*p == '.') {
		p++;
		for (; *p >= '0' && *p <= '9'; p++, frac_digits++) {
			if (frac_digits == W3W_AMOUNT_DECIMALS)
				return w3w_error_set(W3W_EINVAL, "amount: more than 8 decimals");
			frac = frac * 10 + (*p - '0');
		}
		if (frac_digits == 0)
			return w3w_error_set(W3W_EINVAL, "amount: no digits after the decimal point");
	}
	if (*p != '\0') {
		unsigned char c = (unsigned char)*p;
		if (c >= 0x20 && c < 0x7f)
			return w3w_error_set(W3W_EINVAL, "amount: unexpected character '%c' (digits and one '.' only)", c);
		return w3w_error_set(W3W_EINVAL, "amount: unexpected byte 0x%02x (digits and one '.' only)", c);
	}
	for (int i = frac_digits; i < W3W_AMOUNT_DECIMALS; i++)
		frac *= 10;
	if (whole > (max - frac) / W3W_AMOUNT_SCALE)
		return w3w_error_set(W3W_EINVAL, "amount: too large (at most 9999999999.99999999)");
	*out = whole * W3W_AMOUNT_SCALE + frac;
	return W3W_OK;
}

w3w_status w3w_amount_parse(w3w_amount *out, const char *text)
{
	if (!out || !text)
		return w3w_error_set(W3W_EINVAL, "amount: missing");
	if (*text == '\0')
		return w3w_error_set(W3W_EINVAL, "amount: empty");
	if (*text == '-')
		return w3w_error_set(W3W_EINVAL, "amount: must not be negative");
	return parse_magnitude(out, text, W3W_AMOUNT_MAX);
}

w3w_status w3w__amount_parse_signed(w3w_amount *out, const char *text)
{
	w3w_amount m;
	int negative = 0;
	w3w_status st;

	if (!out || !text || *text == '\0')
		return w3w_error_set(W3W_EINVAL, "amount: empty");
	if (*text == '-') {
		negative = 1;
		text++;
	}
	st = parse_magnitude(&m, text, INT64_MAX);
	if (st != W3W_OK)
		return st;
	*out = negative ? -m : m;
	return W3W_OK;
}

w3w_status w3w_amount_format(char *buf, size_t buflen, w3w_amount amount)
{
	uint64_t mag;
	uint64_t whole, frac;
	char fracbuf[W3W_AMOUNT_DECIMALS + 1];
	int n;

	if (!buf || buflen < W3W_AMOUNT_STRLEN)
		return w3w_error_set(W3W_EINVAL, "amount: buffer shorter than W3W_AMOUNT_STRLEN");
	mag = amount < 0 ? (uint64_t)0 - (uint64_t)amount : (uint64_t)amount;
	whole = mag / W3W_AMOUNT_SCALE;
	frac = mag % W3W_AMOUNT_SCALE;
	if (frac == 0) {
		snprintf(buf, buflen, "%s%" PRIu64, amount < 0 ? "-" : "", whole);
		return W3W_OK;
	}
	snprintf(fracbuf, sizeof(fracbuf), "%08" PRIu64, frac);
	n = W3W_AMOUNT_DECIMALS;
	while (n > 0 && fracbuf[n - 1] == '0')
		fracbuf[--n] = '\0';
	snprintf(buf, buflen, "%s%" PRIu64 ".%s", amount < 0 ? "-" : "", whole, fracbuf);
	return W3W_OK;
}

w3w_status w3w_amount_mul(w3w_amount *out, w3w_amount price, int64_t quantity)
{
	if (price < 0 || quantity < 0)
		return w3w_error_set(W3W_EINVAL, "amount: negative operand");
	if (quantity != 0 && price > W3W_AMOUNT_MAX / quantity)
		return w3w_error_set(W3W_EINVAL, "amount: price x quantity exceeds 9999999999.99999999");
	*out = price * quantity;
	return W3W_OK;
}

w3w_status w3w_amount_add(w3w_amount *out, w3w_amount a, w3w_amount b)
{
	if (a < 0 || b < 0)
		return w3w_error_set(W3W_EINVAL, "amount: negative operand");
	if (a > W3W_AMOUNT_MAX - b)
		return w3w_error_set(W3W_EINVAL, "amount: sum exceeds 9999999999.99999999");
	*out = a + b;
	return W3W_OK;
}

/*
 * On-chain amounts (256-bit base units of an asset with `decimals`) and
 * ledger amounts (int64 units of 1e-8), converted exactly:
 *  - deposits round DOWN to 1e-8 and report the base units lost (dust);
 *  - withdrawals must be representable in the asset: an amount with more
 *    decimals than the asset has is refused, never rounded.
 */
#include <stdio.h>
#include <string.h>

#include "crypto/crypto.h"
#include "wallet/wallet_internal.h"

void w3w__u256_pow10(w3w__u256 *v, int n)
{
	w3w__u256_from_u64(v, 1);
	for (int i = 0; i < n; i++)
		w3w__u256_mul_add_small(v, 10, 0);
}

/* v /= 10; returns the remainder. */
static unsigned div10(w3w__u256 *v)
{
	unsigned rem = 0;

	for (int i = 0; i < 32; i++) {
		unsigned cur = rem << 8 | v->be[i];
		v->be[i] = (unsigned char)(cur / 10);
		rem = cur % 10;
	}
	return rem;
}

/* v as int64 if it fits W3W_AMOUNT_MAX. */
static int to_amount(w3w_amount *out, const w3w__u256 *v)
{
	uint64_t x = 0;

	for (int i = 0; i < 24; i++)
		if (v->be[i])
			return 0;
	for (int i = 24; i < 32; i++)
		x = x << 8 | v->be[i];
	if (x > (uint64_t)W3W_AMOUNT_MAX)
		return 0;
	*out = (w3w_amount)x;
	return 1;
}

w3w_status w3w__units_from_chain(w3w_amount *units, char dust[W3W_U256_TEXT_SIZE], const w3w__u256 *value,
	int decimals)
{
	w3w__u256 q = *value;
	char digits[W3W_U256_TEXT_SIZE];
	int n = 0;

	strcpy(dust, "0");
	if (decimals > W3W_AMOUNT_DECIMALS) {
		/* Drop the extra digits one by one, keeping them: they are the dust, least significant first. */
		int extra = decimals - W3W_AMOUNT_DECIMALS;
		for (int i = 0; i < extra; i++)
			digits[n++] = (char)('0' + div10(&q));
		while (n > 1 && digits[n - 1] == '0')
			n--;
		for (int i = 0; i < n; i++)
			dust[i] = digits[n - 1 - i];
		dust[n] = '\0';
	} else {
		for (int i = decimals; i < W3W_AMOUNT_DECIMALS; i++)
			if (w3w__u256_mul_add_small(&q, 10, 0) != 0)
				return w3w_error_set(W3W_EINVAL, "amount: beyond the ledger's range");
	}
	if (!to_amount(units, &q))
		return w3w_error_set(W3W_EINVAL, "amount: beyond the ledger's range (%s)", "9999999999.99999999");
	return W3W_OK;
}

w3w_status w3w__units_to_chain(w3w__u256 *value, w3w_amount units, int decimals, const char *currency)
{
	uint64_t u = (uint64_t)units;

	if (units < 0)
		return w3w_error_set(W3W_EINVAL, "amount: negative");
	if (decimals < W3W_AMOUNT_DECIMALS) {
		uint64_t step = 1;
		for (int i = decimals; i < W3W_AMOUNT_DECIMALS; i++)
			step *= 10;
		if (u % step != 0)
			return w3w_error_set(W3W_EINVAL, "amount: %s has %d decimals; this amount needs more",
				currency, decimals);
		w3w__u256_from_u64(value, u / step);
		return W3W_OK;
	}
	w3w__u256_from_u64(value, u);
	for (int i = W3W_AMOUNT_DECIMALS; i < decimals; i++)
		if (w3w__u256_mul_add_small(value, 10, 0) != 0)
			return w3w_error_set(W3W_EINVAL, "amount: too large for %s", currency);
	return W3W_OK;
}

void w3w__u256_text(char out[W3W_U256_TEXT_SIZE], const w3w_u256 *v)
{
	w3w__u256 x;

	memcpy(x.be, v->be, 32);
	w3w__u256_to_decimal(out, W3W_U256_TEXT_SIZE, &x);
}

w3w_status w3w__u256_read(w3w_u256 *out, const char *text, const char *field)
{
	w3w__u256 x;
	size_t n = strlen(text);

	if (n == 0 || strspn(text, "0123456789") != n || w3w__u256_parse(&x, text, n) != 0)
		return w3w_error_set(W3W_EINVAL, "%s: \"%.40s\" is not a decimal number of wei", field, text);
	memcpy(out->be, x.be, 32);
	return W3W_OK;
}

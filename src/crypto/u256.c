#include "crypto/u256.h"

#include <string.h>

#include "crypto/crypto.h"

void w3w__u256_from_u64(w3w__u256 *out, uint64_t v)
{
	memset(out->be, 0, sizeof out->be);
	for (int i = 31; i >= 24; i--) {
		out->be[i] = (unsigned char)v;
		v >>= 8;
	}
}

int w3w__u256_mul_add_small(w3w__u256 *v, uint32_t mul, uint32_t add)
{
	w3w__u256 r;
	uint64_t carry = add;

	for (int i = 31; i >= 0; i--) {
		carry += (uint64_t)v->be[i] * mul;
		r.be[i] = (unsigned char)carry;
		carry >>= 8;
	}
	if (carry != 0)
		return W3W__CRYPTO_ERANGE;
	*v = r;
	return W3W__CRYPTO_OK;
}

static int digit_value(char c, unsigned base)
{
	int d = -1;

	if (c >= '0' && c <= '9')
		d = c - '0';
	else if (base == 16 && c >= 'a' && c <= 'f')
		d = c - 'a' + 10;
	else if (base == 16 && c >= 'A' && c <= 'F')
		d = c - 'A' + 10;
	return d;
}

int w3w__u256_parse(w3w__u256 *out, const char *text, size_t len)
{
	w3w__u256 v;
	unsigned base = 10;
	int rc;

	if (out == NULL || (text == NULL && len != 0))
		return W3W__CRYPTO_EINVAL;
	if (len >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
		base = 16;
		text += 2;
		len -= 2;
	}
	if (len == 0)
		return W3W__CRYPTO_EFORMAT;
	memset(v.be, 0, sizeof v.be);
	for (size_t i = 0; i < len; i++) {
		int d = digit_value(text[i], base);

		if (d < 0)
			return W3W__CRYPTO_ECHARSET;
		rc = w3w__u256_mul_add_small(&v, base, (uint32_t)d);
		if (rc != W3W__CRYPTO_OK)
			return rc;
	}
	*out = v;
	return W3W__CRYPTO_OK;
}

int w3w__u256_to_decimal(char *out, size_t out_size, const w3w__u256 *v)
{
	char digits[W3W__U256_DECIMAL_SIZE];
	w3w__u256 q;
	size_t n = 0;

	if (out == NULL || v == NULL)
		return W3W__CRYPTO_EINVAL;
	q = *v;
	do {
		/* Long division of q by 10, most significant byte first. */
		unsigned rem = 0;

		for (int i = 0; i < 32; i++) {
			unsigned cur = rem << 8 | q.be[i];
			q.be[i] = (unsigned char)(cur / 10);
			rem = cur % 10;
		}
		digits[n++] = (char)('0' + rem);
	} while (!w3w__u256_is_zero(&q));
	if (out_size < n + 1)
		return W3W__CRYPTO_ELENGTH;
	for (size_t i = 0; i < n; i++)
		out[i] = digits[n - 1 - i];
	out[n] = '\0';
	return W3W__CRYPTO_OK;
}

int w3w__u256_is_zero(const w3w__u256 *v)
{
	unsigned char acc = 0;

	for (int i = 0; i < 32; i++)
		acc |= v->be[i];
	return acc == 0;
}

int w3w__u256_cmp(const w3w__u256 *a, const w3w__u256 *b)
{
	int c = memcmp(a->be, b->be, sizeof a->be);

	return (c > 0) - (c < 0);
}

int w3w__u256_add(w3w__u256 *out, const w3w__u256 *a, const w3w__u256 *b)
{
	w3w__u256 r;
	unsigned carry = 0;

	for (int i = 31; i >= 0; i--) {
		carry += (unsigned)a->be[i] + b->be[i];
		r.be[i] = (unsigned char)carry;
		carry >>= 8;
	}
	if (carry)
		return W3W__CRYPTO_ERANGE;
	*out = r;
	return W3W__CRYPTO_OK;
}

int w3w__u256_sub(w3w__u256 *out, const w3w__u256 *a, const w3w__u256 *b)
{
	w3w__u256 r;
	int borrow = 0;

	if (w3w__u256_cmp(a, b) < 0)
		return W3W__CRYPTO_ERANGE;
	for (int i = 31; i >= 0; i--) {
		int d = (int)a->be[i] - b->be[i] - borrow;
		borrow = d < 0;
		r.be[i] = (unsigned char)(d + (borrow ? 256 : 0));
	}
	*out = r;
	return W3W__CRYPTO_OK;
}

int w3w__u256_mul_u64(w3w__u256 *out, const w3w__u256 *a, uint64_t m)
{
	w3w__u256 r = *a;

	/* Two 32-bit halves: r = a * hi * 2^32 + a * lo, each step checked for overflow. */
	uint32_t hi = (uint32_t)(m >> 32), lo = (uint32_t)m;
	w3w__u256 part = *a;
	if (w3w__u256_mul_add_small(&r, lo, 0) != W3W__CRYPTO_OK)
		return W3W__CRYPTO_ERANGE;
	if (hi) {
		if (w3w__u256_mul_add_small(&part, hi, 0) != W3W__CRYPTO_OK)
			return W3W__CRYPTO_ERANGE;
		for (int k = 0; k < 4; k++)
			if (w3w__u256_mul_add_small(&part, 256, 0) != W3W__CRYPTO_OK)
				return W3W__CRYPTO_ERANGE;
		if (w3w__u256_add(&r, &r, &part) != W3W__CRYPTO_OK)
			return W3W__CRYPTO_ERANGE;
	}
	*out = r;
	return W3W__CRYPTO_OK;
}

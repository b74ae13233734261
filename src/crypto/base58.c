/* Quadratic base conversion, fine for the short strings wallets use. */
#include "crypto/base58.h"

#include <string.h>
#include <sodium.h>

#include "crypto/crypto.h"

static const char alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/* log(256) / log(58) < 1.37: digits needed per byte, rounded up. */
#define MAX_DIGITS (W3W__BASE58_MAX_BYTES * 137 / 100 + 1)

static int digit_of(char c)
{
	const char *p;

	if (c == '\0')
		return -1;
	p = strchr(alphabet, c);
	return p ? (int)(p - alphabet) : -1;
}

int w3w__base58_encode(char *out, size_t out_size, const unsigned char *in, size_t len)
{
	unsigned char digits[MAX_DIGITS]; /* little-endian base-58 digits */
	size_t zeros = 0, ndigits = 0;
	int rc = W3W__CRYPTO_OK;

	if (out == NULL || (in == NULL && len != 0))
		return W3W__CRYPTO_EINVAL;
	if (len > W3W__BASE58_MAX_BYTES)
		return W3W__CRYPTO_ELENGTH;
	while (zeros < len && in[zeros] == 0)
		zeros++;
	for (size_t i = zeros; i < len; i++) {
		unsigned carry = in[i];

		for (size_t j = 0; j < ndigits; j++) {
			carry += (unsigned)digits[j] << 8;
			digits[j] = (unsigned char)(carry % 58);
			carry /= 58;
		}
		while (carry != 0) {
			digits[ndigits++] = (unsigned char)(carry % 58);
			carry /= 58;
		}
	}
	if (out_size < zeros + ndigits + 1) {
		rc = W3W__CRYPTO_ELENGTH;
	} else {
		memset(out, '1', zeros);
		for (size_t i = 0; i < ndigits; i++)
			out[zeros + i] = alphabet[digits[ndigits - 1 - i]];
		out[zeros + ndigits] = '\0';
	}
	sodium_memzero(digits, sizeof digits);
	return rc;
}

int w3w__base58_decode(unsigned char *out, size_t out_size, size_t *written,
                       const char *text, size_t len)
{
	unsigned char bytes[W3W__BASE58_MAX_BYTES]; /* little-endian */
	size_t zeros = 0, nbytes = 0;
	int rc = W3W__CRYPTO_OK;

	if (out == NULL || written == NULL || (text == NULL && len != 0))
		return W3W__CRYPTO_EINVAL;
	if (len == 0)
		return W3W__CRYPTO_EFORMAT;
	for (size_t i = 0; i < len; i++)
		if (digit_of(text[i]) < 0)
			return W3W__CRYPTO_ECHARSET;
	if (len > MAX_DIGITS)
		return W3W__CRYPTO_ELENGTH;
	while (zeros < len && text[zeros] == '1')
		zeros++;
	for (size_t i = zeros; i < len && rc == W3W__CRYPTO_OK; i++) {
		unsigned carry = (unsigned)digit_of(text[i]);

		for (size_t j = 0; j < nbytes; j++) {
			carry += (unsigned)bytes[j] * 58;
			bytes[j] = (unsigned char)carry;
			carry >>= 8;
		}
		while (carry != 0) {
			if (nbytes == sizeof bytes) {
				rc = W3W__CRYPTO_ELENGTH;
				break;
			}
			bytes[nbytes++] = (unsigned char)carry;
			carry >>= 8;
		}
	}
	if (rc == W3W__CRYPTO_OK && zeros + nbytes > out_size)
		rc = W3W__CRYPTO_ELENGTH;
	if (rc == W3W__CRYPTO_OK) {
		memset(out, 0, zeros);
		for (size_t i = 0; i < nbytes; i++)
			out[zeros + i] = bytes[nbytes - 1 - i];
		*written = zeros + nbytes;
	}
	sodium_memzero(bytes, sizeof bytes);
	return rc;
}

static void checksum4(unsigned char out[4], const unsigned char *p, size_t len)
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, p, len);
	crypto_hash_sha256(h, h, sizeof h);
	memcpy(out, h, 4);
	sodium_memzero(h, sizeof h);
}

int w3w__base58check_encode(char *out, size_t out_size, const unsigned char *payload, size_t len)
{
	unsigned char buf[W3W__BASE58_MAX_BYTES];
	int rc;

	if (out == NULL || (payload == NULL && len != 0))
		return W3W__CRYPTO_EINVAL;
	if (len > sizeof buf - 4)
		return W3W__CRYPTO_ELENGTH;
	if (len != 0)
		memcpy(buf, payload, len);
	checksum4(buf + len, payload, len);
	rc = w3w__base58_encode(out, out_size, buf, len + 4);
	sodium_memzero(buf, sizeof buf);
	return rc;
}

int w3w__base58check_decode(unsigned char *out, size_t out_size, size_t *written,
                            const char *text, size_t len)
{
	unsigned char buf[W3W__BASE58_MAX_BYTES];
	unsigned char sum[4];
	size_t n = 0;
	int rc;

	if (out == NULL || written == NULL)
		return W3W__CRYPTO_EINVAL;
	rc = w3w__base58_decode(buf, sizeof buf, &n, text, len);
	if (rc == W3W__CRYPTO_OK && n < 4)
		rc = W3W__CRYPTO_ELENGTH;
	if (rc == W3W__CRYPTO_OK) {
		checksum4(sum, buf, n - 4);
		if (sodium_memcmp(sum, buf + n - 4, 4) != 0)
			rc = W3W__CRYPTO_ECHECKSUM;
	}
	if (rc == W3W__CRYPTO_OK && n - 4 > out_size)
		rc = W3W__CRYPTO_ELENGTH;
	if (rc == W3W__CRYPTO_OK) {
		memcpy(out, buf, n - 4);
		*written = n - 4;
	}
	sodium_memzero(buf, sizeof buf);
	return rc;
}

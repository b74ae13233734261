#include "crypto/hex.h"

#include "crypto/crypto.h"

int w3w__crypto_hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int w3w__crypto_hex_encode(char *out, size_t out_size, const unsigned char *in, size_t len)
{
	static const char digits[] = "0123456789abcdef";

	if (out == NULL || (in == NULL && len != 0))
		return W3W__CRYPTO_EINVAL;
	if (out_size == 0 || len > (out_size - 1) / 2)
		return W3W__CRYPTO_ELENGTH;
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
	out[2 * len] = '\0';
	return W3W__CRYPTO_OK;
}

int w3w__crypto_hex_decode(unsigned char *out, size_t out_size, size_t *written,
                           const char *hex, size_t hex_len)
{
	if (out == NULL || written == NULL || (hex == NULL && hex_len != 0))
		return W3W__CRYPTO_EINVAL;
	if (hex_len >= 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) {
		hex += 2;
		hex_len -= 2;
	}
	if (hex_len % 2 != 0 || hex_len / 2 > out_size)
		return W3W__CRYPTO_ELENGTH;
	/* Check every character before writing, so bad input changes nothing. */
	for (size_t i = 0; i < hex_len; i++)
		if (w3w__crypto_hex_nibble(hex[i]) < 0)
			return W3W__CRYPTO_ECHARSET;
	for (size_t i = 0; i < hex_len / 2; i++)
		out[i] = (unsigned char)(w3w__crypto_hex_nibble(hex[2 * i]) << 4 |
			w3w__crypto_hex_nibble(hex[2 * i + 1]));
	*written = hex_len / 2;
	return W3W__CRYPTO_OK;
}

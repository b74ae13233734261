/*
 * Hex text -> bytes (w3w__crypto_hex_decode) and back.
 * Properties: accepted text re-encodes to the same digits (case folded,
 * "0x" dropped); refused text leaves the output untouched; any bytes
 * survive encode -> decode.
 */
#include <ctype.h>

#include "fuzz.h"

#include "crypto/crypto.h"
#include "crypto/hex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	size_t cap = size / 2 + 1, n = (size_t)-1, m = (size_t)-1;
	unsigned char *out = malloc(cap), *back = malloc(cap);
	char *enc = malloc(2 * size + 1);
	int rc;

	if (!out || !back || !enc)
		abort();
	memset(out, 0xa5, cap);
	rc = w3w__crypto_hex_decode(out, cap, &n, text, size);
	if (rc == W3W__CRYPTO_OK) {
		size_t skip = size >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X') ? 2 : 0;
		FUZZ_CHECK(n * 2 == size - skip);
		FUZZ_CHECK(w3w__crypto_hex_encode(enc, 2 * n + 1, out, n) == W3W__CRYPTO_OK);
		for (size_t i = 0; i < 2 * n; i++)
			FUZZ_CHECK(enc[i] == tolower((unsigned char)text[skip + i]));
		/* One byte short of room is refused. */
		if (n > 0)
			FUZZ_CHECK(w3w__crypto_hex_decode(back, n - 1, &m, text, size) == W3W__CRYPTO_ELENGTH);
	} else {
		FUZZ_CHECK(rc == W3W__CRYPTO_ELENGTH || rc == W3W__CRYPTO_ECHARSET);
		FUZZ_CHECK(n == (size_t)-1);
		for (size_t i = 0; i < cap; i++)
			FUZZ_CHECK(out[i] == 0xa5);
	}
	/* The input as bytes: encode, decode, compare. */
	FUZZ_CHECK(w3w__crypto_hex_encode(enc, 2 * size + 1, data, size) == W3W__CRYPTO_OK);
	FUZZ_CHECK(strlen(enc) == 2 * size);
	{
		unsigned char *raw = malloc(size + 1);
		if (!raw)
			abort();
		FUZZ_CHECK(w3w__crypto_hex_decode(raw, size, &m, enc, 2 * size) == W3W__CRYPTO_OK);
		FUZZ_CHECK(m == size && (size == 0 || memcmp(raw, data, size) == 0));
		free(raw);
	}
	free(out);
	free(back);
	free(enc);
	return 0;
}

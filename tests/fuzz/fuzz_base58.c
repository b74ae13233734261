/*
 * Base58 and Base58Check text -> bytes, and back.
 * Properties: base58 is a bijection on its domain, so accepted text
 * re-encodes to exactly the same text; accepted Base58Check text re-encodes
 * (payload + fresh checksum) to the same text; any payload of at most
 * W3W__BASE58_MAX_BYTES survives encode -> decode, checked or not.
 */
#include "fuzz.h"

#include "crypto/base58.h"
#include "crypto/crypto.h"

#define TEXT_MAX (W3W__BASE58_MAX_BYTES * 2 + 2)

static void bytes_round_trip(const uint8_t *data, size_t size)
{
	char text[TEXT_MAX];
	unsigned char back[W3W__BASE58_MAX_BYTES];
	size_t n = 0;

	if (size > W3W__BASE58_MAX_BYTES) {
		FUZZ_CHECK(w3w__base58_encode(text, sizeof(text), data, size) == W3W__CRYPTO_ELENGTH);
		return;
	}
	FUZZ_CHECK(w3w__base58_encode(text, sizeof(text), data, size) == W3W__CRYPTO_OK);
	if (size == 0) {
		FUZZ_CHECK(text[0] == '\0');
	} else {
		FUZZ_CHECK(w3w__base58_decode(back, sizeof(back), &n, text, strlen(text)) == W3W__CRYPTO_OK);
		FUZZ_CHECK(n == size && memcmp(back, data, size) == 0);
	}
	if (size + 4 <= W3W__BASE58_MAX_BYTES) {
		FUZZ_CHECK(w3w__base58check_encode(text, sizeof(text), data, size) == W3W__CRYPTO_OK);
		FUZZ_CHECK(w3w__base58check_decode(back, sizeof(back), &n, text, strlen(text)) == W3W__CRYPTO_OK);
		FUZZ_CHECK(n == size && (size == 0 || memcmp(back, data, size) == 0));
	}
}

static void text_round_trip(const char *text, size_t len)
{
	unsigned char bytes[W3W__BASE58_MAX_BYTES];
	char again[TEXT_MAX];
	size_t n = 0;
	int rc = w3w__base58_decode(bytes, sizeof(bytes), &n, text, len);

	if (rc == W3W__CRYPTO_OK) {
		FUZZ_CHECK(n <= sizeof(bytes));
		FUZZ_CHECK(w3w__base58_encode(again, sizeof(again), bytes, n) == W3W__CRYPTO_OK);
		FUZZ_CHECK(strlen(again) == len && memcmp(again, text, len) == 0);
	} else {
		FUZZ_CHECK(rc == W3W__CRYPTO_ECHARSET || rc == W3W__CRYPTO_ELENGTH || rc == W3W__CRYPTO_EFORMAT);
	}
	rc = w3w__base58check_decode(bytes, sizeof(bytes), &n, text, len);
	if (rc == W3W__CRYPTO_OK) {
		FUZZ_CHECK(w3w__base58check_encode(again, sizeof(again), bytes, n) == W3W__CRYPTO_OK);
		FUZZ_CHECK(strlen(again) == len && memcmp(again, text, len) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	text_round_trip((const char *)data, size);
	bytes_round_trip(data, size);
	return 0;
}

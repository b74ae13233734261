/*
 * BIP-39 mnemonics (w3w__bip39_mnemonic_to_entropy, _check, _seed).
 * Properties: an accepted mnemonic's entropy re-encodes to the same words
 * (whitespace collapsed to single spaces); _check agrees with
 * _to_entropy; and, for a valid mnemonic, the seed does not depend on
 * how the words were spaced. The first byte picks whether the slow seed
 * (PBKDF2, 2048 rounds) is computed; the rest is the mnemonic.
 */
#include "fuzz.h"

#include "crypto/bip39.h"
#include "crypto/crypto.h"

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Words of text joined by single spaces. */
static void normalize(char *out, const char *text)
{
	size_t n = 0;
	for (const char *p = text; *p;) {
		while (is_space(*p))
			p++;
		if (!*p)
			break;
		if (n)
			out[n++] = ' ';
		while (*p && !is_space(*p))
			out[n++] = *p++;
	}
	out[n] = '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char entropy[W3W__BIP39_ENTROPY_MAX];
	char words[W3W__BIP39_MNEMONIC_SIZE];
	char *text, *canon;
	size_t len = 0;
	int rc, want_seed;

	if (size < 1)
		return 0;
	want_seed = data[0] & 1;
	text = fuzz_cstr(data + 1, size - 1);
	rc = w3w__bip39_mnemonic_to_entropy(entropy, sizeof(entropy), &len, text);
	FUZZ_CHECK(w3w__bip39_mnemonic_check(text) == rc);
	if (rc != W3W__CRYPTO_OK) {
		FUZZ_CHECK(rc == W3W__CRYPTO_ELENGTH || rc == W3W__CRYPTO_EWORD || rc == W3W__CRYPTO_ECHECKSUM);
		free(text);
		return 0;
	}
	FUZZ_CHECK(len >= W3W__BIP39_ENTROPY_MIN && len <= W3W__BIP39_ENTROPY_MAX && len % 4 == 0);
	FUZZ_CHECK(w3w__bip39_mnemonic_from_entropy(words, sizeof(words), entropy, len) == W3W__CRYPTO_OK);
	canon = malloc(strlen(text) + 1);
	if (!canon)
		abort();
	normalize(canon, text);
	FUZZ_CHECK(strcmp(words, canon) == 0);
	if (want_seed) {
		unsigned char a[W3W__BIP39_SEED_LEN], b[W3W__BIP39_SEED_LEN];
		FUZZ_CHECK(w3w__bip39_seed(a, text, "TREZOR") == W3W__CRYPTO_OK);
		FUZZ_CHECK(w3w__bip39_seed(b, canon, "TREZOR") == W3W__CRYPTO_OK);
		FUZZ_CHECK(memcmp(a, b, sizeof(a)) == 0);
	}
	free(canon);
	free(text);
	return 0;
}

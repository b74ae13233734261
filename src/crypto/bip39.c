#include "crypto/bip39.h"

#include <string.h>
#include <sodium.h>

#include "crypto/crypto.h"
#include "crypto/pbkdf2.h"

#define MAX_WORDS 24
#define SEED_ROUNDS 2048

/* Bit i (0 = most significant bit of data[0]). */
static unsigned bit_at(const unsigned char *data, size_t i)
{
	return (data[i / 8] >> (7 - i % 8)) & 1u;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

int w3w__bip39_mnemonic_from_entropy(char *out, size_t out_size,
                                     const unsigned char *entropy, size_t len)
{
	unsigned char buf[W3W__BIP39_ENTROPY_MAX + 1];
	unsigned char hash[crypto_hash_sha256_BYTES];
	size_t words, pos = 0;
	int rc = W3W__CRYPTO_OK;

	if (out == NULL || entropy == NULL)
		return W3W__CRYPTO_EINVAL;
	if (len < W3W__BIP39_ENTROPY_MIN || len > W3W__BIP39_ENTROPY_MAX || len % 4 != 0)
		return W3W__CRYPTO_ELENGTH;
	/* entropy || first len/4 bits of SHA-256(entropy), read 11 bits a word. */
	crypto_hash_sha256(hash, entropy, len);
	memcpy(buf, entropy, len);
	buf[len] = hash[0];
	words = (len * 8 + len / 4) / 11;
	for (size_t w = 0; w < words; w++) {
		unsigned index = 0;
		const char *word;
		size_t wlen;

		for (size_t b = 0; b < 11; b++)
			index = index << 1 | bit_at(buf, w * 11 + b);
		word = w3w__bip39_word((int)index, &wlen);
		if (!word) { /* a build whose wordlists/english.txt is not 2048 words (test_crypto_bip39) */
			rc = W3W__CRYPTO_EINIT;
			break;
		}
		if (pos + (w > 0) + wlen + 1 > out_size) {
			rc = W3W__CRYPTO_ELENGTH;
			break;
		}
		if (w > 0)
			out[pos++] = ' ';
		memcpy(out + pos, word, wlen);
		pos += wlen;
		out[pos] = '\0';
	}
	if (rc != W3W__CRYPTO_OK && out_size > 0)
		sodium_memzero(out, out_size);
	sodium_memzero(buf, sizeof buf);
	sodium_memzero(hash, sizeof hash);
	return rc;
}

int w3w__bip39_mnemonic_generate(char *out, size_t out_size, size_t words)
{
	unsigned char entropy[W3W__BIP39_ENTROPY_MAX];
	size_t len = words / 3 * 4;
	int rc;

	if (out == NULL)
		return W3W__CRYPTO_EINVAL;
	if (words % 3 != 0 || len < W3W__BIP39_ENTROPY_MIN || len > W3W__BIP39_ENTROPY_MAX)
		return W3W__CRYPTO_ELENGTH;
	if (sodium_init() < 0)
		return W3W__CRYPTO_EINIT;
	randombytes_buf(entropy, len);
	rc = w3w__bip39_mnemonic_from_entropy(out, out_size, entropy, len);
	sodium_memzero(entropy, sizeof entropy);
	return rc;
}

/* Word indices of text; ELENGTH / EWORD as documented. */
static int split_words(int indices[MAX_WORDS], size_t *count, const char *text)
{
	size_t n = 0;
	const char *p = text;
	int unknown = 0;

	for (;;) {
		const char *start;

		while (is_space(*p))
			p++;
		if (*p == '\0')
			break;
		start = p;
		while (*p != '\0' && !is_space(*p))
			p++;
		if (n == MAX_WORDS)
			return W3W__CRYPTO_ELENGTH;
		indices[n] = w3w__bip39_word_index(start, (size_t)(p - start));
		if (indices[n] < 0)
			unknown = 1;
		n++;
	}
	/* A wrong count is reported before an unknown word: it is the more
	 * basic mistake (a missing or extra word). */
	if (n < 12 || n % 3 != 0)
		return W3W__CRYPTO_ELENGTH;
	if (unknown)
		return W3W__CRYPTO_EWORD;
	*count = n;
	return W3W__CRYPTO_OK;
}

int w3w__bip39_mnemonic_to_entropy(unsigned char *out, size_t out_size, size_t *written,
                                   const char *mnemonic)
{
	int indices[MAX_WORDS];
	unsigned char buf[W3W__BIP39_ENTROPY_MAX + 1];
	unsigned char hash[crypto_hash_sha256_BYTES];
	size_t count = 0, ent_len, cs_bits;
	int rc;

	if (out == NULL || written == NULL || mnemonic == NULL)
		return W3W__CRYPTO_EINVAL;
	rc = split_words(indices, &count, mnemonic);
	if (rc != W3W__CRYPTO_OK)
		goto done;
	ent_len = count * 11 * 32 / 33 / 8;
	cs_bits = ent_len / 4;
	memset(buf, 0, sizeof buf);
	for (size_t w = 0; w < count; w++)
		for (size_t b = 0; b < 11; b++)
			if ((indices[w] >> (10 - b)) & 1)
				buf[(w * 11 + b) / 8] |= (unsigned char)(0x80 >> ((w * 11 + b) % 8));
	crypto_hash_sha256(hash, buf, ent_len);
	/* The checksum is the top cs_bits of hash[0]; compare them bit-exact. */
	if ((hash[0] >> (8 - cs_bits)) != (buf[ent_len] >> (8 - cs_bits)))
		rc = W3W__CRYPTO_ECHECKSUM;
	else if (ent_len > out_size)
		rc = W3W__CRYPTO_ELENGTH;
	else {
		memcpy(out, buf, ent_len);
		*written = ent_len;
	}
done:
	sodium_memzero(indices, sizeof indices);
	sodium_memzero(buf, sizeof buf);
	sodium_memzero(hash, sizeof hash);
	return rc;
}

int w3w__bip39_mnemonic_check(const char *mnemonic)
{
	unsigned char entropy[W3W__BIP39_ENTROPY_MAX];
	size_t len = 0;
	int rc = w3w__bip39_mnemonic_to_entropy(entropy, sizeof entropy, &len, mnemonic);

	sodium_memzero(entropy, sizeof entropy);
	return rc;
}

int w3w__bip39_seed(unsigned char out64[W3W__BIP39_SEED_LEN],
                    const char *mnemonic, const char *passphrase)
{
	static const char salt_prefix[] = "mnemonic";
	unsigned char entropy[W3W__BIP39_ENTROPY_MAX];
	char canonical[W3W__BIP39_MNEMONIC_SIZE];
	unsigned char salt[sizeof salt_prefix - 1 + W3W__BIP39_PASSPHRASE_MAX];
	size_t ent_len = 0, pass_len;
	int rc;

	if (out64 == NULL || mnemonic == NULL)
		return W3W__CRYPTO_EINVAL;
	if (passphrase == NULL)
		passphrase = "";
	pass_len = strlen(passphrase);
	if (pass_len > W3W__BIP39_PASSPHRASE_MAX)
		return W3W__CRYPTO_ELENGTH;
	for (size_t i = 0; i < pass_len; i++)
		if ((unsigned char)passphrase[i] >= 0x80)
			return W3W__CRYPTO_ECHARSET;
	rc = w3w__bip39_mnemonic_to_entropy(entropy, sizeof entropy, &ent_len, mnemonic);
	/* Re-encoding the entropy gives the words joined by single spaces. */
	if (rc == W3W__CRYPTO_OK)
		rc = w3w__bip39_mnemonic_from_entropy(canonical, sizeof canonical, entropy, ent_len);
	if (rc == W3W__CRYPTO_OK) {
		memcpy(salt, salt_prefix, sizeof salt_prefix - 1);
		memcpy(salt + sizeof salt_prefix - 1, passphrase, pass_len);
		rc = w3w__pbkdf2_hmac_sha512(out64, W3W__BIP39_SEED_LEN,
		                             (const unsigned char *)canonical, strlen(canonical),
		                             salt, sizeof salt_prefix - 1 + pass_len, SEED_ROUNDS);
	}
	sodium_memzero(entropy, sizeof entropy);
	sodium_memzero(canonical, sizeof canonical);
	sodium_memzero(salt, sizeof salt);
	return rc;
}

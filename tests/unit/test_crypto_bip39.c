/* BIP-39: the embedded wordlist, all Trezor English vectors, and the
 * failures (unknown word, bad checksum, bad length). */
#include "test_crypto_vectors.h"

#include <sodium.h>

#include "crypto/bip32.h"
#include "crypto/bip39.h"
#include "crypto/bip39_wordlists.h" /* generated: the embedded text */

START_TEST(wordlist_is_the_official_one)
{
	unsigned char digest[32];
	size_t len = 0, prev_len = 0;
	const char *prev = NULL;

	/* The embedded text is wordlists/english.txt byte for byte: the published digest. */
	crypto_hash_sha256(digest, (const unsigned char *)w3w__bip39_english_txt, strlen(w3w__bip39_english_txt));
	w3w_test_assert_hex(digest, sizeof digest,
	                    "2f5eed53a4727b4bf8880d8f3f199efc90e58503646d9ff8eff3a2ed3b24dbda");
	/* 2048 words, sorted, each found at its own index; nothing past the last. */
	for (int i = 0; i < W3W__BIP39_WORDS; i++) {
		const char *w = w3w__bip39_word(i, &len);

		ck_assert_ptr_nonnull(w);
		ck_assert(len >= 3 && len <= W3W__BIP39_WORD_MAX);
		if (prev) {
			int c = memcmp(prev, w, prev_len < len ? prev_len : len);
			ck_assert(c < 0 || (c == 0 && prev_len < len));
		}
		ck_assert_int_eq(w3w__bip39_word_index(w, len), i);
		prev = w;
		prev_len = len;
	}
	ck_assert_ptr_null(w3w__bip39_word(W3W__BIP39_WORDS, &len));
	ck_assert_ptr_null(w3w__bip39_word(-1, &len));
	ck_assert_int_eq(w3w__bip39_word_index("abandon", 7), 0);
	ck_assert_int_eq(w3w__bip39_word_index("zoo", 3), W3W__BIP39_WORDS - 1);
	ck_assert_int_eq(w3w__bip39_word_index("abandonx", 8), -1);
	ck_assert_int_eq(w3w__bip39_word_index("aband", 5), -1);
	ck_assert_int_eq(w3w__bip39_word_index("", 0), -1);
}
END_TEST

START_TEST(trezor_vectors)
{
	cJSON *v = w3w_test_load_vectors("bip39.json");
	const char *passphrase = w3w_test_str(v, "passphrase");
	const cJSON *c;
	int n = 0;

	cJSON_ArrayForEach(c, cJSON_GetObjectItem(v, "vectors")) {
		const char *ent_hex = cJSON_GetArrayItem(c, 0)->valuestring;
		const char *words = cJSON_GetArrayItem(c, 1)->valuestring;
		const char *seed_hex = cJSON_GetArrayItem(c, 2)->valuestring;
		const char *xprv = cJSON_GetArrayItem(c, 3)->valuestring;
		unsigned char entropy[32], back[32], seed[64];
		char mnemonic[W3W__BIP39_MNEMONIC_SIZE], text[W3W__BIP32_XKEY_SIZE];
		size_t len = w3w_test_unhex(entropy, sizeof entropy, ent_hex), back_len = 0;
		w3w__bip32_key master;

		ck_assert_int_eq(w3w__bip39_mnemonic_from_entropy(mnemonic, sizeof mnemonic, entropy, len), 0);
		ck_assert_str_eq(mnemonic, words);
		ck_assert_int_eq(w3w__bip39_mnemonic_to_entropy(back, sizeof back, &back_len, words), 0);
		ck_assert_uint_eq(back_len, len);
		ck_assert_mem_eq(back, entropy, len);
		ck_assert_int_eq(w3w__bip39_mnemonic_check(words), 0);
		ck_assert_int_eq(w3w__bip39_seed(seed, words, passphrase), 0);
		w3w_test_assert_hex(seed, sizeof seed, seed_hex);
		ck_assert_int_eq(w3w__bip32_master_from_seed(&master, seed, sizeof seed), 0);
		ck_assert_int_eq(w3w__bip32_to_xprv(text, sizeof text, &master), 0);
		ck_assert_str_eq(text, xprv);
		n++;
	}
	ck_assert_int_eq(n, 24);
	cJSON_Delete(v);
}
END_TEST

START_TEST(whitespace_is_normalised)
{
	static const char *canonical =
		"legal winner thank year wave sausage worth useful legal winner thank yellow";
	static const char *spaced =
		"  legal  winner\tthank year wave sausage worth useful legal winner thank\nyellow \n";
	unsigned char a[64], b[64];

	ck_assert_int_eq(w3w__bip39_seed(a, canonical, "TREZOR"), 0);
	ck_assert_int_eq(w3w__bip39_seed(b, spaced, "TREZOR"), 0);
	ck_assert_mem_eq(a, b, sizeof a);
	/* NULL passphrase is the empty one, and differs from "TREZOR". */
	ck_assert_int_eq(w3w__bip39_seed(b, canonical, NULL), 0);
	ck_assert_mem_ne(a, b, sizeof a);
	ck_assert_int_eq(w3w__bip39_seed(a, canonical, ""), 0);
	ck_assert_mem_eq(a, b, sizeof a);
}
END_TEST

static const struct {
	const char *mnemonic;
	int err;
} bad_mnemonics[] = {
	/* last word changed: valid words, wrong checksum */
	{ "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon",
	  W3W__CRYPTO_ECHECKSUM },
	{ "legal winner thank year wave sausage worth useful legal winner thank year", W3W__CRYPTO_ECHECKSUM },
	{ "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo",
	  W3W__CRYPTO_ECHECKSUM },
	/* unknown words */
	{ "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abuot",
	  W3W__CRYPTO_EWORD },
	{ "Abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
	  W3W__CRYPTO_EWORD },
	{ "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon aboutabout",
	  W3W__CRYPTO_EWORD },
	{ "abandon,abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about x",
	  W3W__CRYPTO_EWORD },
	/* word counts other than 12, 15, 18, 21, 24 */
	{ "", W3W__CRYPTO_ELENGTH },
	{ "   ", W3W__CRYPTO_ELENGTH },
	{ "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
	  W3W__CRYPTO_ELENGTH },
	{ "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
	  W3W__CRYPTO_ELENGTH },
	{ "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon "
	  "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon art",
	  W3W__CRYPTO_ELENGTH },
};

START_TEST(bad_mnemonics_fail_clearly)
{
	unsigned char out[32], seed[64];
	size_t n = 77;

	memset(seed, 0x5a, sizeof seed);
	ck_assert_int_eq(w3w__bip39_mnemonic_to_entropy(out, sizeof out, &n, bad_mnemonics[_i].mnemonic),
	                 bad_mnemonics[_i].err);
	ck_assert_uint_eq(n, 77);
	ck_assert_int_eq(w3w__bip39_mnemonic_check(bad_mnemonics[_i].mnemonic), bad_mnemonics[_i].err);
	ck_assert_int_eq(w3w__bip39_seed(seed, bad_mnemonics[_i].mnemonic, ""), bad_mnemonics[_i].err);
	/* The seed buffer is untouched by a refused mnemonic. */
	ck_assert_int_eq(seed[0], 0x5a);
	ck_assert_int_eq(seed[63], 0x5a);
}
END_TEST

START_TEST(bad_lengths)
{
	static const char *ok = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
	unsigned char entropy[33] = { 0 }, seed[64], small[8];
	char text[W3W__BIP39_MNEMONIC_SIZE], passphrase[W3W__BIP39_PASSPHRASE_MAX + 2];
	size_t n;

	ck_assert_int_eq(w3w__bip39_mnemonic_from_entropy(text, sizeof text, entropy, 15), W3W__CRYPTO_ELENGTH);
	ck_assert_int_eq(w3w__bip39_mnemonic_from_entropy(text, sizeof text, entropy, 17), W3W__CRYPTO_ELENGTH);
	ck_assert_int_eq(w3w__bip39_mnemonic_from_entropy(text, sizeof text, entropy, 33), W3W__CRYPTO_ELENGTH);
	ck_assert_int_eq(w3w__bip39_mnemonic_from_entropy(text, 20, entropy, 16), W3W__CRYPTO_ELENGTH);
	ck_assert_int_eq(w3w__bip39_mnemonic_to_entropy(small, sizeof small, &n, ok), W3W__CRYPTO_ELENGTH);
	memset(passphrase, 'p', sizeof passphrase - 1);
	passphrase[sizeof passphrase - 1] = '\0';
	ck_assert_int_eq(w3w__bip39_seed(seed, ok, passphrase), W3W__CRYPTO_ELENGTH);
	/* Non-ASCII passphrases would need NFKD: refused, not guessed. */
	ck_assert_int_eq(w3w__bip39_seed(seed, ok, "caf\xc3\xa9"), W3W__CRYPTO_ECHARSET);
	ck_assert_int_eq(w3w__bip39_seed(NULL, ok, ""), W3W__CRYPTO_EINVAL);
	ck_assert_int_eq(w3w__bip39_seed(seed, NULL, ""), W3W__CRYPTO_EINVAL);
}
END_TEST

START_TEST(generate)
{
	static const size_t counts[] = { 12, 15, 18, 21, 24 };
	char a[W3W__BIP39_MNEMONIC_SIZE], b[W3W__BIP39_MNEMONIC_SIZE];

	for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
		size_t words = 1;

		ck_assert_int_eq(w3w__bip39_mnemonic_generate(a, sizeof a, counts[i]), 0);
		ck_assert_int_eq(w3w__bip39_mnemonic_generate(b, sizeof b, counts[i]), 0);
		ck_assert_str_ne(a, b);
		ck_assert_int_eq(w3w__bip39_mnemonic_check(a), 0);
		for (const char *p = a; *p; p++)
			words += *p == ' ';
		ck_assert_uint_eq(words, counts[i]);
	}
	ck_assert_int_eq(w3w__bip39_mnemonic_generate(a, sizeof a, 13), W3W__CRYPTO_ELENGTH);
	ck_assert_int_eq(w3w__bip39_mnemonic_generate(a, sizeof a, 9), W3W__CRYPTO_ELENGTH);
	ck_assert_int_eq(w3w__bip39_mnemonic_generate(a, sizeof a, 27), W3W__CRYPTO_ELENGTH);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("crypto_bip39");
	TCase *tc = tcase_create("bip39");

	tcase_add_test(tc, wordlist_is_the_official_one);
	tcase_add_test(tc, trezor_vectors);
	tcase_add_test(tc, whitespace_is_normalised);
	tcase_add_loop_test(tc, bad_mnemonics_fail_clearly, 0,
	                    (int)(sizeof bad_mnemonics / sizeof bad_mnemonics[0]));
	tcase_add_test(tc, bad_lengths);
	tcase_add_test(tc, generate);
	suite_add_tcase(s, tc);
	return w3w_test_run(s);
}

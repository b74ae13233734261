/*
 * BIP-39 mnemonics with the English wordlist: entropy <-> words, and the
 * 64-byte seed (PBKDF2-HMAC-SHA512, 2048 rounds, salt "mnemonic" +
 * passphrase). Mnemonics and seeds are secrets: callers keep them in
 * sodium_malloc'd memory and wipe them; this module wipes its own copies.
 */
#ifndef W3W_CRYPTO_BIP39_H
#define W3W_CRYPTO_BIP39_H

#include <stddef.h>

#define W3W__BIP39_WORDS 2048
#define W3W__BIP39_SEED_LEN 64
#define W3W__BIP39_ENTROPY_MIN 16 /* 12 words */
#define W3W__BIP39_ENTROPY_MAX 32 /* 24 words */
/* Longest mnemonic: 24 words of at most 8 letters, 23 spaces, the NUL. */
#define W3W__BIP39_MNEMONIC_SIZE 216
/* Passphrases longer than this are refused (ELENGTH). */
#define W3W__BIP39_PASSPHRASE_MAX 1024

#define W3W__BIP39_WORD_MAX 8 /* letters in the longest English word */

/*
 * The official English list (bip39_wordlist.c, from wordlists/english.txt),
 * sorted: word `index` (0 to W3W__BIP39_WORDS - 1), not NUL-terminated, its
 * length in *len; NULL for an index out of range.
 */
const char *w3w__bip39_word(int index, size_t *len);
/* Index of the `len` bytes at `word` in the list, -1 if they are not a word of it. */
int w3w__bip39_word_index(const char *word, size_t len);

/*
 * Words for entropy of 16, 20, 24, 28 or 32 bytes (ELENGTH otherwise),
 * separated by single spaces, NUL-terminated into out.
 */
int w3w__bip39_mnemonic_from_entropy(char *out, size_t out_size,
                                     const unsigned char *entropy, size_t len);

/* A new mnemonic of 12, 15, 18, 21 or 24 words from the system CSPRNG. */
int w3w__bip39_mnemonic_generate(char *out, size_t out_size, size_t words);

/*
 * Entropy of a mnemonic, validating it. Words are lowercase, separated by
 * ASCII whitespace. Errors: ELENGTH when the word count is not 12, 15, 18,
 * 21 or 24 (or out_size is too small), EWORD for a word not in the list,
 * ECHECKSUM when the checksum bits do not match.
 */
int w3w__bip39_mnemonic_to_entropy(unsigned char *out, size_t out_size, size_t *written,
                                   const char *mnemonic);

/* 0 when mnemonic is valid, else the error mnemonic_to_entropy gives. */
int w3w__bip39_mnemonic_check(const char *mnemonic);

/*
 * Seed of a valid mnemonic (validated first; whitespace normalised to
 * single spaces) and passphrase (NULL means ""). The passphrase must be
 * ASCII (ECHARSET otherwise): BIP-39 applies Unicode NFKD to it, which this
 * library does not implement, and a seed silently different from other
 * wallets' would lose funds.
 */
int w3w__bip39_seed(unsigned char out64[W3W__BIP39_SEED_LEN],
                    const char *mnemonic, const char *passphrase);

#endif

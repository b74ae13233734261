/*
 * Secrets at rest: XChaCha20-Poly1305 (IETF) under a 32-byte master key,
 * with a purpose string ("seed", "wallet:<id>") as associated data so a
 * blob only opens for the purpose it was sealed for.
 *
 * Blob format, version 1:
 *     0x01 | nonce (24 random bytes) | ciphertext | tag (16 bytes)
 * The associated data is the version byte followed by the purpose, so the
 * version cannot be swapped either. Opened secrets live in sodium_malloc'd
 * memory (guard pages, mlock, wiped on free): release them with
 * w3w__secret_free.
 */
#ifndef W3W_CRYPTO_SEAL_H
#define W3W_CRYPTO_SEAL_H

#include <stddef.h>

#define W3W__SEAL_KEY_LEN 32
#define W3W__SEAL_VERSION 1
#define W3W__SEAL_NONCE_LEN 24
#define W3W__SEAL_TAG_LEN 16
#define W3W__SEAL_OVERHEAD (1 + W3W__SEAL_NONCE_LEN + W3W__SEAL_TAG_LEN)
/* Purposes are short identifiers; longer ones are refused (ELENGTH). */
#define W3W__SEAL_PURPOSE_MAX 255

/* Blob length for a secret of secret_len bytes. */
size_t w3w__seal_blob_len(size_t secret_len);

/* A new random master key. */
int w3w__seal_keygen(unsigned char key[W3W__SEAL_KEY_LEN]);

/*
 * Seal secret (1 or more bytes) for purpose (non-empty) into blob, which
 * must hold w3w__seal_blob_len(secret_len) bytes (ELENGTH otherwise);
 * *blob_len gets the length written.
 */
int w3w__seal(unsigned char *blob, size_t blob_size, size_t *blob_len,
              const unsigned char *key, size_t key_len, const char *purpose,
              const unsigned char *secret, size_t secret_len);

/*
 * Open blob sealed for purpose. *secret_out is a sodium_malloc'd buffer of
 * *secret_len bytes, freed with w3w__secret_free. Errors: ELENGTH for a
 * blob too short, EVERSION for an unknown version byte, EOPEN when the key,
 * purpose or any byte of the blob is wrong. Nothing is allocated on error.
 */
int w3w__seal_open(unsigned char **secret_out, size_t *secret_len,
                   const unsigned char *key, size_t key_len, const char *purpose,
                   const unsigned char *blob, size_t blob_len);

/*
 * Key rotation: open blob with old_key and seal the secret again under
 * new_key (same purpose, fresh nonce) into out (same size as blob). The
 * plaintext exists only in locked, wiped memory during the call.
 */
int w3w__seal_reseal(unsigned char *out, size_t out_size, size_t *out_len,
                     const unsigned char *old_key, const unsigned char *new_key, size_t key_len,
                     const char *purpose, const unsigned char *blob, size_t blob_len);

/* sodium_malloc'd secret buffer of len bytes (1 or more). */
int w3w__secret_alloc(unsigned char **out, size_t len);

/* Wipe and free a buffer from w3w__seal_open / w3w__secret_alloc; NULL is ignored. */
void w3w__secret_free(unsigned char *secret);

#endif

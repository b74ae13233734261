/*
 * Base58 (Bitcoin alphabet) and Base58Check (payload + first 4 bytes of
 * double SHA-256). Used for BIP-32 xprv/xpub strings and Solana addresses.
 * Inputs are bounded (W3W__BASE58_MAX_BYTES) so work stays on the stack,
 * where temporaries are wiped: an xprv is secret.
 */
#ifndef W3W_CRYPTO_BASE58_H
#define W3W_CRYPTO_BASE58_H

#include <stddef.h>

/* Largest payload handled (an xprv is 82 bytes with its checksum). */
#define W3W__BASE58_MAX_BYTES 128

/* Text of in, NUL-terminated. ELENGTH if out_size is too small or len too big. */
int w3w__base58_encode(char *out, size_t out_size, const unsigned char *in, size_t len);

/*
 * Bytes of text (len characters). ECHARSET for a character outside the
 * alphabet (0, O, I, l, spaces, ...), EFORMAT for empty text, ELENGTH if
 * the result does not fit out_size. *written gets the byte count.
 */
int w3w__base58_decode(unsigned char *out, size_t out_size, size_t *written,
                       const char *text, size_t len);

int w3w__base58check_encode(char *out, size_t out_size, const unsigned char *payload, size_t len);

/* As decode, then ECHECKSUM if the 4-byte checksum does not match; the
 * payload (without checksum) goes to out. */
int w3w__base58check_decode(unsigned char *out, size_t out_size, size_t *written,
                            const char *text, size_t len);

#endif

/* Strict hex text <-> bytes for the crypto layer (vectors, addresses, keys). */
#ifndef W3W_CRYPTO_HEX_H
#define W3W_CRYPTO_HEX_H

#include <stddef.h>

/* Lowercase hex of in, NUL-terminated; out_size must be >= 2 * len + 1. */
/* The value of one hex digit (either case), or -1. */
int w3w__crypto_hex_nibble(char c);

int w3w__crypto_hex_encode(char *out, size_t out_size, const unsigned char *in, size_t len);

/*
 * Bytes of hex text (hex_len characters, an optional "0x"/"0X" prefix, either
 * case). Errors: ELENGTH for an odd digit count or an out buffer too small,
 * ECHARSET for a non-hex character. *written gets the byte count.
 */
int w3w__crypto_hex_decode(unsigned char *out, size_t out_size, size_t *written,
                           const char *hex, size_t hex_len);

#endif

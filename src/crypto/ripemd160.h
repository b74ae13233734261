/*
 * RIPEMD-160, needed only for BIP-32 key fingerprints (HASH160 =
 * RIPEMD-160 of SHA-256). libsodium does not provide it.
 */
#ifndef W3W_CRYPTO_RIPEMD160_H
#define W3W_CRYPTO_RIPEMD160_H

#include <stddef.h>

#define W3W__RIPEMD160_LEN 20

int w3w__ripemd160(unsigned char out20[W3W__RIPEMD160_LEN], const unsigned char *in, size_t len);

/* RIPEMD-160(SHA-256(in)): Bitcoin's HASH160. */
int w3w__hash160(unsigned char out20[W3W__RIPEMD160_LEN], const unsigned char *in, size_t len);

#endif

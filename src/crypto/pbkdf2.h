/* PBKDF2-HMAC-SHA512 (RFC 8018), which BIP-39 uses to stretch a mnemonic
 * into a seed. libsodium offers HMAC-SHA512 but no PBKDF2. */
#ifndef W3W_CRYPTO_PBKDF2_H
#define W3W_CRYPTO_PBKDF2_H

#include <stddef.h>
#include <stdint.h>

int w3w__pbkdf2_hmac_sha512(unsigned char *out, size_t out_len,
                            const unsigned char *pass, size_t pass_len,
                            const unsigned char *salt, size_t salt_len,
                            uint32_t iterations);

#endif

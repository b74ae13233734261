/*
 * Solana primitives over libsodium's Ed25519: the address is the base58
 * text of the 32-byte public key; signatures are plain Ed25519 over the
 * message bytes (a serialized Solana transaction message, or any bytes).
 * The private key is the 32-byte Ed25519 seed (what SLIP-10 derives).
 */
#ifndef W3W_CRYPTO_SOLANA_H
#define W3W_CRYPTO_SOLANA_H

#include <stddef.h>

#define W3W__SOLANA_PUBKEY_LEN 32
#define W3W__SOLANA_SIGNATURE_LEN 64
#define W3W__SOLANA_ADDRESS_SIZE 45 /* at most 44 base58 characters + NUL */

int w3w__solana_address(char out[W3W__SOLANA_ADDRESS_SIZE],
                        const unsigned char *pub, size_t pub_len);

/* Public key of address text: ECHARSET for a non-base58 character,
 * ELENGTH unless it decodes to exactly 32 bytes. */
int w3w__solana_address_parse(unsigned char out[W3W__SOLANA_PUBKEY_LEN],
                              const char *text, size_t len);

int w3w__solana_pubkey(unsigned char out[W3W__SOLANA_PUBKEY_LEN],
                       const unsigned char *priv, size_t priv_len);

int w3w__solana_sign(unsigned char out[W3W__SOLANA_SIGNATURE_LEN],
                     const unsigned char *msg, size_t len,
                     const unsigned char *priv, size_t priv_len);

/* 0 when sig is pub's signature of msg, ESIGNATURE otherwise. */
int w3w__solana_verify(const unsigned char *sig, size_t sig_len,
                       const unsigned char *msg, size_t len,
                       const unsigned char *pub, size_t pub_len);

#endif

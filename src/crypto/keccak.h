/*
 * Keccak-256 as Ethereum uses it: the original Keccak submission's padding
 * (0x01 ... 0x80), not the FIPS 202 SHA3-256 padding (0x06 ... 0x80). The
 * two give different digests for every input.
 */
#ifndef W3W_CRYPTO_KECCAK_H
#define W3W_CRYPTO_KECCAK_H

#include <stddef.h>
#include <stdint.h>

#define W3W__KECCAK256_LEN 32

/* Incremental state; absorb with _update as often as needed. */
typedef struct {
	uint64_t lanes[25];
	size_t pos; /* bytes absorbed into the current block */
} w3w__keccak256_ctx;

void w3w__keccak256_init(w3w__keccak256_ctx *ctx);
void w3w__keccak256_update(w3w__keccak256_ctx *ctx, const unsigned char *in, size_t len);
/* Writes the digest and wipes the state. */
void w3w__keccak256_final(w3w__keccak256_ctx *ctx, unsigned char out32[W3W__KECCAK256_LEN]);

/* One-shot digest; in may be NULL when len is 0. Returns 0, or EINVAL. */
int w3w__keccak256(unsigned char out32[W3W__KECCAK256_LEN], const unsigned char *in, size_t len);

#endif

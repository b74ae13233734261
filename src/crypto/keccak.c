/* Keccak-f[1600] sponge with rate 136 bytes (capacity 512 bits). Lanes are
 * loaded byte by byte, so the code does not depend on host endianness. */
#include "crypto/keccak.h"

#include <sodium.h>

#include "crypto/crypto.h"

#define RATE 136

static const uint64_t round_constants[24] = {
	0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL,
	0x8000000080008000ULL, 0x000000000000808bULL, 0x0000000080000001ULL,
	0x8000000080008081ULL, 0x8000000000008009ULL, 0x000000000000008aULL,
	0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
	0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL,
	0x8000000000008003ULL, 0x8000000000008002ULL, 0x8000000000000080ULL,
	0x000000000000800aULL, 0x800000008000000aULL, 0x8000000080008081ULL,
	0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL
};

/* Rotation offsets and lane order of the combined rho and pi steps. */
static const unsigned rho[24] = {
	1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 2, 14,
	27, 41, 56, 8, 25, 43, 62, 18, 39, 61, 20, 44
};
static const unsigned pi[24] = {
	10, 7, 11, 17, 18, 3, 5, 16, 8, 21, 24, 4,
	15, 23, 19, 13, 12, 2, 20, 14, 22, 9, 6, 1
};

static uint64_t rotl64(uint64_t x, unsigned n)
{
	return (x << n) | (x >> (64 - n));
}

static void keccak_f1600(uint64_t a[25])
{
	uint64_t c[5], t;

	for (int round = 0; round < 24; round++) {
		/* theta */
		for (int x = 0; x < 5; x++)
			c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
		for (int x = 0; x < 5; x++) {
			t = c[(x + 4) % 5] ^ rotl64(c[(x + 1) % 5], 1);
			for (int y = 0; y < 25; y += 5)
				a[y + x] ^= t;
		}
		/* rho and pi */
		t = a[1];
		for (int i = 0; i < 24; i++) {
			uint64_t next = a[pi[i]];
			a[pi[i]] = rotl64(t, rho[i]);
			t = next;
		}
		/* chi */
		for (int y = 0; y < 25; y += 5) {
			for (int x = 0; x < 5; x++)
				c[x] = a[y + x];
			for (int x = 0; x < 5; x++)
				a[y + x] ^= ~c[(x + 1) % 5] & c[(x + 2) % 5];
		}
		/* iota */
		a[0] ^= round_constants[round];
	}
}

static void xor_byte(uint64_t lanes[25], size_t pos, unsigned char b)
{
	lanes[pos / 8] ^= (uint64_t)b << (8 * (pos % 8));
}

void w3w__keccak256_init(w3w__keccak256_ctx *ctx)
{
	sodium_memzero(ctx, sizeof *ctx);
}

void w3w__keccak256_update(w3w__keccak256_ctx *ctx, const unsigned char *in, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		xor_byte(ctx->lanes, ctx->pos++, in[i]);
		if (ctx->pos == RATE) {
			keccak_f1600(ctx->lanes);
			ctx->pos = 0;
		}
	}
}

void w3w__keccak256_final(w3w__keccak256_ctx *ctx, unsigned char out32[W3W__KECCAK256_LEN])
{
	/* Keccak padding: 0x01 after the message, 0x80 in the block's last byte
	 * (both in one byte, 0x81, when only one byte is left). */
	xor_byte(ctx->lanes, ctx->pos, 0x01);
	xor_byte(ctx->lanes, RATE - 1, 0x80);
	keccak_f1600(ctx->lanes);
	for (size_t i = 0; i < W3W__KECCAK256_LEN; i++)
		out32[i] = (unsigned char)(ctx->lanes[i / 8] >> (8 * (i % 8)));
	sodium_memzero(ctx, sizeof *ctx);
}

int w3w__keccak256(unsigned char out32[W3W__KECCAK256_LEN], const unsigned char *in, size_t len)
{
	w3w__keccak256_ctx ctx;

	if (out32 == NULL || (in == NULL && len != 0))
		return W3W__CRYPTO_EINVAL;
	w3w__keccak256_init(&ctx);
	w3w__keccak256_update(&ctx, in, len);
	w3w__keccak256_final(&ctx, out32);
	return W3W__CRYPTO_OK;
}

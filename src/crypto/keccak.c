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
	uint64_t c0, c1, c2, c3, c4, d0, d1, d2, d3, d4, t;

	for (int round = 0; round < 24; round++) {
		/* theta: xor each column's parity into its neighbours */
		c0 = a[0] ^ a[5] ^ a[10] ^ a[15] ^ a[20];
		c1 = a[1] ^ a[6] ^ a[11] ^ a[16] ^ a[21];
		c2 = a[2] ^ a[7] ^ a[12] ^ a[17] ^ a[22];
		c3 = a[3] ^ a[8] ^ a[13] ^ a[18] ^ a[23];
		c4 = a[4] ^ a[9] ^ a[14] ^ a[19] ^ a[24];
		d0 = c4 ^ rotl64(c1, 1);
		d1 = c0 ^ rotl64(c2, 1);
		d2 = c1 ^ rotl64(c3, 1);
		d3 = c2 ^ rotl64(c4, 1);
		d4 = c3 ^ rotl64(c0, 1);
		for (int y = 0; y < 25; y += 5) {
			a[y] ^= d0;
			a[y + 1] ^= d1;
			a[y + 2] ^= d2;
			a[y + 3] ^= d3;
			a[y + 4] ^= d4;
		}
		/* rho and pi: rotate each lane and move it along the pi cycle */
		t = a[1];
		for (int i = 0; i < 24; i++) {
			uint64_t next = a[pi[i]];

			a[pi[i]] = rotl64(t, rho[i]);
			t = next;
		}
		/* chi: the only non-linear step, row by row */
		for (int y = 0; y < 25; y += 5) {
			c0 = a[y];
			c1 = a[y + 1];
			c2 = a[y + 2];
			c3 = a[y + 3];
			c4 = a[y + 4];
			a[y] = c0 ^ (~c1 & c2);
			a[y + 1] = c1 ^ (~c2 & c3);
			a[y + 2] = c2 ^ (~c3 & c4);
			a[y + 3] = c3 ^ (~c4 & c0);
			a[y + 4] = c4 ^ (~c0 & c1);
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

static uint64_t load64_le(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

void w3w__keccak256_update(w3w__keccak256_ctx *ctx, const unsigned char *in, size_t len)
{
	size_t i = 0;

	while (i < len) {
		/* Whole lanes at a time when lane-aligned, else byte by byte. */
		if (ctx->pos % 8 == 0 && len - i >= 8) {
			ctx->lanes[ctx->pos / 8] ^= load64_le(in + i);
			ctx->pos += 8;
			i += 8;
		} else {
			xor_byte(ctx->lanes, ctx->pos++, in[i++]);
		}
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

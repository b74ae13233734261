/*
 * A 256-bit unsigned integer as 32 big-endian bytes: the form Ethereum
 * uses for values, fees and gas prices, and the form RLP encodes. Just
 * what transaction signing needs: parse, print, compare.
 */
#ifndef W3W_CRYPTO_U256_H
#define W3W_CRYPTO_U256_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
	unsigned char be[32];
} w3w__u256;

/* Largest decimal text: 78 digits and the NUL. */
#define W3W__U256_DECIMAL_SIZE 79

void w3w__u256_from_u64(w3w__u256 *out, uint64_t v);

/*
 * Parse decimal ("1000000000000000000") or hex ("0x0de0b6b3a7640000") text
 * of len characters. Errors: EFORMAT when empty (or a bare "0x"), ECHARSET
 * for any other character (no sign, no spaces, no underscores), ERANGE
 * above 2^256 - 1. *out is written only on success.
 */
int w3w__u256_parse(w3w__u256 *out, const char *text, size_t len);

/* Decimal text, NUL-terminated; out_size >= W3W__U256_DECIMAL_SIZE is always enough. */
int w3w__u256_to_decimal(char *out, size_t out_size, const w3w__u256 *v);

/* v = v * mul + add; ERANGE (and v unchanged) on overflow. */
int w3w__u256_mul_add_small(w3w__u256 *v, uint32_t mul, uint32_t add);

int w3w__u256_is_zero(const w3w__u256 *v);

/* -1, 0 or 1 as a <, ==, > b. */
int w3w__u256_cmp(const w3w__u256 *a, const w3w__u256 *b);

/* out = a + b, a - b, a * m (out may be a); ERANGE (out unchanged) on overflow, or when a < b. */
int w3w__u256_add(w3w__u256 *out, const w3w__u256 *a, const w3w__u256 *b);
int w3w__u256_sub(w3w__u256 *out, const w3w__u256 *a, const w3w__u256 *b);
int w3w__u256_mul_u64(w3w__u256 *out, const w3w__u256 *a, uint64_t m);

#endif

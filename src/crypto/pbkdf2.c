#include "crypto/pbkdf2.h"

#include <string.h>
#include <sodium.h>

#include "crypto/crypto.h"

#define BLOCK crypto_auth_hmacsha512_BYTES

int w3w__pbkdf2_hmac_sha512(unsigned char *out, size_t out_len,
                            const unsigned char *pass, size_t pass_len,
                            const unsigned char *salt, size_t salt_len,
                            uint32_t iterations)
{
	crypto_auth_hmacsha512_state keyed, st;
	unsigned char u[BLOCK], t[BLOCK], counter[4];
	uint32_t block_index = 1;

	if (out == NULL || (pass == NULL && pass_len != 0) ||
	    (salt == NULL && salt_len != 0) || iterations == 0 || out_len == 0)
		return W3W__CRYPTO_EINVAL;
	if (sodium_init() < 0)
		return W3W__CRYPTO_EINIT;
	/* Key the HMAC once; each HMAC below starts from a copy of this state
	 * instead of re-hashing the password 2048 times. */
	crypto_auth_hmacsha512_init(&keyed, pass, pass_len);
	for (size_t done = 0; done < out_len; done += BLOCK, block_index++) {
		size_t take = out_len - done < BLOCK ? out_len - done : BLOCK;

		counter[0] = (unsigned char)(block_index >> 24);
		counter[1] = (unsigned char)(block_index >> 16);
		counter[2] = (unsigned char)(block_index >> 8);
		counter[3] = (unsigned char)block_index;
		st = keyed;
		crypto_auth_hmacsha512_update(&st, salt, salt_len);
		crypto_auth_hmacsha512_update(&st, counter, sizeof counter);
		crypto_auth_hmacsha512_final(&st, u);
		memcpy(t, u, BLOCK);
		for (uint32_t i = 1; i < iterations; i++) {
			st = keyed;
			crypto_auth_hmacsha512_update(&st, u, BLOCK);
			crypto_auth_hmacsha512_final(&st, u);
			for (size_t b = 0; b < BLOCK; b++)
				t[b] ^= u[b];
		}
		memcpy(out + done, t, take);
	}
	sodium_memzero(&keyed, sizeof keyed);
	sodium_memzero(&st, sizeof st);
	sodium_memzero(u, sizeof u);
	sodium_memzero(t, sizeof t);
	return W3W__CRYPTO_OK;
}

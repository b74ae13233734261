/* One-time start-up of the crypto layer and its status codes. */
#include "crypto/crypto.h"

#include <pthread.h>
#include <sodium.h>

#include "crypto/secp.h"

static pthread_once_t secp_once = PTHREAD_ONCE_INIT;
static secp256k1_context *secp_context;

static void secp_create(void)
{
	unsigned char seed[32];
	secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);

	if (ctx == NULL)
		return;
	/* Blinding seed: makes the scalar multiplications of signing and key
	 * generation independent of the secret's bits on the wire. */
	randombytes_buf(seed, sizeof seed);
	if (!secp256k1_context_randomize(ctx, seed)) {
		secp256k1_context_destroy(ctx);
		ctx = NULL;
	}
	sodium_memzero(seed, sizeof seed);
	secp_context = ctx;
}

int w3w__crypto_init(void)
{
	/* sodium_init is itself thread-safe and returns 1 when already done. */
	if (sodium_init() < 0)
		return W3W__CRYPTO_EINIT;
	if (pthread_once(&secp_once, secp_create) != 0 || secp_context == NULL)
		return W3W__CRYPTO_EINIT;
	return W3W__CRYPTO_OK;
}

const secp256k1_context *w3w__secp_ctx(void)
{
	if (w3w__crypto_init() != W3W__CRYPTO_OK)
		return NULL;
	return secp_context;
}

const char *w3w__crypto_strerror(int err)
{
	switch (err) {
	case W3W__CRYPTO_OK:         return "ok";
	case W3W__CRYPTO_EINVAL:     return "invalid argument";
	case W3W__CRYPTO_ENOMEM:     return "out of memory";
	case W3W__CRYPTO_ELENGTH:    return "wrong length";
	case W3W__CRYPTO_ECHARSET:   return "invalid character";
	case W3W__CRYPTO_EFORMAT:    return "malformed input";
	case W3W__CRYPTO_ECHECKSUM:  return "bad checksum";
	case W3W__CRYPTO_EWORD:      return "unknown mnemonic word";
	case W3W__CRYPTO_EPATH:      return "invalid derivation path";
	case W3W__CRYPTO_EKEY:       return "invalid key";
	case W3W__CRYPTO_ESIGNATURE: return "invalid signature";
	case W3W__CRYPTO_EOPEN:      return "sealed data failed authentication";
	case W3W__CRYPTO_EVERSION:   return "unknown sealed data version";
	case W3W__CRYPTO_ERANGE:     return "number out of range";
	case W3W__CRYPTO_EINIT:      return "crypto library initialisation failed";
	default:                     return "unknown crypto error";
	}
}

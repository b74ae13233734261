#include "crypto/slip10.h"

#include <string.h>
#include <sodium.h>

#include "crypto/crypto.h"
#include "crypto/hdpath.h"

#define SEED_MIN 16
#define SEED_MAX 64

/* I = HMAC-SHA512(key, data); I_L -> priv, I_R -> chain code. */
static void hmac_split(w3w__slip10_key *out, const unsigned char *key, size_t key_len,
                       const unsigned char *data, size_t data_len)
{
	unsigned char i[crypto_auth_hmacsha512_BYTES];
	crypto_auth_hmacsha512_state st;

	crypto_auth_hmacsha512_init(&st, key, key_len);
	crypto_auth_hmacsha512_update(&st, data, data_len);
	crypto_auth_hmacsha512_final(&st, i);
	memcpy(out->priv, i, 32);
	memcpy(out->chain_code, i + 32, 32);
	sodium_memzero(i, sizeof i);
	sodium_memzero(&st, sizeof st);
}

int w3w__slip10_master_from_seed(w3w__slip10_key *out, const unsigned char *seed, size_t len)
{
	static const unsigned char curve_key[] = "ed25519 seed";

	if (out == NULL || seed == NULL)
		return W3W__CRYPTO_EINVAL;
	if (len < SEED_MIN || len > SEED_MAX)
		return W3W__CRYPTO_ELENGTH;
	if (sodium_init() < 0)
		return W3W__CRYPTO_EINIT;
	/* Every 256-bit string is a valid Ed25519 private key: no retry case. */
	hmac_split(out, curve_key, sizeof curve_key - 1, seed, len);
	out->depth = 0;
	return W3W__CRYPTO_OK;
}

int w3w__slip10_ckd_priv(w3w__slip10_key *out, const w3w__slip10_key *parent, uint32_t index)
{
	unsigned char data[37];
	w3w__slip10_key child;

	if (out == NULL || parent == NULL)
		return W3W__CRYPTO_EINVAL;
	if (!(index & W3W__HD_HARDENED) || parent->depth == 255)
		return W3W__CRYPTO_EPATH;
	data[0] = 0x00;
	memcpy(data + 1, parent->priv, 32);
	data[33] = (unsigned char)(index >> 24);
	data[34] = (unsigned char)(index >> 16);
	data[35] = (unsigned char)(index >> 8);
	data[36] = (unsigned char)index;
	hmac_split(&child, parent->chain_code, sizeof parent->chain_code, data, sizeof data);
	child.depth = (uint8_t)(parent->depth + 1);
	*out = child;
	sodium_memzero(data, sizeof data);
	sodium_memzero(&child, sizeof child);
	return W3W__CRYPTO_OK;
}

int w3w__slip10_derive_path(w3w__slip10_key *out, const w3w__slip10_key *master, const char *path)
{
	uint32_t indices[W3W__HDPATH_MAX_DEPTH];
	size_t count = 0;
	w3w__slip10_key cur;
	int rc;

	if (out == NULL || master == NULL || path == NULL)
		return W3W__CRYPTO_EINVAL;
	if (master->depth != 0)
		return W3W__CRYPTO_EPATH;
	rc = w3w__hdpath_parse(indices, W3W__HDPATH_MAX_DEPTH, &count, path);
	if (rc != W3W__CRYPTO_OK)
		return rc;
	/* Check the whole path first so a bad component derives nothing. */
	for (size_t n = 0; n < count; n++)
		if (!(indices[n] & W3W__HD_HARDENED))
			return W3W__CRYPTO_EPATH;
	cur = *master;
	for (size_t n = 0; n < count && rc == W3W__CRYPTO_OK; n++)
		rc = w3w__slip10_ckd_priv(&cur, &cur, indices[n]);
	if (rc == W3W__CRYPTO_OK)
		*out = cur;
	sodium_memzero(&cur, sizeof cur);
	return rc;
}

int w3w__slip10_pubkey(unsigned char out32[W3W__ED25519_PUBKEY_LEN], const w3w__slip10_key *key)
{
	unsigned char sk[crypto_sign_SECRETKEYBYTES];

	if (out32 == NULL || key == NULL)
		return W3W__CRYPTO_EINVAL;
	if (sodium_init() < 0)
		return W3W__CRYPTO_EINIT;
	crypto_sign_seed_keypair(out32, sk, key->priv);
	sodium_memzero(sk, sizeof sk);
	return W3W__CRYPTO_OK;
}

void w3w__slip10_key_wipe(w3w__slip10_key *key)
{
	if (key != NULL)
		sodium_memzero(key, sizeof *key);
}

#include "crypto/solana.h"

#include <string.h>
#include <sodium.h>

#include "crypto/base58.h"
#include "crypto/crypto.h"

/* Stand-in for a NULL, zero-length message: libsodium is given a real pointer. */
static const unsigned char empty_message[1];

int w3w__solana_address(char out[W3W__SOLANA_ADDRESS_SIZE],
                        const unsigned char *pub, size_t pub_len)
{
	if (out == NULL || pub == NULL)
		return W3W__CRYPTO_EINVAL;
	if (pub_len != W3W__SOLANA_PUBKEY_LEN)
		return W3W__CRYPTO_ELENGTH;
	return w3w__base58_encode(out, W3W__SOLANA_ADDRESS_SIZE, pub, pub_len);
}

int w3w__solana_address_parse(unsigned char out[W3W__SOLANA_PUBKEY_LEN],
                              const char *text, size_t len)
{
	unsigned char buf[W3W__SOLANA_PUBKEY_LEN + 1];
	size_t n = 0;
	int rc;

	if (out == NULL || text == NULL)
		return W3W__CRYPTO_EINVAL;
	rc = w3w__base58_decode(buf, sizeof buf, &n, text, len);
	if (rc == W3W__CRYPTO_EFORMAT || (rc == W3W__CRYPTO_OK && n != W3W__SOLANA_PUBKEY_LEN))
		rc = W3W__CRYPTO_ELENGTH;
	if (rc == W3W__CRYPTO_OK)
		memcpy(out, buf, W3W__SOLANA_PUBKEY_LEN);
	return rc;
}

int w3w__solana_pubkey(unsigned char out[W3W__SOLANA_PUBKEY_LEN],
                       const unsigned char *priv, size_t priv_len)
{
	unsigned char sk[crypto_sign_SECRETKEYBYTES];

	if (out == NULL || priv == NULL)
		return W3W__CRYPTO_EINVAL;
	if (priv_len != crypto_sign_SEEDBYTES)
		return W3W__CRYPTO_ELENGTH;
	if (sodium_init() < 0)
		return W3W__CRYPTO_EINIT;
	crypto_sign_seed_keypair(out, sk, priv);
	sodium_memzero(sk, sizeof sk);
	return W3W__CRYPTO_OK;
}

int w3w__solana_sign(unsigned char out[W3W__SOLANA_SIGNATURE_LEN],
                     const unsigned char *msg, size_t len,
                     const unsigned char *priv, size_t priv_len)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	int rc = W3W__CRYPTO_OK;

	if (out == NULL || priv == NULL || (msg == NULL && len != 0))
		return W3W__CRYPTO_EINVAL;
	if (priv_len != crypto_sign_SEEDBYTES)
		return W3W__CRYPTO_ELENGTH;
	if (sodium_init() < 0)
		return W3W__CRYPTO_EINIT;
	if (msg == NULL)
		msg = empty_message;
	crypto_sign_seed_keypair(pk, sk, priv);
	if (crypto_sign_detached(out, NULL, msg, len, sk) != 0)
		rc = W3W__CRYPTO_EKEY;
	sodium_memzero(sk, sizeof sk);
	return rc;
}

int w3w__solana_verify(const unsigned char *sig, size_t sig_len,
                       const unsigned char *msg, size_t len,
                       const unsigned char *pub, size_t pub_len)
{
	if (sig == NULL || pub == NULL || (msg == NULL && len != 0))
		return W3W__CRYPTO_EINVAL;
	if (sig_len != W3W__SOLANA_SIGNATURE_LEN || pub_len != W3W__SOLANA_PUBKEY_LEN)
		return W3W__CRYPTO_ELENGTH;
	if (sodium_init() < 0)
		return W3W__CRYPTO_EINIT;
	if (msg == NULL)
		msg = empty_message;
	if (crypto_sign_verify_detached(sig, msg, len, pub) != 0)
		return W3W__CRYPTO_ESIGNATURE;
	return W3W__CRYPTO_OK;
}

#include "crypto/seal.h"

#include <stdint.h>
#include <string.h>
#include <sodium.h>

#include "crypto/crypto.h"

#define AD_MAX (1 + W3W__SEAL_PURPOSE_MAX)

size_t w3w__seal_blob_len(size_t secret_len)
{
	return secret_len + W3W__SEAL_OVERHEAD;
}

int w3w__seal_keygen(unsigned char key[W3W__SEAL_KEY_LEN])
{
	if (key == NULL)
		return W3W__CRYPTO_EINVAL;
	if (sodium_init() < 0)
		return W3W__CRYPTO_EINIT;
	crypto_aead_xchacha20poly1305_ietf_keygen(key);
	return W3W__CRYPTO_OK;
}

int w3w__secret_alloc(unsigned char **out, size_t len)
{
	unsigned char *p;

	if (out == NULL || len == 0)
		return W3W__CRYPTO_EINVAL;
	if (sodium_init() < 0)
		return W3W__CRYPTO_EINIT;
	p = sodium_malloc(len);
	if (p == NULL)
		return W3W__CRYPTO_ENOMEM;
	*out = p;
	return W3W__CRYPTO_OK;
}

void w3w__secret_free(unsigned char *secret)
{
	if (secret != NULL)
		sodium_free(secret); /* wipes before releasing */
}

/* Associated data: version byte || purpose. */
static int build_ad(unsigned char ad[AD_MAX], size_t *ad_len, const char *purpose)
{
	size_t plen;

	if (purpose == NULL)
		return W3W__CRYPTO_EINVAL;
	plen = strlen(purpose);
	if (plen == 0)
		return W3W__CRYPTO_EINVAL;
	if (plen > W3W__SEAL_PURPOSE_MAX)
		return W3W__CRYPTO_ELENGTH;
	ad[0] = W3W__SEAL_VERSION;
	memcpy(ad + 1, purpose, plen);
	*ad_len = 1 + plen;
	return W3W__CRYPTO_OK;
}

int w3w__seal(unsigned char *blob, size_t blob_size, size_t *blob_len,
              const unsigned char *key, size_t key_len, const char *purpose,
              const unsigned char *secret, size_t secret_len)
{
	unsigned char ad[AD_MAX];
	unsigned long long clen = 0;
	size_t ad_len = 0;
	int rc;

	if (blob == NULL || blob_len == NULL || key == NULL || secret == NULL)
		return W3W__CRYPTO_EINVAL;
	if (key_len != W3W__SEAL_KEY_LEN || secret_len == 0 ||
	    secret_len > SIZE_MAX - W3W__SEAL_OVERHEAD ||
	    blob_size < w3w__seal_blob_len(secret_len))
		return W3W__CRYPTO_ELENGTH;
	rc = build_ad(ad, &ad_len, purpose);
	if (rc != W3W__CRYPTO_OK)
		return rc;
	if (sodium_init() < 0)
		return W3W__CRYPTO_EINIT;
	blob[0] = W3W__SEAL_VERSION;
	/* 192-bit random nonces: no counter to keep, collisions negligible. */
	randombytes_buf(blob + 1, W3W__SEAL_NONCE_LEN);
	crypto_aead_xchacha20poly1305_ietf_encrypt(blob + 1 + W3W__SEAL_NONCE_LEN, &clen,
	                                           secret, secret_len, ad, ad_len, NULL,
	                                           blob + 1, key);
	*blob_len = 1 + W3W__SEAL_NONCE_LEN + (size_t)clen;
	return W3W__CRYPTO_OK;
}

int w3w__seal_open(unsigned char **secret_out, size_t *secret_len,
                   const unsigned char *key, size_t key_len, const char *purpose,
                   const unsigned char *blob, size_t blob_len)
{
	unsigned char ad[AD_MAX];
	unsigned char *plain = NULL;
	unsigned long long plen = 0;
	size_t ad_len = 0, len;
	int rc;

	if (secret_out == NULL || secret_len == NULL || key == NULL || blob == NULL)
		return W3W__CRYPTO_EINVAL;
	if (key_len != W3W__SEAL_KEY_LEN)
		return W3W__CRYPTO_ELENGTH;
	rc = build_ad(ad, &ad_len, purpose);
	if (rc != W3W__CRYPTO_OK)
		return rc;
	if (blob_len < 1)
		return W3W__CRYPTO_ELENGTH;
	if (blob[0] != W3W__SEAL_VERSION)
		return W3W__CRYPTO_EVERSION;
	if (blob_len <= W3W__SEAL_OVERHEAD)
		return W3W__CRYPTO_ELENGTH;
	len = blob_len - W3W__SEAL_OVERHEAD;
	rc = w3w__secret_alloc(&plain, len);
	if (rc != W3W__CRYPTO_OK)
		return rc;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain, &plen, NULL,
	                                               blob + 1 + W3W__SEAL_NONCE_LEN,
	                                               blob_len - 1 - W3W__SEAL_NONCE_LEN,
	                                               ad, ad_len, blob + 1, key) != 0) {
		w3w__secret_free(plain);
		return W3W__CRYPTO_EOPEN;
	}
	*secret_out = plain;
	*secret_len = (size_t)plen;
	return W3W__CRYPTO_OK;
}

int w3w__seal_reseal(unsigned char *out, size_t out_size, size_t *out_len,
                     const unsigned char *old_key, const unsigned char *new_key, size_t key_len,
                     const char *purpose, const unsigned char *blob, size_t blob_len)
{
	unsigned char *secret = NULL;
	size_t secret_len = 0;
	int rc;

	if (out == NULL || out_len == NULL || new_key == NULL)
		return W3W__CRYPTO_EINVAL;
	rc = w3w__seal_open(&secret, &secret_len, old_key, key_len, purpose, blob, blob_len);
	if (rc != W3W__CRYPTO_OK)
		return rc;
	rc = w3w__seal(out, out_size, out_len, new_key, key_len, purpose, secret, secret_len);
	w3w__secret_free(secret);
	return rc;
}

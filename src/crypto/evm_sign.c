/* secp256k1 recoverable signatures the Ethereum way, and EIP-191
 * personal_sign messages. */
#include "crypto/evm.h"

#include <stdio.h>
#include <string.h>
#include <sodium.h>
#include <secp256k1_recovery.h>

#include "crypto/crypto.h"
#include "crypto/keccak.h"
#include "crypto/secp.h"

int w3w__evm_sign_hash(unsigned char out[W3W__EVM_SIGNATURE_LEN],
                       const unsigned char hash[W3W__EVM_HASH_LEN],
                       const unsigned char *priv, size_t priv_len)
{
	const secp256k1_context *ctx = w3w__secp_ctx();
	secp256k1_ecdsa_recoverable_signature sig;
	int recid = 0;

	if (out == NULL || hash == NULL || priv == NULL)
		return W3W__CRYPTO_EINVAL;
	if (priv_len != 32)
		return W3W__CRYPTO_ELENGTH;
	if (ctx == NULL)
		return W3W__CRYPTO_EINIT;
	/* NULL nonce function: RFC 6979; libsecp256k1 always outputs low s. */
	if (!secp256k1_ecdsa_sign_recoverable(ctx, &sig, hash, priv, NULL, NULL))
		return W3W__CRYPTO_EKEY;
	secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx, out, &recid, &sig);
	out[64] = (unsigned char)recid;
	sodium_memzero(&sig, sizeof sig);
	return W3W__CRYPTO_OK;
}

int w3w__evm_recover(unsigned char out[W3W__EVM_ADDRESS_LEN],
                     const unsigned char hash[W3W__EVM_HASH_LEN],
                     const unsigned char *sig, size_t sig_len)
{
	const secp256k1_context *ctx = w3w__secp_ctx();
	secp256k1_ecdsa_recoverable_signature rsig;
	secp256k1_ecdsa_signature plain;
	secp256k1_pubkey pk;
	unsigned char pub[65];
	size_t pub_len = sizeof pub;
	int v;

	if (out == NULL || hash == NULL || sig == NULL)
		return W3W__CRYPTO_EINVAL;
	if (sig_len != W3W__EVM_SIGNATURE_LEN)
		return W3W__CRYPTO_ELENGTH;
	if (ctx == NULL)
		return W3W__CRYPTO_EINIT;
	v = sig[64];
	if (v >= 27)
		v -= 27;
	if (v != 0 && v != 1)
		return W3W__CRYPTO_ESIGNATURE;
	/* parse_compact rejects r or s >= n; r = 0 or s = 0 fail in recover. */
	if (!secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &rsig, sig, v))
		return W3W__CRYPTO_ESIGNATURE;
	/* normalize() returns 1 when s was high: refuse the malleated twin. */
	secp256k1_ecdsa_recoverable_signature_convert(ctx, &plain, &rsig);
	if (secp256k1_ecdsa_signature_normalize(ctx, NULL, &plain))
		return W3W__CRYPTO_ESIGNATURE;
	if (!secp256k1_ecdsa_recover(ctx, &pk, &rsig, hash))
		return W3W__CRYPTO_ESIGNATURE;
	secp256k1_ec_pubkey_serialize(ctx, pub, &pub_len, &pk, SECP256K1_EC_UNCOMPRESSED);
	return w3w__evm_address_from_pubkey(out, pub, pub_len);
}

int w3w__evm_personal_hash(unsigned char out32[W3W__EVM_HASH_LEN],
                           const unsigned char *msg, size_t len)
{
	static const char prefix[] = "\x19" "Ethereum Signed Message:\n";
	char len_text[24];
	w3w__keccak256_ctx k;
	int n;

	if (out32 == NULL || (msg == NULL && len != 0))
		return W3W__CRYPTO_EINVAL;
	n = snprintf(len_text, sizeof len_text, "%zu", len);
	w3w__keccak256_init(&k);
	w3w__keccak256_update(&k, (const unsigned char *)prefix, sizeof prefix - 1);
	w3w__keccak256_update(&k, (const unsigned char *)len_text, (size_t)n);
	w3w__keccak256_update(&k, msg, len);
	w3w__keccak256_final(&k, out32);
	return W3W__CRYPTO_OK;
}

int w3w__evm_personal_sign(unsigned char out[W3W__EVM_SIGNATURE_LEN],
                           const unsigned char *msg, size_t len,
                           const unsigned char *priv, size_t priv_len)
{
	unsigned char hash[W3W__EVM_HASH_LEN];
	int rc = w3w__evm_personal_hash(hash, msg, len);

	if (rc == W3W__CRYPTO_OK && out == NULL)
		rc = W3W__CRYPTO_EINVAL;
	if (rc == W3W__CRYPTO_OK)
		rc = w3w__evm_sign_hash(out, hash, priv, priv_len);
	if (rc == W3W__CRYPTO_OK)
		out[64] = (unsigned char)(out[64] + 27);
	return rc;
}

int w3w__evm_personal_recover(unsigned char out[W3W__EVM_ADDRESS_LEN],
                              const unsigned char *msg, size_t len,
                              const unsigned char *sig, size_t sig_len)
{
	unsigned char hash[W3W__EVM_HASH_LEN];
	int rc = w3w__evm_personal_hash(hash, msg, len);

	if (rc == W3W__CRYPTO_OK)
		rc = w3w__evm_recover(out, hash, sig, sig_len);
	return rc;
}

int w3w__evm_personal_verify(const unsigned char addr[W3W__EVM_ADDRESS_LEN],
                             const unsigned char *msg, size_t len,
                             const unsigned char *sig, size_t sig_len)
{
	unsigned char signer[W3W__EVM_ADDRESS_LEN];
	int rc;

	if (addr == NULL)
		return W3W__CRYPTO_EINVAL;
	rc = w3w__evm_personal_recover(signer, msg, len, sig, sig_len);
	if (rc == W3W__CRYPTO_OK && memcmp(signer, addr, W3W__EVM_ADDRESS_LEN) != 0)
		rc = W3W__CRYPTO_ESIGNATURE;
	return rc;
}

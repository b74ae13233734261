#include "crypto/bip32.h"

#include <string.h>
#include <sodium.h>

#include "crypto/base58.h"
#include "crypto/crypto.h"
#include "crypto/hdpath.h"
#include "crypto/ripemd160.h"
#include "crypto/secp.h"

#define XKEY_LEN 78
#define VERSION_XPRV 0x0488ade4u
#define VERSION_XPUB 0x0488b21eu

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* Fill key->pub from key->priv; EKEY if priv is not a valid scalar. */
static int compute_pub(const secp256k1_context *ctx, w3w__bip32_key *key)
{
	secp256k1_pubkey pk;
	size_t len = sizeof key->pub;

	if (!secp256k1_ec_pubkey_create(ctx, &pk, key->priv))
		return W3W__CRYPTO_EKEY;
	secp256k1_ec_pubkey_serialize(ctx, key->pub, &len, &pk, SECP256K1_EC_COMPRESSED);
	return W3W__CRYPTO_OK;
}

int w3w__bip32_master_from_seed(w3w__bip32_key *out, const unsigned char *seed, size_t len)
{
	static const unsigned char curve_key[] = "Bitcoin seed";
	const secp256k1_context *ctx = w3w__secp_ctx();
	unsigned char i[crypto_auth_hmacsha512_BYTES];
	crypto_auth_hmacsha512_state st;
	w3w__bip32_key key;
	int rc;

	if (out == NULL || seed == NULL)
		return W3W__CRYPTO_EINVAL;
	if (len < W3W__BIP32_SEED_MIN || len > W3W__BIP32_SEED_MAX)
		return W3W__CRYPTO_ELENGTH;
	if (ctx == NULL)
		return W3W__CRYPTO_EINIT;
	crypto_auth_hmacsha512_init(&st, curve_key, sizeof curve_key - 1);
	crypto_auth_hmacsha512_update(&st, seed, len);
	crypto_auth_hmacsha512_final(&st, i);
	memset(&key, 0, sizeof key);
	memcpy(key.priv, i, 32);
	memcpy(key.chain_code, i + 32, 32);
	rc = secp256k1_ec_seckey_verify(ctx, key.priv) ? compute_pub(ctx, &key) : W3W__CRYPTO_EKEY;
	if (rc == W3W__CRYPTO_OK)
		*out = key;
	sodium_memzero(i, sizeof i);
	sodium_memzero(&st, sizeof st);
	sodium_memzero(&key, sizeof key);
	return rc;
}

int w3w__bip32_ckd_priv(w3w__bip32_key *out, const w3w__bip32_key *parent, uint32_t index)
{
	const secp256k1_context *ctx = w3w__secp_ctx();
	unsigned char data[37], i[crypto_auth_hmacsha512_BYTES], fp[W3W__RIPEMD160_LEN];
	crypto_auth_hmacsha512_state st;
	w3w__bip32_key child;
	int rc = W3W__CRYPTO_OK;

	if (out == NULL || parent == NULL)
		return W3W__CRYPTO_EINVAL;
	if (ctx == NULL)
		return W3W__CRYPTO_EINIT;
	if (parent->depth == 255)
		return W3W__CRYPTO_EPATH;
	if (index & W3W__HD_HARDENED) {
		data[0] = 0x00; /* 0x00 || ser256(k_par) */
		memcpy(data + 1, parent->priv, 32);
	} else {
		memcpy(data, parent->pub, 33); /* serP(point(k_par)) */
	}
	put_be32(data + 33, index);
	crypto_auth_hmacsha512_init(&st, parent->chain_code, sizeof parent->chain_code);
	crypto_auth_hmacsha512_update(&st, data, sizeof data);
	crypto_auth_hmacsha512_final(&st, i);

	memset(&child, 0, sizeof child);
	memcpy(child.priv, parent->priv, 32);
	/* k_i = I_L + k_par (mod n); fails when I_L >= n or the sum is 0. */
	if (!secp256k1_ec_seckey_tweak_add(ctx, child.priv, i))
		rc = W3W__CRYPTO_EKEY;
	if (rc == W3W__CRYPTO_OK)
		rc = compute_pub(ctx, &child);
	if (rc == W3W__CRYPTO_OK)
		rc = w3w__hash160(fp, parent->pub, sizeof parent->pub);
	if (rc == W3W__CRYPTO_OK) {
		memcpy(child.chain_code, i + 32, 32);
		child.parent_fingerprint = (uint32_t)fp[0] << 24 | (uint32_t)fp[1] << 16 |
		                           (uint32_t)fp[2] << 8 | fp[3];
		child.child_number = index;
		child.depth = (uint8_t)(parent->depth + 1);
		*out = child;
	}
	sodium_memzero(data, sizeof data);
	sodium_memzero(i, sizeof i);
	sodium_memzero(&st, sizeof st);
	sodium_memzero(&child, sizeof child);
	return rc;
}

int w3w__bip32_derive_path(w3w__bip32_key *out, const w3w__bip32_key *master, const char *path)
{
	uint32_t indices[W3W__HDPATH_MAX_DEPTH];
	size_t count = 0;
	w3w__bip32_key cur;
	int rc;

	if (out == NULL || master == NULL || path == NULL)
		return W3W__CRYPTO_EINVAL;
	if (master->depth != 0)
		return W3W__CRYPTO_EPATH;
	rc = w3w__hdpath_parse(indices, W3W__HDPATH_MAX_DEPTH, &count, path);
	if (rc != W3W__CRYPTO_OK)
		return rc;
	cur = *master;
	for (size_t n = 0; n < count && rc == W3W__CRYPTO_OK; n++)
		rc = w3w__bip32_ckd_priv(&cur, &cur, indices[n]);
	if (rc == W3W__CRYPTO_OK)
		*out = cur;
	sodium_memzero(&cur, sizeof cur);
	return rc;
}

int w3w__bip32_pubkey(unsigned char *out, size_t out_len, const w3w__bip32_key *key)
{
	const secp256k1_context *ctx = w3w__secp_ctx();
	secp256k1_pubkey pk;
	size_t len = out_len;

	if (out == NULL || key == NULL)
		return W3W__CRYPTO_EINVAL;
	if (out_len != W3W__SECP_PUBKEY_COMPRESSED_LEN && out_len != W3W__SECP_PUBKEY_UNCOMPRESSED_LEN)
		return W3W__CRYPTO_ELENGTH;
	if (ctx == NULL)
		return W3W__CRYPTO_EINIT;
	if (out_len == W3W__SECP_PUBKEY_COMPRESSED_LEN) {
		memcpy(out, key->pub, out_len);
		return W3W__CRYPTO_OK;
	}
	if (!secp256k1_ec_pubkey_parse(ctx, &pk, key->pub, sizeof key->pub))
		return W3W__CRYPTO_EKEY;
	secp256k1_ec_pubkey_serialize(ctx, out, &len, &pk, SECP256K1_EC_UNCOMPRESSED);
	return W3W__CRYPTO_OK;
}

static int serialize(char *out, size_t out_size, const w3w__bip32_key *key, int private)
{
	unsigned char raw[XKEY_LEN];
	int rc;

	if (out == NULL || key == NULL)
		return W3W__CRYPTO_EINVAL;
	put_be32(raw, private ? VERSION_XPRV : VERSION_XPUB);
	raw[4] = key->depth;
	put_be32(raw + 5, key->parent_fingerprint);
	put_be32(raw + 9, key->child_number);
	memcpy(raw + 13, key->chain_code, 32);
	if (private) {
		raw[45] = 0x00;
		memcpy(raw + 46, key->priv, 32);
	} else {
		memcpy(raw + 45, key->pub, 33);
	}
	rc = w3w__base58check_encode(out, out_size, raw, sizeof raw);
	sodium_memzero(raw, sizeof raw);
	return rc;
}

int w3w__bip32_to_xprv(char *out, size_t out_size, const w3w__bip32_key *key)
{
	return serialize(out, out_size, key, 1);
}

int w3w__bip32_to_xpub(char *out, size_t out_size, const w3w__bip32_key *key)
{
	return serialize(out, out_size, key, 0);
}

void w3w__bip32_key_wipe(w3w__bip32_key *key)
{
	if (key != NULL)
		sodium_memzero(key, sizeof *key);
}

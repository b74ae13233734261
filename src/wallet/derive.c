/*
 * Deposit addresses and the hot wallet, derived from the master seed:
 * EVM m/44'/60'/0'/0/i (BIP-32), Solana m/44'/501'/i'/0' (SLIP-10), the
 * EVM hot wallet m/44'/60'/1'/0/0 (account 1', apart from every deposit
 * address). Keys exist only inside these functions and are wiped.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "crypto/bip32.h"
#include "crypto/crypto.h"
#include "crypto/evm.h"
#include "crypto/hdpath.h"
#include "crypto/seal.h"
#include "crypto/slip10.h"
#include "crypto/solana.h"
#include "wallet/wallet_internal.h"

#define HOT_WALLET_PATH "m/44'/60'/1'/0/0"

w3w_status w3w__family_parse(w3w__family *out, const char *chain, const char *field)
{
	if (!chain || !*chain)
		return w3w_error_set(W3W_EINVAL, "%s: missing", field);
	if (strcmp(chain, "evm") == 0)
		*out = W3W__FAMILY_EVM;
	else if (strcmp(chain, "solana") == 0)
		*out = W3W__FAMILY_SOLANA;
	else
		return w3w_error_set(W3W_EINVAL, "%s: unknown chain (expected evm or solana)", field);
	return W3W_OK;
}

static w3w_status crypto_fail(int err, const char *what)
{
	return w3w_error_set(w3w__crypto_status(err), "%s: %s", what, w3w__crypto_strerror(err));
}

/*
 * The key at `path`, in locked memory (sodium_malloc: guard pages, mlock,
 * wiped on free) with the master key it came from: free *key with
 * w3w__secret_free.
 */
static w3w_status evm_key(w3w__bip32_key **key, const unsigned char *seed, const char *path)
{
	unsigned char *mem = NULL;
	w3w__bip32_key *pair;
	int err;

	*key = NULL;
	if (w3w__secret_alloc(&mem, 2 * sizeof(w3w__bip32_key)) != 0)
		return w3w_error_set(W3W_ENOMEM, "derive: out of memory");
	pair = (w3w__bip32_key *)(void *)mem; /* sodium_malloc'd memory is aligned for any type */
	err = w3w__bip32_master_from_seed(&pair[1], seed, 64);
	if (err == 0)
		err = w3w__bip32_derive_path(&pair[0], &pair[1], path);
	w3w__bip32_key_wipe(&pair[1]);
	if (err) {
		w3w__secret_free(mem);
		return crypto_fail(err, "derive");
	}
	*key = pair;
	return W3W_OK;
}

/* Address of the EVM key at `path`, and its private key when priv is not NULL (32 bytes). */
static w3w_status evm_pair(char address[W3W_ADDRESS_SIZE], unsigned char *priv, const unsigned char *seed,
	const char *path)
{
	w3w__bip32_key *key;
	unsigned char addr[W3W__EVM_ADDRESS_LEN];
	w3w_status st = evm_key(&key, seed, path);
	int err;

	if (st != W3W_OK)
		return st;
	err = w3w__evm_address_from_pubkey(addr, key->pub, sizeof(key->pub));
	if (err == 0 && priv)
		memcpy(priv, key->priv, sizeof(key->priv));
	w3w__secret_free((unsigned char *)key);
	if (err)
		return crypto_fail(err, "key");
	w3w__evm_address_text(address, addr);
	return W3W_OK;
}

static w3w_status solana_address_at(char out[W3W_ADDRESS_SIZE], const unsigned char *seed, int64_t index)
{
	w3w__slip10_key master, key;
	unsigned char pub[W3W__ED25519_PUBKEY_LEN];
	char path[64];
	int err;

	snprintf(path, sizeof(path), "m/44'/501'/%lld'/0'", (long long)index);
	err = w3w__slip10_master_from_seed(&master, seed, 64);
	if (err == 0)
		err = w3w__slip10_derive_path(&key, &master, path);
	if (err == 0)
		err = w3w__slip10_pubkey(pub, &key);
	w3w__slip10_key_wipe(&master);
	w3w__slip10_key_wipe(&key);
	if (err == 0)
		err = w3w__solana_address(out, pub, sizeof(pub));
	return err ? crypto_fail(err, "derive") : W3W_OK;
}

w3w_status w3w__derive_address(char out[W3W_ADDRESS_SIZE], const unsigned char *seed, w3w__family f,
	int64_t index)
{
	char path[64];

	if (index < 0 || index >= (int64_t)W3W__HD_HARDENED)
		return w3w_error_set(W3W_EINTERNAL, "derive: index %lld out of range", (long long)index);
	if (f == W3W__FAMILY_SOLANA)
		return solana_address_at(out, seed, index);
	snprintf(path, sizeof(path), "m/44'/60'/0'/0/%lld", (long long)index);
	return evm_pair(out, NULL, seed, path);
}

w3w_status w3w__hot_wallet(char address[W3W_ADDRESS_SIZE], unsigned char *priv, const unsigned char *seed)
{
	return evm_pair(address, priv, seed, HOT_WALLET_PATH);
}

w3w_status w3w__deposit_key(char address[W3W_ADDRESS_SIZE], unsigned char *priv, const unsigned char *seed,
	int64_t index)
{
	char path[64];

	if (index < 0 || index >= (int64_t)W3W__HD_HARDENED)
		return w3w_error_set(W3W_EINTERNAL, "derive: index %lld out of range", (long long)index);
	snprintf(path, sizeof(path), "m/44'/60'/0'/0/%lld", (long long)index);
	return evm_pair(address, priv, seed, path);
}

/* ---- address text ------------------------------------------------------------ */

void w3w__evm_address_text(char out[W3W_ADDRESS_SIZE], const unsigned char addr[20])
{
	char text[W3W__EVM_ADDRESS_TEXT_SIZE];

	w3w__evm_address_to_text(text, addr);
	snprintf(out, W3W_ADDRESS_SIZE, "%s", text);
}

static const char *address_problem(int err)
{
	switch (err) {
	case W3W__CRYPTO_ELENGTH:   return "wrong length";
	case W3W__CRYPTO_EFORMAT:   return "must start with 0x";
	case W3W__CRYPTO_ECHARSET:  return "invalid character";
	case W3W__CRYPTO_ECHECKSUM: return "wrong EIP-55 checksum";
	default:                    return w3w__crypto_strerror(err);
	}
}

w3w_status w3w__evm_address_read(unsigned char out[20], const char *text, const char *field)
{
	int err;

	if (!text || !*text)
		return w3w_error_set(W3W_EINVAL, "%s: missing", field);
	/* One spelling of the prefix: "0X" is a typo or another tool's habit, never what a wallet shows. */
	if (strncmp(text, "0X", 2) == 0)
		return w3w_error_set(W3W_EINVAL, "%s: not an EVM address (starts with 0X; write the prefix as lowercase 0x)",
			field);
	err = w3w__evm_address_parse(out, text, strnlen(text, 64), 0);
	if (err)
		return w3w_error_set(W3W_EINVAL, "%s: not an EVM address (%s; expected 0x and 40 hex digits)",
			field, address_problem(err));
	return W3W_OK;
}

w3w_status w3w_address_normalize(char *buf, size_t buflen, const char *chain, const char *address)
{
	w3w__family f;
	w3w_status st;

	if (!buf || buflen < W3W_ADDRESS_SIZE)
		return w3w_error_set(W3W_EINVAL, "buf: needs %d bytes", W3W_ADDRESS_SIZE);
	if ((st = w3w__family_parse(&f, chain, "chain")) != W3W_OK)
		return st;
	if (f == W3W__FAMILY_EVM) {
		unsigned char addr[20];
		if ((st = w3w__evm_address_read(addr, address, "address")) == W3W_OK)
			w3w__evm_address_text(buf, addr);
		return st;
	}
	{
		unsigned char pub[W3W__SOLANA_PUBKEY_LEN];
		int err;
		if (!address || !*address)
			return w3w_error_set(W3W_EINVAL, "address: missing");
		err = w3w__solana_address_parse(pub, address, strnlen(address, 64));
		if (err)
			return w3w_error_set(W3W_EINVAL, "address: not a Solana address (%s)", address_problem(err));
		return w3w__solana_address(buf, pub, sizeof(pub)) ? w3w_error_set(W3W_EINTERNAL, "address: encode")
		                                                    : W3W_OK;
	}
}

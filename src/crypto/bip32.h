/*
 * BIP-32 hierarchical deterministic keys on secp256k1: master key from a
 * seed, private child derivation (hardened and normal), derivation along a
 * path, public keys and xprv/xpub text (mainnet version bytes).
 *
 * A w3w__bip32_key holds a private key: keep it in sodium_malloc'd memory
 * when it lives longer than a call, and w3w__bip32_key_wipe it after use.
 */
#ifndef W3W_CRYPTO_BIP32_H
#define W3W_CRYPTO_BIP32_H

#include <stddef.h>
#include <stdint.h>

#define W3W__BIP32_SEED_MIN 16
#define W3W__BIP32_SEED_MAX 64
#define W3W__SECP_PRIVKEY_LEN 32
#define W3W__SECP_PUBKEY_COMPRESSED_LEN 33
#define W3W__SECP_PUBKEY_UNCOMPRESSED_LEN 65
/* xprv/xpub text is at most 112 characters, plus the NUL. */
#define W3W__BIP32_XKEY_SIZE 113

typedef struct {
	unsigned char priv[W3W__SECP_PRIVKEY_LEN];
	unsigned char chain_code[32];
	unsigned char pub[W3W__SECP_PUBKEY_COMPRESSED_LEN]; /* compressed */
	uint32_t parent_fingerprint; /* first 4 bytes of HASH160(parent pub), big-endian */
	uint32_t child_number;       /* index, bit 31 set when hardened */
	uint8_t depth;               /* 0 for the master */
} w3w__bip32_key;

/* I = HMAC-SHA512("Bitcoin seed", seed); seed of 16..64 bytes (ELENGTH).
 * EKEY in the 2^-127 case that I_L is not a valid key. */
int w3w__bip32_master_from_seed(w3w__bip32_key *out, const unsigned char *seed, size_t len);

/* CKDpriv; index >= 2^31 is hardened. EKEY in the 2^-127 case of an
 * invalid child (BIP-32: the caller moves on to the next index). EPATH at
 * depth 255. */
int w3w__bip32_ckd_priv(w3w__bip32_key *out, const w3w__bip32_key *parent, uint32_t index);

/* Derive from a master key (depth 0, else EPATH) along path text such as
 * "m/44'/60'/0'/0/5" (see hdpath.h for the syntax). */
int w3w__bip32_derive_path(w3w__bip32_key *out, const w3w__bip32_key *master, const char *path);

/* Public key: out_len 33 gives the compressed form, 65 the uncompressed
 * form (0x04 || x || y); any other length is ELENGTH. */
int w3w__bip32_pubkey(unsigned char *out, size_t out_len, const w3w__bip32_key *key);

/* Base58Check xprv / xpub text (mainnet 0x0488ADE4 / 0x0488B21E). */
int w3w__bip32_to_xprv(char *out, size_t out_size, const w3w__bip32_key *key);
int w3w__bip32_to_xpub(char *out, size_t out_size, const w3w__bip32_key *key);

void w3w__bip32_key_wipe(w3w__bip32_key *key);

#endif

/*
 * SLIP-10 key derivation for Ed25519: master key from a seed with the HMAC
 * key "ed25519 seed", then hardened-only child derivation (Ed25519 has no
 * public derivation). The 32-byte private key is the Ed25519 seed that
 * libsodium expands into a signing key. Secrets: see bip32.h.
 */
#ifndef W3W_CRYPTO_SLIP10_H
#define W3W_CRYPTO_SLIP10_H

#include <stddef.h>
#include <stdint.h>

#define W3W__ED25519_PRIVKEY_LEN 32
#define W3W__ED25519_PUBKEY_LEN 32
#define W3W__ED25519_SIGNATURE_LEN 64

typedef struct {
	unsigned char priv[W3W__ED25519_PRIVKEY_LEN];
	unsigned char chain_code[32];
	uint8_t depth;
} w3w__slip10_key;

/* Seed of 16..64 bytes (ELENGTH otherwise). */
int w3w__slip10_master_from_seed(w3w__slip10_key *out, const unsigned char *seed, size_t len);

/* Child at index, which must be hardened (bit 31 set): EPATH otherwise. */
int w3w__slip10_ckd_priv(w3w__slip10_key *out, const w3w__slip10_key *parent, uint32_t index);

/* Derive from a master key along a path whose every component is hardened
 * ("m/44'/501'/0'/0'"); EPATH for a normal component or bad syntax. */
int w3w__slip10_derive_path(w3w__slip10_key *out, const w3w__slip10_key *master, const char *path);

/* The Ed25519 public key of key->priv. */
int w3w__slip10_pubkey(unsigned char out32[W3W__ED25519_PUBKEY_LEN], const w3w__slip10_key *key);

void w3w__slip10_key_wipe(w3w__slip10_key *key);

#endif

/*
 * Tokens: verification and issuing through the library's public JWT API
 * (w3wallet/auth.h), with the algorithm pinned by configuration — HS256
 * with a shared secret, or EdDSA with an Ed25519 public key.
 */
#ifndef W3W_SERVER_AUTH_H
#define W3W_SERVER_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include <w3wallet.h>

enum auth_alg { AUTH_HS256 = 1, AUTH_EDDSA = 2 };

#define AUTH_SECRET_MIN 32
#define AUTH_SECRET_MAX 1024
/** Clock skew allowed on exp and nbf. */
#define AUTH_LEEWAY_S 30

typedef struct auth_keys {
	enum auth_alg alg;
	w3w_jwt_verifier *verifier;
	unsigned char secret[AUTH_SECRET_MAX];                   /**< HS256 */
	size_t secret_len;
	unsigned char public_key[W3W_ED25519_PUBLIC_KEY_SIZE];  /**< EdDSA */
	unsigned char secret_key[W3W_ED25519_SECRET_KEY_SIZE];  /**< EdDSA signing (token command), if given */
	int can_sign;
} auth_keys;

/** Build the verifier from the key material loaded into *keys. 0, or -1 (printed). */
int auth_init(auth_keys *keys);
/** Free the verifier and wipe the keys. */
void auth_clear(auth_keys *keys);

/** Verify a bearer token into *actor. On failure: W3W_EUNAUTHENTICATED, reason in w3w_error_message(). */
w3w_status auth_verify(const auth_keys *keys, const char *token, w3w_actor *actor);

/** Issue a token for `sub` with roles "user,admin"; malloc'd, or NULL with the reason in `why`. */
char *auth_sign(const auth_keys *keys, const char *sub, const char *roles, int64_t ttl_s, char *why, size_t why_len);

/** Ed25519 public key: 64 hex, base64/base64url of 32 bytes, or PEM SubjectPublicKeyInfo. 0 or -1. */
int auth_parse_ed25519_public(unsigned char out[32], const char *text);
/** Ed25519 private key: 64 hex (seed) or 128 hex (libsodium secret key). 0 or -1. */
int auth_parse_ed25519_private(unsigned char sk[64], unsigned char pk[32], const char *text);

#endif

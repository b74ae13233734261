/*
 * JWT (RFC 7519) with the algorithm pinned by configuration: HS256
 * (HMAC-SHA-256 with a shared secret) or EdDSA (Ed25519 public key).
 * A token whose header names any other algorithm ("none", or switching
 * HS256 <-> EdDSA) is refused before its signature is looked at.
 */
#ifndef W3W_SERVER_JWT_H
#define W3W_SERVER_JWT_H

#include <stddef.h>
#include <stdint.h>

#include <w3wallet.h>

enum jwt_alg { JWT_HS256 = 1, JWT_EDDSA = 2 };

#define JWT_TOKEN_MAX   8192
#define JWT_SECRET_MIN  32
#define JWT_SECRET_MAX  512
#define JWT_LEEWAY_S    30

typedef struct jwt_keys {
	enum jwt_alg alg;
	unsigned char secret[JWT_SECRET_MAX]; /**< HS256 key bytes */
	size_t secret_len;
	unsigned char public_key[32];         /**< EdDSA verification key */
	unsigned char secret_key[64];         /**< EdDSA signing key (token command only) */
	int can_sign;
} jwt_keys;

/**
 * Verify `token` at time `now_s`; on success fill *actor and return 0.
 * On failure return -1 and write a short reason (never token contents) to `why`.
 */
int jwt_verify(const jwt_keys *keys, const char *token, int64_t now_s, w3w_actor *actor,
	char *why, size_t why_len);

/**
 * Sign a token for `sub` with `roles` ("user,admin") valid `ttl_s` seconds
 * from `now_s`. Returns a malloc'd string or NULL (reason in `why`).
 */
char *jwt_sign(const jwt_keys *keys, const char *sub, const char *roles, int64_t now_s, int64_t ttl_s,
	char *why, size_t why_len);

/**
 * Parse an Ed25519 public key: 64 hex characters, base64/base64url of the 32
 * bytes, or a PEM "PUBLIC KEY" (SubjectPublicKeyInfo). Returns 0 or -1.
 */
int jwt_parse_ed25519_public(unsigned char out[32], const char *text);

/** Parse an Ed25519 private key: 64 hex (seed) or 128 hex (libsodium secret key). */
int jwt_parse_ed25519_private(unsigned char sk[64], unsigned char pk[32], const char *text);

#endif

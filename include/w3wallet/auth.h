/*
 * Offered to hosts: JWT verification (HS256, EdDSA/Ed25519) that turns a
 * bearer token into a w3w_actor, and per-key rate limiting shared through
 * the context's cache (across processes when the cache is Redis).
 *
 * Tokens carry `sub` (a UUID), `roles` (array of "user", "admin",
 * "auditor", "service"), `exp` and optionally `nbf`/`iat`. The algorithm is
 * pinned by the verifier: a token whose header names another `alg`
 * (including "none") is refused.
 */
#ifndef W3WALLET_AUTH_H
#define W3WALLET_AUTH_H

#include "w3wallet/context.h"
#include "w3wallet/id.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct w3w_jwt_verifier w3w_jwt_verifier;

#define W3W_ED25519_PUBLIC_KEY_SIZE 32
#define W3W_ED25519_SECRET_KEY_SIZE 64
#define W3W_JWT_MAX_SIZE 8192

/** Verifier for HS256 with a shared secret of 32..1024 bytes (copied, wiped on free). */
W3W_EXTERN w3w_status w3w_jwt_verifier_hs256(w3w_jwt_verifier **out, const unsigned char *secret, size_t secret_len);

/** Verifier for EdDSA with an Ed25519 public key. */
W3W_EXTERN w3w_status w3w_jwt_verifier_eddsa(w3w_jwt_verifier **out, const unsigned char *public_key, size_t key_len);

W3W_EXTERN void w3w_jwt_verifier_free(w3w_jwt_verifier *verifier);

/**
 * Verify `token` at time `now` allowing `leeway_s` seconds of clock skew,
 * and fill *out with its subject and roles. W3W_EUNAUTHENTICATED with a
 * message saying what is wrong (malformed, bad signature, algorithm not
 * allowed, expired, not yet valid, bad sub or roles). Never echoes the token.
 */
W3W_EXTERN w3w_status w3w_jwt_verify(w3w_actor *out, const w3w_jwt_verifier *verifier,
	const char *token, w3w_time now, int leeway_s);

/** Issue an HS256 token (for tools and tests): caller frees *out with w3w_string_free(). */
W3W_EXTERN w3w_status w3w_jwt_sign_hs256(char **out, const unsigned char *secret, size_t secret_len,
	const char *sub, unsigned int roles, w3w_time issued_at, int64_t ttl_s);

/** Issue an EdDSA token with an Ed25519 secret key (libsodium's 64-byte form). */
W3W_EXTERN w3w_status w3w_jwt_sign_eddsa(char **out, const unsigned char *secret_key, size_t key_len,
	const char *sub, unsigned int roles, w3w_time issued_at, int64_t ttl_s);

/**
 * Token bucket `key` (e.g. "rl:" + user id): refills `rate_per_s` per second
 * up to `burst`; takes one token. *allowed is 1 if taken, else 0 and
 * *retry_after_ms says when to retry. Shared by every context on the same
 * Redis; in-process otherwise. If the cache is down the request is allowed
 * (rate limiting never takes the service down).
 */
W3W_EXTERN w3w_status w3w_rate_limit_take(w3w_ctx *ctx, const char *key, double rate_per_s, double burst,
	int *allowed, int64_t *retry_after_ms);

#ifdef __cplusplus
}
#endif
#endif

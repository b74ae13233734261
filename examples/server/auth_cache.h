/*
 * Tokens already verified, per worker thread: a client sends the same
 * bearer token with every request, and verifying it (two base64url parts
 * decoded, two JSON documents parsed, an HMAC or an Ed25519 signature
 * checked) took 13 % of the server's CPU samples on a cached read (perf).
 *
 * Sound because a verification's outcome depends only on the token's bytes,
 * the verifier (fixed for the process's life) and the time; the time is
 * checked again on every hit against the token's own exp and nbf, with the
 * same leeway. Only successes are kept; a slot is reused by the next token
 * hashing to it.
 */
#ifndef W3W_SERVER_AUTH_CACHE_H
#define W3W_SERVER_AUTH_CACHE_H

#include <stddef.h>

#include <w3wallet.h>

/** Tokens longer than this are verified every time (a slot holds a copy). */
#define AUTH_CACHE_TOKEN_MAX 512

/** 1 and *actor when `token` was verified on this thread and is still within its exp/nbf at `now`; else 0. */
int auth_cache_get(const char *token, size_t len, w3w_time now, int leeway_s, w3w_actor *actor);

/** Remember a token w3w_jwt_verify has just accepted as `actor` (its exp and nbf read from its payload). */
void auth_cache_put(const char *token, size_t len, const w3w_actor *actor);

#endif

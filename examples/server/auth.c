/* Tokens through the library's JWT API; key text parsing (see auth.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "auth.h"
#include "auth_cache.h"

int auth_init(auth_keys *keys)
{
	w3w_status st = keys->alg == AUTH_EDDSA
		? w3w_jwt_verifier_eddsa(&keys->verifier, keys->public_key, sizeof(keys->public_key))
		: w3w_jwt_verifier_hs256(&keys->verifier, keys->secret, keys->secret_len);
	if (st != W3W_OK) {
		fprintf(stderr, "w3wallet-server: JWT key refused: %s\n", w3w_error_message());
		return -1;
	}
	return 0;
}

void auth_clear(auth_keys *keys)
{
	w3w_jwt_verifier_free(keys->verifier);
	sodium_memzero(keys, sizeof(*keys));
}

w3w_status auth_verify(const auth_keys *keys, const char *token, w3w_actor *actor)
{
	w3w_time now = w3w_time_now();
	size_t len = strnlen(token, AUTH_CACHE_TOKEN_MAX + 1);
	w3w_status st;
	if (auth_cache_get(token, len, now, AUTH_LEEWAY_S, actor))
		return W3W_OK;
	st = w3w_jwt_verify(actor, keys->verifier, token, now, AUTH_LEEWAY_S);
	if (st == W3W_OK)
		auth_cache_put(token, len, actor);
	return st;
}

char *auth_sign(const auth_keys *keys, const char *sub, const char *roles, int64_t ttl_s, char *why, size_t why_len)
{
	char id[W3W_ID_SIZE], *token = NULL, *copy;
	w3w_actor probe;
	unsigned int bits;
	w3w_status st;
	if (keys->alg == AUTH_EDDSA && !keys->can_sign) {
		snprintf(why, why_len, "EdDSA is configured but no private key (W3W_JWT_ED25519_PRIVATE_KEY) was given");
		return NULL;
	}
	if (w3w_id_normalize(id, sizeof(id), sub) != W3W_OK) {
		snprintf(why, why_len, "--sub: must be a UUID");
		return NULL;
	}
	if (w3w_roles_parse(&bits, roles) != W3W_OK) {
		snprintf(why, why_len, "--roles: %s", w3w_error_message());
		return NULL;
	}
	if (w3w_actor_init(&probe, id, bits) != W3W_OK) { /* a reserved id never acts */
		snprintf(why, why_len, "--sub: %s", w3w_error_message());
		return NULL;
	}
	st = keys->alg == AUTH_EDDSA
		? w3w_jwt_sign_eddsa(&token, keys->secret_key, sizeof(keys->secret_key), id, bits, w3w_time_now(), ttl_s)
		: w3w_jwt_sign_hs256(&token, keys->secret, keys->secret_len, id, bits, w3w_time_now(), ttl_s);
	if (st != W3W_OK) {
		snprintf(why, why_len, "%s", w3w_error_message());
		return NULL;
	}
	copy = strdup(token);
	w3w_string_free(token);
	if (!copy)
		snprintf(why, why_len, "out of memory");
	return copy;
}

static int decode_any(unsigned char *out, size_t want, const char *text)
{
	static const int variants[] = { sodium_base64_VARIANT_ORIGINAL, sodium_base64_VARIANT_ORIGINAL_NO_PADDING,
		sodium_base64_VARIANT_URLSAFE, sodium_base64_VARIANT_URLSAFE_NO_PADDING };
	size_t len = 0, tl = strlen(text);
	const char *end = NULL;
	if (tl == want * 2 && sodium_hex2bin(out, want, text, tl, NULL, &len, &end) == 0 && len == want && end == text + tl)
		return 0;
	for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++)
		if (sodium_base642bin(out, want, text, tl, NULL, &len, &end, variants[i]) == 0 && len == want &&
		    end == text + tl)
			return 0;
	return -1;
}

int auth_parse_ed25519_public(unsigned char out[32], const char *text)
{
	/* DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410). */
	static const unsigned char spki_prefix[12] = { 0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00 };
	static const char begin_marker[] = "-----BEGIN PUBLIC KEY-----", end_marker[] = "-----END PUBLIC KEY-----";
	const char *begin = strstr(text, begin_marker), *p, *stop;
	char b64[128];
	unsigned char der[64];
	size_t n = 0, len = 0;
	if (!begin)
		return decode_any(out, 32, text);
	p = begin + strlen(begin_marker);
	stop = strstr(p, end_marker);
	if (!stop)
		return -1;
	for (; p < stop && n + 1 < sizeof(b64); p++)
		if (*p != '\n' && *p != '\r' && *p != ' ' && *p != '\t')
			b64[n++] = *p;
	b64[n] = '\0';
	if (sodium_base642bin(der, sizeof(der), b64, n, NULL, &len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    len != 44 || memcmp(der, spki_prefix, sizeof(spki_prefix)) != 0)
		return -1;
	memcpy(out, der + 12, 32);
	return 0;
}

int auth_parse_ed25519_private(unsigned char sk[64], unsigned char pk[32], const char *text)
{
	unsigned char seed[32];
	size_t len = 0, tl = strlen(text);
	if (tl == 128 && sodium_hex2bin(sk, 64, text, tl, NULL, &len, NULL) == 0 && len == 64) {
		memcpy(pk, sk + 32, 32);
		return 0;
	}
	if (decode_any(seed, 32, text) != 0)
		return -1;
	crypto_sign_seed_keypair(pk, sk, seed);
	sodium_memzero(seed, sizeof(seed));
	return 0;
}

/*
 * JWT (RFC 7519) in compact form, HS256 and EdDSA only, with the algorithm
 * pinned by the verifier. Parsing is strict: three base64url parts without
 * padding, JSON objects, `sub` a UUID, `roles` an array of known names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "w3wallet/auth.h"
#include "w3wallet/sys/backend.h"
#include "core/validate.h"

typedef enum { ALG_HS256, ALG_EDDSA } jwt_alg;

struct w3w_jwt_verifier {
	jwt_alg alg;
	size_t key_len;
	unsigned char key[]; /* HMAC secret or Ed25519 public key */
};

static const char *alg_name(jwt_alg alg)
{
	return alg == ALG_HS256 ? "HS256" : "EdDSA";
}

static w3w_status verifier_new(w3w_jwt_verifier **out, jwt_alg alg, const unsigned char *key, size_t len)
{
	w3w_jwt_verifier *v;
	if (!out || !key)
		return w3w_error_set(W3W_EINVAL, "jwt verifier: NULL argument");
	*out = NULL;
	if (sodium_init() < 0)
		return w3w_error_set(W3W_EINTERNAL, "libsodium failed to initialize");
	v = sodium_malloc(sizeof(*v) + len);
	if (!v)
		return w3w_error_set(W3W_ENOMEM, "jwt verifier: out of memory");
	v->alg = alg;
	v->key_len = len;
	memcpy(v->key, key, len);
	*out = v;
	return W3W_OK;
}

w3w_status w3w_jwt_verifier_hs256(w3w_jwt_verifier **out, const unsigned char *secret, size_t len)
{
	if (len < 32 || len > 1024)
		return w3w_error_set(W3W_EINVAL, "jwt secret: must be 32..1024 bytes");
	return verifier_new(out, ALG_HS256, secret, len);
}

w3w_status w3w_jwt_verifier_eddsa(w3w_jwt_verifier **out, const unsigned char *pk, size_t len)
{
	if (len != crypto_sign_PUBLICKEYBYTES)
		return w3w_error_set(W3W_EINVAL, "jwt public key: must be %d bytes", crypto_sign_PUBLICKEYBYTES);
	return verifier_new(out, ALG_EDDSA, pk, len);
}

void w3w_jwt_verifier_free(w3w_jwt_verifier *v)
{
	sodium_free(v); /* wipes */
}

/* base64url without padding -> malloc'd bytes. */
static unsigned char *b64_decode(const char *s, size_t slen, size_t *outlen)
{
	unsigned char *buf = malloc(slen + 1);
	if (!buf)
		return NULL;
	if (sodium_base642bin(buf, slen + 1, s, slen, NULL, outlen, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static char *b64_encode(const unsigned char *bin, size_t len)
{
	size_t n = sodium_base64_encoded_len(len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = malloc(n);
	if (out)
		sodium_bin2base64(out, n, bin, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

static cJSON *decode_json_part(const char *s, size_t len)
{
	size_t n = 0;
	unsigned char *raw = b64_decode(s, len, &n);
	cJSON *j = raw ? cJSON_ParseWithLength((const char *)raw, n) : NULL;
	free(raw);
	if (j && !cJSON_IsObject(j)) {
		cJSON_Delete(j);
		j = NULL;
	}
	return j;
}

static int check_signature(const w3w_jwt_verifier *v, const char *signed_part, size_t signed_len,
	const unsigned char *sig, size_t sig_len)
{
	if (v->alg == ALG_HS256) {
		unsigned char mac[crypto_auth_hmacsha256_BYTES];
		crypto_auth_hmacsha256_state st;
		int ok;
		if (sig_len != sizeof(mac))
			return 0;
		crypto_auth_hmacsha256_init(&st, v->key, v->key_len);
		crypto_auth_hmacsha256_update(&st, (const unsigned char *)signed_part, signed_len);
		crypto_auth_hmacsha256_final(&st, mac);
		ok = sodium_memcmp(mac, sig, sizeof(mac)) == 0;
		sodium_memzero(mac, sizeof(mac));
		return ok;
	}
	return sig_len == crypto_sign_BYTES &&
		crypto_sign_verify_detached(sig, (const unsigned char *)signed_part, signed_len, v->key) == 0;
}

static w3w_status unauth(const char *why)
{
	return w3w_error_set(W3W_EUNAUTHENTICATED, "token: %s", why);
}

/* Each element is exactly one known role: a name is never split or joined. */
static w3w_status read_roles(unsigned int *roles, const cJSON *arr)
{
	const cJSON *r;
	*roles = 0;
	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) == 0 || cJSON_GetArraySize(arr) > 4)
		return unauth("roles must be a non-empty array of role names");
	cJSON_ArrayForEach(r, arr) {
		unsigned int bit;
		if (!cJSON_IsString(r))
			return unauth("roles must be strings");
		bit = w3w__role_bit(r->valuestring, strlen(r->valuestring));
		if (!bit)
			return unauth("roles contain an unknown role");
		if (*roles & bit)
			return unauth("roles repeat a role");
		*roles |= bit;
	}
	return W3W_OK;
}

/* A repeated name is ambiguous (parsers differ on which wins): RFC 7519 section 4 lets us refuse it. */
static int repeats_a_name(const cJSON *node)
{
	for (const cJSON *a = node->child; a; a = a->next) {
		if (cJSON_IsObject(node))
			for (const cJSON *b = a->next; b; b = b->next)
				if (strcmp(a->string, b->string) == 0)
					return 1;
		if (repeats_a_name(a))
			return 1;
	}
	return 0;
}

static int numeric_claim(const cJSON *payload, const char *name, double *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(payload, name);
	if (!v)
		return 0;
	if (!cJSON_IsNumber(v))
		return -1;
	*out = v->valuedouble;
	return 1;
}

w3w_status w3w_jwt_verify(w3w_actor *out, const w3w_jwt_verifier *v, const char *token, w3w_time now, int leeway_s)
{
	const char *dot1, *dot2;
	cJSON *header = NULL, *payload = NULL;
	unsigned char *sig = NULL;
	size_t sig_len = 0, len;
	const cJSON *alg, *sub;
	double exp = 0, nbf = 0, now_s = (double)now / 1e6;
	unsigned int roles = 0;
	char uid[W3W_ID_SIZE];
	w3w_status st;
	int has;

	if (!out || !v || !token)
		return w3w_error_set(W3W_EINVAL, "jwt verify: NULL argument");
	len = strnlen(token, W3W_JWT_MAX_SIZE + 1);
	if (len == 0)
		return unauth("missing");
	if (len > W3W_JWT_MAX_SIZE)
		return unauth("longer than 8192 bytes");
	dot1 = strchr(token, '.');
	dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	if (!dot1 || !dot2 || strchr(dot2 + 1, '.'))
		return unauth("malformed (expected header.payload.signature)");
	header = decode_json_part(token, (size_t)(dot1 - token));
	if (!header) {
		st = unauth("header is not base64url JSON");
		goto done;
	}
	if (repeats_a_name(header)) {
		st = unauth("header repeats a name");
		goto done;
	}
	alg = cJSON_GetObjectItemCaseSensitive(header, "alg");
	if (!cJSON_IsString(alg) || strcmp(alg->valuestring, alg_name(v->alg)) != 0) {
		st = unauth("algorithm not allowed");
		goto done;
	}
	/* RFC 7515 4.1.11: extensions we do not implement must not be ignored. */
	if (cJSON_GetObjectItemCaseSensitive(header, "crit")) {
		st = unauth("critical header extensions are not supported");
		goto done;
	}
	sig = b64_decode(dot2 + 1, strlen(dot2 + 1), &sig_len);
	if (!sig || !check_signature(v, token, (size_t)(dot2 - token), sig, sig_len)) {
		st = unauth("bad signature");
		goto done;
	}
	payload = decode_json_part(dot1 + 1, (size_t)(dot2 - dot1 - 1));
	if (!payload) {
		st = unauth("payload is not base64url JSON");
		goto done;
	}
	if (repeats_a_name(payload)) {
		st = unauth("payload repeats a claim name");
		goto done;
	}
	if ((has = numeric_claim(payload, "exp", &exp)) <= 0) {
		st = unauth(has < 0 ? "exp must be a number" : "exp is required");
		goto done;
	}
	if (exp + leeway_s <= now_s) {
		st = unauth("expired");
		goto done;
	}
	if ((has = numeric_claim(payload, "nbf", &nbf)) < 0 || (has > 0 && nbf - leeway_s > now_s)) {
		st = unauth(has < 0 ? "nbf must be a number" : "not yet valid (nbf)");
		goto done;
	}
	sub = cJSON_GetObjectItemCaseSensitive(payload, "sub");
	if (!cJSON_IsString(sub)) {
		st = unauth("sub is required");
		goto done;
	}
	if ((st = read_roles(&roles, cJSON_GetObjectItemCaseSensitive(payload, "roles"))) != W3W_OK)
		goto done;
	if (w3w_id_normalize(uid, sizeof(uid), sub->valuestring) != W3W_OK) {
		st = unauth("sub must be a UUID");
		goto done;
	}
	if (w3w__id_is_reserved(uid)) {
		st = unauth("sub is reserved (the nil UUID is the ledger's external account)");
		goto done;
	}
	if (w3w_actor_init(out, uid, roles) != W3W_OK) {
		st = unauth("sub or roles refused");
		goto done;
	}
	st = W3W_OK;
done:
	free(sig);
	cJSON_Delete(header);
	cJSON_Delete(payload);
	return st;
}

/* ---- issuing -------------------------------------------------------------- */

static char *signing_input(jwt_alg alg, const char *sub, unsigned int roles, w3w_time issued_at, int64_t ttl_s)
{
	static const char *const names[] = { "user", "admin", "auditor", "service" };
	cJSON *h = cJSON_CreateObject(), *p = cJSON_CreateObject(), *arr;
	char *hs = NULL, *ps = NULL, *h64 = NULL, *p64 = NULL, *out = NULL;
	int64_t iat = issued_at / 1000000;

	if (!h || !p)
		goto done;
	cJSON_AddStringToObject(h, "alg", alg_name(alg));
	cJSON_AddStringToObject(h, "typ", "JWT");
	cJSON_AddStringToObject(p, "sub", sub);
	arr = cJSON_AddArrayToObject(p, "roles");
	for (unsigned int i = 0; i < 4; i++)
		if (roles & (1u << i))
			cJSON_AddItemToArray(arr, cJSON_CreateString(names[i]));
	cJSON_AddNumberToObject(p, "iat", (double)iat);
	cJSON_AddNumberToObject(p, "exp", (double)(iat + ttl_s));
	hs = cJSON_PrintUnformatted(h);
	ps = cJSON_PrintUnformatted(p);
	if (!hs || !ps)
		goto done;
	h64 = b64_encode((const unsigned char *)hs, strlen(hs));
	p64 = b64_encode((const unsigned char *)ps, strlen(ps));
	if (h64 && p64 && (out = malloc(strlen(h64) + strlen(p64) + 2)))
		sprintf(out, "%s.%s", h64, p64);
done:
	free(h64);
	free(p64);
	cJSON_free(hs);
	cJSON_free(ps);
	cJSON_Delete(h);
	cJSON_Delete(p);
	return out;
}

static w3w_status finish_token(char **out, char *input, const unsigned char *sig, size_t sig_len)
{
	char *s64 = b64_encode(sig, sig_len);
	char *tok = s64 ? malloc(strlen(input) + strlen(s64) + 2) : NULL;
	if (tok)
		sprintf(tok, "%s.%s", input, s64);
	free(s64);
	free(input);
	if (!tok)
		return w3w_error_set(W3W_ENOMEM, "jwt: out of memory");
	*out = tok;
	return W3W_OK;
}

static w3w_status check_sign_args(char **out, const char *sub, unsigned int roles, int64_t ttl_s)
{
	w3w_actor probe;
	if (!out)
		return w3w_error_set(W3W_EINVAL, "jwt sign: out is NULL");
	*out = NULL;
	if (ttl_s <= 0 || ttl_s > 366LL * 86400)
		return w3w_error_set(W3W_EINVAL, "ttl: must be 1 s .. 1 year");
	return w3w_actor_init(&probe, sub, roles);
}

w3w_status w3w_jwt_sign_hs256(char **out, const unsigned char *secret, size_t secret_len,
	const char *sub, unsigned int roles, w3w_time issued_at, int64_t ttl_s)
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;
	w3w_status rc;
	char *input;

	if ((rc = check_sign_args(out, sub, roles, ttl_s)) != W3W_OK)
		return rc;
	if (!secret || secret_len < 32 || secret_len > 1024)
		return w3w_error_set(W3W_EINVAL, "jwt secret: must be 32..1024 bytes");
	if (!(input = signing_input(ALG_HS256, sub, roles, issued_at, ttl_s)))
		return w3w_error_set(W3W_ENOMEM, "jwt: out of memory");
	crypto_auth_hmacsha256_init(&st, secret, secret_len);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)input, strlen(input));
	crypto_auth_hmacsha256_final(&st, mac);
	return finish_token(out, input, mac, sizeof(mac));
}

w3w_status w3w_jwt_sign_eddsa(char **out, const unsigned char *sk, size_t key_len,
	const char *sub, unsigned int roles, w3w_time issued_at, int64_t ttl_s)
{
	unsigned char sig[crypto_sign_BYTES];
	w3w_status rc;
	char *input;

	if ((rc = check_sign_args(out, sub, roles, ttl_s)) != W3W_OK)
		return rc;
	if (!sk || key_len != crypto_sign_SECRETKEYBYTES)
		return w3w_error_set(W3W_EINVAL, "jwt secret key: must be %d bytes", crypto_sign_SECRETKEYBYTES);
	if (!(input = signing_input(ALG_EDDSA, sub, roles, issued_at, ttl_s)))
		return w3w_error_set(W3W_ENOMEM, "jwt: out of memory");
	crypto_sign_detached(sig, NULL, (const unsigned char *)input, strlen(input), sk);
	return finish_token(out, input, sig, sizeof(sig));
}

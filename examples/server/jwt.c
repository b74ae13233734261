/* JWT verification and signing with libsodium: see jwt.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "jwt.h"

#define SEGMENT_MAX 4096

static int fail(char *why, size_t why_len, const char *reason)
{
	snprintf(why, why_len, "%s", reason);
	return -1;
}

/* Decode one base64url segment (no padding, as JWT requires) into a NUL-terminated buffer. */
static int b64url_decode(unsigned char *out, size_t cap, size_t *out_len, const char *in, size_t in_len)
{
	const char *end = NULL;
	if (in_len == 0 || cap == 0)
		return -1;
	if (sodium_base642bin(out, cap - 1, in, in_len, NULL, out_len, &end,
			sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 || end != in + in_len)
		return -1;
	out[*out_len] = '\0';
	return 0;
}

static char *b64url_encode(const unsigned char *in, size_t len)
{
	size_t cap = sodium_base64_encoded_len(len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = malloc(cap);
	if (out)
		sodium_bin2base64(out, cap, in, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

static void hmac_sha256(unsigned char mac[32], const jwt_keys *keys, const char *data, size_t len)
{
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, keys->secret, keys->secret_len);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)data, len);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_memzero(&st, sizeof(st));
}

static const char *alg_name(enum jwt_alg alg)
{
	return alg == JWT_EDDSA ? "EdDSA" : "HS256";
}

/* The header must be a JSON object naming exactly the configured algorithm. */
static int check_header(const jwt_keys *keys, const unsigned char *json, char *why, size_t why_len)
{
	cJSON *h = cJSON_Parse((const char *)json);
	const cJSON *alg, *typ;
	int rc = 0;
	if (!cJSON_IsObject(h)) {
		cJSON_Delete(h);
		return fail(why, why_len, "token: header is not a JSON object");
	}
	alg = cJSON_GetObjectItemCaseSensitive(h, "alg");
	typ = cJSON_GetObjectItemCaseSensitive(h, "typ");
	if (!cJSON_IsString(alg))
		rc = fail(why, why_len, "token: header has no alg");
	else if (strcmp(alg->valuestring, alg_name(keys->alg)) != 0)
		rc = fail(why, why_len, keys->alg == JWT_EDDSA ? "token: algorithm not accepted (this server takes EdDSA only)"
			: "token: algorithm not accepted (this server takes HS256 only)");
	else if (typ && !(cJSON_IsString(typ) && strcasecmp(typ->valuestring, "JWT") == 0))
		rc = fail(why, why_len, "token: typ must be JWT");
	else if (cJSON_GetObjectItemCaseSensitive(h, "crit"))
		rc = fail(why, why_len, "token: crit header parameters are not supported");
	cJSON_Delete(h);
	return rc;
}

static int check_signature(const jwt_keys *keys, const char *token, size_t signed_len,
	const char *sig_b64, size_t sig_b64_len, char *why, size_t why_len)
{
	unsigned char sig[80];
	size_t sig_len = 0;
	if (b64url_decode(sig, sizeof(sig), &sig_len, sig_b64, sig_b64_len) != 0)
		return fail(why, why_len, "token: signature is not base64url");
	if (keys->alg == JWT_HS256) {
		unsigned char mac[32];
		int bad;
		if (sig_len != sizeof(mac))
			return fail(why, why_len, "token: bad signature");
		hmac_sha256(mac, keys, token, signed_len);
		bad = sodium_memcmp(mac, sig, sizeof(mac)) != 0;
		sodium_memzero(mac, sizeof(mac));
		if (bad)
			return fail(why, why_len, "token: bad signature");
		return 0;
	}
	if (sig_len != crypto_sign_BYTES ||
	    crypto_sign_verify_detached(sig, (const unsigned char *)token, signed_len, keys->public_key) != 0)
		return fail(why, why_len, "token: bad signature");
	return 0;
}

/* A NumericDate claim: absent is *present = 0; anything but a finite number is refused. */
static int numeric_date(const cJSON *payload, const char *name, int *present, double *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(payload, name);
	*present = v != NULL;
	if (!v)
		return 0;
	if (!cJSON_IsNumber(v) || v->valuedouble != v->valuedouble || v->valuedouble < 0 || v->valuedouble > 1e12)
		return -1;
	*out = v->valuedouble;
	return 0;
}

static int check_claims(const unsigned char *json, int64_t now_s, w3w_actor *actor, char *why, size_t why_len)
{
	cJSON *p = cJSON_Parse((const char *)json);
	const cJSON *sub, *roles, *r;
	char joined[128] = "", id[W3W_ID_SIZE];
	unsigned int bits = 0;
	double exp = 0, nbf = 0;
	int has_exp, has_nbf, rc = -1;
	size_t used = 0;

	if (!cJSON_IsObject(p)) {
		fail(why, why_len, "token: payload is not a JSON object");
		goto out;
	}
	if (numeric_date(p, "exp", &has_exp, &exp) != 0 || numeric_date(p, "nbf", &has_nbf, &nbf) != 0) {
		fail(why, why_len, "token: exp and nbf must be numbers (seconds since the epoch)");
		goto out;
	}
	if (!has_exp) {
		fail(why, why_len, "token: exp is required");
		goto out;
	}
	if ((double)now_s > exp + JWT_LEEWAY_S) {
		fail(why, why_len, "token: expired");
		goto out;
	}
	if (has_nbf && (double)now_s + JWT_LEEWAY_S < nbf) {
		fail(why, why_len, "token: not valid yet (nbf)");
		goto out;
	}
	sub = cJSON_GetObjectItemCaseSensitive(p, "sub");
	if (!cJSON_IsString(sub) || w3w_id_normalize(id, sizeof(id), sub->valuestring) != W3W_OK) {
		fail(why, why_len, "token: sub must be a user UUID");
		goto out;
	}
	roles = cJSON_GetObjectItemCaseSensitive(p, "roles");
	if (!cJSON_IsArray(roles) || !roles->child) {
		fail(why, why_len, "token: roles must be a non-empty array of role names");
		goto out;
	}
	cJSON_ArrayForEach(r, roles) {
		size_t n;
		if (!cJSON_IsString(r) || (n = strlen(r->valuestring)) == 0 || used + n + 2 > sizeof(joined)) {
			fail(why, why_len, "token: roles must be a non-empty array of role names");
			goto out;
		}
		used += (size_t)snprintf(joined + used, sizeof(joined) - used, "%s%s", used ? "," : "", r->valuestring);
	}
	if (w3w_roles_parse(&bits, joined) != W3W_OK || w3w_actor_init(actor, id, bits) != W3W_OK) {
		fail(why, why_len, "token: unknown role (user, admin, auditor, service)");
		goto out;
	}
	rc = 0;
out:
	cJSON_Delete(p);
	return rc;
}

int jwt_verify(const jwt_keys *keys, const char *token, int64_t now_s, w3w_actor *actor,
	char *why, size_t why_len)
{
	unsigned char seg[SEGMENT_MAX + 1];
	size_t len, seg_len;
	const char *dot1, *dot2;

	if (!token || !*token)
		return fail(why, why_len, "token: missing");
	len = strnlen(token, JWT_TOKEN_MAX + 1);
	if (len > JWT_TOKEN_MAX)
		return fail(why, why_len, "token: too long");
	dot1 = strchr(token, '.');
	dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	if (!dot1 || !dot2 || strchr(dot2 + 1, '.'))
		return fail(why, why_len, "token: malformed (expected three base64url parts)");
	if (dot2 + 1 == token + len)
		return fail(why, why_len, "token: unsigned tokens are not accepted");

	if (b64url_decode(seg, sizeof(seg), &seg_len, token, (size_t)(dot1 - token)) != 0)
		return fail(why, why_len, "token: header is not base64url");
	if (check_header(keys, seg, why, why_len) != 0)
		return -1;
	if (check_signature(keys, token, (size_t)(dot2 - token), dot2 + 1, (size_t)(token + len - dot2 - 1),
			why, why_len) != 0)
		return -1;
	if (b64url_decode(seg, sizeof(seg), &seg_len, dot1 + 1, (size_t)(dot2 - dot1 - 1)) != 0)
		return fail(why, why_len, "token: payload is not base64url");
	return check_claims(seg, now_s, actor, why, why_len);
}

char *jwt_sign(const jwt_keys *keys, const char *sub, const char *roles, int64_t now_s, int64_t ttl_s,
	char *why, size_t why_len)
{
	char id[W3W_ID_SIZE], header[64], *payload = NULL, *h64 = NULL, *p64 = NULL, *s64 = NULL, *out = NULL;
	unsigned char sig[crypto_sign_BYTES];
	size_t sig_len, signed_len;
	unsigned int bits;
	cJSON *p = NULL, *arr;
	char *list = NULL, *save = NULL;

	if (keys->alg == JWT_EDDSA && !keys->can_sign) {
		fail(why, why_len, "token: EdDSA is configured but no private key (W3W_JWT_ED25519_PRIVATE_KEY) was given");
		return NULL;
	}
	if (w3w_id_normalize(id, sizeof(id), sub) != W3W_OK) {
		fail(why, why_len, "--sub: must be a UUID");
		return NULL;
	}
	if (w3w_roles_parse(&bits, roles) != W3W_OK) {
		snprintf(why, why_len, "--roles: %s", w3w_error_message());
		return NULL;
	}
	if (ttl_s <= 0) {
		fail(why, why_len, "--ttl: must be positive");
		return NULL;
	}
	p = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(p, "roles");
	list = strdup(roles);
	if (!p || !arr || !list)
		goto out;
	cJSON_AddStringToObject(p, "sub", id);
	for (char *r = strtok_r(list, ",", &save); r; r = strtok_r(NULL, ",", &save))
		cJSON_AddItemToArray(arr, cJSON_CreateString(r));
	cJSON_AddNumberToObject(p, "iat", (double)now_s);
	cJSON_AddNumberToObject(p, "exp", (double)(now_s + ttl_s));
	payload = cJSON_PrintUnformatted(p);
	snprintf(header, sizeof(header), "{\"alg\":\"%s\",\"typ\":\"JWT\"}", alg_name(keys->alg));
	h64 = b64url_encode((const unsigned char *)header, strlen(header));
	p64 = payload ? b64url_encode((const unsigned char *)payload, strlen(payload)) : NULL;
	if (!h64 || !p64)
		goto out;
	signed_len = strlen(h64) + 1 + strlen(p64);
	out = malloc(signed_len + 1 + 100);
	if (!out)
		goto out;
	snprintf(out, signed_len + 1, "%s.%s", h64, p64);
	if (keys->alg == JWT_HS256) {
		hmac_sha256(sig, keys, out, signed_len);
		sig_len = 32;
	} else {
		crypto_sign_detached(sig, NULL, (const unsigned char *)out, signed_len, keys->secret_key);
		sig_len = crypto_sign_BYTES;
	}
	s64 = b64url_encode(sig, sig_len);
	if (!s64) {
		free(out);
		out = NULL;
		goto out;
	}
	snprintf(out + signed_len, 100, ".%s", s64);
out:
	if (!out)
		fail(why, why_len, "token: out of memory");
	cJSON_Delete(p);
	free(list);
	free(payload);
	free(h64);
	free(p64);
	free(s64);
	return out;
}

static int decode_any(unsigned char *out, size_t want, const char *text)
{
	size_t len = 0, tl = strlen(text);
	const char *end = NULL;
	static const int variants[] = { sodium_base64_VARIANT_ORIGINAL, sodium_base64_VARIANT_ORIGINAL_NO_PADDING,
		sodium_base64_VARIANT_URLSAFE, sodium_base64_VARIANT_URLSAFE_NO_PADDING };
	if (tl == want * 2 && sodium_hex2bin(out, want, text, tl, NULL, &len, &end) == 0 && len == want && end == text + tl)
		return 0;
	for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++)
		if (sodium_base642bin(out, want, text, tl, NULL, &len, &end, variants[i]) == 0 && len == want &&
		    end == text + tl)
			return 0;
	return -1;
}

int jwt_parse_ed25519_public(unsigned char out[32], const char *text)
{
	/* DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410). */
	static const unsigned char spki_prefix[12] = { 0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00 };
	const char *begin = strstr(text, "-----BEGIN PUBLIC KEY-----");
	if (begin) {
		char b64[128];
		unsigned char der[64];
		size_t n = 0, len = 0;
		const char *p = begin + strlen("-----BEGIN PUBLIC KEY-----");
		const char *stop = strstr(p, "-----END PUBLIC KEY-----");
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
	return decode_any(out, 32, text);
}

int jwt_parse_ed25519_private(unsigned char sk[64], unsigned char pk[32], const char *text)
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

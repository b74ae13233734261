/*
 * JWT verification (w3w_jwt_verify) with a fixed HS256 key. The first byte
 * picks the mode:
 *   0  the rest is a whole token, as a client sends it (mostly stops at the
 *      signature, as it should);
 *   1  the rest is "HEADER\nPAYLOAD" JSON: the harness encodes and signs it
 *      with the key, so header and payload parsing are reached;
 *   2  the rest is PAYLOAD JSON under {"alg":"HS256","typ":"JWT"}, signed.
 * Properties of an accepted token, checked against the payload itself:
 * no name repeated anywhere, exp present, sub a UUID (not the nil one) and
 * the actor's id, roles an array of distinct known names whose bits are
 * the actor's roles. An HS256 token never passes an EdDSA verifier.
 */
#include <cjson/cJSON.h>
#include <sodium.h>

#include "fuzz.h"

#include "w3wallet.h"
#include "w3wallet/auth.h"

#define NOW_S 1700000000LL

static const unsigned char key[32] = "fuzz-hs256-key-0123456789abcdef";
static w3w_jwt_verifier *hs, *ed;

static void setup(void)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	if (hs)
		return;
	if (sodium_init() < 0)
		abort();
	crypto_sign_keypair(pk, sk);
	FUZZ_CHECK(w3w_jwt_verifier_hs256(&hs, key, sizeof(key)) == W3W_OK);
	FUZZ_CHECK(w3w_jwt_verifier_eddsa(&ed, pk, sizeof(pk)) == W3W_OK);
}

static char *b64(const unsigned char *p, size_t n)
{
	size_t len = sodium_base64_encoded_len(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *s = malloc(len);
	if (!s)
		abort();
	sodium_bin2base64(s, len, p, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return s;
}

/* base64url(header).base64url(payload).base64url(HMAC-SHA256) */
static char *sign(const char *header, size_t hlen, const char *payload, size_t plen)
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	char *h = b64((const unsigned char *)header, hlen), *p = b64((const unsigned char *)payload, plen), *s, *tok;
	size_t in_len = strlen(h) + 1 + strlen(p);
	crypto_auth_hmacsha256_state st;

	tok = malloc(in_len + 1 + sodium_base64_encoded_len(sizeof(mac), sodium_base64_VARIANT_URLSAFE_NO_PADDING));
	if (!tok)
		abort();
	sprintf(tok, "%s.%s", h, p);
	crypto_auth_hmacsha256_init(&st, key, sizeof(key));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)tok, in_len);
	crypto_auth_hmacsha256_final(&st, mac);
	s = b64(mac, sizeof(mac));
	sprintf(tok + in_len, ".%s", s);
	free(h);
	free(p);
	free(s);
	return tok;
}

static int has_repeated_name(const cJSON *node)
{
	for (const cJSON *a = node->child; a; a = a->next) {
		if (cJSON_IsObject(node))
			for (const cJSON *b = a->next; b; b = b->next)
				if (strcmp(a->string, b->string) == 0)
					return 1;
		if (has_repeated_name(a))
			return 1;
	}
	return 0;
}

static unsigned int role_bit(const char *name)
{
	static const char *const names[] = { "user", "admin", "auditor", "service" };
	for (unsigned int i = 0; i < 4; i++)
		if (strcmp(name, names[i]) == 0)
			return 1u << i;
	return 0;
}

/* What the spec says of an accepted payload, checked independently. */
static void check_accepted(const w3w_actor *actor, const char *payload, size_t plen)
{
	cJSON *p = cJSON_ParseWithLength(payload, plen);
	const cJSON *sub, *roles, *r;
	char uid[W3W_ID_SIZE];
	unsigned int bits = 0;

	FUZZ_CHECK(cJSON_IsObject(p) && !has_repeated_name(p));
	FUZZ_CHECK(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(p, "exp")));
	sub = cJSON_GetObjectItemCaseSensitive(p, "sub");
	FUZZ_CHECK(cJSON_IsString(sub) && w3w_id_normalize(uid, sizeof(uid), sub->valuestring) == W3W_OK);
	FUZZ_CHECK(strcmp(uid, actor->user_id) == 0);
	FUZZ_CHECK(strcmp(uid, "00000000-0000-0000-0000-000000000000") != 0);
	roles = cJSON_GetObjectItemCaseSensitive(p, "roles");
	FUZZ_CHECK(cJSON_IsArray(roles));
	cJSON_ArrayForEach(r, roles) {
		unsigned int bit = cJSON_IsString(r) ? role_bit(r->valuestring) : 0;
		FUZZ_CHECK(bit != 0 && !(bits & bit));
		bits |= bit;
	}
	FUZZ_CHECK(bits != 0 && bits == actor->roles);
	cJSON_Delete(p);
}

static void verify_signed(const char *header, size_t hlen, const char *payload, size_t plen)
{
	char *tok = sign(header, hlen, payload, plen);
	w3w_actor actor;

	if (w3w_jwt_verify(&actor, hs, tok, NOW_S * 1000000, 30) == W3W_OK)
		check_accepted(&actor, payload, plen);
	FUZZ_CHECK(w3w_jwt_verify(&actor, ed, tok, NOW_S * 1000000, 30) != W3W_OK);
	free(tok);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char std_header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
	const char *rest = (const char *)data + 1;
	size_t n;

	setup();
	if (size < 1)
		return 0;
	n = size - 1;
	switch (data[0] % 3) {
	case 0: {
		char *tok = fuzz_cstr(data + 1, n);
		w3w_actor a, b;
		w3w_status st = w3w_jwt_verify(&a, hs, tok, NOW_S * 1000000, 30);
		/* Verification is a pure function of its inputs. */
		FUZZ_CHECK(w3w_jwt_verify(&b, hs, tok, NOW_S * 1000000, 30) == st);
		if (st == W3W_OK)
			FUZZ_CHECK(strcmp(a.user_id, b.user_id) == 0 && a.roles == b.roles);
		else
			FUZZ_CHECK(st == W3W_EUNAUTHENTICATED);
		free(tok);
		break;
	}
	case 1: {
		const char *nl = memchr(rest, '\n', n);
		if (!nl)
			return 0;
		verify_signed(rest, (size_t)(nl - rest), nl + 1, n - (size_t)(nl - rest) - 1);
		break;
	}
	default:
		verify_signed(std_header, sizeof(std_header) - 1, rest, n);
		break;
	}
	return 0;
}

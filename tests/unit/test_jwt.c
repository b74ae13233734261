/* JWT issue/verify (HS256, EdDSA), refusals, and rate limiting through a context. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "w3wallet.h"

static const unsigned char secret[32] = "0123456789abcdef0123456789abcdef";
static const char *sub = "0190c2a1-7b3c-7d10-8e2f-1234567890ab";

static char *b64(const char *s)
{
	size_t n = sodium_base64_encoded_len(strlen(s), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = malloc(n);
	sodium_bin2base64(out, n, (const unsigned char *)s, strlen(s), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

/* header.payload. with a given signature text, for forged tokens */
static char *forge(const char *header, const char *payload, const char *sig)
{
	char *h = b64(header), *p = b64(payload);
	char *t = malloc(strlen(h) + strlen(p) + strlen(sig) + 3);
	sprintf(t, "%s.%s.%s", h, p, sig);
	free(h);
	free(p);
	return t;
}

/* header.payload.signature, HMAC-signed with `secret`: a token only its claims can make invalid. */
static char *sign_hs(const char *header, const char *payload)
{
	char *h = b64(header), *p = b64(payload), *t;
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state hs;
	size_t n = sodium_base64_encoded_len(sizeof(mac), sodium_base64_VARIANT_URLSAFE_NO_PADDING);

	t = malloc(strlen(h) + strlen(p) + n + 3);
	sprintf(t, "%s.%s", h, p);
	crypto_auth_hmacsha256_init(&hs, secret, sizeof(secret));
	crypto_auth_hmacsha256_update(&hs, (const unsigned char *)t, strlen(t));
	crypto_auth_hmacsha256_final(&hs, mac);
	strcat(t, ".");
	sodium_bin2base64(t + strlen(t), n, mac, sizeof(mac), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	free(h);
	free(p);
	return t;
}

/* Verify a signed token whose payload is `fmt` (%1$s: subject, %2$lld: a future exp). */
static w3w_status verify_as(w3w_actor *a, const char *subject, const char *header, const char *fmt)
{
	w3w_jwt_verifier *v;
	w3w_time now = w3w_time_now();
	char payload[512], *t;
	w3w_status st;

	snprintf(payload, sizeof(payload), fmt, subject, (long long)(now / 1000000 + 600));
	t = sign_hs(header, payload);
	ck_assert_int_eq(w3w_jwt_verifier_hs256(&v, secret, sizeof(secret)), W3W_OK);
	memset(a, 0, sizeof(*a));
	st = w3w_jwt_verify(a, v, t, now, 0);
	w3w_jwt_verifier_free(v);
	free(t);
	return st;
}

static w3w_status verify_payload(w3w_actor *a, const char *header, const char *fmt)
{
	return verify_as(a, sub, header, fmt);
}

START_TEST(each_role_element_is_one_role)
{
	static const char *hdr = "{\"alg\":\"HS256\"}";
	w3w_actor a;
	/* The control: the same path accepts a well-formed token. */
	ck_assert_int_eq(verify_payload(&a, hdr, "{\"sub\":\"%s\",\"roles\":[\"user\",\"admin\"],\"exp\":%lld}"), W3W_OK);
	ck_assert_uint_eq(a.roles, W3W_ROLE_USER | W3W_ROLE_ADMIN);
	/* A comma inside one element used to be split into user + admin. */
	ck_assert_int_eq(verify_payload(&a, hdr, "{\"sub\":\"%s\",\"roles\":[\"user,admin\"],\"exp\":%lld}"),
		W3W_EUNAUTHENTICATED);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "unknown role"));
	ck_assert_uint_eq(a.roles, 0);
	ck_assert_int_eq(verify_payload(&a, hdr, "{\"sub\":\"%s\",\"roles\":[\"admin,\"],\"exp\":%lld}"),
		W3W_EUNAUTHENTICATED);
	ck_assert_int_eq(verify_payload(&a, hdr, "{\"sub\":\"%s\",\"roles\":[\"\"],\"exp\":%lld}"),
		W3W_EUNAUTHENTICATED);
	ck_assert_int_eq(verify_payload(&a, hdr, "{\"sub\":\"%s\",\"roles\":[\"user\",\"user\"],\"exp\":%lld}"),
		W3W_EUNAUTHENTICATED);
	ck_assert_int_eq(verify_payload(&a, hdr, "{\"sub\":\"%s\",\"roles\":[\"Admin\"],\"exp\":%lld}"),
		W3W_EUNAUTHENTICATED);
}
END_TEST

START_TEST(repeated_names_refused)
{
	static const char *hdr = "{\"alg\":\"HS256\"}";
	static const char *other = "0190c2a1-7b3c-7d10-8e2f-0000000000ff";
	char fmt[256];
	w3w_actor a;

	snprintf(fmt, sizeof(fmt), "{\"sub\":\"%%1$s\",\"roles\":[\"user\"],\"exp\":%%2$lld,\"sub\":\"%s\"}", other);
	ck_assert_int_eq(verify_payload(&a, hdr, fmt), W3W_EUNAUTHENTICATED);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "repeats"));
	ck_assert_int_eq(verify_payload(&a, hdr,
		"{\"sub\":\"%s\",\"roles\":[\"admin\"],\"exp\":%lld,\"roles\":[\"user\"]}"), W3W_EUNAUTHENTICATED);
	ck_assert_int_eq(verify_payload(&a, hdr,
		"{\"sub\":\"%s\",\"roles\":[\"user\"],\"exp\":%lld,\"exp\":1}"), W3W_EUNAUTHENTICATED);
	/* Inside a nested object too, and in the header. */
	ck_assert_int_eq(verify_payload(&a, hdr,
		"{\"sub\":\"%s\",\"roles\":[\"user\"],\"exp\":%lld,\"x\":{\"a\":1,\"a\":2}}"), W3W_EUNAUTHENTICATED);
	ck_assert_int_eq(verify_payload(&a, "{\"alg\":\"HS256\",\"alg\":\"none\"}",
		"{\"sub\":\"%s\",\"roles\":[\"user\"],\"exp\":%lld}"), W3W_EUNAUTHENTICATED);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "header repeats"));
	/* Distinct names in nested objects are fine. */
	ck_assert_int_eq(verify_payload(&a, hdr,
		"{\"sub\":\"%s\",\"roles\":[\"user\"],\"exp\":%lld,\"x\":{\"sub\":1}}"), W3W_OK);
}
END_TEST

START_TEST(reserved_ids_never_act)
{
	static const char *nil = "00000000-0000-0000-0000-000000000000";
	w3w_actor a;
	char *tok = NULL;

	ck_assert_int_eq(w3w_actor_init(&a, nil, W3W_ROLE_USER), W3W_EINVAL);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "reserved"));
	ck_assert_int_eq(w3w_jwt_sign_hs256(&tok, secret, sizeof(secret), nil, W3W_ROLE_ADMIN, 0, 60), W3W_EINVAL);
	ck_assert_ptr_null(tok);
	ck_assert_int_eq(verify_as(&a, nil, "{\"alg\":\"HS256\"}", "{\"sub\":\"%s\",\"roles\":[\"user\"],\"exp\":%lld}"),
		W3W_EUNAUTHENTICATED);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "reserved"));
}
END_TEST

START_TEST(hs256_round_trip)
{
	w3w_jwt_verifier *v;
	w3w_actor a;
	char *tok = NULL;
	w3w_time now = w3w_time_now();
	ck_assert_int_eq(w3w_jwt_sign_hs256(&tok, secret, sizeof(secret), sub, W3W_ROLE_USER | W3W_ROLE_ADMIN, now, 60), W3W_OK);
	ck_assert_int_eq(w3w_jwt_verifier_hs256(&v, secret, sizeof(secret)), W3W_OK);
	ck_assert_int_eq(w3w_jwt_verify(&a, v, tok, now, 0), W3W_OK);
	ck_assert_str_eq(a.user_id, sub);
	ck_assert_uint_eq(a.roles, W3W_ROLE_USER | W3W_ROLE_ADMIN);
	/* expired: 61 s later */
	ck_assert_int_eq(w3w_jwt_verify(&a, v, tok, now + 61000000, 0), W3W_EUNAUTHENTICATED);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "expired"));
	ck_assert_int_eq(w3w_jwt_verify(&a, v, tok, now + 61000000, 5), W3W_OK);
	/* tampered: flip a payload character */
	tok[strchr(tok, '.') - tok + 3] ^= 1;
	ck_assert_int_eq(w3w_jwt_verify(&a, v, tok, now, 0), W3W_EUNAUTHENTICATED);
	w3w_string_free(tok);
	w3w_jwt_verifier_free(v);
}
END_TEST

START_TEST(eddsa_round_trip_and_alg_pinning)
{
	unsigned char pk[32], sk[64];
	w3w_jwt_verifier *ved, *vhs;
	w3w_actor a;
	char *tok = NULL, *hs = NULL;
	w3w_time now = w3w_time_now();
	crypto_sign_keypair(pk, sk);
	ck_assert_int_eq(w3w_jwt_sign_eddsa(&tok, sk, sizeof(sk), sub, W3W_ROLE_SERVICE, now, 60), W3W_OK);
	ck_assert_int_eq(w3w_jwt_verifier_eddsa(&ved, pk, sizeof(pk)), W3W_OK);
	ck_assert_int_eq(w3w_jwt_verifier_hs256(&vhs, secret, sizeof(secret)), W3W_OK);
	ck_assert_int_eq(w3w_jwt_verify(&a, ved, tok, now, 0), W3W_OK);
	ck_assert_uint_eq(a.roles, W3W_ROLE_SERVICE);
	/* algorithm switching both ways is refused */
	ck_assert_int_eq(w3w_jwt_verify(&a, vhs, tok, now, 0), W3W_EUNAUTHENTICATED);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "algorithm"));
	ck_assert_int_eq(w3w_jwt_sign_hs256(&hs, secret, sizeof(secret), sub, W3W_ROLE_USER, now, 60), W3W_OK);
	ck_assert_int_eq(w3w_jwt_verify(&a, ved, hs, now, 0), W3W_EUNAUTHENTICATED);
	w3w_string_free(tok);
	w3w_string_free(hs);
	w3w_jwt_verifier_free(ved);
	w3w_jwt_verifier_free(vhs);
}
END_TEST

START_TEST(forged_and_malformed_tokens)
{
	w3w_jwt_verifier *v;
	w3w_actor a;
	w3w_time now = w3w_time_now();
	char payload[256], *t;
	const char *bad[] = { "", "abc", "a.b", "a.b.c.d", "!!.??.##" };
	ck_assert_int_eq(w3w_jwt_verifier_hs256(&v, secret, sizeof(secret)), W3W_OK);
	snprintf(payload, sizeof(payload), "{\"sub\":\"%s\",\"roles\":[\"admin\"],\"exp\":%lld}", sub,
		(long long)(now / 1000000 + 600));
	t = forge("{\"alg\":\"none\",\"typ\":\"JWT\"}", payload, "");
	ck_assert_int_eq(w3w_jwt_verify(&a, v, t, now, 0), W3W_EUNAUTHENTICATED);
	free(t);
	/* A correctly signed token with a "crit" extension is still refused (RFC 7515 4.1.11). */
	{
		char *h = b64("{\"alg\":\"HS256\",\"crit\":[\"exp\"]}"), *p = b64(payload), *input, *sig64;
		unsigned char mac[crypto_auth_hmacsha256_BYTES];
		crypto_auth_hmacsha256_state hs;
		size_t n = sodium_base64_encoded_len(sizeof(mac), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		input = malloc(strlen(h) + strlen(p) + 2);
		sprintf(input, "%s.%s", h, p);
		crypto_auth_hmacsha256_init(&hs, secret, sizeof(secret));
		crypto_auth_hmacsha256_update(&hs, (const unsigned char *)input, strlen(input));
		crypto_auth_hmacsha256_final(&hs, mac);
		sig64 = malloc(n);
		sodium_bin2base64(sig64, n, mac, sizeof(mac), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		t = malloc(strlen(input) + n + 2);
		sprintf(t, "%s.%s", input, sig64);
		ck_assert_int_eq(w3w_jwt_verify(&a, v, t, now, 0), W3W_EUNAUTHENTICATED);
		ck_assert_ptr_nonnull(strstr(w3w_error_message(), "critical"));
		free(t);
		free(sig64);
		free(input);
		free(h);
		free(p);
	}
	t = forge("{\"alg\":\"HS256\"}", payload, "c2lnbmF0dXJl");
	ck_assert_int_eq(w3w_jwt_verify(&a, v, t, now, 0), W3W_EUNAUTHENTICATED);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "signature"));
	free(t);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_int_eq(w3w_jwt_verify(&a, v, bad[i], now, 0), W3W_EUNAUTHENTICATED);
	w3w_jwt_verifier_free(v);
}
END_TEST

START_TEST(bad_claims_refused_at_signing_and_verifying)
{
	char *tok = NULL;
	ck_assert_int_eq(w3w_jwt_sign_hs256(&tok, secret, sizeof(secret), "not-a-uuid", W3W_ROLE_USER, 0, 60), W3W_EINVAL);
	ck_assert_int_eq(w3w_jwt_sign_hs256(&tok, secret, sizeof(secret), sub, 0, 0, 60), W3W_EINVAL);
	ck_assert_int_eq(w3w_jwt_sign_hs256(&tok, secret, 8, sub, W3W_ROLE_USER, 0, 60), W3W_EINVAL);
	ck_assert_ptr_null(tok);
}
END_TEST

START_TEST(rate_limit_in_process)
{
	w3w_options o;
	w3w_ctx *ctx;
	int allowed, i, granted = 0;
	int64_t retry = 0;
	char dir[] = "/tmp/w3w-jwt-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	w3w_options_init(&o, W3W_OPTIONS_VERSION);
	snprintf(o.storage_url, sizeof(o.storage_url), "sqlite:%s/rl.db", dir);
	snprintf(o.cache_url, sizeof(o.cache_url), "none:");
	ck_assert_int_eq(w3w_ctx_open(&ctx, &o), W3W_OK);
	for (i = 0; i < 20; i++) {
		ck_assert_int_eq(w3w_rate_limit_take(ctx, "rl:user", 1.0, 5.0, &allowed, &retry), W3W_OK);
		granted += allowed;
	}
	ck_assert_int_eq(granted, 5);
	ck_assert_int_gt(retry, 0);
	ck_assert_int_le(retry, 1001);
	ck_assert_int_eq(w3w_rate_limit_take(ctx, "", 1.0, 5.0, &allowed, &retry), W3W_EINVAL);
	w3w_ctx_close(ctx);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("jwt");
	TCase *tc = tcase_create("jwt");
	SRunner *sr;
	int failed;
	tcase_add_test(tc, hs256_round_trip);
	tcase_add_test(tc, eddsa_round_trip_and_alg_pinning);
	tcase_add_test(tc, forged_and_malformed_tokens);
	tcase_add_test(tc, bad_claims_refused_at_signing_and_verifying);
	tcase_add_test(tc, rate_limit_in_process);
	tcase_add_test(tc, each_role_element_is_one_role);
	tcase_add_test(tc, repeated_names_refused);
	tcase_add_test(tc, reserved_ids_never_act);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

/*
 * The idempotency request hash has a documented canonical form (docs/api.md,
 * "Idempotency"): BLAKE2b-256 of a compact JSON object — "action" first,
 * then the command's fields in its fixed order, every value a string,
 * escaped as RFC 8259 says. The bytes are written out here by hand, so a
 * change in how the request is built or printed (a cJSON upgrade
 * included) fails this test instead of silently refusing retries made
 * across an upgrade.
 */
#include <check.h>
#include <sodium.h>
#include <string.h>

#include "core/write.h"

static void expect_hash(const unsigned char got[32], const char *canonical)
{
	unsigned char want[32];
	crypto_generichash(want, sizeof(want), (const unsigned char *)canonical, strlen(canonical), NULL, 0);
	ck_assert_msg(memcmp(got, want, sizeof(want)) == 0, "request hash is not BLAKE2b-256 of %s", canonical);
}

START_TEST(canonical_request_bytes)
{
	w3w_options o;
	w3w_ctx *ctx = NULL;
	w3w_actor actor;
	w3w_write_meta meta;
	w3w__write w;

	ck_assert_int_eq(w3w_options_init(&o, W3W_OPTIONS_VERSION), W3W_OK);
	strcpy(o.storage_url, "sqlite::memory:");
	o.background_relay = 0;
	ck_assert_int_eq(w3w_ctx_open(&ctx, &o), W3W_OK);
	ck_assert_int_eq(w3w_actor_init(&actor, "0190a000-0000-7000-8000-000000000001", W3W_ROLE_USER), W3W_OK);

	ck_assert_int_eq(w3w__write_begin(&w, &meta, ctx, &actor, "supply.create", "key-1"), W3W_OK);
	w3w__write_field(&w, "currency", "US\"D\\\n\x01\xc3\xa9");
	w3w__write_amount(&w, "amount", 150000000);
	w3w__write_payload(&w, "supply_id", "not hashed: core made it");
	ck_assert_int_eq(w3w__write_prepare(&w, "supply.created", "agg", "target"), W3W_OK);
	expect_hash(meta.idem_hash,
		"{\"action\":\"supply.create\",\"currency\":\"US\\\"D\\\\\\n\\u0001\xc3\xa9\",\"amount\":\"1.5\"}");
	cJSON_free(meta.event.payload);
	cJSON_Delete(w.request);
	cJSON_Delete(w.payload);
	w3w_ctx_close(ctx);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("request_hash");
	TCase *tc = tcase_create("canonical");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, canonical_request_bytes);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

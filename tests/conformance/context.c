/* Context, options, actors, names, and what survives closing and reopening. */
#include <stdio.h>
#include <string.h>

#include "harness.h"

START_TEST(open_refuses_bad_urls)
{
	w3w_options opts;
	w3w_ctx *ctx = (w3w_ctx *)&opts; /* must be reset to NULL on failure */

	h_options(&opts);
	snprintf(opts.storage_url, sizeof(opts.storage_url), "nosuchscheme:whatever");
	w3w_error_clear();
	ck_assert_int_ne(w3w_ctx_open(&ctx, &opts), W3W_OK);
	ck_assert_ptr_null(ctx);
	ck_assert_str_ne(w3w_error_message(), "");

	h_options(&opts);
	snprintf(opts.cache_url, sizeof(opts.cache_url), "nosuchcache:");
	ctx = (w3w_ctx *)&opts;
	ck_assert_int_ne(w3w_ctx_open(&ctx, &opts), W3W_OK);
	ck_assert_ptr_null(ctx);

	h_options(&opts);
	snprintf(opts.storage_url, sizeof(opts.storage_url), "sqlite:/nonexistent-dir-w3w/sub/x.db");
	ctx = (w3w_ctx *)&opts;
	ck_assert_int_ne(w3w_ctx_open(&ctx, &opts), W3W_OK);
	ck_assert_ptr_null(ctx);

	h_options(&opts);
	snprintf(opts.master_key_hex, sizeof(opts.master_key_hex), "not-hex");
	ctx = (w3w_ctx *)&opts;
	ck_assert_int_eq(w3w_ctx_open(&ctx, &opts), W3W_EINVAL);
	ck_assert_ptr_null(ctx);
}
END_TEST

START_TEST(open_checks_versions_and_nulls)
{
	w3w_options opts;
	w3w_ctx *ctx = NULL;

	ck_assert_int_eq(w3w_options_init(&opts, W3W_OPTIONS_VERSION + 1), W3W_EVERSION);
	ck_assert_int_eq(w3w_options_init(NULL, W3W_OPTIONS_VERSION), W3W_EINVAL);
	h_options(&opts);
	opts.version = W3W_OPTIONS_VERSION + 7;
	ck_assert_int_eq(w3w_ctx_open(&ctx, &opts), W3W_EVERSION);
	ck_assert_ptr_null(ctx);
	ck_assert_int_eq(w3w_ctx_open(NULL, &opts), W3W_EINVAL);
	w3w_ctx_close(NULL);
}
END_TEST

START_TEST(options_defaults)
{
	w3w_options a, b = W3W_OPTIONS_INIT;
	H_OK(w3w_options_init(&a, W3W_OPTIONS_VERSION));
	ck_assert_str_eq(a.storage_url, b.storage_url);
	ck_assert_str_eq(a.cache_url, "memory:");
	ck_assert_str_eq(a.region, "local");
	ck_assert_int_eq(a.idempotency_ttl_s, 86400);
	ck_assert_int_eq(a.background_relay, 1);
}
END_TEST

START_TEST(actor_init_and_roles)
{
	w3w_actor a;
	unsigned int roles = 0;
	char id[W3W_ID_SIZE];

	h_new_id(id);
	H_OK(w3w_actor_init(&a, id, W3W_ROLE_USER | W3W_ROLE_ADMIN));
	ck_assert_str_eq(a.user_id, id);
	ck_assert_uint_eq(a.roles, W3W_ROLE_USER | W3W_ROLE_ADMIN);
	ck_assert_int_eq(w3w_actor_init(&a, "nope", W3W_ROLE_USER), W3W_EINVAL);
	ck_assert(h_contains(w3w_error_message(), "user_id"));
	ck_assert_int_eq(w3w_actor_init(&a, NULL, W3W_ROLE_USER), W3W_EINVAL);
	ck_assert_int_eq(w3w_actor_init(&a, id, 0), W3W_EINVAL);
	ck_assert(h_contains(w3w_error_message(), "roles"));
	ck_assert_int_eq(w3w_actor_init(&a, id, 1u << 9), W3W_EINVAL);
	ck_assert_int_eq(w3w_actor_init(NULL, id, W3W_ROLE_USER), W3W_EINVAL);

	H_OK(w3w_roles_parse(&roles, "user,admin"));
	ck_assert_uint_eq(roles, W3W_ROLE_USER | W3W_ROLE_ADMIN);
	H_OK(w3w_roles_parse(&roles, "auditor,service"));
	ck_assert_uint_eq(roles, W3W_ROLE_AUDITOR | W3W_ROLE_SERVICE);
	ck_assert_int_eq(w3w_roles_parse(&roles, "user,root"), W3W_EINVAL);
	ck_assert(h_contains(w3w_error_message(), "root"));
	ck_assert_int_eq(w3w_roles_parse(&roles, ""), W3W_EINVAL);
	ck_assert_int_eq(w3w_roles_parse(&roles, NULL), W3W_EINVAL);
}
END_TEST

/* A hand-built actor is checked like any other input. */
START_TEST(commands_check_the_actor)
{
	w3w_actor bad;
	w3w_supply s;

	memset(&bad, 0, sizeof(bad));
	snprintf(bad.user_id, sizeof(bad.user_id), "not-a-uuid");
	bad.roles = W3W_ROLE_USER;
	H_REFUSED(W3W_EINVAL, "actor", w3w_supply_create(&s, H.ctx, &bad, H.cur, h_amt("1"), NULL));
	h_new_id(bad.user_id);
	bad.roles = 0;
	H_REFUSED(W3W_EINVAL, "actor", w3w_supply_create(&s, H.ctx, &bad, H.cur, h_amt("1"), NULL));
	bad.roles = 1u << 12;
	H_REFUSED(W3W_EINVAL, "actor", w3w_supply_create(&s, H.ctx, &bad, H.cur, h_amt("1"), NULL));
	memset(bad.user_id, 'a', sizeof(bad.user_id)); /* no terminating NUL */
	bad.roles = W3W_ROLE_USER;
	H_REFUSED(W3W_EINVAL, "actor", w3w_supply_create(&s, H.ctx, &bad, H.cur, h_amt("1"), NULL));
	H_REFUSED(W3W_EINVAL, "actor", w3w_supply_create(&s, H.ctx, NULL, H.cur, h_amt("1"), NULL));
	H_REFUSED(W3W_EINVAL, NULL, w3w_supply_create(&s, NULL, &H.admin, H.cur, h_amt("1"), NULL));
}
END_TEST

START_TEST(status_and_enum_names)
{
	static const struct { w3w_status st; const char *name; } names[] = {
		{ W3W_OK, "ok" }, { W3W_EINVAL, "invalid" }, { W3W_ENOTFOUND, "not_found" },
		{ W3W_ECONFLICT, "conflict" }, { W3W_EINSUFFICIENT, "insufficient_funds" },
		{ W3W_EFORBIDDEN, "forbidden" }, { W3W_ESTATE, "invalid_state" },
		{ W3W_EIDEMPOTENCY, "idempotency_mismatch" },
	};
	int v = 0;

	/* The names the shared vectors use (tests/vectors/README.md). */
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		ck_assert_str_eq(w3w_status_name(names[i].st), names[i].name);
	for (w3w_status st = W3W_EINTERNAL; st <= W3W_OK; st++)
		ck_assert_ptr_nonnull(w3w_status_name(st));
	ck_assert_ptr_nonnull(w3w_status_name(-1000));

	for (int s = W3W_SUPPLY_ACTIVE; s <= W3W_SUPPLY_DELETED; s++) {
		H_OK(w3w_supply_status_parse(&v, w3w_supply_status_name(s)));
		ck_assert_int_eq(v, s);
	}
	for (int s = W3W_ORDER_OPEN; s <= W3W_ORDER_CANCELLED; s++) {
		H_OK(w3w_order_status_parse(&v, w3w_order_status_name(s)));
		ck_assert_int_eq(v, s);
	}
	for (int s = W3W_CLAIM_PENDING; s <= W3W_CLAIM_RELEASED; s++) {
		H_OK(w3w_claim_status_parse(&v, w3w_claim_status_name(s)));
		ck_assert_int_eq(v, s);
	}
	for (int k = W3W_TRANSFER_DEPOSIT; k <= W3W_TRANSFER_SETTLEMENT; k++) {
		H_OK(w3w_transfer_kind_parse(&v, w3w_transfer_kind_name((w3w_transfer_kind)k)));
		ck_assert_int_eq(v, k);
	}
	ck_assert_str_eq(w3w_supply_status_name(W3W_SUPPLY_EXHAUSTED), "exhausted");
	ck_assert_str_eq(w3w_order_status_name(W3W_ORDER_CANCELLED), "cancelled");
	ck_assert_str_eq(w3w_claim_status_name(W3W_CLAIM_RELEASED), "released");
	ck_assert_str_eq(w3w_transfer_kind_name(W3W_TRANSFER_SETTLEMENT), "settlement");
	ck_assert_ptr_null(w3w_supply_status_name(0));
	ck_assert_ptr_null(w3w_order_status_name(99));
	ck_assert_ptr_null(w3w_claim_status_name(-1));
	ck_assert_int_eq(w3w_supply_status_parse(&v, "Active"), W3W_EINVAL);
	ck_assert_int_eq(w3w_order_status_parse(&v, ""), W3W_EINVAL);
	ck_assert_int_eq(w3w_claim_status_parse(&v, "done"), W3W_EINVAL);
	ck_assert_int_eq(w3w_transfer_kind_parse(&v, NULL), W3W_EINVAL);
}
END_TEST

START_TEST(version_matches_header)
{
	ck_assert_str_eq(w3w_version(), W3W_VERSION);
	ck_assert_uint_eq(w3w_version_number(), W3W_VERSION_NUMBER);
}
END_TEST

/* Close and reopen: nothing committed is lost, the audit chain still verifies. */
START_TEST(reopen_keeps_everything)
{
	w3w_actor buyer, shopper;
	w3w_supply s, s2;
	w3w_claim c, c2;
	w3w_ledger_totals before, after;
	w3w_audit_report rep;
	char order_id[W3W_ID_SIZE];
	int64_t outbox;

	h_user(&buyer);
	h_user(&shopper);
	h_fund(&buyer, H.cur, "100");
	h_supply(&s, &shopper, H.cur, "50");
	h_order(order_id, &buyer, H.cur, "10");
	h_claim(&c, &shopper, order_id);
	h_totals(&before, H.cur);
	outbox = h_outbox_total();
	H_OK(w3w_audit_verify(&rep, H.ctx, &H.auditor));
	ck_assert_int_eq(rep.ok, 1);

	w3w_ctx_close(H.ctx);
	H.ctx = h_ctx_open(0);

	h_totals(&after, H.cur);
	ck_assert_int_eq(after.deposits, before.deposits);
	ck_assert_int_eq(after.balances, before.balances);
	ck_assert_int_eq(after.held, before.held);
	ck_assert_int_eq(after.escrow, before.escrow);
	ck_assert_int_eq(after.reserved, before.reserved);
	ck_assert_int_eq(after.live_claims, before.live_claims);
	ck_assert_int_eq(h_outbox_total(), outbox);
	H_OK(w3w_supply_get(&s2, H.ctx, &shopper, s.id));
	ck_assert_int_eq(s2.reserved, h_amt("10"));
	H_OK(w3w_claim_get_by_order(&c2, H.ctx, &buyer, order_id));
	ck_assert_str_eq(c2.id, c.id);
	ck_assert_int_eq(h_order_status(order_id), W3W_ORDER_CLAIMED);
	H_OK(w3w_audit_verify(&rep, H.ctx, &H.auditor));
	ck_assert_int_eq(rep.ok, 1);
	ck_assert_int_gt(rep.records, 0);
	/* And the reopened storage keeps working. */
	H_OK(w3w_claim_process(&c2, H.ctx, &buyer, c.id, NULL));
	ck_assert_int_eq(c2.status, W3W_CLAIM_PROCESSED);
}
END_TEST

TCase *conf_context_tcase(void)
{
	TCase *tc = h_tcase("context");
	tcase_add_test(tc, open_refuses_bad_urls);
	tcase_add_test(tc, open_checks_versions_and_nulls);
	tcase_add_test(tc, options_defaults);
	tcase_add_test(tc, actor_init_and_roles);
	tcase_add_test(tc, commands_check_the_actor);
	tcase_add_test(tc, status_and_enum_names);
	tcase_add_test(tc, version_matches_header);
	tcase_add_test(tc, reopen_keeps_everything);
	return tc;
}

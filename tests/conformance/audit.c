/*
 * Audit: every command leaves a record, committed or refused; the chain
 * verifies after the story. (Tampering is tested by each backend's own
 * tests at the storage level.)
 */
#include <string.h>

#include "harness.h"

static void story(void)
{
	w3w_actor buyer, shopper;
	w3w_claim c, p;
	char order_id[W3W_ID_SIZE];

	h_user(&buyer);
	h_user(&shopper);
	h_fund(&buyer, H.cur, "100");
	h_supply(NULL, &shopper, H.cur, "50");
	h_order(order_id, &buyer, H.cur, "10");
	h_claim(&c, &shopper, order_id);
	H_OK(w3w_claim_process(&p, H.ctx, &buyer, c.id, NULL));
}

START_TEST(verify_after_the_story)
{
	w3w_audit_report rep;

	story();
	memset(&rep, 0xff, sizeof(rep));
	H_OK(w3w_audit_verify(&rep, H.ctx, &H.auditor));
	ck_assert_msg(rep.ok == 1, "chain broken at %lld: %s", (long long)rep.first_bad, rep.reason);
	ck_assert_int_ge(rep.records, 5);
	ck_assert_int_eq(rep.first_bad, 0);
	ck_assert_int_eq(rep.unsealed, 0);
	H_OK(w3w_audit_verify(&rep, H.ctx, &H.admin));
	ck_assert_int_eq(rep.ok, 1);
}
END_TEST

START_TEST(verify_is_for_auditors_and_admins)
{
	w3w_actor user;
	w3w_audit_report rep;

	h_user(&user);
	H_EXPECT(W3W_EFORBIDDEN, w3w_audit_verify(&rep, H.ctx, &user));
	H_EXPECT(W3W_EFORBIDDEN, w3w_audit_verify(&rep, H.ctx, &H.service));
	H_EXPECT(W3W_EINVAL, w3w_audit_verify(NULL, H.ctx, &H.auditor));
	H_EXPECT(W3W_EINVAL, w3w_audit_verify(&rep, H.ctx, NULL));
}
END_TEST

/* Refused commands are audited too ("committed or refused"). */
START_TEST(refusals_are_recorded)
{
	w3w_actor user;
	w3w_audit_report a, b;
	size_t sealed = 0;
	char ref[W3W_ID_SIZE];

	if (H.shared_storage)
		return; /* counts move with other writers */
	h_user(&user);
	H_OK(w3w_audit_verify(&a, H.ctx, &H.auditor));
	h_new_id(ref);
	H_EXPECT(W3W_EFORBIDDEN, w3w_deposit(NULL, H.ctx, &user, user.user_id, H.cur, h_amt("1"), ref, NULL));
	H_EXPECT(W3W_EINSUFFICIENT, w3w_withdraw(NULL, H.ctx, &user, H.cur, h_amt("1"), "evm", "0xab", NULL));
	H_OK(w3w_audit_seal(H.ctx, 0, &sealed));
	ck_assert_uint_eq(sealed, 2);
	H_OK(w3w_audit_verify(&b, H.ctx, &H.auditor));
	ck_assert_int_eq(b.ok, 1);
	ck_assert_int_eq(b.records, a.records + 2);
}
END_TEST

START_TEST(seal_in_steps)
{
	w3w_actor shopper;
	w3w_audit_report rep;
	size_t sealed = 0;

	if (H.shared_storage)
		return;
	h_user(&shopper);
	H_OK(w3w_audit_seal(H.ctx, 0, NULL));
	for (int i = 0; i < 5; i++)
		h_supply(NULL, &shopper, H.cur, "1");
	H_OK(w3w_audit_seal(H.ctx, 2, &sealed));
	ck_assert_uint_eq(sealed, 2);
	H_OK(w3w_audit_seal(H.ctx, 0, &sealed));
	ck_assert_uint_eq(sealed, 3);
	H_OK(w3w_audit_seal(H.ctx, 0, &sealed));
	ck_assert_uint_eq(sealed, 0);
	H_OK(w3w_audit_verify(&rep, H.ctx, &H.auditor));
	ck_assert_int_eq(rep.ok, 1);
	ck_assert_int_eq(rep.unsealed, 0);
}
END_TEST

TCase *conf_audit_tcase(void)
{
	TCase *tc = h_tcase("audit");
	tcase_add_test(tc, verify_after_the_story);
	tcase_add_test(tc, verify_is_for_auditors_and_admins);
	tcase_add_test(tc, refusals_are_recorded);
	tcase_add_test(tc, seal_in_steps);
	return tc;
}

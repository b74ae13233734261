/*
 * Withdrawal limits through the public API: an admin sets them (audited,
 * an event each), users read where they stand, w3w_withdraw() is held to
 * them, a refusal names the limit and what remains and changes nothing,
 * and 20 threads withdrawing at once cannot pass the limit together.
 * (The on-chain hold and the rolling window are driven through the
 * storage interface in tests/contract/limits.c.)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define TO_ADDRESS "0x00000000000000000000000000000000000000aA"

static int64_t audit_records(void)
{
	w3w_audit_report rep;
	H_OK(w3w_audit_verify(&rep, H.ctx, &H.auditor));
	ck_assert_int_eq(rep.ok, 1);
	return rep.records;
}

/* The one line of `user` in the test's currency. */
static w3w_withdrawal_limit standing(const w3w_actor *actor, const char *user_id)
{
	w3w_withdrawal_limits *list = NULL;
	w3w_withdrawal_limit l;

	H_OK(w3w_withdrawal_limits_get(&list, H.ctx, actor, user_id, H.cur));
	ck_assert_uint_eq(list->count, 1);
	l = list->items[0];
	w3w_withdrawal_limits_free(list);
	return l;
}

START_TEST(admin_sets_users_read)
{
	w3w_actor user, other;
	w3w_withdrawal_limit set, l;
	w3w_withdrawal_limits *list = NULL;
	int64_t outbox = h_outbox_total(), records = audit_records();

	h_user(&user);
	h_user(&other);
	/* Nothing set in a fresh currency: nothing listed, so nothing limits. */
	H_OK(w3w_withdrawal_limits_get(&list, H.ctx, &user, NULL, H.cur));
	ck_assert_uint_eq(list->count, 0);
	w3w_withdrawal_limits_free(list);

	H_OK(w3w_withdrawal_limit_set(&set, H.ctx, &H.admin, NULL, H.cur, h_amt("100"), h_amt("250")));
	ck_assert_str_eq(set.source, "default");
	ck_assert_str_eq(set.user_id, "");
	H_OK(w3w_withdrawal_limit_set(&set, H.ctx, &H.admin, other.user_id, H.cur, W3W_LIMIT_NONE, h_amt("10")));
	ck_assert_str_eq(set.source, "user");
	ck_assert_int_eq(h_outbox_total(), outbox + 2);

	l = standing(&user, NULL);
	ck_assert_str_eq(l.user_id, user.user_id);
	ck_assert_str_eq(l.source, "default");
	ck_assert_int_eq(l.per_withdrawal, h_amt("100"));
	ck_assert_int_eq(l.daily, h_amt("250"));
	ck_assert_int_eq(l.used, 0);
	ck_assert_int_eq(l.remaining, h_amt("100"));
	ck_assert_int_eq(l.next_release_at, 0);
	l = standing(&H.auditor, other.user_id);
	ck_assert_str_eq(l.source, "user");
	ck_assert_int_eq(l.per_withdrawal, W3W_LIMIT_NONE);
	ck_assert_int_eq(l.remaining, h_amt("10"));

	/* Only an admin sets; refusals are audited and change nothing. */
	H_REFUSED(W3W_EFORBIDDEN, "admin", w3w_withdrawal_limit_set(NULL, H.ctx, &user, NULL, H.cur, 0, 0));
	H_REFUSED(W3W_EFORBIDDEN, "admin", w3w_withdrawal_limit_set(NULL, H.ctx, &H.service, user.user_id, H.cur, 0, 0));
	H_REFUSED(W3W_EFORBIDDEN, "admin", w3w_withdrawal_limit_clear(H.ctx, &H.auditor, NULL, H.cur));
	H_REFUSED(W3W_EINVAL, "daily", w3w_withdrawal_limit_set(NULL, H.ctx, &H.admin, NULL, H.cur, 0, -2));
	H_REFUSED(W3W_EINVAL, "per_withdrawal",
		w3w_withdrawal_limit_set(NULL, H.ctx, &H.admin, NULL, H.cur, W3W_AMOUNT_MAX + 1, 0));
	H_REFUSED(W3W_EINVAL, "currency", w3w_withdrawal_limit_set(NULL, H.ctx, &H.admin, NULL, "usd", 0, 0));
	H_REFUSED(W3W_EINVAL, "user_id", w3w_withdrawal_limit_set(NULL, H.ctx, &H.admin, "nope", H.cur, 0, 0));
	/* Another user's standing needs admin, service or auditor. */
	H_EXPECT(W3W_EFORBIDDEN, w3w_withdrawal_limits_get(&list, H.ctx, &user, other.user_id, NULL));

	/* Clearing the user's values brings the default back; clearing none is not found. */
	H_OK(w3w_withdrawal_limit_clear(H.ctx, &H.admin, other.user_id, H.cur));
	ck_assert_str_eq(standing(&other, NULL).source, "default");
	H_REFUSED(W3W_ENOTFOUND, "none set", w3w_withdrawal_limit_clear(H.ctx, &H.admin, other.user_id, H.cur));
	ck_assert_int_eq(h_outbox_total(), outbox + 3);
	/* 3 changes, 4 refusals by role or state (malformed input is not a decision on record). */
	ck_assert_int_eq(audit_records(), records + 3 + 4);
}
END_TEST

START_TEST(withdraw_is_held_to_the_limits)
{
	w3w_actor user;
	w3w_withdrawal_limit l;
	w3w_withdrawal_limits *list = NULL;
	w3w_time before = w3w_time_now();
	char *json = NULL;
	int64_t records;

	h_user(&user);
	h_fund(&user, H.cur, "1000");
	H_OK(w3w_withdrawal_limit_set(NULL, H.ctx, &H.admin, NULL, H.cur, h_amt("100"), h_amt("250")));

	records = audit_records();
	H_REFUSED(W3W_ELIMIT, "is above the per-withdrawal maximum of 100 ",
		w3w_withdraw(NULL, H.ctx, &user, H.cur, h_amt("100.5"), "evm", TO_ADDRESS, NULL));
	H_OK(w3w_withdraw(NULL, H.ctx, &user, H.cur, h_amt("100"), "evm", TO_ADDRESS, NULL));
	H_OK(w3w_withdraw(NULL, H.ctx, &user, H.cur, h_amt("100"), "evm", TO_ADDRESS, NULL));
	H_REFUSED(W3W_ELIMIT, "would pass the 24-hour limit of 250 ",
		w3w_withdraw(NULL, H.ctx, &user, H.cur, h_amt("60"), "evm", TO_ADDRESS, NULL));
	ck_assert_msg(h_contains(w3w_error_message(), ": 50 remaining now; 100 more frees up at "), "%s",
		w3w_error_message());
	ck_assert_str_eq(w3w_status_name(W3W_ELIMIT), "limit_exceeded");
	ck_assert_int_eq(audit_records(), records + 4); /* the two refusals are on record */

	l = standing(&user, NULL);
	ck_assert_int_eq(l.used, h_amt("200"));
	ck_assert_int_eq(l.remaining, h_amt("50"));
	ck_assert_int_eq(l.next_release_amount, h_amt("100"));
	ck_assert_int_ge(l.next_release_at, before + W3W_LIMIT_WINDOW);
	ck_assert_int_le(l.next_release_at, w3w_time_now() + W3W_LIMIT_WINDOW);
	H_OK(w3w_withdraw(NULL, H.ctx, &user, H.cur, h_amt("50"), "evm", TO_ADDRESS, NULL));
	ck_assert_int_eq(standing(&user, NULL).remaining, 0);

	/* A user's own values replace the default: unlimited now. */
	H_OK(w3w_withdrawal_limit_set(NULL, H.ctx, &H.admin, user.user_id, H.cur, W3W_LIMIT_NONE, W3W_LIMIT_NONE));
	H_OK(w3w_withdraw(NULL, H.ctx, &user, H.cur, h_amt("500"), "evm", TO_ADDRESS, NULL));
	H_OK(w3w_withdrawal_limits_get(&list, H.ctx, &user, NULL, H.cur));
	ck_assert_uint_eq(list->count, 1);
	ck_assert_int_eq(list->items[0].remaining, W3W_LIMIT_NONE);
	ck_assert_int_eq(list->items[0].used, h_amt("750"));
	H_OK(w3w_withdrawal_limits_to_json(&json, list));
	ck_assert_msg(h_contains(json, "\"per_withdrawal\":null,\"daily\":null,\"used\":\"750\",\"remaining\":null"),
		"%s", json);
	w3w_string_free(json);
	w3w_withdrawal_limits_free(list);
	h_check_invariants(H.cur);
}
END_TEST

/* ---- 20 threads ---------------------------------------------------------------------- */

#define RACERS 20
#define TRIES 3

typedef struct racer {
	w3w_ctx *ctx;
	const w3w_actor *user;
	pthread_barrier_t *go;
	int ok, limited, other;
	char other_msg[256];
} racer;

static void *race(void *p)
{
	racer *r = p;

	pthread_barrier_wait(r->go);
	for (int i = 0; i < TRIES; i++) {
		w3w_status st = w3w_withdraw(NULL, r->ctx, r->user, H.cur, 30 * W3W_AMOUNT_SCALE, "evm", TO_ADDRESS, NULL);
		if (st == W3W_OK)
			r->ok++;
		else if (st == W3W_ELIMIT)
			r->limited++;
		else if (r->other++ == 0)
			snprintf(r->other_msg, sizeof(r->other_msg), "%s: %s", w3w_status_name(st), w3w_error_message());
	}
	return NULL;
}

START_TEST(twenty_threads_cannot_pass_the_limit_together)
{
	pthread_t threads[RACERS];
	racer racers[RACERS];
	pthread_barrier_t go;
	w3w_ctx *second = h_ctx_open(0);
	w3w_actor user;
	w3w_account acc;
	int ok = 0, limited = 0;

	h_user(&user);
	h_fund(&user, H.cur, "10000");
	H_OK(w3w_withdrawal_limit_set(NULL, H.ctx, &H.admin, user.user_id, H.cur, W3W_LIMIT_NONE, h_amt("250")));
	pthread_barrier_init(&go, NULL, RACERS);
	for (int i = 0; i < RACERS; i++) {
		/* Half share the test's context, half another one: two pools, one database. */
		racers[i] = (racer){ .ctx = i % 2 ? second : H.ctx, .user = &user, .go = &go };
		ck_assert_int_eq(pthread_create(&threads[i], NULL, race, &racers[i]), 0);
	}
	for (int i = 0; i < RACERS; i++) {
		pthread_join(threads[i], NULL);
		ck_assert_msg(racers[i].other == 0, "thread %d: %s", i, racers[i].other_msg);
		ok += racers[i].ok;
		limited += racers[i].limited;
	}
	pthread_barrier_destroy(&go);
	w3w_ctx_close(second);

	ck_assert_int_eq(ok, 8); /* 8 × 30 = 240 of 250 */
	ck_assert_int_eq(limited, RACERS * TRIES - 8);
	h_account(&acc, user.user_id, H.cur);
	ck_assert_int_eq(acc.balance, h_amt("9760"));
	ck_assert_int_eq(standing(&user, NULL).remaining, h_amt("10"));
	h_check_invariants(H.cur);
}
END_TEST

TCase *conf_limits_tcase(void)
{
	TCase *tc = h_tcase("limits");
	tcase_add_test(tc, admin_sets_users_read);
	tcase_add_test(tc, withdraw_is_held_to_the_limits);
	tcase_add_test(tc, twenty_threads_cannot_pass_the_limit_together);
	return tc;
}

/*
 * Idempotency keys, per command: the same key with the same request returns
 * the first result and writes nothing (same id, same balances, no event);
 * the same key with a different request is W3W_EIDEMPOTENCY; the same key
 * from another actor is another key.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "harness.h"

static void fresh_key(char *buf, size_t size, const char *what)
{
	char id[W3W_ID_SIZE];
	h_new_id(id);
	snprintf(buf, size, "%s-%s", what, id);
}

/* Run `call` as a replay: must succeed and change nothing. */
#define REPLAY(call) do { \
	h_snapshot r_before_, r_after_; \
	h_snap(&r_before_); \
	H_OK(call); \
	h_snap(&r_after_); \
	h_snap_assert_same(&r_before_, &r_after_, "replay of " #call); \
} while (0)

START_TEST(deposit_replay)
{
	w3w_actor user;
	w3w_transfer t1, t2;
	char key[80], ref[80], ref2[80];
	w3w_actor service2;

	h_user(&user);
	h_actor(&service2, W3W_ROLE_SERVICE);
	fresh_key(key, sizeof(key), "dep");
	fresh_key(ref, sizeof(ref), "ref");
	fresh_key(ref2, sizeof(ref2), "ref");
	H_OK(w3w_deposit(&t1, H.ctx, &H.service, user.user_id, H.cur, h_amt("5"), ref, key));
	/* The retry carries the same reference: it is the same deposit, not a duplicate. */
	REPLAY(w3w_deposit(&t2, H.ctx, &H.service, user.user_id, H.cur, h_amt("5"), ref, key));
	ck_assert_str_eq(t2.id, t1.id);
	ck_assert_int_eq(t2.amount, t1.amount);
	ck_assert_str_eq(t2.to_user_id, user.user_id);
	ck_assert_str_eq(t2.reference, ref);
	ck_assert_int_eq(t2.created_at, t1.created_at);
	REPLAY(w3w_deposit(NULL, H.ctx, &H.service, user.user_id, H.cur, h_amt("5"), ref, key));

	H_REFUSED(W3W_EIDEMPOTENCY, NULL, w3w_deposit(&t2, H.ctx, &H.service, user.user_id, H.cur, h_amt("6"), ref, key));
	H_REFUSED(W3W_EIDEMPOTENCY, NULL, w3w_deposit(&t2, H.ctx, &H.service, user.user_id, H.cur, h_amt("5"), ref2, key));
	/* Another actor's key of the same text is independent. */
	H_OK(w3w_deposit(&t2, H.ctx, &service2, user.user_id, H.cur, h_amt("5"), ref2, key));
	ck_assert_str_ne(t2.id, t1.id);
	{
		w3w_account acc;
		h_account(&acc, user.user_id, H.cur);
		ck_assert_int_eq(acc.balance, h_amt("10"));
	}
}
END_TEST

START_TEST(withdraw_and_transfer_replay)
{
	w3w_actor a, b;
	w3w_transfer t1, t2;
	char kw[80], kt[80];
	w3w_account acc;

	h_user(&a);
	h_user(&b);
	h_fund(&a, H.cur, "10");
	fresh_key(kw, sizeof(kw), "wd");
	fresh_key(kt, sizeof(kt), "tr");

	H_OK(w3w_withdraw(&t1, H.ctx, &a, H.cur, h_amt("2"), "evm", "0xab", kw));
	REPLAY(w3w_withdraw(&t2, H.ctx, &a, H.cur, h_amt("2"), "evm", "0xab", kw));
	ck_assert_str_eq(t2.id, t1.id);
	H_REFUSED(W3W_EIDEMPOTENCY, NULL, w3w_withdraw(&t2, H.ctx, &a, H.cur, h_amt("2"), "evm", "0xac", kw));

	H_OK(w3w_transfer_funds(&t1, H.ctx, &a, b.user_id, H.cur, h_amt("3"), kt));
	REPLAY(w3w_transfer_funds(&t2, H.ctx, &a, b.user_id, H.cur, h_amt("3"), kt));
	ck_assert_str_eq(t2.id, t1.id);
	ck_assert_int_eq(t2.kind, W3W_TRANSFER_TRANSFER);
	H_REFUSED(W3W_EIDEMPOTENCY, NULL, w3w_transfer_funds(&t2, H.ctx, &a, b.user_id, H.cur, h_amt("4"), kt));
	/* The withdraw key is not the transfer key: a different command is a different request. */
	H_REFUSED(W3W_EIDEMPOTENCY, NULL, w3w_transfer_funds(&t2, H.ctx, &a, b.user_id, H.cur, h_amt("2"), kw));

	h_account(&acc, a.user_id, H.cur);
	ck_assert_int_eq(acc.balance, h_amt("5"));
	h_account(&acc, b.user_id, H.cur);
	ck_assert_int_eq(acc.balance, h_amt("3"));
	/* b uses the same key text for its own transfer: independent. */
	H_OK(w3w_transfer_funds(&t2, H.ctx, &b, a.user_id, H.cur, h_amt("3"), kt));
	ck_assert_str_ne(t2.id, t1.id);
}
END_TEST

START_TEST(supply_commands_replay)
{
	w3w_actor shopper, other;
	w3w_supply s1, s2, u1, u2;
	w3w_supply_patch p = W3W_SUPPLY_PATCH_INIT;
	char kc[80], ku[80], kd[80];

	h_user(&shopper);
	h_user(&other);
	fresh_key(kc, sizeof(kc), "sc");
	fresh_key(ku, sizeof(ku), "su");
	fresh_key(kd, sizeof(kd), "sd");

	H_OK(w3w_supply_create(&s1, H.ctx, &shopper, H.cur, h_amt("7"), kc));
	REPLAY(w3w_supply_create(&s2, H.ctx, &shopper, H.cur, h_amt("7"), kc));
	ck_assert_str_eq(s2.id, s1.id);
	ck_assert_int_eq(s2.amount, s1.amount);
	H_REFUSED(W3W_EIDEMPOTENCY, NULL, w3w_supply_create(&s2, H.ctx, &shopper, H.cur, h_amt("8"), kc));
	H_OK(w3w_supply_create(&s2, H.ctx, &other, H.cur, h_amt("7"), kc));
	ck_assert_str_ne(s2.id, s1.id);
	ck_assert_str_eq(s2.user_id, other.user_id);

	p.set_amount = 1;
	p.amount = h_amt("9");
	H_OK(w3w_supply_update(&u1, H.ctx, &shopper, s1.id, &p, ku));
	REPLAY(w3w_supply_update(&u2, H.ctx, &shopper, s1.id, &p, ku));
	ck_assert_str_eq(u2.id, s1.id);
	ck_assert_int_eq(u2.amount, h_amt("9"));
	p.amount = h_amt("10");
	H_REFUSED(W3W_EIDEMPOTENCY, NULL, w3w_supply_update(&u2, H.ctx, &shopper, s1.id, &p, ku));

	H_OK(w3w_supply_delete(&u1, H.ctx, &shopper, s1.id, kd));
	/* A retried delete answers like the first one, not W3W_ESTATE. */
	REPLAY(w3w_supply_delete(&u2, H.ctx, &shopper, s1.id, kd));
	ck_assert_str_eq(u2.id, s1.id);
	ck_assert_int_eq(u2.status, W3W_SUPPLY_DELETED);
	H_REFUSED(W3W_EIDEMPOTENCY, NULL, w3w_supply_delete(&u2, H.ctx, &shopper, s2.id, kd));

	/* The longest key (255 printable bytes) works. */
	{
		char longest[W3W_NAME_SIZE];
		memset(longest, '~', sizeof(longest) - 1);
		longest[sizeof(longest) - 1] = '\0';
		memcpy(longest, kc, strlen(kc));
		H_OK(w3w_supply_create(&s1, H.ctx, &shopper, H.cur, h_amt("3"), longest));
		REPLAY(w3w_supply_create(&s2, H.ctx, &shopper, H.cur, h_amt("3"), longest));
		ck_assert_str_eq(s1.id, s2.id);
	}

	/* No key ("" or NULL) means no idempotency: two supplies. */
	H_OK(w3w_supply_create(&s1, H.ctx, &shopper, H.cur, h_amt("1"), ""));
	H_OK(w3w_supply_create(&s2, H.ctx, &shopper, H.cur, h_amt("1"), ""));
	ck_assert_str_ne(s1.id, s2.id);
}
END_TEST

START_TEST(order_commands_replay)
{
	w3w_actor buyer;
	w3w_order_item item, other_item;
	w3w_order *o1 = NULL, *o2 = NULL;
	char kc[80], kx[80];
	w3w_account acc;

	h_user(&buyer);
	h_item(&item, "4", 2);
	h_item(&other_item, "4", 1);
	fresh_key(kc, sizeof(kc), "oc");
	fresh_key(kx, sizeof(kx), "ox");

	/* A refused first attempt does not use the key up. */
	H_REFUSED(W3W_EINSUFFICIENT, NULL, w3w_order_create(&o1, H.ctx, &buyer, H.cur, &item, 1, kc));
	h_fund(&buyer, H.cur, "20");
	H_OK(w3w_order_create(&o1, H.ctx, &buyer, H.cur, &item, 1, kc));
	REPLAY(w3w_order_create(&o2, H.ctx, &buyer, H.cur, &item, 1, kc));
	ck_assert_str_eq(o2->id, o1->id);
	ck_assert_int_eq(o2->amount, h_amt("8"));
	ck_assert_uint_eq(o2->item_count, 1);
	w3w_order_free(o2);
	o2 = NULL;
	H_REFUSED(W3W_EIDEMPOTENCY, NULL, w3w_order_create(&o2, H.ctx, &buyer, H.cur, &other_item, 1, kc));
	ck_assert_ptr_null(o2);
	h_account(&acc, buyer.user_id, H.cur);
	ck_assert_int_eq(acc.held, h_amt("8"));

	H_OK(w3w_order_cancel(&o2, H.ctx, &buyer, o1->id, kx));
	w3w_order_free(o2);
	o2 = NULL;
	REPLAY(w3w_order_cancel(&o2, H.ctx, &buyer, o1->id, kx));
	ck_assert_str_eq(o2->id, o1->id);
	ck_assert_int_eq(o2->status, W3W_ORDER_CANCELLED);
	w3w_order_free(o2);
	o2 = NULL;
	REPLAY(w3w_order_cancel(NULL, H.ctx, &buyer, o1->id, kx));
	h_account(&acc, buyer.user_id, H.cur);
	ck_assert_int_eq(acc.held, 0);
	w3w_order_free(o1);
}
END_TEST

START_TEST(claim_commands_replay)
{
	w3w_actor buyer, shopper, rival;
	w3w_claim c1, c2;
	w3w_supply sup;
	char o1[W3W_ID_SIZE], o2[W3W_ID_SIZE], o3[W3W_ID_SIZE];
	char kc[80], kp[80], kr[80];
	w3w_account acc;

	h_user(&buyer);
	h_user(&shopper);
	h_user(&rival);
	h_fund(&buyer, H.cur, "100");
	h_supply(&sup, &shopper, H.cur, "100");
	h_supply(NULL, &rival, H.cur, "100");
	h_order(o1, &buyer, H.cur, "10");
	h_order(o2, &buyer, H.cur, "10");
	h_order(o3, &buyer, H.cur, "10");
	fresh_key(kc, sizeof(kc), "cc");
	fresh_key(kp, sizeof(kp), "cp");
	fresh_key(kr, sizeof(kr), "cr");

	/* Claim: the retry returns the claim, although the order is claimed now. */
	H_OK(w3w_claim_order(&c1, H.ctx, &shopper, o1, kc));
	REPLAY(w3w_claim_order(&c2, H.ctx, &shopper, o1, kc));
	ck_assert_str_eq(c2.id, c1.id);
	ck_assert_int_eq(c2.status, W3W_CLAIM_PENDING);
	H_REFUSED(W3W_EIDEMPOTENCY, NULL, w3w_claim_order(&c2, H.ctx, &shopper, o2, kc));
	H_REFUSED(W3W_ECONFLICT, NULL, w3w_claim_order(&c2, H.ctx, &rival, o1, kc));

	/* Process by the buyer with a key. */
	H_OK(w3w_claim_process(&c2, H.ctx, &buyer, c1.id, kp));
	REPLAY(w3w_claim_process(&c2, H.ctx, &buyer, c1.id, kp));
	ck_assert_str_eq(c2.id, c1.id);
	ck_assert_int_eq(c2.status, W3W_CLAIM_PROCESSED);
	/* The claim retry after processing still returns that claim (its current state). */
	REPLAY(w3w_claim_order(&c2, H.ctx, &shopper, o1, kc));
	ck_assert_str_eq(c2.id, c1.id);
	ck_assert_int_eq(c2.status, W3W_CLAIM_PROCESSED);
	h_account(&acc, shopper.user_id, H.cur);
	ck_assert_int_eq(acc.balance, h_amt("10"));

	/* Release with a key. */
	h_claim(&c1, &shopper, o2);
	H_OK(w3w_claim_release(&c2, H.ctx, &shopper, c1.id, kr));
	REPLAY(w3w_claim_release(&c2, H.ctx, &shopper, c1.id, kr));
	ck_assert_str_eq(c2.id, c1.id);
	ck_assert_int_eq(c2.status, W3W_CLAIM_RELEASED);
	{
		w3w_claim c3;
		h_claim(&c3, &shopper, o3);
		H_REFUSED(W3W_EIDEMPOTENCY, NULL, w3w_claim_release(&c2, H.ctx, &shopper, c3.id, kr));
		H_REFUSED(W3W_EIDEMPOTENCY, NULL, w3w_claim_process(&c2, H.ctx, &buyer, c3.id, kp));
	}
	ck_assert_int_eq(h_order_status(o2), W3W_ORDER_OPEN);
}
END_TEST

/* Keys expire after idempotency_ttl_s: then the key is free for a new request. */
START_TEST(keys_expire)
{
	w3w_options opts;
	w3w_ctx *ctx = NULL;
	w3w_actor shopper;
	w3w_supply s1, s2;
	char key[80];
	struct timespec pause = { 1, 300 * 1000 * 1000 };

	h_user(&shopper);
	fresh_key(key, sizeof(key), "ttl");
	h_options(&opts);
	opts.idempotency_ttl_s = 1;
	H_OK(w3w_ctx_open(&ctx, &opts));
	H_OK(w3w_supply_create(&s1, ctx, &shopper, H.cur, h_amt("1"), key));
	H_OK(w3w_supply_create(&s2, ctx, &shopper, H.cur, h_amt("1"), key));
	ck_assert_str_eq(s2.id, s1.id);
	nanosleep(&pause, NULL);
	H_OK(w3w_supply_create(&s2, ctx, &shopper, H.cur, h_amt("2"), key));
	ck_assert_str_ne(s2.id, s1.id);
	w3w_ctx_close(ctx);
}
END_TEST

/* Eight simultaneous retries of one request commit it once and all answer alike. */
#define N_RETRY 8

typedef struct retry_arg {
	w3w_ctx *ctx;
	pthread_barrier_t *barrier;
	const w3w_actor *service, *shopper;
	const char *user_id, *ref, *dep_key, *order_id, *claim_key;
	w3w_status dep_st, claim_st;
	char dep_id[W3W_ID_SIZE], claim_id[W3W_ID_SIZE];
	char msg[256];
} retry_arg;

static void *retry_thread(void *p)
{
	retry_arg *a = p;
	w3w_transfer t;
	w3w_claim c;
	pthread_barrier_wait(a->barrier);
	a->dep_st = w3w_deposit(&t, a->ctx, a->service, a->user_id, H.cur, h_amt("5"), a->ref, a->dep_key);
	if (a->dep_st == W3W_OK)
		memcpy(a->dep_id, t.id, W3W_ID_SIZE);
	else
		snprintf(a->msg, sizeof(a->msg), "deposit: %s", w3w_error_message());
	a->claim_st = w3w_claim_order(&c, a->ctx, a->shopper, a->order_id, a->claim_key);
	if (a->claim_st == W3W_OK)
		memcpy(a->claim_id, c.id, W3W_ID_SIZE);
	else
		snprintf(a->msg, sizeof(a->msg), "claim: %s", w3w_error_message());
	return NULL;
}

START_TEST(concurrent_retries_commit_once)
{
	w3w_actor buyer, shopper;
	w3w_ctx *other = h_ctx_open(1);
	pthread_t th[N_RETRY];
	retry_arg args[N_RETRY];
	pthread_barrier_t barrier;
	char ref[80], dep_key[80], claim_key[80], order_id[W3W_ID_SIZE];
	w3w_supply sup, g;
	w3w_account acc;
	int64_t outbox;

	h_user(&buyer);
	h_user(&shopper);
	h_fund(&buyer, H.cur, "10");
	h_supply(&sup, &shopper, H.cur, "100");
	h_order(order_id, &buyer, H.cur, "10");
	fresh_key(ref, sizeof(ref), "ref");
	fresh_key(dep_key, sizeof(dep_key), "dep");
	fresh_key(claim_key, sizeof(claim_key), "claim");
	outbox = h_outbox_total();
	pthread_barrier_init(&barrier, NULL, N_RETRY);
	memset(args, 0, sizeof(args));
	for (int i = 0; i < N_RETRY; i++) {
		args[i].ctx = i % 2 ? other : H.ctx;
		args[i].barrier = &barrier;
		args[i].service = &H.service;
		args[i].shopper = &shopper;
		args[i].user_id = buyer.user_id;
		args[i].ref = ref;
		args[i].dep_key = dep_key;
		args[i].order_id = order_id;
		args[i].claim_key = claim_key;
		ck_assert_int_eq(pthread_create(&th[i], NULL, retry_thread, &args[i]), 0);
	}
	for (int i = 0; i < N_RETRY; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&barrier);
	w3w_ctx_close(other);
	for (int i = 0; i < N_RETRY; i++) {
		ck_assert_msg(args[i].dep_st == W3W_OK && args[i].claim_st == W3W_OK,
			"retry %d: deposit %s, claim %s (%s)", i, w3w_status_name(args[i].dep_st),
			w3w_status_name(args[i].claim_st), args[i].msg);
		ck_assert_str_eq(args[i].dep_id, args[0].dep_id);
		ck_assert_str_eq(args[i].claim_id, args[0].claim_id);
	}
	h_account(&acc, buyer.user_id, H.cur);
	ck_assert_int_eq(acc.balance, h_amt("15"));
	H_OK(w3w_supply_get(&g, H.ctx, &shopper, sup.id));
	ck_assert_int_eq(g.reserved, h_amt("10"));
	ck_assert_int_eq(h_outbox_total() - outbox, 2);
}
END_TEST

TCase *conf_idempotency_tcase(void)
{
	TCase *tc = h_tcase("idempotency");
	tcase_add_test(tc, deposit_replay);
	tcase_add_test(tc, withdraw_and_transfer_replay);
	tcase_add_test(tc, supply_commands_replay);
	tcase_add_test(tc, order_commands_replay);
	tcase_add_test(tc, claim_commands_replay);
	tcase_add_test(tc, keys_expire);
	tcase_add_test(tc, concurrent_retries_commit_once);
	return tc;
}

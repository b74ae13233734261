/*
 * Smaller races on the decisions the storage makes under concurrency: an
 * overdraft, supply capacity, process against release, cancel against
 * claim. Threads alternate between two contexts on the same storage. In
 * every race the winners are exactly as many as the state allows and the
 * losers get the one documented status.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define N_THREADS 8
#define MAX_STATUS 16

typedef struct worker {
	int index;
	w3w_ctx *ctx;
	pthread_barrier_t *barrier;
	void *shared;
	int counts[MAX_STATUS];    /* by -status */
	char first_odd[256];       /* first unexpected status */
} worker;

static void count(worker *w, w3w_status st, w3w_status allowed_a, w3w_status allowed_b)
{
	if (st <= 0 && -st < MAX_STATUS)
		w->counts[-st]++;
	if (st != W3W_OK && st != allowed_a && st != allowed_b && !w->first_odd[0])
		snprintf(w->first_odd, sizeof(w->first_odd), "%s (%s)", w3w_status_name(st), w3w_error_message());
}

static void run_workers(worker *ws, int n, void *(*fn)(void *), void *shared)
{
	pthread_t th[N_THREADS];
	pthread_barrier_t barrier;
	w3w_ctx *other = h_ctx_open(1);

	pthread_barrier_init(&barrier, NULL, (unsigned)n);
	memset(ws, 0, sizeof(*ws) * (size_t)n);
	for (int t = 0; t < n; t++) {
		ws[t].index = t;
		ws[t].ctx = t % 2 ? other : H.ctx;
		ws[t].barrier = &barrier;
		ws[t].shared = shared;
		ck_assert_int_eq(pthread_create(&th[t], NULL, fn, &ws[t]), 0);
	}
	for (int t = 0; t < n; t++)
		pthread_join(th[t], NULL);
	pthread_barrier_destroy(&barrier);
	w3w_ctx_close(other);
	for (int t = 0; t < n; t++)
		ck_assert_msg(!ws[t].first_odd[0], "thread %d: unexpected %s", t, ws[t].first_odd);
}

static int total(const worker *ws, int n, w3w_status st)
{
	int sum = 0;
	for (int t = 0; t < n; t++)
		sum += ws[t].counts[-st];
	return sum;
}

/* ---- overdraft: withdrawals and escrow holds race for the same 10 ----------- */

typedef struct overdraft {
	w3w_actor user;
	const char *currency;
} overdraft;

static void *overdraft_thread(void *p)
{
	worker *w = p;
	overdraft *o = w->shared;
	pthread_barrier_wait(w->barrier);
	for (int i = 0; i < 25; i++) {
		w3w_status st;
		if (w->index % 2 == 0) {
			st = w3w_withdraw(NULL, w->ctx, &o->user, o->currency, h_amt("1"), "evm", "0xab", NULL);
		} else {
			w3w_order_item item;
			w3w_order *ord = NULL;
			h_item(&item, "1", 1);
			st = w3w_order_create(&ord, w->ctx, &o->user, o->currency, &item, 1, NULL);
			w3w_order_free(ord);
		}
		count(w, st, W3W_EINSUFFICIENT, W3W_EINSUFFICIENT);
	}
	return NULL;
}

START_TEST(overdraft_race)
{
	worker ws[N_THREADS];
	overdraft o;
	w3w_account acc;
	w3w_ledger_totals t;
	int64_t outbox = 0;

	h_user(&o.user);
	o.currency = H.cur;
	h_fund(&o.user, H.cur, "10");
	outbox = h_outbox_total();
	run_workers(ws, N_THREADS, overdraft_thread, &o);
	ck_assert_int_eq(total(ws, N_THREADS, W3W_OK), 10);
	ck_assert_int_eq(total(ws, N_THREADS, W3W_EINSUFFICIENT), N_THREADS * 25 - 10);
	h_account(&acc, o.user.user_id, H.cur);
	h_totals(&t, H.cur);
	ck_assert_int_eq(acc.available, 0);
	ck_assert_int_eq(t.withdrawals + acc.held, h_amt("10"));
	ck_assert_int_eq(h_outbox_total() - outbox, 10);
}
END_TEST

/* ---- capacity: one shopper's two supplies of 5 against 100 orders of 1 -------- */

typedef struct capacity {
	w3w_actor shopper;
	char (*orders)[W3W_ID_SIZE];
	int n_orders;
} capacity;

static void *capacity_thread(void *p)
{
	worker *w = p;
	capacity *c = w->shared;
	pthread_barrier_wait(w->barrier);
	for (int i = w->index; i < c->n_orders; i += N_THREADS) {
		w3w_claim claim;
		count(w, w3w_claim_order(&claim, w->ctx, &c->shopper, c->orders[i], NULL),
			W3W_EINSUFFICIENT, W3W_EINSUFFICIENT);
	}
	return NULL;
}

START_TEST(supply_capacity_race)
{
	worker ws[N_THREADS];
	capacity c;
	w3w_actor buyer;
	w3w_supply s1, s2, g;

	c.n_orders = 100;
	c.orders = calloc((size_t)c.n_orders, W3W_ID_SIZE);
	ck_assert_ptr_nonnull(c.orders);
	h_user(&buyer);
	h_user(&c.shopper);
	h_fund(&buyer, H.cur, "100");
	h_supply(&s1, &c.shopper, H.cur, "5");
	h_supply(&s2, &c.shopper, H.cur, "5");
	for (int i = 0; i < c.n_orders; i++)
		h_order(c.orders[i], &buyer, H.cur, "1");
	run_workers(ws, N_THREADS, capacity_thread, &c);
	ck_assert_int_eq(total(ws, N_THREADS, W3W_OK), 10);
	ck_assert_int_eq(total(ws, N_THREADS, W3W_EINSUFFICIENT), c.n_orders - 10);
	H_OK(w3w_supply_get(&g, H.ctx, &H.admin, s1.id));
	ck_assert_int_eq(g.reserved, h_amt("5"));
	ck_assert_int_le(g.reserved, g.amount);
	H_OK(w3w_supply_get(&g, H.ctx, &H.admin, s2.id));
	ck_assert_int_eq(g.reserved, h_amt("5"));
	free(c.orders);
}
END_TEST

/* ---- process against release of the same pending claims ------------------- */

typedef struct settle {
	w3w_actor buyer, shopper;
	w3w_claim *claims;
	int n;
	int *outcome;              /* per claim: 1 processed, 2 released (set by the winner) */
	pthread_mutex_t lock;
} settle;

static void *settle_thread(void *p)
{
	worker *w = p;
	settle *s = w->shared;
	int processor = w->index % 2 == 0;
	pthread_barrier_wait(w->barrier);
	for (int i = 0; i < s->n; i++) {
		w3w_claim out;
		w3w_status st = processor
			? w3w_claim_process(&out, w->ctx, &s->buyer, s->claims[i].id, NULL)
			: w3w_claim_release(&out, w->ctx, &s->shopper, s->claims[i].id, NULL);
		count(w, st, W3W_ESTATE, W3W_ESTATE);
		if (st == W3W_OK) {
			pthread_mutex_lock(&s->lock);
			if (s->outcome[i] && !w->first_odd[0])
				snprintf(w->first_odd, sizeof(w->first_odd), "claim %d settled twice", i);
			s->outcome[i] = processor ? 1 : 2;
			pthread_mutex_unlock(&s->lock);
		}
	}
	return NULL;
}

START_TEST(process_against_release_race)
{
	worker ws[4];
	settle s;
	w3w_supply sup;
	int processed = 0;

	memset(&s, 0, sizeof(s));
	s.n = 60;
	s.claims = calloc((size_t)s.n, sizeof(*s.claims));
	s.outcome = calloc((size_t)s.n, sizeof(int));
	ck_assert(s.claims && s.outcome);
	pthread_mutex_init(&s.lock, NULL);
	h_user(&s.buyer);
	h_user(&s.shopper);
	h_fund(&s.buyer, H.cur, "60");
	h_supply(&sup, &s.shopper, H.cur, "60");
	for (int i = 0; i < s.n; i++) {
		char id[W3W_ID_SIZE];
		h_order(id, &s.buyer, H.cur, "1");
		h_claim(&s.claims[i], &s.shopper, id);
	}
	run_workers(ws, 4, settle_thread, &s);
	ck_assert_int_eq(total(ws, 4, W3W_OK), s.n);
	ck_assert_int_eq(total(ws, 4, W3W_ESTATE), 3 * s.n);
	for (int i = 0; i < s.n; i++) {
		w3w_claim g;
		ck_assert_int_ne(s.outcome[i], 0);
		H_OK(w3w_claim_get(&g, H.ctx, &H.admin, s.claims[i].id));
		ck_assert_int_eq(g.status, s.outcome[i] == 1 ? W3W_CLAIM_PROCESSED : W3W_CLAIM_RELEASED);
		ck_assert_int_eq(h_order_status(s.claims[i].order_id),
			s.outcome[i] == 1 ? W3W_ORDER_COMPLETED : W3W_ORDER_OPEN);
		processed += s.outcome[i] == 1;
	}
	{
		w3w_supply g;
		w3w_account acc;
		H_OK(w3w_supply_get(&g, H.ctx, &H.admin, sup.id));
		ck_assert_int_eq(g.reserved, 0);
		ck_assert_int_eq(g.amount, h_amt("60") - processed * h_amt("1"));
		h_account(&acc, s.shopper.user_id, H.cur);
		ck_assert_int_eq(acc.balance, processed * h_amt("1"));
	}
	pthread_mutex_destroy(&s.lock);
	free(s.claims);
	free(s.outcome);
}
END_TEST

/* ---- cancel against claim of the same open orders --------------------------- */

typedef struct cancel_claim {
	w3w_actor buyer, shoppers[3];
	char (*orders)[W3W_ID_SIZE];
	int n;
	int *cancelled;            /* set by the canceller's win */
	int *claimed;              /* count of claim wins */
	pthread_mutex_t lock;
} cancel_claim;

static void *cancel_claim_thread(void *p)
{
	worker *w = p;
	cancel_claim *cc = w->shared;
	pthread_barrier_wait(w->barrier);
	for (int i = 0; i < cc->n; i++) {
		w3w_status st;
		if (w->index == 0) {
			st = w3w_order_cancel(NULL, w->ctx, &cc->buyer, cc->orders[i], NULL);
			count(w, st, W3W_ECONFLICT, W3W_ECONFLICT);
		} else {
			w3w_claim c;
			st = w3w_claim_order(&c, w->ctx, &cc->shoppers[w->index - 1], cc->orders[i], NULL);
			count(w, st, W3W_ECONFLICT, W3W_ESTATE);
		}
		if (st == W3W_OK) {
			pthread_mutex_lock(&cc->lock);
			if (w->index == 0)
				cc->cancelled[i] = 1;
			else
				cc->claimed[i]++;
			pthread_mutex_unlock(&cc->lock);
		}
	}
	return NULL;
}

START_TEST(cancel_against_claim_race)
{
	worker ws[4];
	cancel_claim cc;
	int n_cancelled = 0;
	w3w_account acc;

	memset(&cc, 0, sizeof(cc));
	cc.n = 80;
	cc.orders = calloc((size_t)cc.n, W3W_ID_SIZE);
	cc.cancelled = calloc((size_t)cc.n, sizeof(int));
	cc.claimed = calloc((size_t)cc.n, sizeof(int));
	ck_assert(cc.orders && cc.cancelled && cc.claimed);
	pthread_mutex_init(&cc.lock, NULL);
	h_user(&cc.buyer);
	h_fund(&cc.buyer, H.cur, "80");
	for (int k = 0; k < 3; k++) {
		h_user(&cc.shoppers[k]);
		h_supply(NULL, &cc.shoppers[k], H.cur, "80");
	}
	for (int i = 0; i < cc.n; i++)
		h_order(cc.orders[i], &cc.buyer, H.cur, "1");
	run_workers(ws, 4, cancel_claim_thread, &cc);
	for (int i = 0; i < cc.n; i++) {
		w3w_claim c;
		w3w_status st = w3w_claim_get_by_order(&c, H.ctx, &H.admin, cc.orders[i]);
		ck_assert_msg(cc.cancelled[i] + cc.claimed[i] == 1, "order %d: cancelled %d, claimed %d", i,
			cc.cancelled[i], cc.claimed[i]);
		if (cc.cancelled[i]) {
			ck_assert_int_eq(h_order_status(cc.orders[i]), W3W_ORDER_CANCELLED);
			ck_assert_int_eq(st, W3W_ENOTFOUND);
			n_cancelled++;
		} else {
			ck_assert_int_eq(h_order_status(cc.orders[i]), W3W_ORDER_CLAIMED);
			ck_assert_int_eq(st, W3W_OK);
		}
	}
	h_account(&acc, cc.buyer.user_id, H.cur);
	ck_assert_int_eq(acc.held, (cc.n - n_cancelled) * h_amt("1"));
	pthread_mutex_destroy(&cc.lock);
	free(cc.orders);
	free(cc.cancelled);
	free(cc.claimed);
}
END_TEST

/* ---- deposits racing for one reference ----------------------------------- */

typedef struct same_ref {
	w3w_actor user;
	char ref[64];
} same_ref;

static void *same_ref_thread(void *p)
{
	worker *w = p;
	same_ref *r = w->shared;
	pthread_barrier_wait(w->barrier);
	count(w, w3w_deposit(NULL, w->ctx, &H.service, r->user.user_id, H.cur, h_amt("1"), r->ref, NULL),
		W3W_ECONFLICT, W3W_ECONFLICT);
	return NULL;
}

START_TEST(deposit_reference_race)
{
	worker ws[N_THREADS];
	same_ref r;
	w3w_account acc;
	char id[W3W_ID_SIZE];

	h_user(&r.user);
	h_new_id(id);
	snprintf(r.ref, sizeof(r.ref), "race-%s", id);
	run_workers(ws, N_THREADS, same_ref_thread, &r);
	ck_assert_int_eq(total(ws, N_THREADS, W3W_OK), 1);
	ck_assert_int_eq(total(ws, N_THREADS, W3W_ECONFLICT), N_THREADS - 1);
	h_account(&acc, r.user.user_id, H.cur);
	ck_assert_int_eq(acc.balance, h_amt("1"));
}
END_TEST

/* ---- the owner lowers and deletes a supply while it is being claimed ------- */

typedef struct shrink {
	w3w_actor shopper;
	w3w_supply supply;
	char (*orders)[W3W_ID_SIZE];
	int n;
} shrink;

static void *shrink_thread(void *p)
{
	worker *w = p;
	shrink *s = w->shared;
	pthread_barrier_wait(w->barrier);
	if (w->index == 0) {
		/* The owner: lower the amount to 20 again and again, then try to delete. */
		w3w_supply_patch patch = W3W_SUPPLY_PATCH_INIT;
		w3w_supply out;
		patch.set_amount = 1;
		patch.amount = h_amt("20");
		for (int i = 0; i < s->n; i++)
			count(w, w3w_supply_update(&out, w->ctx, &s->shopper, s->supply.id, &patch, NULL),
				W3W_ECONFLICT, W3W_ECONFLICT);
		count(w, w3w_supply_delete(&out, w->ctx, &s->shopper, s->supply.id, NULL), W3W_ECONFLICT,
			W3W_ECONFLICT);
	} else {
		for (int i = w->index - 1; i < s->n; i += 3) {
			w3w_claim c;
			count(w, w3w_claim_order(&c, w->ctx, &s->shopper, s->orders[i], NULL), W3W_EINSUFFICIENT,
				W3W_EINSUFFICIENT);
		}
	}
	return NULL;
}

START_TEST(supply_shrink_against_claims_race)
{
	worker ws[4];
	shrink s;
	w3w_actor buyer;
	w3w_supply g;
	w3w_ledger_totals t;
	int claims_won;

	s.n = 40;
	s.orders = calloc((size_t)s.n, W3W_ID_SIZE);
	ck_assert_ptr_nonnull(s.orders);
	h_user(&buyer);
	h_user(&s.shopper);
	h_fund(&buyer, H.cur, "40");
	h_supply(&s.supply, &s.shopper, H.cur, "100");
	for (int i = 0; i < s.n; i++)
		h_order(s.orders[i], &buyer, H.cur, "1");
	run_workers(ws, 4, shrink_thread, &s);
	claims_won = ws[1].counts[0] + ws[2].counts[0] + ws[3].counts[0];
	H_OK(w3w_supply_get(&g, H.ctx, &H.admin, s.supply.id));
	ck_assert_msg(g.reserved <= g.amount, "reserved %lld > amount %lld", (long long)g.reserved,
		(long long)g.amount);
	ck_assert_int_eq(g.reserved, claims_won * h_amt("1"));
	if (g.status == W3W_SUPPLY_DELETED)
		ck_assert_int_eq(g.reserved, 0);
	h_totals(&t, H.cur);
	ck_assert_int_eq(t.reserved, g.reserved);
	free(s.orders);
}
END_TEST

TCase *conf_races_tcase(void)
{
	TCase *tc = h_tcase("races");
	tcase_add_test(tc, overdraft_race);
	tcase_add_test(tc, supply_capacity_race);
	tcase_add_test(tc, process_against_release_race);
	tcase_add_test(tc, cancel_against_claim_race);
	tcase_add_test(tc, deposit_reference_race);
	tcase_add_test(tc, supply_shrink_against_claims_race);
	return tc;
}

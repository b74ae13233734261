/*
 * The race: 8 threads — 4 with their own context, 4 sharing one — claim
 * the same open orders at once (1,000 by default; env W3W_RACE_ORDERS).
 * Then each winner processes half of its claims and releases a quarter.
 *
 * Afterwards: every order was won exactly once; every loser got
 * W3W_ECONFLICT and nothing else; each order's live claim is its winner's
 * (none if released); reserved = pending claims; the ledger is conserved;
 * the outbox grew by exactly the number of committed commands.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

#define N_THREADS 8
#define N_OWN_CTX 4
#define N_BUYERS 4
#define ORDER_AMOUNT "1.5"

typedef struct racer {
	int index;
	int n_orders;
	char (*orders)[W3W_ID_SIZE];
	pthread_barrier_t *barrier;
	w3w_ctx *ctx;
	w3w_actor shopper, processor;
	w3w_supply supply;

	/* Results, read after join. */
	int *won;                      /* order indexes, in claim order */
	char (*claims)[W3W_ID_SIZE];
	int n_won;
	int lost;                      /* W3W_ECONFLICT */
	int other;                     /* anything else: a failure */
	char other_msg[320];
	int processed, released;
	int phase2_failures;
	char phase2_msg[320];
} racer;

enum { FATE_PENDING = 0, FATE_PROCESSED = 1, FATE_RELEASED = 2 };

static int fate_of(int k)
{
	if (k % 2 == 0)
		return FATE_PROCESSED;
	return k % 4 == 1 ? FATE_RELEASED : FATE_PENDING;
}

static void *race_thread(void *p)
{
	racer *r = p;

	pthread_barrier_wait(r->barrier);
	for (int i = 0; i < r->n_orders; i++) {
		w3w_claim c;
		w3w_status st = w3w_claim_order(&c, r->ctx, &r->shopper, r->orders[i], NULL);
		if (st == W3W_OK) {
			r->won[r->n_won] = i;
			memcpy(r->claims[r->n_won], c.id, W3W_ID_SIZE);
			r->n_won++;
		} else if (st == W3W_ECONFLICT) {
			r->lost++;
		} else if (r->other++ == 0) {
			snprintf(r->other_msg, sizeof(r->other_msg), "order %d: %s (%s)", i,
				w3w_status_name(st), w3w_error_message());
		}
	}
	/* Everyone has claimed; now settle and release concurrently. */
	pthread_barrier_wait(r->barrier);
	for (int k = 0; k < r->n_won; k++) {
		w3w_claim c;
		w3w_status st = W3W_OK;
		switch (fate_of(k)) {
		case FATE_PROCESSED:
			st = w3w_claim_process(&c, r->ctx, &r->processor, r->claims[k], NULL);
			if (st == W3W_OK)
				r->processed++;
			break;
		case FATE_RELEASED:
			st = w3w_claim_release(&c, r->ctx, &r->shopper, r->claims[k], NULL);
			if (st == W3W_OK)
				r->released++;
			break;
		default:
			break;
		}
		if (st != W3W_OK && r->phase2_failures++ == 0)
			snprintf(r->phase2_msg, sizeof(r->phase2_msg), "claim %s: %s (%s)", r->claims[k],
				w3w_status_name(st), w3w_error_message());
	}
	return NULL;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

START_TEST(race)
{
	const char *env = getenv("W3W_RACE_ORDERS");
	/* Under Valgrind (W3W_VALGRIND=1) threads run serialized: fewer orders. */
	int n = env && atoi(env) > 0 ? atoi(env) : getenv("W3W_VALGRIND") ? 200 : 1000;
	char (*orders)[W3W_ID_SIZE] = calloc((size_t)n, W3W_ID_SIZE);
	int *winner = malloc(sizeof(int) * (size_t)n);
	int *fate = malloc(sizeof(int) * (size_t)n);
	char (*winning_claim)[W3W_ID_SIZE] = calloc((size_t)n, W3W_ID_SIZE);
	racer rs[N_THREADS];
	pthread_t th[N_THREADS];
	pthread_barrier_t barrier;
	w3w_actor buyers[N_BUYERS];
	w3w_ctx *own[N_OWN_CTX], *shared, *verify;
	w3w_amount order_amount = h_amt(ORDER_AMOUNT);
	int64_t outbox_before, outbox_after;
	int total_won = 0, total_lost = 0, processed = 0, released = 0, pending = 0;
	struct timespec t0;
	char supply_amount[32];
	w3w_ledger_totals tot;

	ck_assert(orders && winner && fate && winning_claim);
	clock_gettime(CLOCK_MONOTONIC, &t0);

	/* Buyers with funds, and their open orders. */
	for (int b = 0; b < N_BUYERS; b++) {
		char funds[32];
		h_user(&buyers[b]);
		snprintf(funds, sizeof(funds), "%d", (n / N_BUYERS + 1) * 2);
		h_fund(&buyers[b], H.cur, funds);
	}
	for (int i = 0; i < n; i++)
		h_order(orders[i], &buyers[i % N_BUYERS], H.cur, ORDER_AMOUNT);

	/* Contexts: 4 of their own (with background relays), 1 shared by 4 threads. */
	for (int c = 0; c < N_OWN_CTX; c++)
		own[c] = h_ctx_open(1);
	shared = h_ctx_open(1);
	pthread_barrier_init(&barrier, NULL, N_THREADS);
	snprintf(supply_amount, sizeof(supply_amount), "%d", n * 2);
	memset(rs, 0, sizeof(rs));
	for (int t = 0; t < N_THREADS; t++) {
		racer *r = &rs[t];
		r->index = t;
		r->n_orders = n;
		r->orders = orders;
		r->barrier = &barrier;
		r->ctx = t < N_OWN_CTX ? own[t] : shared;
		h_user(&r->shopper);
		h_actor(&r->processor, W3W_ROLE_SERVICE);
		h_supply(&r->supply, &r->shopper, H.cur, supply_amount);
		r->won = malloc(sizeof(int) * (size_t)n);
		r->claims = calloc((size_t)n, W3W_ID_SIZE);
		ck_assert(r->won && r->claims);
	}
	printf("race: setup of %d orders took %.1f s\n", n, seconds_since(&t0));
	outbox_before = h_outbox_total();

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int t = 0; t < N_THREADS; t++)
		ck_assert_int_eq(pthread_create(&th[t], NULL, race_thread, &rs[t]), 0);
	for (int t = 0; t < N_THREADS; t++)
		pthread_join(th[t], NULL);
	printf("race: %d claim attempts, processing and releasing took %.1f s\n", n * N_THREADS,
		seconds_since(&t0));
	pthread_barrier_destroy(&barrier);

	/* Every attempt won or lost with W3W_ECONFLICT; each order won once. */
	for (int i = 0; i < n; i++)
		winner[i] = -1;
	for (int t = 0; t < N_THREADS; t++) {
		racer *r = &rs[t];
		ck_assert_msg(r->other == 0, "thread %d: %d claims failed otherwise than conflict, first: %s",
			t, r->other, r->other_msg);
		ck_assert_msg(r->phase2_failures == 0, "thread %d: %d process/release failures, first: %s",
			t, r->phase2_failures, r->phase2_msg);
		ck_assert_int_eq(r->n_won + r->lost, n);
		for (int k = 0; k < r->n_won; k++) {
			int i = r->won[k];
			if (winner[i] != -1)
				ck_abort_msg("order %d won by threads %d and %d", i, winner[i], t);
			winner[i] = t;
			fate[i] = fate_of(k);
			memcpy(winning_claim[i], r->claims[k], W3W_ID_SIZE);
		}
		total_won += r->n_won;
		total_lost += r->lost;
		processed += r->processed;
		released += r->released;
	}
	ck_assert_int_eq(total_won, n);
	ck_assert_int_eq(total_lost, n * (N_THREADS - 1));
	pending = n - processed - released;
	printf("race: %d won, %d lost, %d processed, %d released, %d pending\n", total_won, total_lost,
		processed, released, pending);

	/* Let the relays finish before closing, then read through a fresh context. */
	for (int c = 0; c < N_OWN_CTX; c++)
		w3w_ctx_close(own[c]);
	w3w_ctx_close(shared);
	verify = h_ctx_open(0);
	/* Plain checks in this loop: every ck_assert is a write to Check's pipe. */
	for (int i = 0; i < n; i++) {
		w3w_claim c;
		w3w_order *o = NULL;
		w3w_status st = w3w_claim_get_by_order(&c, verify, &H.admin, orders[i]);
		w3w_status ost = w3w_order_get(&o, verify, &H.admin, orders[i]);
		int order_status = ost == W3W_OK ? (int)o->status : 0;
		w3w_order_free(o);
		if (ost != W3W_OK)
			ck_abort_msg("order %d: %s", i, w3w_status_name(ost));
		if (fate[i] == FATE_RELEASED) {
			if (st != W3W_ENOTFOUND || order_status != W3W_ORDER_OPEN)
				ck_abort_msg("released order %d: live claim %s, order %s", i, w3w_status_name(st),
					w3w_order_status_name(order_status));
		} else {
			int want_claim = fate[i] == FATE_PROCESSED ? W3W_CLAIM_PROCESSED : W3W_CLAIM_PENDING;
			int want_order = fate[i] == FATE_PROCESSED ? W3W_ORDER_COMPLETED : W3W_ORDER_CLAIMED;
			if (st != W3W_OK)
				ck_abort_msg("order %d: live claim %s", i, w3w_status_name(st));
			if (strcmp(c.id, winning_claim[i]) != 0 || strcmp(c.user_id, rs[winner[i]].shopper.user_id) != 0 ||
			    strcmp(c.supply_id, rs[winner[i]].supply.id) != 0)
				ck_abort_msg("order %d: live claim %s is not the winner's %s", i, c.id, winning_claim[i]);
			if ((int)c.status != want_claim || order_status != want_order)
				ck_abort_msg("order %d: claim %s, order %s", i, w3w_claim_status_name(c.status),
					w3w_order_status_name(order_status));
		}
	}

	/* Supplies: reserved = pending claims, amount used by processed ones. */
	{
		w3w_amount reserved = 0, amount = 0;
		for (int t = 0; t < N_THREADS; t++) {
			w3w_supply s;
			w3w_account acc;
			int t_pending = 0, t_processed = 0;
			for (int k = 0; k < rs[t].n_won; k++) {
				if (fate_of(k) == FATE_PENDING)
					t_pending++;
				else if (fate_of(k) == FATE_PROCESSED)
					t_processed++;
			}
			H_OK(w3w_supply_get(&s, verify, &H.admin, rs[t].supply.id));
			ck_assert_int_eq(s.reserved, t_pending * order_amount);
			ck_assert_int_eq(s.amount, h_amt(supply_amount) - t_processed * order_amount);
			h_account(&acc, rs[t].shopper.user_id, H.cur);
			ck_assert_int_eq(acc.balance, t_processed * order_amount);
			reserved += s.reserved;
			amount += s.amount;
		}
		ck_assert_int_eq(reserved, pending * order_amount);
		ck_assert_int_eq(amount, (int64_t)N_THREADS * h_amt(supply_amount) - processed * order_amount);
	}
	h_totals(&tot, H.cur);
	ck_assert_int_eq(tot.reserved, pending * order_amount);
	ck_assert_int_eq(tot.live_claims, pending * order_amount);
	ck_assert_int_eq(tot.escrow, (int64_t)(n - processed) * order_amount);
	ck_assert_int_eq(tot.held, tot.escrow);
	ck_assert_int_eq(tot.balances, tot.deposits - tot.withdrawals);
	ck_assert_int_eq(tot.entries_sum_zero, 1);

	/* One event per committed command, none for the 7,000 conflicts. */
	outbox_after = h_outbox_total();
	ck_assert_msg(outbox_after - outbox_before == total_won + processed + released,
		"outbox grew by %lld, committed commands: %d", (long long)(outbox_after - outbox_before),
		total_won + processed + released);

	/* Five contexts sealed the audit chain concurrently: it still verifies. */
	{
		w3w_audit_report rep;
		H_OK(w3w_audit_verify(&rep, verify, &H.auditor));
		ck_assert_msg(rep.ok == 1, "audit chain broken at %lld: %s", (long long)rep.first_bad, rep.reason);
		ck_assert_int_gt(rep.records, n);
	}

	w3w_ctx_close(verify);
	for (int t = 0; t < N_THREADS; t++) {
		free(rs[t].won);
		free(rs[t].claims);
	}
	free(orders);
	free(winner);
	free(fate);
	free(winning_claim);
}
END_TEST

TCase *conf_race_tcase(void)
{
	TCase *tc = h_tcase("race");
	tcase_add_test(tc, race);
	return tc;
}

/* The storage contract: shoppers racing for the same orders on one handle; each order has one winner. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contract.h"

#define RACE_ORDERS 200
#define RACE_THREADS 8

typedef struct racer {
	char shopper[W3W_ID_SIZE];
	char (*orders)[W3W_ID_SIZE];
	int won, lost, other;
	char why[256];   /* the first unexpected answer (the error message is thread-local) */
	unsigned int seed;
} racer;

static void *race_thread(void *arg)
{
	racer *r = arg;
	int idx[RACE_ORDERS];

	for (int i = 0; i < RACE_ORDERS; i++)
		idx[i] = i;
	for (int i = RACE_ORDERS - 1; i > 0; i--) {
		int j = (int)(rand_r(&r->seed) % (unsigned)(i + 1)), t = idx[i];
		idx[i] = idx[j];
		idx[j] = t;
	}
	for (int i = 0; i < RACE_ORDERS; i++) {
		w3w_status s = claim_in(st, r->orders[idx[i]], r->shopper, NULL, NULL, NULL);
		if (s == W3W_OK)
			r->won++;
		else if (s == W3W_ECONFLICT)
			r->lost++;
		else if (r->other++ == 0)
			snprintf(r->why, sizeof(r->why), "%d %s", s, w3w_error_message());
	}
	return NULL;
}

START_TEST(test_claim_race_one_winner_each)
{
	static char orders[RACE_ORDERS][W3W_ID_SIZE];
	racer r[RACE_THREADS];
	pthread_t th[RACE_THREADS];
	int won = 0, lost = 0;
	int64_t events;
	w3w_ledger_totals t;

	ck_assert_int_eq(deposit(BUYER, RACE_ORDERS * COIN), W3W_OK);
	for (int i = 0; i < RACE_ORDERS; i++)
		ck_assert_int_eq(order_create(BUYER, COIN, 1, orders[i]), W3W_OK);
	for (int i = 0; i < RACE_THREADS; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		new_id(r[i].shopper);
		r[i].orders = orders;
		r[i].seed = (unsigned)i * 7919u + 1u;
		ck_assert_int_eq(supply_create(r[i].shopper, RACE_ORDERS * COIN, NULL), W3W_OK);
	}
	events = outbox_total();
	for (int i = 0; i < RACE_THREADS; i++)
		pthread_create(&th[i], NULL, race_thread, &r[i]);
	for (int i = 0; i < RACE_THREADS; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < RACE_THREADS; i++) {
		ck_assert_msg(r[i].other == 0, "thread %d: %d unexpected answers, first: %s", i, r[i].other, r[i].why);
		won += r[i].won;
		lost += r[i].lost;
	}
	ck_assert_int_eq(won, RACE_ORDERS);
	ck_assert_int_eq(lost, RACE_ORDERS * (RACE_THREADS - 1));
	/* One claim event per order, every order claimed, one live claim each. */
	ck_assert_int_eq(outbox_total(), events + RACE_ORDERS);
	for (int i = 0; i < RACE_ORDERS; i++) {
		w3w_claim live;
		ck_assert_int_eq(order_status(orders[i]), W3W_ORDER_CLAIMED);
		ck_assert_int_eq(st->market->claim_get_live(st, orders[i], &live), W3W_OK);
		ck_assert_int_eq(live.status, W3W_CLAIM_PENDING);
	}
	ck_assert_int_eq(st->market->ledger_totals(st, "USDT", &t), W3W_OK);
	ck_assert_int_eq(t.reserved, RACE_ORDERS * COIN);
	check_invariants();
}
END_TEST

TCase *contract_races_tcase(void)
{
	TCase *tc = tcase_create("races");

	tcase_add_test(tc, test_claim_race_one_winner_each);
	return tc;
}

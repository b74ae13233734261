/* The storage contract: relays on their own handles share the outbox, in seq order, each event once. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "contract.h"

#define RELAYS 4

static void events_free(w3w_event *ev, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ev[i].payload);
	free(ev);
}

#define RELAY_EVENTS 300

typedef struct relay {
	w3w_storage *st;
	int64_t got[RELAY_EVENTS];
	int n;
	w3w_status rc;
	int out_of_order;
} relay;

static int64_t relays_last; /* highest seq published by any relay (under relays_mu) */
static pthread_mutex_t relays_mu = PTHREAD_MUTEX_INITIALIZER;

/* A relay: take, "publish" (check global seq order), ack; until the outbox is empty. */
static void *relay_run(void *arg)
{
	relay *r = arg;
	int idle = 0;

	while (idle < 50 && r->rc == W3W_OK) {
		w3w_event *ev = NULL;
		size_t n = 0;
		int64_t seqs[16];
		if ((r->rc = r->st->outbox->take(r->st, 16, 5000, &ev, &n)) != W3W_OK)
			break;
		if (n == 0) {
			idle++;
			usleep(2000);
			continue;
		}
		idle = 0;
		pthread_mutex_lock(&relays_mu);
		for (size_t i = 0; i < n; i++) {
			if (ev[i].seq <= relays_last)
				r->out_of_order++;
			relays_last = ev[i].seq;
			if (r->n < RELAY_EVENTS)
				r->got[r->n++] = ev[i].seq;
			seqs[i] = ev[i].seq;
		}
		pthread_mutex_unlock(&relays_mu);
		r->rc = r->st->outbox->ack(r->st, seqs, n);
		events_free(ev, n);
	}
	return NULL;
}

START_TEST(test_outbox_relays_never_overlap)
{
	char user[W3W_ID_SIZE];
	relay r[RELAYS];
	pthread_t th[RELAYS];
	w3w_storage *other[RELAYS];
	int total = 0;
	static char seen[RELAY_EVENTS + 1];
	int64_t first = INT64_MAX;
	w3w_outbox_stats stats;

	new_id(user);
	for (int i = 0; i < RELAY_EVENTS; i++)
		ck_assert_int_eq(supply_create(user, COIN, NULL), W3W_OK);
	relays_last = 0;
	memset(seen, 0, sizeof(seen));
	/* Each relay on its own storage handle, as if in its own process. */
	for (int i = 0; i < RELAYS; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		contract_open_second(&other[i], 2);
		r[i].st = other[i];
		pthread_create(&th[i], NULL, relay_run, &r[i]);
	}
	for (int i = 0; i < RELAYS; i++)
		pthread_join(th[i], NULL);
	/* The lowest seq published (the outbox's first: all of them are, see total below). */
	for (int i = 0; i < RELAYS; i++)
		for (int k = 0; k < r[i].n; k++)
			first = r[i].got[k] < first ? r[i].got[k] : first;
	for (int i = 0; i < RELAYS; i++) {
		ck_assert_int_eq(r[i].rc, W3W_OK);
		ck_assert_int_eq(r[i].out_of_order, 0);
		for (int k = 0; k < r[i].n; k++) {
			int64_t idx = r[i].got[k] - first;
			ck_assert_int_ge(idx, 0);
			ck_assert_int_lt(idx, RELAY_EVENTS);
			ck_assert_msg(!seen[idx], "seq %lld published twice", (long long)r[i].got[k]);
			seen[idx] = 1;
		}
		total += r[i].n;
		other[i]->free(other[i]);
	}
	ck_assert_int_eq(total, RELAY_EVENTS);
	ck_assert_int_eq(st->outbox->stats(st, &stats), W3W_OK);
	ck_assert_int_eq(stats.pending, 0);
}
END_TEST

TCase *contract_relays_tcase(void)
{
	TCase *tc = tcase_create("relays");

	tcase_add_test(tc, test_outbox_relays_never_overlap);
	return tc;
}

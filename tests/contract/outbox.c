/* The storage contract: take, lease, ack. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "contract.h"

static void events_free(w3w_event *ev, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ev[i].payload);
	free(ev);
}

START_TEST(test_outbox_take_lease_ack)
{
	w3w_event *ev = NULL, *ev2 = NULL;
	size_t n = 0, n2 = 0;
	w3w_outbox_stats s;
	int64_t seqs[3];

	ck_assert_int_eq(st->outbox->stats(st, &s), W3W_OK);
	ck_assert_int_eq(s.total, 0);
	ck_assert_int_eq(s.oldest_pending_at, 0);
	ck_assert_int_eq(st->outbox->take(st, 10, 60000, &ev, &n), W3W_OK);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(ev);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(deposit(BUYER, COIN), W3W_OK);
	ck_assert_int_eq(st->outbox->stats(st, &s), W3W_OK);
	ck_assert_int_eq(s.total, 5);
	ck_assert_int_eq(s.pending, 5);
	ck_assert_int_gt(s.oldest_pending_at, 0);

	ck_assert_int_eq(st->outbox->take(st, 3, 60000, &ev, &n), W3W_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_lt(ev[0].seq, ev[1].seq);
	ck_assert_int_lt(ev[1].seq, ev[2].seq);
	ck_assert_str_eq(ev[0].payload, payload);
	ck_assert_str_eq(ev[0].type, "wallet.moved");
	ck_assert_str_eq(ev[0].topic, "test-events");
	ck_assert_str_eq(ev[0].region, "local");
	ck_assert_str_eq(ev[0].actor_id, ADMIN);
	ck_assert_int_gt(ev[0].created_at, 0);

	/* While a batch is leased, no other relay takes anything (per-key order). */
	ck_assert_int_eq(st->outbox->take(st, 10, 60000, &ev2, &n2), W3W_OK);
	ck_assert_uint_eq(n2, 0);
	ck_assert_ptr_null(ev2);

	for (size_t i = 0; i < n; i++)
		seqs[i] = ev[i].seq;
	events_free(ev, n);
	ck_assert_int_eq(st->outbox->ack(st, seqs, 3), W3W_OK);
	ck_assert_int_eq(st->outbox->ack(st, seqs, 3), W3W_OK); /* acking twice is harmless */
	ck_assert_int_eq(st->outbox->stats(st, &s), W3W_OK);
	ck_assert_int_eq(s.total, 5);
	ck_assert_int_eq(s.pending, 2);

	/* Acked: the rest comes next, in order. A short lease, acked only in part. */
	ck_assert_int_eq(st->outbox->take(st, 10, 1, &ev, &n), W3W_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_gt(ev[0].seq, seqs[2]);
	seqs[0] = ev[0].seq;
	seqs[1] = ev[1].seq;
	events_free(ev, n);
	ck_assert_int_eq(st->outbox->ack(st, seqs, 1), W3W_OK);
	/* The lease ended unacknowledged (a relay died): the rest is taken again, in order. */
	usleep(5000);
	ck_assert_int_eq(deposit(BUYER, COIN), W3W_OK);
	ck_assert_int_eq(st->outbox->take(st, 10, 60000, &ev, &n), W3W_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(ev[0].seq, seqs[1]);
	seqs[2] = ev[1].seq;   /* the newest event */
	events_free(ev, n);
	ck_assert_int_eq(st->outbox->take(st, 10, 60000, &ev, &n), W3W_OK);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(st->outbox->take(st, 0, 60000, &ev, &n), W3W_OK);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(st->outbox->stats(st, &s), W3W_OK);
	ck_assert_int_eq(s.total, 6);
	ck_assert_int_eq(s.pending, 2);
	ck_assert_int_eq(s.last_seq, seqs[2]);
}
END_TEST

/* ---- audit ---------------------------------------------------------------- */

/* A stand-in chain hash: any pure function of (prev, record) will do here. */

/* events_of (outbox version 2): one aggregate's events, sent or not, in seq order, paged by seq. */
START_TEST(test_outbox_events_of_an_aggregate)
{
	char order[W3W_ID_SIZE], other[W3W_ID_SIZE], nobody[W3W_ID_SIZE];
	w3w_event *ev = NULL, *taken = NULL;
	w3w_claim c;
	size_t n = 0, nt = 0;
	int64_t seq;

	ck_assert_int_eq(deposit(BUYER, 100 * COIN), W3W_OK);
	ck_assert_int_eq(supply_create(SHOPPER, 50 * COIN, NULL), W3W_OK);
	ck_assert_int_eq(order_create(BUYER, COIN, 1, order), W3W_OK);
	ck_assert_int_eq(order_create(BUYER, COIN, 2, other), W3W_OK);
	/* Some events sent already: they are listed all the same. */
	ck_assert_int_eq(st->outbox->take(st, 100, 60000, &taken, &nt), W3W_OK);
	for (size_t i = 0; i < nt; i++) {
		seq = taken[i].seq;
		ck_assert_int_eq(st->outbox->ack(st, &seq, 1), W3W_OK);
	}
	events_free(taken, nt);
	ck_assert_int_eq(claim(order, SHOPPER, &c), W3W_OK);
	ck_assert_int_eq(claim_release(c.id, NULL), W3W_OK);

	ck_assert_int_eq(st->outbox->events_of(st, order, 0, 10, &ev, &n), W3W_OK);
	ck_assert_uint_eq(n, 2); /* created (sent), claimed; the release is its claim's here (helpers.c) */
	for (size_t i = 0; i < n; i++) {
		ck_assert_str_eq(ev[i].aggregate_id, order);
		ck_assert_ptr_nonnull(ev[i].payload);
		if (i)
			ck_assert_int_gt(ev[i].seq, ev[i - 1].seq);
	}
	ck_assert_str_eq(ev[0].type, "order.created");
	ck_assert_str_eq(ev[1].type, "order.claimed");
	seq = ev[0].seq;
	events_free(ev, n);
	/* Paged by seq, bounded by max. */
	ck_assert_int_eq(st->outbox->events_of(st, order, seq, 1, &ev, &n), W3W_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(ev[0].type, "order.claimed");
	events_free(ev, n);
	ck_assert_int_eq(st->outbox->events_of(st, other, 0, 10, &ev, &n), W3W_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(ev[0].aggregate_id, other);
	events_free(ev, n);
	new_id(nobody);
	ck_assert_int_eq(st->outbox->events_of(st, nobody, 0, 10, &ev, &n), W3W_OK);
	ck_assert_uint_eq(n, 0);
	free(ev);
}
END_TEST

TCase *contract_outbox_tcase(void)
{
	TCase *tc = tcase_create("outbox");

	tcase_add_test(tc, test_outbox_take_lease_ack);
	tcase_add_test(tc, test_outbox_events_of_an_aggregate);
	return tc;
}

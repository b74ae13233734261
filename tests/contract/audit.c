/* The storage contract: append, seal, read. */
#include <stdlib.h>
#include <string.h>

#include <pthread.h>
#include <sodium.h>

#include "contract.h"

static void test_hash(unsigned char hash[32], const unsigned char prev[32], const w3w_audit_record *r)
{
	for (int i = 0; i < 32; i++)
		hash[i] = (unsigned char)(prev[i] * 31 + (unsigned char)r->id[i % 36] + (unsigned char)r->chain_pos + i);
}

START_TEST(test_audit_append_seal_read)
{
	w3w_audit_record rec, *recs = NULL;
	size_t sealed = 0, n = 0;
	int64_t unsealed = -1;
	unsigned char zero[32] = { 0 }, expect[32];

	ck_assert_int_eq(deposit(BUYER, COIN), W3W_OK);
	memset(&rec, 0, sizeof(rec));
	new_id(rec.id);
	strcpy(rec.actor_id, SHOPPER);
	strcpy(rec.action, "order.cancel");
	strcpy(rec.outcome, "forbidden");
	rec.created_at = tick();
	ck_assert_int_eq(st->audit->append(st, &rec), W3W_OK);
	ck_assert_int_eq(deposit(BUYER, COIN), W3W_OK);
	ck_assert_int_eq(st->audit->unsealed(st, &unsealed), W3W_OK);
	ck_assert_int_eq(unsealed, 3);

	ck_assert_int_eq(st->audit->seal(st, test_hash, 2, &sealed), W3W_OK);
	ck_assert_uint_eq(sealed, 2);
	ck_assert_int_eq(st->audit->unsealed(st, &unsealed), W3W_OK);
	ck_assert_int_eq(unsealed, 1);
	ck_assert_int_eq(deposit(BUYER, COIN), W3W_OK);
	ck_assert_int_eq(st->audit->seal(st, test_hash, 0, &sealed), W3W_OK);
	ck_assert_uint_eq(sealed, 2);
	ck_assert_int_eq(st->audit->seal(st, test_hash, 0, NULL), W3W_OK);

	ck_assert_int_eq(st->audit->read(st, 0, 100, &recs, &n), W3W_OK);
	ck_assert_uint_eq(n, 4);
	/* Write order; each links to the previous hash; the hash is fn(prev, record). */
	ck_assert_str_eq(recs[1].id, rec.id);
	ck_assert_str_eq(recs[1].outcome, "forbidden");
	ck_assert_str_eq(recs[1].target_id, "");
	ck_assert_mem_eq(recs[0].prev_hash, zero, 32);
	for (size_t i = 0; i < n; i++) {
		ck_assert_int_eq(recs[i].chain_pos, (int64_t)i + 1);
		if (i)
			ck_assert_mem_eq(recs[i].prev_hash, recs[i - 1].hash, 32);
		test_hash(expect, recs[i].prev_hash, &recs[i]);
		ck_assert_mem_eq(recs[i].hash, expect, 32);
	}
	free(recs);
	ck_assert_int_eq(st->audit->read(st, 2, 1, &recs, &n), W3W_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(recs[0].chain_pos, 3);
	free(recs);
	ck_assert_int_eq(st->audit->read(st, 4, 10, &recs, &n), W3W_OK);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(recs);
}
END_TEST

/* A hash over every field, so a record read back must equal the one sealed. */
static void record_hash(unsigned char hash[32], const unsigned char prev[32], const w3w_audit_record *r)
{
	crypto_generichash_state s;
	crypto_generichash_init(&s, NULL, 0, 32);
	crypto_generichash_update(&s, prev, 32);
	crypto_generichash_update(&s, (const unsigned char *)&r->chain_pos, sizeof(r->chain_pos));
	crypto_generichash_update(&s, (const unsigned char *)r->id, strlen(r->id));
	crypto_generichash_update(&s, (const unsigned char *)r->actor_id, strlen(r->actor_id));
	crypto_generichash_update(&s, (const unsigned char *)r->action, strlen(r->action));
	crypto_generichash_update(&s, (const unsigned char *)r->target_id, strlen(r->target_id));
	crypto_generichash_update(&s, (const unsigned char *)r->outcome, strlen(r->outcome));
	crypto_generichash_update(&s, (const unsigned char *)&r->created_at, sizeof(r->created_at));
	crypto_generichash_update(&s, (const unsigned char *)r->trace_id, strlen(r->trace_id));
	crypto_generichash_final(&s, hash, 32);
}

/* A deposit whose event carries `event_payload`, as core writes it. */
static w3w_status deposit_with_payload(const char *event_payload)
{
	w3w_cmd_transfer cmd;
	w3w_transfer out;

	memset(&cmd, 0, sizeof(cmd));
	new_id(cmd.t.id);
	meta_init(&cmd.meta, ADMIN, NULL, 1, "wallet.moved", cmd.t.id);
	cmd.meta.event.payload = (char *)event_payload;
	cmd.t.kind = W3W_TRANSFER_DEPOSIT;
	strcpy(cmd.t.from_user_id, W3W_EXTERNAL_USER_ID);
	strcpy(cmd.t.to_user_id, BUYER);
	strcpy(cmd.t.currency, "USDT");
	cmd.t.amount = COIN;
	strcpy(cmd.t.reference, cmd.t.id);
	cmd.t.created_at = cmd.meta.now;
	return st->market->transfer(st, &cmd, &out);
}

#define TRACE_A "4bf92f3577b34da6a3ce929d0e0e4736"
#define TRACE_B "0af7651916cd43dd8448eb211c80319c"

/*
 * Trace ids (audit table version 2): a refusal's record keeps the one it is
 * appended with; a command's record takes its event's traceparent; none is
 * "", also when a payload only quotes the key inside a string; the hash
 * function is handed the trace id.
 */
START_TEST(test_audit_keeps_trace_ids)
{
	w3w_audit_record rec, *recs = NULL;
	unsigned char expect[32];
	size_t n = 0;

	memset(&rec, 0, sizeof(rec));
	new_id(rec.id);
	strcpy(rec.actor_id, SHOPPER);
	strcpy(rec.action, "claim.create");
	strcpy(rec.outcome, "insufficient");
	strcpy(rec.trace_id, TRACE_A);
	rec.created_at = tick();
	ck_assert_int_eq(st->audit->append(st, &rec), W3W_OK);
	ck_assert_int_eq(deposit_with_payload("{\"amount\":\"1\",\"traceparent\":\"00-" TRACE_B "-00f067aa0ba902b7-01\"}"),
		W3W_OK);
	ck_assert_int_eq(deposit_with_payload("{\"note\":\"\\\"traceparent\\\":\\\"00-" TRACE_A "-00f067aa0ba902b7-01\\\"\"}"),
		W3W_OK);
	ck_assert_int_eq(deposit(BUYER, COIN), W3W_OK);
	ck_assert_int_eq(st->audit->seal(st, record_hash, 0, NULL), W3W_OK);

	ck_assert_int_eq(st->audit->read(st, 0, 10, &recs, &n), W3W_OK);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(recs[0].id, rec.id);
	ck_assert_str_eq(recs[0].trace_id, TRACE_A);
	ck_assert_str_eq(recs[1].trace_id, TRACE_B);
	ck_assert_str_eq(recs[2].trace_id, "");
	ck_assert_str_eq(recs[3].trace_id, "");
	for (size_t i = 0; i < n; i++) {
		record_hash(expect, recs[i].prev_hash, &recs[i]);
		ck_assert_mem_eq(recs[i].hash, expect, 32);
	}
	free(recs);
}
END_TEST

typedef struct sealer {
	size_t sealed;
	w3w_status rc;
} sealer;

static void *seal_thread(void *arg)
{
	sealer *s = arg;
	size_t n;
	do {
		n = 0;
		s->rc = st->audit->seal(st, record_hash, 7, &n);
		s->sealed += n;
	} while (s->rc == W3W_OK && n > 0);
	return NULL;
}

/* Four sealers at once over 50 appended records (from the PostgreSQL tests). */
START_TEST(test_audit_sealers_share_one_chain)
{
	char user[W3W_ID_SIZE];
	w3w_audit_record rec, *recs = NULL;
	size_t n = 0, total = 0;
	sealer sealers[4];
	pthread_t th[4];
	int64_t unsealed = -1, pos = 0;
	unsigned char prev[32] = { 0 }, h[32];

	new_id(user);

	for (int i = 0; i < 50; i++) {
		memset(&rec, 0, sizeof(rec));
		new_id(rec.id);
		strcpy(rec.actor_id, user);
		strcpy(rec.action, "claim.create");
		if (i % 2)
			new_id(rec.target_id);
		strcpy(rec.outcome, "conflict");
		rec.created_at = w3w_time_now();
		ck_assert_int_eq(st->audit->append(st, &rec), W3W_OK);
	}
	ck_assert_int_eq(st->audit->append(st, &rec), W3W_OK); /* same id: kept once */
	ck_assert_int_eq(st->audit->unsealed(st, &unsealed), W3W_OK);
	ck_assert_int_eq(unsealed, 50);

	/* Four sealers at once: one chain, positions 1..50, no gap, no double. */
	memset(sealers, 0, sizeof(sealers));
	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, seal_thread, &sealers[i]);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(sealers[i].rc, W3W_OK);
		total += sealers[i].sealed;
	}
	ck_assert_int_eq(total, 50);
	ck_assert_int_eq(st->audit->unsealed(st, &unsealed), W3W_OK);
	ck_assert_int_eq(unsealed, 0);

	for (;;) {
		ck_assert_int_eq(st->audit->read(st, pos, 16, &recs, &n), W3W_OK);
		if (n == 0)
			break;
		for (size_t i = 0; i < n; i++) {
			ck_assert_int_eq(recs[i].chain_pos, pos + 1);
			ck_assert_mem_eq(recs[i].prev_hash, prev, 32);
			record_hash(h, prev, &recs[i]);
			ck_assert_mem_eq(recs[i].hash, h, 32);
			memcpy(prev, h, 32);
			pos = recs[i].chain_pos;
		}
		free(recs);
		recs = NULL;
	}
	ck_assert_int_eq(pos, 50);

	/* Commands' own records join the chain after the earlier ones. */
	{
		w3w_supply s;
		ck_assert_int_eq(supply_create(user, COIN, &s), W3W_OK);
		ck_assert_int_eq(st->audit->seal(st, record_hash, 0, &n), W3W_OK);
		ck_assert_int_eq(n, 1);
		ck_assert_int_eq(st->audit->read(st, 50, 10, &recs, &n), W3W_OK);
		ck_assert_int_eq(n, 1);
		ck_assert_str_eq(recs[0].action, "supply.created");
		ck_assert_str_eq(recs[0].target_id, s.id);
		ck_assert_mem_eq(recs[0].prev_hash, prev, 32);
		free(recs);
	}
}
END_TEST

TCase *contract_audit_tcase(void)
{
	TCase *tc = tcase_create("audit");

	tcase_add_test(tc, test_audit_append_seal_read);
	tcase_add_test(tc, test_audit_sealers_share_one_chain);
	tcase_add_test(tc, test_audit_keeps_trace_ids);
	return tc;
}

/* The storage contract: append, seal, read. */
#include <stdlib.h>
#include <string.h>

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

TCase *contract_audit_tcase(void)
{
	TCase *tc = tcase_create("audit");

	tcase_add_test(tc, test_audit_append_seal_read);
	return tc;
}

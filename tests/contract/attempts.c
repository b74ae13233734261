/*
 * The storage contract: the transactions sent at a withdrawal's nonce
 * (wallet table version 4): recorded in order, each made the current one
 * under a status check, the fee of the mined one kept; and the settlement
 * of a withdrawal, raced by eight followers, applied exactly once.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contract.h"

/* "0x" and 64 times `c` ('a'..'d'). */
static const char *hash_of(char c)
{
	static char hashes[4][W3W_TX_HASH_SIZE];
	char *h = hashes[c - 'a'];

	strcpy(h, "0x");
	memset(h + 2, c, 64);
	h[66] = '\0';
	return h;
}

#define HASH(c) hash_of((c)[0])

static w3w_status attempt_add(const char *id, w3w_withdrawal_status from, w3w_withdrawal_attempt_kind kind,
	const char *hash, const char *max_fee, w3w_withdrawal_row *out)
{
	w3w_cmd_withdrawal_attempt *cmd = calloc(1, sizeof(*cmd));
	w3w_status rc;

	ck_assert_ptr_nonnull(cmd);
	meta_init(&cmd->meta, ADMIN, NULL, 10, "wallet.withdrawal_replaced", id);
	strcpy(cmd->id, id);
	cmd->from_status = from;
	cmd->attempt.a.kind = kind;
	strcpy(cmd->attempt.a.tx_hash, hash);
	strcpy(cmd->attempt.a.max_fee_per_gas, max_fee);
	strcpy(cmd->attempt.a.max_priority_fee_per_gas, "1000000000");
	cmd->attempt.a.gas_limit = 21000;
	cmd->attempt.a.block = 42;
	snprintf(cmd->attempt.raw_tx, sizeof(cmd->attempt.raw_tx), "0x02f8%s", hash + 2);
	rc = st->wallet->withdrawal_attempt_add(st, cmd, out);
	free(cmd);
	return rc;
}

static w3w_status move(w3w_withdrawal_row *row, w3w_withdrawal_status from, w3w_withdrawal_status to)
{
	w3w_cmd_withdrawal_update up;

	memset(&up, 0, sizeof(up));
	meta_init(&up.meta, ADMIN, NULL, 11, "wallet.withdrawal", row->w.id);
	strcpy(up.id, row->w.id);
	up.from_status = from;
	up.to_status = to;
	if (to == W3W_WITHDRAWAL_CONFIRMED) {
		new_id(up.settlement.id);
		up.settlement.created_at = up.meta.now;
		snprintf(up.settlement.reference, sizeof(up.settlement.reference), "evm:31337:%s", row->w.tx_hash);
	}
	return st->wallet->withdrawal_update(st, &up, row);
}

START_TEST(attempts_are_recorded_in_order)
{
	w3w_withdrawal_row *row = malloc(sizeof(*row));
	w3w_withdrawal_attempt_row *items = NULL;
	size_t count = 99;
	int64_t outbox;

	ck_assert_ptr_nonnull(row);
	ck_assert_int_eq(deposit(BUYER, 100 * COIN), W3W_OK);
	ck_assert_int_eq(chain_withdraw_in(st, tick(), BUYER, 10 * COIN, row), W3W_OK);
	ck_assert_int_eq(st->wallet->withdrawal_attempt_list(st, row->w.id, &items, &count), W3W_OK);
	ck_assert_uint_eq(count, 0);
	free(items);

	/* The first: held -> signed, its hash the withdrawal's. */
	ck_assert_int_eq(attempt_add(row->w.id, W3W_WITHDRAWAL_HELD, W3W_ATTEMPT_ORIGINAL, HASH("a"), "3000000000", row),
		W3W_OK);
	ck_assert_int_eq(row->w.status, W3W_WITHDRAWAL_SIGNED);
	ck_assert_str_eq(row->w.tx_hash, HASH("a"));
	ck_assert_int_eq(move(row, W3W_WITHDRAWAL_SIGNED, W3W_WITHDRAWAL_BROADCAST), W3W_OK);

	/* Refused, changing nothing: the wrong status, an unknown withdrawal, the same hash again. */
	outbox = outbox_total();
	ck_assert_int_eq(attempt_add(row->w.id, W3W_WITHDRAWAL_SIGNED, W3W_ATTEMPT_REPLACEMENT, HASH("b"), "4000000000",
		row), W3W_ESTATE);
	ck_assert_int_eq(attempt_add("01900000-0000-7000-8000-00000000dead", W3W_WITHDRAWAL_BROADCAST,
		W3W_ATTEMPT_REPLACEMENT, HASH("b"), "4000000000", row), W3W_ENOTFOUND);
	ck_assert_int_eq(attempt_add(row->w.id, W3W_WITHDRAWAL_BROADCAST, W3W_ATTEMPT_REPLACEMENT, HASH("a"),
		"4000000000", row), W3W_ECONFLICT);
	ck_assert_int_eq(outbox_total(), outbox);

	/* A replacement, then a cancellation: each the current one, the nonce unchanged. */
	ck_assert_int_eq(attempt_add(row->w.id, W3W_WITHDRAWAL_BROADCAST, W3W_ATTEMPT_REPLACEMENT, HASH("b"),
		"4000000000", row), W3W_OK);
	ck_assert_int_eq(row->w.status, W3W_WITHDRAWAL_SIGNED);
	ck_assert_str_eq(row->w.tx_hash, HASH("b"));
	ck_assert_int_eq(attempt_add(row->w.id, W3W_WITHDRAWAL_SIGNED, W3W_ATTEMPT_CANCELLATION, HASH("c"),
		"5000000000", row), W3W_OK);
	ck_assert_int_eq(outbox_total(), outbox + 2);
	ck_assert_int_eq(st->wallet->withdrawal_attempt_list(st, row->w.id, &items, &count), W3W_OK);
	ck_assert_uint_eq(count, 3);
	for (size_t i = 0; i < count; i++) {
		ck_assert_int_eq(items[i].a.seq, (int)i);
		ck_assert_int_eq(items[i].a.kind, (w3w_withdrawal_attempt_kind)(W3W_ATTEMPT_ORIGINAL + (int)i));
		ck_assert_str_eq(items[i].a.max_priority_fee_per_gas, "1000000000");
		ck_assert_uint_eq(items[i].a.gas_limit, 21000);
		ck_assert_uint_eq(items[i].a.block, 42);
		ck_assert_str_eq(items[i].a.fee_paid, "");
		ck_assert_int_gt(items[i].a.created_at, 0);
	}
	ck_assert_str_eq(items[1].a.tx_hash, HASH("b"));
	ck_assert_str_eq(items[1].a.max_fee_per_gas, "4000000000");
	{
		char raw[W3W_RAW_TX_SIZE];
		snprintf(raw, sizeof(raw), "0x02f8%s", HASH("c") + 2);
		ck_assert_str_eq(items[2].raw_tx, raw);
	}
	free(items);

	/* The mined one's fee, kept once whatever the repeats; an unknown hash is not found. */
	ck_assert_int_eq(st->wallet->withdrawal_attempt_mined(st, row->w.id, HASH("c"), "105000000000000"), W3W_OK);
	ck_assert_int_eq(st->wallet->withdrawal_attempt_mined(st, row->w.id, HASH("c"), "105000000000000"), W3W_OK);
	ck_assert_int_eq(st->wallet->withdrawal_attempt_mined(st, row->w.id, HASH("d"), "1"), W3W_ENOTFOUND);
	ck_assert_int_eq(st->wallet->withdrawal_attempt_list(st, row->w.id, &items, &count), W3W_OK);
	ck_assert_str_eq(items[2].a.fee_paid, "105000000000000");
	ck_assert_str_eq(items[0].a.fee_paid, "");
	free(items);
	free(row);
}
END_TEST

#define SETTLERS 8

typedef struct settler {
	w3w_withdrawal_row row;
	w3w_status st;
} settler;

static void *settle_main(void *arg)
{
	settler *s = arg;
	s->st = move(&s->row, W3W_WITHDRAWAL_BROADCAST, W3W_WITHDRAWAL_CONFIRMED);
	return NULL;
}

START_TEST(settlement_races_apply_once)
{
	settler *s = calloc(SETTLERS, sizeof(*s));
	pthread_t th[SETTLERS];
	w3w_ledger_totals t;
	int ok = 0, lost = 0;

	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(deposit(BUYER, 100 * COIN), W3W_OK);
	ck_assert_int_eq(chain_withdraw_in(st, tick(), BUYER, 10 * COIN, &s[0].row), W3W_OK);
	ck_assert_int_eq(attempt_add(s[0].row.w.id, W3W_WITHDRAWAL_HELD, W3W_ATTEMPT_ORIGINAL, HASH("a"), "1", &s[0].row),
		W3W_OK);
	ck_assert_int_eq(attempt_add(s[0].row.w.id, W3W_WITHDRAWAL_SIGNED, W3W_ATTEMPT_REPLACEMENT, HASH("b"), "2",
		&s[0].row), W3W_OK);
	ck_assert_int_eq(move(&s[0].row, W3W_WITHDRAWAL_SIGNED, W3W_WITHDRAWAL_BROADCAST), W3W_OK);
	for (int i = 1; i < SETTLERS; i++)
		s[i].row = s[0].row;
	/* Followers that saw different attempts mined settle at once; one settlement stands. */
	for (int i = 0; i < SETTLERS; i++) {
		strcpy(s[i].row.w.tx_hash, i % 2 ? HASH("a") : HASH("b"));
		pthread_create(&th[i], NULL, settle_main, &s[i]);
	}
	for (int i = 0; i < SETTLERS; i++) {
		pthread_join(th[i], NULL);
		ok += s[i].st == W3W_OK;
		lost += s[i].st == W3W_ESTATE;
	}
	ck_assert_int_eq(ok, 1);
	ck_assert_int_eq(lost, SETTLERS - 1);
	ck_assert_int_eq(account_of(BUYER).balance, 90 * COIN);
	ck_assert_int_eq(account_of(BUYER).held, 0);
	ck_assert_int_eq(st->market->ledger_totals(st, "USDT", &t), W3W_OK);
	ck_assert_int_eq(t.withdrawals, 10 * COIN);
	ck_assert_int_eq(t.balances, t.deposits - t.withdrawals);
	free(s);
}
END_TEST

TCase *contract_attempts_tcase(void)
{
	TCase *tc = tcase_create("attempts");
	tcase_add_test(tc, attempts_are_recorded_in_order);
	tcase_add_test(tc, settlement_races_apply_once);
	return tc;
}

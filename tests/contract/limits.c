/*
 * Withdrawal limits through the storage interface (wallet table version 2):
 * setting and listing them; both withdrawals that take money (a ledger
 * withdrawal's debit, an on-chain withdrawal's hold) held to one 24-hour
 * window; the window rolling, driven by the times in the commands; a
 * failed on-chain withdrawal giving its amount back; and 20 threads that
 * cannot pass the limit together.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contract.h"

#define HOUR (3600LL * 1000000)

/* Commands at a time the test chooses (the window is measured on meta.now). */
static w3w_status set_limits_at(w3w_time now, const char *user, w3w_amount per, w3w_amount daily, int clear,
	w3w_withdrawal_limit *out)
{
	w3w_cmd_limit_set cmd;
	w3w_withdrawal_limit tmp;

	memset(&cmd, 0, sizeof(cmd));
	meta_init(&cmd.meta, ADMIN, NULL, 7, clear ? "wallet.limit_cleared" : "wallet.limit_set",
		user[0] ? user : W3W_EXTERNAL_USER_ID);
	cmd.meta.now = now;
	strcpy(cmd.user_id, user);
	strcpy(cmd.currency, "USDT");
	cmd.per_withdrawal = per;
	cmd.daily = daily;
	cmd.clear = clear;
	return st->wallet->limit_set(st, &cmd, out ? out : &tmp);
}

static w3w_status set_limits(const char *user, w3w_amount per, w3w_amount daily)
{
	return set_limits_at(tick(), user, per, daily, 0, NULL);
}

static w3w_status ledger_withdraw_in(w3w_storage *s, w3w_time now, const char *user, w3w_amount amount)
{
	w3w_cmd_transfer cmd;
	w3w_transfer out;

	memset(&cmd, 0, sizeof(cmd));
	new_id(cmd.t.id);
	meta_init(&cmd.meta, user, NULL, 1, "wallet.withdrawn", cmd.t.id);
	cmd.meta.now = now;
	cmd.t.kind = W3W_TRANSFER_WITHDRAWAL;
	strcpy(cmd.t.from_user_id, user);
	strcpy(cmd.t.to_user_id, W3W_EXTERNAL_USER_ID);
	strcpy(cmd.t.currency, "USDT");
	cmd.t.amount = amount;
	strcpy(cmd.t.reference, "evm:31337:0x00000000000000000000000000000000000000aa");
	cmd.t.created_at = now;
	return s->market->transfer(s, &cmd, &out);
}

static w3w_status ledger_withdraw(w3w_time now, const char *user, w3w_amount amount)
{
	return ledger_withdraw_in(st, now, user, amount);
}

w3w_status chain_withdraw_in(w3w_storage *s, w3w_time now, const char *user, w3w_amount amount,
	w3w_withdrawal_row *out)
{
	w3w_cmd_withdrawal_create cmd;
	w3w_withdrawal_row *row = out ? out : malloc(sizeof(*row));
	w3w_status rc;

	ck_assert_ptr_nonnull(row);
	memset(&cmd, 0, sizeof(cmd));
	new_id(cmd.w.id);
	meta_init(&cmd.meta, user, NULL, 8, "wallet.withdrawal_held", cmd.w.id);
	cmd.meta.now = now;
	strcpy(cmd.w.user_id, user);
	strcpy(cmd.w.chain, "evm:31337");
	strcpy(cmd.w.currency, "USDT");
	cmd.w.amount = amount;
	strcpy(cmd.w.to_address, "0x00000000000000000000000000000000000000aA");
	strcpy(cmd.w.from_address, "0x00000000000000000000000000000000000000bB");
	cmd.w.status = W3W_WITHDRAWAL_HELD;
	cmd.w.created_at = cmd.w.updated_at = now;
	rc = s->wallet->withdrawal_create(s, &cmd, row);
	if (!out)
		free(row);
	return rc;
}

/* The ledger adds up (on-chain holds are not order escrow, so held is not compared). */
static void check_ledger(void)
{
	w3w_ledger_totals t;
	ck_assert_int_eq(st->market->ledger_totals(st, "USDT", &t), W3W_OK);
	ck_assert_int_eq(t.balances, t.deposits - t.withdrawals);
	ck_assert_int_eq(t.entries_sum_zero, 1);
}

/* The one line of `user` (USDT) that limit_list gives at `now`. */
static w3w_withdrawal_limit standing(const char *user, w3w_time now)
{
	w3w_withdrawal_limit *items = NULL, l;
	size_t count = 0;

	ck_assert_int_eq(st->wallet->limit_list(st, user, "USDT", now, &items, &count), W3W_OK);
	ck_assert_uint_eq(count, 1);
	l = items[0];
	free(items);
	return l;
}

START_TEST(limits_are_set_listed_and_cleared)
{
	w3w_withdrawal_limit got, *items = NULL;
	size_t count = 99;
	int64_t outbox = outbox_total();

	/* Nothing set: nothing listed, nothing to clear (and the refusal writes nothing). */
	ck_assert_int_eq(st->wallet->limit_list(st, BUYER, "", tick(), &items, &count), W3W_OK);
	ck_assert_uint_eq(count, 0);
	free(items);
	ck_assert_int_eq(set_limits_at(tick(), "", 0, 0, 1, NULL), W3W_ENOTFOUND);
	ck_assert_int_eq(outbox_total(), outbox);

	ck_assert_int_eq(set_limits_at(tick(), "", 100 * COIN, 250 * COIN, 0, &got), W3W_OK);
	ck_assert_str_eq(got.user_id, "");
	ck_assert_str_eq(got.source, "default");
	ck_assert_int_eq(got.per_withdrawal, 100 * COIN);
	ck_assert_int_eq(got.daily, 250 * COIN);
	ck_assert_int_gt(got.updated_at, 0);
	ck_assert_int_eq(set_limits_at(tick(), BUYER2, W3W_LIMIT_NONE, 10 * COIN, 0, &got), W3W_OK);
	ck_assert_str_eq(got.user_id, BUYER2);
	ck_assert_str_eq(got.source, "user");
	ck_assert_int_eq(got.per_withdrawal, W3W_LIMIT_NONE);
	ck_assert_int_eq(outbox_total(), outbox + 2);

	/* BUYER has the default; BUYER2 its own values, which replace the default whole. */
	got = standing(BUYER, tick());
	ck_assert_str_eq(got.user_id, BUYER);
	ck_assert_str_eq(got.source, "default");
	ck_assert_int_eq(got.daily, 250 * COIN);
	ck_assert_int_eq(got.used, 0);
	ck_assert_int_eq(got.next_release_at, 0);
	got = standing(BUYER2, tick());
	ck_assert_str_eq(got.source, "user");
	ck_assert_int_eq(got.per_withdrawal, W3W_LIMIT_NONE);
	ck_assert_int_eq(got.daily, 10 * COIN);
	/* The defaults themselves, and a currency filter that matches nothing. */
	got = standing("", tick());
	ck_assert_str_eq(got.source, "default");
	ck_assert_int_eq(st->wallet->limit_list(st, BUYER, "EUR", tick(), &items, &count), W3W_OK);
	ck_assert_uint_eq(count, 0);
	free(items);

	/* Setting again replaces; clearing BUYER2's values brings the default back. */
	ck_assert_int_eq(set_limits("", 5 * COIN, W3W_LIMIT_NONE), W3W_OK);
	ck_assert_int_eq(set_limits_at(tick(), BUYER2, 0, 0, 1, NULL), W3W_OK);
	got = standing(BUYER2, tick());
	ck_assert_str_eq(got.source, "default");
	ck_assert_int_eq(got.per_withdrawal, 5 * COIN);
	ck_assert_int_eq(got.daily, W3W_LIMIT_NONE);
	ck_assert_int_eq(set_limits_at(tick(), BUYER2, 0, 0, 1, NULL), W3W_ENOTFOUND);
	ck_assert_int_eq(outbox_total(), outbox + 4);
}
END_TEST

START_TEST(both_withdrawals_count_against_one_window)
{
	w3w_time t0 = tick();
	w3w_withdrawal_row *row = malloc(sizeof(*row));
	w3w_withdrawal_limit l;
	w3w_account before;
	int64_t outbox;

	ck_assert_ptr_nonnull(row);
	ck_assert_int_eq(deposit(BUYER, 1000 * COIN), W3W_OK);
	/* Withdrawals before any limit count once one is set. */
	ck_assert_int_eq(ledger_withdraw(t0, BUYER, 100 * COIN), W3W_OK);
	ck_assert_int_eq(set_limits("", 100 * COIN, 250 * COIN), W3W_OK);

	/* Past the per-withdrawal maximum: refused, named, nothing changed. */
	before = account_of(BUYER);
	outbox = outbox_total();
	ck_assert_int_eq(ledger_withdraw(t0 + 1, BUYER, 100 * COIN + 1), W3W_ELIMIT);
	ck_assert_msg(strstr(w3w_error_message(), "100.00000001 USDT is above the per-withdrawal maximum of 100 USDT"),
		"%s", w3w_error_message());
	ck_assert_int_eq(chain_withdraw_in(st, t0 + 1, BUYER, 101 * COIN, NULL), W3W_ELIMIT);
	ck_assert_int_eq(account_of(BUYER).balance, before.balance);
	ck_assert_int_eq(account_of(BUYER).held, before.held);
	ck_assert_int_eq(outbox_total(), outbox);

	/* An on-chain hold shares the window with the ledger withdrawal: 100 + 100 of 250. */
	ck_assert_int_eq(chain_withdraw_in(st, t0 + 2 * HOUR, BUYER, 100 * COIN, row), W3W_OK);
	ck_assert_int_eq(account_of(BUYER).held, 100 * COIN);
	ck_assert_int_eq(ledger_withdraw(t0 + 3 * HOUR, BUYER, 60 * COIN), W3W_ELIMIT);
	ck_assert_msg(strstr(w3w_error_message(), "60 USDT would pass the 24-hour limit of 250 USDT: 50 remaining now;"
		" 100 more frees up at 2023-11-15T22:13:"), "%s", w3w_error_message());
	ck_assert_int_eq(chain_withdraw_in(st, t0 + 3 * HOUR, BUYER, 60 * COIN, NULL), W3W_ELIMIT);
	ck_assert_int_eq(outbox_total(), outbox + 1);

	l = standing(BUYER, t0 + 3 * HOUR);
	ck_assert_int_eq(l.used, 200 * COIN);
	ck_assert_int_eq(l.next_release_at, t0 + 24 * HOUR);
	ck_assert_int_eq(l.next_release_amount, 100 * COIN);

	/* The on-chain withdrawal fails: its hold and its share of the limit come back. */
	{
		w3w_cmd_withdrawal_update up;
		memset(&up, 0, sizeof(up));
		meta_init(&up.meta, ADMIN, NULL, 9, "wallet.withdrawal_failed", row->w.id);
		strcpy(up.id, row->w.id);
		up.from_status = W3W_WITHDRAWAL_HELD;
		up.to_status = W3W_WITHDRAWAL_FAILED;
		strcpy(up.error, "node: refused");
		ck_assert_int_eq(st->wallet->withdrawal_update(st, &up, row), W3W_OK);
	}
	ck_assert_int_eq(standing(BUYER, t0 + 3 * HOUR).used, 100 * COIN);
	ck_assert_int_eq(ledger_withdraw(t0 + 3 * HOUR, BUYER, 100 * COIN), W3W_OK);
	ck_assert_int_eq(chain_withdraw_in(st, t0 + 3 * HOUR, BUYER, 50 * COIN, NULL), W3W_OK);
	ck_assert_int_eq(ledger_withdraw(t0 + 3 * HOUR, BUYER, 1), W3W_ELIMIT);
	ck_assert_msg(strstr(w3w_error_message(), ": 0 remaining now;"), "%s", w3w_error_message());
	/* Another user is not touched by BUYER's window. */
	ck_assert_int_eq(deposit(BUYER2, 100 * COIN), W3W_OK);
	ck_assert_int_eq(ledger_withdraw(t0 + 3 * HOUR, BUYER2, 100 * COIN), W3W_OK);
	check_ledger();
	free(row);
}
END_TEST

START_TEST(the_window_rolls)
{
	w3w_time t0 = tick();
	w3w_withdrawal_limit l;

	ck_assert_int_eq(deposit(BUYER, 1000 * COIN), W3W_OK);
	ck_assert_int_eq(set_limits(BUYER, W3W_LIMIT_NONE, 250 * COIN), W3W_OK);
	ck_assert_int_eq(ledger_withdraw(t0, BUYER, 100 * COIN), W3W_OK);
	ck_assert_int_eq(chain_withdraw_in(st, t0 + 12 * HOUR, BUYER, 100 * COIN, NULL), W3W_OK);

	/* 23 hours on, both still count: 50 remain, the first 100 free up at t0 + 24 h. */
	l = standing(BUYER, t0 + 23 * HOUR);
	ck_assert_int_eq(l.used, 200 * COIN);
	ck_assert_int_eq(l.next_release_at, t0 + 24 * HOUR);
	ck_assert_int_eq(ledger_withdraw(t0 + 23 * HOUR, BUYER, 60 * COIN), W3W_ELIMIT);
	/* Exactly 24 hours on, the first has left the window (it is (now - 24 h, now]). */
	l = standing(BUYER, t0 + 24 * HOUR);
	ck_assert_int_eq(l.used, 100 * COIN);
	ck_assert_int_eq(l.next_release_at, t0 + 36 * HOUR);
	ck_assert_int_eq(ledger_withdraw(t0 + 24 * HOUR, BUYER, 150 * COIN), W3W_OK);
	ck_assert_int_eq(ledger_withdraw(t0 + 24 * HOUR, BUYER, 1), W3W_ELIMIT);
	/* Two days on, nothing is used. */
	l = standing(BUYER, t0 + 72 * HOUR);
	ck_assert_int_eq(l.used, 0);
	ck_assert_int_eq(l.next_release_at, 0);
	ck_assert_int_eq(ledger_withdraw(t0 + 72 * HOUR, BUYER, 250 * COIN), W3W_OK);
}
END_TEST

/* ---- 20 threads -------------------------------------------------------------------- */

#define RACERS 20
#define TRIES 3
#define EACH (30 * COIN)

typedef struct racer {
	int index;
	w3w_time now;
	pthread_barrier_t *go;
	int ok, limited, other;
	char other_msg[256];
} racer;

static w3w_storage *race_st;

static void *race(void *p)
{
	racer *r = p;

	pthread_barrier_wait(r->go);
	for (int i = 0; i < TRIES; i++) {
		/* Odd threads hold on chain, even ones withdraw on the ledger: one limit for both. */
		w3w_status rc = r->index % 2 ? chain_withdraw_in(race_st, r->now, BUYER, EACH, NULL)
		                             : ledger_withdraw_in(race_st, r->now, BUYER, EACH);
		if (rc == W3W_OK)
			r->ok++;
		else if (rc == W3W_ELIMIT)
			r->limited++;
		else if (r->other++ == 0)
			snprintf(r->other_msg, sizeof(r->other_msg), "%s: %s", w3w_status_name(rc), w3w_error_message());
	}
	return NULL;
}

START_TEST(twenty_threads_cannot_pass_the_limit_together)
{
	pthread_t threads[RACERS];
	racer racers[RACERS];
	pthread_barrier_t go;
	w3w_time now = tick();
	w3w_account acc;
	int ok = 0, limited = 0;

	ck_assert_int_eq(deposit(BUYER, 10000 * COIN), W3W_OK);
	ck_assert_int_eq(set_limits("", W3W_LIMIT_NONE, 250 * COIN), W3W_OK);
	contract_open_second(&race_st, RACERS);
	pthread_barrier_init(&go, NULL, RACERS);
	for (int i = 0; i < RACERS; i++) {
		racers[i] = (racer){ .index = i, .now = now, .go = &go };
		ck_assert_int_eq(pthread_create(&threads[i], NULL, race, &racers[i]), 0);
	}
	for (int i = 0; i < RACERS; i++) {
		pthread_join(threads[i], NULL);
		ck_assert_msg(racers[i].other == 0, "thread %d: %s", i, racers[i].other_msg);
		ok += racers[i].ok;
		limited += racers[i].limited;
	}
	pthread_barrier_destroy(&go);
	race_st->free(race_st);

	/* 8 × 30 = 240 fit in 250; every other attempt was refused by the limit. */
	ck_assert_int_eq(ok, 8);
	ck_assert_int_eq(limited, RACERS * TRIES - 8);
	acc = account_of(BUYER);
	ck_assert_int_eq((10000 * COIN - acc.balance) + acc.held, 8 * EACH);
	ck_assert_int_eq(standing(BUYER, now).used, 8 * EACH);
	check_ledger();
}
END_TEST

TCase *contract_limits_tcase(void)
{
	TCase *tc = tcase_create("limits");
	tcase_add_test(tc, limits_are_set_listed_and_cleared);
	tcase_add_test(tc, both_withdrawals_count_against_one_window);
	tcase_add_test(tc, the_window_rolls);
	tcase_add_test(tc, twenty_threads_cannot_pass_the_limit_together);
	return tc;
}

/*
 * The storage contract, wallet table version 4: sweeps. One open sweep per
 * deposit address, a compare-and-set on the status, every member stored on
 * each step, top-up nonces from the allocator withdrawals use (given back
 * on request), the open list, and 256-bit fee totals.
 */
#include <stdlib.h>
#include <string.h>

#include "contract.h"

#define CHAIN "evm:31337"
#define HOT   "0x00000000000000000000000000000000000000h0"
#define ADDR1 "0x00000000000000000000000000000000000000a1"
#define ADDR2 "0x00000000000000000000000000000000000000a2"

static const w3w_wallet_store *ws(void)
{
	ck_assert_msg(st->wallet != NULL && st->wallet->sweep_create != NULL, "the backend under test has no sweeps");
	return st->wallet;
}

static w3w_status sweep_create(const char *address, const char *currency, int64_t floor, w3w_sweep_row *out)
{
	w3w_cmd_sweep_create *cmd = calloc(1, sizeof(*cmd));
	w3w_sweep *s = &cmd->row.s;
	w3w_status rc;

	new_id(s->id);
	meta_init(&cmd->meta, ADMIN, NULL, 0x51, "wallet.sweep_planned", s->id);
	strcpy(s->chain, CHAIN);
	strcpy(s->address, address);
	s->wallet_index = address[41] - '0';
	strcpy(s->currency, currency);
	strcpy(s->to_address, HOT);
	s->status = W3W_SWEEP_PLANNED;
	strcpy(s->amount, "5000000");
	s->nonce = s->topup_nonce = -1;
	strcpy(s->topup_value, floor >= 0 ? "75000000000000" : "0");
	strcpy(s->fee_currency, "ETH");
	strcpy(s->topup_fee, "0");
	strcpy(s->sweep_fee, "0");
	s->created_at = s->updated_at = cmd->meta.now;
	cmd->row.fee_type = 2;
	cmd->row.gas_limit = 65000;
	strcpy(cmd->row.max_fee, "1500000000");
	strcpy(cmd->row.priority_fee, "1000000000");
	cmd->topup_nonce_floor = floor;
	rc = ws()->sweep_create(st, cmd, out);
	free(cmd);
	return rc;
}

/* `row` moved from `from` to row->s.status (with everything else it carries). */
static w3w_status sweep_move(w3w_sweep_row *row, w3w_sweep_status from, int give_back, w3w_sweep_row *out)
{
	w3w_cmd_sweep_update *cmd = calloc(1, sizeof(*cmd));
	w3w_status rc;

	meta_init(&cmd->meta, ADMIN, NULL, 0x52, "wallet.sweep", row->s.id);
	cmd->from_status = from;
	cmd->row = *row;
	cmd->give_back_topup_nonce = give_back;
	rc = ws()->sweep_update(st, cmd, out);
	free(cmd);
	return rc;
}

/* A withdrawal of the hot wallet: the nonce it gets shows the allocator's state. */
static int64_t withdrawal_nonce(void)
{
	w3w_cmd_withdrawal_create cmd;
	w3w_withdrawal_row out;

	memset(&cmd, 0, sizeof(cmd));
	new_id(cmd.w.id);
	meta_init(&cmd.meta, BUYER, NULL, 0x53, "wallet.withdrawal_held", cmd.w.id);
	strcpy(cmd.w.user_id, BUYER);
	strcpy(cmd.w.chain, CHAIN);
	strcpy(cmd.w.currency, "USDT");
	cmd.w.amount = COIN;
	strcpy(cmd.w.to_address, "0x00000000000000000000000000000000000000d1");
	strcpy(cmd.w.from_address, HOT);
	cmd.w.status = W3W_WITHDRAWAL_HELD;
	cmd.w.created_at = cmd.w.updated_at = cmd.meta.now;
	ck_assert_int_eq(ws()->withdrawal_create(st, &cmd, &out), W3W_OK);
	return out.w.nonce;
}

START_TEST(test_sweep_one_open_per_address)
{
	w3w_sweep_row *a = calloc(3, sizeof(*a)), *got = calloc(1, sizeof(*got)), *open = NULL;
	size_t n = 0;
	int64_t events;

	/* The top-up's nonce comes from the hot wallet's allocator, like a withdrawal's. */
	ck_assert_int_eq(deposit(BUYER, 10 * COIN), W3W_OK);
	ck_assert_int_eq(sweep_create(ADDR1, "TKN", 5, &a[0]), W3W_OK);
	ck_assert_int_eq(a[0].s.status, W3W_SWEEP_PLANNED);
	ck_assert_int_eq(a[0].s.topup_nonce, 5);
	ck_assert_str_eq(a[0].max_fee, "1500000000");
	ck_assert_int_eq(a[0].gas_limit, 65000);
	ck_assert_int_eq(withdrawal_nonce(), 6);

	/* A second open sweep of the address (any asset) is refused, and writes nothing. */
	events = outbox_total();
	ck_assert_int_eq(sweep_create(ADDR1, "ETH", -1, got), W3W_ECONFLICT);
	ck_assert_int_eq(outbox_total(), events);
	ck_assert_int_eq(withdrawal_nonce(), 7);   /* no nonce was taken by the refusal */
	ck_assert_int_eq(sweep_create(ADDR2, "ETH", -1, &a[1]), W3W_OK);
	ck_assert_int_eq(a[1].s.topup_nonce, -1);

	ck_assert_int_eq(ws()->sweep_list(st, CHAIN, 1, 10, &open, &n), W3W_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(open[0].s.id, a[0].s.id);   /* open ones oldest first */
	free(open);

	/* Once it is final, the address can be swept again. */
	a[1].s.status = W3W_SWEEP_FAILED;
	strcpy(a[1].s.error, "the balance no longer covers the fee");
	ck_assert_int_eq(sweep_move(&a[1], W3W_SWEEP_PLANNED, 0, got), W3W_OK);
	ck_assert_str_eq(got->s.error, "the balance no longer covers the fee");
	ck_assert_int_eq(sweep_create(ADDR2, "ETH", -1, &a[2]), W3W_OK);
	ck_assert_int_eq(ws()->sweep_list(st, "", 0, 10, &open, &n), W3W_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(open[0].s.id, a[2].s.id);   /* all of them newest first */
	free(open);
	free(a);
	free(got);
}
END_TEST

START_TEST(test_sweep_steps_compare_and_set)
{
	w3w_sweep_row *r = calloc(1, sizeof(*r)), *got = calloc(1, sizeof(*got));
	w3w_sweep_fee_total *totals = NULL;
	size_t n = 0;

	ck_assert_int_eq(deposit(BUYER, 10 * COIN), W3W_OK);
	ck_assert_int_eq(sweep_create(ADDR1, "TKN", 0, r), W3W_OK);
	ck_assert_int_eq(r->s.topup_nonce, 0);

	/* The top-up's bytes are stored with the move; a move from the wrong status writes nothing. */
	r->s.status = W3W_SWEEP_TOPUP_SIGNED;
	strcpy(r->topup_raw, "0x02f8aa");
	strcpy(r->s.topup_tx_hash, "0x1111111111111111111111111111111111111111111111111111111111111111");
	ck_assert_int_eq(sweep_move(r, W3W_SWEEP_TOPUP_MINED, 0, got), W3W_ESTATE);
	ck_assert_int_eq(sweep_move(r, W3W_SWEEP_PLANNED, 0, got), W3W_OK);
	ck_assert_str_eq(got->topup_raw, "0x02f8aa");
	ck_assert_int_eq(sweep_move(r, W3W_SWEEP_PLANNED, 0, got), W3W_ESTATE);   /* a second round lost the race */

	/* Fees as 256-bit numbers: above 2^64. */
	*r = *got;
	r->s.status = W3W_SWEEP_TOPUP_MINED;
	strcpy(r->s.topup_fee, "18446744073709551616");
	ck_assert_int_eq(sweep_move(r, W3W_SWEEP_TOPUP_SIGNED, 0, got), W3W_OK);
	*r = *got;
	r->s.status = W3W_SWEEP_SIGNED;
	strcpy(r->raw_tx, "0x02f8bb");
	strcpy(r->s.tx_hash, "0x2222222222222222222222222222222222222222222222222222222222222222");
	strcpy(r->s.amount, "4999999");
	r->s.nonce = 0;
	ck_assert_int_eq(sweep_move(r, W3W_SWEEP_TOPUP_MINED, 0, got), W3W_OK);
	ck_assert_str_eq(got->s.amount, "4999999");
	ck_assert_str_eq(got->s.topup_fee, "18446744073709551616");
	ck_assert_str_eq(got->raw_tx, "0x02f8bb");
	*r = *got;
	r->s.status = W3W_SWEEP_CONFIRMED;
	strcpy(r->s.sweep_fee, "5");
	ck_assert_int_eq(sweep_move(r, W3W_SWEEP_SIGNED, 0, got), W3W_OK);
	ck_assert_int_eq(got->s.status, W3W_SWEEP_CONFIRMED);
	ck_assert_int_eq(got->s.topup_nonce, 0);   /* fixed at creation */

	ck_assert_int_eq(ws()->sweep_fee_totals(st, "", &totals, &n), W3W_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(totals[0].chain, CHAIN);
	ck_assert_str_eq(totals[0].currency, "ETH");
	ck_assert_str_eq(totals[0].total, "18446744073709551621");
	ck_assert_int_eq(totals[0].transactions, 2);
	free(totals);
	ck_assert_int_eq(ws()->sweep_fee_totals(st, "evm:1", &totals, &n), W3W_OK);
	ck_assert_uint_eq(n, 0);
	free(totals);

	/* A top-up that never reached a pool gives its nonce back to the hot wallet. */
	ck_assert_int_eq(sweep_create(ADDR2, "TKN", 0, r), W3W_OK);
	ck_assert_int_eq(r->s.topup_nonce, 1);
	r->s.status = W3W_SWEEP_FAILED;
	ck_assert_int_eq(sweep_move(r, W3W_SWEEP_PLANNED, 1, got), W3W_OK);
	ck_assert_int_eq(withdrawal_nonce(), 1);
	ck_assert_int_eq(withdrawal_nonce(), 2);
	strcpy(r->s.id, BUYER);
	ck_assert_int_eq(sweep_move(r, W3W_SWEEP_FAILED, 0, got), W3W_ENOTFOUND);
	free(r);
	free(got);
}
END_TEST

TCase *contract_sweeps_tcase(void)
{
	TCase *tc = tcase_create("sweeps");

	tcase_add_test(tc, test_sweep_one_open_per_address);
	tcase_add_test(tc, test_sweep_steps_compare_and_set);
	return tc;
}

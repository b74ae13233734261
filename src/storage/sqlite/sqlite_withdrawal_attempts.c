/*
 * SQLite storage, wallets part 3: the transactions sent at a withdrawal's
 * nonce (the first, replacements, a cancellation) and the fee the mined
 * one paid. Schema version 9.
 */
#include <stdlib.h>
#include <string.h>

#include "storage/sqlite/sqlite_wallet.h"

#define ATTEMPT_COLS "seq, kind, tx_hash, max_fee_per_gas, max_priority_fee_per_gas, gas_price, gas_limit," \
	" block, fee_paid, created_at, raw_tx"

static w3w_status read_attempt(sqlite3_stmt *s, void *item)
{
	w3w_withdrawal_attempt_row *r = item;
	w3w_withdrawal_attempt *a = &r->a;
	int64_t seq = 0, gas = 0, block = 0;
	char kind[16];

	memset(r, 0, sizeof(*r));
	w3w__sq_cols(s, 0, "ItttttIItIt", &seq, kind, sizeof(kind), a->tx_hash, sizeof(a->tx_hash),
		a->max_fee_per_gas, sizeof(a->max_fee_per_gas), a->max_priority_fee_per_gas,
		sizeof(a->max_priority_fee_per_gas), a->gas_price, sizeof(a->gas_price), &gas, &block,
		a->fee_paid, sizeof(a->fee_paid), &a->created_at, r->raw_tx, sizeof(r->raw_tx));
	a->seq = (int)seq;
	a->kind = w3w_withdrawal_attempt_kind_from_name(kind);
	a->gas_limit = (uint64_t)gas;
	a->block = (uint64_t)block;
	return W3W_OK;
}

static w3w_status read_count(sqlite3_stmt *s, void *item)
{
	*(int64_t *)item = sqlite3_column_int64(s, 0);
	return W3W_OK;
}

static w3w_status attempt_add(w3w__sq_conn *c, w3w_cmd_withdrawal_attempt *cmd, w3w_withdrawal_row *out)
{
	const w3w_withdrawal_attempt *a = &cmd->attempt.a;
	const char *kind = w3w_withdrawal_attempt_kind_name(a->kind);
	sqlite3_stmt *s;
	int64_t seq = 0;
	int row = 0;
	w3w_status st;

	if (!kind)
		return w3w_error_set(W3W_EINVAL, "withdrawal %s: unknown attempt kind", cmd->id);
	if ((st = w3w__sq_withdrawal_load(c, cmd->id, out)) != W3W_OK)
		return st;
	if (out->w.status != cmd->from_status)
		return w3w_error_set(W3W_ESTATE, "withdrawal %s: is %s, not %s", cmd->id,
			w3w_withdrawal_status_name(out->w.status) ? w3w_withdrawal_status_name(out->w.status) : "?",
			w3w_withdrawal_status_name(cmd->from_status) ? w3w_withdrawal_status_name(cmd->from_status) : "?");
	if ((st = w3w__sq_query(c, &s, "SELECT COUNT(*) FROM withdrawal_attempts WHERE withdrawal_id = ?1", "t",
		cmd->id)) != W3W_OK || (st = w3w__sq_one(c, s, read_count, &seq, &row)) != W3W_OK)
		return st;
	cmd->attempt.a.seq = (int)seq;
	st = w3w__sq_run(c, "INSERT INTO withdrawal_attempts(withdrawal_id, " ATTEMPT_COLS ") VALUES"
		" (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, '', ?10, ?11)", "tItttttIIIt", cmd->id, seq, kind, a->tx_hash,
		a->max_fee_per_gas, a->max_priority_fee_per_gas, a->gas_price, (int64_t)a->gas_limit, (int64_t)a->block,
		cmd->meta.now, cmd->attempt.raw_tx);
	if (st != W3W_OK && w3w__sq_unique_violated(c))
		return w3w_error_set(W3W_ECONFLICT, "withdrawal %s: transaction %s already recorded", cmd->id, a->tx_hash);
	if (st == W3W_OK)
		st = w3w__sq_run(c, "UPDATE withdrawals SET status = 'signed', tx_hash = ?2, raw_tx = ?3, updated_at = ?4"
			" WHERE id = ?1", "tttI", cmd->id, a->tx_hash, cmd->attempt.raw_tx, cmd->meta.now);
	if (st == W3W_OK)
		st = w3w__sq_finish_write(c, &cmd->meta, cmd->id);
	return st == W3W_OK ? w3w__sq_withdrawal_load(c, cmd->id, out) : st;
}

w3w_status w3w__sq_withdrawal_attempt_add(w3w_storage *st, w3w_cmd_withdrawal_attempt *cmd, w3w_withdrawal_row *out)
{
	w3w__sq_conn *c = w3w__sq_begin(w3w__sq(st), W3W__SQ_IMMEDIATE);

	return c ? w3w__sq_end(c, attempt_add(c, cmd, out)) : w3w_error_code();
}

w3w_status w3w__sq_withdrawal_attempt_list(w3w_storage *st, const char *id, w3w_withdrawal_attempt_row **out,
	size_t *count)
{
	void *items = NULL;
	w3w_status rc;

	*count = 0;
	rc = w3w__sq_read_all(w3w__sq(st), read_attempt, sizeof(w3w_withdrawal_attempt_row), 0, &items,
		count, "SELECT " ATTEMPT_COLS " FROM withdrawal_attempts WHERE withdrawal_id = ?1 ORDER BY seq", "t", id);

	*out = items;
	return rc;
}

w3w_status w3w__sq_withdrawal_attempt_mined(w3w_storage *st, const char *id, const char *tx_hash,
	const char *fee_paid)
{
	w3w__sq_conn *c = w3w__sq_begin(w3w__sq(st), W3W__SQ_IMMEDIATE);
	w3w_status rc;

	if (!c)
		return w3w_error_code();
	rc = w3w__sq_run(c, "UPDATE withdrawal_attempts SET fee_paid = ?3 WHERE withdrawal_id = ?1 AND tx_hash = ?2",
		"ttt", id, tx_hash, fee_paid);
	if (rc == W3W_OK && sqlite3_changes(c->db) == 0)
		rc = w3w_error_set(W3W_ENOTFOUND, "withdrawal %s: no attempt %s", id, tx_hash);
	return w3w__sq_end(c, rc);
}

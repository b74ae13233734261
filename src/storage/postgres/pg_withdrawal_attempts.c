/*
 * PostgreSQL storage, the transactions sent at a withdrawal's nonce (the
 * first, replacements, a cancellation) and the fee the mined one paid:
 * schema version 10 (sql/010_withdrawal_attempts.sql).
 */
#include <stdlib.h>
#include <string.h>

#include "storage/postgres/pg_wallet.h"

#define ATTEMPT_COLS "seq, kind, tx_hash, max_fee_per_gas, max_priority_fee_per_gas, gas_price, gas_limit," \
	" block, fee_paid, created_at, raw_tx"

static w3w_status read_attempt(const PGresult *r, int row, void *out)
{
	w3w_withdrawal_attempt_row *ar = out;
	w3w_withdrawal_attempt *a = &ar->a;
	int64_t seq = 0, gas = 0, block = 0;
	char kind[16];

	memset(ar, 0, sizeof(*ar));
	w3w__pg_cols(r, row, 0, "ItttttIItIt", &seq, kind, sizeof(kind), a->tx_hash, sizeof(a->tx_hash),
		a->max_fee_per_gas, sizeof(a->max_fee_per_gas), a->max_priority_fee_per_gas,
		sizeof(a->max_priority_fee_per_gas), a->gas_price, sizeof(a->gas_price), &gas, &block,
		a->fee_paid, sizeof(a->fee_paid), &a->created_at, ar->raw_tx, sizeof(ar->raw_tx));
	a->seq = (int)seq;
	a->kind = w3w_withdrawal_attempt_kind_from_name(kind);
	a->gas_limit = (uint64_t)gas;
	a->block = (uint64_t)block;
	return W3W_OK;
}

w3w_status w3w__pg_withdrawal_attempt_add(w3w_storage *st, w3w_cmd_withdrawal_attempt *cmd, w3w_withdrawal_row *out)
{
	const w3w_withdrawal_attempt *a = &cmd->attempt.a;
	const char *from = w3w_withdrawal_status_name(cmd->from_status), *kind = w3w_withdrawal_attempt_kind_name(a->kind);
	w3w__pg_params p;
	PGresult *r = NULL;
	w3w_status rc;

	if (!from || !kind)
		return w3w_error_set(W3W_EINVAL, "withdrawal %s: unknown status or attempt kind", cmd->id);
	w3w__pg_command_params(&p, &cmd->meta);
	w3w__pg_p(&p, "ttttttttII", cmd->id, from, kind, a->tx_hash, cmd->attempt.raw_tx, a->max_fee_per_gas,
		a->max_priority_fee_per_gas, a->gas_price, (int64_t)a->gas_limit, (int64_t)a->block);
	rc = w3w__pg_run_sql(w3w__pg_of(st), "SELECT w3w_withdrawal_attempt_add($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,"
		"$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26,$27,$28,$29)", &p, &cmd->meta,
		"withdrawal_attempt_add", &r);
	w3w__pg_params_free(&p);
	if (rc == W3W_OK && PQntuples(r) == 1)
		cmd->attempt.a.seq = (int)w3w__pg_col_i64(r, 0, 0);
	PQclear(r);
	/* Committed, whether its answer came back or was lost: the row as it is now. */
	if (rc == W3W_OK || rc == W3W__PG_COMMITTED)
		return w3w__pg_withdrawal_get(st, cmd->id, out);
	return rc;
}

w3w_status w3w__pg_withdrawal_attempt_list(w3w_storage *st, const char *id, w3w_withdrawal_attempt_row **out,
	size_t *count)
{
	w3w__pg_params p;
	PGresult *r = NULL;
	void *items = NULL;
	w3w_status rc;

	*out = NULL;
	*count = 0;
	if (!w3w__pg_is_uuid(id))
		return w3w_error_set(W3W_EINVAL, "id: not a UUID");
	w3w__pg_params_init(&p);
	w3w__pg_p_text(&p, id);
	rc = w3w__pg_run_sql(w3w__pg_of(st), "SELECT " ATTEMPT_COLS " FROM w3w_withdrawal_attempt_v"
		" WHERE withdrawal_id = $1 ORDER BY seq", &p, NULL, "withdrawal_attempt_list", &r);
	w3w__pg_params_free(&p);
	rc = w3w__pg_take_rows(rc, r, sizeof(w3w_withdrawal_attempt_row), read_attempt, NULL, &items, count);
	*out = items;
	return rc;
}

w3w_status w3w__pg_withdrawal_attempt_mined(w3w_storage *st, const char *id, const char *tx_hash,
	const char *fee_paid)
{
	w3w__pg_params p;
	PGresult *r = NULL;
	w3w_status rc;

	if (!w3w__pg_is_uuid(id))
		return w3w_error_set(W3W_EINVAL, "id: not a UUID");
	w3w__pg_params_init(&p);
	w3w__pg_p(&p, "ttt", id, tx_hash, fee_paid);
	rc = w3w__pg_run_sql(w3w__pg_of(st), "UPDATE withdrawal_attempts SET fee_paid = $3"
		" WHERE withdrawal_id = $1 AND tx_hash = $2", &p, NULL, "withdrawal_attempt_mined", &r);
	w3w__pg_params_free(&p);
	if (rc == W3W_OK && strcmp(PQcmdTuples(r), "0") == 0)
		rc = w3w_error_set(W3W_ENOTFOUND, "withdrawal %s: no attempt %s", id, tx_hash);
	PQclear(r);
	return rc;
}

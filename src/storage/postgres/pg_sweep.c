/*
 * PostgreSQL storage, sweeps (schema version 9, sql/009_sweeps.sql): each
 * write one call of its function (the compare-and-set on the status and
 * the one-open-sweep-per-address rule are there), fees summed as numeric.
 */
#include <stdlib.h>
#include <string.h>

#include "storage/postgres/pg_wallet.h"

#define SWEEP_COLS "id, chain, address, wallet_index, currency, to_address, status, amount, nonce, tx_hash," \
	" raw_tx, topup_value, topup_nonce, topup_tx_hash, topup_raw, fee_type, gas_limit, max_fee, priority_fee," \
	" fee_currency, topup_fee, sweep_fee, error, created_at, updated_at"
#define SWEEP_BY_ID "SELECT " SWEEP_COLS " FROM w3w_sweep_v WHERE id = $1"
/* The 19 parameters of w3w__pg_command_params(), then the command's own. */
#define META_PH "$1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19"

static w3w_status sweep_at(const PGresult *r, int row, int col, void *out)
{
	w3w_sweep_row *sr = out;
	w3w_sweep *s = &sr->s;
	char status[16];
	int64_t fee_type = 0;

	memset(sr, 0, sizeof(*sr));
	w3w__pg_cols(r, row, col, "tttIttttItttIttIIttttttII", s->id, sizeof(s->id), s->chain, sizeof(s->chain),
		s->address, sizeof(s->address), &s->wallet_index, s->currency, sizeof(s->currency), s->to_address,
		sizeof(s->to_address), status, sizeof(status), s->amount, sizeof(s->amount), &s->nonce, s->tx_hash,
		sizeof(s->tx_hash), sr->raw_tx, sizeof(sr->raw_tx), s->topup_value, sizeof(s->topup_value), &s->topup_nonce,
		s->topup_tx_hash, sizeof(s->topup_tx_hash), sr->topup_raw, sizeof(sr->topup_raw), &fee_type, &sr->gas_limit,
		sr->max_fee, sizeof(sr->max_fee), sr->priority_fee, sizeof(sr->priority_fee), s->fee_currency,
		sizeof(s->fee_currency), s->topup_fee, sizeof(s->topup_fee), s->sweep_fee, sizeof(s->sweep_fee), s->error,
		sizeof(s->error), &s->created_at, &s->updated_at);
	s->status = w3w_sweep_status_from_name(status);
	sr->fee_type = (int)fee_type;
	return W3W_OK;
}

static w3w_status read_sweep(const PGresult *r, int row, void *out)
{
	return sweep_at(r, row, 0, out);
}

w3w_status w3w__pg_sweep_create(w3w_storage *st, w3w_cmd_sweep_create *cmd, w3w_sweep_row *out)
{
	const w3w_sweep_row *row = &cmd->row;
	const w3w_sweep *s = &row->s;
	w3w__pg_params p;
	PGresult *r = NULL;
	w3w_status rc;

	if (s->status != W3W_SWEEP_PLANNED)
		return w3w_error_set(W3W_EINVAL, "sweep %s: is created planned", s->id);
	w3w__pg_command_params(&p, &cmd->meta);
	w3w__pg_p(&p, "tttIttttIItttII", s->id, s->chain, s->address, s->wallet_index, s->currency, s->to_address,
		s->amount, s->topup_value, (int64_t)row->fee_type, row->gas_limit, row->max_fee, row->priority_fee,
		s->fee_currency, cmd->topup_nonce_floor, s->created_at);
	rc = w3w__pg_run_sql(w3w__pg_of(st), "SELECT * FROM w3w_sweep_create(" META_PH ",$20,$21,$22,$23,$24,$25,$26,$27,"
		"$28::integer,$29,$30,$31,$32,$33,$34)", &p, &cmd->meta, "sweep_create", &r);
	w3w__pg_params_free(&p);
	return w3w__pgw_written(st, rc, r, &cmd->meta, sweep_at, out, "sweep", s->id, SWEEP_BY_ID);
}

w3w_status w3w__pg_sweep_update(w3w_storage *st, w3w_cmd_sweep_update *cmd, w3w_sweep_row *out)
{
	const w3w_sweep_row *row = &cmd->row;
	const w3w_sweep *s = &row->s;
	const char *from = w3w_sweep_status_name(cmd->from_status), *to = w3w_sweep_status_name(s->status);
	w3w__pg_params p;
	PGresult *r = NULL;
	w3w_status rc;

	if (!from || !to)
		return w3w_error_set(W3W_EINVAL, "sweep %s: unknown status", s->id);
	w3w__pg_command_params(&p, &cmd->meta);
	w3w__pg_p(&p, "ttttItttttIIttttttb", s->id, from, to, s->amount, s->nonce, s->tx_hash, row->raw_tx,
		s->topup_value, s->topup_tx_hash, row->topup_raw, (int64_t)row->fee_type, row->gas_limit, row->max_fee,
		row->priority_fee, s->fee_currency, s->topup_fee, s->sweep_fee, s->error, cmd->give_back_topup_nonce);
	rc = w3w__pg_run_sql(w3w__pg_of(st), "SELECT * FROM w3w_sweep_update(" META_PH ",$20,$21,$22,$23,$24,$25,$26,$27,"
		"$28,$29,$30::integer,$31,$32,$33,$34,$35,$36,$37,$38)", &p, &cmd->meta, "sweep_update", &r);
	w3w__pg_params_free(&p);
	return w3w__pgw_written(st, rc, r, &cmd->meta, sweep_at, out, "sweep", s->id, SWEEP_BY_ID);
}

w3w_status w3w__pg_sweep_list(w3w_storage *st, const char *chain, int open_only, size_t max, w3w_sweep_row **out,
	size_t *count)
{
	w3w__pg_params p;
	void *items = NULL;
	w3w_status rc;

	*out = NULL;
	*count = 0;
	if (max == 0)
		return W3W_OK;
	w3w__pg_params_init(&p);
	w3w__pg_p(&p, "tI", chain, (int64_t)max);
	rc = w3w__pgw_all(st, open_only
		? "SELECT " SWEEP_COLS " FROM w3w_sweep_v WHERE ($1 = '' OR chain = $1)"
		  " AND status IN ('planned','topup_signed','topup_mined','signed') ORDER BY created_at, id LIMIT $2"
		: "SELECT " SWEEP_COLS " FROM w3w_sweep_v WHERE ($1 = '' OR chain = $1) ORDER BY created_at DESC, id DESC"
		  " LIMIT $2", &p, "sweep_list", read_sweep, sizeof(w3w_sweep_row), &items, count);
	*out = items;
	return rc;
}

static w3w_status read_total(const PGresult *r, int row, void *out)
{
	w3w_sweep_fee_total *t = out;

	memset(t, 0, sizeof(*t));
	w3w__pg_cols(r, row, 0, "tttI", t->chain, sizeof(t->chain), t->currency, sizeof(t->currency), t->total,
		sizeof(t->total), &t->transactions);
	return W3W_OK;
}

w3w_status w3w__pg_sweep_fee_totals(w3w_storage *st, const char *chain, w3w_sweep_fee_total **out, size_t *count)
{
	w3w__pg_params p;
	void *items = NULL;
	w3w_status rc;

	*out = NULL;
	*count = 0;
	w3w__pg_params_init(&p);
	w3w__pg_p_text(&p, chain);
	rc = w3w__pgw_all(st, "SELECT chain::text, fee_currency::text, sum(topup_fee + sweep_fee)::text,"
		" count(*) FILTER (WHERE topup_fee > 0) + count(*) FILTER (WHERE sweep_fee > 0)"
		" FROM sweeps WHERE ($1 = '' OR chain = $1) AND (topup_fee > 0 OR sweep_fee > 0)"
		" GROUP BY chain, fee_currency ORDER BY chain, fee_currency", &p, "sweep_fee_totals", read_total,
		sizeof(w3w_sweep_fee_total), &items, count);
	*out = items;
	return rc;
}

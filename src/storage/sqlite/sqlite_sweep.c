/*
 * SQLite storage, sweeps (schema version 8, sql/008_sweeps.sql): records
 * with a compare-and-set on their status, one open per deposit address,
 * top-up nonces from the withdrawals' allocator, fee totals.
 */
#include <stdlib.h>
#include <string.h>

#include "crypto/u256.h"
#include "storage/sqlite/sqlite_wallet.h"

#define SWEEP_COLS "id, chain, address, wallet_index, currency, to_address, status, amount, nonce, tx_hash," \
	" raw_tx, topup_value, topup_nonce, topup_tx_hash, topup_raw, fee_type, gas_limit, max_fee, priority_fee," \
	" fee_currency, topup_fee, sweep_fee, error, created_at, updated_at"
#define OPEN_STATUSES "('planned','topup_signed','topup_mined','signed')"

static w3w_status read_sweep(sqlite3_stmt *st, void *item)
{
	w3w_sweep_row *r = item;
	w3w_sweep *s = &r->s;
	char status[16];
	int64_t fee_type = 0;

	memset(r, 0, sizeof(*r));
	w3w__sq_cols(st, 0, "tttIttttItttIttIIttttttII", s->id, sizeof(s->id), s->chain, sizeof(s->chain),
		s->address, sizeof(s->address), &s->wallet_index, s->currency, sizeof(s->currency), s->to_address,
		sizeof(s->to_address), status, sizeof(status), s->amount, sizeof(s->amount), &s->nonce, s->tx_hash,
		sizeof(s->tx_hash), r->raw_tx, sizeof(r->raw_tx), s->topup_value, sizeof(s->topup_value), &s->topup_nonce,
		s->topup_tx_hash, sizeof(s->topup_tx_hash), r->topup_raw, sizeof(r->topup_raw), &fee_type, &r->gas_limit,
		r->max_fee, sizeof(r->max_fee), r->priority_fee, sizeof(r->priority_fee), s->fee_currency,
		sizeof(s->fee_currency), s->topup_fee, sizeof(s->topup_fee), s->sweep_fee, sizeof(s->sweep_fee), s->error,
		sizeof(s->error), &s->created_at, &s->updated_at);
	s->status = w3w_sweep_status_from_name(status);
	r->fee_type = (int)fee_type;
	return W3W_OK;
}

static w3w_status sweep_load(w3w__sq_conn *c, const char *id, w3w_sweep_row *out)
{
	return w3w__sq_get(c, "SELECT " SWEEP_COLS " FROM sweeps WHERE id = ?1", id, read_sweep, out,
		"sweep %s: not found");
}

static w3w_status sweep_create(w3w__sq_conn *c, w3w_cmd_sweep_create *cmd, w3w_sweep_row *out)
{
	w3w_sweep_row *r = &cmd->row;
	w3w_sweep *s = &r->s;
	const char *status = w3w_sweep_status_name(s->status);
	w3w_status st;

	if (s->status != W3W_SWEEP_PLANNED)
		return w3w_error_set(W3W_EINVAL, "sweep %s: is created planned", s->id);
	s->topup_nonce = -1;
	if (cmd->topup_nonce_floor >= 0 &&
	    (st = w3w__sq_nonce_allocate(c, s->chain, s->to_address, cmd->topup_nonce_floor, &s->topup_nonce)) != W3W_OK)
		return st;
	st = w3w__sq_run(c, "INSERT INTO sweeps(" SWEEP_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
		" ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25)", "tttIttttItttIttIIttttttII",
		s->id, s->chain, s->address, s->wallet_index, s->currency, s->to_address, status, s->amount, s->nonce,
		s->tx_hash, r->raw_tx, s->topup_value, s->topup_nonce, s->topup_tx_hash, r->topup_raw, (int64_t)r->fee_type,
		r->gas_limit, r->max_fee, r->priority_fee, s->fee_currency, s->topup_fee, s->sweep_fee, s->error,
		s->created_at, s->updated_at);
	if (st != W3W_OK && w3w__sq_unique_violated(c))
		return w3w_error_set(W3W_ECONFLICT, "sweep: %s of %s already has an open sweep (or id %s is taken)",
			s->address, s->chain, s->id);
	if (st == W3W_OK)
		st = w3w__sq_finish_write(c, &cmd->meta, s->id);
	return st == W3W_OK ? sweep_load(c, s->id, out) : st;
}

w3w_status w3w__sq_sweep_create(w3w_storage *st, w3w_cmd_sweep_create *cmd, w3w_sweep_row *out)
{
	w3w__sq_conn *c = w3w__sq_begin(w3w__sq(st), W3W__SQ_IMMEDIATE);

	return c ? w3w__sq_end(c, sweep_create(c, cmd, out)) : w3w_error_code();
}

/* `cur` is scratch for the row as it is (rows are large: the caller allocates it). */
static w3w_status sweep_update(w3w__sq_conn *c, w3w_cmd_sweep_update *cmd, w3w_sweep_row *cur, w3w_sweep_row *out)
{
	const w3w_sweep_row *r = &cmd->row;
	const w3w_sweep *s = &r->s;
	const char *to = w3w_sweep_status_name(s->status), *from = w3w_sweep_status_name(cmd->from_status);
	w3w_status st;

	if (!to || !from)
		return w3w_error_set(W3W_EINVAL, "sweep %s: unknown status", s->id);
	if ((st = sweep_load(c, s->id, cur)) != W3W_OK)
		return st;
	if (cur->s.status != cmd->from_status)
		return w3w_error_set(W3W_ESTATE, "sweep %s: is %s, not %s", s->id,
			w3w_sweep_status_name(cur->s.status) ? w3w_sweep_status_name(cur->s.status) : "?", from);
	st = w3w__sq_run(c, "UPDATE sweeps SET status = ?2, amount = ?3, nonce = ?4, tx_hash = ?5, raw_tx = ?6,"
		" topup_value = ?7, topup_tx_hash = ?8, topup_raw = ?9, fee_type = ?10, gas_limit = ?11, max_fee = ?12,"
		" priority_fee = ?13, fee_currency = ?14, topup_fee = ?15, sweep_fee = ?16, error = ?17, updated_at = ?18"
		" WHERE id = ?1", "tttItttttIIttttttI",
		s->id, to, s->amount, s->nonce, s->tx_hash, r->raw_tx, s->topup_value, s->topup_tx_hash, r->topup_raw,
		(int64_t)r->fee_type, r->gas_limit, r->max_fee, r->priority_fee, s->fee_currency, s->topup_fee, s->sweep_fee,
		s->error, cmd->meta.now);
	if (st == W3W_OK && cmd->give_back_topup_nonce && cur->s.topup_nonce >= 0)
		st = w3w__sq_nonce_give_back(c, cur->s.chain, cur->s.to_address, cur->s.topup_nonce);
	if (st == W3W_OK)
		st = w3w__sq_finish_write(c, &cmd->meta, s->id);
	return st == W3W_OK ? sweep_load(c, s->id, out) : st;
}

w3w_status w3w__sq_sweep_update(w3w_storage *st, w3w_cmd_sweep_update *cmd, w3w_sweep_row *out)
{
	w3w_sweep_row *cur = malloc(sizeof(*cur));
	w3w__sq_conn *c;
	w3w_status rc;

	if (!cur)
		return w3w_error_set(W3W_ENOMEM, "sweep: out of memory");
	c = w3w__sq_begin(w3w__sq(st), W3W__SQ_IMMEDIATE);
	rc = c ? w3w__sq_end(c, sweep_update(c, cmd, cur, out)) : w3w_error_code();
	free(cur);
	return rc;
}

w3w_status w3w__sq_sweep_list(w3w_storage *st, const char *chain, int open_only, size_t max, w3w_sweep_row **out,
	size_t *count)
{
	void *items = NULL;
	w3w_status rc = W3W_OK;

	*count = 0;
	if (max > 0)
		rc = w3w__sq_read_all(w3w__sq(st), read_sweep, sizeof(w3w_sweep_row), max, &items, count,
			open_only ? "SELECT " SWEEP_COLS " FROM sweeps WHERE (?1 = '' OR chain = ?1) AND status IN "
				OPEN_STATUSES " ORDER BY created_at, id LIMIT ?2"
			          : "SELECT " SWEEP_COLS " FROM sweeps WHERE (?1 = '' OR chain = ?1)"
				" ORDER BY created_at DESC, id DESC LIMIT ?2", "tI", chain, (int64_t)max);
	*out = items;
	return rc;
}

/* ---- fee totals: 256-bit sums, made here (SQLite has no integer that wide) --------------------------- */

typedef struct fee_row {
	char chain[W3W_CHAIN_KEY_SIZE];
	char currency[W3W_CURRENCY_SIZE];
	char fee[W3W_U256_TEXT_SIZE];
} fee_row;

static w3w_status read_fee(sqlite3_stmt *s, void *item)
{
	fee_row *f = item;

	memset(f, 0, sizeof(*f));
	w3w__sq_cols(s, 0, "ttt", f->chain, sizeof(f->chain), f->currency, sizeof(f->currency), f->fee, sizeof(f->fee));
	return W3W_OK;
}

/* Add fee row `f` to the totals (rows come ordered by chain and currency). */
static w3w_status add_fee(w3w_sweep_fee_total *totals, size_t *n, const fee_row *f)
{
	w3w_sweep_fee_total *t = *n ? &totals[*n - 1] : NULL;
	w3w__u256 sum, fee;

	if (!t || strcmp(t->chain, f->chain) != 0 || strcmp(t->currency, f->currency) != 0) {
		t = &totals[(*n)++];
		memset(t, 0, sizeof(*t));
		strcpy(t->chain, f->chain);
		strcpy(t->currency, f->currency);
		strcpy(t->total, "0");
	}
	if (w3w__u256_parse(&fee, f->fee, strlen(f->fee)) != 0 ||
	    w3w__u256_parse(&sum, t->total, strlen(t->total)) != 0 || w3w__u256_add(&sum, &sum, &fee) != 0)
		return w3w_error_set(W3W_EINTERNAL, "sweep fees of %s: not a 256-bit number (%s)", f->chain, f->fee);
	w3w__u256_to_decimal(t->total, sizeof(t->total), &sum);
	t->transactions += !w3w__u256_is_zero(&fee);
	return W3W_OK;
}

w3w_status w3w__sq_sweep_fee_totals(w3w_storage *st, const char *chain, w3w_sweep_fee_total **out, size_t *count)
{
	void *items = NULL;
	fee_row *rows;
	w3w_sweep_fee_total *totals = NULL;
	size_t n = 0, k = 0;
	w3w_status rc;

	*out = NULL;
	*count = 0;
	rc = w3w__sq_read_all(w3w__sq(st), read_fee, sizeof(fee_row), 0, &items, &n,
		"SELECT chain, fee_currency, topup_fee FROM sweeps WHERE (?1 = '' OR chain = ?1) AND topup_fee <> '0'"
		" UNION ALL SELECT chain, fee_currency, sweep_fee FROM sweeps WHERE (?1 = '' OR chain = ?1)"
		" AND sweep_fee <> '0' ORDER BY 1, 2", "t", chain);
	rows = items;
	if (rc == W3W_OK && n && !(totals = calloc(n, sizeof(*totals))))
		rc = w3w_error_set(W3W_ENOMEM, "sweep fees: out of memory");
	for (size_t i = 0; rc == W3W_OK && i < n; i++)
		rc = add_fee(totals, &k, &rows[i]);
	free(rows);
	if (rc != W3W_OK) {
		free(totals);
		return rc;
	}
	*out = totals;
	*count = k;
	return W3W_OK;
}

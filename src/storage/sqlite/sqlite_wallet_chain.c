/*
 * SQLite storage, wallets part 2: withdrawals (hold, nonce allocation,
 * status moves that settle or release), the deposit watcher's cursor and
 * processed blocks, and the record of deposits seen on chain.
 */
#include <stdlib.h>
#include <string.h>

#include "storage/sqlite/sqlite_wallet.h"

/* ---- withdrawals ---------------------------------------------------------------- */

#define WITHDRAWAL_COLS "id, user_id, chain, currency, amount, to_address, from_address, nonce, tx_hash," \
	" raw_tx, status, error, transfer_id, created_at, updated_at"

static w3w_status read_withdrawal(sqlite3_stmt *s, void *item)
{
	w3w_withdrawal_row *r = item;
	w3w_withdrawal *w = &r->w;
	char status[16];

	memset(r, 0, sizeof(*r));
	w3w__sq_cols(s, 0, "ttttIttItttttII", w->id, sizeof(w->id), w->user_id, sizeof(w->user_id),
		w->chain, sizeof(w->chain), w->currency, sizeof(w->currency), &w->amount,
		w->to_address, sizeof(w->to_address), w->from_address, sizeof(w->from_address), &w->nonce,
		w->tx_hash, sizeof(w->tx_hash), r->raw_tx, sizeof(r->raw_tx), status, sizeof(status),
		w->error, sizeof(w->error), w->transfer_id, sizeof(w->transfer_id), &w->created_at, &w->updated_at);
	w->status = w3w_withdrawal_status_from_name(status);
	return W3W_OK;
}

w3w_status w3w__sq_withdrawal_load(w3w__sq_conn *c, const char *id, w3w_withdrawal_row *out)
{
	return w3w__sq_get(c, "SELECT " WITHDRAWAL_COLS " FROM withdrawals WHERE id = ?1", id, read_withdrawal, out,
		"withdrawal %s: not found");
}

static w3w_status read_int64(sqlite3_stmt *s, void *item)
{
	/* MIN() of no rows is NULL: leave the caller's -1. */
	if (sqlite3_column_type(s, 0) != SQLITE_NULL)
		*(int64_t *)item = sqlite3_column_int64(s, 0);
	return W3W_OK;
}

/* The smallest given-back nonce >= floor (forgetting those below), else the counter's next. */
w3w_status w3w__sq_nonce_allocate(w3w__sq_conn *c, const char *chain, const char *address, int64_t floor,
	int64_t *out)
{
	sqlite3_stmt *s;
	int row = 0;
	w3w_status st = w3w__sq_run(c,
		"DELETE FROM chain_free_nonces WHERE chain = ?1 AND address = ?2 AND nonce < ?3", "ttI",
		chain, address, floor);

	*out = -1;
	if (st == W3W_OK)
		st = w3w__sq_query(c, &s, "SELECT MIN(nonce) FROM chain_free_nonces WHERE chain = ?1 AND address = ?2",
			"tt", chain, address);
	if (st == W3W_OK)
		st = w3w__sq_one(c, s, read_int64, out, &row);
	if (st != W3W_OK)
		return st;
	if (*out >= 0)
		return w3w__sq_run(c,
			"DELETE FROM chain_free_nonces WHERE chain = ?1 AND address = ?2 AND nonce = ?3", "ttI",
			chain, address, *out);
	st = w3w__sq_query(c, &s,
		"INSERT INTO chain_nonces(chain, address, next) VALUES (?1, ?2, ?3 + 1)"
		" ON CONFLICT(chain, address) DO UPDATE SET next = MAX(next, ?3) + 1 RETURNING next - 1", "ttI",
		chain, address, floor);
	if (st == W3W_OK)
		st = w3w__sq_one(c, s, read_int64, out, &row);
	if (st == W3W_OK && !row)
		st = w3w_error_set(W3W_EINTERNAL, "nonce of %s: none returned", address);
	return st;
}

w3w_status w3w__sq_nonce_give_back(w3w__sq_conn *c, const char *chain, const char *address, int64_t nonce)
{
	return w3w__sq_run(c, "INSERT OR IGNORE INTO chain_free_nonces(chain, address, nonce) VALUES (?1, ?2, ?3)",
		"ttI", chain, address, nonce);
}

static w3w_status withdrawal_create(w3w__sq_conn *c, w3w_cmd_withdrawal_create *cmd, w3w_withdrawal_row *out)
{
	w3w_write_meta *meta = &cmd->meta;
	w3w_withdrawal *w = &cmd->w;
	char result_id[W3W_ID_SIZE];
	int64_t nonce = -1;
	w3w_status st = w3w__sq_idem_check(c, meta, result_id);

	if (st != W3W_OK || meta->replayed)
		return st != W3W_OK ? st : w3w__sq_withdrawal_load(c, result_id, out);
	if ((st = w3w__sq_limit_take(c, w->user_id, w->currency, w->amount, meta->now, w->id)) != W3W_OK ||
	    (st = w3w__sq_account_move(c, W3W__SQ_HOLD, w->user_id, w->currency, w->amount, meta->now)) != W3W_OK ||
	    (st = w3w__sq_nonce_allocate(c, w->chain, w->from_address, cmd->nonce_floor, &nonce)) != W3W_OK)
		return st;
	st = w3w__sq_run(c, "INSERT INTO withdrawals(" WITHDRAWAL_COLS ") VALUES"
		" (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, '', '', 'held', '', '', ?9, ?10)", "ttttIttIII",
		w->id, w->user_id, w->chain, w->currency, w->amount, w->to_address, w->from_address, nonce,
		w->created_at, w->updated_at);
	if (st != W3W_OK && w3w__sq_unique_violated(c))
		return w3w_error_set(W3W_ECONFLICT, "withdrawal %s: id or nonce %lld of %s already used",
			w->id, (long long)nonce, w->from_address);
	if (st == W3W_OK)
		st = w3w__sq_finish_write(c, meta, w->id);
	if (st == W3W_OK)
		st = w3w__sq_withdrawal_load(c, w->id, out);
	return st;
}

w3w_status w3w__sq_withdrawal_create(w3w_storage *st, w3w_cmd_withdrawal_create *cmd, w3w_withdrawal_row *out)
{
	w3w__sq_conn *c = w3w__sq_begin(w3w__sq(st), W3W__SQ_IMMEDIATE);

	return c ? w3w__sq_end(c, withdrawal_create(c, cmd, out)) : w3w_error_code();
}

/* The ledger side of a final status: settle the hold, or release it. */
static w3w_status withdrawal_ledger(w3w__sq_conn *c, w3w_cmd_withdrawal_update *cmd, const w3w_withdrawal *w)
{
	w3w_time now = cmd->meta.now;

	if (cmd->to_status == W3W_WITHDRAWAL_CONFIRMED) {
		w3w_transfer *t = &cmd->settlement;
		w3w_status st = w3w__sq_account_move(c, W3W__SQ_SETTLE, w->user_id, w->currency, w->amount, now);
		if (st != W3W_OK)
			return st;
		t->kind = W3W_TRANSFER_WITHDRAWAL;
		strcpy(t->from_user_id, w->user_id);
		strcpy(t->to_user_id, W3W_EXTERNAL_USER_ID);
		strcpy(t->currency, w->currency);
		t->amount = w->amount;
		return w3w__sq_transfer_record(c, t);
	}
	if (cmd->to_status == W3W_WITHDRAWAL_FAILED || cmd->to_status == W3W_WITHDRAWAL_DROPPED)
		return w3w__sq_account_move(c, W3W__SQ_UNHOLD, w->user_id, w->currency, w->amount, now);
	return W3W_OK;
}

/* `cur` is scratch for the row as it was (withdrawal rows are large: the caller allocates it). */
static w3w_status withdrawal_update(w3w__sq_conn *c, w3w_cmd_withdrawal_update *cmd, w3w_withdrawal_row *cur,
	w3w_withdrawal_row *out)
{
	const w3w_withdrawal *w = &cur->w;
	const char *to = w3w_withdrawal_status_name(cmd->to_status);
	w3w_status st;

	if (!to || !w3w_withdrawal_status_name(cmd->from_status))
		return w3w_error_set(W3W_EINVAL, "withdrawal %s: unknown status", cmd->id);
	if ((st = w3w__sq_withdrawal_load(c, cmd->id, cur)) != W3W_OK)
		return st;
	if (w->status != cmd->from_status)
		return w3w_error_set(W3W_ESTATE, "withdrawal %s: is %s, not %s", cmd->id,
			w3w_withdrawal_status_name(w->status) ? w3w_withdrawal_status_name(w->status) : "?",
			w3w_withdrawal_status_name(cmd->from_status));
	if ((st = withdrawal_ledger(c, cmd, w)) != W3W_OK)
		return st;
	st = w3w__sq_run(c,
		"UPDATE withdrawals SET status = ?2, updated_at = ?3,"
		" tx_hash = CASE WHEN ?4 = '' THEN tx_hash ELSE ?4 END,"
		" raw_tx = CASE WHEN ?5 = '' THEN raw_tx ELSE ?5 END,"
		" error = CASE WHEN ?6 = '' THEN error ELSE ?6 END,"
		" transfer_id = CASE WHEN ?7 = '' THEN transfer_id ELSE ?7 END"
		" WHERE id = ?1", "ttItttt",
		cmd->id, to, cmd->meta.now, cmd->tx_hash, cmd->raw_tx, cmd->error,
		cmd->to_status == W3W_WITHDRAWAL_CONFIRMED ? cmd->settlement.id : "");
	if (st == W3W_OK && cmd->give_back_nonce)
		st = w3w__sq_nonce_give_back(c, w->chain, w->from_address, w->nonce);
	if (st == W3W_OK)
		st = w3w__sq_finish_write(c, &cmd->meta, cmd->id);
	return st == W3W_OK ? w3w__sq_withdrawal_load(c, cmd->id, out) : st;
}

w3w_status w3w__sq_withdrawal_update(w3w_storage *st, w3w_cmd_withdrawal_update *cmd, w3w_withdrawal_row *out)
{
	w3w_withdrawal_row *cur = malloc(sizeof(*cur));
	w3w__sq_conn *c;
	w3w_status rc;

	if (!cur)
		return w3w_error_set(W3W_ENOMEM, "withdrawal: out of memory");
	c = w3w__sq_begin(w3w__sq(st), W3W__SQ_IMMEDIATE);
	rc = c ? w3w__sq_end(c, withdrawal_update(c, cmd, cur, out)) : w3w_error_code();
	free(cur);
	return rc;
}

w3w_status w3w__sq_withdrawal_get(w3w_storage *st, const char *id, w3w_withdrawal_row *out)
{
	w3w__sq_conn *c = w3w__sq_begin(w3w__sq(st), W3W__SQ_READ);

	return c ? w3w__sq_end(c, w3w__sq_withdrawal_load(c, id, out)) : w3w_error_code();
}

w3w_status w3w__sq_withdrawal_list_open(w3w_storage *st, const char *chain, size_t max,
	w3w_withdrawal_row **out, size_t *count)
{
	void *items = NULL;
	w3w_status rc = W3W_OK;

	*count = 0;
	if (max > 0)
		rc = w3w__sq_read_all(w3w__sq(st), read_withdrawal, sizeof(w3w_withdrawal_row), max, &items, count,
			"SELECT " WITHDRAWAL_COLS " FROM withdrawals"
			" WHERE chain = ?1 AND status IN ('held','signed','broadcast') ORDER BY created_at, id LIMIT ?2",
			"tI", chain, (int64_t)max);
	*out = items;
	return rc;
}

/* ---- the deposit watcher --------------------------------------------------------------- */

static w3w_status read_block(sqlite3_stmt *s, void *item)
{
	w3w_watch_block *b = item;

	memset(b, 0, sizeof(*b));
	w3w__sq_cols(s, 0, "It", &b->number, b->hash, sizeof(b->hash));
	return W3W_OK;
}

/* The block `sql` (bound ?1 chain, ?2 number) yields; W3W_ENOTFOUND with `missing` (%s: chain) when none. */
static w3w_status watch_one(w3w__sq_conn *c, const char *sql, const char *chain, int64_t number,
	const char *missing, w3w_watch_block *out)
{
	sqlite3_stmt *s;
	w3w_status st = w3w__sq_query(c, &s, sql, "tI", chain, number);

	return st == W3W_OK ? w3w__sq_one_of(c, s, read_block, out, missing, chain) : st;
}

static w3w_status cursor_of(w3w__sq_conn *c, const char *chain, w3w_watch_block *out)
{
	return watch_one(c, "SELECT number, hash FROM watch_cursors WHERE chain = ?1", chain, 0,
		"watch cursor of %s: none", out);
}

w3w_status w3w__sq_watch_cursor(w3w_storage *st, const char *chain, w3w_watch_block *out)
{
	w3w__sq_conn *c = w3w__sq_begin(w3w__sq(st), W3W__SQ_READ);

	return c ? w3w__sq_end(c, cursor_of(c, chain, out)) : w3w_error_code();
}

w3w_status w3w__sq_watch_block(w3w_storage *st, const char *chain, int64_t number, w3w_watch_block *out)
{
	w3w__sq_conn *c = w3w__sq_begin(w3w__sq(st), W3W__SQ_READ);

	return c ? w3w__sq_end(c, watch_one(c,
		"SELECT number, hash FROM watch_blocks WHERE chain = ?1 AND number = ?2", chain,
		number < 0 ? 0 : number, "processed block of %s: none", out)) : w3w_error_code();
}

static w3w_status advance(w3w__sq_conn *c, const w3w_cmd_watch_advance *cmd)
{
	const w3w_watch_block *last;
	w3w_watch_block cur;
	int64_t have;
	w3w_status st;

	if (cmd->count == 0 || !cmd->blocks)
		return w3w_error_set(W3W_EINVAL, "watch advance of %s: no blocks", cmd->chain);
	last = &cmd->blocks[cmd->count - 1];
	st = cursor_of(c, cmd->chain, &cur);
	if (st != W3W_OK && st != W3W_ENOTFOUND)
		return st;
	have = st == W3W_OK ? cur.number : -1;
	if (have != cmd->expect_cursor)
		return w3w_error_set(W3W_ECONFLICT, "watch cursor of %s: at %lld, expected %lld (another watcher?)",
			cmd->chain, (long long)have, (long long)cmd->expect_cursor);
	st = W3W_OK;
	for (size_t i = 0; i < cmd->count && st == W3W_OK; i++)
		st = w3w__sq_run(c, "INSERT OR REPLACE INTO watch_blocks(chain, number, hash) VALUES (?1, ?2, ?3)",
			"tIt", cmd->chain, cmd->blocks[i].number, cmd->blocks[i].hash);
	if (st == W3W_OK)
		st = w3w__sq_run(c, "DELETE FROM watch_blocks WHERE chain = ?1 AND number < ?2", "tI",
			cmd->chain, last->number - cmd->keep);
	if (st == W3W_OK)
		st = w3w__sq_run(c, "INSERT INTO watch_cursors(chain, number, hash, updated_at) VALUES (?1, ?2, ?3, ?4)"
			" ON CONFLICT(chain) DO UPDATE SET number = excluded.number, hash = excluded.hash,"
			" updated_at = excluded.updated_at", "tItI",
			cmd->chain, last->number, last->hash, w3w__sq_wall_us());
	return st;
}

w3w_status w3w__sq_watch_advance(w3w_storage *st, const w3w_cmd_watch_advance *cmd)
{
	w3w__sq_conn *c = w3w__sq_begin(w3w__sq(st), W3W__SQ_IMMEDIATE);

	return c ? w3w__sq_end(c, advance(c, cmd)) : w3w_error_code();
}

/* ---- deposits seen on chain ---------------------------------------------------------------- */

#define DEPOSIT_COLS "reference, chain, user_id, address, currency, tx_hash, log_index, block_number," \
	" block_hash, value, amount, dust, status, transfer_id, created_at"

w3w_status w3w__sq_chain_deposit_put(w3w_storage *st, const w3w_chain_deposit *d, int *inserted)
{
	w3w__sq_conn *c = w3w__sq_begin(w3w__sq(st), W3W__SQ_IMMEDIATE);
	int added = 0;
	w3w_status rc;

	if (inserted)
		*inserted = 0;
	if (!c)
		return w3w_error_code();
	rc = w3w__sq_run(c, "INSERT INTO chain_deposits(" DEPOSIT_COLS ") VALUES"
		" (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
		" ON CONFLICT(reference) DO NOTHING", "ttttttIIttItttI",
		d->reference, d->chain, d->user_id, d->address, d->currency, d->tx_hash, d->log_index,
		d->block_number, d->block_hash, d->value, d->amount, d->dust, d->status, d->transfer_id,
		d->created_at);
	added = rc == W3W_OK && sqlite3_changes(c->db) > 0;
	rc = w3w__sq_end(c, rc);
	if (inserted)
		*inserted = rc == W3W_OK && added;
	return rc;
}

static w3w_status read_deposit(sqlite3_stmt *s, void *item)
{
	w3w_chain_deposit *d = item;

	memset(d, 0, sizeof(*d));
	w3w__sq_cols(s, 0, "ttttttIIttItttI", d->reference, sizeof(d->reference), d->chain, sizeof(d->chain),
		d->user_id, sizeof(d->user_id), d->address, sizeof(d->address), d->currency, sizeof(d->currency),
		d->tx_hash, sizeof(d->tx_hash), &d->log_index, &d->block_number, d->block_hash, sizeof(d->block_hash),
		d->value, sizeof(d->value), &d->amount, d->dust, sizeof(d->dust), d->status, sizeof(d->status),
		d->transfer_id, sizeof(d->transfer_id), &d->created_at);
	return W3W_OK;
}

w3w_status w3w__sq_chain_deposit_get(w3w_storage *st, const char *reference, w3w_chain_deposit *out)
{
	w3w__sq_conn *c = w3w__sq_begin(w3w__sq(st), W3W__SQ_READ);

	return c ? w3w__sq_end(c, w3w__sq_get(c, "SELECT " DEPOSIT_COLS " FROM chain_deposits WHERE reference = ?1",
		reference, read_deposit, out, "deposit %s: not found")) : w3w_error_code();
}

w3w_status w3w__sq_chain_deposit_list(w3w_storage *st, const char *user_id, const char *chain, size_t max,
	w3w_chain_deposit **out, size_t *count)
{
	void *items = NULL;
	w3w_status rc;

	*count = 0;
	rc = w3w__sq_read_all(w3w__sq(st), read_deposit, sizeof(w3w_chain_deposit), max, &items, count,
		"SELECT " DEPOSIT_COLS " FROM chain_deposits WHERE user_id = ?1"
		" AND (?2 = '' OR chain = ?2) ORDER BY created_at DESC, reference DESC LIMIT ?3", "ttI",
		user_id, chain, (int64_t)max);
	*out = items;
	return rc;
}

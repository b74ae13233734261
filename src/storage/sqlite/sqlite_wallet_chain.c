/*
 * SQLite storage, wallets part 2: withdrawals (hold, nonce allocation,
 * status moves that settle or release), the deposit watcher's cursor and
 * processed blocks, and the record of deposits seen on chain.
 */
#include <stdlib.h>
#include <string.h>

#include "storage/sqlite/sqlite_wallet.h"

static const char *const withdrawal_status_names[] = {
	NULL, "held", "signed", "broadcast", "confirmed", "failed", "dropped"
};

static const char *status_name(w3w_withdrawal_status s)
{
	return s >= W3W_WITHDRAWAL_HELD && s <= W3W_WITHDRAWAL_DROPPED ? withdrawal_status_names[s] : NULL;
}

static w3w_withdrawal_status parse_status(const char *text)
{
	for (int i = W3W_WITHDRAWAL_HELD; i <= W3W_WITHDRAWAL_DROPPED; i++)
		if (strcmp(withdrawal_status_names[i], text) == 0)
			return (w3w_withdrawal_status)i;
	return (w3w_withdrawal_status)0;
}

/* ---- withdrawals ---------------------------------------------------------------- */

#define WITHDRAWAL_COLS "id, user_id, chain, currency, amount, to_address, from_address, nonce, tx_hash," \
	" raw_tx, status, error, transfer_id, created_at, updated_at"

static void read_withdrawal(sqlite3_stmt *s, w3w_withdrawal_row *r)
{
	w3w_withdrawal *w = &r->w;
	char status[16];

	memset(r, 0, sizeof(*r));
	w3w__sq_col_text(w->id, sizeof(w->id), s, 0);
	w3w__sq_col_text(w->user_id, sizeof(w->user_id), s, 1);
	w3w__sq_col_text(w->chain, sizeof(w->chain), s, 2);
	w3w__sq_col_text(w->currency, sizeof(w->currency), s, 3);
	w->amount = sqlite3_column_int64(s, 4);
	w3w__sq_col_text(w->to_address, sizeof(w->to_address), s, 5);
	w3w__sq_col_text(w->from_address, sizeof(w->from_address), s, 6);
	w->nonce = sqlite3_column_int64(s, 7);
	w3w__sq_col_text(w->tx_hash, sizeof(w->tx_hash), s, 8);
	w3w__sq_col_text(r->raw_tx, sizeof(r->raw_tx), s, 9);
	w3w__sq_col_text(status, sizeof(status), s, 10);
	w->status = parse_status(status);
	w3w__sq_col_text(w->error, sizeof(w->error), s, 11);
	w3w__sq_col_text(w->transfer_id, sizeof(w->transfer_id), s, 12);
	w->created_at = sqlite3_column_int64(s, 13);
	w->updated_at = sqlite3_column_int64(s, 14);
}

static w3w_status withdrawal_load(w3w__sq_conn *c, const char *id, w3w_withdrawal_row *out)
{
	sqlite3_stmt *s;
	int row = 0;
	w3w_status st = w3w__sq_prep(c, "SELECT " WITHDRAWAL_COLS " FROM withdrawals WHERE id = ?1", &s);

	if (st != W3W_OK)
		return st;
	w3w__sq_bind_text(s, 1, id);
	st = w3w__sq_step(c, s, &row);
	if (st == W3W_OK && row)
		read_withdrawal(s, out);
	else if (st == W3W_OK)
		st = w3w_error_set(W3W_ENOTFOUND, "withdrawal %s: not found", id);
	sqlite3_finalize(s);
	return st;
}

/* The smallest given-back nonce >= floor (forgetting those below), else the counter's next. */
static w3w_status nonce_allocate(w3w__sq_conn *c, const char *chain, const char *address, int64_t floor,
	int64_t *out)
{
	sqlite3_stmt *s;
	int row = 0;
	w3w_status st = w3w__sq_prep(c,
		"DELETE FROM chain_free_nonces WHERE chain = ?1 AND address = ?2 AND nonce < ?3", &s);

	if (st != W3W_OK)
		return st;
	w3w__sq_bind_text(s, 1, chain);
	w3w__sq_bind_text(s, 2, address);
	sqlite3_bind_int64(s, 3, floor);
	if ((st = w3w__sq_run(c, s)) != W3W_OK)
		return st;
	if ((st = w3w__sq_prep(c,
		"SELECT MIN(nonce) FROM chain_free_nonces WHERE chain = ?1 AND address = ?2", &s)) != W3W_OK)
		return st;
	w3w__sq_bind_text(s, 1, chain);
	w3w__sq_bind_text(s, 2, address);
	st = w3w__sq_step(c, s, &row);
	if (st == W3W_OK && row && sqlite3_column_type(s, 0) != SQLITE_NULL) {
		*out = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
		if ((st = w3w__sq_prep(c,
			"DELETE FROM chain_free_nonces WHERE chain = ?1 AND address = ?2 AND nonce = ?3", &s)) != W3W_OK)
			return st;
		w3w__sq_bind_text(s, 1, chain);
		w3w__sq_bind_text(s, 2, address);
		sqlite3_bind_int64(s, 3, *out);
		return w3w__sq_run(c, s);
	}
	sqlite3_finalize(s);
	if (st != W3W_OK)
		return st;
	if ((st = w3w__sq_prep(c,
		"INSERT INTO chain_nonces(chain, address, next) VALUES (?1, ?2, ?3 + 1)"
		" ON CONFLICT(chain, address) DO UPDATE SET next = MAX(next, ?3) + 1 RETURNING next - 1", &s)) != W3W_OK)
		return st;
	w3w__sq_bind_text(s, 1, chain);
	w3w__sq_bind_text(s, 2, address);
	sqlite3_bind_int64(s, 3, floor);
	st = w3w__sq_step(c, s, &row);
	if (st == W3W_OK && row)
		*out = sqlite3_column_int64(s, 0);
	else if (st == W3W_OK)
		st = w3w_error_set(W3W_EINTERNAL, "nonce of %s: none returned", address);
	while (st == W3W_OK && row)
		st = w3w__sq_step(c, s, &row);
	sqlite3_finalize(s);
	return st;
}

typedef struct withdrawal_create_args {
	w3w_cmd_withdrawal_create *cmd;
	w3w_withdrawal_row *out;
} withdrawal_create_args;

static w3w_status withdrawal_create_tx(w3w__sq_conn *c, void *arg)
{
	withdrawal_create_args *a = arg;
	w3w_write_meta *meta = &a->cmd->meta;
	w3w_withdrawal *w = &a->cmd->w;
	char result_id[W3W_ID_SIZE];
	int64_t nonce = -1;
	sqlite3_stmt *s;
	w3w_status st = w3w__sq_idem_check(c, meta, &meta->replayed, result_id);

	if (st != W3W_OK)
		return st;
	if (meta->replayed)
		return withdrawal_load(c, result_id, a->out);
	if ((st = w3w__sq_account_hold(c, w->user_id, w->currency, w->amount, meta->now)) != W3W_OK ||
	    (st = nonce_allocate(c, w->chain, w->from_address, a->cmd->nonce_floor, &nonce)) != W3W_OK)
		return st;
	if ((st = w3w__sq_prep(c, "INSERT INTO withdrawals(" WITHDRAWAL_COLS ") VALUES"
		" (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, '', '', 'held', '', '', ?9, ?10)", &s)) != W3W_OK)
		return st;
	w3w__sq_bind_text(s, 1, w->id);
	w3w__sq_bind_text(s, 2, w->user_id);
	w3w__sq_bind_text(s, 3, w->chain);
	w3w__sq_bind_text(s, 4, w->currency);
	sqlite3_bind_int64(s, 5, w->amount);
	w3w__sq_bind_text(s, 6, w->to_address);
	w3w__sq_bind_text(s, 7, w->from_address);
	sqlite3_bind_int64(s, 8, nonce);
	sqlite3_bind_int64(s, 9, w->created_at);
	sqlite3_bind_int64(s, 10, w->updated_at);
	st = w3w__sq_run(c, s);
	if (st != W3W_OK && w3w__sq_unique_violated(c))
		return w3w_error_set(W3W_ECONFLICT, "withdrawal %s: id or nonce %lld of %s already used",
			w->id, (long long)nonce, w->from_address);
	if (st == W3W_OK)
		st = w3w__sq_finish_write(c, meta, w->id);
	if (st == W3W_OK)
		st = withdrawal_load(c, w->id, a->out);
	return st;
}

w3w_status w3w__sq_withdrawal_create(w3w_storage *st, w3w_cmd_withdrawal_create *cmd, w3w_withdrawal_row *out)
{
	withdrawal_create_args a = { cmd, out };
	return w3w__sq_write(w3w__sq(st), withdrawal_create_tx, &a);
}

typedef struct withdrawal_update_args {
	w3w_cmd_withdrawal_update *cmd;
	w3w_withdrawal_row *out;
	w3w_withdrawal_row cur;
} withdrawal_update_args;

/* The ledger side of a final status: settle the hold, or release it. */
static w3w_status withdrawal_ledger(w3w__sq_conn *c, w3w_cmd_withdrawal_update *cmd, const w3w_withdrawal *w)
{
	w3w_time now = cmd->meta.now;

	if (cmd->to_status == W3W_WITHDRAWAL_CONFIRMED) {
		w3w_transfer *t = &cmd->settlement;
		w3w_status st = w3w__sq_account_settle(c, w->user_id, w->currency, w->amount, now);
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
		return w3w__sq_account_unhold(c, w->user_id, w->currency, w->amount, now);
	return W3W_OK;
}

static w3w_status withdrawal_update_tx(w3w__sq_conn *c, void *arg)
{
	withdrawal_update_args *a = arg;
	w3w_cmd_withdrawal_update *cmd = a->cmd;
	const w3w_withdrawal *w = &a->cur.w;
	const char *to = status_name(cmd->to_status);
	sqlite3_stmt *s;
	w3w_status st;

	if (!to || !status_name(cmd->from_status))
		return w3w_error_set(W3W_EINVAL, "withdrawal %s: unknown status", cmd->id);
	if ((st = withdrawal_load(c, cmd->id, &a->cur)) != W3W_OK)
		return st;
	if (w->status != cmd->from_status)
		return w3w_error_set(W3W_ESTATE, "withdrawal %s: is %s, not %s", cmd->id,
			status_name(w->status) ? status_name(w->status) : "?", status_name(cmd->from_status));
	if ((st = withdrawal_ledger(c, cmd, w)) != W3W_OK)
		return st;
	if ((st = w3w__sq_prep(c,
		"UPDATE withdrawals SET status = ?2, updated_at = ?3,"
		" tx_hash = CASE WHEN ?4 = '' THEN tx_hash ELSE ?4 END,"
		" raw_tx = CASE WHEN ?5 = '' THEN raw_tx ELSE ?5 END,"
		" error = CASE WHEN ?6 = '' THEN error ELSE ?6 END,"
		" transfer_id = CASE WHEN ?7 = '' THEN transfer_id ELSE ?7 END"
		" WHERE id = ?1", &s)) != W3W_OK)
		return st;
	w3w__sq_bind_text(s, 1, cmd->id);
	w3w__sq_bind_text(s, 2, to);
	sqlite3_bind_int64(s, 3, cmd->meta.now);
	w3w__sq_bind_text(s, 4, cmd->tx_hash);
	w3w__sq_bind_text(s, 5, cmd->raw_tx);
	w3w__sq_bind_text(s, 6, cmd->error);
	w3w__sq_bind_text(s, 7, cmd->to_status == W3W_WITHDRAWAL_CONFIRMED ? cmd->settlement.id : "");
	if ((st = w3w__sq_run(c, s)) != W3W_OK)
		return st;
	if (cmd->give_back_nonce) {
		if ((st = w3w__sq_prep(c, "INSERT OR IGNORE INTO chain_free_nonces(chain, address, nonce)"
			" VALUES (?1, ?2, ?3)", &s)) != W3W_OK)
			return st;
		w3w__sq_bind_text(s, 1, w->chain);
		w3w__sq_bind_text(s, 2, w->from_address);
		sqlite3_bind_int64(s, 3, w->nonce);
		if ((st = w3w__sq_run(c, s)) != W3W_OK)
			return st;
	}
	if ((st = w3w__sq_finish_write(c, &cmd->meta, cmd->id)) != W3W_OK)
		return st;
	return withdrawal_load(c, cmd->id, a->out);
}

w3w_status w3w__sq_withdrawal_update(w3w_storage *st, w3w_cmd_withdrawal_update *cmd, w3w_withdrawal_row *out)
{
	withdrawal_update_args *a = calloc(1, sizeof(*a));
	w3w_status rc;

	if (!a)
		return w3w_error_set(W3W_ENOMEM, "withdrawal: out of memory");
	a->cmd = cmd;
	a->out = out;
	rc = w3w__sq_write(w3w__sq(st), withdrawal_update_tx, a);
	free(a);
	return rc;
}

typedef struct withdrawal_get_args {
	const char *id;
	w3w_withdrawal_row *out;
} withdrawal_get_args;

static w3w_status withdrawal_get_tx(w3w__sq_conn *c, void *arg)
{
	withdrawal_get_args *a = arg;
	return withdrawal_load(c, a->id, a->out);
}

w3w_status w3w__sq_withdrawal_get(w3w_storage *st, const char *id, w3w_withdrawal_row *out)
{
	withdrawal_get_args a = { id, out };
	return w3w__sq_read(w3w__sq(st), withdrawal_get_tx, &a);
}

typedef struct withdrawal_list_args {
	const char *chain;
	size_t max;
	w3w_withdrawal_row *items;
	size_t count;
} withdrawal_list_args;

static w3w_status withdrawal_list_tx(w3w__sq_conn *c, void *arg)
{
	withdrawal_list_args *a = arg;
	sqlite3_stmt *s;
	int row = 0;
	w3w_status st = w3w__sq_prep(c, "SELECT " WITHDRAWAL_COLS " FROM withdrawals"
		" WHERE chain = ?1 AND status IN ('held','signed','broadcast') ORDER BY created_at, id LIMIT ?2", &s);

	if (st != W3W_OK)
		return st;
	w3w__sq_bind_text(s, 1, a->chain);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)a->max);
	while ((st = w3w__sq_step(c, s, &row)) == W3W_OK && row && a->count < a->max)
		read_withdrawal(s, &a->items[a->count++]);
	sqlite3_finalize(s);
	return st;
}

w3w_status w3w__sq_withdrawal_list_open(w3w_storage *st, const char *chain, size_t max,
	w3w_withdrawal_row **out, size_t *count)
{
	withdrawal_list_args a = { chain, max, NULL, 0 };
	w3w_status rc;

	*out = NULL;
	*count = 0;
	if (max == 0)
		return W3W_OK;
	if (!(a.items = calloc(max, sizeof(*a.items))))
		return w3w_error_set(W3W_ENOMEM, "withdrawals: out of memory");
	rc = w3w__sq_read(w3w__sq(st), withdrawal_list_tx, &a);
	if (rc != W3W_OK) {
		free(a.items);
		return rc;
	}
	*out = a.items;
	*count = a.count;
	return W3W_OK;
}

/* ---- the deposit watcher --------------------------------------------------------------- */

typedef struct watch_args {
	const char *chain;
	int64_t number;
	w3w_watch_block *out;
} watch_args;

static w3w_status watch_one(w3w__sq_conn *c, const char *sql, const watch_args *a, const char *what)
{
	sqlite3_stmt *s;
	int row = 0;
	w3w_status st = w3w__sq_prep(c, sql, &s);

	if (st != W3W_OK)
		return st;
	w3w__sq_bind_text(s, 1, a->chain);
	if (a->number >= 0)
		sqlite3_bind_int64(s, 2, a->number);
	st = w3w__sq_step(c, s, &row);
	if (st == W3W_OK && row) {
		memset(a->out, 0, sizeof(*a->out));
		a->out->number = sqlite3_column_int64(s, 0);
		w3w__sq_col_text(a->out->hash, sizeof(a->out->hash), s, 1);
	} else if (st == W3W_OK) {
		st = w3w_error_set(W3W_ENOTFOUND, "%s of %s: none", what, a->chain);
	}
	sqlite3_finalize(s);
	return st;
}

static w3w_status cursor_tx(w3w__sq_conn *c, void *arg)
{
	return watch_one(c, "SELECT number, hash FROM watch_cursors WHERE chain = ?1", arg, "watch cursor");
}

w3w_status w3w__sq_watch_cursor(w3w_storage *st, const char *chain, w3w_watch_block *out)
{
	watch_args a = { chain, -1, out };
	return w3w__sq_read(w3w__sq(st), cursor_tx, &a);
}

static w3w_status block_tx(w3w__sq_conn *c, void *arg)
{
	return watch_one(c, "SELECT number, hash FROM watch_blocks WHERE chain = ?1 AND number = ?2", arg,
		"processed block");
}

w3w_status w3w__sq_watch_block(w3w_storage *st, const char *chain, int64_t number, w3w_watch_block *out)
{
	watch_args a = { chain, number < 0 ? 0 : number, out };
	return w3w__sq_read(w3w__sq(st), block_tx, &a);
}

static w3w_status advance_tx(w3w__sq_conn *c, void *arg)
{
	const w3w_cmd_watch_advance *cmd = arg;
	const w3w_watch_block *last;
	w3w_watch_block cur;
	watch_args a = { cmd->chain, -1, &cur };
	sqlite3_stmt *s;
	int64_t have;
	w3w_status st;

	if (cmd->count == 0 || !cmd->blocks)
		return w3w_error_set(W3W_EINVAL, "watch advance of %s: no blocks", cmd->chain);
	last = &cmd->blocks[cmd->count - 1];
	st = cursor_tx(c, &a);
	if (st != W3W_OK && st != W3W_ENOTFOUND)
		return st;
	have = st == W3W_OK ? cur.number : -1;
	if (have != cmd->expect_cursor)
		return w3w_error_set(W3W_ECONFLICT, "watch cursor of %s: at %lld, expected %lld (another watcher?)",
			cmd->chain, (long long)have, (long long)cmd->expect_cursor);
	if ((st = w3w__sq_prep(c, "INSERT OR REPLACE INTO watch_blocks(chain, number, hash) VALUES (?1, ?2, ?3)", &s)) != W3W_OK)
		return st;
	for (size_t i = 0; i < cmd->count && st == W3W_OK; i++) {
		w3w__sq_bind_text(s, 1, cmd->chain);
		sqlite3_bind_int64(s, 2, cmd->blocks[i].number);
		w3w__sq_bind_text(s, 3, cmd->blocks[i].hash);
		st = w3w__sq_exec(c, s); /* steps and resets: the statement is reused */
	}
	sqlite3_finalize(s);
	if (st != W3W_OK)
		return st;
	if ((st = w3w__sq_prep(c, "DELETE FROM watch_blocks WHERE chain = ?1 AND number < ?2", &s)) != W3W_OK)
		return st;
	w3w__sq_bind_text(s, 1, cmd->chain);
	sqlite3_bind_int64(s, 2, last->number - cmd->keep);
	if ((st = w3w__sq_run(c, s)) != W3W_OK)
		return st;
	if ((st = w3w__sq_prep(c, "INSERT INTO watch_cursors(chain, number, hash, updated_at) VALUES (?1, ?2, ?3, ?4)"
		" ON CONFLICT(chain) DO UPDATE SET number = excluded.number, hash = excluded.hash,"
		" updated_at = excluded.updated_at", &s)) != W3W_OK)
		return st;
	w3w__sq_bind_text(s, 1, cmd->chain);
	sqlite3_bind_int64(s, 2, last->number);
	w3w__sq_bind_text(s, 3, last->hash);
	sqlite3_bind_int64(s, 4, w3w__sq_wall_us());
	return w3w__sq_run(c, s);
}

w3w_status w3w__sq_watch_advance(w3w_storage *st, const w3w_cmd_watch_advance *cmd)
{
	return w3w__sq_write(w3w__sq(st), advance_tx, (void *)cmd);
}

/* ---- deposits seen on chain ---------------------------------------------------------------- */

#define DEPOSIT_COLS "reference, chain, user_id, address, currency, tx_hash, log_index, block_number," \
	" block_hash, value, amount, dust, status, transfer_id, created_at"

typedef struct deposit_put_args {
	const w3w_chain_deposit *d;
	int inserted;
} deposit_put_args;

static w3w_status deposit_put_tx(w3w__sq_conn *c, void *arg)
{
	deposit_put_args *a = arg;
	const w3w_chain_deposit *d = a->d;
	sqlite3_stmt *s;
	w3w_status st = w3w__sq_prep(c, "INSERT INTO chain_deposits(" DEPOSIT_COLS ") VALUES"
		" (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
		" ON CONFLICT(reference) DO NOTHING", &s);

	if (st != W3W_OK)
		return st;
	w3w__sq_bind_text(s, 1, d->reference);
	w3w__sq_bind_text(s, 2, d->chain);
	w3w__sq_bind_text(s, 3, d->user_id);
	w3w__sq_bind_text(s, 4, d->address);
	w3w__sq_bind_text(s, 5, d->currency);
	w3w__sq_bind_text(s, 6, d->tx_hash);
	sqlite3_bind_int64(s, 7, d->log_index);
	sqlite3_bind_int64(s, 8, d->block_number);
	w3w__sq_bind_text(s, 9, d->block_hash);
	w3w__sq_bind_text(s, 10, d->value);
	sqlite3_bind_int64(s, 11, d->amount);
	w3w__sq_bind_text(s, 12, d->dust);
	w3w__sq_bind_text(s, 13, d->status);
	w3w__sq_bind_text(s, 14, d->transfer_id);
	sqlite3_bind_int64(s, 15, d->created_at);
	if ((st = w3w__sq_run(c, s)) == W3W_OK)
		a->inserted = sqlite3_changes(c->db) > 0;
	return st;
}

w3w_status w3w__sq_chain_deposit_put(w3w_storage *st, const w3w_chain_deposit *d, int *inserted)
{
	deposit_put_args a = { d, 0 };
	w3w_status rc = w3w__sq_write(w3w__sq(st), deposit_put_tx, &a);

	if (inserted)
		*inserted = rc == W3W_OK && a.inserted;
	return rc;
}

typedef struct deposit_get_args {
	const char *reference;
	w3w_chain_deposit *out;
} deposit_get_args;

static w3w_status deposit_get_tx(w3w__sq_conn *c, void *arg)
{
	deposit_get_args *a = arg;
	w3w_chain_deposit *d = a->out;
	sqlite3_stmt *s;
	int row = 0;
	w3w_status st = w3w__sq_prep(c, "SELECT " DEPOSIT_COLS " FROM chain_deposits WHERE reference = ?1", &s);

	if (st != W3W_OK)
		return st;
	w3w__sq_bind_text(s, 1, a->reference);
	st = w3w__sq_step(c, s, &row);
	if (st == W3W_OK && row) {
		memset(d, 0, sizeof(*d));
		w3w__sq_col_text(d->reference, sizeof(d->reference), s, 0);
		w3w__sq_col_text(d->chain, sizeof(d->chain), s, 1);
		w3w__sq_col_text(d->user_id, sizeof(d->user_id), s, 2);
		w3w__sq_col_text(d->address, sizeof(d->address), s, 3);
		w3w__sq_col_text(d->currency, sizeof(d->currency), s, 4);
		w3w__sq_col_text(d->tx_hash, sizeof(d->tx_hash), s, 5);
		d->log_index = sqlite3_column_int64(s, 6);
		d->block_number = sqlite3_column_int64(s, 7);
		w3w__sq_col_text(d->block_hash, sizeof(d->block_hash), s, 8);
		w3w__sq_col_text(d->value, sizeof(d->value), s, 9);
		d->amount = sqlite3_column_int64(s, 10);
		w3w__sq_col_text(d->dust, sizeof(d->dust), s, 11);
		w3w__sq_col_text(d->status, sizeof(d->status), s, 12);
		w3w__sq_col_text(d->transfer_id, sizeof(d->transfer_id), s, 13);
		d->created_at = sqlite3_column_int64(s, 14);
	} else if (st == W3W_OK) {
		st = w3w_error_set(W3W_ENOTFOUND, "deposit %s: not found", a->reference);
	}
	sqlite3_finalize(s);
	return st;
}

w3w_status w3w__sq_chain_deposit_get(w3w_storage *st, const char *reference, w3w_chain_deposit *out)
{
	deposit_get_args a = { reference, out };
	return w3w__sq_read(w3w__sq(st), deposit_get_tx, &a);
}

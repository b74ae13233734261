/*
 * PostgreSQL storage, the wallet members: each write is one call of a
 * function of schema version 2 (sql/002_wallet.sql) in autocommit, each
 * read one SELECT from its views.
 *
 * Statements run through pg_exec.c (w3w__pg_run_sql), so its rules hold
 * here too: a serialization failure, a deadlock or a server going away
 * rolled back and is retried; a lost answer to a write with an outbox
 * event is resolved by asking the outbox whether the event (so the
 * command) committed; the other writes here are idempotent (or their
 * retry only skips an index), so they are simply sent again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/hex.h"
#include "storage/postgres/pg_wallet.h"

#define WALLET_COLS "id, user_id, chain, address, idx, created_at"
#define WITHDRAWAL_COLS "id, user_id, chain, currency, amount, to_address, from_address, nonce, tx_hash," \
	" raw_tx, status, error, transfer_id, created_at, updated_at"
#define DEPOSIT_COLS "reference, chain, user_id, address, currency, tx_hash, log_index, block_number," \
	" block_hash, value, amount, dust, status, transfer_id, created_at"

/* The 19 parameters of w3w__pg_command_params(), then the command's own. */
#define META_PH "$1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19"

/* ---- running a statement ---------------------------------------------------------- */

/* pg_exec.c's retry and lost-answer rules, for this file's SQL text. */
static w3w_status run(w3w_storage *st, const char *sql, const w3w__pg_params *p, w3w_write_meta *meta,
	const char *what, PGresult **out)
{
	return w3w__pg_run_sql(w3w__pg_of(st), sql, p, meta, what, out);
}


/* The one row of a read, by `read`; none: W3W_ENOTFOUND "<noun> <name>: <missing>". Frees `p`. */
static w3w_status one(w3w_storage *st, const char *sql, w3w__pg_params *p, w3w__pgw_reader_at read, void *out,
	const char *noun, const char *name, const char *missing)
{
	PGresult *r = NULL;
	w3w_status rc = run(st, sql, p, NULL, noun, &r);

	w3w__pg_params_free(p);
	if (rc != W3W_OK)
		return rc;
	rc = PQntuples(r) == 1 ? read(r, 0, 0, out) : w3w_error_set(W3W_ENOTFOUND, "%s %s: %s", noun, name, missing);
	PQclear(r);
	return rc;
}

/* Every row of a read, by `read`, into a fresh array (NULL when none; free()). Frees `p`. */
w3w_status w3w__pgw_all(w3w_storage *st, const char *sql, w3w__pg_params *p, const char *what,
	w3w__pg_row_reader read, size_t size, void **items, size_t *count)
{
	PGresult *r = NULL;
	w3w_status rc = run(st, sql, p, NULL, what, &r);

	w3w__pg_params_free(p);
	return w3w__pg_take_rows(rc, r, size, read, NULL, items, count);
}

/*
 * The row a write function returned: replayed, then the record from column
 * 1. When it committed and the answer was lost, the record is read again
 * by `by_id` ($1 = id).
 */
w3w_status w3w__pgw_written(w3w_storage *st, w3w_status rc, PGresult *r, w3w_write_meta *meta, w3w__pgw_reader_at read,
	void *out, const char *noun, const char *id, const char *by_id)
{
	w3w__pg_params p;

	if (rc == W3W__PG_COMMITTED) {
		w3w__pg_params_init(&p);
		w3w__pg_p_text(&p, id);
		return one(st, by_id, &p, read, out, noun, id, "not found");
	}
	if (rc != W3W_OK)
		return rc;
	if (PQntuples(r) == 1) {
		meta->replayed = w3w__pg_col_bool(r, 0, 0);
		rc = read(r, 0, 1, out);
	} else {
		rc = w3w_error_set(W3W_EINTERNAL, "postgres: %s %s: no row returned", noun, id);
	}
	PQclear(r);
	return rc;
}

/* Text array literal of the hex of each blob (decoded by the SQL side). */
static char *blob_array(const w3w_secret_record *recs, size_t n)
{
	w3w__pg_array a;

	w3w__pg_array_begin(&a);
	for (size_t i = 0; i < n; i++) {
		char hex[2 * W3W_SECRET_BLOB_MAX + 1];
		if (w3w__crypto_hex_encode(hex, sizeof(hex), recs[i].blob, recs[i].blob_len) != W3W__CRYPTO_OK)
			a.oom = 1;   /* a blob longer than the record holds: refused, never cut */
		else
			w3w__pg_array_add(&a, hex);
	}
	return w3w__pg_array_end(&a);
}

/* The five arrays of a set of secret records: purposes, key ids, origins, blobs, times. */
static void secret_params(w3w__pg_params *p, const w3w_secret_record *recs, size_t n)
{
	w3w__pg_array purposes, keys, origins, times;

	w3w__pg_array_begin(&purposes);
	w3w__pg_array_begin(&keys);
	w3w__pg_array_begin(&origins);
	w3w__pg_array_begin(&times);
	for (size_t i = 0; i < n; i++) {
		w3w__pg_array_add(&purposes, recs[i].purpose);
		w3w__pg_array_add(&keys, recs[i].key_id);
		w3w__pg_array_add(&origins, recs[i].origin);
		w3w__pg_array_add_i64(&times, recs[i].created_at);
	}
	w3w__pg_p_owned(p, w3w__pg_array_end(&purposes));
	w3w__pg_p_owned(p, w3w__pg_array_end(&keys));
	w3w__pg_p_owned(p, w3w__pg_array_end(&origins));
	w3w__pg_p_owned(p, blob_array(recs, n));
	w3w__pg_p_owned(p, w3w__pg_array_end(&times));
}

/* ---- secrets ----------------------------------------------------------------------- */

/* Create (from_key_id NULL) or reseal a set of records: the meta, from_key_id, the records' arrays. */
static w3w_status secrets_write(w3w_storage *st, const char *sql, w3w_write_meta *meta,
	const char *from_key_id, const w3w_secret_record *recs, size_t count, const char *what)
{
	w3w__pg_params p;
	PGresult *r = NULL;
	w3w_status rc;

	if (count == 0)
		return w3w_error_set(W3W_EINVAL, "secrets: none given");
	w3w__pg_command_params(&p, meta);
	if (from_key_id)
		w3w__pg_p_text(&p, from_key_id);
	secret_params(&p, recs, count);
	rc = run(st, sql, &p, meta, what, &r);
	w3w__pg_params_free(&p);
	PQclear(r);
	return rc == W3W__PG_COMMITTED ? W3W_OK : rc;
}

w3w_status w3w__pg_secrets_create(w3w_storage *st, w3w_cmd_secrets_create *cmd)
{
	return secrets_write(st, "SELECT w3w_secrets_create(" META_PH ",$20,$21,$22,$23,$24)", &cmd->meta,
		NULL, cmd->records, cmd->count, "secrets_create");
}

w3w_status w3w__pg_secrets_reseal(w3w_storage *st, w3w_cmd_secrets_reseal *cmd)
{
	return secrets_write(st, "SELECT w3w_secrets_reseal(" META_PH ",$20,$21,$22,$23,$24,$25)", &cmd->meta,
		cmd->from_key_id, cmd->records, cmd->count, "secrets_reseal");
}

w3w_status w3w__pg_secrets_retire(w3w_storage *st, w3w_cmd_secrets_retire *cmd)
{
	w3w__pg_params p;
	PGresult *r = NULL;
	w3w_status rc;

	cmd->deleted = 0;
	w3w__pg_command_params(&p, &cmd->meta);
	w3w__pg_p_text(&p, cmd->keep_key_id);
	rc = run(st, "SELECT w3w_secrets_retire(" META_PH ",$20)", &p, &cmd->meta, "secrets_retire", &r);
	w3w__pg_params_free(&p);
	if (rc == W3W_OK && PQntuples(r) == 1)
		cmd->deleted = w3w__pg_col_i64(r, 0, 0);
	PQclear(r);
	return rc == W3W__PG_COMMITTED ? W3W_OK : rc;
}

static w3w_status read_secret(const PGresult *r, int row, void *out)
{
	w3w_secret_record *s = out;
	const char *hex = PQgetvalue(r, row, 3);

	w3w__pg_cols(r, row, 0, "ttt-I", s->purpose, sizeof(s->purpose), s->key_id, sizeof(s->key_id), s->origin,
		sizeof(s->origin), &s->created_at);
	if (w3w__crypto_hex_decode(s->blob, sizeof(s->blob), &s->blob_len, hex, strlen(hex)) != W3W__CRYPTO_OK)
		return w3w_error_set(W3W_EINTERNAL, "postgres: secret %s: stored blob of %zu bytes", s->purpose,
			strlen(hex) / 2);
	return W3W_OK;
}

w3w_status w3w__pg_secret_list(w3w_storage *st, const char *purpose, w3w_secret_record **out, size_t *count)
{
	w3w__pg_params p;
	void *items = NULL;
	w3w_status rc;

	w3w__pg_params_init(&p);
	w3w__pg_p_text(&p, purpose ? purpose : "");
	rc = w3w__pgw_all(st, "SELECT purpose, key_id, origin, encode(blob, 'hex'), w3w_us(created_at) FROM wallet_secrets"
		" WHERE $1 = '' OR purpose = $1 ORDER BY purpose, key_id", &p, "secret_list", read_secret, sizeof(**out),
		&items, count);
	*out = items;
	return rc;
}

/* ---- wallets ------------------------------------------------------------------------- */

static w3w_status wallet_at(const PGresult *r, int row, int col, void *out)
{
	w3w_wallet *w = out;

	memset(w, 0, sizeof(*w));
	w3w__pg_cols(r, row, col, "ttttII", w->id, sizeof(w->id), w->user_id, sizeof(w->user_id), w->chain,
		sizeof(w->chain), w->address, sizeof(w->address), &w->index, &w->created_at);
	return W3W_OK;
}

static w3w_status read_wallet(const PGresult *r, int row, void *out)
{
	return wallet_at(r, row, 0, out);
}

w3w_status w3w__pg_wallet_index_next(w3w_storage *st, const char *chain, int64_t *out)
{
	w3w__pg_params p;
	PGresult *r = NULL;
	w3w_status rc;

	w3w__pg_params_init(&p);
	w3w__pg_p_text(&p, chain);
	/* A retry after a lost answer may skip an index: harmless, indexes only need to be unique. */
	rc = run(st, "INSERT INTO wallet_indexes AS w (chain, next) VALUES ($1, 1)"
		" ON CONFLICT (chain) DO UPDATE SET next = w.next + 1 RETURNING next - 1", &p, NULL, "wallet_index_next", &r);
	if (rc == W3W_OK && PQntuples(r) == 1)
		*out = w3w__pg_col_i64(r, 0, 0);
	else if (rc == W3W_OK)
		rc = w3w_error_set(W3W_EINTERNAL, "postgres: wallet index of %s: none returned", chain);
	PQclear(r);
	return rc;
}

w3w_status w3w__pg_wallet_create(w3w_storage *st, w3w_cmd_wallet_create *cmd, w3w_wallet *out)
{
	const w3w_wallet *w = &cmd->w;
	w3w__pg_params p;
	PGresult *r = NULL;
	w3w_wallet scratch;
	w3w_status rc;

	if (!out)
		out = &scratch;
	w3w__pg_command_params(&p, &cmd->meta);
	w3w__pg_p(&p, "ttttII", w->id, w->user_id, w->chain, w->address, w->index, w->created_at);
	rc = run(st, "SELECT * FROM w3w_wallet_create(" META_PH ",$20,$21,$22,$23,$24,$25)", &p, &cmd->meta,
		"wallet_create", &r);
	w3w__pg_params_free(&p);
	return w3w__pgw_written(st, rc, r, &cmd->meta, wallet_at, out, "wallet", w->id,
		"SELECT " WALLET_COLS " FROM w3w_wallet_v WHERE id = $1");
}

w3w_status w3w__pg_wallet_list(w3w_storage *st, const char *user_id, w3w_wallets **out)
{
	w3w__pg_params p;
	void *items = NULL, *list = NULL;
	w3w_status rc;
	size_t n = 0;

	*out = NULL;
	if ((rc = w3w__pg_user_params(&p, user_id)) != W3W_OK)
		return rc;
	if ((rc = w3w__pgw_all(st, "SELECT " WALLET_COLS " FROM w3w_wallet_v WHERE user_id = $1 ORDER BY chain, id", &p,
		"wallet_list", read_wallet, sizeof(w3w_wallet), &items, &n)) == W3W_OK)
		rc = w3w__pg_list_of(items, n, W3W__PG_LIST_LAYOUT(w3w_wallets), &list);
	*out = list;
	return rc;
}

w3w_status w3w__pg_wallet_list_from(w3w_storage *st, const char *chain, int64_t from_index, size_t max,
	w3w_wallet **out, size_t *count)
{
	w3w__pg_params p;
	void *items = NULL;
	w3w_status rc;

	w3w__pg_params_init(&p);
	w3w__pg_p(&p, "tII", chain, from_index, (int64_t)max);
	rc = w3w__pgw_all(st, "SELECT " WALLET_COLS " FROM w3w_wallet_v WHERE chain = $1 AND idx >= $2 ORDER BY idx"
		" LIMIT $3", &p, "wallet_list_from", read_wallet, sizeof(w3w_wallet), &items, count);
	*out = items;
	return rc;
}

w3w_status w3w__pg_wallet_find(w3w_storage *st, const char *chain, const char *address, w3w_wallet *out)
{
	w3w__pg_params p;

	w3w__pg_params_init(&p);
	w3w__pg_p_text(&p, chain);
	w3w__pg_p_text(&p, address);
	return one(st, "SELECT " WALLET_COLS " FROM w3w_wallet_v WHERE chain = $1 AND address = $2", &p, wallet_at, out,
		"wallet", address, "not found");
}

/* ---- withdrawals -------------------------------------------------------------------------- */

static w3w_status withdrawal_at(const PGresult *r, int row, int col, void *out)
{
	w3w_withdrawal_row *wr = out;
	w3w_withdrawal *w = &wr->w;
	char status[16];

	memset(wr, 0, sizeof(*wr));
	w3w__pg_cols(r, row, col, "ttttIttItttttII", w->id, sizeof(w->id), w->user_id, sizeof(w->user_id), w->chain,
		sizeof(w->chain), w->currency, sizeof(w->currency), &w->amount, w->to_address, sizeof(w->to_address),
		w->from_address, sizeof(w->from_address), &w->nonce, w->tx_hash, sizeof(w->tx_hash), wr->raw_tx,
		sizeof(wr->raw_tx), status, sizeof(status), w->error, sizeof(w->error), w->transfer_id,
		sizeof(w->transfer_id), &w->created_at, &w->updated_at);
	w->status = w3w_withdrawal_status_from_name(status);
	return W3W_OK;
}

static w3w_status read_withdrawal(const PGresult *r, int row, void *out)
{
	return withdrawal_at(r, row, 0, out);
}

#define WITHDRAWAL_BY_ID "SELECT " WITHDRAWAL_COLS " FROM w3w_withdrawal_v WHERE id = $1"

w3w_status w3w__pg_withdrawal_get(w3w_storage *st, const char *id, w3w_withdrawal_row *out)
{
	w3w__pg_params p;

	if (!w3w__pg_is_uuid(id))
		return w3w_error_set(W3W_EINVAL, "id: not a UUID");
	w3w__pg_params_init(&p);
	w3w__pg_p_text(&p, id);
	return one(st, WITHDRAWAL_BY_ID, &p, withdrawal_at, out, "withdrawal", id, "not found");
}

w3w_status w3w__pg_withdrawal_create(w3w_storage *st, w3w_cmd_withdrawal_create *cmd, w3w_withdrawal_row *out)
{
	const w3w_withdrawal *w = &cmd->w;
	w3w__pg_params p;
	PGresult *r = NULL;
	w3w_status rc;

	w3w__pg_command_params(&p, &cmd->meta);
	w3w__pg_p(&p, "ttttIttII", w->id, w->user_id, w->chain, w->currency, w->amount, w->to_address, w->from_address,
		cmd->nonce_floor, w->created_at);
	rc = run(st, "SELECT * FROM w3w_withdrawal_create(" META_PH ",$20,$21,$22,$23,$24,$25,$26,$27,$28)", &p,
		&cmd->meta, "withdrawal_create", &r);
	w3w__pg_params_free(&p);
	return w3w__pgw_written(st, rc, r, &cmd->meta, withdrawal_at, out, "withdrawal", w->id, WITHDRAWAL_BY_ID);
}

w3w_status w3w__pg_withdrawal_update(w3w_storage *st, w3w_cmd_withdrawal_update *cmd, w3w_withdrawal_row *out)
{
	const char *from = w3w_withdrawal_status_name(cmd->from_status), *to = w3w_withdrawal_status_name(cmd->to_status);
	int confirm = cmd->to_status == W3W_WITHDRAWAL_CONFIRMED;
	w3w__pg_params p;
	PGresult *r = NULL;
	w3w_status rc;

	if (!from || !to)
		return w3w_error_set(W3W_EINVAL, "withdrawal %s: unknown status", cmd->id);
	w3w__pg_command_params(&p, &cmd->meta);
	w3w__pg_p(&p, "ttttttbnIt", cmd->id, from, to, cmd->tx_hash, cmd->raw_tx, cmd->error, cmd->give_back_nonce,
		confirm ? cmd->settlement.id : "", (int64_t)(confirm ? cmd->settlement.created_at : 0),
		confirm ? cmd->settlement.reference : "");
	rc = run(st, "SELECT * FROM w3w_withdrawal_update(" META_PH ",$20,$21,$22,$23,$24,$25,$26,$27,$28,$29)", &p,
		&cmd->meta, "withdrawal_update", &r);
	w3w__pg_params_free(&p);
	return w3w__pgw_written(st, rc, r, &cmd->meta, withdrawal_at, out, "withdrawal", cmd->id, WITHDRAWAL_BY_ID);
}

w3w_status w3w__pg_withdrawal_list_open(w3w_storage *st, const char *chain, size_t max,
	w3w_withdrawal_row **out, size_t *count)
{
	w3w__pg_params p;
	void *items = NULL;
	w3w_status rc;

	*out = NULL;
	*count = 0;
	if (max == 0)
		return W3W_OK;
	w3w__pg_params_init(&p);
	w3w__pg_p_text(&p, chain);
	w3w__pg_p_i64(&p, (int64_t)max);
	rc = w3w__pgw_all(st, "SELECT " WITHDRAWAL_COLS " FROM w3w_withdrawal_v WHERE chain = $1"
		" AND status IN ('held','signed','broadcast') ORDER BY created_at, id LIMIT $2", &p,
		"withdrawal_list_open", read_withdrawal, sizeof(**out), &items, count);
	*out = items;
	return rc;
}

/* ---- the deposit watcher ---------------------------------------------------------------------- */

static w3w_status watch_at(const PGresult *r, int row, int col, void *out)
{
	w3w_watch_block *b = out;

	memset(b, 0, sizeof(*b));
	w3w__pg_cols(r, row, col, "It", &b->number, b->hash, sizeof(b->hash));
	return W3W_OK;
}

w3w_status w3w__pg_watch_cursor(w3w_storage *st, const char *chain, w3w_watch_block *out)
{
	w3w__pg_params p;

	w3w__pg_params_init(&p);
	w3w__pg_p_text(&p, chain);
	return one(st, "SELECT number, hash FROM watch_cursors WHERE chain = $1", &p, watch_at, out, "watch cursor of",
		chain, "none");
}

w3w_status w3w__pg_watch_block(w3w_storage *st, const char *chain, int64_t number, w3w_watch_block *out)
{
	w3w__pg_params p;

	w3w__pg_params_init(&p);
	w3w__pg_p_text(&p, chain);
	w3w__pg_p_i64(&p, number);
	return one(st, "SELECT number, hash FROM watch_blocks WHERE chain = $1 AND number = $2", &p, watch_at, out,
		"processed block of", chain, "none");
}

w3w_status w3w__pg_watch_advance(w3w_storage *st, const w3w_cmd_watch_advance *cmd)
{
	const w3w_watch_block *last;
	w3w__pg_array numbers, hashes;
	w3w__pg_params p;
	PGresult *r = NULL;
	w3w_watch_block now;
	w3w_status rc;

	if (cmd->count == 0 || !cmd->blocks)
		return w3w_error_set(W3W_EINVAL, "watch advance of %s: no blocks", cmd->chain);
	last = &cmd->blocks[cmd->count - 1];
	w3w__pg_array_begin(&numbers);
	w3w__pg_array_begin(&hashes);
	for (size_t i = 0; i < cmd->count; i++) {
		w3w__pg_array_add_i64(&numbers, cmd->blocks[i].number);
		w3w__pg_array_add(&hashes, cmd->blocks[i].hash);
	}
	w3w__pg_params_init(&p);
	w3w__pg_p_text(&p, cmd->chain);
	w3w__pg_p_i64(&p, cmd->expect_cursor);
	w3w__pg_p_owned(&p, w3w__pg_array_end(&numbers));
	w3w__pg_p_owned(&p, w3w__pg_array_end(&hashes));
	w3w__pg_p_i64(&p, cmd->keep);
	rc = run(st, "SELECT w3w_watch_advance($1, $2, $3, $4, $5)", &p, NULL, "watch_advance", &r);
	w3w__pg_params_free(&p);
	PQclear(r);
	/* A retry of an advance that had committed meets its own cursor: that is success. */
	if (rc == W3W_ECONFLICT && w3w__pg_watch_cursor(st, cmd->chain, &now) == W3W_OK &&
	    now.number == last->number && strcmp(now.hash, last->hash) == 0)
		return W3W_OK;
	return rc;
}

w3w_status w3w__pg_chain_deposit_put(w3w_storage *st, const w3w_chain_deposit *d, int *inserted)
{
	w3w__pg_params p;
	PGresult *r = NULL;
	w3w_status rc;

	if (inserted)
		*inserted = 0;
	w3w__pg_params_init(&p);
	w3w__pg_p(&p, "ttttttIIttIttnI", d->reference, d->chain, d->user_id, d->address, d->currency, d->tx_hash,
		d->log_index, d->block_number, d->block_hash, d->value, d->amount, d->dust, d->status, d->transfer_id,
		d->created_at);
	rc = run(st, "INSERT INTO chain_deposits (" DEPOSIT_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,"
		" w3w_amt($11), $12, $13, $14, w3w_ts($15)) ON CONFLICT (reference) DO NOTHING", &p, NULL,
		"chain_deposit_put", &r);
	if (rc == W3W_OK && inserted)
		*inserted = strcmp(PQcmdTuples(r), "1") == 0;
	PQclear(r);
	return rc;
}

static w3w_status deposit_at(const PGresult *r, int row, int col, void *out)
{
	w3w_chain_deposit *d = out;

	memset(d, 0, sizeof(*d));
	w3w__pg_cols(r, row, col, "ttttttIIttItttI", d->reference, sizeof(d->reference), d->chain, sizeof(d->chain),
		d->user_id, sizeof(d->user_id), d->address, sizeof(d->address), d->currency, sizeof(d->currency), d->tx_hash,
		sizeof(d->tx_hash), &d->log_index, &d->block_number, d->block_hash, sizeof(d->block_hash), d->value,
		sizeof(d->value), &d->amount, d->dust, sizeof(d->dust), d->status, sizeof(d->status), d->transfer_id,
		sizeof(d->transfer_id), &d->created_at);
	return W3W_OK;
}

w3w_status w3w__pg_chain_deposit_get(w3w_storage *st, const char *reference, w3w_chain_deposit *out)
{
	w3w__pg_params p;

	w3w__pg_params_init(&p);
	w3w__pg_p_text(&p, reference);
	return one(st, "SELECT " DEPOSIT_COLS " FROM w3w_chain_deposit_v WHERE reference = $1", &p, deposit_at, out,
		"deposit", reference, "not found");
}

static w3w_status read_deposit(const PGresult *r, int row, void *out)
{
	return deposit_at(r, row, 0, out);
}

w3w_status w3w__pg_chain_deposit_list(w3w_storage *st, const char *user_id, const char *chain, size_t max,
	w3w_chain_deposit **out, size_t *count)
{
	w3w__pg_params p;
	void *items = NULL;
	w3w_status rc;

	*out = NULL;
	*count = 0;
	if ((rc = w3w__pg_user_params(&p, user_id)) != W3W_OK)
		return rc;
	w3w__pg_p_text(&p, chain);
	w3w__pg_p_i64(&p, (int64_t)max);
	rc = w3w__pgw_all(st, "SELECT " DEPOSIT_COLS " FROM w3w_chain_deposit_v WHERE user_id = $1"
		" AND ($2 = '' OR chain = $2) ORDER BY created_at DESC, reference DESC LIMIT $3", &p,
		"chain_deposit_list", read_deposit, sizeof(**out), &items, count);
	*out = items;
	return rc;
}

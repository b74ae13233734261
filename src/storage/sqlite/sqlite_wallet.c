/*
 * SQLite storage, wallets part 1 (tables: sql/002_wallet.sql): sealed secrets
 * and deposit wallets. Withdrawals, nonces and the watcher are in
 * sqlite_wallet_chain.c.
 */
#include <stdlib.h>
#include <string.h>

#include "storage/sqlite/sqlite_wallet.h"

/* ---- secrets ------------------------------------------------------------------------ */

static w3w_status secret_exists(w3w__sq_conn *c, const char *purpose, const char *key_id, int *found)
{
	sqlite3_stmt *s;
	w3w_status st = key_id ?
		w3w__sq_query(c, &s, "SELECT 1 FROM wallet_secrets WHERE purpose = ?1 AND key_id = ?2", "tt",
			purpose, key_id) :
		w3w__sq_query(c, &s, "SELECT 1 FROM wallet_secrets WHERE purpose = ?1 LIMIT 1", "t", purpose);

	*found = 0;
	if (st == W3W_OK)
		st = w3w__sq_step(c, s, found);
	if (st == W3W_OK)
		sqlite3_reset(s);
	return st;
}

static w3w_status secret_put(w3w__sq_conn *c, const w3w_secret_record *r)
{
	return w3w__sq_run(c,
		"INSERT OR REPLACE INTO wallet_secrets(purpose, key_id, origin, blob, created_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5)", "tttbI",
		r->purpose, r->key_id, r->origin, r->blob, (int)r->blob_len, r->created_at);
}

/* How every secrets command ends: its event, audit record and idempotency key (keyed by the event's aggregate). */
static w3w_status secrets_written(w3w__sq_conn *c, w3w_status st, w3w_write_meta *meta)
{
	return st == W3W_OK ? w3w__sq_finish_write(c, meta, meta->event.aggregate_id) : st;
}

static w3w_status secrets_create(w3w__sq_conn *c, w3w_cmd_secrets_create *cmd)
{
	int found = 0;
	w3w_status st;

	if (cmd->count == 0)
		return w3w_error_set(W3W_EINVAL, "secrets: none given");
	if ((st = secret_exists(c, cmd->records[0].purpose, NULL, &found)) != W3W_OK)
		return st;
	if (found)
		return w3w_error_set(W3W_ECONFLICT, "secret %s: already exists", cmd->records[0].purpose);
	for (size_t i = 0; i < cmd->count && st == W3W_OK; i++)
		st = secret_put(c, &cmd->records[i]);
	return secrets_written(c, st, &cmd->meta);
}

w3w_status w3w__sq_secrets_create(w3w_storage *st, w3w_cmd_secrets_create *cmd)
{
	w3w__sq_conn *c = w3w__sq_begin(w3w__sq(st), W3W__SQ_IMMEDIATE);

	return c ? w3w__sq_end(c, secrets_create(c, cmd)) : w3w_error_code();
}

static w3w_status secrets_reseal(w3w__sq_conn *c, w3w_cmd_secrets_reseal *cmd)
{
	w3w_status st = W3W_OK;

	if (cmd->count == 0)
		return w3w_error_set(W3W_EINVAL, "secrets: none given");
	for (size_t i = 0; i < cmd->count && st == W3W_OK; i++) {
		int found = 0;
		if ((st = secret_exists(c, cmd->records[i].purpose, cmd->from_key_id, &found)) != W3W_OK)
			break;
		if (!found)
			return w3w_error_set(W3W_ESTATE, "secret %s: no copy under key %s",
				cmd->records[i].purpose, cmd->from_key_id);
		st = secret_put(c, &cmd->records[i]);
	}
	if (st == W3W_OK)
		st = w3w__sq_run(c, "DELETE FROM wallet_secrets WHERE key_id <> ?1 AND key_id <> ?2", "tt",
			cmd->from_key_id, cmd->records[0].key_id);
	return secrets_written(c, st, &cmd->meta);
}

w3w_status w3w__sq_secrets_reseal(w3w_storage *st, w3w_cmd_secrets_reseal *cmd)
{
	w3w__sq_conn *c = w3w__sq_begin(w3w__sq(st), W3W__SQ_IMMEDIATE);

	return c ? w3w__sq_end(c, secrets_reseal(c, cmd)) : w3w_error_code();
}

static w3w_status read_purpose(sqlite3_stmt *s, void *item)
{
	w3w__sq_col_text(item, W3W_SECRET_PURPOSE_SIZE, s, 0);
	return W3W_OK;
}

static w3w_status secrets_retire(w3w__sq_conn *c, w3w_cmd_secrets_retire *cmd)
{
	sqlite3_stmt *s;
	char purpose[W3W_SECRET_PURPOSE_SIZE] = "";
	int row = 0;
	w3w_status st = w3w__sq_query(c, &s,
		"SELECT purpose FROM wallet_secrets GROUP BY purpose HAVING SUM(key_id = ?1) = 0 LIMIT 1", "t",
		cmd->keep_key_id);

	if (st == W3W_OK)
		st = w3w__sq_one(c, s, read_purpose, purpose, &row);
	if (st != W3W_OK)
		return st;
	if (row)
		return w3w_error_set(W3W_ESTATE, "secret %s: no copy under key %s; nothing deleted",
			purpose, cmd->keep_key_id);
	if ((st = w3w__sq_run(c, "DELETE FROM wallet_secrets WHERE key_id <> ?1", "t", cmd->keep_key_id)) != W3W_OK)
		return st;
	cmd->deleted = sqlite3_changes64(c->db);
	return secrets_written(c, st, &cmd->meta);
}

w3w_status w3w__sq_secrets_retire(w3w_storage *st, w3w_cmd_secrets_retire *cmd)
{
	w3w__sq_conn *c;

	cmd->deleted = 0;
	c = w3w__sq_begin(w3w__sq(st), W3W__SQ_IMMEDIATE);
	return c ? w3w__sq_end(c, secrets_retire(c, cmd)) : w3w_error_code();
}

static w3w_status read_secret(sqlite3_stmt *s, void *item)
{
	w3w_secret_record *r = item;
	int len = sqlite3_column_bytes(s, 3);

	w3w__sq_cols(s, 0, "ttt-I", r->purpose, sizeof(r->purpose), r->key_id, sizeof(r->key_id),
		r->origin, sizeof(r->origin), &r->created_at);
	if (len < 0 || (size_t)len > sizeof(r->blob))
		return w3w_error_set(W3W_EINTERNAL, "secret %s: stored blob of %d bytes", r->purpose, len);
	if (len)
		memcpy(r->blob, sqlite3_column_blob(s, 3), (size_t)len);
	r->blob_len = (size_t)len;
	return W3W_OK;
}

w3w_status w3w__sq_secret_list(w3w_storage *st, const char *purpose, w3w_secret_record **out, size_t *count)
{
	void *items = NULL;
	w3w_status rc;

	*count = 0;
	rc = w3w__sq_read_all(w3w__sq(st), read_secret, sizeof(w3w_secret_record), 0, &items, count,
		"SELECT purpose, key_id, origin, blob, created_at FROM wallet_secrets"
		" WHERE ?1 = '' OR purpose = ?1 ORDER BY purpose, key_id", "t", purpose ? purpose : "");
	*out = items;
	return rc;
}

/* ---- wallets -------------------------------------------------------------------------- */

#define WALLET_COLS "id, user_id, chain, address, idx, created_at"

static w3w_status read_wallet(sqlite3_stmt *s, void *item)
{
	w3w_wallet *w = item;

	memset(w, 0, sizeof(*w));
	w3w__sq_cols(s, 0, "ttttII", w->id, sizeof(w->id), w->user_id, sizeof(w->user_id),
		w->chain, sizeof(w->chain), w->address, sizeof(w->address), &w->index, &w->created_at);
	return W3W_OK;
}

/* The wallet of one query (bound ?1, ?2); W3W_ENOTFOUND naming `what` when none. */
static w3w_status wallet_one(w3w__sq_conn *c, const char *sql, const char *a1, const char *a2,
	w3w_wallet *out, const char *what)
{
	sqlite3_stmt *s;
	w3w_status st = w3w__sq_query(c, &s, sql, "tt", a1, a2);

	return st == W3W_OK ? w3w__sq_one_of(c, s, read_wallet, out, "wallet %s: not found", what) : st;
}

static w3w_status read_index(sqlite3_stmt *s, void *item)
{
	*(int64_t *)item = sqlite3_column_int64(s, 0);
	return W3W_OK;
}

w3w_status w3w__sq_wallet_index_next(w3w_storage *st, const char *chain, int64_t *out)
{
	int64_t index = -1;
	sqlite3_stmt *s;
	w3w__sq_conn *c = w3w__sq_begin(w3w__sq(st), W3W__SQ_IMMEDIATE);
	int row = 0;
	w3w_status rc;

	if (!c)
		return w3w_error_code();
	rc = w3w__sq_query(c, &s,
		"INSERT INTO wallet_indexes(chain, next) VALUES (?1, 1)"
		" ON CONFLICT(chain) DO UPDATE SET next = next + 1 RETURNING next - 1", "t", chain);
	if (rc == W3W_OK)
		rc = w3w__sq_one(c, s, read_index, &index, &row);
	rc = w3w__sq_end(c, rc);
	if (rc == W3W_OK && index < 0)
		rc = w3w_error_set(W3W_EINTERNAL, "wallet index of %s: none returned", chain);
	if (rc == W3W_OK)
		*out = index;
	return rc;
}

/* Why the INSERT hit a unique index. */
static w3w_status wallet_conflict(w3w__sq_conn *c, const w3w_wallet *w)
{
	w3w_wallet cur;
	w3w_status st = wallet_one(c, "SELECT " WALLET_COLS " FROM wallets WHERE user_id = ?1 AND chain = ?2",
		w->user_id, w->chain, &cur, w->user_id);

	if (st == W3W_OK)
		return w3w_error_set(W3W_ECONFLICT, "chain: user %s already has an %s wallet (%s)",
			w->user_id, w->chain, cur.id);
	if (st != W3W_ENOTFOUND)
		return st;
	return w3w_error_set(W3W_ECONFLICT, "wallet: index %lld or address %s of %s is taken",
		(long long)w->index, w->address, w->chain);
}

static w3w_status wallet_create(w3w__sq_conn *c, w3w_cmd_wallet_create *cmd, w3w_wallet *out)
{
	w3w_write_meta *meta = &cmd->meta;
	const w3w_wallet *w = &cmd->w;
	char result_id[W3W_ID_SIZE];
	w3w_status st = w3w__sq_idem_check(c, meta, result_id);

	if (st != W3W_OK || meta->replayed)
		return st != W3W_OK ? st : wallet_one(c, "SELECT " WALLET_COLS " FROM wallets WHERE id = ?1", result_id, NULL,
			out, result_id);
	st = w3w__sq_run(c, "INSERT INTO wallets(" WALLET_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6)", "ttttII",
		w->id, w->user_id, w->chain, w->address, w->index, w->created_at);
	if (st != W3W_OK && w3w__sq_unique_violated(c))
		return wallet_conflict(c, w);
	if (st == W3W_OK)
		st = w3w__sq_finish_write(c, meta, w->id);
	if (st == W3W_OK)
		*out = *w;
	return st;
}

W3W__SQ_WRITE_ENTRY(w3w__sq_wallet_create, wallet_create, w3w_cmd_wallet_create, w3w_wallet)

w3w_status w3w__sq_wallet_list(w3w_storage *st, const char *user_id, w3w_wallets **out)
{
	w3w_wallets *list;
	void *items = NULL;
	w3w_status rc;

	*out = NULL;
	if (!(list = calloc(1, sizeof(*list))))
		return w3w_error_set(W3W_ENOMEM, "wallets: out of memory");
	rc = w3w__sq_read_all(w3w__sq(st), read_wallet, sizeof(w3w_wallet), 0, &items, &list->count,
		"SELECT " WALLET_COLS " FROM wallets WHERE user_id = ?1 ORDER BY chain, id", "t", user_id);
	list->items = items;
	if (rc != W3W_OK) {
		free(list->items);
		free(list);
		return rc;
	}
	*out = list;
	return W3W_OK;
}

w3w_status w3w__sq_wallet_find(w3w_storage *st, const char *chain, const char *address, w3w_wallet *out)
{
	w3w__sq_conn *c = w3w__sq_begin(w3w__sq(st), W3W__SQ_READ);

	return c ? w3w__sq_end(c, wallet_one(c,
		"SELECT " WALLET_COLS " FROM wallets WHERE chain = ?1 AND address = ?2",
		chain, address, out, address)) : w3w_error_code();
}

w3w_status w3w__sq_wallet_list_from(w3w_storage *st, const char *chain, int64_t from_index, size_t max,
	w3w_wallet **out, size_t *count)
{
	void *items = NULL;
	w3w_status rc;

	*count = 0;
	rc = w3w__sq_read_all(w3w__sq(st), read_wallet, sizeof(w3w_wallet), max, &items, count,
		"SELECT " WALLET_COLS " FROM wallets WHERE chain = ?1 AND idx >= ?2 ORDER BY idx LIMIT ?3", "tII",
		chain, from_index, (int64_t)max);
	*out = items;
	return rc;
}

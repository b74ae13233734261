/*
 * SQLite storage, wallets part 1: the schema of version 2, sealed secrets
 * and deposit wallets. Withdrawals, nonces and the watcher are in
 * sqlite_wallet_chain.c.
 */
#include <stdlib.h>
#include <string.h>

#include "storage/sqlite/sqlite_wallet.h"

/* Same conventions as migration 1 (sqlite_schema.c): STRICT tables, ids as TEXT, times in µs. */
const char w3w__sq_migration_wallet[] =
	/* Sealed blobs; a secret may have one copy per master key during a rotation. */
	"CREATE TABLE wallet_secrets ("
	" purpose TEXT NOT NULL,"
	" key_id TEXT NOT NULL,"
	" origin TEXT NOT NULL,"
	" blob BLOB NOT NULL,"
	" created_at INTEGER NOT NULL,"
	" PRIMARY KEY (purpose, key_id)"
	") STRICT, WITHOUT ROWID;"

	"CREATE TABLE wallet_indexes ("
	" chain TEXT PRIMARY KEY,"
	" next INTEGER NOT NULL CHECK (next >= 0)"
	") STRICT, WITHOUT ROWID;"

	"CREATE TABLE wallets ("
	" id TEXT PRIMARY KEY,"
	" user_id TEXT NOT NULL,"
	" chain TEXT NOT NULL,"
	" address TEXT NOT NULL,"
	" idx INTEGER NOT NULL CHECK (idx >= 0),"
	" created_at INTEGER NOT NULL"
	") STRICT;"
	"CREATE UNIQUE INDEX uq_wallets_user_chain ON wallets(user_id, chain);"
	"CREATE UNIQUE INDEX uq_wallets_chain_idx ON wallets(chain, idx);"
	"CREATE UNIQUE INDEX uq_wallets_chain_address ON wallets(chain, address);"

	"CREATE TABLE withdrawals ("
	" id TEXT PRIMARY KEY,"
	" user_id TEXT NOT NULL,"
	" chain TEXT NOT NULL,"
	" currency TEXT NOT NULL,"
	" amount INTEGER NOT NULL CHECK (amount > 0 AND amount <= 999999999999999999),"
	" to_address TEXT NOT NULL,"
	" from_address TEXT NOT NULL,"
	" nonce INTEGER NOT NULL CHECK (nonce >= 0),"
	" tx_hash TEXT NOT NULL DEFAULT '',"
	" raw_tx TEXT NOT NULL DEFAULT '',"
	" status TEXT NOT NULL CHECK (status IN ('held','signed','broadcast','confirmed','failed','dropped')),"
	" error TEXT NOT NULL DEFAULT '',"
	" transfer_id TEXT NOT NULL DEFAULT '',"
	" created_at INTEGER NOT NULL,"
	" updated_at INTEGER NOT NULL"
	") STRICT;"
	"CREATE INDEX idx_withdrawals_open ON withdrawals(chain, created_at)"
	" WHERE status IN ('held','signed','broadcast');"
	"CREATE INDEX idx_withdrawals_user ON withdrawals(user_id, id);"
	/* A nonce carries one live (or mined) withdrawal of a sender, whatever the code above does. */
	"CREATE UNIQUE INDEX uq_withdrawals_nonce ON withdrawals(chain, from_address, nonce)"
	" WHERE status IN ('held','signed','broadcast','confirmed');"

	"CREATE TABLE chain_nonces ("
	" chain TEXT NOT NULL,"
	" address TEXT NOT NULL,"
	" next INTEGER NOT NULL CHECK (next >= 0),"
	" PRIMARY KEY (chain, address)"
	") STRICT, WITHOUT ROWID;"
	/* Nonces of withdrawals that never reached a pool: the next withdrawal fills the gap. */
	"CREATE TABLE chain_free_nonces ("
	" chain TEXT NOT NULL,"
	" address TEXT NOT NULL,"
	" nonce INTEGER NOT NULL,"
	" PRIMARY KEY (chain, address, nonce)"
	") STRICT, WITHOUT ROWID;"

	"CREATE TABLE watch_cursors ("
	" chain TEXT PRIMARY KEY,"
	" number INTEGER NOT NULL,"
	" hash TEXT NOT NULL,"
	" updated_at INTEGER NOT NULL"
	") STRICT, WITHOUT ROWID;"
	"CREATE TABLE watch_blocks ("
	" chain TEXT NOT NULL,"
	" number INTEGER NOT NULL,"
	" hash TEXT NOT NULL,"
	" PRIMARY KEY (chain, number)"
	") STRICT, WITHOUT ROWID;"

	"CREATE TABLE chain_deposits ("
	" reference TEXT PRIMARY KEY,"
	" chain TEXT NOT NULL,"
	" user_id TEXT NOT NULL,"
	" address TEXT NOT NULL,"
	" currency TEXT NOT NULL,"
	" tx_hash TEXT NOT NULL,"
	" log_index INTEGER NOT NULL,"
	" block_number INTEGER NOT NULL,"
	" block_hash TEXT NOT NULL,"
	" value TEXT NOT NULL,"
	" amount INTEGER NOT NULL CHECK (amount >= 0),"
	" dust TEXT NOT NULL,"
	" status TEXT NOT NULL CHECK (status IN ('credited','dust','too_large')),"
	" transfer_id TEXT NOT NULL,"
	" created_at INTEGER NOT NULL"
	") STRICT;"
	"CREATE INDEX idx_chain_deposits_user ON chain_deposits(user_id);";

/* ---- one-use statements -------------------------------------------------------- */

w3w_status w3w__sq_prep(w3w__sq_conn *c, const char *sql, sqlite3_stmt **out)
{
	int rc = sqlite3_prepare_v2(c->db, sql, -1, out, NULL);

	if (rc != SQLITE_OK) {
		sqlite3_finalize(*out);
		*out = NULL;
		return w3w__sq_fail(c, rc, "prepare");
	}
	return W3W_OK;
}

w3w_status w3w__sq_run(w3w__sq_conn *c, sqlite3_stmt *s)
{
	w3w_status st = w3w__sq_exec(c, s);
	sqlite3_finalize(s);
	return st;
}

/* ---- secrets ------------------------------------------------------------------------ */

static w3w_status secret_exists(w3w__sq_conn *c, const char *purpose, const char *key_id, int *found)
{
	sqlite3_stmt *s;
	int row = 0;
	w3w_status st = w3w__sq_prep(c, key_id ?
		"SELECT 1 FROM wallet_secrets WHERE purpose = ?1 AND key_id = ?2" :
		"SELECT 1 FROM wallet_secrets WHERE purpose = ?1 LIMIT 1", &s);

	if (st != W3W_OK)
		return st;
	w3w__sq_bind_text(s, 1, purpose);
	if (key_id)
		w3w__sq_bind_text(s, 2, key_id);
	st = w3w__sq_step(c, s, &row);
	sqlite3_finalize(s);
	*found = row;
	return st;
}

static w3w_status secret_put(w3w__sq_conn *c, const w3w_secret_record *r)
{
	sqlite3_stmt *s;
	w3w_status st = w3w__sq_prep(c,
		"INSERT OR REPLACE INTO wallet_secrets(purpose, key_id, origin, blob, created_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5)", &s);

	if (st != W3W_OK)
		return st;
	w3w__sq_bind_text(s, 1, r->purpose);
	w3w__sq_bind_text(s, 2, r->key_id);
	w3w__sq_bind_text(s, 3, r->origin);
	sqlite3_bind_blob(s, 4, r->blob, (int)r->blob_len, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, r->created_at);
	return w3w__sq_run(c, s);
}

static w3w_status secrets_create_tx(w3w__sq_conn *c, void *arg)
{
	w3w_cmd_secrets_create *cmd = arg;
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
	if (st == W3W_OK)
		st = w3w__sq_finish_write(c, &cmd->meta, cmd->meta.event.aggregate_id);
	return st;
}

w3w_status w3w__sq_secrets_create(w3w_storage *st, w3w_cmd_secrets_create *cmd)
{
	return w3w__sq_write(w3w__sq(st), secrets_create_tx, cmd);
}

static w3w_status secrets_reseal_tx(w3w__sq_conn *c, void *arg)
{
	w3w_cmd_secrets_reseal *cmd = arg;
	sqlite3_stmt *s;
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
	if (st == W3W_OK && (st = w3w__sq_prep(c,
		"DELETE FROM wallet_secrets WHERE key_id <> ?1 AND key_id <> ?2", &s)) == W3W_OK) {
		w3w__sq_bind_text(s, 1, cmd->from_key_id);
		w3w__sq_bind_text(s, 2, cmd->records[0].key_id);
		st = w3w__sq_run(c, s);
	}
	if (st == W3W_OK)
		st = w3w__sq_finish_write(c, &cmd->meta, cmd->meta.event.aggregate_id);
	return st;
}

w3w_status w3w__sq_secrets_reseal(w3w_storage *st, w3w_cmd_secrets_reseal *cmd)
{
	return w3w__sq_write(w3w__sq(st), secrets_reseal_tx, cmd);
}

static w3w_status secrets_retire_tx(w3w__sq_conn *c, void *arg)
{
	w3w_cmd_secrets_retire *cmd = arg;
	sqlite3_stmt *s;
	char purpose[W3W_SECRET_PURPOSE_SIZE] = "";
	int row = 0;
	w3w_status st = w3w__sq_prep(c,
		"SELECT purpose FROM wallet_secrets GROUP BY purpose HAVING SUM(key_id = ?1) = 0 LIMIT 1", &s);

	if (st != W3W_OK)
		return st;
	w3w__sq_bind_text(s, 1, cmd->keep_key_id);
	st = w3w__sq_step(c, s, &row);
	if (st == W3W_OK && row)
		w3w__sq_col_text(purpose, sizeof(purpose), s, 0);
	sqlite3_finalize(s);
	if (st != W3W_OK)
		return st;
	if (row)
		return w3w_error_set(W3W_ESTATE, "secret %s: no copy under key %s; nothing deleted",
			purpose, cmd->keep_key_id);
	if ((st = w3w__sq_prep(c, "DELETE FROM wallet_secrets WHERE key_id <> ?1", &s)) != W3W_OK)
		return st;
	w3w__sq_bind_text(s, 1, cmd->keep_key_id);
	if ((st = w3w__sq_run(c, s)) != W3W_OK)
		return st;
	cmd->deleted = sqlite3_changes64(c->db);
	return w3w__sq_finish_write(c, &cmd->meta, cmd->meta.event.aggregate_id);
}

w3w_status w3w__sq_secrets_retire(w3w_storage *st, w3w_cmd_secrets_retire *cmd)
{
	cmd->deleted = 0;
	return w3w__sq_write(w3w__sq(st), secrets_retire_tx, cmd);
}

typedef struct secret_list_args {
	const char *purpose;
	w3w_secret_record *items;
	size_t count;
} secret_list_args;

static w3w_status secret_list_tx(w3w__sq_conn *c, void *arg)
{
	secret_list_args *a = arg;
	sqlite3_stmt *s;
	size_t cap = 0;
	int row = 0;
	w3w_status st = w3w__sq_prep(c,
		"SELECT purpose, key_id, origin, blob, created_at FROM wallet_secrets"
		" WHERE ?1 = '' OR purpose = ?1 ORDER BY purpose, key_id", &s);

	if (st != W3W_OK)
		return st;
	w3w__sq_bind_text(s, 1, a->purpose);
	while ((st = w3w__sq_step(c, s, &row)) == W3W_OK && row) {
		w3w_secret_record *r;
		int len = sqlite3_column_bytes(s, 3);
		if (a->count == cap) {
			size_t ncap = cap ? cap * 2 : 4;
			w3w_secret_record *items = realloc(a->items, ncap * sizeof(*items));
			if (!items) {
				st = w3w_error_set(W3W_ENOMEM, "secrets: out of memory");
				break;
			}
			a->items = items;
			cap = ncap;
		}
		r = &a->items[a->count++];
		memset(r, 0, sizeof(*r));
		w3w__sq_col_text(r->purpose, sizeof(r->purpose), s, 0);
		w3w__sq_col_text(r->key_id, sizeof(r->key_id), s, 1);
		w3w__sq_col_text(r->origin, sizeof(r->origin), s, 2);
		if (len < 0 || (size_t)len > sizeof(r->blob)) {
			st = w3w_error_set(W3W_EINTERNAL, "secret %s: stored blob of %d bytes", r->purpose, len);
			break;
		}
		if (len)
			memcpy(r->blob, sqlite3_column_blob(s, 3), (size_t)len);
		r->blob_len = (size_t)len;
		r->created_at = sqlite3_column_int64(s, 4);
	}
	sqlite3_finalize(s);
	return st;
}

w3w_status w3w__sq_secret_list(w3w_storage *st, const char *purpose, w3w_secret_record **out, size_t *count)
{
	secret_list_args a = { purpose ? purpose : "", NULL, 0 };
	w3w_status rc = w3w__sq_read(w3w__sq(st), secret_list_tx, &a);

	*out = NULL;
	*count = 0;
	if (rc != W3W_OK) {
		free(a.items);
		return rc;
	}
	*out = a.items;
	*count = a.count;
	return W3W_OK;
}

/* ---- wallets -------------------------------------------------------------------------- */

#define WALLET_COLS "id, user_id, chain, address, idx, created_at"

static void read_wallet(sqlite3_stmt *s, w3w_wallet *w)
{
	memset(w, 0, sizeof(*w));
	w3w__sq_col_text(w->id, sizeof(w->id), s, 0);
	w3w__sq_col_text(w->user_id, sizeof(w->user_id), s, 1);
	w3w__sq_col_text(w->chain, sizeof(w->chain), s, 2);
	w3w__sq_col_text(w->address, sizeof(w->address), s, 3);
	w->index = sqlite3_column_int64(s, 4);
	w->created_at = sqlite3_column_int64(s, 5);
}

/* The wallet of one query (bound ?1, ?2); W3W_ENOTFOUND with `what` when none. */
static w3w_status wallet_one(w3w__sq_conn *c, const char *sql, const char *a1, const char *a2,
	w3w_wallet *out, const char *what)
{
	sqlite3_stmt *s;
	int row = 0;
	w3w_status st = w3w__sq_prep(c, sql, &s);

	if (st != W3W_OK)
		return st;
	w3w__sq_bind_text(s, 1, a1);
	if (a2)
		w3w__sq_bind_text(s, 2, a2);
	st = w3w__sq_step(c, s, &row);
	if (st == W3W_OK && row)
		read_wallet(s, out);
	else if (st == W3W_OK)
		st = w3w_error_set(W3W_ENOTFOUND, "wallet %s: not found", what);
	sqlite3_finalize(s);
	return st;
}

typedef struct index_args {
	const char *chain;
	int64_t index;
} index_args;

static w3w_status index_next_tx(w3w__sq_conn *c, void *arg)
{
	index_args *a = arg;
	sqlite3_stmt *s;
	int row = 0;
	w3w_status st = w3w__sq_prep(c,
		"INSERT INTO wallet_indexes(chain, next) VALUES (?1, 1)"
		" ON CONFLICT(chain) DO UPDATE SET next = next + 1 RETURNING next - 1", &s);

	if (st != W3W_OK)
		return st;
	w3w__sq_bind_text(s, 1, a->chain);
	st = w3w__sq_step(c, s, &row);
	if (st == W3W_OK && row)
		a->index = sqlite3_column_int64(s, 0);
	while (st == W3W_OK && row)
		st = w3w__sq_step(c, s, &row);
	sqlite3_finalize(s);
	return st;
}

w3w_status w3w__sq_wallet_index_next(w3w_storage *st, const char *chain, int64_t *out)
{
	index_args a = { chain, -1 };
	w3w_status rc = w3w__sq_write(w3w__sq(st), index_next_tx, &a);

	if (rc == W3W_OK && a.index < 0)
		rc = w3w_error_set(W3W_EINTERNAL, "wallet index of %s: none returned", chain);
	if (rc == W3W_OK)
		*out = a.index;
	return rc;
}

typedef struct wallet_create_args {
	w3w_cmd_wallet_create *cmd;
	w3w_wallet *out;
} wallet_create_args;

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

static w3w_status wallet_create_tx(w3w__sq_conn *c, void *arg)
{
	wallet_create_args *a = arg;
	w3w_write_meta *meta = &a->cmd->meta;
	const w3w_wallet *w = &a->cmd->w;
	char result_id[W3W_ID_SIZE];
	sqlite3_stmt *s;
	w3w_status st = w3w__sq_idem_check(c, meta, &meta->replayed, result_id);

	if (st != W3W_OK)
		return st;
	if (meta->replayed)
		return wallet_one(c, "SELECT " WALLET_COLS " FROM wallets WHERE id = ?1", result_id, NULL,
			a->out, result_id);
	if ((st = w3w__sq_prep(c, "INSERT INTO wallets(" WALLET_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6)", &s)) != W3W_OK)
		return st;
	w3w__sq_bind_text(s, 1, w->id);
	w3w__sq_bind_text(s, 2, w->user_id);
	w3w__sq_bind_text(s, 3, w->chain);
	w3w__sq_bind_text(s, 4, w->address);
	sqlite3_bind_int64(s, 5, w->index);
	sqlite3_bind_int64(s, 6, w->created_at);
	st = w3w__sq_run(c, s);
	if (st != W3W_OK && w3w__sq_unique_violated(c))
		return wallet_conflict(c, w);
	if (st == W3W_OK)
		st = w3w__sq_finish_write(c, meta, w->id);
	if (st == W3W_OK)
		*a->out = *w;
	return st;
}

w3w_status w3w__sq_wallet_create(w3w_storage *st, w3w_cmd_wallet_create *cmd, w3w_wallet *out)
{
	w3w_wallet scratch;
	wallet_create_args a = { cmd, out ? out : &scratch };
	return w3w__sq_write(w3w__sq(st), wallet_create_tx, &a);
}

typedef struct wallet_list_args {
	const char *user_id;
	w3w_wallets *list;
} wallet_list_args;

static w3w_status wallet_list_tx(w3w__sq_conn *c, void *arg)
{
	wallet_list_args *a = arg;
	sqlite3_stmt *s;
	size_t cap = 0;
	int row = 0;
	w3w_status st = w3w__sq_prep(c,
		"SELECT " WALLET_COLS " FROM wallets WHERE user_id = ?1 ORDER BY chain, id", &s);

	if (st != W3W_OK)
		return st;
	w3w__sq_bind_text(s, 1, a->user_id);
	while ((st = w3w__sq_step(c, s, &row)) == W3W_OK && row) {
		if (a->list->count == cap) {
			size_t ncap = cap ? cap * 2 : 4;
			w3w_wallet *items = realloc(a->list->items, ncap * sizeof(*items));
			if (!items) {
				st = w3w_error_set(W3W_ENOMEM, "wallets: out of memory");
				break;
			}
			a->list->items = items;
			cap = ncap;
		}
		read_wallet(s, &a->list->items[a->list->count++]);
	}
	sqlite3_finalize(s);
	return st;
}

w3w_status w3w__sq_wallet_list(w3w_storage *st, const char *user_id, w3w_wallets **out)
{
	wallet_list_args a;
	w3w_status rc;

	*out = NULL;
	a.user_id = user_id;
	a.list = calloc(1, sizeof(*a.list));
	if (!a.list)
		return w3w_error_set(W3W_ENOMEM, "wallets: out of memory");
	rc = w3w__sq_read(w3w__sq(st), wallet_list_tx, &a);
	if (rc != W3W_OK) {
		free(a.list->items);
		free(a.list);
		return rc;
	}
	*out = a.list;
	return W3W_OK;
}

typedef struct wallet_find_args {
	const char *chain, *address;
	w3w_wallet *out;
} wallet_find_args;

static w3w_status wallet_find_tx(w3w__sq_conn *c, void *arg)
{
	wallet_find_args *a = arg;
	return wallet_one(c, "SELECT " WALLET_COLS " FROM wallets WHERE chain = ?1 AND address = ?2",
		a->chain, a->address, a->out, a->address);
}

w3w_status w3w__sq_wallet_find(w3w_storage *st, const char *chain, const char *address, w3w_wallet *out)
{
	wallet_find_args a = { chain, address, out };
	return w3w__sq_read(w3w__sq(st), wallet_find_tx, &a);
}

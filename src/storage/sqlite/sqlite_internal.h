/*
 * SQLite storage backend: shared internals of src/storage/sqlite/.
 *
 * One w3w__sq_storage per opened URL. It owns a small pool of connections;
 * each connection caches its prepared statements by slot (enum
 * w3w__sq_stmt_id), prepared on first use with SQLITE_PREPARE_PERSISTENT.
 * Writers take the in-process write mutex, then BEGIN IMMEDIATE (which
 * serializes them against other processes on the same file).
 */
#ifndef W3W_STORAGE_SQLITE_INTERNAL_H
#define W3W_STORAGE_SQLITE_INTERNAL_H

#include <pthread.h>
#include <sqlite3.h>

#include "w3wallet/sys/storage.h"

/** Schema version this code writes; newer databases are refused. */
#define W3W__SQ_SCHEMA_VERSION 3

/** Version 3: events carry order_user_id/supply_id (triggers), the external side of transfers is checked. */
extern const char w3w__sq_migration_v3[];

/** Statement slots of a connection's cache, one per SQL text. */
enum w3w__sq_stmt_id {
	SQ_BEGIN_IMMEDIATE, SQ_BEGIN, SQ_COMMIT, SQ_ROLLBACK, SQ_PING,
	/* idempotency */
	SQ_IDEM_GET, SQ_IDEM_PUT, SQ_IDEM_PURGE,
	/* outbox */
	SQ_OUTBOX_PUT, SQ_OUTBOX_LEASED, SQ_OUTBOX_TAKE_SELECT, SQ_OUTBOX_TAKE_LEASE, SQ_OUTBOX_ACK,
	SQ_OUTBOX_TOTAL, SQ_OUTBOX_PENDING,
	/* audit */
	SQ_AUDIT_PUT, SQ_AUDIT_HEAD, SQ_AUDIT_UNSEALED_LIST, SQ_AUDIT_SEAL, SQ_AUDIT_READ,
	SQ_AUDIT_UNSEALED_COUNT,
	/* ledger */
	SQ_ACCOUNT_DEBIT, SQ_ACCOUNT_CREDIT, SQ_ACCOUNT_HOLD, SQ_ACCOUNT_UNHOLD,
	SQ_ACCOUNT_SETTLE, SQ_ACCOUNT_GET, SQ_ACCOUNTS_OF_USER,
	SQ_TRANSFER_PUT, SQ_TRANSFER_GET, SQ_TRANSFER_BY_REFERENCE, SQ_ENTRY_PUT, SQ_LEDGER_TOTALS,
	/* supplies */
	SQ_SUPPLY_PUT, SQ_SUPPLY_GET, SQ_SUPPLY_UPDATE, SQ_SUPPLY_DELETE,
	SQ_SUPPLY_RESERVE, SQ_SUPPLY_UNRESERVE, SQ_SUPPLY_CONSUME,
	SQ_SUPPLY_LIST, /* 4 variants: + has_user + 2 * has_status */
	SQ_SUPPLY_LIST_LAST = SQ_SUPPLY_LIST + 3,
	/* orders */
	SQ_ORDER_PUT, SQ_ORDER_ITEM_PUT, SQ_ORDER_GET, SQ_ORDER_ITEMS_GET,
	SQ_ORDER_CANCEL, SQ_ORDER_CLAIM, SQ_ORDER_COMPLETE, SQ_ORDER_REOPEN,
	SQ_ORDER_LIST, /* 6 variants: + has_user + 2 * (0 any, 1 by status, 2 open) */
	SQ_ORDER_LIST_LAST = SQ_ORDER_LIST + 5,
	/* claims */
	SQ_CLAIM_PUT, SQ_CLAIM_GET, SQ_CLAIM_GET_LIVE, SQ_CLAIM_PROCESS, SQ_CLAIM_RELEASE,
	SQ_STMT_COUNT
};

typedef struct w3w__sq_conn {
	sqlite3 *db;
	int timeout_ms;
	int64_t busy_since_us;   /* monotonic start of the current busy wait */
	int last_rc;             /* extended code of the last failure, for constraint diagnosis */
	int wal_pages;           /* WAL size after this connection's last commit (wal hook) */
	struct w3w__sq_conn *next_idle;
	sqlite3_stmt *stmts[SQ_STMT_COUNT];
} w3w__sq_conn;

typedef struct w3w__sq_storage {
	w3w_storage base;        /* first: the vtable core sees */
	char *path;              /* file name given to sqlite3_open_v2 */
	int memory;              /* ":memory:": one connection for the whole life */
	int timeout_ms;
	int pool_size;
	pthread_mutex_t pool_mu;
	pthread_cond_t pool_cv;
	w3w__sq_conn *idle;      /* stack of idle connections */
	w3w__sq_conn **all;      /* every opened connection, for free */
	int opened;
	/* In-process writers queue here (fast hand-off) instead of polling SQLite's lock. */
	pthread_mutex_t write_mu;
	/* WAL checkpoints run on their own thread, off every command's path. */
	pthread_mutex_t ckpt_mu;
	pthread_cond_t ckpt_cv;
	pthread_t ckpt_thread;
	int ckpt_started, ckpt_due, ckpt_stop;
} w3w__sq_storage;

static inline w3w__sq_storage *w3w__sq(w3w_storage *st)
{
	return (w3w__sq_storage *)st;
}

/* ---- connections, transactions (sqlite_backend.c) ------------------------ */

w3w_status w3w__sq_acquire(w3w__sq_storage *s, w3w__sq_conn **out);
void w3w__sq_release(w3w__sq_storage *s, w3w__sq_conn *c);

/** A body run inside a transaction on connection `c`. */
typedef w3w_status (*w3w__sq_tx_fn)(w3w__sq_conn *c, void *arg);

/** Run `fn` in BEGIN IMMEDIATE .. COMMIT; ROLLBACK on any non-OK status. */
w3w_status w3w__sq_write(w3w__sq_storage *s, w3w__sq_tx_fn fn, void *arg);
/** Run `fn` in a read transaction (one consistent snapshot). */
w3w_status w3w__sq_read(w3w__sq_storage *s, w3w__sq_tx_fn fn, void *arg);

int64_t w3w__sq_wall_us(void);
int64_t w3w__sq_mono_us(void);

/* ---- statements and rows (sqlite_sql.c) ---------------------------------- */

/** The cached statement of `slot` (prepared from `sql` on first use). */
w3w_status w3w__sq_stmt(w3w__sq_conn *c, int slot, const char *sql, sqlite3_stmt **out);
/** Step once: *row = 1 on SQLITE_ROW, 0 on SQLITE_DONE; errors are mapped and reset the statement. */
w3w_status w3w__sq_step(w3w__sq_conn *c, sqlite3_stmt *s, int *row);
/** Step to completion and reset; for statements whose rows are not needed. */
w3w_status w3w__sq_exec(w3w__sq_conn *c, sqlite3_stmt *s);
/** Map an SQLite result code to a status and set the message ("sqlite: <what>: ..."). */
w3w_status w3w__sq_fail(w3w__sq_conn *c, int rc, const char *what);
/** Run SQL text once (migrations, pragmas). */
w3w_status w3w__sq_exec_text(w3w__sq_conn *c, const char *sql, const char *what);

void w3w__sq_bind_text(sqlite3_stmt *s, int i, const char *text);
void w3w__sq_col_text(char *dst, size_t size, sqlite3_stmt *s, int col);
/** 1 if the last failure on `c` was a UNIQUE/PRIMARY KEY violation. */
int w3w__sq_unique_violated(const w3w__sq_conn *c);
/** 1 if the last failure on `c` was a CHECK or STRICT type violation (an amount out of range). */
int w3w__sq_check_violated(const w3w__sq_conn *c);

/* Status names stored as TEXT, and back. */
const char *w3w__sq_supply_status(int status);
const char *w3w__sq_order_status(int status);
const char *w3w__sq_claim_status(int status);
const char *w3w__sq_transfer_kind(int kind);
int w3w__sq_parse_supply_status(const char *text);
int w3w__sq_parse_order_status(const char *text);
int w3w__sq_parse_claim_status(const char *text);
int w3w__sq_parse_transfer_kind(const char *text);

/* ---- schema (sqlite_schema.c) -------------------------------------------- */

/** Apply pending migrations in one BEGIN IMMEDIATE transaction; W3W_EVERSION if the file is newer. */
w3w_status w3w__sq_migrate(w3w__sq_conn *c);

/* ---- pieces every write command uses ------------------------------------- */

/**
 * Idempotency check at the start of a write. *replayed = 1 and result_id
 * filled when the key exists unexpired with the same hash;
 * W3W_EIDEMPOTENCY when the hash differs; otherwise nothing found.
 */
w3w_status w3w__sq_idem_check(w3w__sq_conn *c, const w3w_write_meta *meta,
	int *replayed, char result_id[W3W_ID_SIZE]);
/**
 * What every successful write ends with: the outbox event, the audit record
 * and (when a key is given) the idempotency record pointing at `result_id`.
 */
w3w_status w3w__sq_finish_write(w3w__sq_conn *c, w3w_write_meta *meta, const char *result_id);

w3w_status w3w__sq_outbox_put(w3w__sq_conn *c, w3w_event *ev);
w3w_status w3w__sq_audit_put(w3w__sq_conn *c, const w3w_audit_record *rec);

/* ---- loaders shared between commands and reads --------------------------- */

w3w_status w3w__sq_supply_load(w3w__sq_conn *c, const char *id, w3w_supply *out);
/** Order with its items; *out malloc'd (free with w3w__sq_order_free). */
w3w_status w3w__sq_order_load(w3w__sq_conn *c, const char *id, w3w_order **out);
void w3w__sq_order_free(w3w_order *o);
w3w_status w3w__sq_claim_load(w3w__sq_conn *c, const char *id, w3w_claim *out);
w3w_status w3w__sq_transfer_load(w3w__sq_conn *c, const char *id, w3w_transfer *out);

/**
 * Ledger moves used by transfers, orders and claims. Each checks its
 * precondition in the UPDATE itself.
 */
w3w_status w3w__sq_account_debit(w3w__sq_conn *c, const char *user_id, const char *currency,
	w3w_amount amount, w3w_time now);
w3w_status w3w__sq_account_credit(w3w__sq_conn *c, const char *user_id, const char *currency,
	w3w_amount amount, w3w_time now);
w3w_status w3w__sq_account_hold(w3w__sq_conn *c, const char *user_id, const char *currency,
	w3w_amount amount, w3w_time now);
w3w_status w3w__sq_account_unhold(w3w__sq_conn *c, const char *user_id, const char *currency,
	w3w_amount amount, w3w_time now);
/** Settle escrow: balance and held of `user_id` both drop by amount. */
w3w_status w3w__sq_account_settle(w3w__sq_conn *c, const char *user_id, const char *currency,
	w3w_amount amount, w3w_time now);
/** Insert transfer `t` and its two ledger entries (ids and balances already moved by the caller). */
w3w_status w3w__sq_transfer_record(w3w__sq_conn *c, const w3w_transfer *t);

/* ---- vtable entries ------------------------------------------------------ */

w3w_status w3w__sq_transfer(w3w_storage *st, w3w_cmd_transfer *cmd, w3w_transfer *out);
w3w_status w3w__sq_accounts(w3w_storage *st, const char *user_id, w3w_account_list **out);
w3w_status w3w__sq_ledger_totals(w3w_storage *st, const char *currency, w3w_ledger_totals *out);

w3w_status w3w__sq_supply_create(w3w_storage *st, w3w_cmd_supply_create *cmd, w3w_supply *out);
w3w_status w3w__sq_supply_update(w3w_storage *st, w3w_cmd_supply_update *cmd, w3w_supply *out);
w3w_status w3w__sq_supply_delete(w3w_storage *st, w3w_cmd_supply_delete *cmd, w3w_supply *out);
w3w_status w3w__sq_supply_get(w3w_storage *st, const char *id, w3w_supply *out);
w3w_status w3w__sq_supply_list(w3w_storage *st, const w3w_storage_query *q, w3w_supply_page **out);

w3w_status w3w__sq_order_create(w3w_storage *st, w3w_cmd_order_create *cmd, w3w_order **out);
w3w_status w3w__sq_order_cancel(w3w_storage *st, w3w_cmd_order_cancel *cmd, w3w_order **out);
w3w_status w3w__sq_order_get(w3w_storage *st, const char *id, w3w_order **out);
w3w_status w3w__sq_order_list(w3w_storage *st, const w3w_storage_query *q, w3w_order_page **out);

w3w_status w3w__sq_claim_create(w3w_storage *st, w3w_cmd_claim_create *cmd, w3w_claim *out);
w3w_status w3w__sq_claim_process(w3w_storage *st, w3w_cmd_claim_process *cmd, w3w_claim *out);
w3w_status w3w__sq_claim_release(w3w_storage *st, w3w_cmd_claim_release *cmd, w3w_claim *out);
w3w_status w3w__sq_claim_get(w3w_storage *st, const char *id, w3w_claim *out);
w3w_status w3w__sq_claim_get_live(w3w_storage *st, const char *order_id, w3w_claim *out);

w3w_status w3w__sq_outbox_take(w3w_storage *st, size_t max, int lease_ms, w3w_event **out, size_t *count);
w3w_status w3w__sq_outbox_ack(w3w_storage *st, const int64_t *seqs, size_t count);
w3w_status w3w__sq_outbox_stats(w3w_storage *st, w3w_outbox_stats *out);

w3w_status w3w__sq_audit_append(w3w_storage *st, const w3w_audit_record *record);
w3w_status w3w__sq_audit_seal(w3w_storage *st, w3w_audit_hash_fn fn, size_t max, size_t *sealed);
w3w_status w3w__sq_audit_read(w3w_storage *st, int64_t after_pos, size_t max,
	w3w_audit_record **out, size_t *count);
w3w_status w3w__sq_audit_unsealed(w3w_storage *st, int64_t *count);

w3w_status w3w__sq_purge_expired(w3w_storage *st, w3w_time now, int64_t *deleted);

#endif

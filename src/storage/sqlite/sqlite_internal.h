/*
 * SQLite storage backend: shared internals of src/storage/sqlite/.
 *
 * One w3w__sq_storage per opened URL. It owns a small pool of connections;
 * each connection caches its prepared statements by their SQL text,
 * prepared on first use with SQLITE_PREPARE_PERSISTENT. Every command is a
 * plain function between w3w__sq_begin and w3w__sq_end; writers take the
 * in-process write mutex, then BEGIN IMMEDIATE (which serializes them
 * against other processes on the same file).
 */
#ifndef W3W_STORAGE_SQLITE_INTERNAL_H
#define W3W_STORAGE_SQLITE_INTERNAL_H

#include <pthread.h>
#include <stddef.h>
#include <sqlite3.h>

#include "w3wallet/sys/storage.h"

/** Schema version this code writes; newer databases are refused. */
#define W3W__SQ_SCHEMA_VERSION 9

typedef struct w3w__sq_stmt_slot w3w__sq_stmt_slot;

typedef struct w3w__sq_conn {
	sqlite3 *db;
	struct w3w__sq_storage *owner;
	int timeout_ms;
	int writing;             /* holds the owner's write mutex (a write transaction is open) */
	int64_t busy_since_us;   /* monotonic start of the current busy wait */
	int last_rc;             /* extended code of the last failure, for constraint diagnosis */
	int wal_pages;           /* WAL size after this connection's last commit (wal hook) */
	struct w3w__sq_conn *next_idle;
	w3w__sq_stmt_slot *stmts; /* statement cache keyed by SQL text (sqlite_sql.c) */
	size_t stmt_cap, stmt_used;
	struct w3w__sq_records *records; /* set during a batch: where finish_write queues its records */
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

/* ---- transactions (sqlite_backend.c) -------------------------------------- */

typedef enum w3w__sq_tx_kind {
	W3W__SQ_READ,      /* deferred BEGIN: one consistent WAL snapshot, never waits for writers */
	W3W__SQ_IMMEDIATE  /* write mutex, then BEGIN IMMEDIATE: serialized against every writer */
} w3w__sq_tx_kind;

/**
 * Take a pooled connection and open a transaction on it; NULL with the
 * error set (w3w_error_code()) when none. Every command is
 *   c = w3w__sq_begin(s, kind); ... plain code on c ...; w3w__sq_end(c, status).
 */
w3w__sq_conn *w3w__sq_begin(w3w__sq_storage *s, w3w__sq_tx_kind kind);
/**
 * COMMIT when `st` is W3W_OK, else ROLLBACK keeping the caller's error;
 * hands the connection back. Returns `st`, or the COMMIT's failure.
 */
w3w_status w3w__sq_end(w3w__sq_conn *c, w3w_status st);

/*
 * Defines the write entry `entry`(st, cmd, out) of the vtable: the plain
 * function `body`(c, cmd, out) between w3w__sq_begin and w3w__sq_end.
 * `out` is optional for writes, so a NULL one points at scratch.
 */
#define W3W__SQ_WRITE_ENTRY(entry, body, cmd_type, out_type) \
	w3w_status entry(w3w_storage *st, cmd_type *cmd, out_type *out) \
	{ \
		out_type scratch; \
		w3w__sq_conn *c = w3w__sq_begin(w3w__sq(st), W3W__SQ_IMMEDIATE); \
		return c ? w3w__sq_end(c, body(c, cmd, out ? out : &scratch)) : w3w_error_code(); \
	}

/** Element i of a batch: the body of its single command on cmds[i], outs[i]. */
typedef w3w_status (*w3w__sq_batch_fn)(w3w__sq_conn *c, void *cmds, void *outs, size_t i);
/** One transaction, a savepoint per element (sqlite_batch.c); results[i] per element. */
w3w_status w3w__sq_batch(w3w__sq_storage *s, w3w__sq_batch_fn one, void *cmds, void *outs,
	w3w_batch_result *results, size_t count);
/** The commands whose event and audit record a batch writes after its elements, in order. */
typedef struct w3w__sq_records {
	w3w_write_meta **metas;
	size_t count, cap;
} w3w__sq_records;
/** Queue meta's event and audit record (grows the queue; W3W_ENOMEM). */
w3w_status w3w__sq_records_add(w3w__sq_records *r, w3w_write_meta *meta);

/* Defines the batch entry `entry` of the market table over the plain function `body`. */
#define W3W__SQ_BATCH_ENTRY(entry, body, cmd_type, out_type) \
	static w3w_status entry##_element(w3w__sq_conn *c, void *cmds, void *outs, size_t i) \
	{ \
		return body(c, (cmd_type *)cmds + i, (out_type *)outs + i); \
	} \
	w3w_status entry(w3w_storage *st, cmd_type *cmds, out_type *outs, w3w_batch_result *results, size_t count) \
	{ \
		return w3w__sq_batch(w3w__sq(st), entry##_element, cmds, outs, results, count); \
	}

int64_t w3w__sq_wall_us(void);
int64_t w3w__sq_mono_us(void);

/* ---- statements and rows (sqlite_sql.c) ---------------------------------- */

/** The connection's statement for `sql`, prepared on first use and cached by its text. */
w3w_status w3w__sq_prepare(w3w__sq_conn *c, const char *sql, sqlite3_stmt **out);
/** Finalize every cached statement of `c`. */
void w3w__sq_cache_free(w3w__sq_conn *c);
/**
 * The cached statement for `sql` with ?1.. bound from the arguments, one
 * letter of `types` each: 't' const char * (NULL binds NULL), 'I' int64_t,
 * 'i' int, 'b' const void * and int length, '-' none (skip the parameter).
 * Texts and blobs must outlive the statement's use (until it is reset).
 */
w3w_status w3w__sq_query(w3w__sq_conn *c, sqlite3_stmt **out, const char *sql, const char *types, ...);
/** w3w__sq_query, then step to the end and reset; for statements whose rows are not needed. */
w3w_status w3w__sq_run(w3w__sq_conn *c, const char *sql, const char *types, ...);
/** Step once: *row = 1 on SQLITE_ROW, 0 on SQLITE_DONE; errors are mapped and reset the statement. */
w3w_status w3w__sq_step(w3w__sq_conn *c, sqlite3_stmt *s, int *row);
/** Step to completion and reset; for statements whose rows are not needed. */
w3w_status w3w__sq_exec(w3w__sq_conn *c, sqlite3_stmt *s);
/**
 * Step a statement that yields at most one row wanted (a SELECT or ...
 * RETURNING): *row = 1 with the row read by `read` into `item`; then step
 * to the end (finishing an UPDATE ... RETURNING) and reset.
 */
typedef w3w_status (*w3w__sq_read_fn)(sqlite3_stmt *s, void *item);
w3w_status w3w__sq_one(w3w__sq_conn *c, sqlite3_stmt *s, w3w__sq_read_fn read, void *item, int *row);
/**
 * Step `s` to the end (at most `max` rows; 0 = all), appending each row,
 * read by `read`, to the growing array *items of `elem`-byte elements;
 * resets `s`. On failure the rows read so far stay in the array and count.
 */
w3w_status w3w__sq_collect(w3w__sq_conn *c, sqlite3_stmt *s, w3w__sq_read_fn read, size_t elem,
	size_t max, void **items, size_t *count);
/* A keyset-paged list, and the layout of its page type { T *items; size_t count; char next_cursor[]; }. */
typedef struct w3w__sq_list {
	const char *select;               /* "SELECT <columns> FROM <table>" */
	const char *noun;                 /* "supply", "order": for messages */
	const char *a_status;             /* "a supply": "status: N is not a supply status" */
	const char *(*status_name)(int);  /* the stored name of a status; NULL when unknown */
	int literal_status;               /* a status spelled out in the SQL (partial index); 0 none */
	w3w__sq_read_fn read;
	size_t elem;                      /* sizeof(T) */
	size_t page_size, items_at, count_at, cursor_at;
} w3w__sq_list;
#define W3W__SQ_PAGE_LAYOUT(type) \
	sizeof(type), offsetof(type, items), offsetof(type, count), offsetof(type, next_cursor)
/**
 * One page, in its own read snapshot: the rows past q->after_id in id
 * order, of q->user_id and q->status when given. *out is a page of the
 * list's type (free its items, then it).
 */
w3w_status w3w__sq_page(w3w__sq_storage *s, const w3w__sq_list *list, const w3w_storage_query *q, void **out);
/**
 * The row `sql` (bound ?1 key) yields, read into `out`; W3W_ENOTFOUND with
 * the message `missing` (one %s: the key) when none.
 */
w3w_status w3w__sq_get(w3w__sq_conn *c, const char *sql, const char *key, w3w__sq_read_fn read,
	void *out, const char *missing);
/** w3w__sq_one on `s` (prepared and bound by the caller), with w3w__sq_get's W3W_ENOTFOUND. */
w3w_status w3w__sq_one_of(w3w__sq_conn *c, sqlite3_stmt *s, w3w__sq_read_fn read, void *out,
	const char *missing, const char *key);
/** The first row of `sql` (bound ?1 key, NULL when it has none) in its own read snapshot; none leaves `out`. */
w3w_status w3w__sq_read_row(w3w__sq_storage *s, const char *sql, const char *key, w3w__sq_read_fn read,
	void *out);
/**
 * Every row of `sql` (bound as by w3w__sq_query; at most `max`, 0 = all) in
 * one read snapshot, collected as by w3w__sq_collect; on failure none
 * (*items NULL, *count 0).
 */
w3w_status w3w__sq_read_all(w3w__sq_storage *s, w3w__sq_read_fn read, size_t elem, size_t max, void **items,
	size_t *count, const char *sql, const char *types, ...);
/**
 * Read the current row's columns from `first` on, one letter of `types`
 * each: 't' char *dst and size_t size (truncated, NUL-terminated),
 * 'I' int64_t *, '-' skip the column.
 */
void w3w__sq_cols(sqlite3_stmt *s, int first, const char *types, ...);
/** Map an SQLite result code to a status and set the message ("sqlite: <what>: ..."). */
w3w_status w3w__sq_fail(w3w__sq_conn *c, int rc, const char *what);
/** Run SQL text once (migrations, pragmas). */
w3w_status w3w__sq_exec_text(w3w__sq_conn *c, const char *sql, const char *what);

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
 * Idempotency check at the start of a write. meta->replayed = 1 and result_id
 * filled when the key exists unexpired with the same hash;
 * W3W_EIDEMPOTENCY when the hash differs; otherwise nothing found.
 */
w3w_status w3w__sq_idem_check(w3w__sq_conn *c, w3w_write_meta *meta, char result_id[W3W_ID_SIZE]);
/**
 * What every successful write ends with: the outbox event, the audit record
 * and (when a key is given) the idempotency record pointing at `result_id`.
 */
w3w_status w3w__sq_finish_write(w3w__sq_conn *c, w3w_write_meta *meta, const char *result_id);

w3w_status w3w__sq_outbox_put(w3w__sq_conn *c, w3w_event *ev);
/** The events of n commands, in order, W3W__SQ_ROWS_PER_INSERT rows per INSERT; each event's seq set. */
w3w_status w3w__sq_outbox_put_many(w3w__sq_conn *c, w3w_write_meta *const *metas, size_t n);
w3w_status w3w__sq_audit_put(w3w__sq_conn *c, const w3w_audit_record *rec);
/** The audit record of a command (meta->audit), in the trace of its event. */
w3w_status w3w__sq_audit_put_command(w3w__sq_conn *c, const w3w_write_meta *meta);
/** w3w__sq_audit_put_command for n commands, in order, W3W__SQ_ROWS_PER_INSERT rows per INSERT. */
w3w_status w3w__sq_audit_put_commands(w3w__sq_conn *c, w3w_write_meta *const *metas, size_t n);
/** Rows per multi-row INSERT of a batch's records (variables: 8 per row, far below SQLite's limit). */
#define W3W__SQ_ROWS_PER_INSERT 128
/** "(?,?,..),(?,..)": `rows` groups of `cols` parameters into buf; how many groups fitted. */
size_t w3w__sq_values_list(char *buf, size_t size, size_t rows, int cols);

/* ---- loaders shared between commands and reads --------------------------- */

w3w_status w3w__sq_supply_load(w3w__sq_conn *c, const char *id, w3w_supply *out);
/** Order with its items; *out malloc'd (free with w3w__sq_order_free). */
w3w_status w3w__sq_order_load(w3w__sq_conn *c, const char *id, w3w_order **out);
void w3w__sq_order_free(w3w_order *o);
/** What an order move (UPDATE orders ... RETURNING user_id, currency, amount) yields. */
typedef struct w3w__sq_escrow {
	char user_id[W3W_ID_SIZE];
	char currency[W3W_CURRENCY_SIZE];
	w3w_amount amount;
} w3w__sq_escrow;
/** Step an order move the caller prepared: *moved = 1 and `out` filled when the order changed. */
w3w_status w3w__sq_order_move(w3w__sq_conn *c, sqlite3_stmt *s, w3w__sq_escrow *out, int *moved);
w3w_status w3w__sq_claim_load(w3w__sq_conn *c, const char *id, w3w_claim *out);
w3w_status w3w__sq_transfer_load(w3w__sq_conn *c, const char *id, w3w_transfer *out);

/** Balance moves used by transfers, orders, claims and withdrawals. */
typedef enum w3w__sq_move {
	W3W__SQ_DEBIT,   /* balance down; refused (W3W_EINSUFFICIENT) below available */
	W3W__SQ_CREDIT,  /* balance up, the account made on first use; W3W_EINVAL past the maximum */
	W3W__SQ_HOLD,    /* held up (escrow); refused below available */
	W3W__SQ_UNHOLD,  /* held down (escrow released) */
	W3W__SQ_SETTLE   /* balance and held both down (escrow paid out) */
} w3w__sq_move;
/** Move `amount` on the account of `user_id`; each move checks its precondition in the UPDATE itself. */
w3w_status w3w__sq_account_move(w3w__sq_conn *c, w3w__sq_move move, const char *user_id,
	const char *currency, w3w_amount amount, w3w_time now);
/**
 * The withdrawal limits of (user_id, currency) allow `amount` now (else
 * W3W_ELIMIT naming the limit and what remains); it is recorded as used at
 * `now` under `source_id` (sqlite_limits.c). Every withdrawal calls it in
 * its write transaction before it debits or holds.
 */
w3w_status w3w__sq_limit_take(w3w__sq_conn *c, const char *user_id, const char *currency, w3w_amount amount,
	w3w_time now, const char *source_id);
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
w3w_status w3w__sq_claim_create_batch(w3w_storage *st, w3w_cmd_claim_create *cmds, w3w_claim *outs,
	w3w_batch_result *results, size_t count);
w3w_status w3w__sq_claim_process_batch(w3w_storage *st, w3w_cmd_claim_process *cmds, w3w_claim *outs,
	w3w_batch_result *results, size_t count);
w3w_status w3w__sq_transfer_batch(w3w_storage *st, w3w_cmd_transfer *cmds, w3w_transfer *outs,
	w3w_batch_result *results, size_t count);
w3w_status w3w__sq_order_create_batch(w3w_storage *st, w3w_cmd_order_create *cmds, w3w_order *outs,
	w3w_batch_result *results, size_t count);
w3w_status w3w__sq_claim_process(w3w_storage *st, w3w_cmd_claim_process *cmd, w3w_claim *out);
w3w_status w3w__sq_claim_release(w3w_storage *st, w3w_cmd_claim_release *cmd, w3w_claim *out);
w3w_status w3w__sq_claim_get(w3w_storage *st, const char *id, w3w_claim *out);
w3w_status w3w__sq_claim_get_live(w3w_storage *st, const char *order_id, w3w_claim *out);

w3w_status w3w__sq_outbox_take(w3w_storage *st, size_t max, int lease_ms, w3w_event **out, size_t *count);
w3w_status w3w__sq_outbox_ack(w3w_storage *st, const int64_t *seqs, size_t count);
w3w_status w3w__sq_outbox_stats(w3w_storage *st, w3w_outbox_stats *out);
w3w_status w3w__sq_outbox_events_of(w3w_storage *st, const char *aggregate_id, int64_t after_seq, size_t max,
	w3w_event **out, size_t *count);

w3w_status w3w__sq_audit_append(w3w_storage *st, const w3w_audit_record *record);
w3w_status w3w__sq_audit_seal(w3w_storage *st, w3w_audit_hash_fn fn, size_t max, size_t *sealed);
w3w_status w3w__sq_audit_read(w3w_storage *st, int64_t after_pos, size_t max,
	w3w_audit_record **out, size_t *count);
w3w_status w3w__sq_audit_unsealed(w3w_storage *st, int64_t *count);

w3w_status w3w__sq_purge_expired(w3w_storage *st, w3w_time now, int64_t *deleted);

#endif

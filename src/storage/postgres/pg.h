/*
 * PostgreSQL storage backend: shared internals of src/storage/postgres/.
 *
 * Shape: every write command is one call of a PL/pgSQL function installed
 * by the migrations (w3w_claim_create(...), ...), executed as a prepared
 * statement in autocommit: one round trip, one transaction. The function
 * decides everything that depends on current state (conditional updates,
 * unique indexes) and either returns the resulting row or raises one of
 * the W3xxx SQLSTATEs below, which roll the whole command back.
 *
 * Values cross the wire as text: amounts as int64 units (the SQL side
 * converts with w3w_amt()/w3w_units(), exact NUMERIC arithmetic), times as
 * int64 microseconds (w3w_ts()/w3w_us()), ids as canonical UUID text.
 */
#ifndef W3W_STORAGE_POSTGRES_PG_H
#define W3W_STORAGE_POSTGRES_PG_H

#include <pthread.h>
#include <stddef.h>

#include <libpq-fe.h>

#include "w3wallet/sys/storage.h"

/** Schema version this code writes; a newer database is refused (W3W_EVERSION). */
#define W3W__PG_SCHEMA_VERSION 11

/* SQLSTATEs raised by the installed functions (class W3: ours). */
#define W3W__PG_SQLSTATE_NOTFOUND     "W3001"
#define W3W__PG_SQLSTATE_CONFLICT     "W3002"
#define W3W__PG_SQLSTATE_INSUFFICIENT "W3003"
#define W3W__PG_SQLSTATE_FORBIDDEN    "W3004"
#define W3W__PG_SQLSTATE_STATE        "W3005"
#define W3W__PG_SQLSTATE_IDEMPOTENCY  "W3006"
#define W3W__PG_SQLSTATE_LIMIT        "W3007" /* a withdrawal limit */
#define W3W__PG_SQLSTATE_BROKEN       "W3099" /* an invariant of the data does not hold */

/* ---- prepared statements (pg_statements.c) -------------------------------- */

enum w3w__pg_stmt_id {
	PG_PING,
	PG_TRANSFER, PG_TRANSFER_GET,
	PG_SUPPLY_CREATE, PG_SUPPLY_UPDATE, PG_SUPPLY_DELETE, PG_SUPPLY_GET,
	PG_SUPPLY_LIST_ALL, PG_SUPPLY_LIST_USER, PG_SUPPLY_LIST_STATUS, PG_SUPPLY_LIST_USER_STATUS,
	PG_ORDER_CREATE, PG_ORDER_CANCEL, PG_ORDER_GET,
	PG_ORDER_LIST_ALL, PG_ORDER_LIST_USER, PG_ORDER_LIST_STATUS, PG_ORDER_LIST_USER_STATUS,
	PG_CLAIM_CREATE, PG_CLAIM_PROCESS, PG_CLAIM_RELEASE, PG_CLAIM_GET, PG_CLAIM_GET_LIVE,
	PG_CLAIM_OUTCOME,
	PG_ACCOUNTS, PG_LEDGER_TOTALS,
	PG_OUTBOX_TAKE, PG_OUTBOX_ACK, PG_OUTBOX_STATS, PG_OUTBOX_HAS_EVENT, PG_OUTBOX_EVENTS_OF,
	PG_AUDIT_APPEND, PG_AUDIT_PENDING, PG_AUDIT_LINK, PG_AUDIT_READ, PG_AUDIT_UNSEALED,
	PG_PURGE_EXPIRED,
	PG_COMMIT_POSITION, PG_REPLAY_POSITION,
	PG_TRANSFER_BATCH, PG_ORDER_CREATE_BATCH, PG_CLAIM_CREATE_BATCH, PG_CLAIM_PROCESS_BATCH,
	PG_STMT_COUNT
};

typedef struct w3w__pg_stmt {
	const char *name;  /* server-side name of the prepared statement */
	const char *sql;
} w3w__pg_stmt;

extern const w3w__pg_stmt w3w__pg_stmts[PG_STMT_COUNT];

/*
 * ---- schema: the files of sql/, embedded at build time, applied by pg_migrate.c
 * The SQLSTATEs above are written out in those files too (test_postgres_sql_files checks them).
 */

/* ---- pool (pg_pool.c) ------------------------------------------------------ */

typedef struct w3w__pg_conn {
	PGconn *pg;
	int prepared;                 /* statements of w3w__pg_stmts prepared on it */
	struct w3w__pg_conn *next;    /* idle list */
} w3w__pg_conn;

typedef struct w3w__pg_pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char *conninfo;     /* the URL or conninfo as given; may hold a password: never printed */
	char *target;       /* "host=... port=... dbname=... user=..." for messages, no password */
	int size;           /* at most this many connections */
	int open;           /* connections that exist (idle or in use) */
	int timeout_ms;     /* connect, wait for a free connection, statement_timeout */
	char *prepare_sql;  /* PREPARE of every statement, sent once per connection */
	w3w__pg_conn *idle;
} w3w__pg_pool;

typedef struct w3w__pg {
	w3w_storage base;   /* first: the vtable core sees */
	w3w__pg_pool pool;
} w3w__pg;

static inline w3w__pg *w3w__pg_of(w3w_storage *st)
{
	return (w3w__pg *)st;
}

/** Set up the pool (no connection yet). Takes copies of `conninfo` and `target`. */
w3w_status w3w__pg_pool_init(w3w__pg_pool *pool, const char *conninfo, const char *target,
	int size, int timeout_ms);
/** Close every idle connection and free the pool (all must have been released). */
void w3w__pg_pool_destroy(w3w__pg_pool *pool);
/**
 * A connection for one command: an idle one that still looks alive, else a
 * new one (within the pool size), else wait up to timeout_ms for one to be
 * released (W3W_EUNAVAILABLE). Statements are prepared unless `raw`.
 */
w3w_status w3w__pg_acquire(w3w__pg_pool *pool, int raw, w3w__pg_conn **out);
/** Give a connection back; `broken` (or a bad/unfinished session) closes it instead. */
void w3w__pg_release(w3w__pg_pool *pool, w3w__pg_conn *c, int broken);
/** Open one session: bounded connect, session settings. Sets the message on failure. */
w3w_status w3w__pg_connect(const w3w__pg_pool *pool, PGconn **out);

/* ---- URL handling (pg_url.c) ----------------------------------------------- */

/**
 * Validate `url` (postgres://, postgresql:// or a conninfo string) and
 * describe its target without the password, e.g.
 * "host=127.0.0.1 port=5432 dbname=w3w user=w3w". *target is malloc'd.
 */
w3w_status w3w__pg_url_check(const char *url, char **target);
/** Copy `msg` into `buf`, trimmed, with any password of `url` replaced by "***". */
void w3w__pg_scrub(char *buf, size_t size, const char *msg, const char *url);

/* ---- parameters (pg_params.c) ---------------------------------------------- */

#define W3W__PG_MAX_PARAMS 40
#define W3W__PG_NUM_SIZE 72   /* a formatted int64, bool or 32-byte hex bytea */

/** Text parameters of one statement. NULL values are SQL NULL. */
typedef struct w3w__pg_params {
	int n;
	int oom;                                   /* an owned value could not be allocated */
	const char *v[W3W__PG_MAX_PARAMS];
	char num[W3W__PG_MAX_PARAMS][W3W__PG_NUM_SIZE];
	char *owned[W3W__PG_MAX_PARAMS];           /* malloc'd values (arrays) */
	int nowned;
} w3w__pg_params;

void w3w__pg_params_init(w3w__pg_params *p);
void w3w__pg_params_free(w3w__pg_params *p);
void w3w__pg_p_text(w3w__pg_params *p, const char *s);
/** "" becomes NULL (optional ids). */
void w3w__pg_p_text_or_null(w3w__pg_params *p, const char *s);
void w3w__pg_p_i64(w3w__pg_params *p, int64_t v);
void w3w__pg_p_bool(w3w__pg_params *p, int v);
void w3w__pg_p_bytea(w3w__pg_params *p, const unsigned char *bytes, size_t n);
/**
 * Append one parameter per letter of `types`: 't' const char * (NULL is
 * SQL NULL), 'n' const char * ("" is NULL), 'I' int64_t, 'b' int (bool).
 * As w3w__sq_query's letters.
 */
void w3w__pg_p(w3w__pg_params *p, const char *types, ...);
/** Takes ownership of a malloc'd value (NULL sets p->oom). */
void w3w__pg_p_owned(w3w__pg_params *p, char *s);
/**
 * Start the parameters of a write command: `p` initialized, m->replayed
 * cleared (the write sets it), then the 20 parameters every write function
 * starts with: actor, idempotency (key, hash, expiry), now, the outbox
 * event (8), the audit record (6).
 */
void w3w__pg_command_params(w3w__pg_params *p, w3w_write_meta *m);
/** Params of a read by user: $1 = user_id, which must be a UUID (else W3W_EINVAL, params empty). */
w3w_status w3w__pg_user_params(w3w__pg_params *p, const char *user_id);

/** Array literal builder: {"a","b"} with quoting, for text/uuid/bigint arrays. */
typedef struct w3w__pg_array {
	char *buf;
	size_t len, cap;
	int oom;
} w3w__pg_array;

void w3w__pg_array_begin(w3w__pg_array *a);
void w3w__pg_array_add(w3w__pg_array *a, const char *elem);
void w3w__pg_array_add_i64(w3w__pg_array *a, int64_t v);
/** SQL NULL; "" as NULL (optional ids); 32-byte-or-less bytes as a bytea element. */
void w3w__pg_array_add_null(w3w__pg_array *a);
void w3w__pg_array_add_or_null(w3w__pg_array *a, const char *elem);
void w3w__pg_array_add_bytea(w3w__pg_array *a, const unsigned char *bytes, size_t n);
/** The finished literal (malloc'd; NULL if out of memory). */
char *w3w__pg_array_end(w3w__pg_array *a);

/* ---- results (pg_rows.c) --------------------------------------------------- */

void w3w__pg_col_text(char *dst, size_t size, const PGresult *r, int row, int col);
int64_t w3w__pg_col_i64(const PGresult *r, int row, int col);
int w3w__pg_col_bool(const PGresult *r, int row, int col);
/**
 * Read row `row`'s columns from `first` on, one letter of `types` each:
 * 't' char *dst and size_t size (truncated, NUL-terminated; NULL reads ""),
 * 'I' int64_t * (NULL reads 0), '-' skip the column. As w3w__sq_cols.
 */
void w3w__pg_cols(const PGresult *r, int row, int first, const char *types, ...);
/** Decode a hex column (encode(x, 'hex')) into `n` bytes; zeros when NULL. */
void w3w__pg_col_hex(unsigned char *dst, size_t n, const PGresult *r, int row, int col);

/* Column lists of the views (sql/001a_schema.sql) and the readers matching them. */
#define W3W__PG_SUPPLY_COLS "id, user_id, currency, amount, reserved, status, created_at, updated_at"
#define W3W__PG_SUPPLY_NCOLS 8
#define W3W__PG_ORDER_COLS "id, user_id, currency, amount, status, created_at, updated_at"
#define W3W__PG_ORDER_NCOLS 7
#define W3W__PG_ITEM_COLS "item_id, product_id, product_name, price, quantity"
#define W3W__PG_CLAIM_COLS "id, order_id, user_id, supply_id, status, claimed_at, processed_at, released_at, order_user_id"
#define W3W__PG_CLAIM_NCOLS 9
#define W3W__PG_TRANSFER_COLS "id, kind, from_user_id, to_user_id, currency, amount, reference, created_at"
#define W3W__PG_TRANSFER_NCOLS 8

w3w_status w3w__pg_row_supply(const PGresult *r, int row, int col, w3w_supply *out);
/** Order columns at `col`; items (one per row, W3W__PG_ITEM_COLS after the order's) when `with_items`. */
w3w_status w3w__pg_rows_order(const PGresult *r, int col, int with_items, w3w_order **out);
w3w_status w3w__pg_row_order(const PGresult *r, int row, int col, w3w_order *out);
/** Claim columns at `col`; the order owner (last column) goes to `order_user_id` if not NULL. */
w3w_status w3w__pg_row_claim(const PGresult *r, int row, int col, w3w_claim *out, char *order_user_id);
w3w_status w3w__pg_row_transfer(const PGresult *r, int row, int col, w3w_transfer *out);
void w3w__pg_order_free(w3w_order *o);
/** From a write function's first row: meta->replayed (first column), meta->event.seq (last; 0 on replay). */
void w3w__pg_take_meta(const PGresult *r, w3w_write_meta *meta);

/* Stored status names: the public names (src/core/names.c), as SQLite stores them too. NULL: unknown. */
const char *w3w__pg_supply_status(int status);
const char *w3w__pg_transfer_kind(int kind);

/** 1 if `s` is a canonical UUID (36 chars, hex and dashes). */
int w3w__pg_is_uuid(const char *s);

/* ---- reads (pg_list.c) ----------------------------------------------------- */

/**
 * Run statement `stmt` whose only parameter is `id`: W3W_ENOTFOUND
 * ("<noun> <id> not found") without asking when `id` is not a UUID.
 */
w3w_status w3w__pg_get(w3w__pg *pg, int stmt, const char *id, const char *noun, const char *what,
	PGresult **out);

/* ---- lists (pg_list.c) ----------------------------------------------------- */

/** Reads row `row` of `r` into the record at `out`. */
typedef w3w_status (*w3w__pg_row_reader)(const PGresult *r, int row, void *out);
/** Frees what a reader allocated inside one record. */
typedef void (*w3w__pg_row_drop)(void *item);

/**
 * The first `max` rows of `r` (all when max < 0), read by `read` into a
 * calloc'd array of `size`-byte records: *items (NULL when there are
 * none) and *count. On failure nothing is returned (`drop`, if not NULL,
 * frees what the records read so far own); `r` stays the caller's.
 */
w3w_status w3w__pg_read_rows(const PGresult *r, int max, size_t size, w3w__pg_row_reader read,
	w3w__pg_row_drop drop, void **items, size_t *count);
/**
 * A result list record ({T *items; size_t count; ...}, `size` bytes, items
 * and count at the offsets given: W3W__PG_LIST_LAYOUT) holding `items` and
 * `n` into *out; out of memory frees `items`.
 */
w3w_status w3w__pg_list_of(void *items, size_t n, size_t size, size_t items_at, size_t count_at, void **out);
#define W3W__PG_LIST_LAYOUT(type) sizeof(type), offsetof(type, items), offsetof(type, count)
/** Every row of the answer `r` to a read that returned `rc`, as w3w__pg_read_rows(); clears `r`. */
w3w_status w3w__pg_take_rows(w3w_status rc, PGresult *r, size_t size, w3w__pg_row_reader read,
	w3w__pg_row_drop drop, void **items, size_t *count);

/* A keyset-paged list (supplies, orders): its statements, its rows, its page type. */
typedef struct w3w__pg_list {
	const char *noun;                 /* "supply", "order": statement names and messages */
	const char *a_status;             /* "a supply": "status: N is not a supply status" */
	const char *(*status_name)(int);  /* the stored name of a status; NULL when unknown */
	int stmts[4];                     /* all rows, by status, by user, by user and status */
	w3w__pg_row_reader read;
	size_t elem;                      /* sizeof(T) */
	size_t page_size, items_at, count_at, cursor_at;
} w3w__pg_list;
#define W3W__PG_PAGE_LAYOUT(type) W3W__PG_LIST_LAYOUT(type), offsetof(type, next_cursor)
/**
 * One page (id cursor, id first column): the rows past q->after_id in id
 * order, of q->user_id and q->status when given. *out is a page of the
 * list's type (free its items, then it); next_cursor is set when more follow.
 */
w3w_status w3w__pg_page(w3w__pg *pg, const w3w__pg_list *list, const w3w_storage_query *q, void **out);

/* ---- execution (pg_exec.c) ------------------------------------------------- */

/**
 * How a statement may be retried after its connection was lost with no
 * answer (so it may or may not have committed).
 */
typedef enum w3w__pg_retry {
	W3W__PG_RETRY_SAFE,    /* reads and idempotent statements: just run it again */
	W3W__PG_RETRY_WRITE    /* a command: see w3w__pg_write() */
} w3w__pg_retry;

/**
 * Run prepared statement `id` in autocommit, retrying (bounded, jittered)
 * serialization failures, deadlocks and lost connections. On W3W_OK *out
 * is the result (PQclear it). Errors are mapped to statuses with the
 * message set, prefixed "postgres: <what>: ".
 */
w3w_status w3w__pg_run(w3w__pg *pg, int id, const w3w__pg_params *p, const char *what,
	PGresult **out);

/**
 * Run the write function behind statement `id` for a command carrying
 * `meta`. A connection lost with no answer is ambiguous: with an
 * idempotency key the command is retried (the function replays it if it
 * had committed); without one, the outbox is asked whether meta->event.id
 * was written: if so the command committed and W3W__PG_COMMITTED is
 * returned (the caller reads the result), else it is retried; the unique
 * event id guarantees a retry never applies a command twice. When the
 * retries run out after a lost answer, the outbox is asked once more:
 * W3W__PG_COMMITTED, W3W_EUNAVAILABLE (it did not commit) or W3W_EUNKNOWN
 * (the database cannot be asked).
 */
w3w_status w3w__pg_write(w3w__pg *pg, int id, const w3w__pg_params *p, w3w_write_meta *meta,
	const char *what, PGresult **out);
/**
 * The same rules for SQL text sent unprepared (the wallet members): `meta`
 * NULL for a read or a statement that is safe to send twice.
 */
w3w_status w3w__pg_run_sql(w3w__pg *pg, const char *sql, const w3w__pg_params *p, w3w_write_meta *meta,
	const char *what, PGresult **out);

/**
 * Run the batch function behind statement `id` (pg_batch.c): retried as
 * w3w__pg_run() when the server answered that it rolled back, but an
 * answer lost is W3W_EUNKNOWN, never a retry.
 */
w3w_status w3w__pg_run_batch(w3w__pg *pg, int id, const w3w__pg_params *p, const char *what, PGresult **out);

/** Wait for the answer to what was sent on `conn`, up to wait_ms. NULL: none (lost, or late). */
PGresult *w3w__pg_wait(PGconn *conn, int wait_ms);
/**
 * Send `sql` and wait for the answer: with `p`, one statement with
 * parameters; without, the simple protocol (several statements allowed).
 */
PGresult *w3w__pg_query(PGconn *conn, const char *sql, const w3w__pg_params *p, int wait_ms);
/** How long the client waits for an answer: the server's statement_timeout plus a margin. */
int w3w__pg_answer_wait_ms(int timeout_ms);

/** Positive, internal: the command had committed before its answer was lost (meta->event.seq is set). */
#define W3W__PG_COMMITTED 1

/**
 * The status of an SQLSTATE (every class is mapped on purpose); *retry: the
 * statement rolled back and may succeed again; *drop: do not reuse the
 * connection (a standby, a server going away). Either pointer may be NULL.
 */
w3w_status w3w__pg_sqlstate_rule(const char *sqlstate, int *retry, int *drop);

/** Map a failed result to a status with a message ("postgres: <what>: <server message>"). */
w3w_status w3w__pg_fail(const PGresult *r, PGconn *conn, const char *what);

/* ---- vtable entries ---------------------------------------------------------- */

w3w_status w3w__pg_transfer(w3w_storage *st, w3w_cmd_transfer *cmd, w3w_transfer *out);
w3w_status w3w__pg_accounts(w3w_storage *st, const char *user_id, w3w_account_list **out);
w3w_status w3w__pg_ledger_totals(w3w_storage *st, const char *currency, w3w_ledger_totals *out);

w3w_status w3w__pg_supply_create(w3w_storage *st, w3w_cmd_supply_create *cmd, w3w_supply *out);
w3w_status w3w__pg_supply_update(w3w_storage *st, w3w_cmd_supply_update *cmd, w3w_supply *out);
w3w_status w3w__pg_supply_delete(w3w_storage *st, w3w_cmd_supply_delete *cmd, w3w_supply *out);
w3w_status w3w__pg_supply_get(w3w_storage *st, const char *id, w3w_supply *out);
w3w_status w3w__pg_supply_list(w3w_storage *st, const w3w_storage_query *q, w3w_supply_page **out);

w3w_status w3w__pg_order_create(w3w_storage *st, w3w_cmd_order_create *cmd, w3w_order **out);
w3w_status w3w__pg_order_cancel(w3w_storage *st, w3w_cmd_order_cancel *cmd, w3w_order **out);
w3w_status w3w__pg_order_get(w3w_storage *st, const char *id, w3w_order **out);
w3w_status w3w__pg_order_list(w3w_storage *st, const w3w_storage_query *q, w3w_order_page **out);

w3w_status w3w__pg_claim_create(w3w_storage *st, w3w_cmd_claim_create *cmd, w3w_claim *out);
w3w_status w3w__pg_claim_process(w3w_storage *st, w3w_cmd_claim_process *cmd, w3w_claim *out);
w3w_status w3w__pg_claim_release(w3w_storage *st, w3w_cmd_claim_release *cmd, w3w_claim *out);
w3w_status w3w__pg_claim_get(w3w_storage *st, const char *id, w3w_claim *out);

w3w_status w3w__pg_transfer_batch(w3w_storage *st, w3w_cmd_transfer *cmds, w3w_transfer *outs,
	w3w_batch_result *results, size_t count);
w3w_status w3w__pg_order_create_batch(w3w_storage *st, w3w_cmd_order_create *cmds, w3w_order *outs,
	w3w_batch_result *results, size_t count);
w3w_status w3w__pg_claim_create_batch(w3w_storage *st, w3w_cmd_claim_create *cmds, w3w_claim *outs,
	w3w_batch_result *results, size_t count);
w3w_status w3w__pg_claim_process_batch(w3w_storage *st, w3w_cmd_claim_process *cmds, w3w_claim *outs,
	w3w_batch_result *results, size_t count);
w3w_status w3w__pg_claim_get_live(w3w_storage *st, const char *order_id, w3w_claim *out);

w3w_status w3w__pg_outbox_take(w3w_storage *st, size_t max, int lease_ms, w3w_event **out, size_t *count);
w3w_status w3w__pg_outbox_ack(w3w_storage *st, const int64_t *seqs, size_t count);
w3w_status w3w__pg_outbox_events_of(w3w_storage *st, const char *aggregate_id, int64_t after_seq, size_t max,
	w3w_event **out, size_t *count);
w3w_status w3w__pg_outbox_stats(w3w_storage *st, w3w_outbox_stats *out);

w3w_status w3w__pg_audit_append(w3w_storage *st, const w3w_audit_record *record);
w3w_status w3w__pg_audit_seal(w3w_storage *st, w3w_audit_hash_fn fn, size_t max, size_t *sealed);
w3w_status w3w__pg_audit_read(w3w_storage *st, int64_t after_pos, size_t max,
	w3w_audit_record **out, size_t *count);
w3w_status w3w__pg_audit_unsealed(w3w_storage *st, int64_t *count);

/** Apply pending migrations on `conn` under an advisory lock (pg_migrate.c). */
w3w_status w3w__pg_migrate(PGconn *conn, int timeout_ms);

#endif

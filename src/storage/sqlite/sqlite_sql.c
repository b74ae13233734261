/*
 * The statement cache (by SQL text), binding and stepping, row reading,
 * error mapping and status names: the one way every file of the backend
 * talks to SQLite.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/sqlite/sqlite_internal.h"
#include "w3wallet/claim.h"
#include "w3wallet/ledger.h"
#include "w3wallet/order.h"
#include "w3wallet/supply.h"

/* ---- the statement cache ------------------------------------------------- */

/* One open-addressing table per connection; about a hundred texts, so it never shrinks. */
struct w3w__sq_stmt_slot {
	char *sql;               /* own copy: callers may build their text */
	unsigned hash;
	sqlite3_stmt *stmt;
};

static unsigned text_hash(const char *text)
{
	unsigned h = 2166136261u; /* FNV-1a */

	for (; *text; text++)
		h = (h ^ (unsigned char)*text) * 16777619u;
	return h;
}

static w3w__sq_stmt_slot *slot_of(w3w__sq_stmt_slot *slots, size_t cap, const char *sql, unsigned hash)
{
	size_t i = hash & (cap - 1);

	while (slots[i].sql && (slots[i].hash != hash || strcmp(slots[i].sql, sql) != 0))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static w3w_status cache_grow(w3w__sq_conn *c)
{
	size_t cap = c->stmt_cap ? c->stmt_cap * 2 : 64;
	w3w__sq_stmt_slot *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return w3w_error_set(W3W_ENOMEM, "sqlite: out of memory");
	for (size_t i = 0; i < c->stmt_cap; i++)
		if (c->stmts[i].sql)
			*slot_of(slots, cap, c->stmts[i].sql, c->stmts[i].hash) = c->stmts[i];
	free(c->stmts);
	c->stmts = slots;
	c->stmt_cap = cap;
	return W3W_OK;
}

w3w_status w3w__sq_prepare(w3w__sq_conn *c, const char *sql, sqlite3_stmt **out)
{
	unsigned hash = text_hash(sql);
	w3w__sq_stmt_slot *slot;
	sqlite3_stmt *stmt = NULL;
	int rc;

	*out = NULL;
	if (c->stmt_used * 2 >= c->stmt_cap && cache_grow(c) != W3W_OK)
		return W3W_ENOMEM;
	slot = slot_of(c->stmts, c->stmt_cap, sql, hash);
	if (slot->sql) {
		*out = slot->stmt;
		return W3W_OK;
	}
	/* Persistent: kept for the connection's whole life, so SQLite allocates it off the lookaside. */
	rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_finalize(stmt);
		return w3w__sq_fail(c, rc, "prepare");
	}
	slot->sql = strdup(sql);
	if (!slot->sql) {
		sqlite3_finalize(stmt);
		return w3w_error_set(W3W_ENOMEM, "sqlite: out of memory");
	}
	slot->hash = hash;
	slot->stmt = stmt;
	c->stmt_used++;
	*out = stmt;
	return W3W_OK;
}

void w3w__sq_cache_free(w3w__sq_conn *c)
{
	for (size_t i = 0; i < c->stmt_cap; i++) {
		sqlite3_finalize(c->stmts[i].stmt);
		free(c->stmts[i].sql);
	}
	free(c->stmts);
	c->stmts = NULL;
	c->stmt_cap = c->stmt_used = 0;
}

/* ---- binding ------------------------------------------------------------- */

static void bind_args(sqlite3_stmt *s, const char *types, va_list ap)
{
	for (int i = 1; *types; types++, i++) {
		switch (*types) {
		case 't':
			/* STATIC: callers keep the text alive until the statement is reset. */
			sqlite3_bind_text(s, i, va_arg(ap, const char *), -1, SQLITE_STATIC);
			break;
		case 'I':
			sqlite3_bind_int64(s, i, va_arg(ap, int64_t));
			break;
		case 'i':
			sqlite3_bind_int(s, i, va_arg(ap, int));
			break;
		case 'b': {
			const void *blob = va_arg(ap, const void *);
			sqlite3_bind_blob(s, i, blob, va_arg(ap, int), SQLITE_STATIC);
			break;
		}
		}
	}
}

w3w_status w3w__sq_query(w3w__sq_conn *c, sqlite3_stmt **out, const char *sql, const char *types, ...)
{
	va_list ap;
	w3w_status st = w3w__sq_prepare(c, sql, out);

	if (st != W3W_OK)
		return st;
	va_start(ap, types);
	bind_args(*out, types, ap);
	va_end(ap);
	return W3W_OK;
}

size_t w3w__sq_values_list(char *buf, size_t size, size_t rows, int cols)
{
	size_t at = 0, r;

	for (r = 0; r < rows && at + 4 + 2 * (size_t)cols < size; r++) {
		buf[at++] = r ? ',' : '(';
		if (r)
			buf[at++] = '(';
		for (int k = 0; k < cols; k++) {
			buf[at++] = '?';
			buf[at++] = k + 1 < cols ? ',' : ')';
		}
	}
	buf[at] = '\0';
	return r;
}

w3w_status w3w__sq_run(w3w__sq_conn *c, const char *sql, const char *types, ...)
{
	sqlite3_stmt *s;
	va_list ap;
	w3w_status st = w3w__sq_prepare(c, sql, &s);

	if (st != W3W_OK)
		return st;
	va_start(ap, types);
	bind_args(s, types, ap);
	va_end(ap);
	return w3w__sq_exec(c, s);
}

/* ---- rows ---------------------------------------------------------------- */

void w3w__sq_cols(sqlite3_stmt *s, int first, const char *types, ...)
{
	va_list ap;

	va_start(ap, types);
	for (int col = first; *types; types++, col++) {
		if (*types == 't') {
			char *dst = va_arg(ap, char *);
			w3w__sq_col_text(dst, va_arg(ap, size_t), s, col);
		} else if (*types == 'I') {
			*va_arg(ap, int64_t *) = sqlite3_column_int64(s, col);
		}
	}
	va_end(ap);
}

w3w_status w3w__sq_one(w3w__sq_conn *c, sqlite3_stmt *s, w3w__sq_read_fn read, void *item, int *row)
{
	int more = 0;
	w3w_status st = w3w__sq_step(c, s, row);

	if (st == W3W_OK && *row)
		st = read(s, item);
	/* Stepping to the end finishes an UPDATE ... RETURNING before reset. */
	more = st == W3W_OK && *row;
	while (st == W3W_OK && more)
		st = w3w__sq_step(c, s, &more);
	sqlite3_reset(s);
	return st;
}

w3w_status w3w__sq_collect(w3w__sq_conn *c, sqlite3_stmt *s, w3w__sq_read_fn read, size_t elem,
	size_t max, void **items, size_t *count)
{
	size_t cap = *count;
	int row = 0;
	w3w_status st = W3W_OK;

	while (st == W3W_OK && (!max || *count < max)) {
		if ((st = w3w__sq_step(c, s, &row)) != W3W_OK || !row)
			break;
		if (*count == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			void *grown = realloc(*items, ncap * elem);
			if (!grown) {
				st = w3w_error_set(W3W_ENOMEM, "sqlite: out of memory");
				break;
			}
			*items = grown;
			cap = ncap;
		}
		/* Zeroed and counted first: what a failing reader leaves is safe to free. */
		memset((char *)*items + *count * elem, 0, elem);
		st = read(s, (char *)*items + (*count)++ * elem);
	}
	sqlite3_reset(s);
	return st;
}

w3w_status w3w__sq_page(w3w__sq_storage *s, const w3w__sq_list *list, const w3w_storage_query *q, void **out)
{
	char sql[512], by_status[48] = "", cursor[W3W_CURSOR_SIZE] = "";
	void *items = NULL, *page;
	size_t limit, count = 0;
	const char *status;
	sqlite3_stmt *stmt;
	w3w__sq_conn *c;
	w3w_status st;

	*out = NULL;
	if (!q || q->limit < 1 || q->limit > W3W_LIST_LIMIT_MAX)
		return w3w_error_set(W3W_EINVAL, "limit: must be 1..%d", W3W_LIST_LIMIT_MAX);
	if (!(status = q->status ? list->status_name(q->status) : ""))
		return w3w_error_set(W3W_EINVAL, "status: %d is not %s status", q->status, list->a_status);
	limit = (size_t)q->limit;
	/*
	 * Each variant is its own statement, so each uses its index. The literal
	 * status is spelled out so SQLite may use a partial index on it (a bound
	 * parameter cannot prove status = 'open').
	 */
	if (q->status && q->status == list->literal_status)
		snprintf(by_status, sizeof(by_status), "status = '%s' AND ", status);
	else if (q->status)
		strcpy(by_status, "status = ?3 AND ");
	snprintf(sql, sizeof(sql), "%s WHERE %s%sid > ?1 ORDER BY id LIMIT ?4", list->select,
		q->user_id[0] ? "user_id = ?2 AND " : "", by_status);
	if (!(c = w3w__sq_begin(s, W3W__SQ_READ)))
		return w3w_error_code();
	/* One more than asked: its presence says there is a next page. */
	st = w3w__sq_query(c, &stmt, sql, "tttI", q->after_id, q->user_id, status, (int64_t)limit + 1);
	if (st == W3W_OK)
		st = w3w__sq_collect(c, stmt, list->read, list->elem, limit + 1, &items, &count);
	if ((st = w3w__sq_end(c, st)) == W3W_OK && !(page = calloc(1, list->page_size)))
		st = w3w_error_set(W3W_ENOMEM, "%s list: out of memory", list->noun);
	if (st != W3W_OK) {
		free(items);
		return st;
	}
	if (count > limit) {
		count = limit;
		/* Every item begins with its id. */
		snprintf(cursor, sizeof(cursor), "%s", (const char *)items + (limit - 1) * list->elem);
	}
	/* memcpy: the members are typed (T *items), this code is not. */
	memcpy((char *)page + list->items_at, &items, sizeof(items));
	memcpy((char *)page + list->count_at, &count, sizeof(count));
	memcpy((char *)page + list->cursor_at, cursor, sizeof(cursor));
	*out = page;
	return W3W_OK;
}

w3w_status w3w__sq_get(w3w__sq_conn *c, const char *sql, const char *key, w3w__sq_read_fn read,
	void *out, const char *missing)
{
	sqlite3_stmt *s;
	w3w_status st = w3w__sq_query(c, &s, sql, "t", key);

	return st == W3W_OK ? w3w__sq_one_of(c, s, read, out, missing, key) : st;
}

w3w_status w3w__sq_one_of(w3w__sq_conn *c, sqlite3_stmt *s, w3w__sq_read_fn read, void *out,
	const char *missing, const char *key)
{
	int row = 0;
	w3w_status st = w3w__sq_one(c, s, read, out, &row);

	if (st == W3W_OK && !row)
		st = w3w_error_set(W3W_ENOTFOUND, missing, key);
	return st;
}

w3w_status w3w__sq_read_row(w3w__sq_storage *s, const char *sql, const char *key, w3w__sq_read_fn read,
	void *out)
{
	sqlite3_stmt *stmt;
	int row = 0;
	w3w__sq_conn *c = w3w__sq_begin(s, W3W__SQ_READ);
	w3w_status st;

	if (!c)
		return w3w_error_code();
	st = w3w__sq_query(c, &stmt, sql, "t", key);
	if (st == W3W_OK)
		st = w3w__sq_one(c, stmt, read, out, &row);
	return w3w__sq_end(c, st);
}

w3w_status w3w__sq_read_all(w3w__sq_storage *s, w3w__sq_read_fn read, size_t elem, size_t max, void **items,
	size_t *count, const char *sql, const char *types, ...)
{
	sqlite3_stmt *stmt;
	va_list ap;
	w3w__sq_conn *c = w3w__sq_begin(s, W3W__SQ_READ);
	w3w_status st;

	if (!c)
		return w3w_error_code();
	if ((st = w3w__sq_prepare(c, sql, &stmt)) == W3W_OK) {
		va_start(ap, types);
		bind_args(stmt, types, ap);
		va_end(ap);
		st = w3w__sq_collect(c, stmt, read, elem, max, items, count);
	}
	if ((st = w3w__sq_end(c, st)) != W3W_OK) {
		free(*items);
		*items = NULL;
		*count = 0;
	}
	return st;
}

w3w_status w3w__sq_fail(w3w__sq_conn *c, int rc, const char *what)
{
	const char *msg = c && c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc);

	if (c)
		c->last_rc = rc;

	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return w3w_error_set(W3W_EUNAVAILABLE, "sqlite: %s: database busy for more than %d ms",
			what, c ? c->timeout_ms : 0);
	case SQLITE_NOMEM:
		return w3w_error_set(W3W_ENOMEM, "sqlite: %s: out of memory", what);
	case SQLITE_FULL:
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
	case SQLITE_READONLY:
	case SQLITE_PERM:
		return w3w_error_set(W3W_EUNAVAILABLE, "sqlite: %s: %s", what, msg);
	default:
		return w3w_error_set(W3W_EINTERNAL, "sqlite: %s: %s", what, msg);
	}
}

w3w_status w3w__sq_step(w3w__sq_conn *c, sqlite3_stmt *s, int *row)
{
	int rc = sqlite3_step(s);
	char what[64];
	const char *sql;
	w3w_status st;

	if (rc == SQLITE_ROW) {
		*row = 1;
		return W3W_OK;
	}
	*row = 0;
	if (rc == SQLITE_DONE)
		return W3W_OK;
	/* Name the statement by its start ("UPDATE orders SET status = 'claimed'..."); no values. */
	sql = sqlite3_sql(s);
	snprintf(what, sizeof(what), "%.48s%s", sql ? sql : "?", sql && strlen(sql) > 48 ? "..." : "");
	st = w3w__sq_fail(c, rc, what);
	sqlite3_reset(s);
	return st;
}

w3w_status w3w__sq_exec(w3w__sq_conn *c, sqlite3_stmt *s)
{
	int row = 0;
	w3w_status st;

	do
		st = w3w__sq_step(c, s, &row);
	while (st == W3W_OK && row);
	sqlite3_reset(s);
	return st;
}

w3w_status w3w__sq_exec_text(w3w__sq_conn *c, const char *sql, const char *what)
{
	int rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? W3W_OK : w3w__sq_fail(c, rc, what);
}

int w3w__sq_unique_violated(const w3w__sq_conn *c)
{
	return c->last_rc == SQLITE_CONSTRAINT_UNIQUE || c->last_rc == SQLITE_CONSTRAINT_PRIMARYKEY;
}

int w3w__sq_check_violated(const w3w__sq_conn *c)
{
	return c->last_rc == SQLITE_CONSTRAINT_CHECK || c->last_rc == SQLITE_CONSTRAINT_DATATYPE;
}

void w3w__sq_col_text(char *dst, size_t size, sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);
	size_t n = t ? (size_t)sqlite3_column_bytes(s, col) : 0;

	if (n >= size)
		n = size - 1;
	if (n)
		memcpy(dst, t, n);
	dst[n] = '\0';
}

/* ---- status names -------------------------------------------------------- */

const char *w3w__sq_supply_status(int status)
{
	return w3w_supply_status_name(status);
}

const char *w3w__sq_order_status(int status)
{
	return w3w_order_status_name(status);
}

const char *w3w__sq_claim_status(int status)
{
	return w3w_claim_status_name(status);
}

static const char *transfer_kind_name(int kind)
{
	return w3w_transfer_kind_name((w3w_transfer_kind)kind);
}

const char *w3w__sq_transfer_kind(int kind)
{
	return transfer_kind_name(kind);
}

/* Parse by asking the public name functions, so names live in one place. 0 = unknown. */
static int parse_name(const char *(*name_of)(int), int last, const char *text)
{
	for (int v = 1; text && v <= last; v++) {
		const char *n = name_of(v);
		if (n && strcmp(n, text) == 0)
			return v;
	}
	return 0;
}

int w3w__sq_parse_supply_status(const char *text)
{
	return parse_name(w3w_supply_status_name, W3W_SUPPLY_DELETED, text);
}

int w3w__sq_parse_order_status(const char *text)
{
	return parse_name(w3w_order_status_name, W3W_ORDER_CANCELLED, text);
}

int w3w__sq_parse_claim_status(const char *text)
{
	return parse_name(w3w_claim_status_name, W3W_CLAIM_RELEASED, text);
}

int w3w__sq_parse_transfer_kind(const char *text)
{
	return parse_name(transfer_kind_name, W3W_TRANSFER_SETTLEMENT, text);
}

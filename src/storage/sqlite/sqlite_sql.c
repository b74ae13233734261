/* Prepared-statement cache, stepping, error mapping and column helpers. */
#include <stdio.h>
#include <string.h>

#include "storage/sqlite/sqlite_internal.h"
#include "w3wallet/claim.h"
#include "w3wallet/ledger.h"
#include "w3wallet/order.h"
#include "w3wallet/supply.h"

w3w_status w3w__sq_stmt(w3w__sq_conn *c, int slot, const char *sql, sqlite3_stmt **out)
{
	int rc;

	if (c->stmts[slot]) {
		*out = c->stmts[slot];
		return W3W_OK;
	}
	/* Persistent: kept for the connection's whole life, so SQLite allocates it off the lookaside. */
	rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &c->stmts[slot], NULL);
	if (rc != SQLITE_OK) {
		c->stmts[slot] = NULL;
		return w3w__sq_fail(c, rc, "prepare");
	}
	*out = c->stmts[slot];
	return W3W_OK;
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

void w3w__sq_bind_text(sqlite3_stmt *s, int i, const char *text)
{
	/* Callers keep `text` alive until the statement is reset. */
	sqlite3_bind_text(s, i, text, -1, SQLITE_STATIC);
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

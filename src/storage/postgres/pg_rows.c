/*
 * Reading result rows (text format) into the public record types. The
 * views of sql/001a_schema.sql already give wire-shaped columns: int64 units,
 * int64 microseconds, canonical UUID text, status names.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/hex.h"
#include "storage/postgres/pg.h"

/* ---- columns ---------------------------------------------------------------- */

void w3w__pg_col_text(char *dst, size_t size, const PGresult *r, int row, int col)
{
	const char *v = PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col);
	size_t n = strlen(v);

	if (n >= size)
		n = size - 1;
	memcpy(dst, v, n);
	dst[n] = '\0';
}

int64_t w3w__pg_col_i64(const PGresult *r, int row, int col)
{
	if (PQgetisnull(r, row, col))
		return 0;
	return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

int w3w__pg_col_bool(const PGresult *r, int row, int col)
{
	return !PQgetisnull(r, row, col) && PQgetvalue(r, row, col)[0] == 't';
}

void w3w__pg_col_hex(unsigned char *dst, size_t n, const PGresult *r, int row, int col)
{
	const char *v = PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col);
	size_t len = strlen(v), written;

	memset(dst, 0, n);
	/* The decoder writes nothing on bad input, so a malformed value reads as zeros. */
	w3w__crypto_hex_decode(dst, n, &written, v, len < 2 * n ? len : 2 * n);
}

void w3w__pg_cols(const PGresult *r, int row, int first, const char *types, ...)
{
	va_list ap;

	va_start(ap, types);
	for (int col = first; *types; types++, col++) {
		if (*types == 't') {
			char *dst = va_arg(ap, char *);
			w3w__pg_col_text(dst, va_arg(ap, size_t), r, row, col);
		} else if (*types == 'I') {
			*va_arg(ap, int64_t *) = w3w__pg_col_i64(r, row, col);
		}
	}
	va_end(ap);
}

/* ---- status names: the public ones, so names live in one place ---------------- */

const char *w3w__pg_supply_status(int status)
{
	return w3w_supply_status_name(status);
}

const char *w3w__pg_transfer_kind(int kind)
{
	return w3w_transfer_kind_name((w3w_transfer_kind)kind);
}

int w3w__pg_is_uuid(const char *s)
{
	if (!s || strlen(s) != 36)
		return 0;
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!isxdigit((unsigned char)s[i])) {
			return 0;
		}
	}
	return 1;
}

/* ---- records ----------------------------------------------------------------- */

static w3w_status bad_row(const char *what)
{
	return w3w_error_set(W3W_EINTERNAL, "postgres: unexpected %s row from the database", what);
}

/* A record's status column, by its public parser; an unknown name is a bad row. */
static w3w_status named(int *out, w3w_status (*parse)(int *, const char *), const char *text, const char *what)
{
	return parse(out, text) == W3W_OK ? W3W_OK : bad_row(what);
}

w3w_status w3w__pg_row_supply(const PGresult *r, int row, int col, w3w_supply *out)
{
	char status[16];
	int v = 0;
	w3w_status st;

	memset(out, 0, sizeof(*out));
	if (PQnfields(r) < col + W3W__PG_SUPPLY_NCOLS)
		return bad_row("supply");
	w3w__pg_cols(r, row, col, "tttIItII", out->id, sizeof(out->id), out->user_id, sizeof(out->user_id),
		out->currency, sizeof(out->currency), &out->amount, &out->reserved, status, sizeof(status),
		&out->created_at, &out->updated_at);
	st = named(&v, w3w_supply_status_parse, status, "supply");
	out->status = (w3w_supply_status)v;
	return st;
}

w3w_status w3w__pg_row_order(const PGresult *r, int row, int col, w3w_order *out)
{
	char status[16];
	int v = 0;
	w3w_status st;

	memset(out, 0, sizeof(*out));
	if (PQnfields(r) < col + W3W__PG_ORDER_NCOLS)
		return bad_row("order");
	w3w__pg_cols(r, row, col, "tttItII", out->id, sizeof(out->id), out->user_id, sizeof(out->user_id),
		out->currency, sizeof(out->currency), &out->amount, status, sizeof(status), &out->created_at,
		&out->updated_at);
	st = named(&v, w3w_order_status_parse, status, "order");
	out->status = (w3w_order_status)v;
	return st;
}

void w3w__pg_take_meta(const PGresult *r, w3w_write_meta *meta)
{
	meta->replayed = w3w__pg_col_bool(r, 0, 0);
	meta->event.seq = meta->replayed ? 0 : w3w__pg_col_i64(r, 0, PQnfields(r) - 1);
}

void w3w__pg_order_free(w3w_order *o)
{
	if (!o)
		return;
	free(o->items);
	free(o);
}

w3w_status w3w__pg_rows_order(const PGresult *r, int col, int with_items, w3w_order **out)
{
	int rows = PQntuples(r), icol = col + W3W__PG_ORDER_NCOLS;
	w3w_order *o;
	w3w_status st;

	*out = NULL;
	if (rows == 0)
		return W3W_ENOTFOUND; /* the caller names what was not found */
	o = calloc(1, sizeof(*o));
	if (!o)
		return w3w_error_set(W3W_ENOMEM, "postgres: out of memory");
	if ((st = w3w__pg_row_order(r, 0, col, o)) != W3W_OK) {
		free(o);
		return st;
	}
	/* One row per item (LEFT JOIN: an order without items gives one row of NULLs). */
	if (with_items && PQnfields(r) >= icol + 5 && !PQgetisnull(r, 0, icol)) {
		o->items = calloc((size_t)rows, sizeof(*o->items));
		if (!o->items) {
			free(o);
			return w3w_error_set(W3W_ENOMEM, "postgres: out of memory");
		}
		for (int i = 0; i < rows; i++) {
			w3w_order_item *it = &o->items[i];
			w3w__pg_cols(r, i, icol, "tttII", it->id, sizeof(it->id), it->product_id, sizeof(it->product_id),
				it->product_name, sizeof(it->product_name), &it->price, &it->quantity);
		}
		o->item_count = (size_t)rows;
	}
	*out = o;
	return W3W_OK;
}

w3w_status w3w__pg_row_claim(const PGresult *r, int row, int col, w3w_claim *out, char *order_user_id)
{
	char status[16];
	int v = 0;
	w3w_status st;

	memset(out, 0, sizeof(*out));
	if (PQnfields(r) < col + W3W__PG_CLAIM_NCOLS)
		return bad_row("claim");
	w3w__pg_cols(r, row, col, "tttttIII", out->id, sizeof(out->id), out->order_id, sizeof(out->order_id),
		out->user_id, sizeof(out->user_id), out->supply_id, sizeof(out->supply_id), status, sizeof(status),
		&out->claimed_at, &out->processed_at, &out->released_at);
	if (order_user_id)
		w3w__pg_col_text(order_user_id, W3W_ID_SIZE, r, row, col + 8);
	st = named(&v, w3w_claim_status_parse, status, "claim");
	out->status = (w3w_claim_status)v;
	return st;
}

w3w_status w3w__pg_row_transfer(const PGresult *r, int row, int col, w3w_transfer *out)
{
	char kind[16];
	int v = 0;
	w3w_status st;

	memset(out, 0, sizeof(*out));
	if (PQnfields(r) < col + W3W__PG_TRANSFER_NCOLS)
		return bad_row("transfer");
	w3w__pg_cols(r, row, col, "tttttItI", out->id, sizeof(out->id), kind, sizeof(kind), out->from_user_id,
		sizeof(out->from_user_id), out->to_user_id, sizeof(out->to_user_id), out->currency, sizeof(out->currency),
		&out->amount, out->reference, sizeof(out->reference), &out->created_at);
	st = named(&v, w3w_transfer_kind_parse, kind, "transfer");
	out->kind = (w3w_transfer_kind)v;
	return st;
}

/*
 * Reading result rows (text format) into the public record types. The
 * views of sql/001a_schema.sql already give wire-shaped columns: int64 units,
 * int64 microseconds, canonical UUID text, status names.
 */
#include <stdlib.h>
#include <ctype.h>
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

/* ---- status names ------------------------------------------------------------ */

static const char *const supply_names[] = { NULL, "active", "paused", "exhausted", "deleted" };
static const char *const order_names[] = { NULL, "open", "claimed", "completed", "cancelled" };
static const char *const claim_names[] = { NULL, "pending", "processed", "released" };
static const char *const kind_names[] = { NULL, "deposit", "withdrawal", "transfer", "settlement" };

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const char *name_of(const char *const *names, int count, int v)
{
	return v > 0 && v < count ? names[v] : NULL;
}

static int parse(const char *const *names, int count, const char *text)
{
	for (int i = 1; i < count; i++)
		if (strcmp(names[i], text) == 0)
			return i;
	return 0;
}

const char *w3w__pg_supply_status(int status)
{
	return name_of(supply_names, COUNT(supply_names), status);
}

const char *w3w__pg_transfer_kind(int kind)
{
	return name_of(kind_names, COUNT(kind_names), kind);
}

int w3w__pg_parse_supply_status(const char *text)
{
	return parse(supply_names, COUNT(supply_names), text);
}

int w3w__pg_parse_order_status(const char *text)
{
	return parse(order_names, COUNT(order_names), text);
}

int w3w__pg_parse_claim_status(const char *text)
{
	return parse(claim_names, COUNT(claim_names), text);
}

int w3w__pg_parse_transfer_kind(const char *text)
{
	return parse(kind_names, COUNT(kind_names), text);
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

w3w_status w3w__pg_row_supply(const PGresult *r, int row, int col, w3w_supply *out)
{
	memset(out, 0, sizeof(*out));
	if (PQnfields(r) < col + W3W__PG_SUPPLY_NCOLS)
		return bad_row("supply");
	w3w__pg_col_text(out->id, sizeof(out->id), r, row, col);
	w3w__pg_col_text(out->user_id, sizeof(out->user_id), r, row, col + 1);
	w3w__pg_col_text(out->currency, sizeof(out->currency), r, row, col + 2);
	out->amount = w3w__pg_col_i64(r, row, col + 3);
	out->reserved = w3w__pg_col_i64(r, row, col + 4);
	out->status = (w3w_supply_status)w3w__pg_parse_supply_status(PQgetvalue(r, row, col + 5));
	out->created_at = w3w__pg_col_i64(r, row, col + 6);
	out->updated_at = w3w__pg_col_i64(r, row, col + 7);
	return out->status ? W3W_OK : bad_row("supply");
}

w3w_status w3w__pg_row_order(const PGresult *r, int row, int col, w3w_order *out)
{
	memset(out, 0, sizeof(*out));
	if (PQnfields(r) < col + W3W__PG_ORDER_NCOLS)
		return bad_row("order");
	w3w__pg_col_text(out->id, sizeof(out->id), r, row, col);
	w3w__pg_col_text(out->user_id, sizeof(out->user_id), r, row, col + 1);
	w3w__pg_col_text(out->currency, sizeof(out->currency), r, row, col + 2);
	out->amount = w3w__pg_col_i64(r, row, col + 3);
	out->status = (w3w_order_status)w3w__pg_parse_order_status(PQgetvalue(r, row, col + 4));
	out->created_at = w3w__pg_col_i64(r, row, col + 5);
	out->updated_at = w3w__pg_col_i64(r, row, col + 6);
	return out->status ? W3W_OK : bad_row("order");
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
			w3w__pg_col_text(it->id, sizeof(it->id), r, i, icol);
			w3w__pg_col_text(it->product_id, sizeof(it->product_id), r, i, icol + 1);
			w3w__pg_col_text(it->product_name, sizeof(it->product_name), r, i, icol + 2);
			it->price = w3w__pg_col_i64(r, i, icol + 3);
			it->quantity = w3w__pg_col_i64(r, i, icol + 4);
		}
		o->item_count = (size_t)rows;
	}
	*out = o;
	return W3W_OK;
}

w3w_status w3w__pg_row_claim(const PGresult *r, int row, int col, w3w_claim *out, char *order_user_id)
{
	memset(out, 0, sizeof(*out));
	if (PQnfields(r) < col + W3W__PG_CLAIM_NCOLS)
		return bad_row("claim");
	w3w__pg_col_text(out->id, sizeof(out->id), r, row, col);
	w3w__pg_col_text(out->order_id, sizeof(out->order_id), r, row, col + 1);
	w3w__pg_col_text(out->user_id, sizeof(out->user_id), r, row, col + 2);
	w3w__pg_col_text(out->supply_id, sizeof(out->supply_id), r, row, col + 3);
	out->status = (w3w_claim_status)w3w__pg_parse_claim_status(PQgetvalue(r, row, col + 4));
	out->claimed_at = w3w__pg_col_i64(r, row, col + 5);
	out->processed_at = w3w__pg_col_i64(r, row, col + 6);
	out->released_at = w3w__pg_col_i64(r, row, col + 7);
	if (order_user_id)
		w3w__pg_col_text(order_user_id, W3W_ID_SIZE, r, row, col + 8);
	return out->status ? W3W_OK : bad_row("claim");
}

w3w_status w3w__pg_row_transfer(const PGresult *r, int row, int col, w3w_transfer *out)
{
	memset(out, 0, sizeof(*out));
	if (PQnfields(r) < col + W3W__PG_TRANSFER_NCOLS)
		return bad_row("transfer");
	w3w__pg_col_text(out->id, sizeof(out->id), r, row, col);
	out->kind = (w3w_transfer_kind)w3w__pg_parse_transfer_kind(PQgetvalue(r, row, col + 1));
	w3w__pg_col_text(out->from_user_id, sizeof(out->from_user_id), r, row, col + 2);
	w3w__pg_col_text(out->to_user_id, sizeof(out->to_user_id), r, row, col + 3);
	w3w__pg_col_text(out->currency, sizeof(out->currency), r, row, col + 4);
	out->amount = w3w__pg_col_i64(r, row, col + 5);
	w3w__pg_col_text(out->reference, sizeof(out->reference), r, row, col + 6);
	out->created_at = w3w__pg_col_i64(r, row, col + 7);
	return out->kind ? W3W_OK : bad_row("transfer");
}

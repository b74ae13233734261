/*
 * Orders with their items: create (holding the escrow), cancel (releasing
 * it), get with items, keyset-paged lists without items.
 */
#include <stdlib.h>
#include <string.h>

#include "storage/sqlite/sqlite_internal.h"

#define ORDER_COLS "id, user_id, currency, amount, status, created_at, updated_at"

void w3w__sq_order_free(w3w_order *o)
{
	if (!o)
		return;
	free(o->items);
	free(o);
}

static void read_order(sqlite3_stmt *s, w3w_order *out)
{
	char status[16];

	memset(out, 0, sizeof(*out));
	w3w__sq_col_text(out->id, sizeof(out->id), s, 0);
	w3w__sq_col_text(out->user_id, sizeof(out->user_id), s, 1);
	w3w__sq_col_text(out->currency, sizeof(out->currency), s, 2);
	out->amount = sqlite3_column_int64(s, 3);
	w3w__sq_col_text(status, sizeof(status), s, 4);
	out->status = (w3w_order_status)w3w__sq_parse_order_status(status);
	out->created_at = sqlite3_column_int64(s, 5);
	out->updated_at = sqlite3_column_int64(s, 6);
}

static w3w_status load_items(w3w__sq_conn *c, w3w_order *o)
{
	sqlite3_stmt *s;
	size_t cap = 0;
	int row = 0;
	w3w_status st = w3w__sq_stmt(c, SQ_ORDER_ITEMS_GET,
		"SELECT id, product_id, product_name, price, quantity FROM order_items"
		" WHERE order_id = ?1 ORDER BY position", &s);

	if (st != W3W_OK)
		return st;
	w3w__sq_bind_text(s, 1, o->id);
	while ((st = w3w__sq_step(c, s, &row)) == W3W_OK && row) {
		w3w_order_item *it;
		if (o->item_count == cap) {
			size_t ncap = cap ? cap * 2 : 4;
			w3w_order_item *items = realloc(o->items, ncap * sizeof(*items));
			if (!items) {
				st = w3w_error_set(W3W_ENOMEM, "order %s: out of memory", o->id);
				break;
			}
			o->items = items;
			cap = ncap;
		}
		it = &o->items[o->item_count++];
		memset(it, 0, sizeof(*it));
		w3w__sq_col_text(it->id, sizeof(it->id), s, 0);
		w3w__sq_col_text(it->product_id, sizeof(it->product_id), s, 1);
		w3w__sq_col_text(it->product_name, sizeof(it->product_name), s, 2);
		it->price = sqlite3_column_int64(s, 3);
		it->quantity = sqlite3_column_int64(s, 4);
	}
	sqlite3_reset(s);
	return st;
}

w3w_status w3w__sq_order_load(w3w__sq_conn *c, const char *id, w3w_order **out)
{
	sqlite3_stmt *s;
	w3w_order *o;
	int row = 0;
	w3w_status st = w3w__sq_stmt(c, SQ_ORDER_GET,
		"SELECT " ORDER_COLS " FROM orders WHERE id = ?1", &s);

	*out = NULL;
	if (st != W3W_OK)
		return st;
	w3w__sq_bind_text(s, 1, id);
	st = w3w__sq_step(c, s, &row);
	if (st != W3W_OK || !row) {
		sqlite3_reset(s);
		return st != W3W_OK ? st : w3w_error_set(W3W_ENOTFOUND, "order %s: not found", id);
	}
	o = malloc(sizeof(*o));
	if (!o) {
		sqlite3_reset(s);
		return w3w_error_set(W3W_ENOMEM, "order %s: out of memory", id);
	}
	read_order(s, o);
	sqlite3_reset(s);
	st = load_items(c, o);
	if (st != W3W_OK) {
		w3w__sq_order_free(o);
		return st;
	}
	*out = o;
	return W3W_OK;
}

/* ---- create -------------------------------------------------------------- */

typedef struct create_args {
	w3w_cmd_order_create *cmd;
	w3w_order *result;
} create_args;

static w3w_status insert_order(w3w__sq_conn *c, const w3w_order *o)
{
	sqlite3_stmt *s;
	w3w_status st = w3w__sq_stmt(c, SQ_ORDER_PUT,
		"INSERT INTO orders(" ORDER_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", &s);

	if (st != W3W_OK)
		return st;
	w3w__sq_bind_text(s, 1, o->id);
	w3w__sq_bind_text(s, 2, o->user_id);
	w3w__sq_bind_text(s, 3, o->currency);
	sqlite3_bind_int64(s, 4, o->amount);
	w3w__sq_bind_text(s, 5, w3w__sq_order_status(o->status));
	sqlite3_bind_int64(s, 6, o->created_at);
	sqlite3_bind_int64(s, 7, o->updated_at);
	st = w3w__sq_exec(c, s);
	if (st != W3W_OK && w3w__sq_unique_violated(c))
		return w3w_error_set(W3W_ECONFLICT, "order %s: already exists", o->id);
	return st;
}

static w3w_status insert_items(w3w__sq_conn *c, const w3w_order *o)
{
	sqlite3_stmt *s;
	w3w_status st = w3w__sq_stmt(c, SQ_ORDER_ITEM_PUT,
		"INSERT INTO order_items(id, order_id, position, product_id, product_name, price, quantity)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", &s);

	for (size_t i = 0; st == W3W_OK && i < o->item_count; i++) {
		const w3w_order_item *it = &o->items[i];
		w3w__sq_bind_text(s, 1, it->id);
		w3w__sq_bind_text(s, 2, o->id);
		sqlite3_bind_int64(s, 3, (sqlite3_int64)i);
		w3w__sq_bind_text(s, 4, it->product_id);
		w3w__sq_bind_text(s, 5, it->product_name);
		sqlite3_bind_int64(s, 6, it->price);
		sqlite3_bind_int64(s, 7, it->quantity);
		st = w3w__sq_exec(c, s);
		if (st != W3W_OK && w3w__sq_unique_violated(c))
			st = w3w_error_set(W3W_ECONFLICT, "order %s: item id %s already exists", o->id, it->id);
	}
	return st;
}

static w3w_status create_tx(w3w__sq_conn *c, void *arg)
{
	create_args *a = arg;
	w3w_write_meta *meta = &a->cmd->meta;
	const w3w_order *o = a->cmd->o;
	char result_id[W3W_ID_SIZE];
	w3w_status st = w3w__sq_idem_check(c, meta, &meta->replayed, result_id);

	if (st != W3W_OK)
		return st;
	if (meta->replayed)
		return w3w__sq_order_load(c, result_id, &a->result);
	if (!w3w__sq_order_status(o->status))
		return w3w_error_set(W3W_EINTERNAL, "order %s: unknown status %d", o->id, (int)o->status);
	/* The hold first: an order the buyer cannot pay for costs one UPDATE. */
	if (o->amount > 0)
		st = w3w__sq_account_hold(c, o->user_id, o->currency, o->amount, meta->now);
	if (st == W3W_OK)
		st = insert_order(c, o);
	if (st == W3W_OK)
		st = insert_items(c, o);
	if (st == W3W_OK)
		st = w3w__sq_finish_write(c, meta, o->id);
	if (st == W3W_OK)
		st = w3w__sq_order_load(c, o->id, &a->result);
	return st;
}

/* Hand the result over only when the transaction committed. */
static w3w_status deliver(w3w_status st, w3w_order *result, w3w_order **out)
{
	if (st != W3W_OK || !out) {
		w3w__sq_order_free(result);
		return st;
	}
	*out = result;
	return W3W_OK;
}

w3w_status w3w__sq_order_create(w3w_storage *st, w3w_cmd_order_create *cmd, w3w_order **out)
{
	create_args a = { cmd, NULL };
	w3w_status rc;

	if (out) /* optional for writes */
		*out = NULL;
	if (!cmd->o)
		return w3w_error_set(W3W_EINVAL, "order: NULL");
	rc = w3w__sq_write(w3w__sq(st), create_tx, &a);
	return deliver(rc, a.result, out);
}

/* ---- cancel -------------------------------------------------------------- */

typedef struct cancel_args {
	w3w_cmd_order_cancel *cmd;
	w3w_order *result;
} cancel_args;

static w3w_status cancel_refused(w3w__sq_conn *c, const w3w_cmd_order_cancel *cmd)
{
	w3w_order *o = NULL;
	w3w_status st = w3w__sq_order_load(c, cmd->id, &o);

	if (st != W3W_OK)
		return st;
	if (!cmd->any_owner && strcmp(o->user_id, cmd->user_id) != 0)
		st = w3w_error_set(W3W_EFORBIDDEN, "order %s: not yours to cancel", cmd->id);
	else if (o->status == W3W_ORDER_CLAIMED)
		st = w3w_error_set(W3W_ECONFLICT, "order %s: already claimed", cmd->id);
	else
		st = w3w_error_set(W3W_ESTATE, "order %s: already %s", cmd->id,
			w3w__sq_order_status(o->status) ? w3w__sq_order_status(o->status) : "closed");
	w3w__sq_order_free(o);
	return st;
}

static w3w_status cancel_tx(w3w__sq_conn *c, void *arg)
{
	cancel_args *a = arg;
	w3w_cmd_order_cancel *cmd = a->cmd;
	w3w_write_meta *meta = &cmd->meta;
	char result_id[W3W_ID_SIZE], user_id[W3W_ID_SIZE], currency[W3W_CURRENCY_SIZE];
	w3w_amount amount = 0;
	sqlite3_stmt *s;
	int row = 0;
	w3w_status st = w3w__sq_idem_check(c, meta, &meta->replayed, result_id);

	if (st != W3W_OK)
		return st;
	if (meta->replayed)
		return w3w__sq_order_load(c, result_id, &a->result);
	st = w3w__sq_stmt(c, SQ_ORDER_CANCEL,
		"UPDATE orders SET status = 'cancelled', updated_at = ?4"
		" WHERE id = ?1 AND status = 'open' AND (?3 OR user_id = ?2)"
		" RETURNING user_id, currency, amount", &s);
	if (st != W3W_OK)
		return st;
	w3w__sq_bind_text(s, 1, cmd->id);
	w3w__sq_bind_text(s, 2, cmd->user_id);
	sqlite3_bind_int(s, 3, cmd->any_owner ? 1 : 0);
	sqlite3_bind_int64(s, 4, meta->now);
	st = w3w__sq_step(c, s, &row);
	if (st == W3W_OK && row) {
		w3w__sq_col_text(user_id, sizeof(user_id), s, 0);
		w3w__sq_col_text(currency, sizeof(currency), s, 1);
		amount = sqlite3_column_int64(s, 2);
	}
	sqlite3_reset(s);
	if (st != W3W_OK)
		return st;
	if (!row)
		return cancel_refused(c, cmd);
	if (amount > 0)
		st = w3w__sq_account_unhold(c, user_id, currency, amount, meta->now);
	if (st == W3W_OK)
		st = w3w__sq_finish_write(c, meta, cmd->id);
	if (st == W3W_OK)
		st = w3w__sq_order_load(c, cmd->id, &a->result);
	return st;
}

w3w_status w3w__sq_order_cancel(w3w_storage *st, w3w_cmd_order_cancel *cmd, w3w_order **out)
{
	cancel_args a = { cmd, NULL };
	w3w_status rc;

	if (out) /* optional for writes */
		*out = NULL;
	rc = w3w__sq_write(w3w__sq(st), cancel_tx, &a);
	return deliver(rc, a.result, out);
}

/* ---- reads --------------------------------------------------------------- */

typedef struct get_args {
	const char *id;
	w3w_order *result;
} get_args;

static w3w_status get_tx(w3w__sq_conn *c, void *arg)
{
	get_args *a = arg;
	return w3w__sq_order_load(c, a->id, &a->result);
}

w3w_status w3w__sq_order_get(w3w_storage *st, const char *id, w3w_order **out)
{
	get_args a = { id, NULL };
	w3w_status rc;

	*out = NULL;
	rc = w3w__sq_read(w3w__sq(st), get_tx, &a);
	return deliver(rc, a.result, out);
}

/*
 * Variant v = has_user + 2 * kind, kind 0 any status, 1 a bound status,
 * 2 open. Open is spelled as a literal so SQLite may use the partial
 * index idx_orders_open (a bound parameter cannot prove status = 'open').
 */
static const char *const list_sql[6] = {
	"SELECT " ORDER_COLS " FROM orders WHERE id > ?1 ORDER BY id LIMIT ?4",
	"SELECT " ORDER_COLS " FROM orders WHERE user_id = ?2 AND id > ?1 ORDER BY id LIMIT ?4",
	"SELECT " ORDER_COLS " FROM orders WHERE status = ?3 AND id > ?1 ORDER BY id LIMIT ?4",
	"SELECT " ORDER_COLS " FROM orders WHERE user_id = ?2 AND status = ?3 AND id > ?1"
	" ORDER BY id LIMIT ?4",
	"SELECT " ORDER_COLS " FROM orders WHERE status = 'open' AND id > ?1 ORDER BY id LIMIT ?4",
	"SELECT " ORDER_COLS " FROM orders WHERE user_id = ?2 AND status = 'open' AND id > ?1"
	" ORDER BY id LIMIT ?4",
};

typedef struct list_args {
	const w3w_storage_query *q;
	w3w_order_page *page;
} list_args;

static w3w_status list_tx(w3w__sq_conn *c, void *arg)
{
	list_args *a = arg;
	const w3w_storage_query *q = a->q;
	w3w_order_page *page = a->page;
	int kind = q->status == W3W_ORDER_OPEN ? 2 : q->status ? 1 : 0;
	int v = (q->user_id[0] ? 1 : 0) + 2 * kind;
	size_t limit = (size_t)q->limit, cap = 0;
	sqlite3_stmt *s;
	int row = 0;
	w3w_status st = w3w__sq_stmt(c, SQ_ORDER_LIST + v, list_sql[v], &s);

	if (st != W3W_OK)
		return st;
	w3w__sq_bind_text(s, 1, q->after_id);
	w3w__sq_bind_text(s, 2, q->user_id);
	w3w__sq_bind_text(s, 3, q->status ? w3w__sq_order_status(q->status) : "");
	sqlite3_bind_int64(s, 4, (sqlite3_int64)limit + 1);
	while ((st = w3w__sq_step(c, s, &row)) == W3W_OK && row) {
		if (page->count == limit) {
			strcpy(page->next_cursor, page->items[limit - 1].id);
			break;
		}
		if (page->count == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			w3w_order *items = realloc(page->items, ncap * sizeof(*items));
			if (!items) {
				st = w3w_error_set(W3W_ENOMEM, "orders: out of memory");
				break;
			}
			page->items = items;
			cap = ncap;
		}
		read_order(s, &page->items[page->count++]); /* items stay NULL in pages */
	}
	sqlite3_reset(s);
	return st;
}

w3w_status w3w__sq_order_list(w3w_storage *st, const w3w_storage_query *q, w3w_order_page **out)
{
	list_args a;
	w3w_status rc;

	*out = NULL;
	if (!q || q->limit < 1 || q->limit > W3W_LIST_LIMIT_MAX)
		return w3w_error_set(W3W_EINVAL, "limit: must be 1..%d", W3W_LIST_LIMIT_MAX);
	if (q->status && !w3w__sq_order_status(q->status))
		return w3w_error_set(W3W_EINVAL, "status: unknown order status %d", q->status);
	a.q = q;
	a.page = calloc(1, sizeof(*a.page));
	if (!a.page)
		return w3w_error_set(W3W_ENOMEM, "orders: out of memory");
	rc = w3w__sq_read(w3w__sq(st), list_tx, &a);
	if (rc != W3W_OK) {
		free(a.page->items);
		free(a.page);
		return rc;
	}
	*out = a.page;
	return W3W_OK;
}

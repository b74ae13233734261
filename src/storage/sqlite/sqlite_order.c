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

static w3w_status read_order(sqlite3_stmt *s, void *item)
{
	w3w_order *out = item;
	char status[16];

	memset(out, 0, sizeof(*out));
	w3w__sq_cols(s, 0, "tttItII", out->id, sizeof(out->id), out->user_id, sizeof(out->user_id),
		out->currency, sizeof(out->currency), &out->amount, status, sizeof(status),
		&out->created_at, &out->updated_at);
	out->status = (w3w_order_status)w3w__sq_parse_order_status(status);
	return W3W_OK;
}

static w3w_status read_item(sqlite3_stmt *s, void *item)
{
	w3w_order_item *it = item;

	w3w__sq_cols(s, 0, "tttII", it->id, sizeof(it->id), it->product_id, sizeof(it->product_id),
		it->product_name, sizeof(it->product_name), &it->price, &it->quantity);
	return W3W_OK;
}

/* The order row, then its items ("items stay NULL in pages": only loads read them). */
static w3w_status read_order_items(w3w__sq_conn *c, sqlite3_stmt *s, w3w_order *o, int *found)
{
	void *items = NULL;
	w3w_status st = w3w__sq_one(c, s, read_order, o, found);

	if (st != W3W_OK || !*found)
		return st;
	st = w3w__sq_query(c, &s,
		"SELECT id, product_id, product_name, price, quantity FROM order_items"
		" WHERE order_id = ?1 ORDER BY position", "t", o->id);
	if (st == W3W_OK)
		st = w3w__sq_collect(c, s, read_item, sizeof(w3w_order_item), 0, &items, &o->item_count);
	o->items = items;
	return st;
}

w3w_status w3w__sq_order_load(w3w__sq_conn *c, const char *id, w3w_order **out)
{
	sqlite3_stmt *s;
	w3w_order *o;
	int found = 0;
	w3w_status st;

	*out = NULL;
	if (!(o = calloc(1, sizeof(*o))))
		return w3w_error_set(W3W_ENOMEM, "order %s: out of memory", id);
	st = w3w__sq_query(c, &s, "SELECT " ORDER_COLS " FROM orders WHERE id = ?1", "t", id);
	if (st == W3W_OK)
		st = read_order_items(c, s, o, &found);
	if (st == W3W_OK && !found)
		st = w3w_error_set(W3W_ENOTFOUND, "order %s: not found", id);
	if (st != W3W_OK) {
		w3w__sq_order_free(o);
		return st;
	}
	*out = o;
	return W3W_OK;
}

/* ---- create -------------------------------------------------------------- */

static w3w_status insert_order(w3w__sq_conn *c, const w3w_order *o)
{
	w3w_status st = w3w__sq_run(c,
		"INSERT INTO orders(" ORDER_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", "tttItII",
		o->id, o->user_id, o->currency, o->amount, w3w__sq_order_status(o->status),
		o->created_at, o->updated_at);

	if (st != W3W_OK && w3w__sq_unique_violated(c))
		return w3w_error_set(W3W_ECONFLICT, "order %s: already exists", o->id);
	return st;
}

static w3w_status insert_items(w3w__sq_conn *c, const w3w_order *o)
{
	w3w_status st = W3W_OK;

	for (size_t i = 0; st == W3W_OK && i < o->item_count; i++) {
		const w3w_order_item *it = &o->items[i];
		st = w3w__sq_run(c,
			"INSERT INTO order_items(id, order_id, position, product_id, product_name, price, quantity)"
			" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", "ttIttII",
			it->id, o->id, (int64_t)i, it->product_id, it->product_name, it->price, it->quantity);
		if (st != W3W_OK && w3w__sq_unique_violated(c))
			st = w3w_error_set(W3W_ECONFLICT, "order %s: item id %s already exists", o->id, it->id);
	}
	return st;
}

static w3w_status create(w3w__sq_conn *c, w3w_cmd_order_create *cmd, w3w_order **result)
{
	w3w_write_meta *meta = &cmd->meta;
	const w3w_order *o = cmd->o;
	char result_id[W3W_ID_SIZE];
	w3w_status st = w3w__sq_idem_check(c, meta, result_id);

	if (st != W3W_OK || meta->replayed)
		return st != W3W_OK ? st : w3w__sq_order_load(c, result_id, result);
	if (!w3w__sq_order_status(o->status))
		return w3w_error_set(W3W_EINTERNAL, "order %s: unknown status %d", o->id, (int)o->status);
	/* The hold first: an order the buyer cannot pay for costs one UPDATE. */
	if (o->amount > 0)
		st = w3w__sq_account_move(c, W3W__SQ_HOLD, o->user_id, o->currency, o->amount, meta->now);
	if (st == W3W_OK)
		st = insert_order(c, o);
	if (st == W3W_OK)
		st = insert_items(c, o);
	if (st == W3W_OK)
		st = w3w__sq_finish_write(c, meta, o->id);
	if (st == W3W_OK)
		st = w3w__sq_order_load(c, o->id, result);
	return st;
}

/* Hand the result over only when the transaction committed (out is optional for writes). */
static w3w_status deliver(w3w_status st, w3w_order *result, w3w_order **out)
{
	if (out)
		*out = st == W3W_OK ? result : NULL;
	if (st != W3W_OK || !out)
		w3w__sq_order_free(result);
	return st;
}

w3w_status w3w__sq_order_create(w3w_storage *st, w3w_cmd_order_create *cmd, w3w_order **out)
{
	w3w_order *result = NULL;
	w3w__sq_conn *c;
	w3w_status rc;

	if (!cmd->o)
		return deliver(w3w_error_set(W3W_EINVAL, "order: NULL"), NULL, out);
	c = w3w__sq_begin(w3w__sq(st), W3W__SQ_IMMEDIATE);
	rc = c ? w3w__sq_end(c, create(c, cmd, &result)) : w3w_error_code();
	return deliver(rc, result, out);
}

/* A batch element: the order's head is its result (storage.h: without items). */
static w3w_status create_head(w3w__sq_conn *c, w3w_cmd_order_create *cmd, w3w_order *out)
{
	w3w_order *result = NULL;
	w3w_status st = cmd->o ? create(c, cmd, &result) : w3w_error_set(W3W_EINVAL, "order: NULL");

	if (st == W3W_OK) {
		*out = *result;
		out->items = NULL;
		out->item_count = 0;
	}
	w3w__sq_order_free(result);
	return st;
}

W3W__SQ_BATCH_ENTRY(w3w__sq_order_create_batch, create_head, w3w_cmd_order_create, w3w_order)

/* ---- cancel -------------------------------------------------------------- */

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

/* The (owner, currency, amount) an order move RETURNING yields. */
static w3w_status read_escrow(sqlite3_stmt *s, void *item)
{
	w3w__sq_escrow *e = item;

	w3w__sq_cols(s, 0, "ttI", e->user_id, sizeof(e->user_id), e->currency, sizeof(e->currency), &e->amount);
	return W3W_OK;
}

w3w_status w3w__sq_order_move(w3w__sq_conn *c, sqlite3_stmt *s, w3w__sq_escrow *out, int *moved)
{
	return w3w__sq_one(c, s, read_escrow, out, moved);
}

static w3w_status cancel(w3w__sq_conn *c, w3w_cmd_order_cancel *cmd, w3w_order **result)
{
	w3w_write_meta *meta = &cmd->meta;
	char result_id[W3W_ID_SIZE];
	w3w__sq_escrow e;
	sqlite3_stmt *s;
	int moved = 0;
	w3w_status st = w3w__sq_idem_check(c, meta, result_id);

	if (st != W3W_OK || meta->replayed)
		return st != W3W_OK ? st : w3w__sq_order_load(c, result_id, result);
	st = w3w__sq_query(c, &s,
		"UPDATE orders SET status = 'cancelled', updated_at = ?4"
		" WHERE id = ?1 AND status = 'open' AND (?3 OR user_id = ?2)"
		" RETURNING user_id, currency, amount", "ttiI",
		cmd->id, cmd->user_id, cmd->any_owner ? 1 : 0, meta->now);
	if (st == W3W_OK)
		st = w3w__sq_order_move(c, s, &e, &moved);
	if (st != W3W_OK)
		return st;
	if (!moved)
		return cancel_refused(c, cmd);
	if (e.amount > 0)
		st = w3w__sq_account_move(c, W3W__SQ_UNHOLD, e.user_id, e.currency, e.amount, meta->now);
	if (st == W3W_OK)
		st = w3w__sq_finish_write(c, meta, cmd->id);
	if (st == W3W_OK)
		st = w3w__sq_order_load(c, cmd->id, result);
	return st;
}

w3w_status w3w__sq_order_cancel(w3w_storage *st, w3w_cmd_order_cancel *cmd, w3w_order **out)
{
	w3w_order *result = NULL;
	w3w__sq_conn *c = w3w__sq_begin(w3w__sq(st), W3W__SQ_IMMEDIATE);
	w3w_status rc = c ? w3w__sq_end(c, cancel(c, cmd, &result)) : w3w_error_code();

	return deliver(rc, result, out);
}

/* ---- reads --------------------------------------------------------------- */

w3w_status w3w__sq_order_get(w3w_storage *st, const char *id, w3w_order **out)
{
	w3w_order *result = NULL;
	w3w__sq_conn *c = w3w__sq_begin(w3w__sq(st), W3W__SQ_READ);
	w3w_status rc = c ? w3w__sq_end(c, w3w__sq_order_load(c, id, &result)) : w3w_error_code();

	return deliver(rc, result, out);
}

/* Items stay NULL in pages. Open orders have their partial index idx_orders_open. */
static const w3w__sq_list orders = {
	.select = "SELECT " ORDER_COLS " FROM orders",
	.noun = "order",
	.a_status = "an order",
	.status_name = w3w__sq_order_status,
	.literal_status = W3W_ORDER_OPEN,
	.read = read_order,
	.elem = sizeof(w3w_order),
	W3W__SQ_PAGE_LAYOUT(w3w_order_page),
};

w3w_status w3w__sq_order_list(w3w_storage *st, const w3w_storage_query *q, w3w_order_page **out)
{
	void *page = NULL;
	w3w_status rc = w3w__sq_page(w3w__sq(st), &orders, q, &page);

	*out = page;
	return rc;
}

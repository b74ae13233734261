/* Orders: create (with items, holding the escrow), cancel, get, list. */
#include <stdlib.h>
#include <string.h>

#include "storage/postgres/pg.h"

/* Fill *out from a write function's rows (replayed, order columns, item columns). */
static w3w_status write_result(w3w_storage *st, w3w_status s, PGresult *r, w3w_write_meta *meta,
	const char *id, w3w_order **out)
{
	w3w_order *o = NULL;

	if (s == W3W__PG_COMMITTED)   /* it committed, the answer was lost: read what it wrote */
		s = w3w__pg_order_get(st, id, &o);
	else if (s == W3W_OK) {
		s = w3w__pg_rows_order(r, 1, 1, &o);
		if (s == W3W_ENOTFOUND)
			s = w3w_error_set(W3W_EINTERNAL, "postgres: order %s: no row returned", id);
		if (s == W3W_OK)
			w3w__pg_take_meta(r, meta);
		PQclear(r);
	}
	if (out)       /* NULL: the caller wants only the status */
		*out = o;
	else
		w3w__pg_order_free(o);
	return s;
}

/* The items as five array parameters (ids, product ids, names, prices, quantities). */
static void item_arrays(w3w__pg_params *p, const w3w_order *o)
{
	w3w__pg_array a[5];

	for (int k = 0; k < 5; k++)
		w3w__pg_array_begin(&a[k]);
	for (size_t i = 0; i < o->item_count; i++) {
		const w3w_order_item *it = &o->items[i];
		w3w__pg_array_add(&a[0], it->id);
		w3w__pg_array_add(&a[1], it->product_id);
		w3w__pg_array_add(&a[2], it->product_name);
		w3w__pg_array_add_i64(&a[3], it->price);
		w3w__pg_array_add_i64(&a[4], it->quantity);
	}
	for (int k = 0; k < 5; k++)
		w3w__pg_p_owned(p, w3w__pg_array_end(&a[k]));
}

w3w_status w3w__pg_order_create(w3w_storage *st, w3w_cmd_order_create *cmd, w3w_order **out)
{
	const w3w_order *o = cmd->o;
	w3w__pg_params p;
	PGresult *r = NULL;
	w3w_status rc;

	if (out)
		*out = NULL;
	cmd->meta.replayed = 0;
	if (!o || (o->item_count && !o->items))
		return w3w_error_set(W3W_EINVAL, "order_create: no order");
	w3w__pg_command_params(&p, &cmd->meta);
	w3w__pg_p_text(&p, o->id);
	w3w__pg_p_text(&p, o->user_id);
	w3w__pg_p_text(&p, o->currency);
	w3w__pg_p_i64(&p, o->amount);
	w3w__pg_p_i64(&p, o->created_at);
	w3w__pg_p_i64(&p, o->updated_at);
	item_arrays(&p, o);
	rc = w3w__pg_write(w3w__pg_of(st), PG_ORDER_CREATE, &p, &cmd->meta, "order_create", &r);
	w3w__pg_params_free(&p);
	return write_result(st, rc, r, &cmd->meta, o->id, out);
}

w3w_status w3w__pg_order_cancel(w3w_storage *st, w3w_cmd_order_cancel *cmd, w3w_order **out)
{
	w3w__pg_params p;
	PGresult *r = NULL;
	w3w_status rc;

	if (out)
		*out = NULL;
	w3w__pg_command_params(&p, &cmd->meta);
	w3w__pg_p_text(&p, cmd->id);
	w3w__pg_p_text(&p, cmd->user_id);
	w3w__pg_p_bool(&p, cmd->any_owner);
	rc = w3w__pg_write(w3w__pg_of(st), PG_ORDER_CANCEL, &p, &cmd->meta, "order_cancel", &r);
	w3w__pg_params_free(&p);
	rc = write_result(st, rc, r, &cmd->meta, cmd->id, out);
	if (rc == W3W_ECONFLICT)
		w3w_error_set(rc, "order %s: already claimed", cmd->id);
	return rc;
}

w3w_status w3w__pg_order_get(w3w_storage *st, const char *id, w3w_order **out)
{
	PGresult *r = NULL;
	w3w_status rc;

	*out = NULL;
	if ((rc = w3w__pg_get(w3w__pg_of(st), PG_ORDER_GET, id, "order", "order_get", &r)) != W3W_OK)
		return rc;
	rc = w3w__pg_rows_order(r, 0, 1, out);
	PQclear(r);
	if (rc == W3W_ENOTFOUND)
		return w3w_error_set(W3W_ENOTFOUND, "order %s not found", id);
	return rc;
}

/* Orders in pages come without items (items NULL, item_count 0). */
static w3w_status read_order(const PGresult *r, int row, void *out)
{
	return w3w__pg_row_order(r, row, 0, out);
}

static const w3w__pg_list orders = {
	.noun = "order",
	.a_status = "an order",
	.status_name = w3w_order_status_name,
	.stmts = { PG_ORDER_LIST_ALL, PG_ORDER_LIST_STATUS, PG_ORDER_LIST_USER, PG_ORDER_LIST_USER_STATUS },
	.read = read_order,
	.elem = sizeof(w3w_order),
	W3W__PG_PAGE_LAYOUT(w3w_order_page),
};

w3w_status w3w__pg_order_list(w3w_storage *st, const w3w_storage_query *q, w3w_order_page **out)
{
	void *page = NULL;
	w3w_status rc = w3w__pg_page(w3w__pg_of(st), &orders, q, &page);

	*out = page;
	return rc;
}

/* Supplies: create, update, delete (one function call each), get, list. */
#include <stdlib.h>
#include <string.h>

#include "storage/postgres/pg.h"

#define NIL_UUID "00000000-0000-0000-0000-000000000000"

/* Fill *out from a write function's single row (replayed, supply columns). */
static w3w_status write_result(w3w_storage *st, w3w_status s, PGresult *r, w3w_write_meta *meta,
	const char *id, w3w_supply *out)
{
	w3w_supply tmp;

	if (!out)
		out = &tmp;
	if (s == W3W__PG_COMMITTED)   /* it committed, the answer was lost: read what it wrote */
		return w3w__pg_supply_get(st, id, out);
	if (s != W3W_OK)
		return s;
	if (PQntuples(r) != 1)
		s = w3w_error_set(W3W_EINTERNAL, "postgres: supply %s: no row returned", id);
	else if ((s = w3w__pg_row_supply(r, 0, 1, out)) == W3W_OK)
		w3w__pg_take_meta(r, meta);
	PQclear(r);
	return s;
}

w3w_status w3w__pg_supply_create(w3w_storage *st, w3w_cmd_supply_create *cmd, w3w_supply *out)
{
	const w3w_supply *s = &cmd->s;
	w3w__pg_params p;
	PGresult *r = NULL;
	w3w_status rc;

	cmd->meta.replayed = 0;
	if (s->status && !w3w__pg_supply_status(s->status))
		return w3w_error_set(W3W_EINVAL, "status: %d is not a supply status", (int)s->status);
	w3w__pg_params_init(&p);
	w3w__pg_p_meta(&p, &cmd->meta);
	w3w__pg_p_text(&p, s->id);
	w3w__pg_p_text(&p, s->user_id);
	w3w__pg_p_text(&p, s->currency);
	w3w__pg_p_i64(&p, s->amount);
	/* As given (core gives reserved 0, active); status 0 means active. */
	w3w__pg_p_i64(&p, s->reserved);
	w3w__pg_p_text(&p, s->status ? w3w__pg_supply_status(s->status) : "active");
	w3w__pg_p_i64(&p, s->created_at);
	w3w__pg_p_i64(&p, s->updated_at);
	rc = w3w__pg_write(w3w__pg_of(st), PG_SUPPLY_CREATE, &p, &cmd->meta, "supply_create", &r);
	w3w__pg_params_free(&p);
	return write_result(st, rc, r, &cmd->meta, s->id, out);
}

w3w_status w3w__pg_supply_update(w3w_storage *st, w3w_cmd_supply_update *cmd, w3w_supply *out)
{
	const w3w_supply_patch *patch = &cmd->patch;
	const char *status = NULL;
	w3w__pg_params p;
	PGresult *r = NULL;
	w3w_status rc;

	cmd->meta.replayed = 0;
	if (patch->status && !(status = w3w__pg_supply_status(patch->status)))
		return w3w_error_set(W3W_EINVAL, "status: %d is not a supply status", patch->status);
	w3w__pg_params_init(&p);
	w3w__pg_p_meta(&p, &cmd->meta);
	w3w__pg_p_text(&p, cmd->id);
	w3w__pg_p_text(&p, cmd->user_id);
	w3w__pg_p_bool(&p, patch->set_amount);
	w3w__pg_p_i64(&p, patch->amount);
	w3w__pg_p_text(&p, status);
	rc = w3w__pg_write(w3w__pg_of(st), PG_SUPPLY_UPDATE, &p, &cmd->meta, "supply_update", &r);
	w3w__pg_params_free(&p);
	return write_result(st, rc, r, &cmd->meta, cmd->id, out);
}

w3w_status w3w__pg_supply_delete(w3w_storage *st, w3w_cmd_supply_delete *cmd, w3w_supply *out)
{
	w3w__pg_params p;
	PGresult *r = NULL;
	w3w_status rc;

	cmd->meta.replayed = 0;
	w3w__pg_params_init(&p);
	w3w__pg_p_meta(&p, &cmd->meta);
	w3w__pg_p_text(&p, cmd->id);
	w3w__pg_p_text(&p, cmd->user_id);
	rc = w3w__pg_write(w3w__pg_of(st), PG_SUPPLY_DELETE, &p, &cmd->meta, "supply_delete", &r);
	w3w__pg_params_free(&p);
	return write_result(st, rc, r, &cmd->meta, cmd->id, out);
}

w3w_status w3w__pg_supply_get(w3w_storage *st, const char *id, w3w_supply *out)
{
	w3w__pg_params p;
	PGresult *r = NULL;
	w3w_status rc;

	if (!w3w__pg_is_uuid(id))
		return w3w_error_set(W3W_ENOTFOUND, "supply %s not found", id ? id : "(null)");
	w3w__pg_params_init(&p);
	w3w__pg_p_text(&p, id);
	if ((rc = w3w__pg_run(w3w__pg_of(st), PG_SUPPLY_GET, &p, "supply_get", &r)) != W3W_OK)
		return rc;
	rc = PQntuples(r) == 1 ? w3w__pg_row_supply(r, 0, 0, out)
	                       : w3w_error_set(W3W_ENOTFOUND, "supply %s not found", id);
	PQclear(r);
	return rc;
}

w3w_status w3w__pg_supply_list(w3w_storage *st, const w3w_storage_query *q, w3w_supply_page **out)
{
	int by_user = q->user_id[0] != '\0', by_status = q->status != 0;
	int limit = q->limit < 1 ? 50 : q->limit > W3W_LIST_LIMIT_MAX ? W3W_LIST_LIMIT_MAX : q->limit;
	const char *after = q->after_id[0] ? q->after_id : NIL_UUID;
	const char *status = NULL;
	w3w_supply_page *page;
	w3w__pg_params p;
	PGresult *r = NULL;
	w3w_status rc = W3W_OK;
	int rows;

	*out = NULL;
	if (by_status && !(status = w3w__pg_supply_status(q->status)))
		return w3w_error_set(W3W_EINVAL, "status: %d is not a supply status", q->status);
	if (!w3w__pg_is_uuid(after) || (by_user && !w3w__pg_is_uuid(q->user_id)))
		return w3w_error_set(W3W_EINVAL, "supply list: user_id and cursor must be UUIDs");
	w3w__pg_params_init(&p);
	w3w__pg_p_text(&p, after);
	w3w__pg_p_i64(&p, limit + 1); /* one more tells whether a next page exists */
	if (by_user)
		w3w__pg_p_text(&p, q->user_id);
	if (by_status)
		w3w__pg_p_text(&p, status);
	rc = w3w__pg_run(w3w__pg_of(st),
		by_user ? (by_status ? PG_SUPPLY_LIST_USER_STATUS : PG_SUPPLY_LIST_USER)
		        : (by_status ? PG_SUPPLY_LIST_STATUS : PG_SUPPLY_LIST_ALL),
		&p, "supply_list", &r);
	if (rc != W3W_OK)
		return rc;
	rows = PQntuples(r);
	page = calloc(1, sizeof(*page));
	if (page && rows > 0 && !(page->items = calloc((size_t)rows, sizeof(*page->items)))) {
		free(page);
		page = NULL;
	}
	if (!page) {
		PQclear(r);
		return w3w_error_set(W3W_ENOMEM, "postgres: out of memory");
	}
	for (int i = 0; i < rows && i < limit && rc == W3W_OK; i++)
		if ((rc = w3w__pg_row_supply(r, i, 0, &page->items[i])) == W3W_OK)
			page->count++;
	/* next_cursor: the last id of this page, when more follow (core's cursor is an id). */
	if (rc == W3W_OK && rows > limit)
		strcpy(page->next_cursor, page->items[limit - 1].id);
	PQclear(r);
	if (rc != W3W_OK) {
		free(page->items);
		free(page);
		return rc;
	}
	*out = page;
	return W3W_OK;
}

/* Supplies: create, update, delete (one function call each), get, list. */
#include <stdlib.h>
#include <string.h>

#include "storage/postgres/pg.h"

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
	if (!w3w__pg_supply_status(s->status))   /* core gives a complete supply: 0 is no status */
		return w3w_error_set(W3W_EINVAL, "status: %d is not a supply status", (int)s->status);
	w3w__pg_command_params(&p, &cmd->meta);
	/* As given: core gives reserved 0. */
	w3w__pg_p(&p, "tttIItII", s->id, s->user_id, s->currency, s->amount, s->reserved, w3w__pg_supply_status(s->status),
		s->created_at, s->updated_at);
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
	w3w__pg_command_params(&p, &cmd->meta);
	w3w__pg_p(&p, "ttbIt", cmd->id, cmd->user_id, patch->set_amount, patch->amount, status);
	rc = w3w__pg_write(w3w__pg_of(st), PG_SUPPLY_UPDATE, &p, &cmd->meta, "supply_update", &r);
	w3w__pg_params_free(&p);
	return write_result(st, rc, r, &cmd->meta, cmd->id, out);
}

w3w_status w3w__pg_supply_delete(w3w_storage *st, w3w_cmd_supply_delete *cmd, w3w_supply *out)
{
	w3w__pg_params p;
	PGresult *r = NULL;
	w3w_status rc;

	w3w__pg_command_params(&p, &cmd->meta);
	w3w__pg_p_text(&p, cmd->id);
	w3w__pg_p_text(&p, cmd->user_id);
	rc = w3w__pg_write(w3w__pg_of(st), PG_SUPPLY_DELETE, &p, &cmd->meta, "supply_delete", &r);
	w3w__pg_params_free(&p);
	return write_result(st, rc, r, &cmd->meta, cmd->id, out);
}

w3w_status w3w__pg_supply_get(w3w_storage *st, const char *id, w3w_supply *out)
{
	PGresult *r = NULL;
	w3w_status rc;

	if ((rc = w3w__pg_get(w3w__pg_of(st), PG_SUPPLY_GET, id, "supply", "supply_get", &r)) != W3W_OK)
		return rc;
	rc = PQntuples(r) == 1 ? w3w__pg_row_supply(r, 0, 0, out)
	                       : w3w_error_set(W3W_ENOTFOUND, "supply %s not found", id);
	PQclear(r);
	return rc;
}

static w3w_status read_supply(const PGresult *r, int row, void *out)
{
	return w3w__pg_row_supply(r, row, 0, out);
}

static const w3w__pg_list supplies = {
	.noun = "supply",
	.a_status = "a supply",
	.status_name = w3w__pg_supply_status,
	.stmts = { PG_SUPPLY_LIST_ALL, PG_SUPPLY_LIST_STATUS, PG_SUPPLY_LIST_USER, PG_SUPPLY_LIST_USER_STATUS },
	.read = read_supply,
	.elem = sizeof(w3w_supply),
	W3W__PG_PAGE_LAYOUT(w3w_supply_page),
};

w3w_status w3w__pg_supply_list(w3w_storage *st, const w3w_storage_query *q, w3w_supply_page **out)
{
	void *page = NULL;
	w3w_status rc = w3w__pg_page(w3w__pg_of(st), &supplies, q, &page);

	*out = page;
	return rc;
}

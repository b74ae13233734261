/*
 * Claims: create (the contended one: conditional UPDATE of the order,
 * supply reservation, claim insert under the live-claim unique index, all
 * in w3w_claim_create), process (settlement), release, get, get_live.
 */
#include <string.h>

#include "storage/postgres/pg.h"

static w3w_status load(w3w_storage *st, int stmt, const char *key, w3w_claim *out,
	char *order_user_id, const char *what)
{
	PGresult *r = NULL;
	w3w_status rc;

	if ((rc = w3w__pg_get(w3w__pg_of(st), stmt, key, what, "claim_get", &r)) != W3W_OK)
		return rc;
	rc = PQntuples(r) == 1 ? w3w__pg_row_claim(r, 0, 0, out, order_user_id)
	                       : w3w_error_set(W3W_ENOTFOUND, "%s %s not found", what, key);
	PQclear(r);
	return rc;
}

w3w_status w3w__pg_claim_get(w3w_storage *st, const char *id, w3w_claim *out)
{
	return load(st, PG_CLAIM_GET, id, out, NULL, "claim");
}

w3w_status w3w__pg_claim_get_live(w3w_storage *st, const char *order_id, w3w_claim *out)
{
	return load(st, PG_CLAIM_GET_LIVE, order_id, out, NULL, "live claim of order");
}

/* The single row of a claim function: replayed, claim columns (+ order owner). */
static w3w_status claim_row(PGresult *r, w3w_write_meta *meta, const char *id, w3w_claim *out,
	char *order_user_id)
{
	w3w_status s;

	if (PQntuples(r) != 1)
		return w3w_error_set(W3W_EINTERNAL, "postgres: claim %s: no row returned", id);
	if ((s = w3w__pg_row_claim(r, 0, 1, out, order_user_id)) == W3W_OK)
		w3w__pg_take_meta(r, meta);
	return s;
}

/* The claim a create or release returned; read again when it committed and the answer was lost. */
static w3w_status write_result(w3w_storage *st, w3w_status rc, PGresult *r, w3w_write_meta *meta,
	const char *id, w3w_claim *out, char *order_user_id)
{
	if (rc == W3W__PG_COMMITTED)
		return load(st, PG_CLAIM_GET, id, out, order_user_id, "claim");
	if (rc != W3W_OK)
		return rc;
	rc = claim_row(r, meta, id, out, order_user_id);
	PQclear(r);
	return rc;
}

w3w_status w3w__pg_claim_create(w3w_storage *st, w3w_cmd_claim_create *cmd, w3w_claim *out)
{
	const w3w_claim *c = &cmd->c;
	w3w__pg_params p;
	PGresult *r = NULL;
	w3w_claim tmp;
	w3w_status rc;

	if (!out)
		out = &tmp;
	w3w__pg_command_params(&p, &cmd->meta);
	w3w__pg_p_text(&p, c->id);
	w3w__pg_p_text(&p, c->order_id);
	w3w__pg_p_text(&p, c->user_id);
	w3w__pg_p_i64(&p, c->claimed_at);
	rc = w3w__pg_write(w3w__pg_of(st), PG_CLAIM_CREATE, &p, &cmd->meta, "claim_create", &r);
	w3w__pg_params_free(&p);
	rc = write_result(st, rc, r, &cmd->meta, c->id, out, cmd->order_user_id);
	if (rc == W3W_OK)
		strcpy(cmd->c.supply_id, out->supply_id);
	else if (rc == W3W_EINSUFFICIENT) /* the function names the supply it lacked; the contract names the order */
		w3w_error_set(rc, "order %s: %s", c->order_id, w3w_error_message());
	return rc;
}

w3w_status w3w__pg_claim_process(w3w_storage *st, w3w_cmd_claim_process *cmd, w3w_claim *out)
{
	w3w__pg_params p;
	PGresult *r = NULL;
	w3w_claim tmp;
	w3w_status rc;
	int committed;

	if (!out)
		out = &tmp;
	w3w__pg_command_params(&p, &cmd->meta);
	w3w__pg_p_text(&p, cmd->id);
	w3w__pg_p_text(&p, cmd->settlement.id);
	w3w__pg_p_i64(&p, cmd->settlement.created_at);
	rc = w3w__pg_write(w3w__pg_of(st), PG_CLAIM_PROCESS, &p, &cmd->meta, "claim_process", &r);
	committed = rc == W3W__PG_COMMITTED;
	if (committed) {
		/* It committed, the answer was lost: the same row shape, read again. */
		w3w__pg_params_free(&p);
		w3w__pg_params_init(&p);
		w3w__pg_p_text(&p, cmd->id);
		rc = w3w__pg_run(w3w__pg_of(st), PG_CLAIM_OUTCOME, &p, "claim_process", &r);
	}
	w3w__pg_params_free(&p);
	if (rc != W3W_OK)
		return rc;
	if (committed) /* the outcome row has no seq column; run() has set it */
		rc = w3w__pg_row_claim(r, 0, 1, out, cmd->order_user_id);
	else
		rc = claim_row(r, &cmd->meta, cmd->id, out, cmd->order_user_id);
	/* The settlement the backend filled (from = buyer, to = claimer, ...). */
	if (rc == W3W_OK && !PQgetisnull(r, 0, 1 + W3W__PG_CLAIM_NCOLS))
		rc = w3w__pg_row_transfer(r, 0, 1 + W3W__PG_CLAIM_NCOLS, &cmd->settlement);
	PQclear(r);
	return rc;
}

w3w_status w3w__pg_claim_release(w3w_storage *st, w3w_cmd_claim_release *cmd, w3w_claim *out)
{
	w3w__pg_params p;
	PGresult *r = NULL;
	w3w_claim tmp;
	w3w_status rc;

	if (!out)
		out = &tmp;
	w3w__pg_command_params(&p, &cmd->meta);
	w3w__pg_p_text(&p, cmd->id);
	rc = w3w__pg_write(w3w__pg_of(st), PG_CLAIM_RELEASE, &p, &cmd->meta, "claim_release", &r);
	w3w__pg_params_free(&p);
	return write_result(st, rc, r, &cmd->meta, cmd->id, out, cmd->order_user_id);
}

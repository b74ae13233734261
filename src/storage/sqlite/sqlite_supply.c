/*
 * Supplies: create, update, delete (conditional UPDATEs, diagnosed only
 * when they change nothing), get and keyset-paged lists.
 */
#include <stdlib.h>
#include <string.h>

#include "storage/sqlite/sqlite_internal.h"

#define SUPPLY_COLS "id, user_id, currency, amount, reserved, status, created_at, updated_at"

static w3w_status read_supply(sqlite3_stmt *s, void *item)
{
	w3w_supply *out = item;
	char status[16];

	memset(out, 0, sizeof(*out));
	w3w__sq_cols(s, 0, "tttIItII", out->id, sizeof(out->id), out->user_id, sizeof(out->user_id),
		out->currency, sizeof(out->currency), &out->amount, &out->reserved, status, sizeof(status),
		&out->created_at, &out->updated_at);
	out->status = (w3w_supply_status)w3w__sq_parse_supply_status(status);
	return W3W_OK;
}

w3w_status w3w__sq_supply_load(w3w__sq_conn *c, const char *id, w3w_supply *out)
{
	return w3w__sq_get(c, "SELECT " SUPPLY_COLS " FROM supplies WHERE id = ?1", id, read_supply, out,
		"supply %s: not found");
}

/*
 * A conditional UPDATE changed nothing: say why. Not found also covers
 * "owned by someone else", so the answer does not reveal that it exists.
 */
static w3w_status diagnose(w3w__sq_conn *c, const char *id, const char *user_id, int deleting)
{
	w3w_supply cur;
	w3w_status st = w3w__sq_supply_load(c, id, &cur);

	if (st == W3W_ENOTFOUND || (st == W3W_OK && strcmp(cur.user_id, user_id) != 0))
		return w3w_error_set(W3W_ENOTFOUND, "supply %s: not found", id);
	if (st != W3W_OK)
		return st;
	if (cur.status == W3W_SUPPLY_DELETED)
		return w3w_error_set(W3W_ESTATE, "supply %s: deleted", id);
	if (deleting)
		return w3w_error_set(W3W_ECONFLICT, "supply %s: claims still reserve part of it", id);
	return w3w_error_set(W3W_ECONFLICT, "supply %s: amount below what claims reserve", id);
}

/*
 * How every supply command ends: step `s` (prepared by the caller, yielding
 * the supply), diagnose a conditional UPDATE that changed nothing
 * (`deleting` 0 or 1; -1 for the INSERT, whose conflict is a reused id),
 * then the write's outbox, audit and idempotency records.
 */
static w3w_status supply_write(w3w__sq_conn *c, w3w_write_meta *meta, sqlite3_stmt *s, const char *id,
	const char *user_id, int deleting, w3w_supply *out)
{
	int found = 0;
	w3w_status st = w3w__sq_one(c, s, read_supply, out, &found);

	if (st != W3W_OK && deleting < 0 && w3w__sq_unique_violated(c))
		return w3w_error_set(W3W_ECONFLICT, "supply %s: already exists", id);
	if (st == W3W_OK && !found && deleting >= 0)
		return diagnose(c, id, user_id, deleting);
	if (st == W3W_OK)
		st = w3w__sq_finish_write(c, meta, id);
	return st;
}

/* The idempotency check of every supply write: a replay loads the first result into out. */
static w3w_status replay(w3w__sq_conn *c, w3w_write_meta *meta, w3w_supply *out)
{
	char result_id[W3W_ID_SIZE];
	w3w_status st = w3w__sq_idem_check(c, meta, result_id);

	return st == W3W_OK && meta->replayed ? w3w__sq_supply_load(c, result_id, out) : st;
}

static w3w_status known_status(int status)
{
	if (!w3w__sq_supply_status(status))
		return w3w_error_set(W3W_EINVAL, "status: %d is not a supply status", status);
	return W3W_OK;
}

/* ---- create -------------------------------------------------------------- */

static w3w_status create(w3w__sq_conn *c, w3w_cmd_supply_create *cmd, w3w_supply *out)
{
	w3w_write_meta *meta = &cmd->meta;
	const w3w_supply *in = &cmd->s;
	sqlite3_stmt *s;
	w3w_status st;

	if ((st = known_status((int)in->status)) != W3W_OK)   /* core gives a complete supply: 0 is no status */
		return st;
	if ((st = replay(c, meta, out)) != W3W_OK || meta->replayed)
		return st;
	st = w3w__sq_query(c, &s,
		"INSERT INTO supplies(" SUPPLY_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
		" RETURNING " SUPPLY_COLS, "tttIItII",
		in->id, in->user_id, in->currency, in->amount, in->reserved, w3w__sq_supply_status(in->status),
		in->created_at, in->updated_at);
	return st == W3W_OK ? supply_write(c, meta, s, in->id, in->user_id, -1, out) : st;
}

W3W__SQ_WRITE_ENTRY(w3w__sq_supply_create, create, w3w_cmd_supply_create, w3w_supply)

/* ---- update -------------------------------------------------------------- */

static w3w_status update(w3w__sq_conn *c, w3w_cmd_supply_update *cmd, w3w_supply *out)
{
	w3w_write_meta *meta = &cmd->meta;
	const w3w_supply_patch *p = &cmd->patch;
	sqlite3_stmt *s;
	w3w_status st;

	if (p->status && (st = known_status(p->status)) != W3W_OK)   /* 0: the status stays or follows the amount */
		return st;
	if ((st = replay(c, meta, out)) != W3W_OK || meta->replayed)
		return st;
	/*
	 * ?4 set_amount, ?5 amount, ?6 explicit status or NULL. The status rule
	 * of storage.h: explicit status wins; else amount 0 -> exhausted, > 0 on
	 * an exhausted supply -> active; else unchanged.
	 */
	st = w3w__sq_query(c, &s,
		"UPDATE supplies SET"
		" amount = CASE WHEN ?4 THEN ?5 ELSE amount END,"
		" status = CASE WHEN ?6 IS NOT NULL THEN ?6"
		"   WHEN ?4 AND ?5 = 0 THEN 'exhausted'"
		"   WHEN ?4 AND ?5 > 0 AND status = 'exhausted' THEN 'active'"
		"   ELSE status END,"
		" updated_at = ?3"
		" WHERE id = ?1 AND user_id = ?2 AND status <> 'deleted' AND (NOT ?4 OR ?5 >= reserved)"
		" RETURNING " SUPPLY_COLS, "ttIiIt",
		cmd->id, cmd->user_id, meta->now, p->set_amount ? 1 : 0, p->amount,
		p->status ? w3w__sq_supply_status(p->status) : NULL);
	return st == W3W_OK ? supply_write(c, meta, s, cmd->id, cmd->user_id, 0, out) : st;
}

W3W__SQ_WRITE_ENTRY(w3w__sq_supply_update, update, w3w_cmd_supply_update, w3w_supply)

/* ---- delete -------------------------------------------------------------- */

static w3w_status soft_delete(w3w__sq_conn *c, w3w_cmd_supply_delete *cmd, w3w_supply *out)
{
	w3w_write_meta *meta = &cmd->meta;
	sqlite3_stmt *s;
	w3w_status st;

	if ((st = replay(c, meta, out)) != W3W_OK || meta->replayed)
		return st;
	st = w3w__sq_query(c, &s,
		"UPDATE supplies SET status = 'deleted', updated_at = ?3"
		" WHERE id = ?1 AND user_id = ?2 AND status <> 'deleted' AND reserved = 0"
		" RETURNING " SUPPLY_COLS, "ttI", cmd->id, cmd->user_id, meta->now);
	return st == W3W_OK ? supply_write(c, meta, s, cmd->id, cmd->user_id, 1, out) : st;
}

W3W__SQ_WRITE_ENTRY(w3w__sq_supply_delete, soft_delete, w3w_cmd_supply_delete, w3w_supply)

/* ---- reads --------------------------------------------------------------- */

w3w_status w3w__sq_supply_get(w3w_storage *st, const char *id, w3w_supply *out)
{
	w3w__sq_conn *c = w3w__sq_begin(w3w__sq(st), W3W__SQ_READ);

	return c ? w3w__sq_end(c, w3w__sq_supply_load(c, id, out)) : w3w_error_code();
}

static const w3w__sq_list supplies = {
	.select = "SELECT " SUPPLY_COLS " FROM supplies",
	.noun = "supply",
	.a_status = "a supply",
	.status_name = w3w__sq_supply_status,
	.read = read_supply,
	.elem = sizeof(w3w_supply),
	W3W__SQ_PAGE_LAYOUT(w3w_supply_page),
};

w3w_status w3w__sq_supply_list(w3w_storage *st, const w3w_storage_query *q, w3w_supply_page **out)
{
	void *page = NULL;
	w3w_status rc = w3w__sq_page(w3w__sq(st), &supplies, q, &page);

	*out = page;
	return rc;
}

/*
 * Claims. The order's state decides the race: the UPDATE from 'open' to
 * 'claimed' succeeds for exactly one claimer, and the partial unique index
 * uq_claims_live_order backs it up. Nothing is checked before it is written.
 */
#include <string.h>

#include "storage/sqlite/sqlite_internal.h"

#define CLAIM_COLS "id, order_id, user_id, supply_id, status, claimed_at, processed_at, released_at"

static w3w_status read_claim(sqlite3_stmt *s, void *item)
{
	w3w_claim *out = item;
	char status[16];

	memset(out, 0, sizeof(*out));
	/* processed_at and released_at: NULL reads as 0. */
	w3w__sq_cols(s, 0, "tttttIII", out->id, sizeof(out->id), out->order_id, sizeof(out->order_id),
		out->user_id, sizeof(out->user_id), out->supply_id, sizeof(out->supply_id), status, sizeof(status),
		&out->claimed_at, &out->processed_at, &out->released_at);
	out->status = (w3w_claim_status)w3w__sq_parse_claim_status(status);
	return W3W_OK;
}

w3w_status w3w__sq_claim_load(w3w__sq_conn *c, const char *id, w3w_claim *out)
{
	return w3w__sq_get(c, "SELECT " CLAIM_COLS " FROM claims WHERE id = ?1", id, read_claim, out,
		"claim %s: not found");
}

/* A replayed claim command: the claim it made, and its order's owner for the order_user_id out-field. */
static w3w_status replay(w3w__sq_conn *c, const char *claim_id, w3w_claim *out, char order_user_id[W3W_ID_SIZE])
{
	w3w_order *o = NULL;
	w3w_status st = w3w__sq_claim_load(c, claim_id, out);

	if (st == W3W_OK)
		st = w3w__sq_order_load(c, out->order_id, &o);
	if (st == W3W_OK)
		strcpy(order_user_id, o->user_id);
	w3w__sq_order_free(o);
	return st;
}

/* ---- create -------------------------------------------------------------- */

/* The order did not move from open to claimed: say why, in the order storage.h lists. */
static w3w_status claim_refused(w3w__sq_conn *c, const w3w_claim *in)
{
	w3w_order *o = NULL;
	w3w_status st = w3w__sq_order_load(c, in->order_id, &o);

	if (st != W3W_OK)
		return st;
	if (strcmp(o->user_id, in->user_id) == 0)
		st = w3w_error_set(W3W_EFORBIDDEN, "order %s: cannot claim your own order", o->id);
	else if (o->status == W3W_ORDER_CANCELLED)
		st = w3w_error_set(W3W_ESTATE, "order %s: cancelled", o->id);
	else if (o->status == W3W_ORDER_COMPLETED)
		st = w3w_error_set(W3W_ECONFLICT, "order %s: already completed", o->id);
	else
		st = w3w_error_set(W3W_ECONFLICT, "order %s: already claimed", o->id);
	w3w__sq_order_free(o);
	return st;
}

/*
 * Read, then update by id: the write transaction holds the database's only
 * write lock, so nothing moves the order between the two, and SQLite builds
 * a temporary table for every UPDATE ... RETURNING (a tenth of a claim).
 */
static w3w_status take_order(w3w__sq_conn *c, const w3w_claim *in, w3w_time now, w3w__sq_escrow *e)
{
	sqlite3_stmt *s;
	int open = 0;
	w3w_status st = w3w__sq_query(c, &s,
		"SELECT user_id, currency, amount FROM orders WHERE id = ?1 AND status = 'open' AND user_id <> ?2",
		"tt", in->order_id, in->user_id);

	if (st == W3W_OK)
		st = w3w__sq_order_move(c, s, e, &open);
	if (st == W3W_OK && !open)
		return claim_refused(c, in);
	if (st == W3W_OK)
		st = w3w__sq_run(c, "UPDATE orders SET status = 'claimed', updated_at = ?2 WHERE id = ?1", "tI",
			in->order_id, now);
	return st;
}

static w3w_status read_id(sqlite3_stmt *s, void *item)
{
	w3w__sq_col_text(item, W3W_ID_SIZE, s, 0);
	return W3W_OK;
}

static w3w_status reserve_supply(w3w__sq_conn *c, const w3w_claim *in, const char *currency,
	w3w_amount amount, w3w_time now, char supply_id[W3W_ID_SIZE])
{
	sqlite3_stmt *s;
	int row = 0;
	char text[W3W_AMOUNT_STRLEN];
	/* The claimer's oldest active supply with enough unreserved capacity (idx_supplies_claimable);
	 * read, then updated by id, as take_order does. */
	w3w_status st = w3w__sq_query(c, &s,
		"SELECT id FROM supplies"
		" WHERE user_id = ?1 AND currency = ?2 AND status = 'active' AND amount - reserved >= ?3"
		" ORDER BY created_at, id LIMIT 1", "ttI", in->user_id, currency, amount);

	if (st == W3W_OK)
		st = w3w__sq_one(c, s, read_id, supply_id, &row);
	if (st == W3W_OK && row)
		st = w3w__sq_run(c, "UPDATE supplies SET reserved = reserved + ?2, updated_at = ?3 WHERE id = ?1", "tII",
			supply_id, amount, now);
	if (st != W3W_OK || row)
		return st;
	if (w3w_amount_format(text, sizeof(text), amount) != W3W_OK)
		strcpy(text, "?");
	return w3w_error_set(W3W_EINSUFFICIENT, "order %s: no active %s supply of user %s with %s unreserved",
		in->order_id, currency, in->user_id, text);
}

/* Without RETURNING: every column is known, and RETURNING costs SQLite a temporary table per row. */
static w3w_status insert_claim(w3w__sq_conn *c, const w3w_claim *in, const char *supply_id,
	w3w_claim *out)
{
	w3w_status st = w3w__sq_run(c,
		"INSERT INTO claims(id, order_id, user_id, supply_id, status, claimed_at)"
		" VALUES (?1, ?2, ?3, ?4, 'pending', ?5)", "ttttI",
		in->id, in->order_id, in->user_id, supply_id, in->claimed_at);

	if (st == W3W_OK) {
		memset(out, 0, sizeof(*out));
		strcpy(out->id, in->id);
		strcpy(out->order_id, in->order_id);
		strcpy(out->user_id, in->user_id);
		strcpy(out->supply_id, supply_id);
		out->status = W3W_CLAIM_PENDING;
		out->claimed_at = in->claimed_at;
		return st;
	}
	if (!w3w__sq_unique_violated(c))
		return st;
	/* A reused claim id, or the partial unique index: a second live claim on the order. */
	if (w3w__sq_claim_load(c, in->id, out) == W3W_OK)
		return w3w_error_set(W3W_ECONFLICT, "claim %s: already exists", in->id);
	return w3w_error_set(W3W_ECONFLICT, "order %s: already claimed", in->order_id);
}

static w3w_status create(w3w__sq_conn *c, w3w_cmd_claim_create *cmd, w3w_claim *out)
{
	w3w_write_meta *meta = &cmd->meta;
	char result_id[W3W_ID_SIZE], supply_id[W3W_ID_SIZE];
	w3w__sq_escrow e;
	w3w_status st = w3w__sq_idem_check(c, meta, result_id);

	if (st != W3W_OK || meta->replayed)
		return st != W3W_OK ? st : replay(c, result_id, out, cmd->order_user_id);
	st = take_order(c, &cmd->c, meta->now, &e);
	if (st == W3W_OK) {
		strcpy(cmd->order_user_id, e.user_id);
		st = reserve_supply(c, &cmd->c, e.currency, e.amount, meta->now, supply_id);
	}
	if (st == W3W_OK) {
		strcpy(cmd->c.supply_id, supply_id);
		st = insert_claim(c, &cmd->c, supply_id, out);
	}
	if (st == W3W_OK)
		st = w3w__sq_finish_write(c, meta, cmd->c.id);
	return st;
}

W3W__SQ_WRITE_ENTRY(w3w__sq_claim_create, create, w3w_cmd_claim_create, w3w_claim)
W3W__SQ_BATCH_ENTRY(w3w__sq_claim_create_batch, create, w3w_cmd_claim_create, w3w_claim)

/* ---- process and release ------------------------------------------------- */

/* Where process and release take a pending claim and its claimed order (bound ?1 id, ?2 now). */
typedef enum claim_move { PROCESS, RELEASE } claim_move;

static const struct {
	const char *claim_sql; /* RETURNING the claim */
	const char *order_sql; /* RETURNING the escrow */
} claim_moves[] = {
	[PROCESS] = {
		"UPDATE claims SET status = 'processed', processed_at = ?2"
		" WHERE id = ?1 AND status = 'pending' RETURNING " CLAIM_COLS,
		"UPDATE orders SET status = 'completed', updated_at = ?2"
		" WHERE id = ?1 AND status = 'claimed' RETURNING user_id, currency, amount",
	},
	/* The order reopens with its escrow still held. */
	[RELEASE] = {
		"UPDATE claims SET status = 'released', released_at = ?2"
		" WHERE id = ?1 AND status = 'pending' RETURNING " CLAIM_COLS,
		"UPDATE orders SET status = 'open', updated_at = ?2"
		" WHERE id = ?1 AND status = 'claimed' RETURNING user_id, currency, amount",
	},
};

/*
 * What process and release begin with: the idempotency check (a replay
 * loads the claim), then pending claim `id` and its claimed order moved
 * (*e = the order's escrow). A claim not found or not pending is diagnosed.
 */
static w3w_status move_claim(w3w__sq_conn *c, w3w_write_meta *meta, const char *id, claim_move move,
	char order_user_id[W3W_ID_SIZE], w3w_claim *out, w3w__sq_escrow *e)
{
	char result_id[W3W_ID_SIZE];
	sqlite3_stmt *s;
	int moved = 0;
	w3w_status st = w3w__sq_idem_check(c, meta, result_id);

	if (st != W3W_OK || meta->replayed)
		return st != W3W_OK ? st : replay(c, result_id, out, order_user_id);
	if ((st = w3w__sq_query(c, &s, claim_moves[move].claim_sql, "tI", id, meta->now)) == W3W_OK)
		st = w3w__sq_one(c, s, read_claim, out, &moved);
	if (st == W3W_OK && !moved) {
		if ((st = w3w__sq_claim_load(c, id, out)) != W3W_OK)
			return st;
		return w3w_error_set(W3W_ESTATE, "claim %s: not pending (%s)", id,
			w3w__sq_claim_status(out->status) ? w3w__sq_claim_status(out->status) : "?");
	}
	if (st == W3W_OK && (st = w3w__sq_query(c, &s, claim_moves[move].order_sql, "tI", out->order_id, meta->now)) == W3W_OK)
		st = w3w__sq_order_move(c, s, e, &moved);
	if (st == W3W_OK && !moved)
		return w3w_error_set(W3W_EINTERNAL, "order %s: not claimed although its claim is pending",
			out->order_id);
	if (st == W3W_OK)
		strcpy(order_user_id, e->user_id);
	return st;
}

/* Change a supply's amount and reserved by the claim's order amount (?3 amount, ?4 now). */
static w3w_status move_supply(w3w__sq_conn *c, const char *sql, const char *supply_id,
	w3w_amount amount, w3w_time now)
{
	w3w_status st = w3w__sq_run(c, sql, "t-II", supply_id, amount, now);

	if (st == W3W_OK && sqlite3_changes(c->db) != 1)
		st = w3w_error_set(W3W_EINTERNAL, "supply %s: reserves less than its pending claim", supply_id);
	return st;
}

static w3w_status process(w3w__sq_conn *c, w3w_cmd_claim_process *cmd, w3w_claim *out)
{
	w3w_write_meta *meta = &cmd->meta;
	w3w_transfer *t = &cmd->settlement;
	w3w__sq_escrow e;
	w3w_status st = move_claim(c, meta, cmd->id, PROCESS, cmd->order_user_id, out, &e);

	if (st != W3W_OK || meta->replayed)
		return st;
	/* The settlement: buyer's escrow to the claimer. */
	t->kind = W3W_TRANSFER_SETTLEMENT;
	strcpy(t->from_user_id, e.user_id);
	strcpy(t->currency, e.currency);
	t->amount = e.amount;
	strcpy(t->to_user_id, out->user_id);
	strcpy(t->reference, cmd->id);
	st = w3w__sq_account_move(c, W3W__SQ_SETTLE, t->from_user_id, t->currency, t->amount, meta->now);
	if (st == W3W_OK)
		st = w3w__sq_account_move(c, W3W__SQ_CREDIT, t->to_user_id, t->currency, t->amount, meta->now);
	if (st == W3W_OK)
		st = w3w__sq_transfer_record(c, t);
	/* Capacity used: amount and reserved both drop; nothing left means exhausted. */
	if (st == W3W_OK)
		st = move_supply(c,
			"UPDATE supplies SET amount = amount - ?3, reserved = reserved - ?3,"
			" status = CASE WHEN amount - ?3 = 0 THEN 'exhausted' ELSE status END, updated_at = ?4"
			" WHERE id = ?1 AND reserved >= ?3",
			out->supply_id, t->amount, meta->now);
	if (st == W3W_OK)
		st = w3w__sq_finish_write(c, meta, cmd->id);
	return st;
}

W3W__SQ_WRITE_ENTRY(w3w__sq_claim_process, process, w3w_cmd_claim_process, w3w_claim)
W3W__SQ_BATCH_ENTRY(w3w__sq_claim_process_batch, process, w3w_cmd_claim_process, w3w_claim)

static w3w_status release(w3w__sq_conn *c, w3w_cmd_claim_release *cmd, w3w_claim *out)
{
	w3w_write_meta *meta = &cmd->meta;
	w3w__sq_escrow e;
	w3w_status st = move_claim(c, meta, cmd->id, RELEASE, cmd->order_user_id, out, &e);

	if (st != W3W_OK || meta->replayed)
		return st;
	st = move_supply(c,
		"UPDATE supplies SET reserved = reserved - ?3, updated_at = ?4"
		" WHERE id = ?1 AND reserved >= ?3",
		out->supply_id, e.amount, meta->now);
	if (st == W3W_OK)
		st = w3w__sq_finish_write(c, meta, cmd->id);
	return st;
}

W3W__SQ_WRITE_ENTRY(w3w__sq_claim_release, release, w3w_cmd_claim_release, w3w_claim)

/* ---- reads --------------------------------------------------------------- */

w3w_status w3w__sq_claim_get(w3w_storage *st, const char *id, w3w_claim *out)
{
	w3w__sq_conn *c = w3w__sq_begin(w3w__sq(st), W3W__SQ_READ);

	return c ? w3w__sq_end(c, w3w__sq_claim_load(c, id, out)) : w3w_error_code();
}

w3w_status w3w__sq_claim_get_live(w3w_storage *st, const char *order_id, w3w_claim *out)
{
	w3w__sq_conn *c = w3w__sq_begin(w3w__sq(st), W3W__SQ_READ);

	/* Served by the partial unique index uq_claims_live_order. */
	return c ? w3w__sq_end(c, w3w__sq_get(c,
		"SELECT " CLAIM_COLS " FROM claims WHERE order_id = ?1 AND status IN ('pending', 'processed')",
		order_id, read_claim, out, "order %s: no live claim")) : w3w_error_code();
}

/*
 * Claims. The order's state decides the race: the UPDATE from 'open' to
 * 'claimed' succeeds for exactly one claimer, and the partial unique index
 * uq_claims_live_order backs it up. Nothing is checked before it is written.
 */
#include <string.h>

#include "storage/sqlite/sqlite_internal.h"

#define CLAIM_COLS "id, order_id, user_id, supply_id, status, claimed_at, processed_at, released_at"

static void read_claim(sqlite3_stmt *s, w3w_claim *out)
{
	char status[16];

	memset(out, 0, sizeof(*out));
	w3w__sq_col_text(out->id, sizeof(out->id), s, 0);
	w3w__sq_col_text(out->order_id, sizeof(out->order_id), s, 1);
	w3w__sq_col_text(out->user_id, sizeof(out->user_id), s, 2);
	w3w__sq_col_text(out->supply_id, sizeof(out->supply_id), s, 3);
	w3w__sq_col_text(status, sizeof(status), s, 4);
	out->status = (w3w_claim_status)w3w__sq_parse_claim_status(status);
	out->claimed_at = sqlite3_column_int64(s, 5);
	out->processed_at = sqlite3_column_int64(s, 6); /* NULL reads as 0 */
	out->released_at = sqlite3_column_int64(s, 7);
}

/* Step a statement yielding at most one claim row. */
static w3w_status one_claim(w3w__sq_conn *c, sqlite3_stmt *s, w3w_claim *out, int *found)
{
	int row = 0;
	w3w_status st = w3w__sq_step(c, s, &row);

	*found = st == W3W_OK && row;
	if (*found)
		read_claim(s, out);
	sqlite3_reset(s);
	return st;
}

w3w_status w3w__sq_claim_load(w3w__sq_conn *c, const char *id, w3w_claim *out)
{
	sqlite3_stmt *s;
	int found = 0;
	w3w_status st = w3w__sq_stmt(c, SQ_CLAIM_GET,
		"SELECT " CLAIM_COLS " FROM claims WHERE id = ?1", &s);

	if (st != W3W_OK)
		return st;
	w3w__sq_bind_text(s, 1, id);
	st = one_claim(c, s, out, &found);
	if (st == W3W_OK && !found)
		st = w3w_error_set(W3W_ENOTFOUND, "claim %s: not found", id);
	return st;
}

/* The owner of an order, for the commands' order_user_id out-field. */
static w3w_status order_owner(w3w__sq_conn *c, const char *order_id, char user_id[W3W_ID_SIZE])
{
	w3w_order *o = NULL;
	w3w_status st = w3w__sq_order_load(c, order_id, &o);

	if (st == W3W_OK)
		strcpy(user_id, o->user_id);
	w3w__sq_order_free(o);
	return st;
}

/* ---- create -------------------------------------------------------------- */

typedef struct create_args {
	w3w_cmd_claim_create *cmd;
	w3w_claim *out;
} create_args;

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

static w3w_status take_order(w3w__sq_conn *c, const w3w_claim *in, w3w_time now,
	char order_user[W3W_ID_SIZE], char currency[W3W_CURRENCY_SIZE], w3w_amount *amount)
{
	sqlite3_stmt *s;
	int row = 0;
	w3w_status st = w3w__sq_stmt(c, SQ_ORDER_CLAIM,
		"UPDATE orders SET status = 'claimed', updated_at = ?3"
		" WHERE id = ?1 AND status = 'open' AND user_id <> ?2"
		" RETURNING user_id, currency, amount", &s);

	if (st != W3W_OK)
		return st;
	w3w__sq_bind_text(s, 1, in->order_id);
	w3w__sq_bind_text(s, 2, in->user_id);
	sqlite3_bind_int64(s, 3, now);
	st = w3w__sq_step(c, s, &row);
	if (st == W3W_OK && row) {
		w3w__sq_col_text(order_user, W3W_ID_SIZE, s, 0);
		w3w__sq_col_text(currency, W3W_CURRENCY_SIZE, s, 1);
		*amount = sqlite3_column_int64(s, 2);
	}
	sqlite3_reset(s);
	if (st == W3W_OK && !row)
		return claim_refused(c, in);
	return st;
}

static w3w_status reserve_supply(w3w__sq_conn *c, const w3w_claim *in, const char *currency,
	w3w_amount amount, w3w_time now, char supply_id[W3W_ID_SIZE])
{
	sqlite3_stmt *s;
	int row = 0;
	char text[W3W_AMOUNT_STRLEN];
	/* The claimer's oldest active supply with enough unreserved capacity (idx_supplies_claimable). */
	w3w_status st = w3w__sq_stmt(c, SQ_SUPPLY_RESERVE,
		"UPDATE supplies SET reserved = reserved + ?3, updated_at = ?4"
		" WHERE id = (SELECT id FROM supplies"
		"   WHERE user_id = ?1 AND currency = ?2 AND status = 'active' AND amount - reserved >= ?3"
		"   ORDER BY created_at, id LIMIT 1)"
		" RETURNING id", &s);

	if (st != W3W_OK)
		return st;
	w3w__sq_bind_text(s, 1, in->user_id);
	w3w__sq_bind_text(s, 2, currency);
	sqlite3_bind_int64(s, 3, amount);
	sqlite3_bind_int64(s, 4, now);
	st = w3w__sq_step(c, s, &row);
	if (st == W3W_OK && row)
		w3w__sq_col_text(supply_id, W3W_ID_SIZE, s, 0);
	sqlite3_reset(s);
	if (st != W3W_OK || row)
		return st;
	if (w3w_amount_format(text, sizeof(text), amount) != W3W_OK)
		strcpy(text, "?");
	return w3w_error_set(W3W_EINSUFFICIENT, "order %s: no active %s supply of user %s with %s unreserved",
		in->order_id, currency, in->user_id, text);
}

static w3w_status insert_claim(w3w__sq_conn *c, const w3w_claim *in, const char *supply_id,
	w3w_claim *out)
{
	sqlite3_stmt *s;
	int found = 0;
	w3w_status st = w3w__sq_stmt(c, SQ_CLAIM_PUT,
		"INSERT INTO claims(id, order_id, user_id, supply_id, status, claimed_at)"
		" VALUES (?1, ?2, ?3, ?4, 'pending', ?5) RETURNING " CLAIM_COLS, &s);

	if (st != W3W_OK)
		return st;
	w3w__sq_bind_text(s, 1, in->id);
	w3w__sq_bind_text(s, 2, in->order_id);
	w3w__sq_bind_text(s, 3, in->user_id);
	w3w__sq_bind_text(s, 4, supply_id);
	sqlite3_bind_int64(s, 5, in->claimed_at);
	st = one_claim(c, s, out, &found);
	if (st == W3W_OK || !w3w__sq_unique_violated(c))
		return st;
	/* A reused claim id, or the partial unique index: a second live claim on the order. */
	if (w3w__sq_claim_load(c, in->id, out) == W3W_OK)
		return w3w_error_set(W3W_ECONFLICT, "claim %s: already exists", in->id);
	return w3w_error_set(W3W_ECONFLICT, "order %s: already claimed", in->order_id);
}

static w3w_status create_tx(w3w__sq_conn *c, void *arg)
{
	create_args *a = arg;
	w3w_cmd_claim_create *cmd = a->cmd;
	w3w_write_meta *meta = &cmd->meta;
	char result_id[W3W_ID_SIZE], currency[W3W_CURRENCY_SIZE], supply_id[W3W_ID_SIZE];
	w3w_amount amount = 0;
	w3w_status st = w3w__sq_idem_check(c, meta, &meta->replayed, result_id);

	if (st != W3W_OK)
		return st;
	if (meta->replayed) {
		st = w3w__sq_claim_load(c, result_id, a->out);
		if (st == W3W_OK)
			st = order_owner(c, a->out->order_id, cmd->order_user_id);
		return st;
	}
	st = take_order(c, &cmd->c, meta->now, cmd->order_user_id, currency, &amount);
	if (st == W3W_OK)
		st = reserve_supply(c, &cmd->c, currency, amount, meta->now, supply_id);
	if (st == W3W_OK) {
		strcpy(cmd->c.supply_id, supply_id);
		st = insert_claim(c, &cmd->c, supply_id, a->out);
	}
	if (st == W3W_OK)
		st = w3w__sq_finish_write(c, meta, cmd->c.id);
	return st;
}

w3w_status w3w__sq_claim_create(w3w_storage *st, w3w_cmd_claim_create *cmd, w3w_claim *out)
{
	w3w_claim scratch;
	create_args a = { cmd, out ? out : &scratch }; /* out is optional for writes */
	return w3w__sq_write(w3w__sq(st), create_tx, &a);
}

/* ---- process and release ------------------------------------------------- */

/*
 * Move pending claim `id` to its next status with `slot`/`sql` (bound ?1 id,
 * ?2 now, RETURNING the claim). Not found or not pending is diagnosed.
 */
static w3w_status finish_claim(w3w__sq_conn *c, int slot, const char *sql, const char *id,
	w3w_time now, w3w_claim *out)
{
	sqlite3_stmt *s;
	int found = 0;
	w3w_status st = w3w__sq_stmt(c, slot, sql, &s);

	if (st != W3W_OK)
		return st;
	w3w__sq_bind_text(s, 1, id);
	sqlite3_bind_int64(s, 2, now);
	st = one_claim(c, s, out, &found);
	if (st != W3W_OK || found)
		return st;
	st = w3w__sq_claim_load(c, id, out);
	if (st != W3W_OK)
		return st;
	return w3w_error_set(W3W_ESTATE, "claim %s: not pending (%s)", id,
		w3w__sq_claim_status(out->status) ? w3w__sq_claim_status(out->status) : "?");
}

/* Move order `id` from `from` to `to` status; returns its owner, currency and amount. */
static w3w_status move_order(w3w__sq_conn *c, int slot, const char *sql, const char *id, w3w_time now,
	char user_id[W3W_ID_SIZE], char currency[W3W_CURRENCY_SIZE], w3w_amount *amount)
{
	sqlite3_stmt *s;
	int row = 0;
	w3w_status st = w3w__sq_stmt(c, slot, sql, &s);

	if (st != W3W_OK)
		return st;
	w3w__sq_bind_text(s, 1, id);
	sqlite3_bind_int64(s, 2, now);
	st = w3w__sq_step(c, s, &row);
	if (st == W3W_OK && row) {
		w3w__sq_col_text(user_id, W3W_ID_SIZE, s, 0);
		w3w__sq_col_text(currency, W3W_CURRENCY_SIZE, s, 1);
		*amount = sqlite3_column_int64(s, 2);
	}
	sqlite3_reset(s);
	if (st == W3W_OK && !row)
		st = w3w_error_set(W3W_EINTERNAL, "order %s: not claimed although its claim is pending", id);
	return st;
}

/* Change a supply's amount and reserved by the claim's order amount ((?3 amount, ?4 now). */
static w3w_status move_supply(w3w__sq_conn *c, int slot, const char *sql, const char *supply_id,
	w3w_amount amount, w3w_time now)
{
	sqlite3_stmt *s;
	w3w_status st = w3w__sq_stmt(c, slot, sql, &s);

	if (st != W3W_OK)
		return st;
	w3w__sq_bind_text(s, 1, supply_id);
	sqlite3_bind_int64(s, 3, amount);
	sqlite3_bind_int64(s, 4, now);
	st = w3w__sq_exec(c, s);
	if (st == W3W_OK && sqlite3_changes(c->db) != 1)
		st = w3w_error_set(W3W_EINTERNAL, "supply %s: reserves less than its pending claim", supply_id);
	return st;
}

typedef struct process_args {
	w3w_cmd_claim_process *cmd;
	w3w_claim *out;
} process_args;

static w3w_status process_tx(w3w__sq_conn *c, void *arg)
{
	process_args *a = arg;
	w3w_cmd_claim_process *cmd = a->cmd;
	w3w_write_meta *meta = &cmd->meta;
	w3w_transfer *t = &cmd->settlement;
	char result_id[W3W_ID_SIZE];
	w3w_status st = w3w__sq_idem_check(c, meta, &meta->replayed, result_id);

	if (st != W3W_OK)
		return st;
	if (meta->replayed) {
		st = w3w__sq_claim_load(c, result_id, a->out);
		if (st == W3W_OK)
			st = order_owner(c, a->out->order_id, cmd->order_user_id);
		return st;
	}
	st = finish_claim(c, SQ_CLAIM_PROCESS,
		"UPDATE claims SET status = 'processed', processed_at = ?2"
		" WHERE id = ?1 AND status = 'pending' RETURNING " CLAIM_COLS,
		cmd->id, meta->now, a->out);
	if (st == W3W_OK)
		st = move_order(c, SQ_ORDER_COMPLETE,
			"UPDATE orders SET status = 'completed', updated_at = ?2"
			" WHERE id = ?1 AND status = 'claimed' RETURNING user_id, currency, amount",
			a->out->order_id, meta->now, t->from_user_id, t->currency, &t->amount);
	if (st != W3W_OK)
		return st;
	/* The settlement: buyer's escrow to the claimer. */
	t->kind = W3W_TRANSFER_SETTLEMENT;
	strcpy(t->to_user_id, a->out->user_id);
	strcpy(t->reference, cmd->id);
	strcpy(cmd->order_user_id, t->from_user_id);
	st = w3w__sq_account_settle(c, t->from_user_id, t->currency, t->amount, meta->now);
	if (st == W3W_OK)
		st = w3w__sq_account_credit(c, t->to_user_id, t->currency, t->amount, meta->now);
	if (st == W3W_OK)
		st = w3w__sq_transfer_record(c, t);
	/* Capacity used: amount and reserved both drop; nothing left means exhausted. */
	if (st == W3W_OK)
		st = move_supply(c, SQ_SUPPLY_CONSUME,
			"UPDATE supplies SET amount = amount - ?3, reserved = reserved - ?3,"
			" status = CASE WHEN amount - ?3 = 0 THEN 'exhausted' ELSE status END, updated_at = ?4"
			" WHERE id = ?1 AND reserved >= ?3",
			a->out->supply_id, t->amount, meta->now);
	if (st == W3W_OK)
		st = w3w__sq_finish_write(c, meta, cmd->id);
	return st;
}

w3w_status w3w__sq_claim_process(w3w_storage *st, w3w_cmd_claim_process *cmd, w3w_claim *out)
{
	w3w_claim scratch;
	process_args a = { cmd, out ? out : &scratch }; /* out is optional for writes */
	return w3w__sq_write(w3w__sq(st), process_tx, &a);
}

typedef struct release_args {
	w3w_cmd_claim_release *cmd;
	w3w_claim *out;
} release_args;

static w3w_status release_tx(w3w__sq_conn *c, void *arg)
{
	release_args *a = arg;
	w3w_cmd_claim_release *cmd = a->cmd;
	w3w_write_meta *meta = &cmd->meta;
	char result_id[W3W_ID_SIZE], currency[W3W_CURRENCY_SIZE];
	w3w_amount amount = 0;
	w3w_status st = w3w__sq_idem_check(c, meta, &meta->replayed, result_id);

	if (st != W3W_OK)
		return st;
	if (meta->replayed) {
		st = w3w__sq_claim_load(c, result_id, a->out);
		if (st == W3W_OK)
			st = order_owner(c, a->out->order_id, cmd->order_user_id);
		return st;
	}
	st = finish_claim(c, SQ_CLAIM_RELEASE,
		"UPDATE claims SET status = 'released', released_at = ?2"
		" WHERE id = ?1 AND status = 'pending' RETURNING " CLAIM_COLS,
		cmd->id, meta->now, a->out);
	/* The order reopens with its escrow still held. */
	if (st == W3W_OK)
		st = move_order(c, SQ_ORDER_REOPEN,
			"UPDATE orders SET status = 'open', updated_at = ?2"
			" WHERE id = ?1 AND status = 'claimed' RETURNING user_id, currency, amount",
			a->out->order_id, meta->now, cmd->order_user_id, currency, &amount);
	if (st == W3W_OK)
		st = move_supply(c, SQ_SUPPLY_UNRESERVE,
			"UPDATE supplies SET reserved = reserved - ?3, updated_at = ?4"
			" WHERE id = ?1 AND reserved >= ?3",
			a->out->supply_id, amount, meta->now);
	if (st == W3W_OK)
		st = w3w__sq_finish_write(c, meta, cmd->id);
	return st;
}

w3w_status w3w__sq_claim_release(w3w_storage *st, w3w_cmd_claim_release *cmd, w3w_claim *out)
{
	w3w_claim scratch;
	release_args a = { cmd, out ? out : &scratch }; /* out is optional for writes */
	return w3w__sq_write(w3w__sq(st), release_tx, &a);
}

/* ---- reads --------------------------------------------------------------- */

typedef struct get_args {
	const char *id;
	w3w_claim *out;
} get_args;

static w3w_status get_tx(w3w__sq_conn *c, void *arg)
{
	get_args *a = arg;
	return w3w__sq_claim_load(c, a->id, a->out);
}

w3w_status w3w__sq_claim_get(w3w_storage *st, const char *id, w3w_claim *out)
{
	get_args a = { id, out };
	return w3w__sq_read(w3w__sq(st), get_tx, &a);
}

static w3w_status get_live_tx(w3w__sq_conn *c, void *arg)
{
	get_args *a = arg;
	sqlite3_stmt *s;
	int found = 0;
	/* Served by the partial unique index uq_claims_live_order. */
	w3w_status st = w3w__sq_stmt(c, SQ_CLAIM_GET_LIVE,
		"SELECT " CLAIM_COLS " FROM claims WHERE order_id = ?1 AND status IN ('pending', 'processed')", &s);

	if (st != W3W_OK)
		return st;
	w3w__sq_bind_text(s, 1, a->id);
	st = one_claim(c, s, a->out, &found);
	if (st == W3W_OK && !found)
		st = w3w_error_set(W3W_ENOTFOUND, "order %s: no live claim", a->id);
	return st;
}

w3w_status w3w__sq_claim_get_live(w3w_storage *st, const char *order_id, w3w_claim *out)
{
	get_args a = { order_id, out };
	return w3w__sq_read(w3w__sq(st), get_live_tx, &a);
}

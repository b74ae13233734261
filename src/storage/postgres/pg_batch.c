/*
 * Batches (sql/005_batch.sql; set-based since sql/011_batch_set_based.sql):
 * the commands of a batch go as one call of a
 * set-returning function whose parameters are arrays, one entry per
 * element; it answers one row per element, in order, with the element's
 * number and SQLSTATE (NULL on success) and the single function's columns.
 * One round trip, one commit.
 */
#include <stdlib.h>
#include <string.h>

#include "storage/postgres/pg.h"

#define META_ARRAYS 19
#define MAX_ARRAYS (W3W__PG_MAX_PARAMS - META_ARRAYS)

/* Columns of every batch row before the single function's own: idx, code, message, replayed. */
#define COL_IDX 0
#define COL_CODE 1
#define COL_MESSAGE 2
#define COL_REPLAYED 3
#define COL_FIRST 4

/* What differs between the kinds of batch. */
typedef struct pg_batch_kind {
	int stmt;
	const char *what;
	size_t cmd_size, out_size;
	int arrays;   /* the command's own arrays after the 19 of the meta */
	/* Append element `cmd` to the arrays; `state` is the kind's own running count (order items). */
	void (*add)(w3w__pg_array *a, const void *cmd, size_t *state);
	/* Read a success row into cmd and out. */
	w3w_status (*read)(const PGresult *r, int row, void *cmd, void *out);
	/* Say a refusal as the single command does. */
	void (*refused)(const void *cmd, w3w_batch_result *res);
} pg_batch_kind;

/* The 19 meta parameters of w3w__pg_command_params(), one entry per element. */
static void add_meta(w3w__pg_array *a, const w3w_write_meta *m)
{
	const w3w_event *e = &m->event;
	const w3w_audit_record_v1 *au = &m->audit;

	w3w__pg_array_add(&a[0], m->actor_id);
	w3w__pg_array_add(&a[1], m->idem_key);
	w3w__pg_array_add_bytea(&a[2], m->idem_hash, sizeof(m->idem_hash));
	w3w__pg_array_add_i64(&a[3], m->idem_expires_at);
	w3w__pg_array_add_i64(&a[4], m->now);
	w3w__pg_array_add(&a[5], e->id);
	w3w__pg_array_add(&a[6], e->type);
	w3w__pg_array_add(&a[7], e->topic);
	w3w__pg_array_add(&a[8], e->aggregate_id);
	w3w__pg_array_add_or_null(&a[9], e->actor_id);
	w3w__pg_array_add(&a[10], e->region);
	w3w__pg_array_add_i64(&a[11], e->created_at);
	if (e->payload)
		w3w__pg_array_add(&a[12], e->payload);
	else
		w3w__pg_array_add_null(&a[12]);
	w3w__pg_array_add(&a[13], au->id);
	w3w__pg_array_add_or_null(&a[14], au->actor_id);
	w3w__pg_array_add(&a[15], au->action);
	w3w__pg_array_add_or_null(&a[16], au->target_id);
	w3w__pg_array_add(&a[17], au->outcome);
	w3w__pg_array_add_i64(&a[18], au->created_at);
}

/* A refused element's status and message, from its row. */
static void refusal(const PGresult *r, int row, const w3w_write_meta *meta, w3w_batch_result *res)
{
	const char *code = PQgetvalue(r, row, COL_CODE);

	res->status = w3w__pg_sqlstate_rule(code, NULL, NULL);
	if (res->status == W3W_EIDEMPOTENCY && meta->idem_key[0])
		snprintf(res->message, sizeof(res->message), "idempotency key %.180s: already used with a different request",
			meta->idem_key);
	else
		snprintf(res->message, sizeof(res->message), "%s", PQgetvalue(r, row, COL_MESSAGE));
}

static w3w_status run_kind(w3w_storage *st, const pg_batch_kind *k, char *cmds, char *outs,
	w3w_batch_result *results, size_t count)
{
	w3w__pg_array a[W3W__PG_MAX_PARAMS];
	int narrays = META_ARRAYS + k->arrays;
	size_t state = 0;
	w3w__pg_params p;
	PGresult *r = NULL;
	w3w_status rc;

	for (int i = 0; i < narrays; i++)
		w3w__pg_array_begin(&a[i]);
	for (size_t i = 0; i < count; i++) {
		w3w_write_meta *meta = (w3w_write_meta *)(cmds + i * k->cmd_size); /* every command starts with it */
		meta->replayed = 0;
		add_meta(a, meta);
		k->add(a + META_ARRAYS, cmds + i * k->cmd_size, &state);
	}
	w3w__pg_params_init(&p);
	for (int i = 0; i < narrays; i++)
		w3w__pg_p_owned(&p, w3w__pg_array_end(&a[i]));
	rc = w3w__pg_run_batch(w3w__pg_of(st), k->stmt, &p, k->what, &r);
	w3w__pg_params_free(&p);
	if (rc != W3W_OK)
		return rc;
	if ((size_t)PQntuples(r) != count) {
		PQclear(r);
		return w3w_error_set(W3W_EINTERNAL, "postgres: %s: %d rows for %zu elements", k->what, PQntuples(r), count);
	}
	for (int row = 0; row < PQntuples(r) && rc == W3W_OK; row++) {
		size_t i = (size_t)w3w__pg_col_i64(r, row, COL_IDX) - 1; /* rows may come in another order */
		w3w_write_meta *meta;
		w3w_batch_result *res;

		if (i >= count) {
			rc = w3w_error_set(W3W_EINTERNAL, "postgres: %s: row of element %zu of %zu", k->what, i + 1, count);
			break;
		}
		meta = (w3w_write_meta *)(cmds + i * k->cmd_size);
		res = &results[i];

		memset(res, 0, sizeof(*res));
		if (!PQgetisnull(r, row, COL_CODE)) {
			refusal(r, row, meta, res);
			k->refused(cmds + i * k->cmd_size, res);
			continue;
		}
		rc = k->read(r, row, cmds + i * k->cmd_size, outs + i * k->out_size);
		meta->replayed = w3w__pg_col_bool(r, row, COL_REPLAYED);
		meta->event.seq = w3w__pg_col_i64(r, row, PQnfields(r) - 1);
	}
	PQclear(r);
	return rc;
}

static void refused_as_is(const void *cmd, w3w_batch_result *res)
{
	(void)cmd;
	(void)res;
}

/* ---- transfers ------------------------------------------------------------ */

static void transfer_add(w3w__pg_array *a, const void *cmd, size_t *state)
{
	const w3w_transfer *t = &((const w3w_cmd_transfer *)cmd)->t;
	const char *kind = w3w__pg_transfer_kind(t->kind);
	(void)state;
	w3w__pg_array_add(&a[0], t->id);
	w3w__pg_array_add(&a[1], kind ? kind : "?");  /* core sets the kind; "?" fails the CHECK */
	w3w__pg_array_add(&a[2], t->from_user_id);
	w3w__pg_array_add(&a[3], t->to_user_id);
	w3w__pg_array_add(&a[4], t->currency);
	w3w__pg_array_add_i64(&a[5], t->amount);
	w3w__pg_array_add(&a[6], t->reference);
	w3w__pg_array_add_i64(&a[7], t->created_at);
}

static w3w_status transfer_read(const PGresult *r, int row, void *cmd, void *out)
{
	(void)cmd;
	return w3w__pg_row_transfer(r, row, COL_FIRST, out);
}

static const pg_batch_kind transfers = { PG_TRANSFER_BATCH, "transfer_batch", sizeof(w3w_cmd_transfer),
	sizeof(w3w_transfer), 8, transfer_add, transfer_read, refused_as_is };

w3w_status w3w__pg_transfer_batch(w3w_storage *st, w3w_cmd_transfer *cmds, w3w_transfer *outs,
	w3w_batch_result *results, size_t count)
{
	return run_kind(st, &transfers, (char *)cmds, (char *)outs, results, count);
}

/* ---- orders --------------------------------------------------------------- */

static void order_add(w3w__pg_array *a, const void *cmd, size_t *items_so_far)
{
	const w3w_order *o = ((const w3w_cmd_order_create *)cmd)->o;

	w3w__pg_array_add(&a[0], o->id);
	w3w__pg_array_add(&a[1], o->user_id);
	w3w__pg_array_add(&a[2], o->currency);
	w3w__pg_array_add_i64(&a[3], o->amount);
	w3w__pg_array_add_i64(&a[4], o->created_at);
	w3w__pg_array_add_i64(&a[5], o->updated_at);
	w3w__pg_array_add_i64(&a[6], (int64_t)*items_so_far + 1);  /* SQL arrays count from 1 */
	w3w__pg_array_add_i64(&a[7], (int64_t)o->item_count);
	for (size_t i = 0; i < o->item_count; i++) {
		const w3w_order_item *it = &o->items[i];
		w3w__pg_array_add(&a[8], it->id);
		w3w__pg_array_add(&a[9], it->product_id);
		w3w__pg_array_add(&a[10], it->product_name);
		w3w__pg_array_add_i64(&a[11], it->price);
		w3w__pg_array_add_i64(&a[12], it->quantity);
	}
	*items_so_far += o->item_count;
}

static w3w_status order_read(const PGresult *r, int row, void *cmd, void *out)
{
	w3w_order *o = out;
	(void)cmd;
	w3w_status st = w3w__pg_row_order(r, row, COL_FIRST, o);
	o->items = NULL;
	o->item_count = 0;
	return st;
}

static const pg_batch_kind orders = { PG_ORDER_CREATE_BATCH, "order_create_batch", sizeof(w3w_cmd_order_create),
	sizeof(w3w_order), 13, order_add, order_read, refused_as_is };

w3w_status w3w__pg_order_create_batch(w3w_storage *st, w3w_cmd_order_create *cmds, w3w_order *outs,
	w3w_batch_result *results, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (!cmds[i].o || (cmds[i].o->item_count && !cmds[i].o->items))
			return w3w_error_set(W3W_EINVAL, "order_create_batch: element %zu has no order", i);
	return run_kind(st, &orders, (char *)cmds, (char *)outs, results, count);
}

/* ---- claims --------------------------------------------------------------- */

static void claim_add(w3w__pg_array *a, const void *cmd, size_t *state)
{
	const w3w_claim *c = &((const w3w_cmd_claim_create *)cmd)->c;
	(void)state;
	w3w__pg_array_add(&a[0], c->id);
	w3w__pg_array_add(&a[1], c->order_id);
	w3w__pg_array_add(&a[2], c->user_id);
	w3w__pg_array_add_i64(&a[3], c->claimed_at);
}

static w3w_status claim_read(const PGresult *r, int row, void *cmd, void *out)
{
	w3w_cmd_claim_create *cc = cmd;
	w3w_status st = w3w__pg_row_claim(r, row, COL_FIRST, out, cc->order_user_id);
	if (st == W3W_OK)
		strcpy(cc->c.supply_id, ((w3w_claim *)out)->supply_id);
	return st;
}

/* As w3w__pg_claim_create says them: the order named on a short supply and on a second live claim. */
static void claim_refused(const void *cmd, w3w_batch_result *res)
{
	const w3w_claim *c = &((const w3w_cmd_claim_create *)cmd)->c;
	char message[sizeof(res->message)];

	if (res->status == W3W_EINSUFFICIENT) {
		snprintf(message, sizeof(message), "%s", res->message);
		snprintf(res->message, sizeof(res->message), "order %s: %.200s", c->order_id, message);
	} else if (res->status == W3W_ECONFLICT && strstr(res->message, "uq_claims_live_order")) {
		snprintf(res->message, sizeof(res->message), "order %s: already claimed", c->order_id);
	}
}

static const pg_batch_kind claims = { PG_CLAIM_CREATE_BATCH, "claim_create_batch", sizeof(w3w_cmd_claim_create),
	sizeof(w3w_claim), 4, claim_add, claim_read, claim_refused };

w3w_status w3w__pg_claim_create_batch(w3w_storage *st, w3w_cmd_claim_create *cmds, w3w_claim *outs,
	w3w_batch_result *results, size_t count)
{
	return run_kind(st, &claims, (char *)cmds, (char *)outs, results, count);
}

/* ---- claim processing ------------------------------------------------------ */

static void process_add(w3w__pg_array *a, const void *cmd, size_t *state)
{
	const w3w_cmd_claim_process *cp = cmd;
	(void)state;
	w3w__pg_array_add(&a[0], cp->id);
	w3w__pg_array_add(&a[1], cp->settlement.id);
	w3w__pg_array_add_i64(&a[2], cp->settlement.created_at);
}

static w3w_status process_read(const PGresult *r, int row, void *cmd, void *out)
{
	w3w_cmd_claim_process *cp = cmd;
	w3w_status st = w3w__pg_row_claim(r, row, COL_FIRST, out, cp->order_user_id);
	/* The settlement the function filled (from = buyer, to = claimer, ...). */
	if (st == W3W_OK && !PQgetisnull(r, row, COL_FIRST + W3W__PG_CLAIM_NCOLS))
		st = w3w__pg_row_transfer(r, row, COL_FIRST + W3W__PG_CLAIM_NCOLS, &cp->settlement);
	return st;
}

static const pg_batch_kind processes = { PG_CLAIM_PROCESS_BATCH, "claim_process_batch",
	sizeof(w3w_cmd_claim_process), sizeof(w3w_claim), 3, process_add, process_read, refused_as_is };

w3w_status w3w__pg_claim_process_batch(w3w_storage *st, w3w_cmd_claim_process *cmds, w3w_claim *outs,
	w3w_batch_result *results, size_t count)
{
	return run_kind(st, &processes, (char *)cmds, (char *)outs, results, count);
}

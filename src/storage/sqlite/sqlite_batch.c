/*
 * Batches (w3w_market_store version 2): one BEGIN IMMEDIATE ... COMMIT
 * around the elements, each element the single command's own body inside
 * a savepoint, so a refused element is rolled back alone and the others
 * commit together; their events and audit records follow, multi-row.
 */
#include <stdio.h>
#include <stdlib.h>

#include "storage/sqlite/sqlite_internal.h"

/* A decision about one element, not a failure of the transaction. */
static int refusal(w3w_status st)
{
	switch (st) {
	case W3W_EINVAL: case W3W_ENOTFOUND: case W3W_ECONFLICT: case W3W_EINSUFFICIENT:
	case W3W_EFORBIDDEN: case W3W_ESTATE: case W3W_EIDEMPOTENCY:
		return 1;
	default:
		return 0;
	}
}

w3w_status w3w__sq_records_add(w3w__sq_records *r, w3w_write_meta *meta)
{
	if (r->count == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		w3w_write_meta **grown = realloc(r->metas, cap * sizeof(*grown));
		if (!grown)
			return w3w_error_set(W3W_ENOMEM, "batch: out of memory");
		r->metas = grown;
		r->cap = cap;
	}
	r->metas[r->count++] = meta;
	return W3W_OK;
}

static w3w_status element(w3w__sq_conn *c, w3w__sq_batch_fn one, void *cmds, void *outs, size_t i,
	w3w_batch_result *r)
{
	size_t queued = c->records->count;
	w3w_status st = w3w__sq_run(c, "SAVEPOINT w3w_element", "");

	if (st != W3W_OK)
		return st;
	st = one(c, cmds, outs, i);
	r->status = st;
	snprintf(r->message, sizeof(r->message), "%s", st == W3W_OK ? "" : w3w_error_message());
	if (st != W3W_OK && !refusal(st))
		return st; /* the whole transaction rolls back */
	if (st != W3W_OK) {
		c->records->count = queued; /* what the element queued goes with it */
		if ((st = w3w__sq_run(c, "ROLLBACK TO w3w_element", "")) != W3W_OK)
			return st;
	}
	return w3w__sq_run(c, "RELEASE w3w_element", "");
}

/*
 * The elements queue their events and audit records (w3w__sq_finish_write):
 * written after the last element, in element order, W3W__SQ_ROWS_PER_INSERT
 * rows per statement, instead of two statements per element (which were a
 * third of a claim batch's time).
 */
w3w_status w3w__sq_batch(w3w__sq_storage *s, w3w__sq_batch_fn one, void *cmds, void *outs,
	w3w_batch_result *results, size_t count)
{
	w3w__sq_conn *c = w3w__sq_begin(s, W3W__SQ_IMMEDIATE);
	w3w__sq_records records = { NULL, 0, 0 };
	w3w_status st = c ? W3W_OK : w3w_error_code();

	if (!c)
		return st;
	c->records = &records;
	for (size_t i = 0; st == W3W_OK && i < count; i++)
		st = element(c, one, cmds, outs, i, &results[i]);
	c->records = NULL;
	if (st == W3W_OK)
		st = w3w__sq_outbox_put_many(c, records.metas, records.count);
	if (st == W3W_OK)
		st = w3w__sq_audit_put_commands(c, records.metas, records.count);
	free(records.metas);
	return w3w__sq_end(c, st);
}

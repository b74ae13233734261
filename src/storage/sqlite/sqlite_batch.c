/*
 * Batches (w3w_market_store version 2): one BEGIN IMMEDIATE ... COMMIT
 * around the elements, each element the single command's own body inside
 * a savepoint, so a refused element is rolled back alone and the others
 * commit together.
 */
#include <stdio.h>

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

static w3w_status element(w3w__sq_conn *c, w3w__sq_batch_fn one, void *cmds, void *outs, size_t i,
	w3w_batch_result *r)
{
	w3w_status st = w3w__sq_run(c, "SAVEPOINT w3w_element", "");

	if (st != W3W_OK)
		return st;
	st = one(c, cmds, outs, i);
	r->status = st;
	snprintf(r->message, sizeof(r->message), "%s", st == W3W_OK ? "" : w3w_error_message());
	if (st != W3W_OK && !refusal(st))
		return st; /* the whole transaction rolls back */
	if (st != W3W_OK && (st = w3w__sq_run(c, "ROLLBACK TO w3w_element", "")) != W3W_OK)
		return st;
	return w3w__sq_run(c, "RELEASE w3w_element", "");
}

w3w_status w3w__sq_batch(w3w__sq_storage *s, w3w__sq_batch_fn one, void *cmds, void *outs,
	w3w_batch_result *results, size_t count)
{
	w3w__sq_conn *c = w3w__sq_begin(s, W3W__SQ_IMMEDIATE);
	w3w_status st = c ? W3W_OK : w3w_error_code();

	if (!c)
		return st;
	for (size_t i = 0; st == W3W_OK && i < count; i++)
		st = element(c, one, cmds, outs, i, &results[i]);
	return w3w__sq_end(c, st);
}

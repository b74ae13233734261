/*
 * Transactional outbox: commands write their event in their own
 * transaction; relays (any number, in any process) take batches under a
 * lease and ack them once the sink has them. w3w_outbox_take()
 * (sql/001b_functions.sql) serializes takes with an advisory lock and hands out
 * nothing while a lease is live: one relay at a time, so per-key order
 * holds across processes and no row is published twice in normal
 * operation. A relay that dies holding a lease delays its rows by the
 * lease; they are then retaken in order (at-least-once: consumers
 * deduplicate by event id).
 */
#include <stdlib.h>
#include <string.h>

#include "storage/postgres/pg.h"

#define TAKE_MAX 10000          /* bounds one allocation */
#define DEFAULT_LEASE_MS 30000  /* a lease of 0 would let other relays publish the rows again at once */

static void event_drop(void *item)
{
	free(((w3w_event *)item)->payload);
}

static w3w_status read_event(const PGresult *r, int i, void *item)
{
	w3w_event *e = item;

	w3w__pg_cols(r, i, 0, "IttttttI", &e->seq, e->id, sizeof(e->id), e->type, sizeof(e->type), e->topic,
		sizeof(e->topic), e->aggregate_id, sizeof(e->aggregate_id), e->actor_id, sizeof(e->actor_id), e->region,
		sizeof(e->region), &e->created_at);
	if (!(e->payload = strdup(PQgetvalue(r, i, 8))))
		return w3w_error_set(W3W_ENOMEM, "postgres: out of memory");
	return W3W_OK;
}

w3w_status w3w__pg_outbox_take(w3w_storage *st, size_t max, int lease_ms, w3w_event **out, size_t *count)
{
	w3w__pg_params p;
	PGresult *r = NULL;
	void *items = NULL;
	w3w_status rc;

	*out = NULL;
	*count = 0;
	if (max == 0)
		return W3W_OK;
	w3w__pg_params_init(&p);
	w3w__pg_p_i64(&p, (int64_t)(max > TAKE_MAX ? TAKE_MAX : max));
	w3w__pg_p_i64(&p, lease_ms > 0 ? lease_ms : DEFAULT_LEASE_MS);
	/*
	 * Safe to retry: an answer lost after the commit only leaves rows leased;
	 * relays get nothing until the lease ends, then the rows come back in order.
	 */
	rc = w3w__pg_run(w3w__pg_of(st), PG_OUTBOX_TAKE, &p, "outbox_take", &r);
	rc = w3w__pg_take_rows(rc, r, sizeof(w3w_event), read_event, event_drop, &items, count);
	*out = items;
	return rc;
}

w3w_status w3w__pg_outbox_ack(w3w_storage *st, const int64_t *seqs, size_t count)
{
	w3w__pg_array a;
	w3w__pg_params p;
	PGresult *r = NULL;
	w3w_status rc;

	if (count == 0)
		return W3W_OK;
	w3w__pg_array_begin(&a);
	for (size_t i = 0; i < count; i++)
		w3w__pg_array_add_i64(&a, seqs[i]);
	w3w__pg_params_init(&p);
	w3w__pg_p_owned(&p, w3w__pg_array_end(&a));
	/* Idempotent (sent_at IS NULL): a retry after a lost answer changes nothing more. */
	rc = w3w__pg_run(w3w__pg_of(st), PG_OUTBOX_ACK, &p, "outbox_ack", &r);
	w3w__pg_params_free(&p);
	PQclear(r);
	return rc;
}

w3w_status w3w__pg_outbox_stats(w3w_storage *st, w3w_outbox_stats *out)
{
	w3w__pg_params p;
	PGresult *r = NULL;
	w3w_status rc;

	memset(out, 0, sizeof(*out));
	w3w__pg_params_init(&p);
	if ((rc = w3w__pg_run(w3w__pg_of(st), PG_OUTBOX_STATS, &p, "outbox_stats", &r)) != W3W_OK)
		return rc;
	w3w__pg_cols(r, 0, 0, "IIII", &out->total, &out->pending, &out->oldest_pending_at, &out->last_seq);
	PQclear(r);
	return W3W_OK;
}

w3w_status w3w__pg_outbox_events_of(w3w_storage *st, const char *aggregate_id, int64_t after_seq, size_t max,
	w3w_event **out, size_t *count)
{
	w3w__pg_params p;
	PGresult *r = NULL;
	w3w_status rc;
	void *items;

	*out = NULL;
	*count = 0;
	if (max == 0)
		return W3W_OK;
	if (!w3w__pg_is_uuid(aggregate_id))
		return w3w_error_set(W3W_EINVAL, "events_of: aggregate_id must be a UUID");
	if (max > TAKE_MAX)
		max = TAKE_MAX;
	w3w__pg_params_init(&p);
	w3w__pg_p_text(&p, aggregate_id);
	w3w__pg_p_i64(&p, after_seq);
	w3w__pg_p_i64(&p, (int64_t)max);
	if ((rc = w3w__pg_run(w3w__pg_of(st), PG_OUTBOX_EVENTS_OF, &p, "outbox_events_of", &r)) != W3W_OK)
		return rc;
	rc = w3w__pg_read_rows(r, -1, sizeof(w3w_event), read_event, event_drop, &items, count);
	PQclear(r);
	*out = items;
	return rc;
}

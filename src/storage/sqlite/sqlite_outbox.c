/*
 * Transactional outbox: each committed command writes its event here in
 * its own transaction; relays take rows under a time lease and ack them
 * once the sink has them. seq (AUTOINCREMENT) is commit order, because
 * writers are serialized by BEGIN IMMEDIATE.
 */
#include <stdlib.h>
#include <string.h>

#include "storage/sqlite/sqlite_internal.h"

/* One take never holds more than this many events (bounds the allocation). */
#define TAKE_MAX 10000

#define OUTBOX_COLS "seq, id, type, topic, aggregate_id, actor_id, region, created_at, payload"

w3w_status w3w__sq_outbox_put(w3w__sq_conn *c, w3w_event *ev)
{
	sqlite3_stmt *s;
	w3w_status st = w3w__sq_stmt(c, SQ_OUTBOX_PUT,
		"INSERT INTO outbox(id, type, topic, aggregate_id, actor_id, region, created_at, payload)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", &s);

	if (st != W3W_OK)
		return st;
	w3w__sq_bind_text(s, 1, ev->id);
	w3w__sq_bind_text(s, 2, ev->type);
	w3w__sq_bind_text(s, 3, ev->topic);
	w3w__sq_bind_text(s, 4, ev->aggregate_id);
	w3w__sq_bind_text(s, 5, ev->actor_id);
	w3w__sq_bind_text(s, 6, ev->region);
	sqlite3_bind_int64(s, 7, ev->created_at);
	/* A missing payload is stored as an empty JSON object, never NULL. */
	w3w__sq_bind_text(s, 8, ev->payload ? ev->payload : "{}");
	st = w3w__sq_exec(c, s);
	if (st == W3W_OK)
		ev->seq = sqlite3_last_insert_rowid(c->db);
	return st;
}

/* ---- take / ack / stats --------------------------------------------------- */

typedef struct take_args {
	size_t max;
	int lease_ms;
	w3w_event *events;
	size_t count;
} take_args;

static void events_free(w3w_event *events, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(events[i].payload);
	free(events);
}

static w3w_status read_event(sqlite3_stmt *s, w3w_event *ev)
{
	const unsigned char *payload = sqlite3_column_text(s, 8);
	size_t n = payload ? (size_t)sqlite3_column_bytes(s, 8) : 0;

	memset(ev, 0, sizeof(*ev));
	ev->seq = sqlite3_column_int64(s, 0);
	w3w__sq_col_text(ev->id, sizeof(ev->id), s, 1);
	w3w__sq_col_text(ev->type, sizeof(ev->type), s, 2);
	w3w__sq_col_text(ev->topic, sizeof(ev->topic), s, 3);
	w3w__sq_col_text(ev->aggregate_id, sizeof(ev->aggregate_id), s, 4);
	w3w__sq_col_text(ev->actor_id, sizeof(ev->actor_id), s, 5);
	w3w__sq_col_text(ev->region, sizeof(ev->region), s, 6);
	ev->created_at = sqlite3_column_int64(s, 7);
	ev->payload = malloc(n + 1);
	if (!ev->payload)
		return w3w_error_set(W3W_ENOMEM, "outbox: out of memory");
	memcpy(ev->payload, payload ? (const char *)payload : "", n);
	ev->payload[n] = '\0';
	return W3W_OK;
}

/*
 * 1 if some unsent event is under an unexpired lease (a relay's batch is in
 * flight). Takes only happen when no lease is live, and a take leases the
 * first pending rows, which acks only remove: so the live-leased rows are
 * always a prefix of the pending rows, and the oldest pending row answers
 * for all of them (one index probe instead of a scan of the backlog).
 */
static w3w_status lease_held(w3w__sq_conn *c, int64_t now, int *held)
{
	sqlite3_stmt *s;
	int row = 0;
	w3w_status st = w3w__sq_stmt(c, SQ_OUTBOX_LEASED,
		"SELECT lease_until > ?1 FROM outbox WHERE sent_at IS NULL ORDER BY seq LIMIT 1", &s);

	*held = 0;
	if (st != W3W_OK)
		return st;
	sqlite3_bind_int64(s, 1, now);
	st = w3w__sq_step(c, s, &row);
	if (st == W3W_OK && row)
		*held = sqlite3_column_int(s, 0);
	sqlite3_reset(s);
	return st;
}

/*
 * One relay at a time keeps per-key order across processes: while any
 * batch is leased, nobody takes (storage.h). BEGIN IMMEDIATE makes the
 * check and the lease one step for every thread and process.
 */
static w3w_status take_tx(w3w__sq_conn *c, void *arg)
{
	take_args *a = arg;
	int64_t now = w3w__sq_wall_us();
	sqlite3_stmt *s;
	int row = 0, held = 0;
	w3w_status st = lease_held(c, now, &held);

	if (st != W3W_OK || held)
		return st;
	st = w3w__sq_stmt(c, SQ_OUTBOX_TAKE_SELECT,
		"SELECT " OUTBOX_COLS " FROM outbox WHERE sent_at IS NULL ORDER BY seq LIMIT ?1", &s);
	if (st != W3W_OK)
		return st;
	a->events = calloc(a->max, sizeof(*a->events));
	if (!a->events)
		return w3w_error_set(W3W_ENOMEM, "outbox: out of memory");
	sqlite3_bind_int64(s, 1, (sqlite3_int64)a->max);
	while (st == W3W_OK && (st = w3w__sq_step(c, s, &row)) == W3W_OK && row) {
		st = read_event(s, &a->events[a->count]);
		a->count++; /* counted even on failure, so its payload (NULL) is freed */
	}
	sqlite3_reset(s);
	if (st != W3W_OK || a->count == 0)
		return st;

	/* No unsent row is leased, so every unsent row in [first, last] is one we read. */
	st = w3w__sq_stmt(c, SQ_OUTBOX_TAKE_LEASE,
		"UPDATE outbox SET lease_until = ?1 WHERE seq BETWEEN ?2 AND ?3 AND sent_at IS NULL", &s);
	if (st != W3W_OK)
		return st;
	sqlite3_bind_int64(s, 1, now + (int64_t)a->lease_ms * 1000);
	sqlite3_bind_int64(s, 2, a->events[0].seq);
	sqlite3_bind_int64(s, 3, a->events[a->count - 1].seq);
	return w3w__sq_exec(c, s);
}

w3w_status w3w__sq_outbox_take(w3w_storage *st, size_t max, int lease_ms, w3w_event **out, size_t *count)
{
	take_args a = { max, lease_ms > 0 ? lease_ms : 0, NULL, 0 };
	w3w_status rc;

	*out = NULL;
	*count = 0;
	if (max == 0)
		return W3W_OK;
	if (a.max > TAKE_MAX)
		a.max = TAKE_MAX;
	rc = w3w__sq_write(w3w__sq(st), take_tx, &a);
	if (rc != W3W_OK || a.count == 0) {
		events_free(a.events, a.count);
		return rc;
	}
	*out = a.events;
	*count = a.count;
	return W3W_OK;
}

typedef struct ack_args {
	const int64_t *seqs;
	size_t count;
} ack_args;

static w3w_status ack_tx(w3w__sq_conn *c, void *arg)
{
	ack_args *a = arg;
	int64_t now = w3w__sq_wall_us();
	sqlite3_stmt *s;
	w3w_status st = w3w__sq_stmt(c, SQ_OUTBOX_ACK,
		"UPDATE outbox SET sent_at = ?1, lease_until = 0 WHERE seq = ?2 AND sent_at IS NULL", &s);

	for (size_t i = 0; st == W3W_OK && i < a->count; i++) {
		sqlite3_bind_int64(s, 1, now);
		sqlite3_bind_int64(s, 2, a->seqs[i]);
		st = w3w__sq_exec(c, s);
	}
	return st;
}

w3w_status w3w__sq_outbox_ack(w3w_storage *st, const int64_t *seqs, size_t count)
{
	ack_args a = { seqs, count };

	if (count == 0)
		return W3W_OK;
	if (!seqs)
		return w3w_error_set(W3W_EINVAL, "outbox ack: seqs NULL");
	return w3w__sq_write(w3w__sq(st), ack_tx, &a);
}

static w3w_status stats_tx(w3w__sq_conn *c, void *arg)
{
	w3w_outbox_stats *out = arg;
	sqlite3_stmt *s;
	int row = 0;
	/* Rows are never deleted and rolled-back inserts leave no gap, so the sequence is the total. */
	w3w_status st = w3w__sq_stmt(c, SQ_OUTBOX_TOTAL,
		"SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'outbox'), 0)", &s);

	if (st == W3W_OK && (st = w3w__sq_step(c, s, &row)) == W3W_OK && row)
		out->total = out->last_seq = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (st != W3W_OK)
		return st;
	st = w3w__sq_stmt(c, SQ_OUTBOX_PENDING,
		"SELECT COUNT(*), COALESCE(MIN(created_at), 0) FROM outbox WHERE sent_at IS NULL", &s);
	if (st == W3W_OK && (st = w3w__sq_step(c, s, &row)) == W3W_OK && row) {
		out->pending = sqlite3_column_int64(s, 0);
		out->oldest_pending_at = sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	return st;
}

w3w_status w3w__sq_outbox_stats(w3w_storage *st, w3w_outbox_stats *out)
{
	memset(out, 0, sizeof(*out));
	return w3w__sq_read(w3w__sq(st), stats_tx, out);
}

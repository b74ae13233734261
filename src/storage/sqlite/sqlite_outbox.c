/*
 * Transactional outbox: each committed command writes its event here in
 * its own transaction; relays take rows under a time lease and ack them
 * once the sink has them. seq (AUTOINCREMENT) is commit order, because
 * writers are serialized by BEGIN IMMEDIATE.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/sqlite/sqlite_internal.h"

/* One take never holds more than this many events (bounds the allocation). */
#define TAKE_MAX 10000

#define OUTBOX_COLS "seq, id, type, topic, aggregate_id, actor_id, region, created_at, payload"

w3w_status w3w__sq_outbox_put(w3w__sq_conn *c, w3w_event *ev)
{
	/* A missing payload is stored as an empty JSON object, never NULL. */
	w3w_status st = w3w__sq_run(c,
		"INSERT INTO outbox(id, type, topic, aggregate_id, actor_id, region, created_at, payload)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", "ttttttIt",
		ev->id, ev->type, ev->topic, ev->aggregate_id, ev->actor_id, ev->region, ev->created_at,
		ev->payload ? ev->payload : "{}");

	if (st == W3W_OK)
		ev->seq = sqlite3_last_insert_rowid(c->db);
	return st;
}

w3w_status w3w__sq_outbox_put_many(w3w__sq_conn *c, w3w_write_meta *const *metas, size_t n)
{
	char sql[128 + W3W__SQ_ROWS_PER_INSERT * 18];
	w3w_status st = W3W_OK;

	for (size_t at = 0; st == W3W_OK && at < n; at += W3W__SQ_ROWS_PER_INSERT) {
		size_t rows = n - at < W3W__SQ_ROWS_PER_INSERT ? n - at : W3W__SQ_ROWS_PER_INSERT;
		int len = snprintf(sql, sizeof(sql),
			"INSERT INTO outbox(id, type, topic, aggregate_id, actor_id, region, created_at, payload) VALUES ");
		sqlite3_stmt *s;
		int64_t last;

		if (w3w__sq_values_list(sql + len, sizeof(sql) - (size_t)len, rows, 8) != rows) {
			st = w3w_error_set(W3W_EINTERNAL, "outbox: statement too long");
			break;
		}
		if ((st = w3w__sq_prepare(c, sql, &s)) != W3W_OK)
			break;
		for (size_t i = 0; i < rows; i++) {
			const w3w_event *ev = &metas[at + i]->event;
			int p = (int)i * 8;
			sqlite3_bind_text(s, p + 1, ev->id, -1, SQLITE_STATIC);
			sqlite3_bind_text(s, p + 2, ev->type, -1, SQLITE_STATIC);
			sqlite3_bind_text(s, p + 3, ev->topic, -1, SQLITE_STATIC);
			sqlite3_bind_text(s, p + 4, ev->aggregate_id, -1, SQLITE_STATIC);
			sqlite3_bind_text(s, p + 5, ev->actor_id, -1, SQLITE_STATIC);
			sqlite3_bind_text(s, p + 6, ev->region, -1, SQLITE_STATIC);
			sqlite3_bind_int64(s, p + 7, ev->created_at);
			sqlite3_bind_text(s, p + 8, ev->payload ? ev->payload : "{}", -1, SQLITE_STATIC);
		}
		st = w3w__sq_exec(c, s);
		/* One statement, one writer: its rows took consecutive seqs, the last one last. */
		last = sqlite3_last_insert_rowid(c->db);
		for (size_t i = 0; st == W3W_OK && i < rows; i++)
			metas[at + i]->event.seq = last - (int64_t)(rows - 1 - i);
	}
	return st;
}

/* ---- take / ack / stats --------------------------------------------------- */

static void events_free(w3w_event *events, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(events[i].payload);
	free(events);
}

static w3w_status read_event(sqlite3_stmt *s, void *item)
{
	w3w_event *ev = item;
	const unsigned char *payload = sqlite3_column_text(s, 8);
	size_t n = payload ? (size_t)sqlite3_column_bytes(s, 8) : 0;

	memset(ev, 0, sizeof(*ev));
	w3w__sq_cols(s, 0, "IttttttI", &ev->seq, ev->id, sizeof(ev->id), ev->type, sizeof(ev->type),
		ev->topic, sizeof(ev->topic), ev->aggregate_id, sizeof(ev->aggregate_id),
		ev->actor_id, sizeof(ev->actor_id), ev->region, sizeof(ev->region), &ev->created_at);
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
	w3w_status st = w3w__sq_query(c, &s,
		"SELECT lease_until > ?1 FROM outbox WHERE sent_at IS NULL ORDER BY seq LIMIT 1", "I", now);

	*held = 0;
	if (st != W3W_OK)
		return st;
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
static w3w_status take(w3w__sq_conn *c, size_t max, int lease_ms, void **events, size_t *count)
{
	int64_t now = w3w__sq_wall_us();
	sqlite3_stmt *s;
	int held = 0;
	w3w_status st = lease_held(c, now, &held);

	if (st != W3W_OK || held)
		return st;
	st = w3w__sq_query(c, &s,
		"SELECT " OUTBOX_COLS " FROM outbox WHERE sent_at IS NULL ORDER BY seq LIMIT ?1", "I", (int64_t)max);
	if (st == W3W_OK)
		st = w3w__sq_collect(c, s, read_event, sizeof(w3w_event), max, events, count);
	if (st != W3W_OK || *count == 0)
		return st;
	/* No unsent row is leased, so every unsent row in [first, last] is one we read. */
	return w3w__sq_run(c,
		"UPDATE outbox SET lease_until = ?1 WHERE seq BETWEEN ?2 AND ?3 AND sent_at IS NULL", "III",
		now + (int64_t)lease_ms * 1000, ((w3w_event *)*events)[0].seq,
		((w3w_event *)*events)[*count - 1].seq);
}

w3w_status w3w__sq_outbox_take(w3w_storage *st, size_t max, int lease_ms, w3w_event **out, size_t *count)
{
	void *events = NULL;
	size_t n = 0;
	w3w__sq_conn *c;
	w3w_status rc;

	*out = NULL;
	*count = 0;
	if (max == 0)
		return W3W_OK;
	c = w3w__sq_begin(w3w__sq(st), W3W__SQ_IMMEDIATE);
	rc = c ? w3w__sq_end(c, take(c, max > TAKE_MAX ? TAKE_MAX : max, lease_ms > 0 ? lease_ms : 0,
			&events, &n)) : w3w_error_code();
	if (rc != W3W_OK || n == 0) {
		events_free(events, n);
		return rc;
	}
	*out = events;
	*count = n;
	return W3W_OK;
}

static w3w_status ack(w3w__sq_conn *c, const int64_t *seqs, size_t count)
{
	int64_t now = w3w__sq_wall_us();
	w3w_status st = W3W_OK;

	for (size_t i = 0; st == W3W_OK && i < count; i++)
		st = w3w__sq_run(c,
			"UPDATE outbox SET sent_at = ?1, lease_until = 0 WHERE seq = ?2 AND sent_at IS NULL", "II",
			now, seqs[i]);
	return st;
}

w3w_status w3w__sq_outbox_ack(w3w_storage *st, const int64_t *seqs, size_t count)
{
	w3w__sq_conn *c;

	if (count == 0)
		return W3W_OK;
	if (!seqs)
		return w3w_error_set(W3W_EINVAL, "outbox ack: seqs NULL");
	if (!(c = w3w__sq_begin(w3w__sq(st), W3W__SQ_IMMEDIATE)))
		return w3w_error_code();
	return w3w__sq_end(c, ack(c, seqs, count));
}

static w3w_status read_stats(sqlite3_stmt *s, void *item)
{
	w3w_outbox_stats *out = item;

	/* Rows are never deleted and rolled-back inserts leave no gap, so the sequence is the total. */
	w3w__sq_cols(s, 0, "III", &out->total, &out->pending, &out->oldest_pending_at);
	out->last_seq = out->total;
	return W3W_OK;
}

w3w_status w3w__sq_outbox_stats(w3w_storage *st, w3w_outbox_stats *out)
{
	memset(out, 0, sizeof(*out));
	return w3w__sq_read_row(w3w__sq(st),
		"SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'outbox'), 0),"
		" (SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL),"
		" (SELECT COALESCE(MIN(created_at), 0) FROM outbox WHERE sent_at IS NULL)", NULL, read_stats, out);
}

/* ---- the events of one aggregate --------------------------------------------- */

w3w_status w3w__sq_outbox_events_of(w3w_storage *st, const char *aggregate_id, int64_t after_seq, size_t max,
	w3w_event **out, size_t *count)
{
	void *events = NULL;
	size_t n = 0;
	sqlite3_stmt *s;
	w3w__sq_conn *c;
	w3w_status rc;

	*out = NULL;
	*count = 0;
	if (max == 0)
		return W3W_OK;
	if (max > TAKE_MAX)
		max = TAKE_MAX;
	if (!(c = w3w__sq_begin(w3w__sq(st), W3W__SQ_READ)))
		return w3w_error_code();
	rc = w3w__sq_query(c, &s, "SELECT " OUTBOX_COLS " FROM outbox WHERE aggregate_id = ?1 AND seq > ?2"
		" ORDER BY seq LIMIT ?3", "tII", aggregate_id, after_seq, (int64_t)max);
	if (rc == W3W_OK)
		rc = w3w__sq_collect(c, s, read_event, sizeof(w3w_event), max, &events, &n);
	rc = w3w__sq_end(c, rc);
	if (rc != W3W_OK) {
		events_free(events, n);
		return rc;
	}
	*out = events;
	*count = n;
	return W3W_OK;
}

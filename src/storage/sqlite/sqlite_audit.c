/*
 * Audit log: records are written unsealed inside each command's
 * transaction (no global lock on the command path) and linked afterwards,
 * in write order, into a hash chain by a sealer. BEGIN IMMEDIATE makes
 * sealers of every thread and process take turns.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/sqlite/sqlite_internal.h"

/* Records sealed per transaction: keeps the write lock short on a big backlog. */
#define SEAL_BATCH 1000
/* One audit_read never returns more than this many records. */
#define READ_MAX 10000

w3w_status w3w__sq_audit_put(w3w__sq_conn *c, const w3w_audit_record *rec)
{
	return w3w__sq_run(c,
		/* Once per id, whoever repeats it (idx_audit_log_id). */
		"INSERT INTO audit_log(id, actor_id, action, target_id, outcome, created_at, trace_id)"
		" SELECT ?1, ?2, ?3, ?4, ?5, ?6, NULLIF(?7, '')"
		" WHERE NOT EXISTS (SELECT 1 FROM audit_log WHERE id = ?1)", "tttttIt",
		rec->id, rec->actor_id, rec->action, rec->target_id, rec->outcome, rec->created_at, rec->trace_id);
}

w3w_status w3w__sq_audit_put_command(w3w__sq_conn *c, const w3w_write_meta *meta)
{
	w3w_audit_record rec;

	/* The record core prepared, and the trace its event names. */
	memset(&rec, 0, sizeof(rec));
	memcpy(&rec, &meta->audit, sizeof(meta->audit));
	w3w_event_trace_id(&meta->event, rec.trace_id);
	return w3w__sq_audit_put(c, &rec);
}

w3w_status w3w__sq_audit_put_commands(w3w__sq_conn *c, w3w_write_meta *const *metas, size_t n)
{
	char sql[400 + W3W__SQ_ROWS_PER_INSERT * 16];
	char (*trace)[W3W_TRACE_ID_SIZE] = malloc(W3W__SQ_ROWS_PER_INSERT * sizeof(*trace));
	w3w_status st = trace ? W3W_OK : w3w_error_set(W3W_ENOMEM, "audit: out of memory");

	for (size_t at = 0; st == W3W_OK && at < n; at += W3W__SQ_ROWS_PER_INSERT) {
		size_t rows = n - at < W3W__SQ_ROWS_PER_INSERT ? n - at : W3W__SQ_ROWS_PER_INSERT;
		int len = snprintf(sql, sizeof(sql),
			/* As w3w__sq_audit_put: once per id. */
			"INSERT INTO audit_log(id, actor_id, action, target_id, outcome, created_at, trace_id)"
			" SELECT column1, column2, column3, column4, column5, column6, NULLIF(column7, '') FROM (VALUES ");
		sqlite3_stmt *s;

		if (w3w__sq_values_list(sql + len, sizeof(sql) - (size_t)len, rows, 7) != rows) {
			st = w3w_error_set(W3W_EINTERNAL, "audit: statement too long");
			break;
		}
		len += (int)strlen(sql + len);
		snprintf(sql + len, sizeof(sql) - (size_t)len,
			") AS v WHERE NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.id = v.column1)");
		if ((st = w3w__sq_prepare(c, sql, &s)) != W3W_OK)
			break;
		for (size_t i = 0; i < rows; i++) {
			const w3w_write_meta *m = metas[at + i];
			int p = (int)i * 7;
			w3w_event_trace_id(&m->event, trace[i]);
			sqlite3_bind_text(s, p + 1, m->audit.id, -1, SQLITE_STATIC);
			sqlite3_bind_text(s, p + 2, m->audit.actor_id, -1, SQLITE_STATIC);
			sqlite3_bind_text(s, p + 3, m->audit.action, -1, SQLITE_STATIC);
			sqlite3_bind_text(s, p + 4, m->audit.target_id, -1, SQLITE_STATIC);
			sqlite3_bind_text(s, p + 5, m->audit.outcome, -1, SQLITE_STATIC);
			sqlite3_bind_int64(s, p + 6, m->audit.created_at);
			sqlite3_bind_text(s, p + 7, trace[i], -1, SQLITE_STATIC);
		}
		st = w3w__sq_exec(c, s);
	}
	free(trace);
	return st;
}

w3w_status w3w__sq_audit_append(w3w_storage *st, const w3w_audit_record *record)
{
	w3w__sq_conn *c;

	if (!record)
		return w3w_error_set(W3W_EINVAL, "audit record: NULL");
	if (!(c = w3w__sq_begin(w3w__sq(st), W3W__SQ_IMMEDIATE)))
		return w3w_error_code();
	return w3w__sq_end(c, w3w__sq_audit_put(c, record));
}

/* ---- sealing ------------------------------------------------------------- */

static void copy_hash(unsigned char dst[32], sqlite3_stmt *s, int col)
{
	const void *b = sqlite3_column_blob(s, col);
	memset(dst, 0, 32);
	if (b && sqlite3_column_bytes(s, col) == 32)
		memcpy(dst, b, 32);
}

/*
 * Columns chain_pos, the record's fields and trace_id. An unsealed row
 * gives its seq instead, parked in chain_pos until the seal numbers it.
 */
static w3w_status read_fields(sqlite3_stmt *s, void *item)
{
	w3w_audit_record *r = item;

	w3w__sq_cols(s, 0, "ItttttIt", &r->chain_pos, r->id, sizeof(r->id), r->actor_id, sizeof(r->actor_id),
		r->action, sizeof(r->action), r->target_id, sizeof(r->target_id),
		r->outcome, sizeof(r->outcome), &r->created_at, r->trace_id, sizeof(r->trace_id));
	return W3W_OK;
}

/* A sealed row: the fields, then prev_hash and hash. */
static w3w_status read_sealed(sqlite3_stmt *s, void *item)
{
	w3w_audit_record *r = item;

	read_fields(s, r);
	copy_hash(r->prev_hash, s, 8);
	copy_hash(r->hash, s, 9);
	return W3W_OK;
}

static w3w_status chain_head(w3w__sq_conn *c, int64_t *pos, unsigned char hash[32])
{
	sqlite3_stmt *s;
	int row = 0;
	w3w_status st = w3w__sq_query(c, &s,
		"SELECT chain_pos, hash FROM audit_log WHERE chain_pos IS NOT NULL"
		" ORDER BY chain_pos DESC LIMIT 1", "");

	*pos = 0;
	memset(hash, 0, 32);
	if (st == W3W_OK && (st = w3w__sq_step(c, s, &row)) == W3W_OK && row) {
		*pos = sqlite3_column_int64(s, 0);
		copy_hash(hash, s, 1);
	}
	if (st == W3W_OK)
		sqlite3_reset(s);
	return st;
}

/* Seal up to `want` records (batch: scratch of that many) in this transaction; *sealed = how many. */
static w3w_status seal(w3w__sq_conn *c, w3w_audit_hash_fn fn, size_t want, void **batch, size_t *sealed)
{
	sqlite3_stmt *s;
	int64_t pos;
	unsigned char prev[32];
	size_t n = 0;
	w3w_status st = chain_head(c, &pos, prev);

	/* Read the batch first: updating rows of the index being scanned is avoided. */
	if (st == W3W_OK)
		st = w3w__sq_query(c, &s,
			"SELECT seq, id, actor_id, action, target_id, outcome, created_at, trace_id FROM audit_log"
			" WHERE chain_pos IS NULL ORDER BY seq LIMIT ?1", "I", (int64_t)want);
	if (st == W3W_OK)
		st = w3w__sq_collect(c, s, read_fields, sizeof(w3w_audit_record), want, batch, &n);
	for (size_t i = 0; st == W3W_OK && i < n; i++) {
		w3w_audit_record *r = &((w3w_audit_record *)*batch)[i];
		int64_t seq = r->chain_pos;
		r->chain_pos = ++pos;
		memcpy(r->prev_hash, prev, 32);
		fn(r->hash, prev, r);
		st = w3w__sq_run(c,
			"UPDATE audit_log SET chain_pos = ?1, prev_hash = ?2, hash = ?3"
			" WHERE seq = ?4 AND chain_pos IS NULL", "IbbI",
			r->chain_pos, r->prev_hash, 32, r->hash, 32, seq);
		memcpy(prev, r->hash, 32);
	}
	*sealed = st == W3W_OK ? n : 0;
	return st;
}

w3w_status w3w__sq_audit_seal(w3w_storage *st, w3w_audit_hash_fn fn, size_t max, size_t *sealed)
{
	void *batch = NULL;
	size_t total = 0, want, got = 0;
	w3w__sq_conn *c;
	w3w_status rc = W3W_OK;

	if (sealed)
		*sealed = 0;
	if (!fn)
		return w3w_error_set(W3W_EINVAL, "audit seal: hash function NULL");
	/* max 0 = everything pending; each batch is its own transaction. */
	do {
		size_t left = max ? max - total : SEAL_BATCH;
		want = left < SEAL_BATCH ? left : SEAL_BATCH;
		got = 0;
		c = w3w__sq_begin(w3w__sq(st), W3W__SQ_IMMEDIATE);
		rc = c ? w3w__sq_end(c, seal(c, fn, want, &batch, &got)) : w3w_error_code();
		if (rc == W3W_OK)
			total += got;
		/* The scratch is reused: collect appends, so it starts empty each time. */
		free(batch);
		batch = NULL;
	} while (rc == W3W_OK && got == want && want > 0 && (!max || total < max));
	if (sealed)
		*sealed = total;
	return rc;
}

/* ---- reading ------------------------------------------------------------- */

w3w_status w3w__sq_audit_read(w3w_storage *st, int64_t after_pos, size_t max,
	w3w_audit_record **out, size_t *count)
{
	void *recs = NULL;
	size_t n = 0;
	sqlite3_stmt *s;
	w3w__sq_conn *c;
	w3w_status rc;

	*out = NULL;
	*count = 0;
	if (max > READ_MAX)
		max = READ_MAX;
	if (max == 0)
		return W3W_OK;
	if (!(c = w3w__sq_begin(w3w__sq(st), W3W__SQ_READ)))
		return w3w_error_code();
	rc = w3w__sq_query(c, &s,
		"SELECT chain_pos, id, actor_id, action, target_id, outcome, created_at, trace_id, prev_hash, hash"
		" FROM audit_log WHERE chain_pos > ?1 ORDER BY chain_pos LIMIT ?2", "II", after_pos, (int64_t)max);
	if (rc == W3W_OK)
		rc = w3w__sq_collect(c, s, read_sealed, sizeof(w3w_audit_record), max, &recs, &n);
	rc = w3w__sq_end(c, rc);
	if (rc != W3W_OK || n == 0) {
		free(recs);
		return rc;
	}
	*out = recs;
	*count = n;
	return W3W_OK;
}

static w3w_status read_count(sqlite3_stmt *s, void *item)
{
	*(int64_t *)item = sqlite3_column_int64(s, 0);
	return W3W_OK;
}

w3w_status w3w__sq_audit_unsealed(w3w_storage *st, int64_t *count)
{
	*count = 0;
	return w3w__sq_read_row(w3w__sq(st), "SELECT COUNT(*) FROM audit_log WHERE chain_pos IS NULL", NULL,
		read_count, count);
}

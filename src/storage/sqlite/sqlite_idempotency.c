/*
 * Idempotency keys, scoped to (actor_id, key). Checked first inside the
 * command's transaction and stored last in the same transaction, so a key
 * exists exactly when its command committed.
 */
#include <string.h>

#include "storage/sqlite/sqlite_internal.h"

w3w_status w3w__sq_idem_check(w3w__sq_conn *c, w3w_write_meta *meta, char result_id[W3W_ID_SIZE])
{
	sqlite3_stmt *s;
	w3w_status st;
	int row = 0;

	meta->replayed = 0;
	result_id[0] = '\0';
	if (!meta->idem_key[0])
		return W3W_OK;
	st = w3w__sq_query(c, &s,
		"SELECT request_hash, result_id, expires_at FROM idempotency_keys"
		" WHERE actor_id = ?1 AND key = ?2", "tt", meta->actor_id, meta->idem_key);
	if (st != W3W_OK)
		return st;
	st = w3w__sq_step(c, s, &row);
	if (st == W3W_OK && row && sqlite3_column_int64(s, 2) > meta->now) {
		const void *hash = sqlite3_column_blob(s, 0);
		int same = sqlite3_column_bytes(s, 0) == (int)sizeof(meta->idem_hash) &&
			memcmp(hash, meta->idem_hash, sizeof(meta->idem_hash)) == 0;
		if (same) {
			meta->replayed = 1;
			w3w__sq_col_text(result_id, W3W_ID_SIZE, s, 1);
		} else {
			st = w3w_error_set(W3W_EIDEMPOTENCY,
				"idempotency key %s: already used with a different request", meta->idem_key);
		}
	}
	/* An expired key is simply overwritten by w3w__sq_finish_write. */
	sqlite3_reset(s);
	return st;
}

static w3w_status idem_put(w3w__sq_conn *c, const w3w_write_meta *meta, const char *result_id)
{
	return w3w__sq_run(c,
		"INSERT INTO idempotency_keys(actor_id, key, request_hash, result_id, created_at, expires_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
		" ON CONFLICT(actor_id, key) DO UPDATE SET request_hash = excluded.request_hash,"
		" result_id = excluded.result_id, created_at = excluded.created_at,"
		" expires_at = excluded.expires_at", "ttbtII",
		meta->actor_id, meta->idem_key, meta->idem_hash, (int)sizeof(meta->idem_hash), result_id,
		(int64_t)meta->now, (int64_t)meta->idem_expires_at);
}

w3w_status w3w__sq_finish_write(w3w__sq_conn *c, w3w_write_meta *meta, const char *result_id)
{
	w3w_status st;

	/* In a batch the records wait for the batch's multi-row inserts; the key cannot (a later element may replay it). */
	if (c->records) {
		st = meta->idem_key[0] ? idem_put(c, meta, result_id) : W3W_OK;
		return st == W3W_OK ? w3w__sq_records_add(c->records, meta) : st;
	}
	st = w3w__sq_outbox_put(c, &meta->event);
	if (st == W3W_OK)
		st = w3w__sq_audit_put_command(c, meta);
	if (st == W3W_OK && meta->idem_key[0])
		st = idem_put(c, meta, result_id);
	return st;
}

w3w_status w3w__sq_purge_expired(w3w_storage *st, w3w_time now, int64_t *deleted)
{
	w3w__sq_conn *c = w3w__sq_begin(w3w__sq(st), W3W__SQ_IMMEDIATE);
	int64_t n = 0;
	w3w_status rc;

	if (!c)
		return w3w_error_code();
	rc = w3w__sq_run(c, "DELETE FROM idempotency_keys WHERE expires_at <= ?1", "I", (int64_t)now);
	n = rc == W3W_OK ? sqlite3_changes64(c->db) : 0;
	rc = w3w__sq_end(c, rc);
	if (deleted)
		*deleted = rc == W3W_OK ? n : 0;
	return rc;
}

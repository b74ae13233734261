/*
 * Audit log: records are written unsealed inside each command's
 * transaction (no global lock on the command path) and linked afterwards,
 * in write order, into a hash chain by a sealer. BEGIN IMMEDIATE makes
 * sealers of every thread and process take turns.
 */
#include <stdlib.h>
#include <string.h>

#include "storage/sqlite/sqlite_internal.h"

/* Records sealed per transaction: keeps the write lock short on a big backlog. */
#define SEAL_BATCH 1000
/* One audit_read never returns more than this many records. */
#define READ_MAX 10000

w3w_status w3w__sq_audit_put(w3w__sq_conn *c, const w3w_audit_record *rec)
{
	sqlite3_stmt *s;
	w3w_status st = w3w__sq_stmt(c, SQ_AUDIT_PUT,
		"INSERT INTO audit_log(id, actor_id, action, target_id, outcome, created_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6)", &s);

	if (st != W3W_OK)
		return st;
	w3w__sq_bind_text(s, 1, rec->id);
	w3w__sq_bind_text(s, 2, rec->actor_id);
	w3w__sq_bind_text(s, 3, rec->action);
	w3w__sq_bind_text(s, 4, rec->target_id);
	w3w__sq_bind_text(s, 5, rec->outcome);
	sqlite3_bind_int64(s, 6, rec->created_at);
	return w3w__sq_exec(c, s);
}

static w3w_status append_tx(w3w__sq_conn *c, void *arg)
{
	return w3w__sq_audit_put(c, arg);
}

w3w_status w3w__sq_audit_append(w3w_storage *st, const w3w_audit_record *record)
{
	if (!record)
		return w3w_error_set(W3W_EINVAL, "audit record: NULL");
	return w3w__sq_write(w3w__sq(st), append_tx, (void *)record);
}

/* ---- sealing ------------------------------------------------------------- */

typedef struct seal_args {
	w3w_audit_hash_fn fn;
	size_t want;           /* at most this many in this transaction */
	size_t sealed;
	int64_t *seqs;         /* scratch, SEAL_BATCH entries */
	w3w_audit_record *recs;
} seal_args;

static void copy_hash(unsigned char dst[32], sqlite3_stmt *s, int col)
{
	const void *b = sqlite3_column_blob(s, col);
	memset(dst, 0, 32);
	if (b && sqlite3_column_bytes(s, col) == 32)
		memcpy(dst, b, 32);
}

static void read_record_fields(sqlite3_stmt *s, int first, w3w_audit_record *r)
{
	w3w__sq_col_text(r->id, sizeof(r->id), s, first);
	w3w__sq_col_text(r->actor_id, sizeof(r->actor_id), s, first + 1);
	w3w__sq_col_text(r->action, sizeof(r->action), s, first + 2);
	w3w__sq_col_text(r->target_id, sizeof(r->target_id), s, first + 3);
	w3w__sq_col_text(r->outcome, sizeof(r->outcome), s, first + 4);
	r->created_at = sqlite3_column_int64(s, first + 5);
}

static w3w_status chain_head(w3w__sq_conn *c, int64_t *pos, unsigned char hash[32])
{
	sqlite3_stmt *s;
	int row = 0;
	w3w_status st = w3w__sq_stmt(c, SQ_AUDIT_HEAD,
		"SELECT chain_pos, hash FROM audit_log WHERE chain_pos IS NOT NULL"
		" ORDER BY chain_pos DESC LIMIT 1", &s);

	*pos = 0;
	memset(hash, 0, 32);
	if (st == W3W_OK && (st = w3w__sq_step(c, s, &row)) == W3W_OK && row) {
		*pos = sqlite3_column_int64(s, 0);
		copy_hash(hash, s, 1);
	}
	sqlite3_reset(s);
	return st;
}

static w3w_status seal_tx(w3w__sq_conn *c, void *arg)
{
	seal_args *a = arg;
	sqlite3_stmt *s;
	int64_t pos;
	unsigned char prev[32];
	size_t n = 0;
	int row = 0;
	w3w_status st = chain_head(c, &pos, prev);

	a->sealed = 0;
	if (st == W3W_OK)
		st = w3w__sq_stmt(c, SQ_AUDIT_UNSEALED_LIST,
			"SELECT seq, id, actor_id, action, target_id, outcome, created_at FROM audit_log"
			" WHERE chain_pos IS NULL ORDER BY seq LIMIT ?1", &s);
	if (st != W3W_OK)
		return st;
	/* Read the batch first: updating rows of the index being scanned is avoided. */
	sqlite3_bind_int64(s, 1, (sqlite3_int64)a->want);
	while ((st = w3w__sq_step(c, s, &row)) == W3W_OK && row && n < a->want) {
		w3w_audit_record *r = &a->recs[n];
		memset(r, 0, sizeof(*r));
		a->seqs[n] = sqlite3_column_int64(s, 0);
		read_record_fields(s, 1, r);
		n++;
	}
	sqlite3_reset(s);
	if (st != W3W_OK)
		return st;

	st = w3w__sq_stmt(c, SQ_AUDIT_SEAL,
		"UPDATE audit_log SET chain_pos = ?1, prev_hash = ?2, hash = ?3"
		" WHERE seq = ?4 AND chain_pos IS NULL", &s);
	for (size_t i = 0; st == W3W_OK && i < n; i++) {
		w3w_audit_record *r = &a->recs[i];
		r->chain_pos = ++pos;
		memcpy(r->prev_hash, prev, 32);
		a->fn(r->hash, prev, r);
		sqlite3_bind_int64(s, 1, r->chain_pos);
		sqlite3_bind_blob(s, 2, r->prev_hash, 32, SQLITE_STATIC);
		sqlite3_bind_blob(s, 3, r->hash, 32, SQLITE_STATIC);
		sqlite3_bind_int64(s, 4, a->seqs[i]);
		st = w3w__sq_exec(c, s);
		memcpy(prev, r->hash, 32);
	}
	if (st == W3W_OK)
		a->sealed = n;
	return st;
}

w3w_status w3w__sq_audit_seal(w3w_storage *st, w3w_audit_hash_fn fn, size_t max, size_t *sealed)
{
	seal_args a;
	size_t total = 0;
	w3w_status rc = W3W_OK;

	if (sealed)
		*sealed = 0;
	if (!fn)
		return w3w_error_set(W3W_EINVAL, "audit seal: hash function NULL");
	memset(&a, 0, sizeof(a));
	a.fn = fn;
	a.seqs = malloc(SEAL_BATCH * sizeof(*a.seqs));
	a.recs = malloc(SEAL_BATCH * sizeof(*a.recs));
	if (!a.seqs || !a.recs) {
		free(a.seqs);
		free(a.recs);
		return w3w_error_set(W3W_ENOMEM, "audit seal: out of memory");
	}
	/* max 0 = everything pending; each batch is its own transaction. */
	do {
		size_t left = max ? max - total : SEAL_BATCH;
		a.want = left < SEAL_BATCH ? left : SEAL_BATCH;
		rc = w3w__sq_write(w3w__sq(st), seal_tx, &a);
		if (rc == W3W_OK)
			total += a.sealed;
	} while (rc == W3W_OK && a.sealed == a.want && a.want > 0 && (!max || total < max));
	free(a.seqs);
	free(a.recs);
	if (sealed)
		*sealed = total;
	return rc;
}

/* ---- reading ------------------------------------------------------------- */

typedef struct read_args {
	int64_t after;
	size_t max;
	w3w_audit_record *recs;
	size_t count;
} read_args;

static w3w_status read_tx(w3w__sq_conn *c, void *arg)
{
	read_args *a = arg;
	sqlite3_stmt *s;
	int row = 0;
	w3w_status st = w3w__sq_stmt(c, SQ_AUDIT_READ,
		"SELECT chain_pos, id, actor_id, action, target_id, outcome, created_at, prev_hash, hash"
		" FROM audit_log WHERE chain_pos > ?1 ORDER BY chain_pos LIMIT ?2", &s);

	if (st != W3W_OK)
		return st;
	a->recs = calloc(a->max, sizeof(*a->recs));
	if (!a->recs)
		return w3w_error_set(W3W_ENOMEM, "audit read: out of memory");
	sqlite3_bind_int64(s, 1, a->after);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)a->max);
	while ((st = w3w__sq_step(c, s, &row)) == W3W_OK && row && a->count < a->max) {
		w3w_audit_record *r = &a->recs[a->count++];
		r->chain_pos = sqlite3_column_int64(s, 0);
		read_record_fields(s, 1, r);
		copy_hash(r->prev_hash, s, 7);
		copy_hash(r->hash, s, 8);
	}
	sqlite3_reset(s);
	return st;
}

w3w_status w3w__sq_audit_read(w3w_storage *st, int64_t after_pos, size_t max,
	w3w_audit_record **out, size_t *count)
{
	read_args a = { after_pos, max > READ_MAX ? READ_MAX : max, NULL, 0 };
	w3w_status rc;

	*out = NULL;
	*count = 0;
	if (a.max == 0)
		return W3W_OK;
	rc = w3w__sq_read(w3w__sq(st), read_tx, &a);
	if (rc != W3W_OK || a.count == 0) {
		free(a.recs);
		return rc;
	}
	*out = a.recs;
	*count = a.count;
	return W3W_OK;
}

static w3w_status unsealed_tx(w3w__sq_conn *c, void *arg)
{
	int64_t *count = arg;
	sqlite3_stmt *s;
	int row = 0;
	w3w_status st = w3w__sq_stmt(c, SQ_AUDIT_UNSEALED_COUNT,
		"SELECT COUNT(*) FROM audit_log WHERE chain_pos IS NULL", &s);

	if (st == W3W_OK && (st = w3w__sq_step(c, s, &row)) == W3W_OK && row)
		*count = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return st;
}

w3w_status w3w__sq_audit_unsealed(w3w_storage *st, int64_t *count)
{
	*count = 0;
	return w3w__sq_read(w3w__sq(st), unsealed_tx, count);
}

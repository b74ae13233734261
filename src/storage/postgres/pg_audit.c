/*
 * Audit log: commands write their record in their own transaction
 * (unsealed, chain_pos NULL); refusals are appended here; a sealer links
 * committed records into the hash chain afterwards, so the chain is never
 * a lock every command waits on.
 *
 * Sealing is one transaction per batch: w3w_audit_pending() takes the
 * sealing advisory lock (one sealer at a time, across processes) and
 * returns the head and the next records; the hashes are computed here with
 * core's function; one UPDATE links them; COMMIT. A sealer that dies
 * mid-batch rolls back and leaves the records for the next one.
 */
#include <stdlib.h>
#include <string.h>

#include "crypto/hex.h"
#include "storage/postgres/pg.h"

#define SEAL_BATCH 1000
#define READ_MAX 10000

w3w_status w3w__pg_audit_append(w3w_storage *st, const w3w_audit_record *rec)
{
	w3w__pg_params p;
	PGresult *r = NULL;
	w3w_status rc;

	if (!rec || !w3w__pg_is_uuid(rec->id))
		return w3w_error_set(W3W_EINVAL, "audit record: id must be a UUID");
	w3w__pg_params_init(&p);
	w3w__pg_p_text(&p, rec->id);
	w3w__pg_p_text_or_null(&p, rec->actor_id);
	w3w__pg_p_text(&p, rec->action);
	w3w__pg_p_text_or_null(&p, rec->target_id);
	w3w__pg_p_text(&p, rec->outcome);
	w3w__pg_p_i64(&p, rec->created_at);
	w3w__pg_p_text_or_null(&p, rec->trace_id);
	rc = w3w__pg_run(w3w__pg_of(st), PG_AUDIT_APPEND, &p, "audit_append", &r);
	PQclear(r);
	return rc;
}

/* Columns of w3w_audit_pending() and PG_AUDIT_READ after chain_pos: id .. created_at (both have trace_id in column 9). */
static void read_record(const PGresult *r, int row, int col, w3w_audit_record *rec)
{
	w3w__pg_col_text(rec->id, sizeof(rec->id), r, row, col);
	w3w__pg_col_text(rec->actor_id, sizeof(rec->actor_id), r, row, col + 1);
	w3w__pg_col_text(rec->action, sizeof(rec->action), r, row, col + 2);
	w3w__pg_col_text(rec->target_id, sizeof(rec->target_id), r, row, col + 3);
	w3w__pg_col_text(rec->outcome, sizeof(rec->outcome), r, row, col + 4);
	rec->created_at = w3w__pg_col_i64(r, row, col + 5);
	w3w__pg_col_text(rec->trace_id, sizeof(rec->trace_id), r, row, 9);
}


/* Chain the pending rows of `r` after its head row; arrays for PG_AUDIT_LINK go into `p`. */
static size_t link_batch(const PGresult *r, w3w_audit_hash_fn fn, w3w__pg_params *p)
{
	unsigned char prev[32] = { 0 };
	int64_t pos = 0;
	w3w__pg_array seqs, poss, prevs, hashes;
	size_t n = 0;
	char hex[65];

	w3w__pg_array_begin(&seqs);
	w3w__pg_array_begin(&poss);
	w3w__pg_array_begin(&prevs);
	w3w__pg_array_begin(&hashes);
	for (int i = 0; i < PQntuples(r); i++) {
		w3w_audit_record rec;
		if (PQgetisnull(r, i, 0)) { /* the head */
			pos = w3w__pg_col_i64(r, i, 1);
			w3w__pg_col_hex(prev, sizeof(prev), r, i, 8);
			continue;
		}
		memset(&rec, 0, sizeof(rec));
		read_record(r, i, 2, &rec);
		rec.chain_pos = ++pos;
		memcpy(rec.prev_hash, prev, sizeof(prev));
		fn(rec.hash, rec.prev_hash, &rec);
		w3w__pg_array_add(&seqs, PQgetvalue(r, i, 0));
		w3w__pg_array_add_i64(&poss, rec.chain_pos);
		w3w__crypto_hex_encode(hex, sizeof(hex), rec.prev_hash, sizeof(rec.prev_hash));
		w3w__pg_array_add(&prevs, hex);
		w3w__crypto_hex_encode(hex, sizeof(hex), rec.hash, sizeof(rec.hash));
		w3w__pg_array_add(&hashes, hex);
		memcpy(prev, rec.hash, sizeof(prev));
		n++;
	}
	w3w__pg_p_owned(p, w3w__pg_array_end(&seqs));
	w3w__pg_p_owned(p, w3w__pg_array_end(&poss));
	w3w__pg_p_owned(p, w3w__pg_array_end(&prevs));
	w3w__pg_p_owned(p, w3w__pg_array_end(&hashes));
	return n;
}

static w3w_status tx_step(w3w__pg_conn *c, const char *sql, int stmt, const w3w__pg_params *p,
	int wait_ms, PGresult **out)
{
	PGresult *r;
	int sent = sql ? PQsendQuery(c->pg, sql)
	               : PQsendQueryPrepared(c->pg, w3w__pg_stmts[stmt].name, p->n, p->v, NULL, NULL, 0);

	r = sent ? w3w__pg_wait(c->pg, wait_ms) : NULL;
	if (r && (PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK)) {
		if (out)
			*out = r;
		else
			PQclear(r);
		return W3W_OK;
	}
	w3w_status st = w3w__pg_fail(r, c->pg, "audit_seal");
	PQclear(r);
	return st;
}

static w3w_status seal_batch(w3w__pg *pg, w3w_audit_hash_fn fn, size_t want, size_t *sealed)
{
	int wait_ms = w3w__pg_answer_wait_ms(pg->pool.timeout_ms);
	w3w__pg_params p, link;
	w3w__pg_conn *c;
	PGresult *r = NULL;
	size_t n = 0;
	w3w_status st;

	*sealed = 0;
	if ((st = w3w__pg_acquire(&pg->pool, 0, &c)) != W3W_OK)
		return st;
	w3w__pg_params_init(&p);
	w3w__pg_p_i64(&p, (int64_t)want);
	w3w__pg_params_init(&link);
	st = tx_step(c, "BEGIN", 0, NULL, wait_ms, NULL);
	if (st == W3W_OK)
		st = tx_step(c, NULL, PG_AUDIT_PENDING, &p, wait_ms, &r);
	if (st == W3W_OK) {
		n = link_batch(r, fn, &link);
		PQclear(r);
		r = NULL;
		if (link.oom)
			st = w3w_error_set(W3W_ENOMEM, "postgres: audit_seal: out of memory");
	}
	if (st == W3W_OK && n > 0)
		st = tx_step(c, NULL, PG_AUDIT_LINK, &link, wait_ms, &r);
	if (st == W3W_OK && n > 0 && strtoull(PQcmdTuples(r), NULL, 10) != n)
		st = w3w_error_set(W3W_EINTERNAL, "postgres: audit_seal: records changed under the sealing lock");
	PQclear(r);
	if (st == W3W_OK)
		st = tx_step(c, "COMMIT", 0, NULL, wait_ms, NULL);
	else if (PQstatus(c->pg) == CONNECTION_OK && PQtransactionStatus(c->pg) != PQTRANS_IDLE)
		PQclear(w3w__pg_query(c->pg, "ROLLBACK", NULL, wait_ms));
	/* Released broken unless the session is clean (idle, no transaction). */
	w3w__pg_release(&pg->pool, c, st != W3W_OK && PQstatus(c->pg) != CONNECTION_OK);
	w3w__pg_params_free(&p);
	w3w__pg_params_free(&link);
	if (st == W3W_OK)
		*sealed = n;
	return st;
}

w3w_status w3w__pg_audit_seal(w3w_storage *st, w3w_audit_hash_fn fn, size_t max, size_t *sealed)
{
	size_t total = 0;
	w3w_status rc = W3W_OK;

	if (sealed)
		*sealed = 0;
	if (!fn)
		return w3w_error_set(W3W_EINVAL, "audit_seal: no hash function");
	/* max 0 = everything pending, one transaction per SEAL_BATCH records. */
	for (;;) {
		size_t want = SEAL_BATCH, n = 0;
		if (max && max - total < want)
			want = max - total;
		rc = seal_batch(w3w__pg_of(st), fn, want, &n);
		total += n;
		if (rc != W3W_OK || n < want || (max && total >= max))
			break;
	}
	if (sealed)
		*sealed = total;
	return rc;
}

/* A row of PG_AUDIT_READ: chain_pos, the record, prev_hash, hash. */
static w3w_status read_sealed(const PGresult *r, int i, void *item)
{
	w3w_audit_record *rec = item;

	rec->chain_pos = w3w__pg_col_i64(r, i, 0);
	read_record(r, i, 1, rec);
	w3w__pg_col_hex(rec->prev_hash, sizeof(rec->prev_hash), r, i, 7);
	w3w__pg_col_hex(rec->hash, sizeof(rec->hash), r, i, 8);
	return W3W_OK;
}

w3w_status w3w__pg_audit_read(w3w_storage *st, int64_t after_pos, size_t max,
	w3w_audit_record **out, size_t *count)
{
	w3w__pg_params p;
	PGresult *r = NULL;
	w3w_status rc;
	void *items;

	*out = NULL;
	*count = 0;
	if (max == 0)
		return W3W_OK;
	if (max > READ_MAX)
		max = READ_MAX;
	w3w__pg_params_init(&p);
	w3w__pg_p_i64(&p, after_pos);
	w3w__pg_p_i64(&p, (int64_t)max);
	if ((rc = w3w__pg_run(w3w__pg_of(st), PG_AUDIT_READ, &p, "audit_read", &r)) != W3W_OK)
		return rc;
	rc = w3w__pg_read_rows(r, -1, sizeof(w3w_audit_record), read_sealed, NULL, &items, count);
	PQclear(r);
	*out = items;
	return rc;
}

w3w_status w3w__pg_audit_unsealed(w3w_storage *st, int64_t *count)
{
	w3w__pg_params p;
	PGresult *r = NULL;
	w3w_status rc;

	*count = 0;
	w3w__pg_params_init(&p);
	if ((rc = w3w__pg_run(w3w__pg_of(st), PG_AUDIT_UNSEALED, &p, "audit_unsealed", &r)) != W3W_OK)
		return rc;
	*count = w3w__pg_col_i64(r, 0, 0);
	PQclear(r);
	return W3W_OK;
}

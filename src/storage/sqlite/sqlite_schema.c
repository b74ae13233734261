/*
 * Versioned schema migrations, applied at open. Their SQL is the files of
 * sql/ (conventions in sql/001_schema.sql), embedded at build time by
 * cmake/embed_text.cmake: sql/000_schema_version.sql creates
 * schema_version, and each migration ends by inserting its version, so
 * `sqlite3` reading the files in order makes a current database.
 */
#include <stdio.h>

#include "storage/sqlite/sqlite_internal.h"
#include "storage/sqlite/sqlite_schema_sql.h" /* generated from the files of sql/ */

/* migrations[i] brings the schema from version i to i + 1, and records version i + 1. */
static const char *const migrations[W3W__SQ_SCHEMA_VERSION] = {
	w3w__sq_sql_v1_schema, w3w__sq_sql_v2_wallet, w3w__sq_sql_v3_event_facts, w3w__sq_sql_v4_audit_id,
	w3w__sq_sql_v5_withdrawal_limits,
	w3w__sq_sql_v6_audit_trace,
	w3w__sq_sql_v7_outbox_aggregate,
	w3w__sq_sql_v8_sweeps,
	w3w__sq_sql_v9_withdrawal_attempts,
};

static w3w_status current_version(w3w__sq_conn *c, int64_t *out)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(c->db, "SELECT COALESCE(MAX(version), 0) FROM schema_version", -1, &s, NULL);

	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		w3w_status st = w3w__sq_fail(c, rc, "read schema_version");
		sqlite3_finalize(s);
		return st;
	}
	*out = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return W3W_OK;
}

static w3w_status migrate_locked(w3w__sq_conn *c)
{
	int64_t have = 0;
	w3w_status st;

	st = w3w__sq_exec_text(c, w3w__sq_sql_schema_version, "create schema_version");
	if (st == W3W_OK)
		st = current_version(c, &have);
	if (st != W3W_OK)
		return st;
	if (have > W3W__SQ_SCHEMA_VERSION)
		return w3w_error_set(W3W_EVERSION,
			"sqlite: database schema version %lld is newer than this library supports (%d)",
			(long long)have, W3W__SQ_SCHEMA_VERSION);
	for (int v = (int)have; v < W3W__SQ_SCHEMA_VERSION && st == W3W_OK; v++) {
		char what[48];
		snprintf(what, sizeof(what), "migration %d", v + 1);
		st = w3w__sq_exec_text(c, migrations[v], what);
	}
	return st;
}

w3w_status w3w__sq_migrate(w3w__sq_conn *c)
{
	w3w_status st;

	/* IMMEDIATE: two processes opening a new file at once take turns; the second sees version N. */
	st = w3w__sq_exec_text(c, "BEGIN IMMEDIATE", "begin migration");
	if (st != W3W_OK)
		return st;
	st = migrate_locked(c);
	if (st == W3W_OK)
		st = w3w__sq_exec_text(c, "COMMIT", "commit migration");
	if (st != W3W_OK && !sqlite3_get_autocommit(c->db))
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	return st;
}

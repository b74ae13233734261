/*
 * Versioned migrations, applied at open in one transaction under an
 * advisory lock: several processes opening the same database at once take
 * turns, and the later ones find the schema current. The lock key is per
 * schema (current_schema()), so databases separated by search_path do not
 * wait for each other.
 *
 * The migrations are the files of sql/, embedded at build time
 * (cmake/embed_text.cmake): sql/000_schema_version.sql creates
 * schema_version, one row per applied version (the table name is shared
 * with the SQLite backend), and each migration's last file inserts its
 * version, so `psql -f` of the files in order makes a current database. A database whose version is above
 * W3W__PG_SCHEMA_VERSION was written by a newer library: refused with
 * W3W_EVERSION, nothing touched.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/postgres/pg.h"
#include "storage/postgres/pg_schema_sql.h" /* generated from the files of sql/ */

/* Lock class of migrations; sql/001b_functions.sql uses 87332 for audit sealing. */
#define MIGRATION_LOCK "87331"

/* The parts of migration i + 1, applied in order. */
static const char *const *const migrations[W3W__PG_SCHEMA_VERSION] = {
	(const char *const[]){ w3w__pg_sql_v1_schema, w3w__pg_sql_v1_functions, NULL },
	(const char *const[]){ w3w__pg_sql_v2_wallet, NULL },
	(const char *const[]){ w3w__pg_sql_v3_event_facts, NULL },
	(const char *const[]){ w3w__pg_sql_v4_withdrawal_limits, NULL },
	(const char *const[]){ w3w__pg_sql_v5_batch, NULL },
	(const char *const[]){ w3w__pg_sql_v6_audit_trace, NULL },
	(const char *const[]){ w3w__pg_sql_v7_outbox_aggregate, NULL },
	(const char *const[]){ w3w__pg_sql_v8_batch_audit_trace, NULL },
	(const char *const[]){ w3w__pg_sql_v9_sweeps, NULL },
	(const char *const[]){ w3w__pg_sql_v10_withdrawal_attempts, NULL },
	(const char *const[]){ w3w__pg_sql_v11_batch_set_based, NULL },
};

/* DDL and waiting for another process's migration may take longer than a command. */
static int migration_timeout_ms(int timeout_ms)
{
	return timeout_ms > 30000 ? timeout_ms : 30000;
}

static w3w_status exec(PGconn *conn, const char *sql, int wait_ms, const char *what, PGresult **keep)
{
	PGresult *r = w3w__pg_query(conn, sql, NULL, w3w__pg_answer_wait_ms(wait_ms));
	w3w_status st = W3W_OK;

	if (!r)
		st = w3w_error_set(W3W_EUNAVAILABLE, "postgres: %s: connection lost or no answer", what);
	else if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		st = w3w__pg_fail(r, conn, what);
	if (st == W3W_OK && keep)
		*keep = r;
	else
		PQclear(r);
	return st;
}

static w3w_status migrate_locked(PGconn *conn, int wait_ms)
{
	PGresult *r = NULL;
	char sql[512];
	long have;
	w3w_status st;

	snprintf(sql, sizeof(sql),
		"SET LOCAL statement_timeout = %d;"
		" SELECT pg_advisory_xact_lock(" MIGRATION_LOCK ", hashtext(current_schema()))", wait_ms);
	if ((st = exec(conn, sql, wait_ms, "lock for migration", NULL)) != W3W_OK ||
	    (st = exec(conn, w3w__pg_sql_schema_version, wait_ms, "create schema_version", NULL)) != W3W_OK ||
	    (st = exec(conn, "SELECT coalesce(max(version), 0) FROM schema_version", wait_ms,
	                "read schema version", &r)) != W3W_OK)
		return st;
	have = PQntuples(r) == 1 ? strtol(PQgetvalue(r, 0, 0), NULL, 10) : -1;
	PQclear(r);
	if (have < 0)
		return w3w_error_set(W3W_EINTERNAL, "postgres: cannot read schema_version");
	if (have > W3W__PG_SCHEMA_VERSION)
		return w3w_error_set(W3W_EVERSION,
			"postgres: database schema version %ld is newer than this library supports (%d):"
			" upgrade libw3wallet", have, W3W__PG_SCHEMA_VERSION);
	for (long v = have; v < W3W__PG_SCHEMA_VERSION; v++) {
		char what[64];
		snprintf(what, sizeof(what), "migration to schema version %ld", v + 1);
		/* The last part inserts version v + 1 into schema_version. */
		for (const char *const *part = migrations[v]; *part; part++)
			if ((st = exec(conn, *part, wait_ms, what, NULL)) != W3W_OK)
				return st;
	}
	return W3W_OK;
}

/*
 * A standby (or a database set read-only) cannot be migrated, but a host
 * may start against it and serve reads until it reaches a primary: check
 * the schema version without writing. 1: read-only and current, 0: writable
 * (migrate as usual), or a refusal naming the version.
 */
static w3w_status check_read_only(PGconn *conn, int wait_ms, int *read_only)
{
	PGresult *r = NULL;
	long have = 0;
	w3w_status st = exec(conn,
		"SELECT pg_is_in_recovery() OR current_setting('transaction_read_only') = 'on',"
		" to_regclass('schema_version') IS NOT NULL", wait_ms, "check read-only", &r);

	*read_only = 0;
	if (st != W3W_OK)
		return st;
	*read_only = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	if (!*read_only || strcmp(PQgetvalue(r, 0, 1), "t") != 0) {
		PQclear(r);
		return *read_only ? w3w_error_set(W3W_EVERSION, "postgres: the database is read-only (a standby?) and"
			" has no libw3wallet schema: open it once against the primary, which creates schema version %d",
			W3W__PG_SCHEMA_VERSION) : W3W_OK;
	}
	PQclear(r);
	if ((st = exec(conn, "SELECT coalesce(max(version), 0) FROM schema_version", wait_ms,
	               "read schema version", &r)) != W3W_OK)
		return st;
	have = PQntuples(r) == 1 ? strtol(PQgetvalue(r, 0, 0), NULL, 10) : -1;
	PQclear(r);
	if (have > W3W__PG_SCHEMA_VERSION)
		return w3w_error_set(W3W_EVERSION, "postgres: database schema version %ld is newer than this library"
			" supports (%d): upgrade libw3wallet", have, W3W__PG_SCHEMA_VERSION);
	if (have < W3W__PG_SCHEMA_VERSION)
		return w3w_error_set(W3W_EVERSION, "postgres: the database is read-only (a standby?) and its schema"
			" version is %ld; this library needs %d: open it once against the primary to migrate",
			have, W3W__PG_SCHEMA_VERSION);
	return W3W_OK;
}

w3w_status w3w__pg_migrate(PGconn *conn, int timeout_ms)
{
	int wait_ms = migration_timeout_ms(timeout_ms), read_only = 0;
	w3w_status st = check_read_only(conn, wait_ms, &read_only);

	if (st != W3W_OK || read_only)
		return st; /* read-only and current: writes fail with W3W_EUNAVAILABLE until a primary is reached */
	st = exec(conn, "BEGIN", wait_ms, "begin migration", NULL);

	if (st != W3W_OK)
		return st;
	st = migrate_locked(conn, wait_ms);
	if (st == W3W_OK)
		return exec(conn, "COMMIT", wait_ms, "commit migration", NULL);
	if (PQstatus(conn) == CONNECTION_OK) {
		PGresult *r = w3w__pg_query(conn, "ROLLBACK", NULL, wait_ms);
		PQclear(r);
	}
	return st;
}

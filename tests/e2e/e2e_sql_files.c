/*
 * The .sql files stand on their own (public API only).
 *
 * The schema, functions and migrations of each SQL backend are files
 * (src/storage/{postgres,sqlite}/sql/), embedded in the library at build
 * time. Applied in order by the database's own client, `psql -f` or the
 * `sqlite3` shell, to a fresh database, they must make one the library
 * opens as already current (it migrates nothing) and works on, and that
 * is the same as a database the library migrated itself.
 *
 * PostgreSQL: the database is first set read-only, where the library
 * opens only a current schema (an older one is refused with
 * W3W_EVERSION), then writable again for a claim's whole life.
 * SQLite: the schema_version rows the shell wrote are still the same
 * rows after the library opened and wrote.
 */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "e2e.h"
#include "storage/postgres/pg.h" /* W3W__PG_SQLSTATE_*: the codes the files must raise */

#define OUT_SIZE 65536

/* Run a shell command; its stdout into out (NUL-terminated), its exit status returned. */
static int run(const char *cmd, char *out, size_t size)
{
	FILE *p = popen(cmd, "r");
	size_t n = 0, got;
	int status;

	ck_assert_msg(p != NULL, "popen %s", cmd);
	while (n + 1 < size && (got = fread(out + n, 1, size - 1 - n, p)) > 0)
		n += got;
	out[n] = '\0';
	status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The backend's .sql files, in the order they apply (glob sorts). */
static void sql_files(glob_t *g, const char *backend)
{
	char pattern[512];
	snprintf(pattern, sizeof(pattern), "%s/src/storage/%s/sql/*.sql", W3W_SOURCE_DIR, backend);
	ck_assert_int_eq(glob(pattern, 0, NULL, g), 0);
	ck_assert_msg(g->gl_pathc >= 4, "%s: %zu .sql files", pattern, g->gl_pathc);
}

/* The version the backend's last file brings: its leading number ("009_x.sql" -> 9). */
static int last_file_version(const char *backend)
{
	glob_t g;
	int v;

	sql_files(&g, backend);
	v = atoi(strrchr(g.gl_pathv[g.gl_pathc - 1], '/') + 1);
	globfree(&g);
	return v;
}

/*
 * `client` followed by the backend's files, each as `arg` formats it, up to
 * the file whose name starts with `before` (NULL: all); fails on a non-zero exit.
 */
static void apply_files_before(const char *client, const char *backend, const char *arg, const char *before)
{
	char cmd[8192], out[OUT_SIZE];
	size_t n = (size_t)snprintf(cmd, sizeof(cmd), "%s", client);
	glob_t g;
	int rc;

	sql_files(&g, backend);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *base = strrchr(g.gl_pathv[i], '/') + 1;
		if (before && strncmp(base, before, strlen(before)) >= 0)
			break;
		n += (size_t)snprintf(cmd + n, sizeof(cmd) - n, arg, g.gl_pathv[i]);
	}
	globfree(&g);
	ck_assert(n < sizeof(cmd));
	rc = run(cmd, out, sizeof(out));
	ck_assert_msg(rc == 0, "%s: exit %d: %s", cmd, rc, out);
}

static void apply_files(const char *client, const char *backend, const char *arg)
{
	apply_files_before(client, backend, arg, NULL);
}

/*
 * After the upgrade that brings withdrawal limits, the last 24 hours'
 * withdrawals of `user` (written by the shell before it) count: a ledger
 * withdrawal of 10 an hour ago, a confirmed on-chain withdrawal of 20 three
 * hours ago (with its settlement transfer: counted once), a held one of 30;
 * not a failed one of 40, nor a ledger withdrawal of 50 two days ago.
 */
static void upgrade_counts_the_last_day(const char *url, const char *user, const char *cur)
{
	w3w_ctx *ctx = e2e_open(url, "", "", 0, 10000);
	w3w_withdrawal_limits *list = NULL;
	w3w_actor admin, who;

	e2e_actor(&admin, W3W_ROLE_ADMIN);
	E2E_OK(w3w_actor_init(&who, user, W3W_ROLE_USER));
	E2E_OK(w3w_withdrawal_limit_set(NULL, ctx, &admin, NULL, cur, W3W_LIMIT_NONE, e2e_amt("100")));
	E2E_OK(w3w_withdrawal_limits_get(&list, ctx, &who, NULL, cur));
	ck_assert_uint_eq(list->count, 1);
	ck_assert_int_eq(list->items[0].used, e2e_amt("60"));
	ck_assert_int_eq(list->items[0].remaining, e2e_amt("40"));
	ck_assert_int_eq(list->items[0].next_release_amount, e2e_amt("20"));
	w3w_withdrawal_limits_free(list);
	E2E_EXPECT(W3W_ELIMIT, w3w_withdraw(NULL, ctx, &who, cur, e2e_amt("41"), "evm", user, NULL));
	E2E_OK(w3w_withdraw(NULL, ctx, &who, cur, e2e_amt("40"), "evm", user, NULL));
	w3w_ctx_close(ctx);
}

/* The rows of upgrade_counts_the_last_day() (amounts in coins): %1$s the user, %2$s the currency. */
#define UPGRADE_ROWS(NOW_MINUS) \
	"INSERT INTO accounts (user_id, currency, balance, held, updated_at) VALUES ('%1$s', '%2$s', 1000, 30, " NOW_MINUS(0) ");" \
	"INSERT INTO transfers (id, kind, from_user_id, to_user_id, currency, amount, reference, created_at) VALUES" \
	" ('00000000-0000-7000-8000-000000000001', 'withdrawal', '%1$s', '" W3W_EXTERNAL_USER_ID "', '%2$s', 10, 'evm:a', " NOW_MINUS(1) ")," \
	" ('00000000-0000-7000-8000-000000000002', 'withdrawal', '%1$s', '" W3W_EXTERNAL_USER_ID "', '%2$s', 50, 'evm:b', " NOW_MINUS(48) ")," \
	" ('00000000-0000-7000-8000-000000000003', 'withdrawal', '%1$s', '" W3W_EXTERNAL_USER_ID "', '%2$s', 20, 'evm:c', " NOW_MINUS(1) ");" \
	"INSERT INTO withdrawals (id, user_id, chain, currency, amount, to_address, from_address, nonce, status, transfer_id," \
	" created_at, updated_at) VALUES" \
	" ('00000000-0000-7000-8000-000000000011', '%1$s', 'evm:1', '%2$s', 20, 'to', 'from', 0, 'confirmed'," \
	"  '00000000-0000-7000-8000-000000000003', " NOW_MINUS(3) ", " NOW_MINUS(1) ")," \
	" ('00000000-0000-7000-8000-000000000012', '%1$s', 'evm:1', '%2$s', 30, 'to', 'from', 1, 'held', " EMPTY_TRANSFER "," \
	"  " NOW_MINUS(2) ", " NOW_MINUS(2) ")," \
	" ('00000000-0000-7000-8000-000000000013', '%1$s', 'evm:1', '%2$s', 40, 'to', 'from', 2, 'failed', " EMPTY_TRANSFER "," \
	"  " NOW_MINUS(1) ", " NOW_MINUS(1) ");"

/* A claim's whole life, and the ledger's invariants after it. */
static void works(const char *url)
{
	w3w_ctx *ctx = e2e_open(url, "", "", 0, 10000);
	w3w_actor service, buyer, shopper;
	w3w_order_item item;
	w3w_order *order = NULL;
	w3w_supply supply;
	w3w_claim claim;
	w3w_account_list *accounts = NULL;
	char cur[W3W_CURRENCY_SIZE];
	w3w_ledger_totals t;

	e2e_actor(&service, W3W_ROLE_SERVICE | W3W_ROLE_AUDITOR);
	e2e_actor(&buyer, W3W_ROLE_USER);
	e2e_actor(&shopper, W3W_ROLE_USER);
	e2e_currency(cur);
	E2E_OK(w3w_deposit(NULL, ctx, &service, buyer.user_id, cur, e2e_amt("10"), buyer.user_id, NULL));
	e2e_item(&item, "2.5", 2);
	E2E_OK(w3w_order_create(&order, ctx, &buyer, cur, &item, 1, NULL));
	E2E_OK(w3w_supply_create(&supply, ctx, &shopper, cur, e2e_amt("100"), NULL));
	E2E_OK(w3w_claim_order(&claim, ctx, &shopper, order->id, NULL));
	E2E_OK(w3w_claim_process(&claim, ctx, &service, claim.id, NULL));
	ck_assert_int_eq(claim.status, W3W_CLAIM_PROCESSED);
	E2E_OK(w3w_accounts(&accounts, ctx, &shopper, NULL));
	ck_assert_uint_eq(accounts->count, 1);
	ck_assert_int_eq(accounts->items[0].balance, e2e_amt("5"));
	e2e_check_invariants(ctx, &service, cur, &t);
	ck_assert_int_eq(t.deposits, e2e_amt("10"));
	w3w_account_list_free(accounts);
	w3w_order_free(order);
	w3w_ctx_close(ctx);
}

/* ---- PostgreSQL -------------------------------------------------------------- */

/* The one value of a one-row, one-column query. */
static void pg_value(const char *url, const char *sql, char *out, size_t size)
{
	PGconn *c = e2e_pg_connect(url);
	PGresult *r = PQexec(c, sql);
	ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1, "%s: %s", sql,
		PQresultErrorMessage(r));
	snprintf(out, size, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	PQfinish(c);
}

static void pg_do(const char *url, const char *sql)
{
	PGconn *c = e2e_pg_connect(url);
	e2e_pg_exec(c, sql);
	PQfinish(c);
}

/* Everything the schema holds, one line each, in one text (function bodies by digest). */
static const char PG_SCHEMA[] =
	"SELECT string_agg(x, E'\\n' ORDER BY x) FROM ("
	" SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' '"
	"   || is_nullable || ' ' || coalesce(column_default, '')"
	"   FROM information_schema.columns WHERE table_schema = current_schema()"
	" UNION ALL SELECT 'constraint ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)"
	"   FROM pg_constraint WHERE connamespace = current_schema()::regnamespace"
	" UNION ALL SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = current_schema()"
	" UNION ALL SELECT 'function ' || oid::regprocedure || ' ' || md5(prosrc)"
	"   FROM pg_proc WHERE pronamespace = current_schema()::regnamespace"
	" UNION ALL SELECT 'trigger ' || pg_get_triggerdef(t.oid) FROM pg_trigger t"
	"   JOIN pg_class c ON c.oid = t.tgrelid"
	"   WHERE c.relnamespace = current_schema()::regnamespace AND NOT t.tgisinternal"
	" UNION ALL SELECT 'view ' || viewname || ' ' || definition FROM pg_views"
	"   WHERE schemaname = current_schema()"
	" UNION ALL SELECT 'version ' || version FROM schema_version) s(x)";

START_TEST(postgres_files_make_a_current_database)
{
	char url[W3W_URL_SIZE], name[64], cmd[W3W_URL_SIZE + 128], sql[256];
	char by_files[OUT_SIZE], by_library[OUT_SIZE], rows_before[4096], rows_after[4096];
	char url2[W3W_URL_SIZE], name2[64], cur[W3W_CURRENCY_SIZE];
	w3w_options o;
	w3w_ctx *ctx = NULL;
	w3w_actor service;

	e2e_pg_fresh(url, name);
	snprintf(cmd, sizeof(cmd), "psql -X -q -v ON_ERROR_STOP=1 --single-transaction -d '%s' 2>&1", url);
	apply_files(cmd, "postgres", " -f '%s'");
	pg_value(url, "SELECT string_agg(version || ' ' || applied_at, ',' ORDER BY version) FROM schema_version",
		rows_before, sizeof(rows_before));

	/* Read-only, the library opens only a schema that is current, and writes nothing. */
	snprintf(sql, sizeof(sql), "ALTER DATABASE %s SET default_transaction_read_only = on", name);
	pg_do(url, sql);
	E2E_OK(w3w_options_init(&o, W3W_OPTIONS_VERSION));
	snprintf(o.storage_url, sizeof(o.storage_url), "%s", url);
	E2E_OK(w3w_ctx_open(&ctx, &o));
	e2e_actor(&service, W3W_ROLE_SERVICE);
	e2e_currency(cur);
	E2E_EXPECT(W3W_EUNAVAILABLE, w3w_deposit(NULL, ctx, &service, service.user_id, cur, e2e_amt("1"),
		service.user_id, NULL));
	w3w_ctx_close(ctx);
	snprintf(sql, sizeof(sql), "ALTER DATABASE %s RESET default_transaction_read_only", name);
	pg_do(e2e_env("W3W_TEST_PG_ADMIN_URL"), sql); /* from another database: this one is read-only */

	works(url);
	pg_value(url, "SELECT string_agg(version || ' ' || applied_at, ',' ORDER BY version) FROM schema_version",
		rows_after, sizeof(rows_after));
	ck_assert_str_eq(rows_after, rows_before);
	{
		char last[16], past[16];
		snprintf(last, sizeof(last), ",%d ", W3W__PG_SCHEMA_VERSION);
		snprintf(past, sizeof(past), ",%d ", W3W__PG_SCHEMA_VERSION + 1);
		ck_assert_msg(strncmp(rows_after, "1 ", 2) == 0 && strstr(rows_after, last) && !strstr(rows_after, past),
			"schema_version: %s", rows_after);
	}

	/* The same schema as a database the library migrated itself. */
	e2e_pg_fresh(url2, name2);
	w3w_ctx_close(e2e_open(url2, "", "", 0, 10000));
	pg_value(url, PG_SCHEMA, by_files, sizeof(by_files));
	pg_value(url2, PG_SCHEMA, by_library, sizeof(by_library));
	ck_assert_msg(strlen(by_files) > 1000, "schema: %s", by_files);
	ck_assert_str_eq(by_files, by_library);
	e2e_pg_drop(name);
	e2e_pg_drop(name2);
}
END_TEST

#define PG_NOW_MINUS(h) "now() - interval '" #h " hours'"
#define EMPTY_TRANSFER "NULL"

START_TEST(postgres_upgrade_counts_the_last_days_withdrawals)
{
	char url[W3W_URL_SIZE], name[64], cmd[W3W_URL_SIZE + 128], sql[4096], cur[W3W_CURRENCY_SIZE];
	w3w_actor user;

	e2e_pg_fresh(url, name);
	snprintf(cmd, sizeof(cmd), "psql -X -q -v ON_ERROR_STOP=1 --single-transaction -d '%s' 2>&1", url);
	apply_files_before(cmd, "postgres", " -f '%s'", "004"); /* the schema before withdrawal limits */
	e2e_actor(&user, W3W_ROLE_USER);
	e2e_currency(cur);
	snprintf(sql, sizeof(sql), UPGRADE_ROWS(PG_NOW_MINUS), user.user_id, cur);
	pg_do(url, sql);
	upgrade_counts_the_last_day(url, user.user_id, cur);
	e2e_pg_drop(name);
}
END_TEST
#undef EMPTY_TRANSFER

/* The files raise the SQLSTATEs the C code reads back (pg.h). */
START_TEST(postgres_files_raise_the_codes_of_pg_h)
{
	static const char *const codes[] = {
		W3W__PG_SQLSTATE_NOTFOUND, W3W__PG_SQLSTATE_CONFLICT, W3W__PG_SQLSTATE_INSUFFICIENT,
		W3W__PG_SQLSTATE_FORBIDDEN, W3W__PG_SQLSTATE_STATE, W3W__PG_SQLSTATE_IDEMPOTENCY,
		W3W__PG_SQLSTATE_LIMIT, W3W__PG_SQLSTATE_BROKEN,
	};
	char cmd[1024], text[OUT_SIZE * 4], quoted[16];

	snprintf(cmd, sizeof(cmd), "cat '%s'/src/storage/postgres/sql/*.sql", W3W_SOURCE_DIR);
	ck_assert_int_eq(run(cmd, text, sizeof(text)), 0);
	ck_assert_msg(strlen(text) + 1 < sizeof(text), "the files outgrew the test's buffer");
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		snprintf(quoted, sizeof(quoted), "'%s'", codes[i]);
		ck_assert_msg(strstr(text, quoted), "no function raises %s", quoted);
	}
	ck_assert(strstr(text, "'" W3W_EXTERNAL_USER_ID "'"));
}
END_TEST

/* ---- SQLite ------------------------------------------------------------------------ */

static void sqlite_query(const char *file, const char *sql, char *out, size_t size)
{
	char cmd[2048];
	snprintf(cmd, sizeof(cmd), "sqlite3 -bail '%s' \"%s\" 2>&1", file, sql);
	ck_assert_msg(run(cmd, out, size) == 0, "%s: %s", cmd, out);
}

static const char SQLITE_SCHEMA[] =
	"SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name; SELECT version FROM schema_version";

START_TEST(sqlite_files_make_a_current_database)
{
	char url[W3W_URL_SIZE], dir[512], cmd[W3W_URL_SIZE + 64], url2[W3W_URL_SIZE], dir2[512];
	char rows_before[4096], rows_after[4096], by_files[OUT_SIZE], by_library[OUT_SIZE], last[16], beyond[16];
	const char *file;

	e2e_sqlite_fresh(url, dir);
	file = url + strlen("sqlite:");
	snprintf(cmd, sizeof(cmd), "sqlite3 -bail '%s' 2>&1", file);
	apply_files(cmd, "sqlite", " '.read %s'");
	sqlite_query(file, "SELECT group_concat(version || ' ' || applied_at) FROM schema_version",
		rows_before, sizeof(rows_before));
	snprintf(last, sizeof(last), ",%d ", last_file_version("sqlite"));
	snprintf(beyond, sizeof(beyond), ",%d ", last_file_version("sqlite") + 1);
	ck_assert_msg(strncmp(rows_before, "1 ", 2) == 0 && strstr(rows_before, last) && !strstr(rows_before, beyond),
		"schema_version: %s", rows_before);

	works(url);
	sqlite_query(file, "SELECT group_concat(version || ' ' || applied_at) FROM schema_version",
		rows_after, sizeof(rows_after));
	ck_assert_str_eq(rows_after, rows_before); /* nothing migrated again */

	e2e_sqlite_fresh(url2, dir2);
	w3w_ctx_close(e2e_open(url2, "", "", 0, 10000));
	sqlite_query(file, SQLITE_SCHEMA, by_files, sizeof(by_files));
	sqlite_query(url2 + strlen("sqlite:"), SQLITE_SCHEMA, by_library, sizeof(by_library));
	ck_assert_msg(strlen(by_files) > 1000, "schema: %s", by_files);
	ck_assert_str_eq(by_files, by_library);
	e2e_sqlite_remove(dir);
	e2e_sqlite_remove(dir2);
}
END_TEST

#define SQLITE_NOW_MINUS(h) "(CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER) - " #h " * 3600000000)"
#define EMPTY_TRANSFER "''"

START_TEST(sqlite_upgrade_counts_the_last_days_withdrawals)
{
	char url[W3W_URL_SIZE], dir[512], cmd[W3W_URL_SIZE + 64], sql[4096], out[256], cur[W3W_CURRENCY_SIZE];
	char rows[600];
	w3w_actor user;
	const char *file;
	FILE *f;

	e2e_sqlite_fresh(url, dir);
	file = url + strlen("sqlite:");
	snprintf(cmd, sizeof(cmd), "sqlite3 -bail '%s' 2>&1", file);
	apply_files_before(cmd, "sqlite", " '.read %s'", "005"); /* the schema before withdrawal limits */
	e2e_actor(&user, W3W_ROLE_USER);
	e2e_currency(cur);
	/* SQLite stores amounts in units of 1e-8. */
	snprintf(sql, sizeof(sql), UPGRADE_ROWS(SQLITE_NOW_MINUS), user.user_id, cur);
	snprintf(rows, sizeof(rows), "%s/rows.sql", dir);
	ck_assert_ptr_nonnull(f = fopen(rows, "w"));
	fprintf(f, "%s\nUPDATE accounts SET balance = balance * 100000000, held = held * 100000000;\n"
		"UPDATE transfers SET amount = amount * 100000000;\nUPDATE withdrawals SET amount = amount * 100000000;\n",
		sql);
	ck_assert_int_eq(fclose(f), 0);
	snprintf(cmd, sizeof(cmd), ".read %s", rows);
	sqlite_query(file, cmd, out, sizeof(out));
	unlink(rows);
	upgrade_counts_the_last_day(url, user.user_id, cur);
	e2e_sqlite_remove(dir);
}
END_TEST
#undef EMPTY_TRANSFER

int main(void)
{
	Suite *s = suite_create("e2e_sql_files");
	TCase *tc = tcase_create("files");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, postgres_files_make_a_current_database);
	tcase_add_test(tc, postgres_files_raise_the_codes_of_pg_h);
	tcase_add_test(tc, sqlite_files_make_a_current_database);
	tcase_add_test(tc, postgres_upgrade_counts_the_last_days_withdrawals);
	tcase_add_test(tc, sqlite_upgrade_counts_the_last_days_withdrawals);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

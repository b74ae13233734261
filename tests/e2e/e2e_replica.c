/*
 * Reads from a PostgreSQL streaming replica, with read-your-writes, through
 * the public API. The test makes its own primary and asynchronous replica
 * (scripts/services/pg-replicas.sh) in a temporary directory, and pauses
 * the replica's replay (pg_wal_replay_pause) to make it lag on purpose.
 *
 *   replica_serves_reads      a read by id without a position may be served
 *                             by the lagging replica (it does not see a new
 *                             order); with the write's commit position it
 *                             never is (the primary answers); once replayed,
 *                             the replica serves that position again.
 *   lag_bound                 without a position, a replica lagging more than
 *                             max_replica_lag_ms is not used.
 *   positions                 commit positions exist only with a replica;
 *                             malformed ones are refused; SQLite has none.
 */
#include <libpq-fe.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "e2e.h"

#define REPLICAS W3W_SOURCE_DIR "/scripts/services/pg-replicas.sh"

static struct {
	char dir[128];
	int primary_port, replica_port;
	char primary[W3W_URL_SIZE], replica[W3W_URL_SIZE];
	w3w_actor service, buyer;
	char cur[W3W_CURRENCY_SIZE];
} R;

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	ck_assert_msg(system(cmd) == 0, "failed: %s", cmd);
}

/* Run SQL as the superuser on the replica (replay control), returning the first value. */
static void replica_sql(const char *sql, char *out, size_t size)
{
	char conninfo[128];
	PGconn *c;
	PGresult *r;
	snprintf(conninfo, sizeof(conninfo), "host=127.0.0.1 port=%d user=postgres dbname=postgres", R.replica_port);
	c = PQconnectdb(conninfo);
	ck_assert_msg(PQstatus(c) == CONNECTION_OK, "%s", PQerrorMessage(c));
	r = PQexec(c, sql);
	ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", sql, PQerrorMessage(c));
	if (out)
		snprintf(out, size, "%s", PQntuples(r) ? PQgetvalue(r, 0, 0) : "");
	PQclear(r);
	PQfinish(c);
}

static void setup(void)
{
	/* Ports below 32768, apart from the shared test services (15432...). */
	R.primary_port = 20000 + (int)(getpid() % 5000) * 2;
	R.replica_port = R.primary_port + 1;
	snprintf(R.dir, sizeof(R.dir), "/tmp/w3w-e2e-replica-%d", (int)getpid());
	sh("%s %s primary %d >/dev/null 2>&1", REPLICAS, R.dir, R.primary_port);
	sh("%s %s standby replica %d >/dev/null 2>&1", REPLICAS, R.dir, R.replica_port);
	snprintf(R.primary, sizeof(R.primary), "postgres://w3w:w3w@127.0.0.1:%d/w3w", R.primary_port);
	snprintf(R.replica, sizeof(R.replica), "postgres://w3w:w3w@127.0.0.1:%d/w3w", R.replica_port);
	e2e_actor(&R.service, W3W_ROLE_SERVICE);
	e2e_actor(&R.buyer, W3W_ROLE_USER);
	e2e_currency(R.cur);
	{
		/* The schema exists on the primary before a replica-reading context opens. */
		w3w_ctx *ctx = e2e_open(R.primary, "none:", "", 0, 5000);
		E2E_OK(w3w_deposit(NULL, ctx, &R.service, R.buyer.user_id, R.cur, 100 * W3W_AMOUNT_SCALE,
			R.buyer.user_id, NULL));
		w3w_ctx_close(ctx);
	}
}

static void teardown(void)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "%s %s stop-all >/dev/null 2>&1; rm -rf %s", REPLICAS, R.dir, R.dir);
	if (system(cmd) != 0)
		fprintf(stderr, "e2e replica: could not stop %s\n", R.dir);
}

static w3w_ctx *open_with_replica(int max_lag_ms)
{
	w3w_options o;
	w3w_ctx *ctx = NULL;
	E2E_OK(w3w_options_init(&o, W3W_OPTIONS_VERSION));
	snprintf(o.storage_url, sizeof(o.storage_url), "%s", R.primary);
	snprintf(o.read_storage_url, sizeof(o.read_storage_url), "%s", R.replica);
	snprintf(o.cache_url, sizeof(o.cache_url), "none:"); /* every read reaches a storage */
	o.max_replica_lag_ms = max_lag_ms;
	o.background_relay = 0;
	E2E_OK(w3w_ctx_open(&ctx, &o));
	return ctx;
}

static char *new_order(w3w_ctx *ctx, char id[W3W_ID_SIZE], char position[W3W_POSITION_SIZE])
{
	w3w_order_item item;
	w3w_order *o = NULL;
	e2e_item(&item, "1", 1);
	E2E_OK(w3w_order_create(&o, ctx, &R.buyer, R.cur, &item, 1, NULL));
	memcpy(id, o->id, W3W_ID_SIZE);
	w3w_order_free(o);
	E2E_OK(w3w_commit_position(position, W3W_POSITION_SIZE));
	ck_assert_msg(position[0], "a write through a context with a replica leaves a commit position");
	return id;
}

static w3w_status get_order(w3w_ctx *ctx, const char *id)
{
	w3w_order *o = NULL;
	w3w_status st = w3w_order_get(&o, ctx, &R.buyer, id);
	w3w_order_free(o);
	return st;
}

/* Pause replay and wait until it took effect (pg_wal_replay_pause only asks). */
static void pause_replay(void)
{
	char v[32];
	replica_sql("SELECT pg_wal_replay_pause()", NULL, 0);
	for (int i = 0; i < 200; i++) {
		replica_sql("SELECT pg_get_wal_replay_pause_state()", v, sizeof(v));
		if (strcmp(v, "paused") == 0)
			return;
		e2e_sleep_ms(10);
	}
	ck_abort_msg("replay did not pause");
}

/* Until the replica has replayed everything it received. */
static void wait_replayed(void)
{
	char v[16];
	for (int i = 0; i < 200; i++) {
		replica_sql("SELECT pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()", v, sizeof(v));
		if (strcmp(v, "t") == 0)
			return;
		e2e_sleep_ms(25);
	}
	ck_abort_msg("replica did not catch up");
}

START_TEST(replica_serves_reads)
{
	w3w_ctx *ctx = open_with_replica(3600000); /* lag never excludes the replica here */
	char first[W3W_ID_SIZE], second[W3W_ID_SIZE], pos1[W3W_POSITION_SIZE], pos2[W3W_POSITION_SIZE];

	new_order(ctx, first, pos1);
	wait_replayed();
	pause_replay();
	new_order(ctx, second, pos2);

	/* No position: the lagging replica answers, and it has not seen the second order. */
	E2E_OK(w3w_read_after(NULL));
	E2E_EXPECT(W3W_ENOTFOUND, get_order(ctx, second));
	/* With the write's position: never older than it (the primary answers). */
	E2E_OK(w3w_read_after(pos2));
	E2E_OK(get_order(ctx, second));
	/* An older position the replica has: the replica answers (the second order is not there yet). */
	E2E_OK(w3w_read_after(pos1));
	E2E_OK(get_order(ctx, first));
	E2E_EXPECT(W3W_ENOTFOUND, get_order(ctx, second));

	replica_sql("SELECT pg_wal_replay_resume()", NULL, 0);
	wait_replayed();
	E2E_OK(w3w_read_after(pos2));
	E2E_OK(get_order(ctx, second));
	E2E_OK(w3w_read_after(NULL));
	w3w_ctx_close(ctx);
}
END_TEST

START_TEST(lag_bound)
{
	w3w_ctx *ctx = open_with_replica(200);
	w3w_replica_state rs;
	char id[W3W_ID_SIZE], pos[W3W_POSITION_SIZE];

	wait_replayed();
	pause_replay();
	new_order(ctx, id, pos);
	e2e_sleep_ms(600); /* the replica's last replayed commit is now more than 200 ms old */
	E2E_OK(w3w_read_after(NULL));
	E2E_OK(w3w_replica_state_get(&rs, ctx));
	ck_assert_int_eq(rs.configured, 1);
	ck_assert_int_eq(rs.reachable, 1);
	/* Behind the write's position: more than 200 ms behind, or behind everything seen (-1). */
	ck_assert_msg(rs.lag_ms > 200 || rs.lag_ms == -1, "lag %lld ms", (long long)rs.lag_ms);
	E2E_OK(get_order(ctx, id)); /* too far behind: the primary answers */
	replica_sql("SELECT pg_wal_replay_resume()", NULL, 0);
	wait_replayed();
	e2e_sleep_ms(150); /* past the state's 100 ms check interval */
	E2E_OK(w3w_replica_state_get(&rs, ctx));
	ck_assert_msg(rs.lag_ms <= 200, "lag %lld ms after catching up", (long long)rs.lag_ms);
	w3w_ctx_close(ctx);
}
END_TEST

START_TEST(positions)
{
	char pos[W3W_POSITION_SIZE], dir[512], url[W3W_URL_SIZE];
	w3w_ctx *ctx = e2e_open(R.primary, "none:", "", 0, 5000);
	w3w_options o;

	/* No replica configured: writes leave no position. */
	E2E_OK(w3w_deposit(NULL, ctx, &R.service, R.buyer.user_id, R.cur, W3W_AMOUNT_SCALE, "pos-ref-1", NULL));
	strcpy(pos, "x");
	E2E_OK(w3w_commit_position(pos, sizeof(pos)));
	w3w_ctx_close(ctx);
	E2E_EXPECT(W3W_EINVAL, w3w_read_after("not-a-position"));
	E2E_EXPECT(W3W_EINVAL, w3w_read_after("1/2/3"));
	E2E_OK(w3w_read_after("0/16B3D48"));
	E2E_OK(w3w_read_after(""));
	E2E_EXPECT(W3W_EINVAL, w3w_commit_position(pos, 4));

	/* SQLite has no replicas: a read_storage_url is refused at open, naming it. */
	e2e_sqlite_fresh(url, dir);
	E2E_OK(w3w_options_init(&o, W3W_OPTIONS_VERSION));
	snprintf(o.storage_url, sizeof(o.storage_url), "%s", url);
	snprintf(o.read_storage_url, sizeof(o.read_storage_url), "%s", url);
	ctx = NULL;
	E2E_EXPECT(W3W_EINVAL, w3w_ctx_open(&ctx, &o));
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "read_storage_url"));
	ck_assert_ptr_null(ctx);
	/* A version-1 caller (no replica members) still opens. */
	E2E_OK(w3w_options_init(&o, 1));
	snprintf(o.storage_url, sizeof(o.storage_url), "%s", url);
	E2E_OK(w3w_ctx_open(&ctx, &o));
	w3w_ctx_close(ctx);
	e2e_sqlite_remove(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("e2e_replica");
	TCase *tc = tcase_create("replica");
	SRunner *sr;
	int failed;

	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, replica_serves_reads);
	tcase_add_test(tc, lag_bound);
	tcase_add_test(tc, positions);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_NOFORK); /* one primary and replica for the three tests */
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/*
 * What only the SQLite storage backend has: its URLs and private memory
 * databases, the live-claim index under raw SQL, a claim race across threads,
 * handles and processes (WAL, busy), migrations and schema versions, reopening.
 * Everything every backend must do is in tests/contract (run here by contract_sqlite).
 */
#include <check.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "storage/sqlite/sqlite_internal.h" /* W3W__SQ_SCHEMA_VERSION */
#include "contract/contract.h"

static char dir[64];
static char url[128];
w3w_storage *st; /* the helpers of tests/contract/helpers.c drive it */

/* Run SQL on the test database through a separate raw connection. */
static int raw_sql(const char *sql)
{
	sqlite3 *db = NULL;
	int rc;

	ck_assert_int_eq(sqlite3_open(url + strlen("sqlite:"), &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

/* ---- fixture -------------------------------------------------------------- */

static w3w_backend_config config(int pool_size)
{
	w3w_backend_config cfg = { W3W_BACKEND_CONFIG_VERSION, pool_size, 30000, "local" };
	return cfg;
}

static void setup(void)
{
	w3w_backend_config cfg = config(4);

	strcpy(dir, "/tmp/w3w_sqlite_test_XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(url, sizeof(url), "sqlite:%s/w3w.db", dir);
	ck_assert_int_eq(w3w_storage_sqlite_open(&st, url, &cfg), W3W_OK);
}

static void teardown(void)
{
	char path[128];
	static const char *const suffix[] = { "", "-wal", "-shm" };

	if (st)
		st->free(st);
	st = NULL;
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/w3w.db%s", dir, suffix[i]);
		unlink(path);
		snprintf(path, sizeof(path), "%s/fresh.db%s", dir, suffix[i]);
		unlink(path);
	}
	rmdir(dir);
}

/* ---- open ----------------------------------------------------------------- */

START_TEST(test_open_urls)
{
	w3w_storage *s = NULL;
	w3w_backend_config cfg = config(2);
	char other[160];

	ck_assert_int_eq(w3w_storage_sqlite_open(&s, "postgres://x", &cfg), W3W_EINVAL);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(w3w_storage_sqlite_open(&s, "sqlite:", &cfg), W3W_EINVAL);
	ck_assert_int_eq(w3w_storage_sqlite_open(&s, NULL, &cfg), W3W_EINVAL);
	cfg.version = 99;
	ck_assert_int_eq(w3w_storage_sqlite_open(&s, "sqlite::memory:", &cfg), W3W_EVERSION);
	cfg.version = W3W_BACKEND_CONFIG_VERSION;

	ck_assert_int_eq(w3w_storage_sqlite_open(&s, "sqlite::memory:", &cfg), W3W_OK);
	ck_assert_str_eq(s->name, "sqlite");
	ck_assert_uint_eq(s->version, W3W_STORAGE_VERSION);
	ck_assert_int_eq(s->ping(s), W3W_OK);
	s->free(s);

	/* NULL config: defaults. */
	ck_assert_int_eq(w3w_storage_sqlite_open(&s, "sqlite::memory:", NULL), W3W_OK);
	s->free(s);

	/* sqlite://PATH names the same file as sqlite:PATH. */
	ck_assert_int_eq(supply_create(SHOPPER, COIN, NULL), W3W_OK);
	snprintf(other, sizeof(other), "sqlite://%s", url + strlen("sqlite:"));
	ck_assert_int_eq(w3w_storage_sqlite_open(&s, other, &cfg), W3W_OK);
	{
		w3w_storage_query q = { "", 0, 10, "" };
		w3w_supply_page *page = NULL;
		ck_assert_int_eq(s->market->supply_list(s, &q, &page), W3W_OK);
		ck_assert_uint_eq(page->count, 1);
		w3w_supply_page_free(page);
	}
	s->free(s);

	/* An unopenable path is unavailable, not a crash. */
	ck_assert_int_eq(w3w_storage_sqlite_open(&s, "sqlite:/nonexistent-dir/x/y.db", &cfg), W3W_EUNAVAILABLE);
	ck_assert_ptr_null(s);
}
END_TEST

START_TEST(test_memory_database_is_private_and_usable)
{
	w3w_storage *a = NULL, *b = NULL;
	w3w_backend_config cfg = config(8);
	w3w_storage_query q = { "", 0, 10, "" };
	w3w_supply_page *page = NULL;

	ck_assert_int_eq(w3w_storage_sqlite_open(&a, "sqlite::memory:", &cfg), W3W_OK);
	ck_assert_int_eq(w3w_storage_sqlite_open(&b, "sqlite::memory:", &cfg), W3W_OK);
	ck_assert_int_eq(supply_create_in(a, SHOPPER, "USDT", COIN, NULL), W3W_OK);
	ck_assert_int_eq(a->market->supply_list(a, &q, &page), W3W_OK);
	ck_assert_uint_eq(page->count, 1);
	w3w_supply_page_free(page);
	ck_assert_int_eq(b->market->supply_list(b, &q, &page), W3W_OK);
	ck_assert_uint_eq(page->count, 0);
	w3w_supply_page_free(page);
	a->free(a);
	b->free(b);
}
END_TEST

/* ---- ledger --------------------------------------------------------------- */

START_TEST(test_partial_unique_index_refuses_second_live_claim)
{
	char id[W3W_ID_SIZE], sql[1024];
	w3w_supply s;
	w3w_claim c;

	ck_assert_int_eq(deposit(BUYER, 10 * COIN), W3W_OK);
	ck_assert_int_eq(supply_create(SHOPPER, 5 * COIN, &s), W3W_OK);
	ck_assert_int_eq(order_create(BUYER, COIN, 1, id), W3W_OK);
	ck_assert_int_eq(claim(id, SHOPPER, &c), W3W_OK);

	/* As if core had a bug: a second pending (or processed) claim on the order, by raw SQL. */
	snprintf(sql, sizeof(sql),
		"INSERT INTO claims(id, order_id, user_id, supply_id, status, claimed_at)"
		" VALUES ('01900000-0000-7000-8000-0000000eeee1', '%s', '%s', '%s', 'pending', 1)",
		id, SHOPPER2, s.id);
	ck_assert_int_eq(raw_sql(sql), SQLITE_CONSTRAINT);
	snprintf(sql, sizeof(sql),
		"INSERT INTO claims(id, order_id, user_id, supply_id, status, claimed_at)"
		" VALUES ('01900000-0000-7000-8000-0000000eeee2', '%s', '%s', '%s', 'processed', 1)",
		id, SHOPPER2, s.id);
	ck_assert_int_eq(raw_sql(sql), SQLITE_CONSTRAINT);
	/* Released claims are history and may be many. */
	snprintf(sql, sizeof(sql),
		"INSERT INTO claims(id, order_id, user_id, supply_id, status, claimed_at, released_at)"
		" VALUES ('01900000-0000-7000-8000-0000000eeee3', '%s', '%s', '%s', 'released', 1, 2)",
		id, SHOPPER2, s.id);
	ck_assert_int_eq(raw_sql(sql), SQLITE_OK);

	/* Even if the order were reopened behind our back, the index refuses a second live claim. */
	snprintf(sql, sizeof(sql), "UPDATE orders SET status = 'open' WHERE id = '%s'", id);
	ck_assert_int_eq(raw_sql(sql), SQLITE_OK);
	ck_assert_int_eq(supply_create(SHOPPER2, 5 * COIN, NULL), W3W_OK);
	ck_assert_int_eq(claim(id, SHOPPER2, NULL), W3W_ECONFLICT);
	ck_assert_int_eq(order_status(id), W3W_ORDER_OPEN);
}
END_TEST

/* ---- rollback and idempotency -------------------------------------------- */


/* ---- concurrency ---------------------------------------------------------- */

#define RACE_ORDERS 200
#define RACE_THREADS 8

typedef struct race_ctx {
	w3w_storage *storage;
	char user[W3W_ID_SIZE];
	char (*orders)[W3W_ID_SIZE];
	int *wins;          /* per order, atomically incremented */
	int ok, conflict, other;
} race_ctx;

static void *race_thread(void *arg)
{
	race_ctx *r = arg;
	for (int i = 0; i < RACE_ORDERS; i++) {
		w3w_claim c;
		w3w_status rc = claim_in(r->storage, r->orders[i], r->user, NULL, &c, NULL);
		if (rc == W3W_OK) {
			__atomic_add_fetch(&r->wins[i], 1, __ATOMIC_RELAXED);
			r->ok++;
		} else if (rc == W3W_ECONFLICT) {
			r->conflict++;
		} else {
			r->other++;
		}
	}
	return NULL;
}

START_TEST(test_claim_race_threads_and_two_handles)
{
	static char orders[RACE_ORDERS][W3W_ID_SIZE];
	static int wins[RACE_ORDERS];
	race_ctx ctx[RACE_THREADS];
	pthread_t th[RACE_THREADS];
	w3w_storage *second = NULL;
	w3w_backend_config cfg = config(4);
	int64_t events;
	int total_ok = 0;
	w3w_ledger_totals t;

	/* A second handle on the same file stands in for another process. */
	ck_assert_int_eq(w3w_storage_sqlite_open(&second, url, &cfg), W3W_OK);
	ck_assert_int_eq(deposit(BUYER, RACE_ORDERS * COIN), W3W_OK);
	for (int i = 0; i < RACE_ORDERS; i++) {
		ck_assert_int_eq(order_create(BUYER, COIN, 1, orders[i]), W3W_OK);
		wins[i] = 0;
	}
	for (int k = 0; k < RACE_THREADS; k++) {
		memset(&ctx[k], 0, sizeof(ctx[k]));
		ctx[k].storage = k % 2 ? second : st;
		snprintf(ctx[k].user, sizeof(ctx[k].user), "01900000-0000-7000-8000-0000000dd%03x", (unsigned)k & 0xfffu);
		ctx[k].orders = orders;
		ctx[k].wins = wins;
		ck_assert_int_eq(supply_create(ctx[k].user, RACE_ORDERS * COIN, NULL), W3W_OK);
	}
	events = outbox_total();
	for (int k = 0; k < RACE_THREADS; k++)
		ck_assert_int_eq(pthread_create(&th[k], NULL, race_thread, &ctx[k]), 0);
	for (int k = 0; k < RACE_THREADS; k++)
		pthread_join(th[k], NULL);

	for (int i = 0; i < RACE_ORDERS; i++)
		ck_assert_int_eq(wins[i], 1);
	for (int k = 0; k < RACE_THREADS; k++) {
		ck_assert_int_eq(ctx[k].other, 0);
		ck_assert_int_eq(ctx[k].ok + ctx[k].conflict, RACE_ORDERS);
		total_ok += ctx[k].ok;
	}
	ck_assert_int_eq(total_ok, RACE_ORDERS);
	/* One event per committed claim, none for the refused ones. */
	ck_assert_int_eq(outbox_total(), events + RACE_ORDERS);
	ck_assert_int_eq(second->market->ledger_totals(second, "USDT", &t), W3W_OK);
	ck_assert_int_eq(t.reserved, RACE_ORDERS * COIN);
	check_invariants();
	second->free(second);
}
END_TEST

/* ---- several processes ----------------------------------------------------- */

#define PROCS 4
#define PROC_ORDERS 100

/*
 * Fork `n` children that start together; child k runs fn(k) and reports
 * its int result through a pipe (exit codes are not reliable under
 * valgrind, which replaces them when a child's exit shows leaks). The
 * parent's handle is closed across the fork: SQLite handles must not cross
 * it, and its checkpoint thread must not hold a lock when the children copy
 * the process.
 */
static void run_processes(int n, int (*fn)(int k), int results[])
{
	int go[2], res[PROCS][2];
	pid_t pids[PROCS];
	w3w_backend_config cfg = config(4);

	ck_assert_int_le(n, PROCS);
	st->free(st);
	st = NULL;
	ck_assert_int_eq(pipe(go), 0);
	for (int k = 0; k < n; k++) {
		ck_assert_int_eq(pipe(res[k]), 0);
		pids[k] = fork();
		ck_assert_int_ge(pids[k], 0);
		if (pids[k] == 0) {
			char b;
			int r;
			close(go[1]);
			close(res[k][0]);
			/* Blocks until the parent closes its end: all children start at once. */
			r = read(go[0], &b, 1) < 0 ? -100 : fn(k);
			_exit(write(res[k][1], &r, sizeof(r)) == (ssize_t)sizeof(r) ? 0 : 1);
		}
		close(res[k][1]);
	}
	close(go[0]);
	close(go[1]);
	for (int k = 0; k < n; k++) {
		int status = 0;
		results[k] = -200;
		ck_assert_int_eq(read(res[k][0], &results[k], sizeof(results[k])), (ssize_t)sizeof(results[k]));
		close(res[k][0]);
		ck_assert_int_eq(waitpid(pids[k], &status, 0), pids[k]);
	}
	ck_assert_int_eq(w3w_storage_sqlite_open(&st, url, &cfg), W3W_OK);
}

static char fresh_url[160];

/* A child: open a new file at the same moment as the others, write one supply. */
static int open_fresh(int k)
{
	w3w_backend_config cfg = config(2);
	w3w_storage *s = NULL;
	char user[W3W_ID_SIZE];
	int rc;

	/* Ids of each child are its own. */
	id_counter += (unsigned long long)(k + 1) << 32;
	snprintf(user, sizeof(user), "01900000-0000-7000-8000-0000000ee%03x", (unsigned)k & 0xfffu);
	if (w3w_storage_sqlite_open(&s, fresh_url, &cfg) != W3W_OK) {
		fprintf(stderr, "process %d: %s\n", k, w3w_error_message());
		return 1;
	}
	rc = supply_create_in(s, user, "USDT", COIN, NULL) == W3W_OK ? 0 : 2;
	if (rc)
		fprintf(stderr, "process %d: %s\n", k, w3w_error_message());
	s->free(s);
	return rc;
}

START_TEST(test_processes_open_a_new_file_at_once)
{
	int results[PROCS];
	w3w_storage *s = NULL;
	w3w_backend_config cfg = config(2);
	w3w_storage_query q = { "", 0, 100, "" };
	w3w_supply_page *page = NULL;
	sqlite3 *db = NULL;
	sqlite3_stmt *stmt = NULL;

	snprintf(fresh_url, sizeof(fresh_url), "sqlite:%s/fresh.db", dir);
	run_processes(PROCS, open_fresh, results);
	for (int k = 0; k < PROCS; k++)
		ck_assert_int_eq(results[k], 0);
	ck_assert_int_eq(w3w_storage_sqlite_open(&s, fresh_url, &cfg), W3W_OK);
	ck_assert_int_eq(s->market->supply_list(s, &q, &page), W3W_OK);
	ck_assert_uint_eq(page->count, PROCS);
	w3w_supply_page_free(page);
	s->free(s);

	/* The migration ran exactly once. */
	ck_assert_int_eq(sqlite3_open(fresh_url + strlen("sqlite:"), &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT COUNT(*), MAX(version) FROM schema_version", -1, &stmt, NULL),
		SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_int(stmt, 0), W3W__SQ_SCHEMA_VERSION);
	ck_assert_int_eq(sqlite3_column_int(stmt, 1), W3W__SQ_SCHEMA_VERSION);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
}
END_TEST

static char proc_orders[PROC_ORDERS][W3W_ID_SIZE];

/* A child: its own handle (as another process would have), claim every order; exit code = wins. */
static int claim_all(int k)
{
	w3w_backend_config cfg = config(2);
	w3w_storage *s = NULL;
	char user[W3W_ID_SIZE];
	int wins = 0;

	id_counter += (unsigned long long)(k + 1) << 32;
	snprintf(user, sizeof(user), "01900000-0000-7000-8000-0000000ff%03x", (unsigned)k & 0xfffu);
	if (w3w_storage_sqlite_open(&s, url, &cfg) != W3W_OK) {
		fprintf(stderr, "process %d: %s\n", k, w3w_error_message());
		return -1;
	}
	for (int i = 0; i < PROC_ORDERS; i++) {
		w3w_status rc = claim_in(s, proc_orders[i], user, NULL, NULL, NULL);
		if (rc == W3W_OK)
			wins++;
		else if (rc != W3W_ECONFLICT) {
			fprintf(stderr, "process %d: %s\n", k, w3w_error_message());
			wins = -1000;
		}
	}
	s->free(s);
	return wins;
}

START_TEST(test_claim_race_across_processes)
{
	int results[PROCS], total = 0;
	int64_t events;
	w3w_claim c;

	ck_assert_int_eq(deposit(BUYER, PROC_ORDERS * COIN), W3W_OK);
	for (int i = 0; i < PROC_ORDERS; i++)
		ck_assert_int_eq(order_create(BUYER, COIN, 1, proc_orders[i]), W3W_OK);
	for (int k = 0; k < PROCS; k++) {
		char user[W3W_ID_SIZE];
		snprintf(user, sizeof(user), "01900000-0000-7000-8000-0000000ff%03x", (unsigned)k & 0xfffu);
		ck_assert_int_eq(supply_create(user, PROC_ORDERS * COIN, NULL), W3W_OK);
	}
	events = outbox_total();
	run_processes(PROCS, claim_all, results);
	for (int k = 0; k < PROCS; k++) {
		ck_assert_int_ge(results[k], 0);
		ck_assert_int_le(results[k], PROC_ORDERS);
		total += results[k];
	}
	ck_assert_int_eq(total, PROC_ORDERS);
	for (int i = 0; i < PROC_ORDERS; i++) {
		ck_assert_int_eq(order_status(proc_orders[i]), W3W_ORDER_CLAIMED);
		ck_assert_int_eq(st->market->claim_get_live(st, proc_orders[i], &c), W3W_OK);
	}
	ck_assert_int_eq(outbox_total(), events + PROC_ORDERS);
	check_invariants();
}
END_TEST

/* ---- migrations and durability -------------------------------------------- */

START_TEST(test_newer_schema_refused)
{
	w3w_storage *s = NULL;
	w3w_backend_config cfg = config(2);

	st->free(st);
	st = NULL;
	ck_assert_int_eq(raw_sql("INSERT INTO schema_version(version, applied_at) VALUES (999, 0)"), SQLITE_OK);
	ck_assert_int_eq(w3w_storage_sqlite_open(&s, url, &cfg), W3W_EVERSION);
	ck_assert_ptr_null(s);
	{
		char known[16];
		snprintf(known, sizeof(known), "(%d)", W3W__SQ_SCHEMA_VERSION);
		ck_assert_ptr_nonnull(strstr(w3w_error_message(), "999"));
		ck_assert_ptr_nonnull(strstr(w3w_error_message(), known));
	}
}
END_TEST

START_TEST(test_reopen_keeps_everything)
{
	w3w_backend_config cfg = config(2);
	char id[W3W_ID_SIZE];
	w3w_claim c;
	w3w_outbox_stats s;

	ck_assert_int_eq(deposit(BUYER, 10 * COIN), W3W_OK);
	ck_assert_int_eq(supply_create(SHOPPER, 5 * COIN, NULL), W3W_OK);
	ck_assert_int_eq(order_create(BUYER, COIN, 2, id), W3W_OK);
	ck_assert_int_eq(claim(id, SHOPPER, &c), W3W_OK);
	st->free(st);
	st = NULL;

	/* Reopening (migrations already applied) finds it all. */
	ck_assert_int_eq(w3w_storage_sqlite_open(&st, url, &cfg), W3W_OK);
	ck_assert_int_eq(order_status(id), W3W_ORDER_CLAIMED);
	ck_assert_int_eq(st->market->claim_get_live(st, id, &c), W3W_OK);
	ck_assert_int_eq(account_of(BUYER).held, 3 * COIN);
	ck_assert_int_eq(st->outbox->stats(st, &s), W3W_OK);
	ck_assert_int_eq(s.total, 4);
	ck_assert_int_eq(st->ping(st), W3W_OK);
	check_invariants();
}
END_TEST

static Suite *sqlite_storage_suite(void)
{
	Suite *s = suite_create("sqlite_storage");
	TCase *tc = tcase_create("commands");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_open_urls);
	tcase_add_test(tc, test_memory_database_is_private_and_usable);
	tcase_add_test(tc, test_partial_unique_index_refuses_second_live_claim);
	tcase_add_test(tc, test_claim_race_threads_and_two_handles);
	tcase_add_test(tc, test_processes_open_a_new_file_at_once);
	tcase_add_test(tc, test_claim_race_across_processes);
	tcase_add_test(tc, test_newer_schema_refused);
	tcase_add_test(tc, test_reopen_keeps_everything);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(sqlite_storage_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

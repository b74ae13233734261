/*
 * What only the PostgreSQL storage backend has: migrations and its schema,
 * connection URLs and failures, how values are stored, two processes on one
 * database, the pool, timeouts, dropped connections and lost answers, the
 * SQLSTATE table. Everything every backend must do is in tests/contract (run
 * here by contract_postgres); this file drives the backend with the same
 * helpers (tests/contract/helpers.c). Needs W3W_TEST_PG_URL (set by
 * scripts/services/with-services.sh); without it the suite FAILS.
 *
 * Every test works in a schema of its own (search_path in the URL's
 * options), created before and dropped after it.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <libpq-fe.h>
#include <valgrind/valgrind.h>

#include "storage/postgres/pg.h" /* the pool, to hold its connections; before contract.h, whose `st` it would shadow */
#include "contract/contract.h"

/* Timeouts and time bounds stretch under valgrind (SCRAM's PBKDF2 alone takes seconds there). */
#define T(ms) ((ms) * (RUNNING_ON_VALGRIND ? 10 : 1))

static const char *base_url;
static char schema[64];
static char url[1024];
w3w_storage *st; /* the helpers of tests/contract/helpers.c drive it */

/* ---- helpers ------------------------------------------------------------------ */

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* `base` with search_path set to `sch`. */
static void url_for(char *out, size_t size, const char *base, const char *sch)
{
	if (strstr(base, "://"))
		snprintf(out, size, "%s%coptions=-csearch_path%%3D%s", base, strchr(base, '?') ? '&' : '?', sch);
	else
		snprintf(out, size, "%s options='-csearch_path=%s'", base, sch);
}

static void quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static PGconn *connect_quiet(const char *u)
{
	PGconn *c = PQconnectdb(u);
	ck_assert_msg(PQstatus(c) == CONNECTION_OK, "raw connection: %s", PQerrorMessage(c));
	PQsetNoticeProcessor(c, quiet, NULL);
	return c;
}

static PGconn *raw(void)
{
	return connect_quiet(url);
}

static void sql_on(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK,
		"%s: %s", sql, PQresultErrorMessage(r));
	PQclear(r);
}

static void sql(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sql(const char *fmt, ...)
{
	char q[2048];
	va_list ap;
	PGconn *c = raw();
	va_start(ap, fmt);
	vsnprintf(q, sizeof(q), fmt, ap);
	va_end(ap);
	sql_on(c, q);
	PQfinish(c);
}

static int64_t sql_i64(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int64_t sql_i64(const char *fmt, ...)
{
	char q[2048];
	va_list ap;
	PGconn *c = raw();
	PGresult *r;
	int64_t v;
	va_start(ap, fmt);
	vsnprintf(q, sizeof(q), fmt, ap);
	va_end(ap);
	r = PQexec(c, q);
	ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1, "%s: %s", q,
		PQresultErrorMessage(r));
	v = PQgetisnull(r, 0, 0) ? -1 : strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	PQfinish(c);
	return v;
}

static int64_t count(const char *table)
{
	return sql_i64("SELECT count(*) FROM %s", table);
}

static void open_storage(w3w_storage **out, int pool, int timeout_ms)
{
	w3w_backend_config cfg = { W3W_BACKEND_CONFIG_VERSION, pool, timeout_ms, "test" };
	w3w_status s = w3w_storage_postgres_open(out, url, &cfg);
	ck_assert_msg(s == W3W_OK, "open: %d %s", s, w3w_error_message());
}

static void setup(void)
{
	static int n;
	PGconn *c;
	char q[256];

	snprintf(schema, sizeof(schema), "w3w_t%d_%d", (int)getpid(), ++n);
	c = connect_quiet(base_url);
	snprintf(q, sizeof(q), "CREATE SCHEMA %s", schema);
	sql_on(c, q);
	PQfinish(c);
	url_for(url, sizeof(url), base_url, schema);
	open_storage(&st, 8, T(5000));
}

static void teardown(void)
{
	PGconn *c;
	char q[256];

	if (st)
		st->free(st);
	st = NULL;
	c = connect_quiet(base_url);
	snprintf(q, sizeof(q), "DROP SCHEMA IF EXISTS %s CASCADE", schema);
	PQclear(PQexec(c, q));
	PQfinish(c);
}

#define U(name) char name[W3W_ID_SIZE]; new_id(name)

/* ---- open, migrations, configuration ---------------------------------------- */

START_TEST(test_open_migrates_once)
{
	w3w_storage *again = NULL;

	ck_assert_str_eq(st->name, "postgres");
	ck_assert_int_eq(st->version, W3W_STORAGE_VERSION);
	ck_assert_int_eq(sql_i64("SELECT max(version) FROM schema_version"), W3W__PG_SCHEMA_VERSION);
	ck_assert_int_eq(count("schema_version"), W3W__PG_SCHEMA_VERSION);
	ck_assert_int_eq(sql_i64("SELECT count(*) FROM pg_indexes WHERE schemaname = '%s'"
		" AND indexname IN ('uq_claims_live_order', 'idx_orders_open', 'uq_transfers_deposit_reference')",
		schema), 3);
	open_storage(&again, 2, T(5000));
	ck_assert_int_eq(count("schema_version"), W3W__PG_SCHEMA_VERSION);
	ck_assert_int_eq(again->ping(again), W3W_OK);
	again->free(again);
}
END_TEST

static void *open_thread(void *arg)
{
	w3w_backend_config cfg = { W3W_BACKEND_CONFIG_VERSION, 1, T(10000), "test" };
	w3w_storage *s = NULL;
	w3w_status *rc = arg;

	*rc = w3w_storage_postgres_open(&s, url, &cfg);
	if (s)
		s->free(s);
	return NULL;
}

START_TEST(test_open_concurrent_migrations)
{
	pthread_t th[6];
	w3w_status rc[6];
	PGconn *c;
	char q[256];

	/* A fresh schema that six openers race to migrate. */
	st->free(st);
	st = NULL;
	c = connect_quiet(base_url);
	snprintf(q, sizeof(q), "DROP SCHEMA %s CASCADE; CREATE SCHEMA %s", schema, schema);
	sql_on(c, q);
	PQfinish(c);
	for (int i = 0; i < 6; i++)
		pthread_create(&th[i], NULL, open_thread, &rc[i]);
	for (int i = 0; i < 6; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < 6; i++)
		ck_assert_msg(rc[i] == W3W_OK, "opener %d: %d", i, rc[i]);
	ck_assert_int_eq(count("schema_version"), W3W__PG_SCHEMA_VERSION);
	ck_assert_int_eq(sql_i64("SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
		" WHERE n.nspname = '%s' AND p.proname = 'w3w_claim_create'", schema), 1);
}
END_TEST

START_TEST(test_newer_schema_refused)
{
	w3w_backend_config cfg = { W3W_BACKEND_CONFIG_VERSION, 2, T(5000), "test" };
	w3w_storage *s = NULL;
	w3w_status rc;

	char known[16];

	sql("INSERT INTO schema_version (version) VALUES (%d)", W3W__PG_SCHEMA_VERSION + 5);
	rc = w3w_storage_postgres_open(&s, url, &cfg);
	ck_assert_int_eq(rc, W3W_EVERSION);
	ck_assert_ptr_null(s);
	snprintf(known, sizeof(known), "(%d)", W3W__PG_SCHEMA_VERSION);
	ck_assert_msg(strstr(w3w_error_message(), "newer than this library supports") &&
		strstr(w3w_error_message(), known), "%s", w3w_error_message());
	ck_assert_int_eq(count("schema_version"), W3W__PG_SCHEMA_VERSION + 1);
}
END_TEST

/* Open `u` with a short timeout; returns the status and the elapsed ms. */
static w3w_status try_open(const char *u, int timeout_ms, int64_t *ms)
{
	w3w_backend_config cfg = { W3W_BACKEND_CONFIG_VERSION, 2, timeout_ms, "test" };
	w3w_storage *s = NULL;
	int64_t t0 = mono_ms();
	w3w_status rc = w3w_storage_postgres_open(&s, u, &cfg);

	*ms = mono_ms() - t0;
	if (s)
		s->free(s);
	return rc;
}

/* host and port of the test server, from its URL. */
static void server_of(char *host, char *port)
{
	PQconninfoOption *o = PQconninfoParse(base_url, NULL);
	ck_assert_ptr_nonnull(o);
	strcpy(host, "127.0.0.1");
	strcpy(port, "5432");
	for (PQconninfoOption *p = o; p->keyword; p++) {
		if (strcmp(p->keyword, "host") == 0 && p->val)
			snprintf(host, 64, "%s", p->val);
		if (strcmp(p->keyword, "port") == 0 && p->val)
			snprintf(port, 16, "%s", p->val);
	}
	PQconninfoFree(o);
}

START_TEST(test_bad_config_fails_fast_and_clearly)
{
	char host[64], port[16], u[512], expect[64];
	const char *msg;
	int64_t ms;
	int fd, one = 1;
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);

	server_of(host, port);

	ck_assert_int_eq(try_open("this is not a url", 1000, &ms), W3W_EINVAL);
	ck_assert_msg(strstr(w3w_error_message(), "postgres: bad connection URL"), "%s", w3w_error_message());
	ck_assert_int_eq(try_open(NULL, 1000, &ms), W3W_EINVAL);

	/* Nothing listens on port 1: refused at once; the password never shows. */
	ck_assert_int_eq(try_open("postgres://w3w:s3cr3t-pw@127.0.0.1:1/w3w", T(2000), &ms), W3W_EUNAVAILABLE);
	msg = w3w_error_message();
	ck_assert_msg(strstr(msg, "host=127.0.0.1 port=1") && !strstr(msg, "s3cr3t"), "%s", msg);
	ck_assert_int_lt(ms, T(1500));

	/* A server that accepts TCP but never answers: bounded by the timeout. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(fd, 8), 0);
	getsockname(fd, (struct sockaddr *)&sa, &len);
	snprintf(u, sizeof(u), "postgres://w3w:s3cr3t-pw@127.0.0.1:%d/w3w", ntohs(sa.sin_port));
	ck_assert_int_eq(try_open(u, T(800), &ms), W3W_EUNAVAILABLE);
	snprintf(expect, sizeof(expect), "no answer within %d ms", T(800));
	ck_assert_msg(strstr(w3w_error_message(), expect), "%s", w3w_error_message());
	ck_assert_int_ge(ms, T(700));
	ck_assert_int_lt(ms, T(2000));
	close(fd);

	/* Wrong password, wrong database: the server's reason, no password. */
	snprintf(u, sizeof(u), "postgresql://w3w:wrong-s3cr3t@%s:%s/w3w", host, port);
	ck_assert_int_eq(try_open(u, T(3000), &ms), W3W_EUNAVAILABLE);
	msg = w3w_error_message();
	ck_assert_msg(strstr(msg, "password authentication failed") && !strstr(msg, "s3cr3t"), "%s", msg);
	snprintf(u, sizeof(u), "host=%s port=%s user=w3w password='wrong s3cr3t' dbname=w3w", host, port);
	ck_assert_int_eq(try_open(u, T(3000), &ms), W3W_EUNAVAILABLE);
	ck_assert_msg(!strstr(w3w_error_message(), "s3cr3t"), "%s", w3w_error_message());
	snprintf(u, sizeof(u), "postgres://w3w:w3w@%s:%s/no_such_db_w3w", host, port);
	ck_assert_int_eq(try_open(u, T(3000), &ms), W3W_EUNAVAILABLE);
	ck_assert_msg(strstr(w3w_error_message(), "\"no_such_db_w3w\" does not exist"), "%s", w3w_error_message());
}
END_TEST

START_TEST(test_conninfo_and_postgresql_scheme)
{
	char host[64], port[16], u[512], full[1024];
	w3w_storage *s = NULL;
	w3w_backend_config cfg = { W3W_BACKEND_CONFIG_VERSION, 1, T(3000), "test" };
	const char *conninfo = getenv("W3W_TEST_PG_CONNINFO");

	server_of(host, port);
	if (conninfo)
		snprintf(u, sizeof(u), "%s", conninfo);
	else
		snprintf(u, sizeof(u), "host=%s port=%s user=w3w password=w3w dbname=w3w", host, port);
	url_for(full, sizeof(full), u, schema);
	ck_assert_msg(w3w_storage_postgres_open(&s, full, &cfg) == W3W_OK, "%s", w3w_error_message());
	ck_assert_int_eq(s->ping(s), W3W_OK);
	s->free(s);
	if (strncmp(base_url, "postgres://", 11) == 0) {
		snprintf(u, sizeof(u), "postgresql://%s", base_url + 11);
		url_for(full, sizeof(full), u, schema);
		ck_assert_msg(w3w_storage_postgres_open(&s, full, &cfg) == W3W_OK, "%s", w3w_error_message());
		s->free(s);
	}
}
END_TEST

/* ---- how values are stored ---------------------------------------------------- */

/* Other SQL readers see amounts as numeric(.., 8) and times as timestamptz (the contract checks the round trip). */
START_TEST(test_amounts_and_times_stored_as_numeric_and_timestamptz)
{
	w3w_cmd_supply_create cmd;
	w3w_supply s;

	memset(&cmd, 0, sizeof(cmd));
	new_id(cmd.s.id);
	meta_init(&cmd.meta, SHOPPER, NULL, 3, "supply.created", cmd.s.id);
	strcpy(cmd.s.user_id, SHOPPER);
	strcpy(cmd.s.currency, "BTC");
	cmd.s.amount = 1;
	cmd.s.status = W3W_SUPPLY_ACTIVE;
	cmd.s.created_at = 1700000000123457LL;
	cmd.s.updated_at = 4102444800000001LL;
	ck_assert_int_eq(st->market->supply_create(st, &cmd, &s), W3W_OK);
	ck_assert_int_eq(sql_i64("SELECT count(*) FROM supplies WHERE created_at = '2023-11-14 22:13:20.123457+00'"), 1);
	ck_assert_int_eq(sql_i64("SELECT count(*) FROM supplies WHERE updated_at = '2100-01-01 00:00:00.000001+00'"), 1);
	ck_assert_int_eq(sql_i64("SELECT count(*) FROM supplies WHERE amount = 0.00000001"), 1);
}
END_TEST

START_TEST(test_live_claim_index_refuses_raw_insert)
{
	U(buyer); U(shopper);
	char oid[W3W_ID_SIZE];
	w3w_supply s;
	w3w_claim c;
	PGconn *conn;
	PGresult *r;
	char q[512];

	ck_assert_int_eq(deposit(buyer, COIN), W3W_OK);
	ck_assert_int_eq(order_create(buyer, COIN, 1, oid), W3W_OK);
	ck_assert_int_eq(supply_create(shopper, COIN, &s), W3W_OK);
	ck_assert_int_eq(claim(oid, shopper, &c), W3W_OK);
	conn = raw();
	snprintf(q, sizeof(q), "INSERT INTO claims (id, order_id, user_id, supply_id, status, claimed_at)"
		" VALUES (gen_random_uuid(), '%s', '%s', '%s', 'pending', now())", oid, shopper, s.id);
	r = PQexec(conn, q);
	ck_assert_int_eq(PQresultStatus(r), PGRES_FATAL_ERROR);
	ck_assert_str_eq(PQresultErrorField(r, PG_DIAG_SQLSTATE), "23505");
	ck_assert_str_eq(PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME), "uq_claims_live_order");
	PQclear(r);
	/* A released claim may sit beside a live one. */
	snprintf(q, sizeof(q), "INSERT INTO claims (id, order_id, user_id, supply_id, status, claimed_at)"
		" VALUES (gen_random_uuid(), '%s', '%s', '%s', 'released', now())", oid, shopper, s.id);
	sql_on(conn, q);
	PQfinish(conn);
}
END_TEST

/*
 * Two processes x 8 threads, each thread a shopper, all claiming the same
 * orders and processing what they win. Counts come back through a pipe.
 */
#define XP_THREADS 8

typedef struct xp_thread {
	w3w_storage *st;
	char shopper[W3W_ID_SIZE];
	const char *buyer;
	char (*orders)[W3W_ID_SIZE];
	int n, won, lost, processed, other;
	char why[200];
	unsigned int seed;
} xp_thread;

static void *xp_worker(void *arg)
{
	xp_thread *t = arg;
	int *idx = malloc(sizeof(int) * (size_t)t->n);

	for (int i = 0; i < t->n; i++)
		idx[i] = i;
	for (int i = t->n - 1; i > 0; i--) {
		int j = (int)(rand_r(&t->seed) % (unsigned)(i + 1)), x = idx[i];
		idx[i] = idx[j];
		idx[j] = x;
	}
	for (int i = 0; i < t->n; i++) {
		w3w_cmd_claim_process cp;
		w3w_claim c;
		w3w_status s;
		s = claim_in(t->st, t->orders[idx[i]], t->shopper, NULL, &c, NULL);
		if (s == W3W_OK) {
			t->won++;
			memset(&cp, 0, sizeof(cp));
			meta_init(&cp.meta, t->buyer, NULL, 9, "claim.processed", c.id);
			strcpy(cp.id, c.id);
			new_id(cp.settlement.id);
			cp.settlement.created_at = cp.meta.now;
			s = t->st->market->claim_process(t->st, &cp, &c);
			if (s == W3W_OK)
				t->processed++;
		} else if (s == W3W_ECONFLICT) {
			t->lost++;
			continue;
		}
		if (s != W3W_OK && t->other++ == 0)
			snprintf(t->why, sizeof(t->why), "%d %s", s, w3w_error_message());
	}
	free(idx);
	return NULL;
}

/* One "process": its own storage handle, 8 shopper threads; totals into sum (won, lost, processed, other). */
static void xp_run(const char *buyer, char (*orders)[W3W_ID_SIZE], int n, int salt, int sum[4], char why[200])
{
	w3w_backend_config cfg = { W3W_BACKEND_CONFIG_VERSION, XP_THREADS, T(10000), "test" };
	xp_thread t[XP_THREADS];
	pthread_t th[XP_THREADS];
	w3w_storage *mine = NULL;

	/* No ck_assert in here: in a forked child it would report into the parent's run. */
	memset(sum, 0, 4 * sizeof(int));
	why[0] = '\0';
	if (w3w_storage_postgres_open(&mine, url, &cfg) != W3W_OK) {
		sum[3] = 1;
		snprintf(why, 200, "open: %s", w3w_error_message());
		return;
	}
	for (int i = 0; i < XP_THREADS; i++) {
		memset(&t[i], 0, sizeof(t[i]));
		new_id(t[i].shopper);
		t[i].st = mine;
		t[i].buyer = buyer;
		t[i].orders = orders;
		t[i].n = n;
		t[i].seed = (unsigned)(salt * 100 + i + 1);
		if (supply_create_in(mine, t[i].shopper, "USDT", (int64_t)n * COIN, NULL) != W3W_OK && sum[3]++ == 0)
			snprintf(why, 200, "supply: %s", w3w_error_message());
	}
	for (int i = 0; i < XP_THREADS; i++)
		pthread_create(&th[i], NULL, xp_worker, &t[i]);
	for (int i = 0; i < XP_THREADS; i++) {
		pthread_join(th[i], NULL);
		sum[0] += t[i].won;
		sum[1] += t[i].lost;
		sum[2] += t[i].processed;
		sum[3] += t[i].other;
		if (t[i].other && !why[0])
			snprintf(why, 200, "%s", t[i].why);
	}
	mine->free(mine);
}

/* The forked child: run, write the totals to `fd`, leave without the parent's atexit handlers. */
static void xp_child(int fd, const char *buyer, char (*orders)[W3W_ID_SIZE], int n, int salt)
{
	int sum[4];
	char why[200];

	id_counter += (unsigned long long)salt << 32; /* each child makes ids of its own range */
	xp_run(buyer, orders, n, salt, sum, why);
	if (write(fd, sum, sizeof(sum)) != (ssize_t)sizeof(sum) || write(fd, why, sizeof(why)) != (ssize_t)sizeof(why))
		_exit(2);
	_exit(0);
}

typedef struct xp_in_thread {
	const char *buyer;
	char (*orders)[W3W_ID_SIZE];
	int n, salt, sum[4];
	char why[200];
} xp_in_thread;

static void *xp_thread_run(void *arg)
{
	xp_in_thread *x = arg;
	xp_run(x->buyer, x->orders, x->n, x->salt, x->sum, x->why);
	return NULL;
}

typedef struct xp_setup {
	const char *buyer;
	char (*orders)[W3W_ID_SIZE];
	int from, to;
	w3w_status rc;
} xp_setup;

static void *xp_create_orders(void *arg)
{
	xp_setup *x = arg;
	for (int i = x->from; i < x->to && x->rc == W3W_OK; i++)
		x->rc = order_create(x->buyer, COIN, 1, x->orders[i]);
	return NULL;
}

START_TEST(test_two_processes_claim_and_process)
{
	/* 500 at the storage level; tests/e2e runs the full 2,000 through the public API. */
	const int n = RUNNING_ON_VALGRIND ? 100 : 500;
	char (*orders)[W3W_ID_SIZE] = calloc((size_t)n, W3W_ID_SIZE);
	int fds[2][2], won = 0, lost = 0, processed = 0;
	pid_t pid[2];
	xp_setup setup[4];
	pthread_t th[4];
	U(buyer);

	ck_assert_int_eq(deposit(buyer, (int64_t)n * COIN), W3W_OK);
	for (int i = 0; i < 4; i++) {
		setup[i] = (xp_setup){ buyer, orders, n * i / 4, n * (i + 1) / 4, W3W_OK };
		pthread_create(&th[i], NULL, xp_create_orders, &setup[i]);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(setup[i].rc, W3W_OK);

	/* The parent's pool must not be shared with the children: close it first. */
	st->free(st);
	st = NULL;
	if (RUNNING_ON_VALGRIND) {
		/*
		 * Valgrind follows fork(), and a child leaving with _exit() shows the
		 * parent's inherited heap as "still reachable": two storage handles
		 * in threads instead (separate pools and sessions, as two processes).
		 */
		xp_in_thread x[2];
		pthread_t xt[2];
		for (int p = 0; p < 2; p++) {
			memset(&x[p], 0, sizeof(x[p]));
			x[p] = (xp_in_thread){ buyer, orders, n, p + 1, { 0 }, "" };
			pthread_create(&xt[p], NULL, xp_thread_run, &x[p]);
		}
		for (int p = 0; p < 2; p++)
			pthread_join(xt[p], NULL);
		for (int p = 0; p < 2; p++) {
			ck_assert_msg(x[p].sum[3] == 0, "handle %d: %d unexpected answers, first: %s", p, x[p].sum[3], x[p].why);
			won += x[p].sum[0];
			lost += x[p].sum[1];
			processed += x[p].sum[2];
		}
	} else {
		for (int p = 0; p < 2; p++) {
			ck_assert_int_eq(pipe(fds[p]), 0);
			pid[p] = fork();
			ck_assert_int_ge(pid[p], 0);
			if (pid[p] == 0) {
				close(fds[p][0]);
				xp_child(fds[p][1], buyer, orders, n, p + 1);
			}
			close(fds[p][1]);
		}
		for (int p = 0; p < 2; p++) {
			int sum[4], status = 0;
			char why[200];
			ck_assert_int_eq(read(fds[p][0], sum, sizeof(sum)), (ssize_t)sizeof(sum));
			ck_assert_int_eq(read(fds[p][0], why, sizeof(why)), (ssize_t)sizeof(why));
			close(fds[p][0]);
			waitpid(pid[p], &status, 0);
			ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child %d ended badly", p);
			ck_assert_msg(sum[3] == 0, "child %d: %d unexpected answers, first: %s", p, sum[3], why);
			won += sum[0];
			lost += sum[1];
			processed += sum[2];
		}
	}
	free(orders);
	open_storage(&st, 4, T(5000));

	ck_assert_int_eq(won, n);
	ck_assert_int_eq(processed, n);
	ck_assert_int_eq(lost, n * (2 * XP_THREADS - 1));
	ck_assert_int_eq(sql_i64("SELECT count(*) FROM claims WHERE status IN ('pending','processed')"), n);
	ck_assert_int_eq(sql_i64("SELECT count(*) FROM (SELECT order_id FROM claims GROUP BY order_id"
		" HAVING count(*) FILTER (WHERE status IN ('pending','processed')) <> 1) x"), 0);
	ck_assert_int_eq(sql_i64("SELECT count(*) FROM orders WHERE status <> 'completed'"), 0);
	ck_assert_int_eq(account_of(buyer).balance, 0);
	ck_assert_int_eq(account_of(buyer).held, 0);
	ck_assert_int_eq(sql_i64("SELECT coalesce(sum(w3w_units(balance)), 0) FROM accounts"
		" WHERE currency = 'USDT' AND user_id <> '%s'", buyer), (int64_t)n * COIN);
	check_invariants();
	/* One event per committed command: deposit, n orders, 16 supplies, n claims, n settlements. */
	ck_assert_int_eq(count("outbox"), 1 + n + 2 * XP_THREADS + 2 * (int64_t)n);
	ck_assert_int_eq(sql_i64("SELECT count(DISTINCT id) FROM outbox"), count("outbox"));
	ck_assert_int_eq(count("audit_log"), count("outbox"));
}
END_TEST

/* ---- pool, timeouts, lost connections ------------------------------------------ */

typedef struct blocked {
	const char *user, *order;
	w3w_status rc;
	char msg[256];
	int64_t ms;
} blocked;

static void *blocked_claim(void *arg)
{
	blocked *b = arg;
	w3w_claim c;
	int64_t t0 = mono_ms();

	b->rc = claim(b->order, b->user, &c);
	snprintf(b->msg, sizeof(b->msg), "%s", w3w_error_message());
	b->ms = mono_ms() - t0;
	return NULL;
}

START_TEST(test_pool_wait_and_statement_timeout)
{
	U(buyer); U(shopper);
	char oid[W3W_ID_SIZE];
	w3w_supply s;
	w3w_claim c;
	w3w__pg_conn *held = NULL;
	PGconn *lock;
	char q[256], expect[64];
	int64_t t0;

	st->free(st);
	open_storage(&st, 1, T(1000));
	ck_assert_int_eq(deposit(buyer, COIN), W3W_OK);
	ck_assert_int_eq(order_create(buyer, COIN, 1, oid), W3W_OK);
	ck_assert_int_eq(supply_create(shopper, COIN, &s), W3W_OK);

	/* The pool's only connection is taken: a command waits timeout_ms for it, then gives up. */
	ck_assert_int_eq(w3w__pg_acquire(&w3w__pg_of(st)->pool, 0, &held), W3W_OK);
	t0 = mono_ms();
	ck_assert_int_eq(st->market->supply_get(st, s.id, &s), W3W_EUNAVAILABLE);
	snprintf(expect, sizeof(expect), "no free connection within %d ms", T(1000));
	ck_assert_msg(strstr(w3w_error_message(), expect), "%s", w3w_error_message());
	ck_assert_int_ge(mono_ms() - t0, T(900));
	ck_assert_int_lt(mono_ms() - t0, T(1500));
	w3w__pg_release(&w3w__pg_of(st)->pool, held, 0);
	ck_assert_int_eq(st->market->supply_get(st, s.id, &s), W3W_OK);

	/* Someone holds the order row longer than statement_timeout: the claim times out. */
	lock = raw();
	sql_on(lock, "BEGIN");
	snprintf(q, sizeof(q), "SELECT 1 FROM orders WHERE id = '%s' FOR UPDATE", oid);
	sql_on(lock, q);
	t0 = mono_ms();
	ck_assert_int_eq(claim(oid, shopper, &c), W3W_EUNAVAILABLE);
	ck_assert_msg(strstr(w3w_error_message(), "timed out"), "%s", w3w_error_message());
	ck_assert_int_lt(mono_ms() - t0, T(2500));
	sql_on(lock, "ROLLBACK");
	PQfinish(lock);

	/* Nothing of the timed-out claim remains; the pool works again. */
	ck_assert_int_eq(count("claims"), 0);
	ck_assert_int_eq(count("outbox"), 3);
	ck_assert_int_eq(claim(oid, shopper, &c), W3W_OK);
}
END_TEST

static int kill_backends(void)
{
	return (int)sql_i64("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
		" WHERE application_name = 'libw3wallet' AND datname = current_database()"
		" AND pid <> pg_backend_pid()");
}

START_TEST(test_dropped_connections_are_replaced)
{
	U(buyer); U(shopper);
	char oid[W3W_ID_SIZE];
	w3w_supply s;
	w3w_claim c;
	blocked b = { shopper, NULL, 0, "", 0 };
	pthread_t th;
	PGconn *lock;
	char q[256];
	int killed;

	ck_assert_int_eq(deposit(buyer, 2 * COIN), W3W_OK);
	ck_assert_int_eq(supply_create(shopper, 2 * COIN, &s), W3W_OK);
	ck_assert_int_ge(kill_backends(), 1);
	usleep(100 * 1000);
	/* Idle connections died: found dead before use, replaced, the command runs once. */
	ck_assert_int_eq(order_create(buyer, COIN, 1, oid), W3W_OK);
	ck_assert_int_eq(count("orders"), 1);

	/* Killed while the command waits on a lock: it rolled back, so it is retried. */
	lock = raw();
	sql_on(lock, "BEGIN");
	snprintf(q, sizeof(q), "SELECT 1 FROM orders WHERE id = '%s' FOR UPDATE", oid);
	sql_on(lock, q);
	b.order = oid;
	pthread_create(&th, NULL, blocked_claim, &b);
	usleep(300 * 1000);
	killed = kill_backends();
	usleep(300 * 1000);
	PQclear(PQexec(lock, "ROLLBACK"));
	PQfinish(lock);
	pthread_join(th, NULL);
	ck_assert_int_ge(killed, 1);
	ck_assert_msg(b.rc == W3W_OK, "%d %s", b.rc, b.msg);
	ck_assert_int_eq(count("claims"), 1);
	ck_assert_int_eq(sql_i64("SELECT count(*) FROM outbox WHERE type = 'order.claimed'"), 1);
	ck_assert_int_eq(claim(oid, shopper, &c), W3W_ECONFLICT);
	check_invariants();
}
END_TEST

/*
 * A TCP proxy between the backend and the server that can lose one
 * command's answer after the server ran it (CUT_ANSWER), or lose the
 * command itself (CUT_REQUEST). The next command sent by any connection is
 * the one cut (the pool sends nothing by itself).
 */
enum { PASS, CUT_ANSWER, CUT_REQUEST };

typedef struct proxy {
	int lfd, port, server_port;
	atomic_int mode;
	atomic_int cuts;
	atomic_int refuse_after_cut; /* the cut also stops the proxy listening: the database is gone */
	pthread_t th;
} proxy;

typedef struct proxy_pair {
	proxy *px;
	int client, server;
} proxy_pair;

static void *proxy_pair_run(void *arg)
{
	proxy_pair *pp = arg;
	int cutting = 0;
	char buf[65536];

	for (;;) {
		struct pollfd f[2] = { { pp->client, POLLIN, 0 }, { pp->server, POLLIN, 0 } };
		ssize_t n;
		if (poll(f, 2, -1) <= 0)
			break;
		if (f[0].revents) {
			int want = CUT_ANSWER;
			if ((n = read(pp->client, buf, sizeof(buf))) <= 0)
				break;
			if (atomic_compare_exchange_strong(&pp->px->mode, &want, PASS)) {
				cutting = 1; /* forward it; lose what comes back */
			} else if (want == CUT_REQUEST &&
			           atomic_compare_exchange_strong(&pp->px->mode, &want, PASS)) {
				atomic_fetch_add(&pp->px->cuts, 1);
				break;
			}
			if (write(pp->server, buf, (size_t)n) != n)
				break;
		}
		if (f[1].revents) {
			if ((n = read(pp->server, buf, sizeof(buf))) <= 0)
				break;
			if (cutting) {
				if (atomic_load(&pp->px->refuse_after_cut))
					shutdown(pp->px->lfd, SHUT_RDWR); /* before the client hears of the cut */
				atomic_fetch_add(&pp->px->cuts, 1);
				break;
			}
			if (write(pp->client, buf, (size_t)n) != n)
				break;
		}
	}
	close(pp->client);
	close(pp->server);
	free(pp);
	return NULL;
}

static void *proxy_accept(void *arg)
{
	proxy *px = arg;
	for (;;) {
		struct sockaddr_in sa;
		proxy_pair *pp;
		pthread_t th;
		int c = accept(px->lfd, NULL, NULL);
		if (c < 0)
			break;
		pp = malloc(sizeof(*pp));
		pp->px = px;
		pp->client = c;
		pp->server = socket(AF_INET, SOCK_STREAM, 0);
		memset(&sa, 0, sizeof(sa));
		sa.sin_family = AF_INET;
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sa.sin_port = htons((uint16_t)px->server_port);
		if (connect(pp->server, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
			close(pp->server);
			close(c);
			free(pp);
			continue;
		}
		pthread_create(&th, NULL, proxy_pair_run, pp);
		pthread_detach(th);
	}
	return NULL;
}

static void proxy_start(proxy *px, char *purl, size_t size)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	char host[64], port[16], base[512];
	PQconninfoOption *o = PQconninfoParse(base_url, NULL);
	const char *user = "", *password = "", *db = "";

	server_of(host, port);
	memset(px, 0, sizeof(*px));
	px->server_port = atoi(port);
	px->lfd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(px->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(px->lfd, 64), 0);
	getsockname(px->lfd, (struct sockaddr *)&sa, &len);
	px->port = ntohs(sa.sin_port);
	for (PQconninfoOption *p = o; p->keyword; p++) {
		if (strcmp(p->keyword, "user") == 0 && p->val)
			user = p->val;
		if (strcmp(p->keyword, "password") == 0 && p->val)
			password = p->val;
		if (strcmp(p->keyword, "dbname") == 0 && p->val)
			db = p->val;
	}
	snprintf(base, sizeof(base), "host=127.0.0.1 port=%d user=%s password=%s dbname=%s",
		px->port, user, password, db);
	PQconninfoFree(o);
	url_for(purl, size, base, schema);
	pthread_create(&px->th, NULL, proxy_accept, px);
}

static void proxy_stop(proxy *px)
{
	shutdown(px->lfd, SHUT_RDWR);
	close(px->lfd);
	pthread_join(px->th, NULL);
}

START_TEST(test_lost_answers_apply_once)
{
	U(buyer); U(shopper);
	char purl[1024];
	proxy px;
	w3w_backend_config cfg = { W3W_BACKEND_CONFIG_VERSION, 2, T(3000), "test" };
	w3w_storage *via = NULL;
	char o1[W3W_ID_SIZE], o2[W3W_ID_SIZE], o3[W3W_ID_SIZE];
	w3w_cmd_claim_create cc;
	w3w_supply s;
	w3w_claim c;
	w3w_transfer t;
	w3w_cmd_transfer tc;

	ck_assert_int_eq(deposit(buyer, 4 * COIN), W3W_OK);
	ck_assert_int_eq(order_create(buyer, COIN, 1, o1), W3W_OK);
	ck_assert_int_eq(order_create(buyer, COIN, 1, o2), W3W_OK);
	ck_assert_int_eq(order_create(buyer, COIN, 1, o3), W3W_OK);
	ck_assert_int_eq(supply_create(shopper, 3 * COIN, &s), W3W_OK);
	proxy_start(&px, purl, sizeof(purl));
	ck_assert_msg(w3w_storage_postgres_open(&via, purl, &cfg) == W3W_OK, "%s", w3w_error_message());

	/* Committed, answer lost, no key: the outbox says it committed; success, applied once. */
	ck_assert_int_eq(via->ping(via), W3W_OK); /* the next traffic is the command, not a PREPARE */
	atomic_store(&px.mode, CUT_ANSWER);
	memset(&cc, 0, sizeof(cc));
	new_id(cc.c.id);
	meta_init(&cc.meta, shopper, NULL, 1, "order.claimed", o1);
	strcpy(cc.c.order_id, o1);
	strcpy(cc.c.user_id, shopper);
	cc.c.claimed_at = cc.meta.now;
	ck_assert_msg(via->market->claim_create(via, &cc, &c) == W3W_OK, "%s", w3w_error_message());
	ck_assert_int_eq(atomic_load(&px.cuts), 1);
	ck_assert_str_eq(c.id, cc.c.id);
	ck_assert_int_eq(c.status, W3W_CLAIM_PENDING);
	ck_assert_str_eq(cc.order_user_id, buyer);
	ck_assert_int_eq(cc.meta.replayed, 0);
	ck_assert_int_eq(cc.meta.event.seq, sql_i64("SELECT seq FROM outbox WHERE id = '%s'", cc.meta.event.id));
	ck_assert_int_eq(sql_i64("SELECT count(*) FROM claims WHERE order_id = '%s'", o1), 1);

	/* The request itself lost: it never ran, so it is sent again, once. */
	ck_assert_int_eq(via->ping(via), W3W_OK);
	atomic_store(&px.mode, CUT_REQUEST);
	memset(&cc, 0, sizeof(cc));
	new_id(cc.c.id);
	meta_init(&cc.meta, shopper, NULL, 1, "order.claimed", o2);
	strcpy(cc.c.order_id, o2);
	strcpy(cc.c.user_id, shopper);
	cc.c.claimed_at = cc.meta.now;
	ck_assert_msg(via->market->claim_create(via, &cc, &c) == W3W_OK, "%s", w3w_error_message());
	ck_assert_int_eq(atomic_load(&px.cuts), 2);
	ck_assert_int_eq(sql_i64("SELECT count(*) FROM claims WHERE order_id = '%s'", o2), 1);

	/* Committed, answer lost, with a key: the retry replays the first execution. */
	ck_assert_int_eq(via->ping(via), W3W_OK); /* the next traffic is the command, not a PREPARE */
	atomic_store(&px.mode, CUT_ANSWER);
	memset(&tc, 0, sizeof(tc));
	new_id(tc.t.id);
	meta_init(&tc.meta, buyer, "pay-once", 0x55, "wallet.transferred", tc.t.id);
	tc.t.kind = W3W_TRANSFER_TRANSFER;
	strcpy(tc.t.from_user_id, buyer);
	strcpy(tc.t.to_user_id, shopper);
	strcpy(tc.t.currency, "USDT");
	tc.t.amount = 5;
	tc.t.created_at = tc.meta.now;
	ck_assert_msg(via->market->transfer(via, &tc, &t) == W3W_OK, "%s", w3w_error_message());
	ck_assert_int_eq(atomic_load(&px.cuts), 3);
	ck_assert_str_eq(t.id, tc.t.id);
	ck_assert_int_eq(tc.meta.replayed, 1);
	ck_assert_int_eq(account_of(shopper).balance, 5);
	ck_assert_int_eq(sql_i64("SELECT count(*) FROM transfers WHERE kind = 'transfer'"), 1);

	/* An order cancel (an update, no key) whose answer is lost. */
	ck_assert_int_eq(via->ping(via), W3W_OK); /* the next traffic is the command, not a PREPARE */
	atomic_store(&px.mode, CUT_ANSWER);
	{
		w3w_cmd_order_cancel oc;
		w3w_order *out = NULL;
		memset(&oc, 0, sizeof(oc));
		meta_init(&oc.meta, buyer, NULL, 7, "order.cancelled", o3);
		strcpy(oc.id, o3);
		strcpy(oc.user_id, buyer);
		ck_assert_msg(via->market->order_cancel(via, &oc, &out) == W3W_OK, "%s", w3w_error_message());
		ck_assert_int_eq(out->status, W3W_ORDER_CANCELLED);
		w3w_order_free(out);
	}
	ck_assert_int_eq(atomic_load(&px.cuts), 4);
	ck_assert_int_eq(sql_i64("SELECT count(*) FROM outbox WHERE type = 'order.cancelled'"), 1);

	via->free(via);
	proxy_stop(&px);
	check_invariants();
}
END_TEST

/*
 * The answer is lost and the database cannot be reached again: the command
 * committed, so "unavailable" (nothing applied) would be a lie. The
 * outcome is W3W_EUNKNOWN; a retry with the same key, once the database is
 * back, returns the first execution.
 */
START_TEST(test_lost_answer_then_outage_is_unknown)
{
	U(buyer); U(shopper);
	char purl[1024];
	proxy px;
	w3w_backend_config cfg = { W3W_BACKEND_CONFIG_VERSION, 2, T(1000), "test" };
	w3w_storage *via = NULL;
	w3w_cmd_transfer tc, again;
	w3w_cmd_claim_create cc;
	char oid[W3W_ID_SIZE];
	w3w_transfer t;
	w3w_claim c;

	ck_assert_int_eq(deposit(buyer, 4 * COIN), W3W_OK);
	ck_assert_int_eq(order_create(buyer, COIN, 1, oid), W3W_OK);
	ck_assert_int_eq(supply_create(shopper, COIN, NULL), W3W_OK);

	/* With a key. */
	proxy_start(&px, purl, sizeof(purl));
	ck_assert_msg(w3w_storage_postgres_open(&via, purl, &cfg) == W3W_OK, "%s", w3w_error_message());
	ck_assert_int_eq(via->ping(via), W3W_OK);
	atomic_store(&px.refuse_after_cut, 1);
	atomic_store(&px.mode, CUT_ANSWER);
	memset(&tc, 0, sizeof(tc));
	new_id(tc.t.id);
	meta_init(&tc.meta, buyer, "unknown-once", 0x66, "wallet.transferred", tc.t.id);
	tc.t.kind = W3W_TRANSFER_TRANSFER;
	strcpy(tc.t.from_user_id, buyer);
	strcpy(tc.t.to_user_id, shopper);
	strcpy(tc.t.currency, "USDT");
	tc.t.amount = 7;
	tc.t.created_at = tc.meta.now;
	ck_assert_int_eq(via->market->transfer(via, &tc, &t), W3W_EUNKNOWN);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "same idempotency key"));
	ck_assert_int_eq(atomic_load(&px.cuts), 1);
	ck_assert_int_eq(account_of(shopper).balance, 7); /* it had committed */
	via->free(via);
	proxy_stop(&px);
	/* The client's retry, database back: the same key returns the first execution, applied once. */
	again = tc;
	new_id(again.meta.event.id);
	new_id(again.meta.audit.id);
	new_id(again.t.id);
	ck_assert_int_eq(st->market->transfer(st, &again, &t), W3W_OK);
	ck_assert_int_eq(again.meta.replayed, 1);
	ck_assert_str_eq(t.id, tc.t.id);
	ck_assert_int_eq(account_of(shopper).balance, 7);

	/* Without a key: the outbox cannot be asked either. */
	proxy_start(&px, purl, sizeof(purl));
	ck_assert_msg(w3w_storage_postgres_open(&via, purl, &cfg) == W3W_OK, "%s", w3w_error_message());
	ck_assert_int_eq(via->ping(via), W3W_OK);
	atomic_store(&px.refuse_after_cut, 1);
	atomic_store(&px.mode, CUT_ANSWER);
	memset(&cc, 0, sizeof(cc));
	new_id(cc.c.id);
	meta_init(&cc.meta, shopper, NULL, 1, "order.claimed", oid);
	strcpy(cc.c.order_id, oid);
	strcpy(cc.c.user_id, shopper);
	cc.c.claimed_at = cc.meta.now;
	ck_assert_int_eq(via->market->claim_create(via, &cc, &c), W3W_EUNKNOWN);
	ck_assert_int_eq(sql_i64("SELECT count(*) FROM claims WHERE order_id = '%s'", oid), 1);
	via->free(via);
	proxy_stop(&px);

	/* A database that is down from the start: nothing was sent, so nothing applied. */
	proxy_start(&px, purl, sizeof(purl));
	ck_assert_msg(w3w_storage_postgres_open(&via, purl, &cfg) == W3W_OK, "%s", w3w_error_message());
	shutdown(px.lfd, SHUT_RDWR);   /* no new connection gets through */
	ck_assert_int_ge(kill_backends(), 1); /* and the pooled ones die */
	usleep(100 * 1000);
	memset(&tc, 0, sizeof(tc));
	new_id(tc.t.id);
	meta_init(&tc.meta, buyer, "never-sent", 0x67, "wallet.transferred", tc.t.id);
	tc.t.kind = W3W_TRANSFER_TRANSFER;
	strcpy(tc.t.from_user_id, buyer);
	strcpy(tc.t.to_user_id, shopper);
	strcpy(tc.t.currency, "USDT");
	tc.t.amount = 1;
	tc.t.created_at = tc.meta.now;
	ck_assert_int_eq(via->market->transfer(via, &tc, &t), W3W_EUNAVAILABLE);
	ck_assert_int_eq(account_of(shopper).balance, 7);
	via->free(via);
	proxy_stop(&px);
	check_invariants();
}
END_TEST

/* Every SQLSTATE class is mapped on purpose: outages are EUNAVAILABLE (never EINTERNAL), bugs are not retried. */
START_TEST(test_sqlstate_table)
{
	static const struct { const char *code; w3w_status st; int retry, drop; } rows[] = {
		{ "25006", W3W_EUNAVAILABLE, 1, 1 }, /* read-only transaction: a standby */
		{ "08006", W3W_EUNAVAILABLE, 1, 1 }, /* connection failure */
		{ "08001", W3W_EUNAVAILABLE, 1, 1 },
		{ "57P01", W3W_EUNAVAILABLE, 1, 1 }, /* admin shutdown */
		{ "57P02", W3W_EUNAVAILABLE, 1, 1 }, /* crash shutdown */
		{ "57P03", W3W_EUNAVAILABLE, 1, 1 }, /* cannot connect now */
		{ "57014", W3W_EUNAVAILABLE, 0, 0 }, /* statement_timeout */
		{ "40001", W3W_EUNAVAILABLE, 1, 0 }, /* serialization */
		{ "40P01", W3W_EUNAVAILABLE, 1, 0 }, /* deadlock */
		{ "40003", W3W_EUNKNOWN, 0, 1 },     /* statement completion unknown */
		{ "53100", W3W_EUNAVAILABLE, 0, 0 }, /* disk full */
		{ "53300", W3W_EUNAVAILABLE, 0, 0 }, /* too many connections */
		{ "55P03", W3W_EUNAVAILABLE, 0, 0 }, /* lock not available */
		{ "58030", W3W_EUNAVAILABLE, 0, 1 }, /* I/O error */
		{ "28P01", W3W_EUNAVAILABLE, 0, 1 }, /* password refused */
		{ "3D000", W3W_EUNAVAILABLE, 0, 1 }, /* no such database */
		{ "23505", W3W_ECONFLICT, 0, 0 },
		{ "23503", W3W_ENOTFOUND, 0, 0 },
		{ "23514", W3W_EINVAL, 0, 0 },
		{ "22P02", W3W_EINVAL, 0, 0 },
		{ "22003", W3W_EINVAL, 0, 0 },
		{ "25P02", W3W_EINTERNAL, 0, 0 },    /* in failed transaction: a bug */
		{ "42P01", W3W_EINTERNAL, 0, 0 },    /* undefined table: schema wrong */
		{ "42501", W3W_EINTERNAL, 0, 0 },    /* permission denied */
		{ "XX001", W3W_EINTERNAL, 0, 1 },    /* data corrupted */
		{ "P0001", W3W_EINTERNAL, 0, 0 },    /* a raise that is not ours */
		{ W3W__PG_SQLSTATE_CONFLICT, W3W_ECONFLICT, 0, 0 },
		{ W3W__PG_SQLSTATE_INSUFFICIENT, W3W_EINSUFFICIENT, 0, 0 },
		{ "", W3W_EINTERNAL, 0, 0 },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int retry = -1, drop = -1;
		w3w_status got = w3w__pg_sqlstate_rule(rows[i].code, &retry, &drop);
		ck_assert_msg(got == rows[i].st && retry == rows[i].retry && drop == rows[i].drop,
			"%s: %s retry %d drop %d, want %s retry %d drop %d", rows[i].code, w3w_status_name(got), retry, drop,
			w3w_status_name(rows[i].st), rows[i].retry, rows[i].drop);
	}
}
END_TEST

/* ---- suite ---------------------------------------------------------------------- */

static Suite *suite(void)
{
	Suite *s = suite_create("postgres_storage");
	TCase *tc = tcase_create("postgres");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, RUNNING_ON_VALGRIND ? 3600 : 300);
	tcase_add_test(tc, test_open_migrates_once);
	tcase_add_test(tc, test_open_concurrent_migrations);
	tcase_add_test(tc, test_newer_schema_refused);
	tcase_add_test(tc, test_bad_config_fails_fast_and_clearly);
	tcase_add_test(tc, test_conninfo_and_postgresql_scheme);
	tcase_add_test(tc, test_amounts_and_times_stored_as_numeric_and_timestamptz);
	tcase_add_test(tc, test_live_claim_index_refuses_raw_insert);
	tcase_add_test(tc, test_two_processes_claim_and_process);
	tcase_add_test(tc, test_pool_wait_and_statement_timeout);
	tcase_add_test(tc, test_dropped_connections_are_replaced);
	tcase_add_test(tc, test_lost_answers_apply_once);
	tcase_add_test(tc, test_lost_answer_then_outage_is_unknown);
	tcase_add_test(tc, test_sqlstate_table);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	base_url = getenv("W3W_TEST_PG_URL");
	if (!base_url || !*base_url) {
		fprintf(stderr, "test_postgres_storage: W3W_TEST_PG_URL is not set; run it under"
			" scripts/services/with-services.sh (W3W_SERVICES=pg is enough)\n");
		return 1; /* a missing server is a failure, never a skip */
	}
	/* The test's own libpq connections: no Kerberos lookups (the backend disables them itself). */
	setenv("PGGSSENCMODE", "disable", 0);
	sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

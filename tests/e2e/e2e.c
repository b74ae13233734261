/* Helpers shared by the end-to-end tests (see e2e.h). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "e2e.h"

#ifndef W3W_SOURCE_DIR
#error "W3W_SOURCE_DIR must name the source tree (for scripts/services/ctl.sh)"
#endif

const char *e2e_env(const char *name)
{
	const char *v = getenv(name);
	ck_assert_msg(v != NULL && *v != '\0',
		"%s is not set: run under scripts/services/with-services.sh", name);
	return v;
}

int64_t e2e_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t e2e_now_ms(void)
{
	return e2e_now_us() / 1000;
}

void e2e_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* ---- services ------------------------------------------------------------- */

/* Run ctl.sh DIR action service; returns its exit status (-1 if it did not exit). */
static int ctl(const char *dir, const char *action, const char *service, int quiet)
{
	const char *script = W3W_SOURCE_DIR "/scripts/services/ctl.sh";
	int status = 0;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (quiet && freopen("/dev/null", "w", stdout) == NULL)
			_exit(126);
		execl(script, script, dir, action, service, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void e2e_service(const char *action, const char *service)
{
	const char *dir = e2e_env("W3W_SERVICES_DIR");
	int64_t t0 = e2e_now_ms();
	int rc = ctl(dir, action, service, 0);
	ck_assert_msg(rc == 0, "ctl.sh %s %s %s exited with %d", dir, action, service, rc);
	fprintf(stderr, "e2e: %s %s took %lld ms\n", action, service, (long long)(e2e_now_ms() - t0));
}

void e2e_services_restore(void)
{
	static const char *const all[] = { "pg", "redis", "kafka" };
	const char *dir = getenv("W3W_SERVICES_DIR");
	const char *started = getenv("W3W_SERVICES_STARTED");

	if (!dir || !*dir || !started)
		return;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (!strstr(started, all[i]) || ctl(dir, "status", all[i], 1) == 0)
			continue;
		fprintf(stderr, "e2e: %s was left stopped by a failed test: starting it again\n", all[i]);
		ctl(dir, "start", all[i], 0);
	}
}

/* ---- storage -------------------------------------------------------------- */

PGconn *e2e_pg_connect(const char *url)
{
	PGconn *c = PQconnectdb(url);
	if (PQstatus(c) != CONNECTION_OK) {
		char msg[512];
		snprintf(msg, sizeof(msg), "%s", PQerrorMessage(c));
		PQfinish(c);
		ck_abort_msg("connect to PostgreSQL: %s", msg);
	}
	return c;
}

void e2e_pg_exec(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
	char msg[512];
	snprintf(msg, sizeof(msg), "%s", ok ? "" : PQresultErrorMessage(r));
	PQclear(r);
	ck_assert_msg(ok, "%s: %s", sql, msg);
}

void e2e_pg_fresh(char url[W3W_URL_SIZE], char name[64])
{
	const char *test_url = e2e_env("W3W_TEST_PG_URL");
	const char *admin_url = e2e_env("W3W_TEST_PG_ADMIN_URL");
	const char *query, *slash;
	char role[128], sql[512];
	unsigned char r[6];
	PGconn *c;

	ck_assert_msg(strncmp(test_url, "postgres://", 11) == 0 || strncmp(test_url, "postgresql://", 13) == 0,
		"W3W_TEST_PG_URL is not a postgres:// URL: the e2e tests replace its database name");
	ck_assert(getrandom(r, sizeof(r), 0) == (ssize_t)sizeof(r));
	snprintf(name, 64, "e2e_%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4], r[5]);

	c = e2e_pg_connect(test_url);
	snprintf(role, sizeof(role), "%s", PQuser(c));
	PQfinish(c);

	c = e2e_pg_connect(admin_url);
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s OWNER \"%s\"", name, role);
	e2e_pg_exec(c, sql);
	PQfinish(c);

	/* Same URL, other database: replace the path between the authority and any query. */
	query = strchr(test_url, '?');
	slash = strchr(strstr(test_url, "://") + 3, '/');
	if (slash && query && slash > query)
		slash = NULL;
	if (!slash)
		slash = query ? query : test_url + strlen(test_url);
	snprintf(url, W3W_URL_SIZE, "%.*s/%s%s", (int)(slash - test_url), test_url, name, query ? query : "");
}

void e2e_pg_drop(const char *name)
{
	char sql[256];
	PGconn *c = e2e_pg_connect(e2e_env("W3W_TEST_PG_ADMIN_URL"));
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
	e2e_pg_exec(c, sql);
	PQfinish(c);
}

void e2e_sqlite_fresh(char url[W3W_URL_SIZE], char dir[512])
{
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, 512, "%s/w3w-e2e-XXXXXX", (tmp && *tmp) ? tmp : "/tmp");
	ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp %s failed", dir);
	snprintf(url, W3W_URL_SIZE, "sqlite:%s/w3w.db", dir);
}

void e2e_sqlite_remove(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char file[1024];

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(file, sizeof(file), "%s/%s", dir, e->d_name);
		unlink(file);
	}
	closedir(d);
	rmdir(dir);
}

w3w_ctx *e2e_open(const char *storage_url, const char *cache_url, const char *events_url,
	int background_relay, int timeout_ms)
{
	w3w_options o;
	w3w_ctx *ctx = NULL;

	E2E_OK(w3w_options_init(&o, W3W_OPTIONS_VERSION));
	snprintf(o.storage_url, sizeof(o.storage_url), "%s", storage_url);
	snprintf(o.cache_url, sizeof(o.cache_url), "%s", cache_url);
	snprintf(o.events_url, sizeof(o.events_url), "%s", events_url);
	snprintf(o.region, sizeof(o.region), "e2e");
	o.background_relay = background_relay;
	o.timeout_ms = timeout_ms;
	E2E_OK(w3w_ctx_open(&ctx, &o));
	ck_assert_ptr_nonnull(ctx);
	return ctx;
}

/* ---- names and shortcuts ---------------------------------------------------- */

void e2e_actor(w3w_actor *out, unsigned int roles)
{
	char id[W3W_ID_SIZE];
	E2E_OK(w3w_id_new(id, sizeof(id)));
	E2E_OK(w3w_actor_init(out, id, roles));
}

void e2e_currency(char out[W3W_CURRENCY_SIZE])
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	unsigned char r[9];
	ck_assert(getrandom(r, sizeof(r), 0) == (ssize_t)sizeof(r));
	out[0] = 'E';
	for (int i = 0; i < 9; i++)
		out[i + 1] = alphabet[r[i] % 36];
	out[10] = '\0';
}

w3w_amount e2e_amt(const char *text)
{
	w3w_amount v = 0;
	ck_assert_msg(w3w_amount_parse(&v, text) == W3W_OK, "test literal \"%s\": %s", text, w3w_error_message());
	return v;
}

void e2e_item(w3w_order_item *item, const char *price, int64_t qty)
{
	memset(item, 0, sizeof(*item));
	E2E_OK(w3w_id_new(item->product_id, sizeof(item->product_id)));
	snprintf(item->product_name, sizeof(item->product_name), "e2e product %.8s", item->product_id);
	item->price = e2e_amt(price);
	item->quantity = qty;
}

w3w_outbox_stats e2e_outbox(w3w_ctx *ctx, const w3w_actor *service)
{
	w3w_outbox_stats s;
	memset(&s, 0, sizeof(s));
	E2E_OK(w3w_outbox_stats_get(&s, ctx, service));
	return s;
}

void e2e_check_invariants(w3w_ctx *ctx, const w3w_actor *auditor, const char *currency,
	w3w_ledger_totals *out)
{
	w3w_ledger_totals t;
	E2E_OK(w3w_ledger_totals_get(&t, ctx, auditor, currency));
	ck_assert_msg(t.balances == t.deposits - t.withdrawals,
		"%s: balances %lld != deposits %lld - withdrawals %lld", currency,
		(long long)t.balances, (long long)t.deposits, (long long)t.withdrawals);
	ck_assert_msg(t.held == t.escrow, "%s: held %lld != escrow %lld", currency,
		(long long)t.held, (long long)t.escrow);
	ck_assert_msg(t.reserved == t.live_claims, "%s: reserved %lld != live claims %lld", currency,
		(long long)t.reserved, (long long)t.live_claims);
	ck_assert_msg(t.entries_sum_zero == 1, "%s: ledger entries do not sum to zero", currency);
	if (out)
		*out = t;
}

/*
 * The storage contract suite: every scenario of this folder runs against
 * the backend named by a URL, each test on a fresh database. The URL comes
 * from --storage-url URL or --storage-env NAME; without either, a
 * temporary SQLite file per test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef W3W_CONTRACT_POSTGRES
#include <libpq-fe.h>
#endif

#include "contract.h"

w3w_storage *st;

static const char *base_url; /* NULL: SQLite in a temporary directory */
static char dir[64];
static char schema[64];
static char url[1024];

#ifdef W3W_CONTRACT_POSTGRES
static void quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* Creates or drops the test's schema on a raw connection. */
static void pg_exec(const char *sql)
{
	PGconn *c = PQconnectdb(base_url);
	PGresult *r;

	ck_assert_msg(PQstatus(c) == CONNECTION_OK, "raw connection: %s", PQerrorMessage(c));
	PQsetNoticeProcessor(c, quiet, NULL); /* DROP ... CASCADE lists every object */
	r = PQexec(c, sql);
	ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK, "%s: %s", sql, PQresultErrorMessage(r));
	PQclear(r);
	PQfinish(c);
}
#endif

/* One more handle on the test's database, as another process would open it. */
void contract_open_second(w3w_storage **out, int pool_size)
{
	w3w_backend_config cfg = { W3W_BACKEND_CONFIG_VERSION, pool_size, 30000, "contract" };
	w3w_status s = base_url ? w3w_storage_postgres_open(out, url, &cfg) : w3w_storage_sqlite_open(out, url, &cfg);

	ck_assert_msg(s == W3W_OK, "open: %d %s", s, w3w_error_message());
}

static void setup(void)
{
	w3w_backend_config cfg = { W3W_BACKEND_CONFIG_VERSION, 4, 30000, "contract" };
	w3w_status s;

	if (!base_url) {
		strcpy(dir, "/tmp/w3w_contract_XXXXXX");
		ck_assert_ptr_nonnull(mkdtemp(dir));
		snprintf(url, sizeof(url), "sqlite:%s/w3w.db", dir);
		s = w3w_storage_sqlite_open(&st, url, &cfg);
	} else {
#ifdef W3W_CONTRACT_POSTGRES
		static int n;
		char q[128];

		snprintf(schema, sizeof(schema), "w3w_c%d_%d", (int)getpid(), ++n);
		snprintf(q, sizeof(q), "CREATE SCHEMA %s", schema);
		pg_exec(q);
		/* The backend's tables go into the test's own schema. */
		if (strstr(base_url, "://"))
			snprintf(url, sizeof(url), "%s%coptions=-csearch_path%%3D%s", base_url,
				strchr(base_url, '?') ? '&' : '?', schema);
		else
			snprintf(url, sizeof(url), "%s options='-csearch_path=%s'", base_url, schema);
		s = w3w_storage_postgres_open(&st, url, &cfg);
#else
		s = w3w_storage_postgres_open(&st, base_url, &cfg); /* answers "built without" */
#endif
	}
	ck_assert_msg(s == W3W_OK, "open: %d %s", s, w3w_error_message());
}

static void teardown(void)
{
	static const char *const suffix[] = { "", "-wal", "-shm" };
	char path[128];

	if (st)
		st->free(st);
	st = NULL;
	if (!base_url) {
		for (int i = 0; i < 3; i++) {
			snprintf(path, sizeof(path), "%s/w3w.db%s", dir, suffix[i]);
			unlink(path);
		}
		rmdir(dir);
		return;
	}
#ifdef W3W_CONTRACT_POSTGRES
	snprintf(path, sizeof(path), "DROP SCHEMA IF EXISTS %s CASCADE", schema);
	pg_exec(path);
#endif
}

static Suite *contract_suite(void)
{
	Suite *s = suite_create("storage_contract");
	TCase *(*const tcases[])(void) = { contract_market_tcase, contract_outbox_tcase, contract_audit_tcase,
		contract_paging_tcase, contract_idempotency_tcase, contract_relays_tcase, contract_limits_tcase,
		contract_refusals_tcase, contract_commands_tcase, contract_values_tcase, contract_races_tcase,
		contract_wallets_tcase, contract_sweeps_tcase, contract_attempts_tcase };

	for (size_t i = 0; i < sizeof(tcases) / sizeof(tcases[0]); i++) {
		TCase *tc = tcases[i]();
		tcase_add_checked_fixture(tc, setup, teardown);
		suite_add_tcase(s, tc);
	}
	return s;
}

int main(int argc, char **argv)
{
	SRunner *sr;
	int failed;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--storage-url") == 0)
			base_url = argv[i + 1];
		else if (strcmp(argv[i], "--storage-env") == 0) {
			base_url = getenv(argv[i + 1]);
			if (!base_url || !*base_url) {
				/* A missing server is a failure, never a skip. */
				fprintf(stderr, "contract: %s is not set; run under scripts/services/with-services.sh\n",
					argv[i + 1]);
				return EXIT_FAILURE;
			}
		}
	}
	if (base_url && strncmp(base_url, "postgres", 8) != 0) {
		fprintf(stderr, "contract: only sqlite (default) and postgres URLs are supported: %s\n", base_url);
		return EXIT_FAILURE;
	}
	setenv("PGGSSENCMODE", "disable", 0);
	sr = srunner_create(contract_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/*
 * The storage conformance suite: the same tests against every storage
 * backend. Usage:
 *
 *   conformance [--storage-env NAME] [--cache-env NAME] [--cache-options OPTS] [test case ...]
 *
 * --storage-env/--cache-env take the URL from environment variable NAME
 * and fail (exit 2) when it is unset, so a CI job that forgot to start its
 * server fails instead of silently testing SQLite. --cache-options appends
 * URL options to the cache URL (e.g. near_cache=10000). Without them the URLs
 * come from W3W_TEST_STORAGE_URL (default: a fresh SQLite file per test)
 * and W3W_TEST_CACHE_URL (default "memory:"). Naming test cases runs only
 * those (Check's CK_RUN_CASE works too). W3W_TEST_KEEP=1 keeps the SQLite
 * files of the run; W3W_RACE_ORDERS sets the size of the race.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static int take_url_from(const char *var_name, const char *target)
{
	const char *v = getenv(var_name);
	if (!v || !*v) {
		fprintf(stderr, "conformance: %s is not set (start the service, e.g. "
			"scripts/services/with-services.sh)\n", var_name);
		return -1;
	}
	setenv(target, v, 1);
	return 0;
}

/* W3W_TEST_CACHE_URL + "?opts" (or "&opts" when it has options already). */
static int append_cache_options(const char *opts)
{
	const char *url = getenv("W3W_TEST_CACHE_URL");
	char *joined;
	int rc;
	if (!url || !*url) {
		fprintf(stderr, "conformance: --cache-options needs a cache URL (--cache-env first)\n");
		return -1;
	}
	if (!(joined = malloc(strlen(url) + strlen(opts) + 2)))
		return -1;
	sprintf(joined, "%s%c%s", url, strchr(url, '?') ? '&' : '?', opts);
	rc = setenv("W3W_TEST_CACHE_URL", joined, 1);
	free(joined);
	return rc;
}

static Suite *conformance_suite(void)
{
	Suite *s = suite_create("conformance");
	suite_add_tcase(s, conf_context_tcase());
	suite_add_tcase(s, conf_ledger_tcase());
	suite_add_tcase(s, conf_supply_tcase());
	suite_add_tcase(s, conf_order_tcase());
	suite_add_tcase(s, conf_claim_tcase());
	suite_add_tcase(s, conf_idempotency_tcase());
	suite_add_tcase(s, conf_paging_tcase());
	suite_add_tcase(s, conf_events_tcase());
	suite_add_tcase(s, conf_audit_tcase());
	suite_add_tcase(s, conf_cache_tcase());
	suite_add_tcase(s, conf_json_tcase());
	suite_add_tcase(s, conf_state_machine_tcase());
	suite_add_tcase(s, conf_races_tcase());
	suite_add_tcase(s, conf_race_tcase());
	suite_add_tcase(s, conf_limits_tcase());
	suite_add_tcase(s, conf_batch_tcase());
	return s;
}

int main(int argc, char **argv)
{
	SRunner *sr;
	int failed = 0;
	int first_case = argc;
	char run_dir[512] = "";

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--storage-env") == 0 && i + 1 < argc) {
			if (take_url_from(argv[++i], "W3W_TEST_STORAGE_URL") != 0)
				return 2;
		} else if (strcmp(argv[i], "--cache-env") == 0 && i + 1 < argc) {
			if (take_url_from(argv[++i], "W3W_TEST_CACHE_URL") != 0)
				return 2;
		} else if (strcmp(argv[i], "--cache-options") == 0 && i + 1 < argc) {
			if (append_cache_options(argv[++i]) != 0)
				return 2;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "usage: %s [--storage-env NAME] [--cache-env NAME] [--cache-options OPTS] "
				"[test case ...]\n", argv[0]);
			return 2;
		} else {
			first_case = i;
			break;
		}
	}
	{
		const char *s = getenv("W3W_TEST_STORAGE_URL");
		const char *c = getenv("W3W_TEST_CACHE_URL");
		printf("conformance: storage %s, cache %s\n",
			(s && *s) ? "from W3W_TEST_STORAGE_URL" : "fresh SQLite file per test",
			(c && *c) ? c : "memory:");
	}

	/* One directory for the run's SQLite files, removed at the end even when
	 * failed tests (whose forked children skip teardown) left files in it. */
	if (!getenv("W3W_TEST_STORAGE_URL") || !*getenv("W3W_TEST_STORAGE_URL")) {
		const char *tmp = getenv("TMPDIR");
		snprintf(run_dir, sizeof(run_dir), "%s/w3w-conformance-XXXXXX", (tmp && *tmp) ? tmp : "/tmp");
		if (!mkdtemp(run_dir)) {
			perror("conformance: mkdtemp");
			return 2;
		}
		setenv("W3W_CONFORMANCE_RUN_DIR", run_dir, 1);
	}

	sr = srunner_create(conformance_suite());
	if (first_case < argc) {
		for (int i = first_case; i < argc; i++) {
			srunner_run(sr, NULL, argv[i], CK_ENV);
			failed += srunner_ntests_failed(sr);
		}
	} else {
		srunner_run_all(sr, CK_ENV);
		failed = srunner_ntests_failed(sr);
	}
	srunner_free(sr);
	if (run_dir[0] && !getenv("W3W_TEST_KEEP"))
		h_remove_dir(run_dir);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

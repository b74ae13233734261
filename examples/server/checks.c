/* The background consistency checks (see checks.h). */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "checks.h"
#include "log.h"

#define CURRENCIES_MAX 16

typedef struct conservation {
	char currency[W3W_CURRENCY_SIZE];
	int checked; /* a check has answered */
	int ok;
} conservation;

static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	int running, stop;
	int interval_s;
	w3w_ctx *ctx;
	w3w_actor auditor;
	/* results, under lock */
	conservation books[CURRENCIES_MAX];
	int currencies;
	double conservation_at_s;       /* end of the last conservation pass, 0 = none yet */
	int audit_checked, audit_ok;
	int64_t audit_records, audit_unsealed, audit_first_bad;
	double audit_at_s;
	unsigned long long errors;      /* checks that could not run (storage down, ...) */
} chk = { .lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER };

static double now_s(void)
{
	return (double)w3w_time_now() / 1e6;
}

/* Split "USDC,ETH" into chk.books; -1 on a malformed or too long list. */
static int parse_currencies(const char *list)
{
	const char *p = list;
	chk.currencies = 0;
	while (*p) {
		size_t n = strcspn(p, ",");
		if (n == 0 || n >= W3W_CURRENCY_SIZE || chk.currencies == CURRENCIES_MAX)
			return -1;
		for (size_t i = 0; i < n; i++)
			if (!((p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= '0' && p[i] <= '9')))
				return -1;
		memcpy(chk.books[chk.currencies].currency, p, n);
		chk.books[chk.currencies].currency[n] = '\0';
		chk.currencies++;
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

static void log_check(const char *level, const char *msg, const char *what, w3w_status st)
{
	cJSON *f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "check", what);
	if (st != W3W_OK) {
		cJSON_AddStringToObject(f, "status", w3w_status_name(st));
		cJSON_AddStringToObject(f, "detail", w3w_error_message());
	}
	log_event(level, msg, f);
}

static void check_conservation(void)
{
	int failed = 0;
	for (int i = 0; i < chk.currencies; i++) {
		w3w_ledger_totals t;
		w3w_status st = w3w_ledger_totals_get(&t, chk.ctx, &chk.auditor, chk.books[i].currency);
		int ok = st == W3W_OK && t.balances == t.deposits - t.withdrawals;
		pthread_mutex_lock(&chk.lock);
		if (st != W3W_OK)
			chk.errors++;
		else {
			/* Log the change to broken once, not every period. */
			if (!ok && (!chk.books[i].checked || chk.books[i].ok))
				log_check("error", "ledger conservation broken", chk.books[i].currency, W3W_OK);
			chk.books[i].checked = 1;
			chk.books[i].ok = ok;
		}
		pthread_mutex_unlock(&chk.lock);
		if (st != W3W_OK) {
			failed = 1;
			log_check("warn", "ledger conservation check failed to run", chk.books[i].currency, st);
		}
	}
	/* The time of the last complete pass: a check that cannot run shows as a stale time. */
	if (!failed) {
		pthread_mutex_lock(&chk.lock);
		chk.conservation_at_s = now_s();
		pthread_mutex_unlock(&chk.lock);
	}
}

static void check_audit(void)
{
	w3w_audit_report r;
	w3w_status st = w3w_audit_verify(&r, chk.ctx, &chk.auditor);
	pthread_mutex_lock(&chk.lock);
	if (st != W3W_OK) {
		chk.errors++;
	} else {
		if (!r.ok && (!chk.audit_checked || chk.audit_ok))
			log_check("error", "audit chain verification failed", r.reason, W3W_OK);
		chk.audit_checked = 1;
		chk.audit_ok = r.ok;
		chk.audit_records = r.records;
		chk.audit_unsealed = r.unsealed;
		chk.audit_first_bad = r.ok ? 0 : r.first_bad;
		chk.audit_at_s = now_s();
	}
	pthread_mutex_unlock(&chk.lock);
	if (st != W3W_OK)
		log_check("warn", "audit verification failed to run", "audit", st);
}

static void *run(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&chk.lock);
	while (!chk.stop) {
		struct timespec until;
		pthread_mutex_unlock(&chk.lock);
		check_conservation();
		check_audit();
		pthread_mutex_lock(&chk.lock);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += chk.interval_s;
		while (!chk.stop && pthread_cond_timedwait(&chk.wake, &chk.lock, &until) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&chk.lock);
	return NULL;
}

int checks_configure(const config *cfg)
{
	if (parse_currencies(cfg->check_currencies) != 0) {
		fprintf(stderr, "w3wallet-server: --check-currencies: expected up to %d codes [A-Z0-9]{1,10}, comma separated\n",
			CURRENCIES_MAX);
		return -1;
	}
	return 0;
}

int checks_start(w3w_ctx *ctx, const config *cfg)
{
	char id[W3W_ID_SIZE];
	if (!cfg->check_interval_s)
		return 0;
	chk.ctx = ctx;
	chk.interval_s = cfg->check_interval_s;
	chk.stop = 0;
	/* Its own identity: audit verification needs the auditor role, totals accept it too. */
	w3w_id_new(id, sizeof(id));
	w3w_actor_init(&chk.auditor, id, W3W_ROLE_AUDITOR);
	if (pthread_create(&chk.thread, NULL, run, NULL) != 0) {
		fprintf(stderr, "w3wallet-server: cannot start the check thread\n");
		return -1;
	}
	chk.running = 1;
	return 0;
}

void checks_stop(void)
{
	if (!chk.running)
		return;
	pthread_mutex_lock(&chk.lock);
	chk.stop = 1;
	pthread_cond_signal(&chk.wake);
	pthread_mutex_unlock(&chk.lock);
	pthread_join(chk.thread, NULL);
	chk.running = 0;
}

void checks_render(FILE *out)
{
	pthread_mutex_lock(&chk.lock);
	fprintf(out, "# HELP w3w_checks_interval_seconds Period of the background consistency checks (0: off).\n"
		"# TYPE w3w_checks_interval_seconds gauge\nw3w_checks_interval_seconds %d\n",
		chk.running ? chk.interval_s : 0);
	fprintf(out, "# HELP w3w_check_errors_total Background checks that could not run (storage unavailable, ...).\n"
		"# TYPE w3w_check_errors_total counter\nw3w_check_errors_total %llu\n", chk.errors);
	fprintf(out, "# HELP w3w_ledger_conservation_ok 1 if the last check found balances = deposits - withdrawals.\n"
		"# TYPE w3w_ledger_conservation_ok gauge\n");
	for (int i = 0; i < chk.currencies; i++)
		if (chk.books[i].checked)
			fprintf(out, "w3w_ledger_conservation_ok{currency=\"%s\"} %d\n", chk.books[i].currency, chk.books[i].ok);
	fprintf(out, "# HELP w3w_ledger_conservation_last_check_timestamp_seconds End of the last complete conservation check (0: none yet).\n"
		"# TYPE w3w_ledger_conservation_last_check_timestamp_seconds gauge\n"
		"w3w_ledger_conservation_last_check_timestamp_seconds %.3f\n", chk.conservation_at_s);
	fprintf(out, "# HELP w3w_audit_verify_ok 1 if the last verification found every sealed audit record intact.\n"
		"# TYPE w3w_audit_verify_ok gauge\n");
	if (chk.audit_checked)
		fprintf(out, "w3w_audit_verify_ok %d\n", chk.audit_ok);
	fprintf(out, "# HELP w3w_audit_verify_last_run_timestamp_seconds End of the last audit verification that ran (0: none yet).\n"
		"# TYPE w3w_audit_verify_last_run_timestamp_seconds gauge\n"
		"w3w_audit_verify_last_run_timestamp_seconds %.3f\n", chk.audit_at_s);
	fprintf(out, "# HELP w3w_audit_verify_first_bad_position Chain position of the first bad record (0: none).\n"
		"# TYPE w3w_audit_verify_first_bad_position gauge\nw3w_audit_verify_first_bad_position %lld\n",
		(long long)chk.audit_first_bad);
	fprintf(out, "# HELP w3w_audit_records Sealed audit records at the last verification.\n"
		"# TYPE w3w_audit_records gauge\nw3w_audit_records %lld\n", (long long)chk.audit_records);
	fprintf(out, "# HELP w3w_audit_unsealed_records Audit records not linked into the chain yet, at the last verification.\n"
		"# TYPE w3w_audit_unsealed_records gauge\nw3w_audit_unsealed_records %lld\n", (long long)chk.audit_unsealed);
	pthread_mutex_unlock(&chk.lock);
}

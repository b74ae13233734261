/*
 * Claims across processes, end to end (public API only).
 *
 *   e2e_concurrency postgres   on a fresh PostgreSQL database (W3W_TEST_PG_URL)
 *   e2e_concurrency sqlite     on a fresh SQLite file
 *
 * The parent creates 2,000 open orders of funded buyers and one supply per
 * racing thread (each big enough to take every order), then re-executes
 * itself as 2 child processes (`--child`), each opening its own context
 * and running 8 threads. Every thread tries to claim every order, in the
 * same sequence (a herd on each order), and processes each claim it wins
 * at once. Children report through a pipe: one line per win, a summary,
 * and any unexpected status.
 *
 * Afterwards the parent checks: each order won exactly once and its live
 * claim (w3w_claim_get_by_order) is the winner's, processed, the order
 * completed; every losing attempt got W3W_ECONFLICT; the ledger totals
 * invariants hold and match what was deposited and settled; each
 * supply's capacity dropped by exactly what its shopper won; the outbox
 * grew by exactly one event per committed command; the audit chain
 * verifies.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "e2e.h"

#define N_ORDERS 2000
#define N_CHILDREN 2
#define N_THREADS 8                       /* per child */
#define N_SHOPPERS (N_CHILDREN * N_THREADS)
#define N_BUYERS 200
#define SETUP_THREADS 8
#define CHILD_WAIT_MS 300000              /* children must be done by then */
#define CTX_TIMEOUT_MS 10000

static const char *storage_kind;         /* "postgres" or "sqlite" (argv[1]) */

/* Order i costs (1 + i % 5) + 0.00000021: 2 items, exact sums. */
static w3w_amount order_amount(int i)
{
	return (w3w_amount)(1 + i % 5) * W3W_AMOUNT_SCALE + 21;
}

/* ============================== child ================================= */

typedef struct plan {
	char cur[W3W_CURRENCY_SIZE];
	w3w_actor service;
	w3w_actor shoppers[N_SHOPPERS];
	char supplies[N_SHOPPERS][W3W_ID_SIZE];
	char orders[N_ORDERS][W3W_ID_SIZE];
} plan;

static int plan_read(plan *p, const char *path)
{
	FILE *f = fopen(path, "r");
	char id[64];
	int ok = f != NULL;

	memset(p, 0, sizeof(*p));
	ok = ok && fscanf(f, "%10s %36s", p->cur, id) == 2 && w3w_actor_init(&p->service, id, W3W_ROLE_SERVICE) == W3W_OK;
	for (int i = 0; ok && i < N_SHOPPERS; i++)
		ok = fscanf(f, "%36s %36s", id, p->supplies[i]) == 2 &&
			w3w_actor_init(&p->shoppers[i], id, W3W_ROLE_USER) == W3W_OK;
	for (int i = 0; ok && i < N_ORDERS; i++)
		ok = fscanf(f, "%36s", p->orders[i]) == 1;
	if (f)
		fclose(f);
	return ok ? 0 : -1;
}

typedef struct text {
	char *s;
	size_t len, cap;
} text;

static void text_add(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void text_add(text *t, const char *fmt, ...)
{
	va_list ap;
	int n;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->s ? t->s + t->len : NULL, t->s ? t->cap - t->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (t->s && t->len + (size_t)n < t->cap) {
			t->len += (size_t)n;
			return;
		}
		t->cap = (t->cap + (size_t)n + 1) * 2;
		if (!(t->s = realloc(t->s, t->cap)))
			abort();
	}
}

typedef struct racer {
	pthread_t thread;
	w3w_ctx *ctx;
	const plan *p;
	int shopper;
	pthread_barrier_t *start;
	int won, lost, other, processed;
	text out;
} racer;

static void *racer_main(void *arg)
{
	racer *r = arg;
	const w3w_actor *me = &r->p->shoppers[r->shopper];

	pthread_barrier_wait(r->start);
	for (int i = 0; i < N_ORDERS; i++) {
		w3w_claim c, done;
		w3w_status st = w3w_claim_order(&c, r->ctx, me, r->p->orders[i], NULL);
		if (st == W3W_ECONFLICT) {
			r->lost++;
			continue;
		}
		if (st != W3W_OK) {
			r->other++;
			text_add(&r->out, "E claim %d %s %s\n", i, w3w_status_name(st), w3w_error_message());
			continue;
		}
		r->won++;
		text_add(&r->out, "W %d %s %d\n", i, c.id, r->shopper);
		st = w3w_claim_process(&done, r->ctx, &r->p->service, c.id, NULL);
		if (st == W3W_OK)
			r->processed++;
		else
			text_add(&r->out, "E process %d %s %s\n", i, w3w_status_name(st), w3w_error_message());
	}
	return NULL;
}

/* --child STORAGE_URL PLAN_FILE INDEX: race with N_THREADS threads, report on stdout. */
static int child_main(const char *storage_url, const char *plan_path, int index)
{
	static plan p;
	racer rs[N_THREADS];
	pthread_barrier_t start;
	w3w_options o;
	w3w_ctx *ctx = NULL;
	int64_t t0;
	int won = 0, lost = 0, other = 0, processed = 0;

	if (plan_read(&p, plan_path) != 0) {
		printf("E plan cannot read %s\n", plan_path);
		return 2;
	}
	w3w_options_init(&o, W3W_OPTIONS_VERSION);
	snprintf(o.storage_url, sizeof(o.storage_url), "%s", storage_url);
	snprintf(o.cache_url, sizeof(o.cache_url), "none:");
	o.pool_size = N_THREADS;
	o.timeout_ms = CTX_TIMEOUT_MS;
	o.background_relay = 1;   /* relays of both processes take outbox batches at once */
	if (w3w_ctx_open(&ctx, &o) != W3W_OK) {
		printf("E open %s %s\n", w3w_status_name(w3w_error_code()), w3w_error_message());
		return 2;
	}
	memset(rs, 0, sizeof(rs));
	pthread_barrier_init(&start, NULL, N_THREADS);
	t0 = e2e_now_ms();
	for (int t = 0; t < N_THREADS; t++) {
		rs[t].ctx = ctx;
		rs[t].p = &p;
		rs[t].shopper = index * N_THREADS + t;
		rs[t].start = &start;
		if (pthread_create(&rs[t].thread, NULL, racer_main, &rs[t]) != 0)
			abort();
	}
	for (int t = 0; t < N_THREADS; t++)
		pthread_join(rs[t].thread, NULL);
	for (int t = 0; t < N_THREADS; t++) {
		if (rs[t].out.len)
			fwrite(rs[t].out.s, 1, rs[t].out.len, stdout);
		free(rs[t].out.s);
		won += rs[t].won;
		lost += rs[t].lost;
		other += rs[t].other;
		processed += rs[t].processed;
	}
	printf("S %d %d %d %d %d %lld\n", index, won, lost, other, processed, (long long)(e2e_now_ms() - t0));
	pthread_barrier_destroy(&start);
	w3w_ctx_close(ctx);
	return fflush(stdout) == 0 ? 0 : 3;
}

/* ============================== parent ================================ */

typedef struct world {
	char storage[W3W_URL_SIZE];
	char pg_db[64];
	char dir[512];           /* SQLite: its directory; also holds the plan file */
	w3w_ctx *ctx;
	w3w_actor service, auditor;
	plan p;
	w3w_actor buyers[N_BUYERS];
	w3w_amount capacity;     /* each supply: Σ of all orders */
	w3w_amount deposited;
} world;

static world W;

typedef struct setup_job {
	pthread_t thread;
	int first, last;         /* buyers [first, last) */
	int commands;
	char error[512];
} setup_job;

/* Buyer b deposits exactly what its orders cost and places orders b, b + N_BUYERS, ... */
static void *setup_main(void *arg)
{
	setup_job *j = arg;
	for (int b = j->first; b < j->last && !j->error[0]; b++) {
		w3w_amount need = 0;
		char ref[80];
		w3w_status st;
		for (int i = b; i < N_ORDERS; i += N_BUYERS)
			need += order_amount(i);
		snprintf(ref, sizeof(ref), "e2e-race-%s", W.buyers[b].user_id);
		if ((st = w3w_deposit(NULL, W.ctx, &W.service, W.buyers[b].user_id, W.p.cur, need, ref, NULL)) != W3W_OK) {
			snprintf(j->error, sizeof(j->error), "deposit: %s %s", w3w_status_name(st), w3w_error_message());
			break;
		}
		j->commands++;
		for (int i = b; i < N_ORDERS; i += N_BUYERS) {
			w3w_order_item items[2];
			w3w_order *o = NULL;
			memset(items, 0, sizeof(items));
			for (int k = 0; k < 2; k++) {
				w3w_id_new(items[k].product_id, sizeof(items[k].product_id));
				snprintf(items[k].product_name, sizeof(items[k].product_name), "race item %d.%d", i, k);
			}
			items[0].price = (w3w_amount)(1 + i % 5) * W3W_AMOUNT_SCALE;
			items[0].quantity = 1;
			items[1].price = 7;
			items[1].quantity = 3;
			if ((st = w3w_order_create(&o, W.ctx, &W.buyers[b], W.p.cur, items, 2, NULL)) != W3W_OK) {
				snprintf(j->error, sizeof(j->error), "order %d: %s %s", i, w3w_status_name(st), w3w_error_message());
				break;
			}
			if (o->amount != order_amount(i))
				snprintf(j->error, sizeof(j->error), "order %d: amount %lld", i, (long long)o->amount);
			memcpy(W.p.orders[i], o->id, W3W_ID_SIZE);
			w3w_order_free(o);
			j->commands++;
		}
	}
	return NULL;
}

/* Orders, buyers, shoppers and their supplies; returns the number of commands committed. */
static int world_setup(void)
{
	setup_job jobs[SETUP_THREADS];
	int commands = 0;

	W.capacity = 0;
	for (int i = 0; i < N_ORDERS; i++)
		W.capacity += order_amount(i);
	for (int b = 0; b < N_BUYERS; b++) {
		e2e_actor(&W.buyers[b], W3W_ROLE_USER);
		for (int i = b; i < N_ORDERS; i += N_BUYERS)
			W.deposited += order_amount(i);
	}
	for (int s = 0; s < N_SHOPPERS; s++) {
		w3w_supply sup;
		e2e_actor(&W.p.shoppers[s], W3W_ROLE_USER);
		E2E_OK(w3w_supply_create(&sup, W.ctx, &W.p.shoppers[s], W.p.cur, W.capacity, NULL));
		memcpy(W.p.supplies[s], sup.id, W3W_ID_SIZE);
		commands++;
	}
	memset(jobs, 0, sizeof(jobs));
	for (int t = 0; t < SETUP_THREADS; t++) {
		jobs[t].first = t * N_BUYERS / SETUP_THREADS;
		jobs[t].last = (t + 1) * N_BUYERS / SETUP_THREADS;
		ck_assert_int_eq(pthread_create(&jobs[t].thread, NULL, setup_main, &jobs[t]), 0);
	}
	for (int t = 0; t < SETUP_THREADS; t++)
		pthread_join(jobs[t].thread, NULL);
	for (int t = 0; t < SETUP_THREADS; t++) {
		ck_assert_msg(!jobs[t].error[0], "setup: %s", jobs[t].error);
		commands += jobs[t].commands;
	}
	ck_assert_int_eq(commands, N_SHOPPERS + N_BUYERS + N_ORDERS);
	return commands;
}

static void plan_write(const char *path)
{
	FILE *f = fopen(path, "w");
	ck_assert_msg(f != NULL, "cannot write %s", path);
	fprintf(f, "%s %s\n", W.p.cur, W.service.user_id);
	for (int s = 0; s < N_SHOPPERS; s++)
		fprintf(f, "%s %s\n", W.p.shoppers[s].user_id, W.p.supplies[s]);
	for (int i = 0; i < N_ORDERS; i++)
		fprintf(f, "%s\n", W.p.orders[i]);
	ck_assert(fclose(f) == 0);
}

/* Fork and exec ourselves as child `index`; its stdout is the returned pipe. */
static pid_t spawn_child(int index, const char *plan_path, int *fd_out)
{
	char idx[16];
	int fds[2];
	pid_t pid;

	snprintf(idx, sizeof(idx), "%d", index);
	ck_assert(pipe(fds) == 0);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	ck_assert(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);  /* a failed parent takes its children along */
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execl("/proc/self/exe", "e2e_concurrency", "--child", W.storage, plan_path, idx, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	*fd_out = fds[0];
	return pid;
}

/* Read both children's reports to the end (they are bigger than a pipe buffer), bounded. */
static void collect(const pid_t *pids, const int *fds, text *out)
{
	struct pollfd pf[N_CHILDREN];
	int open_count = N_CHILDREN;
	int64_t deadline = e2e_now_ms() + CHILD_WAIT_MS;
	char buf[8192];

	for (int c = 0; c < N_CHILDREN; c++) {
		pf[c].fd = fds[c];
		pf[c].events = POLLIN;
	}
	while (open_count > 0 && e2e_now_ms() < deadline) {
		int n = poll(pf, N_CHILDREN, 500);
		if (n < 0 && errno == EINTR)
			continue;
		ck_assert(n >= 0);
		for (int c = 0; c < N_CHILDREN; c++) {
			ssize_t got;
			if (pf[c].fd < 0 || !(pf[c].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			got = read(pf[c].fd, buf, sizeof(buf));
			if (got > 0) {
				text_add(&out[c], "%.*s", (int)got, buf);
			} else if (got == 0 || errno != EINTR) {
				close(pf[c].fd);
				pf[c].fd = -1;
				open_count--;
			}
		}
	}
	if (open_count > 0)
		for (int c = 0; c < N_CHILDREN; c++)
			kill(pids[c], SIGKILL);
	for (int c = 0; c < N_CHILDREN; c++) {
		int status = 0;
		if (pf[c].fd >= 0)
			close(pf[c].fd);
		waitpid(pids[c], &status, 0);
		ck_assert_msg(open_count == 0, "children still running after %d s: killed", CHILD_WAIT_MS / 1000);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			"child %d ended with status 0x%x; its report:\n%.2000s", c, status, out[c].s ? out[c].s : "");
	}
}

static void race(void)
{
	char plan_path[600];
	pid_t pids[N_CHILDREN];
	int fds[N_CHILDREN];
	text out[N_CHILDREN];
	static int wins[N_ORDERS];
	static char winner_claim[N_ORDERS][W3W_ID_SIZE];
	static int winner_shopper[N_ORDERS];
	w3w_amount won_by[N_SHOPPERS] = { 0 };
	int won = 0, lost = 0, other = 0, processed = 0, summaries = 0, errors = 0;
	char first_error[512] = "";
	int64_t t0, race_ms, slowest_child_ms = 0;
	w3w_outbox_stats before, after;
	w3w_ledger_totals tot;
	int setup_commands;
	int64_t t_setup = e2e_now_ms();

	memset(wins, 0, sizeof(wins));
	memset(out, 0, sizeof(out));
	e2e_currency(W.p.cur);
	e2e_actor(&W.service, W3W_ROLE_SERVICE);
	e2e_actor(&W.auditor, W3W_ROLE_AUDITOR);
	W.p.service = W.service;
	W.ctx = e2e_open(W.storage, "none:", "", 0, CTX_TIMEOUT_MS);

	before = e2e_outbox(W.ctx, &W.service);
	setup_commands = world_setup();
	after = e2e_outbox(W.ctx, &W.service);
	ck_assert_msg(after.total - before.total == setup_commands, "setup: outbox grew by %lld for %d commands",
		(long long)(after.total - before.total), setup_commands);
	fprintf(stderr, "e2e race (%s): setup of %d orders, %d buyers, %d supplies: %lld ms\n", storage_kind,
		N_ORDERS, N_BUYERS, N_SHOPPERS, (long long)(e2e_now_ms() - t_setup));
	before = after;

	snprintf(plan_path, sizeof(plan_path), "%s/plan.txt", W.dir);
	plan_write(plan_path);
	t0 = e2e_now_ms();
	for (int c = 0; c < N_CHILDREN; c++)
		pids[c] = spawn_child(c, plan_path, &fds[c]);
	collect(pids, fds, out);
	race_ms = e2e_now_ms() - t0;
	unlink(plan_path);

	/* The children's reports. */
	for (int c = 0; c < N_CHILDREN; c++) {
		char *save = NULL;
		for (char *line = strtok_r(out[c].s ? out[c].s : (char[]){ 0 }, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			int i, shopper, ci, w, l, o, p;
			long long ms;
			char claim[W3W_ID_SIZE];
			if (sscanf(line, "W %d %36s %d", &i, claim, &shopper) == 3) {
				ck_assert(i >= 0 && i < N_ORDERS && shopper >= 0 && shopper < N_SHOPPERS);
				if (wins[i]++ == 0) {
					snprintf(winner_claim[i], W3W_ID_SIZE, "%s", claim);
					winner_shopper[i] = shopper;
					won_by[shopper] += order_amount(i);
				}
			} else if (sscanf(line, "S %d %d %d %d %d %lld", &ci, &w, &l, &o, &p, &ms) == 6) {
				summaries++;
				won += w;
				lost += l;
				other += o;
				processed += p;
				slowest_child_ms = ms > slowest_child_ms ? ms : slowest_child_ms;
			} else {
				if (!errors++)
					snprintf(first_error, sizeof(first_error), "child %d: %s", c, line);
			}
		}
		free(out[c].s);
	}
	fprintf(stderr, "e2e race (%s): %d processes x %d threads, %d claim attempts in %lld ms (%.0f attempts/s): "
		"%d won, %d lost (conflict), %d other, %d processed; %d unexpected lines\n", storage_kind, N_CHILDREN,
		N_THREADS, N_SHOPPERS * N_ORDERS, (long long)slowest_child_ms,
		slowest_child_ms ? N_SHOPPERS * N_ORDERS * 1000.0 / (double)slowest_child_ms : 0.0,
		won, lost, other, processed, errors);
	ck_assert_int_eq(summaries, N_CHILDREN);
	ck_assert_msg(errors == 0 && other == 0, "%d unexpected results; first: %s", errors + other, first_error);
	ck_assert_int_eq(won, N_ORDERS);
	ck_assert_int_eq(processed, N_ORDERS);
	ck_assert_int_eq(lost, N_SHOPPERS * N_ORDERS - N_ORDERS);
	for (int i = 0; i < N_ORDERS; i++)
		ck_assert_msg(wins[i] == 1, "order %d (%s) was won %d times", i, W.p.orders[i], wins[i]);

	/* The database agrees, order by order. */
	for (int i = 0; i < N_ORDERS; i++) {
		w3w_claim c;
		w3w_order *o = NULL;
		E2E_OK(w3w_claim_get_by_order(&c, W.ctx, &W.service, W.p.orders[i]));
		ck_assert_msg(strcmp(c.id, winner_claim[i]) == 0, "order %d: live claim %s, the winner reported %s",
			i, c.id, winner_claim[i]);
		ck_assert_int_eq(c.status, W3W_CLAIM_PROCESSED);
		ck_assert_str_eq(c.user_id, W.p.shoppers[winner_shopper[i]].user_id);
		ck_assert_str_eq(c.supply_id, W.p.supplies[winner_shopper[i]]);
		E2E_OK(w3w_order_get(&o, W.ctx, &W.service, W.p.orders[i]));
		ck_assert_int_eq(o->status, W3W_ORDER_COMPLETED);
		w3w_order_free(o);
	}
	/* Capacity used and money settled: exactly what each shopper won. */
	for (int s = 0; s < N_SHOPPERS; s++) {
		w3w_supply sup;
		w3w_account_list *acc = NULL;
		w3w_amount bal = 0;
		E2E_OK(w3w_supply_get(&sup, W.ctx, &W.p.shoppers[s], W.p.supplies[s]));
		ck_assert_msg(sup.amount == W.capacity - won_by[s] && sup.reserved == 0,
			"shopper %d: supply amount %lld reserved %lld, want %lld and 0", s, (long long)sup.amount,
			(long long)sup.reserved, (long long)(W.capacity - won_by[s]));
		E2E_OK(w3w_accounts(&acc, W.ctx, &W.p.shoppers[s], NULL));
		for (size_t k = 0; k < acc->count; k++)
			if (strcmp(acc->items[k].currency, W.p.cur) == 0)
				bal = acc->items[k].balance;
		w3w_account_list_free(acc);
		ck_assert_msg(bal == won_by[s], "shopper %d: balance %lld, won %lld", s, (long long)bal,
			(long long)won_by[s]);
	}
	e2e_check_invariants(W.ctx, &W.auditor, W.p.cur, &tot);
	ck_assert_int_eq(tot.deposits, W.deposited);
	ck_assert_int_eq(tot.withdrawals, 0);
	ck_assert_int_eq(tot.held, 0);
	ck_assert_int_eq(tot.escrow, 0);
	ck_assert_int_eq(tot.reserved, 0);
	ck_assert_int_eq(tot.live_claims, 0);

	after = e2e_outbox(W.ctx, &W.service);
	ck_assert_msg(after.total - before.total == won + processed,
		"outbox grew by %lld during the race, %d commands committed (%d claims, %d processed)",
		(long long)(after.total - before.total), won + processed, won, processed);
	{
		w3w_audit_report rep;
		int64_t ta = e2e_now_ms();
		E2E_OK(w3w_audit_verify(&rep, W.ctx, &W.auditor));
		fprintf(stderr, "e2e race (%s): audit chain of %lld records verified in %lld ms\n", storage_kind,
			(long long)rep.records, (long long)(e2e_now_ms() - ta));
		ck_assert_msg(rep.ok, "audit chain broken at %lld: %s", (long long)rep.first_bad, rep.reason);
		ck_assert_int_eq(rep.unsealed, 0);
	}
	fprintf(stderr, "e2e race (%s): race %lld ms including process start; %d claims + %d processed committed, "
		"outbox +%lld\n", storage_kind, (long long)race_ms, won, processed, (long long)(after.total - before.total));
	w3w_ctx_close(W.ctx);
}

START_TEST(two_processes_race_for_every_order)
{
	memset(&W, 0, sizeof(W));
	if (strcmp(storage_kind, "postgres") == 0) {
		const char *tmp = getenv("TMPDIR");
		e2e_pg_fresh(W.storage, W.pg_db);
		snprintf(W.dir, sizeof(W.dir), "%s/w3w-e2e-race-XXXXXX", (tmp && *tmp) ? tmp : "/tmp");
		ck_assert(mkdtemp(W.dir) != NULL);
	} else {
		e2e_sqlite_fresh(W.storage, W.dir);
	}
	race();
	if (W.pg_db[0])
		e2e_pg_drop(W.pg_db);
	e2e_sqlite_remove(W.dir);
}
END_TEST

int main(int argc, char **argv)
{
	Suite *s;
	TCase *tc;
	SRunner *sr;
	int failed;

	if (argc == 5 && strcmp(argv[1], "--child") == 0)
		return child_main(argv[2], argv[3], atoi(argv[4]));
	if (argc != 2 || (strcmp(argv[1], "postgres") != 0 && strcmp(argv[1], "sqlite") != 0)) {
		fprintf(stderr, "usage: %s postgres|sqlite\n", argv[0]);
		return 2;
	}
	storage_kind = argv[1];
	s = suite_create("e2e_concurrency");
	tc = tcase_create(storage_kind);
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, two_processes_race_for_every_order);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

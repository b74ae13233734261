#define _POSIX_C_SOURCE 200809L
/*
 * w3w-bench: the library's side of `make bench` (bench/run.sh drives it and
 * sets the raw engines beside it). Subcommands, each printing one JSON
 * object per line on stdout:
 *
 *   prefill --storage URL --orders N [--threads T] --out FILE
 *           [--shoppers S --capacity K --shoppers-out FILE]
 *       N open orders (ids to FILE), and S shoppers with a supply for K
 *       orders each (their user ids to the second file), for pgbench.
 *   claims  --storage URL [--cache URL] [--events URL] --threads T (--orders FILE [--skip K] --count N | --prefill N)
 *           [--duration S] [--relay 1|0] [--pump-ms M] [--catchup S] [--drain 1|0] [--label X]
 *       T threads, each with its own shopper, claim their own slice of the
 *       orders (no contention: this measures the claim path, not lost
 *       races) until the slice or the duration ends. Claims/s, latency,
 *       CPU per claim, PostgreSQL round trips per claim (pq_trace.h), and
 *       the relay thread's round trips by statement. Relay on: how far
 *       behind the relay was at the end and how long it took to catch up
 *       (waiting at most --catchup seconds, 10; if it has not, the process
 *       exits without w3w_ctx_close(), whose last drain is unbounded here).
 *       Relay off: the events and audit records are drained afterwards,
 *       timed apart (unless --drain 0). --pump-ms M: relay thread off, and
 *       a thread of this program calls w3w_events_pump() and
 *       w3w_audit_seal() every M ms instead (a host-driven relay).
 *   reads   --storage URL --cache URL --threads T --orders FILE [--skip K] --count N
 *           [--duration S] [--fill 1] [--label X]     (read_bench.c)
 *   batch   --storage URL [--sizes 0,1,10,...] [--claims N] [--duration S]    (batch_bench.c)
 *       Claims/s against the batch size on one thread; size 0 = single commands.
 *   drain   --storage URL [--max-seconds S]
 *       Relays and seals what others left in the outbox and audit log
 *       (pgbench's claims, a relay that fell behind), timed, for at most
 *       S seconds (120).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <unistd.h>
#include <time.h>

#include "bench_setup.h"
#include "bench_util.h"
#include "pq_trace.h"

/* Process-wide counters at the start of the timed part, taken by the first thread through the barrier. */
typedef struct window_start {
	double cpu_us;
	pq_trace_counts pq;
	pq_trace_statement others[PQ_TRACE_MAX_STATEMENTS];
	int nothers;
} window_start;

typedef struct claimer {
	w3w_ctx *ctx;
	pthread_barrier_t *ready;
	window_start *window;
	const bench_id *orders;
	size_t count;
	double duration_us;
	double *lat_us, *pq_us; /* per claim: total, and waiting on PostgreSQL */
	size_t done, failed;
	double start_us, end_us, cpu_us;
	pq_trace_counts pq;
	char error[256];
} claimer;

static void *claimer_main(void *arg)
{
	claimer *c = arg;
	w3w_actor shopper;
	pq_trace_counts p0, p1, before, after;
	double deadline, cpu0;

	pq_trace_mark_worker();
	bench_make_shopper(c->ctx, &shopper, c->count); /* also opens this thread's connection */
	if (pthread_barrier_wait(c->ready) == PTHREAD_BARRIER_SERIAL_THREAD) {
		c->window->cpu_us = bench_process_cpu_us();
		pq_trace_all(&c->window->pq);
		c->window->nothers = pq_trace_others(c->window->others);
	}
	cpu0 = bench_thread_cpu_us();
	pq_trace_thread(&p0);
	c->start_us = bench_now_us();
	deadline = c->start_us + c->duration_us;
	for (size_t i = 0; i < c->count; i++) {
		w3w_claim cl;
		double t0 = bench_now_us(), t1;
		pq_trace_thread(&before);
		if (w3w_claim_order(&cl, c->ctx, &shopper, c->orders[i], NULL) != W3W_OK) {
			if (!c->failed++)
				snprintf(c->error, sizeof(c->error), "%s", w3w_error_message());
		}
		t1 = bench_now_us();
		pq_trace_thread(&after);
		c->lat_us[c->done] = t1 - t0;
		c->pq_us[c->done] = (double)(after.ns - before.ns) / 1e3;
		c->done++;
		if (t1 >= deadline)
			break;
	}
	c->end_us = bench_now_us();
	pq_trace_thread(&p1);
	c->pq.round_trips = p1.round_trips - p0.round_trips;
	c->pq.ns = p1.ns - p0.ns;
	c->cpu_us = bench_thread_cpu_us() - cpu0;
	return NULL;
}

/* A host-driven relay (relay thread off): pump and seal every `period_ms`, as w3w_events_pump() allows. */
typedef struct pumper {
	w3w_ctx *ctx;
	int period_ms;
	atomic_int stop;
	pthread_t thread;
} pumper;

static void *pumper_main(void *arg)
{
	pumper *p = arg;
	struct timespec pause = { p->period_ms / 1000, (long)(p->period_ms % 1000) * 1000000L };

	while (!atomic_load(&p->stop)) {
		nanosleep(&pause, NULL);
		w3w_events_pump(p->ctx, 4096, NULL);
		w3w_audit_seal(p->ctx, 4096, NULL);
	}
	return NULL;
}

/* Claim events the relay has delivered (counted on the relay thread: no query to ask the outbox). */
static void count_claimed(const w3w_event *e, void *userdata)
{
	if (strcmp(e->type, "order.claimed") == 0)
		atomic_fetch_add((atomic_size_t *)userdata, 1);
}

/*
 * The other threads' (the relay's) round trips in the window, by statement, per claim:
 * {"w3w_outbox_take":{"per_op":0.1,"ms":2.5},...} (ms: mean wait per round trip).
 */
static void others_json(bench_json *j, const window_start *w, size_t ops)
{
	pq_trace_statement now[PQ_TRACE_MAX_STATEMENTS];
	int n = pq_trace_others(now);
	char buf[2048];
	size_t len = 0;

	buf[len++] = '{';
	buf[len] = '\0';
	for (int i = 0; i < n && ops; i++) {
		uint64_t rt = now[i].round_trips, ns = now[i].ns;
		for (int k = 0; k < w->nothers; k++)
			if (strcmp(w->others[k].name, now[i].name) == 0) {
				rt -= w->others[k].round_trips;
				ns -= w->others[k].ns;
			}
		if (rt == 0 || strpbrk(now[i].name, "\"\\"))
			continue;
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s\"%s\":{\"per_op\":%.4f,\"ms\":%.3f}",
			len > 1 ? "," : "", now[i].name, (double)rt / (double)ops, (double)ns / (double)rt / 1e6);
		if (len >= sizeof(buf) - 2)
			return;
	}
	buf[len++] = '}';
	buf[len] = '\0';
	bench_json_raw(j, "relay_statements", buf);
}

/* Relay and seal everything outstanding on this thread (relay thread off). */
static void drain(w3w_ctx *ctx, bench_json *j, double max_seconds)
{
	size_t events = 0, got, sealed = 0;
	pq_trace_counts p0, p1;
	double t0 = bench_now_us(), cpu0 = bench_process_cpu_us();
	const char *error = NULL;

	pq_trace_all(&p0);
	do {
		got = 0;
		if (w3w_events_pump(ctx, 4096, &got) != W3W_OK && !error)
			error = w3w_error_message();
		events += got;
	} while (got > 0 && !error && bench_now_us() - t0 < max_seconds * 1e6);
	if (w3w_audit_seal(ctx, 0, &sealed) != W3W_OK && !error)
		error = w3w_error_message();
	pq_trace_all(&p1);
	bench_json_num(j, "drain_events", (double)events);
	bench_json_num(j, "drain_sealed", (double)sealed);
	bench_json_num(j, "drain_complete", got == 0 && !error);
	if (error)
		bench_json_str(j, "drain_error", error);
	bench_json_num(j, "drain_ms", (bench_now_us() - t0) / 1e3);
	bench_json_num(j, "drain_cpu_us_per_event", events ? (bench_process_cpu_us() - cpu0) / (double)events : 0);
	bench_json_num(j, "drain_rt", (double)(p1.round_trips - p0.round_trips));
}

/* Relay and seal what is outstanding now (at most a minute), untimed. */
static void settle(w3w_ctx *ctx)
{
	double t0 = bench_now_us();
	size_t got;

	do {
		got = 0;
		if (w3w_events_pump(ctx, 4096, &got) != W3W_OK)
			break;
	} while (got > 0 && bench_now_us() - t0 < 60e6);
	w3w_audit_seal(ctx, 0, NULL);
	w3w_error_clear();
}

static int claims_main(const bench_args *a)
{
	static const char *const known[] = { "--storage", "--cache", "--events", "--threads", "--orders", "--skip", "--count",
		"--prefill", "--duration", "--relay", "--pump-ms", "--catchup", "--drain", "--label", NULL };
	const char *storage = bench_arg(a, "--storage", "sqlite:bench.db");
	const char *cache = bench_arg(a, "--cache", "memory:");
	const char *events = bench_arg(a, "--events", "");
	const char *file = bench_arg(a, "--orders", NULL);
	int threads = (int)bench_arg_long(a, "--threads", 1);
	int relay = (int)bench_arg_long(a, "--relay", 1);
	int pump_ms = (int)bench_arg_long(a, "--pump-ms", 0);
	pumper pump = { 0 };
	size_t count = (size_t)bench_arg_long(a, "--count", 0);
	double duration = bench_arg_double(a, "--duration", 10);
	double catchup = bench_arg_double(a, "--catchup", 10);
	int drain_after = (int)bench_arg_long(a, "--drain", 1);
	bench_id *orders = NULL;
	size_t n = 0, per, done = 0, failed = 0, rt = 0;
	claimer *cs;
	pthread_barrier_t ready;
	pq_trace_counts all1;
	window_start w0;
	w3w_subscription *sub = NULL;
	atomic_size_t delivered = 0;
	size_t delivered_end;
	double cpu1, wall0, wall1, t0, t1, worker_cpu = 0, *lat, *pq;
	bench_stats s, sp;
	bench_json j;
	w3w_ctx *ctx;
	const char *error = NULL;

	if (pump_ms > 0)
		relay = 0; /* the host drives the relay */
	if (bench_args_check(a, known) || threads < 1 || (!file && !bench_arg(a, "--prefill", NULL))) {
		fprintf(stderr, "usage: w3w-bench claims --storage URL [--cache URL] [--events URL] --threads T"
			" (--orders FILE [--skip K] --count N | --prefill N) [--duration S] [--relay 1|0]"
			" [--pump-ms M] [--catchup S] [--drain 1|0] [--label X]\n");
		return 2;
	}
	/* One connection per thread, as pgbench gets, and one for the relay. */
	ctx = bench_open_events(storage, "", cache, events, threads + 1, relay);
	if (file) {
		if (bench_ids_read(file, (size_t)bench_arg_long(a, "--skip", 0), count, &orders, &n))
			return 1;
	} else {
		n = (size_t)bench_arg_long(a, "--prefill", 0);
		if (!(orders = calloc(n ? n : 1, sizeof(*orders))))
			return 1;
		bench_make_orders(ctx, orders, n, threads < 4 ? threads : 4);
		settle(ctx); /* their events relayed and sealed before measuring, relay thread or not */
	}
	per = n / (size_t)threads;
	if (per == 0) {
		fprintf(stderr, "w3w-bench: %zu orders for %d threads\n", n, threads);
		return 1;
	}
	if ((relay || pump_ms > 0) && w3w_subscribe(&sub, ctx, count_claimed, &delivered, 0) != W3W_OK)
		bench_die("subscribe");
	if (pump_ms > 0) {
		pump.ctx = ctx;
		pump.period_ms = pump_ms;
		if (pthread_create(&pump.thread, NULL, pumper_main, &pump) != 0)
			bench_die("pump thread");
	}
	cs = calloc((size_t)threads, sizeof(*cs));
	lat = calloc(per * (size_t)threads, sizeof(double));
	pq = calloc(per * (size_t)threads, sizeof(double));
	if (!cs || !lat || !pq)
		return 1;
	pthread_barrier_init(&ready, NULL, (unsigned)threads);
	for (int t = 0; t < threads; t++) {
		cs[t].ctx = ctx;
		cs[t].ready = &ready;
		cs[t].window = &w0;
		cs[t].orders = orders + (size_t)t * per;
		cs[t].count = per;
		cs[t].duration_us = duration * 1e6;
		cs[t].lat_us = lat + (size_t)t * per;
		cs[t].pq_us = pq + (size_t)t * per;
	}
	/* The window: from the first thread's start to the last one's end (threads start together). */
	bench_run_threads(threads, claimer_main, cs, sizeof(*cs));
	cpu1 = bench_process_cpu_us();
	pq_trace_all(&all1);
	delivered_end = atomic_load(&delivered);
	t0 = cs[0].start_us;
	t1 = cs[0].end_us;
	for (int t = 0; t < threads; t++) {
		if (cs[t].start_us < t0)
			t0 = cs[t].start_us;
		if (cs[t].end_us > t1)
			t1 = cs[t].end_us;
		/* compact the per-thread samples into one array */
		memmove(lat + done, cs[t].lat_us, cs[t].done * sizeof(double));
		memmove(pq + done, cs[t].pq_us, cs[t].done * sizeof(double));
		done += cs[t].done;
		failed += cs[t].failed;
		rt += cs[t].pq.round_trips;
		worker_cpu += cs[t].cpu_us;
		if (cs[t].failed && !error)
			error = cs[t].error;
	}
	wall1 = bench_wall_s() - bench_now_us() / 1e6; /* wall clock = this + monotonic */
	wall0 = wall1 + t0 / 1e6;
	wall1 += t1 / 1e6;
	bench_stats_of(&s, lat, done);
	bench_stats_of(&sp, pq, done);

	bench_json_begin(&j, "claims");
	bench_json_str(&j, "label", bench_arg(a, "--label", ""));
	bench_json_str(&j, "storage", bench_backend_name(storage));
	bench_json_str(&j, "cache", bench_backend_name(cache));
	bench_json_num(&j, "relay", relay || pump_ms > 0);
	bench_json_num(&j, "pump_ms", pump_ms);
	bench_json_num(&j, "threads", threads);
	bench_json_num(&j, "pool", threads + 1);
	bench_json_num(&j, "n", (double)done);
	bench_json_num(&j, "failed", (double)failed);
	if (error)
		bench_json_str(&j, "error", error);
	bench_json_num(&j, "seconds", (t1 - t0) / 1e6);
	bench_json_num(&j, "per_s", (double)done / ((t1 - t0) / 1e6));
	bench_json_num(&j, "start_wall", wall0);
	bench_json_num(&j, "end_wall", wall1);
	bench_json_stats(&j, "", &s);
	bench_json_stats(&j, "pq_", &sp);
	bench_json_num(&j, "rt_per_op", done ? (double)rt / (double)done : 0);
	bench_json_num(&j, "other_rt_per_op", done ? (double)(all1.round_trips - w0.pq.round_trips - rt) / (double)done : 0);
	others_json(&j, &w0, done);
	bench_json_num(&j, "cpu_us_per_op", done ? (cpu1 - w0.cpu_us) / (double)done : 0);
	bench_json_num(&j, "worker_cpu_us_per_op", done ? worker_cpu / (double)done : 0);
	bench_json_num(&j, "other_cpu_us_per_op", done ? (cpu1 - w0.cpu_us - worker_cpu) / (double)done : 0);
	if (relay || pump_ms > 0) {
		/* How far behind the relay thread was at the end, and how long it took to catch up (bounded). */
		double since = bench_now_us();
		struct timespec pause = { 0, 5 * 1000000L };
		bench_json_num(&j, "relayed_in_window", (double)delivered_end);
		bench_json_num(&j, "backlog_end", (double)(done - (delivered_end < done ? delivered_end : done)));
		while (atomic_load(&delivered) < done && bench_now_us() - since < catchup * 1e6)
			nanosleep(&pause, NULL);
		bench_json_num(&j, "relay_catchup_ms", (bench_now_us() - since) / 1e3);
		bench_json_num(&j, "relayed", (double)atomic_load(&delivered));
		if (pump_ms > 0) {
			atomic_store(&pump.stop, 1);
			pthread_join(pump.thread, NULL);
		}
		w3w_unsubscribe(sub);
		if (atomic_load(&delivered) < done) {
			/* w3w_ctx_close() would drain what is left at the relay's pace, unbounded here: leave it to
			 * `w3w-bench drain` and exit. */
			bench_json_end(&j);
			fflush(NULL);
			_exit(failed ? 1 : 0);
		}
	} else if (drain_after) {
		drain(ctx, &j, 60);
	}
	bench_json_end(&j);
	w3w_ctx_close(ctx);
	pthread_barrier_destroy(&ready);
	free(cs);
	free(lat);
	free(pq);
	free(orders);
	return failed ? 1 : 0;
}

static int prefill_main(const bench_args *a)
{
	static const char *const known[] = { "--storage", "--orders", "--threads", "--out", "--shoppers", "--capacity",
		"--shoppers-out", NULL };
	const char *storage = bench_arg(a, "--storage", NULL), *out = bench_arg(a, "--out", NULL);
	const char *shoppers_out = bench_arg(a, "--shoppers-out", NULL);
	size_t n = (size_t)bench_arg_long(a, "--orders", 0), shoppers = (size_t)bench_arg_long(a, "--shoppers", 0);
	size_t capacity = (size_t)bench_arg_long(a, "--capacity", 1);
	int threads = (int)bench_arg_long(a, "--threads", 8);
	bench_id *ids, *sids;
	w3w_ctx *ctx;
	double t0, t1;
	bench_json j;

	if (bench_args_check(a, known) || !storage || !out || (shoppers && !shoppers_out)) {
		fprintf(stderr, "usage: w3w-bench prefill --storage URL --orders N [--threads T] --out FILE"
			" [--shoppers S --capacity K --shoppers-out FILE]\n");
		return 2;
	}
	ids = calloc(n ? n : 1, sizeof(*ids));
	sids = calloc(shoppers ? shoppers : 1, sizeof(*sids));
	if (!ids || !sids)
		return 1;
	/* Relay thread off: its events and audit records are drained afterwards (`drain`), in big batches. */
	ctx = bench_open(storage, "none:", threads + 1, 0);
	t0 = bench_now_us();
	bench_make_orders(ctx, ids, n, threads);
	t1 = bench_now_us();
	for (size_t i = 0; i < shoppers; i++) {
		w3w_actor s;
		bench_make_shopper(ctx, &s, capacity);
		snprintf(sids[i], sizeof(bench_id), "%s", s.user_id);
	}
	w3w_ctx_close(ctx);
	if (bench_ids_write(out, ids, n) || (shoppers && bench_ids_write(shoppers_out, sids, shoppers)))
		return 1;
	bench_json_begin(&j, "prefill");
	bench_json_str(&j, "storage", bench_backend_name(storage));
	bench_json_num(&j, "threads", threads);
	bench_json_num(&j, "orders", (double)n);
	bench_json_num(&j, "shoppers", (double)shoppers);
	bench_json_num(&j, "seconds", (t1 - t0) / 1e6);
	bench_json_num(&j, "per_s", (double)n / ((t1 - t0) / 1e6));
	bench_json_end(&j);
	free(ids);
	free(sids);
	return 0;
}

static int drain_main(const bench_args *a)
{
	static const char *const known[] = { "--storage", "--max-seconds", NULL };
	const char *storage = bench_arg(a, "--storage", NULL);
	bench_json j;
	w3w_ctx *ctx;

	if (bench_args_check(a, known) || !storage) {
		fprintf(stderr, "usage: w3w-bench drain --storage URL [--max-seconds S]\n");
		return 2;
	}
	ctx = bench_open(storage, "none:", 2, 0);
	bench_json_begin(&j, "drain");
	bench_json_str(&j, "storage", bench_backend_name(storage));
	drain(ctx, &j, bench_arg_double(a, "--max-seconds", 120));
	bench_json_end(&j);
	w3w_ctx_close(ctx);
	return 0;
}

int main(int argc, char **argv)
{
	bench_args a = { argc - 2, argv + 2 };

	if (argc < 2) {
		fprintf(stderr, "usage: w3w-bench prefill|claims|reads|drain|batch [--option value]...\n");
		return 2;
	}
	if (strcmp(argv[1], "prefill") == 0)
		return prefill_main(&a);
	if (strcmp(argv[1], "claims") == 0)
		return claims_main(&a);
	if (strcmp(argv[1], "reads") == 0)
		return bench_reads_main(&a);
	if (strcmp(argv[1], "drain") == 0)
		return drain_main(&a);
	if (strcmp(argv[1], "batch") == 0)
		return bench_batch_main(&a);
	fprintf(stderr, "w3w-bench: unknown subcommand %s\n", argv[1]);
	return 2;
}

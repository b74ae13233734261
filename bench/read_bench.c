#define _POSIX_C_SOURCE 200809L
/*
 * w3w-bench reads: orders read by id (w3w_order_get) by T threads over a
 * fixed set of ids, each thread starting at its own offset and going
 * round, until the duration or --max reads end. With --fill 1 every id is
 * read once first (a cache's cold pass, reported apart), so the timed
 * pass reads a warm cache. With --read-storage the context reads from that
 * replica when it is fresh enough; with --read-after POS every thread's
 * reads must see that commit position (w3w_read_after).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "pq_trace.h"

typedef struct reader {
	w3w_ctx *ctx;
	const char *read_after;
	pthread_barrier_t *ready;
	double *window_cpu_us; /* process CPU at the start of the timed pass, taken by one thread */
	const bench_id *ids;
	size_t n, first, fill_from, fill_count, max;
	double duration_us;
	double *lat_us, *fill_us;
	size_t done;
	double start_us, end_us, cpu_us, fill_start_us, fill_end_us;
	pq_trace_counts pq;
} reader;

static void read_one(reader *r, const w3w_actor *actor, const char *id)
{
	w3w_order *o = NULL;
	if (w3w_order_get(&o, r->ctx, actor, id) != W3W_OK)
		bench_die("order get");
	w3w_order_free(o);
}

static void *reader_main(void *arg)
{
	reader *r = arg;
	w3w_actor actor;
	pq_trace_counts p0, p1;
	double deadline, cpu0;

	bench_actor(&actor, W3W_ROLE_USER);
	if (w3w_read_after(r->read_after) != W3W_OK)
		bench_die("read after");
	r->fill_start_us = bench_now_us();
	for (size_t i = 0; i < r->fill_count; i++) {
		double t0 = bench_now_us();
		read_one(r, &actor, r->ids[r->fill_from + i]);
		r->fill_us[i] = bench_now_us() - t0;
	}
	r->fill_end_us = bench_now_us();
	if (pthread_barrier_wait(r->ready) == PTHREAD_BARRIER_SERIAL_THREAD)
		*r->window_cpu_us = bench_process_cpu_us();
	cpu0 = bench_thread_cpu_us();
	pq_trace_thread(&p0);
	r->start_us = bench_now_us();
	deadline = r->start_us + r->duration_us;
	for (size_t i = 0; i < r->max; i++) {
		double t0 = bench_now_us(), t1;
		read_one(r, &actor, r->ids[(r->first + i) % r->n]);
		t1 = bench_now_us();
		r->lat_us[r->done++] = t1 - t0;
		if (t1 >= deadline)
			break;
	}
	r->end_us = bench_now_us();
	pq_trace_thread(&p1);
	r->pq.round_trips = p1.round_trips - p0.round_trips;
	r->cpu_us = bench_thread_cpu_us() - cpu0;
	return NULL;
}

int bench_reads_main(const bench_args *a)
{
	static const char *const known[] = { "--storage", "--cache", "--threads", "--orders", "--skip", "--count",
		"--duration", "--max", "--fill", "--label", "--read-storage", "--read-after", NULL };
	const char *storage = bench_arg(a, "--storage", NULL), *cache = bench_arg(a, "--cache", "none:");
	const char *read_storage = bench_arg(a, "--read-storage", ""), *read_after = bench_arg(a, "--read-after", "");
	const char *file = bench_arg(a, "--orders", NULL);
	int threads = (int)bench_arg_long(a, "--threads", 1), fill = (int)bench_arg_long(a, "--fill", 0);
	size_t max = (size_t)bench_arg_long(a, "--max", 1000000), n = 0, done = 0, filled = 0, rt = 0, per_fill;
	double duration = bench_arg_double(a, "--duration", 5), t0, t1, f0, f1, cpu = 0, *lat, *fill_lat;
	double cpu0 = 0, cpu1, wall;
	bench_id *ids;
	reader *rs;
	pthread_barrier_t ready;
	bench_stats s, sf;
	bench_json j;
	w3w_ctx *ctx;

	if (bench_args_check(a, known) || !storage || !file || threads < 1) {
		fprintf(stderr, "usage: w3w-bench reads --storage URL --cache URL --threads T --orders FILE [--skip K]"
			" --count N [--duration S] [--max READS] [--fill 1] [--label X] [--read-storage URL] [--read-after POS]\n");
		return 2;
	}
	if (bench_ids_read(file, (size_t)bench_arg_long(a, "--skip", 0), (size_t)bench_arg_long(a, "--count", 0),
		&ids, &n) || n == 0)
		return 1;
	ctx = bench_open_replica(storage, read_storage, cache, threads + 1, 1);
	max = max / (size_t)threads + 1;
	per_fill = fill ? (n + (size_t)threads - 1) / (size_t)threads : 0;
	rs = calloc((size_t)threads, sizeof(*rs));
	lat = calloc(max * (size_t)threads, sizeof(double));
	fill_lat = calloc(per_fill * (size_t)threads + 1, sizeof(double));
	if (!rs || !lat || !fill_lat)
		return 1;
	pthread_barrier_init(&ready, NULL, (unsigned)threads);
	for (int t = 0; t < threads; t++) {
		rs[t].ctx = ctx;
		rs[t].read_after = read_after;
		rs[t].ready = &ready;
		rs[t].window_cpu_us = &cpu0;
		rs[t].ids = ids;
		rs[t].n = n;
		rs[t].first = n * (size_t)t / (size_t)threads;
		rs[t].fill_from = (size_t)t * per_fill < n ? (size_t)t * per_fill : n;
		rs[t].fill_count = rs[t].fill_from + per_fill <= n ? per_fill : n - rs[t].fill_from;
		rs[t].max = max;
		rs[t].duration_us = duration * 1e6;
		rs[t].lat_us = lat + (size_t)t * max;
		rs[t].fill_us = fill_lat + (size_t)t * per_fill;
	}
	bench_run_threads(threads, reader_main, rs, sizeof(*rs));
	cpu1 = bench_process_cpu_us();
	wall = bench_wall_s() - bench_now_us() / 1e6; /* wall clock = this + monotonic */
	t0 = rs[0].start_us, t1 = rs[0].end_us, f0 = rs[0].fill_start_us, f1 = rs[0].fill_end_us;
	for (int t = 0; t < threads; t++) {
		t0 = rs[t].start_us < t0 ? rs[t].start_us : t0;
		t1 = rs[t].end_us > t1 ? rs[t].end_us : t1;
		f0 = rs[t].fill_start_us < f0 ? rs[t].fill_start_us : f0;
		f1 = rs[t].fill_end_us > f1 ? rs[t].fill_end_us : f1;
		memmove(lat + done, rs[t].lat_us, rs[t].done * sizeof(double));
		memmove(fill_lat + filled, rs[t].fill_us, rs[t].fill_count * sizeof(double));
		done += rs[t].done;
		filled += rs[t].fill_count;
		rt += rs[t].pq.round_trips;
		cpu += rs[t].cpu_us;
	}
	bench_stats_of(&s, lat, done);
	bench_stats_of(&sf, fill_lat, filled);

	bench_json_begin(&j, "reads");
	bench_json_str(&j, "label", bench_arg(a, "--label", ""));
	bench_json_str(&j, "storage", bench_backend_name(storage));
	bench_json_str(&j, "cache", bench_backend_name(cache));
	bench_json_str(&j, "read_storage", read_storage[0] ? "replica" : "");
	bench_json_num(&j, "threads", threads);
	bench_json_num(&j, "ids", (double)n);
	bench_json_num(&j, "n", (double)done);
	bench_json_num(&j, "seconds", (t1 - t0) / 1e6);
	bench_json_num(&j, "per_s", (double)done / ((t1 - t0) / 1e6));
	bench_json_num(&j, "start_wall", wall + t0 / 1e6);
	bench_json_num(&j, "end_wall", wall + t1 / 1e6);
	bench_json_stats(&j, "", &s);
	bench_json_num(&j, "rt_per_op", done ? (double)rt / (double)done : 0);
	bench_json_num(&j, "cpu_us_per_op", done ? (cpu1 - cpu0) / (double)done : 0);
	bench_json_num(&j, "worker_cpu_us_per_op", done ? cpu / (double)done : 0);
	if (filled) {
		bench_json_num(&j, "fill_n", (double)filled);
		bench_json_num(&j, "fill_per_s", (double)filled / ((f1 - f0) / 1e6));
		bench_json_stats(&j, "fill_", &sf);
	}
	bench_json_end(&j);
	w3w_ctx_close(ctx);
	pthread_barrier_destroy(&ready);
	free(rs);
	free(lat);
	free(fill_lat);
	free(ids);
	return 0;
}

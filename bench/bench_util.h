/* Helpers shared by the w3w-bench subcommands: clocks, latency statistics, id files, options, JSON lines. */
#ifndef W3W_BENCH_UTIL_H
#define W3W_BENCH_UTIL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <w3wallet.h>

/* One order costs this much (1 USDC); supplies and deposits are sized in multiples of it. */
#define BENCH_PRICE ((w3w_amount)100000000)

typedef char bench_id[W3W_ID_SIZE];

double bench_now_us(void);      /* monotonic */
double bench_wall_s(void);      /* realtime, seconds since the epoch (to line up with outside samples) */
double bench_thread_cpu_us(void);
double bench_process_cpu_us(void);

/* Latency summary of `n` samples in microseconds; sorts `v` in place. */
typedef struct bench_stats {
	size_t n;
	double mean, p50, p90, p99, p999, max;
} bench_stats;
void bench_stats_of(bench_stats *out, double *v, size_t n);

_Noreturn void bench_die(const char *what);
void bench_actor(w3w_actor *a, unsigned roles);

/* Id files: one id a line. read: `count` ids (0 = all) after skipping `skip`; the caller frees *out. */
int bench_ids_read(const char *path, size_t skip, size_t count, bench_id **out, size_t *n);
int bench_ids_write(const char *path, const bench_id *ids, size_t n);

/* Command line: --name value pairs after the subcommand. */
typedef struct bench_args {
	int argc;
	char **argv;
} bench_args;
const char *bench_arg(const bench_args *a, const char *name, const char *def);
long bench_arg_long(const bench_args *a, const char *name, long def);
double bench_arg_double(const bench_args *a, const char *name, double def);
/* 0 if every option is one of `known` (NULL-terminated), else prints the stray one and returns -1. */
int bench_args_check(const bench_args *a, const char *const *known);

/* Open a context for `storage`/`cache` with `pool` connections; relay thread on or off. */
w3w_ctx *bench_open(const char *storage, const char *cache, int pool, int relay);
/** The same with a read replica ("" = none). */
w3w_ctx *bench_open_replica(const char *storage, const char *read_storage, const char *cache, int pool, int relay);
/** The same with an events sink (`events`: "" for none), as a server on the same backends has. */
w3w_ctx *bench_open_events(const char *storage, const char *read_storage, const char *cache, const char *events,
	int pool, int relay);
/* "postgres", "sqlite", ... for the output: never the URL, which may hold a password. */
const char *bench_backend_name(const char *url);

/* A JSON object written into a fixed buffer, printed as one line on stdout. */
typedef struct bench_json {
	char buf[4096];
	size_t len;
} bench_json;
void bench_json_begin(bench_json *j, const char *bench);
void bench_json_str(bench_json *j, const char *key, const char *value);
void bench_json_num(bench_json *j, const char *key, double value);
void bench_json_stats(bench_json *j, const char *prefix, const bench_stats *s);
/* `raw` is already JSON (an object built by the caller). */
void bench_json_raw(bench_json *j, const char *key, const char *raw);
void bench_json_end(bench_json *j);

/* The reads subcommand (read_bench.c). */
int bench_reads_main(const bench_args *a);
/* The batch subcommand: claims/s against the batch size (batch_bench.c). */
int bench_batch_main(const bench_args *a);

/* Start `n` threads running fn(arg + i * size) and join them. */
void bench_run_threads(int n, void *(*fn)(void *), void *args, size_t size);

#endif

#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pq_trace.h"

#ifdef BENCH_PQ_TRACE
#include <libpq-fe.h>

static _Thread_local int64_t sent_at; /* 0: nothing in flight on this thread */
static _Thread_local char sent_name[48];
static _Thread_local int is_worker;
static _Thread_local pq_trace_counts mine;
static atomic_uint_fast64_t all_round_trips, all_ns;

static pthread_mutex_t others_lock = PTHREAD_MUTEX_INITIALIZER;
static pq_trace_statement others[PQ_TRACE_MAX_STATEMENTS];
static int others_count;

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* libpq's own definition of `name`, found once (the library cannot run without it). */
static void *real(void **slot, const char *name)
{
	void *fn = atomic_load_explicit((_Atomic(void *) *)slot, memory_order_acquire);
	if (!fn) {
		fn = dlsym(RTLD_NEXT, name);
		if (!fn) {
			fprintf(stderr, "w3w-bench: pq_trace: %s not found in libpq\n", name);
			abort();
		}
		atomic_store_explicit((_Atomic(void *) *)slot, fn, memory_order_release);
	}
	return fn;
}
#define REAL(type, name) ((type)real(&real_##name, #name))

static void *real_PQsendQuery, *real_PQsendQueryParams, *real_PQsendQueryPrepared, *real_PQgetResult;

/* `name` is a statement name, or SQL (kept up to its first space). */
static int sent(int ok, const char *name)
{
	if (ok) {
		size_t n = strcspn(name ? name : "?", " \n;");
		if (n >= sizeof(sent_name))
			n = sizeof(sent_name) - 1;
		memcpy(sent_name, name ? name : "?", n);
		sent_name[n] = '\0';
		sent_at = mono_ns();
	}
	return ok;
}

static void count_other(uint64_t ns)
{
	int i;
	pthread_mutex_lock(&others_lock);
	for (i = 0; i < others_count && strcmp(others[i].name, sent_name) != 0; i++)
		;
	if (i == others_count && others_count < PQ_TRACE_MAX_STATEMENTS)
		memcpy(others[others_count++].name, sent_name, sizeof(sent_name));
	if (i < others_count) {
		others[i].round_trips++;
		others[i].ns += ns;
	}
	pthread_mutex_unlock(&others_lock);
}

/* The interposers: same signatures as libpq-fe.h (the compiler checks them against it). */
int PQsendQuery(PGconn *conn, const char *query)
{
	return sent(REAL(int (*)(PGconn *, const char *), PQsendQuery)(conn, query), query);
}

int PQsendQueryParams(PGconn *conn, const char *command, int nParams, const Oid *paramTypes,
	const char *const *paramValues, const int *paramLengths, const int *paramFormats, int resultFormat)
{
	return sent(REAL(int (*)(PGconn *, const char *, int, const Oid *, const char *const *, const int *,
		const int *, int), PQsendQueryParams)(conn, command, nParams, paramTypes, paramValues,
		paramLengths, paramFormats, resultFormat), command);
}

int PQsendQueryPrepared(PGconn *conn, const char *stmtName, int nParams, const char *const *paramValues,
	const int *paramLengths, const int *paramFormats, int resultFormat)
{
	return sent(REAL(int (*)(PGconn *, const char *, int, const char *const *, const int *, const int *, int),
		PQsendQueryPrepared)(conn, stmtName, nParams, paramValues, paramLengths, paramFormats, resultFormat),
		stmtName);
}

PGresult *PQgetResult(PGconn *conn)
{
	PGresult *r = REAL(PGresult *(*)(PGconn *), PQgetResult)(conn);
	if (!r && sent_at) {
		uint64_t ns = (uint64_t)(mono_ns() - sent_at);
		sent_at = 0;
		mine.round_trips++;
		mine.ns += ns;
		atomic_fetch_add(&all_round_trips, 1);
		atomic_fetch_add(&all_ns, ns);
		if (!is_worker)
			count_other(ns);
	}
	return r;
}

void pq_trace_mark_worker(void)
{
	is_worker = 1;
}

int pq_trace_others(pq_trace_statement out[PQ_TRACE_MAX_STATEMENTS])
{
	int n;
	pthread_mutex_lock(&others_lock);
	n = others_count;
	memcpy(out, others, (size_t)n * sizeof(*out));
	pthread_mutex_unlock(&others_lock);
	return n;
}

void pq_trace_thread(pq_trace_counts *out)
{
	*out = mine;
}

void pq_trace_all(pq_trace_counts *out)
{
	out->round_trips = atomic_load(&all_round_trips);
	out->ns = atomic_load(&all_ns);
}

#else /* built without libpq: nothing to trace */

void pq_trace_mark_worker(void)
{
}

int pq_trace_others(pq_trace_statement out[PQ_TRACE_MAX_STATEMENTS])
{
	(void)out;
	return 0;
}

void pq_trace_thread(pq_trace_counts *out)
{
	out->round_trips = out->ns = 0;
}

void pq_trace_all(pq_trace_counts *out)
{
	out->round_trips = out->ns = 0;
}

#endif

/*
 * Round trips to PostgreSQL as the library sees them, without touching
 * the library: w3w-bench defines PQsendQuery* and PQgetResult itself
 * (exported, so they interpose on libpq for libw3wallet.so), stamps the
 * time at send and when the last result has arrived, then calls libpq's.
 * A round trip = one statement sent until its final (NULL) PQgetResult:
 * network, server execution, and waking the waiting thread.
 */
#ifndef W3W_BENCH_PQ_TRACE_H
#define W3W_BENCH_PQ_TRACE_H

#include <stdint.h>

typedef struct pq_trace_counts {
	uint64_t round_trips;
	uint64_t ns; /* time spent waiting for them */
} pq_trace_counts;

/* Round trips of the threads that did not call pq_trace_mark_worker(), by statement. */
#define PQ_TRACE_MAX_STATEMENTS 64
typedef struct pq_trace_statement {
	char name[48]; /* prepared statement name, or the first word of a simple query */
	uint64_t round_trips;
	uint64_t ns;
} pq_trace_statement;

/* Count this thread apart from the others (the benchmark's own workers). */
void pq_trace_mark_worker(void);
/* Copy of the per-statement table of the other threads; returns the number of entries. */
int pq_trace_others(pq_trace_statement out[PQ_TRACE_MAX_STATEMENTS]);

/* This thread's totals so far. */
void pq_trace_thread(pq_trace_counts *out);
/* Totals over every thread of the process so far. */
void pq_trace_all(pq_trace_counts *out);

#endif

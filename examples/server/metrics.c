/* Counters and histograms for GET /metrics (see metrics.h). */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "metrics_health.h"
#include "router.h"

#define ROUTES_MAX (ROUTER_ROUTES_MAX + 1)

static const unsigned int statuses[] = { 200, 201, 400, 401, 403, 404, 405, 409, 413, 415, 422, 429, 500, 501, 503 };
#define STATUSES ((int)(sizeof(statuses) / sizeof(statuses[0])) + 1) /* + "other" */

/* Upper bounds in microseconds; the last bucket is +Inf. */
static const int64_t bounds_us[] = { 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000,
	500000, 1000000, 2500000 };
#define BOUNDS ((int)(sizeof(bounds_us) / sizeof(bounds_us[0])))

typedef struct histogram {
	atomic_uint_fast64_t buckets[BOUNDS + 1]; /* non-cumulative; rendered cumulative */
	atomic_uint_fast64_t sum_us;
	atomic_uint_fast64_t count;
} histogram;

static histogram requests[ROUTES_MAX][STATUSES];
static histogram handlers[ROUTES_MAX];
static atomic_uint_fast64_t counters[M_COUNTERS];
static atomic_int_fast64_t connections, in_flight;
static int64_t started_at_s;

static const char *const counter_lines[M_COUNTERS][3] = {
	{ "w3w_claims_total", "outcome=\"won\"", "Claims by outcome: won (201), lost the race (409), no supply (422)." },
	{ "w3w_claims_total", "outcome=\"lost\"", NULL },
	{ "w3w_claims_total", "outcome=\"insufficient_supply\"", NULL },
	{ "w3w_insufficient_funds_total", "", "Requests refused with 422 insufficient_funds (any route)." },
	{ "w3w_rate_limited_total", "", "Requests refused with 429 by the per-user token bucket." },
	{ "w3w_auth_failures_total", "", "Requests refused with 401." },
	{ "w3w_too_large_total", "", "Requests refused with 413 (body over 64 KiB)." },
	{ "w3w_otlp_spans_total", "outcome=\"exported\"", "Spans by export outcome: accepted by the OTLP collector, or dropped (queue full, collector down)." },
	{ "w3w_otlp_spans_total", "outcome=\"dropped\"", NULL },
};

void metrics_init(void)
{
	started_at_s = w3w_time_now() / 1000000;
}

static int status_slot(unsigned int status)
{
	for (int i = 0; i < STATUSES - 1; i++)
		if (statuses[i] == status)
			return i;
	return STATUSES - 1;
}

static void observe(histogram *h, int64_t us)
{
	int b = 0;
	if (us < 0)
		us = 0;
	while (b < BOUNDS && us > bounds_us[b])
		b++;
	atomic_fetch_add_explicit(&h->buckets[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->sum_us, (uint_fast64_t)us, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->count, 1, memory_order_relaxed);
}

void metrics_request(int route, unsigned int status, int64_t latency_us)
{
	if (route < 0 || route >= ROUTES_MAX)
		route = ROUTES_MAX - 1;
	observe(&requests[route][status_slot(status)], latency_us);
}

void metrics_handler(int route, int64_t duration_us)
{
	if (route >= 0 && route < ROUTES_MAX)
		observe(&handlers[route], duration_us);
}

void metrics_count(enum metric_counter which)
{
	atomic_fetch_add_explicit(&counters[which], 1, memory_order_relaxed);
}

void metrics_count_claim(w3w_status st)
{
	if (st == W3W_OK)
		metrics_count(M_CLAIMS_WON);
	else if (st == W3W_ECONFLICT)
		metrics_count(M_CLAIMS_LOST);
	else if (st == W3W_EINSUFFICIENT)
		metrics_count(M_CLAIMS_INSUFFICIENT);
}

void metrics_connections(int delta)
{
	atomic_fetch_add_explicit(&connections, delta, memory_order_relaxed);
}

void metrics_in_flight(int delta)
{
	atomic_fetch_add_explicit(&in_flight, delta, memory_order_relaxed);
}

int64_t metrics_in_flight_now(void)
{
	return atomic_load(&in_flight);
}

/* ---- rendering ----------------------------------------------------------- */

typedef struct strbuf {
	char *data;
	size_t len, cap;
	int failed;
} strbuf;

static void put(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(strbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;
	if (b->failed)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->failed = 1;
			return;
		}
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = (b->cap + (size_t)n + 1) * 2;
		char *p = realloc(b->data, cap);
		if (!p) {
			b->failed = 1;
			return;
		}
		b->data = p;
		b->cap = cap;
	}
}

static void route_labels(char *out, size_t size, int route)
{
	const struct route *r = route < router_route_count() ? router_route(route) : NULL;
	if (r)
		snprintf(out, size, "method=\"%s\",route=\"%s\"", r->method, r->pattern);
	else
		snprintf(out, size, "method=\"\",route=\"unmatched\"");
}

static void put_histogram(strbuf *b, const char *name, const char *labels, histogram *h)
{
	uint_fast64_t cum = 0;
	for (int i = 0; i <= BOUNDS; i++) {
		cum += atomic_load_explicit(&h->buckets[i], memory_order_relaxed);
		if (i < BOUNDS)
			put(b, "%s_bucket{%s,le=\"%g\"} %llu\n", name, labels, (double)bounds_us[i] / 1e6, (unsigned long long)cum);
		else
			put(b, "%s_bucket{%s,le=\"+Inf\"} %llu\n", name, labels, (unsigned long long)cum);
	}
	put(b, "%s_sum{%s} %.6f\n", name, labels, (double)atomic_load(&h->sum_us) / 1e6);
	put(b, "%s_count{%s} %llu\n", name, labels, (unsigned long long)cum);
}

static void render_requests(strbuf *b)
{
	char labels[256], status[16];
	put(b, "# HELP w3w_http_requests_total HTTP requests by route template, method and status.\n"
		"# TYPE w3w_http_requests_total counter\n");
	for (int r = 0; r < ROUTES_MAX; r++)
		for (int s = 0; s < STATUSES; s++) {
			uint_fast64_t n = atomic_load(&requests[r][s].count);
			if (!n)
				continue;
			route_labels(labels, sizeof(labels), r);
			if (s < STATUSES - 1)
				snprintf(status, sizeof(status), "%u", statuses[s]);
			else
				snprintf(status, sizeof(status), "other");
			put(b, "w3w_http_requests_total{%s,status=\"%s\"} %llu\n", labels, status, (unsigned long long)n);
		}
	put(b, "# HELP w3w_http_request_duration_seconds From the request's headers to the last byte of the response handed to the kernel.\n"
		"# TYPE w3w_http_request_duration_seconds histogram\n");
	for (int r = 0; r < ROUTES_MAX; r++)
		for (int s = 0; s < STATUSES; s++) {
			char full[300];
			if (!atomic_load(&requests[r][s].count))
				continue;
			route_labels(labels, sizeof(labels), r);
			if (s < STATUSES - 1)
				snprintf(full, sizeof(full), "%s,status=\"%u\"", labels, statuses[s]);
			else
				snprintf(full, sizeof(full), "%s,status=\"other\"", labels);
			put_histogram(b, "w3w_http_request_duration_seconds", full, &requests[r][s]);
		}
	put(b, "# HELP w3w_library_call_duration_seconds Time inside the route's handler: the library call (storage, cache, validation).\n"
		"# TYPE w3w_library_call_duration_seconds histogram\n");
	for (int r = 0; r < ROUTES_MAX - 1; r++) {
		if (!atomic_load(&handlers[r].count))
			continue;
		route_labels(labels, sizeof(labels), r);
		put_histogram(b, "w3w_library_call_duration_seconds", labels, &handlers[r]);
	}
}

char *metrics_render(w3w_ctx *ctx, const w3w_actor *service)
{
	strbuf b = { malloc(16384), 0, 16384, 0 };
	w3w_outbox_stats stats;
	w3w_ctx_stats lib;
	const char *last_name = "";
	char *health;
	if (!b.data)
		return NULL;
	render_requests(&b);
	for (int i = 0; i < M_COUNTERS; i++) {
		if (strcmp(last_name, counter_lines[i][0]) != 0) {
			const char *help = counter_lines[i][2];
			put(&b, "# HELP %s %s\n# TYPE %s counter\n", counter_lines[i][0], help ? help : "", counter_lines[i][0]);
			last_name = counter_lines[i][0];
		}
		if (counter_lines[i][1][0])
			put(&b, "%s{%s} %llu\n", counter_lines[i][0], counter_lines[i][1], (unsigned long long)atomic_load(&counters[i]));
		else
			put(&b, "%s %llu\n", counter_lines[i][0], (unsigned long long)atomic_load(&counters[i]));
	}
	put(&b, "# HELP w3w_http_open_connections Open client connections.\n# TYPE w3w_http_open_connections gauge\n"
		"w3w_http_open_connections %lld\n", (long long)atomic_load(&connections));
	put(&b, "# HELP w3w_http_in_flight_requests Requests being handled.\n# TYPE w3w_http_in_flight_requests gauge\n"
		"w3w_http_in_flight_requests %lld\n", (long long)atomic_load(&in_flight));
	if (w3w_outbox_stats_get(&stats, ctx, service) == W3W_OK) {
		double lag = stats.oldest_pending_at ? (double)(w3w_time_now() - stats.oldest_pending_at) / 1e6 : 0.0;
		put(&b, "# HELP w3w_outbox_events_total Events ever written to the outbox.\n# TYPE w3w_outbox_events_total counter\n"
			"w3w_outbox_events_total %lld\n", (long long)stats.total);
		put(&b, "# HELP w3w_outbox_pending Events not yet acknowledged by the sink (backlog).\n# TYPE w3w_outbox_pending gauge\n"
			"w3w_outbox_pending %lld\n", (long long)stats.pending);
		put(&b, "# HELP w3w_outbox_relay_lag_seconds Age of the oldest pending event (0 when none).\n"
			"# TYPE w3w_outbox_relay_lag_seconds gauge\nw3w_outbox_relay_lag_seconds %.6f\n", lag < 0 ? 0.0 : lag);
		put(&b, "# HELP w3w_outbox_up 1 if the outbox could be read at scrape time.\n# TYPE w3w_outbox_up gauge\nw3w_outbox_up 1\n");
	} else {
		put(&b, "# HELP w3w_outbox_up 1 if the outbox could be read at scrape time.\n# TYPE w3w_outbox_up gauge\nw3w_outbox_up 0\n");
	}
	if (w3w_ctx_stats_get(&lib, ctx) == W3W_OK) {
		uint64_t reads = lib.cache_hits + lib.cache_misses;
		put(&b, "# HELP w3w_cache_reads_total Library reads by cache outcome.\n# TYPE w3w_cache_reads_total counter\n"
			"w3w_cache_reads_total{outcome=\"hit\"} %llu\nw3w_cache_reads_total{outcome=\"miss\"} %llu\n",
			(unsigned long long)lib.cache_hits, (unsigned long long)lib.cache_misses);
		put(&b, "# HELP w3w_cache_hit_ratio Hits over all cached reads since start (0 before any read).\n"
			"# TYPE w3w_cache_hit_ratio gauge\nw3w_cache_hit_ratio %.6f\n",
			reads ? (double)lib.cache_hits / (double)reads : 0.0);
		put(&b, "# HELP w3w_commands_total Library write commands by outcome (refused: conflict, insufficient, ...).\n"
			"# TYPE w3w_commands_total counter\nw3w_commands_total{outcome=\"ok\"} %llu\n"
			"w3w_commands_total{outcome=\"refused\"} %llu\n",
			(unsigned long long)lib.commands_ok, (unsigned long long)lib.commands_refused);
		put(&b, "# HELP w3w_storage_command_seconds_total Time write commands spent in their storage transaction.\n"
			"# TYPE w3w_storage_command_seconds_total counter\nw3w_storage_command_seconds_total %.6f\n",
			(double)lib.command_us_total / 1e6);
	}
	health = metrics_health_render(ctx);
	if (health)
		put(&b, "%s", health);
	else
		b.failed = 1;
	free(health);
	put(&b, "# HELP w3w_build_info Library version.\n# TYPE w3w_build_info gauge\nw3w_build_info{version=\"%s\"} 1\n",
		w3w_version());
	put(&b, "# HELP process_start_time_seconds Start time of the process since the epoch.\n"
		"# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds %lld\n", (long long)started_at_s);
	if (b.failed) {
		free(b.data);
		return NULL;
	}
	return b.data;
}

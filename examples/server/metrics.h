/*
 * Prometheus metrics: lock-free counters and histograms, rendered as text
 * exposition format 0.0.4 by GET /metrics.
 */
#ifndef W3W_SERVER_METRICS_H
#define W3W_SERVER_METRICS_H

#include <stdint.h>

#include <w3wallet.h>

enum metric_counter {
	M_CLAIMS_WON,
	M_CLAIMS_LOST,
	M_CLAIMS_INSUFFICIENT,
	M_INSUFFICIENT_FUNDS,
	M_RATE_LIMITED,
	M_AUTH_FAILURES,
	M_TOO_LARGE,
	M_SPANS_EXPORTED,
	M_SPANS_DROPPED,
	M_COUNTERS
};

void metrics_init(void);
/** One finished request: route index (router_route_count() for unmatched), status, total latency. */
void metrics_request(int route, unsigned int status, int64_t latency_us);
/** Time spent in the route's handler (mostly the library call). */
void metrics_handler(int route, int64_t duration_us);
void metrics_count(enum metric_counter which);
/** A claim attempt's outcome: won, lost to another claimer, or short of supply (others are not counted). */
void metrics_count_claim(w3w_status st);
void metrics_connections(int delta);
void metrics_in_flight(int delta);
int64_t metrics_in_flight_now(void);

/**
 * Render everything; outbox gauges come from w3w_outbox_stats_get() with
 * `service` (skipped if that fails). Returns a malloc'd string or NULL.
 */
char *metrics_render(w3w_ctx *ctx, const w3w_actor *service);

#endif

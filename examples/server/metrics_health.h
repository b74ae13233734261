/*
 * The health half of /metrics: each backend up or down, the read replica,
 * and the background checks' results (checks.h). Kept apart from the
 * request counters of metrics.c.
 */
#ifndef W3W_SERVER_METRICS_HEALTH_H
#define W3W_SERVER_METRICS_HEALTH_H

#include <w3wallet.h>

/** Prometheus text of those gauges, malloc'd; NULL when out of memory. */
char *metrics_health_render(w3w_ctx *ctx);

#endif

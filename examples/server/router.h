/*
 * The route table of the HTTP contract (docs/server.md) and dispatch: match the path (404), the
 * method (405 with Allow), authenticate (401), rate-limit (429), then call
 * the handler.
 */
#ifndef W3W_SERVER_ROUTER_H
#define W3W_SERVER_ROUTER_H

#include "exchange.h"

#define ROUTER_ROUTES_MAX 48

typedef void (*handler_fn)(exchange *ex);

enum route_flags {
	ROUTE_PUBLIC  = 1 << 0, /**< no token needed (health, readiness, metrics) */
	ROUTE_METRICS = 1 << 1, /**< served on the metrics listener when one is configured */
};

struct route {
	const char *method;
	const char *pattern;          /**< "/v1/orders/{id}/claim": also the metrics label */
	handler_fn handler;
	unsigned int flags;
	const char *const *query;     /**< allowed query parameters (NULL-terminated), NULL: none */
};

/** Match ex->path and ex->method, authenticate, rate-limit and run the handler. */
void router_dispatch(exchange *ex, int metrics_listener);

int router_route_count(void);
const struct route *router_route(int index);
/** Index of ex->route for metrics (router_route_count() when unmatched). */
int router_route_index(const struct route *route);

#endif

/*
 * HTTP glue on libmicrohttpd: listeners, request bodies (64 KiB cap),
 * responses, per-request bookkeeping (logs, metrics, in-flight count).
 */
#ifndef W3W_SERVER_HTTP_H
#define W3W_SERVER_HTTP_H

#include <stddef.h>

struct server;
typedef struct http_listener http_listener;

/**
 * Listen on `address` ("host:port", "[v6]:port"; port 0 picks a free one).
 * `metrics_only`: serve only /metrics, /healthz and /readyz, on one thread.
 * TLS when srv->cfg has a certificate. Writes "host:port" actually bound
 * into `bound`. Returns NULL after printing the reason.
 */
http_listener *http_listen(struct server *srv, const char *address, int metrics_only, char *bound, size_t bound_size);

/** Stop accepting new connections; open ones keep being served. */
void http_quiesce(http_listener *l);

/** Close every connection and free the listener. NULL is ignored. */
void http_stop(http_listener *l);

#endif

/*
 * Span export over OTLP/HTTP JSON (--otlp-endpoint). Spans are queued by
 * the threads that made them (never blocking: a full queue drops the span
 * and counts it) and posted in batches by one background thread. A
 * collector that is down or slow costs dropped spans, never a slower
 * request.
 */
#ifndef W3W_SERVER_OTLP_H
#define W3W_SERVER_OTLP_H

#include <w3wallet.h>

/** Start the exporter for `endpoint` (http://host:port[/path]; no path: /v1/traces). 0 on success. */
int otlp_start(const char *endpoint, int queue_capacity);
/** Post what is queued (up to a few seconds), stop the thread. Safe when never started. */
void otlp_stop(void);
/** 1 once started. */
int otlp_running(void);
/** The tracer to put on the library's options: each span the library ends goes to the queue. */
w3w_tracer otlp_tracer(void);
/** Queue an HTTP server span (the root of a request's spans). */
void otlp_server_span(const w3w_span *span, const char *method, const char *route, unsigned int status);

#endif

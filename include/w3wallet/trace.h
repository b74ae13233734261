/*
 * Tracing: W3C Trace Context and span hooks.
 *
 * A host (an HTTP server) sets the calling thread's trace context with
 * w3w_trace_set() before it calls commands, the way w3w_read_after() sets a
 * read position: no command signature or struct changes. While one is set,
 * every write command stamps "traceparent" into its event payload (so the
 * event, its file line and its Kafka message headers carry the trace), and
 * reports spans to the tracer of the context options, if any: the command,
 * its storage transaction, its cache calls and the relay's publish of its
 * event. Read commands report their span and their storage reads and cache
 * calls too. The library never exports spans itself: the host does (OTLP, logs).
 * With no tracer and no trace context set, nothing is measured or stamped.
 */
#ifndef W3WALLET_TRACE_H
#define W3WALLET_TRACE_H

#include "w3wallet/common.h"
#include "w3wallet/id.h"

#ifdef __cplusplus
extern "C" {
#endif

#define W3W_TRACE_ID_SIZE    33 /**< 32 lowercase hex characters and NUL */
#define W3W_SPAN_ID_SIZE     17 /**< 16 lowercase hex characters and NUL */
#define W3W_TRACEPARENT_SIZE 56 /**< "00-" trace "-" span "-" flags, NUL included */

/** A position in a trace: which trace, and the span that is the parent of the next ones. */
typedef struct w3w_trace_context {
	char trace_id[W3W_TRACE_ID_SIZE]; /**< never all zeros */
	char span_id[W3W_SPAN_ID_SIZE];   /**< never all zeros */
	unsigned int flags;               /**< W3C trace-flags (bit 0: sampled) */
} w3w_trace_context;

/**
 * Parse a W3C `traceparent` header exactly as the Trace Context spec says:
 * version 00 is "00-<32 hex>-<16 hex>-<2 hex>" in lowercase with nothing
 * after; a higher version (not "ff") may append "-..." fields, which are
 * ignored. W3W_EINVAL (the message says why) for anything else, version
 * "ff", or an all-zero trace or span id: the caller then starts a new trace.
 */
W3W_EXTERN w3w_status w3w_traceparent_parse(w3w_trace_context *out, const char *header);

/** Write `tc` as a version 00 traceparent into `buf` (W3W_TRACEPARENT_SIZE bytes). */
W3W_EXTERN w3w_status w3w_traceparent_format(char *buf, size_t buflen, const w3w_trace_context *tc);

/** A new trace: random trace and span ids, flags sampled. */
W3W_EXTERN w3w_status w3w_trace_context_new(w3w_trace_context *out);

/** Fill `buf` (W3W_SPAN_ID_SIZE bytes) with a new random span id. */
W3W_EXTERN w3w_status w3w_span_id_new(char *buf, size_t buflen);

/**
 * The calling thread's trace context for the commands it calls next: their
 * spans are children of `tc->span_id`. NULL clears it. W3W_EINVAL for a
 * malformed context (nothing is changed).
 */
W3W_EXTERN w3w_status w3w_trace_set(const w3w_trace_context *tc);

/** The calling thread's trace context; W3W_ENOTFOUND when none is set. */
W3W_EXTERN w3w_status w3w_trace_get(w3w_trace_context *out);

/** What a span measured. */
typedef enum w3w_span_kind {
	W3W_SPAN_INTERNAL = 1, /**< a library command */
	W3W_SPAN_CLIENT   = 3, /**< a storage or cache call */
	W3W_SPAN_PRODUCER = 4  /**< the relay publishing an event to the sink */
} w3w_span_kind;

/** One span, as handed to the tracer hooks (valid during the call only). */
typedef struct w3w_span {
	char trace_id[W3W_TRACE_ID_SIZE];
	char span_id[W3W_SPAN_ID_SIZE];
	char parent_span_id[W3W_SPAN_ID_SIZE];
	const char *name;        /**< "claim.create", "order.get", "storage.read", "cache.get", "relay.publish" */
	const char *detail;      /**< a cache key, an event id, ... ("" when none) */
	w3w_span_kind kind;
	unsigned int flags;      /**< the trace's W3C trace-flags (bit 0: the caller wants it sampled) */
	w3w_time start;          /**< microseconds since the epoch */
	w3w_time end;            /**< 0 in span_start */
	w3w_status status;       /**< the outcome, in span_end */
} w3w_span;

#define W3W_TRACER_VERSION 1

/**
 * Span hooks, on w3w_options (version 3). Either may be NULL. Called on the
 * thread that does the work (a command's caller, or the relay thread) and
 * must return quickly: queue the span, never send it from the hook.
 * Spans nest: a span's start comes after its parent's start and its end
 * before its parent's end.
 */
typedef struct w3w_tracer {
	unsigned int version;    /**< W3W_TRACER_VERSION, or 0: no tracer */
	void (*span_start)(const w3w_span *span, void *userdata);
	void (*span_end)(const w3w_span *span, void *userdata);
	void *userdata;
} w3w_tracer;

#ifdef __cplusplus
}
#endif
#endif

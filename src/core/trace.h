/*
 * Spans of the library (see w3wallet/trace.h): a span started on a thread
 * becomes that thread's parent for the spans started until it ends.
 * Everything is a no-op when the context has no tracer.
 */
#ifndef W3W_CORE_TRACE_H
#define W3W_CORE_TRACE_H

#include "core/context.h"

typedef struct w3w__span {
	w3w_span s;
	w3w_trace_context saved;  /* the thread's context before the span */
	int active;
	int restore;              /* the span changed the thread's context */
} w3w__span;

/** 1 when the context has a tracer: spans are worth making. */
int w3w__tracing(const w3w_ctx *ctx);
/** Start a span under the thread's trace context (none set: no span). */
void w3w__span_begin(w3w__span *sp, const w3w_ctx *ctx, const char *name, w3w_span_kind kind, const char *detail);
/** Start a span under `parent` (the relay: the trace comes from the event), without touching the thread's context. */
void w3w__span_begin_under(w3w__span *sp, const w3w_ctx *ctx, const w3w_trace_context *parent,
	const char *name, w3w_span_kind kind, const char *detail);
/** End a span begun above (inactive spans are ignored). */
void w3w__span_end(w3w__span *sp, const w3w_ctx *ctx, w3w_status status);
/** w3w__span_end(), then `status`: `return w3w__span_done(&sp, ctx, st);` */
w3w_status w3w__span_done(w3w__span *sp, const w3w_ctx *ctx, w3w_status status);

/** 1 and *out = the thread's trace context (its current span as parent) when one is set, else 0. */
int w3w__trace_current(w3w_trace_context *out);

/** 1 and *out = the "traceparent" a traced command stamped into the event's payload, else 0. */
int w3w__event_trace(const w3w_event *e, w3w_trace_context *out);

#endif

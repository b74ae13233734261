/*
 * One HTTP request and the response being built for it. The HTTP glue
 * (http.c) fills the request side and sends the response side; handlers
 * only see this struct, never libmicrohttpd.
 */
#ifndef W3W_SERVER_EXCHANGE_H
#define W3W_SERVER_EXCHANGE_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <w3wallet.h>

struct server;
struct route;

/** Bodies above this many bytes are refused with 413 before being read. */
#define EX_BODY_MAX (64 * 1024)
/** The same for /v1/batch/...: room for the largest batch (8,190 elements with their keys). */
#define EX_BATCH_BODY_MAX (2 * 1024 * 1024)
/** Path segments longer than this never match a route parameter. */
#define EX_PARAM_MAX 64
#define EX_PARAMS 2

typedef struct exchange {
	struct server *srv;
	void *conn;                       /**< the libmicrohttpd connection (http.c only) */

	/* ---- request ---- */
	char request_id[W3W_ID_SIZE];
	/** The caller's traceparent (a new trace when absent or malformed), span_id = this request's span. */
	w3w_trace_context trace;
	char parent_span_id[W3W_SPAN_ID_SIZE]; /**< the caller's span ("" when the trace started here) */
	w3w_time started_at;              /**< wall clock, for the span */
	int64_t started_us;               /**< monotonic clock, for latency */
	const char *method;               /**< owned by libmicrohttpd, valid until completion */
	char *path;                       /**< copy of the URL path */
	const struct route *route;        /**< NULL when no route matched */
	char params[EX_PARAMS][EX_PARAM_MAX + 1]; /**< {id} segments, in order */
	char *body;                       /**< raw body, NUL-terminated (NULL if none) */
	size_t body_len;
	size_t body_max;                  /**< EX_BODY_MAX, or EX_BATCH_BODY_MAX on a batch route */
	int body_too_large;               /**< 1 once the body passed body_max */
	cJSON *json;                      /**< parsed body, owned by the exchange */
	w3w_actor actor;
	int authenticated;
	const char *idempotency_key;      /**< NULL when the header is absent */

	/* ---- response ---- */
	unsigned int status;              /**< 0 until a response is set */
	char *resp_body;                  /**< malloc'd */
	size_t resp_len;
	const char *content_type;         /**< NULL: application/json */
	const char *error_code;           /**< "invalid", "not_found"... for logs and metrics */
	int retry_after_s;                /**< > 0: send Retry-After */
	char commit_position[W3W_POSITION_SIZE]; /**< "" or the W3W-Commit-Position of a write */
	char allow[64];                   /**< 405: the Allow header */
	int www_authenticate;             /**< 401: send WWW-Authenticate */
	const char *csp;                  /**< dashboard files: Content-Security-Policy (+ nosniff, no framing) */
	int queued;                       /**< http.c: handled on a work pool thread; the next call sends the response */
} exchange;

/** Respond with `json` (copied) and `status`. */
void ex_json(exchange *ex, unsigned int status, const char *json);
/** Respond with the cJSON tree (consumed) and `status`. */
void ex_cjson(exchange *ex, unsigned int status, cJSON *tree);
/** Respond with {"error":{"code","message"}}. */
void ex_error(exchange *ex, unsigned int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/** Respond to a failed library call: maps the status, uses w3w_error_message(). */
void ex_fail(exchange *ex, w3w_status st);
/**
 * Respond with a library record's JSON (`text` from a w3w_*_to_json call,
 * freed here with w3w_string_free) or, if `st` failed, with the error.
 */
void ex_record(exchange *ex, unsigned int status, w3w_status st, char *text);

/** A request header (NULL if absent). Implemented by http.c. */
const char *ex_header(const exchange *ex, const char *name);
/** A query parameter (NULL if absent, "" if present without a value). Implemented by http.c. */
const char *ex_query(const exchange *ex, const char *name, int *present);
/**
 * Refuse (400) unknown or repeated query parameters; `allowed` ends with NULL.
 * Returns 0 when fine, -1 when a response was set. Implemented by http.c.
 */
int ex_query_check(exchange *ex, const char *const *allowed);

#endif

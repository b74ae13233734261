/* Building responses: JSON bodies, error bodies, library statuses -> HTTP. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exchange.h"
#include "log.h"
#include "respond.h"

void ex_json(exchange *ex, unsigned int status, const char *json)
{
	size_t len = strlen(json);
	char *copy = malloc(len + 1);
	free(ex->resp_body);
	ex->resp_body = NULL;
	ex->resp_len = 0;
	if (!copy) {
		ex->status = 503;
		ex->error_code = "unavailable";
		return;
	}
	memcpy(copy, json, len + 1);
	ex->resp_body = copy;
	ex->resp_len = len;
	ex->status = status;
}

void ex_cjson(exchange *ex, unsigned int status, cJSON *tree)
{
	char *text = tree ? cJSON_PrintUnformatted(tree) : NULL;
	cJSON_Delete(tree);
	if (!text) {
		ex_json(ex, 503, "{\"error\":{\"code\":\"unavailable\",\"message\":\"out of memory\"}}");
		ex->error_code = "unavailable";
		return;
	}
	free(ex->resp_body);
	ex->resp_body = text;
	ex->resp_len = strlen(text);
	ex->status = status;
}

void ex_error(exchange *ex, unsigned int status, const char *code, const char *fmt, ...)
{
	char message[512];
	va_list ap;
	cJSON *root = cJSON_CreateObject(), *err = cJSON_CreateObject();
	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	if (root && err) {
		cJSON_AddStringToObject(err, "code", code);
		cJSON_AddStringToObject(err, "message", message);
		cJSON_AddItemToObject(root, "error", err);
		err = NULL;
	}
	cJSON_Delete(err);
	ex_cjson(ex, status, root);
	ex->error_code = code;
	if (status == 401)
		ex->www_authenticate = 1;
}

unsigned int http_status_of(w3w_status st, const char **code)
{
	switch (st) {
	case W3W_OK:               *code = "ok"; return 200;
	case W3W_EINVAL:           *code = "invalid"; return 400;
	case W3W_EUNAUTHENTICATED: *code = "unauthenticated"; return 401;
	case W3W_EFORBIDDEN:       *code = "forbidden"; return 403;
	case W3W_ENOTFOUND:        *code = "not_found"; return 404;
	case W3W_ECONFLICT:        *code = "conflict"; return 409;
	case W3W_EINSUFFICIENT:    *code = "insufficient_funds"; return 422;
	case W3W_ELIMIT:           *code = "limit_exceeded"; return 422;
	case W3W_ESTATE:           *code = "invalid_state"; return 422;
	/* Same key, different request: the request cannot be processed as sent (IETF idempotency-key draft). */
	case W3W_EIDEMPOTENCY:     *code = "idempotency_mismatch"; return 422;
	case W3W_ERATELIMIT:       *code = "rate_limited"; return 429;
	case W3W_EUNAVAILABLE:     *code = "unavailable"; return 503;
	case W3W_ENOMEM:           *code = "unavailable"; return 503;
	/* It may have committed: the client must retry with the same Idempotency-Key to learn. */
	case W3W_EUNKNOWN:         *code = "outcome_unknown"; return 503;
	default:                   *code = "internal"; return 500;
	}
}

/* What a client is told: the kind of failure only, never a backend's own words. */
static const char *client_message(w3w_status st, unsigned int status, const char *message)
{
	if (status == 500)
		return "internal error";
	if (st == W3W_EUNKNOWN)
		return "the storage's answer was lost: the request may have been applied;"
		       " retry with the same Idempotency-Key to get its result or apply it once";
	if (st == W3W_ENOMEM)
		return "out of memory; nothing was applied, retry later";
	if (status == 503)
		return "a backend is unavailable; nothing was applied, retry later";
	return message;
}

void ex_fail(exchange *ex, w3w_status st)
{
	const char *code;
	unsigned int status = http_status_of(st, &code);
	char message[512];
	/* Copied at once: the library's message lives only until its next call on this thread. */
	snprintf(message, sizeof(message), "%s", w3w_error_message());
	if (!message[0])
		snprintf(message, sizeof(message), "%s", w3w_status_name(st));
	if (status == 500 || status == 503) {
		/* Internal details and backend messages (hosts, ports, users, databases) stay in the log. */
		cJSON *f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "request_id", ex->request_id);
		cJSON_AddStringToObject(f, "trace_id", ex->trace.trace_id);
		cJSON_AddStringToObject(f, "status", w3w_status_name(st));
		cJSON_AddStringToObject(f, "detail", message);
		log_event(status == 500 ? "error" : "warn", status == 500 ? "library failure" : "backend unavailable", f);
	}
	ex_error(ex, status, code, "%s", client_message(st, status, message));
	if (status == 503)
		ex->retry_after_s = 1;
}

void ex_record(exchange *ex, unsigned int status, w3w_status st, char *text)
{
	if (st != W3W_OK) {
		ex_fail(ex, st);
		w3w_string_free(text);
		return;
	}
	ex_json(ex, status, text);
	w3w_string_free(text);
}

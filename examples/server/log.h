/*
 * JSON lines on stderr: one per request, plus lifecycle events. Lines are
 * written with one write(2) each so that threads never interleave. Tokens,
 * secrets and bodies are never logged.
 */
#ifndef W3W_SERVER_LOG_H
#define W3W_SERVER_LOG_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "exchange.h"

void log_set_access(int enabled);
/** The access log line of a finished request. */
void log_request(const exchange *ex, int64_t latency_us);
/** A lifecycle line: {"ts","level","msg", ...fields of `fields` (consumed, may be NULL)}. */
void log_event(const char *level, const char *msg, cJSON *fields);

#endif

/*
 * JSON lines on stderr: one per request, plus lifecycle events. Lines are
 * written with one write(2) each so that threads never interleave. Tokens,
 * secrets and bodies are never logged. Fields: docs/operations.md.
 */
#ifndef W3W_SERVER_LOG_H
#define W3W_SERVER_LOG_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "exchange.h"

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/** "debug", "info", "warn", "error" -> enum log_level; -1 for anything else. */
int log_level_parse(const char *name);
/** Lines less severe than `level` are not written (default LOG_INFO). */
void log_set_level(int level);
/** 1 when lines of `level` are written. */
int log_enabled(int level);
void log_set_access(int enabled);
/** The access log line of a finished request. */
void log_request(const exchange *ex, int64_t latency_us);
/** A lifecycle line: {"time","level","msg", ...fields of `fields` (consumed, may be NULL)}; `level` is a name above. */
void log_event(const char *level, const char *msg, cJSON *fields);
/** A lifecycle line ("ready", "draining", "stopped"): written whatever the level, supervisors read them. */
void log_lifecycle(const char *msg, cJSON *fields);

#endif

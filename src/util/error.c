/* Thread-local last error: status + message, set by every failing call. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "w3wallet/common.h"
#include "w3wallet/sys/backend.h"

#define W3W_ERRMSG_SIZE 512

static _Thread_local w3w_status last_status;
static _Thread_local char last_message[W3W_ERRMSG_SIZE];

w3w_status w3w_error_set(w3w_status status, const char *fmt, ...)
{
	/* Callers often wrap the previous message ("order X: %s", w3w_error_message()):
	 * format aside so the source and the destination never overlap. */
	char message[W3W_ERRMSG_SIZE];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	memcpy(last_message, message, sizeof(message));
	last_status = status;
	return status;
}

const char *w3w_error_message(void)
{
	return last_message;
}

w3w_status w3w_error_code(void)
{
	return last_status;
}

void w3w_error_clear(void)
{
	last_status = W3W_OK;
	last_message[0] = '\0';
}

const char *w3w_status_name(w3w_status status)
{
	switch (status) {
	case W3W_OK: return "ok";
	case W3W_EINVAL: return "invalid";
	case W3W_ENOMEM: return "out_of_memory";
	case W3W_ENOTFOUND: return "not_found";
	case W3W_ECONFLICT: return "conflict";
	case W3W_EINSUFFICIENT: return "insufficient_funds";
	case W3W_EFORBIDDEN: return "forbidden";
	case W3W_ESTATE: return "invalid_state";
	case W3W_EIDEMPOTENCY: return "idempotency_mismatch";
	case W3W_EUNAVAILABLE: return "unavailable";
	case W3W_EVERSION: return "version_mismatch";
	case W3W_EUNAUTHENTICATED: return "unauthenticated";
	case W3W_ERATELIMIT: return "rate_limited";
	case W3W_ECRYPTO: return "crypto";
	case W3W_EINTERNAL: return "internal";
	case W3W_EUNKNOWN: return "outcome_unknown";
	case W3W_ELIMIT: return "limit_exceeded";
	default: return "unknown";
	}
}

void w3w_string_free(char *s)
{
	if (!s)
		return;
	sodium_memzero(s, strlen(s));
	free(s);
}

const char *w3w_version(void)
{
	return W3W_VERSION;
}

unsigned int w3w_version_number(void)
{
	return W3W_VERSION_NUMBER;
}

/*
 * Strict JSON input. Bodies must be one JSON object in valid UTF-8, no
 * duplicate keys, no "\u0000", nesting at most JSON_DEPTH_MAX. Unknown
 * fields are refused (a typo like "ammount" must not be silently ignored
 * where money moves). Every refusal is a 400 `invalid` whose message starts
 * with the field's path ("items[2].price: ...").
 *
 * Each getter returns 0 when the value is usable and -1 after setting the
 * 400 response on the exchange.
 */
#ifndef W3W_SERVER_JSON_INPUT_H
#define W3W_SERVER_JSON_INPUT_H

#include <stddef.h>

#include "exchange.h"

#define JSON_DEPTH_MAX 16

/** Parse ex->body into ex->json; it must be an object. */
int json_body_object(exchange *ex);
/** The body must be absent, empty, or "{}". */
int json_body_empty(exchange *ex);

/** Refuse keys of `obj` not in `allowed` (NULL-terminated). `where` prefixes names ("" or "items[0]."). */
int json_known_fields(exchange *ex, const cJSON *obj, const char *where, const char *const *allowed);

/**
 * A string field. `required`: missing is an error; otherwise *out stays NULL.
 * Refuses non-strings, "" and values longer than max_len bytes.
 */
int json_string(exchange *ex, const cJSON *obj, const char *where, const char *field,
	size_t max_len, int required, const char **out);

/** A required amount: a JSON string parsed with w3w_amount_parse (a number is refused). */
int json_amount(exchange *ex, const cJSON *obj, const char *where, const char *field,
	int required, int *present, w3w_amount *out);

/** A required integer in [min, max] (JSON number without fraction). */
int json_integer(exchange *ex, const cJSON *obj, const char *where, const char *field,
	long long min, long long max, long long *out);

#endif

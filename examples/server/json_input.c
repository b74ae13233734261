/* Strict JSON input: see json_input.h for the rules. */
#include <math.h>
#include <string.h>

#include "json_input.h"

/* Valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF), at most JSON_DEPTH_MAX
 * nesting, and no \u0000 escape (C strings would silently cut it). */
static const char *prescan(const unsigned char *s, size_t len)
{
	int depth = 0, in_string = 0;
	for (size_t i = 0; i < len;) {
		unsigned char c = s[i];
		if (c >= 0x80) {
			size_t n;
			unsigned int cp;
			if (c >= 0xc2 && c <= 0xdf) { n = 1; cp = c & 0x1f; }
			else if (c >= 0xe0 && c <= 0xef) { n = 2; cp = c & 0x0f; }
			else if (c >= 0xf0 && c <= 0xf4) { n = 3; cp = c & 0x07; }
			else return "body: not valid UTF-8";
			for (size_t k = 1; k <= n; k++) {
				if (i + k >= len || (s[i + k] & 0xc0) != 0x80)
					return "body: not valid UTF-8";
				cp = (cp << 6) | (s[i + k] & 0x3f);
			}
			if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
			    (cp >= 0xd800 && cp <= 0xdfff))
				return "body: not valid UTF-8";
			i += n + 1;
			continue;
		}
		if (in_string) {
			if (c == '\\') {
				if (i + 5 < len && s[i + 1] == 'u' && memcmp(s + i + 2, "0000", 4) == 0)
					return "body: \\u0000 is not allowed in strings";
				i += 2;
				continue;
			}
			if (c == '"')
				in_string = 0;
		} else if (c == '"') {
			in_string = 1;
		} else if (c == '{' || c == '[') {
			if (++depth > JSON_DEPTH_MAX)
				return "body: nested too deeply";
		} else if (c == '}' || c == ']') {
			depth--;
		}
		i++;
	}
	return NULL;
}

#define JSON_KEYS_MAX 64

/* Duplicate keys are ambiguous (which one wins differs between parsers):
 * refuse them anywhere. Objects are small in this API; capping their size
 * also keeps this quadratic check cheap. */
static const char *check_objects(const cJSON *node)
{
	size_t keys = 0;
	for (const cJSON *a = node ? node->child : NULL; a; a = a->next) {
		const char *why;
		if (cJSON_IsObject(node)) {
			if (++keys > JSON_KEYS_MAX)
				return "body: an object has too many fields";
			for (const cJSON *b = a->next; b; b = b->next)
				if (strcmp(a->string, b->string) == 0)
					return "body: duplicate key";
		}
		if ((why = check_objects(a)) != NULL)
			return why;
	}
	return NULL;
}

static int parse_body(exchange *ex)
{
	const char *why, *end = NULL;
	if (!ex->body || ex->body_len == 0) {
		ex_error(ex, 400, "invalid", "body: a JSON object is required");
		return -1;
	}
	if ((why = prescan((const unsigned char *)ex->body, ex->body_len)) != NULL) {
		ex_error(ex, 400, "invalid", "%s", why);
		return -1;
	}
	if (memchr(ex->body, '\0', ex->body_len)) {
		ex_error(ex, 400, "invalid", "body: contains a NUL byte");
		return -1;
	}
	ex->json = cJSON_ParseWithLengthOpts(ex->body, ex->body_len, &end, 0);
	if (!ex->json) {
		size_t at = end && end >= ex->body ? (size_t)(end - ex->body) : 0;
		ex_error(ex, 400, "invalid", "body: malformed JSON near byte %zu", at);
		return -1;
	}
	/* Only whitespace may follow the value. */
	for (const char *p = end; p && p < ex->body + ex->body_len; p++)
		if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n') {
			ex_error(ex, 400, "invalid", "body: unexpected data after the JSON value (byte %zu)",
				(size_t)(p - ex->body));
			return -1;
		}
	if ((why = check_objects(ex->json)) != NULL) {
		ex_error(ex, 400, "invalid", "%s", why);
		return -1;
	}
	return 0;
}

int json_body_object(exchange *ex)
{
	if (parse_body(ex) != 0)
		return -1;
	if (!cJSON_IsObject(ex->json)) {
		ex_error(ex, 400, "invalid", "body: must be a JSON object");
		return -1;
	}
	return 0;
}

int json_body_empty(exchange *ex)
{
	size_t i;
	for (i = 0; ex->body && i < ex->body_len; i++)
		if (ex->body[i] != ' ' && ex->body[i] != '\t' && ex->body[i] != '\r' && ex->body[i] != '\n')
			break;
	if (!ex->body || i == ex->body_len)
		return 0;
	if (json_body_object(ex) != 0)
		return -1;
	if (ex->json->child) {
		ex_error(ex, 400, "invalid", "%s: unknown field (this request takes no body)", ex->json->child->string);
		return -1;
	}
	return 0;
}

int json_known_fields(exchange *ex, const cJSON *obj, const char *where, const char *const *allowed)
{
	for (const cJSON *f = obj->child; f; f = f->next) {
		size_t i;
		for (i = 0; allowed[i]; i++)
			if (strcmp(f->string, allowed[i]) == 0)
				break;
		if (!allowed[i]) {
			/* Echo at most 64 bytes of the unknown name. */
			ex_error(ex, 400, "invalid", "%s%.64s: unknown field", where, f->string);
			return -1;
		}
	}
	return 0;
}

static const char *json_type_name(const cJSON *v)
{
	if (cJSON_IsString(v)) return "a string";
	if (cJSON_IsNumber(v)) return "a number";
	if (cJSON_IsBool(v)) return "a boolean";
	if (cJSON_IsNull(v)) return "null";
	if (cJSON_IsArray(v)) return "an array";
	return "an object";
}

int json_string(exchange *ex, const cJSON *obj, const char *where, const char *field,
	size_t max_len, int required, const char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, field);
	size_t len;
	*out = NULL;
	if (!v) {
		if (!required)
			return 0;
		ex_error(ex, 400, "invalid", "%s%s: missing", where, field);
		return -1;
	}
	if (!cJSON_IsString(v)) {
		ex_error(ex, 400, "invalid", "%s%s: must be a string, not %s", where, field, json_type_name(v));
		return -1;
	}
	len = strlen(v->valuestring);
	if (len == 0) {
		ex_error(ex, 400, "invalid", "%s%s: empty", where, field);
		return -1;
	}
	if (len > max_len) {
		ex_error(ex, 400, "invalid", "%s%s: too long (at most %zu bytes)", where, field, max_len);
		return -1;
	}
	*out = v->valuestring;
	return 0;
}

int json_amount(exchange *ex, const cJSON *obj, const char *where, const char *field,
	int required, int *present, w3w_amount *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, field);
	w3w_status st;
	if (present)
		*present = v != NULL;
	if (!v) {
		if (!required)
			return 0;
		ex_error(ex, 400, "invalid", "%s%s: missing", where, field);
		return -1;
	}
	if (!cJSON_IsString(v)) {
		ex_error(ex, 400, "invalid", "%s%s: must be a string like \"12.5\" (amounts are decimal strings), not %s",
			where, field, json_type_name(v));
		return -1;
	}
	st = w3w_amount_parse(out, v->valuestring);
	if (st != W3W_OK) {
		const char *msg = w3w_error_message();
		/* The library names the value "amount"; name the field instead. */
		if (strncmp(msg, "amount: ", 8) == 0)
			msg += 8;
		ex_error(ex, 400, "invalid", "%s%s: %s", where, field, msg);
		return -1;
	}
	return 0;
}

int json_integer(exchange *ex, const cJSON *obj, const char *where, const char *field,
	long long min, long long max, long long *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, field);
	double d;
	if (!v) {
		ex_error(ex, 400, "invalid", "%s%s: missing", where, field);
		return -1;
	}
	if (!cJSON_IsNumber(v)) {
		ex_error(ex, 400, "invalid", "%s%s: must be an integer, not %s", where, field, json_type_name(v));
		return -1;
	}
	d = v->valuedouble;
	if (!isfinite(d) || d != floor(d)) {
		ex_error(ex, 400, "invalid", "%s%s: must be an integer", where, field);
		return -1;
	}
	if (d < (double)min || d > (double)max) {
		ex_error(ex, 400, "invalid", "%s%s: must be between %lld and %lld", where, field, min, max);
		return -1;
	}
	*out = (long long)d;
	return 0;
}

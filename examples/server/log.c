/* JSON log lines (see log.h). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "router.h"

static int access_enabled = 1;
static int min_level = LOG_INFO;
static const char *const level_names[] = { "debug", "info", "warn", "error" };

int log_level_parse(const char *name)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(name, level_names[i]) == 0)
			return i;
	return -1;
}

void log_set_level(int level)
{
	min_level = level;
}

int log_enabled(int level)
{
	return level >= min_level;
}

void log_set_access(int enabled)
{
	access_enabled = enabled;
}

/* Append `s` as a JSON string body (no quotes), at most `max` input bytes. */
static size_t escape(char *out, size_t cap, const char *s, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (size_t i = 0; s && s[i] && i < max && o + 7 < cap; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20 || c >= 0x7f) {
			/* Bytes, not characters: paths are attacker-chosen and may not be UTF-8. */
			memcpy(out + o, "\\u00", 4);
			out[o + 4] = hex[c >> 4];
			out[o + 5] = hex[c & 15];
			o += 6;
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
	return o;
}

static void write_line(const char *line, size_t len)
{
	while (len > 0) {
		ssize_t n = write(STDERR_FILENO, line, len);
		if (n <= 0)
			return;
		line += n;
		len -= (size_t)n;
	}
}

void log_request(const exchange *ex, int64_t latency_us)
{
	char line[1200], ts[W3W_TIME_STRLEN], path[420];
	const char *route = ex->route ? ex->route->pattern : "unmatched";
	int n;
	if (!access_enabled || !log_enabled(LOG_INFO))
		return;
	w3w_time_format(ts, sizeof(ts), w3w_time_now());
	escape(path, sizeof(path), ex->path, 200);
	n = snprintf(line, sizeof(line),
		"{\"time\":\"%s\",\"level\":\"info\",\"msg\":\"request\",\"trace_id\":\"%s\",\"span_id\":\"%s\","
		"\"request_id\":\"%s\",\"method\":\"%s\",\"route\":\"%s\",\"path\":\"%s\",\"status\":%u,"
		"\"duration_ms\":%.3f%s%s%s%s%s%s}\n",
		ts, ex->trace.trace_id, ex->trace.span_id, ex->request_id, ex->method ? ex->method : "", route, path,
		ex->status ? ex->status : 499, (double)latency_us / 1000.0,
		ex->authenticated ? ",\"user_id\":\"" : "", ex->authenticated ? ex->actor.user_id : "",
		ex->authenticated ? "\"" : "",
		ex->error_code ? ",\"error\":\"" : "", ex->error_code ? ex->error_code : "", ex->error_code ? "\"" : "");
	if (n > 0)
		write_line(line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

static void write_event(const char *level, const char *msg, cJSON *fields)
{
	char ts[W3W_TIME_STRLEN], *text;
	cJSON *j = cJSON_CreateObject();
	w3w_time_format(ts, sizeof(ts), w3w_time_now());
	cJSON_AddStringToObject(j, "time", ts);
	cJSON_AddStringToObject(j, "level", level);
	cJSON_AddStringToObject(j, "msg", msg);
	if (fields) {
		while (fields->child) {
			cJSON *f = cJSON_DetachItemViaPointer(fields, fields->child);
			cJSON_AddItemToObject(j, f->string, f);
		}
		cJSON_Delete(fields);
	}
	text = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	if (text) {
		size_t len = strlen(text);
		text[len] = '\n';
		write_line(text, len + 1);
		text[len] = '\0';
		cJSON_free(text);
	}
}

void log_event(const char *level, const char *msg, cJSON *fields)
{
	int lvl = log_level_parse(level);
	if (lvl >= 0 && !log_enabled(lvl))
		cJSON_Delete(fields);
	else
		write_event(level, msg, fields);
}

void log_lifecycle(const char *msg, cJSON *fields)
{
	write_event("info", msg, fields);
}

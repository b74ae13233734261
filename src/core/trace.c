/* W3C traceparent, the thread's trace context, and span hooks (see trace.h). */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "core/trace.h"
#include "util/random.h"

static _Thread_local w3w_trace_context current;
static _Thread_local int has_current;

static int is_lower_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static int all_zero(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != '0')
			return 0;
	return 1;
}

w3w_status w3w_traceparent_parse(w3w_trace_context *out, const char *h)
{
	/* version(2) '-' trace-id(32) '-' parent-id(16) '-' flags(2) = 55 characters */
	enum { LEN = 55 };
	unsigned int flags;

	if (!out || !h)
		return w3w_error_set(W3W_EINVAL, "traceparent: NULL");
	if (strnlen(h, LEN + 1) < LEN)
		return w3w_error_set(W3W_EINVAL, "traceparent: shorter than 55 characters");
	if (!is_lower_hex(h, 2) || h[2] != '-' || h[35] != '-' || h[52] != '-')
		return w3w_error_set(W3W_EINVAL, "traceparent: not version-traceid-parentid-flags");
	if (memcmp(h, "ff", 2) == 0)
		return w3w_error_set(W3W_EINVAL, "traceparent: version ff is invalid");
	/* Version 00 has exactly 55 characters; a later version may append "-" and more. */
	if (memcmp(h, "00", 2) == 0 ? h[LEN] != '\0' : h[LEN] != '\0' && h[LEN] != '-')
		return w3w_error_set(W3W_EINVAL, "traceparent: unexpected characters after the flags");
	if (!is_lower_hex(h + 3, 32) || !is_lower_hex(h + 36, 16) || !is_lower_hex(h + 53, 2))
		return w3w_error_set(W3W_EINVAL, "traceparent: ids and flags must be lowercase hex");
	if (all_zero(h + 3, 32))
		return w3w_error_set(W3W_EINVAL, "traceparent: trace id is all zeros");
	if (all_zero(h + 36, 16))
		return w3w_error_set(W3W_EINVAL, "traceparent: parent id is all zeros");
	sscanf(h + 53, "%2x", &flags);
	memcpy(out->trace_id, h + 3, 32);
	out->trace_id[32] = '\0';
	memcpy(out->span_id, h + 36, 16);
	out->span_id[16] = '\0';
	out->flags = flags;
	return W3W_OK;
}

static int context_ok(const w3w_trace_context *tc)
{
	return memchr(tc->trace_id, '\0', sizeof(tc->trace_id)) && strlen(tc->trace_id) == 32 &&
		is_lower_hex(tc->trace_id, 32) && !all_zero(tc->trace_id, 32) &&
		memchr(tc->span_id, '\0', sizeof(tc->span_id)) && strlen(tc->span_id) == 16 &&
		is_lower_hex(tc->span_id, 16) && !all_zero(tc->span_id, 16) && tc->flags <= 0xff;
}

w3w_status w3w_traceparent_format(char *buf, size_t buflen, const w3w_trace_context *tc)
{
	if (!buf || !tc || buflen < W3W_TRACEPARENT_SIZE)
		return w3w_error_set(W3W_EINVAL, "traceparent: NULL or buffer under %d bytes", W3W_TRACEPARENT_SIZE);
	if (!context_ok(tc))
		return w3w_error_set(W3W_EINVAL, "trace context: malformed ids or flags");
	snprintf(buf, buflen, "00-%s-%s-%02x", tc->trace_id, tc->span_id, tc->flags);
	return W3W_OK;
}

/* n random bytes as 2n lowercase hex characters, never all zeros; from the pooled
 * randomness ids use (no system call per id). */
static void random_hex(char *out, size_t nbytes)
{
	unsigned char b[16];
	do
		w3w__random_bytes(b, nbytes);
	while (sodium_is_zero(b, nbytes));
	sodium_bin2hex(out, nbytes * 2 + 1, b, nbytes);
}

w3w_status w3w_span_id_new(char *buf, size_t buflen)
{
	if (!buf || buflen < W3W_SPAN_ID_SIZE)
		return w3w_error_set(W3W_EINVAL, "span id: NULL or buffer under %d bytes", W3W_SPAN_ID_SIZE);
	random_hex(buf, 8);
	return W3W_OK;
}

w3w_status w3w_trace_context_new(w3w_trace_context *out)
{
	if (!out)
		return w3w_error_set(W3W_EINVAL, "trace context: NULL");
	random_hex(out->trace_id, 16);
	random_hex(out->span_id, 8);
	out->flags = 1;
	return W3W_OK;
}

w3w_status w3w_trace_set(const w3w_trace_context *tc)
{
	if (!tc) {
		has_current = 0;
		return W3W_OK;
	}
	if (!context_ok(tc))
		return w3w_error_set(W3W_EINVAL, "trace context: malformed ids or flags");
	current = *tc;
	has_current = 1;
	return W3W_OK;
}

w3w_status w3w_trace_get(w3w_trace_context *out)
{
	if (!out)
		return w3w_error_set(W3W_EINVAL, "trace context: NULL");
	if (!has_current)
		return w3w_error_set(W3W_ENOTFOUND, "trace context: none set on this thread");
	*out = current;
	return W3W_OK;
}

int w3w__trace_current(w3w_trace_context *out)
{
	if (has_current)
		*out = current;
	return has_current;
}

int w3w__tracing(const w3w_ctx *ctx)
{
	return ctx->opts.tracer.version != 0 && (ctx->opts.tracer.span_start || ctx->opts.tracer.span_end);
}

void w3w__span_begin_under(w3w__span *sp, const w3w_ctx *ctx, const w3w_trace_context *parent,
	const char *name, w3w_span_kind kind, const char *detail)
{
	sp->active = sp->restore = 0;
	if (!w3w__tracing(ctx))
		return;
	memset(&sp->s, 0, sizeof(sp->s));
	strcpy(sp->s.trace_id, parent->trace_id);
	strcpy(sp->s.parent_span_id, parent->span_id);
	random_hex(sp->s.span_id, 8);
	sp->s.name = name;
	sp->s.detail = detail ? detail : "";
	sp->s.kind = kind;
	sp->s.flags = parent->flags;
	sp->s.start = w3w_time_now();
	sp->active = 1;
	if (ctx->opts.tracer.span_start)
		ctx->opts.tracer.span_start(&sp->s, ctx->opts.tracer.userdata);
}

void w3w__span_begin(w3w__span *sp, const w3w_ctx *ctx, const char *name, w3w_span_kind kind, const char *detail)
{
	sp->active = sp->restore = 0;
	if (!has_current || !w3w__tracing(ctx))
		return;
	w3w__span_begin_under(sp, ctx, &current, name, kind, detail);
	sp->saved = current;
	strcpy(current.span_id, sp->s.span_id);
	sp->restore = 1;
}

void w3w__span_end(w3w__span *sp, const w3w_ctx *ctx, w3w_status status)
{
	if (!sp->active)
		return;
	sp->active = 0;
	if (sp->restore)
		current = sp->saved;
	sp->s.end = w3w_time_now();
	sp->s.status = status;
	if (ctx->opts.tracer.span_end)
		ctx->opts.tracer.span_end(&sp->s, ctx->opts.tracer.userdata);
}

w3w_status w3w__span_done(w3w__span *sp, const w3w_ctx *ctx, w3w_status status)
{
	w3w__span_end(sp, ctx, status);
	return status;
}

int w3w__event_trace(const w3w_event *e, w3w_trace_context *out)
{
	cJSON *j;
	const cJSON *tp;
	int found;

	/* Cheap test first: most events of an untraced host have none. */
	if (!e->payload || !strstr(e->payload, "\"traceparent\""))
		return 0;
	j = cJSON_Parse(e->payload);
	tp = cJSON_GetObjectItemCaseSensitive(j, "traceparent");
	found = cJSON_IsString(tp) && w3w_traceparent_parse(out, tp->valuestring) == W3W_OK;
	if (!found)
		w3w_error_clear();
	cJSON_Delete(j);
	return found;
}

void w3w_event_trace_id(const w3w_event *event, char out[W3W_TRACE_ID_SIZE])
{
	w3w_trace_context tc;
	out[0] = '\0';
	if (event && w3w__event_trace(event, &tc))
		strcpy(out, tc.trace_id);
}

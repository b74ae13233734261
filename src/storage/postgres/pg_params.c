/*
 * Statement parameters, all sent as text: numbers are formatted into the
 * params' own buffers, arrays are built as PostgreSQL array literals with
 * every element quoted (product names may hold any character).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/hex.h"
#include "storage/postgres/pg.h"

void w3w__pg_params_init(w3w__pg_params *p)
{
	p->n = 0;
	p->oom = 0;
	p->nowned = 0;
}

void w3w__pg_params_free(w3w__pg_params *p)
{
	for (int i = 0; i < p->nowned; i++)
		free(p->owned[i]);
	p->nowned = 0;
	p->n = 0;
}

/* Overflowing the fixed arrays is a bug in this directory, not bad input. */
static int room(w3w__pg_params *p)
{
	if (p->n < W3W__PG_MAX_PARAMS)
		return 1;
	p->oom = 1;
	return 0;
}

void w3w__pg_p_text(w3w__pg_params *p, const char *s)
{
	if (room(p))
		p->v[p->n++] = s;
}

void w3w__pg_p_text_or_null(w3w__pg_params *p, const char *s)
{
	w3w__pg_p_text(p, s && *s ? s : NULL);
}

void w3w__pg_p_i64(w3w__pg_params *p, int64_t v)
{
	if (!room(p))
		return;
	snprintf(p->num[p->n], W3W__PG_NUM_SIZE, "%" PRId64, v);
	p->v[p->n] = p->num[p->n];
	p->n++;
}

void w3w__pg_p_bool(w3w__pg_params *p, int v)
{
	w3w__pg_p_text(p, v ? "true" : "false");
}

void w3w__pg_p_bytea(w3w__pg_params *p, const unsigned char *bytes, size_t n)
{
	char *out;

	if (!room(p))
		return;
	out = p->num[p->n];
	out[0] = '\\';
	out[1] = 'x';
	if (w3w__crypto_hex_encode(out + 2, W3W__PG_NUM_SIZE - 2, bytes, n) != W3W__CRYPTO_OK) {
		p->oom = 1;
		return;
	}
	p->v[p->n] = p->num[p->n];
	p->n++;
}

void w3w__pg_p(w3w__pg_params *p, const char *types, ...)
{
	va_list ap;

	va_start(ap, types);
	for (; *types; types++) {
		if (*types == 't')
			w3w__pg_p_text(p, va_arg(ap, const char *));
		else if (*types == 'n')
			w3w__pg_p_text_or_null(p, va_arg(ap, const char *));
		else if (*types == 'I')
			w3w__pg_p_i64(p, va_arg(ap, int64_t));
		else if (*types == 'b')
			w3w__pg_p_bool(p, va_arg(ap, int));
	}
	va_end(ap);
}

void w3w__pg_p_owned(w3w__pg_params *p, char *s)
{
	if (!s || p->nowned == (int)(sizeof(p->owned) / sizeof(p->owned[0])) || !room(p)) {
		free(s);
		p->oom = 1;
		return;
	}
	p->owned[p->nowned++] = s;
	p->v[p->n++] = s;
}

void w3w__pg_command_params(w3w__pg_params *p, w3w_write_meta *m)
{
	const w3w_event *e = &m->event;
	const w3w_audit_record_v1 *a = &m->audit;

	w3w__pg_params_init(p);
	m->replayed = 0;

	w3w__pg_p_text(p, m->actor_id);
	w3w__pg_p_text(p, m->idem_key);
	w3w__pg_p_bytea(p, m->idem_hash, sizeof(m->idem_hash));
	w3w__pg_p(p, "II", m->idem_expires_at, m->now);
	/* The event (a NULL payload is stored as "{}"), then the audit record. */
	w3w__pg_p(p, "ttttntIt", e->id, e->type, e->topic, e->aggregate_id, e->actor_id, e->region, e->created_at,
		e->payload);
	w3w__pg_p(p, "tntntI", a->id, a->actor_id, a->action, a->target_id, a->outcome, a->created_at);
}

w3w_status w3w__pg_user_params(w3w__pg_params *p, const char *user_id)
{
	w3w__pg_params_init(p);
	if (!w3w__pg_is_uuid(user_id))
		return w3w_error_set(W3W_EINVAL, "user_id: not a UUID");
	w3w__pg_p_text(p, user_id);
	return W3W_OK;
}

/* ---- array literals --------------------------------------------------------- */

static void put(w3w__pg_array *a, const char *s, size_t n)
{
	if (a->oom)
		return;
	if (a->len + n + 1 > a->cap) {
		size_t cap = a->cap ? a->cap : 256;
		char *buf;
		while (cap < a->len + n + 1)
			cap *= 2;
		buf = realloc(a->buf, cap);
		if (!buf) {
			a->oom = 1;
			return;
		}
		a->buf = buf;
		a->cap = cap;
	}
	memcpy(a->buf + a->len, s, n);
	a->len += n;
	a->buf[a->len] = '\0';
}

void w3w__pg_array_begin(w3w__pg_array *a)
{
	memset(a, 0, sizeof(*a));
	put(a, "{", 1);
}

void w3w__pg_array_add(w3w__pg_array *a, const char *elem)
{
	if (a->len > 1)
		put(a, ",", 1);
	put(a, "\"", 1);
	/* Runs without a quote or backslash are copied whole (payloads are long: batches send thousands). */
	for (const char *p = elem; *p;) {
		size_t run = strcspn(p, "\"\\");
		put(a, p, run);
		p += run;
		if (*p) {
			put(a, "\\", 1);
			put(a, p++, 1);
		}
	}
	put(a, "\"", 1);
}

void w3w__pg_array_add_i64(w3w__pg_array *a, int64_t v)
{
	/* Digits by hand: a batch formats tens of thousands of numbers, and printf showed up in its profile. */
	char num[24];
	size_t at = sizeof(num);
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	do {
		num[--at] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		num[--at] = '-';
	if (a->len > 1)
		put(a, ",", 1);
	put(a, num + at, sizeof(num) - at);
}

void w3w__pg_array_add_null(w3w__pg_array *a)
{
	if (a->len > 1)
		put(a, ",", 1);
	put(a, "NULL", 4);
}

void w3w__pg_array_add_or_null(w3w__pg_array *a, const char *elem)
{
	if (elem && *elem)
		w3w__pg_array_add(a, elem);
	else
		w3w__pg_array_add_null(a);
}

void w3w__pg_array_add_bytea(w3w__pg_array *a, const unsigned char *bytes, size_t n)
{
	char hex[W3W__PG_NUM_SIZE] = "\\x";

	if (w3w__crypto_hex_encode(hex + 2, sizeof(hex) - 2, bytes, n) != W3W__CRYPTO_OK)
		a->oom = 1;
	else
		w3w__pg_array_add(a, hex);
}

char *w3w__pg_array_end(w3w__pg_array *a)
{
	put(a, "}", 1);
	if (a->oom) {
		free(a->buf);
		a->buf = NULL;
	}
	return a->buf;
}

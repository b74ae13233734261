/*
 * The storage URL: postgres://... and postgresql://... URIs and libpq
 * conninfo strings ("host=... dbname=...") go to libpq as they are. Here
 * they are only checked, described for messages (never with the
 * password), and passwords are scrubbed from any text shown to the user.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/postgres/pg.h"

static void append(char *buf, size_t size, const char *key, const char *value)
{
	size_t len = strlen(buf);

	if (!value || !*value || len >= size)
		return;
	snprintf(buf + len, size - len, "%s%s=%s", len ? " " : "", key, value);
}

w3w_status w3w__pg_url_check(const char *url, char **target)
{
	PQconninfoOption *opts;
	char *err = NULL;
	char desc[512] = "", clean[512];

	*target = NULL;
	if (!url)
		return w3w_error_set(W3W_EINVAL, "postgres: no connection URL");
	opts = PQconninfoParse(url, &err);
	if (!opts) {
		char msg[256];
		if (!err)
			return w3w_error_set(W3W_ENOMEM, "postgres: out of memory");
		w3w__pg_scrub(msg, sizeof(msg), err, url);
		PQfreemem(err);
		return w3w_error_set(W3W_EINVAL, "postgres: bad connection URL: %s", msg);
	}
	for (PQconninfoOption *o = opts; o->keyword; o++) {
		if (strcmp(o->keyword, "host") == 0 || strcmp(o->keyword, "hostaddr") == 0 ||
		    strcmp(o->keyword, "port") == 0 || strcmp(o->keyword, "dbname") == 0 ||
		    strcmp(o->keyword, "user") == 0)
			append(desc, sizeof(desc), o->keyword, o->val);
	}
	PQconninfoFree(opts);
	/* libpq may read the password as another keyword's value ("host= password=x" is host "password=x"). */
	w3w__pg_scrub(clean, sizeof(clean), desc, url);
	*target = strdup(clean[0] ? clean : "(libpq defaults)");
	if (!*target)
		return w3w_error_set(W3W_ENOMEM, "postgres: out of memory");
	return W3W_OK;
}

/* The password written in `url` (URI user:password@ or conninfo password=), or NULL. */
static char *password_of(const char *url)
{
	const char *p, *end;

	if (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0) {
		const char *auth = strstr(url, "://") + 3;
		const char *at, *colon;
		end = auth + strcspn(auth, "/?");
		at = NULL;
		for (p = auth; p < end; p++)
			if (*p == '@')
				at = p;
		if (!at)
			return NULL;
		colon = memchr(auth, ':', (size_t)(at - auth));
		if (!colon || colon + 1 == at)
			return NULL;
		return strndup(colon + 1, (size_t)(at - colon - 1));
	}
	/* The keyword, not any text containing it ("dbname=password_db password=s3cret"). */
	for (p = strstr(url, "password"); p; p = strstr(p + 1, "password")) {
		const char *q = p + strlen("password");
		if (p != url && !isspace((unsigned char)p[-1]))
			continue;
		while (*q == ' ')
			q++;
		if (*q == '=')
			break;
	}
	if (!p)
		return NULL;
	p = strchr(p, '=') + 1;
	while (*p == ' ')
		p++;
	if (*p == '\'') {
		end = strchr(++p, '\'');
		if (!end)
			end = p + strlen(p);
	} else {
		end = p + strcspn(p, " \t\n");
	}
	return end > p ? strndup(p, (size_t)(end - p)) : NULL;
}

static int is_word(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.';
}

void w3w__pg_scrub(char *buf, size_t size, const char *msg, const char *url)
{
	char *password = url ? password_of(url) : NULL;
	size_t plen = password ? strlen(password) : 0;
	size_t n = 0;
	int space = 0;

	if (size == 0)
		return;
	for (const char *p = msg ? msg : ""; *p && n + 1 < size;) {
		/* Whole words only: a short password must not mangle names that contain it. */
		if (plen && strncmp(p, password, plen) == 0 && (p == msg || !is_word(p[-1])) &&
		    !is_word(p[plen])) {
			for (const char *r = "***"; *r && n + 1 < size; r++)
				buf[n++] = *r;
			p += plen;
			space = 0;
			continue;
		}
		/* libpq's messages span lines ("...failed: ...\n\tIs the server running..."). */
		if (*p == '\n' || *p == '\t' || *p == '\r' || *p == ' ') {
			space = n > 0;
			p++;
			continue;
		}
		if (space && n + 2 < size)
			buf[n++] = ' ';
		space = 0;
		buf[n++] = *p++;
	}
	buf[n] = '\0';
	free(password);
}

#include "cache/redis/redis_url.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "w3wallet/sys/backend.h"

#define SCHEME "redis://"

static int hex_value(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* Copy [s, s+n) into dst decoding %XX; 0 on success, -1 if bad or too long. */
static int percent_decode(char *dst, size_t dstsize, const char *s, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '%') {
			int hi, lo;
			if (i + 2 >= n) return -1;
			hi = hex_value(s[i + 1]);
			lo = hex_value(s[i + 2]);
			if (hi < 0 || lo < 0) return -1;
			c = (char)(hi * 16 + lo);
			if (c == '\0') return -1;
			i += 2;
		}
		if (o + 1 >= dstsize) return -1;
		dst[o++] = c;
	}
	dst[o] = '\0';
	return 0;
}

/* Decimal integer in [lo, hi] spanning exactly [s, s+n). */
static int parse_int(const char *s, size_t n, long lo, long hi, int *out)
{
	long v = 0;
	if (n == 0 || n > 10) return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9') return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v < lo || v > hi) return -1;
	*out = (int)v;
	return 0;
}

static w3w_status parse_option(void *arg, const char *s, size_t n)
{
	w3w__redis_url *u = arg;
	const char *eq = memchr(s, '=', n);
	size_t klen = eq ? (size_t)(eq - s) : n;
	const char *v = eq ? eq + 1 : s + n;
	size_t vlen = eq ? n - klen - 1 : 0;

#define KEY_IS(k) (klen == sizeof(k) - 1 && memcmp(s, k, klen) == 0)
	if (KEY_IS("pool")) {
		if (parse_int(v, vlen, 1, 64, &u->pool))
			return w3w_error_set(W3W_EINVAL, "redis URL: pool must be 1..64");
	} else if (KEY_IS("timeout_ms")) {
		if (parse_int(v, vlen, 1, 60000, &u->timeout_ms))
			return w3w_error_set(W3W_EINVAL, "redis URL: timeout_ms must be 1..60000");
	} else if (KEY_IS("lazy")) {
		if (parse_int(v, vlen, 0, 1, &u->lazy))
			return w3w_error_set(W3W_EINVAL, "redis URL: lazy must be 0 or 1");
	} else if (KEY_IS("near_cache")) {
		if (parse_int(v, vlen, 0, 10000000, &u->near_cache))
			return w3w_error_set(W3W_EINVAL, "redis URL: near_cache must be 0..10000000 (entries)");
	} else if (KEY_IS("prefix")) {
		if (percent_decode(u->prefix, sizeof u->prefix, v, vlen))
			return w3w_error_set(W3W_EINVAL, "redis URL: prefix is malformed or longer than %d bytes",
				W3W__REDIS_PREFIX_SIZE - 1);
	} else {
		return w3w_error_set(W3W_EINVAL, "redis URL: unknown option '%.*s' (known: pool, timeout_ms, prefix, lazy, near_cache)",
			(int)(klen > 40 ? 40 : klen), s);
	}
#undef KEY_IS
	return W3W_OK;
}

static w3w_status parse_userinfo(w3w__redis_url *u, const char *s, size_t n)
{
	const char *colon = memchr(s, ':', n);
	if (!colon)
		return w3w_error_set(W3W_EINVAL, "redis URL: credentials must be ':password@' or 'user:password@'");
	if (percent_decode(u->user, sizeof u->user, s, (size_t)(colon - s)))
		return w3w_error_set(W3W_EINVAL, "redis URL: user name is malformed or too long");
	if (percent_decode(u->password, sizeof u->password, colon + 1, n - (size_t)(colon - s) - 1))
		return w3w_error_set(W3W_EINVAL, "redis URL: password is malformed or too long");
	u->has_password = 1;
	return W3W_OK;
}

static w3w_status parse_hostport(w3w__redis_url *u, const char *s, size_t n)
{
	const char *host = s, *port = NULL;
	size_t hlen;

	if (n > 0 && s[0] == '[') { /* [IPv6]:port */
		const char *close = memchr(s, ']', n);
		if (!close)
			return w3w_error_set(W3W_EINVAL, "redis URL: missing ']' after IPv6 host");
		host = s + 1;
		hlen = (size_t)(close - host);
		if (close + 1 < s + n) {
			if (close[1] != ':')
				return w3w_error_set(W3W_EINVAL, "redis URL: expected ':port' after ']'");
			port = close + 2;
		}
	} else {
		const char *colon = memchr(s, ':', n);
		hlen = colon ? (size_t)(colon - s) : n;
		if (colon) port = colon + 1;
	}
	if (hlen == 0)
		return w3w_error_set(W3W_EINVAL, "redis URL: host is missing");
	if (hlen >= sizeof u->host || memchr(host, '%', hlen) || memchr(host, '@', hlen))
		return w3w_error_set(W3W_EINVAL, "redis URL: host is malformed or too long");
	memcpy(u->host, host, hlen);
	u->host[hlen] = '\0';
	if (port && parse_int(port, (size_t)(s + n - port), 1, 65535, &u->port))
		return w3w_error_set(W3W_EINVAL, "redis URL: port must be 1..65535");
	return W3W_OK;
}

w3w_status w3w__redis_url_parse(w3w__redis_url *out, const char *url)
{
	w3w__redis_url u;
	const char *p, *auth_end, *host_end, *query;
	w3w_status st;

	memset(&u, 0, sizeof u);
	u.port = 6379;
	if (!url)
		return w3w_error_set(W3W_EINVAL, "redis URL: missing");
	if (strncmp(url, SCHEME, sizeof SCHEME - 1) != 0)
		return w3w_error_set(W3W_EINVAL, "redis URL: must start with redis://");
	p = url + sizeof SCHEME - 1;

	/* authority ends at the first '/', '?' or the end */
	host_end = p + strcspn(p, "/?");
	auth_end = NULL;
	for (const char *q = p; q < host_end; q++)
		if (*q == '@') auth_end = q; /* the last one: tolerate an unencoded '@' in a password */
	if (auth_end) {
		if ((st = parse_userinfo(&u, p, (size_t)(auth_end - p))) != W3W_OK)
			goto fail;
		p = auth_end + 1;
	}
	if ((st = parse_hostport(&u, p, (size_t)(host_end - p))) != W3W_OK)
		goto fail;

	p = host_end;
	query = strchr(p, '?');
	if (*p == '/') {
		size_t dlen = (size_t)((query ? query : p + strlen(p)) - (p + 1));
		if (dlen > 0 && parse_int(p + 1, dlen, 0, 1000000, &u.db)) {
			st = w3w_error_set(W3W_EINVAL, "redis URL: database must be a number (redis://host:port/0)");
			goto fail;
		}
	}
	if ((st = w3w_url_options_each(query, parse_option, &u)) != W3W_OK)
		goto fail;
	*out = u;
	w3w__redis_url_wipe(&u);
	return W3W_OK;
fail:
	w3w__redis_url_wipe(&u);
	return st;
}

void w3w__redis_url_wipe(w3w__redis_url *u)
{
	volatile char *p = (volatile char *)u->password;
	for (size_t i = 0; i < sizeof u->password; i++) p[i] = 0;
	u->has_password = 0;
}

#include "events/kafka/kafka_url.h"

#include <stdio.h>
#include <string.h>

#include "w3wallet/sys/backend.h"

#define SCHEME "kafka://"

static int parse_int(const char *s, size_t n, long lo, long hi, int *out)
{
	long v = 0;
	if (n == 0 || n > 9) return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9') return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v < lo || v > hi) return -1;
	*out = (int)v;
	return 0;
}

/* host[:port] or [v6]:port; host characters are checked, the port must be there */
static w3w_status check_broker(const char *s, size_t n)
{
	const char *port;
	int p;
	if (n == 0)
		return w3w_error_set(W3W_EINVAL, "kafka URL: empty broker in the list");
	if (s[0] == '[') {
		const char *close = memchr(s, ']', n);
		if (!close || close + 1 >= s + n || close[1] != ':')
			return w3w_error_set(W3W_EINVAL, "kafka URL: IPv6 broker must be [address]:port");
		port = close + 2;
	} else {
		const char *colon = memchr(s, ':', n);
		if (!colon)
			return w3w_error_set(W3W_EINVAL, "kafka URL: broker '%.*s' has no port (host:port)",
				(int)(n > 100 ? 100 : n), s);
		if (colon == s)
			return w3w_error_set(W3W_EINVAL, "kafka URL: broker host is missing");
		for (const char *c = s; c < colon; c++)
			if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
			      *c == '.' || *c == '-' || *c == '_'))
				return w3w_error_set(W3W_EINVAL, "kafka URL: broker host has a bad character");
		port = colon + 1;
	}
	if (parse_int(port, (size_t)(s + n - port), 1, 65535, &p))
		return w3w_error_set(W3W_EINVAL, "kafka URL: broker port must be 1..65535");
	return W3W_OK;
}

static int topic_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		c == '.' || c == '-' || c == '_';
}

/* "a,b,c": non-empty names of Kafka's legal characters, at most 249 each */
static w3w_status check_topic_list(const char *v, size_t n)
{
	const char *end = v + n;
	for (const char *t = v; t <= end;) {
		const char *comma = memchr(t, ',', (size_t)(end - t));
		const char *stop = comma ? comma : end;
		if (stop == t)
			return w3w_error_set(W3W_EINVAL, "kafka URL: empty name in topics");
		if (stop - t > 249)
			return w3w_error_set(W3W_EINVAL, "kafka URL: topic names are at most 249 characters");
		for (const char *c = t; c < stop; c++)
			if (!topic_char(*c))
				return w3w_error_set(W3W_EINVAL, "kafka URL: topic names may hold letters, digits, '.', '-', '_'");
		t = stop + 1;
	}
	return W3W_OK;
}

static w3w_status parse_option(void *arg, const char *s, size_t n)
{
	w3w__kafka_url *u = arg;
	w3w_status st;
	const char *eq = memchr(s, '=', n);
	size_t klen = eq ? (size_t)(eq - s) : n;
	const char *v = eq ? eq + 1 : s + n;
	size_t vlen = eq ? n - klen - 1 : 0;

#define KEY_IS(k) (klen == sizeof(k) - 1 && memcmp(s, k, klen) == 0)
	if (KEY_IS("lazy")) {
		if (parse_int(v, vlen, 0, 1, &u->lazy))
			return w3w_error_set(W3W_EINVAL, "kafka URL: lazy must be 0 or 1");
	} else if (KEY_IS("log")) {
		if (parse_int(v, vlen, 0, 1, &u->log))
			return w3w_error_set(W3W_EINVAL, "kafka URL: log must be 0 or 1");
	} else if (KEY_IS("linger_ms")) {
		if (parse_int(v, vlen, 0, 1000, &u->linger_ms))
			return w3w_error_set(W3W_EINVAL, "kafka URL: linger_ms must be 0..1000");
	} else if (KEY_IS("client_id")) {
		if (vlen == 0 || vlen >= sizeof u->client_id)
			return w3w_error_set(W3W_EINVAL, "kafka URL: client_id must be 1..%d characters",
				W3W__KAFKA_CLIENT_ID_SIZE - 1);
		for (size_t i = 0; i < vlen; i++)
			if (!topic_char(v[i]))
				return w3w_error_set(W3W_EINVAL, "kafka URL: client_id may hold letters, digits, '.', '-', '_'");
		memcpy(u->client_id, v, vlen);
		u->client_id[vlen] = '\0';
	} else if (KEY_IS("topics")) {
		if (vlen >= sizeof u->topics)
			return w3w_error_set(W3W_EINVAL, "kafka URL: topics list longer than %d characters",
				W3W__KAFKA_TOPICS_SIZE - 1);
		if (vlen > 0 && (st = check_topic_list(v, vlen)) != W3W_OK)
			return st;
		memcpy(u->topics, v, vlen);
		u->topics[vlen] = '\0';
	} else {
		return w3w_error_set(W3W_EINVAL,
			"kafka URL: unknown option '%.*s' (known: lazy, client_id, linger_ms, log, topics)",
			(int)(klen > 40 ? 40 : klen), s);
	}
#undef KEY_IS
	return W3W_OK;
}

w3w_status w3w__kafka_url_parse(w3w__kafka_url *out, const char *url)
{
	w3w__kafka_url u;
	const char *p, *end, *query;
	w3w_status st;

	memset(&u, 0, sizeof u);
	snprintf(u.client_id, sizeof u.client_id, "w3wallet");
	snprintf(u.topics, sizeof u.topics, "%s", W3W__KAFKA_DEFAULT_TOPICS);
	u.linger_ms = 5;
	if (!url)
		return w3w_error_set(W3W_EINVAL, "kafka URL: missing");
	if (strncmp(url, SCHEME, sizeof SCHEME - 1) != 0)
		return w3w_error_set(W3W_EINVAL, "kafka URL: must start with kafka://");
	p = url + sizeof SCHEME - 1;
	query = strchr(p, '?');
	end = query ? query : p + strlen(p);
	if (end > p && end[-1] == '/') end--; /* tolerate "kafka://h:9092/" */
	if (memchr(p, '@', (size_t)(end - p)))
		return w3w_error_set(W3W_EINVAL, "kafka URL: credentials are not supported in the URL");
	if (memchr(p, '/', (size_t)(end - p)))
		return w3w_error_set(W3W_EINVAL, "kafka URL: no path expected after the broker list");
	if ((size_t)(end - p) >= sizeof u.brokers)
		return w3w_error_set(W3W_EINVAL, "kafka URL: broker list longer than %d characters",
			W3W__KAFKA_BROKERS_SIZE - 1);
	if (end == p)
		return w3w_error_set(W3W_EINVAL, "kafka URL: no broker given (kafka://host:port)");
	for (const char *b = p; b <= end;) {
		const char *comma = memchr(b, ',', (size_t)(end - b));
		const char *stop = comma ? comma : end;
		if ((st = check_broker(b, (size_t)(stop - b))) != W3W_OK)
			return st;
		b = stop + 1;
	}
	memcpy(u.brokers, p, (size_t)(end - p));
	u.brokers[end - p] = '\0';
	if ((st = w3w_url_options_each(query, parse_option, &u)) != W3W_OK)
		return st;
	*out = u;
	return W3W_OK;
}

/* OTLP/HTTP JSON span exporter (see otlp.h). */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "host_port.h"
#include "log.h"
#include "metrics.h"
#include "otlp.h"

#define BATCH_MAX 512
#define FLUSH_INTERVAL_MS 200
#define SEND_TIMEOUT_MS 2000
#define STOP_FLUSH_S 5

/* A span as queued: copies, so the hook's caller keeps nothing alive. */
typedef struct queued_span {
	w3w_span s;
	char name[64];
	char detail[96];
	int server;                  /* the HTTP request span */
	char method[12];
	char route[64];
	unsigned int http_status;
} queued_span;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static struct {
	pthread_t thread;
	int running, stopping;
	queued_span *ring;
	size_t capacity, head, count;
	char host[256], port[8], path[512];
} exporter;

/* Queue a span; dropped (and counted) when the queue is full; ignored when not exporting. */
static void enqueue(const queued_span *q)
{
	int dropped = 0;
	pthread_mutex_lock(&lock);
	if (!exporter.running || exporter.stopping || exporter.count == exporter.capacity) {
		dropped = exporter.running;
	} else {
		exporter.ring[(exporter.head + exporter.count) % exporter.capacity] = *q;
		if (++exporter.count >= BATCH_MAX)
			pthread_cond_signal(&wake);
	}
	pthread_mutex_unlock(&lock);
	if (dropped)
		metrics_count(M_SPANS_DROPPED);
}

static void copy_span(queued_span *q, const w3w_span *s)
{
	memset(q, 0, sizeof(*q));
	q->s = *s;
	snprintf(q->name, sizeof(q->name), "%s", s->name ? s->name : "");
	snprintf(q->detail, sizeof(q->detail), "%s", s->detail ? s->detail : "");
	q->s.name = q->s.detail = NULL;
}

static void log_span(const w3w_span *s)
{
	cJSON *f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "trace_id", s->trace_id);
	cJSON_AddStringToObject(f, "span_id", s->span_id);
	cJSON_AddStringToObject(f, "parent_span_id", s->parent_span_id);
	cJSON_AddStringToObject(f, "name", s->name ? s->name : "");
	cJSON_AddStringToObject(f, "status", w3w_status_name(s->status));
	cJSON_AddNumberToObject(f, "duration_ms", (double)(s->end - s->start) / 1000.0);
	log_event("debug", "span", f);
}

static void on_span_end(const w3w_span *s, void *userdata)
{
	queued_span q;
	(void)userdata;
	if (log_enabled(LOG_DEBUG))
		log_span(s);
	if (!(s->flags & 1)) /* the caller asked for it not to be sampled */
		return;
	copy_span(&q, s);
	enqueue(&q);
}

w3w_tracer otlp_tracer(void)
{
	w3w_tracer t = { W3W_TRACER_VERSION, NULL, on_span_end, NULL };
	return t;
}

void otlp_server_span(const w3w_span *span, const char *method, const char *route, unsigned int status)
{
	queued_span q;
	if (log_enabled(LOG_DEBUG))
		log_span(span);
	if (!(span->flags & 1))
		return;
	copy_span(&q, span);
	q.server = 1;
	snprintf(q.method, sizeof(q.method), "%s", method ? method : "");
	snprintf(q.route, sizeof(q.route), "%s", route ? route : "");
	q.http_status = status;
	enqueue(&q);
}

/* ---- the OTLP/JSON body -------------------------------------------------- */

static void add_attr(cJSON *attrs, const char *key, const char *value)
{
	cJSON *a = cJSON_CreateObject(), *v = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "key", key);
	cJSON_AddStringToObject(v, "stringValue", value);
	cJSON_AddItemToObject(a, "value", v);
	cJSON_AddItemToArray(attrs, a);
}

static void add_int_attr(cJSON *attrs, const char *key, long long value)
{
	char text[24];
	cJSON *a = cJSON_CreateObject(), *v = cJSON_CreateObject();
	snprintf(text, sizeof(text), "%lld", value);
	cJSON_AddStringToObject(a, "key", key);
	cJSON_AddStringToObject(v, "intValue", text); /* int64 is a string in OTLP/JSON */
	cJSON_AddItemToObject(a, "value", v);
	cJSON_AddItemToArray(attrs, a);
}

static cJSON *span_json(const queued_span *q)
{
	char nanos[32];
	cJSON *j = cJSON_CreateObject(), *attrs = cJSON_CreateArray(), *status = cJSON_CreateObject();
	int failed = q->server ? q->http_status >= 500 : q->s.status != W3W_OK;

	cJSON_AddStringToObject(j, "traceId", q->s.trace_id);
	cJSON_AddStringToObject(j, "spanId", q->s.span_id);
	if (q->s.parent_span_id[0])
		cJSON_AddStringToObject(j, "parentSpanId", q->s.parent_span_id);
	cJSON_AddStringToObject(j, "name", q->name);
	cJSON_AddNumberToObject(j, "kind", q->server ? 2 : (int)q->s.kind); /* SPAN_KIND_SERVER = 2 */
	snprintf(nanos, sizeof(nanos), "%lld000", (long long)q->s.start);
	cJSON_AddStringToObject(j, "startTimeUnixNano", nanos);
	snprintf(nanos, sizeof(nanos), "%lld000", (long long)q->s.end);
	cJSON_AddStringToObject(j, "endTimeUnixNano", nanos);
	if (q->server) {
		add_attr(attrs, "http.request.method", q->method);
		add_attr(attrs, "http.route", q->route);
		add_int_attr(attrs, "http.response.status_code", q->http_status);
	} else {
		add_attr(attrs, "w3w.status", w3w_status_name(q->s.status));
		if (q->detail[0])
			add_attr(attrs, "w3w.detail", q->detail);
	}
	cJSON_AddItemToObject(j, "attributes", attrs);
	cJSON_AddNumberToObject(status, "code", failed ? 2 : 1); /* STATUS_CODE_ERROR / OK */
	cJSON_AddItemToObject(j, "status", status);
	return j;
}

static char *batch_json(const queued_span *spans, size_t n)
{
	cJSON *root = cJSON_CreateObject(), *rs = cJSON_CreateObject(), *resource = cJSON_CreateObject();
	cJSON *rattrs = cJSON_CreateArray(), *ss = cJSON_CreateObject(), *scope = cJSON_CreateObject();
	cJSON *list = cJSON_CreateArray(), *arr;
	char *text;

	add_attr(rattrs, "service.name", "w3wallet-server");
	add_attr(rattrs, "service.version", w3w_version());
	cJSON_AddItemToObject(resource, "attributes", rattrs);
	cJSON_AddItemToObject(rs, "resource", resource);
	cJSON_AddStringToObject(scope, "name", "libw3wallet");
	cJSON_AddItemToObject(ss, "scope", scope);
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(list, span_json(&spans[i]));
	cJSON_AddItemToObject(ss, "spans", list);
	arr = cJSON_AddArrayToObject(rs, "scopeSpans");
	cJSON_AddItemToArray(arr, ss);
	arr = cJSON_AddArrayToObject(root, "resourceSpans");
	cJSON_AddItemToArray(arr, rs);
	text = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return text;
}

/* ---- HTTP/1.1 POST over a plain socket, bounded in time ----------------- */

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until `fd` is ready for `events` before `deadline`; 0 when ready. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd p = { fd, events, 0 };
	int64_t left = deadline - now_ms();
	return left > 0 && poll(&p, 1, (int)left) == 1 ? 0 : -1;
}

static int connect_by(const struct addrinfo *ai, int64_t deadline)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol), err = 0;
	socklen_t len = sizeof(err);
	if (fd < 0)
		return -1;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ||
	    (errno == EINPROGRESS && wait_fd(fd, POLLOUT, deadline) == 0 &&
	     getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0))
		return fd;
	close(fd);
	return -1;
}

static int send_all(int fd, const char *data, size_t len, int64_t deadline)
{
	while (len > 0) {
		ssize_t n;
		if (wait_fd(fd, POLLOUT, deadline) != 0)
			return -1;
		n = send(fd, data, len, MSG_NOSIGNAL);
		if (n <= 0 && errno != EAGAIN)
			return -1;
		if (n > 0) {
			data += n;
			len -= (size_t)n;
		}
	}
	return 0;
}

/* POST the body; 0 when the collector answered 2xx. */
static int post(const char *body)
{
	struct addrinfo hints = { 0 }, *res = NULL;
	int64_t deadline = now_ms() + SEND_TIMEOUT_MS;
	char head[1024], answer[64];
	size_t got = 0;
	int fd = -1, ok = -1, n, v6 = strchr(exporter.host, ':') != NULL;

	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(exporter.host, exporter.port, &hints, &res) != 0)
		return -1;
	for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next)
		fd = connect_by(ai, deadline);
	freeaddrinfo(res);
	if (fd < 0)
		return -1;
	n = snprintf(head, sizeof(head), "POST %s HTTP/1.1\r\nHost: %s%s%s:%s\r\nContent-Type: application/json\r\n"
		"Content-Length: %zu\r\nConnection: close\r\n\r\n", exporter.path, v6 ? "[" : "", exporter.host,
		v6 ? "]" : "", exporter.port, strlen(body));
	if (n > 0 && (size_t)n < sizeof(head) && send_all(fd, head, (size_t)n, deadline) == 0 &&
	    send_all(fd, body, strlen(body), deadline) == 0) {
		/* The status line decides ("HTTP/1.1 200 ..."); the rest is read to the end and dropped,
		 * so that closing does not reset a collector still writing its answer. */
		char rest[512];
		while (wait_fd(fd, POLLIN, deadline) == 0) {
			ssize_t r = got < sizeof(answer) - 1 ? recv(fd, answer + got, sizeof(answer) - 1 - got, 0)
			                                     : recv(fd, rest, sizeof(rest), 0);
			if (r <= 0)
				break;
			if (got < sizeof(answer) - 1)
				got += (size_t)r;
		}
		answer[got] = '\0';
		ok = got >= 12 && strncmp(answer, "HTTP/1.", 7) == 0 && answer[9] == '2' ? 0 : -1;
	}
	close(fd);
	return ok;
}

/* ---- the export thread --------------------------------------------------- */

static size_t take(queued_span *out)
{
	size_t n = 0;
	while (n < BATCH_MAX && exporter.count > 0) {
		out[n++] = exporter.ring[exporter.head];
		exporter.head = (exporter.head + 1) % exporter.capacity;
		exporter.count--;
	}
	return n;
}

static void export_batch(const queued_span *batch, size_t n)
{
	char *body = batch_json(batch, n);
	int sent = body && post(body) == 0;
	cJSON_free(body);
	for (size_t i = 0; i < n; i++)
		metrics_count(sent ? M_SPANS_EXPORTED : M_SPANS_DROPPED);
}

static void *export_loop(void *arg)
{
	queued_span *batch = malloc(BATCH_MAX * sizeof(*batch));
	int64_t stop_deadline = 0;
	(void)arg;

	pthread_mutex_lock(&lock);
	for (;;) {
		size_t n;
		if (!exporter.stopping && exporter.count < BATCH_MAX) {
			struct timespec until;
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_nsec += FLUSH_INTERVAL_MS * 1000000L;
			until.tv_sec += until.tv_nsec / 1000000000L;
			until.tv_nsec %= 1000000000L;
			pthread_cond_timedwait(&wake, &lock, &until);
		}
		if (exporter.stopping && !stop_deadline)
			stop_deadline = now_ms() + STOP_FLUSH_S * 1000;
		if (exporter.stopping && (exporter.count == 0 || now_ms() > stop_deadline || !batch))
			break;
		n = batch ? take(batch) : 0;
		if (n == 0)
			continue;
		pthread_mutex_unlock(&lock);
		export_batch(batch, n);
		pthread_mutex_lock(&lock);
	}
	pthread_mutex_unlock(&lock);
	free(batch);
	return NULL;
}

/* http://host:port[/path] -> host, port, path (default /v1/traces). */
static int parse_endpoint(const char *url)
{
	const char *p = url + strlen("http://"), *slash = strchr(p, '/');
	size_t hostport = slash ? (size_t)(slash - p) : strlen(p);
	if (host_port_split(p, hostport, exporter.host, sizeof(exporter.host), exporter.port, sizeof(exporter.port)) != 0 ||
	    !exporter.host[0])
		return -1;
	snprintf(exporter.path, sizeof(exporter.path), "%s", slash && slash[1] ? slash : "/v1/traces");
	return strpbrk(exporter.path, " \r\n") ? -1 : 0;
}

int otlp_start(const char *endpoint, int queue_capacity)
{
	if (strncmp(endpoint, "http://", 7) != 0 || parse_endpoint(endpoint) != 0) {
		fprintf(stderr, "w3wallet-server: --otlp-endpoint: expected http://host:port[/path]\n");
		return -1;
	}
	exporter.capacity = (size_t)queue_capacity;
	exporter.ring = calloc(exporter.capacity, sizeof(*exporter.ring));
	if (!exporter.ring)
		return -1;
	exporter.running = 1;
	if (pthread_create(&exporter.thread, NULL, export_loop, NULL) != 0) {
		exporter.running = 0;
		free(exporter.ring);
		exporter.ring = NULL;
		return -1;
	}
	return 0;
}

int otlp_running(void)
{
	int r;
	pthread_mutex_lock(&lock);
	r = exporter.running && !exporter.stopping;
	pthread_mutex_unlock(&lock);
	return r;
}

void otlp_stop(void)
{
	pthread_mutex_lock(&lock);
	if (!exporter.running) {
		pthread_mutex_unlock(&lock);
		return;
	}
	exporter.stopping = 1;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
	pthread_join(exporter.thread, NULL);
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < exporter.count; i++)
		metrics_count(M_SPANS_DROPPED);
	exporter.count = 0;
	exporter.running = 0;
	free(exporter.ring);
	exporter.ring = NULL;
	pthread_mutex_unlock(&lock);
}

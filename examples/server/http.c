/*
 * libmicrohttpd glue (see http.h). Each event thread of libmicrohttpd's pool
 * runs its own epoll loop and calls read handlers inline (a cached read
 * blocks that thread's connections for a cache round trip at most). Writes
 * block on a storage transaction: their connection is suspended and the
 * handler runs on a thread of the work pool (work_pool.h), which resumes the
 * connection when done; the event thread then sends the response.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "host_port.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "otlp.h"
#include "router.h"
#include "server.h"
#include "work_pool.h"

/* After this much of an oversized chunked body has been thrown away, drop the connection. */
#define DISCARD_MAX (1024 * 1024)

struct http_listener {
	struct MHD_Daemon *daemon;
	struct server *srv;
	int metrics_only;
	MHD_socket quiesced_fd;   /* the listen socket after quiesce: closed after stop */
	work_pool *writers;       /* runs the handlers of requests other than GET (NULL on the metrics listener) */
	char *tls_cert, *tls_key;
};

static int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- the exchange accessors handlers use ------------------------------------ */

const char *ex_header(const exchange *ex, const char *name)
{
	return MHD_lookup_connection_value(ex->conn, MHD_HEADER_KIND, name);
}

typedef struct query_find {
	const char *name;
	const char *value;
	int present;
} query_find;

static enum MHD_Result find_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	query_find *f = cls;
	(void)kind;
	if (strcmp(key, f->name) == 0) {
		f->present = 1;
		f->value = value ? value : "";
		return MHD_NO;
	}
	return MHD_YES;
}

const char *ex_query(const exchange *ex, const char *name, int *present)
{
	query_find f = { name, NULL, 0 };
	MHD_get_connection_values(ex->conn, MHD_GET_ARGUMENT_KIND, find_arg, &f);
	if (present)
		*present = f.present;
	return f.value;
}

typedef struct query_check {
	const char *const *allowed;
	unsigned int seen;
	const char *bad;
	int repeated;
} query_check;

static enum MHD_Result check_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	query_check *c = cls;
	(void)kind;
	(void)value;
	for (unsigned int i = 0; c->allowed && c->allowed[i]; i++)
		if (strcmp(key, c->allowed[i]) == 0) {
			if (c->seen & (1u << i)) {
				c->bad = c->allowed[i];
				c->repeated = 1;
				return MHD_NO;
			}
			c->seen |= 1u << i;
			return MHD_YES;
		}
	c->bad = key;
	return MHD_NO;
}

int ex_query_check(exchange *ex, const char *const *allowed)
{
	query_check c = { allowed, 0, NULL, 0 };
	MHD_get_connection_values(ex->conn, MHD_GET_ARGUMENT_KIND, check_arg, &c);
	if (!c.bad)
		return 0;
	if (c.repeated)
		ex_error(ex, 400, "invalid", "%s: given more than once", c.bad);
	else
		ex_error(ex, 400, "invalid", "%.64s: unknown query parameter", c.bad);
	return -1;
}

/* ---- requests ---------------------------------------------------------------- */

/* The caller's trace (W3C traceparent), or a new one when absent or malformed; this request is a new span in it. */
static void trace_begin(exchange *ex, struct MHD_Connection *conn)
{
	const char *tp = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "traceparent");
	if (tp && w3w_traceparent_parse(&ex->trace, tp) == W3W_OK) {
		memcpy(ex->parent_span_id, ex->trace.span_id, sizeof(ex->parent_span_id));
	} else {
		w3w_error_clear();
		w3w_trace_context_new(&ex->trace);
		ex->parent_span_id[0] = '\0';
	}
	w3w_span_id_new(ex->trace.span_id, sizeof(ex->trace.span_id));
	ex->started_at = w3w_time_now();
}

/* The request's span, the root of what the library did for it. */
static void trace_end(const exchange *ex, unsigned int status)
{
	w3w_span s;
	char name[96];
	memset(&s, 0, sizeof(s));
	memcpy(s.trace_id, ex->trace.trace_id, sizeof(s.trace_id));
	memcpy(s.span_id, ex->trace.span_id, sizeof(s.span_id));
	memcpy(s.parent_span_id, ex->parent_span_id, sizeof(s.parent_span_id));
	snprintf(name, sizeof(name), "%s %s", ex->method ? ex->method : "", ex->route ? ex->route->pattern : "unmatched");
	s.name = name;
	s.detail = "";
	s.flags = ex->trace.flags;
	s.start = ex->started_at;
	s.end = w3w_time_now();
	s.status = status < 500 ? W3W_OK : W3W_EINTERNAL;
	otlp_server_span(&s, ex->method, ex->route ? ex->route->pattern : "unmatched", status);
}

static exchange *exchange_new(struct server *srv, struct MHD_Connection *conn, const char *url, const char *method)
{
	exchange *ex = calloc(1, sizeof(*ex));
	if (!ex)
		return NULL;
	ex->srv = srv;
	ex->conn = conn;
	ex->started_us = mono_us();
	ex->method = method;
	ex->path = strdup(url ? url : "");
	if (!ex->path) {
		free(ex);
		return NULL;
	}
	ex->body_max = strncmp(ex->path, "/v1/batch/", 10) == 0 ? EX_BATCH_BODY_MAX : EX_BODY_MAX;
	w3w_id_new(ex->request_id, sizeof(ex->request_id));
	trace_begin(ex, conn);
	return ex;
}

static void exchange_free(exchange *ex)
{
	free(ex->path);
	free(ex->body);
	free(ex->resp_body);
	cJSON_Delete(ex->json);
	free(ex);
}

static enum MHD_Result send_response(exchange *ex)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	char retry[16];
	if (!ex->status)
		ex_error(ex, 500, "internal", "no response");
	r = MHD_create_response_from_buffer(ex->resp_len, ex->resp_body, MHD_RESPMEM_MUST_FREE);
	if (!r)
		return MHD_NO;
	ex->resp_body = NULL; /* the response owns it now */
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ex->content_type ? ex->content_type : "application/json");
	MHD_add_response_header(r, "X-Request-Id", ex->request_id);
	MHD_add_response_header(r, "X-Trace-Id", ex->trace.trace_id);
	if (ex->commit_position[0])
		MHD_add_response_header(r, "W3W-Commit-Position", ex->commit_position);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (ex->retry_after_s > 0) {
		snprintf(retry, sizeof(retry), "%d", ex->retry_after_s);
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, retry);
	}
	if (ex->allow[0])
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, ex->allow);
	if (ex->csp) {
		MHD_add_response_header(r, "Content-Security-Policy", ex->csp);
		MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
		MHD_add_response_header(r, "X-Frame-Options", "DENY");
		MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	}
	if (ex->www_authenticate)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"w3wallet\"");
	if (atomic_load(&ex->srv->draining))
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	ret = MHD_queue_response(ex->conn, ex->status, r);
	MHD_destroy_response(r);
	return ret;
}

static void too_large(exchange *ex)
{
	metrics_count(M_TOO_LARGE);
	ex_error(ex, 413, "too_large", "body: larger than %zu bytes", ex->body_max);
}

/* Content-Length known and too big: refuse before reading a byte of the body. */
static int declared_too_large(struct MHD_Connection *conn, size_t max)
{
	const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	size_t len;
	if (!cl)
		return 0;
	len = strlen(cl);
	return len > 9 || strtoul(cl, NULL, 10) > max;
}

static int json_content_type(const exchange *ex)
{
	const char *ct = ex_header(ex, MHD_HTTP_HEADER_CONTENT_TYPE);
	size_t n;
	if (!ct)
		return 1;
	while (*ct == ' ')
		ct++;
	n = strcspn(ct, "; ");
	return n == 16 && strncasecmp(ct, "application/json", 16) == 0;
}

/* The route's handler, with the library's spans and events joining the request's trace. */
static void dispatch(exchange *ex, int metrics_only)
{
	w3w_trace_set(&ex->trace);
	router_dispatch(ex, metrics_only);
	w3w_trace_set(NULL);
}

/* A work pool item: the handler, then the connection back to its event thread, which sends the
 * response. Nothing touches `ex` after the resume: the connection may complete and free it at once. */
static void run_queued(void *item)
{
	exchange *ex = item;
	struct MHD_Connection *conn = ex->conn;
	dispatch(ex, 0);
	MHD_resume_connection(conn);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
	const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	http_listener *l = cls;
	exchange *ex = *con_cls;
	(void)version;

	if (!ex) {
		ex = exchange_new(l->srv, conn, url, method);
		if (!ex)
			return MHD_NO;
		*con_cls = ex;
		metrics_in_flight(1);
		if (declared_too_large(conn, ex->body_max)) {
			too_large(ex);
			return send_response(ex); /* libmicrohttpd closes the connection instead of reading the body */
		}
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		if (ex->body_too_large || ex->status) {
			ex->body_len += n; /* counts discarded bytes now */
			return ex->body_len > DISCARD_MAX ? MHD_NO : MHD_YES;
		}
		if (ex->body_len + n > ex->body_max) {
			ex->body_too_large = 1;
			free(ex->body);
			ex->body = NULL;
			ex->body_len = n;
			return MHD_YES;
		}
		char *grown = realloc(ex->body, ex->body_len + n + 1);
		if (!grown)
			return MHD_NO;
		memcpy(grown + ex->body_len, upload_data, n);
		ex->body = grown;
		ex->body_len += n;
		ex->body[ex->body_len] = '\0';
		return MHD_YES;
	}
	if (ex->queued) /* resumed: a work pool thread ran the handler */
		return send_response(ex);
	if (ex->status) /* already answered (413 on the first call) */
		return MHD_YES;
	if (ex->body_too_large)
		too_large(ex);
	else if (ex->body_len && !json_content_type(ex))
		ex_error(ex, 415, "unsupported_media_type", "Content-Type: must be application/json");
	else if (l->writers && strcmp(method, "GET") != 0) {
		/* Suspended before it is queued: the worker's resume must find it suspended. */
		ex->queued = 1;
		MHD_suspend_connection(conn);
		if (work_pool_submit(l->writers, ex) != 0)
			run_queued(ex); /* the pool is stopping: here, the same way */
		return MHD_YES;
	} else {
		dispatch(ex, l->metrics_only);
	}
	return send_response(ex);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	exchange *ex = *con_cls;
	int64_t latency;
	(void)cls;
	(void)conn;
	(void)toe;
	if (!ex)
		return;
	latency = mono_us() - ex->started_us;
	metrics_request(router_route_index(ex->route), ex->status ? ex->status : 499, latency);
	log_request(ex, latency);
	trace_end(ex, ex->status ? ex->status : 499);
	metrics_in_flight(-1);
	exchange_free(ex);
	*con_cls = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context, enum MHD_ConnectionNotificationCode toe)
{
	(void)cls;
	(void)conn;
	(void)socket_context;
	metrics_connections(toe == MHD_CONNECTION_NOTIFY_STARTED ? 1 : -1);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	cJSON *f = cJSON_CreateObject();
	size_t n;
	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '.'))
		msg[--n] = '\0';
	cJSON_AddStringToObject(f, "detail", msg);
	log_event("warn", "libmicrohttpd", f);
}

/* ---- listeners --------------------------------------------------------------- */

static int resolve(const char *address, struct sockaddr_storage *out, socklen_t *out_len)
{
	char host[256], port[8];
	struct addrinfo hints, *res = NULL;
	if (host_port_split(address, strlen(address), host, sizeof(host), port, sizeof(port)) != 0)
		return -1;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
	if (getaddrinfo(host[0] ? host : NULL, port, &hints, &res) != 0 || !res)
		return -1;
	memcpy(out, res->ai_addr, res->ai_addrlen);
	*out_len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long size;
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > 0 && size < 1024 * 1024 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)size + 1)) != NULL) {
		if (fread(buf, 1, (size_t)size, f) != (size_t)size) {
			free(buf);
			buf = NULL;
		} else {
			buf[size] = '\0';
		}
	}
	fclose(f);
	return buf;
}

http_listener *http_listen(struct server *srv, const char *address, int metrics_only, char *bound, size_t bound_size)
{
	const config *cfg = srv->cfg;
	struct sockaddr_storage sa;
	socklen_t sa_len = 0;
	unsigned int flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG;
	const union MHD_DaemonInfo *info;
	char host[INET6_ADDRSTRLEN] = "";
	http_listener *l;
	int tls = !metrics_only && cfg->tls_cert[0];
	struct MHD_OptionItem opts[16];
	int n = 0;

	if (resolve(address, &sa, &sa_len) != 0) {
		fprintf(stderr, "w3wallet-server: cannot use listen address \"%s\" (expected host:port)\n", address);
		return NULL;
	}
	l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->srv = srv;
	l->metrics_only = metrics_only;
	l->quiesced_fd = MHD_INVALID_SOCKET;
	if (sa.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (!metrics_only)
		flags |= MHD_USE_TURBO | MHD_ALLOW_SUSPEND_RESUME;
	/* The logger first, so that every message of the daemon goes through it. */
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)on_mhd_log, NULL };
	if (tls) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			fprintf(stderr, "w3wallet-server: this libmicrohttpd has no TLS support\n");
			free(l);
			return NULL;
		}
		l->tls_cert = read_file(cfg->tls_cert);
		l->tls_key = read_file(cfg->tls_key);
		if (!l->tls_cert || !l->tls_key) {
			fprintf(stderr, "w3wallet-server: cannot read %s\n", !l->tls_cert ? cfg->tls_cert : cfg->tls_key);
			http_stop(l);
			return NULL;
		}
		flags |= MHD_USE_TLS;
		opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, l->tls_cert };
		opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, l->tls_key };
		opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)"NORMAL:-VERS-ALL:+VERS-TLS1.3" };
	}
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_SOCK_ADDR, 0, &sa };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)cfg->idle_timeout_s, NULL };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_LIMIT, metrics_only ? 64 : (intptr_t)cfg->max_connections, NULL };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_MEMORY_LIMIT, 32 * 1024, NULL };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_LISTEN_BACKLOG_SIZE, 4096, NULL };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, NULL };
	if (!metrics_only) {
		opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, NULL };
		if (cfg->threads > 1)
			opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)cfg->threads, NULL };
	}
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };

	if (!metrics_only && !(l->writers = work_pool_start(cfg->threads, run_queued))) {
		fprintf(stderr, "w3wallet-server: cannot start %d worker threads\n", cfg->threads);
		http_stop(l);
		return NULL;
	}
	l->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, l, MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (!l->daemon) {
		fprintf(stderr, "w3wallet-server: cannot listen on %s (in use, or not allowed)\n", address);
		http_stop(l);
		return NULL;
	}
	info = MHD_get_daemon_info(l->daemon, MHD_DAEMON_INFO_BIND_PORT);
	if (sa.ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&sa)->sin6_addr, host, sizeof(host));
		snprintf(bound, bound_size, "[%s]:%u", host, info ? (unsigned)info->port : 0u);
	} else {
		inet_ntop(AF_INET, &((struct sockaddr_in *)&sa)->sin_addr, host, sizeof(host));
		snprintf(bound, bound_size, "%s:%u", host, info ? (unsigned)info->port : 0u);
	}
	return l;
}

/* libmicrohttpd may still poll the socket for a moment after quiesce: it is
 * closed only after MHD_stop_daemon (connections arriving meanwhile wait in
 * the backlog and are reset then). */
void http_quiesce(http_listener *l)
{
	if (!l || !l->daemon || l->quiesced_fd != MHD_INVALID_SOCKET)
		return;
	l->quiesced_fd = MHD_quiesce_daemon(l->daemon);
}

void http_stop(http_listener *l)
{
	if (!l)
		return;
	work_pool_stop(l->writers); /* first: its queued requests resume their connections on the live daemon */
	if (l->daemon)
		MHD_stop_daemon(l->daemon);
	if (l->quiesced_fd != MHD_INVALID_SOCKET)
		close(l->quiesced_fd);
	free(l->tls_cert);
	if (l->tls_key) {
		memset(l->tls_key, 0, strlen(l->tls_key));
		free(l->tls_key);
	}
	free(l);
}

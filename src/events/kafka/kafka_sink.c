/*
 * The Kafka event sink: an idempotent librdkafka producer (acks=all).
 *
 * publish() enqueues a batch in order, then waits for every delivery
 * report, at most the configured timeout: what the brokers acknowledged is
 * marked in acked[]; the rest stays in the caller's outbox. At the deadline
 * whatever is still queued or in flight is purged, so no report can arrive
 * after publish() returned (the outbox will send those events again;
 * consumers deduplicate by event id).
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pthread.h>
#include <cjson/cJSON.h>
#include <librdkafka/rdkafka.h>

#include "core/trace.h"
#include "events/kafka/kafka_envelope.h"
#include "events/kafka/kafka_url.h"
#include "w3wallet/sys/kafka.h"

#define DEFAULT_TIMEOUT_MS 5000
/* after a purge the reports are local and immediate; this only bounds a bug */
#define PURGE_DRAIN_MS 1000

typedef struct kafka_batch kafka_batch;

/* The per-message opaque: which batch, which event. */
typedef struct delivery_slot {
	kafka_batch *batch;
	size_t index;
} delivery_slot;

struct kafka_batch {
	size_t count;
	size_t pending;            /* enqueued, no delivery report yet */
	int abandoned;             /* publish gave up: the last report frees the batch */
	rd_kafka_resp_err_t first_error;
	size_t first_failed;       /* index of the event first_error belongs to */
	unsigned char *acked;      /* points into the allocation, after slots */
	delivery_slot slots[];
};

typedef struct kafka_sink {
	w3w_event_sink base;       /* first member: the vtable the caller sees */
	pthread_mutex_t mu;        /* one publish, ping or rebuild at a time */
	rd_kafka_t *rk;
	w3w__kafka_url url;
	int timeout_ms;
	atomic_int fatal;          /* the producer hit a fatal error: rebuild before use */
	pthread_mutex_t err_mu;    /* guards last_error (written from librdkafka threads) */
	char last_error[256];
} kafka_sink;

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- diagnostics: librdkafka's logs and errors --------------------------- */

/* librdkafka lines may quote configuration; keep anything that looks like a secret out. */
static const char *redacted(const char *line)
{
	static const char *const words[] = { "password", "secret", "sasl", "token", "ssl.key", NULL };
	for (int i = 0; words[i]; i++)
		if (strcasestr(line, words[i]))
			return "(message withheld: it may quote a secret)";
	return line;
}

static void remember_error(kafka_sink *s, const char *what)
{
	pthread_mutex_lock(&s->err_mu);
	snprintf(s->last_error, sizeof s->last_error, "%.250s", redacted(what));
	pthread_mutex_unlock(&s->err_mu);
}

static void last_error_copy(kafka_sink *s, char *buf, size_t size)
{
	pthread_mutex_lock(&s->err_mu);
	snprintf(buf, size, "%s", s->last_error);
	pthread_mutex_unlock(&s->err_mu);
}

static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	kafka_sink *s = rd_kafka_opaque(rk);
	if (level > 4) /* below LOG_WARNING: not worth keeping */
		return;
	if (s) {
		remember_error(s, buf);
		if (s->url.log)
			fprintf(stderr, "w3wallet kafka: %s: %s\n", fac, redacted(buf));
	}
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	kafka_sink *s = opaque;
	if (err == RD_KAFKA_RESP_ERR__FATAL) {
		char why[256];
		rd_kafka_fatal_error(rk, why, sizeof why);
		atomic_store(&s->fatal, 1);
		remember_error(s, why);
	} else {
		remember_error(s, reason);
	}
	if (s->url.log)
		fprintf(stderr, "w3wallet kafka: error: %s\n", redacted(reason));
}

/* Served from rd_kafka_poll()/rd_kafka_flush(), i.e. on the publishing thread. */
static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque)
{
	delivery_slot *slot = msg->_private;
	kafka_batch *b;
	if (!slot)
		return;
	b = slot->batch;
	if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR)
		b->acked[slot->index] = 1;
	else if (b->first_error == RD_KAFKA_RESP_ERR_NO_ERROR) {
		b->first_error = msg->err;
		b->first_failed = slot->index;
	}
	if (--b->pending == 0 && b->abandoned)
		free(b);
}

/* ---- the producer -------------------------------------------------------- */

static rd_kafka_t *create_producer(kafka_sink *s, char *err, size_t errsize)
{
	char timeout[16], setup[16], linger[16];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_t *rk;
	const char *settings[][2] = {
		{ "bootstrap.servers", s->url.brokers },
		{ "client.id", s->url.client_id },
		{ "enable.idempotence", "true" },
		{ "acks", "all" },
		{ "linger.ms", linger },
		/* a message never outlives one publish() call */
		{ "message.timeout.ms", timeout },
		{ "request.timeout.ms", timeout },
		{ "socket.connection.setup.timeout.ms", setup },
		/* notice a returning broker quickly */
		{ "reconnect.backoff.ms", "100" },
		{ "reconnect.backoff.max.ms", "1000" },
		{ "log.connection.close", "false" },
	};

	snprintf(timeout, sizeof timeout, "%d", s->timeout_ms);
	snprintf(setup, sizeof setup, "%d", s->timeout_ms < 1000 ? 1000 : s->timeout_ms);
	snprintf(linger, sizeof linger, "%d", s->url.linger_ms);
	if (!conf) {
		snprintf(err, errsize, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++) {
		if (rd_kafka_conf_set(conf, settings[i][0], settings[i][1], err, errsize) != RD_KAFKA_CONF_OK) {
			rd_kafka_conf_destroy(conf);
			return NULL;
		}
	}
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	rd_kafka_conf_set_error_cb(conf, on_error);
	rd_kafka_conf_set_log_cb(conf, on_log);
	rd_kafka_conf_set_opaque(conf, s);
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, errsize);
	if (!rk)
		rd_kafka_conf_destroy(conf); /* on success rd_kafka_new owns it */
	return rk;
}

/* Ask any broker for cluster metadata: is one reachable? (s->mu held or not shared yet) */
static w3w_status check_brokers(kafka_sink *s, int timeout_ms)
{
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_resp_err_t err = rd_kafka_metadata(s->rk, 0, NULL, &md, timeout_ms);
	char last[256];
	if (err == RD_KAFKA_RESP_ERR_NO_ERROR && md->broker_cnt > 0) {
		rd_kafka_metadata_destroy(md);
		return W3W_OK;
	}
	if (md)
		rd_kafka_metadata_destroy(md);
	last_error_copy(s, last, sizeof last);
	return w3w_error_set(W3W_EUNAVAILABLE, "kafka %s: no broker answered within %d ms (%s%s%s)",
		s->url.brokers, timeout_ms, rd_kafka_err2str(err), last[0] ? "; last error: " : "", last);
}

/*
 * Ask for each topic of url.topics, which makes the broker create it when
 * it auto-creates topics: a topic that does not exist and cannot be made
 * fails the open now rather than every publish later.
 */
static w3w_status check_topics(kafka_sink *s, int64_t deadline)
{
	const char *t = s->url.topics;
	while (*t) {
		size_t n = strcspn(t, ",");
		char name[256];
		const struct rd_kafka_metadata *md;
		rd_kafka_topic_t *rkt;
		rd_kafka_resp_err_t err;

		snprintf(name, sizeof name, "%.*s", (int)n, t);
		t += n + (t[n] == ',');
		rkt = rd_kafka_topic_new(s->rk, name, NULL);
		if (!rkt)
			return w3w_error_set(W3W_EINVAL, "kafka: topic '%s': %s", name,
				rd_kafka_err2str(rd_kafka_last_error()));
		/*
		 * The broker creates a missing topic on this request but may answer
		 * "unknown" until its controller has done so: ask again until the
		 * deadline.
		 */
		for (;;) {
			int64_t left = deadline - now_ms();
			md = NULL;
			err = rd_kafka_metadata(s->rk, 0, rkt, &md, left > 0 ? (int)left : 1);
			if (err == RD_KAFKA_RESP_ERR_NO_ERROR && md->topic_cnt == 1)
				err = md->topics[0].err;
			if (md)
				rd_kafka_metadata_destroy(md);
			if (err != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || deadline - now_ms() < 100)
				break;
			rd_kafka_poll(s->rk, 100); /* a pause that also serves callbacks */
		}
		rd_kafka_topic_destroy(rkt);
		/* a topic just auto-created has no leader for a moment: it is there */
		if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE)
			return w3w_error_set(W3W_EUNAVAILABLE,
				"kafka %s: topic '%s' does not exist and was not created (%s)%s", s->url.brokers, name,
				rd_kafka_err2str(err), err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ?
				": create it, or enable auto.create.topics.enable on the brokers" : "");
	}
	return W3W_OK;
}

/* After a fatal error the idempotent producer is unusable: start a new one. */
static w3w_status rebuild_if_fatal(kafka_sink *s)
{
	char err[512];
	rd_kafka_t *fresh;
	if (!atomic_load(&s->fatal))
		return W3W_OK;
	fresh = create_producer(s, err, sizeof err);
	if (!fresh)
		return w3w_error_set(W3W_EUNAVAILABLE, "kafka %s: cannot recreate the producer: %s",
			s->url.brokers, err);
	rd_kafka_purge(s->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
	rd_kafka_poll(s->rk, 0); /* serve purge reports of abandoned batches */
	rd_kafka_destroy(s->rk);
	s->rk = fresh;
	atomic_store(&s->fatal, 0);
	return W3W_OK;
}

/* ---- publish ------------------------------------------------------------- */

static void free_values(char **values, size_t count)
{
	for (size_t i = 0; values && i < count; i++)
		cJSON_free(values[i]);
	free(values);
}

/* event_id, event_type, and the W3C traceparent of a traced command's event (NULL: out of memory). */
static rd_kafka_headers_t *message_headers(const w3w_event *e)
{
	rd_kafka_headers_t *h = rd_kafka_headers_new(3);
	w3w_trace_context trace;
	char tp[W3W_TRACEPARENT_SIZE];

	if (!h)
		return NULL;
	rd_kafka_header_add(h, "event_id", -1, e->id, -1);
	rd_kafka_header_add(h, "event_type", -1, e->type, -1);
	if (w3w__event_trace(e, &trace) && w3w_traceparent_format(tp, sizeof(tp), &trace) == W3W_OK)
		rd_kafka_header_add(h, "traceparent", -1, tp, -1);
	return h;
}

/* Enqueue events[0..count) in order; stops at the first that cannot be enqueued. */
static void enqueue_all(kafka_sink *s, kafka_batch *b, const w3w_event *events, char **values,
	size_t count, int64_t deadline, rd_kafka_resp_err_t *enqueue_error, size_t *enqueue_failed)
{
	for (size_t i = 0; i < count; i++) {
		const w3w_event *e = &events[i];
		rd_kafka_resp_err_t err;
		rd_kafka_headers_t *headers = message_headers(e);
		b->slots[i].batch = b;
		b->slots[i].index = i;
		for (;;) {
			err = headers ? rd_kafka_producev(s->rk,
				RD_KAFKA_V_TOPIC(e->topic),
				RD_KAFKA_V_KEY(e->aggregate_id, strlen(e->aggregate_id)),
				RD_KAFKA_V_VALUE(values[i], strlen(values[i])),
				RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
				RD_KAFKA_V_HEADERS(headers),
				RD_KAFKA_V_OPAQUE(&b->slots[i]),
				RD_KAFKA_V_END) : RD_KAFKA_RESP_ERR__NOENT;
			if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL || now_ms() >= deadline)
				break;
			rd_kafka_poll(s->rk, 10); /* let deliveries make room */
		}
		if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
			if (headers)
				rd_kafka_headers_destroy(headers); /* still ours: producev takes them only on success */
			/* later events would overtake this one on retry: keep them back too */
			*enqueue_error = err;
			*enqueue_failed = i;
			return;
		}
		b->pending++;
	}
}

static const char *why_text(rd_kafka_resp_err_t err)
{
	/* purged by us at the deadline: say what happened, not how it was cleaned up */
	if (err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR__PURGE_QUEUE ||
	    err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT || err == RD_KAFKA_RESP_ERR__MSG_TIMED_OUT)
		return "no delivery report in time";
	return rd_kafka_err2str(err);
}

static w3w_status kafka_publish(w3w_event_sink *sink, const w3w_event *events, size_t count,
	unsigned char *acked)
{
	kafka_sink *s = (kafka_sink *)sink;
	rd_kafka_resp_err_t enqueue_error = RD_KAFKA_RESP_ERR_NO_ERROR, first_error;
	size_t enqueue_failed = 0, first_failed;
	char **values;
	kafka_batch *b;
	size_t n_acked = 0;
	int64_t start, deadline;
	w3w_status st;

	if (count == 0)
		return W3W_OK;
	if (!events || !acked)
		return w3w_error_set(W3W_EINVAL, "events: missing");
	memset(acked, 0, count);

	/* every envelope first: a bad event fails the call before anything is sent */
	values = calloc(count, sizeof *values);
	if (!values)
		return w3w_error_set(W3W_ENOMEM, "kafka: out of memory");
	for (size_t i = 0; i < count; i++) {
		size_t len;
		if ((st = w3w__kafka_envelope(&events[i], &values[i], &len)) != W3W_OK) {
			free_values(values, count);
			return st;
		}
	}
	b = calloc(1, sizeof *b + count * sizeof b->slots[0] + count);
	if (!b) {
		free_values(values, count);
		return w3w_error_set(W3W_ENOMEM, "kafka: out of memory");
	}
	b->count = count;
	b->acked = (unsigned char *)(b->slots + count);

	pthread_mutex_lock(&s->mu);
	if ((st = rebuild_if_fatal(s)) != W3W_OK) {
		pthread_mutex_unlock(&s->mu);
		free(b);
		free_values(values, count);
		return st;
	}
	start = now_ms();
	/* leave a little of the budget for the purge below */
	deadline = start + s->timeout_ms - (s->timeout_ms >= 500 ? 50 : s->timeout_ms / 10);
	enqueue_all(s, b, events, values, count, deadline, &enqueue_error, &enqueue_failed);
	free_values(values, count);

	if (b->pending > 0) {
		int64_t left = deadline - now_ms();
		rd_kafka_flush(s->rk, left > 0 ? (int)left : 0);
	}
	if (b->pending > 0) {
		int64_t drain_end = now_ms() + PURGE_DRAIN_MS;
		rd_kafka_purge(s->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
		while (b->pending > 0 && now_ms() < drain_end)
			rd_kafka_poll(s->rk, 10);
	}
	for (size_t i = 0; i < count; i++)
		n_acked += (acked[i] = b->acked[i]);
	first_error = b->first_error;
	first_failed = b->first_failed;
	if (b->pending > 0)
		b->abandoned = 1; /* a report still to come frees it; not ours to touch any more */
	else
		free(b);
	pthread_mutex_unlock(&s->mu);

	if (n_acked == count)
		return W3W_OK;
	{
		char last[256];
		rd_kafka_resp_err_t why = enqueue_error ? enqueue_error : first_error;
		size_t which = enqueue_error ? enqueue_failed : first_failed;
		last_error_copy(s, last, sizeof last);
		return w3w_error_set(W3W_EUNAVAILABLE,
			"kafka %s: %zu of %zu events not acknowledged within %d ms (%s%s%s%s%s%s)",
			s->url.brokers, count - n_acked, count, s->timeout_ms,
			why ? "topic " : "", why ? events[which].topic : "", why ? ": " : "",
			why_text(why), last[0] ? "; last error: " : "", last);
	}
}

static w3w_status kafka_ping(w3w_event_sink *sink)
{
	kafka_sink *s = (kafka_sink *)sink;
	w3w_status st;
	pthread_mutex_lock(&s->mu);
	st = rebuild_if_fatal(s);
	if (st == W3W_OK)
		st = check_brokers(s, s->timeout_ms);
	pthread_mutex_unlock(&s->mu);
	return st;
}

static void kafka_free(w3w_event_sink *sink)
{
	kafka_sink *s = (kafka_sink *)sink;
	if (!s) return;
	if (s->rk) {
		/* publish() leaves nothing queued; this only covers abandoned batches */
		rd_kafka_purge(s->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
		rd_kafka_flush(s->rk, 1000);
		rd_kafka_destroy(s->rk);
	}
	pthread_mutex_destroy(&s->err_mu);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

W3W_EXTERN w3w_status w3w_event_sink_kafka_open(w3w_event_sink **out, const char *url,
	const w3w_backend_config *cfg)
{
	kafka_sink *s;
	char err[512];
	w3w_status st;

	if (!out)
		return w3w_error_set(W3W_EINVAL, "out: missing");
	*out = NULL;
	if (cfg && cfg->version != W3W_BACKEND_CONFIG_VERSION)
		return w3w_error_set(W3W_EVERSION, "kafka: backend config version %u, expected %d",
			cfg->version, W3W_BACKEND_CONFIG_VERSION);
	s = calloc(1, sizeof *s);
	if (!s)
		return w3w_error_set(W3W_ENOMEM, "kafka: out of memory");
	if ((st = w3w__kafka_url_parse(&s->url, url)) != W3W_OK) {
		free(s);
		return st;
	}
	s->timeout_ms = cfg && cfg->timeout_ms > 0 ? cfg->timeout_ms : DEFAULT_TIMEOUT_MS;
	s->base.version = W3W_EVENT_SINK_VERSION;
	s->base.name = "kafka";
	s->base.publish = kafka_publish;
	s->base.ping = kafka_ping;
	s->base.free = kafka_free;
	atomic_init(&s->fatal, 0);
	pthread_mutex_init(&s->mu, NULL);
	pthread_mutex_init(&s->err_mu, NULL);

	s->rk = create_producer(s, err, sizeof err);
	if (!s->rk) {
		st = w3w_error_set(W3W_EINVAL, "kafka %s: cannot create the producer: %s", s->url.brokers, err);
		kafka_free(&s->base);
		return st;
	}
	/* lazy=1: the outbox keeps events until a broker answers */
	if (!s->url.lazy) {
		int64_t deadline = now_ms() + s->timeout_ms;
		if ((st = check_brokers(s, s->timeout_ms)) != W3W_OK ||
		    (st = check_topics(s, deadline)) != W3W_OK) {
			kafka_free(&s->base);
			return st;
		}
	}
	*out = &s->base;
	return W3W_OK;
}

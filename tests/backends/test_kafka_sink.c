/*
 * Kafka event sink against a real broker (W3W_TEST_KAFKA_URL, started by
 * scripts/services/with-services.sh). Published events are read back with
 * a plain librdkafka consumer and compared message by message.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <librdkafka/rdkafka.h>

#include "events/kafka/kafka_envelope.h"
#include "events/kafka/kafka_url.h"
#include "w3wallet/sys/kafka.h"

static const char *kafka_url;
static char brokers[W3W__KAFKA_BROKERS_SIZE];
static char run_id[32];   /* fresh topics per run: nothing left over from earlier runs */

/* Extra milliseconds allowed on timing bounds: set by the memcheck runs (valgrind is slow). */
static int64_t slack_ms(void)
{
	const char *v = getenv("W3W_TEST_SLACK_MS");
	return v ? atoll(v) : 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *topic(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "t-%s-%s", run_id, name);
	return buf;
}

static w3w_event_sink *open_sink(const char *url, int timeout_ms)
{
	w3w_backend_config cfg = { W3W_BACKEND_CONFIG_VERSION, 4, timeout_ms, "test" };
	w3w_event_sink *s = NULL;
	w3w_status st = w3w_event_sink_kafka_open(&s, url, &cfg);
	ck_assert_msg(st == W3W_OK, "open %s: %s", url, w3w_error_message());
	ck_assert_str_eq(s->name, "kafka");
	ck_assert_uint_eq(s->version, W3W_EVENT_SINK_VERSION);
	return s;
}

/* Event `seq` of aggregate `agg` (a fixed UUID per aggregate number). */
static void make_event(w3w_event *e, const char *topic_name, int agg, int seq)
{
	char payload[128];
	memset(e, 0, sizeof *e);
	ck_assert_int_eq(w3w_id_new(e->id, sizeof e->id), W3W_OK);
	snprintf(e->type, sizeof e->type, "order.claimed");
	snprintf(e->topic, sizeof e->topic, "%s", topic_name);
	snprintf(e->aggregate_id, sizeof e->aggregate_id, "00000000-0000-7000-8000-%012d", agg);
	snprintf(e->actor_id, sizeof e->actor_id, "00000000-0000-7000-8000-999999999999");
	snprintf(e->region, sizeof e->region, "eu-1");
	e->created_at = w3w_time_now();
	e->seq = seq;
	snprintf(payload, sizeof payload, "{\"agg\":%d,\"seq\":%d,\"amount\":\"12.50000000\"}", agg, seq);
	e->payload = strdup(payload);
}

static void free_events(w3w_event *ev, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ev[i].payload);
}

/* ---- a plain consumer: everything in `topic_name` from the beginning ------ */

typedef struct consumed {
	char key[64];
	char *value;
	char event_id[64];
} consumed;

static rd_kafka_t *consumer_new(void)
{
	char err[512], group[96];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	snprintf(group, sizeof group, "test-%s", run_id);
	ck_assert(rd_kafka_conf_set(conf, "bootstrap.servers", brokers, err, sizeof err) == RD_KAFKA_CONF_OK);
	ck_assert(rd_kafka_conf_set(conf, "group.id", group, err, sizeof err) == RD_KAFKA_CONF_OK);
	ck_assert(rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err) == RD_KAFKA_CONF_OK);
	ck_assert(rd_kafka_conf_set(conf, "isolation.level", "read_committed", err, sizeof err) == RD_KAFKA_CONF_OK);
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
	ck_assert_msg(rk != NULL, "consumer: %s", err);
	return rk;
}

/* Read `want` messages of `topic_name` (all partitions, from the start), waiting up to `wait_ms`
 * and then `extra_ms` more to catch any unexpected extra message. Returns how many were read. */
static size_t consume(const char *topic_name, consumed *out, size_t cap, size_t want, int wait_ms, int extra_ms)
{
	rd_kafka_t *rk = consumer_new();
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic_name, NULL);
	rd_kafka_topic_partition_list_t *parts;
	size_t got = 0;
	int64_t end;

	ck_assert_int_eq(rd_kafka_metadata(rk, 0, rkt, &md, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
	ck_assert_int_eq(md->topic_cnt, 1);
	ck_assert_int_gt(md->topics[0].partition_cnt, 0);
	parts = rd_kafka_topic_partition_list_new(md->topics[0].partition_cnt);
	for (int p = 0; p < md->topics[0].partition_cnt; p++)
		rd_kafka_topic_partition_list_add(parts, topic_name, md->topics[0].partitions[p].id)->offset =
			RD_KAFKA_OFFSET_BEGINNING;
	rd_kafka_metadata_destroy(md);
	rd_kafka_topic_destroy(rkt);
	ck_assert_int_eq(rd_kafka_assign(rk, parts), RD_KAFKA_RESP_ERR_NO_ERROR);
	rd_kafka_topic_partition_list_destroy(parts);

	end = now_ms() + wait_ms;
	while (now_ms() < end) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
		if (!m) continue;
		if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR && got < cap) {
			rd_kafka_headers_t *hdrs = NULL;
			const void *hv;
			size_t hlen;
			consumed *c = &out[got++];
			memset(c, 0, sizeof *c);
			snprintf(c->key, sizeof c->key, "%.*s", (int)m->key_len, (const char *)m->key);
			c->value = strndup(m->payload, m->len);
			if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR &&
			    rd_kafka_header_get_last(hdrs, "event_id", &hv, &hlen) == RD_KAFKA_RESP_ERR_NO_ERROR)
				snprintf(c->event_id, sizeof c->event_id, "%.*s", (int)hlen, (const char *)hv);
			if (got == want)
				end = now_ms() + extra_ms;
		}
		rd_kafka_message_destroy(m);
	}
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
	return got;
}

static void free_consumed(consumed *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(c[i].value);
}

/* Messages of one key arrive in publish order with exactly the envelope as value. */
static void assert_same_per_key(const w3w_event *ev, size_t n, const consumed *got, size_t ngot)
{
	ck_assert_uint_eq(ngot, n);
	for (size_t i = 0; i < n; i++) {
		/* the k-th message with this key is the k-th published event with this key */
		size_t k = 0, seen = 0, j;
		char *expect;
		size_t len;
		for (size_t p = 0; p < i; p++)
			if (strcmp(ev[p].aggregate_id, ev[i].aggregate_id) == 0) k++;
		for (j = 0; j < ngot; j++)
			if (strcmp(got[j].key, ev[i].aggregate_id) == 0 && seen++ == k) break;
		ck_assert_msg(j < ngot, "event %zu (key %s) not consumed", i, ev[i].aggregate_id);
		ck_assert_int_eq(w3w__kafka_envelope(&ev[i], &expect, &len), W3W_OK);
		ck_assert_str_eq(got[j].value, expect);
		ck_assert_str_eq(got[j].event_id, ev[i].id);
		cJSON_free(expect);
	}
}

/* After retries: every event is there at least once, first copies in publish order per key. */
static void assert_delivered_dedup(const w3w_event *ev, size_t n, const consumed *got, size_t ngot)
{
	for (size_t i = 0; i < n; i++) {
		size_t first = ngot;
		for (size_t j = 0; j < ngot && first == ngot; j++)
			if (strcmp(got[j].event_id, ev[i].id) == 0) first = j;
		ck_assert_msg(first < ngot, "event %zu never delivered", i);
		for (size_t p = 0; p < i; p++) {
			size_t pfirst = ngot;
			if (strcmp(ev[p].aggregate_id, ev[i].aggregate_id) != 0) continue;
			for (size_t j = 0; j < ngot && pfirst == ngot; j++)
				if (strcmp(got[j].event_id, ev[p].id) == 0) pfirst = j;
			ck_assert_msg(pfirst < first, "event %zu delivered before event %zu of the same key", i, p);
		}
	}
}

static void services_ctl(const char *action)
{
	const char *dir = getenv("W3W_SERVICES_DIR");
	char cmd[1024];
	ck_assert_msg(dir && *dir, "W3W_SERVICES_DIR is not set: run under scripts/services/with-services.sh");
	snprintf(cmd, sizeof cmd, "'%s/scripts/services/ctl.sh' '%s' %s kafka >/dev/null 2>&1",
		W3W_SOURCE_DIR, dir, action);
	ck_assert_msg(system(cmd) == 0, "ctl.sh %s kafka failed", action);
}

/* ---- URL and envelope ---------------------------------------------------- */

START_TEST(url_parsing)
{
	w3w__kafka_url u;
	ck_assert_int_eq(w3w__kafka_url_parse(&u, "kafka://127.0.0.1:9092"), W3W_OK);
	ck_assert_str_eq(u.brokers, "127.0.0.1:9092");
	ck_assert_str_eq(u.client_id, "w3wallet");
	ck_assert_int_eq(u.linger_ms, 5);
	ck_assert_int_eq(u.lazy, 0);
	ck_assert_int_eq(w3w__kafka_url_parse(&u, "kafka://a:1,b.example:2,[::1]:3/?lazy=1&client_id=eu-relay&linger_ms=0&log=1"), W3W_OK);
	ck_assert_str_eq(u.brokers, "a:1,b.example:2,[::1]:3");
	ck_assert_str_eq(u.client_id, "eu-relay");
	ck_assert_int_eq(u.linger_ms, 0);
	ck_assert_int_eq(u.lazy, 1);
	ck_assert_int_eq(u.log, 1);

	ck_assert_str_eq(u.topics, "supply-events,order-events,claim-events,wallet-events");
	ck_assert_int_eq(w3w__kafka_url_parse(&u, "kafka://a:1?topics=x.y,z_1-2"), W3W_OK);
	ck_assert_str_eq(u.topics, "x.y,z_1-2");
	ck_assert_int_eq(w3w__kafka_url_parse(&u, "kafka://a:1?topics="), W3W_OK);
	ck_assert_str_eq(u.topics, "");

	static const char *bad[] = {
		"kafka://a:1?topics=a,,b", "kafka://a:1?topics=a%20b", "kafka://a:1?topics=a,",
		"redis://a:1", "kafka://", "kafka://a", "kafka://a:0", "kafka://a:1,", "kafka://,a:1",
		"kafka://a:1/topic", "kafka://user:pw@a:1", "kafka://a:1?lazy=2", "kafka://a:1?acks=0",
		"kafka://a b:1", "kafka://[::1]", "kafka://a:1?client_id=x%20y", NULL,
	};
	for (int i = 0; i <= 16; i++) {
		w3w_error_clear();
		ck_assert_msg(w3w__kafka_url_parse(&u, bad[i]) == W3W_EINVAL, "accepted %s", bad[i] ? bad[i] : "NULL");
		ck_assert_msg(strstr(w3w_error_message(), "kafka URL") != NULL, "message: %s", w3w_error_message());
	}
	ck_assert_int_eq(w3w__kafka_url_parse(&u, "kafka://user:hunter2@a:1"), W3W_EINVAL);
	ck_assert_ptr_null(strstr(w3w_error_message(), "hunter2"));
}
END_TEST

START_TEST(envelope_fields)
{
	w3w_event e;
	char *text;
	size_t len;
	cJSON *j, *p;
	char when[W3W_TIME_STRLEN];

	make_event(&e, "order-events", 7, 3);
	e.created_at = 1764080667123456LL;
	ck_assert_int_eq(w3w__kafka_envelope(&e, &text, &len), W3W_OK);
	ck_assert_uint_eq(len, strlen(text));
	j = cJSON_Parse(text);
	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(cJSON_GetObjectItem(j, "id")->valuestring, e.id);
	ck_assert_str_eq(cJSON_GetObjectItem(j, "type")->valuestring, "order.claimed");
	ck_assert_str_eq(cJSON_GetObjectItem(j, "topic")->valuestring, "order-events");
	ck_assert_str_eq(cJSON_GetObjectItem(j, "aggregate_id")->valuestring, e.aggregate_id);
	ck_assert_str_eq(cJSON_GetObjectItem(j, "actor_id")->valuestring, e.actor_id);
	ck_assert_str_eq(cJSON_GetObjectItem(j, "region")->valuestring, "eu-1");
	w3w_time_format(when, sizeof when, e.created_at);
	ck_assert_str_eq(cJSON_GetObjectItem(j, "created_at")->valuestring, when);
	ck_assert_str_eq(when, "2025-11-25T14:24:27.123456Z");
	p = cJSON_GetObjectItem(j, "payload");
	ck_assert(cJSON_IsObject(p));
	ck_assert_int_eq(cJSON_GetObjectItem(p, "seq")->valueint, 3);
	ck_assert_str_eq(cJSON_GetObjectItem(p, "amount")->valuestring, "12.50000000");
	cJSON_Delete(j);
	cJSON_free(text);

	free(e.payload);
	e.payload = strdup("[1,2]");
	ck_assert_int_eq(w3w__kafka_envelope(&e, &text, &len), W3W_EINVAL);
	ck_assert_msg(strstr(w3w_error_message(), e.id) != NULL, "message: %s", w3w_error_message());
	free(e.payload);
	e.payload = strdup("{\"broken\":");
	ck_assert_int_eq(w3w__kafka_envelope(&e, &text, &len), W3W_EINVAL);
	free(e.payload);
	e.payload = NULL; /* no payload: an empty object */
	ck_assert_int_eq(w3w__kafka_envelope(&e, &text, &len), W3W_OK);
	ck_assert_ptr_nonnull(strstr(text, "\"payload\":{}"));
	cJSON_free(text);
	e.topic[0] = '\0';
	ck_assert_int_eq(w3w__kafka_envelope(&e, &text, &len), W3W_EINVAL);
}
END_TEST

/* ---- open ---------------------------------------------------------------- */

START_TEST(open_unreachable_fails_unless_lazy)
{
	w3w_backend_config cfg = { W3W_BACKEND_CONFIG_VERSION, 4, 1000, "test" };
	w3w_event_sink *s = (w3w_event_sink *)1;
	w3w_event ev[2];
	unsigned char acked[2] = { 9, 9 };
	char t[128];
	int64_t t0 = now_ms(), took;

	/* port 1 on loopback: nothing listens */
	ck_assert_int_eq(w3w_event_sink_kafka_open(&s, "kafka://127.0.0.1:1", &cfg), W3W_EUNAVAILABLE);
	took = now_ms() - t0;
	ck_assert_ptr_null(s);
	ck_assert_msg(strstr(w3w_error_message(), "kafka 127.0.0.1:1") != NULL, "message: %s", w3w_error_message());
	ck_assert_msg(took < 2500 + slack_ms(), "open took %lld ms with a 1000 ms timeout", (long long)took);
	fprintf(stderr, "kafka open, broker unreachable: failed after %lld ms: %s\n", (long long)took,
		w3w_error_message());

	s = open_sink("kafka://127.0.0.1:1?lazy=1", 1000);
	make_event(&ev[0], topic(t, sizeof t, "lazy"), 1, 0);
	make_event(&ev[1], t, 1, 1);
	t0 = now_ms();
	ck_assert_int_eq(s->publish(s, ev, 2, acked), W3W_EUNAVAILABLE);
	took = now_ms() - t0;
	ck_assert_int_eq(acked[0], 0);
	ck_assert_int_eq(acked[1], 0);
	ck_assert_msg(took <= 1100 + slack_ms(), "publish took %lld ms with a 1000 ms timeout", (long long)took);
	ck_assert_msg(strstr(w3w_error_message(), "2 of 2 events not acknowledged") != NULL, "message: %s",
		w3w_error_message());
	ck_assert_int_eq(s->ping(s), W3W_EUNAVAILABLE);
	s->free(s);
	free_events(ev, 2);

	ck_assert_int_eq(w3w_event_sink_kafka_open(&s, "kafka://127.0.0.1:1?nope=1", &cfg), W3W_EINVAL);
	cfg.version = 42;
	ck_assert_int_eq(w3w_event_sink_kafka_open(&s, kafka_url, &cfg), W3W_EVERSION);
	ck_assert_int_eq(w3w_event_sink_kafka_open(&s, kafka_url, NULL), W3W_OK); /* defaults */
	ck_assert_int_eq(s->ping(s), W3W_OK);
	s->free(s);
}
END_TEST

START_TEST(open_checks_and_creates_topics)
{
	char url[1024], a[128], b[128];
	w3w_backend_config cfg = { W3W_BACKEND_CONFIG_VERSION, 4, 5000, "test" };
	w3w_event_sink *s = NULL;
	rd_kafka_t *rk;

	topic(a, sizeof a, "made-at-open-a");
	topic(b, sizeof b, "made-at-open-b");
	snprintf(url, sizeof url, "%s?topics=%s,%s", kafka_url, a, b);
	{
		int64_t t0 = now_ms();
		s = open_sink(url, 10000);
		fprintf(stderr, "kafka open creating 2 topics: %lld ms\n", (long long)(now_ms() - t0));
	}
	s->free(s);
	/* both exist now, with partitions */
	rk = consumer_new();
	for (int i = 0; i < 2; i++) {
		const struct rd_kafka_metadata *md = NULL;
		rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, i ? b : a, NULL);
		ck_assert_int_eq(rd_kafka_metadata(rk, 0, rkt, &md, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
		ck_assert_int_eq(md->topics[0].err, RD_KAFKA_RESP_ERR_NO_ERROR);
		ck_assert_int_gt(md->topics[0].partition_cnt, 0);
		rd_kafka_metadata_destroy(md);
		rd_kafka_topic_destroy(rkt);
	}
	rd_kafka_destroy(rk);

	/* ".." is a name the broker refuses to create: open says so */
	snprintf(url, sizeof url, "%s?topics=%s,..", kafka_url, a);
	ck_assert_int_eq(w3w_event_sink_kafka_open(&s, url, &cfg), W3W_EUNAVAILABLE);
	ck_assert_ptr_null(s);
	ck_assert_msg(strstr(w3w_error_message(), "topic '..'") != NULL, "message: %s", w3w_error_message());
	fprintf(stderr, "kafka open, bad topic: %s\n", w3w_error_message());
}
END_TEST

/* ---- round trip ---------------------------------------------------------- */

START_TEST(publish_batch_consume_back)
{
	enum { AGGS = 3, PER = 10, N = AGGS * PER };
	w3w_event_sink *s = open_sink(kafka_url, 10000);
	w3w_event ev[N];
	unsigned char acked[N];
	consumed got[N + 8];
	char orders[128], claims[128];
	w3w_event odd[N], even[N];
	size_t nodd = 0, neven = 0, ngot;
	int64_t t0;

	topic(orders, sizeof orders, "order-events");
	topic(claims, sizeof claims, "claim-events");
	/* interleaved aggregates across two topics */
	for (int i = 0; i < N; i++)
		make_event(&ev[i], (i % AGGS) % 2 ? claims : orders, i % AGGS, i / AGGS);
	t0 = now_ms();
	ck_assert_msg(s->publish(s, ev, N, acked) == W3W_OK, "publish: %s", w3w_error_message());
	fprintf(stderr, "kafka publish of %d events to 2 new topics: %lld ms\n", N, (long long)(now_ms() - t0));
	for (int i = 0; i < N; i++)
		ck_assert_int_eq(acked[i], 1);
	for (int i = 0; i < N; i++) {
		if (strcmp(ev[i].topic, orders) == 0) even[neven++] = ev[i];
		else odd[nodd++] = ev[i];
	}

	ngot = consume(orders, got, N + 8, neven, 20000, 500);
	assert_same_per_key(even, neven, got, ngot);
	free_consumed(got, ngot);
	ngot = consume(claims, got, N + 8, nodd, 20000, 500);
	assert_same_per_key(odd, nodd, got, ngot);
	free_consumed(got, ngot);

	ck_assert_int_eq(s->ping(s), W3W_OK);
	ck_assert_int_eq(s->publish(s, ev, 0, acked), W3W_OK);
	s->free(s);
	free_events(ev, N);
}
END_TEST

START_TEST(bad_event_publishes_nothing)
{
	w3w_event_sink *s = open_sink(kafka_url, 10000);
	w3w_event ev[3];
	unsigned char acked[3] = { 7, 7, 7 };
	consumed got[4];
	char t[128];
	size_t ngot;

	topic(t, sizeof t, "bad-input");
	for (int i = 0; i < 3; i++)
		make_event(&ev[i], t, 1, i);
	free(ev[1].payload);
	ev[1].payload = strdup("not json");
	ck_assert_int_eq(s->publish(s, ev, 3, acked), W3W_EINVAL);
	ck_assert_int_eq(acked[0] + acked[1] + acked[2], 0);

	/* the topic then holds only what a later good call sent */
	ck_assert_int_eq(s->publish(s, &ev[2], 1, acked), W3W_OK);
	ngot = consume(t, got, 4, 1, 20000, 1000);
	assert_same_per_key(&ev[2], 1, got, ngot);
	free_consumed(got, ngot);
	s->free(s);
	free_events(ev, 3);
}
END_TEST

START_TEST(many_events_throughput)
{
	enum { N = 2000 };
	w3w_event_sink *s = open_sink(kafka_url, 20000);
	w3w_event *ev = calloc(N, sizeof *ev);
	unsigned char *acked = calloc(N, 1);
	char t[128];
	int64_t t0, took;
	topic(t, sizeof t, "bulk");
	for (int i = 0; i < N; i++)
		make_event(&ev[i], t, i % 50, i / 50);
	/* first call creates the topic; time the second */
	ck_assert_int_eq(s->publish(s, ev, 1, acked), W3W_OK);
	t0 = now_ms();
	for (int off = 0; off < N; off += 200)
		ck_assert_msg(s->publish(s, ev + off, 200, acked + off) == W3W_OK, "publish: %s", w3w_error_message());
	took = now_ms() - t0;
	for (int i = 0; i < N; i++)
		ck_assert_int_eq(acked[i], 1);
	fprintf(stderr, "kafka publish: %d events in batches of 200: %lld ms (%.0f events/s, acks=all)\n",
		N, (long long)took, took > 0 ? N * 1000.0 / (double)took : 0.0);
	s->free(s);
	free_events(ev, N);
	free(ev);
	free(acked);
}
END_TEST

/* ---- the broker going away ----------------------------------------------- */

START_TEST(broker_stopped_then_restarted)
{
	enum { N = 6 };
	const int timeout_ms = 3000;
	w3w_event_sink *s = open_sink(kafka_url, timeout_ms);
	w3w_event before[1], during[N];
	unsigned char acked[N];
	consumed got[N + 8];
	char t[128];
	int64_t t0, took;
	w3w_status st;
	size_t ngot;
	int attempts = 0;

	topic(t, sizeof t, "outage");
	make_event(&before[0], t, 1, 0);
	ck_assert_int_eq(s->publish(s, before, 1, acked), W3W_OK);

	services_ctl("stop");
	for (int i = 0; i < N; i++)
		make_event(&during[i], t, 1 + i % 2, 1 + i);
	memset(acked, 9, sizeof acked);
	t0 = now_ms();
	st = s->publish(s, during, N, acked);
	took = now_ms() - t0;
	ck_assert_int_eq(st, W3W_EUNAVAILABLE);
	for (int i = 0; i < N; i++)
		ck_assert_int_eq(acked[i], 0);
	ck_assert_msg(took <= timeout_ms + 100 + slack_ms(), "publish took %lld ms with a %d ms timeout", (long long)took,
		timeout_ms);
	fprintf(stderr, "kafka down: publish failed after %lld ms (timeout %d): %s\n", (long long)took,
		timeout_ms, w3w_error_message());
	t0 = now_ms();
	ck_assert_int_eq(s->ping(s), W3W_EUNAVAILABLE);
	ck_assert_int_le(now_ms() - t0, timeout_ms + 500 + slack_ms());

	services_ctl("start");
	/* the outbox would retry the same events until they are acknowledged */
	t0 = now_ms();
	do {
		attempts++;
		st = s->publish(s, during, N, acked);
	} while (st != W3W_OK && now_ms() - t0 < 60000);
	ck_assert_msg(st == W3W_OK, "not back after restart: %s", w3w_error_message());
	fprintf(stderr, "kafka back: publish ok %lld ms after start returned (%d attempts)\n",
		(long long)(now_ms() - t0), attempts);

	/* every event once (the failed calls delivered nothing), in order per key */
	{
		w3w_event all[N + 1];
		all[0] = before[0];
		memcpy(all + 1, during, sizeof during);
		ngot = consume(t, got, N + 8, N + 1, 30000, 1000);
		ck_assert_msg(ngot >= N + 1, "consumed %zu of %d", ngot, N + 1);
		if (attempts == 1)
			assert_same_per_key(all, N + 1, got, ngot);
		else /* a call cut short by the restart may have landed in part: duplicates, never gaps */
			assert_delivered_dedup(all, N + 1, got, ngot);
		free_consumed(got, ngot);
	}
	s->free(s);
	free_events(before, 1);
	free_events(during, N);
}
END_TEST

static Suite *kafka_suite(void)
{
	Suite *s = suite_create("kafka_sink");
	TCase *tc = tcase_create("kafka");
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, url_parsing);
	tcase_add_test(tc, envelope_fields);
	tcase_add_test(tc, open_unreachable_fails_unless_lazy);
	tcase_add_test(tc, open_checks_and_creates_topics);
	tcase_add_test(tc, publish_batch_consume_back);
	tcase_add_test(tc, bad_event_publishes_nothing);
	tcase_add_test(tc, many_events_throughput);
	tcase_add_test(tc, broker_stopped_then_restarted); /* last: it restarts the broker */
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;
	w3w__kafka_url u;

	kafka_url = getenv("W3W_TEST_KAFKA_URL");
	if (!kafka_url || !*kafka_url) {
		fprintf(stderr, "W3W_TEST_KAFKA_URL is not set: run under scripts/services/with-services.sh\n");
		return 1;
	}
	if (w3w__kafka_url_parse(&u, kafka_url) != W3W_OK) {
		fprintf(stderr, "W3W_TEST_KAFKA_URL: %s\n", w3w_error_message());
		return 1;
	}
	snprintf(brokers, sizeof brokers, "%s", u.brokers);
	snprintf(run_id, sizeof run_id, "%ld-%ld", (long)getpid(), (long)time(NULL));

	sr = srunner_create(kafka_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

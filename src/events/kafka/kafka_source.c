/*
 * Kafka event source: a consumer of the supply, order and claim topics that
 * hands their events to the context, which invalidates its cache from them.
 * One consumer group per region ("w3wallet-cache-REGION"), so each region
 * reads every event once whichever of its hosts does (invalidation is
 * idempotent: a repeat after a rebalance or a crash costs nothing).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <librdkafka/rdkafka.h>

#include "events/kafka/kafka_url.h"
#include "w3wallet/sys/kafka.h"

typedef struct kafka_source {
	w3w_event_source base;
	rd_kafka_t *rk;
	char brokers[W3W__KAFKA_BROKERS_SIZE];
} kafka_source;

static void copy_text(char *dst, size_t size, const cJSON *v)
{
	snprintf(dst, size, "%s", cJSON_IsString(v) ? v->valuestring : "");
}

/* The message value (see kafka_envelope.h) back into an event; NULL when it is not one of ours. */
static w3w_event *event_of(const void *value, size_t len)
{
	cJSON *j = cJSON_ParseWithLength(value, len);
	const cJSON *payload = j ? cJSON_GetObjectItemCaseSensitive(j, "payload") : NULL;
	w3w_event *e = NULL;

	if (cJSON_IsObject(payload) && cJSON_IsString(cJSON_GetObjectItemCaseSensitive(j, "type")) &&
	    (e = calloc(1, sizeof(*e))) != NULL) {
		copy_text(e->id, sizeof(e->id), cJSON_GetObjectItemCaseSensitive(j, "id"));
		copy_text(e->type, sizeof(e->type), cJSON_GetObjectItemCaseSensitive(j, "type"));
		copy_text(e->topic, sizeof(e->topic), cJSON_GetObjectItemCaseSensitive(j, "topic"));
		copy_text(e->aggregate_id, sizeof(e->aggregate_id), cJSON_GetObjectItemCaseSensitive(j, "aggregate_id"));
		copy_text(e->actor_id, sizeof(e->actor_id), cJSON_GetObjectItemCaseSensitive(j, "actor_id"));
		copy_text(e->region, sizeof(e->region), cJSON_GetObjectItemCaseSensitive(j, "region"));
		if (!(e->payload = cJSON_PrintUnformatted(payload))) {
			free(e);
			e = NULL;
		}
	}
	cJSON_Delete(j);
	return e;
}

static w3w_status source_next(w3w_event_source *src, w3w_event **out, int timeout_ms)
{
	kafka_source *s = (kafka_source *)src;
	rd_kafka_message_t *m = rd_kafka_consumer_poll(s->rk, timeout_ms);
	w3w_status st;

	*out = NULL;
	if (!m)
		return w3w_error_set(W3W_ENOTFOUND, "kafka: no event within %d ms", timeout_ms);
	if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
		st = w3w_error_set(W3W_ENOTFOUND, "kafka: at the end of a partition");
	} else if (m->err) {
		st = w3w_error_set(W3W_EUNAVAILABLE, "kafka %s: %s", s->brokers, rd_kafka_message_errstr(m));
	} else if (!(*out = event_of(m->payload, m->len))) {
		st = w3w_error_set(W3W_ENOTFOUND, "kafka: a message that is not an event envelope was skipped");
	} else {
		st = W3W_OK;
	}
	rd_kafka_message_destroy(m);
	return st;
}

static void source_free(w3w_event_source *src)
{
	kafka_source *s = (kafka_source *)src;
	rd_kafka_consumer_close(s->rk);
	rd_kafka_destroy(s->rk);
	free(s);
}

w3w_status w3w_event_source_kafka_open(w3w_event_source **out, const char *url, const w3w_backend_config *cfg)
{
	static const char *const topics[] = { "supply-events", "order-events", "claim-events" };
	w3w__kafka_url u;
	kafka_source *s;
	rd_kafka_conf_t *conf;
	rd_kafka_topic_partition_list_t *subs;
	char err[512], group[160];
	w3w_status st;

	if (!out)
		return w3w_error_set(W3W_EINVAL, "kafka source: out: NULL");
	*out = NULL;
	if ((st = w3w__kafka_url_parse(&u, url)) != W3W_OK)
		return st;
	snprintf(group, sizeof(group), "w3wallet-cache-%s", cfg && cfg->region && *cfg->region ? cfg->region : "local");
	if (!(s = calloc(1, sizeof(*s))) || !(conf = rd_kafka_conf_new())) {
		free(s);
		return w3w_error_set(W3W_ENOMEM, "kafka source: out of memory");
	}
	snprintf(s->brokers, sizeof(s->brokers), "%s", u.brokers);
	if (rd_kafka_conf_set(conf, "bootstrap.servers", u.brokers, err, sizeof err) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "group.id", group, err, sizeof err) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "client.id", u.client_id, err, sizeof err) != RD_KAFKA_CONF_OK ||
	    /* A region that starts following needs what is committed from now on. */
	    rd_kafka_conf_set(conf, "auto.offset.reset", "latest", err, sizeof err) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "enable.partition.eof", "false", err, sizeof err) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "log.connection.close", "false", err, sizeof err) != RD_KAFKA_CONF_OK ||
	    !(s->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err))) {
		rd_kafka_conf_destroy(conf);
		free(s);
		return w3w_error_set(W3W_EINVAL, "kafka source %s: %s", u.brokers, err);
	}
	rd_kafka_poll_set_consumer(s->rk);
	subs = rd_kafka_topic_partition_list_new(3);
	for (size_t i = 0; i < sizeof(topics) / sizeof(topics[0]); i++)
		rd_kafka_topic_partition_list_add(subs, topics[i], RD_KAFKA_PARTITION_UA);
	rd_kafka_resp_err_t e = rd_kafka_subscribe(s->rk, subs);
	rd_kafka_topic_partition_list_destroy(subs);
	if (e) {
		rd_kafka_destroy(s->rk);
		free(s);
		return w3w_error_set(W3W_EUNAVAILABLE, "kafka source %s: subscribe: %s", u.brokers, rd_kafka_err2str(e));
	}
	s->base.version = W3W_EVENT_SOURCE_VERSION;
	s->base.name = "kafka";
	s->base.next = source_next;
	s->base.free = source_free;
	*out = &s->base;
	return W3W_OK;
}

/*
 * Kafka event sink (librdkafka), for hosts that build a sink by hand or
 * register it under another scheme. w3w_ctx_open() picks it for
 * "kafka://" event URLs. Present when the library was built with librdkafka.
 *
 * URL: kafka://host:port[,host:port...][?option=value&...]
 *   lazy=1          open even when no broker answers (events wait in the
 *                   outbox until one does); without it open fails
 *   client_id=TEXT  client.id seen by the brokers (default "w3wallet")
 *   linger_ms=N     producer batching delay, 0..1000 (default 5)
 *
 * Each event becomes one message: topic = event.topic, key =
 * aggregate_id (per-aggregate order), value = the event as a JSON object
 * {id, type, topic, aggregate_id, actor_id, region, created_at (RFC 3339),
 * payload (object)}. The producer is idempotent with acks=all; publish
 * waits for the delivery reports at most cfg->timeout_ms.
 */
#ifndef W3WALLET_SYS_KAFKA_H
#define W3WALLET_SYS_KAFKA_H

#include "w3wallet/sys/events.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Open a Kafka sink. Without lazy=1 it asks a broker for metadata within
 * cfg->timeout_ms and fails with W3W_EUNAVAILABLE naming the brokers and
 * the reason. `cfg` may be NULL (5000 ms). Free with (*out)->free(*out).
 */
W3W_EXTERN w3w_status w3w_event_sink_kafka_open(w3w_event_sink **out, const char *url,
	const w3w_backend_config *cfg);

/**
 * Open a Kafka event source on the supply, order and claim topics, in the
 * consumer group "w3wallet-cache-REGION" (cfg->region): the hosts of one
 * region share the stream, each region reads all of it. A new group starts
 * at the end of the topics. Offsets are committed as events are handed out.
 */
W3W_EXTERN w3w_status w3w_event_source_kafka_open(w3w_event_source **out, const char *url,
	const w3w_backend_config *cfg);

#ifdef __cplusplus
}
#endif
#endif

/*
 * Event sink interface (for backend authors): where the outbox relay
 * publishes committed events (a JSON-lines file, Kafka, your own).
 * The relay marks an outbox row sent only when the sink acknowledged it,
 * so a sink that is down delays events and never loses them.
 */
#ifndef W3WALLET_SYS_EVENTS_H
#define W3WALLET_SYS_EVENTS_H

#include "w3wallet/events.h"
#include "w3wallet/sys/backend.h"

#ifdef __cplusplus
extern "C" {
#endif

#define W3W_EVENT_SINK_VERSION 1

typedef struct w3w_event_sink w3w_event_sink;

struct w3w_event_sink {
	unsigned int version;   /**< W3W_EVENT_SINK_VERSION */
	const char *name;       /**< "file", "kafka" */
	/**
	 * Publish `count` events in order (key = aggregate_id, topic =
	 * event.topic) and wait, up to the configured timeout, until the sink
	 * durably accepted them. Set acked[i] = 1 for each accepted event.
	 * Returns W3W_OK if all were acked, W3W_EUNAVAILABLE otherwise.
	 */
	w3w_status (*publish)(w3w_event_sink *sink, const w3w_event *events, size_t count,
		unsigned char *acked);
	w3w_status (*ping)(w3w_event_sink *sink);
	void (*free)(w3w_event_sink *sink);
};

/** A handle whose members are all NULL but version and name; or w3w_event_sink_init(). */
#define W3W_EVENT_SINK_INIT(NAME) { .version = W3W_EVENT_SINK_VERSION, .name = (NAME) }
W3W_EXTERN w3w_status w3w_event_sink_init(w3w_event_sink *sink, unsigned int version);

typedef w3w_status (*w3w_event_sink_open_fn)(w3w_event_sink **out, const char *url,
	const w3w_backend_config *cfg);

/** Register an event sink for URL `scheme`. */
W3W_EXTERN w3w_status w3w_event_sink_register(const char *scheme, w3w_event_sink_open_fn open);

/* ---- event sources: the stream of events committed anywhere ------------- */

#define W3W_EVENT_SOURCE_VERSION 1

typedef struct w3w_event_source w3w_event_source;

/**
 * Where a context reads the events committed by every host of every region
 * (Kafka, or your own), to invalidate its cache from them: a write made in
 * another region must not leave this region's cache serving the old value.
 * Delivery may repeat events (invalidation is idempotent).
 */
struct w3w_event_source {
	unsigned int version;   /**< W3W_EVENT_SOURCE_VERSION */
	const char *name;       /**< "kafka" */
	/**
	 * Wait up to `timeout_ms` for the next event; *out is malloc'd with a
	 * malloc'd payload (w3w_event_free). W3W_ENOTFOUND when none arrived,
	 * W3W_EUNAVAILABLE when the source cannot be reached (it keeps trying).
	 */
	w3w_status (*next)(w3w_event_source *src, w3w_event **out, int timeout_ms);
	void (*free)(w3w_event_source *src);
};

/** A handle whose members are all NULL but version and name; or w3w_event_source_init(). */
#define W3W_EVENT_SOURCE_INIT(NAME) { .version = W3W_EVENT_SOURCE_VERSION, .name = (NAME) }
W3W_EXTERN w3w_status w3w_event_source_init(w3w_event_source *src, unsigned int version);

/** cfg->region names the reader: all hosts of one region share one position in the stream. */
typedef w3w_status (*w3w_event_source_open_fn)(w3w_event_source **out, const char *url,
	const w3w_backend_config *cfg);

/** Register an event source for URL `scheme`. */
W3W_EXTERN w3w_status w3w_event_source_register(const char *scheme, w3w_event_source_open_fn open);

#ifdef __cplusplus
}
#endif
#endif

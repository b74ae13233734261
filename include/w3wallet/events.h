/*
 * Events. Every committed command writes one event into the storage's
 * outbox in its own transaction; the relay delivers outbox rows to
 * in-process subscribers and to the configured sink (file, Kafka), and
 * marks them sent only after the sink acknowledged them. Delivery is
 * at-least-once: consumers deduplicate by event id.
 *
 * Types: supply.created, supply.updated, supply.deleted, order.created,
 * order.cancelled, order.claimed, claim.processed, claim.released,
 * wallet.deposited, wallet.withdrawn, wallet.transferred.
 * Topics: supply-events, order-events, claim-events, wallet-events.
 */
#ifndef W3WALLET_EVENTS_H
#define W3WALLET_EVENTS_H

#include "w3wallet/context.h"
#include "w3wallet/id.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct w3w_event {
	int64_t seq;                        /**< outbox position in its storage */
	char id[W3W_ID_SIZE];
	char type[W3W_EVENT_TYPE_SIZE];     /**< "order.claimed" */
	char topic[W3W_EVENT_TYPE_SIZE];    /**< "claim-events" */
	char aggregate_id[W3W_ID_SIZE];     /**< message key: per-aggregate order is kept */
	char actor_id[W3W_ID_SIZE];
	char region[W3W_REGION_SIZE];
	w3w_time created_at;
	char *payload;                      /**< JSON object text, owned by the event */
} w3w_event;

typedef struct w3w_subscription w3w_subscription;

/**
 * Called on the relay thread for each event, in outbox order. Must not
 * block for long and must not call w3w_unsubscribe() on itself.
 */
typedef void (*w3w_event_fn)(const w3w_event *event, void *userdata);

/**
 * Subscribe to events committed from now on (by any process on the same
 * storage). With `fn` NULL the subscription queues up to `queue_capacity`
 * events (default 1024 when 0) for w3w_subscription_next(); when it is
 * full the oldest are dropped and counted. Free with w3w_unsubscribe().
 */
W3W_EXTERN w3w_status w3w_subscribe(w3w_subscription **out, w3w_ctx *ctx,
	w3w_event_fn fn, void *userdata, size_t queue_capacity);

/**
 * Take the next queued event, waiting up to `timeout_ms` (0 = do not
 * wait). W3W_ENOTFOUND when none arrived in time. Free with w3w_event_free().
 */
W3W_EXTERN w3w_status w3w_subscription_next(w3w_event **out, w3w_subscription *sub, int timeout_ms);

/** Events dropped because the queue was full. */
W3W_EXTERN uint64_t w3w_subscription_dropped(const w3w_subscription *sub);

/** Stop and free a subscription. NULL is ignored. */
W3W_EXTERN void w3w_unsubscribe(w3w_subscription *sub);

W3W_EXTERN void w3w_event_free(w3w_event *event);

/**
 * Drive the relay once: deliver up to `max` pending outbox events
 * (0 = a default batch) and report how many in *delivered (may be NULL).
 * Safe with the background relay running; W3W_EUNAVAILABLE if the sink is
 * down (the events stay in the outbox).
 */
W3W_EXTERN w3w_status w3w_events_pump(w3w_ctx *ctx, size_t max, size_t *delivered);

typedef struct w3w_outbox_stats {
	int64_t total;    /**< events ever written */
	int64_t pending;  /**< not yet acknowledged by the sink */
	w3w_time oldest_pending_at; /**< 0 if none: relay lag = now - this */
	int64_t last_seq; /**< highest seq written (0 if none): where a new subscription starts */
} w3w_outbox_stats;

/** Outbox counters (any actor with admin, auditor or service role). */
W3W_EXTERN w3w_status w3w_outbox_stats_get(w3w_outbox_stats *out, w3w_ctx *ctx, const w3w_actor *actor);

/** Events of one aggregate, oldest first. Free with w3w_event_list_free(). */
typedef struct w3w_event_list {
	w3w_event *items;
	size_t count;
	int64_t next_after; /**< the next page's after_seq: seq of the last item (after_seq when none) */
} w3w_event_list;

/**
 * The events of one aggregate (an order's: order.* and claim.*; a supply's;
 * a transfer's) as the outbox keeps them, delivered or not: seq > after_seq,
 * up to `limit` (1..500; 0: 50), oldest first. Roles: admin, auditor or
 * service. W3W_EINVAL when the storage backend cannot list them (outbox
 * table version 1).
 */
W3W_EXTERN w3w_status w3w_events_of(w3w_event_list **out, w3w_ctx *ctx, const w3w_actor *actor,
	const char *aggregate_id, int64_t after_seq, int limit);

W3W_EXTERN void w3w_event_list_free(w3w_event_list *list);

#ifdef __cplusplus
}
#endif
#endif

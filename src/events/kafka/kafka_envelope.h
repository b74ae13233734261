/*
 * The message value for one event: a JSON object
 *   {"id","type","topic","aggregate_id","actor_id","region",
 *    "created_at" (RFC 3339), "payload" (the event's JSON object)}
 */
#ifndef W3W_EVENTS_KAFKA_ENVELOPE_H
#define W3W_EVENTS_KAFKA_ENVELOPE_H

#include "w3wallet/events.h"

/**
 * Build the envelope of `e` into *out (NUL-terminated; free with free()).
 * W3W_EINVAL if the event lacks a topic, a key or its payload is not a
 * JSON object (the message names the event id).
 */
w3w_status w3w__kafka_envelope(const w3w_event *e, char **out, size_t *len);

#endif

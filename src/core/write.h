/*
 * The write pipeline every command follows:
 *
 *   w3w__write_begin()    actor, action, idempotency key, `now`
 *   ... command adds its request fields (idempotency hash) and event payload
 *   w3w__write_prepare()  ids, the outbox event, the audit record
 *   storage->command()    one transaction
 *   w3w__write_finish()   success (a replay too): invalidate cache keys, wake the relay;
 *                         refusal: audit record of its own; frees everything
 */
#ifndef W3W_CORE_WRITE_H
#define W3W_CORE_WRITE_H

#include <cjson/cJSON.h>

#include "core/context.h"
#include "core/trace.h"

#define W3W__INVALIDATE_MAX 8

#define W3W__CACHE_KEY_SIZE (W3W_ID_SIZE + 24)

/* Where a batch gathers its elements' stale cache keys, to drop them in one call. */
typedef struct w3w__key_sink {
	const char **keys;   /* point into the writes' own keys: valid while they live */
	size_t count, cap;
} w3w__key_sink;

typedef struct w3w__write {
	w3w_ctx *ctx;
	const w3w_actor *actor;
	w3w_write_meta *meta;  /* inside the command struct handed to storage */
	cJSON *request;   /* what the caller asked: hashed for idempotency */
	cJSON *payload;   /* the event payload */
	char keys[W3W__INVALIDATE_MAX][W3W__CACHE_KEY_SIZE];
	size_t key_count;
	w3w__key_sink *sink; /* set: finish hands its keys there instead of invalidating them */
	w3w__span command;  /* the command, then */
	w3w__span storage;  /* its storage transaction */
} w3w__write;

/**
 * Start a write of `action` ("claim.create") whose metadata lives in the
 * command struct at `meta`. Returns W3W_EINVAL for a bad key, W3W_ENOMEM.
 */
w3w_status w3w__write_begin(w3w__write *w, w3w_write_meta *meta, w3w_ctx *ctx, const w3w_actor *actor,
	const char *action, const char *idempotency_key);

/** Add a field to both the request (hashed) and the payload. */
void w3w__write_field(w3w__write *w, const char *name, const char *value);
void w3w__write_amount(w3w__write *w, const char *name, w3w_amount value);
/** Add to the payload only (ids and values core generated). */
void w3w__write_payload(w3w__write *w, const char *name, const char *value);
void w3w__write_payload_amount(w3w__write *w, const char *name, w3w_amount value);

/** Build the event `type` on `aggregate_id`, and the audit record on `target_id`. */
w3w_status w3w__write_prepare(w3w__write *w, const char *event_type, const char *aggregate_id,
	const char *target_id);

/** A cache key to drop after commit: printf-style ("order:%s"). */
void w3w__write_invalidate(w3w__write *w, const char *fmt, const char *id);

/** Finish with the storage's status; returns it (keeping its error message). */
w3w_status w3w__write_finish(w3w__write *w, w3w_status status);

/** Record a command refused before it reached storage (forbidden, not found). */
/* Append an audit record of `outcome`, keeping the calling thread's error as it was. */
w3w_status w3w__audit_append_as(w3w_ctx *ctx, const w3w_actor *actor, const char *action,
	const char *target_id, w3w_status outcome);
w3w_status w3w__audit_refusal(w3w_ctx *ctx, const w3w_actor *actor, const char *action,
	const char *target_id, w3w_status status);

#endif

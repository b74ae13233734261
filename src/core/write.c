/* The write pipeline shared by every command (see write.h). */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "core/cache_aside.h"
#include "core/relay.h"
#include "core/replica.h"
#include "core/validate.h"
#include "core/write.h"

static const char *topic_of(const char *event_type)
{
	if (strcmp(event_type, "order.claimed") == 0 || strncmp(event_type, "claim.", 6) == 0)
		return "claim-events";
	if (strncmp(event_type, "order.", 6) == 0)
		return "order-events";
	if (strncmp(event_type, "supply.", 7) == 0)
		return "supply-events";
	return "wallet-events";
}

w3w_status w3w__write_begin(w3w__write *w, w3w_write_meta *meta, w3w_ctx *ctx, const w3w_actor *actor,
	const char *action, const char *idempotency_key)
{
	w3w_status st;
	memset(w, 0, sizeof(*w));
	memset(meta, 0, sizeof(*meta));
	w->meta = meta;
	w->ctx = ctx;
	w->actor = actor;
	if ((st = w3w_idempotency_key_check(idempotency_key)) != W3W_OK)
		return st;
	strcpy(w->meta->actor_id, actor->user_id);
	if (idempotency_key)
		strcpy(w->meta->idem_key, idempotency_key);
	w->meta->now = w3w_time_now();
	w->meta->idem_expires_at = w->meta->now + ctx->opts.idempotency_ttl_s * 1000000;
	snprintf(w->meta->audit.action, sizeof(w->meta->audit.action), "%s", action);
	w->request = cJSON_CreateObject();
	w->payload = cJSON_CreateObject();
	if (!w->request || !w->payload || !cJSON_AddStringToObject(w->request, "action", action)) {
		cJSON_Delete(w->request);
		cJSON_Delete(w->payload);
		w->request = w->payload = NULL;
		return w3w_error_set(W3W_ENOMEM, "%s: out of memory", action);
	}
	w3w__span_begin(&w->command, ctx, w->meta->audit.action, W3W_SPAN_INTERNAL, "");
	return W3W_OK;
}

void w3w__write_payload(w3w__write *w, const char *name, const char *value)
{
	cJSON_AddStringToObject(w->payload, name, value);
}

void w3w__write_payload_amount(w3w__write *w, const char *name, w3w_amount value)
{
	char buf[W3W_AMOUNT_STRLEN];
	w3w_amount_format(buf, sizeof(buf), value);
	w3w__write_payload(w, name, buf);
}

void w3w__write_field(w3w__write *w, const char *name, const char *value)
{
	cJSON_AddStringToObject(w->request, name, value);
	w3w__write_payload(w, name, value);
}

void w3w__write_amount(w3w__write *w, const char *name, w3w_amount value)
{
	char buf[W3W_AMOUNT_STRLEN];
	w3w_amount_format(buf, sizeof(buf), value);
	w3w__write_field(w, name, buf);
}

void w3w__write_invalidate(w3w__write *w, const char *fmt, const char *id)
{
	if (w->key_count == W3W__INVALIDATE_MAX || !id || !*id)
		return;
	snprintf(w->keys[w->key_count++], sizeof(w->keys[0]), fmt, id);
}

w3w_status w3w__write_prepare(w3w__write *w, const char *event_type, const char *aggregate_id,
	const char *target_id)
{
	w3w_event *ev = &w->meta->event;
	w3w_audit_record_v1 *au = &w->meta->audit;
	w3w_trace_context trace;
	char traceparent[W3W_TRACEPARENT_SIZE], *request, *payload;

	/* Consumers follow the request into its event; the command's span is the parent. */
	if (w3w__trace_current(&trace) && w3w_traceparent_format(traceparent, sizeof(traceparent), &trace) == W3W_OK)
		cJSON_AddStringToObject(w->payload, "traceparent", traceparent);
	request = cJSON_PrintUnformatted(w->request);
	payload = cJSON_PrintUnformatted(w->payload);

	if (!request || !payload) {
		cJSON_free(request);
		cJSON_free(payload);
		return w3w_error_set(W3W_ENOMEM, "%s: out of memory", au->action);
	}
	/* The request is hashed as built: fields are added in a fixed order per command. */
	crypto_generichash(w->meta->idem_hash, sizeof(w->meta->idem_hash),
		(const unsigned char *)request, strlen(request), NULL, 0);
	cJSON_free(request);

	w3w_id_new(ev->id, sizeof(ev->id));
	snprintf(ev->type, sizeof(ev->type), "%s", event_type);
	snprintf(ev->topic, sizeof(ev->topic), "%s", topic_of(event_type));
	snprintf(ev->aggregate_id, sizeof(ev->aggregate_id), "%s", aggregate_id);
	strcpy(ev->actor_id, w->actor->user_id);
	snprintf(ev->region, sizeof(ev->region), "%s", w->ctx->opts.region);
	ev->created_at = w->meta->now;
	ev->payload = payload;

	w3w_id_new(au->id, sizeof(au->id));
	strcpy(au->actor_id, w->actor->user_id);
	snprintf(au->target_id, sizeof(au->target_id), "%s", target_id ? target_id : "");
	strcpy(au->outcome, "ok");
	au->created_at = w->meta->now;
	w3w__span_begin(&w->storage, w->ctx, "storage.write", W3W_SPAN_CLIENT, ev->type);
	return W3W_OK;
}

w3w_status w3w__audit_append_as(w3w_ctx *ctx, const w3w_actor *actor, const char *action,
	const char *target_id, w3w_status outcome)
{
	w3w_audit_record rec;
	w3w_trace_context trace;
	w3w_status code = w3w_error_code(), st;
	char message[512];

	snprintf(message, sizeof(message), "%s", w3w_error_message());
	memset(&rec, 0, sizeof(rec));
	w3w_id_new(rec.id, sizeof(rec.id));
	strcpy(rec.actor_id, actor->user_id);
	snprintf(rec.action, sizeof(rec.action), "%s", action);
	snprintf(rec.target_id, sizeof(rec.target_id), "%s", target_id ? target_id : "");
	snprintf(rec.outcome, sizeof(rec.outcome), "%s", w3w_status_name(outcome));
	rec.created_at = w3w_time_now();
	if (w3w__trace_current(&trace))
		strcpy(rec.trace_id, trace.trace_id);
	st = ctx->store.audit.append(ctx->store.handle, &rec);
	if (code != W3W_OK)
		w3w_error_set(code, "%s", message);
	else
		w3w_error_clear();
	return st;
}

w3w_status w3w__audit_refusal(w3w_ctx *ctx, const w3w_actor *actor, const char *action,
	const char *target_id, w3w_status status)
{
	/* Malformed input and outages are not decisions worth a record; an unknown outcome may have committed. */
	if (status == W3W_EINVAL || status == W3W_ENOMEM || status == W3W_EUNAVAILABLE || status == W3W_EUNKNOWN)
		return status;
	/*
	 * A refusal is answered only once it is on record: if the record cannot be written
	 * (the storage busy or down), the caller hears "unavailable" - still true, nothing was
	 * applied - and its retry is refused and recorded then.
	 */
	if (w3w__audit_append_as(ctx, actor, action, target_id, status) != W3W_OK)
		return w3w_error_set(W3W_EUNAVAILABLE, "%s: refused (%s: %s), but its audit record could not be"
			" written; nothing was applied, retry", action, w3w_status_name(status), w3w_error_message());
	return status; /* with the refusal's own message, which the append kept */
}

w3w_status w3w__write_finish(w3w__write *w, w3w_status status)
{
	w3w_time elapsed;
	w3w__span_end(&w->storage, w->ctx, status);
	elapsed = w3w_time_now() - w->meta->now;
	atomic_fetch_add(status == W3W_OK ? &w->ctx->counters.commands_ok : &w->ctx->counters.commands_refused, 1);
	atomic_fetch_add(&w->ctx->counters.command_us, (uint_fast64_t)(elapsed > 0 ? elapsed : 0));
	if (status == W3W_OK) {
		/* A replay too: the first execution's caller may never have got to invalidate. */
		const char *keys[W3W__INVALIDATE_MAX];
		for (size_t i = 0; i < w->key_count; i++) {
			keys[i] = w->keys[i];
			if (w->sink && w->sink->count < w->sink->cap)
				w->sink->keys[w->sink->count++] = w->keys[i];
		}
		if (!w->sink)
			w3w__cache_invalidate(w->ctx, keys, w->key_count);
		w3w__note_commit(w->ctx);
		if (!w->meta->replayed)
			w3w__relay_notify(w->ctx);
	} else if (status != W3W_OK) {
		status = w3w__audit_refusal(w->ctx, w->actor, w->meta->audit.action, w->meta->audit.target_id, status);
	}
	cJSON_free(w->meta->event.payload);
	w->meta->event.payload = NULL;
	cJSON_Delete(w->request);
	cJSON_Delete(w->payload);
	w->request = w->payload = NULL;
	w3w__span_end(&w->command, w->ctx, status);
	return status;
}

/* Reading the events of one aggregate back from the outbox, for operators (see events.h). */
#include <stdlib.h>

#include "core/context.h"
#include "core/query.h"
#include "core/trace.h"
#include "core/validate.h"

/* What the outbox answered: the array and each payload are the backend's malloc'd ones. */
static void events_free(w3w_event *items, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(items[i].payload);
	free(items);
}

static w3w_status read_events(w3w_event_list *list, w3w_ctx *ctx, const char *aggregate_id, int64_t after_seq,
	size_t max)
{
	w3w__span read;
	w3w_status st;

	w3w__span_begin(&read, ctx, "storage.read", W3W_SPAN_CLIENT, "events_of");
	st = ctx->store.outbox.events_of(ctx->store.handle, aggregate_id, after_seq, max, &list->items, &list->count);
	return w3w__span_done(&read, ctx, st);
}

w3w_status w3w_events_of(w3w_event_list **out, w3w_ctx *ctx, const w3w_actor *actor, const char *aggregate_id,
	int64_t after_seq, int limit)
{
	char id[W3W_ID_SIZE];
	w3w_event_list *list;
	w3w__span command;
	w3w_status st;

	if (!out || !ctx)
		return w3w_error_set(W3W_EINVAL, "out/ctx: NULL");
	*out = NULL;
	if ((st = w3w__check_actor(actor)) || (st = w3w__check_id(id, aggregate_id, "aggregate_id")))
		return st;
	if (!w3w__has_role(actor, W3W_ROLE_ADMIN | W3W_ROLE_AUDITOR | W3W_ROLE_SERVICE))
		return w3w_error_set(W3W_EFORBIDDEN, "events: need admin, auditor or service");
	if (after_seq < 0)
		return w3w_error_set(W3W_EINVAL, "after_seq: must be 0 or more");
	if (limit < 0 || limit > W3W_LIST_LIMIT_MAX)
		return w3w_error_set(W3W_EINVAL, "limit: must be 1 to %d (0: %d)", W3W_LIST_LIMIT_MAX,
			W3W__LIST_LIMIT_DEFAULT);
	if (!ctx->store.outbox.events_of)
		return w3w_error_set(W3W_EINVAL, "storage backend '%s' cannot list events (outbox table version %u)",
			ctx->store.name, ctx->store.outbox.version);
	if (!(list = calloc(1, sizeof(*list))))
		return w3w_error_set(W3W_ENOMEM, "events: out of memory");
	w3w__span_begin(&command, ctx, "events.of", W3W_SPAN_INTERNAL, id);
	st = w3w__span_done(&command, ctx, read_events(list, ctx, id, after_seq,
		(size_t)(limit ? limit : W3W__LIST_LIMIT_DEFAULT)));
	if (st != W3W_OK) {
		w3w_event_list_free(list);
		return st;
	}
	list->next_after = list->count ? list->items[list->count - 1].seq : after_seq;
	*out = list;
	return W3W_OK;
}

void w3w_event_list_free(w3w_event_list *list)
{
	if (!list)
		return;
	events_free(list->items, list->count);
	free(list);
}

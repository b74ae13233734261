/* An order's events (order.* and claim.*) from the outbox, oldest first: GET /v1/orders/{id}/events. */
#include <cjson/cJSON.h>

#include "handlers.h"
#include "list_query.h"
#include "server.h"

/* The envelopes as the event sinks write them (w3w_event_to_json); -1 after an error response. */
static int add_envelopes(exchange *ex, cJSON *items, const w3w_event_list *list)
{
	for (size_t i = 0; i < list->count; i++) {
		char *text = NULL;
		w3w_status st = w3w_event_to_json(&text, &list->items[i]);
		cJSON *e = st == W3W_OK ? cJSON_Parse(text) : NULL;
		w3w_string_free(text);
		if (st != W3W_OK) {
			ex_fail(ex, st);
			return -1;
		}
		if (!e) {
			ex_error(ex, 503, "unavailable", "out of memory");
			return -1;
		}
		cJSON_AddItemToArray(items, e);
	}
	return 0;
}

void h_order_events(exchange *ex)
{
	w3w_list_query q;
	w3w_event_list *list = NULL;
	int64_t after;
	w3w_status st;
	cJSON *j;

	/* The route allows only after and limit: the status parser is never reached. */
	if (list_query_after(ex, &after) || list_query_parse(ex, &q, NULL))
		return;
	if ((st = w3w_events_of(&list, ex->srv->ctx, &ex->actor, ex->params[0], after, q.limit)) != W3W_OK) {
		ex_fail(ex, st);
		return;
	}
	j = cJSON_CreateObject();
	if (add_envelopes(ex, cJSON_AddArrayToObject(j, "items"), list) == 0) {
		cJSON_AddNumberToObject(j, "next_after", (double)list->next_after);
		ex_cjson(ex, 200, j);
	} else {
		cJSON_Delete(j);
	}
	w3w_event_list_free(list);
}

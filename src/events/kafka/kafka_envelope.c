#include "events/kafka/kafka_envelope.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "w3wallet/sys/backend.h"

/* A fixed-size text field that must be NUL-terminated within its array. */
#define FIELD_OK(f) (memchr((f), '\0', sizeof(f)) != NULL)

w3w_status w3w__kafka_envelope(const w3w_event *e, char **out, size_t *len)
{
	char when[W3W_TIME_STRLEN];
	cJSON *root, *payload;
	char *text;

	*out = NULL;
	*len = 0;
	if (!FIELD_OK(e->id) || !FIELD_OK(e->type) || !FIELD_OK(e->topic) || !FIELD_OK(e->aggregate_id) ||
	    !FIELD_OK(e->actor_id) || !FIELD_OK(e->region))
		return w3w_error_set(W3W_EINVAL, "event: a text field is not terminated");
	if (!e->topic[0])
		return w3w_error_set(W3W_EINVAL, "event %s: topic is empty", e->id);
	if (!e->aggregate_id[0])
		return w3w_error_set(W3W_EINVAL, "event %s: aggregate_id (the message key) is empty", e->id);
	if (w3w_time_format(when, sizeof when, e->created_at) != W3W_OK)
		return w3w_error_set(W3W_EINVAL, "event %s: created_at out of range", e->id);
	payload = e->payload ? cJSON_Parse(e->payload) : cJSON_CreateObject();
	if (!payload || !cJSON_IsObject(payload)) {
		cJSON_Delete(payload);
		return w3w_error_set(W3W_EINVAL, "event %s: payload is not a JSON object", e->id);
	}

	root = cJSON_CreateObject();
	if (!root ||
	    !cJSON_AddStringToObject(root, "id", e->id) ||
	    !cJSON_AddStringToObject(root, "type", e->type) ||
	    !cJSON_AddStringToObject(root, "topic", e->topic) ||
	    !cJSON_AddStringToObject(root, "aggregate_id", e->aggregate_id) ||
	    !cJSON_AddStringToObject(root, "actor_id", e->actor_id) ||
	    !cJSON_AddStringToObject(root, "region", e->region) ||
	    !cJSON_AddStringToObject(root, "created_at", when)) {
		cJSON_Delete(root);
		cJSON_Delete(payload);
		return w3w_error_set(W3W_ENOMEM, "kafka: out of memory");
	}
	cJSON_AddItemToObject(root, "payload", payload); /* root owns it now */
	text = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	if (!text)
		return w3w_error_set(W3W_ENOMEM, "kafka: out of memory");
	*out = text;
	*len = strlen(text);
	return W3W_OK;
}

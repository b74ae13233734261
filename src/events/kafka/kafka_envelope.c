#include "events/kafka/kafka_envelope.h"

#include <stdlib.h>
#include <string.h>

#include "w3wallet/json.h"
#include "w3wallet/sys/backend.h"

/* A fixed-size text field that must be NUL-terminated within its array. */
#define FIELD_OK(f) (memchr((f), '\0', sizeof(f)) != NULL)

w3w_status w3w__kafka_envelope(const w3w_event *e, char **out, size_t *len)
{
	w3w_status st;

	*out = NULL;
	*len = 0;
	if (!FIELD_OK(e->id) || !FIELD_OK(e->type) || !FIELD_OK(e->topic) || !FIELD_OK(e->aggregate_id) ||
	    !FIELD_OK(e->actor_id) || !FIELD_OK(e->region))
		return w3w_error_set(W3W_EINVAL, "event: a text field is not terminated");
	if (!e->topic[0])
		return w3w_error_set(W3W_EINVAL, "event %s: topic is empty", e->id);
	if (!e->aggregate_id[0])
		return w3w_error_set(W3W_EINVAL, "event %s: aggregate_id (the message key) is empty", e->id);
	/* The same envelope every sink writes. */
	if ((st = w3w_event_to_json(out, e)) != W3W_OK)
		return st;
	*len = strlen(*out);
	return W3W_OK;
}

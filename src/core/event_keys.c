/* Cache keys of a committed event (see event_keys.h). */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/event_keys.h"

typedef struct key_list {
	char (*keys)[W3W__EVENT_KEY_SIZE];
	size_t n;
} key_list;

/* "prefix{payload[field]}", when the payload has that field as a string. */
static void add(key_list *k, const char *prefix, const cJSON *payload, const char *field)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(payload, field);
	if (k->n == W3W__EVENT_KEYS_MAX || !cJSON_IsString(v) || !*v->valuestring)
		return;
	if ((size_t)snprintf(k->keys[k->n], W3W__EVENT_KEY_SIZE, "%s%s", prefix, v->valuestring) < W3W__EVENT_KEY_SIZE)
		k->n++;
}

size_t w3w__event_cache_keys(const w3w_event *ev, char keys[W3W__EVENT_KEYS_MAX][W3W__EVENT_KEY_SIZE])
{
	key_list k = { keys, 0 };
	const char *t = ev->type;
	cJSON *p;

	if (strncmp(t, "supply.", 7) != 0 && strncmp(t, "order.", 6) != 0 && strncmp(t, "claim.", 6) != 0)
		return 0; /* wallet events: balances are not cached */
	if (!ev->payload || !(p = cJSON_Parse(ev->payload)))
		return 0;
	if (strcmp(t, "supply.created") == 0) {
		add(&k, "supplies:user:", p, "user_id");
	} else if (strncmp(t, "supply.", 7) == 0) {
		add(&k, "supply:", p, "supply_id");
		add(&k, "supplies:user:", p, "user_id");
	} else if (strcmp(t, "order.created") == 0) {
		add(&k, "orders:user:", p, "user_id");
	} else if (strcmp(t, "order.cancelled") == 0) {
		add(&k, "order:", p, "order_id");
		add(&k, "orders:user:", p, "order_user_id");
	} else { /* order.claimed, claim.processed, claim.released: user_id is the claimer */
		add(&k, "claim:", p, "claim_id");
		add(&k, "claim:order:", p, "order_id");
		add(&k, "order:", p, "order_id");
		add(&k, "orders:user:", p, "order_user_id");
		add(&k, "supply:", p, "supply_id");
		add(&k, "supplies:user:", p, "user_id");
	}
	cJSON_Delete(p);
	return k.n;
}

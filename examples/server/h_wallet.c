/*
 * Wallet routes: a user's deposit address per chain (derived from the
 * deployment's master seed by the library; never a key in a response).
 */
#include <stdio.h>
#include <string.h>

#include "handlers.h"
#include "json_input.h"
#include "server.h"

static cJSON *wallet_json(const w3w_wallet *w)
{
	char when[W3W_TIME_STRLEN];
	cJSON *j = cJSON_CreateObject();
	w3w_time_format(when, sizeof(when), w->created_at);
	cJSON_AddStringToObject(j, "id", w->id);
	cJSON_AddStringToObject(j, "user_id", w->user_id);
	cJSON_AddStringToObject(j, "chain", w->chain);
	cJSON_AddStringToObject(j, "address", w->address);
	cJSON_AddStringToObject(j, "created_at", when);
	return j;
}

/* The actor's wallet on `chain`, for a retried create: 0 if found. */
static int find_own(exchange *ex, const char *chain, w3w_wallet *out)
{
	w3w_wallets *list = NULL;
	int rc = -1;
	if (w3w_wallet_list(&list, ex->srv->ctx, &ex->actor, NULL) != W3W_OK)
		return -1;
	for (size_t i = 0; i < list->count; i++)
		if (strcmp(list->items[i].chain, chain) == 0) {
			*out = list->items[i];
			rc = 0;
			break;
		}
	w3w_wallets_free(list);
	return rc;
}

void h_wallet_create(exchange *ex)
{
	static const char *const fields[] = { "chain", NULL };
	const char *chain;
	w3w_wallet w;
	w3w_status st;
	if (json_body_object(ex) || json_known_fields(ex, ex->json, "", fields) ||
	    json_string(ex, ex->json, "", "chain", 16, 1, &chain))
		return;
	st = w3w_wallet_create(&w, ex->srv->ctx, &ex->actor, chain);
	/*
	 * One wallet per user and chain, and the library takes no idempotency
	 * key here: a retry carrying an Idempotency-Key gets the wallet its first
	 * attempt created (a record that never changes) instead of the 409.
	 */
	if (st == W3W_ECONFLICT && ex->idempotency_key) {
		char message[256];
		snprintf(message, sizeof(message), "%s", w3w_error_message());
		if (find_own(ex, chain, &w) == 0) {
			ex_cjson(ex, 201, wallet_json(&w));
			return;
		}
		ex_error(ex, 409, "conflict", "%s", message);
		return;
	}
	if (st != W3W_OK) {
		ex_fail(ex, st);
		return;
	}
	ex_cjson(ex, 201, wallet_json(&w));
}

void h_wallet_list(exchange *ex)
{
	w3w_wallets *list = NULL;
	int present;
	const char *user_id = ex_query(ex, "user_id", &present);
	cJSON *arr;
	w3w_status st;
	if (present && (!user_id || !*user_id)) {
		ex_error(ex, 400, "invalid", "user_id: must be a UUID");
		return;
	}
	st = w3w_wallet_list(&list, ex->srv->ctx, &ex->actor, present ? user_id : NULL);
	if (st != W3W_OK) {
		ex_fail(ex, st);
		return;
	}
	arr = cJSON_CreateArray();
	for (size_t i = 0; arr && i < list->count; i++)
		cJSON_AddItemToArray(arr, wallet_json(&list->items[i]));
	w3w_wallets_free(list);
	ex_cjson(ex, 200, arr);
}

/*
 * Sweeps: what moved from deposit addresses to the hot wallets, with the
 * fees it cost (GET /v1/sweeps: admin, service, auditor), and a round run
 * now on one chain (POST /v1/sweeps/run: admin). The watch thread of each
 * chain with sweep_interval_ms runs rounds by itself.
 */
#include <stdlib.h>
#include <string.h>

#include "chains.h"
#include "handlers.h"
#include "json_input.h"
#include "list_query.h"
#include "server.h"

#define SWEEPS_DEFAULT_LIMIT 100

/* {"items": [...]} of a library *_to_json, as its items array; NULL when it failed (already answered). */
static cJSON *items_of(exchange *ex, w3w_status st, char *text)
{
	cJSON *j = NULL, *items;

	if (st == W3W_OK)
		j = cJSON_Parse(text);
	w3w_string_free(text);
	if (st != W3W_OK) {
		ex_fail(ex, st);
		return NULL;
	}
	if (!j || !(items = cJSON_DetachItemFromObjectCaseSensitive(j, "items"))) {
		cJSON_Delete(j);
		ex_error(ex, 500, "internal", "sweeps: out of memory");
		return NULL;
	}
	cJSON_Delete(j);
	return items;
}

/* The fee totals of chain key `key` ("" or NULL: all), as a JSON array. */
static cJSON *fees_of(exchange *ex, const char *key)
{
	w3w_sweep_fee_totals *fees = NULL;
	char *text = NULL;
	w3w_status st = w3w_sweep_fee_totals_get(&fees, ex->srv->ctx, &ex->actor, key);

	if (st == W3W_OK) {
		st = w3w_sweep_fee_totals_to_json(&text, fees);
		w3w_sweep_fee_totals_free(fees);
	}
	return items_of(ex, st, text);
}

void h_sweep_list(exchange *ex)
{
	w3w_sweeps *list = NULL;
	char *text = NULL;
	int has_chain;
	const char *chain = ex_query(ex, "chain", &has_chain);
	const char *key = NULL;
	int limit = SWEEPS_DEFAULT_LIMIT;
	cJSON *items, *fees, *body;
	w3w_status st;

	if (list_query_limit(ex, 500, &limit) != 0)
		return;
	if (has_chain && chain_key_query(ex, chain, &key))
		return;
	st = w3w_sweep_list(&list, ex->srv->ctx, &ex->actor, key, limit);
	if (st == W3W_OK) {
		st = w3w_sweeps_to_json(&text, list);
		w3w_sweeps_free(list);
	}
	if (!(items = items_of(ex, st, text)))
		return;
	if (!(fees = fees_of(ex, key))) {
		cJSON_Delete(items);
		return;
	}
	body = cJSON_CreateObject();
	cJSON_AddItemToObject(body, "items", items);
	cJSON_AddItemToObject(body, "fees", fees);
	ex_cjson(ex, 200, body);
}

void h_sweep_run(exchange *ex)
{
	static const char *const fields[] = { "chain", NULL };
	const char *name = NULL, *label = NULL;
	w3w_sweep_stats s;
	w3w_chain *chain;
	cJSON *body, *stats, *fees;
	w3w_status st;

	if (!(ex->actor.roles & W3W_ROLE_ADMIN)) {
		ex_error(ex, 403, "forbidden", "running a sweep round needs the admin role");
		return;
	}
	if (json_body_object(ex) || json_known_fields(ex, ex->json, "", fields) ||
	    json_string(ex, ex->json, "", "chain", W3W_CHAIN_KEY_SIZE - 1, 1, &name))
		return;
	if (!(chain = chains_find(name, &label))) {
		char names[256];
		chains_names(names, sizeof(names));
		ex_error(ex, 404, "not_found", "chain: %s is not served here (%s)", name, names[0] ? names : "none configured");
		return;
	}
	if ((st = w3w_chain_sweep(chain, &ex->actor, &s)) != W3W_OK) {
		ex_fail(ex, st);
		return;
	}
	if (!(fees = fees_of(ex, w3w_chain_key(chain))))
		return;
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "chain", label);
	cJSON_AddStringToObject(body, "key", w3w_chain_key(chain));
	stats = cJSON_AddObjectToObject(body, "stats");
	cJSON_AddNumberToObject(stats, "addresses", (double)s.addresses);
	cJSON_AddNumberToObject(stats, "planned", (double)s.planned);
	cJSON_AddNumberToObject(stats, "topups", (double)s.topups);
	cJSON_AddNumberToObject(stats, "sent", (double)s.sent);
	cJSON_AddNumberToObject(stats, "confirmed", (double)s.confirmed);
	cJSON_AddNumberToObject(stats, "failed", (double)s.failed);
	cJSON_AddNumberToObject(stats, "pending", (double)s.pending);
	cJSON_AddNumberToObject(stats, "skipped", (double)s.skipped);
	cJSON_AddItemToObject(body, "fees", fees);
	ex_cjson(ex, 200, body);
}

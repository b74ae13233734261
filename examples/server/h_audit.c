/* The audit log's records, in chain order (auditor or admin): GET /v1/audit/records. */

#include <cjson/cJSON.h>
#include <sodium.h>

#include "handlers.h"
#include "list_query.h"
#include "server.h"

/* "" as null, as the other records show an absent id. */
static void add_text_or_null(cJSON *j, const char *name, const char *value)
{
	if (value[0])
		cJSON_AddStringToObject(j, name, value);
	else
		cJSON_AddNullToObject(j, name);
}

static void add_hex(cJSON *j, const char *name, const unsigned char hash[32])
{
	char hex[65];
	sodium_bin2hex(hex, sizeof(hex), hash, 32);
	cJSON_AddStringToObject(j, name, hex);
}

static cJSON *record_json(const w3w_audit_record *r)
{
	char at[W3W_TIME_STRLEN];
	cJSON *j = cJSON_CreateObject();

	w3w_time_format(at, sizeof(at), r->created_at);
	cJSON_AddNumberToObject(j, "chain_pos", (double)r->chain_pos);
	cJSON_AddStringToObject(j, "id", r->id);
	add_text_or_null(j, "actor_id", r->actor_id);
	cJSON_AddStringToObject(j, "action", r->action);
	add_text_or_null(j, "target_id", r->target_id);
	cJSON_AddStringToObject(j, "outcome", r->outcome);
	cJSON_AddStringToObject(j, "created_at", at);
	add_text_or_null(j, "trace_id", r->trace_id);
	add_hex(j, "prev_hash", r->prev_hash);
	add_hex(j, "hash", r->hash);
	return j;
}

void h_audit_records(exchange *ex)
{
	w3w_list_query q;
	w3w_audit_page *page = NULL;
	int64_t after;
	w3w_status st;
	cJSON *j, *items;

	/* The route allows only after and limit: the status parser is never reached. */
	if (list_query_after(ex, &after) || list_query_parse(ex, &q, NULL))
		return;
	st = w3w_audit_read(&page, ex->srv->ctx, &ex->actor, after, q.limit);
	if (st != W3W_OK) {
		ex_fail(ex, st);
		return;
	}
	j = cJSON_CreateObject();
	items = cJSON_AddArrayToObject(j, "items");
	for (size_t i = 0; i < page->count; i++)
		cJSON_AddItemToArray(items, record_json(&page->items[i]));
	cJSON_AddNumberToObject(j, "next_after", (double)page->next_after);
	w3w_audit_page_free(page);
	ex_cjson(ex, 200, j);
}

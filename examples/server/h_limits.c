/*
 * Withdrawal limit routes: where a user stands (GET /v1/limits), and an
 * admin's values (PUT and DELETE /v1/limits). The limits themselves are
 * enforced by the library inside every withdrawal; a refused one answers
 * 422 limit_exceeded from the withdrawal route.
 */
#include <stdio.h>
#include <string.h>

#include "handlers.h"
#include "json_input.h"
#include "server.h"

#define CURRENCY_MAX (W3W_CURRENCY_SIZE - 1)
#define USER_ID_MAX (W3W_ID_SIZE - 1)

/* A query parameter that, when present, must not be empty. */
static int optional_query(exchange *ex, const char *name, const char **out)
{
	int present;
	*out = ex_query(ex, name, &present);
	if (present && (!*out || !**out)) {
		ex_error(ex, 400, "invalid", "%s: must not be empty", name);
		return -1;
	}
	if (!present)
		*out = NULL;
	return 0;
}

void h_limits_get(exchange *ex)
{
	w3w_withdrawal_limits *list = NULL;
	const char *user_id, *currency;
	char *text = NULL;
	w3w_status st;

	if (optional_query(ex, "user_id", &user_id) || optional_query(ex, "currency", &currency))
		return;
	st = w3w_withdrawal_limits_get(&list, ex->srv->ctx, &ex->actor, user_id, currency);
	if (st != W3W_OK) {
		ex_fail(ex, st);
		return;
	}
	st = w3w_withdrawal_limits_to_json(&text, list);
	w3w_withdrawal_limits_free(list);
	ex_record(ex, 200, st, text);
}

/* A limit in the body: an amount string, or null for none; the key itself is required. */
static int limit_field(exchange *ex, const char *field, w3w_amount *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(ex->json, field);
	if (v && cJSON_IsNull(v)) {
		*out = W3W_LIMIT_NONE;
		return 0;
	}
	if (!v) {
		ex_error(ex, 400, "invalid", "%s: missing (an amount, or null for no limit)", field);
		return -1;
	}
	return json_amount(ex, ex->json, "", field, 1, NULL, out);
}

void h_limits_set(exchange *ex)
{
	static const char *const fields[] = { "currency", "user_id", "per_withdrawal", "daily", NULL };
	const char *currency, *user_id = NULL;
	w3w_amount per_withdrawal, daily;
	w3w_withdrawal_limit l;
	char *text = NULL;
	w3w_status st;

	if (json_body_object(ex) || json_known_fields(ex, ex->json, "", fields) ||
	    json_string(ex, ex->json, "", "currency", CURRENCY_MAX, 1, &currency) ||
	    json_string(ex, ex->json, "", "user_id", USER_ID_MAX, 0, &user_id) ||
	    limit_field(ex, "per_withdrawal", &per_withdrawal) || limit_field(ex, "daily", &daily))
		return;
	st = w3w_withdrawal_limit_set(&l, ex->srv->ctx, &ex->actor, user_id, currency, per_withdrawal, daily);
	if (st == W3W_OK)
		st = w3w_withdrawal_limit_to_json(&text, &l);
	ex_record(ex, 200, st, text);
}

void h_limits_clear(exchange *ex)
{
	const char *user_id, *currency;
	cJSON *j;
	w3w_status st;

	if (optional_query(ex, "user_id", &user_id) || optional_query(ex, "currency", &currency))
		return;
	if (!currency) {
		ex_error(ex, 400, "invalid", "currency: missing");
		return;
	}
	st = w3w_withdrawal_limit_clear(ex->srv->ctx, &ex->actor, user_id, currency);
	if (st != W3W_OK) {
		ex_fail(ex, st);
		return;
	}
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "currency", currency);
	if (user_id)
		cJSON_AddStringToObject(j, "user_id", user_id);
	else
		cJSON_AddNullToObject(j, "user_id");
	cJSON_AddBoolToObject(j, "cleared", 1);
	ex_cjson(ex, 200, j);
}

/* Supply routes: a shopper's declared capacity. */
#include <string.h>

#include "handlers.h"
#include "json_input.h"
#include "list_query.h"
#include "server.h"

static void respond_supply(exchange *ex, unsigned int status, w3w_status st, const w3w_supply *s)
{
	char *text = NULL;
	if (st != W3W_OK) {
		ex_fail(ex, st);
		return;
	}
	st = w3w_supply_to_json(&text, s);
	ex_record(ex, status, st, text);
}

void h_supply_create(exchange *ex)
{
	static const char *const fields[] = { "currency", "amount", NULL };
	const char *currency;
	w3w_amount amount;
	w3w_supply s;
	if (json_body_object(ex) || json_known_fields(ex, ex->json, "", fields) ||
	    json_string(ex, ex->json, "", "currency", W3W_CURRENCY_SIZE - 1, 1, &currency) ||
	    json_amount(ex, ex->json, "", "amount", 1, NULL, &amount))
		return;
	respond_supply(ex, 201, w3w_supply_create(&s, ex->srv->ctx, &ex->actor, currency, amount, ex->idempotency_key), &s);
}

void h_supply_get(exchange *ex)
{
	w3w_supply s;
	respond_supply(ex, 200, w3w_supply_get(&s, ex->srv->ctx, &ex->actor, ex->params[0]), &s);
}

void h_supply_list(exchange *ex)
{
	w3w_list_query q;
	w3w_supply_page *page = NULL;
	char *text = NULL;
	w3w_status st;
	if (list_query_parse(ex, &q, w3w_supply_status_parse) != 0)
		return;
	st = w3w_supply_list(&page, ex->srv->ctx, &ex->actor, &q);
	if (st != W3W_OK) {
		ex_fail(ex, st);
		return;
	}
	st = w3w_supply_page_to_json(&text, page);
	w3w_supply_page_free(page);
	ex_record(ex, 200, st, text);
}

void h_supply_update(exchange *ex)
{
	static const char *const fields[] = { "amount", "status", NULL };
	w3w_supply_patch patch = W3W_SUPPLY_PATCH_INIT;
	const char *status = NULL;
	w3w_supply s;
	if (json_body_object(ex) || json_known_fields(ex, ex->json, "", fields) ||
	    json_amount(ex, ex->json, "", "amount", 0, &patch.set_amount, &patch.amount) ||
	    json_string(ex, ex->json, "", "status", 16, 0, &status))
		return;
	if (status) {
		if (strcmp(status, "active") == 0)
			patch.status = W3W_SUPPLY_ACTIVE;
		else if (strcmp(status, "paused") == 0)
			patch.status = W3W_SUPPLY_PAUSED;
		else {
			ex_error(ex, 400, "invalid", "status: must be \"active\" or \"paused\"");
			return;
		}
	}
	if (!patch.set_amount && !status) {
		ex_error(ex, 400, "invalid", "body: nothing to change (give amount and/or status)");
		return;
	}
	respond_supply(ex, 200, w3w_supply_update(&s, ex->srv->ctx, &ex->actor, ex->params[0], &patch,
		ex->idempotency_key), &s);
}

void h_supply_delete(exchange *ex)
{
	w3w_supply s;
	if (json_body_empty(ex) != 0)
		return;
	respond_supply(ex, 200, w3w_supply_delete(&s, ex->srv->ctx, &ex->actor, ex->params[0], ex->idempotency_key), &s);
}

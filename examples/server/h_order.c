/* Order routes: place (escrow held), read, list, cancel. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "json_input.h"
#include "list_query.h"
#include "metrics.h"
#include "server.h"

/* `o` is taken after the call: argument evaluation order would otherwise read it before it is set. */
static void respond_order(exchange *ex, unsigned int status, w3w_status st, w3w_order **op)
{
	char *text = NULL;
	w3w_order *o = *op;
	if (st != W3W_OK) {
		if (st == W3W_EINSUFFICIENT)
			metrics_count(M_INSUFFICIENT_FUNDS);
		ex_fail(ex, st);
		w3w_order_free(o);
		return;
	}
	st = w3w_order_to_json(&text, o);
	w3w_order_free(o);
	ex_record(ex, status, st, text);
}

static int read_item(exchange *ex, const cJSON *j, const char *prefix, size_t index, w3w_order_item *item)
{
	static const char *const fields[] = { "product_id", "product_name", "price", "quantity", NULL };
	char where[64];
	const char *product_id, *product_name;
	long long quantity;
	snprintf(where, sizeof(where), "%sitems[%zu].", prefix, index);
	if (!cJSON_IsObject(j)) {
		ex_error(ex, 400, "invalid", "%sitems[%zu]: must be an object", prefix, index);
		return -1;
	}
	if (json_known_fields(ex, j, where, fields) ||
	    json_string(ex, j, where, "product_id", 64, 1, &product_id) ||
	    json_string(ex, j, where, "product_name", W3W_NAME_SIZE - 1, 1, &product_name) ||
	    json_amount(ex, j, where, "price", 1, NULL, &item->price) ||
	    json_integer(ex, j, where, "quantity", 1, W3W_QUANTITY_MAX, &quantity))
		return -1;
	if (w3w_id_normalize(item->product_id, sizeof(item->product_id), product_id) != W3W_OK) {
		ex_error(ex, 400, "invalid", "%sproduct_id: must be a UUID", where);
		return -1;
	}
	snprintf(item->product_name, sizeof(item->product_name), "%s", product_name);
	item->quantity = quantity;
	return 0;
}

int order_items_read(exchange *ex, const cJSON *obj, const char *prefix, w3w_order_item **out, size_t *count)
{
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(obj, "items"), *j;
	w3w_order_item *list;
	size_t i = 0;

	*out = NULL;
	if (!items) {
		ex_error(ex, 400, "invalid", "%sitems: missing", prefix);
		return -1;
	}
	if (!cJSON_IsArray(items)) {
		ex_error(ex, 400, "invalid", "%sitems: must be an array", prefix);
		return -1;
	}
	*count = (size_t)cJSON_GetArraySize(items);
	if (*count < 1 || *count > W3W_ORDER_ITEMS_MAX) {
		ex_error(ex, 400, "invalid", "%sitems: must hold 1 to %d items", prefix, W3W_ORDER_ITEMS_MAX);
		return -1;
	}
	list = calloc(*count, sizeof(*list));
	if (!list) {
		ex_error(ex, 503, "unavailable", "out of memory");
		return -1;
	}
	cJSON_ArrayForEach(j, items) {
		if (read_item(ex, j, prefix, i, &list[i]) != 0) {
			free(list);
			return -1;
		}
		i++;
	}
	*out = list;
	return 0;
}

void h_order_create(exchange *ex)
{
	static const char *const fields[] = { "currency", "items", NULL };
	const char *currency;
	w3w_order_item *list = NULL;
	w3w_order *order = NULL;
	size_t count = 0;
	if (json_body_object(ex) || json_known_fields(ex, ex->json, "", fields) ||
	    json_string(ex, ex->json, "", "currency", W3W_CURRENCY_SIZE - 1, 1, &currency) ||
	    order_items_read(ex, ex->json, "", &list, &count))
		return;
	respond_order(ex, 201, w3w_order_create(&order, ex->srv->ctx, &ex->actor, currency, list, count,
		ex->idempotency_key), &order);
	free(list);
}

/* The library's JSON as it is: a cached order is never parsed and printed again. */
void h_order_get(exchange *ex)
{
	char *text = NULL;
	w3w_status st = w3w_order_get_json(&text, ex->srv->ctx, &ex->actor, ex->params[0]);
	ex_record(ex, 200, st, text); /* `text` read after the call sets it */
}

void h_order_list(exchange *ex)
{
	w3w_list_query q;
	w3w_order_page *page = NULL;
	char *text = NULL;
	w3w_status st;
	if (list_query_parse(ex, &q, w3w_order_status_parse) != 0)
		return;
	st = w3w_order_list(&page, ex->srv->ctx, &ex->actor, &q);
	if (st != W3W_OK) {
		ex_fail(ex, st);
		return;
	}
	st = w3w_order_page_to_json(&text, page);
	w3w_order_page_free(page);
	ex_record(ex, 200, st, text);
}

void h_order_cancel(exchange *ex)
{
	w3w_order *order = NULL;
	if (json_body_empty(ex) != 0)
		return;
	respond_order(ex, 200, w3w_order_cancel(&order, ex->srv->ctx, &ex->actor, ex->params[0], ex->idempotency_key),
		&order);
}

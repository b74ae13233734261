/*
 * Batch routes (w3wallet/batch.h): POST /v1/batch/{claims,claims/process,deposits,transfers,orders}
 * with {"elements":[...]}, each element the body of the single route plus its own optional
 * "idempotency_key". The batch shares one storage transaction and commit; every element has its
 * own outcome: 200 {"results":[{"status":201,"id":...,"replayed":false} |
 * {"status":409,"error":{"code":"conflict","message":...}}, ...],"ok":n}. A malformed element
 * refuses the whole request (400, nothing run), as any malformed body does; a refusal decided by
 * the library (not found, conflict, funds, rights) is that element's result. The Idempotency-Key
 * header is refused here: a batch has a key per element.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "json_input.h"
#include "metrics.h"
#include "respond.h"
#include "server.h"

#define ID_TEXT_MAX 64

/* What differs between the batch routes: the element's fields and the library call. */
typedef struct batch_route {
	size_t size;                          /* of one request struct */
	unsigned int created;                 /* an element's success, as the single route answers it */
	const char *const *fields;            /* allowed in an element */
	/* Read element `j` into `req`; `where` is "elements[i]." for messages. */
	int (*read)(exchange *ex, const cJSON *j, const char *where, void *req);
	w3w_status (*run)(w3w_batch_results **out, exchange *ex, void *requests, size_t count);
	void (*drop)(void *requests, size_t count);  /* what read allocated, or NULL */
	void (*count)(w3w_status element);           /* metrics per element, or NULL */
} batch_route;

/* Copy an optional or required string field into a fixed-size request field. */
static int text_field(exchange *ex, const cJSON *j, const char *where, const char *name, size_t max, int required,
	char *dst, size_t size)
{
	const char *value = NULL;
	if (json_string(ex, j, where, name, max, required, &value))
		return -1;
	snprintf(dst, size, "%s", value ? value : "");
	return 0;
}
#define TEXT(ex, j, where, req, field, max, required) \
	text_field(ex, j, where, #field, max, required, (req)->field, sizeof((req)->field))

static int read_claim(exchange *ex, const cJSON *j, const char *where, void *req)
{
	w3w_claim_request *r = req;
	return TEXT(ex, j, where, r, order_id, ID_TEXT_MAX, 1) ||
	       TEXT(ex, j, where, r, idempotency_key, W3W_NAME_SIZE - 1, 0);
}

static int read_process(exchange *ex, const cJSON *j, const char *where, void *req)
{
	w3w_process_request *r = req;
	return TEXT(ex, j, where, r, claim_id, ID_TEXT_MAX, 1) ||
	       TEXT(ex, j, where, r, idempotency_key, W3W_NAME_SIZE - 1, 0);
}

static int read_deposit(exchange *ex, const cJSON *j, const char *where, void *req)
{
	w3w_deposit_request *r = req;
	return TEXT(ex, j, where, r, user_id, ID_TEXT_MAX, 1) ||
	       TEXT(ex, j, where, r, currency, W3W_CURRENCY_SIZE - 1, 1) ||
	       json_amount(ex, j, where, "amount", 1, NULL, &r->amount) ||
	       TEXT(ex, j, where, r, reference, W3W_NAME_SIZE - 1, 1) ||
	       TEXT(ex, j, where, r, idempotency_key, W3W_NAME_SIZE - 1, 0);
}

static int read_transfer(exchange *ex, const cJSON *j, const char *where, void *req)
{
	w3w_transfer_request *r = req;
	return TEXT(ex, j, where, r, to_user_id, ID_TEXT_MAX, 1) ||
	       TEXT(ex, j, where, r, currency, W3W_CURRENCY_SIZE - 1, 1) ||
	       json_amount(ex, j, where, "amount", 1, NULL, &r->amount) ||
	       TEXT(ex, j, where, r, idempotency_key, W3W_NAME_SIZE - 1, 0);
}

static int read_order(exchange *ex, const cJSON *j, const char *where, void *req)
{
	w3w_order_request *r = req;
	w3w_order_item *items = NULL;
	if (TEXT(ex, j, where, r, currency, W3W_CURRENCY_SIZE - 1, 1) ||
	    TEXT(ex, j, where, r, idempotency_key, W3W_NAME_SIZE - 1, 0) ||
	    order_items_read(ex, j, where, &items, &r->item_count))
		return -1;
	r->items = items;
	return 0;
}

static void drop_orders(void *requests, size_t count)
{
	w3w_order_request *r = requests;
	for (size_t i = 0; i < count; i++)
		free((void *)r[i].items);
}

static w3w_status run_claims(w3w_batch_results **out, exchange *ex, void *requests, size_t count)
{
	return w3w_claim_batch(out, ex->srv->ctx, &ex->actor, requests, count);
}

static w3w_status run_process(w3w_batch_results **out, exchange *ex, void *requests, size_t count)
{
	return w3w_claim_process_batch(out, ex->srv->ctx, &ex->actor, requests, count);
}

static w3w_status run_deposits(w3w_batch_results **out, exchange *ex, void *requests, size_t count)
{
	return w3w_deposit_batch(out, ex->srv->ctx, &ex->actor, requests, count);
}

static w3w_status run_transfers(w3w_batch_results **out, exchange *ex, void *requests, size_t count)
{
	return w3w_transfer_batch(out, ex->srv->ctx, &ex->actor, requests, count);
}

static w3w_status run_orders(w3w_batch_results **out, exchange *ex, void *requests, size_t count)
{
	return w3w_order_create_batch(out, ex->srv->ctx, &ex->actor, requests, count);
}

static const char *const claim_fields[] = { "order_id", "idempotency_key", NULL };
static const char *const process_fields[] = { "claim_id", "idempotency_key", NULL };
static const char *const deposit_fields[] = { "user_id", "currency", "amount", "reference", "idempotency_key", NULL };
static const char *const transfer_fields[] = { "to_user_id", "currency", "amount", "idempotency_key", NULL };
static const char *const order_fields[] = { "currency", "items", "idempotency_key", NULL };

static const batch_route claims = { sizeof(w3w_claim_request), 201, claim_fields, read_claim, run_claims, NULL,
	metrics_count_claim }; /* as the single claim route counts them */
static const batch_route processes = { sizeof(w3w_process_request), 200, process_fields, read_process, run_process,
	NULL, NULL };
static const batch_route deposits = { sizeof(w3w_deposit_request), 201, deposit_fields, read_deposit, run_deposits,
	NULL, NULL };
static const batch_route transfers = { sizeof(w3w_transfer_request), 201, transfer_fields, read_transfer,
	run_transfers, NULL, NULL };
static const batch_route orders = { sizeof(w3w_order_request), 201, order_fields, read_order, run_orders,
	drop_orders, NULL };

/* One element's result: its HTTP status, and the id or the error as the single route says it. */
static cJSON *element_json(const batch_route *b, const w3w_batch_result *r)
{
	cJSON *o = cJSON_CreateObject(), *err;
	const char *code;
	unsigned int status = r->status == W3W_OK ? b->created : http_status_of(r->status, &code);

	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "status", status);
	if (r->status == W3W_OK) {
		cJSON_AddStringToObject(o, "id", r->id);
		cJSON_AddBoolToObject(o, "replayed", r->replayed);
		return o;
	}
	err = cJSON_AddObjectToObject(o, "error");
	cJSON_AddStringToObject(err, "code", code);
	/* A bug's details stay in the library's words only for the log, as for single routes. */
	cJSON_AddStringToObject(err, "message", status >= 500 ? "internal error" : r->message);
	return o;
}

static void respond(exchange *ex, const batch_route *b, const w3w_batch_results *res)
{
	cJSON *body = cJSON_CreateObject(), *list = body ? cJSON_AddArrayToObject(body, "results") : NULL;

	for (size_t i = 0; list && i < res->count; i++) {
		if (b->count)
			b->count(res->items[i].status);
		cJSON_AddItemToArray(list, element_json(b, &res->items[i]));
	}
	if (!list || cJSON_GetArraySize(list) != (int)res->count) {
		cJSON_Delete(body);
		ex_error(ex, 503, "unavailable", "out of memory");
		return;
	}
	cJSON_AddNumberToObject(body, "ok", (double)res->ok);
	ex_cjson(ex, 200, body);
}

static void run_route(exchange *ex, const batch_route *b)
{
	static const char *const fields[] = { "elements", NULL };
	const cJSON *elements, *j;
	w3w_batch_results *res = NULL;
	size_t count, i = 0;
	char *requests;
	w3w_status st;

	if (ex->idempotency_key) {
		ex_error(ex, 400, "invalid", "Idempotency-Key: a batch takes one idempotency_key per element");
		return;
	}
	if (json_body_object(ex) || json_known_fields(ex, ex->json, "", fields))
		return;
	elements = cJSON_GetObjectItemCaseSensitive(ex->json, "elements");
	if (!cJSON_IsArray(elements)) {
		ex_error(ex, 400, "invalid", "elements: %s", elements ? "must be an array" : "missing");
		return;
	}
	count = (size_t)cJSON_GetArraySize(elements);
	if (count < 1 || count > W3W_BATCH_MAX) {
		ex_error(ex, 400, "invalid", "elements: a batch has 1 to %d elements, not %zu", W3W_BATCH_MAX, count);
		return;
	}
	if (!(requests = calloc(count, b->size))) {
		ex_error(ex, 503, "unavailable", "out of memory");
		return;
	}
	cJSON_ArrayForEach(j, elements) {
		char where[32];
		snprintf(where, sizeof(where), "elements[%zu].", i);
		if (!cJSON_IsObject(j)) {
			ex_error(ex, 400, "invalid", "elements[%zu]: must be an object", i);
			break;
		}
		if (json_known_fields(ex, j, where, b->fields) || b->read(ex, j, where, requests + i * b->size))
			break;
		i++;
	}
	if (i == count) {
		if ((st = b->run(&res, ex, requests, count)) == W3W_OK)
			respond(ex, b, res);
		else
			ex_fail(ex, st);
	}
	w3w_batch_results_free(res);
	if (b->drop)
		b->drop(requests, i);
	free(requests);
}

void h_batch_claims(exchange *ex) { run_route(ex, &claims); }
void h_batch_process(exchange *ex) { run_route(ex, &processes); }
void h_batch_deposits(exchange *ex) { run_route(ex, &deposits); }
void h_batch_transfers(exchange *ex) { run_route(ex, &transfers); }
void h_batch_orders(exchange *ex) { run_route(ex, &orders); }

/* Order commands: create with items (escrow hold), get, list, cancel. */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "core/cache_aside.h"
#include "core/codec.h"
#include "core/commands.h"
#include "core/query.h"
#include "core/replica.h"
#include "core/validate.h"
#include "core/write.h"

/* Copy and check the caller's items; computes the exact total. */
static w3w_status items_prepare(w3w_order *o, const w3w_order_item *items, size_t count)
{
	w3w_amount total = 0;
	w3w_status st;
	char field[64];

	if (!items || count == 0)
		return w3w_error_set(W3W_EINVAL, "items: at least one item");
	if (count > W3W_ORDER_ITEMS_MAX)
		return w3w_error_set(W3W_EINVAL, "items: at most %d items", W3W_ORDER_ITEMS_MAX);
	o->items = calloc(count, sizeof(*o->items));
	if (!o->items)
		return w3w_error_set(W3W_ENOMEM, "items: out of memory");
	o->item_count = count;
	for (size_t i = 0; i < count; i++) {
		const w3w_order_item *in = &items[i];
		w3w_order_item *it = &o->items[i];
		w3w_amount line;

		snprintf(field, sizeof(field), "items[%zu].product_id", i);
		if ((st = w3w__check_id(it->product_id, in->product_id, field)) != W3W_OK)
			return st;
		snprintf(field, sizeof(field), "items[%zu].product_name", i);
		if (memchr(in->product_name, '\0', sizeof(in->product_name)) == NULL)
			return w3w_error_set(W3W_EINVAL, "%s: longer than %d bytes", field, W3W_NAME_SIZE - 1);
		if ((st = w3w__check_text(it->product_name, in->product_name, 1, W3W_NAME_SIZE - 1, field)) != W3W_OK)
			return st;
		snprintf(field, sizeof(field), "items[%zu].price", i);
		if ((st = w3w__check_amount(in->price, field)) != W3W_OK)
			return st;
		if (in->quantity < 1 || in->quantity > W3W_QUANTITY_MAX)
			return w3w_error_set(W3W_EINVAL, "items[%zu].quantity: must be 1..%d", i, W3W_QUANTITY_MAX);
		if (w3w_amount_mul(&line, in->price, in->quantity) != W3W_OK ||
		    w3w_amount_add(&total, total, line) != W3W_OK)
			return w3w_error_set(W3W_EINVAL, "items[%zu]: order amount exceeds 9999999999.99999999", i);
		it->price = in->price;
		it->quantity = in->quantity;
		w3w_id_new(it->id, sizeof(it->id));
	}
	o->amount = total;
	return W3W_OK;
}

/* The request as hashed for idempotency: the items as the caller gave them. */
static void items_request(w3w__write *w, const w3w_order *o)
{
	cJSON *arr = cJSON_AddArrayToObject(w->request, "items");
	for (size_t i = 0; arr && i < o->item_count; i++) {
		char price[W3W_AMOUNT_STRLEN];
		cJSON *it = cJSON_CreateObject();
		if (!it)
			return;
		w3w_amount_format(price, sizeof(price), o->items[i].price);
		cJSON_AddStringToObject(it, "product_id", o->items[i].product_id);
		cJSON_AddStringToObject(it, "product_name", o->items[i].product_name);
		cJSON_AddStringToObject(it, "price", price);
		cJSON_AddNumberToObject(it, "quantity", (double)o->items[i].quantity);
		cJSON_AddItemToArray(arr, it);
	}
}

w3w_status w3w__order_create_prepare(w3w__write *w, w3w_cmd_order_create *cmd, w3w_order *o, w3w_ctx *ctx,
	const w3w_actor *actor, const char *currency, const w3w_order_item *items, size_t item_count,
	const char *idempotency_key)
{
	w3w_status st;

	memset(o, 0, sizeof(*o));
	if (!ctx)
		return w3w_error_set(W3W_EINVAL, "ctx: NULL");
	if ((st = w3w__check_actor(actor)) || (st = w3w__check_currency(o->currency, currency, "currency")) ||
	    (st = items_prepare(o, items, item_count)))
		return st;
	if ((st = w3w__write_begin(w, &cmd->meta, ctx, actor, "order.create", idempotency_key)) != W3W_OK)
		return st;
	w3w__write_field(w, "currency", o->currency);
	items_request(w, o);
	w3w_id_new(o->id, sizeof(o->id));
	strcpy(o->user_id, actor->user_id);
	o->status = W3W_ORDER_OPEN;
	o->created_at = o->updated_at = w->meta->now;
	w3w__write_payload(w, "order_id", o->id);
	w3w__write_payload(w, "user_id", o->user_id);
	w3w__write_payload_amount(w, "amount", o->amount);
	if ((st = w3w__write_prepare(w, "order.created", o->id, o->id)) != W3W_OK)
		return w3w__write_finish(w, st);
	w3w__write_invalidate(w, "orders:user:%s", o->user_id);
	cmd->o = o;
	return W3W_OK;
}

w3w_status w3w__order_create_finish(w3w__write *w, w3w_status st)
{
	return w3w__write_finish(w, st);
}

w3w_status w3w_order_create(w3w_order **out, w3w_ctx *ctx, const w3w_actor *actor,
	const char *currency, const w3w_order_item *items, size_t item_count, const char *idempotency_key)
{
	w3w_cmd_order_create cmd;
	w3w_order o;
	w3w__write w;
	w3w_status st;

	if (out)
		*out = NULL;
	if (!out || !ctx)
		return w3w_error_set(W3W_EINVAL, "out/ctx: NULL");
	st = w3w__order_create_prepare(&w, &cmd, &o, ctx, actor, currency, items, item_count, idempotency_key);
	if (st == W3W_OK)
		st = w3w__order_create_finish(&w, ctx->store.market.order_create(ctx->store.handle, &cmd, out));
	free(o.items);
	return st;
}

#define ORDER_KEYS(key, items_key, id) \
	char key[64], items_key[64]; \
	snprintf(key, sizeof(key), "order:%s", id); \
	snprintf(items_key, sizeof(items_key), "order:%s:items", id)

/* An order from storage (the replica when allowed), then cached as order:{id} and order:{id}:items. */
static w3w_status order_from_storage(w3w_ctx *ctx, const char *id, w3w_order **out)
{
	const w3w__store *from = w3w__reader(ctx);
	w3w__span read;
	w3w_status st;
	ORDER_KEYS(key, items_key, id);

	w3w__span_begin(&read, ctx, "storage.read", W3W_SPAN_CLIENT, "order_get");
	st = w3w__span_done(&read, ctx, from->market.order_get(from->handle, id, out));
	if (st != W3W_OK)
		return st;
	w3w__cache_store(ctx, key, w3w__order_json(*out, 0), W3W__TTL_RECORD);
	w3w__cache_store(ctx, items_key, w3w__order_items_json((*out)->items, (*out)->item_count), W3W__TTL_RECORD);
	return W3W_OK;
}

/* Reads an order with its items through the cache: order:{id} and order:{id}:items, in one round trip. */
static w3w_status order_load(w3w_ctx *ctx, const char *id, w3w_order **out)
{
	cJSON *got[2];
	w3w_order *o;
	ORDER_KEYS(key, items_key, id);
	const char *keys[2] = { key, items_key };

	w3w__cache_lookup_many(ctx, keys, 2, got); /* one round trip (MGET) */
	if (got[0] && got[1] && (o = calloc(1, sizeof(*o))) != NULL) {
		if (w3w__order_from_json(o, got[0]) == W3W_OK &&
		    w3w__order_items_from_json(&o->items, &o->item_count, got[1]) == W3W_OK) {
			cJSON_Delete(got[0]);
			cJSON_Delete(got[1]);
			*out = o;
			return W3W_OK;
		}
		w3w_order_free(o);
	}
	cJSON_Delete(got[0]);
	cJSON_Delete(got[1]);
	w3w_error_clear();
	return order_from_storage(ctx, id, out);
}

/* The same read as order_load, as the API's JSON: a cache hit is joined from the cached texts, unparsed. */
static w3w_status order_json_load(w3w_ctx *ctx, const char *id, char **out)
{
	char *texts[2];
	size_t lens[2];
	w3w_order *o = NULL;
	w3w_status st;
	ORDER_KEYS(key, items_key, id);
	const char *keys[2] = { key, items_key };

	st = w3w__cache_lookup_texts(ctx, keys, 2, texts, lens) /* one round trip (MGET) */
		? w3w__order_json_join(out, texts[0], lens[0], texts[1], lens[1]) : W3W_ENOTFOUND;
	free(texts[0]);
	free(texts[1]);
	w3w__cache_count(ctx, st == W3W_OK, 2);
	if (st == W3W_OK)
		return W3W_OK;
	w3w_error_clear();
	if ((st = order_from_storage(ctx, id, &o)) == W3W_OK)
		st = w3w_order_to_json(out, o);
	w3w_order_free(o);
	return st;
}

/* Arguments, the actor and the id as w3w_order_get and w3w_order_get_json check them; `id` normalized. */
static w3w_status order_get_check(void *out, w3w_ctx *ctx, const w3w_actor *actor, const char *order_id,
	char id[W3W_ID_SIZE])
{
	w3w_status st;
	if (!out || !ctx)
		return w3w_error_set(W3W_EINVAL, "out/ctx: NULL");
	if ((st = w3w__check_actor(actor)) || (st = w3w__check_id(id, order_id, "order_id")))
		return st;
	return W3W_OK;
}

w3w_status w3w_order_get(w3w_order **out, w3w_ctx *ctx, const w3w_actor *actor, const char *order_id)
{
	char id[W3W_ID_SIZE];
	w3w__span command;
	w3w_status st;

	if (out)
		*out = NULL;
	if ((st = order_get_check(out, ctx, actor, order_id, id)))
		return st;
	w3w__span_begin(&command, ctx, "order.get", W3W_SPAN_INTERNAL, id);
	return w3w__span_done(&command, ctx, order_load(ctx, id, out));
}

w3w_status w3w_order_get_json(char **out, w3w_ctx *ctx, const w3w_actor *actor, const char *order_id)
{
	char id[W3W_ID_SIZE];
	w3w__span command;
	w3w_status st;

	if (out)
		*out = NULL;
	if ((st = order_get_check(out, ctx, actor, order_id, id)))
		return st;
	w3w__span_begin(&command, ctx, "order.get", W3W_SPAN_INTERNAL, id);
	return w3w__span_done(&command, ctx, order_json_load(ctx, id, out));
}

/* A page of orders through the cache: only one user's default first page is cached (orders:user:{id}). */
static w3w_status order_page_load(w3w_order_page **out, w3w_ctx *ctx, const w3w_storage_query *sq, int first_page)
{
	w3w__span read;
	w3w_status st;
	char key[64];
	int cacheable = sq->user_id[0] && first_page;

	snprintf(key, sizeof(key), "orders:user:%s", sq->user_id);
	if (cacheable) {
		cJSON *j = w3w__cache_lookup(ctx, key);
		st = j ? w3w__order_page_from_json(out, j) : W3W_ENOTFOUND;
		cJSON_Delete(j);
		if (st == W3W_OK)
			return W3W_OK;
		w3w_error_clear();
	}
	const w3w__store *from = w3w__reader(ctx);
	w3w__span_begin(&read, ctx, "storage.read", W3W_SPAN_CLIENT, "order_list");
	if ((st = w3w__span_done(&read, ctx, from->market.order_list(from->handle, sq, out))) != W3W_OK)
		return st;
	if (cacheable)
		w3w__cache_store(ctx, key, w3w__order_page_json(*out), W3W__TTL_LIST);
	return W3W_OK;
}

w3w_status w3w_order_list(w3w_order_page **out, w3w_ctx *ctx, const w3w_actor *actor,
	const w3w_list_query *query)
{
	w3w_storage_query sq;
	w3w__span command;
	w3w_status st;

	if (!out || !ctx)
		return w3w_error_set(W3W_EINVAL, "out/ctx: NULL");
	*out = NULL;
	if ((st = w3w__check_actor(actor)) || (st = w3w__query_prepare(&sq, query, W3W_ORDER_CANCELLED)))
		return st;
	w3w__span_begin(&command, ctx, "order.list", W3W_SPAN_INTERNAL, sq.user_id);
	return w3w__span_done(&command, ctx, order_page_load(out, ctx, &sq, w3w__query_is_first_page(query)));
}

w3w_status w3w_order_cancel(w3w_order **out, w3w_ctx *ctx, const w3w_actor *actor,
	const char *order_id, const char *idempotency_key)
{
	w3w_cmd_order_cancel cmd;
	w3w_order *result = NULL;
	w3w__write w;
	w3w_status st;

	if (out)
		*out = NULL;
	memset(&cmd, 0, sizeof(cmd));
	if (!ctx)
		return w3w_error_set(W3W_EINVAL, "ctx: NULL");
	if ((st = w3w__check_actor(actor)) || (st = w3w__check_id(cmd.id, order_id, "order_id")))
		return st;
	if ((st = w3w__write_begin(&w, &cmd.meta, ctx, actor, "order.cancel", idempotency_key)) != W3W_OK)
		return st;
	strcpy(cmd.user_id, actor->user_id);
	cmd.any_owner = w3w__has_role(actor, W3W_ROLE_ADMIN);
	w3w__write_field(&w, "order_id", cmd.id);
	if ((st = w3w__write_prepare(&w, "order.cancelled", cmd.id, cmd.id)) == W3W_OK)
		st = ctx->store.market.order_cancel(ctx->store.handle, &cmd, &result);
	if (st == W3W_OK) {
		w3w__write_invalidate(&w, "order:%s", cmd.id);
		w3w__write_invalidate(&w, "orders:user:%s", result->user_id);
	}
	if (out)
		*out = result;
	else
		w3w_order_free(result);
	return w3w__write_finish(&w, st);
}

void w3w_order_free(w3w_order *order)
{
	if (!order)
		return;
	free(order->items);
	free(order);
}

void w3w_order_page_free(w3w_order_page *page)
{
	if (!page)
		return;
	free(page->items);
	free(page);
}

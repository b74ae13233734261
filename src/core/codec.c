/* Records <-> JSON (see codec.h). Amounts are strings, times RFC 3339. */
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "util/decimal.h"
#include "util/time.h"

/* ---- writing ------------------------------------------------------------- */

static void add_amount(cJSON *j, const char *name, w3w_amount a)
{
	char buf[W3W_AMOUNT_STRLEN];
	w3w_amount_format(buf, sizeof(buf), a);
	cJSON_AddStringToObject(j, name, buf);
}

static void add_time(cJSON *j, const char *name, w3w_time t)
{
	char buf[W3W_TIME_STRLEN];
	if (t == 0) {
		cJSON_AddNullToObject(j, name);
		return;
	}
	w3w_time_format(buf, sizeof(buf), t);
	cJSON_AddStringToObject(j, name, buf);
}

static void add_name(cJSON *j, const char *name, const char *value)
{
	cJSON_AddStringToObject(j, name, value ? value : "unknown");
}

cJSON *w3w__supply_json(const w3w_supply *s)
{
	cJSON *j = cJSON_CreateObject();
	if (!j)
		return NULL;
	cJSON_AddStringToObject(j, "id", s->id);
	cJSON_AddStringToObject(j, "user_id", s->user_id);
	cJSON_AddStringToObject(j, "currency", s->currency);
	add_amount(j, "amount", s->amount);
	add_amount(j, "reserved", s->reserved);
	add_name(j, "status", w3w_supply_status_name(s->status));
	add_time(j, "created_at", s->created_at);
	add_time(j, "updated_at", s->updated_at);
	return j;
}

cJSON *w3w__order_items_json(const w3w_order_item *items, size_t count)
{
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; arr && i < count; i++) {
		cJSON *it = cJSON_CreateObject();
		if (!it)
			break;
		cJSON_AddStringToObject(it, "id", items[i].id);
		cJSON_AddStringToObject(it, "product_id", items[i].product_id);
		cJSON_AddStringToObject(it, "product_name", items[i].product_name);
		add_amount(it, "price", items[i].price);
		cJSON_AddNumberToObject(it, "quantity", (double)items[i].quantity);
		cJSON_AddItemToArray(arr, it);
	}
	return arr;
}

cJSON *w3w__order_json(const w3w_order *o, int with_items)
{
	cJSON *j = cJSON_CreateObject();
	if (!j)
		return NULL;
	cJSON_AddStringToObject(j, "id", o->id);
	cJSON_AddStringToObject(j, "user_id", o->user_id);
	cJSON_AddStringToObject(j, "currency", o->currency);
	add_amount(j, "amount", o->amount);
	add_name(j, "status", w3w_order_status_name(o->status));
	if (with_items)
		cJSON_AddItemToObject(j, "items", w3w__order_items_json(o->items, o->item_count));
	add_time(j, "created_at", o->created_at);
	add_time(j, "updated_at", o->updated_at);
	return j;
}

/* The cached header's fields in the order w3w__order_json prints them; each marker after the last. */
static const char *order_head_cut(const char *head, size_t len)
{
	static const char *const marks[] = { "\",\"user_id\":\"", "\",\"currency\":\"", "\",\"amount\":\"",
		"\",\"status\":\"", "\",\"created_at\":", ",\"updated_at\":" };
	const char *p = head + 7, *cut = NULL;

	if (len < 9 || strncmp(head, "{\"id\":\"", 7) != 0 || head[len - 1] != '}')
		return NULL;
	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
		if (!(p = strstr(p, marks[i])))
			return NULL;
		if (i == 4)
			cut = p + 1; /* at the comma before "created_at" */
		p += strlen(marks[i]);
	}
	return cut;
}

w3w_status w3w__order_json_join(char **out, const char *head, size_t head_len, const char *items, size_t items_len)
{
	static const char key[] = ",\"items\":";
	const char *cut = order_head_cut(head, head_len);
	size_t before, n;
	char *text;

	if (!cut || items_len < 2 || items[0] != '[' || items[items_len - 1] != ']' ||
	    (items_len > 2 && strncmp(items, "[{\"id\":\"", 8) != 0))
		return w3w_error_set(W3W_EINVAL, "cached order: not the library's form");
	before = (size_t)(cut - head);
	n = head_len + sizeof(key) - 1 + items_len;
	if (!(text = malloc(n + 1)))
		return w3w_error_set(W3W_ENOMEM, "json: out of memory");
	memcpy(text, head, before);
	memcpy(text + before, key, sizeof(key) - 1);
	memcpy(text + before + sizeof(key) - 1, items, items_len);
	memcpy(text + n - (head_len - before), cut, head_len - before);
	text[n] = '\0';
	*out = text;
	return W3W_OK;
}

cJSON *w3w__claim_json(const w3w_claim *c)
{
	cJSON *j = cJSON_CreateObject();
	if (!j)
		return NULL;
	cJSON_AddStringToObject(j, "id", c->id);
	cJSON_AddStringToObject(j, "order_id", c->order_id);
	cJSON_AddStringToObject(j, "user_id", c->user_id);
	cJSON_AddStringToObject(j, "supply_id", c->supply_id);
	add_name(j, "status", w3w_claim_status_name(c->status));
	add_time(j, "claimed_at", c->claimed_at);
	add_time(j, "processed_at", c->processed_at);
	add_time(j, "released_at", c->released_at);
	return j;
}

w3w_status w3w__json_print(char **out, cJSON *j)
{
	char *text = j ? cJSON_PrintUnformatted(j) : NULL;
	cJSON_Delete(j);
	if (!text)
		return w3w_error_set(W3W_ENOMEM, "json: out of memory");
	*out = text;
	return W3W_OK;
}

w3w_status w3w__json_print_items(char **out, const void *items, size_t count, size_t size,
	cJSON *(*one)(const void *item))
{
	cJSON *j = cJSON_CreateObject();
	cJSON *arr = j ? cJSON_AddArrayToObject(j, "items") : NULL;

	if (!arr) {
		cJSON_Delete(j);
		return w3w_error_set(W3W_ENOMEM, "json: out of memory");
	}
	for (size_t i = 0; i < count; i++)
		cJSON_AddItemToArray(arr, one((const char *)items + i * size));
	return w3w__json_print(out, j);
}

/* ---- public *_to_json ---------------------------------------------------- */

#define CHECK_ARGS(out, rec) \
	do { \
		if (!(out) || !(rec)) \
			return w3w_error_set(W3W_EINVAL, "to_json: NULL argument"); \
	} while (0)

w3w_status w3w_supply_to_json(char **out, const w3w_supply *supply)
{
	CHECK_ARGS(out, supply);
	return w3w__json_print(out, w3w__supply_json(supply));
}

w3w_status w3w_order_to_json(char **out, const w3w_order *order)
{
	CHECK_ARGS(out, order);
	return w3w__json_print(out, w3w__order_json(order, 1));
}

w3w_status w3w_claim_to_json(char **out, const w3w_claim *claim)
{
	CHECK_ARGS(out, claim);
	return w3w__json_print(out, w3w__claim_json(claim));
}

static cJSON *page_json(cJSON *items, const char *next_cursor)
{
	cJSON *j = cJSON_CreateObject();
	if (!j || !items) {
		cJSON_Delete(j);
		cJSON_Delete(items);
		return NULL;
	}
	cJSON_AddItemToObject(j, "items", items);
	if (next_cursor[0])
		cJSON_AddStringToObject(j, "next_cursor", next_cursor);
	else
		cJSON_AddNullToObject(j, "next_cursor");
	return j;
}

cJSON *w3w__supply_page_json(const w3w_supply_page *page)
{
	cJSON *items = cJSON_CreateArray();
	for (size_t i = 0; items && i < page->count; i++)
		cJSON_AddItemToArray(items, w3w__supply_json(&page->items[i]));
	return page_json(items, page->next_cursor);
}

cJSON *w3w__order_page_json(const w3w_order_page *page)
{
	cJSON *items = cJSON_CreateArray();
	for (size_t i = 0; items && i < page->count; i++)
		cJSON_AddItemToArray(items, w3w__order_json(&page->items[i], 0));
	return page_json(items, page->next_cursor);
}

w3w_status w3w_supply_page_to_json(char **out, const w3w_supply_page *page)
{
	CHECK_ARGS(out, page);
	return w3w__json_print(out, w3w__supply_page_json(page));
}

w3w_status w3w_order_page_to_json(char **out, const w3w_order_page *page)
{
	CHECK_ARGS(out, page);
	return w3w__json_print(out, w3w__order_page_json(page));
}

w3w_status w3w_transfer_to_json(char **out, const w3w_transfer *t)
{
	cJSON *j;
	CHECK_ARGS(out, t);
	j = cJSON_CreateObject();
	if (j) {
		cJSON_AddStringToObject(j, "id", t->id);
		add_name(j, "kind", w3w_transfer_kind_name(t->kind));
		cJSON_AddStringToObject(j, "from_user_id", t->from_user_id);
		cJSON_AddStringToObject(j, "to_user_id", t->to_user_id);
		cJSON_AddStringToObject(j, "currency", t->currency);
		add_amount(j, "amount", t->amount);
		cJSON_AddStringToObject(j, "reference", t->reference);
		add_time(j, "created_at", t->created_at);
	}
	return w3w__json_print(out, j);
}

w3w_status w3w_account_list_to_json(char **out, const w3w_account_list *accounts)
{
	cJSON *arr;
	CHECK_ARGS(out, accounts);
	arr = cJSON_CreateArray();
	for (size_t i = 0; arr && i < accounts->count; i++) {
		const w3w_account *a = &accounts->items[i];
		cJSON *j = cJSON_CreateObject();
		if (!j)
			break;
		cJSON_AddStringToObject(j, "currency", a->currency);
		add_amount(j, "balance", a->balance);
		add_amount(j, "held", a->held);
		add_amount(j, "available", a->available);
		cJSON_AddItemToArray(arr, j);
	}
	return w3w__json_print(out, arr);
}

w3w_status w3w_event_to_json(char **out, const w3w_event *e)
{
	cJSON *j, *payload;
	CHECK_ARGS(out, e);
	payload = cJSON_Parse(e->payload ? e->payload : "{}");
	if (!cJSON_IsObject(payload)) {
		cJSON_Delete(payload);
		return w3w_error_set(W3W_EINVAL, "event %s: payload is not a JSON object", e->id);
	}
	j = cJSON_CreateObject();
	if (j) {
		cJSON_AddStringToObject(j, "id", e->id);
		cJSON_AddStringToObject(j, "type", e->type);
		cJSON_AddStringToObject(j, "topic", e->topic);
		cJSON_AddStringToObject(j, "aggregate_id", e->aggregate_id);
		cJSON_AddStringToObject(j, "actor_id", e->actor_id);
		cJSON_AddStringToObject(j, "region", e->region);
		add_time(j, "created_at", e->created_at);
		cJSON_AddItemToObject(j, "payload", payload);
	} else {
		cJSON_Delete(payload);
	}
	return w3w__json_print(out, j);
}

/* ---- reading (cache values) ----------------------------------------------- */

static int get_text(char *out, size_t size, const cJSON *j, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, name);
	if (!cJSON_IsString(v) || strlen(v->valuestring) >= size)
		return -1;
	strcpy(out, v->valuestring);
	return 0;
}

static int get_amount(w3w_amount *out, const cJSON *j, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, name);
	return cJSON_IsString(v) && w3w__amount_parse_signed(out, v->valuestring) == W3W_OK ? 0 : -1;
}

static int get_time(w3w_time *out, const cJSON *j, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, name);
	if (cJSON_IsNull(v)) {
		*out = 0;
		return 0;
	}
	return cJSON_IsString(v) && w3w__time_parse(out, v->valuestring) == W3W_OK ? 0 : -1;
}

typedef w3w_status (*status_parse_fn)(int *out, const char *text);

static int get_status(int *out, const cJSON *j, status_parse_fn parse)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "status");
	return cJSON_IsString(v) && parse(out, v->valuestring) == W3W_OK ? 0 : -1;
}

static w3w_status bad_cache_value(const char *what)
{
	return w3w_error_set(W3W_EINVAL, "cached %s: malformed", what);
}

w3w_status w3w__supply_from_json(w3w_supply *s, const cJSON *j)
{
	int status;
	memset(s, 0, sizeof(*s));
	if (get_text(s->id, sizeof(s->id), j, "id") || get_text(s->user_id, sizeof(s->user_id), j, "user_id") ||
	    get_text(s->currency, sizeof(s->currency), j, "currency") || get_amount(&s->amount, j, "amount") ||
	    get_amount(&s->reserved, j, "reserved") || get_status(&status, j, w3w_supply_status_parse) ||
	    get_time(&s->created_at, j, "created_at") || get_time(&s->updated_at, j, "updated_at"))
		return bad_cache_value("supply");
	s->status = (w3w_supply_status)status;
	return W3W_OK;
}

w3w_status w3w__order_from_json(w3w_order *o, const cJSON *j)
{
	int status;
	memset(o, 0, sizeof(*o));
	if (get_text(o->id, sizeof(o->id), j, "id") || get_text(o->user_id, sizeof(o->user_id), j, "user_id") ||
	    get_text(o->currency, sizeof(o->currency), j, "currency") || get_amount(&o->amount, j, "amount") ||
	    get_status(&status, j, w3w_order_status_parse) ||
	    get_time(&o->created_at, j, "created_at") || get_time(&o->updated_at, j, "updated_at"))
		return bad_cache_value("order");
	o->status = (w3w_order_status)status;
	return W3W_OK;
}

w3w_status w3w__order_items_from_json(w3w_order_item **out, size_t *count, const cJSON *j)
{
	size_t n = (size_t)cJSON_GetArraySize(j), i = 0;
	w3w_order_item *items;
	const cJSON *it;

	if (!cJSON_IsArray(j) || n == 0)
		return bad_cache_value("order items");
	items = calloc(n, sizeof(*items));
	if (!items)
		return w3w_error_set(W3W_ENOMEM, "order items: out of memory");
	cJSON_ArrayForEach(it, j) {
		const cJSON *q = cJSON_GetObjectItemCaseSensitive(it, "quantity");
		if (get_text(items[i].id, sizeof(items[i].id), it, "id") ||
		    get_text(items[i].product_id, sizeof(items[i].product_id), it, "product_id") ||
		    get_text(items[i].product_name, sizeof(items[i].product_name), it, "product_name") ||
		    get_amount(&items[i].price, it, "price") || !cJSON_IsNumber(q)) {
			free(items);
			return bad_cache_value("order items");
		}
		items[i].quantity = (int64_t)q->valuedouble;
		i++;
	}
	*out = items;
	*count = n;
	return W3W_OK;
}

w3w_status w3w__claim_from_json(w3w_claim *c, const cJSON *j)
{
	int status;
	memset(c, 0, sizeof(*c));
	if (get_text(c->id, sizeof(c->id), j, "id") || get_text(c->order_id, sizeof(c->order_id), j, "order_id") ||
	    get_text(c->user_id, sizeof(c->user_id), j, "user_id") ||
	    get_text(c->supply_id, sizeof(c->supply_id), j, "supply_id") ||
	    get_status(&status, j, w3w_claim_status_parse) || get_time(&c->claimed_at, j, "claimed_at") ||
	    get_time(&c->processed_at, j, "processed_at") || get_time(&c->released_at, j, "released_at"))
		return bad_cache_value("claim");
	c->status = (w3w_claim_status)status;
	return W3W_OK;
}

/* ---- pages ------------------------------------------------------------------- */

/* The shared part of both page decoders: the items array's size and the cursor. */
static size_t page_shape(const cJSON *j, const cJSON **items, char *cursor, size_t cursor_size)
{
	const cJSON *next = cJSON_GetObjectItemCaseSensitive(j, "next_cursor");
	*items = cJSON_GetObjectItemCaseSensitive(j, "items");
	if (cJSON_IsString(next) && strlen(next->valuestring) < cursor_size)
		strcpy(cursor, next->valuestring);
	return (size_t)cJSON_GetArraySize(*items);
}

w3w_status w3w__supply_page_from_json(w3w_supply_page **out, const cJSON *j)
{
	w3w_supply_page *page = calloc(1, sizeof(*page));
	const cJSON *items, *it;
	size_t i = 0;

	if (!page)
		return W3W_ENOMEM;
	page->count = page_shape(j, &items, page->next_cursor, sizeof(page->next_cursor));
	if (page->count && !(page->items = calloc(page->count, sizeof(*page->items)))) {
		w3w_supply_page_free(page);
		return W3W_ENOMEM;
	}
	cJSON_ArrayForEach(it, items)
		if (w3w__supply_from_json(&page->items[i++], it) != W3W_OK) {
			w3w_supply_page_free(page);
			return W3W_EINVAL;
		}
	*out = page;
	return W3W_OK;
}

w3w_status w3w__order_page_from_json(w3w_order_page **out, const cJSON *j)
{
	w3w_order_page *page = calloc(1, sizeof(*page));
	const cJSON *items, *it;
	size_t i = 0;

	if (!page)
		return W3W_ENOMEM;
	page->count = page_shape(j, &items, page->next_cursor, sizeof(page->next_cursor));
	if (page->count && !(page->items = calloc(page->count, sizeof(*page->items)))) {
		w3w_order_page_free(page);
		return W3W_ENOMEM;
	}
	cJSON_ArrayForEach(it, items)
		if (w3w__order_from_json(&page->items[i++], it) != W3W_OK) {
			w3w_order_page_free(page);
			return W3W_EINVAL;
		}
	*out = page;
	return W3W_OK;
}

/*
 * Request bodies as w3wallet-server reads them (examples/server/json_input.c):
 * prescan (UTF-8, depth, \u0000), cJSON, trailing data, duplicate keys,
 * then the field getters an order body goes through.
 * Properties: a refusal is a 400 "invalid" with a message; an accepted
 * body is an object within the depth limit with no repeated key, and its
 * canonical print is accepted again and prints the same (the parser and
 * the checks agree with each other on what they let in).
 */
#include "fuzz.h"

#include "json_input.h"

/* The server's response builder (respond.c) pulls in the HTTP layer: record only what the checks need. */
void ex_error(exchange *ex, unsigned int status, const char *code, const char *fmt, ...)
{
	(void)fmt;
	ex->status = status;
	ex->error_code = code;
}

static int depth_of(const cJSON *j)
{
	int d = 0;
	for (const cJSON *c = j->child; c; c = c->next) {
		int cd = depth_of(c);
		if (cd > d)
			d = cd;
	}
	return (cJSON_IsObject(j) || cJSON_IsArray(j)) + d;
}

static int repeats_a_key(const cJSON *node)
{
	for (const cJSON *a = node->child; a; a = a->next) {
		if (cJSON_IsObject(node))
			for (const cJSON *b = a->next; b; b = b->next)
				if (strcmp(a->string, b->string) == 0)
					return 1;
		if (repeats_a_key(a))
			return 1;
	}
	return 0;
}

/* The getters of POST /v1/orders, as h_order.c calls them. */
static void order_fields(exchange *ex)
{
	static const char *const fields[] = { "currency", "items", NULL };
	static const char *const item_fields[] = { "product_id", "product_name", "price", "quantity", NULL };
	const char *s;
	const cJSON *items, *it;
	w3w_amount amount;
	long long q;

	if (json_known_fields(ex, ex->json, "", fields) || json_string(ex, ex->json, "", "currency", 15, 1, &s))
		return;
	items = cJSON_GetObjectItemCaseSensitive(ex->json, "items");
	cJSON_ArrayForEach(it, items) {
		if (!cJSON_IsObject(it))
			return;
		if (json_known_fields(ex, it, "items[0].", item_fields) ||
		    json_string(ex, it, "items[0].", "product_id", 64, 1, &s) ||
		    json_amount(ex, it, "items[0].", "price", 1, NULL, &amount) ||
		    json_integer(ex, it, "items[0].", "quantity", 1, 1000000, &q))
			return;
		FUZZ_CHECK(amount >= 0 && amount <= W3W_AMOUNT_MAX && q >= 1 && q <= 1000000);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	exchange ex, again;
	char *body = fuzz_cstr(data, size), *text;

	memset(&ex, 0, sizeof(ex));
	ex.body = body;
	ex.body_len = size; /* NUL bytes included, as the HTTP layer hands them over */
	if (json_body_object(&ex) != 0) {
		FUZZ_CHECK(ex.status == 400 && strcmp(ex.error_code, "invalid") == 0);
		cJSON_Delete(ex.json);
		free(body);
		return 0;
	}
	FUZZ_CHECK(ex.status == 0 && cJSON_IsObject(ex.json));
	FUZZ_CHECK(depth_of(ex.json) <= JSON_DEPTH_MAX);
	FUZZ_CHECK(!repeats_a_key(ex.json));
	FUZZ_CHECK(memchr(body, '\0', size) == NULL);

	text = cJSON_PrintUnformatted(ex.json);
	FUZZ_CHECK(text != NULL);
	memset(&again, 0, sizeof(again));
	again.body = text;
	again.body_len = strlen(text);
	FUZZ_CHECK(json_body_object(&again) == 0);
	{
		char *text2 = cJSON_PrintUnformatted(again.json);
		FUZZ_CHECK(text2 && strcmp(text, text2) == 0);
		cJSON_free(text2);
	}
	cJSON_Delete(again.json);
	cJSON_free(text);

	order_fields(&ex);
	FUZZ_CHECK(ex.status == 0 || ex.status == 400);
	cJSON_Delete(ex.json);
	free(body);
	return 0;
}

/*
 * Records <-> JSON, one form for the public *_to_json() functions (the HTTP
 * API's shapes) and for cache values, so a cached record reads back exactly.
 */
#ifndef W3W_CORE_CODEC_H
#define W3W_CORE_CODEC_H

#include <cjson/cJSON.h>

#include "w3wallet.h"
#include "w3wallet/sys/backend.h"

cJSON *w3w__supply_json(const w3w_supply *s);
cJSON *w3w__order_json(const w3w_order *o, int with_items);
cJSON *w3w__order_items_json(const w3w_order_item *items, size_t count);
cJSON *w3w__claim_json(const w3w_claim *c);

/** Pages as {items, next_cursor}; lists carry orders without items. */
cJSON *w3w__supply_page_json(const w3w_supply_page *page);
cJSON *w3w__order_page_json(const w3w_order_page *page);

/* Parse back; W3W_EINVAL on any missing or malformed field. */
w3w_status w3w__supply_from_json(w3w_supply *out, const cJSON *j);
/** Order header; items are left NULL. */
w3w_status w3w__order_from_json(w3w_order *out, const cJSON *j);
/** *out malloc'd array of *count items. */
w3w_status w3w__order_items_from_json(w3w_order_item **out, size_t *count, const cJSON *j);
w3w_status w3w__claim_from_json(w3w_claim *out, const cJSON *j);
/** *out allocated like the storage's pages (free with the *_page_free()); W3W_ENOMEM/W3W_EINVAL. */
w3w_status w3w__supply_page_from_json(w3w_supply_page **out, const cJSON *j);
w3w_status w3w__order_page_from_json(w3w_order_page **out, const cJSON *j);

/**
 * An order's API JSON (w3w_order_to_json's exact bytes) from its cached texts: the header as
 * w3w__order_json(o, 0) printed it and the items array, joined without parsing. W3W_EINVAL when
 * either text is not of that form (the caller then reads storage). *out malloc'd.
 */
w3w_status w3w__order_json_join(char **out, const char *head, size_t head_len, const char *items, size_t items_len);

/** Print and delete `j` into *out (caller frees with w3w_string_free / free). */
w3w_status w3w__json_print(char **out, cJSON *j);
/** Print {"items": [one(item) for each of `count` items of `size` bytes]} into *out. */
w3w_status w3w__json_print_items(char **out, const void *items, size_t count, size_t size,
	cJSON *(*one)(const void *item));

#endif

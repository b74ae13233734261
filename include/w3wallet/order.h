/*
 * Orders: a buyer orders items in one currency. amount = Σ price × quantity
 * (exact). Creating an order holds `amount` of the buyer's available funds
 * as escrow. Lifecycle: open -> claimed -> completed, open -> cancelled,
 * claimed -> open when its claim is released.
 */
#ifndef W3WALLET_ORDER_H
#define W3WALLET_ORDER_H

#include "w3wallet/amount.h"
#include "w3wallet/context.h"
#include "w3wallet/id.h"
#include "w3wallet/list.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum w3w_order_status {
	W3W_ORDER_OPEN      = 1,
	W3W_ORDER_CLAIMED   = 2,
	W3W_ORDER_COMPLETED = 3,
	W3W_ORDER_CANCELLED = 4
} w3w_order_status;

#define W3W_ORDER_ITEMS_MAX 100
#define W3W_QUANTITY_MAX    1000000

typedef struct w3w_order_item {
	char id[W3W_ID_SIZE];                /**< set by the library; ignored on input */
	char product_id[W3W_ID_SIZE];        /**< a UUID */
	char product_name[W3W_NAME_SIZE];    /**< 1..255 bytes of UTF-8, no control characters */
	w3w_amount price;                    /**< > 0 */
	int64_t quantity;                    /**< 1..W3W_QUANTITY_MAX */
} w3w_order_item;

typedef struct w3w_order {
	char id[W3W_ID_SIZE];
	char user_id[W3W_ID_SIZE];
	char currency[W3W_CURRENCY_SIZE];
	w3w_amount amount;
	w3w_order_status status;
	w3w_time created_at;
	w3w_time updated_at;
	w3w_order_item *items;  /**< owned by the order; NULL in list pages */
	size_t item_count;
} w3w_order;

typedef struct w3w_order_page {
	w3w_order *items;       /**< orders without their items (use w3w_order_get) */
	size_t count;
	char next_cursor[W3W_CURSOR_SIZE];
} w3w_order_page;

/**
 * Place an order of 1..W3W_ORDER_ITEMS_MAX items for the actor and hold its
 * amount. W3W_EINSUFFICIENT when the actor's available funds are short;
 * W3W_EINVAL names the bad item field ("items[2].price: ..."). Caller frees
 * *out with w3w_order_free().
 */
W3W_EXTERN w3w_status w3w_order_create(w3w_order **out, w3w_ctx *ctx, const w3w_actor *actor,
	const char *currency, const w3w_order_item *items, size_t item_count,
	const char *idempotency_key);

/** One order with its items; any user may read orders (the marketplace is public). */
W3W_EXTERN w3w_status w3w_order_get(w3w_order **out, w3w_ctx *ctx, const w3w_actor *actor,
	const char *order_id);

/**
 * w3w_order_get's order as the JSON w3w_order_to_json() would print for it
 * (same checks, same bytes), made without building the record: a cache hit
 * is joined from the cached texts. Caller frees *out with w3w_string_free().
 */
W3W_EXTERN w3w_status w3w_order_get_json(char **out, w3w_ctx *ctx, const w3w_actor *actor,
	const char *order_id);

/** Orders, oldest first, filtered by query->user_id and query->status (W3W_ORDER_*). */
W3W_EXTERN w3w_status w3w_order_list(w3w_order_page **out, w3w_ctx *ctx, const w3w_actor *actor,
	const w3w_list_query *query);

/**
 * Cancel an open order (owner or admin) and release its escrow.
 * A claimed order is W3W_ECONFLICT; completed or cancelled is W3W_ESTATE.
 * `out` may be NULL.
 */
W3W_EXTERN w3w_status w3w_order_cancel(w3w_order **out, w3w_ctx *ctx, const w3w_actor *actor,
	const char *order_id, const char *idempotency_key);

W3W_EXTERN void w3w_order_free(w3w_order *order);
W3W_EXTERN void w3w_order_page_free(w3w_order_page *page);

/** "open", "claimed", "completed", "cancelled" (NULL for unknown). */
W3W_EXTERN const char *w3w_order_status_name(int status);
W3W_EXTERN w3w_status w3w_order_status_parse(int *out, const char *text);

#ifdef __cplusplus
}
#endif
#endif

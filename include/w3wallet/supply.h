/*
 * Supplies: a shopper's declared capacity in one currency. `amount` is
 * offered, `reserved` is held by live claims (reserved <= amount).
 */
#ifndef W3WALLET_SUPPLY_H
#define W3WALLET_SUPPLY_H

#include "w3wallet/amount.h"
#include "w3wallet/context.h"
#include "w3wallet/id.h"
#include "w3wallet/list.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum w3w_supply_status {
	W3W_SUPPLY_ACTIVE    = 1,
	W3W_SUPPLY_PAUSED    = 2, /**< not used for new claims */
	W3W_SUPPLY_EXHAUSTED = 3, /**< amount reached 0 (raising it makes it active again) */
	W3W_SUPPLY_DELETED   = 4
} w3w_supply_status;

typedef struct w3w_supply {
	char id[W3W_ID_SIZE];
	char user_id[W3W_ID_SIZE];
	char currency[W3W_CURRENCY_SIZE];
	w3w_amount amount;
	w3w_amount reserved;
	w3w_supply_status status;
	w3w_time created_at;
	w3w_time updated_at;
} w3w_supply;

/** A page of a list. Free with the matching *_page_free(). */
typedef struct w3w_supply_page {
	w3w_supply *items;
	size_t count;
	char next_cursor[W3W_CURSOR_SIZE]; /**< "" on the last page */
} w3w_supply_page;

/** What w3w_supply_update() changes. Initialize with W3W_SUPPLY_PATCH_INIT. */
typedef struct w3w_supply_patch {
	int set_amount;    /**< nonzero: set `amount` */
	w3w_amount amount;
	int status;        /**< 0 = unchanged, W3W_SUPPLY_ACTIVE or W3W_SUPPLY_PAUSED */
} w3w_supply_patch;

#define W3W_SUPPLY_PATCH_INIT { 0, 0, 0 }

/** Declare capacity of the actor in `currency` (amount > 0). */
W3W_EXTERN w3w_status w3w_supply_create(w3w_supply *out, w3w_ctx *ctx, const w3w_actor *actor,
	const char *currency, w3w_amount amount, const char *idempotency_key);

/** One supply: its owner or an admin (others get W3W_ENOTFOUND, not revealing it exists). */
W3W_EXTERN w3w_status w3w_supply_get(w3w_supply *out, w3w_ctx *ctx, const w3w_actor *actor,
	const char *supply_id);

/** Supplies of the actor (or of query->user_id: admin only), oldest first. */
W3W_EXTERN w3w_status w3w_supply_list(w3w_supply_page **out, w3w_ctx *ctx, const w3w_actor *actor,
	const w3w_list_query *query);

W3W_EXTERN void w3w_supply_page_free(w3w_supply_page *page);

/**
 * Change amount and/or status (owner). Lowering amount below reserved is
 * W3W_ECONFLICT; a deleted supply is W3W_ESTATE.
 */
W3W_EXTERN w3w_status w3w_supply_update(w3w_supply *out, w3w_ctx *ctx, const w3w_actor *actor,
	const char *supply_id, const w3w_supply_patch *patch, const char *idempotency_key);

/** Mark deleted (owner). W3W_ECONFLICT while claims hold reservations. */
W3W_EXTERN w3w_status w3w_supply_delete(w3w_supply *out, w3w_ctx *ctx, const w3w_actor *actor,
	const char *supply_id, const char *idempotency_key);

/** "active", "paused", "exhausted", "deleted" (NULL for unknown). */
W3W_EXTERN const char *w3w_supply_status_name(int status);
/** Inverse of w3w_supply_status_name(); W3W_EINVAL for unknown text. */
W3W_EXTERN w3w_status w3w_supply_status_parse(int *out, const char *text);

#ifdef __cplusplus
}
#endif
#endif

/*
 * Claims: a shopper claims an open order of someone else. At most one live
 * (pending or processed) claim per order, under any concurrency, across
 * processes: the storage decides, the loser gets W3W_ECONFLICT.
 */
#ifndef W3WALLET_CLAIM_H
#define W3WALLET_CLAIM_H

#include "w3wallet/amount.h"
#include "w3wallet/context.h"
#include "w3wallet/id.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum w3w_claim_status {
	W3W_CLAIM_PENDING   = 1,
	W3W_CLAIM_PROCESSED = 2,
	W3W_CLAIM_RELEASED  = 3
} w3w_claim_status;

typedef struct w3w_claim {
	char id[W3W_ID_SIZE];
	char order_id[W3W_ID_SIZE];
	char user_id[W3W_ID_SIZE];    /**< the shopper who claimed */
	char supply_id[W3W_ID_SIZE];  /**< the supply that reserved the order's amount */
	w3w_claim_status status;
	w3w_time claimed_at;
	w3w_time processed_at;        /**< 0 until processed */
	w3w_time released_at;         /**< 0 unless released */
} w3w_claim;

/**
 * Claim an open order for the actor. In one transaction the order becomes
 * claimed, the actor's oldest active supply in the order's currency with
 * enough unreserved capacity reserves the order amount, and a pending claim
 * is written. Errors: W3W_ENOTFOUND (no such order), W3W_EFORBIDDEN (own
 * order), W3W_ECONFLICT (already claimed or completed), W3W_ESTATE
 * (cancelled), W3W_EINSUFFICIENT (no supply with enough capacity).
 */
W3W_EXTERN w3w_status w3w_claim_order(w3w_claim *out, w3w_ctx *ctx, const w3w_actor *actor,
	const char *order_id, const char *idempotency_key);

/** One claim: the claimer, the order's owner, admin or service. */
W3W_EXTERN w3w_status w3w_claim_get(w3w_claim *out, w3w_ctx *ctx, const w3w_actor *actor,
	const char *claim_id);

/** The live (pending or processed) claim of an order, W3W_ENOTFOUND if none. Same rights as w3w_claim_get. */
W3W_EXTERN w3w_status w3w_claim_get_by_order(w3w_claim *out, w3w_ctx *ctx, const w3w_actor *actor,
	const char *order_id);

/**
 * Settle a pending claim (order owner, admin or service): escrow moves from
 * the buyer to the shopper, the supply's amount and reserved drop by the
 * order amount, the order is completed and the claim processed.
 * Processing twice is W3W_ESTATE.
 */
W3W_EXTERN w3w_status w3w_claim_process(w3w_claim *out, w3w_ctx *ctx, const w3w_actor *actor,
	const char *claim_id, const char *idempotency_key);

/**
 * Release a pending claim (the claimer or admin): the reservation is freed,
 * the order is open again with its escrow still held, the claim stays on
 * record as released.
 */
W3W_EXTERN w3w_status w3w_claim_release(w3w_claim *out, w3w_ctx *ctx, const w3w_actor *actor,
	const char *claim_id, const char *idempotency_key);

/** "pending", "processed", "released" (NULL for unknown). */
W3W_EXTERN const char *w3w_claim_status_name(int status);
W3W_EXTERN w3w_status w3w_claim_status_parse(int *out, const char *text);

#ifdef __cplusplus
}
#endif
#endif

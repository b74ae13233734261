/*
 * Batched commands: many commands of one actor in one call, one storage
 * round trip and one commit (TigerBeetle's lesson: the round trip and the
 * commit are the cost of a command, so share them).
 *
 * What is atomic: each ELEMENT. An element is exactly the single command
 * (w3w_claim_order, w3w_deposit, ...): the same checks, the same rights,
 * the same outbox event and audit record, applied whole or not at all.
 * One element's refusal (order already claimed, funds short, bad input)
 * does not fail the others: each has its own outcome. Races decide as for
 * single commands: one winner per order, whatever the batches.
 *
 * What is shared: the storage transaction, its commit and its round trip.
 * Elements are decided one after the other inside it, so a later element
 * sees what earlier ones did: in request order (SQLite: a savepoint each;
 * PostgreSQL: decided in memory by one set-based call, then written a table
 * at a time), except claims on PostgreSQL, decided in order-id order so that
 * racing batches cannot deadlock (the first of two elements for one order
 * still wins). If the storage fails as a whole (unreachable,
 * timed out: a batch has the storage's timeout_ms like any command) the
 * call fails and no element was applied (W3W_EUNAVAILABLE), or, when the
 * answer to the commit was lost, W3W_EUNKNOWN: retry the batch with the
 * same idempotency keys, which replay what had committed.
 *
 * Idempotency is per element: each element's key (optional) is the key of
 * the single command, scoped by the actor, so a retried batch replays
 * every element that committed and runs the others; the same key may be
 * used by a single command and a batch element interchangeably.
 *
 * Every call takes 1..W3W_BATCH_MAX elements (0 or more is W3W_EINVAL,
 * nothing run) and answers W3W_OK when the batch ran, whatever its
 * elements' outcomes; *out then holds one result per element, in request
 * order. Free it with w3w_batch_results_free().
 */
#ifndef W3WALLET_BATCH_H
#define W3WALLET_BATCH_H

#include "w3wallet/amount.h"
#include "w3wallet/context.h"
#include "w3wallet/id.h"
#include "w3wallet/order.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most elements of one batch. */
#define W3W_BATCH_MAX 8190
#define W3W_BATCH_MESSAGE_SIZE 256

/** One element's outcome. */
typedef struct w3w_batch_result {
	w3w_status status;                    /**< W3W_OK or the element's refusal (W3W_E*) */
	int replayed;                         /**< 1: its idempotency key replayed a first execution */
	char id[W3W_ID_SIZE];                 /**< on success: the claim, transfer or order id */
	char message[W3W_BATCH_MESSAGE_SIZE]; /**< "" on success, else why (as w3w_error_message()) */
} w3w_batch_result;

/** The outcomes of a batch, one per element in request order. */
typedef struct w3w_batch_results {
	w3w_batch_result *items;
	size_t count;
	size_t ok;                            /**< how many elements succeeded */
} w3w_batch_results;

/** Claim an order (w3w_claim_order). */
typedef struct w3w_claim_request {
	char order_id[W3W_ID_SIZE];
	char idempotency_key[W3W_NAME_SIZE];  /**< "" = none */
} w3w_claim_request;

/** Credit a user from outside (w3w_deposit; the actor needs service or admin). */
typedef struct w3w_deposit_request {
	char user_id[W3W_ID_SIZE];
	char currency[W3W_CURRENCY_SIZE];
	w3w_amount amount;
	char reference[W3W_NAME_SIZE];        /**< unique among deposits */
	char idempotency_key[W3W_NAME_SIZE];
} w3w_deposit_request;

/** Move the actor's funds to another user (w3w_transfer_funds). */
typedef struct w3w_transfer_request {
	char to_user_id[W3W_ID_SIZE];
	char currency[W3W_CURRENCY_SIZE];
	w3w_amount amount;
	char idempotency_key[W3W_NAME_SIZE];
} w3w_transfer_request;

/** Place an order (w3w_order_create); `items` stay the caller's. */
typedef struct w3w_order_request {
	char currency[W3W_CURRENCY_SIZE];
	const w3w_order_item *items;
	size_t item_count;
	char idempotency_key[W3W_NAME_SIZE];
} w3w_order_request;

/** Settle a pending claim (w3w_claim_process). */
typedef struct w3w_process_request {
	char claim_id[W3W_ID_SIZE];
	char idempotency_key[W3W_NAME_SIZE];
} w3w_process_request;

W3W_EXTERN w3w_status w3w_claim_batch(w3w_batch_results **out, w3w_ctx *ctx, const w3w_actor *actor,
	const w3w_claim_request *requests, size_t count);
W3W_EXTERN w3w_status w3w_deposit_batch(w3w_batch_results **out, w3w_ctx *ctx, const w3w_actor *actor,
	const w3w_deposit_request *requests, size_t count);
W3W_EXTERN w3w_status w3w_transfer_batch(w3w_batch_results **out, w3w_ctx *ctx, const w3w_actor *actor,
	const w3w_transfer_request *requests, size_t count);
W3W_EXTERN w3w_status w3w_order_create_batch(w3w_batch_results **out, w3w_ctx *ctx, const w3w_actor *actor,
	const w3w_order_request *requests, size_t count);
/** Each element reads its claim first (as w3w_claim_process does); the writes share one commit. */
W3W_EXTERN w3w_status w3w_claim_process_batch(w3w_batch_results **out, w3w_ctx *ctx, const w3w_actor *actor,
	const w3w_process_request *requests, size_t count);

W3W_EXTERN void w3w_batch_results_free(w3w_batch_results *results);

#ifdef __cplusplus
}
#endif
#endif

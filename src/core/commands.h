/*
 * The write commands a batch runs, each in two halves so that many can
 * share one storage call between them (see batch.c):
 *
 *   *_prepare()  validate, check rights, build the storage command and its
 *                write (w3w__write). On failure the write is finished (a
 *                refusal audited) and the status returned: nothing to undo.
 *   storage      the single command's member, or the batch member
 *   *_finish()   with the storage's status: cache keys, out, w3w__write_finish.
 *
 * The single commands (w3w_claim_order, ...) are prepare, storage, finish.
 */
#ifndef W3W_CORE_COMMANDS_H
#define W3W_CORE_COMMANDS_H

#include "core/write.h"

w3w_status w3w__claim_create_prepare(w3w__write *w, w3w_cmd_claim_create *cmd, w3w_ctx *ctx,
	const w3w_actor *actor, const char *order_id, const char *idempotency_key);
w3w_status w3w__claim_create_finish(w3w__write *w, w3w_cmd_claim_create *cmd, const w3w_claim *result,
	w3w_status st);

/** `current` receives the claim as stored before processing. */
w3w_status w3w__claim_process_prepare(w3w__write *w, w3w_cmd_claim_process *cmd, w3w_claim *current,
	w3w_ctx *ctx, const w3w_actor *actor, const char *claim_id, const char *idempotency_key);
w3w_status w3w__claim_process_finish(w3w__write *w, w3w_cmd_claim_process *cmd, const w3w_claim *result,
	w3w_status st);

w3w_status w3w__deposit_prepare(w3w__write *w, w3w_cmd_transfer *cmd, w3w_ctx *ctx, const w3w_actor *actor,
	const char *user_id, const char *currency, w3w_amount amount, const char *reference,
	const char *idempotency_key);
w3w_status w3w__transfer_funds_prepare(w3w__write *w, w3w_cmd_transfer *cmd, w3w_ctx *ctx,
	const w3w_actor *actor, const char *to_user_id, const char *currency, w3w_amount amount,
	const char *idempotency_key);
/** Deposits, withdrawals and transfers alike. */
w3w_status w3w__transfer_finish(w3w__write *w, w3w_status st);

/** `o` is the caller's: its items are allocated here (free(o->items) after finish, also on failure). */
w3w_status w3w__order_create_prepare(w3w__write *w, w3w_cmd_order_create *cmd, w3w_order *o, w3w_ctx *ctx,
	const w3w_actor *actor, const char *currency, const w3w_order_item *items, size_t item_count,
	const char *idempotency_key);
w3w_status w3w__order_create_finish(w3w__write *w, w3w_status st);

#endif

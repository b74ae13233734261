/*
 * Following open withdrawals (held, signed, broadcast) until they are
 * final, one poll at a time:
 *
 *   receipt at depth >= confirmations, success  -> confirmed (settled)
 *   receipt at depth >= confirmations, reverted -> failed (released; the nonce was used)
 *   no receipt, the node knows the transaction  -> wait
 *   no receipt, the node does not know it       -> broadcast the stored bytes again:
 *       accepted -> wait;  refused -> failed (released, nonce given back);
 *       nonce used by another transaction -> dropped (released)
 *   held for longer than HELD_GRACE_US (a crash between steps), or held by
 *   this chain while its signer was down                -> sign and broadcast
 *       (the signer's policy refuses -> failed, released)
 *
 * Every transition is a compare-and-set on the status in storage, so
 * several followers (threads, processes) never apply one twice.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wallet/wallet_internal.h"

/* A withdrawal call signs within milliseconds of holding; older held rows were abandoned. */
#define HELD_GRACE_US (30 * 1000000LL)

typedef enum { PENDING, MOVED } progress;

static w3w_status settle_by_receipt(w3w_chain *chain, const w3w_actor *actor, w3w_withdrawal_row *row,
	const w3w_chain_receipt *rc, uint64_t head, progress *p, w3w_chain_poll_stats *stats)
{
	uint64_t depth = head >= rc->block_number ? head - rc->block_number + 1 : 0;
	w3w_status st;

	if (depth < (uint64_t)chain->opts.confirmations) {
		*p = PENDING;
		return W3W_OK;
	}
	if (rc->success) {
		st = w3w__withdrawal_move(chain, actor, row, W3W_WITHDRAWAL_CONFIRMED, NULL, 0);
		if (st == W3W_OK)
			stats->withdrawals_confirmed++;
	} else {
		st = w3w__withdrawal_move(chain, actor, row, W3W_WITHDRAWAL_FAILED,
			"reverted on chain (the transaction used its nonce and gas)", 0);
		if (st == W3W_OK)
			stats->withdrawals_failed++;
	}
	*p = MOVED;
	return st;
}

/*
 * The node has neither a receipt nor the transaction: send the stored bytes
 * again (the same transaction, so the same hash) and act on the answer.
 */
static w3w_status resend(w3w_chain *chain, const w3w_actor *actor, w3w_withdrawal_row *row,
	w3w_chain_poll_stats *stats)
{
	w3w_chain_adapter *a = chain->adapter;
	w3w_chain_send_result res;
	w3w_chain_receipt rc;
	char why[W3W_NAME_SIZE + 64];
	w3w_status st = w3w__withdrawal_send(chain, row, &res);

	switch (res.outcome) {
	case W3W_SEND_ACCEPTED:
		stats->withdrawals_pending++;
		if (row->w.status == W3W_WITHDRAWAL_SIGNED)
			return w3w__withdrawal_move(chain, actor, row, W3W_WITHDRAWAL_BROADCAST, NULL, 0);
		return W3W_OK;
	case W3W_SEND_REJECTED:
		/* Not in the node's pool and refused now: it cannot be mined; its nonce is free. */
		snprintf(why, sizeof(why), "node refused it on re-broadcast: %s", res.message);
		why[W3W_NAME_SIZE - 1] = '\0';
		if ((st = w3w__withdrawal_move(chain, actor, row, W3W_WITHDRAWAL_FAILED, why, 1)) == W3W_OK)
			stats->withdrawals_failed++;
		return st;
	case W3W_SEND_NONCE_USED:
		/* Mined meanwhile (then the next poll settles it), or replaced by another transaction. */
		memset(&rc, 0, sizeof(rc));
		st = a->receipt(a, row->w.tx_hash, &rc);
		if (st == W3W_OK) {
			stats->withdrawals_pending++;
			return W3W_OK;
		}
		if (st != W3W_ENOTFOUND)
			return st;
		snprintf(why, sizeof(why), "nonce %lld was used by another transaction", (long long)row->w.nonce);
		if ((st = w3w__withdrawal_move(chain, actor, row, W3W_WITHDRAWAL_DROPPED, why, 0)) == W3W_OK)
			stats->withdrawals_dropped++;
		return st;
	default:
		return st != W3W_OK ? st : w3w_error_set(W3W_EUNAVAILABLE, "re-broadcast: %s", res.message);
	}
}

static w3w_status follow_one(w3w_chain *chain, const w3w_actor *actor, w3w_withdrawal_row *row,
	uint64_t head, w3w_chain_poll_stats *stats)
{
	w3w_chain_adapter *a = chain->adapter;
	w3w_chain_receipt rc;
	progress p = PENDING;
	int known = 0;
	w3w_status st;

	if (row->w.status == W3W_WITHDRAWAL_HELD) {
		/* One this chain held while its signer was down is not abandoned: it waits for the signer only. */
		if (w3w_time_now() - row->w.updated_at < HELD_GRACE_US && !w3w__hot_deferred(chain, row->w.id)) {
			stats->withdrawals_pending++;
			return W3W_OK;
		}
		st = w3w__withdrawal_sign(chain, actor, row);
		if (st == W3W_EFORBIDDEN && row->w.status == W3W_WITHDRAWAL_FAILED) {
			stats->withdrawals_failed++; /* the signer's policy refused it: released */
			return W3W_OK;
		}
		if (st != W3W_OK)
			return st;
	}
	memset(&rc, 0, sizeof(rc));
	st = a->receipt(a, row->w.tx_hash, &rc);
	if (st == W3W_OK) {
		/* The bytes reached a block: a signed withdrawal whose answer was lost was broadcast after all. */
		if (row->w.status == W3W_WITHDRAWAL_SIGNED &&
		    (st = w3w__withdrawal_move(chain, actor, row, W3W_WITHDRAWAL_BROADCAST, NULL, 0)) != W3W_OK)
			return st;
		st = settle_by_receipt(chain, actor, row, &rc, head, &p, stats);
		if (p == PENDING)
			stats->withdrawals_pending++;
		return st;
	}
	if (st != W3W_ENOTFOUND)
		return st;
	if (a->tx_known) {
		if ((st = a->tx_known(a, row->w.tx_hash, &known)) != W3W_OK)
			return st;
		if (known) {
			stats->withdrawals_pending++;
			if (row->w.status == W3W_WITHDRAWAL_SIGNED)
				return w3w__withdrawal_move(chain, actor, row, W3W_WITHDRAWAL_BROADCAST, NULL, 0);
			return W3W_OK;
		}
	}
	return resend(chain, actor, row, stats);
}

w3w_status w3w__follow_withdrawals(w3w_chain *chain, const w3w_actor *actor, w3w_chain_poll_stats *stats)
{
	const w3w__store *storage = &chain->ctx->store;
	w3w_withdrawal_row *rows = NULL;
	size_t n = 0;
	uint64_t head = 0;
	w3w_status st, first = W3W_OK;

	if ((st = storage->wallet.withdrawal_list_open(storage->handle, chain->key, W3W__FOLLOW_MAX, &rows, &n)) != W3W_OK)
		return st;
	if (n > 0 && (st = chain->adapter->head(chain->adapter, &head)) != W3W_OK) {
		free(rows);
		return st;
	}
	for (size_t i = 0; i < n; i++) {
		st = follow_one(chain, actor, &rows[i], head, stats);
		/* Another follower moved it first: theirs stands. */
		if (st == W3W_ESTATE)
			continue;
		if (st != W3W_OK && first == W3W_OK)
			first = st;
		/* The node is gone: the other rows would only fail the same way. */
		if (st == W3W_EUNAVAILABLE)
			break;
	}
	free(rows);
	return first;
}

/*
 * Following open withdrawals (held, signed, broadcast) until they are
 * final, one poll at a time. A withdrawal may have several transactions
 * at its nonce (the first, replacements, a cancellation: its attempts);
 * all are followed, and whichever is mined decides:
 *
 *   receipt at depth >= confirmations, a transfer, success -> confirmed (settled, once)
 *   receipt at depth >= confirmations, the cancellation    -> failed "cancelled" (released)
 *   receipt at depth >= confirmations, reverted            -> failed (released; the nonce was used)
 *   no receipt, the node knows one of them                 -> wait (and the automatic
 *       replacement of options.replace_after_blocks, when the fee is behind)
 *   no receipt, the node knows none -> broadcast the stored bytes again, newest first:
 *       one accepted -> wait;  refused as underpriced (the fee is below the
 *       base fee now) -> stuck: wait, or the automatic replacement;
 *       all refused otherwise -> failed (released, nonce given back);
 *       nonce used by another transaction -> dropped (released)
 *   held for longer than HELD_GRACE_US (a crash between steps), or held by
 *   this chain while its signer was down                -> sign and broadcast
 *       (the signer's policy refuses -> failed, released)
 *
 * Every transition is a compare-and-set on the status in storage, so
 * several followers (threads, processes) never apply one twice: the
 * settlement happens once, whichever attempt's receipt is seen and when.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wallet/wallet_internal.h"

/* A withdrawal call signs within milliseconds of holding; older held rows were abandoned. */
#define HELD_GRACE_US (30 * 1000000LL)

typedef enum { PENDING, MOVED } progress;

w3w_status w3w__withdrawal_attempts_load(w3w_chain *chain, const w3w_withdrawal_row *row,
	w3w_withdrawal_attempt_row **out, size_t *count)
{
	const w3w__store *s = &chain->ctx->store;
	w3w_withdrawal_attempt_row *items = NULL, *more;
	size_t n = 0;
	w3w_status st;

	*out = NULL;
	*count = 0;
	if (s->wallet.withdrawal_attempt_list &&
	    (st = s->wallet.withdrawal_attempt_list(s->handle, row->w.id, &items, &n)) != W3W_OK)
		return st;
	for (size_t i = 0; i < n; i++)
		if (strcmp(items[i].a.tx_hash, row->w.tx_hash) == 0) {
			*out = items;
			*count = n;
			return W3W_OK;
		}
	/* Signed before attempts were recorded (or by a store without them): its own transaction. */
	if (!(more = realloc(items, (n + 1) * sizeof(*items)))) {
		free(items);
		return w3w_error_set(W3W_ENOMEM, "withdrawal: out of memory");
	}
	memset(&more[n], 0, sizeof(more[n]));
	more[n].a.seq = (int)n;
	more[n].a.kind = W3W_ATTEMPT_ORIGINAL;
	snprintf(more[n].a.tx_hash, sizeof(more[n].a.tx_hash), "%s", row->w.tx_hash);
	snprintf(more[n].raw_tx, sizeof(more[n].raw_tx), "%s", row->raw_tx);
	*out = more;
	*count = n + 1;
	return W3W_OK;
}

w3w_status w3w__withdrawal_find_mined(w3w_chain *chain, const w3w_withdrawal_attempt_row *items, size_t n,
	w3w_chain_receipt *rc, size_t *which)
{
	w3w_chain_adapter *a = chain->adapter;

	for (size_t i = 0; i < n; i++) {
		w3w_status st;
		memset(rc, 0, sizeof(*rc));
		st = a->receipt(a, items[i].a.tx_hash, rc);
		if (st == W3W_OK) {
			*which = i;
			return W3W_OK;
		}
		if (st != W3W_ENOTFOUND)
			return st;
	}
	return w3w_error_set(W3W_ENOTFOUND, "no transaction of the withdrawal is mined");
}

/* gas used x effective gas price, wei; "" when the node did not say the price. */
static void fee_paid(char out[W3W_U256_TEXT_SIZE], const w3w_chain_receipt *rc)
{
	static const unsigned char zero[32];
	w3w__u256 fee;

	out[0] = '\0';
	if (memcmp(rc->effective_gas_price.be, zero, 32) == 0 || rc->gas_used > UINT32_MAX)
		return;
	memcpy(fee.be, rc->effective_gas_price.be, 32);
	if (w3w__u256_mul_add_small(&fee, (uint32_t)rc->gas_used, 0) == 0)
		w3w__u256_to_decimal(out, W3W_U256_TEXT_SIZE, &fee);
}

static w3w_status settle_by_receipt(w3w_chain *chain, const w3w_actor *actor, w3w_withdrawal_row *row,
	const w3w_withdrawal_attempt_row *mined, const w3w_chain_receipt *rc, uint64_t head, progress *p,
	w3w_chain_poll_stats *stats)
{
	const w3w__store *s = &chain->ctx->store;
	uint64_t depth = head >= rc->block_number ? head - rc->block_number + 1 : 0;
	char fee[W3W_U256_TEXT_SIZE], why[W3W_NAME_SIZE];
	w3w_status st;

	if (depth < (uint64_t)chain->opts.confirmations) {
		*p = PENDING;
		return W3W_OK;
	}
	*p = MOVED;
	/* The fee is the custody's cost whatever the outcome; recorded first, idempotently. */
	fee_paid(fee, rc);
	if (s->wallet.withdrawal_attempt_mined && fee[0] &&
	    (st = s->wallet.withdrawal_attempt_mined(s->handle, row->w.id, mined->a.tx_hash, fee)) != W3W_OK &&
	    st != W3W_ENOTFOUND)
		return st;
	/* The settlement names the transaction that was mined. */
	snprintf(row->w.tx_hash, sizeof(row->w.tx_hash), "%s", mined->a.tx_hash);
	snprintf(row->raw_tx, sizeof(row->raw_tx), "%s", mined->raw_tx);
	if (rc->success && mined->a.kind == W3W_ATTEMPT_CANCELLATION) {
		snprintf(why, sizeof(why), "cancelled: the cancellation %s was mined", mined->a.tx_hash);
		if ((st = w3w__withdrawal_move(chain, actor, row, W3W_WITHDRAWAL_FAILED, why, 0)) == W3W_OK)
			stats->withdrawals_failed++;
	} else if (rc->success) {
		if ((st = w3w__withdrawal_move(chain, actor, row, W3W_WITHDRAWAL_CONFIRMED, NULL, 0)) == W3W_OK)
			stats->withdrawals_confirmed++;
	} else {
		st = w3w__withdrawal_move(chain, actor, row, W3W_WITHDRAWAL_FAILED,
			"reverted on chain (the transaction used its nonce and gas)", 0);
		if (st == W3W_OK)
			stats->withdrawals_failed++;
	}
	return st;
}

/* 1 when the latest attempt's fee is behind the chain: the base fee above its cap (legacy: the gas price above its). */
static int fee_behind(w3w_chain *chain, const w3w_withdrawal_attempt *latest, uint64_t head)
{
	w3w_chain_adapter *a = chain->adapter;
	w3w_chain_block *block = NULL;
	w3w_chain_fees fees;
	w3w_u256 cap;
	int behind = 0;

	if (latest->max_fee_per_gas[0]) {
		if (w3w__u256_read(&cap, latest->max_fee_per_gas, "max_fee_per_gas") != W3W_OK ||
		    a->block(a, head, 0, &block) != W3W_OK)
			return 0;
		behind = block->has_base_fee && memcmp(block->base_fee.be, cap.be, 32) > 0;
		a->block_free(a, block);
		return behind;
	}
	if (w3w__u256_read(&cap, latest->gas_price, "gas_price") != W3W_OK || a->fees(a, &fees) != W3W_OK)
		return 0;
	return memcmp(fees.gas_price.be, cap.be, 32) > 0;
}

/* options.replace_after_blocks: the latest attempt waited that long with its fee behind: bump it. */
static w3w_status replace_if_stuck(w3w_chain *chain, const w3w_actor *actor, w3w_withdrawal_row *row,
	const w3w_withdrawal_attempt_row *items, size_t n, uint64_t head)
{
	const w3w_withdrawal_attempt *latest = &items[n - 1].a;
	w3w_status st;

	if (chain->opts.replace_after_blocks <= 0 || !chain->ctx->store.wallet.withdrawal_attempt_add ||
	    !latest->block || head < latest->block + (uint64_t)chain->opts.replace_after_blocks ||
	    !fee_behind(chain, latest, head))
		return W3W_OK;
	st = w3w__withdrawal_bump(chain, actor, row,
		latest->kind == W3W_ATTEMPT_CANCELLATION ? W3W_ATTEMPT_CANCELLATION : W3W_ATTEMPT_REPLACEMENT,
		NULL, NULL, chain->opts.replace_max_fee_per_gas);
	/* Above the ceiling, refused by the signer or the node: it waits (the operator decides); the rest are errors. */
	return st == W3W_ESTATE || st == W3W_EFORBIDDEN || st == W3W_EUNAVAILABLE ? W3W_OK : st;
}

/*
 * The node has no receipt and none of the transactions: send the stored
 * bytes again (the same transactions, so the same hashes), newest first,
 * and act on the answers.
 */
static w3w_status resend(w3w_chain *chain, const w3w_actor *actor, w3w_withdrawal_row *row,
	const w3w_withdrawal_attempt_row *items, size_t n, uint64_t head, w3w_chain_poll_stats *stats)
{
	w3w_chain_send_result res;
	w3w_chain_receipt rc;
	char why[W3W_NAME_SIZE + 64];
	size_t which;
	int underpriced = 0;
	w3w_status st = W3W_OK;

	memset(&res, 0, sizeof(res));
	for (size_t i = n; i-- > 0;) {
		st = w3w__send_raw_hex(chain, items[i].raw_tx, &res);
		underpriced |= res.outcome == W3W_SEND_UNDERPRICED;
		if (res.outcome != W3W_SEND_REJECTED && res.outcome != W3W_SEND_UNDERPRICED)
			break;
	}
	/* Valid but below the fee the node takes now: stuck, not failed; a replacement (or the policy) moves it. */
	if (underpriced && (res.outcome == W3W_SEND_REJECTED || res.outcome == W3W_SEND_UNDERPRICED)) {
		stats->withdrawals_pending++;
		return replace_if_stuck(chain, actor, row, items, n, head);
	}
	switch (res.outcome) {
	case W3W_SEND_ACCEPTED:
		stats->withdrawals_pending++;
		if (row->w.status == W3W_WITHDRAWAL_SIGNED)
			return w3w__withdrawal_move(chain, actor, row, W3W_WITHDRAWAL_BROADCAST, NULL, 0);
		return W3W_OK;
	case W3W_SEND_REJECTED:
		/* None in the node's pool and each refused now: none can be mined; the nonce is free. */
		snprintf(why, sizeof(why), "node refused it on re-broadcast: %s", res.message);
		why[W3W_NAME_SIZE - 1] = '\0';
		if ((st = w3w__withdrawal_move(chain, actor, row, W3W_WITHDRAWAL_FAILED, why, 1)) == W3W_OK)
			stats->withdrawals_failed++;
		return st;
	case W3W_SEND_NONCE_USED:
		/* Mined meanwhile (then the next poll settles it), or the nonce went to another transaction. */
		st = w3w__withdrawal_find_mined(chain, items, n, &rc, &which);
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

/* Sent, no receipt: some attempt the node knows (wait), or none (resend). */
static w3w_status follow_unmined(w3w_chain *chain, const w3w_actor *actor, w3w_withdrawal_row *row,
	const w3w_withdrawal_attempt_row *items, size_t n, uint64_t head, w3w_chain_poll_stats *stats)
{
	w3w_chain_adapter *a = chain->adapter;
	int known = 0;
	w3w_status st;

	if (!a->tx_known)
		return resend(chain, actor, row, items, n, head, stats);
	for (size_t i = n; i-- > 0 && !known;)
		if ((st = a->tx_known(a, items[i].a.tx_hash, &known)) != W3W_OK)
			return st;
	if (!known)
		return resend(chain, actor, row, items, n, head, stats);
	stats->withdrawals_pending++;
	if (row->w.status == W3W_WITHDRAWAL_SIGNED &&
	    (st = w3w__withdrawal_move(chain, actor, row, W3W_WITHDRAWAL_BROADCAST, NULL, 0)) != W3W_OK)
		return st;
	return replace_if_stuck(chain, actor, row, items, n, head);
}

static w3w_status follow_sent(w3w_chain *chain, const w3w_actor *actor, w3w_withdrawal_row *row,
	uint64_t head, w3w_chain_poll_stats *stats)
{
	w3w_withdrawal_attempt_row *items = NULL;
	w3w_chain_receipt rc;
	progress p = PENDING;
	size_t n = 0, which = 0;
	w3w_status st;

	if ((st = w3w__withdrawal_attempts_load(chain, row, &items, &n)) != W3W_OK)
		return st;
	st = w3w__withdrawal_find_mined(chain, items, n, &rc, &which);
	if (st == W3W_OK) {
		/* The bytes reached a block: a signed withdrawal whose answer was lost was broadcast after all. */
		if (row->w.status == W3W_WITHDRAWAL_SIGNED)
			st = w3w__withdrawal_move(chain, actor, row, W3W_WITHDRAWAL_BROADCAST, NULL, 0);
		if (st == W3W_OK)
			st = settle_by_receipt(chain, actor, row, &items[which], &rc, head, &p, stats);
		if (st == W3W_OK && p == PENDING)
			stats->withdrawals_pending++;
	} else if (st == W3W_ENOTFOUND) {
		st = follow_unmined(chain, actor, row, items, n, head, stats);
	}
	free(items);
	return st;
}

static w3w_status follow_one(w3w_chain *chain, const w3w_actor *actor, w3w_withdrawal_row *row,
	uint64_t head, w3w_chain_poll_stats *stats)
{
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
	return follow_sent(chain, actor, row, head, stats);
}

/* What the round found open (rows oldest first), for w3w_chain_open_withdrawals_get(). */
static void note_open(w3w_chain *chain, const w3w_withdrawal_row *rows, size_t n)
{
	w3w_chain_open_withdrawals o;

	memset(&o, 0, sizeof(o));
	o.listed_at = w3w_time_now();
	o.count = n;
	o.max_counted = W3W__FOLLOW_MAX;
	o.oldest_nonce = -1;
	for (size_t i = 0; i < n; i++)
		if (i == 0 || rows[i].w.created_at < o.oldest_created_at) {
			snprintf(o.oldest_id, sizeof(o.oldest_id), "%s", rows[i].w.id);
			o.oldest_created_at = rows[i].w.created_at;
			o.oldest_nonce = rows[i].w.nonce;
		}
	pthread_mutex_lock(&chain->mu);
	chain->open_withdrawals = o;
	pthread_mutex_unlock(&chain->mu);
}

w3w_status w3w_chain_open_withdrawals_get(w3w_chain_open_withdrawals *out, w3w_chain *chain)
{
	if (!out || !chain)
		return w3w_error_set(W3W_EINVAL, "out/chain: NULL");
	pthread_mutex_lock(&chain->mu);
	*out = chain->open_withdrawals;
	pthread_mutex_unlock(&chain->mu);
	return W3W_OK;
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
	note_open(chain, rows, n);
	if (n > 0 && (st = chain->adapter->head(chain->adapter, &head)) != W3W_OK) {
		free(rows);
		return st;
	}
	for (size_t i = 0; i < n; i++) {
		st = follow_one(chain, actor, &rows[i], head, stats);
		/* Another follower moved it first: theirs stands. */
		if (st == W3W_ESTATE)
			continue;
		/* The round's error then names the withdrawal that could not be followed. */
		if (st != W3W_OK)
			w3w_error_set(st, "withdrawal %s: %s", rows[i].w.id, w3w_error_message());
		if (st != W3W_OK && first == W3W_OK)
			first = st;
		/* The node is gone: the other rows would only fail the same way. */
		if (st == W3W_EUNAVAILABLE)
			break;
	}
	free(rows);
	return first;
}

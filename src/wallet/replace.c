/*
 * Stuck withdrawals: the same transfer again at its nonce with higher fees
 * (a replacement), or 0 to the hot wallet itself (a cancellation). A node
 * takes a transaction in place of another of the same sender and nonce
 * only when its fee cap and its tip are both at least 10% higher (geth,
 * anvil); this library offers at least ceil(1.125 x) the highest fee of
 * any earlier attempt, and never less than the node's suggestion, so that
 * the new one is also mined now. Each new attempt is stored before it is
 * broadcast, and whichever attempt is mined decides the withdrawal
 * (follow.c): the ledger settles once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/validate.h"
#include "wallet/wallet_internal.h"

static int fee_above(const w3w_u256 *a, const w3w_u256 *b)
{
	return memcmp(a->be, b->be, 32) > 0; /* big-endian: byte order is number order */
}

static void fee_raise(w3w_u256 *acc, const w3w_u256 *v)
{
	if (fee_above(v, acc))
		*acc = *v;
}

/* ceil(v x 1.125) = (9v + 7) / 8. */
static w3w_status bumped(w3w_u256 *out, const w3w_u256 *v)
{
	w3w__u256 x;
	unsigned carry = 0;

	memcpy(x.be, v->be, 32);
	if (w3w__u256_mul_add_small(&x, 9, 7) != 0)
		return w3w_error_set(W3W_EINVAL, "fee: too large to raise");
	for (int i = 0; i < 32; i++) {
		unsigned cur = carry << 8 | x.be[i];
		out->be[i] = (unsigned char)(cur >> 3);
		carry = cur & 7;
	}
	return W3W_OK;
}

/* The highest fee cap and tip of the earlier attempts (a legacy gas price is both). */
static void earlier_fees(w3w_u256 *cap, w3w_u256 *tip, const w3w_withdrawal_attempt_row *items, size_t n)
{
	memset(cap, 0, sizeof(*cap));
	memset(tip, 0, sizeof(*tip));
	for (size_t i = 0; i < n; i++) {
		const w3w_withdrawal_attempt *a = &items[i].a;
		w3w_u256 v;
		if (a->max_fee_per_gas[0] && w3w__u256_read(&v, a->max_fee_per_gas, "max_fee_per_gas") == W3W_OK)
			fee_raise(cap, &v);
		if (a->max_priority_fee_per_gas[0] &&
		    w3w__u256_read(&v, a->max_priority_fee_per_gas, "max_priority_fee_per_gas") == W3W_OK)
			fee_raise(tip, &v);
		if (a->gas_price[0] && w3w__u256_read(&v, a->gas_price, "gas_price") == W3W_OK) {
			fee_raise(cap, &v);
			fee_raise(tip, &v);
		}
	}
}

/* A fee the caller gave (NULL or "": the minimum) must reach the minimum. */
static w3w_status fee_given(w3w_u256 *out, const w3w_u256 *min, const char *given, const char *field)
{
	char a[W3W_U256_TEXT_SIZE], b[W3W_U256_TEXT_SIZE];
	w3w_status st;

	*out = *min;
	if (!given || !*given)
		return W3W_OK;
	if ((st = w3w__u256_read(out, given, field)) != W3W_OK)
		return st;
	if (!fee_above(min, out))
		return W3W_OK;
	w3w__u256_text(a, out);
	w3w__u256_text(b, min);
	return w3w_error_set(W3W_EINVAL, "%s: %s is below the minimum %s (1.125 x the highest earlier fee, and the"
		" node's suggestion)", field, a, b);
}

/* The fees of the next attempt: the minimum bump, or what the caller gave above it. */
static w3w_status next_fees(w3w_chain_fees *out, w3w_chain *chain, const w3w_withdrawal_attempt_row *items,
	size_t n, const char *max_fee, const char *tip)
{
	w3w_u256 cap, min_cap, min_tip, earlier_tip;
	w3w_chain_fees node;
	w3w_status st;

	if ((st = chain->adapter->fees(chain->adapter, &node)) != W3W_OK)
		return st;
	earlier_fees(&cap, &earlier_tip, items, n);
	if ((st = bumped(&min_cap, &cap)) != W3W_OK || (st = bumped(&min_tip, &earlier_tip)) != W3W_OK)
		return st;
	memset(out, 0, sizeof(*out));
	out->eip1559 = node.eip1559;
	if (!node.eip1559) {
		if (tip && *tip)
			return w3w_error_set(W3W_EINVAL, "max_priority_fee_per_gas: chain %s has no EIP-1559 fees"
				" (give max_fee_per_gas: the gas price)", chain->key);
		fee_raise(&min_cap, &node.gas_price);
		return fee_given(&out->gas_price, &min_cap, max_fee, "max_fee_per_gas");
	}
	fee_raise(&min_cap, &node.max_fee_per_gas);
	fee_raise(&min_tip, &node.max_priority_fee_per_gas);
	fee_raise(&min_cap, &min_tip);
	if ((st = fee_given(&out->max_fee_per_gas, &min_cap, max_fee, "max_fee_per_gas")) != W3W_OK ||
	    (st = fee_given(&out->max_priority_fee_per_gas, &min_tip, tip, "max_priority_fee_per_gas")) != W3W_OK)
		return st;
	if (fee_above(&out->max_priority_fee_per_gas, &out->max_fee_per_gas))
		return w3w_error_set(W3W_EINVAL, "max_priority_fee_per_gas: above max_fee_per_gas");
	return W3W_OK;
}

static w3w_status within_ceiling(const w3w_chain_fees *fees, uint64_t ceiling)
{
	const w3w_u256 *cap = fees->eip1559 ? &fees->max_fee_per_gas : &fees->gas_price;
	char a[W3W_U256_TEXT_SIZE];
	w3w_u256 max;

	if (!ceiling)
		return W3W_OK;
	memset(&max, 0, sizeof(max));
	for (int i = 0; i < 8; i++)
		max.be[31 - i] = (unsigned char)(ceiling >> (8 * i));
	if (!fee_above(cap, &max))
		return W3W_OK;
	w3w__u256_text(a, cap);
	return w3w_error_set(W3W_ESTATE, "fee: the replacement needs %s wei per gas, above the ceiling %llu"
		" (options.replace_max_fee_per_gas)", a, (unsigned long long)ceiling);
}

/* Nothing to bump once a transaction is mined, or (replacing) once a cancellation was sent. */
static w3w_status may_bump(w3w_chain *chain, const w3w_withdrawal_row *row, w3w_withdrawal_attempt_kind kind,
	const w3w_withdrawal_attempt_row *items, size_t n)
{
	w3w_chain_receipt rc;
	size_t which = 0;
	w3w_status st;

	for (size_t i = 0; kind == W3W_ATTEMPT_REPLACEMENT && i < n; i++)
		if (items[i].a.kind == W3W_ATTEMPT_CANCELLATION)
			return w3w_error_set(W3W_ESTATE, "withdrawal %s: a cancellation was sent; cancel again to raise its"
				" fee", row->w.id);
	st = w3w__withdrawal_find_mined(chain, items, n, &rc, &which);
	if (st == W3W_OK)
		return w3w_error_set(W3W_ESTATE, "withdrawal %s: transaction %s is mined (block %llu); the withdrawal"
			" settles at %d confirmations", row->w.id, items[which].a.tx_hash,
			(unsigned long long)rc.block_number, chain->opts.confirmations);
	return st == W3W_ENOTFOUND ? W3W_OK : st;
}

/* Broadcast the attempt just recorded; a node that does not take it leaves the earlier ones standing. */
static w3w_status send_attempt(w3w_chain *chain, const w3w_actor *actor, w3w_withdrawal_row *row,
	w3w_withdrawal_attempt_kind kind)
{
	w3w_chain_send_result res;

	if (w3w__withdrawal_send(chain, row, &res) == W3W_OK)
		return w3w__withdrawal_move(chain, actor, row, W3W_WITHDRAWAL_BROADCAST, NULL, 0);
	return w3w_error_set(W3W_EUNAVAILABLE, "chain %s: the node did not take the %s %s of withdrawal %s (%s); it is"
		" recorded, the earlier transactions stand, and w3w_chain_poll() follows them all", chain->key,
		w3w_withdrawal_attempt_kind_name(kind), row->w.tx_hash, row->w.id, res.message);
}

w3w_status w3w__withdrawal_bump(w3w_chain *chain, const w3w_actor *actor, w3w_withdrawal_row *row,
	w3w_withdrawal_attempt_kind kind, const char *max_fee, const char *tip, uint64_t ceiling)
{
	w3w_withdrawal_attempt_row *items = NULL, *next = NULL;
	w3w_chain_fees fees;
	uint64_t head = 0;
	size_t n = 0;
	w3w_status st;

	if ((st = w3w__withdrawal_attempts_load(chain, row, &items, &n)) != W3W_OK)
		return st;
	if ((st = may_bump(chain, row, kind, items, n)) == W3W_OK &&
	    (st = next_fees(&fees, chain, items, n, max_fee, tip)) == W3W_OK &&
	    (st = within_ceiling(&fees, ceiling)) == W3W_OK &&
	    (st = chain->adapter->head(chain->adapter, &head)) == W3W_OK) {
		if (!(next = malloc(sizeof(*next))))
			st = w3w_error_set(W3W_ENOMEM, "withdrawal: out of memory");
		else if ((st = w3w__withdrawal_attempt_sign(chain, actor, row, kind, &fees, head, next)) == W3W_OK &&
			 (st = w3w__withdrawal_attempt_record(chain, actor, row, next)) == W3W_OK)
			st = send_attempt(chain, actor, row, kind);
	}
	free(next);
	free(items);
	return st;
}

/* ---- the public calls ------------------------------------------------------------------ */

static w3w_status bump_call(w3w_withdrawal *out, w3w_chain *chain, const w3w_actor *actor, const char *id,
	w3w_withdrawal_attempt_kind kind, const char *max_fee, const char *tip)
{
	const char *verb = kind == W3W_ATTEMPT_CANCELLATION ? "cancel" : "replace";
	const w3w__store *storage;
	w3w_withdrawal_row *row;
	char wid[W3W_ID_SIZE];
	w3w_status st;

	if (out)
		memset(out, 0, sizeof(*out));
	if (!chain)
		return w3w_error_set(W3W_EINVAL, "chain: NULL");
	if ((st = w3w__wallet_storage(chain->ctx, &storage)) || (st = w3w__check_actor(actor)))
		return st;
	if (!w3w__has_role(actor, W3W_ROLE_ADMIN | W3W_ROLE_SERVICE))
		return w3w_error_set(W3W_EFORBIDDEN, "withdrawal %s: needs the admin or service role", verb);
	if (!storage->wallet.withdrawal_attempt_add)
		return w3w_error_set(W3W_EINVAL, "storage backend has no replacement support (%s, wallet table version %u)",
			storage->name, storage->wallet.version);
	if ((st = w3w__check_id(wid, id, "id")) != W3W_OK)
		return st;
	if (!(row = calloc(1, sizeof(*row))))
		return w3w_error_set(W3W_ENOMEM, "withdrawal: out of memory");
	st = storage->wallet.withdrawal_get(storage->handle, wid, row);
	if (st == W3W_OK && strcmp(row->w.chain, chain->key) != 0)
		st = w3w_error_set(W3W_ENOTFOUND, "withdrawal %s: not found on chain %s", wid, chain->key);
	else if (st == W3W_OK && row->w.status == W3W_WITHDRAWAL_HELD)
		st = w3w_error_set(W3W_ESTATE, "withdrawal %s: is held (nothing sent yet): nothing to %s", wid, verb);
	else if (st == W3W_OK && row->w.status != W3W_WITHDRAWAL_SIGNED && row->w.status != W3W_WITHDRAWAL_BROADCAST)
		st = w3w_error_set(W3W_ESTATE, "withdrawal %s: is %s (final): nothing to %s", wid,
			w3w_withdrawal_status_name(row->w.status), verb);
	else if (st == W3W_OK && !chain->signer)
		st = w3w__wallet_need_key(chain->ctx);
	if (st == W3W_OK)
		st = w3w__withdrawal_bump(chain, actor, row, kind, max_fee, tip, 0);
	if (out && (st == W3W_OK || st == W3W_EUNAVAILABLE) && row->w.id[0])
		*out = row->w;
	free(row);
	return st;
}

w3w_status w3w_withdrawal_replace(w3w_withdrawal *out, w3w_chain *chain, const w3w_actor *actor, const char *id,
	const char *max_fee_per_gas, const char *max_priority_fee_per_gas)
{
	return bump_call(out, chain, actor, id, W3W_ATTEMPT_REPLACEMENT, max_fee_per_gas, max_priority_fee_per_gas);
}

w3w_status w3w_withdrawal_cancel(w3w_withdrawal *out, w3w_chain *chain, const w3w_actor *actor, const char *id,
	const char *max_fee_per_gas, const char *max_priority_fee_per_gas)
{
	return bump_call(out, chain, actor, id, W3W_ATTEMPT_CANCELLATION, max_fee_per_gas, max_priority_fee_per_gas);
}

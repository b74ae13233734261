/*
 * One sweep, step by step (the states of w3w_sweep_status):
 *
 *   planned        top-up needed: sign it with the hot key (nonce from the
 *                  withdrawal allocator, taken at planning), store the
 *                  bytes (-> topup_signed), then broadcast them
 *   topup_signed   its receipt: success -> topup_mined (fee recorded);
 *                  reverted -> failed; unknown to the node -> the stored
 *                  bytes again (never a second top-up)
 *   topup_mined,   balances read now; the deposit key signs the whole
 *   planned        token balance (or the native balance less the fee
 *   without top-up reserve) to the hot wallet; bytes stored (-> signed), then broadcast
 *   signed         its receipt at the confirmation depth -> confirmed
 *                  (fee recorded) or failed; unknown -> the stored bytes again
 *
 * Every move is a compare-and-set on the status in storage, made before
 * anything is broadcast: a process that dies anywhere leaves a state the
 * next round resumes from, and of two rounds racing only one moves on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/write.h"
#include "crypto/crypto.h"
#include "crypto/hex.h"
#include "wallet/wallet_internal.h"

#define NATIVE_GAS 21000

static void text_of(char out[W3W_U256_TEXT_SIZE], const w3w__u256 *v)
{
	w3w__u256_to_decimal(out, W3W_U256_TEXT_SIZE, v);
}

static void value_of(w3w__u256 *out, const char *text)
{
	if (!text[0] || w3w__u256_parse(out, text, strlen(text)) != 0)
		memset(out, 0, sizeof(*out));
}

static const char *status_event(w3w_sweep_status s)
{
	switch (s) {
	case W3W_SWEEP_TOPUP_SIGNED: return "wallet.sweep_topup_signed";
	case W3W_SWEEP_TOPUP_MINED:  return "wallet.sweep_topup_mined";
	case W3W_SWEEP_SIGNED:       return "wallet.sweep_signed";
	case W3W_SWEEP_CONFIRMED:    return "wallet.sweep_confirmed";
	case W3W_SWEEP_FAILED:       return "wallet.sweep_failed";
	default:                     return "wallet.sweep_planned";
	}
}

/* One transition (row->s.status is the new status), through storage with its event and audit record. */
static w3w_status move(w3w_chain *chain, const w3w_actor *actor, w3w_sweep_row *row, w3w_sweep_status from,
	int give_back_topup_nonce)
{
	w3w_ctx *ctx = chain->ctx;
	w3w_cmd_sweep_update *cmd = calloc(1, sizeof(*cmd));
	w3w_sweep_row *result = calloc(1, sizeof(*result));
	const w3w_sweep *s = &row->s;
	w3w__write w;
	w3w_status st;

	if (!cmd || !result) {
		free(cmd);
		free(result);
		return w3w_error_set(W3W_ENOMEM, "sweep: out of memory");
	}
	cmd->from_status = from;
	cmd->row = *row;
	cmd->give_back_topup_nonce = give_back_topup_nonce;
	if ((st = w3w__write_begin(&w, &cmd->meta, ctx, actor, status_event(s->status), NULL)) == W3W_OK) {
		cmd->row.s.updated_at = cmd->meta.now;
		w3w__write_payload(&w, "sweep_id", s->id);
		w3w__write_payload(&w, "status", w3w_sweep_status_name(s->status));
		w3w__write_payload(&w, "chain", s->chain);
		w3w__write_payload(&w, "address", s->address);
		w3w__write_payload(&w, "currency", s->currency);
		w3w__write_payload(&w, "amount", s->amount);
		if (s->topup_tx_hash[0])
			w3w__write_payload(&w, "topup_tx_hash", s->topup_tx_hash);
		if (s->tx_hash[0])
			w3w__write_payload(&w, "tx_hash", s->tx_hash);
		w3w__write_payload(&w, "topup_fee", s->topup_fee);
		w3w__write_payload(&w, "sweep_fee", s->sweep_fee);
		if (s->error[0])
			w3w__write_payload(&w, "error", s->error);
		if ((st = w3w__write_prepare(&w, status_event(s->status), s->id, s->id)) == W3W_OK)
			st = ctx->store.wallet.sweep_update(ctx->store.handle, cmd, result);
		if (st == W3W_OK)
			*row = *result;
		st = w3w__write_finish(&w, st);
	}
	free(cmd);
	free(result);
	return st;
}

static w3w_status fail(w3w_chain *chain, const w3w_actor *actor, w3w_sweep_row *row, const char *why,
	int give_back_topup_nonce, w3w_sweep_stats *stats)
{
	w3w_sweep_status from = row->s.status;
	w3w_status st;

	row->s.status = W3W_SWEEP_FAILED;
	snprintf(row->s.error, sizeof(row->s.error), "%s", why);
	if ((st = move(chain, actor, row, from, give_back_topup_nonce)) == W3W_OK)
		stats->failed++;
	return st;
}

/* ---- fees ------------------------------------------------------------------------------- */

/* What the chain charged a mined transaction of this sweep's fee plan: gas used x effective price. */
static w3w_status fee_paid(w3w_chain *chain, const w3w_sweep_row *row, const w3w_chain_receipt *rc,
	char out[W3W_U256_TEXT_SIZE])
{
	w3w_chain_adapter *a = chain->adapter;
	w3w__u256 price, tip, fee;
	w3w_chain_block *b = NULL;
	w3w_status st;

	value_of(&price, row->max_fee);
	if (row->fee_type == 2) {
		/* EIP-1559: base fee of its block plus the tip, capped by the max fee. */
		if ((st = a->block(a, rc->block_number, 0, &b)) != W3W_OK)
			return st;
		if (b->has_base_fee) {
			w3w__u256 paid;
			value_of(&tip, row->priority_fee);
			memcpy(paid.be, b->base_fee.be, 32);
			if (w3w__u256_add(&paid, &paid, &tip) == 0 && w3w__u256_cmp(&paid, &price) < 0)
				price = paid;
		}
		a->block_free(a, b);
	}
	if (w3w__u256_mul_u64(&fee, &price, rc->gas_used) != 0)
		return w3w_error_set(W3W_EINTERNAL, "sweep %s: fee out of range", row->s.id);
	text_of(out, &fee);
	return W3W_OK;
}

/* ---- signing and sending --------------------------------------------------------------- */

static void tx_fees(w3w_signer_tx *tx, const w3w_sweep_row *row)
{
	w3w__u256 v;

	tx->type = row->fee_type;
	value_of(&v, row->max_fee);
	memcpy(row->fee_type == 2 ? tx->max_fee_per_gas.be : tx->gas_price.be, v.be, 32);
	value_of(&v, row->priority_fee);
	if (row->fee_type == 2)
		memcpy(tx->max_priority_fee_per_gas.be, v.be, 32);
}

/* Sign `tx` as `purpose` and store the bytes in `raw_hex` / `hash_text`. */
static w3w_status sign_into(w3w_chain *chain, const w3w_actor *actor, const w3w_sweep_row *row,
	w3w_signer_purpose purpose, const w3w_signer_tx *tx, char raw_hex[W3W_RAW_TX_SIZE],
	char hash_text[W3W_TX_HASH_SIZE])
{
	unsigned char *raw = NULL, hash[32];
	size_t raw_len = 0;
	w3w_status st = w3w__custody_sign(chain, actor, purpose, row->s.wallet_index, tx, &raw, &raw_len, hash);

	if (st != W3W_OK)
		return st;
	if (2 + 2 * raw_len + 1 > W3W_RAW_TX_SIZE) {
		free(raw);
		return w3w_error_set(W3W_EINTERNAL, "sign: raw transaction of %zu bytes too long", raw_len);
	}
	strcpy(raw_hex, "0x");
	w3w__crypto_hex_encode(raw_hex + 2, W3W_RAW_TX_SIZE - 2, raw, raw_len);
	strcpy(hash_text, "0x");
	w3w__crypto_hex_encode(hash_text + 2, W3W_TX_HASH_SIZE - 2, hash, 32);
	free(raw);
	return W3W_OK;
}

/* A signing that did not happen: the signer's policy said no (the sweep fails), or it cannot be asked now. */
static w3w_status not_signed(w3w_chain *chain, const w3w_actor *actor, w3w_sweep_row *row, w3w_status st,
	int give_back_topup_nonce, w3w_sweep_stats *stats)
{
	char why[W3W_NAME_SIZE];

	if (st != W3W_EFORBIDDEN)
		return st;
	snprintf(why, sizeof(why), "%s", w3w_error_message());
	return fail(chain, actor, row, why, give_back_topup_nonce, stats);
}

/* What became of a broadcast that was not accepted; `why` for the record. 1: it can never be mined. */
static int gone(const w3w_chain_send_result *res, char why[W3W_NAME_SIZE])
{
	snprintf(why, W3W_NAME_SIZE, "node: %.200s", res->message);
	return res->outcome == W3W_SEND_REJECTED || res->outcome == W3W_SEND_NOT_SENT ||
		res->outcome == W3W_SEND_NONCE_USED;
}

/* Broadcast just-stored bytes; a refusal fails the sweep (its top-up nonce back when it never reached a pool). */
static w3w_status broadcast(w3w_chain *chain, const w3w_actor *actor, w3w_sweep_row *row, const char *raw_hex,
	int is_topup, w3w_sweep_stats *stats)
{
	w3w_chain_send_result res;
	char why[W3W_NAME_SIZE];
	w3w_status st = w3w__send_raw_hex(chain, raw_hex, &res);

	if (st == W3W_OK) {
		if (is_topup)
			stats->topups++;
		else
			stats->sent++;
		return W3W_OK;
	}
	if (!gone(&res, why))
		return st; /* it may have arrived: the next round finds out */
	return fail(chain, actor, row, why, is_topup && res.outcome != W3W_SEND_NONCE_USED, stats);
}

typedef enum { TX_PENDING, TX_MINED, TX_GONE } tx_fate;

/*
 * Where a stored transaction is: mined (its receipt in `rc`), pending, or
 * gone (the node neither has it nor takes its bytes again: `why`, and
 * *nonce_free when its nonce was never used).
 */
static w3w_status follow_tx(w3w_chain *chain, const char *hash, const char *raw_hex, w3w_chain_receipt *rc,
	tx_fate *fate, char why[W3W_NAME_SIZE], int *nonce_free)
{
	w3w_chain_adapter *a = chain->adapter;
	w3w_chain_send_result res;
	int known = 0;
	w3w_status st;

	*fate = TX_PENDING;
	*nonce_free = 0;
	memset(rc, 0, sizeof(*rc));
	if ((st = a->receipt(a, hash, rc)) == W3W_OK) {
		*fate = TX_MINED;
		return W3W_OK;
	}
	if (st != W3W_ENOTFOUND)
		return st;
	if (a->tx_known && (st = a->tx_known(a, hash, &known)) != W3W_OK)
		return st;
	if (known)
		return W3W_OK;
	/* The same bytes again: the same transaction, never a second one. */
	if ((st = w3w__send_raw_hex(chain, raw_hex, &res)) == W3W_OK)
		return W3W_OK;
	if (res.outcome == W3W_SEND_NONCE_USED && a->receipt(a, hash, rc) == W3W_OK) {
		*fate = TX_MINED; /* mined meanwhile */
		return W3W_OK;
	}
	if (!gone(&res, why))
		return st;
	*fate = TX_GONE;
	*nonce_free = res.outcome != W3W_SEND_NONCE_USED;
	return W3W_OK;
}

/* ---- the steps ---------------------------------------------------------------------------- */

static w3w_status topup(w3w_chain *chain, const w3w_actor *actor, w3w_sweep_row *row, w3w_sweep_stats *stats)
{
	w3w_signer_tx tx;
	w3w__u256 value;
	w3w_status st;

	memset(&tx, 0, sizeof(tx));
	tx_fees(&tx, row);
	tx.chain_id = chain->chain_id;
	tx.nonce = (uint64_t)row->s.topup_nonce;
	tx.gas_limit = NATIVE_GAS;
	if ((st = w3w__evm_address_read(tx.to, row->s.address, "address")) != W3W_OK)
		return st;
	value_of(&value, row->s.topup_value);
	memcpy(tx.value.be, value.be, 32);
	st = sign_into(chain, actor, row, W3W_SIGNER_TOPUP, &tx, row->topup_raw, row->s.topup_tx_hash);
	if (st != W3W_OK)
		return not_signed(chain, actor, row, st, 1, stats);
	row->s.status = W3W_SWEEP_TOPUP_SIGNED;
	if ((st = move(chain, actor, row, W3W_SWEEP_PLANNED, 0)) != W3W_OK)
		return st;
	return broadcast(chain, actor, row, row->topup_raw, 1, stats);
}

static w3w_status topup_follow(w3w_chain *chain, const w3w_actor *actor, w3w_sweep_row *row, w3w_sweep_stats *stats,
	int *mined)
{
	w3w_chain_receipt rc;
	char why[W3W_NAME_SIZE] = "";
	int nonce_free = 0;
	tx_fate fate;
	w3w_status st;

	*mined = 0;
	if ((st = follow_tx(chain, row->s.topup_tx_hash, row->topup_raw, &rc, &fate, why, &nonce_free)) != W3W_OK)
		return st;
	if (fate == TX_PENDING) {
		stats->pending++;
		return W3W_OK;
	}
	if (fate == TX_GONE)
		return fail(chain, actor, row, why, nonce_free, stats);
	if ((st = fee_paid(chain, row, &rc, row->s.topup_fee)) != W3W_OK)
		return st;
	if (!rc.success)
		return fail(chain, actor, row, "the gas top-up reverted", 0, stats);
	row->s.status = W3W_SWEEP_TOPUP_MINED;
	if ((st = move(chain, actor, row, W3W_SWEEP_TOPUP_SIGNED, 0)) == W3W_OK)
		*mined = 1;
	return st;
}

/* balanceOf(address) of the token `asset`. */
static w3w_status token_balance(w3w_chain *chain, const w3w__asset *asset, const char *address, w3w__u256 *out)
{
	w3w_chain_adapter *a = chain->adapter;
	unsigned char data[36] = { 0x70, 0xa0, 0x82, 0x31 }, *result = NULL;
	size_t len = 0;
	w3w_chain_call call;
	w3w_status st;

	if (!a->call)
		return w3w_error_set(W3W_EINVAL, "chain %s: adapter %s cannot call contracts (token balances)", chain->key,
			chain->opts.adapter);
	if ((st = w3w__evm_address_read(data + 16, address, "address")) != W3W_OK)
		return st;
	memset(&call, 0, sizeof(call));
	call.to = asset->contract_hex;
	call.data = data;
	call.data_len = sizeof(data);
	if ((st = a->call(a, &call, &result, &len)) != W3W_OK)
		return st;
	if (len != 32) {
		free(result);
		return w3w_error_set(W3W_EUNAVAILABLE, "chain %s: balanceOf of %s answered %zu bytes, not 32", chain->key,
			asset->currency, len);
	}
	memcpy(out->be, result, 32);
	free(result);
	return W3W_OK;
}

w3w_status w3w__sweep_balance(w3w_chain *chain, const w3w__asset *asset, const char *address, w3w__u256 *out)
{
	w3w_chain_adapter *a = chain->adapter;
	w3w_u256 v;
	w3w_status st;

	if (!asset->native)
		return token_balance(chain, asset, address, out);
	if (!a->balance)
		return w3w_error_set(W3W_EINVAL, "chain %s: adapter %s cannot read balances", chain->key, chain->opts.adapter);
	if ((st = a->balance(a, address, &v)) == W3W_OK)
		memcpy(out->be, v.be, 32);
	return st;
}

/* The sweep itself: what the address holds now, to the hot wallet, signed by its own key. */
static w3w_status sweep(w3w_chain *chain, const w3w_actor *actor, w3w_sweep_row *row, w3w_sweep_stats *stats)
{
	const w3w__asset *asset = w3w__asset_by_currency(chain, row->s.currency);
	w3w_sweep_status from = row->s.status;
	w3w__u256 native, amount, price, gas_cost;
	unsigned char hot[20], data[68];
	w3w_signer_tx tx;
	uint64_t nonce = 0;
	w3w_status st;

	if (!asset || !w3w__asset_native(chain))
		return fail(chain, actor, row, "its currency (or the native one) is no longer configured on the chain", 0,
			stats);
	value_of(&price, row->max_fee);
	if (w3w__u256_mul_u64(&gas_cost, &price, (uint64_t)row->gas_limit) != 0)
		return fail(chain, actor, row, "fee out of range", 0, stats);
	if ((st = w3w__evm_address_read(hot, row->s.to_address, "to_address")) != W3W_OK ||
	    (st = w3w__sweep_balance(chain, w3w__asset_native(chain), row->s.address, &native)) != W3W_OK ||
	    (st = chain->adapter->nonce(chain->adapter, row->s.address, 1, &nonce)) != W3W_OK)
		return st;
	memset(&tx, 0, sizeof(tx));
	tx_fees(&tx, row);
	tx.chain_id = chain->chain_id;
	tx.nonce = nonce;
	tx.gas_limit = (uint64_t)row->gas_limit;
	/* Balances are read again now: a round that died after planning must not send what is no longer there. */
	if (asset->native) {
		if (w3w__u256_sub(&amount, &native, &gas_cost) != 0 || w3w__u256_is_zero(&amount))
			return fail(chain, actor, row, "the balance no longer covers the fee", 0, stats);
		memcpy(tx.to, hot, 20);
		memcpy(tx.value.be, amount.be, 32);
	} else {
		if ((st = token_balance(chain, asset, row->s.address, &amount)) != W3W_OK)
			return st;
		if (w3w__u256_is_zero(&amount))
			return fail(chain, actor, row, "no token balance left to sweep", 0, stats);
		if (w3w__u256_cmp(&native, &gas_cost) < 0)
			return fail(chain, actor, row, "the address cannot pay the sweep's gas", 0, stats);
		memcpy(tx.to, asset->contract, 20);
		w3w__erc20_transfer_data(data, hot, &amount);
		tx.data = data;
		tx.data_len = sizeof(data);
	}
	text_of(row->s.amount, &amount);
	row->s.nonce = (int64_t)nonce;
	st = sign_into(chain, actor, row, W3W_SIGNER_SWEEP, &tx, row->raw_tx, row->s.tx_hash);
	if (st != W3W_OK)
		return not_signed(chain, actor, row, st, 0, stats);
	row->s.status = W3W_SWEEP_SIGNED;
	if ((st = move(chain, actor, row, from, 0)) != W3W_OK)
		return st;
	return broadcast(chain, actor, row, row->raw_tx, 0, stats);
}

static w3w_status sweep_follow(w3w_chain *chain, const w3w_actor *actor, w3w_sweep_row *row, w3w_sweep_stats *stats)
{
	w3w_chain_receipt rc;
	char why[W3W_NAME_SIZE] = "";
	uint64_t head = 0;
	int nonce_free = 0;
	tx_fate fate;
	w3w_status st;

	if ((st = follow_tx(chain, row->s.tx_hash, row->raw_tx, &rc, &fate, why, &nonce_free)) != W3W_OK)
		return st;
	if (fate == TX_GONE)
		return fail(chain, actor, row, why, 0, stats);
	if (fate == TX_MINED && (st = chain->adapter->head(chain->adapter, &head)) != W3W_OK)
		return st;
	if (fate == TX_PENDING || head < rc.block_number || head - rc.block_number + 1 < (uint64_t)chain->opts.confirmations) {
		stats->pending++;
		return W3W_OK;
	}
	if ((st = fee_paid(chain, row, &rc, row->s.sweep_fee)) != W3W_OK)
		return st;
	if (!rc.success)
		return fail(chain, actor, row, "the sweep reverted on chain", 0, stats);
	row->s.status = W3W_SWEEP_CONFIRMED;
	if ((st = move(chain, actor, row, W3W_SWEEP_SIGNED, 0)) == W3W_OK)
		stats->confirmed++;
	return st;
}

w3w_status w3w__sweep_advance(w3w_chain *chain, const w3w_actor *actor, w3w_sweep_row *row, w3w_sweep_stats *stats)
{
	int mined = 0;
	w3w_status st;

	switch (row->s.status) {
	case W3W_SWEEP_PLANNED:
		/* A top-up is sent, and its receipt awaited by the next round; without one the sweep goes now. */
		if (row->s.topup_nonce >= 0)
			return topup(chain, actor, row, stats);
		return sweep(chain, actor, row, stats);
	case W3W_SWEEP_TOPUP_SIGNED:
		if ((st = topup_follow(chain, actor, row, stats, &mined)) != W3W_OK || !mined)
			return st;
		return sweep(chain, actor, row, stats);
	case W3W_SWEEP_TOPUP_MINED:
		return sweep(chain, actor, row, stats);
	case W3W_SWEEP_SIGNED:
		return sweep_follow(chain, actor, row, stats);
	default:
		return W3W_OK;
	}
}

/*
 * On-chain withdrawals, the steps a caller waits for:
 *
 *   preflight   the node answers: chain id, the hot wallet's pending nonce,
 *               fees, a gas estimate (unreachable: nothing is held)
 *   held        storage: hold the amount, allocate the nonce   (one command)
 *   signed      the hot key signs; raw bytes and hash stored   (one command)
 *   broadcast   the node accepted the bytes                    (one command)
 *   failed      the node refused them: hold released, nonce given back
 *
 * Receipts, confirmations, settling and re-broadcasts are follow.c's, run
 * by w3w_chain_poll(). Each step is an event and an audit record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/validate.h"
#include "core/write.h"
#include "crypto/crypto.h"
#include "crypto/hex.h"
#include "wallet/wallet_internal.h"


/* What a transaction needs from the node besides the nonce. */
typedef struct plan {
	w3w_chain_fees fees;
	uint64_t gas_limit;
} plan;

static void to_public(w3w_u256 *out, const w3w__u256 *v)
{
	memcpy(out->be, v->be, 32);
}

void w3w__erc20_transfer_data(unsigned char data[68], const unsigned char to[20], const w3w__u256 *value)
{
	/* transfer(address,uint256) */
	static const unsigned char transfer_selector[4] = { 0xa9, 0x05, 0x9c, 0xbb };

	memcpy(data, transfer_selector, 4);
	memset(data + 4, 0, 12);
	memcpy(data + 16, to, 20);
	memcpy(data + 36, value->be, 32);
}

/* The call the transaction will make: to, value and data. */
typedef struct tx_shape {
	unsigned char to[20];
	char to_hex[W3W_ADDRESS_SIZE];
	w3w__u256 value;
	unsigned char data[68];
	size_t data_len;
} tx_shape;

static w3w_status shape_of(tx_shape *s, const w3w_chain *chain, const w3w_withdrawal *w)
{
	const w3w__asset *asset = w3w__asset_by_currency(chain, w->currency);
	unsigned char recipient[20];
	w3w__u256 value;
	w3w_status st;

	if (!asset)
		return w3w_error_set(W3W_EINVAL, "currency: %s is not configured on chain %s", w->currency, chain->key);
	if ((st = w3w__units_to_chain(&value, w->amount, asset->decimals, asset->currency)) != W3W_OK ||
	    (st = w3w__evm_address_read(recipient, w->to_address, "to_address")) != W3W_OK)
		return st;
	memset(s, 0, sizeof(*s));
	if (asset->native) {
		memcpy(s->to, recipient, 20);
		s->value = value;
	} else {
		memcpy(s->to, asset->contract, 20);
		w3w__erc20_transfer_data(s->data, recipient, &value);
		s->data_len = sizeof(s->data);
	}
	strcpy(s->to_hex, "0x");
	w3w__crypto_hex_encode(s->to_hex + 2, sizeof(s->to_hex) - 2, s->to, 20);
	return W3W_OK;
}

/* Fees and gas for `shape` sent by `from`; any failure means nothing can be sent now. */
static w3w_status make_plan(plan *p, w3w_chain *chain, const tx_shape *shape, const char *from)
{
	w3w_chain_adapter *a = chain->adapter;
	w3w_chain_call call;
	uint64_t gas = 0;
	w3w_status st;

	memset(p, 0, sizeof(*p));
	if ((st = a->fees(a, &p->fees)) != W3W_OK)
		return st;
	memset(&call, 0, sizeof(call));
	call.from = from;
	call.to = shape->to_hex;
	to_public(&call.value, &shape->value);
	call.data = shape->data_len ? shape->data : NULL;
	call.data_len = shape->data_len;
	st = a->estimate_gas(a, &call, &gas);
	if (st == W3W_EINVAL) {
		char why[256];
		snprintf(why, sizeof(why), "%s", w3w_error_message()); /* the message buffer is about to be rewritten */
		return w3w_error_set(W3W_EUNAVAILABLE, "chain %s: the hot wallet %s cannot make this transfer now"
			" (%s)", chain->key, from, why);
	}
	if (st != W3W_OK)
		return st;
	/* A plain transfer costs exactly what was estimated; contract code may vary: 25% margin. */
	p->gas_limit = shape->data_len == 0 && gas == 21000 ? gas : gas + gas / 4 + 1000;
	return W3W_OK;
}

/* ---- one transition of a withdrawal --------------------------------------------- */

static const char *step_action(w3w_withdrawal_status to)
{
	switch (to) {
	case W3W_WITHDRAWAL_SIGNED:    return "wallet.withdrawal_sign";
	case W3W_WITHDRAWAL_BROADCAST: return "wallet.withdrawal_broadcast";
	case W3W_WITHDRAWAL_CONFIRMED: return "wallet.withdrawal_confirm";
	case W3W_WITHDRAWAL_FAILED:    return "wallet.withdrawal_fail";
	case W3W_WITHDRAWAL_DROPPED:   return "wallet.withdrawal_drop";
	default:                       return "wallet.withdrawal";
	}
}

w3w_status w3w__withdrawal_move(w3w_chain *chain, const w3w_actor *actor, w3w_withdrawal_row *row,
	w3w_withdrawal_status to, const char *error, int give_back_nonce)
{
	w3w_ctx *ctx = chain->ctx;
	w3w_cmd_withdrawal_update cmd;
	w3w_withdrawal_row result;
	w3w__write w;
	w3w_status st;

	memset(&cmd, 0, sizeof(cmd));
	strcpy(cmd.id, row->w.id);
	cmd.from_status = row->w.status;
	cmd.to_status = to;
	snprintf(cmd.tx_hash, sizeof(cmd.tx_hash), "%s", row->w.tx_hash);
	snprintf(cmd.raw_tx, sizeof(cmd.raw_tx), "%s", row->raw_tx);
	snprintf(cmd.error, sizeof(cmd.error), "%s", error ? error : "");
	cmd.give_back_nonce = give_back_nonce;
	if ((st = w3w__write_begin(&w, &cmd.meta, ctx, actor, step_action(to), NULL)) != W3W_OK)
		return st;
	if (to == W3W_WITHDRAWAL_CONFIRMED) {
		w3w_transfer *t = &cmd.settlement;
		w3w_id_new(t->id, sizeof(t->id));
		t->created_at = cmd.meta.now;
		snprintf(t->reference, sizeof(t->reference), "%s:%s:%s", row->w.chain, row->w.to_address,
			row->w.tx_hash);
		w3w__write_payload(&w, "transfer_id", t->id);
	}
	w3w__write_field(&w, "withdrawal_id", row->w.id);
	w3w__write_field(&w, "status", w3w_withdrawal_status_name(to));
	w3w__write_payload(&w, "user_id", row->w.user_id);
	w3w__write_payload(&w, "chain", row->w.chain);
	w3w__write_payload(&w, "currency", row->w.currency);
	w3w__write_payload_amount(&w, "amount", row->w.amount);
	w3w__write_payload(&w, "to_address", row->w.to_address);
	if (row->w.tx_hash[0])
		w3w__write_payload(&w, "tx_hash", row->w.tx_hash);
	if (cmd.error[0])
		w3w__write_payload(&w, "error", cmd.error);
	if ((st = w3w__write_prepare(&w, w3w__withdrawal_status_event(to), row->w.id, row->w.id)) == W3W_OK)
		st = ctx->store.wallet.withdrawal_update(ctx->store.handle, &cmd, &result);
	if (st == W3W_OK)
		*row = result;
	return w3w__write_finish(&w, st);
}

/* ---- signing and broadcasting ---------------------------------------------------------- */

static w3w_status sign_tx(w3w_chain *chain, const w3w_actor *actor, const tx_shape *shape, const plan *p,
	int64_t nonce, unsigned char **raw, size_t *raw_len, unsigned char hash[32])
{
	w3w_signer_tx tx;

	memset(&tx, 0, sizeof(tx));
	tx.type = p->fees.eip1559 ? 2 : 0;
	tx.chain_id = chain->chain_id;
	tx.nonce = (uint64_t)nonce;
	tx.gas_price = p->fees.gas_price;
	tx.max_fee_per_gas = p->fees.max_fee_per_gas;
	tx.max_priority_fee_per_gas = p->fees.max_priority_fee_per_gas;
	tx.gas_limit = p->gas_limit;
	memcpy(tx.to, shape->to, 20);
	to_public(&tx.value, &shape->value);
	tx.data = shape->data_len ? shape->data : NULL;
	tx.data_len = shape->data_len;
	return w3w__hot_sign(chain, actor, &tx, raw, raw_len, hash);
}

/* The signer's policy refused: it never will sign this one, so the hold goes back (the nonce too). */
static w3w_status refused(w3w_chain *chain, const w3w_actor *actor, w3w_withdrawal_row *row)
{
	char why[W3W_NAME_SIZE];
	w3w_status st;

	snprintf(why, sizeof(why), "%s", w3w_error_message());
	if ((st = w3w__withdrawal_move(chain, actor, row, W3W_WITHDRAWAL_FAILED, why, 1)) != W3W_OK)
		return st;
	return w3w_error_set(W3W_EFORBIDDEN, "chain %s: withdrawal %s: %s; hold released", chain->key, row->w.id, why);
}

/* The record of a signed transaction: kind, hash, bytes, fees, gas, and the head it was signed at. */
static w3w_status attempt_of(w3w_withdrawal_attempt_row *out, w3w_withdrawal_attempt_kind kind, const plan *p,
	uint64_t head, unsigned char *raw, size_t raw_len, const unsigned char hash[32])
{
	w3w_withdrawal_attempt *a = &out->a;

	memset(out, 0, sizeof(*out));
	if (2 + 2 * raw_len + 1 > sizeof(out->raw_tx)) {
		free(raw);
		return w3w_error_set(W3W_EINTERNAL, "sign: raw transaction of %zu bytes too long", raw_len);
	}
	strcpy(out->raw_tx, "0x");
	w3w__crypto_hex_encode(out->raw_tx + 2, sizeof(out->raw_tx) - 2, raw, raw_len);
	free(raw);
	strcpy(a->tx_hash, "0x");
	w3w__crypto_hex_encode(a->tx_hash + 2, sizeof(a->tx_hash) - 2, hash, 32);
	a->kind = kind;
	if (p->fees.eip1559) {
		w3w__u256_text(a->max_fee_per_gas, &p->fees.max_fee_per_gas);
		w3w__u256_text(a->max_priority_fee_per_gas, &p->fees.max_priority_fee_per_gas);
	} else {
		w3w__u256_text(a->gas_price, &p->fees.gas_price);
	}
	a->gas_limit = p->gas_limit;
	a->block = head;
	return W3W_OK;
}

/* Sign with fees and gas already asked for (`given`), or ask now. */
static w3w_status sign_with(w3w_chain *chain, const w3w_actor *actor, w3w_withdrawal_row *row,
	const plan *given)
{
	unsigned char *raw = NULL, hash[32];
	size_t raw_len = 0;
	uint64_t head = 0;
	w3w_withdrawal_attempt_row *attempt;
	tx_shape shape;
	plan p;
	w3w_status st;

	if ((st = shape_of(&shape, chain, &row->w)) != W3W_OK)
		return st;
	if (given)
		p = *given;
	else if ((st = make_plan(&p, chain, &shape, row->w.from_address)) != W3W_OK)
		return st;
	st = sign_tx(chain, actor, &shape, &p, row->w.nonce, &raw, &raw_len, hash);
	if (st == W3W_EFORBIDDEN)
		return refused(chain, actor, row);
	if (st != W3W_OK)
		return st;
	/* A store that keeps attempts records the first one with the move to signed. */
	if (chain->ctx->store.wallet.withdrawal_attempt_add) {
		if (!(attempt = malloc(sizeof(*attempt)))) {
			free(raw);
			return w3w_error_set(W3W_ENOMEM, "sign: out of memory");
		}
		(void)chain->adapter->head(chain->adapter, &head); /* only dates the attempt: 0 when unknown */
		st = attempt_of(attempt, W3W_ATTEMPT_ORIGINAL, &p, head, raw, raw_len, hash);
		if (st == W3W_OK)
			st = w3w__withdrawal_attempt_record(chain, actor, row, attempt);
		free(attempt);
		return st;
	}
	if (2 + 2 * raw_len + 1 > sizeof(row->raw_tx)) {
		free(raw);
		return w3w_error_set(W3W_EINTERNAL, "sign: raw transaction of %zu bytes too long", raw_len);
	}
	strcpy(row->raw_tx, "0x");
	w3w__crypto_hex_encode(row->raw_tx + 2, sizeof(row->raw_tx) - 2, raw, raw_len);
	strcpy(row->w.tx_hash, "0x");
	w3w__crypto_hex_encode(row->w.tx_hash + 2, sizeof(row->w.tx_hash) - 2, hash, 32);
	free(raw);
	return w3w__withdrawal_move(chain, actor, row, W3W_WITHDRAWAL_SIGNED, NULL, 0);
}

/* 0 to the hot wallet itself: what a cancellation sends (the nonce is used, nothing leaves). */
static void cancel_shape(tx_shape *s, const char *hot)
{
	memset(s, 0, sizeof(*s));
	(void)w3w__evm_address_read(s->to, hot, "from_address");
	snprintf(s->to_hex, sizeof(s->to_hex), "%s", hot);
}

w3w_status w3w__withdrawal_attempt_sign(w3w_chain *chain, const w3w_actor *actor, const w3w_withdrawal_row *row,
	w3w_withdrawal_attempt_kind kind, const w3w_chain_fees *fees, uint64_t head, w3w_withdrawal_attempt_row *out)
{
	unsigned char *raw = NULL, hash[32];
	size_t raw_len = 0;
	tx_shape shape;
	plan p;
	w3w_status st;

	if (kind == W3W_ATTEMPT_CANCELLATION) {
		cancel_shape(&shape, row->w.from_address);
		memset(&p, 0, sizeof(p));
		p.gas_limit = 21000; /* a plain transfer costs exactly that */
	} else if ((st = shape_of(&shape, chain, &row->w)) != W3W_OK ||
		   (st = make_plan(&p, chain, &shape, row->w.from_address)) != W3W_OK) {
		return st;
	}
	p.fees = *fees;
	if ((st = sign_tx(chain, actor, &shape, &p, row->w.nonce, &raw, &raw_len, hash)) != W3W_OK)
		return st;
	return attempt_of(out, kind, &p, head, raw, raw_len, hash);
}

static const char *attempt_action(w3w_withdrawal_attempt_kind kind)
{
	return kind == W3W_ATTEMPT_ORIGINAL ? "wallet.withdrawal_sign" :
		kind == W3W_ATTEMPT_REPLACEMENT ? "wallet.withdrawal_replace" : "wallet.withdrawal_cancel";
}

static const char *attempt_event(w3w_withdrawal_attempt_kind kind)
{
	return kind == W3W_ATTEMPT_ORIGINAL ? "wallet.withdrawal_signed" :
		kind == W3W_ATTEMPT_REPLACEMENT ? "wallet.withdrawal_replaced" : "wallet.withdrawal_cancel_sent";
}

w3w_status w3w__withdrawal_attempt_record(w3w_chain *chain, const w3w_actor *actor, w3w_withdrawal_row *row,
	const w3w_withdrawal_attempt_row *attempt)
{
	w3w_ctx *ctx = chain->ctx;
	const w3w_withdrawal_attempt *a = &attempt->a;
	w3w_cmd_withdrawal_attempt *cmd = calloc(1, sizeof(*cmd));
	w3w__write w;
	w3w_status st;

	if (!cmd)
		return w3w_error_set(W3W_ENOMEM, "withdrawal: out of memory");
	strcpy(cmd->id, row->w.id);
	cmd->from_status = row->w.status;
	cmd->attempt = *attempt;
	if ((st = w3w__write_begin(&w, &cmd->meta, ctx, actor, attempt_action(a->kind), NULL)) != W3W_OK) {
		free(cmd);
		return st;
	}
	w3w__write_field(&w, "withdrawal_id", row->w.id);
	w3w__write_field(&w, "status", "signed");
	w3w__write_payload(&w, "user_id", row->w.user_id);
	w3w__write_payload(&w, "chain", row->w.chain);
	w3w__write_payload(&w, "currency", row->w.currency);
	w3w__write_payload_amount(&w, "amount", row->w.amount);
	w3w__write_payload(&w, "to_address", row->w.to_address);
	w3w__write_payload(&w, "tx_hash", a->tx_hash);
	w3w__write_payload(&w, "kind", w3w_withdrawal_attempt_kind_name(a->kind));
	if (a->max_fee_per_gas[0]) {
		w3w__write_payload(&w, "max_fee_per_gas", a->max_fee_per_gas);
		w3w__write_payload(&w, "max_priority_fee_per_gas", a->max_priority_fee_per_gas);
	} else {
		w3w__write_payload(&w, "gas_price", a->gas_price);
	}
	if ((st = w3w__write_prepare(&w, attempt_event(a->kind), row->w.id, row->w.id)) == W3W_OK)
		st = ctx->store.wallet.withdrawal_attempt_add(ctx->store.handle, cmd, row);
	st = w3w__write_finish(&w, st); /* reads cmd->meta */
	free(cmd);
	return st;
}

w3w_status w3w__withdrawal_sign(w3w_chain *chain, const w3w_actor *actor, w3w_withdrawal_row *row)
{
	return sign_with(chain, actor, row, NULL);
}

w3w_status w3w__send_raw_hex(w3w_chain *chain, const char *raw_hex, w3w_chain_send_result *res)
{
	w3w_chain_adapter *a = chain->adapter;
	unsigned char *raw;
	size_t len = 0, hex_len = strlen(raw_hex);
	w3w_status st;

	memset(res, 0, sizeof(*res));
	res->outcome = W3W_SEND_NOT_SENT;
	if (hex_len < 4 || !(raw = malloc(hex_len / 2)))
		return w3w_error_set(hex_len < 4 ? W3W_EINTERNAL : W3W_ENOMEM, "broadcast: no raw transaction");
	if (w3w__crypto_hex_decode(raw, hex_len / 2, &len, raw_hex, hex_len) != 0) {
		free(raw);
		return w3w_error_set(W3W_EINTERNAL, "broadcast: stored raw transaction is not hex");
	}
	st = a->send_raw(a, raw, len, res);
	free(raw);
	if (st == W3W_OK)
		res->outcome = W3W_SEND_ACCEPTED;
	else if (res->outcome == W3W_SEND_ACCEPTED)
		res->outcome = W3W_SEND_UNKNOWN; /* an adapter that contradicts itself is not believed */
	if (st != W3W_OK && !res->message[0])
		snprintf(res->message, sizeof(res->message), "%s", w3w_error_message());
	return st;
}

w3w_status w3w__withdrawal_send(w3w_chain *chain, const w3w_withdrawal_row *row, w3w_chain_send_result *res)
{
	return w3w__send_raw_hex(chain, row->raw_tx, res);
}

w3w_status w3w__withdrawal_broadcast(w3w_chain *chain, const w3w_actor *actor, w3w_withdrawal_row *row)
{
	w3w_chain_send_result res;
	char why[W3W_NAME_SIZE + 8];
	w3w_status st = w3w__withdrawal_send(chain, row, &res);

	if (st == W3W_OK)
		return w3w__withdrawal_move(chain, actor, row, W3W_WITHDRAWAL_BROADCAST, NULL, 0);
	snprintf(why, sizeof(why), "node: %s", res.message);
	why[W3W_NAME_SIZE - 1] = '\0'; /* fits the record's error field */
	switch (res.outcome) {
	case W3W_SEND_REJECTED:
	case W3W_SEND_UNDERPRICED:
	case W3W_SEND_NOT_SENT:
		/* Never in any pool: the nonce is free again. */
		st = w3w__withdrawal_move(chain, actor, row, W3W_WITHDRAWAL_FAILED, why, 1);
		break;
	case W3W_SEND_NONCE_USED:
		st = w3w__withdrawal_move(chain, actor, row, W3W_WITHDRAWAL_FAILED, why, 0);
		break;
	default:
		/* It may have arrived: stays signed, the follower finds out. */
		return w3w_error_set(W3W_EUNAVAILABLE, "chain %s: broadcast of withdrawal %s unconfirmed (%s);"
			" it will be re-broadcast", chain->key, row->w.id, why);
	}
	if (st != W3W_OK)
		return st;
	return w3w_error_set(W3W_EUNAVAILABLE, "chain %s: the node refused withdrawal %s (%s); hold released",
		chain->key, row->w.id, why);
}

/* ---- the public call ----------------------------------------------------------------- */

typedef struct request {
	const w3w__asset *asset;
	char currency[W3W_CURRENCY_SIZE];
	char to[W3W_ADDRESS_SIZE];
} request;

static w3w_status check_request(request *r, w3w_chain *chain, const w3w_actor *actor, const char *currency,
	w3w_amount amount, const char *to_address)
{
	unsigned char to[20];
	w3w__u256 value;
	w3w_status st;

	if ((st = w3w__check_actor(actor)) || (st = w3w__check_currency(r->currency, currency, "currency")) ||
	    (st = w3w__check_amount(amount, "amount")))
		return st;
	if (!(r->asset = w3w__asset_by_currency(chain, r->currency)))
		return w3w_error_set(W3W_EINVAL, "currency: %s is not configured on chain %s", r->currency, chain->key);
	if ((st = w3w__units_to_chain(&value, amount, r->asset->decimals, r->currency)) != W3W_OK ||
	    (st = w3w__evm_address_read(to, to_address, "to_address")) != W3W_OK)
		return st;
	w3w__evm_address_text(r->to, to);
	/* With a signer, the seed is not this context's business. */
	return chain->signer ? W3W_OK : w3w__wallet_need_key(chain->ctx);
}

/*
 * Where money must not go unless the chain's options allow it: nowhere
 * (the zero address burns it), or back into custody (the hot wallet, a
 * deposit address): the ledger would lose money the custody still holds.
 */
static w3w_status check_destination(w3w_chain *chain, const w3w__store *storage, const request *r,
	const char *hot)
{
	static const char zero[] = "0x0000000000000000000000000000000000000000";
	w3w_wallet owner;
	w3w_status st;

	if (!chain->opts.allow_zero_address && strcmp(r->to, zero) == 0)
		return w3w_error_set(W3W_EINVAL, "to_address: the zero address burns what is sent there; refused"
			" (chain option allow_zero_address)");
	if (chain->opts.allow_custody_addresses)
		return W3W_OK;
	if (strcmp(r->to, hot) == 0)
		return w3w_error_set(W3W_EINVAL, "to_address: %s is this custody's hot wallet; refused"
			" (chain option allow_custody_addresses)", r->to);
	st = storage->wallet.wallet_find(storage->handle, "evm", r->to, &owner);
	if (st == W3W_OK)
		return w3w_error_set(W3W_EINVAL, "to_address: %s is a deposit address of this custody; refused"
			" (move funds between users with a transfer; chain option allow_custody_addresses)", r->to);
	return st == W3W_ENOTFOUND ? W3W_OK : st;
}

static w3w_status create_row(w3w_chain *chain, const w3w_actor *actor, const request *r, w3w_amount amount,
	const char *from, uint64_t floor, const char *idempotency_key, w3w_withdrawal_row *row, int *replayed)
{
	w3w_ctx *ctx = chain->ctx;
	w3w_cmd_withdrawal_create cmd;
	w3w__write w;
	w3w_status st;

	memset(&cmd, 0, sizeof(cmd));
	w3w_id_new(cmd.w.id, sizeof(cmd.w.id));
	strcpy(cmd.w.user_id, actor->user_id);
	strcpy(cmd.w.chain, chain->key);
	strcpy(cmd.w.currency, r->currency);
	cmd.w.amount = amount;
	strcpy(cmd.w.to_address, r->to);
	snprintf(cmd.w.from_address, sizeof(cmd.w.from_address), "%s", from);
	cmd.w.status = W3W_WITHDRAWAL_HELD;
	cmd.w.nonce = -1;
	cmd.nonce_floor = (int64_t)floor;
	if ((st = w3w__write_begin(&w, &cmd.meta, ctx, actor, "wallet.withdrawal_create", idempotency_key)) != W3W_OK)
		return st;
	cmd.w.created_at = cmd.w.updated_at = cmd.meta.now;
	w3w__write_field(&w, "chain", chain->key);
	w3w__write_field(&w, "currency", r->currency);
	w3w__write_amount(&w, "amount", amount);
	w3w__write_field(&w, "to_address", r->to);
	w3w__write_payload(&w, "withdrawal_id", cmd.w.id);
	w3w__write_payload(&w, "user_id", cmd.w.user_id);
	w3w__write_payload(&w, "from_address", cmd.w.from_address);
	if ((st = w3w__write_prepare(&w, "wallet.withdrawal_held", cmd.w.id, cmd.w.id)) == W3W_OK)
		st = ctx->store.wallet.withdrawal_create(ctx->store.handle, &cmd, row);
	*replayed = cmd.meta.replayed;
	return w3w__write_finish(&w, st);
}

w3w_status w3w_wallet_withdraw(w3w_withdrawal *out, w3w_chain *chain, const w3w_actor *actor,
	const char *currency, w3w_amount amount, const char *to_address, const char *idempotency_key)
{
	w3w_withdrawal_row *row;
	const w3w__store *storage;
	char from[W3W_ADDRESS_SIZE];
	uint64_t floor = 0;
	tx_shape shape;
	w3w_withdrawal w;
	request r;
	plan p;
	int replayed = 0;
	w3w_status st;

	if (out)
		memset(out, 0, sizeof(*out));
	if (!chain)
		return w3w_error_set(W3W_EINVAL, "chain: NULL");
	if ((st = w3w__wallet_storage(chain->ctx, &storage)) ||
	    (st = check_request(&r, chain, actor, currency, amount, to_address)) ||
	    (st = w3w_idempotency_key_check(idempotency_key)))
		return st;
	if ((st = w3w__hot_address(chain, actor, 1, from)) != W3W_OK ||
	    (st = check_destination(chain, storage, &r, from)) != W3W_OK)
		return st;

	/* Preflight: the node must be there and able, before anything is held. */
	memset(&w, 0, sizeof(w));
	strcpy(w.currency, r.currency);
	w.amount = amount;
	strcpy(w.to_address, r.to);
	if ((st = w3w__chain_check_id(chain)) ||
	    (st = chain->adapter->nonce(chain->adapter, from, 1, &floor)) ||
	    (st = shape_of(&shape, chain, &w)) || (st = make_plan(&p, chain, &shape, from)))
		return st;

	if (!(row = calloc(1, sizeof(*row))))
		return w3w_error_set(W3W_ENOMEM, "withdraw: out of memory");
	st = create_row(chain, actor, &r, amount, from, floor, idempotency_key, row, &replayed);
	if (st == W3W_OK && !replayed) {
		st = sign_with(chain, actor, row, &p);
		/* The signer is down: the withdrawal stays held, and this chain's follower signs it once it is back. */
		if (st == W3W_EUNAVAILABLE && chain->signer && row->w.status == W3W_WITHDRAWAL_HELD) {
			w3w__hot_defer(chain, row->w.id);
			st = W3W_OK;
		} else if (st == W3W_OK)
			st = w3w__withdrawal_broadcast(chain, actor, row);
		/* Lost answer: the withdrawal stands (signed), the follower re-broadcasts it. */
		if (st == W3W_EUNAVAILABLE && row->w.status == W3W_WITHDRAWAL_SIGNED)
			st = W3W_OK;
	}
	if (out && row->w.id[0])
		*out = row->w;
	free(row);
	return st;
}

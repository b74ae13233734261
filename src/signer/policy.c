/*
 * What w3wallet-signer agrees to sign: a plain native transfer or an
 * ERC-20 transfer(address,uint256) of a listed token, on an allowed
 * chain, to anyone but the zero address (unless allowed), of at most the
 * asset's per-transaction maximum, with a bounded gas limit and fee per
 * gas (fees are paid from the hot wallet too: an unbounded fee would be
 * a way to empty it to whoever produces the block). A cancellation (0 to
 * the hot wallet itself, no call data: only its nonce is used, to replace
 * a stuck withdrawal) is signed whatever the native maximum. Anything
 * else (other call data, value sent to a token, an unlisted contract) is
 * refused: the signer never signs what it cannot read.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/evm.h"
#include "crypto/u256.h"
#include "signer/protocol.h"

static const unsigned char transfer_selector[4] = { 0xa9, 0x05, 0x9c, 0xbb };
static const unsigned char zero[32];

static int parse_u256(w3w_u256 *out, const char *text)
{
	w3w__u256 v;

	if (!*text || strspn(text, "0123456789") != strlen(text) || w3w__u256_parse(&v, text, strlen(text)) != 0)
		return -1;
	memcpy(out->be, v.be, 32);
	return 0;
}

int w3w__sp_policy_chain(w3w__sp_policy *p, const char *text, char *why, size_t why_len)
{
	w3w_u256 v;
	uint64_t id = 0;

	if (parse_u256(&v, text) != 0 || memcmp(v.be, zero, 24) != 0)
		return w3w__sp_refuse(why, why_len, "chain id \"%s\": expected a decimal number", text);
	for (int i = 24; i < 32; i++)
		id = id << 8 | v.be[i];
	if (id == 0)
		return w3w__sp_refuse(why, why_len, "chain id: 0 is no chain");
	if (p->chain_count == W3W__SP_CHAINS_MAX)
		return w3w__sp_refuse(why, why_len, "chain id: at most %d", W3W__SP_CHAINS_MAX);
	p->chain_ids[p->chain_count++] = id;
	return 0;
}

int w3w__sp_policy_max(w3w__sp_policy *p, const char *text, char *why, size_t why_len)
{
	const char *eq = strchr(text, '=');
	w3w_u256 max;
	size_t n;

	if (!eq || parse_u256(&max, eq + 1) != 0)
		return w3w__sp_refuse(why, why_len, "max \"%s\": expected native=WEI or 0xCONTRACT=UNITS (decimal)", text);
	if ((size_t)(eq - text) == 6 && strncmp(text, "native", 6) == 0) {
		p->native_max = max;
		p->has_native_max = 1;
		return 0;
	}
	if (p->token_count == W3W__SP_TOKENS_MAX)
		return w3w__sp_refuse(why, why_len, "max: at most %d tokens", W3W__SP_TOKENS_MAX);
	n = p->token_count;
	if (w3w__evm_address_parse(p->tokens[n].contract, text, (size_t)(eq - text), 0) != 0)
		return w3w__sp_refuse(why, why_len, "max \"%s\": the contract is not an address (0x and 40 hex digits)", text);
	p->tokens[n].max = max;
	p->token_count++;
	return 0;
}

int w3w__sp_policy_max_fee(w3w__sp_policy *p, const char *text, char *why, size_t why_len)
{
	if (parse_u256(&p->max_fee, text) != 0)
		return w3w__sp_refuse(why, why_len, "max fee \"%s\": expected wei per gas (decimal)", text);
	p->has_max_fee = 1;
	return 0;
}

static int chain_allowed(const w3w__sp_policy *p, uint64_t id)
{
	for (size_t i = 0; i < p->chain_count; i++)
		if (p->chain_ids[i] == id)
			return 1;
	return 0;
}

static int above(const w3w_u256 *v, const w3w_u256 *max)
{
	return memcmp(v->be, max->be, 32) > 0; /* big-endian: byte order is number order */
}

static void decimal(char out[W3W__U256_DECIMAL_SIZE], const w3w_u256 *v)
{
	w3w__u256 x;

	memcpy(x.be, v->be, 32);
	w3w__u256_to_decimal(out, W3W__U256_DECIMAL_SIZE, &x);
}

/* An ERC-20 transfer(address,uint256) of a listed token, no native value: *token is its index in p->tokens. */
static int listed_token_call(const w3w__sp_policy *p, const w3w_signer_tx *tx, size_t *token, char *why,
	size_t why_len)
{
	size_t i;

	if (tx->data_len != 68 || memcmp(tx->data, transfer_selector, 4) != 0 || memcmp(tx->data + 4, zero, 12) != 0)
		return w3w__sp_refuse(why, why_len, "call data: only an ERC-20 transfer(address,uint256) is signed");
	if (memcmp(tx->value.be, zero, 32) != 0)
		return w3w__sp_refuse(why, why_len, "value: a token transfer sends no native value");
	for (i = 0; i < p->token_count && memcmp(p->tokens[i].contract, tx->to, 20) != 0; i++)
		;
	if (i == p->token_count)
		return w3w__sp_refuse(why, why_len, "to: contract is not a listed token");
	*token = i;
	return 0;
}

static int token_transfer(const w3w__sp_policy *p, const w3w_signer_tx *tx, char *why, size_t why_len)
{
	char amount_text[W3W__U256_DECIMAL_SIZE], max_text[W3W__U256_DECIMAL_SIZE];
	w3w_u256 amount;
	size_t i;

	if (listed_token_call(p, tx, &i, why, why_len) != 0)
		return -1;
	if (!p->allow_zero_address && memcmp(tx->data + 16, zero, 20) == 0)
		return w3w__sp_refuse(why, why_len, "recipient: the zero address");
	memcpy(amount.be, tx->data + 36, 32);
	if (above(&amount, &p->tokens[i].max)) {
		decimal(amount_text, &amount);
		decimal(max_text, &p->tokens[i].max);
		return w3w__sp_refuse(why, why_len, "amount: %s above the per-transaction maximum %s", amount_text, max_text);
	}
	return 0;
}

/* The fee per gas the transaction may pay: its gas price, or its EIP-1559 cap (the tip must fit under it). */
static int fee_allowed(const w3w__sp_policy *p, const w3w_signer_tx *tx, char *why, size_t why_len)
{
	const w3w_u256 *fee = tx->type == 2 ? &tx->max_fee_per_gas : &tx->gas_price;
	char fee_text[W3W__U256_DECIMAL_SIZE], max_text[W3W__U256_DECIMAL_SIZE];
	w3w_u256 max = p->max_fee;

	if (!p->has_max_fee)
		parse_u256(&max, W3W__SP_FEE_DEFAULT);
	if (tx->type == 2 && above(&tx->max_priority_fee_per_gas, &tx->max_fee_per_gas))
		return w3w__sp_refuse(why, why_len, "max_priority_fee_per_gas: above max_fee_per_gas");
	if (!above(fee, &max))
		return 0;
	decimal(fee_text, fee);
	decimal(max_text, &max);
	return w3w__sp_refuse(why, why_len, "fee: %s wei per gas above the maximum %s", fee_text, max_text);
}

/* What every signed transaction must be: an allowed chain, a known type, bounded gas and fee. */
static int envelope_allowed(const w3w__sp_policy *p, const w3w_signer_tx *tx, char *why, size_t why_len)
{
	uint64_t max_gas = p->max_gas ? p->max_gas : W3W__SP_GAS_DEFAULT;

	if (!chain_allowed(p, tx->chain_id))
		return w3w__sp_refuse(why, why_len, "chain_id: %" PRIu64 " is not a chain this signer signs for", tx->chain_id);
	if (tx->type != 0 && tx->type != 2)
		return w3w__sp_refuse(why, why_len, "type: %d is not 0 or 2", tx->type);
	if (tx->gas_limit > max_gas)
		return w3w__sp_refuse(why, why_len, "gas_limit: %" PRIu64 " above %" PRIu64, tx->gas_limit, max_gas);
	return fee_allowed(p, tx, why, why_len);
}

int w3w__sp_policy_check(const w3w__sp_policy *p, const w3w_signer_tx *tx, char *why, size_t why_len)
{
	char value_text[W3W__U256_DECIMAL_SIZE], max_text[W3W__U256_DECIMAL_SIZE];

	if (envelope_allowed(p, tx, why, why_len) != 0)
		return -1;
	if (tx->data_len)
		return token_transfer(p, tx, why, why_len);
	if (!p->allow_zero_address && memcmp(tx->to, zero, 20) == 0)
		return w3w__sp_refuse(why, why_len, "to: the zero address");
	if (p->has_self && memcmp(tx->to, p->self, 20) == 0 && memcmp(tx->value.be, zero, 32) == 0)
		return 0;
	if (!p->has_native_max)
		return w3w__sp_refuse(why, why_len, "value: no maximum for native transfers is configured");
	if (above(&tx->value, &p->native_max)) {
		decimal(value_text, &tx->value);
		decimal(max_text, &p->native_max);
		return w3w__sp_refuse(why, why_len, "value: %s wei above the per-transaction maximum %s", value_text, max_text);
	}
	return 0;
}

int w3w__sp_policy_topup_max(w3w__sp_policy *p, const char *text, char *why, size_t why_len)
{
	if (parse_u256(&p->topup_max, text) != 0)
		return w3w__sp_refuse(why, why_len, "max top-up \"%s\": expected wei (decimal)", text);
	p->has_topup_max = 1;
	return 0;
}

/* A sweep: the whole balance may go, but only to the hot wallet (it never leaves custody). */
static int sweep_allowed(const w3w__sp_policy *p, const w3w_signer_tx *tx, const unsigned char hot[20], char *why,
	size_t why_len)
{
	size_t token;

	if (!tx->data_len)
		return memcmp(tx->to, hot, 20) == 0 ? 0 : w3w__sp_refuse(why, why_len, "to: a sweep pays only the hot wallet");
	if (listed_token_call(p, tx, &token, why, why_len) != 0)
		return -1;
	if (memcmp(tx->data + 16, hot, 20) != 0)
		return w3w__sp_refuse(why, why_len, "recipient: a sweep pays only the hot wallet");
	return 0;
}

int w3w__sp_policy_custody(const w3w__sp_policy *p, w3w__sp_op op, const w3w_signer_tx *tx, const unsigned char hot[20],
	const unsigned char deposit[20], char *why, size_t why_len)
{
	char value_text[W3W__U256_DECIMAL_SIZE], max_text[W3W__U256_DECIMAL_SIZE];

	if (envelope_allowed(p, tx, why, why_len) != 0)
		return -1;
	if (op == W3W__SP_OP_SWEEP)
		return sweep_allowed(p, tx, hot, why, why_len);
	if (tx->data_len || memcmp(tx->to, deposit, 20) != 0)
		return w3w__sp_refuse(why, why_len, "to: a top-up sends only gas, only to the deposit address of its index");
	if (!p->has_topup_max)
		return w3w__sp_refuse(why, why_len, "value: no maximum for gas top-ups is configured (--max-topup)");
	if (above(&tx->value, &p->topup_max)) {
		decimal(value_text, &tx->value);
		decimal(max_text, &p->topup_max);
		return w3w__sp_refuse(why, why_len, "value: top-up of %s wei above the maximum %s", value_text, max_text);
	}
	return 0;
}

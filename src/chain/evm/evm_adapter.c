/*
 * The built-in "evm" chain adapter: the chain adapter interface
 * (w3wallet/sys/chain.h) over Ethereum JSON-RPC (eth_* methods), as geth,
 * Erigon, Nethermind, anvil and hosted providers serve it.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "chain/evm/evm_json.h"
#include "chain/evm/rpc.h"
#include "crypto/keccak.h"
#include "crypto/hex.h"

typedef struct evm_adapter {
	w3w_chain_adapter base;  /* first: what core holds */
	w3w__rpc rpc;
} evm_adapter;

static w3w__rpc *rpc_of(w3w_chain_adapter *a)
{
	return &((evm_adapter *)a)->rpc;
}

/* Call and hand back the reply; the caller frees it when the status is W3W_OK. */
static w3w_status call(w3w_chain_adapter *a, const char *method, cJSON *params, w3w__rpc_reply *reply)
{
	w3w_status st = w3w__rpc_call(rpc_of(a), method, params, reply);
	if (st != W3W_OK)
		w3w__rpc_reply_free(reply);
	return st;
}

/* The same message under another status (copied first: the message buffer is rewritten). */
static w3w_status as_unavailable(void)
{
	char message[512];
	snprintf(message, sizeof(message), "%s", w3w_error_message());
	return w3w_error_set(W3W_EUNAVAILABLE, "%s", message);
}

/* A node's error object where a plain answer was expected is an outage of the node, not bad input. */
static w3w_status call_plain(w3w_chain_adapter *a, const char *method, cJSON *params, w3w__rpc_reply *reply)
{
	w3w_status st = call(a, method, params, reply);
	if (st == W3W_EINVAL)
		st = as_unavailable();
	return st;
}

static cJSON *params_of(cJSON *first, cJSON *second)
{
	cJSON *p = cJSON_CreateArray();
	if (p && first)
		cJSON_AddItemToArray(p, first);
	if (p && second)
		cJSON_AddItemToArray(p, second);
	return p;
}

static w3w_status evm_chain_id(w3w_chain_adapter *a, uint64_t *out)
{
	w3w__rpc_reply r;
	w3w_status st = call_plain(a, "eth_chainId", params_of(NULL, NULL), &r);

	if (st != W3W_OK)
		return st;
	st = w3w__ej_quantity(r.result, out, "eth_chainId", "result");
	w3w__rpc_reply_free(&r);
	return st;
}

static w3w_status evm_head(w3w_chain_adapter *a, uint64_t *out)
{
	w3w__rpc_reply r;
	w3w_status st = call_plain(a, "eth_blockNumber", params_of(NULL, NULL), &r);

	if (st != W3W_OK)
		return st;
	st = w3w__ej_quantity(r.result, out, "eth_blockNumber", "result");
	w3w__rpc_reply_free(&r);
	return st;
}

static void evm_block_free(w3w_chain_adapter *a, w3w_chain_block *b)
{
	(void)a;
	if (!b)
		return;
	free(b->txs);
	free(b);
}

static w3w_status read_txs(const cJSON *list, w3w_chain_block *b)
{
	static const char m[] = "eth_getBlockByNumber";
	size_t n = 0;
	const cJSON *t;

	if (!cJSON_IsArray(list))
		return w3w_error_set(W3W_EUNAVAILABLE, "evm node: %s: answer field transactions is not a list", m);
	b->tx_count = (size_t)cJSON_GetArraySize(list);
	if (b->tx_count && !(b->txs = calloc(b->tx_count, sizeof(*b->txs))))
		return w3w_error_set(W3W_ENOMEM, "evm node: %s: out of memory", m);
	cJSON_ArrayForEach(t, list) {
		w3w_chain_tx *tx = &b->txs[n++];
		w3w_status st;
		if ((st = w3w__ej_hash(w3w__ej_get(t, "hash"), tx->hash, m, "transactions[].hash")) ||
		    (st = w3w__ej_address(w3w__ej_get(t, "from"), tx->from, 0, m, "transactions[].from")) ||
		    (st = w3w__ej_address(w3w__ej_get(t, "to"), tx->to, 1, m, "transactions[].to")) ||
		    (st = w3w__ej_u256(w3w__ej_get(t, "value"), &tx->value, m, "transactions[].value")))
			return st;
	}
	return W3W_OK;
}

static w3w_status read_block(const cJSON *j, int with_txs, w3w_chain_block *b)
{
	static const char m[] = "eth_getBlockByNumber";
	uint64_t ts = 0;
	const cJSON *fee = w3w__ej_get(j, "baseFeePerGas");
	w3w_status st;

	if ((st = w3w__ej_quantity(w3w__ej_get(j, "number"), &b->number, m, "number")) ||
	    (st = w3w__ej_hash(w3w__ej_get(j, "hash"), b->hash, m, "hash")) ||
	    (st = w3w__ej_hash(w3w__ej_get(j, "parentHash"), b->parent_hash, m, "parentHash")) ||
	    (st = w3w__ej_quantity(w3w__ej_get(j, "timestamp"), &ts, m, "timestamp")))
		return st;
	b->timestamp = (int64_t)ts;
	if (fee && !cJSON_IsNull(fee)) {
		if ((st = w3w__ej_u256(fee, &b->base_fee, m, "baseFeePerGas")) != W3W_OK)
			return st;
		b->has_base_fee = 1;
	}
	return with_txs ? read_txs(w3w__ej_get(j, "transactions"), b) : W3W_OK;
}

static w3w_status get_block(w3w_chain_adapter *a, cJSON *which, int with_txs, w3w_chain_block **out)
{
	w3w_chain_block *b;
	w3w__rpc_reply r;
	w3w_status st = call_plain(a, "eth_getBlockByNumber", params_of(which, cJSON_CreateBool(with_txs)), &r);

	*out = NULL;
	if (st != W3W_OK)
		return st;
	if (cJSON_IsNull(r.result)) {
		w3w__rpc_reply_free(&r);
		return w3w_error_set(W3W_ENOTFOUND, "evm node: eth_getBlockByNumber: no such block");
	}
	if (!(b = calloc(1, sizeof(*b)))) {
		w3w__rpc_reply_free(&r);
		return w3w_error_set(W3W_ENOMEM, "evm node: out of memory");
	}
	st = read_block(r.result, with_txs, b);
	w3w__rpc_reply_free(&r);
	if (st != W3W_OK) {
		evm_block_free(a, b);
		return st;
	}
	*out = b;
	return W3W_OK;
}

static w3w_status evm_block(w3w_chain_adapter *a, uint64_t number, int with_txs, w3w_chain_block **out)
{
	return get_block(a, w3w__ej_from_u64(number), with_txs, out);
}

static w3w_status evm_receipt(w3w_chain_adapter *a, const char *tx_hash, w3w_chain_receipt *out)
{
	static const char m[] = "eth_getTransactionReceipt";
	const cJSON *status;
	uint64_t ok = 0;
	w3w__rpc_reply r;
	w3w_status st = call_plain(a, m, params_of(cJSON_CreateString(tx_hash), NULL), &r);

	if (st != W3W_OK)
		return st;
	memset(out, 0, sizeof(*out));
	if (cJSON_IsNull(r.result)) {
		w3w__rpc_reply_free(&r);
		return w3w_error_set(W3W_ENOTFOUND, "evm node: no receipt for %s", tx_hash);
	}
	status = w3w__ej_get(r.result, "status");
	if ((st = w3w__ej_hash(w3w__ej_get(r.result, "transactionHash"), out->tx_hash, m, "transactionHash")) == W3W_OK &&
	    (st = w3w__ej_hash(w3w__ej_get(r.result, "blockHash"), out->block_hash, m, "blockHash")) == W3W_OK &&
	    (st = w3w__ej_quantity(w3w__ej_get(r.result, "blockNumber"), &out->block_number, m, "blockNumber")) == W3W_OK &&
	    (st = w3w__ej_quantity(w3w__ej_get(r.result, "gasUsed"), &out->gas_used, m, "gasUsed")) == W3W_OK &&
	    (st = w3w__ej_quantity(status, &ok, m, "status")) == W3W_OK)
		out->success = ok == 1;
	/* Nodes before the London fork may not say it: then it stays zero (unknown). */
	if (st == W3W_OK && w3w__ej_get(r.result, "effectiveGasPrice"))
		st = w3w__ej_u256(w3w__ej_get(r.result, "effectiveGasPrice"), &out->effective_gas_price, m,
			"effectiveGasPrice");
	w3w__rpc_reply_free(&r);
	return st;
}

static w3w_status evm_tx_known(w3w_chain_adapter *a, const char *tx_hash, int *known)
{
	w3w__rpc_reply r;
	w3w_status st = call_plain(a, "eth_getTransactionByHash", params_of(cJSON_CreateString(tx_hash), NULL), &r);

	if (st != W3W_OK)
		return st;
	*known = !cJSON_IsNull(r.result);
	if (*known && !cJSON_IsObject(r.result))
		st = w3w_error_set(W3W_EUNAVAILABLE, "evm node: eth_getTransactionByHash: answer is not a transaction");
	w3w__rpc_reply_free(&r);
	return st;
}

static w3w_status evm_nonce(w3w_chain_adapter *a, const char *address, int pending, uint64_t *out)
{
	w3w__rpc_reply r;
	w3w_status st = call_plain(a, "eth_getTransactionCount",
		params_of(cJSON_CreateString(address), cJSON_CreateString(pending ? "pending" : "latest")), &r);

	if (st != W3W_OK)
		return st;
	st = w3w__ej_quantity(r.result, out, "eth_getTransactionCount", "result");
	w3w__rpc_reply_free(&r);
	return st;
}

static w3w_status evm_balance(w3w_chain_adapter *a, const char *address, w3w_u256 *out)
{
	w3w__rpc_reply r;
	w3w_status st = call_plain(a, "eth_getBalance",
		params_of(cJSON_CreateString(address), cJSON_CreateString("latest")), &r);

	if (st != W3W_OK)
		return st;
	st = w3w__ej_u256(r.result, out, "eth_getBalance", "result");
	w3w__rpc_reply_free(&r);
	return st;
}

/* ---- fees ------------------------------------------------------------------------ */

/* a = a * 2 + b, saturating at 2^256 - 1 (a fee cap that high only means "any"). */
static void u256_double_add(w3w_u256 *a, const w3w_u256 *b)
{
	unsigned carry = 0;

	for (int i = 31; i >= 0; i--) {
		unsigned v = (unsigned)a->be[i] * 2 + b->be[i] + carry;
		a->be[i] = (unsigned char)v;
		carry = v >> 8;
	}
	if (carry)
		memset(a->be, 0xff, 32);
}

static w3w_status u256_result(w3w_chain_adapter *a, const char *method, w3w_u256 *out)
{
	w3w__rpc_reply r;
	w3w_status st = call(a, method, params_of(NULL, NULL), &r);

	if (st != W3W_OK)
		return st;
	st = w3w__ej_u256(r.result, out, method, "result");
	w3w__rpc_reply_free(&r);
	return st;
}

static w3w_status evm_fees(w3w_chain_adapter *a, w3w_chain_fees *out)
{
	w3w_chain_block *latest = NULL;
	w3w_status st;

	memset(out, 0, sizeof(*out));
	if ((st = get_block(a, cJSON_CreateString("latest"), 0, &latest)) != W3W_OK)
		return st == W3W_ENOTFOUND ? w3w_error_set(W3W_EUNAVAILABLE, "evm node: no latest block") : st;
	if (latest->has_base_fee) {
		/* A tip from the node (1 gwei if it has no opinion), and room for the base fee to double. */
		out->eip1559 = 1;
		st = u256_result(a, "eth_maxPriorityFeePerGas", &out->max_priority_fee_per_gas);
		if (st == W3W_EINVAL) {
			memset(&out->max_priority_fee_per_gas, 0, sizeof(w3w_u256));
			out->max_priority_fee_per_gas.be[28] = 0x3b;
			out->max_priority_fee_per_gas.be[29] = 0x9a;
			out->max_priority_fee_per_gas.be[30] = 0xca;
			out->max_priority_fee_per_gas.be[31] = 0x00;
			st = W3W_OK;
		}
		out->max_fee_per_gas = latest->base_fee;
		u256_double_add(&out->max_fee_per_gas, &out->max_priority_fee_per_gas);
	} else {
		st = u256_result(a, "eth_gasPrice", &out->gas_price);
		if (st == W3W_EINVAL)
			st = as_unavailable();
	}
	evm_block_free(a, latest);
	return st;
}

/* ---- calls ----------------------------------------------------------------------- */

static cJSON *call_object(const w3w_chain_call *c)
{
	cJSON *o = cJSON_CreateObject();
	static const w3w_u256 zero;

	if (!o)
		return NULL;
	if (c->from)
		cJSON_AddStringToObject(o, "from", c->from);
	cJSON_AddStringToObject(o, "to", c->to);
	if (memcmp(c->value.be, zero.be, 32) != 0)
		cJSON_AddItemToObject(o, "value", w3w__ej_from_u256(&c->value));
	if (c->data_len)
		cJSON_AddItemToObject(o, "data", w3w__ej_from_bytes(c->data, c->data_len));
	return o;
}

static w3w_status evm_estimate_gas(w3w_chain_adapter *a, const w3w_chain_call *c, uint64_t *out)
{
	w3w__rpc_reply r;
	w3w_status st = call(a, "eth_estimateGas", params_of(call_object(c), NULL), &r);

	if (st != W3W_OK)
		return st; /* W3W_EINVAL: it would revert; the node's words are in the message */
	st = w3w__ej_quantity(r.result, out, "eth_estimateGas", "result");
	w3w__rpc_reply_free(&r);
	return st;
}

static w3w_status evm_call(w3w_chain_adapter *a, const w3w_chain_call *c, unsigned char **out, size_t *out_len)
{
	w3w__rpc_reply r;
	w3w_status st = call(a, "eth_call", params_of(call_object(c), cJSON_CreateString("latest")), &r);

	*out = NULL;
	*out_len = 0;
	if (st != W3W_OK)
		return st;
	st = w3w__ej_bytes(r.result, out, out_len, "eth_call", "result");
	w3w__rpc_reply_free(&r);
	return st;
}

/* ---- broadcast ------------------------------------------------------------------- */

static int mentions(const char *text, const char *const *words)
{
	for (; *words; words++)
		if (strcasestr(text, *words))
			return 1;
	return 0;
}

static w3w_status evm_send_raw(w3w_chain_adapter *a, const unsigned char *raw, size_t len,
	w3w_chain_send_result *out)
{
	/* How geth, Erigon, Nethermind, Besu and anvil say it. */
	static const char *const already[] = { "already known", "known transaction", "already imported",
		"alreadyknown", "already exists", NULL };
	static const char *const nonce_used[] = { "nonce too low", "noncetoolow", "nonce is too low",
		"old nonce", NULL };
	static const char *const underpriced[] = { "underpriced", "less than block base fee", "fee cap less than",
		"feecaptoolow", "fee too low", NULL };
	unsigned char hash[32];
	w3w__rpc_reply r;
	w3w_status st;

	memset(out, 0, sizeof(*out));
	w3w__keccak256(hash, raw, len);
	st = w3w__rpc_call(rpc_of(a), "eth_sendRawTransaction", params_of(w3w__ej_from_bytes(raw, len), NULL), &r);
	snprintf(out->message, sizeof(out->message), "%s", r.message);
	switch (r.outcome) {
	case W3W__RPC_OK:
		st = w3w__ej_hash(r.result, out->tx_hash, "eth_sendRawTransaction", "result");
		out->outcome = st == W3W_OK ? W3W_SEND_ACCEPTED : W3W_SEND_UNKNOWN;
		break;
	case W3W__RPC_ERROR:
		if (mentions(r.message, already)) {
			out->outcome = W3W_SEND_ACCEPTED;
			strcpy(out->tx_hash, "0x");
			w3w__crypto_hex_encode(out->tx_hash + 2, sizeof(out->tx_hash) - 2, hash, 32);
			st = W3W_OK;
		} else {
			out->outcome = mentions(r.message, nonce_used) ? W3W_SEND_NONCE_USED :
				mentions(r.message, underpriced) ? W3W_SEND_UNDERPRICED : W3W_SEND_REJECTED;
			st = w3w_error_set(W3W_EUNAVAILABLE, "evm node: eth_sendRawTransaction refused: %s", r.message);
		}
		break;
	case W3W__RPC_NOT_SENT:
		out->outcome = W3W_SEND_NOT_SENT;
		break;
	default:
		out->outcome = W3W_SEND_UNKNOWN;
		break;
	}
	w3w__rpc_reply_free(&r);
	return st;
}

/* ---- logs ------------------------------------------------------------------------ */

static w3w_status read_log(const cJSON *j, w3w_chain_log *lg)
{
	static const char m[] = "eth_getLogs";
	const cJSON *topics = w3w__ej_get(j, "topics"), *t;
	unsigned char *data = NULL;
	size_t len = 0;
	w3w_status st;

	memset(lg, 0, sizeof(*lg));
	if ((st = w3w__ej_hash(w3w__ej_get(j, "transactionHash"), lg->tx_hash, m, "transactionHash")) ||
	    (st = w3w__ej_quantity(w3w__ej_get(j, "logIndex"), &lg->log_index, m, "logIndex")) ||
	    (st = w3w__ej_address(w3w__ej_get(j, "address"), lg->address, 0, m, "address")) ||
	    (st = w3w__ej_bytes(w3w__ej_get(j, "data"), &data, &len, m, "data")))
		return st;
	lg->data_len = len;
	memcpy(lg->data, data, len < sizeof(lg->data) ? len : sizeof(lg->data));
	free(data);
	if (!cJSON_IsArray(topics))
		return w3w_error_set(W3W_EUNAVAILABLE, "evm node: %s: answer field topics is not a list", m);
	cJSON_ArrayForEach(t, topics) {
		char h[W3W_TX_HASH_SIZE];
		size_t n = 0;
		if (lg->topic_count == 4)
			return w3w_error_set(W3W_EUNAVAILABLE, "evm node: %s: more than 4 topics", m);
		if ((st = w3w__ej_hash(t, h, m, "topics[]")) != W3W_OK)
			return st;
		w3w__crypto_hex_decode(lg->topics[lg->topic_count++], 32, &n, h, strlen(h));
	}
	return W3W_OK;
}

static w3w_status evm_logs(w3w_chain_adapter *a, const char *block_hash, const char *const *contracts,
	size_t contract_count, const unsigned char topic0[32], w3w_chain_log **out, size_t *count)
{
	cJSON *filter = cJSON_CreateObject(), *addrs = cJSON_CreateArray(), *topics = cJSON_CreateArray();
	const cJSON *item;
	w3w__rpc_reply r;
	size_t n = 0, cap;
	w3w_status st;

	*out = NULL;
	*count = 0;
	if (!filter || !addrs || !topics) {
		cJSON_Delete(filter);
		cJSON_Delete(addrs);
		cJSON_Delete(topics);
		return w3w_error_set(W3W_ENOMEM, "evm node: out of memory");
	}
	for (size_t i = 0; i < contract_count; i++)
		cJSON_AddItemToArray(addrs, cJSON_CreateString(contracts[i]));
	cJSON_AddItemToArray(topics, w3w__ej_from_bytes(topic0, 32));
	/* By block hash (EIP-234): the logs of exactly the block that was checked, or an error. */
	cJSON_AddStringToObject(filter, "blockHash", block_hash);
	cJSON_AddItemToObject(filter, "address", addrs);
	cJSON_AddItemToObject(filter, "topics", topics);
	if ((st = call_plain(a, "eth_getLogs", params_of(filter, NULL), &r)) != W3W_OK)
		return st;
	if (!cJSON_IsArray(r.result)) {
		w3w__rpc_reply_free(&r);
		return w3w_error_set(W3W_EUNAVAILABLE, "evm node: eth_getLogs: answer is not a list");
	}
	cap = (size_t)cJSON_GetArraySize(r.result);
	if (!(*out = calloc(cap ? cap : 1, sizeof(**out)))) {
		w3w__rpc_reply_free(&r);
		return w3w_error_set(W3W_ENOMEM, "evm node: out of memory");
	}
	cJSON_ArrayForEach(item, r.result) {
		const cJSON *removed = w3w__ej_get(item, "removed");
		if ((st = read_log(item, &(*out)[n])) != W3W_OK)
			break;
		if (!cJSON_IsTrue(removed))
			n++;
	}
	w3w__rpc_reply_free(&r);
	if (st != W3W_OK) {
		free(*out);
		*out = NULL;
		return st;
	}
	*count = n;
	return W3W_OK;
}

/* ---- lifecycle ------------------------------------------------------------------- */

static void evm_free(w3w_chain_adapter *a)
{
	evm_adapter *e = (evm_adapter *)a;

	if (!e)
		return;
	w3w__rpc_destroy(&e->rpc);
	free(e);
}

w3w_status w3w_chain_adapter_evm_open(w3w_chain_adapter **out, const char *url,
	const w3w_chain_adapter_config *cfg)
{
	static const w3w_chain_adapter init = W3W_CHAIN_ADAPTER_INIT("evm");
	evm_adapter *e;
	w3w_status st;

	if (!out)
		return w3w_error_set(W3W_EINVAL, "out: NULL");
	*out = NULL;
	if (cfg && cfg->version != W3W_CHAIN_ADAPTER_CONFIG_VERSION)
		return w3w_error_set(W3W_EVERSION, "evm adapter: config version %u, expected %d", cfg->version,
			W3W_CHAIN_ADAPTER_CONFIG_VERSION);
	if (!(e = calloc(1, sizeof(*e))))
		return w3w_error_set(W3W_ENOMEM, "evm adapter: out of memory");
	if ((st = w3w__rpc_init(&e->rpc, url, cfg ? cfg->timeout_ms : 0)) != W3W_OK) {
		free(e);
		return st;
	}
	e->base = init;
	e->base.chain_id = evm_chain_id;
	e->base.head = evm_head;
	e->base.block = evm_block;
	e->base.block_free = evm_block_free;
	e->base.receipt = evm_receipt;
	e->base.nonce = evm_nonce;
	e->base.fees = evm_fees;
	e->base.estimate_gas = evm_estimate_gas;
	e->base.send_raw = evm_send_raw;
	e->base.free = evm_free;
	e->base.logs = evm_logs;
	e->base.tx_known = evm_tx_known;
	e->base.balance = evm_balance;
	e->base.call = evm_call;
	*out = &e->base;
	return W3W_OK;
}

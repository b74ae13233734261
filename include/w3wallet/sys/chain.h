/*
 * Chain adapter interface (for adapter authors).
 *
 * A chain adapter gives the wallet core read and broadcast access to one
 * node of an account-based chain with EVM semantics (blocks, transactions
 * with a sender nonce, logs, receipts). The built-in "evm" adapter speaks
 * Ethereum JSON-RPC over HTTP(S) with libcurl; others (another transport,
 * a node client library, a test double) register under their own name
 * and are chosen by w3w_chain_options.adapter.
 *
 * Rules every adapter follows:
 *  - every call is bounded by cfg->timeout_ms: a node that is down, slow
 *    or answers garbage gives W3W_EUNAVAILABLE with a message naming the
 *    call (never a hang, never a made-up value);
 *  - calls come concurrently from many threads;
 *  - text it returns is normalized: hashes and addresses lowercase
 *    "0x"-prefixed hex; numbers in w3w_u256 (big-endian) or uint64_t;
 *  - it never sees a private key: it broadcasts already signed bytes.
 *
 * The struct starts with a version: members are only ever added at the
 * end. Initialize a vtable with W3W_CHAIN_ADAPTER_INIT so members added
 * later are NULL; core checks optional members before calling them.
 */
#ifndef W3WALLET_SYS_CHAIN_H
#define W3WALLET_SYS_CHAIN_H

#include "w3wallet/sys/backend.h"
#include "w3wallet/wallet.h"

#ifdef __cplusplus
extern "C" {
#endif

#define W3W_CHAIN_ADAPTER_VERSION 1

/** A 256-bit unsigned integer, big-endian (wei, token base units, fees). */
typedef struct w3w_u256 {
	unsigned char be[32];
} w3w_u256;

/** A transaction of a block, as far as deposits need it. */
typedef struct w3w_chain_tx {
	char hash[W3W_TX_HASH_SIZE];
	char from[W3W_ADDRESS_SIZE];
	char to[W3W_ADDRESS_SIZE];   /**< "" for a contract creation */
	w3w_u256 value;
} w3w_chain_tx;

typedef struct w3w_chain_block {
	uint64_t number;
	char hash[W3W_TX_HASH_SIZE];
	char parent_hash[W3W_TX_HASH_SIZE];
	int64_t timestamp;           /**< seconds */
	int has_base_fee;            /**< EIP-1559 block */
	w3w_u256 base_fee;
	w3w_chain_tx *txs;           /**< owned by the block (with_txs), freed by block_free */
	size_t tx_count;
} w3w_chain_block;

/** An event log. Only the first 64 bytes of data are kept; data_len is the real length. */
typedef struct w3w_chain_log {
	char tx_hash[W3W_TX_HASH_SIZE];
	uint64_t log_index;          /**< position in the block */
	char address[W3W_ADDRESS_SIZE];
	unsigned char topics[4][32];
	size_t topic_count;
	unsigned char data[64];
	size_t data_len;
} w3w_chain_log;

typedef struct w3w_chain_receipt {
	char tx_hash[W3W_TX_HASH_SIZE];
	char block_hash[W3W_TX_HASH_SIZE];
	uint64_t block_number;
	int success;                 /**< status 1 */
	uint64_t gas_used;
	/** What each unit of gas cost (effectiveGasPrice); all zero when the node did not say. */
	w3w_u256 effective_gas_price;
} w3w_chain_receipt;

/** Fee suggestion: EIP-1559 (max fee, priority fee) when the chain has a base fee, else a gas price. */
typedef struct w3w_chain_fees {
	int eip1559;
	w3w_u256 max_fee_per_gas;
	w3w_u256 max_priority_fee_per_gas;
	w3w_u256 gas_price;
} w3w_chain_fees;

/** A call for estimate_gas and call: addresses as "0x" text. */
typedef struct w3w_chain_call {
	const char *from;            /**< may be NULL */
	const char *to;
	w3w_u256 value;
	const unsigned char *data;   /**< may be NULL when data_len is 0 */
	size_t data_len;
} w3w_chain_call;

/** What became of a broadcast. */
typedef enum w3w_chain_send_outcome {
	W3W_SEND_ACCEPTED   = 1, /**< the node has it (also "already known") */
	W3W_SEND_REJECTED   = 2, /**< the node refused it for good (funds for gas, fee, format) */
	W3W_SEND_NONCE_USED = 3, /**< the sender's nonce is already used ("nonce too low") */
	W3W_SEND_NOT_SENT   = 4, /**< nothing reached the node (connection refused, name unknown) */
	W3W_SEND_UNKNOWN    = 5, /**< sent, but no usable answer (timeout, garbage): it may have arrived */
	/**
	 * Valid, but its fee is below what the node takes now (under the base
	 * fee; too small a raise over a transaction of the same nonce in its
	 * pool): a replacement with higher fees may be taken. Adapters of
	 * version 1 may say W3W_SEND_REJECTED instead.
	 */
	W3W_SEND_UNDERPRICED = 6
} w3w_chain_send_outcome;

typedef struct w3w_chain_send_result {
	w3w_chain_send_outcome outcome;
	char tx_hash[W3W_TX_HASH_SIZE];  /**< as the node reported it, when accepted */
	char message[W3W_NAME_SIZE];     /**< the node's or transport's words */
} w3w_chain_send_result;

typedef struct w3w_chain_adapter w3w_chain_adapter;

struct w3w_chain_adapter {
	unsigned int version;   /**< W3W_CHAIN_ADAPTER_VERSION */
	const char *name;       /**< "evm" */

	/* Required. */
	w3w_status (*chain_id)(w3w_chain_adapter *a, uint64_t *out);
	/** Number of the latest block. */
	w3w_status (*head)(w3w_chain_adapter *a, uint64_t *out);
	/**
	 * Block `number` (with its transactions when `with_txs`); W3W_ENOTFOUND
	 * beyond the head. *out is the adapter's, freed with block_free.
	 */
	w3w_status (*block)(w3w_chain_adapter *a, uint64_t number, int with_txs, w3w_chain_block **out);
	void (*block_free)(w3w_chain_adapter *a, w3w_chain_block *block);
	/** Receipt of a mined transaction; W3W_ENOTFOUND while pending, dropped or unknown. */
	w3w_status (*receipt)(w3w_chain_adapter *a, const char *tx_hash, w3w_chain_receipt *out);
	/** Transaction count of `address`: of mined blocks, or including the node's pending pool. */
	w3w_status (*nonce)(w3w_chain_adapter *a, const char *address, int pending, uint64_t *out);
	w3w_status (*fees)(w3w_chain_adapter *a, w3w_chain_fees *out);
	/** Gas a call would use; W3W_EINVAL with the node's words if it would revert. */
	w3w_status (*estimate_gas)(w3w_chain_adapter *a, const w3w_chain_call *call, uint64_t *out);
	/**
	 * Broadcast signed bytes. W3W_OK only for W3W_SEND_ACCEPTED; otherwise
	 * W3W_EUNAVAILABLE with `out` telling what is known.
	 */
	w3w_status (*send_raw)(w3w_chain_adapter *a, const unsigned char *raw, size_t len,
		w3w_chain_send_result *out);
	void (*free)(w3w_chain_adapter *a);

	/* Optional (NULL: the feature is unavailable). */
	/**
	 * Logs of the block whose hash is `block_hash`, emitted by one of
	 * `contracts` with first topic `topic0`, in log_index order. *out is
	 * malloc'd (free()); needed for token deposits.
	 */
	w3w_status (*logs)(w3w_chain_adapter *a, const char *block_hash, const char *const *contracts,
		size_t contract_count, const unsigned char topic0[32], w3w_chain_log **out, size_t *count);
	/** *known = 1 if the node has the transaction (pending or mined). */
	w3w_status (*tx_known)(w3w_chain_adapter *a, const char *tx_hash, int *known);
	/** Native balance of an address at the latest block. */
	w3w_status (*balance)(w3w_chain_adapter *a, const char *address, w3w_u256 *out);
	/** eth_call at the latest block; *out malloc'd (free()). */
	w3w_status (*call)(w3w_chain_adapter *a, const w3w_chain_call *call, unsigned char **out, size_t *out_len);
};

/** A vtable whose members are all NULL but version and name. */
#define W3W_CHAIN_ADAPTER_INIT(NAME) { .version = W3W_CHAIN_ADAPTER_VERSION, .name = (NAME) }
/** The same for an adapter you allocate (EINVAL for a version this library does not know). */
W3W_EXTERN w3w_status w3w_chain_adapter_init(w3w_chain_adapter *a, unsigned int version);

#define W3W_CHAIN_ADAPTER_CONFIG_VERSION 1

typedef struct w3w_chain_adapter_config {
	unsigned int version;
	int timeout_ms;      /**< every call, connect included */
	uint64_t chain_id;   /**< what the wallet expects (0: unknown yet) */
} w3w_chain_adapter_config;

/** Opens an adapter on the node at `url` (the adapter's own syntax). Should not contact the node. */
typedef w3w_status (*w3w_chain_adapter_open_fn)(w3w_chain_adapter **out, const char *url,
	const w3w_chain_adapter_config *cfg);

/**
 * Register a chain adapter under `name` (1..31 characters), replacing a
 * previous one of that name. Process-global; call before opening chains.
 */
W3W_EXTERN w3w_status w3w_chain_adapter_register(const char *name, w3w_chain_adapter_open_fn open);

/** The built-in "evm" adapter (JSON-RPC over HTTP with libcurl). W3W_EINVAL when built without libcurl. */
W3W_EXTERN w3w_status w3w_chain_adapter_evm_open(w3w_chain_adapter **out, const char *url,
	const w3w_chain_adapter_config *cfg);

#ifdef __cplusplus
}
#endif
#endif

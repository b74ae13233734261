/*
 * Wallet core: shared internals of src/wallet/. Business rules of the
 * custodial wallet live here (derivation, sealing, withdrawal steps,
 * deposit crediting); storage and nodes are reached only through the
 * storage vtable and chain adapters.
 */
#ifndef W3W_WALLET_INTERNAL_H
#define W3W_WALLET_INTERNAL_H

#include <pthread.h>

#include "core/context.h"
#include "crypto/u256.h"
#include "w3wallet/sys/chain.h"
#include "w3wallet/sys/signer.h"

#define W3W__ASSETS_MAX 16
/* Processed block hashes kept beyond the cursor, for re-checking. */
#define W3W__WATCH_KEEP 256
/* Processed blocks stored (cursor moved) per storage command at most. */
#define W3W__WATCH_FLUSH 64
/* Withdrawals followed per poll at most. */
#define W3W__FOLLOW_MAX 100
/* Held withdrawals whose signing this chain put off (the signer was down), remembered at most. */
#define W3W__DEFERRED_MAX 64

/* ---- storage support (support.c) ------------------------------------------ */

/** The context's storage if it has every wallet member, else W3W_EINVAL "storage backend has no wallet support". */
w3w_status w3w__wallet_storage(w3w_ctx *ctx, const w3w__store **out);
/** Context has a master key (W3W_EINVAL otherwise, naming the option). */
w3w_status w3w__wallet_need_key(w3w_ctx *ctx);
/** An audit record of a command that is not a storage write (seed export), in its own transaction. */
void w3w__wallet_audit(w3w_ctx *ctx, const w3w_actor *actor, const char *action,
	const char *target_id, w3w_status outcome);

/* ---- master key and seed (keys.c) ------------------------------------------- */

/** Key id: 16 hex of BLAKE2b over a label and the key. */
void w3w__key_id(char out[W3W_KEY_ID_SIZE], const unsigned char key[32]);
/**
 * The master seed (64 bytes in sodium_malloc'd memory: free with
 * w3w__secret_free). With `create`, one is generated (and stored) when none
 * exists yet, as `actor`; without, W3W_ENOTFOUND when none exists.
 */
w3w_status w3w__seed_get(w3w_ctx *ctx, const w3w_actor *actor, int create, unsigned char **seed);

/* ---- derivation and addresses (derive.c) ------------------------------------ */

typedef enum { W3W__FAMILY_EVM = 1, W3W__FAMILY_SOLANA = 2 } w3w__family;

/** "evm" / "solana" -> family; W3W_EINVAL naming the field otherwise. */
w3w_status w3w__family_parse(w3w__family *out, const char *chain, const char *field);
/** Deposit address of index i (m/44'/60'/0'/0/i or m/44'/501'/i'/0'). */
w3w_status w3w__derive_address(char out[W3W_ADDRESS_SIZE], const unsigned char *seed, w3w__family f,
	int64_t index);
/** The EVM hot wallet m/44'/60'/1'/0/0: address, and the private key when priv is not NULL (32 bytes, wipe it). */
w3w_status w3w__hot_wallet(char address[W3W_ADDRESS_SIZE], unsigned char *priv, const unsigned char *seed);
/** EVM deposit address m/44'/60'/0'/0/index, and its private key when priv is not NULL (32 bytes, wipe it). */
w3w_status w3w__deposit_key(char address[W3W_ADDRESS_SIZE], unsigned char *priv, const unsigned char *seed,
	int64_t index);
/** Parse an EVM address (non-strict EIP-55 rules) into bytes; messages name `field`. */
w3w_status w3w__evm_address_read(unsigned char out[20], const char *text, const char *field);
/** EIP-55 text of 20 bytes. */
void w3w__evm_address_text(char out[W3W_ADDRESS_SIZE], const unsigned char addr[20]);

/* ---- amounts on chain (units.c) ---------------------------------------------- */

/**
 * Base units of an asset with `decimals` -> ledger units (1e-8), rounded
 * down; *dust = the base units lost (decimal text). ERANGE-like refusal
 * (W3W_EINVAL) when the amount exceeds W3W_AMOUNT_MAX.
 */
w3w_status w3w__units_from_chain(w3w_amount *units, char dust[W3W_U256_TEXT_SIZE], const w3w__u256 *value,
	int decimals);
/** Ledger units -> base units; W3W_EINVAL when the amount has more decimals than the asset. */
w3w_status w3w__units_to_chain(w3w__u256 *value, w3w_amount units, int decimals, const char *currency);
/** 10^n for n <= 77 into v. */
void w3w__u256_pow10(w3w__u256 *v, int n);
/** Decimal text of a fee or value ("" never: zero is "0"). */
void w3w__u256_text(char out[W3W_U256_TEXT_SIZE], const w3w_u256 *v);
/** Decimal text (digits only) into *out; W3W_EINVAL naming `field` otherwise. */
w3w_status w3w__u256_read(w3w_u256 *out, const char *text, const char *field);

/* ---- chains (chain.c, assets.c, adapters.c) ----------------------------------- */

typedef struct w3w__asset {
	char currency[W3W_CURRENCY_SIZE];
	int native;
	unsigned char contract[20];
	char contract_hex[W3W_ADDRESS_SIZE]; /* lowercase 0x hex, as adapters speak */
	int decimals;
} w3w__asset;

struct w3w_chain {
	w3w_ctx *ctx;
	w3w_chain_adapter *adapter;
	w3w_chain_options opts;
	uint64_t chain_id;
	char key[W3W_CHAIN_KEY_SIZE];      /* "evm:<chain id>" */
	w3w__asset assets[W3W__ASSETS_MAX];
	size_t asset_count;
	/* the watch thread */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	int running, stop;
	w3w_actor watch_actor;
	int interval_ms;
	w3w_status last_status;
	char last_message[256];
	w3w_chain_poll_stats last_stats;
	uint64_t rounds, errors;
	w3w_time last_ok_at;
	uint64_t known_head;
	int64_t known_cursor;
	/* the signer (NULL: the hot key is derived in process) and what hot.c remembers */
	w3w_signer *signer;
	int owns_signer;                     /* 0: the context's (options.signer_url), freed with it */
	pthread_mutex_t hot_mu;
	char hot_address[W3W_ADDRESS_SIZE];  /* the signer's address, once it answered */
	char deferred[W3W__DEFERRED_MAX][W3W_ID_SIZE];
	size_t deferred_next;
	/* the sweep policy (options.sweep_*, parsed at open) and the watch thread's sweep rounds (under mu) */
	w3w__u256 sweep_threshold[W3W__ASSETS_MAX]; /* base units, by the index of assets[] */
	int sweep_has[W3W__ASSETS_MAX];
	int sweep_enabled;                  /* some asset has a threshold */
	w3w__u256 topup_max;
	int64_t sweep_next_index;           /* the wallet index the next round starts at (under hot_mu) */
	w3w_chain_sweep_state sweep_state;
	w3w_time next_sweep_at;
	/* the open withdrawals as the last follow round listed them (under mu) */
	w3w_chain_open_withdrawals open_withdrawals;
};

/** Parse "ETH=native:18,USDC=0x...:6" into chain->assets. Messages name options.assets. */
w3w_status w3w__assets_parse(w3w__asset *out, size_t *count, const char *text);
const w3w__asset *w3w__asset_by_currency(const w3w_chain *chain, const char *currency);
/** The asset whose contract is `addr` (lowercase hex text); NULL if none. */
const w3w__asset *w3w__asset_by_contract(const w3w_chain *chain, const char *addr);
const w3w__asset *w3w__asset_native(const w3w_chain *chain);

/** The node's chain id must be chain->chain_id (W3W_EUNAVAILABLE / W3W_EINVAL otherwise). */
w3w_status w3w__chain_check_id(w3w_chain *chain);

/* ---- the hot wallet (hot.c) -------------------------------------------------- */

/**
 * The hot wallet's address: the signer's (asked once, then remembered),
 * or derived from the seed (generated first when `create`).
 */
w3w_status w3w__hot_address(w3w_chain *chain, const w3w_actor *actor, int create, char out[W3W_ADDRESS_SIZE]);
/**
 * Sign with the hot key: through the signer (W3W_EFORBIDDEN: its policy
 * refused; W3W_EUNAVAILABLE: it cannot be asked now), or in process with
 * the key derived into locked memory and wiped.
 */
w3w_status w3w__hot_sign(w3w_chain *chain, const w3w_actor *actor, const w3w_signer_tx *tx, unsigned char **raw,
	size_t *raw_len, unsigned char hash[32]);
/** Remember that withdrawal `id` stays held until the signer is back: the follower signs it without waiting. */
void w3w__hot_defer(w3w_chain *chain, const char *id);
/** 1 if `id` was deferred by this chain. */
int w3w__hot_deferred(w3w_chain *chain, const char *id);

/* ---- withdrawals (withdraw.c, follow.c) --------------------------------------- */

/**
 * Sign withdrawal `row` (status held) with the hot key and move it to
 * signed, storing raw bytes and hash. `row` is updated.
 */
w3w_status w3w__withdrawal_sign(w3w_chain *chain, const w3w_actor *actor, w3w_withdrawal_row *row);
/** Call data of an ERC-20 transfer(address,uint256): selector, recipient, value. */
void w3w__erc20_transfer_data(unsigned char data[68], const unsigned char to[20], const w3w__u256 *value);
/** Broadcast signed bytes stored as "0x" hex; `res` says what became of them. */
w3w_status w3w__send_raw_hex(w3w_chain *chain, const char *raw_hex, w3w_chain_send_result *res);
/** Send a signed withdrawal's stored bytes; `res` says what became of them. */
w3w_status w3w__withdrawal_send(w3w_chain *chain, const w3w_withdrawal_row *row, w3w_chain_send_result *res);
/** Broadcast a signed withdrawal and record the outcome (broadcast / failed). */
w3w_status w3w__withdrawal_broadcast(w3w_chain *chain, const w3w_actor *actor, w3w_withdrawal_row *row);
/** One transition through storage with its event and audit record. */
w3w_status w3w__withdrawal_move(w3w_chain *chain, const w3w_actor *actor, w3w_withdrawal_row *row,
	w3w_withdrawal_status to, const char *error, int give_back_nonce);
/**
 * Sign the transaction of `kind` at row's nonce with `fees` (the transfer
 * for original and replacement, 0 to the hot wallet for a cancellation)
 * into *out, dated `head`. Nothing is stored. W3W_EFORBIDDEN: the signer refused.
 */
w3w_status w3w__withdrawal_attempt_sign(w3w_chain *chain, const w3w_actor *actor, const w3w_withdrawal_row *row,
	w3w_withdrawal_attempt_kind kind, const w3w_chain_fees *fees, uint64_t head, w3w_withdrawal_attempt_row *out);
/** Store `attempt` as row's current transaction (status signed), with its event and audit record. */
w3w_status w3w__withdrawal_attempt_record(w3w_chain *chain, const w3w_actor *actor, w3w_withdrawal_row *row,
	const w3w_withdrawal_attempt_row *attempt);
/**
 * Replace or cancel (kind) row's transaction with bumped fees (replace.c):
 * given fees (NULL or "": the minimum) must reach the minimum bump; with
 * `ceiling` (wei per gas, 0: none) W3W_ESTATE when the minimum is above it.
 */
w3w_status w3w__withdrawal_bump(w3w_chain *chain, const w3w_actor *actor, w3w_withdrawal_row *row,
	w3w_withdrawal_attempt_kind kind, const char *max_fee, const char *tip, uint64_t ceiling);
/** The transactions of `row` to follow: its recorded attempts, and its current one if not among them. *out malloc'd. */
w3w_status w3w__withdrawal_attempts_load(w3w_chain *chain, const w3w_withdrawal_row *row,
	w3w_withdrawal_attempt_row **out, size_t *count);
/** The receipt of whichever of `items` is mined (*which its index); W3W_ENOTFOUND when none is. */
w3w_status w3w__withdrawal_find_mined(w3w_chain *chain, const w3w_withdrawal_attempt_row *items, size_t n,
	w3w_chain_receipt *rc, size_t *which);
/** Follow open withdrawals of the chain: receipts, re-broadcast, settle, release. */
w3w_status w3w__follow_withdrawals(w3w_chain *chain, const w3w_actor *actor, w3w_chain_poll_stats *stats);

/* ---- deposits (watcher.c) ------------------------------------------------------- */

w3w_status w3w__watch_deposits(w3w_chain *chain, const w3w_actor *actor, w3w_chain_poll_stats *stats);

/* ---- sweeps (sweep_policy.c, sweep.c, sweep_steps.c, sweep_records.c) ---------------------- */

/* Open sweeps moved on per round at most. */
#define W3W__SWEEP_FOLLOW_MAX 100

/** Parse options.sweep_thresholds and sweep_topup_max_wei into the chain (after its assets). */
w3w_status w3w__sweep_policy_parse(w3w_chain *chain);
/** The context's storage if it has the sweep members, else W3W_EINVAL "storage backend has no sweep support". */
w3w_status w3w__sweep_storage(w3w_ctx *ctx, const w3w__store **out);
/** Move one open sweep on as far as it goes now (sweep_steps.c). `hot`: the hot wallet's address. */
w3w_status w3w__sweep_advance(w3w_chain *chain, const w3w_actor *actor, w3w_sweep_row *row, w3w_sweep_stats *stats);
/** Balance of `asset` (native, or a token's balanceOf) of `address` at the latest block. */
w3w_status w3w__sweep_balance(w3w_chain *chain, const w3w__asset *asset, const char *address, w3w__u256 *out);
/** Sign with deposit key `index` (SWEEP) or the hot key (TOPUP): the signer's sign_custody_tx, or in process. */
w3w_status w3w__custody_sign(w3w_chain *chain, const w3w_actor *actor, w3w_signer_purpose purpose, int64_t index,
	const w3w_signer_tx *tx, unsigned char **raw, size_t *raw_len, unsigned char hash[32]);
/** Run a sweep round from the watch thread when the chain's sweep interval has passed (poll.c calls it). */
void w3w__sweep_watch_round(w3w_chain *chain);

/* ---- records (records.c) ---------------------------------------------------------- */

const char *w3w__withdrawal_status_event(w3w_withdrawal_status s);
/** Add time `t` to JSON object `j` as RFC 3339 text. */
struct cJSON;
void w3w__wallet_json_time(struct cJSON *j, const char *name, w3w_time t);

#endif

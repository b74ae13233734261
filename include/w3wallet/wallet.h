/*
 * Custodial Web3 wallets: the master seed, per-user deposit addresses,
 * on-chain withdrawals and the deposit watcher.
 *
 * Keys. One master seed per deployment (a BIP-39 mnemonic), generated on
 * first use or imported by an admin. It is stored only sealed
 * (XChaCha20-Poly1305) under the context's master key
 * (w3w_options.master_key_hex), with associated data binding each blob to
 * its purpose. Deposit addresses are derived from it, never stored as
 * loose keys: EVM on m/44'/60'/0'/0/i, Solana on m/44'/501'/i'/0'; the
 * withdrawal hot wallet of EVM chains is m/44'/60'/1'/0/0. No private key,
 * seed or mnemonic appears in a log, an event, an error message or a
 * normal result; w3w_master_mnemonic_export() is the one audited way out.
 *
 * Chains. A w3w_chain is a connection to one chain through a chain
 * adapter (w3wallet/sys/chain.h; "evm" speaks JSON-RPC over HTTP) with its
 * configuration: confirmations, and which currencies of the ledger are
 * which assets on it. Withdrawals hold the user's funds, sign and
 * broadcast; w3w_chain_poll() (or the watch thread) follows receipts and
 * settles or releases them, and credits deposits after the configured
 * number of confirmations.
 *
 * See docs/wallets.md for the whole picture.
 */
#ifndef W3WALLET_WALLET_H
#define W3WALLET_WALLET_H

#include "w3wallet/amount.h"
#include "w3wallet/context.h"
#include "w3wallet/id.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Sizes of the wallet records' text fields, NUL included. */
#define W3W_CHAIN_SIZE      16  /**< address family: "evm", "solana" */
#define W3W_CHAIN_KEY_SIZE  32  /**< one chain: "evm:31337" */
#define W3W_ADDRESS_SIZE    64  /**< "0x" + 40 hex (EIP-55), or base58 */
#define W3W_TX_HASH_SIZE    67  /**< "0x" + 64 hex */
#define W3W_KEY_ID_SIZE     17  /**< 16 hex: names a master key without revealing it */
#define W3W_U256_TEXT_SIZE  80  /**< any 256-bit number in decimal */

/* ---- master seed and master key ------------------------------------------ */

/** What is known about the master seed, without opening it. */
typedef struct w3w_master_seed_info {
	int exists;                        /**< 0: none yet (one is generated on first use) */
	char origin[16];                   /**< "generated" or "imported" */
	w3w_time created_at;
	/** Master keys the seed is sealed under, comma separated ("a1b2...,c3d4..."). */
	char key_ids[4 * W3W_KEY_ID_SIZE];
	char context_key_id[W3W_KEY_ID_SIZE]; /**< this context's key ("" without a master key) */
} w3w_master_seed_info;

/**
 * Import the deployment's master seed from a BIP-39 English mnemonic (12
 * to 24 words) and optional passphrase (NULL or ""; ASCII only). Admin
 * only. W3W_ECONFLICT if a seed already exists (generated or imported):
 * a seed is never replaced, since every deposit address hangs off it.
 * W3W_EINVAL for a bad mnemonic (the message says which rule; it never
 * repeats the words). Needs the context's master key.
 */
W3W_EXTERN w3w_status w3w_master_seed_import(w3w_ctx *ctx, const w3w_actor *actor,
	const char *mnemonic, const char *passphrase);

/** Roles: admin, auditor or service. */
W3W_EXTERN w3w_status w3w_master_seed_info_get(w3w_master_seed_info *out, w3w_ctx *ctx,
	const w3w_actor *actor);

/**
 * The mnemonic of the master seed, for the operator's offline backup.
 * Admin only; every call (allowed or refused) is an audit record
 * "wallet.seed_export". *out is wiped and freed by w3w_string_free().
 * The passphrase of an imported seed is not stored and not returned.
 */
W3W_EXTERN w3w_status w3w_master_mnemonic_export(char **out, w3w_ctx *ctx, const w3w_actor *actor);

/**
 * Re-seal every stored secret under a new master key (64 hex characters),
 * online. Admin only. A copy sealed under the new key is added beside the
 * one under this context's key, in one storage transaction, so processes
 * still configured with the old key keep working; restart them with the
 * new key, then call w3w_master_key_retire() from a context that has it.
 * Copies under any third key are removed. Nothing to re-seal is W3W_OK.
 */
W3W_EXTERN w3w_status w3w_master_key_rotate(w3w_ctx *ctx, const w3w_actor *actor,
	const char *new_key_hex);

/**
 * Delete every secret copy not sealed under this context's master key
 * (the last step of a rotation). Admin only. W3W_ESTATE, and nothing
 * deleted, if some secret has no copy under this context's key.
 * `deleted` may be NULL.
 */
W3W_EXTERN w3w_status w3w_master_key_retire(w3w_ctx *ctx, const w3w_actor *actor, int64_t *deleted);

/** The key id (16 hex characters) of a master key given as 64 hex characters. */
W3W_EXTERN w3w_status w3w_master_key_id(char *buf, size_t buflen, const char *key_hex);

/* ---- deposit wallets ------------------------------------------------------- */

/** A user's deposit address on one address family. Never holds a key. */
typedef struct w3w_wallet {
	char id[W3W_ID_SIZE];
	char user_id[W3W_ID_SIZE];
	char chain[W3W_CHAIN_SIZE];      /**< "evm" or "solana" */
	char address[W3W_ADDRESS_SIZE];  /**< EIP-55 text, or base58 */
	int64_t index;                   /**< i of the derivation path, unique per chain */
	w3w_time created_at;
} w3w_wallet;

/** A list of wallets (the type of w3w_wallet_list()'s result). */
typedef struct w3w_wallets {
	w3w_wallet *items;
	size_t count;
} w3w_wallets;

/**
 * Create the actor's deposit wallet on `chain` ("evm": m/44'/60'/0'/0/i,
 * "solana": m/44'/501'/i'/0'). The index is allocated by the storage,
 * unique per chain. One wallet per user and chain: W3W_ECONFLICT if the
 * actor has one (the message names it). Generates the master seed on
 * first use. W3W_EINVAL for an unknown chain or a context without master
 * key; W3W_EINVAL "storage backend has no wallet support" for a backend
 * without the wallet members.
 */
W3W_EXTERN w3w_status w3w_wallet_create(w3w_wallet *out, w3w_ctx *ctx, const w3w_actor *actor,
	const char *chain);

/**
 * Wallets of `user_id` (NULL or "": the actor's own; another user's need
 * admin, service or auditor), chain ascending. Free with w3w_wallets_free().
 */
W3W_EXTERN w3w_status w3w_wallet_list(w3w_wallets **out, w3w_ctx *ctx, const w3w_actor *actor,
	const char *user_id);

W3W_EXTERN void w3w_wallets_free(w3w_wallets *list);

/**
 * Check an address of `chain` and write its canonical form (EIP-55 for
 * "evm", base58 for "solana") into buf (W3W_ADDRESS_SIZE bytes).
 * W3W_EINVAL naming the problem: wrong length, missing 0x, non-hex or
 * non-base58 character, wrong EIP-55 checksum (mixed case that does not
 * match; all-lowercase text has no checksum and is accepted).
 */
W3W_EXTERN w3w_status w3w_address_normalize(char *buf, size_t buflen, const char *chain,
	const char *address);

/* ---- chains ---------------------------------------------------------------- */

typedef struct w3w_chain w3w_chain;

/** 2 added allow_zero_address and allow_custody_addresses, 3 signer_url and signer_key_hex,
 * 4 the sweep policy (sweep_*), 5 replace_after_blocks and replace_max_fee_per_gas; w3w_chain_open() still
 * takes versions 1 to 4. */
#define W3W_CHAIN_OPTIONS_VERSION 5

/** Options of w3w_chain_open(). Initialize with W3W_CHAIN_OPTIONS_INIT or w3w_chain_options_init(). */
typedef struct w3w_chain_options {
	unsigned int version;
	/** Registered chain adapter (w3wallet/sys/chain.h): "evm" = JSON-RPC over HTTP(S). */
	char adapter[32];
	/** Node URL given to the adapter: "http://127.0.0.1:8545". */
	char url[W3W_URL_SIZE];
	/** Expected chain id; the node must agree before anything is signed. 0: ask the node at open. */
	uint64_t chain_id;
	/** A block is final at this depth (the head is depth 1). Default 12. */
	int confirmations;
	/** Timeout of every node call, milliseconds. Default 5000. */
	int timeout_ms;
	/**
	 * Ledger currencies on this chain, comma separated CURRENCY=ASSET:DECIMALS
	 * where ASSET is "native" or an ERC-20 contract address:
	 * "ETH=native:18,USDC=0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48:6".
	 */
	char assets[1024];
	/** Where a watcher with no stored cursor starts: a block number, or -1 = the current final block. */
	int64_t start_block;
	/** Blocks examined per poll at most (bounds one call's work). Default 100. */
	int max_blocks_per_poll;
	/* ---- version 2 ---- */
	/** 1: withdrawals may go to 0x000...000 (which burns them). Default 0: refused. */
	int allow_zero_address;
	/**
	 * 1: withdrawals may go to the custody's own addresses (the hot wallet,
	 * any user's deposit address): money that never leaves custody but
	 * leaves the ledger. Default 0: refused.
	 */
	int allow_custody_addresses;
	/* ---- version 3 ---- */
	/**
	 * Who signs this chain's withdrawals: "" = the context's signer
	 * (w3w_options.signer_url) if it has one, else this process with the hot
	 * key derived from the master seed; "unix:/path/sock" = w3wallet-signer
	 * on that socket (w3wallet/sys/signer.h, docs/signer.md): then
	 * withdrawals never open the seed, and need no master key.
	 */
	char signer_url[W3W_URL_SIZE];
	/** The signer's shared key, 64 hex characters (required with signer_url); wiped at w3w_chain_open. */
	char signer_key_hex[65];
	/* ---- version 4: sweeps (w3w_chain_sweep, docs/wallets.md "Sweeps") ---- */
	/**
	 * When a deposit address's asset is swept to the hot wallet: comma
	 * separated CURRENCY=AMOUNT, the on-chain balance (in the currency's
	 * units) at which it is, for currencies of `assets`: "ETH=0.05,USDC=100".
	 * "" (the default): no sweeps. Sweeping a token needs the native
	 * currency in `assets` (its gas and fees are native).
	 */
	char sweep_thresholds[512];
	/** The watch thread runs a sweep round every this many ms (0, the default: only w3w_chain_sweep() does). */
	int sweep_interval_ms;
	/** Deposit addresses a round examines at most (the next round goes on from there). Default 50. */
	int sweep_max_per_round;
	/**
	 * The most one gas top-up may send to a deposit address, in wei
	 * (decimal): a token sweep needing more is not started. "": 10^16 (0.01 ETH).
	 */
	char sweep_topup_max_wei[W3W_U256_TEXT_SIZE];
	/* ---- version 5: stuck withdrawals (w3w_withdrawal_replace, docs/wallets.md) ---- */
	/**
	 * Automatic replacement of stuck withdrawals by w3w_chain_poll(): a
	 * withdrawal whose latest transaction has waited this many blocks
	 * unmined while the base fee is above its max fee (legacy chains: the
	 * node's gas price above its gas price) is replaced with bumped fees
	 * (w3w_withdrawal_replace()), never above replace_max_fee_per_gas.
	 * 0 (default): never automatically.
	 */
	int replace_after_blocks;
	/** The operator's fee ceiling of automatic replacements, wei per gas (required with replace_after_blocks). */
	uint64_t replace_max_fee_per_gas;
} w3w_chain_options;

#define W3W_CHAIN_OPTIONS_INIT { W3W_CHAIN_OPTIONS_VERSION, "evm", "", 0, 12, 5000, "", -1, 100, 0, 0, "", "", \
	"", 0, 0, "", 0, 0 }

W3W_EXTERN w3w_status w3w_chain_options_init(w3w_chain_options *opts, unsigned int version);

/**
 * Open a chain on `ctx` (which must outlive it). Options of an older
 * version have the later members at their defaults. Checks the options (the
 * message names the field: unknown adapter, bad asset list, bad contract
 * address, decimals out of 0..36); asks the node for its chain id only
 * when opts->chain_id is 0 (W3W_EUNAVAILABLE if it cannot be reached).
 * Safe to share between threads.
 */
W3W_EXTERN w3w_status w3w_chain_open(w3w_chain **out, w3w_ctx *ctx, const w3w_chain_options *opts);

/** Stop the watch thread if running and free the chain. NULL is ignored. */
W3W_EXTERN void w3w_chain_close(w3w_chain *chain);

/** "evm:<chain id>": the chain field of withdrawals and deposits, and the prefix of deposit references. */
W3W_EXTERN const char *w3w_chain_key(const w3w_chain *chain);

/** Address of the hot wallet that pays withdrawals (fund it with gas and tokens). Admin or service. */
W3W_EXTERN w3w_status w3w_chain_hot_address(char *buf, size_t buflen, w3w_chain *chain,
	const w3w_actor *actor);

/** What one poll did. */
typedef struct w3w_chain_poll_stats {
	uint64_t head;                 /**< the node's latest block */
	int64_t cursor;                /**< last block fully processed (-1: none yet) */
	size_t blocks;                 /**< blocks processed by this poll */
	size_t deposits_credited;      /**< ledger deposits made by this poll */
	size_t deposits_known;         /**< deposits seen again (already credited before) */
	size_t deposits_dust;          /**< deposits below 1e-8: recorded, nothing credited */
	size_t withdrawals_confirmed;
	size_t withdrawals_failed;     /**< reverted or refused: hold released */
	size_t withdrawals_dropped;    /**< never mined: hold released */
	size_t withdrawals_pending;    /**< still waiting for a receipt or confirmations */
} w3w_chain_poll_stats;

/**
 * One round of the chain follower, as `actor` (service or admin): credits
 * deposits in blocks at depth >= confirmations (storing the cursor and
 * the processed blocks' hashes, re-checked every round), then follows open
 * withdrawals (receipts, re-broadcast, settle or release). Idempotent and
 * safe to run from several processes. A reorganisation deeper than the
 * confirmation depth stops crediting with W3W_ESTATE. `out` may be NULL.
 */
W3W_EXTERN w3w_status w3w_chain_poll(w3w_chain *chain, const w3w_actor *actor, w3w_chain_poll_stats *out);

/**
 * How deep transaction `tx_hash` is on the node now, in *depth: 0 while it is not in
 * a block (pending, unknown or dropped), else head - its block + 1 (the
 * head is depth 1). A withdrawal settles at options.confirmations.
 * W3W_EUNAVAILABLE when the node cannot be asked; W3W_EINVAL for a text
 * that is not "0x" and 64 hex digits.
 */
W3W_EXTERN w3w_status w3w_chain_confirmations(int64_t *depth, w3w_chain *chain, const char *tx_hash);

/** The confirmation depth the chain was opened with (options.confirmations). */
W3W_EXTERN int w3w_chain_confirmations_required(const w3w_chain *chain);

/**
 * Run w3w_chain_poll() every `interval_ms` on a background thread until
 * w3w_chain_watch_stop() or w3w_chain_close(). W3W_ESTATE if already running.
 */
W3W_EXTERN w3w_status w3w_chain_watch_start(w3w_chain *chain, const w3w_actor *actor, int interval_ms);
W3W_EXTERN void w3w_chain_watch_stop(w3w_chain *chain);

/**
 * Outcome of the watch thread's last round: its status (W3W_OK or the
 * error) with the message copied into `message` (may be NULL), and its stats.
 */
W3W_EXTERN w3w_status w3w_chain_watch_last(w3w_chain *chain, w3w_chain_poll_stats *stats,
	char *message, size_t message_len);

/** What the watch thread has done since w3w_chain_watch_start(), for health checks and metrics. */
typedef struct w3w_chain_watch_state {
	int running;                /**< 1 while the watch thread runs */
	uint64_t rounds;            /**< polls finished */
	uint64_t errors;            /**< polls that ended in an error (node down, storage, deep reorganisation) */
	w3w_status status;          /**< of the last poll (W3W_OK before the first) */
	char last_error[256];       /**< its message ("" after a successful poll) */
	w3w_time last_ok_at;        /**< end of the last successful poll; 0: none yet */
	uint64_t head;              /**< the node's latest block, as of the last poll that read it */
	int64_t cursor;             /**< last block fully processed, as of that poll (-1: none yet) */
} w3w_chain_watch_state;

/** The watch thread's counters and last known head and cursor. Never blocks on the node. */
W3W_EXTERN w3w_status w3w_chain_watch_state_get(w3w_chain_watch_state *out, w3w_chain *chain);

/* ---- withdrawals ------------------------------------------------------------ */

typedef enum w3w_withdrawal_status {
	W3W_WITHDRAWAL_HELD      = 1, /**< funds held, nonce allocated, not signed yet */
	W3W_WITHDRAWAL_SIGNED    = 2, /**< signed; the node has not confirmed it has it */
	W3W_WITHDRAWAL_BROADCAST = 3, /**< the node accepted it; waiting for receipt and confirmations */
	W3W_WITHDRAWAL_CONFIRMED = 4, /**< mined with success at the confirmation depth: settled */
	W3W_WITHDRAWAL_FAILED    = 5, /**< refused by the node or reverted: hold released */
	W3W_WITHDRAWAL_DROPPED   = 6  /**< can never be mined (its nonce went elsewhere): hold released */
} w3w_withdrawal_status;

typedef struct w3w_withdrawal {
	char id[W3W_ID_SIZE];
	char user_id[W3W_ID_SIZE];
	char chain[W3W_CHAIN_KEY_SIZE];      /**< "evm:31337" */
	char currency[W3W_CURRENCY_SIZE];
	w3w_amount amount;
	char to_address[W3W_ADDRESS_SIZE];   /**< EIP-55 */
	char from_address[W3W_ADDRESS_SIZE]; /**< the hot wallet */
	int64_t nonce;
	char tx_hash[W3W_TX_HASH_SIZE];      /**< "" until signed */
	w3w_withdrawal_status status;
	char error[W3W_NAME_SIZE];           /**< why it failed or was dropped ("" otherwise) */
	char transfer_id[W3W_ID_SIZE];       /**< the ledger withdrawal, once confirmed */
	w3w_time created_at;
	w3w_time updated_at;
} w3w_withdrawal;

/**
 * Withdraw `amount` of `currency` from the actor's available funds to
 * `to_address` on `chain`. Steps, each an event and an audit record:
 * the node is asked for nonce and fees (unreachable or garbage:
 * W3W_EUNAVAILABLE, nothing held); the amount is held and a nonce
 * allocated in storage (W3W_EINSUFFICIENT when short); the transaction is
 * signed by the hot wallet and broadcast. If the node refuses it, the
 * withdrawal is `failed` and the hold released (the call returns the
 * refusal, W3W_EUNAVAILABLE, with `out` filled). Otherwise it returns
 * W3W_OK in status `broadcast` (or `signed` when the answer was lost: it
 * is re-broadcast by w3w_chain_poll()), which later settles it.
 *
 * With a signer (options.signer_url): the signer signs, and no master key
 * is needed. If its policy refuses, the withdrawal is `failed` with the
 * hold released and the call returns W3W_EFORBIDDEN (`out` filled). If it
 * cannot be reached, the withdrawal stays `held` and the call returns
 * W3W_OK: w3w_chain_poll() signs and sends it once the signer answers.
 *
 * W3W_EINVAL: currency not configured on the chain, amount with more
 * decimals than the asset has, bad address ("0X" is refused: only "0x"),
 * the zero address (unless options.allow_zero_address), the custody's own
 * hot wallet or a deposit address of any user (unless
 * options.allow_custody_addresses): nothing is held. `idempotency_key` makes a
 * retry return the first withdrawal as it is now. `out` may be NULL.
 */
W3W_EXTERN w3w_status w3w_wallet_withdraw(w3w_withdrawal *out, w3w_chain *chain, const w3w_actor *actor,
	const char *currency, w3w_amount amount, const char *to_address, const char *idempotency_key);

/** A withdrawal by id: its owner, or admin, service, auditor. */
W3W_EXTERN w3w_status w3w_withdrawal_get(w3w_withdrawal *out, w3w_ctx *ctx, const w3w_actor *actor,
	const char *id);

/** "held", "signed", "broadcast", "confirmed", "failed", "dropped". */
W3W_EXTERN const char *w3w_withdrawal_status_name(w3w_withdrawal_status status);
/** The status named `name` ("held", ...); 0 (no status) for anything else. */
W3W_EXTERN w3w_withdrawal_status w3w_withdrawal_status_from_name(const char *name);

/* ---- stuck withdrawals: replacement and cancellation ------------------------------ */

/** What one transaction sent at a withdrawal's nonce does. */
typedef enum w3w_withdrawal_attempt_kind {
	W3W_ATTEMPT_ORIGINAL     = 1, /**< the withdrawal's first transaction */
	W3W_ATTEMPT_REPLACEMENT  = 2, /**< the same transfer at higher fees */
	W3W_ATTEMPT_CANCELLATION = 3  /**< 0 to the hot wallet itself at higher fees: the transfer never happens */
} w3w_withdrawal_attempt_kind;

/** One transaction signed at a withdrawal's nonce. Fees are wei per gas, decimal text. */
typedef struct w3w_withdrawal_attempt {
	int seq;                                           /**< 0, 1, 2, ... in the order signed */
	w3w_withdrawal_attempt_kind kind;
	char tx_hash[W3W_TX_HASH_SIZE];
	char max_fee_per_gas[W3W_U256_TEXT_SIZE];          /**< EIP-1559 ("" on a legacy chain) */
	char max_priority_fee_per_gas[W3W_U256_TEXT_SIZE]; /**< EIP-1559 ("" on a legacy chain) */
	char gas_price[W3W_U256_TEXT_SIZE];                /**< legacy chains ("" with EIP-1559) */
	uint64_t gas_limit;
	uint64_t block;                                    /**< the node's latest block when it was signed */
	char fee_paid[W3W_U256_TEXT_SIZE];                 /**< wei, gas used x effective gas price, once mined ("" before) */
	w3w_time created_at;
} w3w_withdrawal_attempt;

/** The transactions of a withdrawal (the type of w3w_withdrawal_attempt_list()'s result). */
typedef struct w3w_withdrawal_attempts {
	w3w_withdrawal_attempt *items;
	size_t count;
	/** The fee the custody paid for the withdrawal (the mined attempt's), wei; "" while none is mined. An operator cost: the ledger is not charged. */
	char fee_paid[W3W_U256_TEXT_SIZE];
} w3w_withdrawal_attempts;

/**
 * Replace withdrawal `id` (status signed or broadcast) of this chain by the
 * same transfer at its nonce with higher fees, and broadcast it. The fees
 * are `max_fee_per_gas` and `max_priority_fee_per_gas` (wei per gas,
 * decimal; NULL or "": the minimum) on EIP-1559 chains, `max_fee_per_gas`
 * as the gas price on legacy chains; the minimum, and what given fees must
 * reach, is ceil(1.125 x) of the highest fee of any earlier attempt, and
 * at least the node's current suggestion. Admin or service; an event
 * (wallet.withdrawal_replaced) and an audit record. Whichever attempt is
 * mined settles the withdrawal, once (w3w_chain_poll()).
 *
 * W3W_ENOTFOUND: no such withdrawal on this chain. W3W_ESTATE: it is
 * held (not sent yet), final (confirmed, failed, dropped), one of its
 * transactions is already mined, or (replace only) a cancellation was
 * sent. W3W_EINVAL: fees below the minimum or not numbers. W3W_EFORBIDDEN:
 * not admin/service, or the signer's policy refused (nothing changed).
 * W3W_EUNAVAILABLE: the node could not be asked (nothing changed), or it
 * refused the new transaction (recorded; the earlier ones stand and are
 * still followed). "storage backend has no replacement support" for a
 * wallet store before version 4. `out` (may be NULL) is the withdrawal after.
 */
W3W_EXTERN w3w_status w3w_withdrawal_replace(w3w_withdrawal *out, w3w_chain *chain, const w3w_actor *actor,
	const char *id, const char *max_fee_per_gas, const char *max_priority_fee_per_gas);

/**
 * Cancel withdrawal `id`: send 0 to the hot wallet itself at its nonce
 * with higher fees (the same rules as w3w_withdrawal_replace(); event
 * wallet.withdrawal_cancel_sent). If the cancellation is mined, the
 * withdrawal ends `failed` with error "cancelled ..." and the hold is
 * released; if an earlier transfer is mined first, it is confirmed as usual.
 */
W3W_EXTERN w3w_status w3w_withdrawal_cancel(w3w_withdrawal *out, w3w_chain *chain, const w3w_actor *actor,
	const char *id, const char *max_fee_per_gas, const char *max_priority_fee_per_gas);

/**
 * The transactions sent for withdrawal `id`, seq ascending, and the fee
 * paid: its owner, or admin, service, auditor (as w3w_withdrawal_get()).
 * A withdrawal signed before attempts were recorded lists none. Free
 * with w3w_withdrawal_attempts_free().
 */
W3W_EXTERN w3w_status w3w_withdrawal_attempt_list(w3w_withdrawal_attempts **out, w3w_ctx *ctx,
	const w3w_actor *actor, const char *id);

W3W_EXTERN void w3w_withdrawal_attempts_free(w3w_withdrawal_attempts *list);

/** "original", "replacement", "cancellation"; NULL for anything else. */
W3W_EXTERN const char *w3w_withdrawal_attempt_kind_name(w3w_withdrawal_attempt_kind kind);
/** The kind named `name`; 0 (no kind) for anything else. */
W3W_EXTERN w3w_withdrawal_attempt_kind w3w_withdrawal_attempt_kind_from_name(const char *name);

/** The chain's withdrawals not final yet (held, signed or broadcast), as the follower last listed them. */
typedef struct w3w_chain_open_withdrawals {
	w3w_time listed_at;                 /**< when (0: no follow round has listed them yet) */
	size_t count;                       /**< how many were open then, counting up to `max_counted` */
	size_t max_counted;                 /**< the bound of one round's list: count == max_counted means "at least" */
	char oldest_id[W3W_ID_SIZE];        /**< the oldest of them ("" when none) */
	w3w_time oldest_created_at;         /**< its creation time (0 when none) */
	int64_t oldest_nonce;               /**< its nonce (-1 when none): the hot wallet's later ones wait behind it */
} w3w_chain_open_withdrawals;

/**
 * The open withdrawals of the last round of w3w_chain_poll() (or the watch
 * thread) that listed them: for alerting on a withdrawal that stays open
 * (a stuck transaction, a signer that is down). Never blocks on the node
 * or the storage.
 */
W3W_EXTERN w3w_status w3w_chain_open_withdrawals_get(w3w_chain_open_withdrawals *out, w3w_chain *chain);

/* ---- deposits seen on chain ------------------------------------------------------------ */

/**
 * A deposit the watcher found, as recorded: the on-chain value in the
 * asset's base units, what was credited (rounded down to 1e-8) and the
 * remainder that was not.
 */
typedef struct w3w_chain_deposit {
	char reference[W3W_NAME_SIZE];   /**< "evm:31337:0x<tx hash>:<log index>" ("native" for coin transfers) */
	char chain[W3W_CHAIN_KEY_SIZE];
	char user_id[W3W_ID_SIZE];
	char address[W3W_ADDRESS_SIZE];  /**< the deposit address */
	char currency[W3W_CURRENCY_SIZE];
	char tx_hash[W3W_TX_HASH_SIZE];
	int64_t log_index;               /**< -1 for a native transfer */
	int64_t block_number;
	char block_hash[W3W_TX_HASH_SIZE];
	char value[W3W_U256_TEXT_SIZE];  /**< base units, decimal */
	w3w_amount amount;               /**< credited */
	char dust[W3W_U256_TEXT_SIZE];   /**< base units not credited, decimal ("0" when exact) */
	char status[16];                 /**< "credited", "dust" (below 1e-8), "too_large" */
	char transfer_id[W3W_ID_SIZE];   /**< the ledger deposit ("" when nothing was credited) */
	w3w_time created_at;
} w3w_chain_deposit;

/** A recorded deposit by reference: its user, or admin, service, auditor. */
W3W_EXTERN w3w_status w3w_chain_deposit_get(w3w_chain_deposit *out, w3w_ctx *ctx, const w3w_actor *actor,
	const char *reference);

/** A list of recorded deposits (the type of w3w_chain_deposit_list()'s result). */
typedef struct w3w_chain_deposits {
	w3w_chain_deposit *items;
	size_t count;
} w3w_chain_deposits;

/**
 * The newest `limit` (1..500) recorded deposits of `user_id` (NULL or "":
 * the actor's own; another user's need admin, service or auditor), newest
 * first; only those of chain key `chain` ("evm:31337") unless it is NULL
 * or "". Free with w3w_chain_deposits_free().
 */
W3W_EXTERN w3w_status w3w_chain_deposit_list(w3w_chain_deposits **out, w3w_ctx *ctx, const w3w_actor *actor,
	const char *user_id, const char *chain, int limit);

W3W_EXTERN void w3w_chain_deposits_free(w3w_chain_deposits *list);

/* ---- sweeps: deposit addresses -> the hot wallet ------------------------------------------------ */

/**
 * A sweep moves one asset of one deposit address to the hot wallet: custody
 * moves, user balances do not (the ledger is not touched). Token sweeps
 * first top the address up with the gas it needs, from the hot wallet.
 */
typedef enum w3w_sweep_status {
	W3W_SWEEP_PLANNED      = 1, /**< recorded (with the top-up's nonce when one is needed), nothing signed */
	W3W_SWEEP_TOPUP_SIGNED = 2, /**< the gas top-up is signed and stored, broadcast or about to be */
	W3W_SWEEP_TOPUP_MINED  = 3, /**< the top-up is in a block: the address can pay for its sweep */
	W3W_SWEEP_SIGNED       = 4, /**< the sweep is signed and stored, broadcast or about to be */
	W3W_SWEEP_CONFIRMED    = 5, /**< the sweep is mined with success at the confirmation depth */
	W3W_SWEEP_FAILED       = 6  /**< given up (error says why); fees already paid stay recorded */
} w3w_sweep_status;

typedef struct w3w_sweep {
	char id[W3W_ID_SIZE];
	char chain[W3W_CHAIN_KEY_SIZE];           /**< "evm:31337" */
	char address[W3W_ADDRESS_SIZE];           /**< the deposit address (EIP-55) */
	int64_t wallet_index;                     /**< its derivation index */
	char currency[W3W_CURRENCY_SIZE];
	char to_address[W3W_ADDRESS_SIZE];        /**< the hot wallet */
	w3w_sweep_status status;
	char amount[W3W_U256_TEXT_SIZE];          /**< base units sent to the hot wallet ("0" until signed) */
	int64_t nonce;                            /**< the deposit address's nonce of the sweep (-1 until signed) */
	char tx_hash[W3W_TX_HASH_SIZE];           /**< of the sweep ("" until signed) */
	char topup_value[W3W_U256_TEXT_SIZE];     /**< wei the top-up sends ("0": none needed) */
	int64_t topup_nonce;                      /**< the hot wallet's nonce of the top-up (-1: none) */
	char topup_tx_hash[W3W_TX_HASH_SIZE];     /**< "" until signed, or without a top-up */
	char fee_currency[W3W_CURRENCY_SIZE];     /**< the chain's native currency: fees are paid in it */
	char topup_fee[W3W_U256_TEXT_SIZE];       /**< wei the top-up cost (gas used x effective price), "0" until mined */
	char sweep_fee[W3W_U256_TEXT_SIZE];       /**< wei the sweep cost, "0" until mined */
	char error[W3W_NAME_SIZE];                /**< why it failed ("" otherwise) */
	w3w_time created_at;
	w3w_time updated_at;
} w3w_sweep;

/** A list of sweeps (the type of w3w_sweep_list()'s result). */
typedef struct w3w_sweeps {
	w3w_sweep *items;
	size_t count;
} w3w_sweeps;

/** What one sweep round did. */
typedef struct w3w_sweep_stats {
	size_t addresses;   /**< deposit addresses examined for new sweeps */
	size_t planned;     /**< sweeps started */
	size_t topups;      /**< gas top-ups signed and sent */
	size_t sent;        /**< sweeps signed and sent */
	size_t confirmed;
	size_t failed;
	size_t pending;     /**< open sweeps still waiting (a receipt, confirmations) */
	size_t skipped;     /**< above the threshold, but not started (top-up above the maximum, balance below the fee) */
} w3w_sweep_stats;

/**
 * One sweep round on `chain` as `actor` (admin or service), by the chain's
 * sweep policy (options.sweep_*): first every open sweep is moved on
 * (receipts, re-broadcast of the stored bytes, the sweep after its top-up
 * is mined), then up to options.sweep_max_per_round deposit addresses are
 * examined and a sweep started for each whose balance of an asset is at
 * least its threshold (tokens before the native coin; one open sweep per
 * address at a time). Each step is stored before it is broadcast, so a
 * round that dies anywhere is resumed by the next one, in any process;
 * rounds of several processes at once never double a top-up or a sweep.
 * W3W_EINVAL without a sweep policy, or "storage backend has no sweep
 * support". `out` may be NULL.
 */
W3W_EXTERN w3w_status w3w_chain_sweep(w3w_chain *chain, const w3w_actor *actor, w3w_sweep_stats *out);

/**
 * The newest `limit` (1..500) sweeps, of chain key `chain` only unless it
 * is NULL or "", newest first. Admin, service or auditor. Free with w3w_sweeps_free().
 */
W3W_EXTERN w3w_status w3w_sweep_list(w3w_sweeps **out, w3w_ctx *ctx, const w3w_actor *actor, const char *chain,
	int limit);
W3W_EXTERN void w3w_sweeps_free(w3w_sweeps *list);

/** "planned", "topup_signed", "topup_mined", "signed", "confirmed", "failed"; NULL for anything else. */
W3W_EXTERN const char *w3w_sweep_status_name(w3w_sweep_status status);
/** The status named `name`; 0 (no status) for anything else. */
W3W_EXTERN w3w_sweep_status w3w_sweep_status_from_name(const char *name);

/** What sweeping has cost on one chain in one currency: an operator cost, not a ledger entry. */
typedef struct w3w_sweep_fee_total {
	char chain[W3W_CHAIN_KEY_SIZE];
	char currency[W3W_CURRENCY_SIZE];
	char total[W3W_U256_TEXT_SIZE];   /**< base units (wei), decimal: every top-up's and sweep's fee */
	int64_t transactions;             /**< mined top-ups and sweeps counted in it */
} w3w_sweep_fee_total;

typedef struct w3w_sweep_fee_totals {
	w3w_sweep_fee_total *items;
	size_t count;
} w3w_sweep_fee_totals;

/**
 * Sweep fees per chain and currency (of chain key `chain` only unless NULL
 * or ""), chain then currency ascending. Admin, service or auditor. Free
 * with w3w_sweep_fee_totals_free().
 */
W3W_EXTERN w3w_status w3w_sweep_fee_totals_get(w3w_sweep_fee_totals **out, w3w_ctx *ctx, const w3w_actor *actor,
	const char *chain);
W3W_EXTERN void w3w_sweep_fee_totals_free(w3w_sweep_fee_totals *list);

/** What the watch thread's sweep rounds have done (all zero when the chain has no sweep interval). */
typedef struct w3w_chain_sweep_state {
	int enabled;                /**< 1: the watch thread runs sweep rounds (options.sweep_interval_ms) */
	uint64_t rounds;            /**< rounds finished */
	uint64_t errors;            /**< rounds that ended in an error */
	w3w_status status;          /**< of the last round (W3W_OK before the first) */
	char last_error[256];       /**< its message ("" after a successful round) */
	w3w_time last_ok_at;        /**< end of the last successful round; 0: none yet */
	w3w_sweep_stats last;       /**< the last round's stats */
	uint64_t confirmed;         /**< sweeps confirmed by these rounds */
	uint64_t failed;            /**< sweeps failed in these rounds */
} w3w_chain_sweep_state;

/** The watch thread's sweep counters. Never blocks on the node or the storage. */
W3W_EXTERN w3w_status w3w_chain_sweep_state_get(w3w_chain_sweep_state *out, w3w_chain *chain);

/* ---- JSON ---------------------------------------------------------------------------- */

/** {id, user_id, chain, address, index, created_at}; free with w3w_string_free(). */
W3W_EXTERN w3w_status w3w_wallet_to_json(char **out, const w3w_wallet *wallet);
W3W_EXTERN w3w_status w3w_wallets_to_json(char **out, const w3w_wallets *list);
W3W_EXTERN w3w_status w3w_withdrawal_to_json(char **out, const w3w_withdrawal *withdrawal);
/** The withdrawal's JSON with "attempts": [attempt, ...] and "fee_paid" ("" while none is mined). */
W3W_EXTERN w3w_status w3w_withdrawal_detail_to_json(char **out, const w3w_withdrawal *withdrawal,
	const w3w_withdrawal_attempts *attempts);
W3W_EXTERN w3w_status w3w_chain_deposit_to_json(char **out, const w3w_chain_deposit *deposit);
/** {"items": [deposit, ...]} */
W3W_EXTERN w3w_status w3w_chain_deposits_to_json(char **out, const w3w_chain_deposits *list);
/** {"items": [sweep, ...]}: amounts, values and fees as decimal strings of base units. */
W3W_EXTERN w3w_status w3w_sweeps_to_json(char **out, const w3w_sweeps *list);
/** {"items": [{chain, currency, total, transactions}, ...]} */
W3W_EXTERN w3w_status w3w_sweep_fee_totals_to_json(char **out, const w3w_sweep_fee_totals *list);

#ifdef __cplusplus
}
#endif
#endif

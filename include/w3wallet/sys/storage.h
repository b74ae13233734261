/*
 * Storage backend interface (for backend authors).
 *
 * Storage is command-level: each domain command is ONE call that the
 * backend applies in ONE transaction — the state change, the outbox event
 * and the audit record, and the idempotency record when a key is given —
 * or not at all. Core has already validated input, checked the actor's
 * rights and prepared ids, timestamps, the event and the audit record; the
 * backend decides only what depends on current state (conditional updates,
 * unique indexes), and answers with a status:
 *
 *   W3W_OK, W3W_ENOTFOUND, W3W_ECONFLICT, W3W_EINSUFFICIENT, W3W_ESTATE,
 *   W3W_EFORBIDDEN, W3W_EIDEMPOTENCY, W3W_EUNAVAILABLE (nothing applied),
 *   W3W_EINTERNAL — with a message set through w3w_error_set().
 *
 * Every backend must pass tests/conformance unchanged. All functions are
 * called concurrently from many threads: the backend owns its pooling and
 * locking. Strings in command structs are NUL-terminated and already valid.
 */
#ifndef W3WALLET_SYS_STORAGE_H
#define W3WALLET_SYS_STORAGE_H

#include "w3wallet/audit.h"
#include "w3wallet/batch.h"
#include "w3wallet/claim.h"
#include "w3wallet/events.h"
#include "w3wallet/ledger.h"
#include "w3wallet/limits.h"
#include "w3wallet/order.h"
#include "w3wallet/supply.h"
#include "w3wallet/sys/backend.h"
#include "w3wallet/wallet.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Nil UUID: the external account of deposits and withdrawals. */
#define W3W_EXTERNAL_USER_ID "00000000-0000-0000-0000-000000000000"

/**
 * An audit record as audit table version 1 has it: w3w_audit_record (audit.h)
 * without trace_id, the same members at the same offsets. w3w_write_meta
 * embeds this one, so that the command structs keep the layout backends
 * built against older headers know. The trace of a command's record is its
 * event's: see w3w_write_meta.audit.
 */
typedef struct w3w_audit_record_v1 {
	int64_t chain_pos;                  /**< 0 until sealed */
	char id[W3W_ID_SIZE];
	char actor_id[W3W_ID_SIZE];
	char action[W3W_EVENT_TYPE_SIZE];   /**< "claim.create" */
	char target_id[W3W_ID_SIZE];        /**< "" when none */
	char outcome[W3W_EVENT_TYPE_SIZE];  /**< w3w_status_name() of the result */
	w3w_time created_at;
	unsigned char prev_hash[32];        /**< sealed only */
	unsigned char hash[32];             /**< sealed only */
} w3w_audit_record_v1;

/** What every write command carries besides its own fields. */
typedef struct w3w_write_meta {
	char actor_id[W3W_ID_SIZE];
	/** Idempotency: key "" = none. Scope is (actor_id, key). */
	char idem_key[W3W_NAME_SIZE];
	unsigned char idem_hash[32];        /**< BLAKE2b of the canonical request */
	w3w_time idem_expires_at;
	w3w_time now;
	/**
	 * The outbox event (payload owned by core). Written only on success,
	 * with what only the storage knows added to the stored payload: on
	 * order.claimed, claim.processed and claim.released, "supply_id" (the
	 * claim's supply) and "order_user_id" (the order's owner); on
	 * order.cancelled, "order_user_id". The relay derives the cache keys a
	 * commit made stale from the stored event alone, so a backend that
	 * leaves them out leaves those keys stale until their TTL.
	 */
	w3w_event event;
	/**
	 * The audit record of the success; written in the same transaction.
	 * Its trace id is the one of the event payload's "traceparent"
	 * (w3w_event_trace_id()): an audit table of version 2 stores it with
	 * the record.
	 */
	w3w_audit_record_v1 audit;
	/**
	 * Set by the backend to 1 when (actor_id, idem_key) already existed
	 * unexpired with the same idem_hash: nothing was written, and the
	 * command's out-parameter holds the current state of the record the
	 * first execution produced (its id is stored with the key).
	 */
	int replayed;
} w3w_write_meta;

/* ---- commands ------------------------------------------------------------ */

/**
 * A transfer (deposit, withdrawal, user transfer). `t` is complete (id,
 * kind, from/to with the external nil UUID, currency, amount, reference,
 * created_at). The debited user account (not the external one) needs
 * balance - held >= amount, else W3W_EINSUFFICIENT. Accounts are created
 * on first credit. Deposits: `t.reference` unique among deposits, else
 * W3W_ECONFLICT. Writes two ledger entries (-amount from, +amount to).
 * A withdrawal is held to the withdrawal limits (see limit_set below) by a
 * backend that has them. Idempotency result id: t.id.
 */
typedef struct w3w_cmd_transfer {
	w3w_write_meta meta;
	w3w_transfer t;
} w3w_cmd_transfer;

/** Insert `s` (complete: id, user, currency, amount, reserved 0, active, times). */
typedef struct w3w_cmd_supply_create {
	w3w_write_meta meta;
	w3w_supply s;
} w3w_cmd_supply_create;

/**
 * Update supply `id` owned by `user_id` (else W3W_ENOTFOUND).
 * Deleted: W3W_ESTATE. set_amount with amount < reserved: W3W_ECONFLICT.
 * New status: `status` if nonzero; else if amount was set, 0 -> exhausted,
 * > 0 on an exhausted supply -> active; else unchanged. updated_at = meta.now.
 */
typedef struct w3w_cmd_supply_update {
	w3w_write_meta meta;
	char id[W3W_ID_SIZE];
	char user_id[W3W_ID_SIZE];
	w3w_supply_patch patch;
} w3w_cmd_supply_update;

/** Mark supply `id` of `user_id` deleted. reserved > 0: W3W_ECONFLICT; already deleted: W3W_ESTATE. */
typedef struct w3w_cmd_supply_delete {
	w3w_write_meta meta;
	char id[W3W_ID_SIZE];
	char user_id[W3W_ID_SIZE];
} w3w_cmd_supply_delete;

/**
 * Insert order `o` (complete, status open, with `o.items` ids set) and hold
 * o.amount on (o.user_id, o.currency): needs balance - held >= amount, else
 * W3W_EINSUFFICIENT (a missing account counts as 0).
 */
typedef struct w3w_cmd_order_create {
	w3w_write_meta meta;
	const w3w_order *o;
} w3w_cmd_order_create;

/**
 * Cancel order `id` (W3W_ENOTFOUND): only if `user_id` is its owner or
 * `any_owner` is set (admin), else W3W_EFORBIDDEN. open -> cancelled and
 * the hold released; claimed -> W3W_ECONFLICT; completed/cancelled -> W3W_ESTATE.
 */
typedef struct w3w_cmd_order_cancel {
	w3w_write_meta meta;
	char id[W3W_ID_SIZE];
	char user_id[W3W_ID_SIZE];
	int any_owner;
} w3w_cmd_order_cancel;

/**
 * Claim: c.order_id by c.user_id, with c.id, c.claimed_at set and status
 * pending. In one transaction, decided by the database (conditional update,
 * partial unique index on live claims), never check-then-write:
 *  - order must exist (W3W_ENOTFOUND), not be owned by c.user_id
 *    (W3W_EFORBIDDEN), be open (claimed/completed: W3W_ECONFLICT;
 *    cancelled: W3W_ESTATE); it becomes claimed;
 *  - the claimer's oldest active supply in the order currency with
 *    amount - reserved >= order amount reserves it (none: W3W_EINSUFFICIENT),
 *    c.supply_id is set from it;
 *  - the claim row is inserted.
 */
typedef struct w3w_cmd_claim_create {
	w3w_write_meta meta;
	w3w_claim c;
	/** Out, set by the backend on success (also on replay): the order's owner, so core can invalidate their cached lists. */
	char order_user_id[W3W_ID_SIZE];
} w3w_cmd_claim_create;

/**
 * Process pending claim `id` (W3W_ENOTFOUND; not pending: W3W_ESTATE).
 * Claim -> processed (processed_at = meta.now), order claimed -> completed,
 * settlement transfer `settlement` (id, created_at preset; the backend fills
 * from = buyer, to = claimer, currency, amount = order amount, reference =
 * claim id): buyer balance and held drop by amount, claimer balance rises;
 * the supply's amount and reserved drop by amount, and it becomes exhausted
 * if amount reaches 0.
 */
typedef struct w3w_cmd_claim_process {
	w3w_write_meta meta;
	char id[W3W_ID_SIZE];
	w3w_transfer settlement;
	/** Out, set by the backend on success: the order's owner (the buyer). */
	char order_user_id[W3W_ID_SIZE];
} w3w_cmd_claim_process;

/**
 * Release pending claim `id` (W3W_ENOTFOUND; not pending: W3W_ESTATE):
 * claim -> released (released_at = meta.now), order -> open (escrow stays
 * held), supply reserved drops by the order amount.
 */
typedef struct w3w_cmd_claim_release {
	w3w_write_meta meta;
	char id[W3W_ID_SIZE];
	/** Out, set by the backend on success: the order's owner. */
	char order_user_id[W3W_ID_SIZE];
} w3w_cmd_claim_release;

/** Filter of list reads; core has validated and defaulted it (limit 1..500). */
typedef struct w3w_storage_query {
	char user_id[W3W_ID_SIZE];  /**< "" = any user */
	int status;                 /**< 0 = any */
	int limit;
	char after_id[W3W_ID_SIZE]; /**< "" = from the start; else ids > after_id */
} w3w_storage_query;

/**
 * The trace id of the event payload's "traceparent" (what core stamps on the
 * event of a command that runs in a trace), "" when it has none: what a
 * backend stores as the trace id of the command's audit record.
 */
W3W_EXTERN void w3w_event_trace_id(const w3w_event *event, char out[W3W_TRACE_ID_SIZE]);

/**
 * Hash function core gives to audit_seal: hash = H(prev_hash, record).
 * It is pure; the backend calls it while it holds its sealing lock.
 */
typedef void (*w3w_audit_hash_fn)(unsigned char hash[32], const unsigned char prev_hash[32],
	const w3w_audit_record *record);

/* ---- wallet commands (custodial keys and chain state) -------------------- */

#define W3W_SECRET_PURPOSE_SIZE 32
/** Largest sealed blob: a 24-word mnemonic (at most 215 bytes) and the seal's overhead, with room. */
#define W3W_SECRET_BLOB_MAX 512
/** A signed raw transaction as "0x" hex, NUL included. */
#define W3W_RAW_TX_SIZE 2048

/** A secret sealed under one master key (crypto layer's sealed blob, format v1). */
typedef struct w3w_secret_record {
	char purpose[W3W_SECRET_PURPOSE_SIZE]; /**< "seed", "mnemonic": also bound into the seal */
	char key_id[W3W_KEY_ID_SIZE];          /**< the master key that sealed `blob` */
	char origin[16];                       /**< "generated" or "imported" */
	unsigned char blob[W3W_SECRET_BLOB_MAX];
	size_t blob_len;
	w3w_time created_at;
} w3w_secret_record;

/**
 * Store a new set of secrets sealed under one key (the master seed and its
 * mnemonic). W3W_ECONFLICT, nothing written, if a record with the purpose
 * of records[0] exists under any key: a second seed is never created.
 */
typedef struct w3w_cmd_secrets_create {
	w3w_write_meta meta;
	const w3w_secret_record *records;
	size_t count;
} w3w_cmd_secrets_create;

/**
 * Key rotation. Each record is a copy, under one new key, of a secret that
 * exists under `from_key_id` (else W3W_ESTATE, nothing written). Insert
 * each (replacing a row of the same purpose and key_id), then delete every
 * row whose key_id is neither from_key_id nor the new one.
 */
typedef struct w3w_cmd_secrets_reseal {
	w3w_write_meta meta;
	const w3w_secret_record *records;
	size_t count;
	char from_key_id[W3W_KEY_ID_SIZE];
} w3w_cmd_secrets_reseal;

/**
 * Delete every row not sealed under keep_key_id; `deleted` (out) counts
 * them. W3W_ESTATE, nothing deleted, if some purpose has no row under
 * keep_key_id.
 */
typedef struct w3w_cmd_secrets_retire {
	w3w_write_meta meta;
	char keep_key_id[W3W_KEY_ID_SIZE];
	int64_t deleted;
} w3w_cmd_secrets_retire;

/**
 * Insert wallet `w` (complete; w.index from wallet_index_next). A wallet of
 * the same (user_id, chain) exists: W3W_ECONFLICT naming its id; the same
 * (chain, index) or (chain, address): W3W_ECONFLICT. Idempotency result
 * id: w.id.
 */
typedef struct w3w_cmd_wallet_create {
	w3w_write_meta meta;
	w3w_wallet w;
} w3w_cmd_wallet_create;

/** A withdrawal with what only the chain follower needs. */
typedef struct w3w_withdrawal_row {
	w3w_withdrawal w;
	char raw_tx[W3W_RAW_TX_SIZE]; /**< signed bytes, "0x" hex; "" before signing (public once broadcast) */
} w3w_withdrawal_row;

/**
 * Create withdrawal `w` (complete, status held; w.nonce is ignored) in one
 * transaction: hold w.amount on (w.user_id, w.currency) (balance - held >=
 * amount, else W3W_EINSUFFICIENT; a missing account has 0); allocate the
 * nonce of (w.chain, w.from_address): the smallest given-back nonce >=
 * nonce_floor (given-back nonces below it are dropped), else max(next,
 * nonce_floor), next moving past it; insert. The hold is held to the
 * withdrawal limits (see limit_set below) by a backend that has them.
 * Idempotency result id: w.id (a replay returns the withdrawal as recorded).
 */
typedef struct w3w_cmd_withdrawal_create {
	w3w_write_meta meta;
	w3w_withdrawal w;
	int64_t nonce_floor;  /**< the node's pending nonce of the sender */
} w3w_cmd_withdrawal_create;

/**
 * Move withdrawal `id` from `from_status` to `to_status` (absent:
 * W3W_ENOTFOUND; in another status: W3W_ESTATE), updated_at = meta.now:
 *  - tx_hash, raw_tx, error: stored when not "";
 *  - to confirmed: the user's balance and held both drop by the amount,
 *    and `settlement` is recorded with its two ledger entries (id,
 *    created_at and reference preset; the backend sets kind withdrawal,
 *    from the user, to the external account, currency and amount from the
 *    row); transfer_id = settlement.id;
 *  - to failed or dropped: the hold is released;
 *  - give_back_nonce: the nonce was never used on chain: it is kept for the
 *    next withdrawal of (chain, from_address).
 */
typedef struct w3w_cmd_withdrawal_update {
	w3w_write_meta meta;
	char id[W3W_ID_SIZE];
	w3w_withdrawal_status from_status;
	w3w_withdrawal_status to_status;
	char tx_hash[W3W_TX_HASH_SIZE];
	char raw_tx[W3W_RAW_TX_SIZE];
	char error[W3W_NAME_SIZE];
	int give_back_nonce;
	w3w_transfer settlement;
} w3w_cmd_withdrawal_update;

/**
 * Withdrawal limits (w3wallet/limits.h), wallet table version 2. Set the
 * limits of (user_id, currency), user_id "" being the currency's default,
 * to per_withdrawal and daily (W3W_LIMIT_NONE: none), updated_at =
 * meta.now; or with `clear`, delete them (none set: W3W_ENOTFOUND).
 *
 * A backend with these members enforces them in every withdrawal
 * (transfer of kind withdrawal, withdrawal_create), in the transaction
 * that debits or holds, before anything is written: the values in force
 * are the user's row, else the currency's default row, else none. Refused
 * with W3W_ELIMIT, naming the limit and what remains, when amount >
 * per_withdrawal, or when used + amount > daily, where used sums the
 * user's withdrawals of the currency recorded after meta.now -
 * W3W_LIMIT_WINDOW. Otherwise the withdrawal is recorded as
 * used at meta.now (an on-chain withdrawal moved to failed or dropped is
 * no longer counted). Concurrent withdrawals of one user and currency
 * must not pass together what each would alone (PostgreSQL: a lock per
 * user and currency taken before the sum; SQLite: the write transaction).
 */
typedef struct w3w_cmd_limit_set {
	w3w_write_meta meta;
	char user_id[W3W_ID_SIZE];
	char currency[W3W_CURRENCY_SIZE];
	w3w_amount per_withdrawal;
	w3w_amount daily;
	int clear;
} w3w_cmd_limit_set;

/** One transaction at a withdrawal's nonce, with its signed bytes (wallet table version 4). */
typedef struct w3w_withdrawal_attempt_row {
	w3w_withdrawal_attempt a;
	char raw_tx[W3W_RAW_TX_SIZE]; /**< signed bytes, "0x" hex */
} w3w_withdrawal_attempt_row;

/**
 * Record attempt `attempt` (complete but seq, which the backend sets to
 * the number of attempts recorded before) of withdrawal `id`, which must
 * be in `from_status` (held for the first, signed or broadcast for a
 * replacement or cancellation; absent: W3W_ENOTFOUND; in another status:
 * W3W_ESTATE), and make it the current transaction, in one transaction:
 * tx_hash and raw_tx = the attempt's, status signed, updated_at =
 * meta.now. A tx_hash already recorded: W3W_ECONFLICT.
 */
typedef struct w3w_cmd_withdrawal_attempt {
	w3w_write_meta meta;
	char id[W3W_ID_SIZE];
	w3w_withdrawal_status from_status;
	w3w_withdrawal_attempt_row attempt;
} w3w_cmd_withdrawal_attempt;

/** A block the deposit watcher has processed. */
typedef struct w3w_watch_block {
	int64_t number;
	char hash[W3W_TX_HASH_SIZE];
} w3w_watch_block;

/**
 * Advance the watcher of `chain` over `blocks` (count >= 1, consecutive,
 * ascending), in one transaction: the stored cursor must be expect_cursor
 * (-1: none stored yet), else W3W_ECONFLICT (another watcher moved it).
 * Stores every block's hash, forgets processed blocks numbered below the
 * last one's number - keep, and sets the cursor to the last block.
 */
typedef struct w3w_cmd_watch_advance {
	char chain[W3W_CHAIN_KEY_SIZE];
	int64_t expect_cursor;
	const w3w_watch_block *blocks;
	size_t count;
	int64_t keep;
} w3w_cmd_watch_advance;

/** A sweep with what only the sweeper needs: the signed bytes and the fee plan both transactions use. */
typedef struct w3w_sweep_row {
	w3w_sweep s;
	char topup_raw[W3W_RAW_TX_SIZE];          /**< the top-up's signed bytes, "0x" hex ("" before signing) */
	char raw_tx[W3W_RAW_TX_SIZE];             /**< the sweep's signed bytes, "0x" hex ("" before signing) */
	int fee_type;                             /**< 0: legacy (max_fee is the gas price), 2: EIP-1559 */
	int64_t gas_limit;                        /**< of the sweep */
	char max_fee[W3W_U256_TEXT_SIZE];         /**< wei per gas, decimal */
	char priority_fee[W3W_U256_TEXT_SIZE];    /**< wei per gas, decimal ("0" for legacy) */
} w3w_sweep_row;

/**
 * Wallet table version 4. Insert sweep `row` (complete, status planned).
 * At most one open sweep (planned, topup_signed, topup_mined, signed) per
 * (s.chain, s.address): another one open gives W3W_ECONFLICT naming it,
 * nothing written. With topup_nonce_floor >= 0 the top-up's nonce is
 * allocated, in the same transaction, by the allocator of withdrawals for
 * (s.chain, s.to_address) (the hot wallet): see w3w_cmd_withdrawal_create.
 */
typedef struct w3w_cmd_sweep_create {
	w3w_write_meta meta;
	w3w_sweep_row row;
	int64_t topup_nonce_floor;  /**< -1: no top-up */
} w3w_cmd_sweep_create;

/**
 * Move sweep row.s.id from `from_status` to row.s.status (absent:
 * W3W_ENOTFOUND; in another status: W3W_ESTATE, nothing written), storing
 * every other member of `row` but id, chain, address, wallet_index,
 * currency, to_address, topup_nonce and created_at; updated_at =
 * meta.now. give_back_topup_nonce: the top-up never reached a pool, its
 * nonce goes back to the hot wallet's allocator.
 */
typedef struct w3w_cmd_sweep_update {
	w3w_write_meta meta;
	w3w_sweep_status from_status;
	w3w_sweep_row row;
	int give_back_topup_nonce;
} w3w_cmd_sweep_update;

typedef struct w3w_storage w3w_storage;

/*
 * The interface is a handle (w3w_storage) that points to one function
 * table per concern. Each table starts with its own version: members are
 * only ever appended, a table of an older version loads, and the members it
 * does not have count as absent. Fill tables with designated initializers
 * starting from the *_INIT macro, or call w3w_*_init() on one you allocate.
 * Every function takes the handle the table was reached from.
 */

/** Marketplace commands and reads: supplies, orders, claims, the ledger. */
/* 2: the batch members appended (transfer_batch ... claim_process_batch). */
#define W3W_MARKET_STORE_VERSION 2
typedef struct w3w_market_store {
	unsigned int version;   /**< W3W_MARKET_STORE_VERSION */

	/* Writes: one transaction each; on any failure nothing is applied. */
	w3w_status (*transfer)(w3w_storage *st, w3w_cmd_transfer *cmd, w3w_transfer *out);
	w3w_status (*supply_create)(w3w_storage *st, w3w_cmd_supply_create *cmd, w3w_supply *out);
	w3w_status (*supply_update)(w3w_storage *st, w3w_cmd_supply_update *cmd, w3w_supply *out);
	w3w_status (*supply_delete)(w3w_storage *st, w3w_cmd_supply_delete *cmd, w3w_supply *out);
	/** *out is allocated by the backend (core frees it with w3w_order_free). */
	w3w_status (*order_create)(w3w_storage *st, w3w_cmd_order_create *cmd, w3w_order **out);
	w3w_status (*order_cancel)(w3w_storage *st, w3w_cmd_order_cancel *cmd, w3w_order **out);
	w3w_status (*claim_create)(w3w_storage *st, w3w_cmd_claim_create *cmd, w3w_claim *out);
	w3w_status (*claim_process)(w3w_storage *st, w3w_cmd_claim_process *cmd, w3w_claim *out);
	w3w_status (*claim_release)(w3w_storage *st, w3w_cmd_claim_release *cmd, w3w_claim *out);

	/* Reads. W3W_ENOTFOUND when absent. Lists return ids ascending. */
	w3w_status (*supply_get)(w3w_storage *st, const char *id, w3w_supply *out);
	w3w_status (*supply_list)(w3w_storage *st, const w3w_storage_query *q, w3w_supply_page **out);
	w3w_status (*order_get)(w3w_storage *st, const char *id, w3w_order **out);
	w3w_status (*order_list)(w3w_storage *st, const w3w_storage_query *q, w3w_order_page **out);
	w3w_status (*claim_get)(w3w_storage *st, const char *id, w3w_claim *out);
	/** The live (pending or processed) claim of an order. */
	w3w_status (*claim_get_live)(w3w_storage *st, const char *order_id, w3w_claim *out);
	/** Accounts of a user (never the external one), currency ascending; an empty list is W3W_OK. */
	w3w_status (*accounts)(w3w_storage *st, const char *user_id, w3w_account_list **out);
	w3w_status (*ledger_totals)(w3w_storage *st, const char *currency, w3w_ledger_totals *out);
	/** Delete expired idempotency keys; *deleted may be NULL. */
	w3w_status (*purge_expired)(w3w_storage *st, w3w_time now, int64_t *deleted);

	/* ---- version 2: batches (w3wallet/batch.h) ---- */
	/*
	 * `count` (1..W3W_BATCH_MAX) commands of one actor in ONE transaction,
	 * in array order, each applied as its single command would be (event,
	 * audit record, idempotency key) or not at all: each in a savepoint or
	 * subtransaction, so a refused element does not abort the others.
	 * Answer W3W_OK when the transaction committed, with results[i].status
	 * and .message set per element (W3W_OK, or one of the refusals the
	 * single command may answer) and cmds[i] and outs[i] as the single
	 * command leaves them (meta.replayed included). A failure of the
	 * transaction itself (W3W_EUNAVAILABLE, W3W_EUNKNOWN, W3W_EINTERNAL)
	 * is the call's answer: then no element was applied (or, EUNKNOWN,
	 * it is not known), and results are not read.
	 */
	w3w_status (*transfer_batch)(w3w_storage *st, w3w_cmd_transfer *cmds, w3w_transfer *outs,
		w3w_batch_result *results, size_t count);
	/** outs[i]: the order without its items (items NULL, item_count 0). */
	w3w_status (*order_create_batch)(w3w_storage *st, w3w_cmd_order_create *cmds, w3w_order *outs,
		w3w_batch_result *results, size_t count);
	w3w_status (*claim_create_batch)(w3w_storage *st, w3w_cmd_claim_create *cmds, w3w_claim *outs,
		w3w_batch_result *results, size_t count);
	w3w_status (*claim_process_batch)(w3w_storage *st, w3w_cmd_claim_process *cmds, w3w_claim *outs,
		w3w_batch_result *results, size_t count);
} w3w_market_store;
#define W3W_MARKET_STORE_INIT { .version = W3W_MARKET_STORE_VERSION }

/** The transactional outbox the commands write their events to. Version 2 adds events_of. */
#define W3W_OUTBOX_STORE_VERSION 2
typedef struct w3w_outbox_store {
	unsigned int version;   /**< W3W_OUTBOX_STORE_VERSION */
	/**
	 * Take up to `max` unsent events in seq order and hold them for
	 * `lease_ms`. Per-key order must survive several relays (processes):
	 * while any unsent event is under an unexpired lease, take returns no
	 * events (count 0, W3W_OK), so one relay works at a time and a batch
	 * that was not acknowledged is retaken, in order, once its lease ends.
	 * Two relays must never both take the same row (PostgreSQL: lock the
	 * outbox for the take, e.g. an advisory xact lock, then UPDATE ...
	 * SET lease_until; SQLite: BEGIN IMMEDIATE).
	 * *out is a malloc'd array of *count events with malloc'd payloads;
	 * core frees each payload and the array with free().
	 */
	w3w_status (*take)(w3w_storage *st, size_t max, int lease_ms, w3w_event **out, size_t *count);
	/** Mark events sent (by seq). */
	w3w_status (*ack)(w3w_storage *st, const int64_t *seqs, size_t count);
	/** Counts of the outbox (total written, pending, oldest pending time). */
	w3w_status (*stats)(w3w_storage *st, w3w_outbox_stats *out);
	/**
	 * (Version 2.) Events of one aggregate, sent or not, with seq > after_seq
	 * in seq order, at most `max`; none is W3W_OK with count 0. *out as take's.
	 */
	w3w_status (*events_of)(w3w_storage *st, const char *aggregate_id, int64_t after_seq, size_t max,
		w3w_event **out, size_t *count);
} w3w_outbox_store;
#define W3W_OUTBOX_STORE_INIT { .version = W3W_OUTBOX_STORE_VERSION }

/**
 * The hash-chained audit log. Version 2 has the same members and stores
 * trace ids: its records (append, read, and those it gives the hash
 * function) are w3w_audit_record; those of version 1 are
 * w3w_audit_record_v1, and core reads and hashes them as such.
 */
#define W3W_AUDIT_STORE_VERSION 2
typedef struct w3w_audit_store {
	unsigned int version;   /**< W3W_AUDIT_STORE_VERSION */
	/** Append a record of a refused command (trace_id included), in its own transaction. */
	w3w_status (*append)(w3w_storage *st, const w3w_audit_record *record);
	/**
	 * Under a lock that serializes sealers (across processes): read the
	 * chain head, take up to `max` unsealed records in write order, set
	 * chain_pos = head + 1.., prev_hash, hash = fn(prev, record), store.
	 */
	w3w_status (*seal)(w3w_storage *st, w3w_audit_hash_fn fn, size_t max, size_t *sealed);
	/** Sealed records with chain_pos > after_pos, ascending, at most max; *out freed with free(). */
	w3w_status (*read)(w3w_storage *st, int64_t after_pos, size_t max,
		w3w_audit_record **out, size_t *count);
	w3w_status (*unsealed)(w3w_storage *st, int64_t *count);
} w3w_audit_store;
#define W3W_AUDIT_STORE_INIT { .version = W3W_AUDIT_STORE_VERSION }

/**
 * Wallets (w3wallet/wallet.h): sealed secrets, deposit wallets,
 * withdrawals with their nonces, the deposit watcher's cursor. Optional: a
 * backend without wallet support leaves w3w_storage.wallet NULL, and the
 * wallet calls say so.
 */
/** 2 added limit_set and limit_list, 3 chain_deposit_list, 4 the sweep members, 5 the withdrawal attempts;
 * core still loads 1 to 4. */
#define W3W_WALLET_STORE_VERSION 5
typedef struct w3w_wallet_store {
	unsigned int version;   /**< W3W_WALLET_STORE_VERSION */
	w3w_status (*secrets_create)(w3w_storage *st, w3w_cmd_secrets_create *cmd);
	w3w_status (*secrets_reseal)(w3w_storage *st, w3w_cmd_secrets_reseal *cmd);
	w3w_status (*secrets_retire)(w3w_storage *st, w3w_cmd_secrets_retire *cmd);
	/** Records of `purpose` ("" = all), purpose then key_id ascending; *out malloc'd (free()). */
	w3w_status (*secret_list)(w3w_storage *st, const char *purpose, w3w_secret_record **out, size_t *count);

	/** Allocate the next derivation index of `chain` (0, 1, 2, ...): never the same twice. */
	w3w_status (*wallet_index_next)(w3w_storage *st, const char *chain, int64_t *out);
	w3w_status (*wallet_create)(w3w_storage *st, w3w_cmd_wallet_create *cmd, w3w_wallet *out);
	/** Wallets of a user, chain ascending; an empty list is W3W_OK. *out freed with w3w_wallets_free. */
	w3w_status (*wallet_list)(w3w_storage *st, const char *user_id, w3w_wallets **out);
	/** The wallet with this exact address on `chain`; W3W_ENOTFOUND. */
	w3w_status (*wallet_find)(w3w_storage *st, const char *chain, const char *address, w3w_wallet *out);

	w3w_status (*withdrawal_create)(w3w_storage *st, w3w_cmd_withdrawal_create *cmd, w3w_withdrawal_row *out);
	w3w_status (*withdrawal_update)(w3w_storage *st, w3w_cmd_withdrawal_update *cmd, w3w_withdrawal_row *out);
	w3w_status (*withdrawal_get)(w3w_storage *st, const char *id, w3w_withdrawal_row *out);
	/** Up to `max` withdrawals of chain (a chain key) in held, signed or broadcast, oldest first; *out malloc'd (free()). */
	w3w_status (*withdrawal_list_open)(w3w_storage *st, const char *chain, size_t max,
		w3w_withdrawal_row **out, size_t *count);

	/** The watcher's cursor (last processed block) of a chain key; W3W_ENOTFOUND when none. */
	w3w_status (*watch_cursor)(w3w_storage *st, const char *chain, w3w_watch_block *out);
	/** The stored hash of processed block `number`; W3W_ENOTFOUND when not kept. */
	w3w_status (*watch_block)(w3w_storage *st, const char *chain, int64_t number, w3w_watch_block *out);
	w3w_status (*watch_advance)(w3w_storage *st, const w3w_cmd_watch_advance *cmd);
	/** Record a deposit seen on chain unless its reference is recorded; *inserted (may be NULL) = 1 if new. */
	w3w_status (*chain_deposit_put)(w3w_storage *st, const w3w_chain_deposit *d, int *inserted);
	w3w_status (*chain_deposit_get)(w3w_storage *st, const char *reference, w3w_chain_deposit *out);

	/* Version 2: withdrawal limits (w3w_cmd_limit_set says how they are enforced). */
	/** `out` receives the stored row (currency, user_id, per_withdrawal, daily, updated_at); on clear, the removed one. */
	w3w_status (*limit_set)(w3w_storage *st, w3w_cmd_limit_set *cmd, w3w_withdrawal_limit *out);
	/**
	 * The limits in force for user_id ("": the defaults themselves) in
	 * currency ("": each currency with a default or a row of the user),
	 * currency ascending: the values and their source, `used` in the
	 * window ending at `now`, the time of its oldest part + the window
	 * (next_release_at; 0 when nothing is used) and the amount recorded
	 * then. `remaining` is core's to fill. *out malloc'd (free()).
	 */
	w3w_status (*limit_list)(w3w_storage *st, const char *user_id, const char *currency, w3w_time now,
		w3w_withdrawal_limit **out, size_t *count);

	/* Version 3: the deposit list. */
	/**
	 * Up to `max` (>= 1) recorded deposits of `user_id`, of chain key `chain`
	 * only unless it is "", newest first (created_at, then reference,
	 * descending); an empty list is W3W_OK. *out malloc'd (free()).
	 */
	w3w_status (*chain_deposit_list)(w3w_storage *st, const char *user_id, const char *chain, size_t max,
		w3w_chain_deposit **out, size_t *count);

	/* Version 4: sweeps (w3w_cmd_sweep_create and _update say the rules). */
	/** Up to `max` wallets of address family `chain` ("evm") with index >= from_index, index ascending. *out malloc'd. */
	w3w_status (*wallet_list_from)(w3w_storage *st, const char *chain, int64_t from_index, size_t max,
		w3w_wallet **out, size_t *count);
	w3w_status (*sweep_create)(w3w_storage *st, w3w_cmd_sweep_create *cmd, w3w_sweep_row *out);
	w3w_status (*sweep_update)(w3w_storage *st, w3w_cmd_sweep_update *cmd, w3w_sweep_row *out);
	/**
	 * Up to `max` sweeps of chain key `chain` ("": all chains): with
	 * open_only the open ones oldest first (created_at, id), else all of
	 * them newest first. *out malloc'd (free()).
	 */
	w3w_status (*sweep_list)(w3w_storage *st, const char *chain, int open_only, size_t max, w3w_sweep_row **out,
		size_t *count);
	/**
	 * Per (chain, fee_currency), chain "" meaning all: the sum of topup_fee
	 * and sweep_fee over every sweep, and how many of those fees are not
	 * "0"; chain then currency ascending. *out malloc'd (free()).
	 */
	w3w_status (*sweep_fee_totals)(w3w_storage *st, const char *chain, w3w_sweep_fee_total **out, size_t *count);

	/* Version 5: every transaction sent at a withdrawal's nonce (replacements, a cancellation). */
	w3w_status (*withdrawal_attempt_add)(w3w_storage *st, w3w_cmd_withdrawal_attempt *cmd, w3w_withdrawal_row *out);
	/** Attempts of withdrawal `id`, seq ascending; none is W3W_OK with *count 0. *out malloc'd (free()). */
	w3w_status (*withdrawal_attempt_list)(w3w_storage *st, const char *id, w3w_withdrawal_attempt_row **out,
		size_t *count);
	/**
	 * Record that attempt `tx_hash` of withdrawal `id` was mined and paid
	 * `fee_paid` (wei, decimal). Idempotent; W3W_ENOTFOUND when no such attempt.
	 */
	w3w_status (*withdrawal_attempt_mined)(w3w_storage *st, const char *id, const char *tx_hash,
		const char *fee_paid);
} w3w_wallet_store;
#define W3W_WALLET_STORE_INIT { .version = W3W_WALLET_STORE_VERSION }

/** Positions for reading your own writes from replicas. Optional. */
#define W3W_REPLICA_STORE_VERSION 1
typedef struct w3w_replica_store {
	unsigned int version;   /**< W3W_REPLICA_STORE_VERSION */
	/**
	 * A position at or after every commit that returned before this call
	 * (PostgreSQL: pg_current_wal_insert_lsn()), as "HI/LO" in hex: positions
	 * compare by that 64-bit number.
	 */
	w3w_status (*commit_position)(w3w_storage *st, char out[W3W_POSITION_SIZE]);
	/**
	 * On a read replica: the position it has replayed up to, and how far
	 * behind it is in milliseconds (0 when it has replayed all it received).
	 * A server that is not a replica answers its current position and 0.
	 */
	w3w_status (*replay_position)(w3w_storage *st, char out[W3W_POSITION_SIZE], int64_t *lag_ms);
} w3w_replica_store;
#define W3W_REPLICA_STORE_INIT { .version = W3W_REPLICA_STORE_VERSION }

/**
 * 4: the handle points to one table per concern. Versions 2 and 3 were
 * one flat table; core still loads backends built against them.
 */
#define W3W_STORAGE_VERSION 4
/** The oldest interface version core still loads. */
#define W3W_STORAGE_VERSION_MIN 2

/** A storage backend's handle: embed it first in your own struct. */
struct w3w_storage {
	unsigned int version;             /**< W3W_STORAGE_VERSION */
	const char *name;                 /**< "sqlite", "postgres" */
	const w3w_market_store *market;   /**< required */
	const w3w_outbox_store *outbox;   /**< required */
	const w3w_audit_store *audit;     /**< required */
	const w3w_wallet_store *wallet;   /**< NULL: no wallet support */
	const w3w_replica_store *replica; /**< NULL: no replica positions */
	/**
	 * Cheap health check (readyz): W3W_OK when the storage answers and
	 * accepts writes, W3W_ESTATE when it answers reads only (a standby, a
	 * read-only database), W3W_EUNAVAILABLE when it cannot be reached.
	 */
	w3w_status (*ping)(w3w_storage *st);
	void (*free)(w3w_storage *st);
};
#define W3W_STORAGE_INIT(NAME) { .version = W3W_STORAGE_VERSION, .name = (NAME) }

/**
 * Zero a table or handle you allocate and set its version (EINVAL for a
 * version this library does not know), as the *_INIT macros do.
 */
W3W_EXTERN w3w_status w3w_storage_init(w3w_storage *st, unsigned int version);
W3W_EXTERN w3w_status w3w_market_store_init(w3w_market_store *t, unsigned int version);
W3W_EXTERN w3w_status w3w_outbox_store_init(w3w_outbox_store *t, unsigned int version);
W3W_EXTERN w3w_status w3w_audit_store_init(w3w_audit_store *t, unsigned int version);
W3W_EXTERN w3w_status w3w_wallet_store_init(w3w_wallet_store *t, unsigned int version);
W3W_EXTERN w3w_status w3w_replica_store_init(w3w_replica_store *t, unsigned int version);

/**
 * Opens a backend from `url` (the part after the scheme is the backend's
 * own), applying migrations. Must fail with W3W_EVERSION when the schema is
 * newer than the backend knows, W3W_EUNAVAILABLE when unreachable within
 * cfg->timeout_ms.
 */
typedef w3w_status (*w3w_storage_open_fn)(w3w_storage **out, const char *url,
	const w3w_backend_config *cfg);

/**
 * Register a storage backend for URL `scheme` ("sqlite", "postgres",
 * "postgresql", or your own). Replaces a previous registration of the
 * scheme. Process-global; call before opening contexts.
 */
W3W_EXTERN w3w_status w3w_storage_register(const char *scheme, w3w_storage_open_fn open);

/**
 * Built-in constructors, usable without going through URLs. Each exists in
 * every build; one built without its client library answers W3W_EINVAL
 * ("built without ...").
 */
W3W_EXTERN w3w_status w3w_storage_sqlite_open(w3w_storage **out, const char *url, const w3w_backend_config *cfg);
W3W_EXTERN w3w_status w3w_storage_postgres_open(w3w_storage **out, const char *url, const w3w_backend_config *cfg);

#ifdef __cplusplus
}
#endif
#endif

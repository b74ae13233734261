/*
 * Ledger: per-user accounts per currency, moved only by double-entry
 * transfers. Deposits come from and withdrawals go to one external account
 * per currency, so Σ user balances = deposits − withdrawals at all times.
 * available = balance − held; held is escrow of the user's open orders.
 */
#ifndef W3WALLET_LEDGER_H
#define W3WALLET_LEDGER_H

#include "w3wallet/amount.h"
#include "w3wallet/context.h"
#include "w3wallet/id.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum w3w_transfer_kind {
	W3W_TRANSFER_DEPOSIT    = 1, /**< external -> user */
	W3W_TRANSFER_WITHDRAWAL = 2, /**< user -> external */
	W3W_TRANSFER_TRANSFER   = 3, /**< user -> user */
	W3W_TRANSFER_SETTLEMENT = 4  /**< buyer escrow -> shopper, by processing a claim */
} w3w_transfer_kind;

/** One committed transfer. For deposits/withdrawals the external side is the nil UUID. */
typedef struct w3w_transfer {
	char id[W3W_ID_SIZE];
	w3w_transfer_kind kind;
	char from_user_id[W3W_ID_SIZE];
	char to_user_id[W3W_ID_SIZE];
	char currency[W3W_CURRENCY_SIZE];
	w3w_amount amount;
	/** Deposit: the caller's unique reference; withdrawal: "chain:address"; settlement: the claim id. */
	char reference[W3W_NAME_SIZE];
	w3w_time created_at;
} w3w_transfer;

typedef struct w3w_account {
	char user_id[W3W_ID_SIZE];
	char currency[W3W_CURRENCY_SIZE];
	w3w_amount balance;
	w3w_amount held;
	w3w_amount available; /**< balance - held */
} w3w_account;

typedef struct w3w_account_list {
	w3w_account *items;
	size_t count;
} w3w_account_list;

/**
 * Credit `amount` of `currency` to `user_id` from outside. Roles: service or
 * admin (W3W_EFORBIDDEN otherwise). `reference` (1..255 bytes) is unique
 * among deposits: a second deposit with the same reference is W3W_ECONFLICT.
 * `idempotency_key` (NULL or "" for none, up to 255 bytes) makes a retry
 * return the first result. `out` may be NULL.
 */
W3W_EXTERN w3w_status w3w_deposit(w3w_transfer *out, w3w_ctx *ctx, const w3w_actor *actor,
	const char *user_id, const char *currency, w3w_amount amount,
	const char *reference, const char *idempotency_key);

/**
 * Debit the actor's own available funds to an external address.
 * W3W_EINSUFFICIENT when available < amount. `chain` and `to_address` are
 * recorded in the transfer's reference (on-chain broadcasting is the
 * wallet module's job).
 */
W3W_EXTERN w3w_status w3w_withdraw(w3w_transfer *out, w3w_ctx *ctx, const w3w_actor *actor,
	const char *currency, w3w_amount amount, const char *chain, const char *to_address,
	const char *idempotency_key);

/** Move the actor's available funds to another user. Not to oneself (W3W_EINVAL). */
W3W_EXTERN w3w_status w3w_transfer_funds(w3w_transfer *out, w3w_ctx *ctx, const w3w_actor *actor,
	const char *to_user_id, const char *currency, w3w_amount amount,
	const char *idempotency_key);

/**
 * Accounts of `user_id` (NULL: the actor's own; another user's needs admin,
 * service or auditor). Caller frees with w3w_account_list_free().
 */
W3W_EXTERN w3w_status w3w_accounts(w3w_account_list **out, w3w_ctx *ctx, const w3w_actor *actor,
	const char *user_id);

W3W_EXTERN void w3w_account_list_free(w3w_account_list *list);

/** Sums over the whole ledger of one currency, for reconciliation. */
typedef struct w3w_ledger_totals {
	char currency[W3W_CURRENCY_SIZE];
	w3w_amount deposits;      /**< Σ deposit transfers */
	w3w_amount withdrawals;   /**< Σ withdrawal transfers */
	w3w_amount balances;      /**< Σ user balances (external account excluded) */
	w3w_amount held;          /**< Σ user held */
	w3w_amount escrow;        /**< Σ amount of open and claimed orders */
	w3w_amount reserved;      /**< Σ supply reserved */
	w3w_amount live_claims;   /**< Σ order amount of pending claims */
	int64_t entries_sum_zero; /**< 1 if Σ of all ledger entries (external included) is 0 */
} w3w_ledger_totals;

/**
 * Reconciliation totals (roles: admin, auditor or service). The invariants:
 * balances == deposits - withdrawals, held == escrow, reserved == live_claims.
 */
W3W_EXTERN w3w_status w3w_ledger_totals_get(w3w_ledger_totals *out, w3w_ctx *ctx,
	const w3w_actor *actor, const char *currency);

/** "deposit", "withdrawal", "transfer", "settlement". */
W3W_EXTERN const char *w3w_transfer_kind_name(w3w_transfer_kind kind);
W3W_EXTERN w3w_status w3w_transfer_kind_parse(int *out, const char *text);

#ifdef __cplusplus
}
#endif
#endif

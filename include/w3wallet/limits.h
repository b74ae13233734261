/*
 * Withdrawal limits, per user and currency: a maximum per withdrawal and a
 * limit over any 24 hours (a rolling window, not a calendar day).
 *
 * Both are checked by the storage in the same transaction that takes the
 * money: the debit of a ledger withdrawal (w3w_withdraw()) or the hold of
 * an on-chain withdrawal (w3w_wallet_withdraw()). That transaction sums
 * what the user withdrew in the last 24 hours (holds of on-chain
 * withdrawals included, from the moment they are held) while concurrent
 * withdrawals of the same user and currency wait, so no number of
 * simultaneous withdrawals can pass the limit together. A withdrawal past
 * a limit is refused with W3W_ELIMIT, naming the limit and what remains,
 * and changes nothing. An on-chain withdrawal that fails or is dropped
 * gives its amount back to the limit as it gives back its hold.
 *
 * Values are set by an admin: a default per currency, and per user values
 * that replace the default of that currency as a whole. A currency with
 * neither is not limited. Setting and clearing are audited and are events
 * ("wallet.limit_set", "wallet.limit_cleared").
 *
 * Limits need a storage backend whose wallet table is version 2 or later
 * (both built-in backends are). With an older one, withdrawals are not
 * limited and these calls answer W3W_EINVAL saying so.
 */
#ifndef W3WALLET_LIMITS_H
#define W3WALLET_LIMITS_H

#include "w3wallet/amount.h"
#include "w3wallet/context.h"
#include "w3wallet/id.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A limit that is not set: no maximum. */
#define W3W_LIMIT_NONE ((w3w_amount)-1)
/** The rolling window of the daily limit, in w3w_time units (microseconds): 24 hours. */
#define W3W_LIMIT_WINDOW ((w3w_time)86400 * 1000000)

/** The limits of one user (or a currency's default) in one currency, and where the user stands now. */
typedef struct w3w_withdrawal_limit {
	char currency[W3W_CURRENCY_SIZE];
	char user_id[W3W_ID_SIZE];      /**< whose limits: "" for the currency's default */
	char source[8];                 /**< "user": the user's own values; "default": the currency's */
	w3w_amount per_withdrawal;      /**< largest single withdrawal; W3W_LIMIT_NONE */
	w3w_amount daily;               /**< most in any 24 hours; W3W_LIMIT_NONE */
	w3w_amount used;                /**< withdrawn or held in the last 24 hours */
	/** The largest withdrawal the limits allow now: min(per_withdrawal, daily - used); W3W_LIMIT_NONE: unlimited. */
	w3w_amount remaining;
	/** When the oldest part of `used` leaves the window (0: nothing used), and how much leaves then. */
	w3w_time next_release_at;
	w3w_amount next_release_amount;
	w3w_time updated_at;            /**< when the values were set */
} w3w_withdrawal_limit;

typedef struct w3w_withdrawal_limits {
	w3w_withdrawal_limit *items;
	size_t count;
} w3w_withdrawal_limits;

/**
 * Set the limits of `user_id` in `currency` (user_id NULL or "": the
 * currency's default). Admin only. Each value is an amount >= 0 (0 stops
 * withdrawals) or W3W_LIMIT_NONE. User values replace the default as a
 * whole. `out` (may be NULL) receives the stored values, with `remaining`
 * as for a user who has used nothing.
 */
W3W_EXTERN w3w_status w3w_withdrawal_limit_set(w3w_withdrawal_limit *out, w3w_ctx *ctx, const w3w_actor *actor,
	const char *user_id, const char *currency, w3w_amount per_withdrawal, w3w_amount daily);

/**
 * Remove the values set for `user_id` (NULL or "": the default) in
 * `currency`: the user falls back to the default, a currency without
 * default is no longer limited. Admin only; W3W_ENOTFOUND when none is set.
 */
W3W_EXTERN w3w_status w3w_withdrawal_limit_clear(w3w_ctx *ctx, const w3w_actor *actor,
	const char *user_id, const char *currency);

/**
 * The limits in force for `user_id` (NULL or "": the actor; another user's
 * need admin, service or auditor) in `currency` (NULL or "": every
 * currency with a default or a value of the user), currency ascending,
 * with what the user may still withdraw now and when more frees up.
 * Free with w3w_withdrawal_limits_free().
 */
W3W_EXTERN w3w_status w3w_withdrawal_limits_get(w3w_withdrawal_limits **out, w3w_ctx *ctx,
	const w3w_actor *actor, const char *user_id, const char *currency);

W3W_EXTERN void w3w_withdrawal_limits_free(w3w_withdrawal_limits *list);

/**
 * {currency, user_id, source, per_withdrawal, daily, used, remaining,
 * next_release_at, next_release_amount, updated_at}: amounts as strings,
 * null where there is no limit (or nothing to release, or no user);
 * free with w3w_string_free().
 */
W3W_EXTERN w3w_status w3w_withdrawal_limit_to_json(char **out, const w3w_withdrawal_limit *limit);
/** {"items": [...]}. */
W3W_EXTERN w3w_status w3w_withdrawal_limits_to_json(char **out, const w3w_withdrawal_limits *list);

#ifdef __cplusplus
}
#endif
#endif

/*
 * SQLite storage, wallet members (sqlite_wallet*.c): sealed secrets,
 * deposit wallets, withdrawals with their nonces, the deposit watcher.
 * Their tables are schema version 2 (sql/002_wallet.sql).
 */
#ifndef W3W_STORAGE_SQLITE_WALLET_H
#define W3W_STORAGE_SQLITE_WALLET_H

#include "storage/sqlite/sqlite_internal.h"

w3w_status w3w__sq_secrets_create(w3w_storage *st, w3w_cmd_secrets_create *cmd);
w3w_status w3w__sq_secrets_reseal(w3w_storage *st, w3w_cmd_secrets_reseal *cmd);
w3w_status w3w__sq_secrets_retire(w3w_storage *st, w3w_cmd_secrets_retire *cmd);
w3w_status w3w__sq_secret_list(w3w_storage *st, const char *purpose, w3w_secret_record **out, size_t *count);

w3w_status w3w__sq_wallet_index_next(w3w_storage *st, const char *chain, int64_t *out);
w3w_status w3w__sq_wallet_create(w3w_storage *st, w3w_cmd_wallet_create *cmd, w3w_wallet *out);
w3w_status w3w__sq_wallet_list(w3w_storage *st, const char *user_id, w3w_wallets **out);
w3w_status w3w__sq_wallet_find(w3w_storage *st, const char *chain, const char *address, w3w_wallet *out);

w3w_status w3w__sq_withdrawal_create(w3w_storage *st, w3w_cmd_withdrawal_create *cmd, w3w_withdrawal_row *out);
w3w_status w3w__sq_withdrawal_update(w3w_storage *st, w3w_cmd_withdrawal_update *cmd, w3w_withdrawal_row *out);
w3w_status w3w__sq_withdrawal_get(w3w_storage *st, const char *id, w3w_withdrawal_row *out);
w3w_status w3w__sq_withdrawal_list_open(w3w_storage *st, const char *chain, size_t max,
	w3w_withdrawal_row **out, size_t *count);

w3w_status w3w__sq_watch_cursor(w3w_storage *st, const char *chain, w3w_watch_block *out);
w3w_status w3w__sq_watch_block(w3w_storage *st, const char *chain, int64_t number, w3w_watch_block *out);
w3w_status w3w__sq_watch_advance(w3w_storage *st, const w3w_cmd_watch_advance *cmd);
w3w_status w3w__sq_chain_deposit_put(w3w_storage *st, const w3w_chain_deposit *d, int *inserted);
w3w_status w3w__sq_chain_deposit_get(w3w_storage *st, const char *reference, w3w_chain_deposit *out);
w3w_status w3w__sq_chain_deposit_list(w3w_storage *st, const char *user_id, const char *chain, size_t max,
	w3w_chain_deposit **out, size_t *count);

/* The allocator of a sender's nonces (withdrawals, sweep top-ups): the smallest given-back one >= floor, else the next. */
w3w_status w3w__sq_nonce_allocate(w3w__sq_conn *c, const char *chain, const char *address, int64_t floor,
	int64_t *out);
/* Give `nonce` of a sender back to that allocator (a transaction that will never be sent at it). */
w3w_status w3w__sq_nonce_give_back(w3w__sq_conn *c, const char *chain, const char *address, int64_t nonce);

/* Sweeps (sqlite_sweep.c), schema version 8. */
w3w_status w3w__sq_wallet_list_from(w3w_storage *st, const char *chain, int64_t from_index, size_t max,
	w3w_wallet **out, size_t *count);
w3w_status w3w__sq_sweep_create(w3w_storage *st, w3w_cmd_sweep_create *cmd, w3w_sweep_row *out);
w3w_status w3w__sq_sweep_update(w3w_storage *st, w3w_cmd_sweep_update *cmd, w3w_sweep_row *out);
w3w_status w3w__sq_sweep_list(w3w_storage *st, const char *chain, int open_only, size_t max, w3w_sweep_row **out,
	size_t *count);
w3w_status w3w__sq_sweep_fee_totals(w3w_storage *st, const char *chain, w3w_sweep_fee_total **out, size_t *count);

/* Withdrawal limits (sqlite_limits.c), schema version 5. */
w3w_status w3w__sq_limit_set(w3w_storage *st, w3w_cmd_limit_set *cmd, w3w_withdrawal_limit *out);
w3w_status w3w__sq_limit_list(w3w_storage *st, const char *user_id, const char *currency, w3w_time now,
	w3w_withdrawal_limit **out, size_t *count);

/* Withdrawal attempts (sqlite_withdrawal_attempts.c), schema version 9. */
w3w_status w3w__sq_withdrawal_load(w3w__sq_conn *c, const char *id, w3w_withdrawal_row *out);
w3w_status w3w__sq_withdrawal_attempt_add(w3w_storage *st, w3w_cmd_withdrawal_attempt *cmd, w3w_withdrawal_row *out);
w3w_status w3w__sq_withdrawal_attempt_list(w3w_storage *st, const char *id, w3w_withdrawal_attempt_row **out,
	size_t *count);
w3w_status w3w__sq_withdrawal_attempt_mined(w3w_storage *st, const char *id, const char *tx_hash,
	const char *fee_paid);

#endif

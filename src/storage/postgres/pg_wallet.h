/*
 * PostgreSQL storage, wallet members (pg_wallet.c) and their schema
 * version 2 (sql/002_wallet.sql: tables, views, one function per write
 * command). Wallet commands are rare next to ledger and marketplace
 * commands, so they are sent with parameters but not prepared, and need
 * no slot in the backend's prepared statement table.
 */
#ifndef W3W_STORAGE_POSTGRES_PG_WALLET_H
#define W3W_STORAGE_POSTGRES_PG_WALLET_H

#include "storage/postgres/pg.h"

w3w_status w3w__pg_secrets_create(w3w_storage *st, w3w_cmd_secrets_create *cmd);
w3w_status w3w__pg_secrets_reseal(w3w_storage *st, w3w_cmd_secrets_reseal *cmd);
w3w_status w3w__pg_secrets_retire(w3w_storage *st, w3w_cmd_secrets_retire *cmd);
w3w_status w3w__pg_secret_list(w3w_storage *st, const char *purpose, w3w_secret_record **out, size_t *count);

w3w_status w3w__pg_wallet_index_next(w3w_storage *st, const char *chain, int64_t *out);
w3w_status w3w__pg_wallet_create(w3w_storage *st, w3w_cmd_wallet_create *cmd, w3w_wallet *out);
w3w_status w3w__pg_wallet_list(w3w_storage *st, const char *user_id, w3w_wallets **out);
w3w_status w3w__pg_wallet_find(w3w_storage *st, const char *chain, const char *address, w3w_wallet *out);

w3w_status w3w__pg_withdrawal_create(w3w_storage *st, w3w_cmd_withdrawal_create *cmd, w3w_withdrawal_row *out);
w3w_status w3w__pg_withdrawal_update(w3w_storage *st, w3w_cmd_withdrawal_update *cmd, w3w_withdrawal_row *out);
w3w_status w3w__pg_withdrawal_get(w3w_storage *st, const char *id, w3w_withdrawal_row *out);
w3w_status w3w__pg_withdrawal_list_open(w3w_storage *st, const char *chain, size_t max,
	w3w_withdrawal_row **out, size_t *count);

w3w_status w3w__pg_watch_cursor(w3w_storage *st, const char *chain, w3w_watch_block *out);
w3w_status w3w__pg_watch_block(w3w_storage *st, const char *chain, int64_t number, w3w_watch_block *out);
w3w_status w3w__pg_watch_advance(w3w_storage *st, const w3w_cmd_watch_advance *cmd);
w3w_status w3w__pg_chain_deposit_put(w3w_storage *st, const w3w_chain_deposit *d, int *inserted);
w3w_status w3w__pg_chain_deposit_get(w3w_storage *st, const char *reference, w3w_chain_deposit *out);
w3w_status w3w__pg_chain_deposit_list(w3w_storage *st, const char *user_id, const char *chain, size_t max,
	w3w_chain_deposit **out, size_t *count);

/* Withdrawal limits (pg_limits.c), schema version 4. */
w3w_status w3w__pg_limit_set(w3w_storage *st, w3w_cmd_limit_set *cmd, w3w_withdrawal_limit *out);
w3w_status w3w__pg_limit_list(w3w_storage *st, const char *user_id, const char *currency, w3w_time now,
	w3w_withdrawal_limit **out, size_t *count);

#endif

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

/* Reads the record whose columns start at `col` of row `row`. */
typedef w3w_status (*w3w__pgw_reader_at)(const PGresult *r, int row, int col, void *out);
/* Every row of a read, by `read`, into a fresh array (NULL when none; free()). Frees `p`. */
w3w_status w3w__pgw_all(w3w_storage *st, const char *sql, w3w__pg_params *p, const char *what,
	w3w__pg_row_reader read, size_t size, void **items, size_t *count);
/*
 * The row a write function returned: replayed, then the record from column
 * 1. When it committed and the answer was lost, the record is read again
 * by `by_id` ($1 = id).
 */
w3w_status w3w__pgw_written(w3w_storage *st, w3w_status rc, PGresult *r, w3w_write_meta *meta,
	w3w__pgw_reader_at read, void *out, const char *noun, const char *id, const char *by_id);

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

/* Sweeps (pg_sweep.c), schema version 9. */
w3w_status w3w__pg_wallet_list_from(w3w_storage *st, const char *chain, int64_t from_index, size_t max,
	w3w_wallet **out, size_t *count);
w3w_status w3w__pg_sweep_create(w3w_storage *st, w3w_cmd_sweep_create *cmd, w3w_sweep_row *out);
w3w_status w3w__pg_sweep_update(w3w_storage *st, w3w_cmd_sweep_update *cmd, w3w_sweep_row *out);
w3w_status w3w__pg_sweep_list(w3w_storage *st, const char *chain, int open_only, size_t max, w3w_sweep_row **out,
	size_t *count);
w3w_status w3w__pg_sweep_fee_totals(w3w_storage *st, const char *chain, w3w_sweep_fee_total **out, size_t *count);

/* Withdrawal limits (pg_limits.c), schema version 4. */
w3w_status w3w__pg_limit_set(w3w_storage *st, w3w_cmd_limit_set *cmd, w3w_withdrawal_limit *out);
w3w_status w3w__pg_limit_list(w3w_storage *st, const char *user_id, const char *currency, w3w_time now,
	w3w_withdrawal_limit **out, size_t *count);

/* Withdrawal attempts (pg_withdrawal_attempts.c), schema version 10. */
w3w_status w3w__pg_withdrawal_attempt_add(w3w_storage *st, w3w_cmd_withdrawal_attempt *cmd, w3w_withdrawal_row *out);
w3w_status w3w__pg_withdrawal_attempt_list(w3w_storage *st, const char *id, w3w_withdrawal_attempt_row **out,
	size_t *count);
w3w_status w3w__pg_withdrawal_attempt_mined(w3w_storage *st, const char *id, const char *tx_hash,
	const char *fee_paid);

#endif

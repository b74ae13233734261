/* Route handlers, one file per domain (h_*.c). Each fills ex's response. */
#ifndef W3W_SERVER_HANDLERS_H
#define W3W_SERVER_HANDLERS_H

#include "exchange.h"

/* h_system.c */
void h_healthz(exchange *ex);
void h_readyz(exchange *ex);
void h_metrics(exchange *ex);
void h_audit_verify(exchange *ex);

/* h_ledger.c */
void h_deposit(exchange *ex);
void h_withdraw(exchange *ex);
void h_ledger_withdraw(exchange *ex);
void h_transfer(exchange *ex);
void h_accounts(exchange *ex);

/* h_chain.c: on-chain withdrawals and deposits */
void chain_withdraw(exchange *ex, w3w_chain *chain, const char *currency, w3w_amount amount, const char *to_address);
void h_withdrawal_get(exchange *ex);
void h_withdrawal_replace(exchange *ex);
void h_withdrawal_cancel(exchange *ex);
void h_deposit_list(exchange *ex);
/** The chain key of query value `chain` (a served chain's name or key, or "evm:N"); 400 and -1 otherwise. */
int chain_key_query(exchange *ex, const char *chain, const char **key);
/* h_sweep.c: sweeps of deposit addresses to the hot wallet */
void h_sweep_list(exchange *ex);
void h_sweep_run(exchange *ex);

/* h_wallet.c */
void h_wallet_create(exchange *ex);
void h_wallet_list(exchange *ex);

/* h_limits.c: withdrawal limits */
void h_limits_get(exchange *ex);
void h_limits_set(exchange *ex);
void h_limits_clear(exchange *ex);

/* h_supply.c */
void h_supply_create(exchange *ex);
void h_supply_get(exchange *ex);
void h_supply_list(exchange *ex);
void h_supply_update(exchange *ex);
void h_supply_delete(exchange *ex);

/* h_order.c */
void h_order_create(exchange *ex);
void h_order_get(exchange *ex);
void h_order_list(exchange *ex);
void h_order_cancel(exchange *ex);
/** The "items" array of `obj` (1..W3W_ORDER_ITEMS_MAX), checked; names fields after `prefix`. *out: free(). */
int order_items_read(exchange *ex, const cJSON *obj, const char *prefix, w3w_order_item **out, size_t *count);

/* h_batch.c: batched commands, one result per element */
void h_batch_claims(exchange *ex);
void h_batch_deposits(exchange *ex);
void h_batch_transfers(exchange *ex);
void h_batch_orders(exchange *ex);
void h_batch_process(exchange *ex);

/* h_claim.c */
void h_order_claim(exchange *ex);
void h_claim_get(exchange *ex);
void h_claim_process(exchange *ex);
void h_claim_release(exchange *ex);

/* h_admin.c: the dashboard's static files */
void h_admin_index(exchange *ex);
void h_admin_file(exchange *ex);

/* h_order_events.c */
void h_order_events(exchange *ex);

/* h_audit.c */
void h_audit_records(exchange *ex);

/* h_ops.c: operator reads for the dashboard */
void h_ledger_totals(exchange *ex);
void h_claim_list(exchange *ex);
void h_order_claim_get(exchange *ex);

#endif

/*
 * JSON forms of the records, as the HTTP API writes them: amounts as
 * strings, times as RFC 3339 UTC with microseconds, statuses as names.
 * Each returns a NUL-terminated string the caller frees with
 * w3w_string_free().
 */
#ifndef W3WALLET_JSON_H
#define W3WALLET_JSON_H

#include "w3wallet/claim.h"
#include "w3wallet/events.h"
#include "w3wallet/ledger.h"
#include "w3wallet/order.h"
#include "w3wallet/supply.h"

#ifdef __cplusplus
extern "C" {
#endif

W3W_EXTERN w3w_status w3w_supply_to_json(char **out, const w3w_supply *supply);
W3W_EXTERN w3w_status w3w_supply_page_to_json(char **out, const w3w_supply_page *page);
W3W_EXTERN w3w_status w3w_order_to_json(char **out, const w3w_order *order);
W3W_EXTERN w3w_status w3w_order_page_to_json(char **out, const w3w_order_page *page);
W3W_EXTERN w3w_status w3w_claim_to_json(char **out, const w3w_claim *claim);
W3W_EXTERN w3w_status w3w_transfer_to_json(char **out, const w3w_transfer *transfer);
W3W_EXTERN w3w_status w3w_account_list_to_json(char **out, const w3w_account_list *accounts);
/** The event envelope: {id, type, topic, aggregate_id, actor_id, region, created_at, payload}. */
W3W_EXTERN w3w_status w3w_event_to_json(char **out, const w3w_event *event);

#ifdef __cplusplus
}
#endif
#endif

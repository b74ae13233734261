/* Ledger routes: deposits, withdrawals, transfers, balances. */
#include <string.h>

#include "chains.h"
#include "handlers.h"
#include "json_input.h"
#include "metrics.h"
#include "server.h"

/* Field sizes the library accepts (w3wallet/common.h). */
#define CURRENCY_MAX (W3W_CURRENCY_SIZE - 1)
#define TEXT_MAX (W3W_NAME_SIZE - 1)
#define ID_TEXT_MAX 64

static void count_outcome(exchange *ex, w3w_status st)
{
	if (st == W3W_EINSUFFICIENT)
		metrics_count(M_INSUFFICIENT_FUNDS);
	(void)ex;
}

static void respond_transfer(exchange *ex, w3w_status st, const w3w_transfer *t)
{
	char *text = NULL;
	if (st != W3W_OK) {
		count_outcome(ex, st);
		ex_fail(ex, st);
		return;
	}
	st = w3w_transfer_to_json(&text, t);
	ex_record(ex, 201, st, text);
}

void h_deposit(exchange *ex)
{
	static const char *const fields[] = { "user_id", "currency", "amount", "reference", NULL };
	const char *user_id, *currency, *reference;
	w3w_amount amount;
	w3w_transfer t;
	if (json_body_object(ex) || json_known_fields(ex, ex->json, "", fields) ||
	    json_string(ex, ex->json, "", "user_id", ID_TEXT_MAX, 1, &user_id) ||
	    json_string(ex, ex->json, "", "currency", CURRENCY_MAX, 1, &currency) ||
	    json_amount(ex, ex->json, "", "amount", 1, NULL, &amount) ||
	    json_string(ex, ex->json, "", "reference", TEXT_MAX, 1, &reference))
		return;
	respond_transfer(ex, w3w_deposit(&t, ex->srv->ctx, &ex->actor, user_id, currency, amount, reference,
		ex->idempotency_key), &t);
}

/*
 * A withdrawal body: {currency, amount, chain, to_address}. Returns 0, or -1
 * after a 400 response.
 */
static int withdrawal_body(exchange *ex, const char **currency, w3w_amount *amount, const char **chain,
	const char **to_address)
{
	static const char *const fields[] = { "currency", "amount", "to_address", "chain", NULL };
	return json_body_object(ex) || json_known_fields(ex, ex->json, "", fields) ||
	       json_string(ex, ex->json, "", "currency", CURRENCY_MAX, 1, currency) ||
	       json_amount(ex, ex->json, "", "amount", 1, NULL, amount) ||
	       json_string(ex, ex->json, "", "to_address", 128, 1, to_address) ||
	       json_string(ex, ex->json, "", "chain", 32, 1, chain) ? -1 : 0;
}

/*
 * On a chain this server serves: paid on chain (h_chain.c). A server
 * without chains records the withdrawal in the ledger only, as before:
 * something else pays it out.
 */
void h_withdraw(exchange *ex)
{
	const char *currency, *to_address, *chain;
	w3w_amount amount;
	w3w_chain *served;
	w3w_transfer t;
	if (withdrawal_body(ex, &currency, &amount, &chain, &to_address))
		return;
	if ((served = chains_find(chain, NULL))) {
		chain_withdraw(ex, served, currency, amount, to_address);
		return;
	}
	if (chains_count() > 0) {
		char names[256];
		chains_names(names, sizeof(names));
		ex_error(ex, 400, "invalid", "chain: %s is not a chain of this server (%s)", chain, names);
		return;
	}
	respond_transfer(ex, w3w_withdraw(&t, ex->srv->ctx, &ex->actor, currency, amount, chain, to_address,
		ex->idempotency_key), &t);
}

/* Ledger only, whatever chains are served: the service's or admin's own funds leave the books. */
void h_ledger_withdraw(exchange *ex)
{
	const char *currency, *to_address, *chain;
	w3w_amount amount;
	w3w_transfer t;
	if (!(ex->actor.roles & (W3W_ROLE_SERVICE | W3W_ROLE_ADMIN))) {
		ex_error(ex, 403, "forbidden", "ledger-only withdrawals: needs the service or admin role"
			" (users withdraw on chain with POST /v1/withdrawals)");
		return;
	}
	if (withdrawal_body(ex, &currency, &amount, &chain, &to_address))
		return;
	respond_transfer(ex, w3w_withdraw(&t, ex->srv->ctx, &ex->actor, currency, amount, chain, to_address,
		ex->idempotency_key), &t);
}

void h_transfer(exchange *ex)
{
	static const char *const fields[] = { "to_user_id", "currency", "amount", NULL };
	const char *to_user_id, *currency;
	w3w_amount amount;
	w3w_transfer t;
	if (json_body_object(ex) || json_known_fields(ex, ex->json, "", fields) ||
	    json_string(ex, ex->json, "", "to_user_id", ID_TEXT_MAX, 1, &to_user_id) ||
	    json_string(ex, ex->json, "", "currency", CURRENCY_MAX, 1, &currency) ||
	    json_amount(ex, ex->json, "", "amount", 1, NULL, &amount))
		return;
	respond_transfer(ex, w3w_transfer_funds(&t, ex->srv->ctx, &ex->actor, to_user_id, currency, amount,
		ex->idempotency_key), &t);
}

void h_accounts(exchange *ex)
{
	w3w_account_list *list = NULL;
	char *text = NULL;
	int present;
	const char *user_id = ex_query(ex, "user_id", &present);
	w3w_status st;
	if (present && (!user_id || !*user_id)) {
		ex_error(ex, 400, "invalid", "user_id: must be a UUID");
		return;
	}
	st = w3w_accounts(&list, ex->srv->ctx, &ex->actor, present ? user_id : NULL);
	if (st != W3W_OK) {
		ex_fail(ex, st);
		return;
	}
	st = w3w_account_list_to_json(&text, list);
	w3w_account_list_free(list);
	ex_record(ex, 200, st, text);
}

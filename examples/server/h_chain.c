/*
 * On-chain money: withdrawals paid by the hot wallet of a configured chain
 * (POST /v1/withdrawals with a chain this server serves), following one
 * (GET /v1/withdrawals/{id}, with its transactions and the fee paid),
 * replacing or cancelling a stuck one (POST /v1/withdrawals/{id}/replace,
 * /cancel), and the deposits the watchers recorded (GET /v1/deposits).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chains.h"
#include "handlers.h"
#include "json_input.h"
#include "list_query.h"
#include "server.h"

#define DEPOSITS_DEFAULT_LIMIT 50

/* The library's JSON of `w`, with how deep its transaction is now when its chain is served here. */
static void respond_withdrawal(exchange *ex, unsigned int status, const w3w_withdrawal *w)
{
	w3w_chain *chain = chains_find(w->chain, NULL);
	w3w_withdrawal_attempts *attempts = NULL;
	char *text = NULL;
	int64_t depth = 0;
	cJSON *j;
	w3w_status st;

	/* Its transactions and the fee paid, as far as the actor may read them (the owner may). */
	if (w3w_withdrawal_attempt_list(&attempts, ex->srv->ctx, &ex->actor, w->id) == W3W_OK) {
		st = w3w_withdrawal_detail_to_json(&text, w, attempts);
		w3w_withdrawal_attempts_free(attempts);
	} else {
		st = w3w_withdrawal_to_json(&text, w);
	}

	if (st != W3W_OK) {
		ex_fail(ex, st);
		return;
	}
	j = cJSON_Parse(text);
	w3w_string_free(text);
	if (!j) {
		ex_error(ex, 500, "internal", "withdrawal: out of memory");
		return;
	}
	/* Unknown (null) when the chain is not served here or its node does not answer now. */
	if (chain && w->tx_hash[0] && w3w_chain_confirmations(&depth, chain, w->tx_hash) == W3W_OK)
		cJSON_AddNumberToObject(j, "confirmations", (double)depth);
	else if (chain && !w->tx_hash[0])
		cJSON_AddNumberToObject(j, "confirmations", 0);
	else
		cJSON_AddNullToObject(j, "confirmations");
	if (chain)
		cJSON_AddNumberToObject(j, "confirmations_required", w3w_chain_confirmations_required(chain));
	else
		cJSON_AddNullToObject(j, "confirmations_required");
	ex_cjson(ex, status, j);
}

void chain_withdraw(exchange *ex, w3w_chain *chain, const char *currency, w3w_amount amount, const char *to_address)
{
	w3w_withdrawal w;
	w3w_status st = w3w_wallet_withdraw(&w, chain, &ex->actor, currency, amount, to_address, ex->idempotency_key);

	if (st != W3W_OK) {
		ex_fail(ex, st);
		return;
	}
	respond_withdrawal(ex, 201, &w);
}

void h_withdrawal_get(exchange *ex)
{
	w3w_withdrawal w;
	w3w_status st = w3w_withdrawal_get(&w, ex->srv->ctx, &ex->actor, ex->params[0]);

	if (st != W3W_OK) {
		ex_fail(ex, st);
		return;
	}
	respond_withdrawal(ex, 200, &w);
}

int chain_key_query(exchange *ex, const char *chain, const char **key)
{
	w3w_chain *served;
	char names[256];

	/* A served chain by name or key, or the key of one served before ("evm:1"). */
	if ((served = chains_find(chain, NULL))) {
		*key = w3w_chain_key(served);
		return 0;
	}
	if (chain && strncmp(chain, "evm:", 4) == 0 && chain[4] && strspn(chain + 4, "0123456789") == strlen(chain + 4)) {
		*key = chain;
		return 0;
	}
	chains_names(names, sizeof(names));
	ex_error(ex, 400, "invalid", "chain: not a chain of this server (%s) nor a chain key like evm:1",
		names[0] ? names : "none configured");
	return -1;
}

/* {"max_fee_per_gas": "wei", "max_priority_fee_per_gas": "wei"}, both optional, or no body. */
static int fee_body(exchange *ex, const char **max_fee, const char **tip)
{
	static const char *const fields[] = { "max_fee_per_gas", "max_priority_fee_per_gas", NULL };

	*max_fee = *tip = NULL;
	if (!ex->body || ex->body[strspn(ex->body, " \t\r\n")] == '\0')
		return 0;
	return json_body_object(ex) || json_known_fields(ex, ex->json, "", fields) ||
		json_string(ex, ex->json, "", "max_fee_per_gas", W3W_U256_TEXT_SIZE - 1, 0, max_fee) ||
		json_string(ex, ex->json, "", "max_priority_fee_per_gas", W3W_U256_TEXT_SIZE - 1, 0, tip) ? -1 : 0;
}

/* Replace (cancel = 0) or cancel a stuck withdrawal of a chain this server serves. */
static void bump(exchange *ex, int cancel)
{
	const char *max_fee = NULL, *tip = NULL;
	char id[W3W_ID_SIZE];
	w3w_chain *chain;
	w3w_withdrawal w;
	w3w_status st;

	if (fee_body(ex, &max_fee, &tip))
		return;
	if ((st = w3w_withdrawal_get(&w, ex->srv->ctx, &ex->actor, ex->params[0])) != W3W_OK) {
		ex_fail(ex, st);
		return;
	}
	if (!(chain = chains_find(w.chain, NULL))) {
		ex_error(ex, 422, "invalid_state", "withdrawal %s: its chain %s is not served by this server", w.id, w.chain);
		return;
	}
	snprintf(id, sizeof(id), "%s", w.id); /* `w` is the call's answer too */
	st = cancel ? w3w_withdrawal_cancel(&w, chain, &ex->actor, id, max_fee, tip)
		: w3w_withdrawal_replace(&w, chain, &ex->actor, id, max_fee, tip);
	if (st != W3W_OK) {
		ex_fail(ex, st);
		return;
	}
	respond_withdrawal(ex, 200, &w);
}

void h_withdrawal_replace(exchange *ex)
{
	bump(ex, 0);
}

void h_withdrawal_cancel(exchange *ex)
{
	bump(ex, 1);
}

void h_deposit_list(exchange *ex)
{
	w3w_chain_deposits *list = NULL;
	char *text = NULL;
	int has_user, has_chain;
	const char *user_id = ex_query(ex, "user_id", &has_user);
	const char *chain = ex_query(ex, "chain", &has_chain);
	const char *key = NULL;
	int limit = DEPOSITS_DEFAULT_LIMIT;
	w3w_status st;

	if (has_user && (!user_id || !*user_id)) {
		ex_error(ex, 400, "invalid", "user_id: must be a UUID");
		return;
	}
	if (list_query_limit(ex, 500, &limit) != 0)
		return;
	if (has_chain && chain_key_query(ex, chain, &key))
		return;
	st = w3w_chain_deposit_list(&list, ex->srv->ctx, &ex->actor, has_user ? user_id : NULL, key, limit);
	if (st == W3W_OK) {
		st = w3w_chain_deposits_to_json(&text, list);
		w3w_chain_deposits_free(list);
	}
	ex_record(ex, 200, st, text);
}

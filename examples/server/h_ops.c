/*
 * Operator reads the admin dashboard needs, each one library call (or a
 * page of them) through the public API: ledger totals with the
 * reconciliation checks, claims by status, an order's live claim. The
 * library decides who may read what; the claim list checks its roles
 * here, since it is built from per-order reads.
 */
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "list_query.h"
#include "server.h"

static void add_amount(cJSON *j, const char *name, w3w_amount amount)
{
	char text[W3W_AMOUNT_STRLEN];
	w3w_amount_format(text, sizeof(text), amount);
	cJSON_AddStringToObject(j, name, text);
}

/* The invariants of w3w_ledger_totals_get(), each true or false, and all of them as "ok". */
static void add_checks(cJSON *j, const w3w_ledger_totals *t)
{
	cJSON *checks = cJSON_AddObjectToObject(j, "checks");
	int conservation = t->balances == t->deposits - t->withdrawals;
	int escrow = t->held == t->escrow;
	int reservations = t->reserved == t->live_claims;
	int entries = t->entries_sum_zero == 1;
	cJSON_AddBoolToObject(checks, "conservation", conservation);
	cJSON_AddBoolToObject(checks, "escrow", escrow);
	cJSON_AddBoolToObject(checks, "reservations", reservations);
	cJSON_AddBoolToObject(checks, "entries_balanced", entries);
	cJSON_AddBoolToObject(j, "ok", conservation && escrow && reservations && entries);
}

void h_ledger_totals(exchange *ex)
{
	w3w_ledger_totals t;
	int present;
	const char *currency = ex_query(ex, "currency", &present);
	w3w_status st;
	cJSON *j;
	if (!present || !currency || !*currency) {
		ex_error(ex, 400, "invalid", "currency: required");
		return;
	}
	st = w3w_ledger_totals_get(&t, ex->srv->ctx, &ex->actor, currency);
	if (st != W3W_OK) {
		ex_fail(ex, st);
		return;
	}
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "currency", t.currency);
	add_amount(j, "deposits", t.deposits);
	add_amount(j, "withdrawals", t.withdrawals);
	add_amount(j, "balances", t.balances);
	add_amount(j, "held", t.held);
	add_amount(j, "escrow", t.escrow);
	add_amount(j, "reserved", t.reserved);
	add_amount(j, "live_claims", t.live_claims);
	add_checks(j, &t);
	ex_cjson(ex, 200, j);
}

/* Claim statuses as order statuses: a pending claim's order is claimed, a processed one's completed. */
static w3w_status claim_list_status(int *out, const char *text)
{
	if (strcmp(text, "pending") == 0)
		return w3w_order_status_parse(out, "claimed");
	if (strcmp(text, "processed") == 0)
		return w3w_order_status_parse(out, "completed");
	return W3W_EINVAL;
}

/* Append the live claim of each order of the page; an order whose claim moved on meanwhile is skipped. */
static w3w_status add_claims(cJSON *items, exchange *ex, const w3w_order_page *page)
{
	for (size_t i = 0; i < page->count; i++) {
		w3w_claim c;
		char *text = NULL;
		w3w_status st = w3w_claim_get_by_order(&c, ex->srv->ctx, &ex->actor, page->items[i].id);
		if (st == W3W_ENOTFOUND)
			continue;
		if (st != W3W_OK || (st = w3w_claim_to_json(&text, &c)) != W3W_OK)
			return st;
		cJSON_AddItemToArray(items, cJSON_Parse(text));
		w3w_string_free(text);
	}
	return W3W_OK;
}

void h_claim_list(exchange *ex)
{
	w3w_list_query q;
	w3w_order_page *page = NULL;
	w3w_status st;
	cJSON *j, *items;
	if (!(ex->actor.roles & (W3W_ROLE_ADMIN | W3W_ROLE_SERVICE))) {
		ex_error(ex, 403, "forbidden", "listing claims needs the admin or service role");
		return;
	}
	if (list_query_parse(ex, &q, claim_list_status) != 0)
		return;
	if (!q.status) /* no ?status=: the pending claims, the ones an operator may act on */
		claim_list_status(&q.status, "pending");
	st = w3w_order_list(&page, ex->srv->ctx, &ex->actor, &q);
	if (st != W3W_OK) {
		ex_fail(ex, st);
		return;
	}
	j = cJSON_CreateObject();
	items = cJSON_AddArrayToObject(j, "items");
	st = add_claims(items, ex, page);
	if (page->next_cursor[0])
		cJSON_AddStringToObject(j, "next_cursor", page->next_cursor);
	else
		cJSON_AddNullToObject(j, "next_cursor");
	w3w_order_page_free(page);
	if (st != W3W_OK) {
		cJSON_Delete(j);
		ex_fail(ex, st);
		return;
	}
	ex_cjson(ex, 200, j);
}

void h_order_claim_get(exchange *ex)
{
	w3w_claim c;
	char *text = NULL;
	w3w_status st = w3w_claim_get_by_order(&c, ex->srv->ctx, &ex->actor, ex->params[0]);
	if (st == W3W_OK)
		st = w3w_claim_to_json(&text, &c);
	ex_record(ex, 200, st, text);
}

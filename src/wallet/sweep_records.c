/* Reading sweeps and their fee totals; status names; JSON forms. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/codec.h"
#include "core/validate.h"
#include "wallet/wallet_internal.h"

#define SWEEP_LIST_MAX 500

static const char *const status_names[] = {
	NULL, "planned", "topup_signed", "topup_mined", "signed", "confirmed", "failed"
};

const char *w3w_sweep_status_name(w3w_sweep_status status)
{
	return status >= W3W_SWEEP_PLANNED && status <= W3W_SWEEP_FAILED ? status_names[status] : NULL;
}

w3w_sweep_status w3w_sweep_status_from_name(const char *name)
{
	for (int i = W3W_SWEEP_PLANNED; name && i <= W3W_SWEEP_FAILED; i++)
		if (strcmp(status_names[i], name) == 0)
			return (w3w_sweep_status)i;
	return (w3w_sweep_status)0;
}

/* Storage, an actor who may read custody records, and the chain key filter ("" for all). */
static w3w_status reader(const w3w__store **storage, char key[W3W_CHAIN_KEY_SIZE], w3w_ctx *ctx,
	const w3w_actor *actor, const char *chain, const char *what)
{
	w3w_status st;

	key[0] = '\0';
	if ((st = w3w__sweep_storage(ctx, storage)) || (st = w3w__check_actor(actor)))
		return st;
	if (!w3w__has_role(actor, W3W_ROLE_ADMIN | W3W_ROLE_SERVICE | W3W_ROLE_AUDITOR))
		return w3w_error_set(W3W_EFORBIDDEN, "%s: needs admin, service or auditor", what);
	if (chain && *chain)
		return w3w__check_text(key, chain, 1, W3W_CHAIN_KEY_SIZE - 1, "chain");
	return W3W_OK;
}

w3w_status w3w_sweep_list(w3w_sweeps **out, w3w_ctx *ctx, const w3w_actor *actor, const char *chain, int limit)
{
	const w3w__store *storage;
	char key[W3W_CHAIN_KEY_SIZE];
	w3w_sweep_row *rows = NULL;
	w3w_sweeps *list;
	size_t n = 0;
	w3w_status st;

	if (!out)
		return w3w_error_set(W3W_EINVAL, "out: NULL");
	*out = NULL;
	if ((st = reader(&storage, key, ctx, actor, chain, "sweeps")) != W3W_OK)
		return st;
	if (limit < 1 || limit > SWEEP_LIST_MAX)
		return w3w_error_set(W3W_EINVAL, "limit: must be 1..%d", SWEEP_LIST_MAX);
	if ((st = storage->wallet.sweep_list(storage->handle, key, 0, (size_t)limit, &rows, &n)) != W3W_OK)
		return st;
	if (!(list = calloc(1, sizeof(*list))) || (n && !(list->items = calloc(n, sizeof(*list->items))))) {
		free(list);
		free(rows);
		return w3w_error_set(W3W_ENOMEM, "sweeps: out of memory");
	}
	/* The signed bytes stay inside: callers get the records. */
	for (size_t i = 0; i < n; i++)
		list->items[i] = rows[i].s;
	list->count = n;
	free(rows);
	*out = list;
	return W3W_OK;
}

void w3w_sweeps_free(w3w_sweeps *list)
{
	if (!list)
		return;
	free(list->items);
	free(list);
}

w3w_status w3w_sweep_fee_totals_get(w3w_sweep_fee_totals **out, w3w_ctx *ctx, const w3w_actor *actor,
	const char *chain)
{
	const w3w__store *storage;
	char key[W3W_CHAIN_KEY_SIZE];
	w3w_sweep_fee_totals *list;
	w3w_status st;

	if (!out)
		return w3w_error_set(W3W_EINVAL, "out: NULL");
	*out = NULL;
	if ((st = reader(&storage, key, ctx, actor, chain, "sweep fees")) != W3W_OK)
		return st;
	if (!(list = calloc(1, sizeof(*list))))
		return w3w_error_set(W3W_ENOMEM, "sweep fees: out of memory");
	if ((st = storage->wallet.sweep_fee_totals(storage->handle, key, &list->items, &list->count)) != W3W_OK) {
		free(list->items);
		free(list);
		return st;
	}
	*out = list;
	return W3W_OK;
}

void w3w_sweep_fee_totals_free(w3w_sweep_fee_totals *list)
{
	if (!list)
		return;
	free(list->items);
	free(list);
}

/* ---- JSON ---------------------------------------------------------------------------------- */

static cJSON *sweep_json(const void *item)
{
	const w3w_sweep *s = item;
	const char *status = w3w_sweep_status_name(s->status);
	cJSON *j = cJSON_CreateObject();

	if (!j)
		return NULL;
	cJSON_AddStringToObject(j, "id", s->id);
	cJSON_AddStringToObject(j, "chain", s->chain);
	cJSON_AddStringToObject(j, "address", s->address);
	cJSON_AddNumberToObject(j, "wallet_index", (double)s->wallet_index);
	cJSON_AddStringToObject(j, "currency", s->currency);
	cJSON_AddStringToObject(j, "to_address", s->to_address);
	cJSON_AddStringToObject(j, "status", status ? status : "unknown");
	cJSON_AddStringToObject(j, "amount", s->amount);
	cJSON_AddNumberToObject(j, "nonce", (double)s->nonce);
	cJSON_AddStringToObject(j, "tx_hash", s->tx_hash);
	cJSON_AddStringToObject(j, "topup_value", s->topup_value);
	cJSON_AddNumberToObject(j, "topup_nonce", (double)s->topup_nonce);
	cJSON_AddStringToObject(j, "topup_tx_hash", s->topup_tx_hash);
	cJSON_AddStringToObject(j, "fee_currency", s->fee_currency);
	cJSON_AddStringToObject(j, "topup_fee", s->topup_fee);
	cJSON_AddStringToObject(j, "sweep_fee", s->sweep_fee);
	cJSON_AddStringToObject(j, "error", s->error);
	w3w__wallet_json_time(j, "created_at", s->created_at);
	w3w__wallet_json_time(j, "updated_at", s->updated_at);
	return j;
}

static cJSON *fee_total_json(const void *item)
{
	const w3w_sweep_fee_total *t = item;
	cJSON *j = cJSON_CreateObject();

	if (!j)
		return NULL;
	cJSON_AddStringToObject(j, "chain", t->chain);
	cJSON_AddStringToObject(j, "currency", t->currency);
	cJSON_AddStringToObject(j, "total", t->total);
	cJSON_AddNumberToObject(j, "transactions", (double)t->transactions);
	return j;
}

w3w_status w3w_sweeps_to_json(char **out, const w3w_sweeps *list)
{
	if (!out || !list)
		return w3w_error_set(W3W_EINVAL, "to_json: NULL argument");
	return w3w__json_print_items(out, list->items, list->count, sizeof(list->items[0]), sweep_json);
}

w3w_status w3w_sweep_fee_totals_to_json(char **out, const w3w_sweep_fee_totals *list)
{
	if (!out || !list)
		return w3w_error_set(W3W_EINVAL, "to_json: NULL argument");
	return w3w__json_print_items(out, list->items, list->count, sizeof(list->items[0]), fee_total_json);
}

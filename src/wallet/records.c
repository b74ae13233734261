/* Reading withdrawals and recorded deposits; status names; JSON forms. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/codec.h"
#include "core/validate.h"
#include "wallet/wallet_internal.h"

static const char *const status_names[] = {
	NULL, "held", "signed", "broadcast", "confirmed", "failed", "dropped"
};

const char *w3w_withdrawal_status_name(w3w_withdrawal_status status)
{
	return status >= W3W_WITHDRAWAL_HELD && status <= W3W_WITHDRAWAL_DROPPED ? status_names[status] : NULL;
}

w3w_withdrawal_status w3w_withdrawal_status_from_name(const char *name)
{
	for (int i = W3W_WITHDRAWAL_HELD; name && i <= W3W_WITHDRAWAL_DROPPED; i++)
		if (strcmp(status_names[i], name) == 0)
			return (w3w_withdrawal_status)i;
	return (w3w_withdrawal_status)0;
}

const char *w3w__withdrawal_status_event(w3w_withdrawal_status s)
{
	switch (s) {
	case W3W_WITHDRAWAL_HELD:      return "wallet.withdrawal_held";
	case W3W_WITHDRAWAL_SIGNED:    return "wallet.withdrawal_signed";
	case W3W_WITHDRAWAL_BROADCAST: return "wallet.withdrawal_broadcast";
	/* The ledger's own event for money that left: consumers of wallet.withdrawn see it too. */
	case W3W_WITHDRAWAL_CONFIRMED: return "wallet.withdrawn";
	case W3W_WITHDRAWAL_FAILED:    return "wallet.withdrawal_failed";
	case W3W_WITHDRAWAL_DROPPED:   return "wallet.withdrawal_dropped";
	default:                       return "wallet.withdrawal";
	}
}

static int may_read_others(const w3w_actor *actor)
{
	return w3w__has_role(actor, W3W_ROLE_ADMIN | W3W_ROLE_SERVICE | W3W_ROLE_AUDITOR);
}

w3w_status w3w_withdrawal_get(w3w_withdrawal *out, w3w_ctx *ctx, const w3w_actor *actor, const char *id)
{
	w3w_withdrawal_row row;
	const w3w__store *storage;
	char wid[W3W_ID_SIZE];
	w3w_status st;

	if (!out)
		return w3w_error_set(W3W_EINVAL, "out: NULL");
	if ((st = w3w__wallet_storage(ctx, &storage)) || (st = w3w__check_actor(actor)) ||
	    (st = w3w__check_id(wid, id, "id")))
		return st;
	if ((st = storage->wallet.withdrawal_get(storage->handle, wid, &row)) != W3W_OK)
		return st;
	/* Another user's withdrawal is "not found", not "forbidden": ids do not leak. */
	if (strcmp(row.w.user_id, actor->user_id) != 0 && !may_read_others(actor))
		return w3w_error_set(W3W_ENOTFOUND, "withdrawal %s: not found", wid);
	*out = row.w;
	return W3W_OK;
}

static const char *const kind_names[] = { NULL, "original", "replacement", "cancellation" };

const char *w3w_withdrawal_attempt_kind_name(w3w_withdrawal_attempt_kind kind)
{
	return kind >= W3W_ATTEMPT_ORIGINAL && kind <= W3W_ATTEMPT_CANCELLATION ? kind_names[kind] : NULL;
}

w3w_withdrawal_attempt_kind w3w_withdrawal_attempt_kind_from_name(const char *name)
{
	for (int k = W3W_ATTEMPT_ORIGINAL; name && k <= W3W_ATTEMPT_CANCELLATION; k++)
		if (strcmp(kind_names[k], name) == 0)
			return (w3w_withdrawal_attempt_kind)k;
	return (w3w_withdrawal_attempt_kind)0;
}

w3w_status w3w_withdrawal_attempt_list(w3w_withdrawal_attempts **out, w3w_ctx *ctx, const w3w_actor *actor,
	const char *id)
{
	w3w_withdrawal_attempt_row *rows = NULL;
	w3w_withdrawal_attempts *list;
	w3w_withdrawal w;
	size_t n = 0;
	w3w_status st;

	if (!out)
		return w3w_error_set(W3W_EINVAL, "out: NULL");
	*out = NULL;
	if (ctx && ctx->store.wallet.version && !ctx->store.wallet.withdrawal_attempt_list)
		return w3w_error_set(W3W_EINVAL, "storage backend has no replacement support (%s, wallet table version %u)",
			ctx->store.name, ctx->store.wallet.version);
	/* Whoever may read the withdrawal may read its transactions. */
	if ((st = w3w_withdrawal_get(&w, ctx, actor, id)) != W3W_OK)
		return st;
	if ((st = ctx->store.wallet.withdrawal_attempt_list(ctx->store.handle, w.id, &rows, &n)) != W3W_OK)
		return st;
	if (!(list = calloc(1, sizeof(*list))) || (n && !(list->items = calloc(n, sizeof(*list->items))))) {
		free(list);
		free(rows);
		return w3w_error_set(W3W_ENOMEM, "attempts: out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		list->items[i] = rows[i].a;
		if (rows[i].a.fee_paid[0])
			snprintf(list->fee_paid, sizeof(list->fee_paid), "%s", rows[i].a.fee_paid);
	}
	list->count = n;
	free(rows);
	*out = list;
	return W3W_OK;
}

void w3w_withdrawal_attempts_free(w3w_withdrawal_attempts *list)
{
	if (!list)
		return;
	free(list->items);
	free(list);
}

w3w_status w3w_chain_deposit_get(w3w_chain_deposit *out, w3w_ctx *ctx, const w3w_actor *actor,
	const char *reference)
{
	const w3w__store *storage;
	char ref[W3W_NAME_SIZE];
	w3w_chain_deposit d;
	w3w_status st;

	if (!out)
		return w3w_error_set(W3W_EINVAL, "out: NULL");
	if ((st = w3w__wallet_storage(ctx, &storage)) || (st = w3w__check_actor(actor)) ||
	    (st = w3w__check_text(ref, reference, 1, W3W_NAME_SIZE - 1, "reference")))
		return st;
	if ((st = storage->wallet.chain_deposit_get(storage->handle, ref, &d)) != W3W_OK)
		return st;
	if (strcmp(d.user_id, actor->user_id) != 0 && !may_read_others(actor))
		return w3w_error_set(W3W_ENOTFOUND, "deposit %s: not found", ref);
	*out = d;
	return W3W_OK;
}

#define DEPOSIT_LIST_MAX 500

w3w_status w3w_chain_deposit_list(w3w_chain_deposits **out, w3w_ctx *ctx, const w3w_actor *actor,
	const char *user_id, const char *chain, int limit)
{
	const w3w__store *storage;
	char uid[W3W_ID_SIZE], key[W3W_CHAIN_KEY_SIZE] = "";
	w3w_chain_deposits *list;
	w3w_status st;

	if (!out)
		return w3w_error_set(W3W_EINVAL, "out: NULL");
	*out = NULL;
	if ((st = w3w__wallet_storage(ctx, &storage)) || (st = w3w__check_actor(actor)))
		return st;
	if (!storage->wallet.chain_deposit_list)
		return w3w_error_set(W3W_EINVAL, "storage backend '%s' cannot list deposits (wallet table version %u)",
			storage->name, storage->wallet.version);
	if (limit < 1 || limit > DEPOSIT_LIST_MAX)
		return w3w_error_set(W3W_EINVAL, "limit: must be 1..%d", DEPOSIT_LIST_MAX);
	if (chain && *chain && (st = w3w__check_text(key, chain, 1, W3W_CHAIN_KEY_SIZE - 1, "chain")))
		return st;
	if (user_id && *user_id) {
		if ((st = w3w__check_id(uid, user_id, "user_id")))
			return st;
		if (strcmp(uid, actor->user_id) != 0 && !may_read_others(actor))
			return w3w_error_set(W3W_EFORBIDDEN, "deposits of another user: needs admin, service or auditor");
	} else {
		snprintf(uid, sizeof(uid), "%s", actor->user_id);
	}
	if (!(list = calloc(1, sizeof(*list))))
		return w3w_error_set(W3W_ENOMEM, "deposits: out of memory");
	st = storage->wallet.chain_deposit_list(storage->handle, uid, key, (size_t)limit, &list->items, &list->count);
	if (st != W3W_OK) {
		free(list->items);
		free(list);
		return st;
	}
	*out = list;
	return W3W_OK;
}

void w3w_chain_deposits_free(w3w_chain_deposits *list)
{
	if (!list)
		return;
	free(list->items);
	free(list);
}

/* ---- JSON ---------------------------------------------------------------------- */

void w3w__wallet_json_time(cJSON *j, const char *name, w3w_time t)
{
	char buf[W3W_TIME_STRLEN];
	w3w_time_format(buf, sizeof(buf), t);
	cJSON_AddStringToObject(j, name, buf);
}

static void add_amount(cJSON *j, const char *name, w3w_amount a)
{
	char buf[W3W_AMOUNT_STRLEN];
	w3w_amount_format(buf, sizeof(buf), a);
	cJSON_AddStringToObject(j, name, buf);
}

static cJSON *wallet_json(const void *item)
{
	const w3w_wallet *w = item;
	cJSON *j = cJSON_CreateObject();

	if (!j)
		return NULL;
	cJSON_AddStringToObject(j, "id", w->id);
	cJSON_AddStringToObject(j, "user_id", w->user_id);
	cJSON_AddStringToObject(j, "chain", w->chain);
	cJSON_AddStringToObject(j, "address", w->address);
	cJSON_AddNumberToObject(j, "index", (double)w->index);
	w3w__wallet_json_time(j, "created_at", w->created_at);
	return j;
}

w3w_status w3w_wallet_to_json(char **out, const w3w_wallet *wallet)
{
	if (!out || !wallet)
		return w3w_error_set(W3W_EINVAL, "to_json: NULL argument");
	return w3w__json_print(out, wallet_json(wallet));
}

w3w_status w3w_wallets_to_json(char **out, const w3w_wallets *list)
{
	if (!out || !list)
		return w3w_error_set(W3W_EINVAL, "to_json: NULL argument");
	return w3w__json_print_items(out, list->items, list->count, sizeof(list->items[0]), wallet_json);
}

static cJSON *withdrawal_json(const w3w_withdrawal *w)
{
	cJSON *j = cJSON_CreateObject();
	const char *status;

	if (!j)
		return NULL;
	status = w3w_withdrawal_status_name(w->status);
	cJSON_AddStringToObject(j, "id", w->id);
	cJSON_AddStringToObject(j, "user_id", w->user_id);
	cJSON_AddStringToObject(j, "chain", w->chain);
	cJSON_AddStringToObject(j, "currency", w->currency);
	add_amount(j, "amount", w->amount);
	cJSON_AddStringToObject(j, "to_address", w->to_address);
	cJSON_AddStringToObject(j, "from_address", w->from_address);
	cJSON_AddNumberToObject(j, "nonce", (double)w->nonce);
	cJSON_AddStringToObject(j, "tx_hash", w->tx_hash);
	cJSON_AddStringToObject(j, "status", status ? status : "unknown");
	cJSON_AddStringToObject(j, "error", w->error);
	cJSON_AddStringToObject(j, "transfer_id", w->transfer_id);
	w3w__wallet_json_time(j, "created_at", w->created_at);
	w3w__wallet_json_time(j, "updated_at", w->updated_at);
	return j;
}

w3w_status w3w_withdrawal_to_json(char **out, const w3w_withdrawal *w)
{
	if (!out || !w)
		return w3w_error_set(W3W_EINVAL, "to_json: NULL argument");
	return w3w__json_print(out, withdrawal_json(w));
}

static cJSON *attempt_json(const w3w_withdrawal_attempt *a)
{
	const char *kind = w3w_withdrawal_attempt_kind_name(a->kind);
	cJSON *j = cJSON_CreateObject();

	if (!j)
		return NULL;
	cJSON_AddNumberToObject(j, "seq", a->seq);
	cJSON_AddStringToObject(j, "kind", kind ? kind : "unknown");
	cJSON_AddStringToObject(j, "tx_hash", a->tx_hash);
	cJSON_AddStringToObject(j, "max_fee_per_gas", a->max_fee_per_gas);
	cJSON_AddStringToObject(j, "max_priority_fee_per_gas", a->max_priority_fee_per_gas);
	cJSON_AddStringToObject(j, "gas_price", a->gas_price);
	cJSON_AddNumberToObject(j, "gas_limit", (double)a->gas_limit);
	cJSON_AddNumberToObject(j, "block", (double)a->block);
	cJSON_AddStringToObject(j, "fee_paid", a->fee_paid);
	w3w__wallet_json_time(j, "created_at", a->created_at);
	return j;
}

w3w_status w3w_withdrawal_detail_to_json(char **out, const w3w_withdrawal *w, const w3w_withdrawal_attempts *list)
{
	cJSON *j, *items;

	if (!out || !w || !list)
		return w3w_error_set(W3W_EINVAL, "to_json: NULL argument");
	if (!(j = withdrawal_json(w)))
		return w3w_error_set(W3W_ENOMEM, "json: out of memory");
	cJSON_AddStringToObject(j, "fee_paid", list->fee_paid);
	items = cJSON_AddArrayToObject(j, "attempts");
	for (size_t i = 0; items && i < list->count; i++)
		cJSON_AddItemToArray(items, attempt_json(&list->items[i]));
	return w3w__json_print(out, j);
}

static cJSON *deposit_json(const void *item)
{
	const w3w_chain_deposit *d = item;
	cJSON *j = cJSON_CreateObject();

	if (!j)
		return NULL;
	cJSON_AddStringToObject(j, "reference", d->reference);
	cJSON_AddStringToObject(j, "chain", d->chain);
	cJSON_AddStringToObject(j, "user_id", d->user_id);
	cJSON_AddStringToObject(j, "address", d->address);
	cJSON_AddStringToObject(j, "currency", d->currency);
	cJSON_AddStringToObject(j, "tx_hash", d->tx_hash);
	cJSON_AddNumberToObject(j, "log_index", (double)d->log_index);
	cJSON_AddNumberToObject(j, "block_number", (double)d->block_number);
	cJSON_AddStringToObject(j, "block_hash", d->block_hash);
	cJSON_AddStringToObject(j, "value", d->value);
	add_amount(j, "amount", d->amount);
	cJSON_AddStringToObject(j, "dust", d->dust);
	cJSON_AddStringToObject(j, "status", d->status);
	cJSON_AddStringToObject(j, "transfer_id", d->transfer_id);
	w3w__wallet_json_time(j, "created_at", d->created_at);
	return j;
}

w3w_status w3w_chain_deposit_to_json(char **out, const w3w_chain_deposit *d)
{
	if (!out || !d)
		return w3w_error_set(W3W_EINVAL, "to_json: NULL argument");
	return w3w__json_print(out, deposit_json(d));
}

w3w_status w3w_chain_deposits_to_json(char **out, const w3w_chain_deposits *list)
{
	if (!out || !list)
		return w3w_error_set(W3W_EINVAL, "to_json: NULL argument");
	return w3w__json_print_items(out, list->items, list->count, sizeof(list->items[0]), deposit_json);
}

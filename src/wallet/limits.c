/*
 * Withdrawal limits (w3wallet/limits.h): setting them, and where a user
 * stands. The check itself runs in the storage, inside the transaction of
 * each withdrawal (w3w_cmd_limit_set in w3wallet/sys/storage.h says how).
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/codec.h"
#include "core/validate.h"
#include "core/write.h"
#include "wallet/wallet_internal.h"

/* Wallet table version 2 brought the limits; with an older backend withdrawals are not limited. */
static w3w_status limits_storage(w3w_ctx *ctx)
{
	if (!ctx->store.wallet.limit_set)
		return w3w_error_set(W3W_EINVAL, "storage backend '%s' has no withdrawal limits (wallet table version %u,"
			" limits need 2): withdrawals are not limited", ctx->store.name, ctx->store.wallet.version);
	return W3W_OK;
}

static w3w_status check_limit(w3w_amount value, const char *field)
{
	if (value == W3W_LIMIT_NONE || (value >= 0 && value <= W3W_AMOUNT_MAX))
		return W3W_OK;
	return w3w_error_set(W3W_EINVAL, "%s: an amount from 0 to 9999999999.99999999, or none", field);
}

static void write_limit(w3w__write *w, const char *name, w3w_amount value)
{
	if (value == W3W_LIMIT_NONE)
		w3w__write_field(w, name, "none");
	else
		w3w__write_amount(w, name, value);
}

/* What one withdrawal may take now: the smaller of the two limits, the daily one less what is used. */
static w3w_amount remaining_of(const w3w_withdrawal_limit *l)
{
	w3w_amount left = W3W_LIMIT_NONE;

	if (l->daily != W3W_LIMIT_NONE)
		left = l->daily > l->used ? l->daily - l->used : 0;
	if (l->per_withdrawal != W3W_LIMIT_NONE && (left == W3W_LIMIT_NONE || l->per_withdrawal < left))
		left = l->per_withdrawal;
	return left;
}

/* Set or clear: one audited storage command, an event on the user (the nil UUID for a default). */
static w3w_status limit_write(w3w_withdrawal_limit *out, w3w_ctx *ctx, const w3w_actor *actor,
	const char *user_id, const char *currency, w3w_amount per_withdrawal, w3w_amount daily, int clear)
{
	const char *action = clear ? "wallet.limit_clear" : "wallet.limit_set";
	w3w_withdrawal_limit result;
	w3w_cmd_limit_set cmd;
	w3w__write w;
	w3w_status st;

	memset(&cmd, 0, sizeof(cmd));
	if (!ctx)
		return w3w_error_set(W3W_EINVAL, "ctx: NULL");
	if ((st = w3w__check_actor(actor)) || (st = w3w__check_currency(cmd.currency, currency, "currency")) ||
	    (user_id && *user_id && (st = w3w__check_user_id(cmd.user_id, user_id, "user_id"))) ||
	    (!clear && ((st = check_limit(per_withdrawal, "per_withdrawal")) || (st = check_limit(daily, "daily")))) ||
	    (st = limits_storage(ctx)))
		return st;
	if (!w3w__has_role(actor, W3W_ROLE_ADMIN))
		return w3w__audit_refusal(ctx, actor, action, cmd.user_id,
			w3w_error_set(W3W_EFORBIDDEN, "withdrawal limits: only an admin sets them"));
	cmd.per_withdrawal = clear ? W3W_LIMIT_NONE : per_withdrawal;
	cmd.daily = clear ? W3W_LIMIT_NONE : daily;
	cmd.clear = clear;
	if ((st = w3w__write_begin(&w, &cmd.meta, ctx, actor, action, NULL)) != W3W_OK)
		return st;
	w3w__write_field(&w, "user_id", cmd.user_id);
	w3w__write_field(&w, "currency", cmd.currency);
	if (!clear) {
		write_limit(&w, "per_withdrawal", cmd.per_withdrawal);
		write_limit(&w, "daily", cmd.daily);
	}
	if ((st = w3w__write_prepare(&w, clear ? "wallet.limit_cleared" : "wallet.limit_set",
		cmd.user_id[0] ? cmd.user_id : W3W_EXTERNAL_USER_ID, cmd.user_id)) == W3W_OK)
		st = ctx->store.wallet.limit_set(ctx->store.handle, &cmd, &result);
	if (st == W3W_OK && out) {
		result.remaining = remaining_of(&result); /* what one withdrawal may take with nothing used */
		*out = result;
	}
	return w3w__write_finish(&w, st);
}

w3w_status w3w_withdrawal_limit_set(w3w_withdrawal_limit *out, w3w_ctx *ctx, const w3w_actor *actor,
	const char *user_id, const char *currency, w3w_amount per_withdrawal, w3w_amount daily)
{
	if (out)
		memset(out, 0, sizeof(*out));
	return limit_write(out, ctx, actor, user_id, currency, per_withdrawal, daily, 0);
}

w3w_status w3w_withdrawal_limit_clear(w3w_ctx *ctx, const w3w_actor *actor, const char *user_id,
	const char *currency)
{
	return limit_write(NULL, ctx, actor, user_id, currency, W3W_LIMIT_NONE, W3W_LIMIT_NONE, 1);
}

w3w_status w3w_withdrawal_limits_get(w3w_withdrawal_limits **out, w3w_ctx *ctx, const w3w_actor *actor,
	const char *user_id, const char *currency)
{
	char uid[W3W_ID_SIZE], cur[W3W_CURRENCY_SIZE] = "";
	w3w_withdrawal_limits *list;
	w3w_withdrawal_limit *items = NULL;
	size_t count = 0;
	w3w_status st;

	if (!out || !ctx)
		return w3w_error_set(W3W_EINVAL, "out/ctx: NULL");
	*out = NULL;
	if ((st = w3w__check_actor(actor)) ||
	    (currency && *currency && (st = w3w__check_currency(cur, currency, "currency"))) ||
	    (user_id && *user_id && (st = w3w__check_user_id(uid, user_id, "user_id"))) ||
	    (st = limits_storage(ctx)))
		return st;
	if (!user_id || !*user_id)
		strcpy(uid, actor->user_id);
	if (strcmp(uid, actor->user_id) != 0 &&
	    !w3w__has_role(actor, W3W_ROLE_ADMIN | W3W_ROLE_SERVICE | W3W_ROLE_AUDITOR))
		return w3w_error_set(W3W_EFORBIDDEN, "withdrawal limits: another user's need admin, service or auditor");
	/* From the primary: what a withdrawal there would be held to now. */
	if ((st = ctx->store.wallet.limit_list(ctx->store.handle, uid, cur, w3w_time_now(), &items, &count)) != W3W_OK)
		return st;
	if (!(list = calloc(1, sizeof(*list)))) {
		free(items);
		return w3w_error_set(W3W_ENOMEM, "withdrawal limits: out of memory");
	}
	for (size_t i = 0; i < count; i++)
		items[i].remaining = remaining_of(&items[i]);
	list->items = items;
	list->count = count;
	*out = list;
	return W3W_OK;
}

void w3w_withdrawal_limits_free(w3w_withdrawal_limits *list)
{
	if (!list)
		return;
	free(list->items);
	free(list);
}

/* ---- JSON ---------------------------------------------------------------------- */

static void add_amount_or_null(cJSON *j, const char *name, w3w_amount a, int is_null)
{
	char buf[W3W_AMOUNT_STRLEN];

	if (is_null || w3w_amount_format(buf, sizeof(buf), a) != W3W_OK)
		cJSON_AddNullToObject(j, name);
	else
		cJSON_AddStringToObject(j, name, buf);
}

static void add_time_or_null(cJSON *j, const char *name, w3w_time t)
{
	char buf[W3W_TIME_STRLEN];

	if (!t || w3w_time_format(buf, sizeof(buf), t) != W3W_OK)
		cJSON_AddNullToObject(j, name);
	else
		cJSON_AddStringToObject(j, name, buf);
}

static cJSON *limit_json(const void *item)
{
	const w3w_withdrawal_limit *l = item;
	cJSON *j = cJSON_CreateObject();

	if (!j)
		return NULL;
	cJSON_AddStringToObject(j, "currency", l->currency);
	if (l->user_id[0])
		cJSON_AddStringToObject(j, "user_id", l->user_id);
	else
		cJSON_AddNullToObject(j, "user_id");
	cJSON_AddStringToObject(j, "source", l->source);
	add_amount_or_null(j, "per_withdrawal", l->per_withdrawal, l->per_withdrawal == W3W_LIMIT_NONE);
	add_amount_or_null(j, "daily", l->daily, l->daily == W3W_LIMIT_NONE);
	add_amount_or_null(j, "used", l->used, 0);
	add_amount_or_null(j, "remaining", l->remaining, l->remaining == W3W_LIMIT_NONE);
	add_time_or_null(j, "next_release_at", l->next_release_at);
	add_amount_or_null(j, "next_release_amount", l->next_release_amount, !l->next_release_at);
	add_time_or_null(j, "updated_at", l->updated_at);
	return j;
}

w3w_status w3w_withdrawal_limit_to_json(char **out, const w3w_withdrawal_limit *limit)
{
	if (!out || !limit)
		return w3w_error_set(W3W_EINVAL, "to_json: NULL argument");
	return w3w__json_print(out, limit_json(limit));
}

w3w_status w3w_withdrawal_limits_to_json(char **out, const w3w_withdrawal_limits *list)
{
	if (!out || !list)
		return w3w_error_set(W3W_EINVAL, "to_json: NULL argument");
	return w3w__json_print_items(out, list->items, list->count, sizeof(list->items[0]), limit_json);
}

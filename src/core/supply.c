/* Supply commands: a shopper's declared capacity. */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "core/cache_aside.h"
#include "core/codec.h"
#include "core/query.h"
#include "core/replica.h"
#include "core/validate.h"
#include "core/write.h"

/* Reads a supply through the cache. */
static w3w_status supply_load(w3w_ctx *ctx, const char *id, w3w_supply *out)
{
	char key[64];
	cJSON *j;
	w3w__span read;
	w3w_status st;

	snprintf(key, sizeof(key), "supply:%s", id);
	if ((j = w3w__cache_lookup(ctx, key)) != NULL) {
		st = w3w__supply_from_json(out, j);
		cJSON_Delete(j);
		if (st == W3W_OK)
			return W3W_OK;
	}
	const w3w__store *from = w3w__reader(ctx);
	w3w__span_begin(&read, ctx, "storage.read", W3W_SPAN_CLIENT, "supply_get");
	st = w3w__span_done(&read, ctx, from->market.supply_get(from->handle, id, out));
	if (st == W3W_OK)
		w3w__cache_store(ctx, key, w3w__supply_json(out), W3W__TTL_RECORD);
	return st;
}

static void invalidate_supply(w3w__write *w, const char *id, const char *user_id)
{
	w3w__write_invalidate(w, "supply:%s", id);
	w3w__write_invalidate(w, "supplies:user:%s", user_id);
}

w3w_status w3w_supply_create(w3w_supply *out, w3w_ctx *ctx, const w3w_actor *actor,
	const char *currency, w3w_amount amount, const char *idempotency_key)
{
	w3w_cmd_supply_create cmd;
	w3w_supply result;
	w3w__write w;
	w3w_status st;

	memset(&cmd, 0, sizeof(cmd));
	if (!ctx)
		return w3w_error_set(W3W_EINVAL, "ctx: NULL");
	if ((st = w3w__check_actor(actor)) || (st = w3w__check_currency(cmd.s.currency, currency, "currency")) ||
	    (st = w3w__check_amount(amount, "amount")))
		return st;
	if ((st = w3w__write_begin(&w, &cmd.meta, ctx, actor, "supply.create", idempotency_key)) != W3W_OK)
		return st;
	w3w__write_field(&w, "currency", cmd.s.currency);
	w3w__write_amount(&w, "amount", amount);
	w3w_id_new(cmd.s.id, sizeof(cmd.s.id));
	strcpy(cmd.s.user_id, actor->user_id);
	cmd.s.amount = amount;
	cmd.s.status = W3W_SUPPLY_ACTIVE;
	cmd.s.created_at = cmd.s.updated_at = w.meta->now;
	w3w__write_payload(&w, "supply_id", cmd.s.id);
	w3w__write_payload(&w, "user_id", cmd.s.user_id);
	if ((st = w3w__write_prepare(&w, "supply.created", cmd.s.id, cmd.s.id)) != W3W_OK)
		return w3w__write_finish(&w, st);
	/* A new record was in no cache; only the owner's list changes (a tombstone on
	 * supply:{id} would just keep the new supply out of the cache for a while). */
	w3w__write_invalidate(&w, "supplies:user:%s", actor->user_id);
	st = ctx->store.market.supply_create(ctx->store.handle, &cmd, &result);
	if (st == W3W_OK && out)
		*out = result;
	return w3w__write_finish(&w, st);
}

w3w_status w3w_supply_get(w3w_supply *out, w3w_ctx *ctx, const w3w_actor *actor, const char *supply_id)
{
	char id[W3W_ID_SIZE];
	w3w__span command;
	w3w_supply s;
	w3w_status st;

	if (!out || !ctx)
		return w3w_error_set(W3W_EINVAL, "out/ctx: NULL");
	if ((st = w3w__check_actor(actor)) || (st = w3w__check_id(id, supply_id, "supply_id")))
		return st;
	w3w__span_begin(&command, ctx, "supply.get", W3W_SPAN_INTERNAL, id);
	if ((st = supply_load(ctx, id, &s)) != W3W_OK)
		return w3w__span_done(&command, ctx, st);
	if (strcmp(s.user_id, actor->user_id) != 0 && !w3w__has_role(actor, W3W_ROLE_ADMIN | W3W_ROLE_SERVICE))
		return w3w__span_done(&command, ctx, w3w_error_set(W3W_ENOTFOUND, "supply %s: not found", id));
	*out = s;
	return w3w__span_done(&command, ctx, W3W_OK);
}

/* A page of one user's supplies through the cache: the default first page is cached (supplies:user:{id}). */
static w3w_status supply_page_load(w3w_supply_page **out, w3w_ctx *ctx, const w3w_storage_query *sq, int cacheable)
{
	w3w__span read;
	w3w_status st;
	char key[64];

	snprintf(key, sizeof(key), "supplies:user:%s", sq->user_id);
	if (cacheable) {
		cJSON *j = w3w__cache_lookup(ctx, key);
		st = j ? w3w__supply_page_from_json(out, j) : W3W_ENOTFOUND;
		cJSON_Delete(j);
		if (st == W3W_OK)
			return W3W_OK;
		w3w_error_clear();
	}
	const w3w__store *from = w3w__reader(ctx);
	w3w__span_begin(&read, ctx, "storage.read", W3W_SPAN_CLIENT, "supply_list");
	if ((st = w3w__span_done(&read, ctx, from->market.supply_list(from->handle, sq, out))) != W3W_OK)
		return st;
	if (cacheable)
		w3w__cache_store(ctx, key, w3w__supply_page_json(*out), W3W__TTL_LIST);
	return W3W_OK;
}

w3w_status w3w_supply_list(w3w_supply_page **out, w3w_ctx *ctx, const w3w_actor *actor,
	const w3w_list_query *query)
{
	w3w_storage_query sq;
	w3w__span command;
	w3w_status st;

	if (!out || !ctx)
		return w3w_error_set(W3W_EINVAL, "out/ctx: NULL");
	*out = NULL;
	if ((st = w3w__check_actor(actor)) || (st = w3w__query_prepare(&sq, query, W3W_SUPPLY_DELETED)))
		return st;
	if (sq.user_id[0] == '\0')
		strcpy(sq.user_id, actor->user_id);
	else if (strcmp(sq.user_id, actor->user_id) != 0 && !w3w__has_role(actor, W3W_ROLE_ADMIN | W3W_ROLE_SERVICE))
		return w3w_error_set(W3W_EFORBIDDEN, "user_id: listing another user's supplies needs admin");
	w3w__span_begin(&command, ctx, "supply.list", W3W_SPAN_INTERNAL, sq.user_id);
	return w3w__span_done(&command, ctx, supply_page_load(out, ctx, &sq, w3w__query_is_first_page(query)));
}

void w3w_supply_page_free(w3w_supply_page *page)
{
	if (!page)
		return;
	free(page->items);
	free(page);
}

/* Owner of the supply as the command should state it: the actor, or for an admin the real owner. */
static w3w_status supply_owner_for(w3w_ctx *ctx, const w3w_actor *actor, const char *id, char *owner)
{
	w3w_supply s;
	w3w_status st;
	strcpy(owner, actor->user_id);
	if (!w3w__has_role(actor, W3W_ROLE_ADMIN))
		return W3W_OK;
	if ((st = ctx->store.market.supply_get(ctx->store.handle, id, &s)) != W3W_OK)
		return st;
	strcpy(owner, s.user_id);
	return W3W_OK;
}

w3w_status w3w_supply_update(w3w_supply *out, w3w_ctx *ctx, const w3w_actor *actor,
	const char *supply_id, const w3w_supply_patch *patch, const char *idempotency_key)
{
	w3w_cmd_supply_update cmd;
	w3w_supply result;
	w3w__write w;
	w3w_status st;

	memset(&cmd, 0, sizeof(cmd));
	if (!ctx || !patch)
		return w3w_error_set(W3W_EINVAL, "ctx/patch: NULL");
	if ((st = w3w__check_actor(actor)) || (st = w3w__check_id(cmd.id, supply_id, "supply_id")))
		return st;
	if (!patch->set_amount && patch->status == 0)
		return w3w_error_set(W3W_EINVAL, "patch: nothing to change (amount or status)");
	if (patch->set_amount && (patch->amount < 0 || patch->amount > W3W_AMOUNT_MAX))
		return w3w_error_set(W3W_EINVAL, "amount: must be 0..9999999999.99999999");
	if (patch->status != 0 && patch->status != W3W_SUPPLY_ACTIVE && patch->status != W3W_SUPPLY_PAUSED)
		return w3w_error_set(W3W_EINVAL, "status: only active or paused can be set");
	if ((st = supply_owner_for(ctx, actor, cmd.id, cmd.user_id)) != W3W_OK)
		return w3w__audit_refusal(ctx, actor, "supply.update", cmd.id, st);
	cmd.patch = *patch;
	if ((st = w3w__write_begin(&w, &cmd.meta, ctx, actor, "supply.update", idempotency_key)) != W3W_OK)
		return st;
	w3w__write_field(&w, "supply_id", cmd.id);
	if (patch->set_amount)
		w3w__write_amount(&w, "amount", patch->amount);
	if (patch->status)
		w3w__write_field(&w, "status", w3w_supply_status_name(patch->status));
	w3w__write_payload(&w, "user_id", cmd.user_id);
	if ((st = w3w__write_prepare(&w, "supply.updated", cmd.id, cmd.id)) != W3W_OK)
		return w3w__write_finish(&w, st);
	invalidate_supply(&w, cmd.id, cmd.user_id);
	st = ctx->store.market.supply_update(ctx->store.handle, &cmd, &result);
	if (st == W3W_OK && out)
		*out = result;
	return w3w__write_finish(&w, st);
}

w3w_status w3w_supply_delete(w3w_supply *out, w3w_ctx *ctx, const w3w_actor *actor,
	const char *supply_id, const char *idempotency_key)
{
	w3w_cmd_supply_delete cmd;
	w3w_supply result;
	w3w__write w;
	w3w_status st;

	memset(&cmd, 0, sizeof(cmd));
	if (!ctx)
		return w3w_error_set(W3W_EINVAL, "ctx: NULL");
	if ((st = w3w__check_actor(actor)) || (st = w3w__check_id(cmd.id, supply_id, "supply_id")))
		return st;
	if ((st = supply_owner_for(ctx, actor, cmd.id, cmd.user_id)) != W3W_OK)
		return w3w__audit_refusal(ctx, actor, "supply.delete", cmd.id, st);
	if ((st = w3w__write_begin(&w, &cmd.meta, ctx, actor, "supply.delete", idempotency_key)) != W3W_OK)
		return st;
	w3w__write_field(&w, "supply_id", cmd.id);
	w3w__write_payload(&w, "user_id", cmd.user_id);
	if ((st = w3w__write_prepare(&w, "supply.deleted", cmd.id, cmd.id)) != W3W_OK)
		return w3w__write_finish(&w, st);
	invalidate_supply(&w, cmd.id, cmd.user_id);
	st = ctx->store.market.supply_delete(ctx->store.handle, &cmd, &result);
	if (st == W3W_OK && out)
		*out = result;
	return w3w__write_finish(&w, st);
}

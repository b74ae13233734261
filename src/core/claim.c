/* Claim commands: claim an order, get, process (settle), release. */
#include <stdio.h>
#include <string.h>

#include "core/cache_aside.h"
#include "core/codec.h"
#include "core/commands.h"
#include "core/replica.h"
#include "core/validate.h"
#include "core/write.h"

/* After a claim changed state: the claim, its order, the order owner's list, the shopper's supply. */
static void invalidate_claim(w3w__write *w, const w3w_claim *c, const char *order_user_id)
{
	w3w__write_invalidate(w, "claim:%s", c->id);
	w3w__write_invalidate(w, "claim:order:%s", c->order_id);
	w3w__write_invalidate(w, "order:%s", c->order_id);
	w3w__write_invalidate(w, "orders:user:%s", order_user_id);
	w3w__write_invalidate(w, "supply:%s", c->supply_id);
	w3w__write_invalidate(w, "supplies:user:%s", c->user_id);
}

w3w_status w3w__claim_create_prepare(w3w__write *w, w3w_cmd_claim_create *cmd, w3w_ctx *ctx,
	const w3w_actor *actor, const char *order_id, const char *idempotency_key)
{
	w3w_status st;
	char oid[W3W_ID_SIZE];

	if (!ctx)
		return w3w_error_set(W3W_EINVAL, "ctx: NULL");
	if ((st = w3w__check_actor(actor)) || (st = w3w__check_id(oid, order_id, "order_id")))
		return st;
	if ((st = w3w__write_begin(w, &cmd->meta, ctx, actor, "claim.create", idempotency_key)) != W3W_OK)
		return st;
	memset(&cmd->c, 0, sizeof(cmd->c));
	cmd->order_user_id[0] = '\0';
	w3w__write_field(w, "order_id", oid);
	w3w_id_new(cmd->c.id, sizeof(cmd->c.id));
	strcpy(cmd->c.order_id, oid);
	strcpy(cmd->c.user_id, actor->user_id);
	cmd->c.status = W3W_CLAIM_PENDING;
	cmd->c.claimed_at = w->meta->now;
	w3w__write_payload(w, "claim_id", cmd->c.id);
	w3w__write_payload(w, "user_id", cmd->c.user_id);
	/* Keyed by the order: per-order event order holds across claim and release. */
	if ((st = w3w__write_prepare(w, "order.claimed", oid, oid)) != W3W_OK)
		return w3w__write_finish(w, st);
	return W3W_OK;
}

w3w_status w3w__claim_create_finish(w3w__write *w, w3w_cmd_claim_create *cmd, const w3w_claim *result,
	w3w_status st)
{
	if (st == W3W_OK)
		invalidate_claim(w, result, cmd->order_user_id);
	return w3w__write_finish(w, st);
}

w3w_status w3w_claim_order(w3w_claim *out, w3w_ctx *ctx, const w3w_actor *actor,
	const char *order_id, const char *idempotency_key)
{
	w3w_cmd_claim_create cmd;
	w3w_claim result;
	w3w__write w;
	w3w_status st;

	if ((st = w3w__claim_create_prepare(&w, &cmd, ctx, actor, order_id, idempotency_key)) != W3W_OK)
		return st;
	st = ctx->store.market.claim_create(ctx->store.handle, &cmd, &result);
	if (st == W3W_OK && out)
		*out = result;
	return w3w__claim_create_finish(&w, &cmd, &result, st);
}

static w3w_status claim_load(w3w_ctx *ctx, const char *key, const char *id, int by_order, w3w_claim *out)
{
	cJSON *j = w3w__cache_lookup(ctx, key);
	w3w__span read;
	w3w_status st;

	if (j) {
		st = w3w__claim_from_json(out, j);
		cJSON_Delete(j);
		if (st == W3W_OK)
			return W3W_OK;
		w3w_error_clear();
	}
	const w3w__store *from = w3w__reader(ctx);
	w3w__span_begin(&read, ctx, "storage.read", W3W_SPAN_CLIENT, by_order ? "claim_get_live" : "claim_get");
	st = by_order ? from->market.claim_get_live(from->handle, id, out) : from->market.claim_get(from->handle, id, out);
	w3w__span_end(&read, ctx, st);
	if (st == W3W_OK)
		w3w__cache_store(ctx, key, w3w__claim_json(out), W3W__TTL_RECORD);
	return st;
}

/* May the actor see (or act on, as order owner) this claim? Fetches the order's owner. */
static w3w_status claim_order_owner(w3w_ctx *ctx, const w3w_claim *c, char *owner)
{
	w3w_order *o = NULL;
	w3w__span read;
	w3w_status st;

	w3w__span_begin(&read, ctx, "storage.read", W3W_SPAN_CLIENT, "order_get");
	st = w3w__span_done(&read, ctx, ctx->store.market.order_get(ctx->store.handle, c->order_id, &o));
	if (st == W3W_OK)
		strcpy(owner, o->user_id);
	w3w_order_free(o);
	return st;
}

static w3w_status claim_visible(w3w_ctx *ctx, const w3w_actor *actor, const w3w_claim *c)
{
	char owner[W3W_ID_SIZE];
	w3w_status st;
	if (strcmp(c->user_id, actor->user_id) == 0 || w3w__has_role(actor, W3W_ROLE_ADMIN | W3W_ROLE_SERVICE))
		return W3W_OK;
	if ((st = claim_order_owner(ctx, c, owner)) != W3W_OK)
		return st;
	if (strcmp(owner, actor->user_id) == 0)
		return W3W_OK;
	return w3w_error_set(W3W_ENOTFOUND, "claim %s: not found", c->id);
}

w3w_status w3w_claim_get(w3w_claim *out, w3w_ctx *ctx, const w3w_actor *actor, const char *claim_id)
{
	char id[W3W_ID_SIZE], key[64];
	w3w__span command;
	w3w_claim c;
	w3w_status st;

	if (!out || !ctx)
		return w3w_error_set(W3W_EINVAL, "out/ctx: NULL");
	if ((st = w3w__check_actor(actor)) || (st = w3w__check_id(id, claim_id, "claim_id")))
		return st;
	snprintf(key, sizeof(key), "claim:%s", id);
	w3w__span_begin(&command, ctx, "claim.get", W3W_SPAN_INTERNAL, id);
	if ((st = claim_load(ctx, key, id, 0, &c)) == W3W_OK && (st = claim_visible(ctx, actor, &c)) == W3W_OK)
		*out = c;
	return w3w__span_done(&command, ctx, st);
}

w3w_status w3w_claim_get_by_order(w3w_claim *out, w3w_ctx *ctx, const w3w_actor *actor, const char *order_id)
{
	char id[W3W_ID_SIZE], key[64];
	w3w__span command;
	w3w_claim c;
	w3w_status st;

	if (!out || !ctx)
		return w3w_error_set(W3W_EINVAL, "out/ctx: NULL");
	if ((st = w3w__check_actor(actor)) || (st = w3w__check_id(id, order_id, "order_id")))
		return st;
	snprintf(key, sizeof(key), "claim:order:%s", id);
	w3w__span_begin(&command, ctx, "claim.get_by_order", W3W_SPAN_INTERNAL, id);
	if ((st = claim_load(ctx, key, id, 1, &c)) == W3W_OK && (st = claim_visible(ctx, actor, &c)) == W3W_OK)
		*out = c;
	return w3w__span_done(&command, ctx, st);
}

/* Process and release: the current claim, the caller's right to it, then one storage command. */

/* The claim `claim_id` as storage has it now (a refusal is audited as `action`). */
static w3w_status claim_current(w3w_claim *current, char id[W3W_ID_SIZE], w3w_ctx *ctx, const w3w_actor *actor,
	const char *claim_id, const char *action)
{
	w3w_status st;
	if (!ctx)
		return w3w_error_set(W3W_EINVAL, "ctx: NULL");
	if ((st = w3w__check_actor(actor)) || (st = w3w__check_id(id, claim_id, "claim_id")))
		return st;
	if ((st = ctx->store.market.claim_get(ctx->store.handle, id, current)) != W3W_OK)
		return w3w__audit_refusal(ctx, actor, action, id, st);
	return W3W_OK;
}

/* What process and release both write: the claim named, its order and claimer in the event. */
static w3w_status claim_step_begin(w3w__write *w, w3w_write_meta *meta, w3w_ctx *ctx, const w3w_actor *actor,
	const char *action, const char *idempotency_key, const w3w_claim *current)
{
	w3w_status st = w3w__write_begin(w, meta, ctx, actor, action, idempotency_key);
	if (st != W3W_OK)
		return st;
	w3w__write_field(w, "claim_id", current->id);
	w3w__write_payload(w, "order_id", current->order_id);
	w3w__write_payload(w, "user_id", current->user_id);
	return W3W_OK;
}

static w3w_status claim_step_end(w3w__write *w, w3w_claim *out, w3w_status st, const w3w_claim *result,
	const char *order_user_id)
{
	if (st == W3W_OK) {
		invalidate_claim(w, result, order_user_id);
		if (out)
			*out = *result;
	}
	return w3w__write_finish(w, st);
}

w3w_status w3w__claim_process_prepare(w3w__write *w, w3w_cmd_claim_process *cmd, w3w_claim *current,
	w3w_ctx *ctx, const w3w_actor *actor, const char *claim_id, const char *idempotency_key)
{
	const char *action = "claim.process";
	char id[W3W_ID_SIZE], owner[W3W_ID_SIZE];
	w3w_status st;

	if ((st = claim_current(current, id, ctx, actor, claim_id, action)) != W3W_OK)
		return st;
	/* The order owner (buyer) confirms delivery; admin and service may too. */
	if (!w3w__has_role(actor, W3W_ROLE_ADMIN | W3W_ROLE_SERVICE)) {
		if ((st = claim_order_owner(ctx, current, owner)) != W3W_OK)
			return st;
		if (strcmp(owner, actor->user_id) != 0)
			return w3w__audit_refusal(ctx, actor, action, id, w3w_error_set(W3W_EFORBIDDEN,
				"claim %s: only the order owner, admin or service may process it", id));
	}
	memset(cmd, 0, sizeof(*cmd));
	if ((st = claim_step_begin(w, &cmd->meta, ctx, actor, action, idempotency_key, current)) != W3W_OK)
		return st;
	strcpy(cmd->id, id);
	w3w_id_new(cmd->settlement.id, sizeof(cmd->settlement.id));
	cmd->settlement.kind = W3W_TRANSFER_SETTLEMENT;
	cmd->settlement.created_at = w->meta->now;
	w3w__write_payload(w, "transfer_id", cmd->settlement.id);
	if ((st = w3w__write_prepare(w, "claim.processed", current->order_id, id)) != W3W_OK)
		return w3w__write_finish(w, st);
	return W3W_OK;
}

w3w_status w3w__claim_process_finish(w3w__write *w, w3w_cmd_claim_process *cmd, const w3w_claim *result,
	w3w_status st)
{
	return claim_step_end(w, NULL, st, result, cmd->order_user_id);
}

w3w_status w3w_claim_process(w3w_claim *out, w3w_ctx *ctx, const w3w_actor *actor,
	const char *claim_id, const char *idempotency_key)
{
	w3w_cmd_claim_process cmd;
	w3w_claim current, result;
	w3w__write w;
	w3w_status st;

	if ((st = w3w__claim_process_prepare(&w, &cmd, &current, ctx, actor, claim_id, idempotency_key)) != W3W_OK)
		return st;
	st = ctx->store.market.claim_process(ctx->store.handle, &cmd, &result);
	return claim_step_end(&w, out, st, &result, cmd.order_user_id);
}

w3w_status w3w_claim_release(w3w_claim *out, w3w_ctx *ctx, const w3w_actor *actor,
	const char *claim_id, const char *idempotency_key)
{
	const char *action = "claim.release";
	char id[W3W_ID_SIZE];
	w3w_cmd_claim_release cmd;
	w3w_claim current, result;
	w3w__write w;
	w3w_status st;

	if ((st = claim_current(&current, id, ctx, actor, claim_id, action)) != W3W_OK)
		return st;
	if (strcmp(current.user_id, actor->user_id) != 0 && !w3w__has_role(actor, W3W_ROLE_ADMIN))
		return w3w__audit_refusal(ctx, actor, action, id, w3w_error_set(W3W_EFORBIDDEN,
			"claim %s: only the claimer or admin may release it", id));
	memset(&cmd, 0, sizeof(cmd));
	if ((st = claim_step_begin(&w, &cmd.meta, ctx, actor, action, idempotency_key, &current)) != W3W_OK)
		return st;
	strcpy(cmd.id, id);
	if ((st = w3w__write_prepare(&w, "claim.released", current.order_id, id)) == W3W_OK)
		st = ctx->store.market.claim_release(ctx->store.handle, &cmd, &result);
	return claim_step_end(&w, out, st, &result, cmd.order_user_id);
}

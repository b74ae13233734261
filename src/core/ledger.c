/* Ledger commands: deposit, withdraw, transfer; accounts and totals. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/commands.h"
#include "core/replica.h"
#include "core/validate.h"
#include "core/write.h"

/* Shared middle of the three transfer commands: ids, payload, event and audit record. */
static w3w_status transfer_prepare(w3w__write *w, w3w_cmd_transfer *cmd, const char *event_type)
{
	w3w_transfer *t = &cmd->t;
	w3w_status st;

	w3w_id_new(t->id, sizeof(t->id));
	t->created_at = w->meta->now;
	w3w__write_payload(w, "transfer_id", t->id);
	w3w__write_payload(w, "from_user_id", t->from_user_id);
	w3w__write_payload(w, "to_user_id", t->to_user_id);
	if ((st = w3w__write_prepare(w, event_type, t->id, t->id)) != W3W_OK)
		return w3w__write_finish(w, st);
	return W3W_OK;
}

w3w_status w3w__transfer_finish(w3w__write *w, w3w_status st)
{
	return w3w__write_finish(w, st);
}

/* One storage call between prepare and finish. */
static w3w_status run_transfer(w3w__write *w, w3w_cmd_transfer *cmd, const char *event_type, w3w_transfer *out)
{
	w3w_transfer result;
	w3w_status st;

	if ((st = transfer_prepare(w, cmd, event_type)) != W3W_OK)
		return st;
	st = w->ctx->store.market.transfer(w->ctx->store.handle, cmd, &result);
	if (st == W3W_OK && out)
		*out = result;
	return w3w__transfer_finish(w, st);
}

w3w_status w3w__deposit_prepare(w3w__write *w, w3w_cmd_transfer *cmd, w3w_ctx *ctx, const w3w_actor *actor,
	const char *user_id, const char *currency, w3w_amount amount, const char *reference,
	const char *idempotency_key)
{
	w3w_status st;

	memset(cmd, 0, sizeof(*cmd));
	if (!ctx)
		return w3w_error_set(W3W_EINVAL, "ctx: NULL");
	if ((st = w3w__check_actor(actor)) || (st = w3w__check_user_id(cmd->t.to_user_id, user_id, "user_id")) ||
	    (st = w3w__check_currency(cmd->t.currency, currency, "currency")) ||
	    (st = w3w__check_amount(amount, "amount")) ||
	    (st = w3w__check_text(cmd->t.reference, reference, 1, W3W_NAME_SIZE - 1, "reference")))
		return st;
	if (!w3w__has_role(actor, W3W_ROLE_SERVICE | W3W_ROLE_ADMIN))
		return w3w__audit_refusal(ctx, actor, "wallet.deposit", cmd->t.to_user_id,
			w3w_error_set(W3W_EFORBIDDEN, "deposit: needs the service or admin role"));
	cmd->t.kind = W3W_TRANSFER_DEPOSIT;
	strcpy(cmd->t.from_user_id, W3W_EXTERNAL_USER_ID);
	cmd->t.amount = amount;
	if ((st = w3w__write_begin(w, &cmd->meta, ctx, actor, "wallet.deposit", idempotency_key)) != W3W_OK)
		return st;
	w3w__write_field(w, "user_id", cmd->t.to_user_id);
	w3w__write_field(w, "currency", cmd->t.currency);
	w3w__write_amount(w, "amount", amount);
	w3w__write_field(w, "reference", cmd->t.reference);
	return transfer_prepare(w, cmd, "wallet.deposited");
}

w3w_status w3w_deposit(w3w_transfer *out, w3w_ctx *ctx, const w3w_actor *actor,
	const char *user_id, const char *currency, w3w_amount amount,
	const char *reference, const char *idempotency_key)
{
	w3w_cmd_transfer cmd;
	w3w_transfer result;
	w3w__write w;
	w3w_status st;

	if ((st = w3w__deposit_prepare(&w, &cmd, ctx, actor, user_id, currency, amount, reference,
		     idempotency_key)) != W3W_OK)
		return st;
	st = ctx->store.market.transfer(ctx->store.handle, &cmd, &result);
	if (st == W3W_OK && out)
		*out = result;
	return w3w__transfer_finish(&w, st);
}

w3w_status w3w_withdraw(w3w_transfer *out, w3w_ctx *ctx, const w3w_actor *actor,
	const char *currency, w3w_amount amount, const char *chain, const char *to_address,
	const char *idempotency_key)
{
	w3w_cmd_transfer cmd;
	w3w__write w;
	w3w_status st;
	char chain_buf[33], addr_buf[129];

	memset(&cmd, 0, sizeof(cmd));
	if (!ctx)
		return w3w_error_set(W3W_EINVAL, "ctx: NULL");
	if ((st = w3w__check_actor(actor)) || (st = w3w__check_currency(cmd.t.currency, currency, "currency")) ||
	    (st = w3w__check_amount(amount, "amount")) ||
	    (st = w3w__check_text(chain_buf, chain, 1, sizeof(chain_buf) - 1, "chain")) ||
	    (st = w3w__check_text(addr_buf, to_address, 1, sizeof(addr_buf) - 1, "to_address")))
		return st;
	cmd.t.kind = W3W_TRANSFER_WITHDRAWAL;
	strcpy(cmd.t.from_user_id, actor->user_id);
	strcpy(cmd.t.to_user_id, W3W_EXTERNAL_USER_ID);
	cmd.t.amount = amount;
	snprintf(cmd.t.reference, sizeof(cmd.t.reference), "%s:%s", chain_buf, addr_buf);
	if ((st = w3w__write_begin(&w, &cmd.meta, ctx, actor, "wallet.withdraw", idempotency_key)) != W3W_OK)
		return st;
	w3w__write_field(&w, "currency", cmd.t.currency);
	w3w__write_amount(&w, "amount", amount);
	w3w__write_field(&w, "chain", chain_buf);
	w3w__write_field(&w, "to_address", addr_buf);
	return run_transfer(&w, &cmd, "wallet.withdrawn", out);
}

w3w_status w3w__transfer_funds_prepare(w3w__write *w, w3w_cmd_transfer *cmd, w3w_ctx *ctx,
	const w3w_actor *actor, const char *to_user_id, const char *currency, w3w_amount amount,
	const char *idempotency_key)
{
	w3w_status st;

	memset(cmd, 0, sizeof(*cmd));
	if (!ctx)
		return w3w_error_set(W3W_EINVAL, "ctx: NULL");
	if ((st = w3w__check_actor(actor)) ||
	    (st = w3w__check_user_id(cmd->t.to_user_id, to_user_id, "to_user_id")) ||
	    (st = w3w__check_currency(cmd->t.currency, currency, "currency")) ||
	    (st = w3w__check_amount(amount, "amount")))
		return st;
	if (strcmp(cmd->t.to_user_id, actor->user_id) == 0)
		return w3w_error_set(W3W_EINVAL, "to_user_id: cannot transfer to oneself");
	cmd->t.kind = W3W_TRANSFER_TRANSFER;
	strcpy(cmd->t.from_user_id, actor->user_id);
	cmd->t.amount = amount;
	if ((st = w3w__write_begin(w, &cmd->meta, ctx, actor, "wallet.transfer", idempotency_key)) != W3W_OK)
		return st;
	w3w__write_field(w, "to_user_id", cmd->t.to_user_id);
	w3w__write_field(w, "currency", cmd->t.currency);
	w3w__write_amount(w, "amount", amount);
	return transfer_prepare(w, cmd, "wallet.transferred");
}

w3w_status w3w_transfer_funds(w3w_transfer *out, w3w_ctx *ctx, const w3w_actor *actor,
	const char *to_user_id, const char *currency, w3w_amount amount,
	const char *idempotency_key)
{
	w3w_cmd_transfer cmd;
	w3w_transfer result;
	w3w__write w;
	w3w_status st;

	if ((st = w3w__transfer_funds_prepare(&w, &cmd, ctx, actor, to_user_id, currency, amount,
		     idempotency_key)) != W3W_OK)
		return st;
	st = ctx->store.market.transfer(ctx->store.handle, &cmd, &result);
	if (st == W3W_OK && out)
		*out = result;
	return w3w__transfer_finish(&w, st);
}

w3w_status w3w_accounts(w3w_account_list **out, w3w_ctx *ctx, const w3w_actor *actor, const char *user_id)
{
	char uid[W3W_ID_SIZE];
	w3w_status st;

	if (!out || !ctx)
		return w3w_error_set(W3W_EINVAL, "out/ctx: NULL");
	*out = NULL;
	if ((st = w3w__check_actor(actor)) != W3W_OK)
		return st;
	if (user_id && *user_id) {
		if ((st = w3w__check_id(uid, user_id, "user_id")) != W3W_OK)
			return st;
	} else {
		strcpy(uid, actor->user_id);
	}
	if (strcmp(uid, actor->user_id) != 0 &&
	    !w3w__has_role(actor, W3W_ROLE_ADMIN | W3W_ROLE_SERVICE | W3W_ROLE_AUDITOR))
		return w3w_error_set(W3W_EFORBIDDEN, "accounts: another user's accounts need admin, service or auditor");
	const w3w__store *from = w3w__reader(ctx);
	return from->market.accounts(from->handle, uid, out);
}

void w3w_account_list_free(w3w_account_list *list)
{
	if (!list)
		return;
	free(list->items);
	free(list);
}

w3w_status w3w_ledger_totals_get(w3w_ledger_totals *out, w3w_ctx *ctx, const w3w_actor *actor,
	const char *currency)
{
	char cur[W3W_CURRENCY_SIZE];
	w3w_status st;

	if (!out || !ctx)
		return w3w_error_set(W3W_EINVAL, "out/ctx: NULL");
	if ((st = w3w__check_actor(actor)) || (st = w3w__check_currency(cur, currency, "currency")))
		return st;
	if (!w3w__has_role(actor, W3W_ROLE_ADMIN | W3W_ROLE_AUDITOR | W3W_ROLE_SERVICE))
		return w3w_error_set(W3W_EFORBIDDEN, "ledger totals: need admin, auditor or service");
	memset(out, 0, sizeof(*out));
	return ctx->store.market.ledger_totals(ctx->store.handle, cur, out);
}

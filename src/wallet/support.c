/* What every wallet command checks first: storage support and the master key. */
#include <stdio.h>
#include <string.h>

#include "wallet/wallet_internal.h"

w3w_status w3w__wallet_storage(w3w_ctx *ctx, const w3w__store **out)
{
	if (!ctx)
		return w3w_error_set(W3W_EINVAL, "ctx: NULL");
	/* Loading checked the table whole: a backend with half of it would fail mid-command. */
	if (ctx->store.wallet.version == 0)
		return w3w_error_set(W3W_EINVAL, "storage backend has no wallet support (%s)", ctx->store.name);
	*out = &ctx->store;
	return W3W_OK;
}

w3w_status w3w__wallet_need_key(w3w_ctx *ctx)
{
	if (!ctx->has_master_key)
		return w3w_error_set(W3W_EINVAL,
			"options.master_key_hex: not set: wallet keys are disabled in this context");
	return W3W_OK;
}

void w3w__wallet_audit(w3w_ctx *ctx, const w3w_actor *actor, const char *action,
	const char *target_id, w3w_status outcome)
{
	w3w_audit_record rec;
	w3w_status code = w3w_error_code();
	char message[512];

	/* The caller's error (if any) survives the append. */
	snprintf(message, sizeof(message), "%s", w3w_error_message());
	memset(&rec, 0, sizeof(rec));
	w3w_id_new(rec.id, sizeof(rec.id));
	strcpy(rec.actor_id, actor->user_id);
	snprintf(rec.action, sizeof(rec.action), "%s", action);
	snprintf(rec.target_id, sizeof(rec.target_id), "%s", target_id ? target_id : "");
	snprintf(rec.outcome, sizeof(rec.outcome), "%s", w3w_status_name(outcome));
	rec.created_at = w3w_time_now();
	ctx->store.audit.append(ctx->store.handle, &rec);
	if (code != W3W_OK)
		w3w_error_set(code, "%s", message);
	else
		w3w_error_clear();
}

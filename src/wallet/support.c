/* What every wallet command checks first: storage support and the master key. */
#include <stdio.h>
#include <string.h>

#include "core/write.h"
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
	/* Best effort: the wallet command's own answer stands whatever the append says. */
	(void)w3w__audit_append_as(ctx, actor, action, target_id, outcome);
}

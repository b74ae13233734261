/* Deposit wallets: one per user and address family, index allocated by storage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/validate.h"
#include "core/write.h"
#include "crypto/seal.h"
#include "wallet/wallet_internal.h"

/* The fast refusal: no index is spent on a user who already has a wallet there. */
static w3w_status refuse_second(const w3w__store *st, const char *user_id, const char *chain)
{
	w3w_wallets *list = NULL;
	w3w_status rc = st->wallet.wallet_list(st->handle, user_id, &list);

	if (rc != W3W_OK)
		return rc;
	for (size_t i = 0; i < list->count; i++)
		if (strcmp(list->items[i].chain, chain) == 0) {
			rc = w3w_error_set(W3W_ECONFLICT, "chain: user %s already has an %s wallet (%s)",
				user_id, chain, list->items[i].id);
			break;
		}
	w3w_wallets_free(list);
	return rc;
}

static w3w_status insert_wallet(w3w_ctx *ctx, const w3w_actor *actor, w3w_cmd_wallet_create *cmd,
	w3w_wallet *out)
{
	char index_text[24];
	w3w__write w;
	w3w_wallet result;
	w3w_status st;

	if ((st = w3w__write_begin(&w, &cmd->meta, ctx, actor, "wallet.create", NULL)) != W3W_OK)
		return st;
	w3w__write_field(&w, "chain", cmd->w.chain);
	snprintf(index_text, sizeof(index_text), "%lld", (long long)cmd->w.index);
	w3w__write_payload(&w, "wallet_id", cmd->w.id);
	w3w__write_payload(&w, "user_id", cmd->w.user_id);
	w3w__write_payload(&w, "address", cmd->w.address);
	w3w__write_payload(&w, "index", index_text);
	if ((st = w3w__write_prepare(&w, "wallet.created", cmd->w.id, cmd->w.id)) == W3W_OK)
		st = ctx->store.wallet.wallet_create(ctx->store.handle, cmd, &result);
	if (st == W3W_OK && out)
		*out = result;
	return w3w__write_finish(&w, st);
}

/* The address of cmd->w.index, asked of the context's signer (the seed stays there). */
static w3w_status signer_address(w3w_ctx *ctx, const w3w__store *storage, w3w_cmd_wallet_create *cmd)
{
	w3w_signer *s = ctx->signer;
	char again[W3W_ADDRESS_SIZE];
	w3w_status st;

	if (!s->deposit_address)
		return w3w_error_set(W3W_EINVAL, "options.signer_url: signer %s cannot derive deposit addresses", s->name);
	/* Before an index is spent: the signer must be there. */
	if ((st = s->deposit_address(s, cmd->w.chain, 0, again)) != W3W_OK ||
	    (st = storage->wallet.wallet_index_next(storage->handle, cmd->w.chain, &cmd->w.index)) != W3W_OK ||
	    (st = s->deposit_address(s, cmd->w.chain, cmd->w.index, cmd->w.address)) != W3W_OK)
		return st;
	/* What is stored is what this library reads back as an address of that family. */
	if (w3w_address_normalize(again, sizeof(again), cmd->w.chain, cmd->w.address) != W3W_OK ||
	    strcmp(again, cmd->w.address) != 0)
		return w3w_error_set(W3W_EUNAVAILABLE, "signer: answered \"%.64s\", not a canonical %s address",
			cmd->w.address, cmd->w.chain);
	return W3W_OK;
}

w3w_status w3w_wallet_create(w3w_wallet *out, w3w_ctx *ctx, const w3w_actor *actor, const char *chain)
{
	w3w_cmd_wallet_create cmd;
	const w3w__store *storage;
	unsigned char *seed = NULL;
	w3w__family family;
	w3w_status st;

	if ((st = w3w__wallet_storage(ctx, &storage)) || (st = w3w__check_actor(actor)) ||
	    (st = w3w__family_parse(&family, chain, "chain")) || (!ctx->signer && (st = w3w__wallet_need_key(ctx))))
		return st;
	memset(&cmd, 0, sizeof(cmd));
	snprintf(cmd.w.chain, sizeof(cmd.w.chain), "%s", chain);
	strcpy(cmd.w.user_id, actor->user_id);
	if ((st = refuse_second(storage, cmd.w.user_id, cmd.w.chain)) != W3W_OK)
		return st;
	if (ctx->signer) {
		st = signer_address(ctx, storage, &cmd);
	} else if ((st = w3w__seed_get(ctx, actor, 1, &seed)) == W3W_OK) {
		st = storage->wallet.wallet_index_next(storage->handle, cmd.w.chain, &cmd.w.index);
		if (st == W3W_OK)
			st = w3w__derive_address(cmd.w.address, seed, family, cmd.w.index);
		w3w__secret_free(seed);
	}
	if (st != W3W_OK)
		return st;
	w3w_id_new(cmd.w.id, sizeof(cmd.w.id));
	cmd.w.created_at = w3w_time_now();
	return insert_wallet(ctx, actor, &cmd, out);
}

w3w_status w3w_wallet_list(w3w_wallets **out, w3w_ctx *ctx, const w3w_actor *actor, const char *user_id)
{
	char uid[W3W_ID_SIZE];
	const w3w__store *storage;
	w3w_status st;

	if (!out)
		return w3w_error_set(W3W_EINVAL, "out: NULL");
	*out = NULL;
	if ((st = w3w__wallet_storage(ctx, &storage)) || (st = w3w__check_actor(actor)))
		return st;
	if (user_id && *user_id) {
		if ((st = w3w__check_id(uid, user_id, "user_id")) != W3W_OK)
			return st;
	} else {
		strcpy(uid, actor->user_id);
	}
	if (strcmp(uid, actor->user_id) != 0 &&
	    !w3w__has_role(actor, W3W_ROLE_ADMIN | W3W_ROLE_SERVICE | W3W_ROLE_AUDITOR))
		return w3w_error_set(W3W_EFORBIDDEN, "wallets: another user's wallets need admin, service or auditor");
	return storage->wallet.wallet_list(storage->handle, uid, out);
}

void w3w_wallets_free(w3w_wallets *list)
{
	if (!list)
		return;
	free(list->items);
	free(list);
}

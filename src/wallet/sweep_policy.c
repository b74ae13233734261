/*
 * The sweep policy of a chain (w3w_chain_options.sweep_*): per-asset
 * thresholds in base units and the largest gas top-up, read once at open.
 */
#include <stdio.h>
#include <string.h>

#include "crypto/crypto.h"
#include "wallet/wallet_internal.h"

#define TOPUP_MAX_DEFAULT "10000000000000000" /* 0.01 ETH */

w3w_status w3w__sweep_storage(w3w_ctx *ctx, const w3w__store **out)
{
	w3w_status st = w3w__wallet_storage(ctx, out);

	if (st == W3W_OK && !(*out)->wallet.sweep_create)
		return w3w_error_set(W3W_EINVAL, "storage backend has no sweep support (wallet table version %u, sweeps need 4)",
			(*out)->wallet.version);
	return st;
}

/* One CURRENCY=AMOUNT of sweep_thresholds. */
static w3w_status one_threshold(w3w_chain *chain, const char *item, size_t len)
{
	char text[96], *eq;
	const w3w__asset *asset;
	w3w_amount amount;
	size_t i;
	w3w_status st;

	if (len == 0 || len >= sizeof(text))
		return w3w_error_set(W3W_EINVAL, "options.sweep_thresholds: \"%.*s\": expected CURRENCY=AMOUNT", (int)len, item);
	memcpy(text, item, len);
	text[len] = '\0';
	if (!(eq = strchr(text, '=')))
		return w3w_error_set(W3W_EINVAL, "options.sweep_thresholds: \"%s\": expected CURRENCY=AMOUNT", text);
	*eq = '\0';
	if (!(asset = w3w__asset_by_currency(chain, text)))
		return w3w_error_set(W3W_EINVAL, "options.sweep_thresholds: %s is not a currency of options.assets", text);
	if (w3w_amount_parse(&amount, eq + 1) != W3W_OK || amount <= 0)
		return w3w_error_set(W3W_EINVAL, "options.sweep_thresholds: %s=%s: the amount must be a positive decimal",
			text, eq + 1);
	i = (size_t)(asset - chain->assets);
	if (chain->sweep_has[i])
		return w3w_error_set(W3W_EINVAL, "options.sweep_thresholds: %s given twice", text);
	if ((st = w3w__units_to_chain(&chain->sweep_threshold[i], amount, asset->decimals, asset->currency)) != W3W_OK)
		return w3w_error_set(W3W_EINVAL, "options.sweep_thresholds: %s", w3w_error_message());
	if (!asset->native && !w3w__asset_native(chain))
		return w3w_error_set(W3W_EINVAL, "options.sweep_thresholds: sweeping %s needs the native currency in"
			" options.assets (gas and fees are paid in it)", text);
	chain->sweep_has[i] = 1;
	chain->sweep_enabled = 1;
	return W3W_OK;
}

w3w_status w3w__sweep_policy_parse(w3w_chain *chain)
{
	const w3w_chain_options *o = &chain->opts;
	const char *p = o->sweep_thresholds, *topup = o->sweep_topup_max_wei[0] ? o->sweep_topup_max_wei : TOPUP_MAX_DEFAULT;
	w3w_status st;

	if (strspn(topup, "0123456789") != strlen(topup) || w3w__u256_parse(&chain->topup_max, topup, strlen(topup)) != 0)
		return w3w_error_set(W3W_EINVAL, "options.sweep_topup_max_wei: expected wei as a decimal number");
	while (*p) {
		size_t len = strcspn(p, ",");
		if ((st = one_threshold(chain, p, len)) != W3W_OK)
			return st;
		p += len + (p[len] == ',');
	}
	if (o->sweep_interval_ms && !chain->sweep_enabled)
		return w3w_error_set(W3W_EINVAL, "options.sweep_interval_ms: set, but options.sweep_thresholds names no asset");
	return W3W_OK;
}

/*
 * Which ledger currency is which asset on a chain, from the chain options:
 * "ETH=native:18,USDC=0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48:6".
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/validate.h"
#include "crypto/hex.h"
#include "wallet/wallet_internal.h"

#define DECIMALS_MAX 36

static w3w_status parse_one(w3w__asset *a, const char *item, size_t len)
{
	char buf[160], *eq, *colon, *end;
	long dec;
	w3w_status st;

	if (len == 0 || len >= sizeof(buf))
		return w3w_error_set(W3W_EINVAL, "options.assets: entry of %zu characters (expected CURRENCY=ASSET:DECIMALS)", len);
	memcpy(buf, item, len);
	buf[len] = '\0';
	eq = strchr(buf, '=');
	colon = strrchr(buf, ':');
	if (!eq || !colon || colon < eq)
		return w3w_error_set(W3W_EINVAL, "options.assets: \"%s\" is not CURRENCY=ASSET:DECIMALS", buf);
	*eq = *colon = '\0';
	memset(a, 0, sizeof(*a));
	if ((st = w3w__check_currency(a->currency, buf, "options.assets currency")) != W3W_OK)
		return st;
	dec = strtol(colon + 1, &end, 10);
	if (!isdigit((unsigned char)colon[1]) || *end || dec < 0 || dec > DECIMALS_MAX)
		return w3w_error_set(W3W_EINVAL, "options.assets: %s decimals must be 0..%d", a->currency, DECIMALS_MAX);
	a->decimals = (int)dec;
	if (strcmp(eq + 1, "native") == 0) {
		a->native = 1;
		return W3W_OK;
	}
	if ((st = w3w__evm_address_read(a->contract, eq + 1, "options.assets contract")) != W3W_OK)
		return st;
	strcpy(a->contract_hex, "0x");
	w3w__crypto_hex_encode(a->contract_hex + 2, sizeof(a->contract_hex) - 2, a->contract, 20);
	return W3W_OK;
}

w3w_status w3w__assets_parse(w3w__asset *out, size_t *count, const char *text)
{
	size_t n = 0, natives = 0;
	const char *p = text;

	*count = 0;
	while (p && *p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		w3w_status st;
		while (len && *p == ' ') {
			p++;
			len--;
		}
		while (len && p[len - 1] == ' ')
			len--;
		if (n == W3W__ASSETS_MAX)
			return w3w_error_set(W3W_EINVAL, "options.assets: at most %d currencies", W3W__ASSETS_MAX);
		if ((st = parse_one(&out[n], p, len)) != W3W_OK)
			return st;
		for (size_t i = 0; i < n; i++) {
			if (strcmp(out[i].currency, out[n].currency) == 0)
				return w3w_error_set(W3W_EINVAL, "options.assets: %s given twice", out[n].currency);
			if (!out[n].native && !out[i].native && memcmp(out[i].contract, out[n].contract, 20) == 0)
				return w3w_error_set(W3W_EINVAL, "options.assets: %s and %s are the same contract",
					out[i].currency, out[n].currency);
		}
		natives += (size_t)out[n].native;
		if (natives > 1)
			return w3w_error_set(W3W_EINVAL, "options.assets: only one currency can be native");
		n++;
		p = comma ? comma + 1 : NULL;
	}
	*count = n;
	return W3W_OK;
}

const w3w__asset *w3w__asset_by_currency(const w3w_chain *chain, const char *currency)
{
	for (size_t i = 0; i < chain->asset_count; i++)
		if (strcmp(chain->assets[i].currency, currency) == 0)
			return &chain->assets[i];
	return NULL;
}

const w3w__asset *w3w__asset_by_contract(const w3w_chain *chain, const char *addr)
{
	for (size_t i = 0; i < chain->asset_count; i++)
		if (!chain->assets[i].native && strcasecmp(chain->assets[i].contract_hex, addr) == 0)
			return &chain->assets[i];
	return NULL;
}

const w3w__asset *w3w__asset_native(const w3w_chain *chain)
{
	for (size_t i = 0; i < chain->asset_count; i++)
		if (chain->assets[i].native)
			return &chain->assets[i];
	return NULL;
}

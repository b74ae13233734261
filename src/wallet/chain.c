/* A chain: adapter, options, asset map; opened on a context. */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/validate.h"
#include "signer/protocol.h"
#include "wallet/wallet_internal.h"

#define CONFIRMATIONS_MAX 10000
#define SWEEP_MAX_PER_ROUND_DEFAULT 50

static const w3w_chain_options default_options = W3W_CHAIN_OPTIONS_INIT;

w3w_status w3w_chain_options_init(w3w_chain_options *opts, unsigned int version)
{
	if (!opts)
		return w3w_error_set(W3W_EINVAL, "options: NULL");
	if (version != W3W_CHAIN_OPTIONS_VERSION)
		return w3w_error_set(W3W_EVERSION, "chain options: version %u, library has %d", version,
			W3W_CHAIN_OPTIONS_VERSION);
	*opts = default_options;
	return W3W_OK;
}

/* Bytes of the options at each version (index = version; members are only appended). */
static const size_t options_sizes[] = { 0, offsetof(w3w_chain_options, allow_zero_address),
	offsetof(w3w_chain_options, signer_url), offsetof(w3w_chain_options, sweep_thresholds),
	offsetof(w3w_chain_options, replace_after_blocks),
	sizeof(w3w_chain_options) };

/* The caller's options at their version into *o at this library's, later members at their defaults. */
static w3w_status adopt_options(w3w_chain_options *o, const w3w_chain_options *given)
{
	unsigned int version = given->version;

	if (version == 0 || version > W3W_CHAIN_OPTIONS_VERSION)
		return w3w_error_set(W3W_EVERSION, "chain options: version %u, library takes 1 to %d"
			" (use w3w_chain_options_init)", version, W3W_CHAIN_OPTIONS_VERSION);
	*o = default_options;
	memcpy(o, given, options_sizes[version]);
	o->version = W3W_CHAIN_OPTIONS_VERSION;
	return W3W_OK;
}

static w3w_status check_options(w3w_chain_options *o)
{
	if (!memchr(o->adapter, '\0', sizeof(o->adapter)) || !memchr(o->url, '\0', sizeof(o->url)) ||
	    !memchr(o->assets, '\0', sizeof(o->assets)) || !memchr(o->signer_url, '\0', sizeof(o->signer_url)) ||
	    !memchr(o->signer_key_hex, '\0', sizeof(o->signer_key_hex)) ||
	    !memchr(o->sweep_thresholds, '\0', sizeof(o->sweep_thresholds)) ||
	    !memchr(o->sweep_topup_max_wei, '\0', sizeof(o->sweep_topup_max_wei)))
		return w3w_error_set(W3W_EINVAL, "chain options: a text field is not NUL-terminated");
	if (!o->adapter[0])
		strcpy(o->adapter, default_options.adapter);
	if (!o->url[0])
		return w3w_error_set(W3W_EINVAL, "options.url: missing (the node's URL)");
	if (o->confirmations == 0)
		o->confirmations = default_options.confirmations;
	if (o->confirmations < 1 || o->confirmations > CONFIRMATIONS_MAX)
		return w3w_error_set(W3W_EINVAL, "options.confirmations: must be 1..%d", CONFIRMATIONS_MAX);
	if (o->timeout_ms == 0)
		o->timeout_ms = default_options.timeout_ms;
	if (o->timeout_ms < 1 || o->timeout_ms > 600000)
		return w3w_error_set(W3W_EINVAL, "options.timeout_ms: must be 1..600000");
	if (o->max_blocks_per_poll == 0)
		o->max_blocks_per_poll = default_options.max_blocks_per_poll;
	if (o->max_blocks_per_poll < 1 || o->max_blocks_per_poll > 100000)
		return w3w_error_set(W3W_EINVAL, "options.max_blocks_per_poll: must be 1..100000");
	if (o->start_block < -1)
		return w3w_error_set(W3W_EINVAL, "options.start_block: a block number or -1");
	if (o->sweep_interval_ms != 0 && (o->sweep_interval_ms < 10 || o->sweep_interval_ms > 86400000))
		return w3w_error_set(W3W_EINVAL, "options.sweep_interval_ms: 0 (none) or 10..86400000");
	if (o->sweep_max_per_round == 0)
		o->sweep_max_per_round = SWEEP_MAX_PER_ROUND_DEFAULT;
	if (o->sweep_max_per_round < 1 || o->sweep_max_per_round > 10000)
		return w3w_error_set(W3W_EINVAL, "options.sweep_max_per_round: must be 1..10000");
	if (o->replace_after_blocks < 0 || o->replace_after_blocks > 100000)
		return w3w_error_set(W3W_EINVAL, "options.replace_after_blocks: must be 0 (never) ..100000");
	if (o->replace_after_blocks > 0 && o->replace_max_fee_per_gas == 0)
		return w3w_error_set(W3W_EINVAL, "options.replace_max_fee_per_gas: required with replace_after_blocks"
			" (the highest fee per gas, wei, an automatic replacement may offer)");
	return W3W_OK;
}

/* The signer of options.signer_url, else the context's (if any); the key leaves the options copy at once. */
static w3w_status open_signer(w3w_chain *c)
{
	if (!c->opts.signer_url[0]) {
		c->signer = c->ctx->signer;
		return W3W_OK;
	}
	c->owns_signer = 1;
	return w3w__signer_open_options(&c->signer, c->opts.signer_url, c->opts.signer_key_hex,
		sizeof(c->opts.signer_key_hex), c->opts.timeout_ms);
}

static void chain_free(w3w_chain *c)
{
	if (c->adapter)
		c->adapter->free(c->adapter);
	if (c->signer && c->owns_signer)
		c->signer->free(c->signer);
	sodium_memzero(c->opts.signer_key_hex, sizeof(c->opts.signer_key_hex));
	pthread_mutex_destroy(&c->hot_mu);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	free(c);
}

w3w_status w3w_chain_open(w3w_chain **out, w3w_ctx *ctx, const w3w_chain_options *opts)
{
	w3w_chain_adapter_config cfg;
	const w3w__store *storage;
	w3w_chain *c;
	w3w_status st;

	if (!out)
		return w3w_error_set(W3W_EINVAL, "out: NULL");
	*out = NULL;
	if (!opts)
		return w3w_error_set(W3W_EINVAL, "options: NULL");
	if ((st = w3w__wallet_storage(ctx, &storage)) != W3W_OK)
		return st;
	c = calloc(1, sizeof(*c));
	if (!c)
		return w3w_error_set(W3W_ENOMEM, "chain: out of memory");
	pthread_mutex_init(&c->mu, NULL);
	pthread_mutex_init(&c->hot_mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	c->ctx = ctx;
	if ((st = adopt_options(&c->opts, opts)) != W3W_OK || (st = check_options(&c->opts)) != W3W_OK ||
	    (st = open_signer(c)) != W3W_OK ||
	    (st = w3w__assets_parse(c->assets, &c->asset_count, c->opts.assets)) != W3W_OK ||
	    (st = w3w__sweep_policy_parse(c)) != W3W_OK) {
		chain_free(c);
		return st;
	}
	cfg.version = W3W_CHAIN_ADAPTER_CONFIG_VERSION;
	cfg.timeout_ms = c->opts.timeout_ms;
	cfg.chain_id = c->opts.chain_id;
	if ((st = w3w__chain_adapter_open(&c->adapter, c->opts.adapter, c->opts.url, &cfg)) != W3W_OK) {
		chain_free(c);
		return st;
	}
	for (size_t i = 0; i < c->asset_count; i++)
		if (!c->assets[i].native && !c->adapter->logs) {
			st = w3w_error_set(W3W_EINVAL, "options.assets: %s is a token, and adapter %s cannot read logs",
				c->assets[i].currency, c->opts.adapter);
			chain_free(c);
			return st;
		}
	c->chain_id = c->opts.chain_id;
	if (c->chain_id == 0 && (st = c->adapter->chain_id(c->adapter, &c->chain_id)) != W3W_OK) {
		chain_free(c);
		return st;
	}
	if (c->chain_id == 0) {
		chain_free(c);
		return w3w_error_set(W3W_EINVAL, "options.chain_id: the node reports chain id 0");
	}
	snprintf(c->key, sizeof(c->key), "evm:%" PRIu64, c->chain_id);
	*out = c;
	return W3W_OK;
}

void w3w_chain_close(w3w_chain *chain)
{
	if (!chain)
		return;
	w3w_chain_watch_stop(chain);
	chain_free(chain);
}

const char *w3w_chain_key(const w3w_chain *chain)
{
	return chain ? chain->key : "";
}

int w3w_chain_confirmations_required(const w3w_chain *chain)
{
	return chain ? chain->opts.confirmations : 0;
}

w3w_status w3w_chain_confirmations(int64_t *depth, w3w_chain *chain, const char *tx_hash)
{
	w3w_chain_adapter *a;
	w3w_chain_receipt rc;
	uint64_t head = 0;
	w3w_status st;

	if (!depth || !chain)
		return w3w_error_set(W3W_EINVAL, "depth/chain: NULL");
	*depth = 0;
	if (!tx_hash || strlen(tx_hash) != W3W_TX_HASH_SIZE - 1 || strncmp(tx_hash, "0x", 2) != 0 ||
	    strspn(tx_hash + 2, "0123456789abcdefABCDEF") != W3W_TX_HASH_SIZE - 3)
		return w3w_error_set(W3W_EINVAL, "tx_hash: expected 0x and 64 hex digits");
	a = chain->adapter;
	memset(&rc, 0, sizeof(rc));
	if ((st = a->receipt(a, tx_hash, &rc)) == W3W_ENOTFOUND)
		return W3W_OK;
	if (st != W3W_OK || (st = a->head(a, &head)) != W3W_OK)
		return st;
	*depth = head >= rc.block_number ? (int64_t)(head - rc.block_number + 1) : 0;
	return W3W_OK;
}

w3w_status w3w__chain_check_id(w3w_chain *chain)
{
	uint64_t id = 0;
	w3w_status st = chain->adapter->chain_id(chain->adapter, &id);

	if (st != W3W_OK)
		return st;
	if (id != chain->chain_id)
		return w3w_error_set(W3W_EUNAVAILABLE, "chain %s: the node at the configured URL is chain %" PRIu64,
			chain->key, id);
	return W3W_OK;
}

w3w_status w3w_chain_hot_address(char *buf, size_t buflen, w3w_chain *chain, const w3w_actor *actor)
{
	w3w_status st;

	if (!buf || buflen < W3W_ADDRESS_SIZE || !chain)
		return w3w_error_set(W3W_EINVAL, "buf/chain: NULL or buf below %d bytes", W3W_ADDRESS_SIZE);
	if ((st = w3w__check_actor(actor)) != W3W_OK)
		return st;
	if (!w3w__has_role(actor, W3W_ROLE_ADMIN | W3W_ROLE_SERVICE))
		return w3w_error_set(W3W_EFORBIDDEN, "hot wallet: needs admin or service");
	return w3w__hot_address(chain, actor, 1, buf);
}

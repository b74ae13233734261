/*
 * The hot wallet that pays withdrawals: its address and its signatures,
 * from the signer when the chain has one (the seed is then never opened
 * here), else from the key derived from the master seed in this process,
 * held only in locked memory (sodium_malloc) and wiped after each use.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/seal.h"
#include "signer/protocol.h"
#include "wallet/wallet_internal.h"

w3w_status w3w__hot_address(w3w_chain *chain, const w3w_actor *actor, int create, char out[W3W_ADDRESS_SIZE])
{
	unsigned char *seed = NULL;
	w3w_status st;

	if (chain->signer) {
		pthread_mutex_lock(&chain->hot_mu);
		snprintf(out, W3W_ADDRESS_SIZE, "%s", chain->hot_address);
		pthread_mutex_unlock(&chain->hot_mu);
		if (out[0])
			return W3W_OK;
		/* Asked once: a withdrawal can then be held while the signer is down, and signed when it is back. */
		if ((st = chain->signer->address(chain->signer, out)) != W3W_OK)
			return st;
		pthread_mutex_lock(&chain->hot_mu);
		snprintf(chain->hot_address, sizeof(chain->hot_address), "%s", out);
		pthread_mutex_unlock(&chain->hot_mu);
		return W3W_OK;
	}
	if ((st = w3w__seed_get(chain->ctx, actor, create, &seed)) != W3W_OK)
		return st;
	st = w3w__hot_wallet(out, NULL, seed);
	w3w__secret_free(seed);
	return st;
}

/* Sign in process with the key of `index` (the hot key when index < 0), derived into locked memory and wiped. */
static w3w_status sign_with_seed(w3w_chain *chain, const w3w_actor *actor, int64_t index, const w3w_signer_tx *tx,
	unsigned char **raw, size_t *raw_len, unsigned char hash[32])
{
	unsigned char *seed = NULL, *priv = NULL;
	char from[W3W_ADDRESS_SIZE];
	w3w_status st;
	int err;

	if ((st = w3w__seed_get(chain->ctx, actor, 0, &seed)) != W3W_OK)
		return st;
	if (w3w__secret_alloc(&priv, 32) != 0) {
		w3w__secret_free(seed);
		return w3w_error_set(W3W_ENOMEM, "sign: out of memory");
	}
	st = index < 0 ? w3w__hot_wallet(from, priv, seed) : w3w__deposit_key(from, priv, seed, index);
	w3w__secret_free(seed);
	if (st == W3W_OK && (err = w3w__sp_sign(tx, priv, raw, raw_len, hash)) != 0)
		st = w3w_error_set(w3w__crypto_status(err), "sign: %s", w3w__crypto_strerror(err));
	w3w__secret_free(priv);
	return st;
}

w3w_status w3w__hot_sign(w3w_chain *chain, const w3w_actor *actor, const w3w_signer_tx *tx, unsigned char **raw,
	size_t *raw_len, unsigned char hash[32])
{
	if (chain->signer)
		return chain->signer->sign_tx(chain->signer, tx, raw, raw_len, hash);
	return sign_with_seed(chain, actor, -1, tx, raw, raw_len, hash);
}

w3w_status w3w__custody_sign(w3w_chain *chain, const w3w_actor *actor, w3w_signer_purpose purpose, int64_t index,
	const w3w_signer_tx *tx, unsigned char **raw, size_t *raw_len, unsigned char hash[32])
{
	w3w_signer *s = chain->signer;

	if (!s)
		return sign_with_seed(chain, actor, purpose == W3W_SIGNER_SWEEP ? index : -1, tx, raw, raw_len, hash);
	/* A version 1 signer's table ends before sign_custody_tx. */
	if (s->version < 2 || !s->sign_custody_tx)
		return w3w_error_set(W3W_EINVAL, "signer %s cannot sign sweeps (no sign_custody_tx)", s->name);
	return s->sign_custody_tx(s, purpose, index, tx, raw, raw_len, hash);
}

void w3w__hot_defer(w3w_chain *chain, const char *id)
{
	pthread_mutex_lock(&chain->hot_mu);
	/* A ring: when full, the oldest is forgotten and waits for the follower's grace period instead. */
	snprintf(chain->deferred[chain->deferred_next], W3W_ID_SIZE, "%s", id);
	chain->deferred_next = (chain->deferred_next + 1) % W3W__DEFERRED_MAX;
	pthread_mutex_unlock(&chain->hot_mu);
}

int w3w__hot_deferred(w3w_chain *chain, const char *id)
{
	int found = 0;

	/* Stale entries are harmless: only held withdrawals are looked up. */
	pthread_mutex_lock(&chain->hot_mu);
	for (size_t i = 0; i < W3W__DEFERRED_MAX && !found; i++)
		found = strcmp(chain->deferred[i], id) == 0;
	pthread_mutex_unlock(&chain->hot_mu);
	return found;
}

/*
 * Chain adapters by name: the built-in "evm" (when built with libcurl)
 * and whatever hosts register through w3wallet/sys/chain.h.
 */
#include <pthread.h>
#include <string.h>

#include "wallet/wallet_internal.h"

#define NAME_MAX_LEN 31
#define ADAPTERS_MAX 16

static struct {
	char name[NAME_MAX_LEN + 1];
	w3w_chain_adapter_open_fn open;
} adapters[ADAPTERS_MAX];
static size_t adapter_count;
static pthread_mutex_t adapters_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t builtins_once = PTHREAD_ONCE_INIT;

static w3w_status add(const char *name, w3w_chain_adapter_open_fn open)
{
	w3w_status st = W3W_OK;
	size_t i;

	if (!name || !*name || strlen(name) > NAME_MAX_LEN || !open)
		return w3w_error_set(W3W_EINVAL, "chain adapter: name must be 1..%d characters and open non-NULL",
			NAME_MAX_LEN);
	pthread_mutex_lock(&adapters_lock);
	for (i = 0; i < adapter_count; i++)
		if (strcmp(adapters[i].name, name) == 0)
			break;
	if (i == ADAPTERS_MAX) {
		st = w3w_error_set(W3W_ENOMEM, "chain adapter: registry full");
	} else {
		strcpy(adapters[i].name, name);
		adapters[i].open = open;
		if (i == adapter_count)
			adapter_count++;
	}
	pthread_mutex_unlock(&adapters_lock);
	return st;
}

static void register_builtins(void)
{
#ifdef W3W_WITH_CHAIN
	add("evm", w3w_chain_adapter_evm_open);
#endif
}

w3w_status w3w_chain_adapter_register(const char *name, w3w_chain_adapter_open_fn open)
{
	pthread_once(&builtins_once, register_builtins);
	return add(name, open);
}

#ifndef W3W_WITH_CHAIN
w3w_status w3w_chain_adapter_evm_open(w3w_chain_adapter **out, const char *url,
	const w3w_chain_adapter_config *cfg)
{
	(void)url;
	(void)cfg;
	if (out)
		*out = NULL;
	return w3w_error_set(W3W_EINVAL, "chain adapter evm: this build has no libcurl");
}
#endif

w3w_status w3w__chain_adapter_open(w3w_chain_adapter **out, const char *name, const char *url,
	const w3w_chain_adapter_config *cfg)
{
	w3w_chain_adapter_open_fn open = NULL;
	w3w_chain_adapter *a = NULL;
	w3w_status st;

	pthread_once(&builtins_once, register_builtins);
	pthread_mutex_lock(&adapters_lock);
	for (size_t i = 0; i < adapter_count; i++)
		if (strcmp(adapters[i].name, name) == 0)
			open = adapters[i].open;
	pthread_mutex_unlock(&adapters_lock);
	*out = NULL;
	if (!open)
		return w3w_error_set(W3W_EINVAL, "adapter: no chain adapter named \"%s\"%s", name,
			strcmp(name, "evm") == 0 ? " (this build has no libcurl)" : "");
	if ((st = open(&a, url, cfg)) != W3W_OK)
		return st;
	if (!a || a->version != W3W_CHAIN_ADAPTER_VERSION || !a->chain_id || !a->head || !a->block ||
	    !a->block_free || !a->receipt || !a->nonce || !a->fees || !a->estimate_gas || !a->send_raw ||
	    !a->free) {
		unsigned int v = a ? a->version : 0;
		if (a && a->free)
			a->free(a);
		return w3w_error_set(W3W_EVERSION, "chain adapter %s: interface version %u (expected %d) or a"
			" required member missing", name, v, W3W_CHAIN_ADAPTER_VERSION);
	}
	*out = a;
	return W3W_OK;
}

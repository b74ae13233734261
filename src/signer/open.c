/* The signer named by a context's or a chain's options: opened, and its key wiped from those options. */
#include <sodium.h>

#include "core/registry.h"
#include "signer/protocol.h"

w3w_status w3w__signer_open_options(w3w_signer **out, const char *url, char *key_hex, size_t key_size,
	int timeout_ms)
{
	w3w_signer_config cfg;
	w3w_status st;

	cfg.version = W3W_SIGNER_CONFIG_VERSION;
	cfg.timeout_ms = timeout_ms;
	cfg.key_hex = key_hex;
	st = w3w__signer_open_url(out, url, &cfg);
	sodium_memzero(key_hex, key_size);
	return st;
}

/*
 * What every backend author needs: the configuration handed to backend
 * constructors, and error reporting.
 */
#ifndef W3WALLET_SYS_BACKEND_H
#define W3WALLET_SYS_BACKEND_H

#include "w3wallet/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define W3W_BACKEND_CONFIG_VERSION 1

typedef struct w3w_backend_config {
	unsigned int version;
	int pool_size;      /**< connections a storage backend may open */
	int timeout_ms;     /**< connect and command timeout of network backends */
	const char *region;
} w3w_backend_config;

/**
 * Set the calling thread's last error (see w3w_error_message()) and return
 * `status`, so a backend can write `return w3w_error_set(W3W_ENOTFOUND,
 * "order %s", id);`. Never put secrets in messages.
 */
W3W_EXTERN w3w_status w3w_error_set(w3w_status status, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

/** Called for each non-empty `name=value` option of a URL's query: `option` is not NUL-terminated. */
typedef w3w_status (*w3w_url_option_fn)(void *arg, const char *option, size_t len);

/**
 * Split a URL's query ("a=1&b=2", with or without its leading '?'; NULL is
 * none) at '&' and hand each non-empty option to `fn`, stopping at the
 * first status that is not W3W_OK and returning it. For backend authors:
 * the one way the built-in backends read their URL options.
 */
W3W_EXTERN w3w_status w3w_url_options_each(const char *query, w3w_url_option_fn fn, void *arg);

#ifdef __cplusplus
}
#endif
#endif

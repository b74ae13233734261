/*
 * Backends are chosen at open time from the URL scheme. Built-ins are
 * registered on first use; hosts may add or replace schemes.
 */
#include <pthread.h>
#include <string.h>

#include "core/registry.h"
#include "w3wallet/sys/chain.h"
#include "w3wallet/sys/kafka.h"
#include "w3wallet/sys/redis.h"
#include "w3wallet/sys/signer.h"

#define SCHEME_MAX 32  /* a URL scheme or a chain adapter's name, NUL included */
#define REGISTRY_MAX 16

typedef void (*any_open_fn)(void);

struct registry {
	const char *kind;
	size_t count;
	struct {
		char scheme[SCHEME_MAX];
		any_open_fn open;
	} entries[REGISTRY_MAX];
};

static struct registry storages = { "storage", 0, {{{0}, 0}} };
static struct registry caches = { "cache", 0, {{{0}, 0}} };
static struct registry sinks = { "events", 0, {{{0}, 0}} };
static struct registry sources = { "event source", 0, {{{0}, 0}} };
static struct registry adapters = { "chain adapter", 0, {{{0}, 0}} };
static struct registry signers = { "signer", 0, {{{0}, 0}} };
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t builtins_once = PTHREAD_ONCE_INIT;

static w3w_status registry_add(struct registry *r, const char *scheme, any_open_fn open)
{
	w3w_status st = W3W_OK;
	size_t i;

	if (!scheme || !*scheme || strlen(scheme) >= SCHEME_MAX || !open)
		return w3w_error_set(W3W_EINVAL, "%s backend: scheme must be 1..%d characters and open non-NULL",
			r->kind, SCHEME_MAX - 1);
	pthread_mutex_lock(&registry_lock);
	for (i = 0; i < r->count; i++)
		if (strcmp(r->entries[i].scheme, scheme) == 0)
			break;
	if (i == REGISTRY_MAX) {
		st = w3w_error_set(W3W_ENOMEM, "%s backend: registry full", r->kind);
	} else {
		strcpy(r->entries[i].scheme, scheme);
		r->entries[i].open = open;
		if (i == r->count)
			r->count++;
	}
	pthread_mutex_unlock(&registry_lock);
	return st;
}

/* Casts between function pointer types are fine as long as we call through the right one. */
#define ADD(r, scheme, fn) registry_add(&(r), (scheme), (any_open_fn)(fn))

/* Every built-in is registered, also one built without its client library: it says so when opened. */
static void register_builtins(void)
{
	ADD(storages, "sqlite", w3w_storage_sqlite_open);
	ADD(storages, "postgres", w3w_storage_postgres_open);
	ADD(storages, "postgresql", w3w_storage_postgres_open);
	ADD(caches, "memory", w3w__cache_memory_open);
	ADD(caches, "none", w3w__cache_none_open);
	ADD(caches, "redis", w3w_cache_redis_open);
	ADD(sinks, "file", w3w__event_sink_file_open);
	ADD(sinks, "kafka", w3w_event_sink_kafka_open);
	ADD(sources, "kafka", w3w_event_source_kafka_open);
	ADD(adapters, "evm", w3w_chain_adapter_evm_open);
	ADD(signers, "unix", w3w_signer_unix_open);
}

/* The scheme of "sqlite:x", "redis://h", or a libpq conninfo ("host=... dbname=...") -> "postgres". */
static void url_scheme(char out[SCHEME_MAX], const char *url)
{
	size_t n = strcspn(url, ":");
	out[0] = '\0';
	if (url[n] == ':' && n > 0 && n < SCHEME_MAX) {
		memcpy(out, url, n);
		out[n] = '\0';
		return;
	}
	if (strchr(url, '=') != NULL)
		strcpy(out, "postgres");
}

static any_open_fn find_name(struct registry *r, const char *name)
{
	any_open_fn fn = NULL;

	pthread_once(&builtins_once, register_builtins);
	pthread_mutex_lock(&registry_lock);
	for (size_t i = 0; i < r->count; i++)
		if (strcmp(r->entries[i].scheme, name) == 0)
			fn = r->entries[i].open;
	pthread_mutex_unlock(&registry_lock);
	return fn;
}

static any_open_fn registry_find(struct registry *r, const char *url)
{
	char scheme[SCHEME_MAX];
	any_open_fn fn;

	url_scheme(scheme, url);
	if (!(fn = find_name(r, scheme)))
		w3w_error_set(W3W_EINVAL, "%s URL: unknown scheme '%s'", r->kind, scheme);
	return fn;
}

w3w_status w3w_storage_register(const char *scheme, w3w_storage_open_fn open)
{
	pthread_once(&builtins_once, register_builtins);
	return ADD(storages, scheme, open);
}

w3w_status w3w_cache_register(const char *scheme, w3w_cache_open_fn open)
{
	pthread_once(&builtins_once, register_builtins);
	return ADD(caches, scheme, open);
}

w3w_status w3w_event_sink_register(const char *scheme, w3w_event_sink_open_fn open)
{
	pthread_once(&builtins_once, register_builtins);
	return ADD(sinks, scheme, open);
}

w3w_status w3w_event_source_register(const char *scheme, w3w_event_source_open_fn open)
{
	pthread_once(&builtins_once, register_builtins);
	return ADD(sources, scheme, open);
}

w3w_status w3w_chain_adapter_register(const char *name, w3w_chain_adapter_open_fn open)
{
	pthread_once(&builtins_once, register_builtins);
	return ADD(adapters, name, open);
}

w3w_status w3w_signer_register(const char *scheme, w3w_signer_open_fn open)
{
	pthread_once(&builtins_once, register_builtins);
	return ADD(signers, scheme, open);
}

/*
 * A backend of any interface version from 1 to this library's loads
 * (members are only appended; one past a backend's version counts as
 * absent). The caller frees a backend refused here.
 */
static w3w_status check_version(const char *kind, unsigned int version, unsigned int current)
{
	if (version >= 1 && version <= current)
		return W3W_OK;
	return w3w_error_set(W3W_EVERSION, "%s: interface version %u, this library loads 1 to %u", kind, version,
		current);
}

w3w_status w3w__storage_open_url(w3w_storage **out, const char *url, const w3w_backend_config *cfg)
{
	w3w_storage_open_fn fn = (w3w_storage_open_fn)registry_find(&storages, url);
	if (!fn)
		return W3W_EINVAL;
	/* Its versions and tables are checked where core adopts them (store.c). */
	return fn(out, url, cfg);
}

w3w_status w3w__cache_open_url(w3w_cache **out, const char *url, const w3w_backend_config *cfg)
{
	w3w_cache_open_fn fn = (w3w_cache_open_fn)registry_find(&caches, url);
	w3w_status st;
	if (!fn)
		return W3W_EINVAL;
	if ((st = fn(out, url, cfg)) != W3W_OK)
		return st;
	if ((st = check_version("cache backend", (*out)->version, W3W_CACHE_VERSION)) != W3W_OK) {
		if ((*out)->free)
			(*out)->free(*out);
		*out = NULL;
	}
	return st;
}

w3w_status w3w__event_sink_open_url(w3w_event_sink **out, const char *url, const w3w_backend_config *cfg)
{
	w3w_event_sink_open_fn fn = (w3w_event_sink_open_fn)registry_find(&sinks, url);
	w3w_status st;
	if (!fn)
		return W3W_EINVAL;
	if ((st = fn(out, url, cfg)) != W3W_OK)
		return st;
	if ((st = check_version("event sink", (*out)->version, W3W_EVENT_SINK_VERSION)) != W3W_OK) {
		if ((*out)->free)
			(*out)->free(*out);
		*out = NULL;
	}
	return st;
}

w3w_status w3w__event_source_open_url(w3w_event_source **out, const char *url, const w3w_backend_config *cfg)
{
	w3w_event_source_open_fn fn = (w3w_event_source_open_fn)registry_find(&sources, url);
	w3w_status st;
	if (!fn)
		return W3W_EINVAL;
	if ((st = fn(out, url, cfg)) != W3W_OK)
		return st;
	if ((st = check_version("event source", (*out)->version, W3W_EVENT_SOURCE_VERSION)) != W3W_OK) {
		if ((*out)->free)
			(*out)->free(*out);
		*out = NULL;
	}
	return st;
}

w3w_status w3w__chain_adapter_open(w3w_chain_adapter **out, const char *name, const char *url,
	const w3w_chain_adapter_config *cfg)
{
	w3w_chain_adapter_open_fn fn = (w3w_chain_adapter_open_fn)find_name(&adapters, name ? name : "");
	w3w_chain_adapter *a = NULL;
	w3w_status st;

	*out = NULL;
	if (!fn)
		return w3w_error_set(W3W_EINVAL, "adapter: no chain adapter named \"%s\"", name ? name : "");
	if ((st = fn(&a, url, cfg)) != W3W_OK)
		return st;
	if (!a)
		return w3w_error_set(W3W_EINTERNAL, "chain adapter %s: open returned nothing", name);
	if ((st = check_version("chain adapter", a->version, W3W_CHAIN_ADAPTER_VERSION)) != W3W_OK) {
		if (a->free)
			a->free(a);
		return st;
	}
	if (!a->chain_id || !a->head || !a->block || !a->block_free || !a->receipt || !a->nonce || !a->fees ||
	    !a->estimate_gas || !a->send_raw || !a->free) {
		if (a->free)
			a->free(a);
		return w3w_error_set(W3W_EINVAL, "chain adapter %s: a required member is NULL", name);
	}
	*out = a;
	return W3W_OK;
}

w3w_status w3w__signer_open_url(w3w_signer **out, const char *url, const w3w_signer_config *cfg)
{
	w3w_signer_open_fn fn = (w3w_signer_open_fn)registry_find(&signers, url);
	w3w_signer *s = NULL;
	w3w_status st;

	*out = NULL;
	if (!fn)
		return W3W_EINVAL;
	if ((st = fn(&s, url, cfg)) != W3W_OK)
		return st;
	if (!s)
		return w3w_error_set(W3W_EINTERNAL, "signer %s: open returned nothing", url);
	if ((st = check_version("signer", s->version, W3W_SIGNER_VERSION)) != W3W_OK ||
	    (!s->address || !s->sign_tx || !s->free)) {
		if (s->free)
			s->free(s);
		return st != W3W_OK ? st : w3w_error_set(W3W_EINVAL, "signer: a required member is NULL");
	}
	*out = s;
	return W3W_OK;
}

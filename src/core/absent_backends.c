/*
 * The open functions of optional backends this build was made without:
 * each exists in every build (no link error for a host that names it) and
 * says what is missing.
 */
#include "w3wallet/sys/chain.h"
#include "w3wallet/sys/kafka.h"
#include "w3wallet/sys/redis.h"
#include "w3wallet/sys/storage.h"

#define ABSENT(what, lib) w3w_error_set(W3W_EINVAL, what ": this build has no " lib " (built without it)")

#ifndef W3W_WITH_POSTGRES
w3w_status w3w_storage_postgres_open(w3w_storage **out, const char *url, const w3w_backend_config *cfg)
{
	(void)url, (void)cfg;
	if (out)
		*out = NULL;
	return ABSENT("postgres storage", "libpq");
}
#endif

#ifndef W3W_WITH_REDIS
w3w_status w3w_cache_redis_open(w3w_cache **out, const char *url, const w3w_backend_config *cfg)
{
	(void)url, (void)cfg;
	if (out)
		*out = NULL;
	return ABSENT("redis cache", "hiredis");
}
#endif

#ifndef W3W_WITH_KAFKA
w3w_status w3w_event_sink_kafka_open(w3w_event_sink **out, const char *url, const w3w_backend_config *cfg)
{
	(void)url, (void)cfg;
	if (out)
		*out = NULL;
	return ABSENT("kafka event sink", "librdkafka");
}

w3w_status w3w_event_source_kafka_open(w3w_event_source **out, const char *url, const w3w_backend_config *cfg)
{
	(void)url, (void)cfg;
	if (out)
		*out = NULL;
	return ABSENT("kafka event source", "librdkafka");
}
#endif

#ifndef W3W_WITH_CHAIN
w3w_status w3w_chain_adapter_evm_open(w3w_chain_adapter **out, const char *url,
	const w3w_chain_adapter_config *cfg)
{
	(void)url, (void)cfg;
	if (out)
		*out = NULL;
	return ABSENT("chain adapter evm", "libcurl");
}
#endif

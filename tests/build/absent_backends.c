/*
 * A library built without libpq, hiredis, librdkafka and libcurl: every
 * optional backend's open function still links, and opening one says what
 * the build lacks (W3W_EINVAL), directly and through a context's URLs.
 */
#include <stdio.h>
#include <string.h>

#include <w3wallet.h>
#include <w3wallet/sys/chain.h>
#include <w3wallet/sys/kafka.h>
#include <w3wallet/sys/redis.h>
#include <w3wallet/sys/storage.h>

static int failures;

static void expect(const char *what, w3w_status st, const char *needle)
{
	if (st != W3W_EINVAL || !strstr(w3w_error_message(), needle)) {
		fprintf(stderr, "FAIL %s: %s: %s (wanted EINVAL naming %s)\n", what, w3w_status_name(st),
			w3w_error_message(), needle);
		failures++;
	} else {
		printf("ok   %s: %s\n", what, w3w_error_message());
	}
}

static w3w_status ctx_with(const char *storage, const char *cache, const char *events)
{
	w3w_options o;
	w3w_ctx *ctx = NULL;
	w3w_status st;

	w3w_options_init(&o, W3W_OPTIONS_VERSION);
	snprintf(o.storage_url, sizeof(o.storage_url), "%s", storage);
	snprintf(o.cache_url, sizeof(o.cache_url), "%s", cache);
	snprintf(o.events_url, sizeof(o.events_url), "%s", events);
	o.background_relay = 0;
	st = w3w_ctx_open(&ctx, &o);
	w3w_ctx_close(ctx);
	return st;
}

int main(int argc, char **argv)
{
	w3w_storage *st = NULL;
	w3w_cache *c = NULL;
	w3w_event_sink *sink = NULL;
	w3w_event_source *src = NULL;
	w3w_chain_adapter *a = NULL;
	char sqlite[300];

	snprintf(sqlite, sizeof(sqlite), "sqlite:%s", argc > 1 ? argv[1] : ":memory:");
	expect("w3w_storage_postgres_open", w3w_storage_postgres_open(&st, "postgres://127.0.0.1/x", NULL), "libpq");
	expect("w3w_cache_redis_open", w3w_cache_redis_open(&c, "redis://127.0.0.1", NULL), "hiredis");
	expect("w3w_event_sink_kafka_open", w3w_event_sink_kafka_open(&sink, "kafka://127.0.0.1", NULL), "librdkafka");
	expect("w3w_event_source_kafka_open", w3w_event_source_kafka_open(&src, "kafka://127.0.0.1", NULL), "librdkafka");
	expect("w3w_chain_adapter_evm_open", w3w_chain_adapter_evm_open(&a, "http://127.0.0.1:1", NULL), "libcurl");
	expect("storage_url postgres://", ctx_with("postgres://127.0.0.1/x", "none:", ""), "libpq");
	expect("cache_url redis://", ctx_with(sqlite, "redis://127.0.0.1:1", ""), "hiredis");
	expect("events_url kafka://", ctx_with(sqlite, "none:", "kafka://127.0.0.1:1/t"), "librdkafka");
	if (st || c || sink || src || a) {
		fprintf(stderr, "FAIL an absent backend left a handle behind\n");
		failures++;
	}
	return failures ? 1 : 0;
}

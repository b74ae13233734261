/*
 * The serve lifecycle: secrets, library context, listeners, then wait for
 * SIGTERM/SIGINT and shut down in order — stop accepting, finish in-flight
 * requests, close connections, close the context (its relay drains the
 * outbox), exit 0.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "chains.h"
#include "checks.h"
#include "http.h"
#include "keys.h"
#include "log.h"
#include "metrics.h"
#include "otlp.h"
#include "serve.h"
#include "server.h"
#include "walkthrough.h"

/* The scheme of a backend URL only: URLs may carry passwords. */
static void scheme_of(char *out, size_t size, const char *url)
{
	size_t n = strcspn(url, ":");
	if (!url[0])
		n = 0;
	snprintf(out, size, "%.*s", (int)(n < size ? n : size - 1), url);
	if (!out[0])
		snprintf(out, size, "none");
}

static int open_library(struct server *srv, const config *cfg, const char *master_hex, const char *signer_key_hex)
{
	w3w_options opts;
	w3w_status st;
	w3w_options_init(&opts, W3W_OPTIONS_VERSION);
	snprintf(opts.storage_url, sizeof(opts.storage_url), "%s", cfg->storage);
	snprintf(opts.cache_url, sizeof(opts.cache_url), "%s", cfg->cache);
	snprintf(opts.events_url, sizeof(opts.events_url), "%s", cfg->events);
	snprintf(opts.region, sizeof(opts.region), "%s", cfg->region);
	memcpy(opts.master_key_hex, master_hex, sizeof(opts.master_key_hex));
	/* With --signer the wallet keys stay in w3wallet-signer: deposit addresses and signatures come from it. */
	snprintf(opts.signer_url, sizeof(opts.signer_url), "%s", cfg->signer);
	memcpy(opts.signer_key_hex, signer_key_hex, sizeof(opts.signer_key_hex));
	opts.pool_size = cfg->pool_size;
	snprintf(opts.read_storage_url, sizeof(opts.read_storage_url), "%s", cfg->read_storage);
	opts.max_replica_lag_ms = cfg->max_replica_lag_ms;
	snprintf(opts.cache_follow_url, sizeof(opts.cache_follow_url), "%s", cfg->cache_follow);
	if (otlp_running() || log_enabled(LOG_DEBUG))
		opts.tracer = otlp_tracer();
	st = w3w_ctx_open(&srv->ctx, &opts);
	sodium_memzero(opts.master_key_hex, sizeof(opts.master_key_hex));
	sodium_memzero(opts.signer_key_hex, sizeof(opts.signer_key_hex));
	if (st != W3W_OK) {
		fprintf(stderr, "w3wallet-server: cannot open the library: %s (%s)\n", w3w_error_message(), w3w_status_name(st));
		return -1;
	}
	return 0;
}

static void wait_for_in_flight(int timeout_s)
{
	struct timespec step = { 0, 20 * 1000 * 1000 };
	int64_t deadline = w3w_time_now() + (int64_t)timeout_s * 1000000;
	while (metrics_in_flight_now() > 0 && w3w_time_now() < deadline)
		nanosleep(&step, NULL);
}

int serve(const config *cfg)
{
	static struct server srv; /* lives as long as the process: handlers reach it through exchanges */
	char master_hex[65], signer_key_hex[65], bound[300] = "", metrics_bound[300] = "", self_id[W3W_ID_SIZE], scheme[32], url[320];
	http_listener *api = NULL, *metrics = NULL;
	sigset_t stop;
	int sig = 0, rc = 1;
	cJSON *f;

	/*
	 * Before any thread exists (the exporter's, the library's relay): every thread inherits
	 * the mask, so SIGTERM and SIGINT reach only sigwait() below. A thread started without
	 * it could take SIGTERM itself, and its default action ends the process undrained.
	 */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	memset(&srv, 0, sizeof(srv));
	srv.cfg = cfg;
	log_set_level(log_level_parse(cfg->log_level));
	metrics_init();
	/* Refuse bad options before the data directory, keys or database are made. */
	if (checks_configure(cfg) != 0)
		return 1;
	if (cfg->otlp_endpoint[0] && otlp_start(cfg->otlp_endpoint, cfg->otlp_queue) != 0)
		return 1;
	if (keys_load(cfg, &srv.keys, master_hex) != 0 || keys_signer(cfg, signer_key_hex) != 0 ||
	    open_library(&srv, cfg, master_hex, signer_key_hex) != 0) {
		sodium_memzero(master_hex, sizeof(master_hex));
		sodium_memzero(signer_key_hex, sizeof(signer_key_hex));
		auth_clear(&srv.keys);
		otlp_stop();
		return 1;
	}
	sodium_memzero(master_hex, sizeof(master_hex));
	sodium_memzero(signer_key_hex, sizeof(signer_key_hex));
	w3w_id_new(self_id, sizeof(self_id));
	w3w_actor_init(&srv.self, self_id, W3W_ROLE_SERVICE);
	srv.metrics_separate = cfg->metrics_listen[0] != '\0';
	log_set_access(cfg->access_log);

	if (keys_check_seed(srv.ctx, &srv.self, cfg) != 0 || checks_start(srv.ctx, cfg) != 0 ||
	    chains_start(srv.ctx, cfg, &srv.self) != 0)
		goto out;
	api = http_listen(&srv, cfg->listen, 0, bound, sizeof(bound));
	if (!api)
		goto out;
	if (srv.metrics_separate && !(metrics = http_listen(&srv, cfg->metrics_listen, 1, metrics_bound, sizeof(metrics_bound))))
		goto out;

	f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "listen", bound);
	if (metrics)
		cJSON_AddStringToObject(f, "metrics_listen", metrics_bound);
	cJSON_AddBoolToObject(f, "tls", cfg->tls_cert[0] != '\0');
	scheme_of(scheme, sizeof(scheme), cfg->storage);
	cJSON_AddStringToObject(f, "storage", scheme);
	scheme_of(scheme, sizeof(scheme), cfg->cache);
	cJSON_AddStringToObject(f, "cache", scheme);
	scheme_of(scheme, sizeof(scheme), cfg->events);
	cJSON_AddStringToObject(f, "events", scheme);
	cJSON_AddNumberToObject(f, "chains", cfg->chain_count);
	cJSON_AddNumberToObject(f, "threads", cfg->threads);
	cJSON_AddNumberToObject(f, "max_connections", cfg->max_connections);
	cJSON_AddStringToObject(f, "jwt_alg", srv.keys.alg == AUTH_EDDSA ? "EdDSA" : "HS256");
	cJSON_AddStringToObject(f, "version", w3w_version());
	log_lifecycle("ready", f);

	if (cfg->walkthrough) {
		snprintf(url, sizeof(url), "%s://%s", cfg->tls_cert[0] ? "https" : "http", bound);
		walkthrough_print(stdout, &srv, url);
	}

	while (sigwait(&stop, &sig) != 0)
		;
	f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "signal", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	cJSON_AddNumberToObject(f, "in_flight", (double)metrics_in_flight_now());
	log_lifecycle("draining", f);
	atomic_store(&srv.draining, 1);
	http_quiesce(api);
	http_quiesce(metrics);
	wait_for_in_flight(cfg->drain_timeout_s);
	rc = 0;
out:
	http_stop(api);
	http_stop(metrics);
	checks_stop();
	chains_stop();
	w3w_ctx_close(srv.ctx); /* stops the relay after a last drain of the outbox */
	otlp_stop();           /* after the relay: its last publish spans are exported too */
	auth_clear(&srv.keys);
	if (rc == 0)
		log_lifecycle("stopped", NULL);
	return rc;
}

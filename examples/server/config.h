/*
 * Configuration from flags and environment (flags win). Secrets come only
 * from the environment or files in the data directory, never from flags
 * (they would show in `ps`).
 */
#ifndef W3W_SERVER_CONFIG_H
#define W3W_SERVER_CONFIG_H

#include <limits.h>
#include <stdio.h>

#include <w3wallet.h>

enum command { CMD_SERVE = 1, CMD_TOKEN = 2 };

/** Chains the server serves at most. */
#define CHAINS_MAX 8
/** All --chain values (and W3W_CHAINS, --chains-file lines), joined by newlines. */
#define CHAIN_SPECS_SIZE 16384

/** One configured chain (chain_spec.c): the operator's name for it and its options. */
typedef struct chain_spec {
	char name[32];
	w3w_chain_options opts;
} chain_spec;

typedef struct config {
	enum command command;
	char listen[256];          /**< host:port of the API */
	char metrics_listen[256];  /**< host:port of /metrics, "" = on the API listener */
	char storage[W3W_URL_SIZE];
	char read_storage[W3W_URL_SIZE];  /**< "" = no read replica */
	int max_replica_lag_ms;
	char cache_follow[W3W_URL_SIZE];  /**< "" = the cache follows this region's relays only */
	char cache[W3W_URL_SIZE];
	char events[W3W_URL_SIZE];
	char data_dir[PATH_MAX];
	char region[W3W_REGION_SIZE];
	char tls_cert[PATH_MAX];
	char tls_key[PATH_MAX];
	char signer[W3W_URL_SIZE]; /**< "" = withdrawals signed in process; "unix:PATH" = by w3wallet-signer */
	int threads;               /**< HTTP worker threads (each blocks on storage calls) */
	int pool_size;             /**< storage connections */
	int max_connections;
	int idle_timeout_s;
	int drain_timeout_s;
	double rate_per_s;         /**< per-user token bucket; 0 = off */
	double burst;
	int access_log;
	char log_level[8];         /**< debug, info, warn or error: lines below it are not written */
	char otlp_endpoint[W3W_URL_SIZE]; /**< "" = no span export; else http://host:port[/path] */
	int otlp_queue;            /**< spans waiting for export at most; more are dropped and counted */
	int walkthrough;
	int check_interval_s;      /**< period of the background checks (checks.h); 0 = off */
	char check_currencies[200]; /**< currencies whose conservation is checked, comma separated */
	char admin_dir[PATH_MAX]; /**< the dashboard's static files (/admin/) */
	char chain_specs[CHAIN_SPECS_SIZE]; /**< --chain values, newline separated */
	char chains_file[PATH_MAX];  /**< more of them, one a line */
	int chain_poll_ms;           /**< period of each chain's deposit watcher */
	chain_spec chains[CHAINS_MAX];
	int chain_count;
	/* token command */
	char sub[64];
	char roles[128];
	long ttl_s;
} config;

/** Parse argv (after the subcommand) and the environment. Prints the problem and returns -1 on error. */
int config_parse(config *cfg, enum command command, int argc, char **argv);

/** Print usage to `out`. */
void config_usage(FILE *out);

#endif

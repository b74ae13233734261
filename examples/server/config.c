/* Flags and environment -> config (see config.h and docs/server.md). */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "chain_spec.h"
#include "config.h"
#include "log.h"

enum kind { TEXT, INT, RATE, BOOL, FLAG, LIST };

typedef struct option_def {
	const char *flag;   /* "--listen" */
	const char *env;    /* "W3W_LISTEN" or NULL */
	enum kind kind;
	size_t offset;
	size_t size;        /* TEXT: buffer size */
	unsigned int commands;
	const char *help;
} option_def;

#define FIELD(name) offsetof(config, name), sizeof(((config *)0)->name)
#define BOTH (CMD_SERVE | CMD_TOKEN)

static const option_def options[] = {
	{ "--data-dir", "W3W_DATA_DIR", TEXT, FIELD(data_dir), BOTH, "directory of the default database and generated secrets (./.w3wallet)" },
	{ "--listen", "W3W_LISTEN", TEXT, FIELD(listen), CMD_SERVE, "API address host:port (127.0.0.1:8080; port 0 picks one)" },
	{ "--metrics-listen", "W3W_METRICS_LISTEN", TEXT, FIELD(metrics_listen), CMD_SERVE, "separate host:port for /metrics (default: on the API port)" },
	{ "--storage", "W3W_STORAGE", TEXT, FIELD(storage), CMD_SERVE, "storage URL (sqlite:DATA_DIR/w3wallet.db)" },
	{ "--read-storage", "W3W_READ_STORAGE", TEXT, FIELD(read_storage), CMD_SERVE, "read replica URL for reads by id and lists (none)" },
	{ "--max-replica-lag-ms", "W3W_MAX_REPLICA_LAG_MS", INT, FIELD(max_replica_lag_ms), CMD_SERVE, "reads without W3W-Read-After use the replica while it lags less (1000)" },
	{ "--cache-follow", "W3W_CACHE_FOLLOW", TEXT, FIELD(cache_follow), CMD_SERVE, "kafka://... : invalidate the cache from every region's events (none)" },
	{ "--cache", "W3W_CACHE", TEXT, FIELD(cache), CMD_SERVE, "cache URL (memory:)" },
	{ "--events", "W3W_EVENTS", TEXT, FIELD(events), CMD_SERVE, "event sink URL (none: in-process only)" },
	{ "--region", "W3W_REGION", TEXT, FIELD(region), CMD_SERVE, "region stamped on events (local)" },
	{ "--tls-cert", "W3W_TLS_CERT", TEXT, FIELD(tls_cert), CMD_SERVE, "PEM certificate: serve HTTPS (TLS 1.3 only)" },
	{ "--tls-key", "W3W_TLS_KEY", TEXT, FIELD(tls_key), CMD_SERVE, "PEM private key of --tls-cert" },
	{ "--signer", "W3W_SIGNER", TEXT, FIELD(signer), CMD_SERVE, "unix:PATH: wallet keys stay in w3wallet-signer on that socket (no master key here; key: W3W_SIGNER_KEY)" },
	{ "--threads", "W3W_THREADS", INT, FIELD(threads), CMD_SERVE, "HTTP worker threads (32)" },
	{ "--pool-size", "W3W_POOL_SIZE", INT, FIELD(pool_size), CMD_SERVE, "storage connections (SQLite 4: one writer at a time anyway; others --threads + 1)" },
	{ "--max-connections", "W3W_MAX_CONNECTIONS", INT, FIELD(max_connections), CMD_SERVE, "open connections at most (from ulimit -n)" },
	{ "--idle-timeout", "W3W_IDLE_TIMEOUT", INT, FIELD(idle_timeout_s), CMD_SERVE, "seconds before an idle or stalled connection is closed (30)" },
	{ "--drain-timeout", "W3W_DRAIN_TIMEOUT", INT, FIELD(drain_timeout_s), CMD_SERVE, "seconds to finish in-flight requests on SIGTERM (15)" },
	{ "--rate-limit", "W3W_RATE_LIMIT", RATE, FIELD(rate_per_s), CMD_SERVE, "per-user requests/s[:burst] (100:200; 0 = off)" },
	{ "--access-log", "W3W_ACCESS_LOG", BOOL, FIELD(access_log), CMD_SERVE, "one JSON line per request on stderr: on|off (on)" },
	{ "--check-interval", "W3W_CHECK_INTERVAL", INT, FIELD(check_interval_s), CMD_SERVE, "seconds between the background conservation and audit checks (60; 0 = off)" },
	{ "--check-currencies", "W3W_CHECK_CURRENCIES", TEXT, FIELD(check_currencies), CMD_SERVE, "currencies whose conservation is checked, comma separated (USDC)" },
	{ "--admin-dir", "W3W_ADMIN_DIR", TEXT, FIELD(admin_dir), CMD_SERVE, "the admin dashboard's files, served at /admin/ (beside the binary: " W3W_ADMIN_DIR_RELATIVE ")" },
	{ "--log-level", "W3W_LOG_LEVEL", TEXT, FIELD(log_level), CMD_SERVE, "debug, info, warn or error: the least severe lines written (info)" },
	{ "--otlp-endpoint", "W3W_OTLP_ENDPOINT", TEXT, FIELD(otlp_endpoint), CMD_SERVE, "export spans as OTLP/HTTP JSON to http://host:port[/v1/traces] (none)" },
	{ "--otlp-queue", "W3W_OTLP_QUEUE", INT, FIELD(otlp_queue), CMD_SERVE, "spans waiting for export at most; more are dropped and counted (4096)" },
	{ "--chain", "W3W_CHAINS", LIST, FIELD(chain_specs), CMD_SERVE, "a chain served: 'NAME=URL assets=CUR=native:18[,CUR=0xCONTRACT:6] [confirmations=12] [chain_id=N] [start_block=N] [timeout_ms=5000] [allow_zero_address=no] [allow_custody_addresses=no]' (repeatable; W3W_CHAINS: ';' between chains)" },
	{ "--chains-file", "W3W_CHAINS_FILE", TEXT, FIELD(chains_file), CMD_SERVE, "file of chains, one --chain value a line (# comments)" },
	{ "--chain-poll-interval", "W3W_CHAIN_POLL_INTERVAL", INT, FIELD(chain_poll_ms), CMD_SERVE, "milliseconds between deposit watcher rounds of each chain (2000)" },
	{ "--walkthrough", NULL, FLAG, FIELD(walkthrough), CMD_SERVE, "print a curl walkthrough with real tokens after start" },
	{ "--sub", NULL, TEXT, FIELD(sub), CMD_TOKEN, "the user's UUID" },
	{ "--roles", NULL, TEXT, FIELD(roles), CMD_TOKEN, "comma-separated roles: user, admin, auditor, service (user)" },
	{ "--ttl", NULL, INT, FIELD(ttl_s), CMD_TOKEN, "seconds the token is valid (3600)" },
};
#define OPTION_COUNT (sizeof(options) / sizeof(options[0]))

void config_usage(FILE *out)
{
	fprintf(out,
		"usage: w3wallet-server serve [options]\n"
		"       w3wallet-server token --sub UUID [--roles user,admin] [--ttl 3600] [--data-dir DIR]\n"
		"       w3wallet-server version\n\noptions (flag, environment variable):\n");
	for (size_t i = 0; i < OPTION_COUNT; i++)
		fprintf(out, "  %-18s %-20s %s\n", options[i].flag, options[i].env ? options[i].env : "", options[i].help);
	fprintf(out, "\nsecrets (environment only):\n"
		"  W3W_JWT_SECRET               HS256 secret (at least 32 bytes); default: generated into DATA_DIR/jwt-secret\n"
		"  W3W_JWT_ED25519_PUBLIC_KEY   verify EdDSA tokens instead (hex, base64 or PEM)\n"
		"  W3W_JWT_ED25519_PRIVATE_KEY  sign EdDSA tokens with `token` (hex seed)\n"
		"  W3W_MASTER_KEY               64 hex characters sealing wallet keys; default: DATA_DIR/master-key\n"
		"  W3W_SIGNER_KEY               64 hex characters shared with w3wallet-signer (with --signer)\n"
		"  W3W_JWT_SECRET_FILE, W3W_MASTER_KEY_FILE, W3W_SIGNER_KEY_FILE  read those from a file (mode 0600/0400),\n"
		"                               e.g. a systemd credential\n"
		"\nroutes, statuses and examples: docs/server.md (\"HTTP contract\") and docs/openapi.yaml,\n"
		"installed under PREFIX/share/doc/w3wallet/docs/\n");
}

static int set_value(config *cfg, const option_def *o, const char *value, const char *source)
{
	char *p = (char *)cfg + o->offset, *end = NULL;
	switch (o->kind) {
	case TEXT:
		if (strlen(value) >= o->size) {
			fprintf(stderr, "w3wallet-server: %s: too long\n", source);
			return -1;
		}
		memcpy(p, value, strlen(value) + 1);
		return 0;
	case INT: {
		long n;
		errno = 0;
		n = strtol(value, &end, 10);
		if (errno || !*value || *end || n < 0 || n > 1000000000L) {
			fprintf(stderr, "w3wallet-server: %s: not a non-negative integer\n", source);
			return -1;
		}
		if (o->size == sizeof(long))
			*(long *)(void *)p = n;
		else
			*(int *)(void *)p = (int)n;
		return 0;
	}
	case RATE: {
		double rate, burst;
		if (strcmp(value, "off") == 0 || strcmp(value, "0") == 0) {
			cfg->rate_per_s = 0;
			return 0;
		}
		rate = strtod(value, &end);
		burst = rate * 2;
		if (end != value && *end == ':')
			burst = strtod(end + 1, &end);
		if (end == value || *end || !(rate > 0) || !(burst >= 1) || rate > 1e9 || burst > 1e9) {
			fprintf(stderr, "w3wallet-server: %s: expected RATE[:BURST] (for example 100:200) or off\n", source);
			return -1;
		}
		cfg->rate_per_s = rate;
		cfg->burst = burst;
		return 0;
	}
	case BOOL:
		if (strcmp(value, "on") == 0 || strcmp(value, "1") == 0 || strcmp(value, "true") == 0)
			*(int *)(void *)p = 1;
		else if (strcmp(value, "off") == 0 || strcmp(value, "0") == 0 || strcmp(value, "false") == 0)
			*(int *)(void *)p = 0;
		else {
			fprintf(stderr, "w3wallet-server: %s: expected on or off\n", source);
			return -1;
		}
		return 0;
	case FLAG:
		*(int *)(void *)p = 1;
		return 0;
	case LIST:
		/* Appended, one a line: a flag given twice adds a second value. */
		if (strlen(p) + strlen(value) + 2 > o->size) {
			fprintf(stderr, "w3wallet-server: %s: too long\n", source);
			return -1;
		}
		if (*p)
			strcat(p, "\n");
		strcat(p, value);
		return 0;
	}
	return -1;
}

/* Leave room under the descriptor limit for storage connections, files and the listeners. */
static int default_max_connections(int threads, int pool)
{
	struct rlimit rl;
	long limit = 1024;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		if (rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
			getrlimit(RLIMIT_NOFILE, &rl);
		}
		limit = rl.rlim_cur == RLIM_INFINITY ? 65536 : (long)rl.rlim_cur;
	}
	limit -= 64 + 4L * threads + 2L * pool;
	return limit < 16 ? 16 : limit > 1000000 ? 1000000 : (int)limit;
}

int config_parse(config *cfg, enum command command, int argc, char **argv)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->command = command;
	snprintf(cfg->listen, sizeof(cfg->listen), "127.0.0.1:8080");
	snprintf(cfg->data_dir, sizeof(cfg->data_dir), "./.w3wallet");
	snprintf(cfg->cache, sizeof(cfg->cache), "memory:");
	snprintf(cfg->region, sizeof(cfg->region), "local");
	snprintf(cfg->roles, sizeof(cfg->roles), "user");
	cfg->threads = 32;
	cfg->pool_size = 0; /* chosen below from the storage */
	cfg->idle_timeout_s = 30;
	cfg->drain_timeout_s = 15;
	cfg->max_replica_lag_ms = 1000;
	cfg->rate_per_s = 100;
	cfg->burst = 200;
	cfg->access_log = 1;
	cfg->check_interval_s = 60;
	snprintf(cfg->check_currencies, sizeof(cfg->check_currencies), "USDC");
	snprintf(cfg->log_level, sizeof(cfg->log_level), "info");
	cfg->otlp_queue = 4096;
	cfg->ttl_s = 3600;

	for (size_t i = 0; i < OPTION_COUNT; i++) {
		const char *v = options[i].env ? getenv(options[i].env) : NULL;
		if (v && *v && (options[i].commands & command) && set_value(cfg, &options[i], v, options[i].env) != 0)
			return -1;
	}
	for (int a = 0; a < argc; a++) {
		const char *arg = argv[a], *eq = strchr(arg, '=');
		size_t name_len = eq ? (size_t)(eq - arg) : strlen(arg);
		const option_def *o = NULL;
		for (size_t i = 0; i < OPTION_COUNT; i++)
			if (strlen(options[i].flag) == name_len && strncmp(options[i].flag, arg, name_len) == 0 &&
			    (options[i].commands & command))
				o = &options[i];
		if (!o) {
			fprintf(stderr, "w3wallet-server: unknown option %s\n\n", arg);
			config_usage(stderr);
			return -1;
		}
		if (o->kind == FLAG) {
			set_value(cfg, o, "", o->flag);
			continue;
		}
		if (!eq && a + 1 >= argc) {
			fprintf(stderr, "w3wallet-server: %s needs a value\n", o->flag);
			return -1;
		}
		if (set_value(cfg, o, eq ? eq + 1 : argv[++a], o->flag) != 0)
			return -1;
	}
	if (!cfg->storage[0] && (size_t)snprintf(cfg->storage, sizeof(cfg->storage), "sqlite:%s/w3wallet.db", cfg->data_dir) >=
	    sizeof(cfg->storage)) {
		fprintf(stderr, "w3wallet-server: --data-dir: too long\n");
		return -1;
	}
	if (cfg->threads < 1 || cfg->threads > 1024) {
		fprintf(stderr, "w3wallet-server: --threads: must be 1..1024\n");
		return -1;
	}
	if (!cfg->pool_size)
		/* SQLite takes one writer at a time: more connections only poll its lock. Elsewhere one
		 * connection per worker (each blocks in its storage call) and one for the relay: with fewer,
		 * workers queued for a connection (claims on PostgreSQL at 0.56x the library's, which has one per thread). */
		cfg->pool_size = strncmp(cfg->storage, "sqlite:", 7) == 0 ? 4 : cfg->threads < 1024 ? cfg->threads + 1 : 1024;
	if (cfg->pool_size < 1 || cfg->pool_size > 1024) {
		fprintf(stderr, "w3wallet-server: --pool-size: must be 1..1024\n");
		return -1;
	}
	if (cfg->idle_timeout_s < 1) {
		fprintf(stderr, "w3wallet-server: --idle-timeout: must be at least 1 second\n");
		return -1;
	}
	if (cfg->signer[0] && strncmp(cfg->signer, "unix:/", 6) != 0) {
		fprintf(stderr, "w3wallet-server: --signer: expected unix:/absolute/path/of/the/socket\n");
		return -1;
	}
	if (log_level_parse(cfg->log_level) < 0) {
		fprintf(stderr, "w3wallet-server: --log-level: expected debug, info, warn or error\n");
		return -1;
	}
	if (cfg->otlp_endpoint[0] && strncmp(cfg->otlp_endpoint, "http://", 7) != 0) {
		fprintf(stderr, "w3wallet-server: --otlp-endpoint: expected http://host:port[/path]"
			" (a collector on this host or network; https is not supported)\n");
		return -1;
	}
	if (cfg->otlp_queue < 1 || cfg->otlp_queue > 1000000) {
		fprintf(stderr, "w3wallet-server: --otlp-queue: must be 1..1000000\n");
		return -1;
	}
	if (!!cfg->tls_cert[0] != !!cfg->tls_key[0]) {
		fprintf(stderr, "w3wallet-server: --tls-cert and --tls-key go together\n");
		return -1;
	}
	/* Before anything is created or opened: a typo here must not leave a new data directory behind. */
	for (int i = 0; cfg->tls_cert[0] && i < 2; i++) {
		const char *path = i ? cfg->tls_key : cfg->tls_cert;
		if (access(path, R_OK) != 0) {
			fprintf(stderr, "w3wallet-server: %s: cannot read %s: %s\n", i ? "--tls-key" : "--tls-cert",
				path, strerror(errno));
			return -1;
		}
	}
	if (cfg->chain_poll_ms == 0)
		cfg->chain_poll_ms = 2000;
	if (cfg->chain_poll_ms < 10 || cfg->chain_poll_ms > 3600000) {
		fprintf(stderr, "w3wallet-server: --chain-poll-interval: must be 10..3600000 ms\n");
		return -1;
	}
	if (command == CMD_SERVE && chain_specs_parse(cfg) != 0)
		return -1;
	if (!cfg->max_connections)
		cfg->max_connections = default_max_connections(cfg->threads, cfg->pool_size);
	if (command == CMD_TOKEN && !cfg->sub[0]) {
		fprintf(stderr, "w3wallet-server token: --sub UUID is required\n");
		return -1;
	}
	return 0;
}

/*
 * The context: one per process (or per configuration), safe to share
 * between threads. It owns the storage, cache and event backends chosen by
 * URL, and the outbox relay.
 */
#ifndef W3WALLET_CONTEXT_H
#define W3WALLET_CONTEXT_H

#include "w3wallet/common.h"
#include "w3wallet/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct w3w_ctx w3w_ctx;

/* 2: read_storage_url, max_replica_lag_ms, cache_follow_url appended (version 1 callers still work).
 * 3: tracer appended. 4: signer_url, signer_key_hex appended. */
#define W3W_OPTIONS_VERSION 4

/**
 * Options for w3w_ctx_open(). Initialize with W3W_OPTIONS_INIT or
 * w3w_options_init(), then set what you need. Text fields are fixed arrays
 * so that bindings can set them without owning memory.
 */
typedef struct w3w_options {
	unsigned int version;
	/** Storage URL: "sqlite:PATH" (default "sqlite:w3wallet.db"), "sqlite::memory:",
	 *  "postgres://user:pass@host:port/db" or a libpq conninfo ("host=... dbname=..."). */
	char storage_url[W3W_URL_SIZE];
	/** Cache URL: "memory:" (default), "memory:?max=N" (entries), "none:", "redis://host:port/db". */
	char cache_url[W3W_URL_SIZE];
	/** Event sink URL: "" (in-process subscribers only, default), "file:PATH" (JSON lines),
	 *  "kafka://host:port[,host:port]". In-process subscribers always receive events. */
	char events_url[W3W_URL_SIZE];
	/** Master key for secrets at rest: 64 hex characters (32 bytes). Empty: wallet keys disabled. */
	char master_key_hex[65];
	/** Region stamped on events ("local" when empty). */
	char region[W3W_REGION_SIZE];
	/** Idempotency keys expire after this many seconds (default 86400). */
	int64_t idempotency_ttl_s;
	/** Storage connections in the pool (default 8). */
	int pool_size;
	/** Connect/command timeout of network backends, milliseconds (default 5000). */
	int timeout_ms;
	/** Run the outbox relay and audit sealer on a background thread (default 1).
	 *  With 0 the host drives them with w3w_events_pump() and w3w_audit_seal(). */
	int background_relay;
	/* ---- version 2 ---- */
	/** A read replica of the storage ("" = none; PostgreSQL streaming replica, any libpq URL).
	 *  Reads by id and lists go there when it is fresh enough (see w3w_read_after());
	 *  writes, claims and the reads commands make to decide always go to storage_url. */
	char read_storage_url[W3W_URL_SIZE];
	/** Reads without a position use the replica while it lags less than this (default 1000 ms). */
	int max_replica_lag_ms;
	/** Where this context reads the events every region commits, to invalidate its own cache
	 *  from them ("" = none; "kafka://host:port"): set it on every host when several regions,
	 *  each with its own cache, share one storage. The hosts of one region share the stream. */
	char cache_follow_url[W3W_URL_SIZE];
	/* ---- version 3 ---- */
	/** Span hooks (see w3wallet/trace.h); version 0 (the default): none, and spans cost nothing. */
	w3w_tracer tracer;
	/* ---- version 4 ---- */
	/**
	 * Wallet keys held elsewhere: "unix:/path/sock" = w3wallet-signer
	 * (docs/signer.md). Deposit addresses are then derived by the signer,
	 * and chains opened without a signer of their own sign through it:
	 * this context never opens the seed, and needs no master_key_hex.
	 * "" (default): keys are derived here from the seed.
	 */
	char signer_url[W3W_URL_SIZE];
	/** The signer's shared key, 64 hex characters (with signer_url); wiped once the signer is opened. */
	char signer_key_hex[65];
} w3w_options;

#define W3W_OPTIONS_INIT { W3W_OPTIONS_VERSION, "sqlite:w3wallet.db", "memory:", "", "", "local", 86400, 8, 5000, 1, \
	"", 1000, "", { 0, NULL, NULL, NULL }, "", "" }

/** Fill `opts` with the defaults of W3W_OPTIONS_INIT. `version` must be W3W_OPTIONS_VERSION. */
W3W_EXTERN w3w_status w3w_options_init(w3w_options *opts, unsigned int version);

/**
 * Open a context: connects the backends, applies storage migrations,
 * starts the relay thread. `opts` NULL means the defaults of
 * W3W_OPTIONS_INIT (a SQLite file w3wallet.db in the working directory). On failure *out is NULL and the message names
 * the backend and the problem (bad URL, unreachable, wrong password,
 * newer schema version -> W3W_EVERSION).
 */
W3W_EXTERN w3w_status w3w_ctx_open(w3w_ctx **out, const w3w_options *opts);

/**
 * Health of the storage, for readiness checks: W3W_OK when it answers and
 * accepts writes; W3W_ESTATE when it answers reads only (a PostgreSQL
 * standby before promotion: reads work, writes fail with W3W_EUNAVAILABLE
 * until the pool reaches a primary); W3W_EUNAVAILABLE when it cannot be
 * reached. The message is for logs: it may name hosts.
 */
W3W_EXTERN w3w_status w3w_ctx_ping(w3w_ctx *ctx);

/* ---- read replicas and read-your-writes --------------------------------- */

/**
 * The commit position of the calling thread's last successful write (or
 * replay) through a context that has a read replica: copy it into `buf`
 * (W3W_POSITION_SIZE bytes). "" when there is none. Hand it to whoever must
 * see that write (another request, another host) for w3w_read_after().
 */
W3W_EXTERN w3w_status w3w_commit_position(char *buf, size_t buflen);

/**
 * Reads by id and lists on the calling thread never see state older than
 * `position` (from w3w_commit_position(), on any host): a replica serves
 * them only once it has replayed that position, else the primary does.
 * NULL or "" removes the condition (a replica lagging less than
 * max_replica_lag_ms may serve them). W3W_EINVAL for a malformed position.
 */
W3W_EXTERN w3w_status w3w_read_after(const char *position);

/** Where the context's reads may go now, for health checks. */
typedef struct w3w_replica_state {
	int configured;         /**< a read replica is configured */
	int reachable;          /**< it answered its last check */
	int64_t lag_ms;         /**< its lag at that check; -1: unknown (behind every primary position seen) */
	char replayed[W3W_POSITION_SIZE]; /**< what it had replayed then */
} w3w_replica_state;

/** The read replica's state (a fresh check when the last one is older than 100 ms). */
W3W_EXTERN w3w_status w3w_replica_state_get(w3w_replica_state *out, w3w_ctx *ctx);

/** Stop the relay (after a last drain), close backends, free the context. NULL is ignored. */
W3W_EXTERN void w3w_ctx_close(w3w_ctx *ctx);

/* ---- actors ------------------------------------------------------------ */

/** Roles, combined as a bit set. */
enum {
	W3W_ROLE_USER    = 1 << 0, /**< a shopper or buyer acting on their own things */
	W3W_ROLE_ADMIN   = 1 << 1, /**< may act on anything */
	W3W_ROLE_AUDITOR = 1 << 2, /**< may verify the audit chain */
	W3W_ROLE_SERVICE = 1 << 3  /**< trusted backend: deposits, processing claims */
};

/** Who performs a command. Every command takes one; the library enforces ownership and roles. */
typedef struct w3w_actor {
	char user_id[W3W_ID_SIZE];
	unsigned int roles;
} w3w_actor;

/** Fill an actor; W3W_EINVAL if `user_id` is not a UUID or `roles` has unknown bits or is 0. */
W3W_EXTERN w3w_status w3w_actor_init(w3w_actor *actor, const char *user_id, unsigned int roles);

/**
 * Whether `key` is an idempotency key every write accepts: 1..255 bytes of
 * printable ASCII without spaces (NULL or "" means no key and is W3W_OK).
 * W3W_EINVAL with a message otherwise. For hosts that check a key before
 * they call (an HTTP header, say): the rule is this library's, not theirs.
 */
W3W_EXTERN w3w_status w3w_idempotency_key_check(const char *key);

/** Parse a comma-separated role list ("user,admin") into bits; W3W_EINVAL names an unknown role. */
W3W_EXTERN w3w_status w3w_roles_parse(unsigned int *out, const char *text);

#ifdef __cplusplus
}
#endif
#endif

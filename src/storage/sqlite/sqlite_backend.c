/*
 * SQLite storage: URL, open/close, the connection pool and the
 * begin/end pair every command runs between.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "storage/sqlite/sqlite_internal.h"
#include "storage/sqlite/sqlite_wallet.h"

#define DEFAULT_POOL_SIZE 4
#define DEFAULT_TIMEOUT_MS 5000
#define MAX_POOL_SIZE 64
/* WAL pages after which a writer checkpoints (SQLite's own default threshold). */
#define CHECKPOINT_PAGES 1000

/* ---- clocks -------------------------------------------------------------- */

int64_t w3w__sq_wall_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t w3w__sq_mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static struct timespec deadline_after_ms(int ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

/* ---- connections ---------------------------------------------------------- */

/*
 * SQLite's default busy handler sleeps in steps up to 100 ms; writers of
 * other processes would wait far longer than the lock is held. Poll with
 * short sleeps instead, up to the configured timeout.
 */
static int busy_handler(void *arg, int count)
{
	w3w__sq_conn *c = arg;
	int64_t now = w3w__sq_mono_us();
	long sleep_us;
	struct timespec ts;

	if (count == 0)
		c->busy_since_us = now;
	if (now - c->busy_since_us >= (int64_t)c->timeout_ms * 1000)
		return 0;
	sleep_us = count < 5 ? 50L << count : 2000;
	ts.tv_sec = 0;
	ts.tv_nsec = sleep_us * 1000;
	nanosleep(&ts, NULL);
	return 1;
}

/*
 * Replaces SQLite's auto-checkpoint, which would run inside COMMIT: while
 * this backend holds its write mutex, so every writer would wait for the
 * checkpoint's copying and fsync. The hook only notes the WAL size.
 */
static int wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	w3w__sq_conn *c = arg;
	(void)db;
	(void)name;
	c->wal_pages = pages;
	return SQLITE_OK;
}

static void conn_close(w3w__sq_conn *c)
{
	if (!c)
		return;
	w3w__sq_cache_free(c);
	sqlite3_close(c->db);
	free(c);
}

/*
 * Pragmas of every connection. temp_store=MEMORY keeps the savepoint
 * journals of batches (sqlite_batch.c) in memory instead of a temporary
 * file written page by page. Switching a new file to WAL needs an
 * exclusive lock, and SQLite answers SQLITE_BUSY there without calling the
 * busy handler when other processes open the same new file at that moment:
 * retry until the timeout.
 */
static w3w_status configure(w3w__sq_conn *c, int memory)
{
	const char *sql = memory ? "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY"
		: "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY";
	int64_t deadline = w3w__sq_mono_us() + (int64_t)c->timeout_ms * 1000;
	struct timespec pause = { 0, 1000000 };
	int rc;

	while ((rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL)) != SQLITE_OK) {
		if ((rc & 0xff) != SQLITE_BUSY || w3w__sq_mono_us() >= deadline)
			return w3w__sq_fail(c, rc, "configure connection");
		nanosleep(&pause, NULL);
	}
	return W3W_OK;
}

static w3w_status conn_open(w3w__sq_storage *s, w3w__sq_conn **out)
{
	w3w__sq_conn *c = calloc(1, sizeof(*c));
	int rc;
	w3w_status st;

	*out = NULL;
	if (!c)
		return w3w_error_set(W3W_ENOMEM, "sqlite: out of memory");
	c->owner = s;
	c->timeout_ms = s->timeout_ms;
	/* NOMUTEX: a connection is used by one thread at a time (the pool hands it out). */
	rc = sqlite3_open_v2(s->path, &c->db,
		SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		st = w3w_error_set(rc == SQLITE_NOMEM ? W3W_ENOMEM : W3W_EUNAVAILABLE,
			"sqlite: cannot open %s: %s", s->path,
			c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
		conn_close(c);
		return st;
	}
	sqlite3_extended_result_codes(c->db, 1);
	sqlite3_busy_handler(c->db, busy_handler, c);
	if (!s->memory)
		sqlite3_wal_hook(c->db, wal_hook, c);
	st = configure(c, s->memory);
	if (st != W3W_OK) {
		conn_close(c);
		return st;
	}
	*out = c;
	return W3W_OK;
}

/* ---- checkpoints ---------------------------------------------------------- */

static void *checkpoint_thread(void *arg)
{
	w3w__sq_storage *s = arg;
	w3w__sq_conn *c = NULL;

	pthread_mutex_lock(&s->ckpt_mu);
	for (;;) {
		while (!s->ckpt_due && !s->ckpt_stop)
			pthread_cond_wait(&s->ckpt_cv, &s->ckpt_mu);
		if (s->ckpt_stop)
			break;
		s->ckpt_due = 0;
		pthread_mutex_unlock(&s->ckpt_mu);
		if (c || conn_open(s, &c) == W3W_OK)
			/* PASSIVE: copies what it can without waiting for readers or writers; errors are harmless. */
			sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		pthread_mutex_lock(&s->ckpt_mu);
	}
	pthread_mutex_unlock(&s->ckpt_mu);
	conn_close(c);
	return NULL;
}

static void checkpoint_if_due(w3w__sq_storage *s, w3w__sq_conn *c)
{
	if (c->wal_pages < CHECKPOINT_PAGES)
		return;
	c->wal_pages = 0;
	if (!s->ckpt_started) {
		/* No thread (it could not start): checkpoint here, after the write mutex is released. */
		sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		return;
	}
	pthread_mutex_lock(&s->ckpt_mu);
	s->ckpt_due = 1;
	pthread_cond_signal(&s->ckpt_cv);
	pthread_mutex_unlock(&s->ckpt_mu);
}

/* ---- the pool ------------------------------------------------------------- */

static w3w_status acquire(w3w__sq_storage *s, w3w__sq_conn **out)
{
	struct timespec deadline = deadline_after_ms(s->timeout_ms);
	w3w__sq_conn *c = NULL;
	w3w_status st;
	int rc = 0;

	pthread_mutex_lock(&s->pool_mu);
	while (!s->idle && s->opened >= s->pool_size && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&s->pool_cv, &s->pool_mu, &deadline);
	if (s->idle) {
		c = s->idle;
		s->idle = c->next_idle;
		c->next_idle = NULL;
		pthread_mutex_unlock(&s->pool_mu);
		*out = c;
		return W3W_OK;
	}
	if (s->opened >= s->pool_size) {
		pthread_mutex_unlock(&s->pool_mu);
		return w3w_error_set(W3W_EUNAVAILABLE,
			"sqlite: no free connection within %d ms (pool of %d)", s->timeout_ms, s->pool_size);
	}
	/* Reserve a slot, open outside the lock. */
	s->opened++;
	pthread_mutex_unlock(&s->pool_mu);
	st = conn_open(s, &c);
	pthread_mutex_lock(&s->pool_mu);
	if (st == W3W_OK) {
		for (int i = 0; i < s->pool_size; i++)
			if (!s->all[i]) {
				s->all[i] = c;
				break;
			}
	} else {
		s->opened--;
		pthread_cond_signal(&s->pool_cv);
	}
	pthread_mutex_unlock(&s->pool_mu);
	*out = c;
	return st;
}

static void release(w3w__sq_storage *s, w3w__sq_conn *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&s->pool_mu);
	c->next_idle = s->idle;
	s->idle = c;
	pthread_cond_signal(&s->pool_cv);
	pthread_mutex_unlock(&s->pool_mu);
}

/* ---- transactions -------------------------------------------------------- */

static w3w_status run_sql(w3w__sq_conn *c, const char *sql)
{
	sqlite3_stmt *s;
	w3w_status st = w3w__sq_prepare(c, sql, &s);
	return st == W3W_OK ? w3w__sq_exec(c, s) : st;
}

static void rollback(w3w__sq_conn *c)
{
	sqlite3_stmt *s;
	w3w_status code = w3w_error_code();
	char message[512];

	/* Some errors (I/O, out of memory) already rolled SQLite back. */
	if (sqlite3_get_autocommit(c->db))
		return;
	/* Keep the command's own message: a failing ROLLBACK must not overwrite it. */
	snprintf(message, sizeof(message), "%s", w3w_error_message());
	if (w3w__sq_prepare(c, "ROLLBACK", &s) == W3W_OK) {
		sqlite3_step(s);
		sqlite3_reset(s);
	}
	if (!sqlite3_get_autocommit(c->db))
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	w3w_error_set(code, "%s", message);
}

/* Give the connection back to the pool, and the write mutex when held. */
static void hand_back(w3w__sq_conn *c)
{
	w3w__sq_storage *s = c->owner;

	if (c->writing) {
		c->writing = 0;
		pthread_mutex_unlock(&s->write_mu);
		checkpoint_if_due(s, c);
	}
	release(s, c);
}

w3w__sq_conn *w3w__sq_begin(w3w__sq_storage *s, w3w__sq_tx_kind kind)
{
	w3w__sq_conn *c;
	struct timespec deadline;

	if (acquire(s, &c) != W3W_OK)
		return NULL;
	if (kind == W3W__SQ_IMMEDIATE) {
		deadline = deadline_after_ms(s->timeout_ms);
		if (pthread_mutex_timedlock(&s->write_mu, &deadline) != 0) {
			release(s, c);
			w3w_error_set(W3W_EUNAVAILABLE, "sqlite: write lock not free within %d ms", s->timeout_ms);
			return NULL;
		}
		c->writing = 1;
	}
	/*
	 * BEGIN IMMEDIATE takes the file's write lock, waiting (busy handler) for
	 * other processes. Deferred: a WAL reader never waits for writers and
	 * sees one snapshot.
	 */
	if (run_sql(c, kind == W3W__SQ_IMMEDIATE ? "BEGIN IMMEDIATE" : "BEGIN") != W3W_OK) {
		hand_back(c);
		return NULL;
	}
	return c;
}

w3w_status w3w__sq_end(w3w__sq_conn *c, w3w_status st)
{
	if (st == W3W_OK)
		st = run_sql(c, "COMMIT");
	if (st != W3W_OK)
		rollback(c);
	hand_back(c);
	return st;
}

/* ---- small commands ------------------------------------------------------ */

static w3w_status sq_ping(w3w_storage *st)
{
	w3w__sq_conn *c = w3w__sq_begin(w3w__sq(st), W3W__SQ_READ);

	return c ? w3w__sq_end(c, run_sql(c, "SELECT 1 FROM schema_version LIMIT 1")) : w3w_error_code();
}

static void sq_free(w3w_storage *st)
{
	w3w__sq_storage *s = w3w__sq(st);

	if (!s)
		return;
	if (s->ckpt_started) {
		pthread_mutex_lock(&s->ckpt_mu);
		s->ckpt_stop = 1;
		pthread_cond_signal(&s->ckpt_cv);
		pthread_mutex_unlock(&s->ckpt_mu);
		pthread_join(s->ckpt_thread, NULL);
	}
	for (int i = 0; i < s->pool_size; i++)
		conn_close(s->all[i]);
	pthread_mutex_destroy(&s->pool_mu);
	pthread_cond_destroy(&s->pool_cv);
	pthread_mutex_destroy(&s->write_mu);
	pthread_mutex_destroy(&s->ckpt_mu);
	pthread_cond_destroy(&s->ckpt_cv);
	free(s->all);
	free(s->path);
	free(s);
}

/* ---- open ---------------------------------------------------------------- */

/* "sqlite:PATH", "sqlite://PATH", "sqlite::memory:" -> PATH (":memory:"). */
static w3w_status parse_url(const char *url, const char **path)
{
	static const char scheme[] = "sqlite:";

	if (!url || strncmp(url, scheme, sizeof(scheme) - 1) != 0)
		return w3w_error_set(W3W_EINVAL, "storage url: expected sqlite:PATH, sqlite://PATH or sqlite::memory:");
	url += sizeof(scheme) - 1;
	if (strncmp(url, "//", 2) == 0)
		url += 2;
	if (!*url)
		return w3w_error_set(W3W_EINVAL, "storage url: sqlite: needs a file path (or :memory:)");
	*path = url;
	return W3W_OK;
}

static const w3w_market_store sq_market = {
	.version = W3W_MARKET_STORE_VERSION,
	.transfer = w3w__sq_transfer,
	.supply_create = w3w__sq_supply_create,
	.supply_update = w3w__sq_supply_update,
	.supply_delete = w3w__sq_supply_delete,
	.order_create = w3w__sq_order_create,
	.order_cancel = w3w__sq_order_cancel,
	.claim_create = w3w__sq_claim_create,
	.claim_process = w3w__sq_claim_process,
	.claim_release = w3w__sq_claim_release,
	.supply_get = w3w__sq_supply_get,
	.supply_list = w3w__sq_supply_list,
	.order_get = w3w__sq_order_get,
	.order_list = w3w__sq_order_list,
	.claim_get = w3w__sq_claim_get,
	.claim_get_live = w3w__sq_claim_get_live,
	.accounts = w3w__sq_accounts,
	.ledger_totals = w3w__sq_ledger_totals,
	.purge_expired = w3w__sq_purge_expired,
	.transfer_batch = w3w__sq_transfer_batch,
	.order_create_batch = w3w__sq_order_create_batch,
	.claim_create_batch = w3w__sq_claim_create_batch,
	.claim_process_batch = w3w__sq_claim_process_batch,
};

static const w3w_outbox_store sq_outbox = {
	.version = W3W_OUTBOX_STORE_VERSION,
	.take = w3w__sq_outbox_take,
	.ack = w3w__sq_outbox_ack,
	.stats = w3w__sq_outbox_stats,
	.events_of = w3w__sq_outbox_events_of,
};

static const w3w_audit_store sq_audit = {
	.version = W3W_AUDIT_STORE_VERSION,
	.append = w3w__sq_audit_append,
	.seal = w3w__sq_audit_seal,
	.read = w3w__sq_audit_read,
	.unsealed = w3w__sq_audit_unsealed,
};

static const w3w_wallet_store sq_wallet = {
	.version = W3W_WALLET_STORE_VERSION,
	.secrets_create = w3w__sq_secrets_create,
	.secrets_reseal = w3w__sq_secrets_reseal,
	.secrets_retire = w3w__sq_secrets_retire,
	.secret_list = w3w__sq_secret_list,
	.wallet_index_next = w3w__sq_wallet_index_next,
	.wallet_create = w3w__sq_wallet_create,
	.wallet_list = w3w__sq_wallet_list,
	.wallet_find = w3w__sq_wallet_find,
	.withdrawal_create = w3w__sq_withdrawal_create,
	.withdrawal_update = w3w__sq_withdrawal_update,
	.withdrawal_get = w3w__sq_withdrawal_get,
	.withdrawal_list_open = w3w__sq_withdrawal_list_open,
	.watch_cursor = w3w__sq_watch_cursor,
	.watch_block = w3w__sq_watch_block,
	.watch_advance = w3w__sq_watch_advance,
	.chain_deposit_put = w3w__sq_chain_deposit_put,
	.chain_deposit_get = w3w__sq_chain_deposit_get,
	.limit_set = w3w__sq_limit_set,
	.limit_list = w3w__sq_limit_list,
	.chain_deposit_list = w3w__sq_chain_deposit_list,
	.wallet_list_from = w3w__sq_wallet_list_from,
	.sweep_create = w3w__sq_sweep_create,
	.sweep_update = w3w__sq_sweep_update,
	.sweep_list = w3w__sq_sweep_list,
	.sweep_fee_totals = w3w__sq_sweep_fee_totals,
	.withdrawal_attempt_add = w3w__sq_withdrawal_attempt_add,
	.withdrawal_attempt_list = w3w__sq_withdrawal_attempt_list,
	.withdrawal_attempt_mined = w3w__sq_withdrawal_attempt_mined,
};

static void fill_vtable(w3w_storage *b)
{
	b->version = W3W_STORAGE_VERSION;
	b->name = "sqlite";
	b->market = &sq_market;
	b->outbox = &sq_outbox;
	b->audit = &sq_audit;
	b->wallet = &sq_wallet;
	b->ping = sq_ping;
	b->free = sq_free;
}

w3w_status w3w_storage_sqlite_open(w3w_storage **out, const char *url, const w3w_backend_config *cfg)
{
	w3w__sq_storage *s;
	w3w__sq_conn *c = NULL;
	const char *path = NULL;
	w3w_status st;

	if (!out)
		return w3w_error_set(W3W_EINVAL, "out: NULL");
	*out = NULL;
	if ((st = parse_url(url, &path)) != W3W_OK)
		return st;
	if (cfg && cfg->version != W3W_BACKEND_CONFIG_VERSION)
		return w3w_error_set(W3W_EVERSION, "sqlite: backend config version %u, expected %d",
			cfg->version, W3W_BACKEND_CONFIG_VERSION);
	/* STRICT tables and RETURNING. */
	if (sqlite3_libversion_number() < 3037000)
		return w3w_error_set(W3W_EVERSION, "sqlite: library %s is too old (3.37 or newer needed)",
			sqlite3_libversion());

	s = calloc(1, sizeof(*s));
	if (!s)
		return w3w_error_set(W3W_ENOMEM, "sqlite: out of memory");
	s->memory = strcmp(path, ":memory:") == 0;
	s->path = strdup(path);
	s->timeout_ms = cfg && cfg->timeout_ms > 0 ? cfg->timeout_ms : DEFAULT_TIMEOUT_MS;
	s->pool_size = cfg && cfg->pool_size > 0 ? cfg->pool_size : DEFAULT_POOL_SIZE;
	if (s->pool_size > MAX_POOL_SIZE)
		s->pool_size = MAX_POOL_SIZE;
	/* A private in-memory database exists per connection: keep exactly one. */
	if (s->memory)
		s->pool_size = 1;
	s->all = calloc((size_t)s->pool_size, sizeof(*s->all));
	pthread_mutex_init(&s->pool_mu, NULL);
	pthread_cond_init(&s->pool_cv, NULL);
	pthread_mutex_init(&s->write_mu, NULL);
	pthread_mutex_init(&s->ckpt_mu, NULL);
	pthread_cond_init(&s->ckpt_cv, NULL);
	fill_vtable(&s->base);
	if (!s->path || !s->all) {
		sq_free(&s->base);
		return w3w_error_set(W3W_ENOMEM, "sqlite: out of memory");
	}

	st = acquire(s, &c);
	if (st == W3W_OK)
		st = w3w__sq_migrate(c);
	release(s, c);
	if (st != W3W_OK) {
		sq_free(&s->base);
		return st;
	}
	if (!s->memory)
		s->ckpt_started = pthread_create(&s->ckpt_thread, NULL, checkpoint_thread, s) == 0;
	*out = &s->base;
	return W3W_OK;
}

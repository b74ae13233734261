/*
 * A bounded pool of libpq connections shared by threads.
 *
 * At most `size` connections exist; they are opened lazily, on demand. A
 * thread that finds none free waits up to timeout_ms on the condition
 * variable, then gets W3W_EUNAVAILABLE. An idle connection is checked
 * before reuse (a server restart leaves dead ones behind) and replaced
 * when broken; a connection that failed mid-command, or is not idle
 * outside a transaction, is closed on release instead of being reused.
 * Each connection prepares every statement once, in one round trip.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "storage/postgres/pg.h"

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* libpq prints notices to stderr by default; a library must stay quiet. */
static void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static w3w_status connect_failed(const w3w__pg_pool *pool, PGconn *conn, const char *why)
{
	char clean[400];

	w3w__pg_scrub(clean, sizeof(clean), why ? why : PQerrorMessage(conn), pool->conninfo);
	PQfinish(conn);
	return w3w_error_set(W3W_EUNAVAILABLE, "postgres: cannot connect to %s: %s",
		pool->target, clean[0] ? clean : "connection failed");
}

/* Wait (bounded) for PQconnectPoll to finish: libpq's connect_timeout is ignored in this mode. */
static w3w_status connect_poll(const w3w__pg_pool *pool, PGconn *conn, int64_t deadline)
{
	PostgresPollingStatusType ps = PGRES_POLLING_WRITING;

	while (ps != PGRES_POLLING_OK) {
		struct pollfd pfd;
		int64_t left = deadline - mono_ms();
		int rc;

		if (ps == PGRES_POLLING_FAILED)
			return connect_failed(pool, conn, NULL);
		if (left <= 0) {
			char why[64];
			snprintf(why, sizeof(why), "no answer within %d ms", pool->timeout_ms);
			return connect_failed(pool, conn, why);
		}
		pfd.fd = PQsocket(conn);
		pfd.events = ps == PGRES_POLLING_READING ? POLLIN : POLLOUT;
		pfd.revents = 0;
		if (pfd.fd < 0)
			return connect_failed(pool, conn, NULL);
		rc = poll(&pfd, 1, (int)left);
		if (rc < 0 && errno != EINTR)
			return connect_failed(pool, conn, "poll failed");
		if (rc > 0)
			ps = PQconnectPoll(conn);
	}
	return W3W_OK;
}

w3w_status w3w__pg_connect(const w3w__pg_pool *pool, PGconn **out)
{
	/*
	 * dbname is expanded (a URI or conninfo); keywords before it are
	 * defaults the URL may override. GSSAPI encryption is off unless asked
	 * for (gssencmode=prefer in the URL): libpq would otherwise ask Kerberos
	 * for credentials on every connect.
	 */
	const char *keys[] = { "gssencmode", "dbname", "fallback_application_name", NULL };
	const char *vals[] = { "disable", pool->conninfo, "libw3wallet", NULL };
	int64_t deadline = mono_ms() + pool->timeout_ms;
	char setup[320];
	PGconn *conn;
	PGresult *r;
	w3w_status st;

	*out = NULL;
	conn = PQconnectStartParams(keys, vals, 1);
	if (!conn)
		return w3w_error_set(W3W_ENOMEM, "postgres: out of memory");
	if (PQstatus(conn) == CONNECTION_BAD)
		return connect_failed(pool, conn, NULL);
	PQsetNoticeProcessor(conn, quiet, NULL);
	if ((st = connect_poll(pool, conn, deadline)) != W3W_OK)
		return st;
	/* 14: extract() is exact (numeric), client_connection_check_interval exists. */
	if (PQserverVersion(conn) < 140000) {
		int v = PQserverVersion(conn);
		PQfinish(conn);
		return w3w_error_set(W3W_EVERSION,
			"postgres: server %s runs PostgreSQL %d.%d; this backend needs 14 or newer",
			pool->target, v / 10000, v % 10000);
	}

	/*
	 * Per session: statements (lock waits included) end after timeout_ms;
	 * a transaction left idle (a crashed sealer) cannot hold locks forever;
	 * a statement whose client went away is cancelled instead of committing
	 * unseen.
	 */
	snprintf(setup, sizeof(setup),
		"SET statement_timeout = %d; SET idle_in_transaction_session_timeout = %d;"
		" SET client_connection_check_interval = 1000; SET client_min_messages = warning",
		pool->timeout_ms, pool->timeout_ms * 2 > 10000 ? pool->timeout_ms * 2 : 10000);
	r = w3w__pg_query(conn, setup, NULL, w3w__pg_answer_wait_ms(pool->timeout_ms));
	if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
		st = r ? w3w__pg_fail(r, conn, "session setup")
		       : w3w_error_set(W3W_EUNAVAILABLE, "postgres: session setup on %s: no answer", pool->target);
		PQclear(r);
		PQfinish(conn);
		return st;
	}
	PQclear(r);
	*out = conn;
	return W3W_OK;
}

/* All statements as one simple query: PREPARE a AS ...; PREPARE b AS ...; */
static w3w_status prepare_all(w3w__pg_pool *pool, w3w__pg_conn *c)
{
	PGresult *r = w3w__pg_query(c->pg, pool->prepare_sql, NULL, w3w__pg_answer_wait_ms(pool->timeout_ms));
	w3w_status st = W3W_OK;

	if (!r || PQresultStatus(r) != PGRES_COMMAND_OK)
		st = r ? w3w__pg_fail(r, c->pg, "prepare statements")
		       : w3w_error_set(W3W_EUNAVAILABLE, "postgres: prepare statements: no answer");
	PQclear(r);
	if (st == W3W_OK)
		c->prepared = 1;
	return st;
}

static char *prepare_script(void)
{
	size_t len = 1;
	char *sql, *p;

	for (int i = 0; i < PG_STMT_COUNT; i++)
		len += strlen(w3w__pg_stmts[i].name) + strlen(w3w__pg_stmts[i].sql) + 16;
	sql = p = malloc(len);
	if (!sql)
		return NULL;
	for (int i = 0; i < PG_STMT_COUNT; i++)
		p += sprintf(p, "PREPARE %s AS %s;\n", w3w__pg_stmts[i].name, w3w__pg_stmts[i].sql);
	return sql;
}

w3w_status w3w__pg_pool_init(w3w__pg_pool *pool, const char *conninfo, const char *target,
	int size, int timeout_ms)
{
	pthread_condattr_t attr;

	memset(pool, 0, sizeof(*pool));
	pool->size = size;
	pool->timeout_ms = timeout_ms;
	pool->conninfo = strdup(conninfo);
	pool->target = strdup(target);
	pool->prepare_sql = prepare_script();
	if (!pool->conninfo || !pool->target || !pool->prepare_sql) {
		free(pool->conninfo);
		free(pool->target);
		free(pool->prepare_sql);
		return w3w_error_set(W3W_ENOMEM, "postgres: out of memory");
	}
	pthread_mutex_init(&pool->mu, NULL);
	/* Waits are measured on the monotonic clock: wall-clock jumps do not stretch them. */
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&pool->cv, &attr);
	pthread_condattr_destroy(&attr);
	return W3W_OK;
}

static void conn_close(w3w__pg_conn *c)
{
	PQfinish(c->pg);
	free(c);
}

void w3w__pg_pool_destroy(w3w__pg_pool *pool)
{
	while (pool->idle) {
		w3w__pg_conn *c = pool->idle;
		pool->idle = c->next;
		conn_close(c);
	}
	pthread_cond_destroy(&pool->cv);
	pthread_mutex_destroy(&pool->mu);
	/* The conninfo may hold a password: wipe it before giving the memory back. */
	memset(pool->conninfo, 0, strlen(pool->conninfo));
	free(pool->conninfo);
	free(pool->target);
	free(pool->prepare_sql);
}

/* An idle connection the server closed (restart, idle timeout) shows as readable EOF. */
static int looks_alive(w3w__pg_conn *c)
{
	struct pollfd pfd = { PQsocket(c->pg), POLLIN, 0 };

	if (PQstatus(c->pg) != CONNECTION_OK || pfd.fd < 0)
		return 0;
	if (poll(&pfd, 1, 0) > 0) {
		PGnotify *n;
		if (!PQconsumeInput(c->pg) || PQstatus(c->pg) != CONNECTION_OK)
			return 0;
		while ((n = PQnotifies(c->pg)) != NULL)
			PQfreemem(n);
	}
	return 1;
}

static void slot_free(w3w__pg_pool *pool)
{
	pthread_mutex_lock(&pool->mu);
	pool->open--;
	pthread_cond_signal(&pool->cv);
	pthread_mutex_unlock(&pool->mu);
}

w3w_status w3w__pg_acquire(w3w__pg_pool *pool, int raw, w3w__pg_conn **out)
{
	struct timespec until;
	w3w__pg_conn *c = NULL;
	w3w_status st;

	*out = NULL;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += pool->timeout_ms / 1000;
	until.tv_nsec += (long)(pool->timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}

	pthread_mutex_lock(&pool->mu);
	for (;;) {
		if (pool->idle) {
			c = pool->idle;
			pool->idle = c->next;
			break;
		}
		if (pool->open < pool->size) {
			pool->open++; /* our slot; the connection is opened outside the lock */
			break;
		}
		if (pthread_cond_timedwait(&pool->cv, &pool->mu, &until) == ETIMEDOUT && !pool->idle &&
		    pool->open >= pool->size) {
			pthread_mutex_unlock(&pool->mu);
			return w3w_error_set(W3W_EUNAVAILABLE,
				"postgres: no free connection within %d ms (all %d of the pool busy)",
				pool->timeout_ms, pool->size);
		}
	}
	pthread_mutex_unlock(&pool->mu);

	if (c && !looks_alive(c)) {
		PQfinish(c->pg); /* keep the slot and the struct: reconnect in place */
		c->pg = NULL;
		c->prepared = 0;
	}
	if (!c && !(c = calloc(1, sizeof(*c)))) {
		slot_free(pool);
		return w3w_error_set(W3W_ENOMEM, "postgres: out of memory");
	}
	if (!c->pg && (st = w3w__pg_connect(pool, &c->pg)) != W3W_OK) {
		free(c);
		slot_free(pool);
		return st;
	}
	if (!raw && !c->prepared && (st = prepare_all(pool, c)) != W3W_OK) {
		w3w__pg_release(pool, c, 1);
		return st;
	}
	*out = c;
	return W3W_OK;
}

void w3w__pg_release(w3w__pg_pool *pool, w3w__pg_conn *c, int broken)
{
	if (!c)
		return;
	if (broken || PQstatus(c->pg) != CONNECTION_OK || PQtransactionStatus(c->pg) != PQTRANS_IDLE) {
		conn_close(c);
		slot_free(pool);
		return;
	}
	pthread_mutex_lock(&pool->mu);
	c->next = pool->idle;
	pool->idle = c;
	pthread_cond_signal(&pool->cv);
	pthread_mutex_unlock(&pool->mu);
}

/*
 * Running statements: send, wait for the answer within a deadline (a
 * silent network must not hang a thread), map errors to statuses, and
 * retry what is safe to retry.
 *
 * What a failure means for a command run in autocommit:
 *  - an answer with an SQLSTATE: the statement failed and rolled back.
 *    40001/40P01 (serialization, deadlock) and the server going away
 *    (57P01..57P03, class 08) are retried; the rest is final.
 *  - no answer (connection lost, or the deadline passed): the commit may
 *    or may not have happened. Reads are retried. Writes: see
 *    w3w__pg_write() in pg.h; a write whose outcome stays unknown after
 *    the retries is W3W_EUNKNOWN, never W3W_EUNAVAILABLE ("nothing
 *    applied").
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "storage/postgres/pg.h"

#define MAX_ATTEMPTS 5
#define BACKOFF_FIRST_MS 5
#define BACKOFF_CAP_MS 250

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The server cancels a statement after timeout_ms; the client waits a little longer. */
static int answer_wait_ms(int timeout_ms)
{
	return timeout_ms + (timeout_ms / 2 > 1000 ? timeout_ms / 2 : 1000);
}

PGresult *w3w__pg_wait(PGconn *conn, int wait_ms)
{
	int64_t deadline = mono_ms() + wait_ms;
	PGresult *last = NULL, *r;

	for (;;) {
		while (PQisBusy(conn)) {
			struct pollfd pfd = { PQsocket(conn), POLLIN, 0 };
			int64_t left = deadline - mono_ms();
			int rc;
			if (pfd.fd < 0 || left <= 0)
				goto lost;
			rc = poll(&pfd, 1, (int)left);
			if (rc < 0 && errno == EINTR)
				continue;
			if (rc <= 0 || !PQconsumeInput(conn))
				goto lost;
		}
		r = PQgetResult(conn);
		if (!r)
			break;
		/* Like PQexec: keep the last result, but an error wins over what follows it. */
		if (last && PQresultStatus(last) == PGRES_FATAL_ERROR) {
			PQclear(r);
			continue;
		}
		PQclear(last);
		last = r;
	}
	if (last && PQresultStatus(last) == PGRES_FATAL_ERROR && !PQresultErrorField(last, PG_DIAG_SQLSTATE) &&
	    PQstatus(conn) == CONNECTION_BAD)
		goto lost; /* libpq's own "server closed the connection": no answer */
	return last;
lost:
	PQclear(last);
	return NULL;
}

PGresult *w3w__pg_query(PGconn *conn, const char *sql, const w3w__pg_params *p, int wait_ms)
{
	int sent = p ? PQsendQueryParams(conn, sql, p->n, NULL, p->v, NULL, NULL, 0)
	             : PQsendQuery(conn, sql);
	return sent ? w3w__pg_wait(conn, wait_ms) : NULL;
}

static const char *sqlstate_of(const PGresult *r)
{
	const char *s = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	return s ? s : "";
}

static int is_ours(const char *sqlstate)
{
	return sqlstate[0] == 'W' && sqlstate[1] == '3';
}

/*
 * Every SQLSTATE class, mapped on purpose (PostgreSQL manual, Appendix A);
 * the longest matching entry wins. `retry`: the server answered, so the
 * statement rolled back, and another attempt (on a new connection when
 * `drop`) may succeed.
 */
static const struct sqlstate_rule {
	const char *code;  /* a full SQLSTATE or a class prefix */
	w3w_status status;
	unsigned char retry, drop;
} sqlstate_rules[] = {
	{ W3W__PG_SQLSTATE_NOTFOUND, W3W_ENOTFOUND, 0, 0 },      /* W3: our functions' refusals */
	{ W3W__PG_SQLSTATE_CONFLICT, W3W_ECONFLICT, 0, 0 },
	{ W3W__PG_SQLSTATE_INSUFFICIENT, W3W_EINSUFFICIENT, 0, 0 },
	{ W3W__PG_SQLSTATE_FORBIDDEN, W3W_EFORBIDDEN, 0, 0 },
	{ W3W__PG_SQLSTATE_STATE, W3W_ESTATE, 0, 0 },
	{ W3W__PG_SQLSTATE_IDEMPOTENCY, W3W_EIDEMPOTENCY, 0, 0 },
	{ W3W__PG_SQLSTATE_LIMIT, W3W_ELIMIT, 0, 0 },
	{ W3W__PG_SQLSTATE_BROKEN, W3W_EINTERNAL, 0, 0 },
	{ "W3", W3W_EINTERNAL, 0, 0 },
	{ "08", W3W_EUNAVAILABLE, 1, 1 },     /* connection exception */
	{ "22", W3W_EINVAL, 0, 0 },           /* data exception: bad uuid text, out of range, too long */
	{ "23503", W3W_ENOTFOUND, 0, 0 },     /* foreign key: a referenced row is missing */
	{ "23505", W3W_ECONFLICT, 0, 0 },     /* unique: lost a race, or exists */
	{ "23514", W3W_EINVAL, 0, 0 },        /* check constraint */
	{ "23502", W3W_EINVAL, 0, 0 },        /* not null */
	{ "23", W3W_ECONFLICT, 0, 0 },        /* other integrity constraint */
	{ "25006", W3W_EUNAVAILABLE, 1, 1 },  /* read-only transaction: a standby; another host may be the primary */
	{ "25", W3W_EINTERNAL, 0, 0 },        /* invalid transaction state: a bug */
	{ "28", W3W_EUNAVAILABLE, 0, 1 },     /* authorization: rotated password, pg_hba */
	{ "3D", W3W_EUNAVAILABLE, 0, 1 },     /* the database does not exist (dropped, wrong URL) */
	{ "40001", W3W_EUNAVAILABLE, 1, 0 },  /* serialization failure */
	{ "40P01", W3W_EUNAVAILABLE, 1, 0 },  /* deadlock */
	{ "40003", W3W_EUNKNOWN, 0, 1 },      /* statement completion unknown */
	{ "40", W3W_EUNAVAILABLE, 0, 0 },     /* other rollbacks */
	{ "42", W3W_EINTERNAL, 0, 0 },        /* syntax, undefined object, permission: schema or grants wrong */
	{ "53", W3W_EUNAVAILABLE, 0, 0 },     /* insufficient resources: disk full, out of memory, too many connections */
	{ "54", W3W_EINTERNAL, 0, 0 },        /* program limit exceeded */
	{ "55P03", W3W_EUNAVAILABLE, 0, 0 },  /* lock not available */
	{ "55", W3W_EINTERNAL, 0, 0 },        /* object not in prerequisite state */
	{ "57014", W3W_EUNAVAILABLE, 0, 0 },  /* query canceled: statement_timeout */
	{ "57P01", W3W_EUNAVAILABLE, 1, 1 },  /* admin shutdown */
	{ "57P02", W3W_EUNAVAILABLE, 1, 1 },  /* crash shutdown */
	{ "57P03", W3W_EUNAVAILABLE, 1, 1 },  /* cannot connect now: starting up, or in recovery */
	{ "57", W3W_EUNAVAILABLE, 0, 1 },     /* other operator intervention (database dropped, ...) */
	{ "58", W3W_EUNAVAILABLE, 0, 1 },     /* system error: I/O */
	{ "XX", W3W_EINTERNAL, 0, 1 },        /* internal error, data corrupted */
};

w3w_status w3w__pg_sqlstate_rule(const char *sqlstate, int *retry, int *drop)
{
	const struct sqlstate_rule *best = NULL;
	size_t best_len = 0;

	for (size_t i = 0; i < sizeof(sqlstate_rules) / sizeof(sqlstate_rules[0]); i++) {
		size_t n = strlen(sqlstate_rules[i].code);
		if (n > best_len && strncmp(sqlstate, sqlstate_rules[i].code, n) == 0) {
			best = &sqlstate_rules[i];
			best_len = n;
		}
	}
	if (retry)
		*retry = best ? best->retry : 0;
	if (drop)
		*drop = best ? best->drop : 0;
	return best ? best->status : W3W_EINTERNAL; /* 0A, P0, F0, HV, ...: not expected from our SQL */
}

static w3w_status status_of_sqlstate(const char *s)
{
	return w3w__pg_sqlstate_rule(s, NULL, NULL);
}

w3w_status w3w__pg_fail(const PGresult *r, PGconn *conn, const char *what)
{
	const char *state = sqlstate_of(r);
	const char *msg = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *constraint = r ? PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME) : NULL;
	char clean[400];

	if (!msg)
		msg = r ? PQresultErrorMessage(r) : (conn ? PQerrorMessage(conn) : "");
	w3w__pg_scrub(clean, sizeof(clean), msg, NULL);
	if (is_ours(state))   /* a domain refusal: its message is written for the caller */
		return w3w_error_set(status_of_sqlstate(state), "%s", clean);
	if (constraint && strcmp(constraint, "uq_claims_live_order") == 0)
		return w3w_error_set(W3W_ECONFLICT, "%s: the order already has a live claim", what);
	if (strcmp(state, "57014") == 0)
		return w3w_error_set(W3W_EUNAVAILABLE, "postgres: %s: timed out (%s)", what, clean);
	if (!*state)
		return w3w_error_set(W3W_EUNAVAILABLE, "postgres: %s: %s", what,
			clean[0] ? clean : "connection lost");
	return w3w_error_set(status_of_sqlstate(state), "postgres: %s: %s [%s]", what, clean, state);
}

/* ---- retries ------------------------------------------------------------------ */

typedef enum outcome { DONE, FAILED, RETRY, NO_ANSWER } outcome;

/* What an answer means for the command; *drop: close the connection rather than reuse it. */
static outcome classify(const PGresult *r, int *drop)
{
	int retry = 0;

	*drop = 0;
	if (!r)
		return NO_ANSWER;
	switch (PQresultStatus(r)) {
	case PGRES_TUPLES_OK:
	case PGRES_COMMAND_OK:
		return DONE;
	default:
		break;
	}
	w3w__pg_sqlstate_rule(sqlstate_of(r), &retry, drop);
	return retry ? RETRY : FAILED; /* RETRY: the server answered, so the statement rolled back */
}

/* Full jitter over an exponential step: retries of many threads spread out. */
static void backoff(int attempt)
{
	static _Thread_local unsigned int seed;
	int step = BACKOFF_FIRST_MS << (attempt < 6 ? attempt : 6);
	struct timespec ts;

	if (step > BACKOFF_CAP_MS)
		step = BACKOFF_CAP_MS;
	if (!seed) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		seed = (unsigned int)ts.tv_nsec ^ (unsigned int)(uintptr_t)&ts;
	}
	int ms = step / 2 + rand_r(&seed) % (step / 2 + 1);
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

/*
 * Did the command of `meta` commit? Its event is in the outbox exactly
 * when it did. 1 yes (meta->event.seq set), 0 no, -1 cannot tell.
 */
static int committed(w3w__pg *pg, w3w_write_meta *meta)
{
	w3w__pg_params p;
	PGresult *r = NULL;
	int yes;

	w3w__pg_params_init(&p);
	w3w__pg_p_text(&p, meta->event.id);
	if (w3w__pg_run(pg, PG_OUTBOX_HAS_EVENT, &p, "outbox check", &r) != W3W_OK)
		return -1;
	yes = PQntuples(r) == 1;
	if (yes)
		meta->event.seq = w3w__pg_col_i64(r, 0, 0);
	PQclear(r);
	return yes;
}

/* What to send: a prepared statement of w3w__pg_stmts, or SQL text (sent unprepared). */
typedef struct statement {
	int id;
	const char *sql;
} statement;

static int send_statement(w3w__pg_conn *c, const statement *s, const w3w__pg_params *p)
{
	return s->sql ? PQsendQueryParams(c->pg, s->sql, p->n, NULL, p->v, NULL, NULL, 0)
	              : PQsendQueryPrepared(c->pg, w3w__pg_stmts[s->id].name, p->n, p->v, NULL, NULL, 0);
}

/*
 * The retries are over. If an attempt of a write got no answer, the command
 * may have committed: ask the outbox. Found: it did (the caller reads what it
 * wrote). Not found: the server's statement_timeout has passed since, so the
 * lost attempt can no longer commit and nothing was applied. Cannot ask:
 * W3W_EUNKNOWN, never "nothing applied".
 */
static w3w_status give_up(w3w__pg *pg, w3w_write_meta *meta, int unsure, w3w_status st, const char *what,
	int attempts, const char *last)
{
	if (unsure) {
		int yes = committed(pg, meta);
		if (yes > 0)
			return W3W__PG_COMMITTED;
		if (yes < 0)
			return w3w_error_set(W3W_EUNKNOWN, "postgres: %s: the answer was lost and the database cannot be"
				" asked whether the command was applied (%s); retry with the same idempotency key",
				what, last[0] ? last : "no connection");
	}
	if (st != W3W_OK)
		return st;
	return w3w_error_set(W3W_EUNAVAILABLE, "postgres: %s: gave up after %d attempts: %s", what, attempts, last);
}

/* `batch`: a lost answer is not retried (elements without keys would apply twice): W3W_EUNKNOWN. */
static w3w_status run(w3w__pg *pg, const statement *stmt, const w3w__pg_params *p, w3w_write_meta *meta,
	int batch, const char *what, PGresult **out)
{
	w3w__pg_pool *pool = &pg->pool;
	int64_t give_up_at = mono_ms() + pool->timeout_ms;
	char last[300] = "";
	int unsure = 0; /* an earlier attempt got no answer: it may have committed */

	*out = NULL;
	if (p->oom)
		return w3w_error_set(W3W_ENOMEM, "postgres: %s: out of memory", what);
	for (int attempt = 0;; attempt++) {
		w3w__pg_conn *c;
		PGresult *r = NULL;
		outcome o;
		int drop = 0;
		w3w_status st = w3w__pg_acquire(pool, stmt->sql != NULL, &c);

		if (st == W3W_EUNAVAILABLE && attempt + 1 < MAX_ATTEMPTS && mono_ms() < give_up_at) {
			snprintf(last, sizeof(last), "%s", w3w_error_message());
			backoff(attempt); /* a connection that failed while opening: nothing was sent */
			continue;
		}
		if (st != W3W_OK)
			return give_up(pg, meta, unsure, st, what, attempt + 1, last);
		if (send_statement(c, stmt, p)) {
			r = w3w__pg_wait(c->pg, answer_wait_ms(pool->timeout_ms));
			o = classify(r, &drop);
		} else {
			o = RETRY; /* nothing (complete) was sent: the server never ran it */
		}
		w3w__pg_release(pool, c, drop || o == NO_ANSWER || (o == RETRY && !r) ||
			PQstatus(c->pg) != CONNECTION_OK);

		if (o == DONE) {
			*out = r;
			return W3W_OK;
		}
		if (o == FAILED) {
			const char *constraint = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME);
			/* A retry met the event its lost first attempt had committed. */
			if (unsure && constraint && strcmp(constraint, "outbox_id_key") == 0 &&
			    committed(pg, meta) > 0) {
				PQclear(r);
				return W3W__PG_COMMITTED;
			}
			st = w3w__pg_fail(r, NULL, what);
			PQclear(r);
			/* Refused because the lost attempt did it after all (the order it claimed is claimed)? */
			if (unsure && !meta->idem_key[0] && committed(pg, meta) > 0)
				return W3W__PG_COMMITTED;
			return st;
		}
		if (r)
			w3w__pg_scrub(last, sizeof(last), PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY), NULL);
		else
			snprintf(last, sizeof(last), "connection lost or no answer within %d ms",
				answer_wait_ms(pool->timeout_ms));
		PQclear(r);
		if (o == NO_ANSWER && batch)
			return w3w_error_set(W3W_EUNKNOWN, "postgres: %s: the answer was lost (%s): the batch may or may not"
				" have committed; retry it with the same idempotency keys", what, last);
		if (o == NO_ANSWER && meta) {
			unsure = 1;
			/* Without a key, a retry of a committed command would be refused: ask first. */
			if (!meta->idem_key[0] && committed(pg, meta) > 0)
				return W3W__PG_COMMITTED;
		}
		if (attempt + 1 >= MAX_ATTEMPTS || mono_ms() >= give_up_at)
			return give_up(pg, meta, unsure, W3W_OK, what, attempt + 1, last);
		backoff(attempt);
	}
}

w3w_status w3w__pg_run(w3w__pg *pg, int id, const w3w__pg_params *p, const char *what,
	PGresult **out)
{
	statement s = { id, NULL };
	return run(pg, &s, p, NULL, 0, what, out);
}

static w3w_status check_meta(const w3w_write_meta *meta, const char *what)
{
	if (!w3w__pg_is_uuid(meta->event.id) || !w3w__pg_is_uuid(meta->audit.id) ||
	    !w3w__pg_is_uuid(meta->actor_id))
		return w3w_error_set(W3W_EINVAL,
			"postgres: %s: meta.actor_id, meta.event.id and meta.audit.id must be UUIDs", what);
	return W3W_OK;
}

/* A key reused with another request: say which key, as every backend does. */
static w3w_status name_the_key(w3w_status st, const w3w_write_meta *meta)
{
	if (st == W3W_EIDEMPOTENCY && meta && meta->idem_key[0])
		w3w_error_set(st, "idempotency key %s: already used with a different request", meta->idem_key);
	return st;
}

w3w_status w3w__pg_write(w3w__pg *pg, int id, const w3w__pg_params *p, w3w_write_meta *meta,
	const char *what, PGresult **out)
{
	statement s = { id, NULL };
	w3w_status st = check_meta(meta, what);
	return st != W3W_OK ? st : name_the_key(run(pg, &s, p, meta, 0, what, out), meta);
}

w3w_status w3w__pg_run_sql(w3w__pg *pg, const char *sql, const w3w__pg_params *p, w3w_write_meta *meta,
	const char *what, PGresult **out)
{
	statement s = { -1, sql };
	w3w_status st = meta ? check_meta(meta, what) : W3W_OK;
	return st != W3W_OK ? st : name_the_key(run(pg, &s, p, meta, 0, what, out), meta);
}

w3w_status w3w__pg_run_batch(w3w__pg *pg, int id, const w3w__pg_params *p, const char *what, PGresult **out)
{
	statement s = { id, NULL };
	return run(pg, &s, p, NULL, 1, what, out);
}

int w3w__pg_answer_wait_ms(int timeout_ms)
{
	return answer_wait_ms(timeout_ms);
}

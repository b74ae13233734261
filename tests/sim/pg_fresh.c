/* A fresh PostgreSQL schema per seed (see pg_fresh.h); libpq only for CREATE/DROP SCHEMA. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pg_fresh.h"

#ifdef W3W_WITH_POSTGRES
#include <libpq-fe.h>

static void quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static int exec_on(const char *base, const char *sql, char *err, size_t err_size)
{
	PGconn *c = PQconnectdb(base);
	PGresult *res;
	int ok;

	if (PQstatus(c) != CONNECTION_OK) {
		snprintf(err, err_size, "connect: %s", PQerrorMessage(c));
		PQfinish(c);
		return -1;
	}
	PQsetNoticeProcessor(c, quiet, NULL);
	res = PQexec(c, sql);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		snprintf(err, err_size, "%s: %s", sql, PQresultErrorMessage(res));
	PQclear(res);
	PQfinish(c);
	return ok ? 0 : -1;
}

int sim_pg_fresh(const char *base, uint64_t seed, char *url, size_t url_size, char *schema,
	size_t schema_size, char *err, size_t err_size)
{
	static unsigned n;
	char sql[160];

	snprintf(schema, schema_size, "sim_%llu_%d_%u", (unsigned long long)seed, (int)getpid(), ++n);
	snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", schema);
	if (exec_on(base, sql, err, err_size) != 0)
		return -1;
	if (strstr(base, "://"))
		snprintf(url, url_size, "%s%coptions=-csearch_path%%3D%s", base, strchr(base, '?') ? '&' : '?', schema);
	else
		snprintf(url, url_size, "%s options='-csearch_path=%s'", base, schema);
	return 0;
}

void sim_pg_drop(const char *base, const char *schema)
{
	char sql[160], err[256];
	snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %s CASCADE", schema);
	if (exec_on(base, sql, err, sizeof(err)) != 0)
		fprintf(stderr, "sim: could not drop schema %s: %s\n", schema, err);
}

#else

int sim_pg_fresh(const char *base, uint64_t seed, char *url, size_t url_size, char *schema,
	size_t schema_size, char *err, size_t err_size)
{
	snprintf(err, err_size, "this build has no PostgreSQL backend (W3W_WITH_POSTGRES)");
	return -1;
}

void sim_pg_drop(const char *base, const char *schema)
{
}

#endif

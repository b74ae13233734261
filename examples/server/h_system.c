/* Health, readiness, metrics and the audit chain check. */
#include <stdlib.h>
#include <string.h>

#include "chains.h"
#include "handlers.h"
#include "log.h"
#include "metrics.h"
#include "server.h"

void h_healthz(exchange *ex)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "status", "ok");
	cJSON_AddStringToObject(j, "version", w3w_version());
	ex_cjson(ex, 200, j);
}

/*
 * Ready = the storage answers and accepts writes (a host on a standby serves
 * reads but is not ready). The event sink's health shows as the outbox
 * backlog; it does not make the server unready. The answer names the kind
 * of failure only: the library's message (hosts, users) goes to the log.
 */
/* The read replica, when one is configured: reachable, lag, and whether reads use it now. */
static void add_replica(cJSON *j, w3w_ctx *ctx)
{
	w3w_replica_state rs;
	cJSON *r;
	if (w3w_replica_state_get(&rs, ctx) != W3W_OK || !rs.configured)
		return;
	r = cJSON_AddObjectToObject(j, "replica");
	cJSON_AddBoolToObject(r, "reachable", rs.reachable);
	cJSON_AddNumberToObject(r, "lag_ms", (double)rs.lag_ms);
	cJSON_AddStringToObject(r, "replayed", rs.replayed);
}

void h_readyz(exchange *ex)
{
	w3w_health health;
	w3w_outbox_stats stats;
	w3w_status st;
	cJSON *j, *outbox;
	if (atomic_load(&ex->srv->draining)) {
		ex_error(ex, 503, "unavailable", "shutting down");
		return;
	}
	w3w_ctx_health_get(&health, ex->srv->ctx);
	st = health.storage;
	if (st == W3W_OK)
		st = w3w_outbox_stats_get(&stats, ex->srv->ctx, &ex->srv->self);
	if (st != W3W_OK) {
		cJSON *f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "status", w3w_status_name(st));
		cJSON_AddStringToObject(f, "detail", w3w_error_message());
		log_event("warn", "not ready", f);
		ex_error(ex, 503, "unavailable", "%s", st == W3W_ESTATE
			? "storage is read-only (a standby): writes are refused until it reaches a primary"
			: "storage unavailable");
		ex->retry_after_s = 1;
		return;
	}
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "status", "ready");
	cJSON_AddStringToObject(j, "storage", "ok");
	cJSON_AddStringToObject(j, "storage_role", "primary"); /* it accepts writes (a standby answers 503 above) */
	/* Reported, not required: a cache or sink that is down slows reads or delays events, nothing more. */
	cJSON_AddStringToObject(j, "cache", health.cache == W3W_OK ? "ok" : "unavailable");
	cJSON_AddStringToObject(j, "events", health.events == W3W_OK ? "ok" : "unavailable");
	add_replica(j, ex->srv->ctx);
	/* Reported, not required: a node that is down stops its chain's deposits and withdrawals only. */
	if (chains_count() > 0)
		cJSON_AddItemToObject(j, "chains", chains_readyz());
	outbox = cJSON_AddObjectToObject(j, "outbox");
	cJSON_AddNumberToObject(outbox, "pending", (double)stats.pending);
	cJSON_AddNumberToObject(outbox, "lag_seconds",
		stats.oldest_pending_at ? (double)(w3w_time_now() - stats.oldest_pending_at) / 1e6 : 0.0);
	ex_cjson(ex, 200, j);
}

void h_metrics(exchange *ex)
{
	char *text = metrics_render(ex->srv->ctx, &ex->srv->self);
	if (!text) {
		ex_error(ex, 503, "unavailable", "out of memory");
		return;
	}
	free(ex->resp_body);
	ex->resp_body = text;
	ex->resp_len = strlen(text);
	ex->status = 200;
	ex->content_type = "text/plain; version=0.0.4; charset=utf-8";
}

void h_audit_verify(exchange *ex)
{
	w3w_audit_report report;
	w3w_status st = w3w_audit_verify(&report, ex->srv->ctx, &ex->actor);
	cJSON *j;
	if (st != W3W_OK) {
		ex_fail(ex, st);
		return;
	}
	j = cJSON_CreateObject();
	cJSON_AddBoolToObject(j, "ok", report.ok);
	cJSON_AddNumberToObject(j, "records", (double)report.records);
	cJSON_AddNumberToObject(j, "unsealed", (double)report.unsealed);
	if (!report.ok) {
		cJSON_AddNumberToObject(j, "first_bad", (double)report.first_bad);
		cJSON_AddStringToObject(j, "reason", report.reason);
	}
	ex_cjson(ex, 200, j);
}

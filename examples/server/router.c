/* Route table and dispatch (see router.h). */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "handlers.h"
#include "metrics.h"
#include "router.h"
#include "server.h"

static const char *const q_list_orders[] = { "status", "user_id", "limit", "cursor", NULL };
static const char *const q_list_supplies[] = { "status", "user_id", "limit", "cursor", NULL };
static const char *const q_accounts[] = { "user_id", NULL };
static const char *const q_wallets[] = { "user_id", NULL };
static const char *const q_deposits[] = { "chain", "user_id", "limit", NULL };
static const char *const q_sweeps[] = { "chain", "limit", NULL };
static const char *const q_ledger_totals[] = { "currency", NULL };
static const char *const q_list_claims[] = { "status", "limit", "cursor", NULL };
static const char *const q_limits[] = { "user_id", "currency", NULL };
static const char *const q_audit_records[] = { "after", "limit", NULL };
static const char *const q_order_events[] = { "after", "limit", NULL };

static const struct route routes[] = {
	{ "GET",    "/healthz",                 h_healthz,       ROUTE_PUBLIC | ROUTE_METRICS, NULL },
	{ "GET",    "/readyz",                  h_readyz,        ROUTE_PUBLIC | ROUTE_METRICS, NULL },
	{ "GET",    "/metrics",                 h_metrics,       ROUTE_PUBLIC | ROUTE_METRICS, NULL },
	{ "POST",   "/v1/deposits",             h_deposit,       0, NULL },
	{ "POST",   "/v1/withdrawals",          h_withdraw,      0, NULL },
	{ "POST",   "/v1/transfers",            h_transfer,      0, NULL },
	{ "GET",    "/v1/withdrawals/{id}",     h_withdrawal_get, 0, NULL },
	{ "POST",   "/v1/withdrawals/{id}/replace", h_withdrawal_replace, 0, NULL },
	{ "POST",   "/v1/withdrawals/{id}/cancel",  h_withdrawal_cancel,  0, NULL },
	{ "POST",   "/v1/ledger/withdrawals",   h_ledger_withdraw, 0, NULL },
	{ "GET",    "/v1/deposits",             h_deposit_list,  0, q_deposits },
	{ "GET",    "/v1/sweeps",               h_sweep_list,    0, q_sweeps },
	{ "POST",   "/v1/sweeps/run",           h_sweep_run,     0, NULL },
	{ "GET",    "/v1/accounts",             h_accounts,      0, q_accounts },
	{ "POST",   "/v1/wallets",              h_wallet_create, 0, NULL },
	{ "GET",    "/v1/wallets",              h_wallet_list,   0, q_wallets },
	{ "GET",    "/v1/limits",               h_limits_get,    0, q_limits },
	{ "PUT",    "/v1/limits",               h_limits_set,    0, NULL },
	{ "DELETE", "/v1/limits",               h_limits_clear,  0, q_limits },
	{ "POST",   "/v1/supplies",             h_supply_create, 0, NULL },
	{ "GET",    "/v1/supplies",             h_supply_list,   0, q_list_supplies },
	{ "GET",    "/v1/supplies/{id}",        h_supply_get,    0, NULL },
	{ "PATCH",  "/v1/supplies/{id}",        h_supply_update, 0, NULL },
	{ "DELETE", "/v1/supplies/{id}",        h_supply_delete, 0, NULL },
	{ "POST",   "/v1/orders",               h_order_create,  0, NULL },
	{ "GET",    "/v1/orders",               h_order_list,    0, q_list_orders },
	{ "GET",    "/v1/orders/{id}",          h_order_get,     0, NULL },
	{ "DELETE", "/v1/orders/{id}",          h_order_cancel,  0, NULL },
	{ "POST",   "/v1/orders/{id}/claim",    h_order_claim,   0, NULL },
	{ "GET",    "/v1/claims/{id}",          h_claim_get,     0, NULL },
	{ "POST",   "/v1/claims/{id}/process",  h_claim_process, 0, NULL },
	{ "POST",   "/v1/claims/{id}/release",  h_claim_release, 0, NULL },
	{ "GET",    "/v1/audit/verify",         h_audit_verify,  0, NULL },
	{ "GET",    "/v1/audit/records",        h_audit_records, 0, q_audit_records },
	{ "GET",    "/v1/ledger/totals",        h_ledger_totals, 0, q_ledger_totals },
	{ "GET",    "/v1/claims",               h_claim_list,    0, q_list_claims },
	{ "GET",    "/v1/orders/{id}/claim",    h_order_claim_get, 0, NULL },
	{ "POST",   "/v1/batch/claims",         h_batch_claims,    0, NULL },
	{ "POST",   "/v1/batch/claims/process", h_batch_process,   0, NULL },
	{ "POST",   "/v1/batch/deposits",       h_batch_deposits,  0, NULL },
	{ "POST",   "/v1/batch/transfers",      h_batch_transfers, 0, NULL },
	{ "POST",   "/v1/batch/orders",         h_batch_orders,    0, NULL },
	{ "GET",    "/v1/orders/{id}/events",   h_order_events,  0, q_order_events },
	{ "GET",    "/admin",                   h_admin_index,   ROUTE_PUBLIC, NULL },
	{ "GET",    "/admin/",                  h_admin_index,   ROUTE_PUBLIC, NULL },
	{ "GET",    "/admin/{id}",              h_admin_file,    ROUTE_PUBLIC, NULL },
};
#define ROUTE_COUNT ((int)(sizeof(routes) / sizeof(routes[0])))
_Static_assert(ROUTE_COUNT <= ROUTER_ROUTES_MAX, "raise ROUTER_ROUTES_MAX");

int router_route_count(void)
{
	return ROUTE_COUNT;
}

const struct route *router_route(int index)
{
	return index >= 0 && index < ROUTE_COUNT ? &routes[index] : NULL;
}

int router_route_index(const struct route *route)
{
	return route ? (int)(route - routes) : ROUTE_COUNT;
}

/* Match `path` against `pattern` segment by segment; {id} captures one non-empty segment. */
static int match(const char *pattern, const char *path, exchange *ex)
{
	int param = 0;
	while (*pattern && *path) {
		if (strncmp(pattern, "{id}", 4) == 0) {
			size_t n = strcspn(path, "/");
			if (n == 0 || n > EX_PARAM_MAX || param >= EX_PARAMS)
				return 0;
			memcpy(ex->params[param], path, n);
			ex->params[param][n] = '\0';
			param++;
			pattern += 4;
			path += n;
			continue;
		}
		if (*pattern != *path)
			return 0;
		pattern++;
		path++;
	}
	return *pattern == '\0' && *path == '\0';
}

/* Idempotency-Key: present means not empty; what a key may be is the library's rule. */
static int take_idempotency_key(exchange *ex)
{
	const char *key = ex_header(ex, "Idempotency-Key");
	if (!key)
		return 0;
	if (!*key) {
		ex_error(ex, 400, "invalid", "Idempotency-Key: must not be empty");
		return -1;
	}
	if (w3w_idempotency_key_check(key) != W3W_OK) {
		ex_error(ex, 400, "invalid", "Idempotency-Key: must be 1 to 255 characters of printable ASCII without spaces");
		return -1;
	}
	ex->idempotency_key = key;
	return 0;
}

/* W3W-Read-After: reads of this request see at least that commit (any host's W3W-Commit-Position). */
static int take_read_after(exchange *ex)
{
	const char *pos = ex_header(ex, "W3W-Read-After");
	if (w3w_read_after(pos) != W3W_OK) {
		ex_error(ex, 400, "invalid", "W3W-Read-After: %s", w3w_error_message());
		return -1;
	}
	return 0;
}

static int authenticate(exchange *ex)
{
	const char *auth = ex_header(ex, "Authorization");
	if (!auth) {
		ex_error(ex, 401, "unauthenticated", "Authorization: a Bearer token is required");
		return -1;
	}
	if (strncasecmp(auth, "Bearer ", 7) != 0) {
		ex_error(ex, 401, "unauthenticated", "Authorization: expected \"Bearer <token>\"");
		return -1;
	}
	auth += 7;
	while (*auth == ' ')
		auth++;
	if (auth_verify(&ex->srv->keys, auth, &ex->actor) != W3W_OK) {
		ex_error(ex, 401, "unauthenticated", "%s", w3w_error_message());
		return -1;
	}
	ex->authenticated = 1;
	return 0;
}

/*
 * Per-user token bucket through the library (shared by every server process
 * when the cache is Redis, within the bound of src/core/rate_local.h, with no
 * Redis round trip per request; in-process otherwise). A cache outage allows.
 */
static int rate_limited(exchange *ex)
{
	const config *cfg = ex->srv->cfg;
	char key[64];
	int allowed = 1;
	int64_t retry_ms = 0;
	if (cfg->rate_per_s <= 0)
		return 0;
	snprintf(key, sizeof(key), "rl:%s", ex->actor.user_id);
	if (w3w_rate_limit_take(ex->srv->ctx, key, cfg->rate_per_s, cfg->burst, &allowed, &retry_ms) != W3W_OK || allowed)
		return 0;
	metrics_count(M_RATE_LIMITED);
	ex->retry_after_s = retry_ms <= 1000 ? 1 : (int)((retry_ms + 999) / 1000);
	ex_error(ex, 429, "rate_limited", "too many requests: retry in %d s", ex->retry_after_s);
	return 1;
}

static void run_handler(exchange *ex)
{
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ex->route->handler(ex);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	metrics_handler(router_route_index(ex->route),
		(int64_t)(t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000);
}

void router_dispatch(exchange *ex, int metrics_listener)
{
	char *allow = ex->allow;
	const size_t allow_size = sizeof(ex->allow);
	int path_matched = 0;
	const struct route *found = NULL;

	allow[0] = '\0';
	for (int i = 0; i < ROUTE_COUNT; i++) {
		const struct route *r = &routes[i];
		if (metrics_listener && !(r->flags & ROUTE_METRICS))
			continue;
		if (!metrics_listener && ex->srv->metrics_separate && strcmp(r->pattern, "/metrics") == 0)
			continue;
		if (!match(r->pattern, ex->path, ex))
			continue;
		path_matched = 1;
		snprintf(allow + strlen(allow), allow_size - strlen(allow), "%s%s", allow[0] ? ", " : "", r->method);
		if (strcmp(r->method, ex->method) == 0) {
			found = r;
			break;
		}
	}
	if (!found) {
		if (path_matched) {
			ex_error(ex, 405, "method_not_allowed", "%s is not allowed here (allowed: %s)", ex->method, allow);
		} else {
			ex_error(ex, 404, "not_found", "no such route");
		}
		return;
	}
	ex->route = found;
	if (ex_query_check(ex, found->query) != 0)
		return;
	if (!(found->flags & ROUTE_PUBLIC)) {
		if (authenticate(ex) != 0) {
			metrics_count(M_AUTH_FAILURES);
			return;
		}
		if (rate_limited(ex))
			return;
	}
	if (strcmp(ex->method, "GET") != 0 && take_idempotency_key(ex) != 0)
		return;
	if (take_read_after(ex) != 0)
		return;
	run_handler(ex);
	/* The library's per-thread state must not leak into the next request on this worker. */
	w3w_read_after(NULL);
	if (strcmp(ex->method, "GET") != 0 && ex->status < 300)
		w3w_commit_position(ex->commit_position, sizeof(ex->commit_position));
}

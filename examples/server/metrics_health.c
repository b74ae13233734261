/* Backend, replica and check gauges for /metrics (see metrics_health.h). */
#include <stdio.h>
#include <stdlib.h>

#include "chains.h"
#include "checks.h"
#include "metrics_health.h"

static void render_backends(FILE *out, w3w_ctx *ctx)
{
	w3w_health h;
	w3w_ctx_health_get(&h, ctx);
	/* A standby (W3W_ESTATE) answers reads: up, but not writable. */
	fprintf(out, "# HELP w3w_backend_up 1 if the backend answered at scrape time (events: the sink took the last publish).\n"
		"# TYPE w3w_backend_up gauge\n"
		"w3w_backend_up{backend=\"storage\"} %d\nw3w_backend_up{backend=\"cache\"} %d\n"
		"w3w_backend_up{backend=\"events\"} %d\n",
		h.storage == W3W_OK || h.storage == W3W_ESTATE, h.cache == W3W_OK, h.events == W3W_OK);
	fprintf(out, "# HELP w3w_storage_writable 1 if the storage accepts writes (0: down, or a read-only standby).\n"
		"# TYPE w3w_storage_writable gauge\nw3w_storage_writable %d\n", h.storage == W3W_OK);
}

/* Always exported, so dashboards and alerts find the names; w3w_replica_configured says whether they mean anything. */
static void render_replica(FILE *out, w3w_ctx *ctx)
{
	w3w_replica_state rs = { 0 };
	int configured = w3w_replica_state_get(&rs, ctx) == W3W_OK && rs.configured;
	fprintf(out, "# HELP w3w_replica_configured 1 if a read replica is configured (--read-storage).\n"
		"# TYPE w3w_replica_configured gauge\nw3w_replica_configured %d\n", configured);
	fprintf(out, "# HELP w3w_replica_up 1 if the read replica answered its last check (0 also when none is configured).\n"
		"# TYPE w3w_replica_up gauge\nw3w_replica_up %d\n", configured && rs.reachable);
	/* Unknown lag (-1: behind every primary position seen) shows as +Inf so that lag alerts fire. */
	fprintf(out, "# HELP w3w_replica_lag_seconds Replay lag of the read replica at its last check (+Inf: unknown).\n"
		"# TYPE w3w_replica_lag_seconds gauge\n");
	if (configured && rs.lag_ms < 0)
		fprintf(out, "w3w_replica_lag_seconds +Inf\n");
	else
		fprintf(out, "w3w_replica_lag_seconds %.3f\n", configured ? (double)rs.lag_ms / 1e3 : 0.0);
}

char *metrics_health_render(w3w_ctx *ctx)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	if (!out)
		return NULL;
	render_backends(out, ctx);
	render_replica(out, ctx);
	checks_render(out);
	chains_render(out);
	if (fclose(out) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

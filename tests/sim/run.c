/* One seed's run (see run.h): fresh storage, contexts, steps, checkpoints, cleanup. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checker.h"
#include "pg_fresh.h"
#include "pump.h"
#include "run.h"
#include "wrappers.h"
#include "workload.h"

/* The workload's streams; the fault streams are 1..3 (faults.c). */
#define STREAM_WORKLOAD 0
#define STREAM_RELAY 4
/* The relay runs after most steps; in between, commits wait in the outbox. */
#define RELAY_AFTER_STEP_PPM 700000

static int storage_setup(sim_run *r, char *err, size_t err_size)
{
	const char *tmp = getenv("TMPDIR");

	if (r->cfg->storage == SIM_STORAGE_POSTGRES)
		return sim_pg_fresh(r->cfg->pg_url, r->seed, r->storage_url, sizeof(r->storage_url), r->pg_schema,
			sizeof(r->pg_schema), err, err_size);
	if (!tmp || !*tmp || strlen(tmp) > 400)
		tmp = "/tmp";
	snprintf(r->dir, sizeof(r->dir), "%.400s/w3w-sim-XXXXXX", tmp);
	if (!mkdtemp(r->dir)) {
		snprintf(err, err_size, "mkdtemp in %.400s failed", tmp);
		r->dir[0] = '\0';
		return -1;
	}
	snprintf(r->storage_url, sizeof(r->storage_url), "sqlite:%s/sim.db", r->dir);
	return 0;
}

static void storage_teardown(sim_run *r)
{
	DIR *d;
	struct dirent *e;
	char file[1024];

	if (r->pg_schema[0])
		sim_pg_drop(r->cfg->pg_url, r->pg_schema);
	if (!r->dir[0] || !(d = opendir(r->dir)))
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(file, sizeof(file), "%s/%s", r->dir, e->d_name);
		unlink(file);
	}
	closedir(d);
	rmdir(r->dir);
}

static w3w_status open_ctx(w3w_ctx **out, const char *storage, const char *cache, const char *events,
	int timeout_ms)
{
	w3w_options o;
	w3w_options_init(&o, W3W_OPTIONS_VERSION);
	snprintf(o.storage_url, sizeof(o.storage_url), "%s", storage);
	snprintf(o.cache_url, sizeof(o.cache_url), "%s", cache);
	snprintf(o.events_url, sizeof(o.events_url), "%s", events);
	snprintf(o.region, sizeof(o.region), "sim");
	o.background_relay = 0; /* the simulator pumps: see pump.h */
	o.pool_size = 2;
	o.timeout_ms = timeout_ms;
	return w3w_ctx_open(out, &o);
}

static int contexts_open(sim_run *r, char *err, size_t err_size)
{
	char storage[W3W_URL_SIZE + 8], cache[W3W_URL_SIZE + 8];
	w3w_status st;

	snprintf(storage, sizeof(storage), SIM_SCHEME ":%s", r->storage_url);
	if (r->cfg->cache == SIM_CACHE_REDIS)
		snprintf(cache, sizeof(cache), SIM_SCHEME ":%s", r->cfg->redis_url);
	else
		snprintf(cache, sizeof(cache), SIM_SCHEME ":memory:");
	if ((st = open_ctx(&r->ctx, storage, cache, SIM_SCHEME ":record", r->cfg->timeout_ms)) != W3W_OK ||
	    (st = open_ctx(&r->truth, r->storage_url, "none:", "", 10000)) != W3W_OK ||
	    (st = w3w_subscribe(&r->sub, r->ctx, NULL, NULL, 1u << 16)) != W3W_OK) {
		snprintf(err, err_size, "open: %s (%s)", sim_status_name(st), w3w_error_message());
		return -1;
	}
	return 0;
}

static void faults_summary(const sim_faults *f, char *buf, size_t size)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int k = 0; k < SIM_F_COUNT && used < size; k++) {
		int n;
		if (!f->injected[k])
			continue;
		n = snprintf(buf + used, size - used, "%s%s %llu", used ? ", " : "", sim_fault_name((sim_fault_kind)k),
			(unsigned long long)f->injected[k]);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	if (!used)
		snprintf(buf, size, "none");
}

void sim_run_seed(const sim_config *cfg, uint64_t seed, sim_outcome *out)
{
	sim_run *r = calloc(1, sizeof(*r));
	int64_t t0 = sim_now_ms();
	char err[512] = "";

	memset(out, 0, sizeof(*out));
	if (!r) {
		out->violations = -1;
		snprintf(out->first_message, sizeof(out->first_message), "out of memory");
		return;
	}
	r->cfg = cfg;
	r->seed = seed;
	sim_faults_init(&r->faults, seed);
	r->faults.relay_budget = cfg->relay_faults;
	r->faults.lying = cfg->lying;
	if (cfg->lost_as)
		r->faults.lost_status = cfg->lost_as;
	sim_report_init(&r->report, seed, cfg->quiet);
	sim_model_init(&r->model, &r->report);
	sim_event_log_init(&r->sink_log);
	sim_event_log_init(&r->sub_log);
	r->faults.on_commit = sim_model_on_commit;
	r->faults.on_commit_arg = &r->model;
	r->faults.sink_log = &r->sink_log;
	sim_rng_seed(&r->rng, seed, STREAM_WORKLOAD);
	sim_rng_seed(&r->relay_rng, seed, STREAM_RELAY);
	sim_fx = &r->faults;

	/* Setup (migrations, actors) without faults: they are not what is under test. */
	sim_faults_enable(0);
	if (storage_setup(r, err, sizeof(err)) != 0 || contexts_open(r, err, sizeof(err)) != 0 ||
	    sim_workload_setup(r) != 0) {
		out->violations = -1;
		snprintf(out->first_message, sizeof(out->first_message), "setup: %s", err[0] ? err : "actors");
		goto done;
	}
	sim_faults_enable(1);
	for (int step = 1; step <= cfg->steps; step++) {
		r->report.step = step;
		r->stats.steps++;
		pthread_mutex_lock(&r->faults.lock);
		r->faults.clock_ms += 1000; /* one simulated second per step (cache TTLs, tombstones) */
		pthread_mutex_unlock(&r->faults.lock);
		if (cfg->verbose)
			printf("  step %d\n", step);
		sim_workload_step(r);
		if (sim_rng_chance(&r->relay_rng, RELAY_AFTER_STEP_PPM))
			sim_pump(r);
		else
			r->caught_up = 0;
		if (cfg->checkpoint_every > 0 && step % cfg->checkpoint_every == 0 && step < cfg->steps)
			sim_check(r);
	}
	r->report.step = cfg->steps + 1; /* the final check */
	sim_check(r);

	out->violations = r->report.violations;
	out->first_step = r->report.first_step;
	snprintf(out->first_check, sizeof(out->first_check), "%s", r->report.first_check);
	snprintf(out->first_message, sizeof(out->first_message), "%s", r->report.first_message);
	sim_report_summary(&r->report, out->summary, sizeof(out->summary));
done:
	r->stats.commits = r->model.n_commits;
	faults_summary(&r->faults, out->faults, sizeof(out->faults));
	out->stats = r->stats;
	w3w_unsubscribe(r->sub);
	w3w_ctx_close(r->ctx);
	w3w_ctx_close(r->truth);
	storage_teardown(r);
	sim_fx = NULL;
	sim_event_log_free(&r->sink_log);
	sim_event_log_free(&r->sub_log);
	sim_model_free(&r->model);
	sim_report_destroy(&r->report);
	sim_faults_destroy(&r->faults);
	free(r);
	out->seconds = (double)(sim_now_ms() - t0) / 1000.0;
}

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
	int timeout_ms, int pool_size)
{
	w3w_options o;
	w3w_options_init(&o, W3W_OPTIONS_VERSION);
	snprintf(o.storage_url, sizeof(o.storage_url), "%s", storage);
	snprintf(o.cache_url, sizeof(o.cache_url), "%s", cache);
	snprintf(o.events_url, sizeof(o.events_url), "%s", events);
	snprintf(o.region, sizeof(o.region), "sim");
	o.background_relay = 0; /* the simulator pumps: see pump.h */
	o.pool_size = pool_size;
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
	if ((st = open_ctx(&r->ctx, storage, cache, SIM_SCHEME ":record", r->cfg->timeout_ms, r->n_lanes + 1)) != W3W_OK ||
	    (st = open_ctx(&r->truth, r->storage_url, "none:", "", 10000, 2)) != W3W_OK ||
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

static _Thread_local sim_lane *tl_lane;

sim_lane *sim_current_lane(void)
{
	return tl_lane;
}

/* A commit belongs to the lane whose thread called the library. */
static void route_commit(void *arg, const sim_commit *c)
{
	sim_run *r = arg;
	sim_model_on_commit(&(tl_lane ? tl_lane : &r->lanes[0])->model, c);
}

/* Lanes meet at a checkpoint; one of them checks while the others wait. */
static void checkpoint(sim_run *r)
{
	if (r->n_lanes == 1) {
		sim_check(r);
		return;
	}
	if (pthread_barrier_wait(&r->barrier) == PTHREAD_BARRIER_SERIAL_THREAD)
		sim_check(r);
	pthread_barrier_wait(&r->barrier);
}

static void *lane_main(void *arg)
{
	sim_lane *l = arg;
	sim_run *r = l->run;
	const sim_config *cfg = r->cfg;

	tl_lane = l;
	for (int step = 1; step <= cfg->steps; step++) {
		l->step = step;
		l->stats.steps++;
		sim_report_set_step(l->index, step);
		pthread_mutex_lock(&r->faults.lock);
		r->faults.clock_ms += 1000; /* one simulated second per step (cache TTLs, tombstones) */
		pthread_mutex_unlock(&r->faults.lock);
		if (cfg->verbose)
			printf("  %sstep %d\n", r->n_lanes > 1 ? "lane " : "", step);
		sim_workload_step(l);
		if (sim_rng_chance(&l->relay_rng, RELAY_AFTER_STEP_PPM))
			sim_pump(l);
		else
			l->caught_up = 0;
		if (cfg->checkpoint_every > 0 && step % cfg->checkpoint_every == 0 && step < cfg->steps)
			checkpoint(r);
	}
	tl_lane = NULL;
	return NULL;
}

/* Run the lanes: on this thread if there is one (deterministic), else one thread each. */
static int run_lanes(sim_run *r)
{
	pthread_t threads[SIM_MAX_LANES];
	int started = 0;

	if (r->n_lanes == 1) {
		lane_main(&r->lanes[0]);
		return 0;
	}
	if (pthread_barrier_init(&r->barrier, NULL, (unsigned)r->n_lanes) != 0)
		return -1;
	for (; started < r->n_lanes; started++)
		if (pthread_create(&threads[started], NULL, lane_main, &r->lanes[started]) != 0)
			break;
	/* A lane that did not start would leave the others at the barrier: that is fatal. */
	if (started < r->n_lanes) {
		fprintf(stderr, "sim: cannot start lane threads\n");
		abort();
	}
	for (int i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	pthread_barrier_destroy(&r->barrier);
	return 0;
}

static void lanes_total(const sim_run *r, sim_stats *t)
{
	memset(t, 0, sizeof(*t));
	for (int i = 0; i < r->n_lanes; i++) {
		const sim_stats *s = &r->lanes[i].stats;
		t->steps += s->steps;
		t->calls += s->calls;
		t->attempts += s->attempts;
		t->reads += s->reads;
		t->checkpoints += s->checkpoints;
		t->refusals += s->refusals;
		t->commits += r->lanes[i].model.n_commits;
		for (int k = 0; k < 16; k++)
			t->status[k] += s->status[k];
		t->digest = i == 0 ? s->digest : sim_hash4(t->digest, s->digest, (uint64_t)i, 0);
	}
	t->lease_waits = r->lease_waits;
}

void sim_run_seed(const sim_config *cfg, uint64_t seed, sim_outcome *out)
{
	sim_run *r = calloc(1, sizeof(*r));
	int64_t t0 = sim_now_ms();
	char err[512] = "";
	int bad = 0;

	memset(out, 0, sizeof(*out));
	if (!r) {
		out->violations = -1;
		snprintf(out->first_message, sizeof(out->first_message), "out of memory");
		return;
	}
	r->cfg = cfg;
	r->seed = seed;
	r->n_lanes = cfg->threads < 1 ? 1 : cfg->threads > SIM_MAX_LANES ? SIM_MAX_LANES : cfg->threads;
	sim_faults_init(&r->faults, seed);
	r->faults.relay_budget = cfg->relay_faults;
	r->faults.lying = cfg->lying;
	if (cfg->lost_as)
		r->faults.lost_status = cfg->lost_as;
	sim_report_init(&r->report, seed, cfg->quiet);
	r->report.lanes = r->n_lanes;
	sim_event_log_init(&r->sink_log);
	sim_event_log_init(&r->sub_log);
	pthread_mutex_init(&r->collect_lock, NULL);
	r->faults.on_commit = route_commit;
	r->faults.on_commit_arg = r;
	r->faults.sink_log = &r->sink_log;
	for (int i = 0; i < r->n_lanes; i++) {
		sim_lane *l = &r->lanes[i];
		l->run = r;
		l->index = i;
		sim_model_init(&l->model, &r->report);
		sim_rng_seed(&l->rng, seed, i == 0 ? STREAM_WORKLOAD : 16 + 2 * (uint64_t)i);
		sim_rng_seed(&l->relay_rng, seed, i == 0 ? STREAM_RELAY : 17 + 2 * (uint64_t)i);
	}
	sim_fx = &r->faults;

	/* Setup (migrations, actors) without faults: they are not what is under test. */
	sim_faults_enable(0);
	sim_report_set_step(0, 0);
	bad = storage_setup(r, err, sizeof(err)) != 0 || contexts_open(r, err, sizeof(err)) != 0 ||
		sim_workload_setup_run(r) != 0;
	for (int i = 0; !bad && i < r->n_lanes; i++)
		bad = sim_workload_setup_lane(&r->lanes[i]) != 0;
	if (bad) {
		out->violations = -1;
		snprintf(out->first_message, sizeof(out->first_message), "setup: %s", err[0] ? err : "actors");
		goto done;
	}
	sim_faults_enable(1);
	if (run_lanes(r) != 0) {
		out->violations = -1;
		snprintf(out->first_message, sizeof(out->first_message), "cannot run the lanes");
		goto done;
	}
	sim_report_set_step(0, cfg->steps + 1); /* the final check */
	sim_check(r);

	out->violations = r->report.violations;
	out->first_step = r->report.first_step;
	snprintf(out->first_check, sizeof(out->first_check), "%s", r->report.first_check);
	snprintf(out->first_message, sizeof(out->first_message), "%s", r->report.first_message);
	sim_report_summary(&r->report, out->summary, sizeof(out->summary));
done:
	lanes_total(r, &out->stats);
	faults_summary(&r->faults, out->faults, sizeof(out->faults));
	w3w_unsubscribe(r->sub);
	w3w_ctx_close(r->ctx);
	w3w_ctx_close(r->truth);
	storage_teardown(r);
	sim_fx = NULL;
	for (int i = 0; i < r->n_lanes; i++) {
		sim_workload_free_lane(&r->lanes[i]);
		sim_model_free(&r->lanes[i].model);
	}
	pthread_mutex_destroy(&r->collect_lock);
	sim_event_log_free(&r->sink_log);
	sim_event_log_free(&r->sub_log);
	sim_report_destroy(&r->report);
	sim_faults_destroy(&r->faults);
	free(r);
	out->seconds = (double)(sim_now_ms() - t0) / 1000.0;
}

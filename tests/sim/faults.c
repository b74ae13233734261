/* The fault controller (see faults.h). */
#include <string.h>
#include <time.h>

#include "faults.h"

sim_faults *sim_fx;

static _Thread_local sim_trace tl_trace;
static _Thread_local int tl_quiet;

/* Streams of one seed: each consumer its own, so their draws do not shift each other. */
enum { STREAM_WRITE = 1, STREAM_READ = 2, STREAM_CACHE = 3 };

static const char *const fault_names[SIM_F_COUNT] = {
	"st_before", "st_lost", "st_delay", "st_outage", "st_read", "outbox_ack",
	"cache_get", "cache_fill", "cache_drop", "cache_inval", "cache_lie",
	"sink_fail", "sink_partial", "sink_twice",
};

static const char *const op_names[SIM_OP_COUNT] = {
	"transfer", "supply_create", "supply_update", "supply_delete",
	"order_create", "order_cancel", "claim_create", "claim_process", "claim_release",
};

const char *sim_fault_name(sim_fault_kind kind)
{
	return kind < SIM_F_COUNT ? fault_names[kind] : "?";
}

const char *sim_op_name(sim_op op)
{
	return op < SIM_OP_COUNT ? op_names[op] : "?";
}

void sim_faults_init(sim_faults *f, uint64_t seed)
{
	memset(f, 0, sizeof(*f));
	f->seed = seed;
	f->rate[SIM_F_ST_BEFORE] = 30000;
	f->rate[SIM_F_ST_LOST] = 40000;
	f->rate[SIM_F_ST_DELAY] = 5000;
	f->rate[SIM_F_ST_OUTAGE] = 4000;
	f->rate[SIM_F_ST_READ] = 20000;
	f->rate[SIM_F_OUTBOX_ACK] = 4000;
	f->rate[SIM_F_CACHE_GET] = 20000;
	f->rate[SIM_F_CACHE_FILL] = 20000;
	f->rate[SIM_F_CACHE_DROP] = 30000;
	f->rate[SIM_F_CACHE_INVAL] = 30000;
	f->rate[SIM_F_CACHE_LIE] = 200000;
	f->rate[SIM_F_SINK_FAIL] = 4000;
	f->rate[SIM_F_SINK_PARTIAL] = 4000;
	f->rate[SIM_F_SINK_TWICE] = 10000;
	f->outage_max = 3;
	f->relay_budget = 2;
	f->lost_status = strcmp(w3w_status_name(W3W_EUNKNOWN), "outcome_unknown") == 0
		? W3W_EUNKNOWN : W3W_EUNAVAILABLE;
	f->enabled = 1;
	pthread_mutex_init(&f->lock, NULL);
	sim_rng_seed(&f->rng_write, seed, STREAM_WRITE);
	sim_rng_seed(&f->rng_read, seed, STREAM_READ);
	sim_rng_seed(&f->rng_cache, seed, STREAM_CACHE);
}

void sim_faults_destroy(sim_faults *f)
{
	pthread_mutex_destroy(&f->lock);
}

int sim_faults_enable(int on)
{
	int was;
	if (!sim_fx)
		return 0;
	pthread_mutex_lock(&sim_fx->lock);
	was = sim_fx->enabled;
	sim_fx->enabled = on;
	pthread_mutex_unlock(&sim_fx->lock);
	return was;
}

int sim_faults_quiet(int on)
{
	int was = tl_quiet;
	tl_quiet = on;
	return was;
}

int sim_faults_active(void)
{
	int on;
	if (!sim_fx || tl_quiet)
		return 0;
	pthread_mutex_lock(&sim_fx->lock);
	on = sim_fx->enabled;
	pthread_mutex_unlock(&sim_fx->lock);
	return on;
}

int64_t sim_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { 0, (long)ms * 1000000L };
	nanosleep(&ts, NULL);
}

/*
 * Common part of storage calls: an outage in progress, a new outage, a delay.
 * Draws a fixed number of values per call so one decision never shifts the next.
 * Returns 1 when the call must fail; *delay_ms is how late it is.
 */
static int storage_common(sim_faults *f, sim_rng *rng, int *delay_ms)
{
	int new_outage = sim_rng_chance(rng, f->rate[SIM_F_ST_OUTAGE]);
	int len = 1 + (int)sim_rng_below(rng, (uint64_t)(f->outage_max > 0 ? f->outage_max : 1));
	int delay = sim_rng_chance(rng, f->rate[SIM_F_ST_DELAY]);
	int ms = 1 + (int)sim_rng_below(rng, 3);

	*delay_ms = 0;
	if (f->outage_left > 0) {
		f->outage_left--;
		return 1;
	}
	if (new_outage) {
		f->injected[SIM_F_ST_OUTAGE]++;
		f->outage_left = len - 1;
		return 1;
	}
	if (delay) {
		f->injected[SIM_F_ST_DELAY]++;
		*delay_ms = ms;
	}
	return 0;
}

sim_plan sim_plan_write(void)
{
	sim_faults *f = sim_fx;
	sim_plan plan = SIM_PASS;
	int delay_ms = 0, down, before, lost;

	if (!f)
		return SIM_PASS;
	pthread_mutex_lock(&f->lock);
	if (f->enabled && !tl_quiet) {
		down = storage_common(f, &f->rng_write, &delay_ms);
		before = sim_rng_chance(&f->rng_write, f->rate[SIM_F_ST_BEFORE]);
		lost = sim_rng_chance(&f->rng_write, f->rate[SIM_F_ST_LOST]);
		if (down) {
			plan = SIM_BEFORE;
		} else if (before) {
			f->injected[SIM_F_ST_BEFORE]++;
			plan = SIM_BEFORE;
		} else if (lost) {
			f->injected[SIM_F_ST_LOST]++;
			plan = SIM_LOST;
		}
	}
	pthread_mutex_unlock(&f->lock);
	if (delay_ms)
		sleep_ms(delay_ms);
	return plan;
}

int sim_plan_read(void)
{
	sim_faults *f = sim_fx;
	int fail = 0, delay_ms = 0, down, bad;

	if (!f)
		return 0;
	pthread_mutex_lock(&f->lock);
	if (f->enabled && !tl_quiet) {
		down = storage_common(f, &f->rng_read, &delay_ms);
		bad = sim_rng_chance(&f->rng_read, f->rate[SIM_F_ST_READ]);
		if (down) {
			fail = 1;
		} else if (bad) {
			f->injected[SIM_F_ST_READ]++;
			fail = 1;
		}
	}
	pthread_mutex_unlock(&f->lock);
	if (delay_ms)
		sleep_ms(delay_ms);
	return fail;
}

int sim_cache_fault(sim_fault_kind kind)
{
	sim_faults *f = sim_fx;
	int hit = 0, draw;

	if (!f)
		return 0;
	pthread_mutex_lock(&f->lock);
	if (f->enabled && !tl_quiet) {
		draw = sim_rng_chance(&f->rng_cache, f->rate[kind]);
		hit = draw && (kind != SIM_F_CACHE_LIE || f->lying);
		if (hit)
			f->injected[kind]++;
	}
	pthread_mutex_unlock(&f->lock);
	return hit;
}

int sim_relay_fault(sim_fault_kind kind, int64_t first_seq, size_t count)
{
	sim_faults *f = sim_fx;
	int hit = 0, blocks = kind != SIM_F_SINK_TWICE;
	uint64_t h;

	if (!f)
		return 0;
	pthread_mutex_lock(&f->lock);
	if (f->enabled && !tl_quiet && (!blocks || f->relay_budget > 0)) {
		/* Keyed by the batch (and the budget left), so a lease wait never changes the plan. */
		h = sim_hash4(f->seed, 0x7e1a0000u + (uint64_t)kind, (uint64_t)first_seq,
			(uint64_t)count * 64 + (uint64_t)(blocks ? f->relay_budget : 0));
		hit = h % 1000000 < f->rate[kind];
		if (hit) {
			f->injected[kind]++;
			if (blocks) {
				f->relay_budget--;
				f->relay_blocked_ms = sim_now_ms();
			}
		}
	}
	pthread_mutex_unlock(&f->lock);
	return hit;
}

uint64_t sim_fault_draw(uint64_t n, int64_t key)
{
	uint64_t seed = sim_fx ? sim_fx->seed : 0;
	return n ? sim_hash4(seed, 0xd4a3u, (uint64_t)key, n) % n : 0;
}

void sim_note_commit(const sim_commit *c)
{
	sim_faults *f = sim_fx;
	if (f && f->on_commit)
		f->on_commit(f->on_commit_arg, c);
}

void sim_trace_reset(void)
{
	memset(&tl_trace, 0, sizeof(tl_trace));
}

sim_trace *sim_trace_get(void)
{
	return &tl_trace;
}

/* Driving the outbox relay (see pump.h). */
#include <time.h>

#include "pump.h"

#define DRAIN_ROUNDS 64

static void collect(sim_run *r)
{
	w3w_event *ev = NULL;
	pthread_mutex_lock(&r->collect_lock);
	while (w3w_subscription_next(&ev, r->sub, 0) == W3W_OK) {
		sim_event_log_add(&r->sub_log, ev);
		w3w_event_free(ev);
		ev = NULL;
	}
	pthread_mutex_unlock(&r->collect_lock);
	w3w_error_clear();
}

/* Events committed but not yet acknowledged (read with faults off). -1 if unreadable. */
static int64_t pending(sim_run *r)
{
	w3w_outbox_stats s;
	int was = sim_faults_quiet(1);
	w3w_status st = w3w_outbox_stats_get(&s, r->ctx, &r->service);
	sim_faults_quiet(was);
	return st == W3W_OK ? s.pending : -1;
}

static int64_t blocked_since(sim_run *r)
{
	int64_t t;
	pthread_mutex_lock(&r->faults.lock);
	t = r->faults.relay_blocked_ms;
	pthread_mutex_unlock(&r->faults.lock);
	return t;
}

void sim_pump(sim_lane *l)
{
	sim_run *r = l->run;
	l->caught_up = 0;
	if (blocked_since(r))
		return;
	w3w_events_pump(r->ctx, 0, NULL);
	w3w_error_clear();
	collect(r);
	/* Nothing pending at all: this lane's commits were all taken (and invalidated). */
	l->caught_up = !blocked_since(r) && pending(r) == 0;
	if (l->caught_up)
		l->n_unacked = 0;
}

static void sleep_ms(int64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

int sim_drain(sim_run *r)
{
	int64_t lease_ms = 2 * (int64_t)r->cfg->timeout_ms + 1000;

	for (int round = 0; round < DRAIN_ROUNDS; round++) {
		int64_t since = blocked_since(r);
		if (since) {
			/* Both the storage lease and the relay's own back-off must be over. */
			int64_t wait = since + lease_ms + 150 - sim_now_ms();
			if (wait > 0)
				sleep_ms(wait);
			r->lease_waits++;
			pthread_mutex_lock(&r->faults.lock);
			if (r->faults.relay_blocked_ms == since)
				r->faults.relay_blocked_ms = 0;
			pthread_mutex_unlock(&r->faults.lock);
		}
		w3w_events_pump(r->ctx, 0, NULL);
		w3w_error_clear();
		collect(r);
		if (!blocked_since(r)) {
			if (pending(r) == 0) {
				for (int i = 0; i < r->n_lanes; i++) {
					r->lanes[i].caught_up = 1;
					r->lanes[i].n_unacked = 0;
				}
				return 0;
			}
			sleep_ms(20);
		}
	}
	for (int i = 0; i < r->n_lanes; i++)
		r->lanes[i].caught_up = 0;
	return -1;
}

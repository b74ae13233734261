/*
 * Read replicas. A read goes to the replica when the caller's position
 * (w3w_read_after) is replayed there, or, without a position, when the
 * replica lags less than max_replica_lag_ms; otherwise to the primary.
 *
 * The lag is bounded from positions, not only taken from the replica's own
 * view (which says 0 when it replayed all it received, also when its
 * primary is gone and it receives nothing): every write's commit position
 * and every check's first query sample the primary's position, then the
 * check asks the replica what it replayed. A replica that replayed the
 * sample taken at time t holds every commit made before t, so it lags at
 * most now - t; the newest such sample gives the bound. A replica behind
 * every sample has an unknown lag: it is not used until it catches up.
 * Checks run at most every CHECK_EVERY_US (one at a time, shared by all
 * threads), and once more when a position is ahead of the last check.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/replica.h"

#define CHECK_EVERY_US 100000
#define SAMPLES 64   /* the primary's latest positions, from writes and checks */
#define LAG_UNKNOWN ((int64_t)1 << 40)

struct w3w__replica {
	w3w__store store;
	pthread_mutex_t lock;    /* guards the state below */
	w3w_time checked_at;
	int checking;            /* a thread is checking now: the others use what the last check saw */
	struct { w3w_time at; uint64_t pos; } samples[SAMPLES]; /* ring, newest at samples[next - 1] */
	size_t next, count;
	int reachable;
	int64_t lag_ms;
	uint64_t replayed;
	char replayed_text[W3W_POSITION_SIZE];
};

/* This thread's last commit, and what its reads must see (both "" = none). */
static _Thread_local char last_commit[W3W_POSITION_SIZE];
static _Thread_local char read_after[W3W_POSITION_SIZE];

int w3w__position_parse(const char *text, uint64_t *out)
{
	unsigned int hi, lo;
	int used = 0;
	if (!text || sscanf(text, "%X/%X%n", &hi, &lo, &used) != 2 || text[used] != '\0')
		return -1;
	*out = ((uint64_t)hi << 32) | lo;
	return 0;
}

w3w_status w3w__replica_open(w3w_ctx *ctx, const w3w_backend_config *cfg)
{
	w3w__replica *r;
	w3w_status st;

	if (!ctx->opts.read_storage_url[0])
		return W3W_OK;
	if (!(r = calloc(1, sizeof(*r))))
		return w3w_error_set(W3W_ENOMEM, "read replica: out of memory");
	/* A replica that has not replayed the primary's latest migration yet gets timeout_ms to do so. */
	for (w3w_time give_up = w3w_time_now() + (w3w_time)cfg->timeout_ms * 1000;;) {
		st = w3w__store_open(&r->store, ctx->opts.read_storage_url, cfg);
		if (st != W3W_EVERSION || w3w_time_now() >= give_up)
			break;
		nanosleep(&(struct timespec){ 0, 100 * 1000000L }, NULL);
	}
	if (st != W3W_OK) {
		free(r);
		return st;
	}
	if (!r->store.replica.version || !ctx->store.replica.version) {
		w3w__store_close(&r->store);
		free(r);
		return w3w_error_set(W3W_EINVAL, "options.read_storage_url: the %s backend has no read replicas"
			" (positions are a PostgreSQL feature)", ctx->store.name);
	}
	pthread_mutex_init(&r->lock, NULL);
	ctx->replica = r;
	return W3W_OK;
}

void w3w__replica_close(w3w_ctx *ctx)
{
	w3w__replica *r = ctx->replica;
	if (!r)
		return;
	w3w__store_close(&r->store);
	pthread_mutex_destroy(&r->lock);
	free(r);
	ctx->replica = NULL;
}

/* now - the time of the newest primary sample the replica has replayed (r->lock held). */
static int64_t position_lag_ms(const w3w__replica *r, uint64_t replayed, w3w_time now)
{
	for (size_t i = 0; i < r->count; i++) {
		size_t k = (r->next + SAMPLES - 1 - i) % SAMPLES;
		if (r->samples[k].pos <= replayed)
			return (now - r->samples[k].at) / 1000;
	}
	return LAG_UNKNOWN; /* behind every sample: since when, nobody knows */
}

/* The primary was at `pos` at time `at` (r->lock held). */
static void push_sample(w3w__replica *r, w3w_time at, uint64_t pos)
{
	r->samples[r->next].at = at;
	r->samples[r->next].pos = pos;
	r->next = (r->next + 1) % SAMPLES;
	if (r->count < SAMPLES)
		r->count++;
}

/* Sample the primary, then ask the replica (outside the lock: a slow replica must not hold readers). */
static void check(w3w__replica *r, const w3w__store *primary)
{
	char text[W3W_POSITION_SIZE], ptext[W3W_POSITION_SIZE];
	int64_t lag = 0;
	uint64_t pos = 0, ppos = 0;
	w3w_time sampled = w3w_time_now();
	int have_primary = primary->replica.commit_position(primary->handle, ptext) == W3W_OK &&
		w3w__position_parse(ptext, &ppos) == 0;
	int ok = r->store.replica.replay_position(r->store.handle, text, &lag) == W3W_OK &&
		w3w__position_parse(text, &pos) == 0;

	w3w_error_clear();
	pthread_mutex_lock(&r->lock);
	r->checking = 0;
	r->checked_at = w3w_time_now();
	if (have_primary)
		push_sample(r, sampled, ppos);
	r->reachable = ok;
	if (ok) {
		int64_t bound = position_lag_ms(r, pos, r->checked_at);
		r->lag_ms = lag > bound ? lag : bound;
		if (pos > r->replayed) {
			r->replayed = pos;
			strcpy(r->replayed_text, text);
		}
	}
	pthread_mutex_unlock(&r->lock);
}

/* 1: the replica may serve a read that must see `need` (0: any fresh-enough state). */
static int fresh_enough(w3w__replica *r, const w3w__store *primary, uint64_t need, int max_lag_ms)
{
	int usable, stale;
	pthread_mutex_lock(&r->lock);
	stale = !r->checking && (w3w_time_now() - r->checked_at > CHECK_EVERY_US || (need && r->replayed < need));
	if (stale)
		r->checking = 1;
	pthread_mutex_unlock(&r->lock);
	if (stale)
		check(r, primary);
	pthread_mutex_lock(&r->lock);
	usable = r->reachable && (need ? r->replayed >= need : r->lag_ms <= max_lag_ms);
	pthread_mutex_unlock(&r->lock);
	return usable;
}

const w3w__store *w3w__reader(w3w_ctx *ctx)
{
	uint64_t need = 0;
	if (!ctx->replica)
		return &ctx->store;
	if (read_after[0] && w3w__position_parse(read_after, &need) != 0)
		return &ctx->store;
	return fresh_enough(ctx->replica, &ctx->store, need, ctx->opts.max_replica_lag_ms)
		? &ctx->replica->store : &ctx->store;
}

void w3w__note_commit(w3w_ctx *ctx)
{
	char pos[W3W_POSITION_SIZE];
	w3w_status code = w3w_error_code();
	if (!ctx->replica)
		return;
	uint64_t p;
	w3w_time at = w3w_time_now();
	/* Without a position the caller cannot ask for its write: leave none rather than a wrong one. */
	if (ctx->store.replica.commit_position(ctx->store.handle, pos) == W3W_OK && w3w__position_parse(pos, &p) == 0) {
		strcpy(last_commit, pos);
		pthread_mutex_lock(&ctx->replica->lock);
		push_sample(ctx->replica, at, p); /* a free sample of the primary for the lag bound */
		pthread_mutex_unlock(&ctx->replica->lock);
	} else {
		last_commit[0] = '\0';
	}
	if (code == W3W_OK)
		w3w_error_clear();
}

w3w_status w3w_commit_position(char *buf, size_t buflen)
{
	if (!buf || buflen < W3W_POSITION_SIZE)
		return w3w_error_set(W3W_EINVAL, "buf: NULL or shorter than W3W_POSITION_SIZE");
	strcpy(buf, last_commit);
	return W3W_OK;
}

w3w_status w3w_read_after(const char *position)
{
	uint64_t pos;
	if (!position || !*position) {
		read_after[0] = '\0';
		return W3W_OK;
	}
	if (strlen(position) >= W3W_POSITION_SIZE || w3w__position_parse(position, &pos) != 0)
		return w3w_error_set(W3W_EINVAL, "position: expected a commit position such as \"16/B374D848\"");
	strcpy(read_after, position);
	return W3W_OK;
}

w3w_status w3w_replica_state_get(w3w_replica_state *out, w3w_ctx *ctx)
{
	w3w__replica *r;
	if (!out || !ctx)
		return w3w_error_set(W3W_EINVAL, "out/ctx: NULL");
	memset(out, 0, sizeof(*out));
	if (!(r = ctx->replica))
		return W3W_OK;
	fresh_enough(r, &ctx->store, 0, ctx->opts.max_replica_lag_ms);
	pthread_mutex_lock(&r->lock);
	out->configured = 1;
	out->reachable = r->reachable;
	out->lag_ms = r->lag_ms >= LAG_UNKNOWN ? -1 : r->lag_ms;
	strcpy(out->replayed, r->replayed_text);
	pthread_mutex_unlock(&r->lock);
	return W3W_OK;
}

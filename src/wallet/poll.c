/* One round of the chain follower, and the thread that repeats it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/validate.h"
#include "wallet/wallet_internal.h"

w3w_status w3w_chain_poll(w3w_chain *chain, const w3w_actor *actor, w3w_chain_poll_stats *out)
{
	w3w_chain_poll_stats stats;
	const w3w__store *storage;
	char first_message[512] = "";
	w3w_status st, first;

	if (out)
		memset(out, 0, sizeof(*out));
	if (!chain)
		return w3w_error_set(W3W_EINVAL, "chain: NULL");
	if ((st = w3w__wallet_storage(chain->ctx, &storage)) || (st = w3w__check_actor(actor)))
		return st;
	if (!w3w__has_role(actor, W3W_ROLE_SERVICE | W3W_ROLE_ADMIN))
		return w3w_error_set(W3W_EFORBIDDEN, "chain poll: needs the service or admin role (it credits deposits)");
	memset(&stats, 0, sizeof(stats));
	stats.cursor = -1;
	/* Withdrawals are followed even when deposits are stuck (a deep reorganisation, say). */
	first = w3w__watch_deposits(chain, actor, &stats);
	if (first != W3W_OK)
		snprintf(first_message, sizeof(first_message), "%s", w3w_error_message());
	st = w3w__follow_withdrawals(chain, actor, &stats);
	if (out)
		*out = stats;
	if (first != W3W_OK)
		return w3w_error_set(first, "%s", first_message);
	return st;
}

/* ---- the watch thread ---------------------------------------------------------- */

static void deadline_in(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static void *watch_main(void *arg)
{
	w3w_chain *c = arg;

	pthread_mutex_lock(&c->mu);
	while (!c->stop) {
		w3w_chain_poll_stats stats;
		w3w_status st;
		struct timespec until;

		pthread_mutex_unlock(&c->mu);
		st = w3w_chain_poll(c, &c->watch_actor, &stats);
		w3w__sweep_watch_round(c); /* at its own interval; its outcome is kept apart from the poll's */
		pthread_mutex_lock(&c->mu);
		c->last_status = st;
		c->last_stats = stats;
		snprintf(c->last_message, sizeof(c->last_message), "%s", st == W3W_OK ? "" : w3w_error_message());
		c->rounds++;
		if (st != W3W_OK)
			c->errors++;
		else
			c->last_ok_at = w3w_time_now();
		/* A failed round may not have reached the node or storage: keep what was last known. */
		if (stats.head)
			c->known_head = stats.head;
		if (stats.cursor >= 0)
			c->known_cursor = stats.cursor;
		deadline_in(&until, c->interval_ms);
		while (!c->stop && pthread_cond_timedwait(&c->cv, &c->mu, &until) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

w3w_status w3w_chain_watch_start(w3w_chain *chain, const w3w_actor *actor, int interval_ms)
{
	w3w_status st;

	if (!chain)
		return w3w_error_set(W3W_EINVAL, "chain: NULL");
	if ((st = w3w__check_actor(actor)) != W3W_OK)
		return st;
	if (!w3w__has_role(actor, W3W_ROLE_SERVICE | W3W_ROLE_ADMIN))
		return w3w_error_set(W3W_EFORBIDDEN, "chain watch: needs the service or admin role");
	if (interval_ms < 10 || interval_ms > 3600000)
		return w3w_error_set(W3W_EINVAL, "interval_ms: must be 10..3600000");
	pthread_mutex_lock(&chain->mu);
	if (chain->running) {
		pthread_mutex_unlock(&chain->mu);
		return w3w_error_set(W3W_ESTATE, "chain watch: already running");
	}
	chain->watch_actor = *actor;
	chain->known_cursor = -1;
	chain->interval_ms = interval_ms;
	chain->stop = 0;
	if (pthread_create(&chain->thread, NULL, watch_main, chain) != 0) {
		pthread_mutex_unlock(&chain->mu);
		return w3w_error_set(W3W_ENOMEM, "chain watch: cannot start a thread");
	}
	chain->running = 1;
	pthread_mutex_unlock(&chain->mu);
	return W3W_OK;
}

void w3w_chain_watch_stop(w3w_chain *chain)
{
	int running;

	if (!chain)
		return;
	pthread_mutex_lock(&chain->mu);
	running = chain->running;
	chain->stop = 1;
	pthread_cond_broadcast(&chain->cv);
	pthread_mutex_unlock(&chain->mu);
	if (running)
		pthread_join(chain->thread, NULL);
	pthread_mutex_lock(&chain->mu);
	chain->running = 0;
	pthread_mutex_unlock(&chain->mu);
}

w3w_status w3w_chain_watch_last(w3w_chain *chain, w3w_chain_poll_stats *stats, char *message, size_t message_len)
{
	w3w_status st;

	if (!chain)
		return w3w_error_set(W3W_EINVAL, "chain: NULL");
	pthread_mutex_lock(&chain->mu);
	st = chain->last_status;
	if (stats)
		*stats = chain->last_stats;
	if (message && message_len)
		snprintf(message, message_len, "%s", chain->last_message);
	pthread_mutex_unlock(&chain->mu);
	return st;
}

w3w_status w3w_chain_watch_state_get(w3w_chain_watch_state *out, w3w_chain *chain)
{
	if (!out || !chain)
		return w3w_error_set(W3W_EINVAL, "out/chain: NULL");
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&chain->mu);
	out->running = chain->running;
	out->rounds = chain->rounds;
	out->errors = chain->errors;
	out->status = chain->last_status;
	snprintf(out->last_error, sizeof(out->last_error), "%s", chain->last_message);
	out->last_ok_at = chain->last_ok_at;
	out->head = chain->known_head;
	out->cursor = chain->rounds ? chain->known_cursor : -1;
	pthread_mutex_unlock(&chain->mu);
	return W3W_OK;
}

/* A growing, locked array of received events (see event_log.h). */
#include <stdlib.h>
#include <string.h>

#include "event_log.h"

void sim_event_log_init(sim_event_log *l)
{
	memset(l, 0, sizeof(*l));
	pthread_mutex_init(&l->lock, NULL);
}

void sim_event_log_free(sim_event_log *l)
{
	free(l->items);
	pthread_mutex_destroy(&l->lock);
	memset(l, 0, sizeof(*l));
}

void sim_event_log_add(sim_event_log *l, const w3w_event *e)
{
	sim_logged_event *it;

	pthread_mutex_lock(&l->lock);
	if (l->count == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		sim_logged_event *grown = realloc(l->items, cap * sizeof(*grown));
		if (!grown) {
			l->oom = 1;
			pthread_mutex_unlock(&l->lock);
			return;
		}
		l->items = grown;
		l->cap = cap;
	}
	it = &l->items[l->count++];
	memset(it, 0, sizeof(*it));
	it->seq = e->seq;
	memcpy(it->id, e->id, sizeof(it->id));
	memcpy(it->type, e->type, sizeof(it->type));
	memcpy(it->aggregate_id, e->aggregate_id, sizeof(it->aggregate_id));
	pthread_mutex_unlock(&l->lock);
}

/*
 * What a consumer received: the events the record sink was handed, or what
 * a queue subscription delivered. Duplicates are kept (delivery is at least
 * once); the checker deduplicates by event id.
 */
#ifndef W3W_SIM_EVENT_LOG_H
#define W3W_SIM_EVENT_LOG_H

#include <pthread.h>
#include <stddef.h>

#include <w3wallet.h>

typedef struct sim_logged_event {
	int64_t seq;
	char id[W3W_ID_SIZE];
	char type[W3W_EVENT_TYPE_SIZE];
	char aggregate_id[W3W_ID_SIZE];
} sim_logged_event;

typedef struct sim_event_log {
	pthread_mutex_t lock;
	sim_logged_event *items;
	size_t count, cap;
	int oom;  /* an append failed: the checker reports it instead of a false "missing" */
} sim_event_log;

void sim_event_log_init(sim_event_log *l);
void sim_event_log_free(sim_event_log *l);
void sim_event_log_add(sim_event_log *l, const w3w_event *e);

#endif

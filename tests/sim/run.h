/*
 * One seed's run: its configuration, the contexts and shared actors, the
 * logs of received events, and its lanes. A lane is one workload: its own
 * users, currencies, model and streams. The default is one lane on the
 * main thread (deterministic); --threads N runs N lanes on N threads
 * against the same context, each on data of its own, so each lane's model
 * stays exact while the library's shared machinery (pools, cache, outbox,
 * relay, audit) is used concurrently.
 */
#ifndef W3W_SIM_RUN_H
#define W3W_SIM_RUN_H

#include <pthread.h>
#include <stdint.h>

#include <w3wallet.h>

#include "event_log.h"
#include "faults.h"
#include "model.h"
#include "prng.h"
#include "report.h"

#define SIM_MAX_USERS 16
#define SIM_MAX_LANES 8
#define SIM_CURRENCIES 2
#define SIM_MAX_UNACKED 256

typedef enum { SIM_STORAGE_SQLITE, SIM_STORAGE_POSTGRES } sim_storage_kind;
typedef enum { SIM_CACHE_MEMORY, SIM_CACHE_REDIS } sim_cache_kind;

typedef struct sim_config {
	sim_storage_kind storage;
	sim_cache_kind cache;
	int steps;             /* per lane */
	int checkpoint_every;  /* full checks every N steps (and at the end) */
	int users;             /* per lane */
	int threads;           /* lanes, one thread each (1: the main thread, deterministic) */
	int relay_faults;      /* relay-blocking faults per seed (each costs a lease wait) */
	int lying;             /* cache lies: a run must fail (checker self-test) */
	w3w_status lost_as;    /* 0: W3W_EUNKNOWN if the library has it, else W3W_EUNAVAILABLE */
	int timeout_ms;        /* of the simulated context (the relay lease is 2x + 1 s) */
	int verbose;           /* print every attempt */
	int quiet;             /* print no violation lines, only summaries */
	const char *pg_url;    /* base URLs (env) of the service runs */
	const char *redis_url;
} sim_config;

/** What a seed did, for the summary line. */
typedef struct sim_stats {
	uint64_t steps, calls, attempts, commits, reads, checkpoints;
	uint64_t refusals;     /* attempts refused by a decision (each must leave an audit record) */
	uint64_t status[16];   /* final answers by -status (0 = ok) */
	uint64_t lease_waits;
	uint64_t digest;       /* of the sequence of actions and answers: equal runs, equal digests */
} sim_stats;

struct sim_run;

typedef struct sim_lane {
	struct sim_run *run;
	int index;
	sim_model model;
	sim_rng rng;              /* the workload's own stream */
	sim_rng relay_rng;        /* when the relay runs (a step may end without it) */
	sim_stats stats;
	w3w_actor users[SIM_MAX_USERS];
	int n_users;
	char currencies[SIM_CURRENCIES][W3W_CURRENCY_SIZE];
	int step;
	int caught_up;            /* the relay has taken every committed event (reads must be fresh) */
	/*
	 * Commits whose caller has not heard W3W_OK yet (answer lost, no replay since). Until
	 * the relay takes them they may leave stale cache entries: reads are compared only when
	 * there are none, or the relay caught up. Otherwise every read must be fresh at once.
	 */
	char unacked[SIM_MAX_UNACKED][W3W_ID_SIZE];
	int n_unacked;
	uint64_t next_key, next_ref;
	void *ring;               /* the workload's earlier writes, for resends (workload.c) */
	size_t ring_count;
} sim_lane;

typedef struct sim_run {
	const sim_config *cfg;
	uint64_t seed;
	sim_faults faults;
	sim_report report;
	sim_event_log sink_log, sub_log;
	pthread_mutex_t collect_lock;     /* one reader of the subscription at a time */
	uint64_t lease_waits;

	char storage_url[W3W_URL_SIZE];   /* inner URL (the truth context opens it directly) */
	char dir[512];                    /* SQLite: temp dir; "" otherwise */
	char pg_schema[64];               /* PostgreSQL: the fresh schema */
	w3w_ctx *ctx;                     /* through the fault wrappers */
	w3w_ctx *truth;                   /* same storage, no wrapper, no cache */
	w3w_subscription *sub;

	w3w_actor service, admin, auditor; /* shared by the lanes */
	sim_lane lanes[SIM_MAX_LANES];
	int n_lanes;
	pthread_barrier_t barrier;        /* lanes meet at checkpoints */
} sim_run;

/** What a seed's run ended with. */
typedef struct sim_outcome {
	int violations;           /* 0: passed; -1: could not run (setup failed) */
	int first_step;
	char first_check[32];
	char first_message[768];
	char summary[512];        /* violations per check */
	char faults[512];         /* faults injected per kind */
	sim_stats stats;
	double seconds;
} sim_outcome;

/** Run one seed (prints progress as configured) and fill *out. */
void sim_run_seed(const sim_config *cfg, uint64_t seed, sim_outcome *out);

/** The lane of the calling thread (commits are routed to its model). */
sim_lane *sim_current_lane(void);

/** Status names for messages, W3W_EUNKNOWN included on libraries that lack it. */
const char *sim_status_name(w3w_status st);

#endif

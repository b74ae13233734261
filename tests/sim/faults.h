/*
 * The fault controller: what the wrapper backends (fault_storage.c,
 * fault_cache.c, fault_sink.c) consult before each call, and what they
 * report back to the simulator. One per run; the wrappers find it through
 * the global `sim_fx` (NULL: they pass every call through).
 *
 * Decisions come from seeded streams (prng.h): one seed, one run.
 */
#ifndef W3W_SIM_FAULTS_H
#define W3W_SIM_FAULTS_H

#include <pthread.h>
#include <stdint.h>

#include <w3wallet.h>
#include <w3wallet/sys/storage.h>

#include "event_log.h"
#include "prng.h"

/* Until the library has it: "may or may not have committed; retry with the same key". */
#ifndef W3W_EUNKNOWN
#define W3W_EUNKNOWN (-15)
#endif

typedef enum sim_fault_kind {
	SIM_F_ST_BEFORE,   /* storage write: error before the call, nothing applied */
	SIM_F_ST_LOST,     /* storage write: called, then the answer is lost */
	SIM_F_ST_DELAY,    /* storage call: late by a few milliseconds */
	SIM_F_ST_OUTAGE,   /* storage: the connection fails for the next few calls */
	SIM_F_ST_READ,     /* storage read: fails */
	SIM_F_OUTBOX_ACK,  /* relay's ack fails: the batch is sent again after its lease */
	SIM_F_CACHE_GET,   /* cache get fails (a miss) */
	SIM_F_CACHE_FILL,  /* cache fill fails */
	SIM_F_CACHE_DROP,  /* cache fill is dropped silently */
	SIM_F_CACHE_INVAL, /* cache invalidate fails, nothing applied */
	SIM_F_CACHE_LIE,   /* cache serves an old value or drops an invalidation (checker self-test) */
	SIM_F_SINK_FAIL,   /* sink publish fails (before or after writing) */
	SIM_F_SINK_PARTIAL,/* sink acknowledges only some events of the batch */
	SIM_F_SINK_TWICE,  /* sink delivers the batch twice */
	SIM_F_COUNT
} sim_fault_kind;

/** Short name of a fault kind ("st_lost"). */
const char *sim_fault_name(sim_fault_kind kind);

/** The write commands of the storage interface the simulator follows. */
typedef enum sim_op {
	SIM_OP_TRANSFER,
	SIM_OP_SUPPLY_CREATE,
	SIM_OP_SUPPLY_UPDATE,
	SIM_OP_SUPPLY_DELETE,
	SIM_OP_ORDER_CREATE,
	SIM_OP_ORDER_CANCEL,
	SIM_OP_CLAIM_CREATE,
	SIM_OP_CLAIM_PROCESS,
	SIM_OP_CLAIM_RELEASE,
	SIM_OP_COUNT
} sim_op;

const char *sim_op_name(sim_op op);

/**
 * A write the inner backend committed (answered W3W_OK, not a replay),
 * whatever the caller then heard. `cmd` is the w3w_cmd_* of `op`; `out`
 * what the backend answered (w3w_transfer, w3w_supply, w3w_order, w3w_claim).
 */
typedef struct sim_commit {
	sim_op op;
	const w3w_write_meta *meta;
	const void *cmd;
	const void *out;
} sim_commit;

typedef void (*sim_commit_fn)(void *arg, const sim_commit *commit);

typedef struct sim_faults {
	uint64_t seed;
	uint32_t rate[SIM_F_COUNT]; /* per million calls of the kind's site */
	int outage_max;             /* an outage fails 1..outage_max calls */
	int relay_budget;           /* relay-blocking faults left (each costs a lease wait) */
	int lying;                  /* enable SIM_F_CACHE_LIE */
	w3w_status lost_status;     /* what a lost answer reports (see sim_faults_init) */
	int enabled;                /* 0 while the checker reads */

	pthread_mutex_t lock;       /* guards everything below */
	sim_rng rng_write, rng_read, rng_cache;
	int outage_left;
	uint64_t injected[SIM_F_COUNT];
	int64_t relay_blocked_ms;   /* monotonic ms of the last relay fault; 0 if none pending */
	int64_t clock_ms;           /* logical clock of the sim memory cache (advanced per step) */
	uint64_t audit_append_failed; /* refusal records the inner backend could not write */
	char audit_append_error[256];

	sim_commit_fn on_commit;
	void *on_commit_arg;
	sim_event_log *sink_log;    /* what the record sink received */
} sim_faults;

extern sim_faults *sim_fx;

/**
 * Defaults for `seed`. The status of a lost answer is W3W_EUNKNOWN when the
 * library knows that status, else W3W_EUNAVAILABLE: the only status the old
 * contract had for a backend that cannot tell (what the PostgreSQL backend
 * returned after a lost answer), which then breaks "nothing applied".
 */
void sim_faults_init(sim_faults *f, uint64_t seed);
void sim_faults_destroy(sim_faults *f);
/** Turn injection on/off for everyone (off during setup); returns the previous setting. */
int sim_faults_enable(int on);
/**
 * Turn injection off (on = 1) or back on for the calling thread only: the
 * simulator's own reads (outbox stats, the checker) are not under test, and
 * other lanes keep their faults meanwhile. Returns the previous setting.
 */
int sim_faults_quiet(int on);
/** Whether a call on this thread may get a fault now. */
int sim_faults_active(void);

/* ---- decisions, for the wrappers ------------------------------------------ */

typedef enum { SIM_PASS, SIM_BEFORE, SIM_LOST } sim_plan;

/** A storage write: pass, fail before the call, or lose its answer (may also sleep). */
sim_plan sim_plan_write(void);
/** A storage read (or outbox/audit call): 1 = fail before the call (may also sleep). */
int sim_plan_read(void);
/** A cache call of `kind`: 1 = inject it. */
int sim_cache_fault(sim_fault_kind kind);
/**
 * A relay fault of `kind` on the batch starting at seq `first_seq`: keyed by
 * the batch, not by call order, and limited by relay_budget. Marks the relay
 * blocked until its lease ends.
 */
int sim_relay_fault(sim_fault_kind kind, int64_t first_seq, size_t count);
/** A uniform draw for a wrapper's detail (which events a partial ack keeps). */
uint64_t sim_fault_draw(uint64_t n, int64_t key);
/** Monotonic milliseconds. */
int64_t sim_now_ms(void);

/** Record a commit (calls on_commit). */
void sim_note_commit(const sim_commit *c);

/* ---- per-call trace (thread-local): what the storage saw during one API call --- */

typedef struct sim_trace {
	int commits;      /* writes the inner backend committed */
	int replays;      /* writes it answered by replaying an idempotency key */
	int lost;         /* answers lost by the wrapper */
	char commit_event_id[W3W_ID_SIZE];
	char result_id[W3W_ID_SIZE]; /* record of the last commit or replay */
} sim_trace;

void sim_trace_reset(void);
sim_trace *sim_trace_get(void);

#endif

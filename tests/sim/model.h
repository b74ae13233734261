/*
 * The model: the marketplace as the commits made it. It is fed by the
 * storage wrapper with every write the inner backend committed (whatever
 * the caller heard), applies the storage contract's rules to it (docs/
 * storage.md), and flags a commit that breaks them. The checker compares
 * what the library shows against it; the workload picks its targets and
 * predicts answers from it.
 */
#ifndef W3W_SIM_MODEL_H
#define W3W_SIM_MODEL_H

#include <pthread.h>

#include "faults.h"
#include "report.h"

typedef struct m_account {
	char user[W3W_ID_SIZE];
	char cur[W3W_CURRENCY_SIZE];
	w3w_amount balance, held;
} m_account;

typedef struct m_supply {
	char id[W3W_ID_SIZE];
	char user[W3W_ID_SIZE];
	char cur[W3W_CURRENCY_SIZE];
	w3w_amount amount, reserved;
	int status;
	w3w_time created_at;
} m_supply;

typedef struct m_order {
	char id[W3W_ID_SIZE];
	char user[W3W_ID_SIZE];
	char cur[W3W_CURRENCY_SIZE];
	w3w_amount amount;
	int status;
	size_t items;
} m_order;

typedef struct m_claim {
	char id[W3W_ID_SIZE];
	char order_id[W3W_ID_SIZE];
	char user[W3W_ID_SIZE];
	char supply_id[W3W_ID_SIZE];
	int status;
} m_claim;

typedef struct m_commit {
	sim_op op;
	int step;
	char event_id[W3W_ID_SIZE];
	char type[W3W_EVENT_TYPE_SIZE];
	char actor[W3W_ID_SIZE];
	char key[W3W_NAME_SIZE];
	char result_id[W3W_ID_SIZE];
} m_commit;

typedef struct m_currency {
	char cur[W3W_CURRENCY_SIZE];
	w3w_amount deposits, withdrawals;
} m_currency;

typedef struct m_ref {
	char text[W3W_NAME_SIZE];
} m_ref;

#define M_ARRAY(type, name) type *name; size_t n_##name, cap_##name

typedef struct sim_model {
	pthread_mutex_t lock;
	sim_report *report;
	M_ARRAY(m_account, accounts);
	M_ARRAY(m_supply, supplies);
	M_ARRAY(m_order, orders);
	M_ARRAY(m_claim, claims);
	M_ARRAY(m_commit, commits);
	M_ARRAY(m_currency, currencies);
	M_ARRAY(m_ref, deposit_refs);
	int oom;
} sim_model;

void sim_model_init(sim_model *m, sim_report *report);
void sim_model_free(sim_model *m);
/** The commit hook (sim_commit_fn) with `arg` the model. */
void sim_model_on_commit(void *arg, const sim_commit *c);

/* Lookups (the caller holds no lock: the simulator reads between calls). NULL when absent. */
m_order *sim_model_order(sim_model *m, const char *id);
m_claim *sim_model_claim(sim_model *m, const char *id);
m_supply *sim_model_supply(sim_model *m, const char *id);
m_account *sim_model_account(sim_model *m, const char *user, const char *cur);
m_currency *sim_model_currency(sim_model *m, const char *cur);
/** balance - held of (user, cur); 0 without an account. */
w3w_amount sim_model_available(sim_model *m, const char *user, const char *cur);
/** The pending or processed claim of an order. */
m_claim *sim_model_live_claim(sim_model *m, const char *order_id);
/** The supply a claim of `amount` by `user` must reserve: oldest active one with room. */
m_supply *sim_model_pick_supply(sim_model *m, const char *user, const char *cur, w3w_amount amount);
/** The commit made under (actor, key), NULL if none. */
m_commit *sim_model_key_commit(sim_model *m, const char *actor, const char *key);
/** The commit whose event has this id. */
m_commit *sim_model_event_commit(sim_model *m, const char *event_id);
int sim_model_deposit_ref_used(sim_model *m, const char *reference);
/** The event type a committed command of `op` (and transfer kind) writes. */
const char *sim_model_event_type(sim_op op, int transfer_kind);

#endif

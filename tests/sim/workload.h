/*
 * The workload: many actors through the whole marketplace and wallet story
 * through the public API only (<w3wallet.h>): deposits, transfers,
 * withdrawals, supplies, orders, claims, process, release, cancel, reads,
 * resends of earlier writes, idempotency-key misuse and a hostile caller
 * using the ledger's reserved external id. Every write carries an
 * idempotency key (a few do not) and is retried with the same key after
 * W3W_EUNAVAILABLE or W3W_EUNKNOWN. Each attempt is checked as it returns
 * (see the check names in docs/testing.md).
 */
#ifndef W3W_SIM_WORKLOAD_H
#define W3W_SIM_WORKLOAD_H

#include "run.h"

/** The shared actors (service, admin, auditor) of a fresh run. 0 on success. */
int sim_workload_setup_run(sim_run *r);
/** A lane's users, currencies and resend ring. 0 on success. */
int sim_workload_setup_lane(sim_lane *l);
void sim_workload_free_lane(sim_lane *l);
/** One step of a lane: one action chosen by its stream. */
void sim_workload_step(sim_lane *l);

#endif

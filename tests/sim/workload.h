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

/** Actors and currencies of a fresh run (faults off). 0 on success. */
int sim_workload_setup(sim_run *r);
/** One step: one action chosen by the workload's stream. */
void sim_workload_step(sim_run *r);

#endif

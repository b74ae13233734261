/*
 * Reads compared with the model. A read through the simulated context goes
 * through the cache; when it disagrees with the committed state, the same
 * record is read through the truth context (no wrapper, no cache) to say
 * which broke: the cache (stale_read) or storage (storage_vs_commits).
 *
 * `strict` 0 only reads (to fill the cache); 1 also compares: only valid
 * once the relay has taken every committed event (the staleness bound).
 */
#ifndef W3W_SIM_READS_H
#define W3W_SIM_READS_H

#include "run.h"

void sim_read_order(sim_lane *l, const m_order *mo, int strict);
void sim_read_claim(sim_lane *l, const m_claim *mc, int strict);
void sim_read_claim_by_order(sim_lane *l, const m_order *mo, int strict);
void sim_read_supply(sim_lane *l, const m_supply *ms, int strict);
void sim_read_order_list(sim_lane *l, const w3w_actor *user, int strict);
void sim_read_supply_list(sim_lane *l, const w3w_actor *user, int strict);

/** Storage (truth context) against the model for one record; used by the checker. */
void sim_truth_order(sim_run *r, const m_order *mo);
void sim_truth_claim(sim_run *r, const m_claim *mc);
void sim_truth_supply(sim_run *r, const m_supply *ms);

#endif

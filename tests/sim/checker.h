/*
 * The checker, run at checkpoints (every lane paused) and after the last
 * step: the relay is drained first (every committed event taken), then,
 * with faults off, for every lane:
 *
 *   events        every committed command's event reached the subscribers and
 *                 the sink, none for anything that did not commit, types match,
 *                 each aggregate's first deliveries in commit order
 *   conservation  per currency: balances = deposits - withdrawals, entries sum 0
 *   held_escrow   held = Σ escrow of open and claimed orders (totals and per user)
 *   reserved_claims  reserved = Σ live claims (totals and per supply)
 *   storage_vs_commits  every record, account and total is what the commits made
 *                 (so every acknowledged write is visible)
 *   stale_read    the same records read through the cache agree
 *   one_live_claim  at most one live claim per order
 *   audit         the chain verifies, nothing unsealed, a record per commit
 */
#ifndef W3W_SIM_CHECKER_H
#define W3W_SIM_CHECKER_H

#include "run.h"

void sim_check(sim_run *r);

#endif

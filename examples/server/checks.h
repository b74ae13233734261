/*
 * Periodic consistency checks on a background thread: ledger conservation
 * per currency (Σ balances = deposits − withdrawals, from
 * w3w_ledger_totals_get) and audit chain verification (w3w_audit_verify).
 * Requests never wait for them: /metrics shows the last results.
 */
#ifndef W3W_SERVER_CHECKS_H
#define W3W_SERVER_CHECKS_H

#include <stdio.h>

#include <w3wallet.h>

#include "config.h"

/** Read the options (--check-currencies), before anything is opened: -1 and a message if malformed. */
int checks_configure(const config *cfg);

/** Start the thread (nothing when cfg->check_interval_s is 0). Returns -1 if it cannot start. */
int checks_start(w3w_ctx *ctx, const config *cfg);

/** Stop and join the thread; waits for a check under way. Safe when never started. */
void checks_stop(void);

/** Write the checks' gauges (Prometheus text) to `out`. */
void checks_render(FILE *out);

#endif

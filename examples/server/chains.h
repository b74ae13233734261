/*
 * The chains this server serves (chain_spec.h): opened at start, each with
 * the library's deposit watcher running as the server's service identity;
 * found by the operator's name or the chain key ("evm:31337"); their
 * watchers' state for /readyz and /metrics.
 */
#ifndef W3W_SERVER_CHAINS_H
#define W3W_SERVER_CHAINS_H

#include <stdio.h>

#include <cjson/cJSON.h>
#include <w3wallet.h>

#include "config.h"

/** Open every configured chain and start its watcher. Prints the problem and returns -1. */
int chains_start(w3w_ctx *ctx, const config *cfg, const w3w_actor *service);

/** Stop the watchers and close the chains. Safe when never started. */
void chains_stop(void);

/** How many chains are configured. */
int chains_count(void);

/** The chain named `name` (operator's name or chain key); NULL if none. *label gets its name. */
w3w_chain *chains_find(const char *name, const char **label);

/** "anvil, mainnet": the configured names, for messages. */
void chains_names(char *buf, size_t size);

/** {"NAME": {chain, status, head, cursor, lag_blocks, polls, errors, ...}} for /readyz. */
cJSON *chains_readyz(void);

/** The watchers' gauges and counters (Prometheus text). */
void chains_render(FILE *out);

#endif

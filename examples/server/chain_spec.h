/*
 * Chains from the configuration: each --chain value (W3W_CHAINS, lines of
 * --chains-file) is
 *
 *   NAME=URL [confirmations=N] [assets=CUR=ASSET:DECIMALS,...] [chain_id=N]
 *            [start_block=N] [timeout_ms=N] [allow_zero_address=yes|no]
 *            [allow_custody_addresses=yes|no]
 *
 * with the meaning of w3w_chain_options (w3wallet/wallet.h).
 */
#ifndef W3W_SERVER_CHAIN_SPEC_H
#define W3W_SERVER_CHAIN_SPEC_H

#include "config.h"

/** Fill cfg->chains from cfg->chain_specs and cfg->chains_file. Prints the problem and returns -1. */
int chain_specs_parse(config *cfg);

#endif

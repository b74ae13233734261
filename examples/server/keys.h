/*
 * Secrets: the JWT key and the master key, from the environment or from
 * files in the data directory (generated on first start, mode 0600).
 * Nothing here ever prints a secret.
 */
#ifndef W3W_SERVER_KEYS_H
#define W3W_SERVER_KEYS_H

#include "config.h"
#include "auth.h"

/** Create the data directory (0700) if needed. 0 or -1 (printed). */
int keys_data_dir(const config *cfg);

/** Load or generate the JWT keys (verifier built) and the master key (64 hex + NUL). 0 or -1 (printed). */
int keys_load(const config *cfg, auth_keys *keys, char master_hex[65]);

#endif

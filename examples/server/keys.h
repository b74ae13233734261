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

/**
 * Load or generate the JWT keys (verifier built) and the master key (64 hex + NUL). With --signer no
 * master key is read or made ("" then; one set in the environment is refused). 0 or -1 (printed).
 */
int keys_load(const config *cfg, auth_keys *keys, char master_hex[65]);

/** With --signer: its shared key (W3W_SIGNER_KEY or W3W_SIGNER_KEY_FILE, 64 hex + NUL); else "". 0 or -1 (printed). */
int keys_signer(const config *cfg, char key_hex[65]);

/**
 * The stored wallet seed (if any) must be sealed under this server's master key: otherwise every
 * wallet call would fail later, so the start is refused naming the key ids (never a key).
 * Nothing to check with a signer (it holds the seed), without a seed or without wallet support.
 * 0 or -1 (printed).
 */
int keys_check_seed(w3w_ctx *ctx, const w3w_actor *service, const config *cfg);

#endif

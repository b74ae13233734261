/*
 * w3wallet-signer: holds the hot wallet's key in its own process and signs
 * only withdrawals its policy allows, for clients that prove knowledge of
 * a shared key (docs/signer.md). main.c starts it (flags, secrets, the
 * key from the sealed seed); serve.c answers on the Unix socket.
 */
#ifndef W3W_SIGNER_SIGNER_H
#define W3W_SIGNER_SIGNER_H

#include <sys/types.h>

#include "signer/protocol.h"

typedef struct signer_state {
	const unsigned char *auth_key;   /* 32 bytes, sodium_malloc'd */
	unsigned char *hot_key;          /* 32 bytes, sodium_malloc'd; no access between signatures */
	unsigned char *seed;             /* 64 bytes, sodium_malloc'd; no access between derivations */
	char address[W3W_ADDRESS_SIZE];  /* of hot_key */
	w3w__sp_policy policy;
	int timeout_ms;                  /* per read and write of a connection */
} signer_state;

/* Listen on `path` (mode `mode`, a stale socket replaced) and serve until SIGTERM/SIGINT. 0 or 1 (printed). */
int signer_serve(signer_state *s, const char *path, mode_t mode);

/* One JSON log line on stderr: event and the members given as name, value pairs (NULL-terminated). */
void signer_log(const char *event, ...);

#endif

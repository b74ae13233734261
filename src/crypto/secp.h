/*
 * The process-wide libsecp256k1 context. Created once (randomised for
 * side-channel blinding) and never modified afterwards, so it is safe to
 * share between threads: libsecp256k1 only reads a context it is given
 * as const.
 */
#ifndef W3W_CRYPTO_SECP_H
#define W3W_CRYPTO_SECP_H

#include <secp256k1.h>

/* The shared context, or NULL if it could not be created. */
const secp256k1_context *w3w__secp_ctx(void);

#endif

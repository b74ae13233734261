/*
 * Read replicas and read-your-writes: which storage serves a read, and the
 * commit position a write leaves on its thread.
 */
#ifndef W3W_CORE_REPLICA_H
#define W3W_CORE_REPLICA_H

#include "core/context.h"

/** The storage for a read by id or a list: the replica when fresh enough, else the primary. */
const w3w__store *w3w__reader(w3w_ctx *ctx);

/** After a successful write: remember its commit position on this thread (replica configured only). */
void w3w__note_commit(w3w_ctx *ctx);

w3w_status w3w__replica_open(w3w_ctx *ctx, const w3w_backend_config *cfg);
void w3w__replica_close(w3w_ctx *ctx);

/** "HI/LO" hex -> 64-bit position; -1 if malformed. */
int w3w__position_parse(const char *text, uint64_t *out);

#endif

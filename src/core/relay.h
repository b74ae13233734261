/* The outbox relay and audit sealer: background thread + host-driven pump. */
#ifndef W3W_CORE_RELAY_H
#define W3W_CORE_RELAY_H

#include "core/context.h"

w3w_status w3w__relay_start(w3w_ctx *ctx);
/** Drain what is pending (bounded), stop the thread, free subscriptions' shared state. */
void w3w__relay_stop(w3w_ctx *ctx);
/** A command committed: wake the relay now instead of at its next poll. */
void w3w__relay_notify(w3w_ctx *ctx);

/** 1 when the sink did not acknowledge the relay's last publish (health checks). */
int w3w__relay_sink_failing(w3w_ctx *ctx);

#endif

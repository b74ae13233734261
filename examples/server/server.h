/* State shared by every request of a running server. */
#ifndef W3W_SERVER_SERVER_H
#define W3W_SERVER_SERVER_H

#include <stdatomic.h>

#include <w3wallet.h>

#include "config.h"
#include "auth.h"

struct server {
	w3w_ctx *ctx;
	const config *cfg;
	auth_keys keys;
	/** The server's own identity for outbox statistics (metrics, readiness). */
	w3w_actor self;
	/** Set on SIGTERM: responses carry Connection: close so keep-alive clients move on. */
	atomic_int draining;
	/** 1 when /metrics has its own listener (and is not served on the API port). */
	int metrics_separate;
};

#endif

/*
 * Per-user token buckets, in this process.
 *
 * The library's cache backends have a shared token bucket (Redis: one Lua
 * script, shared by every server process), but it is reachable only through
 * the backend interface, not the public API; until a public
 * w3w_rate_limit_take() exists, each server process limits on its own
 * (N processes allow up to N times the rate).
 */
#ifndef W3W_SERVER_RATELIMIT_H
#define W3W_SERVER_RATELIMIT_H

#include <stdint.h>

typedef struct ratelimit ratelimit;

/** rate_per_s <= 0 disables limiting (ratelimit_take always allows). */
ratelimit *ratelimit_new(double rate_per_s, double burst);
void ratelimit_free(ratelimit *rl);

/** Take one token for `key` at `now_us`. Returns 1 if allowed; else 0 and *retry_after_s (>= 1). */
int ratelimit_take(ratelimit *rl, const char *key, int64_t now_us, int *retry_after_s);

#endif

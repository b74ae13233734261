/*
 * Identifiers and time.
 *
 * Ids are UUIDv7 in canonical lowercase text ("0190c2a1-7b3c-7d10-8e2f-
 * 1234567890ab"), so they sort by creation time. Times are microseconds
 * since the Unix epoch, UTC.
 */
#ifndef W3WALLET_ID_H
#define W3WALLET_ID_H

#include "w3wallet/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Microseconds since 1970-01-01T00:00:00Z. */
typedef int64_t w3w_time;

/** Write a new UUIDv7 into `buf` (at least W3W_ID_SIZE bytes). */
W3W_EXTERN w3w_status w3w_id_new(char *buf, size_t buflen);

/**
 * Check that `text` is a UUID in canonical form (36 characters, hex and
 * dashes; upper case accepted) and write it lowercased into `buf`.
 * W3W_EINVAL otherwise.
 */
W3W_EXTERN w3w_status w3w_id_normalize(char *buf, size_t buflen, const char *text);

/** Current time, microseconds UTC. */
W3W_EXTERN w3w_time w3w_time_now(void);

/** RFC 3339 UTC with microseconds ("2026-11-25T14:24:27.123456Z"); buf >= 32 bytes. */
W3W_EXTERN w3w_status w3w_time_format(char *buf, size_t buflen, w3w_time t);

#define W3W_TIME_STRLEN 32

#ifdef __cplusplus
}
#endif
#endif

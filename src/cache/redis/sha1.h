/*
 * SHA-1, only to name a Lua script for EVALSHA the way Redis does
 * (SCRIPT LOAD answers the same hex digest). Not for security.
 */
#ifndef W3W_CACHE_REDIS_SHA1_H
#define W3W_CACHE_REDIS_SHA1_H

#include <stddef.h>

/** Lowercase hex SHA-1 of `data` into `hex` (41 bytes with the NUL). */
void w3w__sha1_hex(char hex[41], const void *data, size_t len);

#endif

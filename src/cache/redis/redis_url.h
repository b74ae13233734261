/*
 * Parsing of `redis://[[user]:password@]host[:port][/db][?option=value&...]`.
 * Options: pool=N, timeout_ms=N (command timeout), prefix=TEXT, lazy=0|1,
 * near_cache=N (entries of the in-process near cache; 0 = none).
 */
#ifndef W3W_CACHE_REDIS_URL_H
#define W3W_CACHE_REDIS_URL_H

#include "w3wallet/common.h"

#define W3W__REDIS_HOST_SIZE 256
#define W3W__REDIS_CRED_SIZE 256
#define W3W__REDIS_PREFIX_SIZE 128

typedef struct w3w__redis_url {
	char host[W3W__REDIS_HOST_SIZE];
	int port;                               /* default 6379 */
	int db;                                 /* default 0 */
	char user[W3W__REDIS_CRED_SIZE];        /* "" = default user */
	char password[W3W__REDIS_CRED_SIZE];    /* "" = no AUTH */
	int has_password;
	char prefix[W3W__REDIS_PREFIX_SIZE];    /* prepended to every key */
	int pool;                               /* 0 = not given */
	int timeout_ms;                         /* 0 = not given */
	int lazy;                               /* open even if the server is unreachable */
	int near_cache;                         /* near cache entries, 0 = no near cache */
} w3w__redis_url;

/**
 * Parse `url` into `out`. W3W_EINVAL with a message naming the part that is
 * wrong (the message never repeats the password).
 */
w3w_status w3w__redis_url_parse(w3w__redis_url *out, const char *url);

/** Overwrite the credentials in `u` (call before freeing or dropping it). */
void w3w__redis_url_wipe(w3w__redis_url *u);

#endif

/* Random bytes for ids (UUIDv7, trace and span ids): drawn from the OS in blocks of 4 KiB
 * per thread, so a request's three ids cost no system call (one per ~100 requests).
 * Each byte is handed out once and wiped from the pool as it goes. */
#include <pthread.h>
#include <string.h>

#include <sodium.h>

#include "util/random.h"

static _Thread_local unsigned char rand_pool[4096];
static _Thread_local size_t rand_left;

/* A forked child must not reuse the parent's unspent random bytes (same ids in both). */
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void drop_pool_in_child(void)
{
	sodium_memzero(rand_pool, sizeof(rand_pool));
	rand_left = 0;
}

static void register_atfork(void)
{
	pthread_atfork(NULL, NULL, drop_pool_in_child);
}

void w3w__random_bytes(unsigned char *out, size_t n)
{
	pthread_once(&atfork_once, register_atfork);
	if (rand_left < n) {
		randombytes_buf(rand_pool, sizeof(rand_pool));
		rand_left = sizeof(rand_pool);
	}
	memcpy(out, rand_pool + sizeof(rand_pool) - rand_left, n);
	sodium_memzero(rand_pool + sizeof(rand_pool) - rand_left, n);
	rand_left -= n;
}

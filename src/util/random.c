/* Random bytes for ids (UUIDv7, trace and span ids), from a per-thread pool of 4 KiB: each
 * refill is the ChaCha20 stream (randombytes_buf_deterministic) of a fresh 256-bit key from
 * the OS, so a refill costs one getrandom of 32 bytes instead of 16 of 256 (libsodium's
 * chunk) and a request's three ids about 0.01 system calls. The key is wiped at once; each
 * byte is handed out once and wiped from the pool as it goes. */
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
	if (n > sizeof(rand_pool)) { /* not an id: straight from the OS */
		randombytes_buf(out, n);
		return;
	}
	if (rand_left < n) {
		unsigned char key[randombytes_SEEDBYTES];
		randombytes_buf(key, sizeof(key));
		randombytes_buf_deterministic(rand_pool, sizeof(rand_pool), key);
		sodium_memzero(key, sizeof(key));
		rand_left = sizeof(rand_pool);
	}
	memcpy(out, rand_pool + sizeof(rand_pool) - rand_left, n);
	sodium_memzero(rand_pool + sizeof(rand_pool) - rand_left, n);
	rand_left -= n;
}

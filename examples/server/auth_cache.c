/* Verified tokens per worker thread (see auth_cache.h). */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "auth_cache.h"

/* A power of two, per worker thread (about 150 KiB each, allocated when a thread first authenticates):
 * room for the tokens of a few hundred clients in turn on one thread. */
#define SLOTS 256

typedef struct slot {
	size_t len;          /* 0: empty */
	double exp, nbf;
	int has_nbf;
	w3w_actor actor;
	char token[AUTH_CACHE_TOKEN_MAX];
} slot;

static pthread_key_t key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static void make_key(void)
{
	pthread_key_create(&key, free);
}

static slot *table(int create)
{
	slot *t;
	pthread_once(&key_once, make_key);
	t = pthread_getspecific(key);
	if (!t && create && (t = calloc(SLOTS, sizeof(*t))) != NULL && pthread_setspecific(key, t) != 0) {
		free(t);
		t = NULL;
	}
	return t;
}

/* The signature ends the token and differs between any two tokens: its last bytes pick the slot. */
static size_t slot_of(const char *token, size_t len)
{
	uint64_t h = 1469598103934665603ULL ^ len;
	for (size_t i = len > 16 ? len - 16 : 0; i < len; i++) {
		h ^= (unsigned char)token[i];
		h *= 1099511628211ULL;
	}
	return (size_t)(h ^ (h >> 29)) & (SLOTS - 1);
}

int auth_cache_get(const char *token, size_t len, w3w_time now, int leeway_s, w3w_actor *actor)
{
	slot *t = len && len <= AUTH_CACHE_TOKEN_MAX ? table(0) : NULL, *s;
	double now_s = (double)now / 1e6;
	if (!t)
		return 0;
	s = &t[slot_of(token, len)];
	/* Constant time: a stored token is another client's credential, not to be guessed byte by byte. */
	if (s->len != len || sodium_memcmp(s->token, token, len) != 0)
		return 0;
	/* The same tests as w3w_jwt_verify: expired, or not yet valid, is verified (and refused) afresh. */
	if (s->exp + leeway_s <= now_s || (s->has_nbf && s->nbf - leeway_s > now_s))
		return 0;
	*actor = s->actor;
	return 1;
}

/* exp and nbf of the payload (the part between the dots); -1 when unreadable. */
static int read_times(const char *token, size_t len, double *exp, double *nbf, int *has_nbf)
{
	const char *dot1 = memchr(token, '.', len), *dot2;
	unsigned char json[AUTH_CACHE_TOKEN_MAX];
	size_t n = 0;
	cJSON *payload, *e, *b;
	int rc = -1;
	if (!dot1 || !(dot2 = memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token))))
		return -1;
	if (sodium_base642bin(json, sizeof(json), dot1 + 1, (size_t)(dot2 - dot1 - 1), NULL, &n, NULL,
		    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    !(payload = cJSON_ParseWithLength((const char *)json, n)))
		return -1;
	e = cJSON_GetObjectItemCaseSensitive(payload, "exp");
	b = cJSON_GetObjectItemCaseSensitive(payload, "nbf");
	if (cJSON_IsNumber(e) && (!b || cJSON_IsNumber(b))) {
		*exp = e->valuedouble;
		*has_nbf = b != NULL;
		*nbf = b ? b->valuedouble : 0;
		rc = 0;
	}
	cJSON_Delete(payload);
	return rc;
}

void auth_cache_put(const char *token, size_t len, const w3w_actor *actor)
{
	slot *t = len && len <= AUTH_CACHE_TOKEN_MAX ? table(1) : NULL, *s;
	double exp, nbf;
	int has_nbf;
	if (!t || read_times(token, len, &exp, &nbf, &has_nbf) != 0)
		return;
	s = &t[slot_of(token, len)];
	memcpy(s->token, token, len);
	s->len = len;
	s->exp = exp;
	s->nbf = nbf;
	s->has_nbf = has_nbf;
	s->actor = *actor;
}

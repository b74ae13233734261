/* Chained hash map of strings (see strmap.h). Sized for a simulation: a fixed bucket array. */
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

#define BUCKETS 4096

struct sim_strmap {
	sim_strmap_entry *buckets[BUCKETS];
};

static size_t bucket_of(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (size_t)(h % BUCKETS);
}

sim_strmap *sim_strmap_new(void)
{
	return calloc(1, sizeof(sim_strmap));
}

void sim_strmap_free(sim_strmap *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < BUCKETS; i++) {
		sim_strmap_entry *e = m->buckets[i];
		while (e) {
			sim_strmap_entry *next = e->next;
			free(e->key);
			free(e->value);
			free(e);
			e = next;
		}
	}
	free(m);
}

sim_strmap_entry *sim_strmap_find(sim_strmap *m, const char *key)
{
	for (sim_strmap_entry *e = m->buckets[bucket_of(key)]; e; e = e->next)
		if (strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

int sim_strmap_put(sim_strmap *m, const char *key, const char *value, size_t len, int64_t expires_ms)
{
	sim_strmap_entry *e = sim_strmap_find(m, key);
	char *copy = NULL;

	if (value) {
		if (!(copy = malloc(len + 1)))
			return -1;
		memcpy(copy, value, len);
		copy[len] = '\0';
	}
	if (!e) {
		size_t b = bucket_of(key);
		if (!(e = calloc(1, sizeof(*e))) || !(e->key = strdup(key))) {
			free(e);
			free(copy);
			return -1;
		}
		e->next = m->buckets[b];
		m->buckets[b] = e;
	}
	free(e->value);
	e->value = copy;
	e->len = value ? len : 0;
	e->expires_ms = expires_ms;
	return 0;
}

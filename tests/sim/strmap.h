/* A small string -> bytes map with an expiry per entry (the sim caches' storage). */
#ifndef W3W_SIM_STRMAP_H
#define W3W_SIM_STRMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct sim_strmap sim_strmap;

typedef struct sim_strmap_entry {
	char *key;
	char *value;          /* NULL: a tombstone */
	size_t len;
	int64_t expires_ms;   /* on the caller's clock */
	struct sim_strmap_entry *next;
} sim_strmap_entry;

sim_strmap *sim_strmap_new(void);
void sim_strmap_free(sim_strmap *m);
/** The entry of `key` (expired or not), NULL if none. */
sim_strmap_entry *sim_strmap_find(sim_strmap *m, const char *key);
/** Insert or overwrite; value NULL makes a tombstone. -1 when out of memory (nothing changed). */
int sim_strmap_put(sim_strmap *m, const char *key, const char *value, size_t len, int64_t expires_ms);

#endif

/*
 * A fresh PostgreSQL schema per seed (search_path in the URL), so outbox
 * sequence numbers, totals and the audit chain start empty, as on SQLite,
 * and a seed's run does not depend on what ran before it.
 */
#ifndef W3W_SIM_PG_FRESH_H
#define W3W_SIM_PG_FRESH_H

#include <stddef.h>
#include <stdint.h>

/** Create schema sim_<seed>_<pid>_<n> on `base` and write its URL. 0 on success, else err says why. */
int sim_pg_fresh(const char *base, uint64_t seed, char *url, size_t url_size, char *schema,
	size_t schema_size, char *err, size_t err_size);
void sim_pg_drop(const char *base, const char *schema);

#endif

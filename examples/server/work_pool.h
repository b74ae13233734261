/*
 * Worker threads for requests that block in the library (writes: a storage
 * transaction, a cache invalidation). libmicrohttpd hands each connection to
 * one of its event threads for its whole life, and wrk's or a load balancer's
 * connections do not spread evenly (measured: 25 of 32 threads busy, the
 * busiest with several times the others' requests); a write run inline
 * blocks every other connection of its thread. Run here instead, the writes
 * of all connections share every worker, as the library's own threads do.
 */
#ifndef W3W_SERVER_WORK_POOL_H
#define W3W_SERVER_WORK_POOL_H

typedef struct work_pool work_pool;
typedef void (*work_fn)(void *item);

/** Start `threads` workers running `fn` on each submitted item. NULL when out of memory or threads. */
work_pool *work_pool_start(int threads, work_fn fn);

/** Queue `item`: 0, or -1 once the pool is stopping (the caller runs it itself). */
int work_pool_submit(work_pool *p, void *item);

/** Run what is queued, stop and free the workers. NULL is ignored. */
void work_pool_stop(work_pool *p);

#endif

/* A fixed set of threads and a FIFO of items (see work_pool.h). */
#include <pthread.h>
#include <stdlib.h>

#include "work_pool.h"

typedef struct job {
	struct job *next;
	void *item;
} job;

struct work_pool {
	pthread_mutex_t mu;
	pthread_cond_t more;
	job *head, *tail;
	int stopping;
	work_fn fn;
	int count;
	pthread_t threads[];
};

static void *worker(void *arg)
{
	work_pool *p = arg;
	for (;;) {
		job *j;
		pthread_mutex_lock(&p->mu);
		while (!p->head && !p->stopping)
			pthread_cond_wait(&p->more, &p->mu);
		j = p->head;
		if (j) {
			p->head = j->next;
			if (!p->head)
				p->tail = NULL;
		}
		pthread_mutex_unlock(&p->mu);
		if (!j)
			return NULL; /* stopping and nothing left */
		p->fn(j->item);
		free(j);
	}
}

work_pool *work_pool_start(int threads, work_fn fn)
{
	work_pool *p = calloc(1, sizeof(*p) + (size_t)threads * sizeof(pthread_t));
	if (!p)
		return NULL;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->more, NULL);
	p->fn = fn;
	for (; p->count < threads; p->count++)
		if (pthread_create(&p->threads[p->count], NULL, worker, p) != 0) {
			work_pool_stop(p);
			return NULL;
		}
	return p;
}

int work_pool_submit(work_pool *p, void *item)
{
	job *j = malloc(sizeof(*j));
	if (!j)
		return -1;
	j->item = item;
	j->next = NULL;
	pthread_mutex_lock(&p->mu);
	if (p->stopping) {
		pthread_mutex_unlock(&p->mu);
		free(j);
		return -1;
	}
	if (p->tail)
		p->tail->next = j;
	else
		p->head = j;
	p->tail = j;
	pthread_cond_signal(&p->more);
	pthread_mutex_unlock(&p->mu);
	return 0;
}

void work_pool_stop(work_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stopping = 1;
	pthread_cond_broadcast(&p->more);
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < p->count; i++)
		pthread_join(p->threads[i], NULL);
	pthread_cond_destroy(&p->more);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_setup.h"

typedef struct buyer_job {
	w3w_ctx *ctx;
	bench_id *ids;
	size_t n;
} buyer_job;

/* One buyer: a deposit covering its orders, then the orders one by one. */
static void *buyer_main(void *arg)
{
	buyer_job *job = arg;
	w3w_actor service, buyer;
	w3w_order_item item;
	char ref[64];

	if (job->n == 0)
		return NULL;
	bench_actor(&service, W3W_ROLE_SERVICE);
	bench_actor(&buyer, W3W_ROLE_USER);
	snprintf(ref, sizeof(ref), "bench-%s", buyer.user_id);
	if (w3w_deposit(NULL, job->ctx, &service, buyer.user_id, "USDC", (w3w_amount)job->n * BENCH_PRICE, ref,
		NULL) != W3W_OK)
		bench_die("deposit");
	memset(&item, 0, sizeof(item));
	w3w_id_new(item.product_id, sizeof(item.product_id));
	strcpy(item.product_name, "bench item");
	item.price = BENCH_PRICE;
	item.quantity = 1;
	for (size_t i = 0; i < job->n; i++) {
		w3w_order *o = NULL;
		if (w3w_order_create(&o, job->ctx, &buyer, "USDC", &item, 1, NULL) != W3W_OK)
			bench_die("order create");
		snprintf(job->ids[i], sizeof(bench_id), "%s", o->id);
		w3w_order_free(o);
	}
	return NULL;
}

void bench_make_orders(w3w_ctx *ctx, bench_id *ids, size_t n, int threads)
{
	buyer_job *jobs;
	size_t per, done = 0;

	if (threads < 1)
		threads = 1;
	if ((size_t)threads > n)
		threads = n ? (int)n : 1;
	jobs = calloc((size_t)threads, sizeof(*jobs));
	if (!jobs) {
		fprintf(stderr, "w3w-bench: out of memory\n");
		exit(1);
	}
	per = n / (size_t)threads;
	for (int t = 0; t < threads; t++) {
		jobs[t].ctx = ctx;
		jobs[t].ids = ids + done;
		jobs[t].n = t + 1 == threads ? n - done : per;
		done += jobs[t].n;
	}
	bench_run_threads(threads, buyer_main, jobs, sizeof(*jobs));
	free(jobs);
}

void bench_make_shopper(w3w_ctx *ctx, w3w_actor *shopper, size_t capacity)
{
	bench_actor(shopper, W3W_ROLE_USER);
	if (w3w_supply_create(NULL, ctx, shopper, "USDC", (w3w_amount)(capacity ? capacity : 1) * BENCH_PRICE,
		NULL) != W3W_OK)
		bench_die("supply create");
}

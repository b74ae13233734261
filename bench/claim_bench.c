#define _POSIX_C_SOURCE 200809L
/*
 * Library benchmark: claims per second and per-claim latency (p50/p99) at
 * several thread counts, then reads by id with the cache warm and cold.
 *
 *   w3w-bench --storage URL [--cache URL] [--threads 1,8,32] [--claims N]
 *
 * Each thread claims its own orders (no contention: this measures the claim
 * path, not conflicts). Output: one line per measurement, "key value" pairs
 * that bench/run.sh turns into the report.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <w3wallet.h>

#define MAX_LEVELS 8

typedef struct worker {
	w3w_ctx *ctx;
	w3w_actor shopper;
	char (*orders)[W3W_ID_SIZE];
	size_t count;
	double *lat_us;
	size_t failed;
} worker;

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double percentile(double *v, size_t n, double p)
{
	size_t i = (size_t)(p * (double)(n - 1));
	return n ? v[i] : 0;
}

static void die(const char *what)
{
	fprintf(stderr, "w3w-bench: %s: %s\n", what, w3w_error_message());
	exit(1);
}

static void new_actor(w3w_actor *a, unsigned roles)
{
	char id[W3W_ID_SIZE];
	w3w_id_new(id, sizeof(id));
	if (w3w_actor_init(a, id, roles) != W3W_OK)
		die("actor");
}

/* A buyer with funds and `n` open one-item orders. */
static void make_orders(w3w_ctx *ctx, const w3w_actor *service, char (*ids)[W3W_ID_SIZE], size_t n)
{
	w3w_actor buyer;
	w3w_order_item item;
	char ref[64];

	new_actor(&buyer, W3W_ROLE_USER);
	snprintf(ref, sizeof(ref), "bench-%s", buyer.user_id);
	if (w3w_deposit(NULL, ctx, service, buyer.user_id, "USDC", (w3w_amount)n * 100000000, ref, NULL) != W3W_OK)
		die("deposit");
	memset(&item, 0, sizeof(item));
	w3w_id_new(item.product_id, sizeof(item.product_id));
	strcpy(item.product_name, "bench item");
	item.price = 100000000;
	item.quantity = 1;
	for (size_t i = 0; i < n; i++) {
		w3w_order *o = NULL;
		if (w3w_order_create(&o, ctx, &buyer, "USDC", &item, 1, NULL) != W3W_OK)
			die("order create");
		strcpy(ids[i], o->id);
		w3w_order_free(o);
	}
}

static void *claim_worker(void *arg)
{
	worker *w = arg;
	for (size_t i = 0; i < w->count; i++) {
		w3w_claim c;
		double t0 = now_us();
		if (w3w_claim_order(&c, w->ctx, &w->shopper, w->orders[i], NULL) != W3W_OK)
			w->failed++;
		w->lat_us[i] = now_us() - t0;
	}
	return NULL;
}

static void bench_claims(w3w_ctx *ctx, const w3w_actor *service, int threads, size_t claims)
{
	char (*ids)[W3W_ID_SIZE] = calloc(claims, W3W_ID_SIZE);
	double *lat = calloc(claims, sizeof(double));
	worker *ws = calloc((size_t)threads, sizeof(worker));
	pthread_t *tids = calloc((size_t)threads, sizeof(pthread_t));
	size_t per = claims / (size_t)threads, failed = 0, done = 0;
	double t0, elapsed;

	make_orders(ctx, service, ids, claims);
	for (int t = 0; t < threads; t++) {
		new_actor(&ws[t].shopper, W3W_ROLE_USER);
		if (w3w_supply_create(NULL, ctx, &ws[t].shopper, "USDC", (w3w_amount)claims * 100000000, NULL) != W3W_OK)
			die("supply");
		ws[t].ctx = ctx;
		ws[t].orders = ids + (size_t)t * per;
		ws[t].count = per;
		ws[t].lat_us = lat + (size_t)t * per;
	}
	t0 = now_us();
	for (int t = 0; t < threads; t++)
		pthread_create(&tids[t], NULL, claim_worker, &ws[t]);
	for (int t = 0; t < threads; t++) {
		pthread_join(tids[t], NULL);
		failed += ws[t].failed;
		done += ws[t].count;
	}
	elapsed = now_us() - t0;
	qsort(lat, done, sizeof(double), cmp_double);
	printf("claims threads=%d n=%zu failed=%zu per_s=%.0f p50_us=%.0f p99_us=%.0f\n", threads, done, failed,
		(double)done / (elapsed / 1e6), percentile(lat, done, 0.50), percentile(lat, done, 0.99));
	fflush(stdout);
	free(ids);
	free(lat);
	free(ws);
	free(tids);
}

static void bench_reads(w3w_ctx *ctx, const w3w_actor *service, const char *label, size_t n)
{
	char (*ids)[W3W_ID_SIZE] = calloc(n, W3W_ID_SIZE);
	double *lat = calloc(n, sizeof(double));
	w3w_actor reader;
	double t0, elapsed;

	new_actor(&reader, W3W_ROLE_USER);
	make_orders(ctx, service, ids, n);
	for (int pass = 0; pass < 2; pass++) { /* pass 0 warms the cache (if any) */
		t0 = now_us();
		for (size_t i = 0; i < n; i++) {
			w3w_order *o = NULL;
			double s = now_us();
			if (w3w_order_get(&o, ctx, &reader, ids[i]) != W3W_OK)
				die("order get");
			lat[i] = now_us() - s;
			w3w_order_free(o);
		}
		elapsed = now_us() - t0;
	}
	qsort(lat, n, sizeof(double), cmp_double);
	printf("reads cache=%s n=%zu per_s=%.0f p50_us=%.1f p99_us=%.1f\n", label, n,
		(double)n / (elapsed / 1e6), percentile(lat, n, 0.50), percentile(lat, n, 0.99));
	fflush(stdout);
	free(ids);
	free(lat);
}

int main(int argc, char **argv)
{
	const char *storage = "sqlite:bench.db", *cache = "memory:", *levels = "1,8,32";
	size_t claims = 4000;
	w3w_options o;
	w3w_ctx *ctx;
	w3w_actor service;
	char buf[64], *tok, *save = NULL;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--storage")) storage = argv[i + 1];
		else if (!strcmp(argv[i], "--cache")) cache = argv[i + 1];
		else if (!strcmp(argv[i], "--threads")) levels = argv[i + 1];
		else if (!strcmp(argv[i], "--claims")) claims = (size_t)strtoul(argv[i + 1], NULL, 10);
		else { fprintf(stderr, "usage: w3w-bench --storage URL [--cache URL] [--threads 1,8,32] [--claims N]\n"); return 2; }
	}
	w3w_options_init(&o, W3W_OPTIONS_VERSION);
	snprintf(o.storage_url, sizeof(o.storage_url), "%s", storage);
	snprintf(o.cache_url, sizeof(o.cache_url), "%s", cache);
	o.pool_size = 40;
	if (w3w_ctx_open(&ctx, &o) != W3W_OK)
		die("open");
	new_actor(&service, W3W_ROLE_SERVICE);
	snprintf(buf, sizeof(buf), "%s", levels);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		bench_claims(ctx, &service, atoi(tok), claims);
	bench_reads(ctx, &service, cache, claims);
	w3w_ctx_close(ctx);
	return 0;
}

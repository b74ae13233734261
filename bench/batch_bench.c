#define _POSIX_C_SOURCE 200809L
/*
 * w3w-bench batch: claims per second against the batch size, on one thread.
 *
 *   batch --storage URL --sizes 0,1,10,100,1000 --claims N [--duration S] [--rounds R] [--label X]
 *
 * Size 0 is the single command (w3w_claim_order), the baseline; size k > 0
 * claims through w3w_claim_batch, k orders a call. For each size: N fresh
 * open orders (made with order batches, untimed) and one shopper with room
 * for all of them; then one thread claims them until they or the duration
 * run out. The relay is off; the events and audit records are relayed and
 * sealed afterwards, untimed. R rounds (3) of all the sizes, interleaved, so
 * that the machine's load moving between runs hits every size alike; one
 * JSON line per size with the median of its rounds:
 *   {"bench":"batch","label":..,"storage":..,"size":k,"rounds":R,"n":claims,"failed":..,"seconds":..,
 *    "per_s":median,"per_s_rounds":[..],"call_p50_us":..,"call_p99_us":..,"rt_per_op":..,
 *    "cpu_us_per_op":median}
 * cpu_us_per_op is this process's CPU per claim while it claims (SQLite: all of a claim's work,
 * its checkpoints included; PostgreSQL: the client's share), which the machine's load moves far
 * less than the wall-clock rate.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_setup.h"
#include "bench_util.h"
#include "pq_trace.h"

#define ORDERS_PER_BUYER 500

/* n open one-item orders, ORDERS_PER_BUYER per buyer, made in batches. */
static void make_orders(w3w_ctx *ctx, bench_id *ids, size_t n)
{
	w3w_actor service, buyer;
	w3w_order_item item;
	w3w_order_request *req = calloc(ORDERS_PER_BUYER, sizeof(*req));
	w3w_deposit_request dep;
	w3w_batch_results *res = NULL;

	if (!req)
		bench_die("out of memory");
	bench_actor(&service, W3W_ROLE_SERVICE);
	memset(&item, 0, sizeof(item));
	w3w_id_new(item.product_id, sizeof(item.product_id));
	strcpy(item.product_name, "bench item");
	item.price = BENCH_PRICE;
	item.quantity = 1;
	for (size_t done = 0; done < n;) {
		size_t k = n - done < ORDERS_PER_BUYER ? n - done : ORDERS_PER_BUYER;
		bench_actor(&buyer, W3W_ROLE_USER);
		memset(&dep, 0, sizeof(dep));
		snprintf(dep.user_id, sizeof(dep.user_id), "%s", buyer.user_id);
		strcpy(dep.currency, "USDC");
		dep.amount = (w3w_amount)k * BENCH_PRICE;
		snprintf(dep.reference, sizeof(dep.reference), "bench-%s", buyer.user_id);
		if (w3w_deposit_batch(&res, ctx, &service, &dep, 1) != W3W_OK || res->ok != 1)
			bench_die("deposit");
		w3w_batch_results_free(res);
		for (size_t i = 0; i < k; i++) {
			strcpy(req[i].currency, "USDC");
			req[i].items = &item;
			req[i].item_count = 1;
		}
		if (w3w_order_create_batch(&res, ctx, &buyer, req, k) != W3W_OK || res->ok != k)
			bench_die("order batch");
		for (size_t i = 0; i < k; i++)
			snprintf(ids[done + i], sizeof(bench_id), "%s", res->items[i].id);
		w3w_batch_results_free(res);
		done += k;
	}
	free(req);
}

/* Relay and seal what the claims left, untimed (bounded). */
static void settle(w3w_ctx *ctx)
{
	double t0 = bench_now_us();
	size_t got;
	do {
		got = 0;
		if (w3w_events_pump(ctx, 4096, &got) != W3W_OK)
			break;
	} while (got > 0 && bench_now_us() - t0 < 60e6);
	w3w_audit_seal(ctx, 0, NULL);
	w3w_error_clear();
}

typedef struct run {
	size_t claims, failed, calls;
	double seconds, rt, cpu_us;
	bench_stats call;
	char error[256];
} run;

static void claim_all(w3w_ctx *ctx, const bench_id *orders, size_t n, size_t size, double duration, run *out)
{
	w3w_actor shopper;
	w3w_claim_request *req = calloc(size ? size : 1, sizeof(*req));
	double *lat = calloc(n, sizeof(double));
	pq_trace_counts p0, p1;
	double t0, deadline;

	if (!req || !lat)
		bench_die("out of memory");
	memset(out, 0, sizeof(*out));
	bench_make_shopper(ctx, &shopper, n);
	pq_trace_thread(&p0);
	out->cpu_us = bench_process_cpu_us();
	t0 = bench_now_us();
	deadline = t0 + duration * 1e6;
	for (size_t at = 0; at < n && bench_now_us() < deadline; out->calls++) {
		double c0 = bench_now_us();
		size_t k = size == 0 ? 1 : (n - at < size ? n - at : size);
		if (size == 0) {
			if (w3w_claim_order(NULL, ctx, &shopper, orders[at], NULL) != W3W_OK && !out->failed++)
				snprintf(out->error, sizeof(out->error), "%s", w3w_error_message());
		} else {
			w3w_batch_results *res = NULL;
			for (size_t i = 0; i < k; i++)
				snprintf(req[i].order_id, sizeof(req[i].order_id), "%s", orders[at + i]);
			if (w3w_claim_batch(&res, ctx, &shopper, req, k) != W3W_OK) {
				out->failed += k;
				snprintf(out->error, sizeof(out->error), "%s", w3w_error_message());
			} else {
				out->failed += k - res->ok;
				if (res->ok != k && !out->error[0])
					for (size_t i = 0; i < k && !out->error[0]; i++)
						if (res->items[i].status != W3W_OK)
							snprintf(out->error, sizeof(out->error), "%s", res->items[i].message);
			}
			w3w_batch_results_free(res);
		}
		lat[out->calls] = bench_now_us() - c0;
		at += k;
		out->claims += k;
	}
	out->seconds = (bench_now_us() - t0) / 1e6;
	out->cpu_us = bench_process_cpu_us() - out->cpu_us;
	pq_trace_thread(&p1);
	out->rt = (double)(p1.round_trips - p0.round_trips);
	bench_stats_of(&out->call, lat, out->calls);
	free(lat);
	free(req);
}

/* The median of n values (sorts them). */
static double median(double *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			double t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#define MAX_SIZES 16
#define MAX_ROUNDS 9

int bench_batch_main(const bench_args *a)
{
	static const char *const known[] = { "--storage", "--sizes", "--claims", "--duration", "--rounds", "--label", NULL };
	const char *storage = bench_arg(a, "--storage", "sqlite:bench.db");
	const char *sizes_arg = bench_arg(a, "--sizes", "0,1,10,100,1000");
	size_t n = (size_t)bench_arg_long(a, "--claims", 5000);
	double duration = bench_arg_double(a, "--duration", 10);
	int rounds = (int)bench_arg_long(a, "--rounds", 3);
	size_t sizes[MAX_SIZES];
	int nsizes = 0, failed = 0;
	static run runs[MAX_SIZES][MAX_ROUNDS];
	char *list, *save = NULL;
	bench_id *orders;
	w3w_ctx *ctx;

	if (bench_args_check(a, known) || n == 0 || rounds < 1 || rounds > MAX_ROUNDS) {
		fprintf(stderr, "usage: w3w-bench batch --storage URL [--sizes 0,1,10,...] [--claims N]"
			" [--duration S] [--rounds 1..%d] [--label X]\n", MAX_ROUNDS);
		return 2;
	}
	if (!(list = strdup(sizes_arg)))
		return 1;
	for (char *tok = strtok_r(list, ",", &save); tok && nsizes < MAX_SIZES; tok = strtok_r(NULL, ",", &save)) {
		size_t size = (size_t)strtoul(tok, NULL, 10);
		sizes[nsizes++] = size > W3W_BATCH_MAX ? W3W_BATCH_MAX : size;
	}
	free(list);
	ctx = bench_open(storage, "memory:", 2, 0);
	if (!(orders = calloc(n, sizeof(*orders))))
		return 1;
	pq_trace_mark_worker();
	/* Rounds outside, sizes inside: a change of the machine's load between runs hits every size alike. */
	for (int r = 0; r < rounds; r++)
		for (int k = 0; k < nsizes; k++) {
			make_orders(ctx, orders, n);
			settle(ctx);
			claim_all(ctx, orders, n, sizes[k], duration, &runs[k][r]);
			settle(ctx);
		}
	for (int k = 0; k < nsizes; k++) {
		double per_s[MAX_ROUNDS], p50[MAX_ROUNDS], p99[MAX_ROUNDS], cpu[MAX_ROUNDS], rt = 0, secs = 0;
		size_t claims = 0, bad = 0;
		const char *error = NULL;
		char rounds_json[512];
		size_t len = 0;
		bench_json j;

		rounds_json[len++] = '[';
		for (int r = 0; r < rounds; r++) {
			const run *x = &runs[k][r];
			per_s[r] = x->seconds > 0 ? (double)x->claims / x->seconds : 0;
			p50[r] = x->call.p50;
			p99[r] = x->call.p99;
			cpu[r] = x->claims ? x->cpu_us / (double)x->claims : 0;
			claims += x->claims;
			bad += x->failed;
			secs += x->seconds;
			rt += x->rt;
			if (x->error[0] && !error)
				error = x->error;
			len += (size_t)snprintf(rounds_json + len, sizeof(rounds_json) - len, "%s%.1f", r ? "," : "", per_s[r]);
		}
		snprintf(rounds_json + len, sizeof(rounds_json) - len, "]");
		bench_json_begin(&j, "batch");
		bench_json_str(&j, "label", bench_arg(a, "--label", ""));
		bench_json_str(&j, "storage", bench_backend_name(storage));
		bench_json_num(&j, "size", (double)sizes[k]);
		bench_json_num(&j, "rounds", rounds);
		bench_json_num(&j, "n", (double)claims);
		bench_json_num(&j, "failed", (double)bad);
		if (error)
			bench_json_str(&j, "error", error);
		bench_json_num(&j, "seconds", secs);
		bench_json_num(&j, "per_s", median(per_s, rounds));
		bench_json_raw(&j, "per_s_rounds", rounds_json);
		bench_json_num(&j, "call_p50_us", median(p50, rounds));
		bench_json_num(&j, "call_p99_us", median(p99, rounds));
		bench_json_num(&j, "rt_per_op", claims ? rt / (double)claims : 0);
		bench_json_num(&j, "cpu_us_per_op", median(cpu, rounds));
		bench_json_end(&j);
		failed |= bad != 0;
	}
	free(orders);
	w3w_ctx_close(ctx);
	return failed;
}

/* What the benchmarks claim and read: buyers with funds and open orders, shoppers with supplies. */
#ifndef W3W_BENCH_SETUP_H
#define W3W_BENCH_SETUP_H

#include "bench_util.h"

/* `n` open one-item orders of BENCH_PRICE, made by `threads` buyers in parallel; ids into `ids`. */
void bench_make_orders(w3w_ctx *ctx, bench_id *ids, size_t n, int threads);

/* A new user with an active supply able to cover `capacity` orders. */
void bench_make_shopper(w3w_ctx *ctx, w3w_actor *shopper, size_t capacity);

#endif

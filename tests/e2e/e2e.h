/*
 * Helpers shared by the end-to-end tests: the production backends proved
 * through the library's public API (<w3wallet.h>) on real servers started
 * by scripts/services/with-services.sh.
 *
 * A test FAILS (never skips) when a W3W_TEST_* variable it needs is unset.
 * Each PostgreSQL test runs in a fresh database of its own (created through
 * W3W_TEST_PG_ADMIN_URL), so outbox counts are exact whatever else uses the
 * server.
 */
#ifndef W3W_E2E_H
#define W3W_E2E_H

#include <check.h>
#include <libpq-fe.h>
#include <stdint.h>

#include <w3wallet.h>

/** The call must return `want`; the failure names the call, both statuses and the message. */
#define E2E_EXPECT(want, call) do { \
	w3w_status e2e_st_ = (call); \
	ck_assert_msg(e2e_st_ == (want), "%s: got %s, want %s (%s)", #call, \
		w3w_status_name(e2e_st_), w3w_status_name(want), w3w_error_message()); \
} while (0)

#define E2E_OK(call) E2E_EXPECT(W3W_OK, call)

/** Value of a required environment variable; fails the test when unset or empty. */
const char *e2e_env(const char *name);

int64_t e2e_now_ms(void);
int64_t e2e_now_us(void);
void e2e_sleep_ms(int ms);

/* ---- services (scripts/services/ctl.sh on $W3W_SERVICES_DIR) ---------------- */

/** `ctl.sh DIR action service` ("stop"/"start", "pg"/"redis"/"kafka"); must succeed. */
void e2e_service(const char *action, const char *service);
/** Start any of pg, redis, kafka that a failed test left stopped (unchecked teardown: no asserts). */
void e2e_services_restore(void);

/* ---- storage ---------------------------------------------------------------- */

/**
 * A fresh PostgreSQL database owned by the role of W3W_TEST_PG_URL: writes
 * its URL (W3W_TEST_PG_URL with the database name replaced) and its name.
 */
void e2e_pg_fresh(char url[W3W_URL_SIZE], char name[64]);
/** Drop a database made by e2e_pg_fresh (connections are ended first). */
void e2e_pg_drop(const char *name);
/** A connection to `url`; fails the test when there is none. */
PGconn *e2e_pg_connect(const char *url);
/** Run `sql`, which must succeed (a command or a query). */
void e2e_pg_exec(PGconn *c, const char *sql);
/** A fresh SQLite file in a new temporary directory: writes "sqlite:DIR/w3w.db" and DIR. */
void e2e_sqlite_fresh(char url[W3W_URL_SIZE], char dir[512]);
void e2e_sqlite_remove(const char *dir);

/** Open a context; `events_url` may be "" (in-process only). */
w3w_ctx *e2e_open(const char *storage_url, const char *cache_url, const char *events_url,
	int background_relay, int timeout_ms);

/* ---- fresh names and shortcuts ------------------------------------------------ */

void e2e_actor(w3w_actor *out, unsigned int roles);
/** A fresh 10-character currency code. */
void e2e_currency(char out[W3W_CURRENCY_SIZE]);
/** Parse a decimal literal of a test. */
w3w_amount e2e_amt(const char *text);
/** One item of price `price` and quantity `qty`, fresh product id. */
void e2e_item(w3w_order_item *item, const char *price, int64_t qty);

/** Outbox counters read as `service`. */
w3w_outbox_stats e2e_outbox(w3w_ctx *ctx, const w3w_actor *service);

/** balances == deposits - withdrawals, held == escrow, reserved == live_claims, entries sum 0. */
void e2e_check_invariants(w3w_ctx *ctx, const w3w_actor *auditor, const char *currency,
	w3w_ledger_totals *out);

#endif

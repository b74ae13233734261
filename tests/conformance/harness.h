/*
 * Conformance harness: every test opens a fresh context on the storage URL
 * under test (env W3W_TEST_STORAGE_URL, default a new SQLite file in a
 * temporary directory per test) and the cache URL (env W3W_TEST_CACHE_URL,
 * default "memory:"). Tests use fresh user ids and a fresh currency, so
 * they also hold on a shared PostgreSQL database that is not empty.
 *
 * Only the public API (<w3wallet.h>) is used: the suite proves a backend
 * right through what users see.
 */
#ifndef W3W_CONFORMANCE_HARNESS_H
#define W3W_CONFORMANCE_HARNESS_H

#include <check.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include <w3wallet.h>

#define H_MAX_CURRENCIES 8
#define H_MAX_USERS 32

typedef struct h_env {
	w3w_ctx *ctx;
	char dir[512];                       /* temp dir of the default SQLite file, "" otherwise */
	char storage_url[W3W_URL_SIZE];
	char cache_url[W3W_URL_SIZE];
	int shared_storage;                  /* storage URL came from the environment */
	char cur[W3W_CURRENCY_SIZE];         /* the test's fresh currency */
	char currencies[H_MAX_CURRENCIES][W3W_CURRENCY_SIZE]; /* checked at teardown */
	int n_currencies;
	char users[H_MAX_USERS][W3W_ID_SIZE]; /* accounts compared by snapshots */
	int n_users;
	w3w_actor admin, service, auditor;
} h_env;

extern h_env H;

/* ---- fixture -------------------------------------------------------------- */

/** Checked fixture: fresh storage (or fresh ids on a shared one), context, actors, currency. */
void h_setup(void);
/** Checks the reconciliation invariants of every currency the test used, closes, cleans up. */
void h_teardown(void);
/** Options of the test's context (storage and cache URL, relay off). */
void h_options(w3w_options *opts);
/** Another context on the same storage. */
w3w_ctx *h_ctx_open(int background_relay);

/* ---- fresh names ---------------------------------------------------------- */

/** A fresh actor; user actors are remembered so snapshots compare their accounts. */
void h_actor(w3w_actor *out, unsigned int roles);
void h_user(w3w_actor *out);
void h_new_id(char out[W3W_ID_SIZE]);
/** A fresh currency code of 10 characters, registered for the teardown checks. */
void h_currency(char out[W3W_CURRENCY_SIZE]);

/* ---- shortcuts that must succeed -------------------------------------------- */

/** Parse a decimal literal of a test (aborts on a typo). */
w3w_amount h_amt(const char *text);
void h_fund(const w3w_actor *user, const char *currency, const char *amount);
void h_supply(w3w_supply *out, const w3w_actor *shopper, const char *currency, const char *amount);
/** An order of one item of price `amount`, quantity 1; writes its id. */
void h_order(char id_out[W3W_ID_SIZE], const w3w_actor *buyer, const char *currency, const char *amount);
void h_claim(w3w_claim *out, const w3w_actor *shopper, const char *order_id);
/** Fill an item with a fresh product id and a name. */
void h_item(w3w_order_item *item, const char *price, int64_t quantity);

/* ---- reads ---------------------------------------------------------------- */

/** The account of `user_id` in `currency` (read as admin); zeros if it has none. */
void h_account(w3w_account *out, const char *user_id, const char *currency);
void h_totals(w3w_ledger_totals *out, const char *currency);
int64_t h_outbox_total(void);
/** Run H.ctx's relay until the outbox is empty (the storage may hold other tests' backlog). */
void h_pump_all(void);
/** balances == deposits - withdrawals, held == escrow, reserved == live_claims, entries sum 0. */
void h_check_invariants(const char *currency);
int h_order_status(const char *order_id);

/** Everything a refused command must leave unchanged. */
typedef struct h_snapshot {
	w3w_ledger_totals totals[H_MAX_CURRENCIES];
	int n;
	w3w_account accounts[H_MAX_USERS][H_MAX_CURRENCIES];
	int n_users;
	int64_t outbox_total;
} h_snapshot;

void h_snap(h_snapshot *out);
void h_snap_assert_same(const h_snapshot *before, const h_snapshot *after, const char *what);

/* ---- assertions ----------------------------------------------------------- */

int h_contains(const char *haystack, const char *needle);

/** The call must return `want` (message and names on failure). */
#define H_EXPECT(want, call) do { \
	w3w_status h_st_ = (call); \
	ck_assert_msg(h_st_ == (want), "%s: got %s, want %s (%s)", #call, \
		w3w_status_name(h_st_), w3w_status_name(want), w3w_error_message()); \
} while (0)

#define H_OK(call) H_EXPECT(W3W_OK, call)

/**
 * A refused command: returns `want`, its message names `field` (NULL: any
 * non-empty message), and it changes no totals and writes no event.
 */
#define H_REFUSED(want, field, call) do { \
	h_snapshot h_before_, h_after_; \
	w3w_status h_st_; \
	const char *h_field_ = (field); \
	char h_msg_[512]; \
	h_snap(&h_before_); \
	w3w_error_clear(); \
	h_st_ = (call); \
	snprintf(h_msg_, sizeof(h_msg_), "%s", w3w_error_message()); \
	ck_assert_msg(h_st_ == (want), "%s: got %s, want %s (%s)", #call, \
		w3w_status_name(h_st_), w3w_status_name(want), h_msg_); \
	ck_assert_msg(h_msg_[0] != '\0', "%s: refused without a message", #call); \
	ck_assert_msg(w3w_error_code() == (want), "%s: w3w_error_code() is %s", #call, \
		w3w_status_name(w3w_error_code())); \
	if (h_field_) \
		ck_assert_msg(h_contains(h_msg_, h_field_), "%s: message \"%s\" does not name \"%s\"", \
			#call, h_msg_, h_field_); \
	h_snap(&h_after_); \
	h_snap_assert_same(&h_before_, &h_after_, #call); \
} while (0)

/* ---- vectors -------------------------------------------------------------- */

/** Parse tests/vectors/<name> (env W3W_VECTORS_DIR). NULL if unreadable. */
cJSON *h_vectors_load(const char *name);

/* ---- test cases of each domain -------------------------------------------- */

TCase *conf_context_tcase(void);
TCase *conf_ledger_tcase(void);
TCase *conf_supply_tcase(void);
TCase *conf_order_tcase(void);
TCase *conf_claim_tcase(void);
TCase *conf_idempotency_tcase(void);
TCase *conf_paging_tcase(void);
TCase *conf_events_tcase(void);
TCase *conf_audit_tcase(void);
TCase *conf_cache_tcase(void);
TCase *conf_state_machine_tcase(void);
TCase *conf_race_tcase(void);
TCase *conf_races_tcase(void);
TCase *conf_json_tcase(void);
TCase *conf_limits_tcase(void);
TCase *conf_batch_tcase(void);

/** Remove a directory and what is in it (one level of subdirectories deep). */
void h_remove_dir(const char *path);

/** Add the standard fixture to a test case. */
TCase *h_tcase(const char *name);

#endif

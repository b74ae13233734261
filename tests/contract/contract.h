/*
 * The storage contract: scenarios every storage backend must pass, driven
 * through the w3w_storage interface with w3w_write_meta prepared by hand
 * (as core would). One test database per test (a fresh SQLite file, a fresh
 * PostgreSQL schema); the backend comes from the URL given to the suite.
 */
#ifndef W3W_TESTS_CONTRACT_H
#define W3W_TESTS_CONTRACT_H

#include <check.h>
#include <stdint.h>

#include "w3wallet.h"
#include "w3wallet/sys/storage.h"

#define BUYER    "01900000-0000-7000-8000-00000000b001"
#define BUYER2   "01900000-0000-7000-8000-00000000b002"
#define SHOPPER  "01900000-0000-7000-8000-00000000c001"
#define SHOPPER2 "01900000-0000-7000-8000-00000000c002"
#define ADMIN    "01900000-0000-7000-8000-00000000a001"
#define COIN     W3W_AMOUNT_SCALE

/* The storage under test, opened fresh by the fixture for every test. */
extern w3w_storage *st;

/* The event payload every helper write carries. */
extern char payload[];

/* Opens one more handle on the test's database (relays, two handles). */
void contract_open_second(w3w_storage **out, int pool_size);

/* The last number new_id() used (child processes start their own range past it). */
extern unsigned long long id_counter;

void new_id(char out[W3W_ID_SIZE]);
w3w_time tick(void);
void meta_init(w3w_write_meta *m, const char *actor, const char *key, int hash_byte,
	const char *type, const char *aggregate_id);
/* A transfer of `currency`; do_transfer() is one of USDT. */
w3w_status transfer_in(w3w_storage *s, w3w_transfer_kind kind, const char *from, const char *to,
	const char *currency, w3w_amount amount, const char *reference, const char *key, w3w_transfer *out);
w3w_status do_transfer(w3w_storage *s, w3w_transfer_kind kind, const char *from, const char *to,
	w3w_amount amount, const char *reference, const char *key, w3w_transfer *out);
w3w_status deposit(const char *user, w3w_amount amount);
w3w_status supply_create_in(w3w_storage *s, const char *user, const char *currency,
	w3w_amount amount, w3w_supply *out);
w3w_status supply_create(const char *user, w3w_amount amount, w3w_supply *out);
w3w_status supply_update(const char *id, const char *user, int set_amount, w3w_amount amount,
	int status, w3w_supply *out);
w3w_status supply_delete(const char *id, const char *user, w3w_supply *out);
w3w_status order_create_in(w3w_storage *s, const char *user, w3w_amount price, size_t count,
	const char *key, int hash_byte, char id[W3W_ID_SIZE], w3w_order **out);
w3w_status order_create(const char *user, w3w_amount price, size_t count, char id[W3W_ID_SIZE]);
w3w_status order_cancel(const char *id, const char *user, int any_owner, w3w_order **out);
/* A claim command as core makes it (pending, claimed now). */
void claim_cmd_init(w3w_cmd_claim_create *cmd, const char *order_id, const char *user, const char *key);
w3w_status claim_in(w3w_storage *s, const char *order_id, const char *user, const char *key,
	w3w_claim *out, char order_user[W3W_ID_SIZE]);
w3w_status claim(const char *order_id, const char *user, w3w_claim *out);
w3w_status claim_process(const char *id, w3w_claim *out, w3w_transfer *settlement);
w3w_status claim_release(const char *id, w3w_claim *out);
w3w_account account_of(const char *user);
/* An on-chain withdrawal of `amount` USDT held at `now` (limits.c); `out` may be NULL. */
w3w_status chain_withdraw_in(w3w_storage *s, w3w_time now, const char *user, w3w_amount amount,
	w3w_withdrawal_row *out);
int64_t outbox_total(void);
int64_t audit_unsealed(void);
w3w_order_status order_status(const char *id);
void check_invariants(void);

TCase *contract_market_tcase(void);
TCase *contract_outbox_tcase(void);
TCase *contract_audit_tcase(void);
TCase *contract_paging_tcase(void);
TCase *contract_idempotency_tcase(void);
TCase *contract_relays_tcase(void);
TCase *contract_limits_tcase(void);
TCase *contract_refusals_tcase(void);
TCase *contract_commands_tcase(void);
TCase *contract_values_tcase(void);
TCase *contract_races_tcase(void);
TCase *contract_wallets_tcase(void);
TCase *contract_sweeps_tcase(void);
TCase *contract_attempts_tcase(void);

#endif

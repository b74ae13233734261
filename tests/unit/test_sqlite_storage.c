/*
 * The SQLite storage backend driven directly through its vtable, with
 * w3w_write_meta prepared by hand (as core would). Every command's success
 * path and documented failure statuses, rollback, idempotency, the live
 * claim index, a claim race across threads and two handles, migrations.
 */
#include <check.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "storage/sqlite/sqlite_internal.h" /* W3W__SQ_SCHEMA_VERSION */
#include "w3wallet.h"
#include "w3wallet/sys/storage.h"

#define BUYER    "01900000-0000-7000-8000-00000000b001"
#define BUYER2   "01900000-0000-7000-8000-00000000b002"
#define SHOPPER  "01900000-0000-7000-8000-00000000c001"
#define SHOPPER2 "01900000-0000-7000-8000-00000000c002"
#define ADMIN    "01900000-0000-7000-8000-00000000a001"
#define COIN     W3W_AMOUNT_SCALE

static char dir[64];
static char url[128];
static w3w_storage *st;

/* ---- ids, time, meta ------------------------------------------------------ */

static unsigned long long id_counter;

/* Canonical, increasing ids (like UUIDv7 they sort by creation). */
static void new_id(char out[W3W_ID_SIZE])
{
	unsigned long long n = __atomic_add_fetch(&id_counter, 1, __ATOMIC_RELAXED);
	snprintf(out, W3W_ID_SIZE, "01910000-0000-7000-8000-%012llx", n);
}

static w3w_time clock_us = 1700000000000000LL;

static w3w_time tick(void)
{
	return __atomic_add_fetch(&clock_us, 1000, __ATOMIC_RELAXED);
}

static char payload[] = "{\"test\":true}";

/* What core prepares for every write: idempotency, event, audit record. */
static void meta_init(w3w_write_meta *m, const char *actor, const char *key, int hash_byte,
	const char *type, const char *aggregate_id)
{
	memset(m, 0, sizeof(*m));
	strcpy(m->actor_id, actor);
	snprintf(m->idem_key, sizeof(m->idem_key), "%s", key ? key : "");
	memset(m->idem_hash, hash_byte, sizeof(m->idem_hash));
	m->now = tick();
	m->idem_expires_at = m->now + 3600LL * 1000000;
	new_id(m->event.id);
	snprintf(m->event.type, sizeof(m->event.type), "%s", type);
	strcpy(m->event.topic, "test-events");
	snprintf(m->event.aggregate_id, sizeof(m->event.aggregate_id), "%s", aggregate_id);
	strcpy(m->event.actor_id, actor);
	strcpy(m->event.region, "local");
	m->event.created_at = m->now;
	m->event.payload = payload;
	new_id(m->audit.id);
	strcpy(m->audit.actor_id, actor);
	snprintf(m->audit.action, sizeof(m->audit.action), "%s", type);
	snprintf(m->audit.target_id, sizeof(m->audit.target_id), "%s", aggregate_id);
	strcpy(m->audit.outcome, "ok");
	m->audit.created_at = m->now;
}

/* ---- command helpers ------------------------------------------------------ */

static w3w_status do_transfer(w3w_storage *s, w3w_transfer_kind kind, const char *from, const char *to,
	w3w_amount amount, const char *reference, const char *key, w3w_transfer *out)
{
	w3w_cmd_transfer cmd;
	w3w_transfer tmp;

	memset(&cmd, 0, sizeof(cmd));
	new_id(cmd.t.id);
	meta_init(&cmd.meta, kind == W3W_TRANSFER_DEPOSIT ? ADMIN : from, key, 1, "wallet.moved", cmd.t.id);
	cmd.t.kind = kind;
	strcpy(cmd.t.from_user_id, from);
	strcpy(cmd.t.to_user_id, to);
	strcpy(cmd.t.currency, "USDT");
	cmd.t.amount = amount;
	snprintf(cmd.t.reference, sizeof(cmd.t.reference), "%s", reference ? reference : "");
	cmd.t.created_at = cmd.meta.now;
	return s->market->transfer(s, &cmd, out ? out : &tmp);
}

static w3w_status deposit(const char *user, w3w_amount amount)
{
	char ref[W3W_ID_SIZE];
	new_id(ref);
	return do_transfer(st, W3W_TRANSFER_DEPOSIT, W3W_EXTERNAL_USER_ID, user, amount, ref, NULL, NULL);
}

static w3w_status supply_create_in(w3w_storage *s, const char *user, const char *currency,
	w3w_amount amount, w3w_supply *out)
{
	w3w_cmd_supply_create cmd;

	memset(&cmd, 0, sizeof(cmd));
	new_id(cmd.s.id);
	meta_init(&cmd.meta, user, NULL, 2, "supply.created", cmd.s.id);
	strcpy(cmd.s.user_id, user);
	strcpy(cmd.s.currency, currency);
	cmd.s.amount = amount;
	cmd.s.status = W3W_SUPPLY_ACTIVE;
	cmd.s.created_at = cmd.s.updated_at = cmd.meta.now;
	return s->market->supply_create(s, &cmd, out);
}

static w3w_status supply_create(const char *user, w3w_amount amount, w3w_supply *out)
{
	return supply_create_in(st, user, "USDT", amount, out);
}

static w3w_status supply_update(const char *id, const char *user, int set_amount, w3w_amount amount,
	int status, w3w_supply *out)
{
	w3w_cmd_supply_update cmd;

	memset(&cmd, 0, sizeof(cmd));
	meta_init(&cmd.meta, user, NULL, 3, "supply.updated", id);
	strcpy(cmd.id, id);
	strcpy(cmd.user_id, user);
	cmd.patch.set_amount = set_amount;
	cmd.patch.amount = amount;
	cmd.patch.status = status;
	return st->market->supply_update(st, &cmd, out);
}

static w3w_status supply_delete(const char *id, const char *user, w3w_supply *out)
{
	w3w_cmd_supply_delete cmd;

	memset(&cmd, 0, sizeof(cmd));
	meta_init(&cmd.meta, user, NULL, 4, "supply.deleted", id);
	strcpy(cmd.id, id);
	strcpy(cmd.user_id, user);
	return st->market->supply_delete(st, &cmd, out);
}

/* An order of `count` items priced `price` x 1, 2, 3 ...; *id gets its id. */
static w3w_status order_create_in(w3w_storage *s, const char *user, w3w_amount price, size_t count,
	const char *key, int hash_byte, char id[W3W_ID_SIZE], w3w_order **out)
{
	w3w_cmd_order_create cmd;
	w3w_order o;
	w3w_order_item items[8];
	w3w_order *tmp = NULL;
	w3w_status rc;

	ck_assert_uint_le(count, 8);
	memset(&o, 0, sizeof(o));
	memset(items, 0, sizeof(items));
	new_id(o.id);
	strcpy(o.user_id, user);
	strcpy(o.currency, "USDT");
	o.status = W3W_ORDER_OPEN;
	for (size_t i = 0; i < count; i++) {
		new_id(items[i].id);
		new_id(items[i].product_id);
		snprintf(items[i].product_name, sizeof(items[i].product_name), "product %zu", i);
		items[i].price = price;
		items[i].quantity = (int64_t)i + 1;
		o.amount += price * items[i].quantity;
	}
	o.items = items;
	o.item_count = count;
	memset(&cmd, 0, sizeof(cmd));
	meta_init(&cmd.meta, user, key, hash_byte, "order.created", o.id);
	o.created_at = o.updated_at = cmd.meta.now;
	cmd.o = &o;
	rc = s->market->order_create(s, &cmd, out ? out : &tmp);
	w3w_order_free(tmp);
	if (id)
		strcpy(id, rc == W3W_OK ? o.id : "");
	return rc;
}

static w3w_status order_create(const char *user, w3w_amount price, size_t count, char id[W3W_ID_SIZE])
{
	return order_create_in(st, user, price, count, NULL, 5, id, NULL);
}

static w3w_status order_cancel(const char *id, const char *user, int any_owner, w3w_order **out)
{
	w3w_cmd_order_cancel cmd;
	w3w_order *tmp = NULL;
	w3w_status rc;

	memset(&cmd, 0, sizeof(cmd));
	meta_init(&cmd.meta, user, NULL, 6, "order.cancelled", id);
	strcpy(cmd.id, id);
	strcpy(cmd.user_id, user);
	cmd.any_owner = any_owner;
	rc = st->market->order_cancel(st, &cmd, out ? out : &tmp);
	w3w_order_free(tmp);
	return rc;
}

static w3w_status claim_in(w3w_storage *s, const char *order_id, const char *user, const char *key,
	w3w_claim *out, char order_user[W3W_ID_SIZE])
{
	w3w_cmd_claim_create cmd;
	w3w_claim tmp;
	w3w_status rc;

	memset(&cmd, 0, sizeof(cmd));
	new_id(cmd.c.id);
	meta_init(&cmd.meta, user, key, 7, "order.claimed", order_id);
	strcpy(cmd.c.order_id, order_id);
	strcpy(cmd.c.user_id, user);
	cmd.c.status = W3W_CLAIM_PENDING;
	cmd.c.claimed_at = cmd.meta.now;
	rc = s->market->claim_create(s, &cmd, out ? out : &tmp);
	if (order_user)
		strcpy(order_user, cmd.order_user_id);
	return rc;
}

static w3w_status claim(const char *order_id, const char *user, w3w_claim *out)
{
	return claim_in(st, order_id, user, NULL, out, NULL);
}

static w3w_status claim_process(const char *id, w3w_claim *out, w3w_transfer *settlement)
{
	w3w_cmd_claim_process cmd;
	w3w_claim tmp;
	w3w_status rc;

	memset(&cmd, 0, sizeof(cmd));
	meta_init(&cmd.meta, ADMIN, NULL, 8, "claim.processed", id);
	strcpy(cmd.id, id);
	new_id(cmd.settlement.id);
	cmd.settlement.created_at = cmd.meta.now;
	rc = st->market->claim_process(st, &cmd, out ? out : &tmp);
	if (settlement)
		*settlement = cmd.settlement;
	if (rc == W3W_OK)
		ck_assert_str_ne(cmd.order_user_id, "");
	return rc;
}

static w3w_status claim_release(const char *id, w3w_claim *out)
{
	w3w_cmd_claim_release cmd;
	w3w_claim tmp;

	memset(&cmd, 0, sizeof(cmd));
	meta_init(&cmd.meta, ADMIN, NULL, 9, "claim.released", id);
	strcpy(cmd.id, id);
	return st->market->claim_release(st, &cmd, out ? out : &tmp);
}

/* ---- state probes --------------------------------------------------------- */

static w3w_account account_of(const char *user)
{
	w3w_account_list *list = NULL;
	w3w_account acc;

	memset(&acc, 0, sizeof(acc));
	ck_assert_int_eq(st->market->accounts(st, user, &list), W3W_OK);
	for (size_t i = 0; i < list->count; i++)
		if (strcmp(list->items[i].currency, "USDT") == 0)
			acc = list->items[i];
	w3w_account_list_free(list);
	return acc;
}

static int64_t outbox_total(void)
{
	w3w_outbox_stats s;
	ck_assert_int_eq(st->outbox->stats(st, &s), W3W_OK);
	return s.total;
}

static int64_t audit_unsealed(void)
{
	int64_t n = -1;
	ck_assert_int_eq(st->audit->unsealed(st, &n), W3W_OK);
	return n;
}

static w3w_order_status order_status(const char *id)
{
	w3w_order *o = NULL;
	w3w_order_status s;
	ck_assert_int_eq(st->market->order_get(st, id, &o), W3W_OK);
	s = o->status;
	w3w_order_free(o);
	return s;
}

static void check_invariants(void)
{
	w3w_ledger_totals t;
	ck_assert_int_eq(st->market->ledger_totals(st, "USDT", &t), W3W_OK);
	ck_assert_int_eq(t.balances, t.deposits - t.withdrawals);
	ck_assert_int_eq(t.held, t.escrow);
	ck_assert_int_eq(t.reserved, t.live_claims);
	ck_assert_int_eq(t.entries_sum_zero, 1);
}

/* Run SQL on the test database through a separate raw connection. */
static int raw_sql(const char *sql)
{
	sqlite3 *db = NULL;
	int rc;

	ck_assert_int_eq(sqlite3_open(url + strlen("sqlite:"), &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

/* ---- fixture -------------------------------------------------------------- */

static w3w_backend_config config(int pool_size)
{
	w3w_backend_config cfg = { W3W_BACKEND_CONFIG_VERSION, pool_size, 30000, "local" };
	return cfg;
}

static void setup(void)
{
	w3w_backend_config cfg = config(4);

	strcpy(dir, "/tmp/w3w_sqlite_test_XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(url, sizeof(url), "sqlite:%s/w3w.db", dir);
	ck_assert_int_eq(w3w_storage_sqlite_open(&st, url, &cfg), W3W_OK);
}

static void teardown(void)
{
	char path[128];
	static const char *const suffix[] = { "", "-wal", "-shm" };

	if (st)
		st->free(st);
	st = NULL;
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/w3w.db%s", dir, suffix[i]);
		unlink(path);
		snprintf(path, sizeof(path), "%s/fresh.db%s", dir, suffix[i]);
		unlink(path);
	}
	rmdir(dir);
}

/* ---- open ----------------------------------------------------------------- */

START_TEST(test_open_urls)
{
	w3w_storage *s = NULL;
	w3w_backend_config cfg = config(2);
	char other[160];

	ck_assert_int_eq(w3w_storage_sqlite_open(&s, "postgres://x", &cfg), W3W_EINVAL);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(w3w_storage_sqlite_open(&s, "sqlite:", &cfg), W3W_EINVAL);
	ck_assert_int_eq(w3w_storage_sqlite_open(&s, NULL, &cfg), W3W_EINVAL);
	cfg.version = 99;
	ck_assert_int_eq(w3w_storage_sqlite_open(&s, "sqlite::memory:", &cfg), W3W_EVERSION);
	cfg.version = W3W_BACKEND_CONFIG_VERSION;

	ck_assert_int_eq(w3w_storage_sqlite_open(&s, "sqlite::memory:", &cfg), W3W_OK);
	ck_assert_str_eq(s->name, "sqlite");
	ck_assert_uint_eq(s->version, W3W_STORAGE_VERSION);
	ck_assert_int_eq(s->ping(s), W3W_OK);
	s->free(s);

	/* NULL config: defaults. */
	ck_assert_int_eq(w3w_storage_sqlite_open(&s, "sqlite::memory:", NULL), W3W_OK);
	s->free(s);

	/* sqlite://PATH names the same file as sqlite:PATH. */
	ck_assert_int_eq(supply_create(SHOPPER, COIN, NULL), W3W_OK);
	snprintf(other, sizeof(other), "sqlite://%s", url + strlen("sqlite:"));
	ck_assert_int_eq(w3w_storage_sqlite_open(&s, other, &cfg), W3W_OK);
	{
		w3w_storage_query q = { "", 0, 10, "" };
		w3w_supply_page *page = NULL;
		ck_assert_int_eq(s->market->supply_list(s, &q, &page), W3W_OK);
		ck_assert_uint_eq(page->count, 1);
		w3w_supply_page_free(page);
	}
	s->free(s);

	/* An unopenable path is unavailable, not a crash. */
	ck_assert_int_eq(w3w_storage_sqlite_open(&s, "sqlite:/nonexistent-dir/x/y.db", &cfg), W3W_EUNAVAILABLE);
	ck_assert_ptr_null(s);
}
END_TEST

START_TEST(test_memory_database_is_private_and_usable)
{
	w3w_storage *a = NULL, *b = NULL;
	w3w_backend_config cfg = config(8);
	w3w_storage_query q = { "", 0, 10, "" };
	w3w_supply_page *page = NULL;

	ck_assert_int_eq(w3w_storage_sqlite_open(&a, "sqlite::memory:", &cfg), W3W_OK);
	ck_assert_int_eq(w3w_storage_sqlite_open(&b, "sqlite::memory:", &cfg), W3W_OK);
	ck_assert_int_eq(supply_create_in(a, SHOPPER, "USDT", COIN, NULL), W3W_OK);
	ck_assert_int_eq(a->market->supply_list(a, &q, &page), W3W_OK);
	ck_assert_uint_eq(page->count, 1);
	w3w_supply_page_free(page);
	ck_assert_int_eq(b->market->supply_list(b, &q, &page), W3W_OK);
	ck_assert_uint_eq(page->count, 0);
	w3w_supply_page_free(page);
	a->free(a);
	b->free(b);
}
END_TEST

/* ---- ledger --------------------------------------------------------------- */

START_TEST(test_deposit_withdraw_transfer)
{
	w3w_transfer t;
	w3w_account acc;
	w3w_account_list *list = NULL;
	w3w_ledger_totals tot;
	int64_t events;

	ck_assert_int_eq(do_transfer(st, W3W_TRANSFER_DEPOSIT, W3W_EXTERNAL_USER_ID, BUYER, 100 * COIN,
		"bank-1", NULL, &t), W3W_OK);
	ck_assert_int_eq(t.kind, W3W_TRANSFER_DEPOSIT);
	ck_assert_int_eq(t.amount, 100 * COIN);
	ck_assert_str_eq(t.reference, "bank-1");
	acc = account_of(BUYER);
	ck_assert_int_eq(acc.balance, 100 * COIN);
	ck_assert_int_eq(acc.available, 100 * COIN);
	ck_assert_str_eq(acc.user_id, BUYER);

	/* A reused deposit reference: conflict, nothing applied. */
	events = outbox_total();
	ck_assert_int_eq(do_transfer(st, W3W_TRANSFER_DEPOSIT, W3W_EXTERNAL_USER_ID, BUYER, 5 * COIN,
		"bank-1", NULL, NULL), W3W_ECONFLICT);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "bank-1"));
	ck_assert_int_eq(account_of(BUYER).balance, 100 * COIN);
	ck_assert_int_eq(outbox_total(), events);

	/* Withdrawal beyond available. */
	ck_assert_int_eq(do_transfer(st, W3W_TRANSFER_WITHDRAWAL, BUYER, W3W_EXTERNAL_USER_ID, 101 * COIN,
		"eth:0xabc", NULL, NULL), W3W_EINSUFFICIENT);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), BUYER));
	ck_assert_int_eq(outbox_total(), events);
	ck_assert_int_eq(do_transfer(st, W3W_TRANSFER_WITHDRAWAL, BUYER, W3W_EXTERNAL_USER_ID, 30 * COIN,
		"eth:0xabc", NULL, NULL), W3W_OK);
	ck_assert_int_eq(outbox_total(), events + 1);

	/* User to user; the receiver's account is created on first credit. */
	ck_assert_int_eq(do_transfer(st, W3W_TRANSFER_TRANSFER, BUYER, SHOPPER, 20 * COIN, "", NULL, &t), W3W_OK);
	ck_assert_int_eq(account_of(BUYER).balance, 50 * COIN);
	ck_assert_int_eq(account_of(SHOPPER).balance, 20 * COIN);
	ck_assert_int_eq(do_transfer(st, W3W_TRANSFER_TRANSFER, SHOPPER, BUYER, 21 * COIN, "", NULL, NULL),
		W3W_EINSUFFICIENT);
	/* An account that does not exist has nothing available. */
	ck_assert_int_eq(do_transfer(st, W3W_TRANSFER_TRANSFER, BUYER2, BUYER, 1, "", NULL, NULL),
		W3W_EINSUFFICIENT);

	ck_assert_int_eq(st->market->ledger_totals(st, "USDT", &tot), W3W_OK);
	ck_assert_str_eq(tot.currency, "USDT");
	ck_assert_int_eq(tot.deposits, 100 * COIN);
	ck_assert_int_eq(tot.withdrawals, 30 * COIN);
	ck_assert_int_eq(tot.balances, 70 * COIN);
	ck_assert_int_eq(tot.entries_sum_zero, 1);
	check_invariants();

	/* Other currencies and the external account are empty, not errors. */
	ck_assert_int_eq(st->market->ledger_totals(st, "BTC", &tot), W3W_OK);
	ck_assert_int_eq(tot.deposits, 0);
	ck_assert_int_eq(tot.entries_sum_zero, 1);
	ck_assert_int_eq(st->market->accounts(st, W3W_EXTERNAL_USER_ID, &list), W3W_OK);
	ck_assert_uint_eq(list->count, 0);
	w3w_account_list_free(list);
}
END_TEST

START_TEST(test_balance_overflow_refused)
{
	ck_assert_int_eq(deposit(BUYER, W3W_AMOUNT_MAX), W3W_OK);
	ck_assert_int_eq(deposit(BUYER, 1), W3W_EINVAL);
	ck_assert_int_eq(account_of(BUYER).balance, W3W_AMOUNT_MAX);
	check_invariants();
}
END_TEST

/* ---- supplies ------------------------------------------------------------- */

START_TEST(test_supply_lifecycle)
{
	w3w_supply s, got;
	int64_t events;

	ck_assert_int_eq(supply_create(SHOPPER, 10 * COIN, &s), W3W_OK);
	ck_assert_int_eq(s.status, W3W_SUPPLY_ACTIVE);
	ck_assert_int_eq(s.amount, 10 * COIN);
	ck_assert_int_eq(s.reserved, 0);
	ck_assert_int_eq(st->market->supply_get(st, s.id, &got), W3W_OK);
	ck_assert_mem_eq(&got, &s, sizeof(s));

	ck_assert_int_eq(supply_update(s.id, SHOPPER, 1, 12 * COIN, 0, &got), W3W_OK);
	ck_assert_int_eq(got.amount, 12 * COIN);
	ck_assert_int_eq(got.status, W3W_SUPPLY_ACTIVE);
	ck_assert_int_gt(got.updated_at, s.updated_at);
	ck_assert_int_eq(supply_update(s.id, SHOPPER, 0, 0, W3W_SUPPLY_PAUSED, &got), W3W_OK);
	ck_assert_int_eq(got.status, W3W_SUPPLY_PAUSED);
	ck_assert_int_eq(got.amount, 12 * COIN);
	ck_assert_int_eq(supply_update(s.id, SHOPPER, 1, 0, 0, &got), W3W_OK);
	ck_assert_int_eq(got.status, W3W_SUPPLY_EXHAUSTED);
	ck_assert_int_eq(supply_update(s.id, SHOPPER, 1, 3 * COIN, 0, &got), W3W_OK);
	ck_assert_int_eq(got.status, W3W_SUPPLY_ACTIVE);
	/* Raising a paused supply keeps it paused. */
	ck_assert_int_eq(supply_update(s.id, SHOPPER, 1, 4 * COIN, W3W_SUPPLY_PAUSED, &got), W3W_OK);
	ck_assert_int_eq(supply_update(s.id, SHOPPER, 1, 5 * COIN, 0, &got), W3W_OK);
	ck_assert_int_eq(got.status, W3W_SUPPLY_PAUSED);
	ck_assert_int_eq(supply_update(s.id, SHOPPER, 0, 0, W3W_SUPPLY_ACTIVE, &got), W3W_OK);

	events = outbox_total();
	/* Someone else's supply looks like no supply. */
	ck_assert_int_eq(supply_update(s.id, SHOPPER2, 1, COIN, 0, &got), W3W_ENOTFOUND);
	ck_assert_int_eq(supply_delete(s.id, SHOPPER2, &got), W3W_ENOTFOUND);
	ck_assert_int_eq(supply_update("01900000-0000-7000-8000-0000000fffff", SHOPPER, 1, COIN, 0, &got),
		W3W_ENOTFOUND);
	ck_assert_int_eq(st->market->supply_get(st, "01900000-0000-7000-8000-0000000fffff", &got), W3W_ENOTFOUND);
	ck_assert_int_eq(outbox_total(), events);

	ck_assert_int_eq(supply_delete(s.id, SHOPPER, &got), W3W_OK);
	ck_assert_int_eq(got.status, W3W_SUPPLY_DELETED);
	ck_assert_int_eq(supply_delete(s.id, SHOPPER, &got), W3W_ESTATE);
	ck_assert_int_eq(supply_update(s.id, SHOPPER, 1, COIN, 0, &got), W3W_ESTATE);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), s.id));
	ck_assert_int_eq(outbox_total(), events + 1);
}
END_TEST

START_TEST(test_supply_reservations_block_lowering_and_delete)
{
	w3w_supply s, got;
	w3w_claim c;
	char order[W3W_ID_SIZE];

	ck_assert_int_eq(deposit(BUYER, 100 * COIN), W3W_OK);
	ck_assert_int_eq(supply_create(SHOPPER, 10 * COIN, &s), W3W_OK);
	ck_assert_int_eq(order_create(BUYER, 4 * COIN, 1, order), W3W_OK);
	ck_assert_int_eq(claim(order, SHOPPER, &c), W3W_OK);

	ck_assert_int_eq(supply_update(s.id, SHOPPER, 1, 3 * COIN, 0, &got), W3W_ECONFLICT);
	ck_assert_int_eq(supply_update(s.id, SHOPPER, 1, 4 * COIN, 0, &got), W3W_OK);
	ck_assert_int_eq(got.reserved, 4 * COIN);
	ck_assert_int_eq(supply_delete(s.id, SHOPPER, &got), W3W_ECONFLICT);
	ck_assert_int_eq(st->market->supply_get(st, s.id, &got), W3W_OK);
	ck_assert_int_eq(got.status, W3W_SUPPLY_ACTIVE);

	ck_assert_int_eq(claim_release(c.id, NULL), W3W_OK);
	ck_assert_int_eq(supply_delete(s.id, SHOPPER, &got), W3W_OK);
	check_invariants();
}
END_TEST

START_TEST(test_supply_list_paging)
{
	w3w_supply s[8];
	w3w_storage_query q = { SHOPPER, 0, 2, "" };
	w3w_supply_page *page = NULL;
	size_t seen = 0;
	int pages = 0;

	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(supply_create(SHOPPER, (i + 1) * COIN, &s[i]), W3W_OK);
	for (int i = 5; i < 8; i++)
		ck_assert_int_eq(supply_create(SHOPPER2, COIN, &s[i]), W3W_OK);
	ck_assert_int_eq(supply_update(s[1].id, SHOPPER, 0, 0, W3W_SUPPLY_PAUSED, &s[1]),
		W3W_OK);

	do {
		ck_assert_int_eq(st->market->supply_list(st, &q, &page), W3W_OK);
		for (size_t i = 0; i < page->count; i++, seen++) {
			ck_assert_str_eq(page->items[i].id, s[seen].id);
			ck_assert_str_eq(page->items[i].user_id, SHOPPER);
		}
		strcpy(q.after_id, page->next_cursor);
		pages++;
		ck_assert(page->count == 2 || page->next_cursor[0] == '\0');
		w3w_supply_page_free(page);
	} while (q.after_id[0]);
	ck_assert_uint_eq(seen, 5);
	ck_assert_int_eq(pages, 3);

	/* Exactly `limit` rows left: the last page says so (no empty extra page). */
	q.limit = 5;
	q.after_id[0] = '\0';
	ck_assert_int_eq(st->market->supply_list(st, &q, &page), W3W_OK);
	ck_assert_uint_eq(page->count, 5);
	ck_assert_str_eq(page->next_cursor, "");
	w3w_supply_page_free(page);

	q.status = W3W_SUPPLY_PAUSED;
	ck_assert_int_eq(st->market->supply_list(st, &q, &page), W3W_OK);
	ck_assert_uint_eq(page->count, 1);
	ck_assert_str_eq(page->items[0].id, s[1].id);
	w3w_supply_page_free(page);

	q.user_id[0] = '\0';
	q.status = W3W_SUPPLY_ACTIVE;
	q.limit = 100;
	ck_assert_int_eq(st->market->supply_list(st, &q, &page), W3W_OK);
	ck_assert_uint_eq(page->count, 7);
	w3w_supply_page_free(page);

	q.status = 0;
	ck_assert_int_eq(st->market->supply_list(st, &q, &page), W3W_OK);
	ck_assert_uint_eq(page->count, 8);
	w3w_supply_page_free(page);

	q.limit = 0;
	ck_assert_int_eq(st->market->supply_list(st, &q, &page), W3W_EINVAL);
	ck_assert_ptr_null(page);
}
END_TEST

/* ---- orders --------------------------------------------------------------- */

START_TEST(test_order_create_get_cancel)
{
	w3w_order *o = NULL;
	char id[W3W_ID_SIZE], id2[W3W_ID_SIZE];
	int64_t events, audits;

	/* No account at all counts as zero funds; nothing is written. */
	events = outbox_total();
	audits = audit_unsealed();
	ck_assert_int_eq(order_create(BUYER, COIN, 1, id), W3W_EINSUFFICIENT);
	ck_assert_int_eq(outbox_total(), events);
	ck_assert_int_eq(audit_unsealed(), audits);

	ck_assert_int_eq(deposit(BUYER, 10 * COIN), W3W_OK);
	/* 3 items: 1x + 2x + 3x price = 6 price. */
	ck_assert_int_eq(order_create_in(st, BUYER, COIN, 3, NULL, 5, id, &o), W3W_OK);
	ck_assert_int_eq(o->amount, 6 * COIN);
	ck_assert_int_eq(o->status, W3W_ORDER_OPEN);
	ck_assert_uint_eq(o->item_count, 3);
	ck_assert_str_eq(o->items[0].product_name, "product 0");
	ck_assert_str_eq(o->items[2].product_name, "product 2");
	ck_assert_int_eq(o->items[2].quantity, 3);
	w3w_order_free(o);
	ck_assert_int_eq(account_of(BUYER).held, 6 * COIN);
	ck_assert_int_eq(account_of(BUYER).available, 4 * COIN);

	/* 5 more would exceed the available 4: refused, no order row. */
	events = outbox_total();
	ck_assert_int_eq(order_create(BUYER, 5 * COIN, 1, id2), W3W_EINSUFFICIENT);
	ck_assert_int_eq(outbox_total(), events);
	ck_assert_int_eq(account_of(BUYER).held, 6 * COIN);

	ck_assert_int_eq(st->market->order_get(st, id, &o), W3W_OK);
	ck_assert_uint_eq(o->item_count, 3);
	ck_assert_int_eq(o->items[1].price, COIN);
	w3w_order_free(o);
	o = (w3w_order *)1;
	ck_assert_int_eq(st->market->order_get(st, "01900000-0000-7000-8000-0000000fffff", &o), W3W_ENOTFOUND);
	ck_assert_ptr_null(o);

	ck_assert_int_eq(order_cancel(id, SHOPPER, 0, NULL), W3W_EFORBIDDEN);
	ck_assert_int_eq(order_cancel("01900000-0000-7000-8000-0000000fffff", BUYER, 0, NULL), W3W_ENOTFOUND);
	ck_assert_int_eq(order_cancel(id, ADMIN, 1, &o), W3W_OK);
	ck_assert_int_eq(o->status, W3W_ORDER_CANCELLED);
	ck_assert_uint_eq(o->item_count, 3);
	w3w_order_free(o);
	ck_assert_int_eq(account_of(BUYER).held, 0);
	ck_assert_int_eq(order_cancel(id, BUYER, 0, NULL), W3W_ESTATE);
	check_invariants();
}
END_TEST

START_TEST(test_order_cancel_claimed_and_completed)
{
	char id[W3W_ID_SIZE];
	w3w_claim c;

	ck_assert_int_eq(deposit(BUYER, 10 * COIN), W3W_OK);
	ck_assert_int_eq(supply_create(SHOPPER, 10 * COIN, NULL), W3W_OK);
	ck_assert_int_eq(order_create(BUYER, COIN, 1, id), W3W_OK);
	ck_assert_int_eq(claim(id, SHOPPER, &c), W3W_OK);
	ck_assert_int_eq(order_cancel(id, BUYER, 0, NULL), W3W_ECONFLICT);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "already claimed"));
	ck_assert_int_eq(claim_process(c.id, NULL, NULL), W3W_OK);
	ck_assert_int_eq(order_cancel(id, BUYER, 0, NULL), W3W_ESTATE);
	check_invariants();
}
END_TEST

START_TEST(test_order_list_filters)
{
	char ids[6][W3W_ID_SIZE];
	w3w_storage_query q = { "", W3W_ORDER_OPEN, 100, "" };
	w3w_order_page *page = NULL;

	ck_assert_int_eq(deposit(BUYER, 100 * COIN), W3W_OK);
	ck_assert_int_eq(deposit(BUYER2, 100 * COIN), W3W_OK);
	ck_assert_int_eq(supply_create(SHOPPER, 100 * COIN, NULL), W3W_OK);
	for (int i = 0; i < 6; i++)
		ck_assert_int_eq(order_create(i < 4 ? BUYER : BUYER2, COIN, 1, ids[i]), W3W_OK);
	ck_assert_int_eq(claim(ids[1], SHOPPER, NULL), W3W_OK);
	ck_assert_int_eq(order_cancel(ids[2], BUYER, 0, NULL), W3W_OK);

	ck_assert_int_eq(st->market->order_list(st, &q, &page), W3W_OK);
	ck_assert_uint_eq(page->count, 4);
	ck_assert_str_eq(page->items[0].id, ids[0]);
	ck_assert_str_eq(page->items[1].id, ids[3]);
	ck_assert_ptr_null(page->items[0].items);
	w3w_order_page_free(page);

	strcpy(q.user_id, BUYER);
	ck_assert_int_eq(st->market->order_list(st, &q, &page), W3W_OK);
	ck_assert_uint_eq(page->count, 2);
	w3w_order_page_free(page);

	q.status = W3W_ORDER_CLAIMED;
	ck_assert_int_eq(st->market->order_list(st, &q, &page), W3W_OK);
	ck_assert_uint_eq(page->count, 1);
	ck_assert_str_eq(page->items[0].id, ids[1]);
	w3w_order_page_free(page);

	q.status = 0;
	q.limit = 3;
	ck_assert_int_eq(st->market->order_list(st, &q, &page), W3W_OK);
	ck_assert_uint_eq(page->count, 3);
	ck_assert_str_eq(page->next_cursor, ids[2]);
	strcpy(q.after_id, page->next_cursor);
	w3w_order_page_free(page);
	ck_assert_int_eq(st->market->order_list(st, &q, &page), W3W_OK);
	ck_assert_uint_eq(page->count, 1);
	ck_assert_str_eq(page->items[0].id, ids[3]);
	ck_assert_str_eq(page->next_cursor, "");
	w3w_order_page_free(page);

	q.user_id[0] = '\0';
	q.after_id[0] = '\0';
	q.status = W3W_ORDER_CANCELLED;
	q.limit = 10;
	ck_assert_int_eq(st->market->order_list(st, &q, &page), W3W_OK);
	ck_assert_uint_eq(page->count, 1);
	w3w_order_page_free(page);
}
END_TEST

/* ---- claims --------------------------------------------------------------- */

START_TEST(test_claim_refusals)
{
	char id[W3W_ID_SIZE], owner[W3W_ID_SIZE];
	w3w_supply s, got;
	w3w_claim c;
	int64_t events, audits;

	ck_assert_int_eq(deposit(BUYER, 10 * COIN), W3W_OK);
	ck_assert_int_eq(order_create(BUYER, 2 * COIN, 1, id), W3W_OK);

	ck_assert_int_eq(claim("01900000-0000-7000-8000-0000000fffff", SHOPPER, &c), W3W_ENOTFOUND);
	ck_assert_int_eq(claim(id, BUYER, &c), W3W_EFORBIDDEN);

	/* No supply, then too small, paused or in another currency: insufficient; nothing applied. */
	events = outbox_total();
	audits = audit_unsealed();
	ck_assert_int_eq(claim(id, SHOPPER, &c), W3W_EINSUFFICIENT);
	ck_assert_int_eq(supply_create(SHOPPER, COIN, &s), W3W_OK);
	ck_assert_int_eq(supply_create_in(st, SHOPPER, "BTC", 10 * COIN, NULL), W3W_OK);
	events += 2;
	audits += 2;
	ck_assert_int_eq(claim(id, SHOPPER, &c), W3W_EINSUFFICIENT);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), id));
	ck_assert_int_eq(supply_update(s.id, SHOPPER, 1, 5 * COIN, W3W_SUPPLY_PAUSED, &got),
		W3W_OK);
	events++;
	audits++;
	ck_assert_int_eq(claim(id, SHOPPER, &c), W3W_EINSUFFICIENT);
	ck_assert_int_eq(order_status(id), W3W_ORDER_OPEN);
	ck_assert_int_eq(st->market->supply_get(st, s.id, &got), W3W_OK);
	ck_assert_int_eq(got.reserved, 0);
	ck_assert_int_eq(outbox_total(), events);
	ck_assert_int_eq(audit_unsealed(), audits);
	ck_assert_int_eq(st->market->claim_get_live(st, id, &c), W3W_ENOTFOUND);

	/* Active again: the claim goes through and reports the order's owner. */
	ck_assert_int_eq(supply_update(s.id, SHOPPER, 0, 0, W3W_SUPPLY_ACTIVE, &got), W3W_OK);
	ck_assert_int_eq(claim_in(st, id, SHOPPER, NULL, &c, owner), W3W_OK);
	ck_assert_str_eq(owner, BUYER);
	ck_assert_str_eq(c.supply_id, s.id);

	/* Already claimed: conflict, with a message naming the order. */
	ck_assert_int_eq(supply_create(SHOPPER2, 10 * COIN, NULL), W3W_OK);
	ck_assert_int_eq(claim(id, SHOPPER2, &c), W3W_ECONFLICT);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), id));
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "already claimed"));
	/* Own order stays forbidden whatever its state. */
	ck_assert_int_eq(claim(id, BUYER, &c), W3W_EFORBIDDEN);

	/* A cancelled order is the wrong state. */
	ck_assert_int_eq(order_create(BUYER, COIN, 1, id), W3W_OK);
	ck_assert_int_eq(order_cancel(id, BUYER, 0, NULL), W3W_OK);
	ck_assert_int_eq(claim(id, SHOPPER2, &c), W3W_ESTATE);
	check_invariants();
}
END_TEST

START_TEST(test_claim_process_settles)
{
	char id[W3W_ID_SIZE];
	w3w_supply s, got;
	w3w_claim c, done, live;
	w3w_transfer settlement, t;
	w3w_order *o = NULL;

	ck_assert_int_eq(deposit(BUYER, 10 * COIN), W3W_OK);
	ck_assert_int_eq(supply_create(SHOPPER, 5 * COIN, &s), W3W_OK);
	ck_assert_int_eq(order_create(BUYER, 3 * COIN, 1, id), W3W_OK);
	ck_assert_int_eq(claim(id, SHOPPER, &c), W3W_OK);
	ck_assert_int_eq(c.status, W3W_CLAIM_PENDING);
	ck_assert_str_eq(c.order_id, id);
	ck_assert_str_eq(c.user_id, SHOPPER);
	ck_assert_str_eq(c.supply_id, s.id);
	ck_assert_int_eq(c.processed_at, 0);
	ck_assert_int_eq(c.released_at, 0);
	ck_assert_int_eq(order_status(id), W3W_ORDER_CLAIMED);
	ck_assert_int_eq(st->market->supply_get(st, s.id, &got), W3W_OK);
	ck_assert_int_eq(got.reserved, 3 * COIN);
	ck_assert_int_eq(st->market->claim_get(st, c.id, &live), W3W_OK);
	ck_assert_mem_eq(&live, &c, sizeof(c));
	ck_assert_int_eq(st->market->claim_get_live(st, id, &live), W3W_OK);
	ck_assert_str_eq(live.id, c.id);
	check_invariants();

	ck_assert_int_eq(claim_process(c.id, &done, &settlement), W3W_OK);
	ck_assert_int_eq(done.status, W3W_CLAIM_PROCESSED);
	ck_assert_int_gt(done.processed_at, 0);
	ck_assert_str_eq(done.supply_id, s.id);
	ck_assert_str_eq(settlement.from_user_id, BUYER);
	ck_assert_str_eq(settlement.to_user_id, SHOPPER);
	ck_assert_str_eq(settlement.reference, c.id);
	ck_assert_int_eq(settlement.amount, 3 * COIN);
	ck_assert_int_eq(settlement.kind, W3W_TRANSFER_SETTLEMENT);

	ck_assert_int_eq(account_of(BUYER).balance, 7 * COIN);
	ck_assert_int_eq(account_of(BUYER).held, 0);
	ck_assert_int_eq(account_of(SHOPPER).balance, 3 * COIN);
	ck_assert_int_eq(st->market->supply_get(st, s.id, &got), W3W_OK);
	ck_assert_int_eq(got.amount, 2 * COIN);
	ck_assert_int_eq(got.reserved, 0);
	ck_assert_int_eq(got.status, W3W_SUPPLY_ACTIVE);
	ck_assert_int_eq(st->market->order_get(st, id, &o), W3W_OK);
	ck_assert_int_eq(o->status, W3W_ORDER_COMPLETED);
	w3w_order_free(o);
	/* The processed claim is still the order's live claim. */
	ck_assert_int_eq(st->market->claim_get_live(st, id, &live), W3W_OK);
	ck_assert_int_eq(live.status, W3W_CLAIM_PROCESSED);

	ck_assert_int_eq(claim_process(c.id, &done, NULL), W3W_ESTATE);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "processed"));
	ck_assert_int_eq(claim_release(c.id, NULL), W3W_ESTATE);
	ck_assert_int_eq(claim_process("01900000-0000-7000-8000-0000000fffff", &done, NULL), W3W_ENOTFOUND);
	ck_assert_int_eq(claim_release("01900000-0000-7000-8000-0000000fffff", NULL), W3W_ENOTFOUND);
	ck_assert_int_eq(claim(id, SHOPPER2, NULL), W3W_ECONFLICT);
	ck_assert_int_eq(account_of(BUYER).balance, 7 * COIN);
	check_invariants();

	/* The settled funds are the shopper's to move. */
	ck_assert_int_eq(do_transfer(st, W3W_TRANSFER_TRANSFER, SHOPPER, BUYER, 3 * COIN, "", NULL, &t), W3W_OK);
	check_invariants();
}
END_TEST

START_TEST(test_claim_process_exhausts_supply)
{
	char id[W3W_ID_SIZE];
	w3w_supply s, got;
	w3w_claim c;

	ck_assert_int_eq(deposit(BUYER, 10 * COIN), W3W_OK);
	ck_assert_int_eq(supply_create(SHOPPER, 2 * COIN, &s), W3W_OK);
	ck_assert_int_eq(order_create(BUYER, 2 * COIN, 1, id), W3W_OK);
	ck_assert_int_eq(claim(id, SHOPPER, &c), W3W_OK);
	ck_assert_int_eq(claim_process(c.id, NULL, NULL), W3W_OK);
	ck_assert_int_eq(st->market->supply_get(st, s.id, &got), W3W_OK);
	ck_assert_int_eq(got.amount, 0);
	ck_assert_int_eq(got.status, W3W_SUPPLY_EXHAUSTED);
	/* Exhausted supplies do not take claims. */
	ck_assert_int_eq(order_create(BUYER, COIN, 1, id), W3W_OK);
	ck_assert_int_eq(claim(id, SHOPPER, NULL), W3W_EINSUFFICIENT);
	check_invariants();
}
END_TEST

START_TEST(test_claim_picks_oldest_supply_with_room)
{
	char id[W3W_ID_SIZE];
	w3w_supply small, big, bigger;
	w3w_claim c;

	ck_assert_int_eq(deposit(BUYER, 100 * COIN), W3W_OK);
	ck_assert_int_eq(supply_create(SHOPPER, 1 * COIN, &small), W3W_OK);
	ck_assert_int_eq(supply_create(SHOPPER, 5 * COIN, &big), W3W_OK);
	ck_assert_int_eq(supply_create(SHOPPER, 50 * COIN, &bigger), W3W_OK);
	ck_assert_int_eq(order_create(BUYER, 3 * COIN, 1, id), W3W_OK);
	ck_assert_int_eq(claim(id, SHOPPER, &c), W3W_OK);
	ck_assert_str_eq(c.supply_id, big.id);
	/* big has 2 left: the next 3 goes to bigger; a 1 fits small (oldest). */
	ck_assert_int_eq(order_create(BUYER, 3 * COIN, 1, id), W3W_OK);
	ck_assert_int_eq(claim(id, SHOPPER, &c), W3W_OK);
	ck_assert_str_eq(c.supply_id, bigger.id);
	ck_assert_int_eq(order_create(BUYER, COIN, 1, id), W3W_OK);
	ck_assert_int_eq(claim(id, SHOPPER, &c), W3W_OK);
	ck_assert_str_eq(c.supply_id, small.id);
	check_invariants();
}
END_TEST

START_TEST(test_claim_release_and_reclaim)
{
	char id[W3W_ID_SIZE];
	w3w_supply s, s2, got;
	w3w_claim c, r, c2, old;

	ck_assert_int_eq(deposit(BUYER, 10 * COIN), W3W_OK);
	ck_assert_int_eq(supply_create(SHOPPER, 5 * COIN, &s), W3W_OK);
	ck_assert_int_eq(supply_create(SHOPPER2, 5 * COIN, &s2), W3W_OK);
	ck_assert_int_eq(order_create(BUYER, 4 * COIN, 1, id), W3W_OK);
	ck_assert_int_eq(claim(id, SHOPPER, &c), W3W_OK);

	ck_assert_int_eq(claim_release(c.id, &r), W3W_OK);
	ck_assert_int_eq(r.status, W3W_CLAIM_RELEASED);
	ck_assert_int_gt(r.released_at, 0);
	ck_assert_int_eq(order_status(id), W3W_ORDER_OPEN);
	ck_assert_int_eq(account_of(BUYER).held, 4 * COIN); /* escrow stays */
	ck_assert_int_eq(st->market->supply_get(st, s.id, &got), W3W_OK);
	ck_assert_int_eq(got.reserved, 0);
	ck_assert_int_eq(st->market->claim_get_live(st, id, &old), W3W_ENOTFOUND);
	ck_assert_int_eq(claim_release(c.id, &r), W3W_ESTATE);
	ck_assert_int_eq(claim_process(c.id, &r, NULL), W3W_ESTATE);
	check_invariants();

	ck_assert_int_eq(claim(id, SHOPPER2, &c2), W3W_OK);
	ck_assert_str_eq(c2.supply_id, s2.id);
	/* The released claim stays on record. */
	ck_assert_int_eq(st->market->claim_get(st, c.id, &old), W3W_OK);
	ck_assert_int_eq(old.status, W3W_CLAIM_RELEASED);
	ck_assert_int_eq(claim_process(c2.id, NULL, NULL), W3W_OK);
	ck_assert_int_eq(account_of(SHOPPER2).balance, 4 * COIN);
	ck_assert_int_eq(account_of(SHOPPER).balance, 0);
	check_invariants();
}
END_TEST

START_TEST(test_partial_unique_index_refuses_second_live_claim)
{
	char id[W3W_ID_SIZE], sql[1024];
	w3w_supply s;
	w3w_claim c;

	ck_assert_int_eq(deposit(BUYER, 10 * COIN), W3W_OK);
	ck_assert_int_eq(supply_create(SHOPPER, 5 * COIN, &s), W3W_OK);
	ck_assert_int_eq(order_create(BUYER, COIN, 1, id), W3W_OK);
	ck_assert_int_eq(claim(id, SHOPPER, &c), W3W_OK);

	/* As if core had a bug: a second pending (or processed) claim on the order, by raw SQL. */
	snprintf(sql, sizeof(sql),
		"INSERT INTO claims(id, order_id, user_id, supply_id, status, claimed_at)"
		" VALUES ('01900000-0000-7000-8000-0000000eeee1', '%s', '%s', '%s', 'pending', 1)",
		id, SHOPPER2, s.id);
	ck_assert_int_eq(raw_sql(sql), SQLITE_CONSTRAINT);
	snprintf(sql, sizeof(sql),
		"INSERT INTO claims(id, order_id, user_id, supply_id, status, claimed_at)"
		" VALUES ('01900000-0000-7000-8000-0000000eeee2', '%s', '%s', '%s', 'processed', 1)",
		id, SHOPPER2, s.id);
	ck_assert_int_eq(raw_sql(sql), SQLITE_CONSTRAINT);
	/* Released claims are history and may be many. */
	snprintf(sql, sizeof(sql),
		"INSERT INTO claims(id, order_id, user_id, supply_id, status, claimed_at, released_at)"
		" VALUES ('01900000-0000-7000-8000-0000000eeee3', '%s', '%s', '%s', 'released', 1, 2)",
		id, SHOPPER2, s.id);
	ck_assert_int_eq(raw_sql(sql), SQLITE_OK);

	/* Even if the order were reopened behind our back, the index refuses a second live claim. */
	snprintf(sql, sizeof(sql), "UPDATE orders SET status = 'open' WHERE id = '%s'", id);
	ck_assert_int_eq(raw_sql(sql), SQLITE_OK);
	ck_assert_int_eq(supply_create(SHOPPER2, 5 * COIN, NULL), W3W_OK);
	ck_assert_int_eq(claim(id, SHOPPER2, NULL), W3W_ECONFLICT);
	ck_assert_int_eq(order_status(id), W3W_ORDER_OPEN);
}
END_TEST

/* ---- rollback and idempotency -------------------------------------------- */

START_TEST(test_refused_claim_leaves_nothing)
{
	char id[W3W_ID_SIZE];
	w3w_claim c;
	w3w_supply s, got;
	w3w_ledger_totals before, after;
	int64_t events, audits;

	ck_assert_int_eq(deposit(BUYER, 10 * COIN), W3W_OK);
	ck_assert_int_eq(order_create(BUYER, 5 * COIN, 1, id), W3W_OK);
	ck_assert_int_eq(supply_create(SHOPPER, 4 * COIN, &s), W3W_OK);
	ck_assert_int_eq(st->market->ledger_totals(st, "USDT", &before), W3W_OK);
	events = outbox_total();
	audits = audit_unsealed();

	/* The order UPDATE ran before the supply was found short: all of it is rolled back. */
	ck_assert_int_eq(claim_in(st, id, SHOPPER, "key-1", &c, NULL), W3W_EINSUFFICIENT);
	ck_assert_int_eq(order_status(id), W3W_ORDER_OPEN);
	ck_assert_int_eq(st->market->supply_get(st, s.id, &got), W3W_OK);
	ck_assert_int_eq(got.reserved, 0);
	ck_assert_int_eq(outbox_total(), events);
	ck_assert_int_eq(audit_unsealed(), audits);
	ck_assert_int_eq(st->market->ledger_totals(st, "USDT", &after), W3W_OK);
	ck_assert_mem_eq(&before, &after, sizeof(before));

	/* The key was not stored: the same request runs for real once the supply is there. */
	ck_assert_int_eq(supply_update(s.id, SHOPPER, 1, 5 * COIN, 0, &got), W3W_OK);
	ck_assert_int_eq(claim_in(st, id, SHOPPER, "key-1", &c, NULL), W3W_OK);
	ck_assert_int_eq(order_status(id), W3W_ORDER_CLAIMED);
}
END_TEST

START_TEST(test_idempotent_replay_and_mismatch)
{
	w3w_cmd_transfer cmd, again;
	w3w_transfer first, second;
	int64_t events, audits;
	char owner[W3W_ID_SIZE];

	memset(&cmd, 0, sizeof(cmd));
	new_id(cmd.t.id);
	meta_init(&cmd.meta, ADMIN, "dep-1", 0x11, "wallet.deposited", cmd.t.id);
	cmd.t.kind = W3W_TRANSFER_DEPOSIT;
	strcpy(cmd.t.from_user_id, W3W_EXTERNAL_USER_ID);
	strcpy(cmd.t.to_user_id, BUYER);
	strcpy(cmd.t.currency, "USDT");
	cmd.t.amount = 10 * COIN;
	strcpy(cmd.t.reference, "ref-1");
	cmd.t.created_at = cmd.meta.now;
	ck_assert_int_eq(st->market->transfer(st, &cmd, &first), W3W_OK);
	ck_assert_int_eq(cmd.meta.replayed, 0);
	events = outbox_total();
	audits = audit_unsealed();

	/* Retry: core built new ids, but the key and request hash are the same. */
	again = cmd;
	new_id(again.t.id);
	new_id(again.meta.event.id);
	again.meta.now = tick();
	ck_assert_int_eq(st->market->transfer(st, &again, &second), W3W_OK);
	ck_assert_int_eq(again.meta.replayed, 1);
	ck_assert_mem_eq(&first, &second, sizeof(first));
	ck_assert_int_eq(outbox_total(), events);
	ck_assert_int_eq(audit_unsealed(), audits);
	ck_assert_int_eq(account_of(BUYER).balance, 10 * COIN);

	/* Same key, different request. */
	again.meta.idem_hash[0] ^= 1;
	again.meta.replayed = 0;
	ck_assert_int_eq(st->market->transfer(st, &again, &second), W3W_EIDEMPOTENCY);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "dep-1"));
	ck_assert_int_eq(account_of(BUYER).balance, 10 * COIN);

	/* The scope is (actor, key): another actor may use the same key. */
	again = cmd;
	new_id(again.t.id);
	strcpy(again.t.reference, "ref-2");
	strcpy(again.meta.actor_id, SHOPPER);
	ck_assert_int_eq(st->market->transfer(st, &again, &second), W3W_OK);
	ck_assert_int_eq(again.meta.replayed, 0);
	ck_assert_int_eq(account_of(BUYER).balance, 20 * COIN);

	/* Expired: the key is overwritten and the (different) request runs. */
	again = cmd;
	new_id(again.t.id);
	strcpy(again.t.reference, "ref-3");
	again.meta.idem_hash[0] ^= 2;
	again.meta.now = cmd.meta.idem_expires_at;
	again.meta.idem_expires_at = again.meta.now + 1000;
	ck_assert_int_eq(st->market->transfer(st, &again, &second), W3W_OK);
	ck_assert_int_eq(again.meta.replayed, 0);
	ck_assert_int_eq(account_of(BUYER).balance, 30 * COIN);

	/* Claims replay with their order owner; orders replay with their items. */
	{
		char id[W3W_ID_SIZE];
		w3w_claim c1, c2;
		w3w_order *o1 = NULL, *o2 = NULL;
		ck_assert_int_eq(supply_create(SHOPPER, 10 * COIN, NULL), W3W_OK);
		ck_assert_int_eq(order_create_in(st, BUYER, COIN, 2, "ord-1", 0x22, id, &o1), W3W_OK);
		ck_assert_int_eq(order_create_in(st, BUYER, COIN, 2, "ord-1", 0x22, NULL, &o2), W3W_OK);
		ck_assert_str_eq(o1->id, o2->id);
		ck_assert_uint_eq(o2->item_count, 2);
		ck_assert_str_eq(o1->items[1].id, o2->items[1].id);
		w3w_order_free(o1);
		w3w_order_free(o2);
		ck_assert_int_eq(account_of(BUYER).held, 3 * COIN);
		ck_assert_int_eq(order_create_in(st, BUYER, COIN, 2, "ord-1", 0x23, NULL, NULL), W3W_EIDEMPOTENCY);

		ck_assert_int_eq(claim_in(st, id, SHOPPER, "claim-1", &c1, NULL), W3W_OK);
		ck_assert_int_eq(claim_in(st, id, SHOPPER, "claim-1", &c2, owner), W3W_OK);
		ck_assert_str_eq(c1.id, c2.id);
		ck_assert_str_eq(owner, BUYER);
	}

	/* purge_expired deletes only expired keys. */
	{
		int64_t deleted = -1;
		ck_assert_int_eq(st->market->purge_expired(st, tick(), &deleted), W3W_OK);
		ck_assert_int_eq(deleted, 0);
		ck_assert_int_eq(st->market->purge_expired(st, tick() + 2 * 3600LL * 1000000, &deleted), W3W_OK);
		ck_assert_int_eq(deleted, 4);
		ck_assert_int_eq(st->market->purge_expired(st, tick() + 2 * 3600LL * 1000000, NULL), W3W_OK);
	}
	check_invariants();
}
END_TEST

/* ---- outbox --------------------------------------------------------------- */

static void events_free(w3w_event *ev, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ev[i].payload);
	free(ev);
}

START_TEST(test_outbox_take_lease_ack)
{
	w3w_event *ev = NULL, *ev2 = NULL;
	size_t n = 0, n2 = 0;
	w3w_outbox_stats s;
	int64_t seqs[3];

	ck_assert_int_eq(st->outbox->stats(st, &s), W3W_OK);
	ck_assert_int_eq(s.total, 0);
	ck_assert_int_eq(s.oldest_pending_at, 0);
	ck_assert_int_eq(st->outbox->take(st, 10, 60000, &ev, &n), W3W_OK);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(ev);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(deposit(BUYER, COIN), W3W_OK);
	ck_assert_int_eq(st->outbox->stats(st, &s), W3W_OK);
	ck_assert_int_eq(s.total, 5);
	ck_assert_int_eq(s.pending, 5);
	ck_assert_int_gt(s.oldest_pending_at, 0);

	ck_assert_int_eq(st->outbox->take(st, 3, 60000, &ev, &n), W3W_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_lt(ev[0].seq, ev[1].seq);
	ck_assert_int_lt(ev[1].seq, ev[2].seq);
	ck_assert_str_eq(ev[0].payload, payload);
	ck_assert_str_eq(ev[0].type, "wallet.moved");
	ck_assert_str_eq(ev[0].topic, "test-events");
	ck_assert_str_eq(ev[0].region, "local");
	ck_assert_str_eq(ev[0].actor_id, ADMIN);
	ck_assert_int_gt(ev[0].created_at, 0);

	/* While a batch is leased, no other relay takes anything (per-key order). */
	ck_assert_int_eq(st->outbox->take(st, 10, 60000, &ev2, &n2), W3W_OK);
	ck_assert_uint_eq(n2, 0);
	ck_assert_ptr_null(ev2);

	for (size_t i = 0; i < n; i++)
		seqs[i] = ev[i].seq;
	events_free(ev, n);
	ck_assert_int_eq(st->outbox->ack(st, seqs, 3), W3W_OK);
	ck_assert_int_eq(st->outbox->ack(st, seqs, 3), W3W_OK); /* acking twice is harmless */
	ck_assert_int_eq(st->outbox->stats(st, &s), W3W_OK);
	ck_assert_int_eq(s.total, 5);
	ck_assert_int_eq(s.pending, 2);

	/* Acked: the rest comes next, in order. A short lease, acked only in part. */
	ck_assert_int_eq(st->outbox->take(st, 10, 1, &ev, &n), W3W_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_gt(ev[0].seq, seqs[2]);
	seqs[0] = ev[0].seq;
	seqs[1] = ev[1].seq;
	events_free(ev, n);
	ck_assert_int_eq(st->outbox->ack(st, seqs, 1), W3W_OK);
	/* The lease ended unacknowledged (a relay died): the rest is taken again, in order. */
	usleep(5000);
	ck_assert_int_eq(deposit(BUYER, COIN), W3W_OK);
	ck_assert_int_eq(st->outbox->take(st, 10, 60000, &ev, &n), W3W_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(ev[0].seq, seqs[1]);
	events_free(ev, n);
	ck_assert_int_eq(st->outbox->take(st, 10, 60000, &ev, &n), W3W_OK);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(st->outbox->take(st, 0, 60000, &ev, &n), W3W_OK);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(st->outbox->stats(st, &s), W3W_OK);
	ck_assert_int_eq(s.total, 6);
	ck_assert_int_eq(s.pending, 2);
}
END_TEST

/* ---- audit ---------------------------------------------------------------- */

/* A stand-in chain hash: any pure function of (prev, record) will do here. */
static void test_hash(unsigned char hash[32], const unsigned char prev[32], const w3w_audit_record *r)
{
	for (int i = 0; i < 32; i++)
		hash[i] = (unsigned char)(prev[i] * 31 + (unsigned char)r->id[i % 36] + (unsigned char)r->chain_pos + i);
}

START_TEST(test_audit_append_seal_read)
{
	w3w_audit_record rec, *recs = NULL;
	size_t sealed = 0, n = 0;
	int64_t unsealed = -1;
	unsigned char zero[32] = { 0 }, expect[32];

	ck_assert_int_eq(deposit(BUYER, COIN), W3W_OK);
	memset(&rec, 0, sizeof(rec));
	new_id(rec.id);
	strcpy(rec.actor_id, SHOPPER);
	strcpy(rec.action, "order.cancel");
	strcpy(rec.outcome, "forbidden");
	rec.created_at = tick();
	ck_assert_int_eq(st->audit->append(st, &rec), W3W_OK);
	ck_assert_int_eq(deposit(BUYER, COIN), W3W_OK);
	ck_assert_int_eq(st->audit->unsealed(st, &unsealed), W3W_OK);
	ck_assert_int_eq(unsealed, 3);

	ck_assert_int_eq(st->audit->seal(st, test_hash, 2, &sealed), W3W_OK);
	ck_assert_uint_eq(sealed, 2);
	ck_assert_int_eq(st->audit->unsealed(st, &unsealed), W3W_OK);
	ck_assert_int_eq(unsealed, 1);
	ck_assert_int_eq(deposit(BUYER, COIN), W3W_OK);
	ck_assert_int_eq(st->audit->seal(st, test_hash, 0, &sealed), W3W_OK);
	ck_assert_uint_eq(sealed, 2);
	ck_assert_int_eq(st->audit->seal(st, test_hash, 0, NULL), W3W_OK);

	ck_assert_int_eq(st->audit->read(st, 0, 100, &recs, &n), W3W_OK);
	ck_assert_uint_eq(n, 4);
	/* Write order; each links to the previous hash; the hash is fn(prev, record). */
	ck_assert_str_eq(recs[1].id, rec.id);
	ck_assert_str_eq(recs[1].outcome, "forbidden");
	ck_assert_str_eq(recs[1].target_id, "");
	ck_assert_mem_eq(recs[0].prev_hash, zero, 32);
	for (size_t i = 0; i < n; i++) {
		ck_assert_int_eq(recs[i].chain_pos, (int64_t)i + 1);
		if (i)
			ck_assert_mem_eq(recs[i].prev_hash, recs[i - 1].hash, 32);
		test_hash(expect, recs[i].prev_hash, &recs[i]);
		ck_assert_mem_eq(recs[i].hash, expect, 32);
	}
	free(recs);
	ck_assert_int_eq(st->audit->read(st, 2, 1, &recs, &n), W3W_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(recs[0].chain_pos, 3);
	free(recs);
	ck_assert_int_eq(st->audit->read(st, 4, 10, &recs, &n), W3W_OK);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(recs);
}
END_TEST

/* ---- concurrency ---------------------------------------------------------- */

#define RACE_ORDERS 200
#define RACE_THREADS 8

typedef struct race_ctx {
	w3w_storage *storage;
	char user[W3W_ID_SIZE];
	char (*orders)[W3W_ID_SIZE];
	int *wins;          /* per order, atomically incremented */
	int ok, conflict, other;
} race_ctx;

static void *race_thread(void *arg)
{
	race_ctx *r = arg;
	for (int i = 0; i < RACE_ORDERS; i++) {
		w3w_claim c;
		w3w_status rc = claim_in(r->storage, r->orders[i], r->user, NULL, &c, NULL);
		if (rc == W3W_OK) {
			__atomic_add_fetch(&r->wins[i], 1, __ATOMIC_RELAXED);
			r->ok++;
		} else if (rc == W3W_ECONFLICT) {
			r->conflict++;
		} else {
			r->other++;
		}
	}
	return NULL;
}

START_TEST(test_claim_race_threads_and_two_handles)
{
	static char orders[RACE_ORDERS][W3W_ID_SIZE];
	static int wins[RACE_ORDERS];
	race_ctx ctx[RACE_THREADS];
	pthread_t th[RACE_THREADS];
	w3w_storage *second = NULL;
	w3w_backend_config cfg = config(4);
	int64_t events;
	int total_ok = 0;
	w3w_ledger_totals t;

	/* A second handle on the same file stands in for another process. */
	ck_assert_int_eq(w3w_storage_sqlite_open(&second, url, &cfg), W3W_OK);
	ck_assert_int_eq(deposit(BUYER, RACE_ORDERS * COIN), W3W_OK);
	for (int i = 0; i < RACE_ORDERS; i++) {
		ck_assert_int_eq(order_create(BUYER, COIN, 1, orders[i]), W3W_OK);
		wins[i] = 0;
	}
	for (int k = 0; k < RACE_THREADS; k++) {
		memset(&ctx[k], 0, sizeof(ctx[k]));
		ctx[k].storage = k % 2 ? second : st;
		snprintf(ctx[k].user, sizeof(ctx[k].user), "01900000-0000-7000-8000-0000000dd%03x", (unsigned)k & 0xfffu);
		ctx[k].orders = orders;
		ctx[k].wins = wins;
		ck_assert_int_eq(supply_create(ctx[k].user, RACE_ORDERS * COIN, NULL), W3W_OK);
	}
	events = outbox_total();
	for (int k = 0; k < RACE_THREADS; k++)
		ck_assert_int_eq(pthread_create(&th[k], NULL, race_thread, &ctx[k]), 0);
	for (int k = 0; k < RACE_THREADS; k++)
		pthread_join(th[k], NULL);

	for (int i = 0; i < RACE_ORDERS; i++)
		ck_assert_int_eq(wins[i], 1);
	for (int k = 0; k < RACE_THREADS; k++) {
		ck_assert_int_eq(ctx[k].other, 0);
		ck_assert_int_eq(ctx[k].ok + ctx[k].conflict, RACE_ORDERS);
		total_ok += ctx[k].ok;
	}
	ck_assert_int_eq(total_ok, RACE_ORDERS);
	/* One event per committed claim, none for the refused ones. */
	ck_assert_int_eq(outbox_total(), events + RACE_ORDERS);
	ck_assert_int_eq(second->market->ledger_totals(second, "USDT", &t), W3W_OK);
	ck_assert_int_eq(t.reserved, RACE_ORDERS * COIN);
	check_invariants();
	second->free(second);
}
END_TEST

/* ---- several processes ----------------------------------------------------- */

#define PROCS 4
#define PROC_ORDERS 100

/*
 * Fork `n` children that start together; child k runs fn(k) and reports
 * its int result through a pipe (exit codes are not reliable under
 * valgrind, which replaces them when a child's exit shows leaks). The
 * parent's handle is closed across the fork: SQLite handles must not cross
 * it, and its checkpoint thread must not hold a lock when the children copy
 * the process.
 */
static void run_processes(int n, int (*fn)(int k), int results[])
{
	int go[2], res[PROCS][2];
	pid_t pids[PROCS];
	w3w_backend_config cfg = config(4);

	ck_assert_int_le(n, PROCS);
	st->free(st);
	st = NULL;
	ck_assert_int_eq(pipe(go), 0);
	for (int k = 0; k < n; k++) {
		ck_assert_int_eq(pipe(res[k]), 0);
		pids[k] = fork();
		ck_assert_int_ge(pids[k], 0);
		if (pids[k] == 0) {
			char b;
			int r;
			close(go[1]);
			close(res[k][0]);
			/* Blocks until the parent closes its end: all children start at once. */
			r = read(go[0], &b, 1) < 0 ? -100 : fn(k);
			_exit(write(res[k][1], &r, sizeof(r)) == (ssize_t)sizeof(r) ? 0 : 1);
		}
		close(res[k][1]);
	}
	close(go[0]);
	close(go[1]);
	for (int k = 0; k < n; k++) {
		int status = 0;
		results[k] = -200;
		ck_assert_int_eq(read(res[k][0], &results[k], sizeof(results[k])), (ssize_t)sizeof(results[k]));
		close(res[k][0]);
		ck_assert_int_eq(waitpid(pids[k], &status, 0), pids[k]);
	}
	ck_assert_int_eq(w3w_storage_sqlite_open(&st, url, &cfg), W3W_OK);
}

static char fresh_url[160];

/* A child: open a new file at the same moment as the others, write one supply. */
static int open_fresh(int k)
{
	w3w_backend_config cfg = config(2);
	w3w_storage *s = NULL;
	char user[W3W_ID_SIZE];
	int rc;

	/* Ids of each child are its own. */
	id_counter += (unsigned long long)(k + 1) << 32;
	snprintf(user, sizeof(user), "01900000-0000-7000-8000-0000000ee%03x", (unsigned)k & 0xfffu);
	if (w3w_storage_sqlite_open(&s, fresh_url, &cfg) != W3W_OK) {
		fprintf(stderr, "process %d: %s\n", k, w3w_error_message());
		return 1;
	}
	rc = supply_create_in(s, user, "USDT", COIN, NULL) == W3W_OK ? 0 : 2;
	if (rc)
		fprintf(stderr, "process %d: %s\n", k, w3w_error_message());
	s->free(s);
	return rc;
}

START_TEST(test_processes_open_a_new_file_at_once)
{
	int results[PROCS];
	w3w_storage *s = NULL;
	w3w_backend_config cfg = config(2);
	w3w_storage_query q = { "", 0, 100, "" };
	w3w_supply_page *page = NULL;
	sqlite3 *db = NULL;
	sqlite3_stmt *stmt = NULL;

	snprintf(fresh_url, sizeof(fresh_url), "sqlite:%s/fresh.db", dir);
	run_processes(PROCS, open_fresh, results);
	for (int k = 0; k < PROCS; k++)
		ck_assert_int_eq(results[k], 0);
	ck_assert_int_eq(w3w_storage_sqlite_open(&s, fresh_url, &cfg), W3W_OK);
	ck_assert_int_eq(s->market->supply_list(s, &q, &page), W3W_OK);
	ck_assert_uint_eq(page->count, PROCS);
	w3w_supply_page_free(page);
	s->free(s);

	/* The migration ran exactly once. */
	ck_assert_int_eq(sqlite3_open(fresh_url + strlen("sqlite:"), &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT COUNT(*), MAX(version) FROM schema_version", -1, &stmt, NULL),
		SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_int(stmt, 0), W3W__SQ_SCHEMA_VERSION);
	ck_assert_int_eq(sqlite3_column_int(stmt, 1), W3W__SQ_SCHEMA_VERSION);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
}
END_TEST

static char proc_orders[PROC_ORDERS][W3W_ID_SIZE];

/* A child: its own handle (as another process would have), claim every order; exit code = wins. */
static int claim_all(int k)
{
	w3w_backend_config cfg = config(2);
	w3w_storage *s = NULL;
	char user[W3W_ID_SIZE];
	int wins = 0;

	id_counter += (unsigned long long)(k + 1) << 32;
	snprintf(user, sizeof(user), "01900000-0000-7000-8000-0000000ff%03x", (unsigned)k & 0xfffu);
	if (w3w_storage_sqlite_open(&s, url, &cfg) != W3W_OK) {
		fprintf(stderr, "process %d: %s\n", k, w3w_error_message());
		return -1;
	}
	for (int i = 0; i < PROC_ORDERS; i++) {
		w3w_status rc = claim_in(s, proc_orders[i], user, NULL, NULL, NULL);
		if (rc == W3W_OK)
			wins++;
		else if (rc != W3W_ECONFLICT) {
			fprintf(stderr, "process %d: %s\n", k, w3w_error_message());
			wins = -1000;
		}
	}
	s->free(s);
	return wins;
}

START_TEST(test_claim_race_across_processes)
{
	int results[PROCS], total = 0;
	int64_t events;
	w3w_claim c;

	ck_assert_int_eq(deposit(BUYER, PROC_ORDERS * COIN), W3W_OK);
	for (int i = 0; i < PROC_ORDERS; i++)
		ck_assert_int_eq(order_create(BUYER, COIN, 1, proc_orders[i]), W3W_OK);
	for (int k = 0; k < PROCS; k++) {
		char user[W3W_ID_SIZE];
		snprintf(user, sizeof(user), "01900000-0000-7000-8000-0000000ff%03x", (unsigned)k & 0xfffu);
		ck_assert_int_eq(supply_create(user, PROC_ORDERS * COIN, NULL), W3W_OK);
	}
	events = outbox_total();
	run_processes(PROCS, claim_all, results);
	for (int k = 0; k < PROCS; k++) {
		ck_assert_int_ge(results[k], 0);
		ck_assert_int_le(results[k], PROC_ORDERS);
		total += results[k];
	}
	ck_assert_int_eq(total, PROC_ORDERS);
	for (int i = 0; i < PROC_ORDERS; i++) {
		ck_assert_int_eq(order_status(proc_orders[i]), W3W_ORDER_CLAIMED);
		ck_assert_int_eq(st->market->claim_get_live(st, proc_orders[i], &c), W3W_OK);
	}
	ck_assert_int_eq(outbox_total(), events + PROC_ORDERS);
	check_invariants();
}
END_TEST

/* ---- migrations and durability -------------------------------------------- */

START_TEST(test_newer_schema_refused)
{
	w3w_storage *s = NULL;
	w3w_backend_config cfg = config(2);

	st->free(st);
	st = NULL;
	ck_assert_int_eq(raw_sql("INSERT INTO schema_version(version, applied_at) VALUES (999, 0)"), SQLITE_OK);
	ck_assert_int_eq(w3w_storage_sqlite_open(&s, url, &cfg), W3W_EVERSION);
	ck_assert_ptr_null(s);
	{
		char known[16];
		snprintf(known, sizeof(known), "(%d)", W3W__SQ_SCHEMA_VERSION);
		ck_assert_ptr_nonnull(strstr(w3w_error_message(), "999"));
		ck_assert_ptr_nonnull(strstr(w3w_error_message(), known));
	}
}
END_TEST

START_TEST(test_reopen_keeps_everything)
{
	w3w_backend_config cfg = config(2);
	char id[W3W_ID_SIZE];
	w3w_claim c;
	w3w_outbox_stats s;

	ck_assert_int_eq(deposit(BUYER, 10 * COIN), W3W_OK);
	ck_assert_int_eq(supply_create(SHOPPER, 5 * COIN, NULL), W3W_OK);
	ck_assert_int_eq(order_create(BUYER, COIN, 2, id), W3W_OK);
	ck_assert_int_eq(claim(id, SHOPPER, &c), W3W_OK);
	st->free(st);
	st = NULL;

	/* Reopening (migrations already applied) finds it all. */
	ck_assert_int_eq(w3w_storage_sqlite_open(&st, url, &cfg), W3W_OK);
	ck_assert_int_eq(order_status(id), W3W_ORDER_CLAIMED);
	ck_assert_int_eq(st->market->claim_get_live(st, id, &c), W3W_OK);
	ck_assert_int_eq(account_of(BUYER).held, 3 * COIN);
	ck_assert_int_eq(st->outbox->stats(st, &s), W3W_OK);
	ck_assert_int_eq(s.total, 4);
	ck_assert_int_eq(st->ping(st), W3W_OK);
	check_invariants();
}
END_TEST

static Suite *sqlite_storage_suite(void)
{
	Suite *s = suite_create("sqlite_storage");
	TCase *tc = tcase_create("commands");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_open_urls);
	tcase_add_test(tc, test_memory_database_is_private_and_usable);
	tcase_add_test(tc, test_deposit_withdraw_transfer);
	tcase_add_test(tc, test_balance_overflow_refused);
	tcase_add_test(tc, test_supply_lifecycle);
	tcase_add_test(tc, test_supply_reservations_block_lowering_and_delete);
	tcase_add_test(tc, test_supply_list_paging);
	tcase_add_test(tc, test_order_create_get_cancel);
	tcase_add_test(tc, test_order_cancel_claimed_and_completed);
	tcase_add_test(tc, test_order_list_filters);
	tcase_add_test(tc, test_claim_refusals);
	tcase_add_test(tc, test_claim_process_settles);
	tcase_add_test(tc, test_claim_process_exhausts_supply);
	tcase_add_test(tc, test_claim_picks_oldest_supply_with_room);
	tcase_add_test(tc, test_claim_release_and_reclaim);
	tcase_add_test(tc, test_partial_unique_index_refuses_second_live_claim);
	tcase_add_test(tc, test_refused_claim_leaves_nothing);
	tcase_add_test(tc, test_idempotent_replay_and_mismatch);
	tcase_add_test(tc, test_outbox_take_lease_ack);
	tcase_add_test(tc, test_audit_append_seal_read);
	tcase_add_test(tc, test_claim_race_threads_and_two_handles);
	tcase_add_test(tc, test_processes_open_a_new_file_at_once);
	tcase_add_test(tc, test_claim_race_across_processes);
	tcase_add_test(tc, test_newer_schema_refused);
	tcase_add_test(tc, test_reopen_keeps_everything);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(sqlite_storage_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

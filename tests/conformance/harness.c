/* Conformance harness: fresh storage per test, fresh names, shortcuts, snapshots. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <unistd.h>

#include "harness.h"

h_env H;

/* ---- fresh names ---------------------------------------------------------- */

static void random_bytes(void *buf, size_t len)
{
	ck_assert_msg(getrandom(buf, len, 0) == (ssize_t)len, "getrandom failed");
}

void h_new_id(char out[W3W_ID_SIZE])
{
	H_OK(w3w_id_new(out, W3W_ID_SIZE));
}

void h_actor(w3w_actor *out, unsigned int roles)
{
	char id[W3W_ID_SIZE];
	h_new_id(id);
	H_OK(w3w_actor_init(out, id, roles));
	if ((roles & W3W_ROLE_USER) && H.n_users < H_MAX_USERS)
		memcpy(H.users[H.n_users++], out->user_id, W3W_ID_SIZE);
}

void h_user(w3w_actor *out)
{
	h_actor(out, W3W_ROLE_USER);
}

void h_currency(char out[W3W_CURRENCY_SIZE])
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	unsigned char r[9];
	random_bytes(r, sizeof(r));
	out[0] = 'T';
	for (int i = 0; i < 9; i++)
		out[i + 1] = alphabet[r[i] % 36];
	out[10] = '\0';
	if (H.n_currencies < H_MAX_CURRENCIES)
		memcpy(H.currencies[H.n_currencies++], out, W3W_CURRENCY_SIZE);
}

/* ---- fixture -------------------------------------------------------------- */

static void copy_env(char *dst, size_t size, const char *name, const char *fallback)
{
	const char *v = getenv(name);
	snprintf(dst, size, "%s", (v && *v) ? v : fallback);
}

void h_options(w3w_options *opts)
{
	H_OK(w3w_options_init(opts, W3W_OPTIONS_VERSION));
	snprintf(opts->storage_url, sizeof(opts->storage_url), "%s", H.storage_url);
	snprintf(opts->cache_url, sizeof(opts->cache_url), "%s", H.cache_url);
	opts->background_relay = 0;
	opts->timeout_ms = 10000;
}

w3w_ctx *h_ctx_open(int background_relay)
{
	w3w_options opts;
	w3w_ctx *ctx = NULL;
	h_options(&opts);
	opts.background_relay = background_relay;
	H_OK(w3w_ctx_open(&ctx, &opts));
	ck_assert_ptr_nonnull(ctx);
	return ctx;
}

void h_setup(void)
{
	const char *url = getenv("W3W_TEST_STORAGE_URL");

	memset(&H, 0, sizeof(H));
	copy_env(H.cache_url, sizeof(H.cache_url), "W3W_TEST_CACHE_URL", "memory:");
	if (url && *url) {
		snprintf(H.storage_url, sizeof(H.storage_url), "%s", url);
		H.shared_storage = 1;
	} else {
		/* Under the run's directory (main removes it, also after failed tests). */
		const char *run = getenv("W3W_CONFORMANCE_RUN_DIR");
		const char *tmp = getenv("TMPDIR");
		if (run && *run)
			snprintf(H.dir, sizeof(H.dir), "%s/test-XXXXXX", run);
		else
			snprintf(H.dir, sizeof(H.dir), "%s/w3w-conformance-XXXXXX", (tmp && *tmp) ? tmp : "/tmp");
		ck_assert_msg(mkdtemp(H.dir) != NULL, "mkdtemp %s failed", H.dir);
		snprintf(H.storage_url, sizeof(H.storage_url), "sqlite:%s/w3w.db", H.dir);
	}
	H.ctx = h_ctx_open(0);
	h_actor(&H.admin, W3W_ROLE_ADMIN);
	h_actor(&H.service, W3W_ROLE_SERVICE);
	h_actor(&H.auditor, W3W_ROLE_AUDITOR);
	h_currency(H.cur);
}

void h_remove_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char file[1024];

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
		if (unlink(file) != 0)
			h_remove_dir(file); /* a test's subdirectory */
	}
	closedir(d);
	rmdir(path);
}

void h_teardown(void)
{
	if (H.ctx) {
		for (int i = 0; i < H.n_currencies; i++)
			h_check_invariants(H.currencies[i]);
		w3w_ctx_close(H.ctx);
		H.ctx = NULL;
	}
	if (H.dir[0] && !getenv("W3W_TEST_KEEP"))
		h_remove_dir(H.dir);
	H.dir[0] = '\0';
}

TCase *h_tcase(const char *name)
{
	TCase *tc = tcase_create(name);
	tcase_add_checked_fixture(tc, h_setup, h_teardown);
	return tc;
}

/* ---- shortcuts ------------------------------------------------------------ */

w3w_amount h_amt(const char *text)
{
	w3w_amount v;
	ck_assert_msg(w3w_amount_parse(&v, text) == W3W_OK, "test literal \"%s\": %s", text,
		w3w_error_message());
	return v;
}

void h_fund(const w3w_actor *user, const char *currency, const char *amount)
{
	char ref[64];
	char id[W3W_ID_SIZE];
	h_new_id(id);
	snprintf(ref, sizeof(ref), "fund-%s", id);
	H_OK(w3w_deposit(NULL, H.ctx, &H.service, user->user_id, currency, h_amt(amount), ref, NULL));
}

void h_supply(w3w_supply *out, const w3w_actor *shopper, const char *currency, const char *amount)
{
	w3w_supply tmp;
	H_OK(w3w_supply_create(out ? out : &tmp, H.ctx, shopper, currency, h_amt(amount), NULL));
}

void h_item(w3w_order_item *item, const char *price, int64_t quantity)
{
	memset(item, 0, sizeof(*item));
	h_new_id(item->product_id);
	snprintf(item->product_name, sizeof(item->product_name), "product %.8s", item->product_id);
	item->price = h_amt(price);
	item->quantity = quantity;
}

void h_order(char id_out[W3W_ID_SIZE], const w3w_actor *buyer, const char *currency, const char *amount)
{
	w3w_order_item item;
	w3w_order *o = NULL;
	h_item(&item, amount, 1);
	H_OK(w3w_order_create(&o, H.ctx, buyer, currency, &item, 1, NULL));
	ck_assert_ptr_nonnull(o);
	if (id_out)
		memcpy(id_out, o->id, W3W_ID_SIZE);
	w3w_order_free(o);
}

void h_claim(w3w_claim *out, const w3w_actor *shopper, const char *order_id)
{
	w3w_claim tmp;
	H_OK(w3w_claim_order(out ? out : &tmp, H.ctx, shopper, order_id, NULL));
}

/* ---- reads ---------------------------------------------------------------- */

void h_account(w3w_account *out, const char *user_id, const char *currency)
{
	w3w_account_list *list = NULL;
	memset(out, 0, sizeof(*out));
	snprintf(out->user_id, sizeof(out->user_id), "%s", user_id);
	snprintf(out->currency, sizeof(out->currency), "%s", currency);
	H_OK(w3w_accounts(&list, H.ctx, &H.admin, user_id));
	ck_assert_ptr_nonnull(list);
	for (size_t i = 0; i < list->count; i++) {
		ck_assert_str_eq(list->items[i].user_id, user_id);
		if (strcmp(list->items[i].currency, currency) == 0)
			*out = list->items[i];
	}
	w3w_account_list_free(list);
	ck_assert_int_eq(out->available, out->balance - out->held);
	ck_assert_int_ge(out->available, 0);
}

void h_totals(w3w_ledger_totals *out, const char *currency)
{
	memset(out, 0, sizeof(*out));
	H_OK(w3w_ledger_totals_get(out, H.ctx, &H.admin, currency));
}

int64_t h_outbox_total(void)
{
	w3w_outbox_stats st;
	memset(&st, 0, sizeof(st));
	H_OK(w3w_outbox_stats_get(&st, H.ctx, &H.admin));
	ck_assert_int_ge(st.total, st.pending);
	return st.total;
}

void h_check_invariants(const char *currency)
{
	w3w_ledger_totals t;
	h_totals(&t, currency);
	ck_assert_str_eq(t.currency, currency);
	ck_assert_msg(t.balances == t.deposits - t.withdrawals,
		"%s: balances %lld != deposits %lld - withdrawals %lld", currency,
		(long long)t.balances, (long long)t.deposits, (long long)t.withdrawals);
	ck_assert_msg(t.held == t.escrow, "%s: held %lld != escrow %lld", currency,
		(long long)t.held, (long long)t.escrow);
	ck_assert_msg(t.reserved == t.live_claims, "%s: reserved %lld != live claims %lld", currency,
		(long long)t.reserved, (long long)t.live_claims);
	ck_assert_msg(t.entries_sum_zero == 1, "%s: ledger entries do not sum to zero", currency);
	ck_assert_msg(t.held <= t.balances, "%s: held %lld > balances %lld", currency,
		(long long)t.held, (long long)t.balances);
}

void h_pump_all(void)
{
	size_t n = 0;
	int rounds = 0;
	do {
		H_OK(w3w_events_pump(H.ctx, 0, &n));
		ck_assert_int_lt(++rounds, 10000);
	} while (n > 0);
}

int h_order_status(const char *order_id)
{
	w3w_order *o = NULL;
	int status;
	H_OK(w3w_order_get(&o, H.ctx, &H.admin, order_id));
	status = o->status;
	w3w_order_free(o);
	return status;
}

void h_snap(h_snapshot *out)
{
	memset(out, 0, sizeof(*out));
	out->n = H.n_currencies;
	for (int i = 0; i < H.n_currencies; i++)
		h_totals(&out->totals[i], H.currencies[i]);
	out->n_users = H.n_users;
	for (int u = 0; u < H.n_users; u++)
		for (int i = 0; i < H.n_currencies; i++)
			h_account(&out->accounts[u][i], H.users[u], H.currencies[i]);
	out->outbox_total = h_outbox_total();
}

void h_snap_assert_same(const h_snapshot *a, const h_snapshot *b, const char *what)
{
	ck_assert_msg(a->outbox_total == b->outbox_total, "%s: wrote %lld outbox events", what,
		(long long)(b->outbox_total - a->outbox_total));
	for (int i = 0; i < a->n && i < b->n; i++) {
		const w3w_ledger_totals *x = &a->totals[i], *y = &b->totals[i];
		ck_assert_msg(x->deposits == y->deposits && x->withdrawals == y->withdrawals &&
			x->balances == y->balances && x->held == y->held && x->escrow == y->escrow &&
			x->reserved == y->reserved && x->live_claims == y->live_claims,
			"%s: changed the totals of %s", what, x->currency);
	}
	for (int u = 0; u < a->n_users && u < b->n_users; u++)
		for (int i = 0; i < a->n && i < b->n; i++) {
			const w3w_account *x = &a->accounts[u][i], *y = &b->accounts[u][i];
			ck_assert_msg(x->balance == y->balance && x->held == y->held,
				"%s: changed the %s account of %s", what, x->currency, x->user_id);
		}
}

/* ---- assertions and vectors ----------------------------------------------- */

int h_contains(const char *haystack, const char *needle)
{
	size_t n = strlen(needle);
	for (; *haystack; haystack++)
		if (strncasecmp(haystack, needle, n) == 0)
			return 1;
	return n == 0;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return NULL;
	}
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		buf[n] = '\0';
	fclose(f);
	return buf;
}

cJSON *h_vectors_load(const char *name)
{
	const char *dir = getenv("W3W_VECTORS_DIR");
	char path[4096];
	char *text;
	cJSON *json;

	if (!dir || !*dir)
		dir = W3W_SOURCE_DIR "/tests/vectors";
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	text = read_file(path);
	if (!text)
		return NULL;
	json = cJSON_Parse(text);
	free(text);
	return json;
}

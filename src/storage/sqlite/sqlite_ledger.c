/*
 * Ledger: accounts (balance, held per user and currency), transfers and
 * their two signed ledger entries. Every balance change is a conditional
 * UPDATE whose WHERE clause is the rule (available >= amount, ...); zero
 * changed rows means the rule refused it.
 */
#include <stdlib.h>
#include <string.h>

#include "storage/sqlite/sqlite_internal.h"

#define AMOUNT_MAX_TEXT "9999999999.99999999"

static int is_external(const char *user_id)
{
	return strcmp(user_id, W3W_EXTERNAL_USER_ID) == 0;
}

static void format_amount(char buf[W3W_AMOUNT_STRLEN], w3w_amount amount)
{
	if (w3w_amount_format(buf, W3W_AMOUNT_STRLEN, amount) != W3W_OK)
		strcpy(buf, "?");
}

/* Run an account UPDATE bound as (?1 user, ?2 currency, ?3 amount, ?4 now); *changed = rows. */
static w3w_status account_update(w3w__sq_conn *c, int slot, const char *sql, const char *user_id,
	const char *currency, w3w_amount amount, w3w_time now, int *changed)
{
	sqlite3_stmt *s;
	w3w_status st = w3w__sq_stmt(c, slot, sql, &s);

	*changed = 0;
	if (st != W3W_OK)
		return st;
	w3w__sq_bind_text(s, 1, user_id);
	w3w__sq_bind_text(s, 2, currency);
	sqlite3_bind_int64(s, 3, amount);
	sqlite3_bind_int64(s, 4, now);
	st = w3w__sq_exec(c, s);
	if (st == W3W_OK)
		*changed = sqlite3_changes(c->db);
	return st;
}

w3w_status w3w__sq_account_debit(w3w__sq_conn *c, const char *user_id, const char *currency,
	w3w_amount amount, w3w_time now)
{
	char text[W3W_AMOUNT_STRLEN];
	int changed;
	w3w_status st = account_update(c, SQ_ACCOUNT_DEBIT,
		"UPDATE accounts SET balance = balance - ?3, updated_at = ?4"
		" WHERE user_id = ?1 AND currency = ?2 AND balance - held >= ?3",
		user_id, currency, amount, now, &changed);

	if (st != W3W_OK || changed)
		return st;
	format_amount(text, amount);
	return w3w_error_set(W3W_EINSUFFICIENT, "account %s/%s: available funds below %s",
		user_id, currency, text);
}

w3w_status w3w__sq_account_credit(w3w__sq_conn *c, const char *user_id, const char *currency,
	w3w_amount amount, w3w_time now)
{
	int changed;
	w3w_status st = account_update(c, SQ_ACCOUNT_CREDIT,
		"INSERT INTO accounts(user_id, currency, balance, held, updated_at) VALUES (?1, ?2, ?3, 0, ?4)"
		" ON CONFLICT(user_id, currency) DO UPDATE SET balance = balance + excluded.balance,"
		" updated_at = excluded.updated_at",
		user_id, currency, amount, now, &changed);

	/* The CHECK on balance (STRICT also refuses the REAL an int64 overflow becomes). */
	if (st != W3W_OK && w3w__sq_check_violated(c))
		return w3w_error_set(W3W_EINVAL, "account %s/%s: balance would exceed " AMOUNT_MAX_TEXT,
			user_id, currency);
	return st;
}

w3w_status w3w__sq_account_hold(w3w__sq_conn *c, const char *user_id, const char *currency,
	w3w_amount amount, w3w_time now)
{
	char text[W3W_AMOUNT_STRLEN];
	int changed;
	w3w_status st = account_update(c, SQ_ACCOUNT_HOLD,
		"UPDATE accounts SET held = held + ?3, updated_at = ?4"
		" WHERE user_id = ?1 AND currency = ?2 AND balance - held >= ?3",
		user_id, currency, amount, now, &changed);

	if (st != W3W_OK || changed)
		return st;
	format_amount(text, amount);
	return w3w_error_set(W3W_EINSUFFICIENT, "account %s/%s: available funds below %s",
		user_id, currency, text);
}

w3w_status w3w__sq_account_unhold(w3w__sq_conn *c, const char *user_id, const char *currency,
	w3w_amount amount, w3w_time now)
{
	int changed;
	w3w_status st = account_update(c, SQ_ACCOUNT_UNHOLD,
		"UPDATE accounts SET held = held - ?3, updated_at = ?4"
		" WHERE user_id = ?1 AND currency = ?2 AND held >= ?3",
		user_id, currency, amount, now, &changed);

	if (st != W3W_OK || changed)
		return st;
	return w3w_error_set(W3W_EINTERNAL, "account %s/%s: held below the escrow being released",
		user_id, currency);
}

w3w_status w3w__sq_account_settle(w3w__sq_conn *c, const char *user_id, const char *currency,
	w3w_amount amount, w3w_time now)
{
	int changed;
	w3w_status st = account_update(c, SQ_ACCOUNT_SETTLE,
		"UPDATE accounts SET balance = balance - ?3, held = held - ?3, updated_at = ?4"
		" WHERE user_id = ?1 AND currency = ?2 AND held >= ?3",
		user_id, currency, amount, now, &changed);

	if (st != W3W_OK || changed)
		return st;
	return w3w_error_set(W3W_EINTERNAL, "account %s/%s: held below the escrow being settled",
		user_id, currency);
}

static w3w_status entry_put(w3w__sq_conn *c, const w3w_transfer *t, const char *user_id, w3w_amount amount)
{
	sqlite3_stmt *s;
	w3w_status st = w3w__sq_stmt(c, SQ_ENTRY_PUT,
		"INSERT INTO ledger_entries(transfer_id, user_id, currency, amount, created_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5)", &s);

	if (st != W3W_OK)
		return st;
	w3w__sq_bind_text(s, 1, t->id);
	w3w__sq_bind_text(s, 2, user_id);
	w3w__sq_bind_text(s, 3, t->currency);
	sqlite3_bind_int64(s, 4, amount);
	sqlite3_bind_int64(s, 5, t->created_at);
	return w3w__sq_exec(c, s);
}

/* Why the transfer INSERT hit a unique index: the deposit reference or the id. */
static w3w_status transfer_conflict(w3w__sq_conn *c, const w3w_transfer *t)
{
	sqlite3_stmt *s;
	int row = 0;
	w3w_status st;

	if (t->kind != W3W_TRANSFER_DEPOSIT)
		return w3w_error_set(W3W_ECONFLICT, "transfer %s: already exists", t->id);
	st = w3w__sq_stmt(c, SQ_TRANSFER_BY_REFERENCE,
		"SELECT 1 FROM transfers WHERE kind = 'deposit' AND reference = ?1", &s);
	if (st != W3W_OK)
		return st;
	w3w__sq_bind_text(s, 1, t->reference);
	st = w3w__sq_step(c, s, &row);
	sqlite3_reset(s);
	if (st != W3W_OK)
		return st;
	if (row)
		return w3w_error_set(W3W_ECONFLICT, "deposit reference %s: already used", t->reference);
	return w3w_error_set(W3W_ECONFLICT, "transfer %s: already exists", t->id);
}

w3w_status w3w__sq_transfer_record(w3w__sq_conn *c, const w3w_transfer *t)
{
	sqlite3_stmt *s;
	const char *kind = w3w__sq_transfer_kind(t->kind);
	w3w_status st;

	if (!kind)
		return w3w_error_set(W3W_EINTERNAL, "transfer %s: unknown kind %d", t->id, (int)t->kind);
	st = w3w__sq_stmt(c, SQ_TRANSFER_PUT,
		"INSERT INTO transfers(id, kind, from_user_id, to_user_id, currency, amount, reference, created_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", &s);
	if (st != W3W_OK)
		return st;
	w3w__sq_bind_text(s, 1, t->id);
	w3w__sq_bind_text(s, 2, kind);
	w3w__sq_bind_text(s, 3, t->from_user_id);
	w3w__sq_bind_text(s, 4, t->to_user_id);
	w3w__sq_bind_text(s, 5, t->currency);
	sqlite3_bind_int64(s, 6, t->amount);
	w3w__sq_bind_text(s, 7, t->reference);
	sqlite3_bind_int64(s, 8, t->created_at);
	st = w3w__sq_exec(c, s);
	if (st != W3W_OK && w3w__sq_unique_violated(c))
		return transfer_conflict(c, t);
	if (st == W3W_OK)
		st = entry_put(c, t, t->from_user_id, -t->amount);
	if (st == W3W_OK)
		st = entry_put(c, t, t->to_user_id, t->amount);
	return st;
}

w3w_status w3w__sq_transfer_load(w3w__sq_conn *c, const char *id, w3w_transfer *out)
{
	sqlite3_stmt *s;
	int row = 0;
	char kind[16];
	w3w_status st = w3w__sq_stmt(c, SQ_TRANSFER_GET,
		"SELECT id, kind, from_user_id, to_user_id, currency, amount, reference, created_at"
		" FROM transfers WHERE id = ?1", &s);

	if (st != W3W_OK)
		return st;
	w3w__sq_bind_text(s, 1, id);
	st = w3w__sq_step(c, s, &row);
	if (st == W3W_OK && row) {
		memset(out, 0, sizeof(*out));
		w3w__sq_col_text(out->id, sizeof(out->id), s, 0);
		w3w__sq_col_text(kind, sizeof(kind), s, 1);
		out->kind = (w3w_transfer_kind)w3w__sq_parse_transfer_kind(kind);
		w3w__sq_col_text(out->from_user_id, sizeof(out->from_user_id), s, 2);
		w3w__sq_col_text(out->to_user_id, sizeof(out->to_user_id), s, 3);
		w3w__sq_col_text(out->currency, sizeof(out->currency), s, 4);
		out->amount = sqlite3_column_int64(s, 5);
		w3w__sq_col_text(out->reference, sizeof(out->reference), s, 6);
		out->created_at = sqlite3_column_int64(s, 7);
	} else if (st == W3W_OK) {
		st = w3w_error_set(W3W_ENOTFOUND, "transfer %s: not found", id);
	}
	sqlite3_reset(s);
	return st;
}

/* ---- the transfer command ------------------------------------------------ */

typedef struct transfer_args {
	w3w_cmd_transfer *cmd;
	w3w_transfer *out;
} transfer_args;

static w3w_status transfer_tx(w3w__sq_conn *c, void *arg)
{
	transfer_args *a = arg;
	w3w_write_meta *meta = &a->cmd->meta;
	const w3w_transfer *t = &a->cmd->t;
	char result_id[W3W_ID_SIZE];
	w3w_status st = w3w__sq_idem_check(c, meta, &meta->replayed, result_id);

	if (st != W3W_OK)
		return st;
	if (meta->replayed)
		return w3w__sq_transfer_load(c, result_id, a->out);
	/* The debit first: a refused withdrawal costs one UPDATE. */
	if (!is_external(t->from_user_id))
		st = w3w__sq_account_debit(c, t->from_user_id, t->currency, t->amount, meta->now);
	if (st == W3W_OK && !is_external(t->to_user_id))
		st = w3w__sq_account_credit(c, t->to_user_id, t->currency, t->amount, meta->now);
	if (st == W3W_OK)
		st = w3w__sq_transfer_record(c, t);
	if (st == W3W_OK)
		st = w3w__sq_finish_write(c, meta, t->id);
	if (st == W3W_OK)
		*a->out = *t;
	return st;
}

w3w_status w3w__sq_transfer(w3w_storage *st, w3w_cmd_transfer *cmd, w3w_transfer *out)
{
	w3w_transfer scratch;
	transfer_args a = { cmd, out ? out : &scratch }; /* out is optional for writes */
	return w3w__sq_write(w3w__sq(st), transfer_tx, &a);
}

/* ---- reads --------------------------------------------------------------- */

typedef struct accounts_args {
	const char *user_id;
	w3w_account_list *list;
} accounts_args;

static w3w_status accounts_tx(w3w__sq_conn *c, void *arg)
{
	accounts_args *a = arg;
	sqlite3_stmt *s;
	size_t cap = 0;
	int row = 0;
	w3w_status st = w3w__sq_stmt(c, SQ_ACCOUNTS_OF_USER,
		"SELECT currency, balance, held FROM accounts WHERE user_id = ?1 ORDER BY currency", &s);

	if (st != W3W_OK)
		return st;
	w3w__sq_bind_text(s, 1, a->user_id);
	while ((st = w3w__sq_step(c, s, &row)) == W3W_OK && row) {
		w3w_account *acc;
		if (a->list->count == cap) {
			size_t ncap = cap ? cap * 2 : 4;
			w3w_account *items = realloc(a->list->items, ncap * sizeof(*items));
			if (!items) {
				st = w3w_error_set(W3W_ENOMEM, "accounts: out of memory");
				break;
			}
			a->list->items = items;
			cap = ncap;
		}
		acc = &a->list->items[a->list->count++];
		memset(acc, 0, sizeof(*acc));
		strcpy(acc->user_id, a->user_id);
		w3w__sq_col_text(acc->currency, sizeof(acc->currency), s, 0);
		acc->balance = sqlite3_column_int64(s, 1);
		acc->held = sqlite3_column_int64(s, 2);
		acc->available = acc->balance - acc->held;
	}
	sqlite3_reset(s);
	return st;
}

w3w_status w3w__sq_accounts(w3w_storage *st, const char *user_id, w3w_account_list **out)
{
	accounts_args a;
	w3w_status rc;

	*out = NULL;
	if (!user_id || strlen(user_id) >= W3W_ID_SIZE)
		return w3w_error_set(W3W_EINVAL, "user_id: not an id");
	a.user_id = user_id;
	a.list = calloc(1, sizeof(*a.list));
	if (!a.list)
		return w3w_error_set(W3W_ENOMEM, "accounts: out of memory");
	/* The external account never has a row, so it is never listed. */
	rc = w3w__sq_read(w3w__sq(st), accounts_tx, &a);
	if (rc != W3W_OK) {
		free(a.list->items);
		free(a.list);
		return rc;
	}
	*out = a.list;
	return W3W_OK;
}

typedef struct totals_args {
	const char *currency;
	w3w_ledger_totals *out;
} totals_args;

static w3w_status totals_tx(w3w__sq_conn *c, void *arg)
{
	totals_args *a = arg;
	sqlite3_stmt *s;
	int row = 0;
	/* One statement, one snapshot. SUM raises "integer overflow" rather than go inexact. */
	w3w_status st = w3w__sq_stmt(c, SQ_LEDGER_TOTALS,
		"SELECT"
		" (SELECT COALESCE(SUM(amount), 0) FROM transfers WHERE currency = ?1 AND kind = 'deposit'),"
		" (SELECT COALESCE(SUM(amount), 0) FROM transfers WHERE currency = ?1 AND kind = 'withdrawal'),"
		" (SELECT COALESCE(SUM(balance), 0) FROM accounts WHERE currency = ?1),"
		" (SELECT COALESCE(SUM(held), 0) FROM accounts WHERE currency = ?1),"
		" (SELECT COALESCE(SUM(amount), 0) FROM orders WHERE currency = ?1"
		"   AND status IN ('open', 'claimed')),"
		" (SELECT COALESCE(SUM(reserved), 0) FROM supplies WHERE currency = ?1),"
		" (SELECT COALESCE(SUM(o.amount), 0) FROM claims c JOIN orders o ON o.id = c.order_id"
		"   WHERE c.status = 'pending' AND o.currency = ?1),"
		" (SELECT COALESCE(SUM(amount), 0) = 0 FROM ledger_entries WHERE currency = ?1)", &s);

	if (st != W3W_OK)
		return st;
	w3w__sq_bind_text(s, 1, a->currency);
	st = w3w__sq_step(c, s, &row);
	if (st == W3W_OK && row) {
		w3w_ledger_totals *t = a->out;
		t->deposits = sqlite3_column_int64(s, 0);
		t->withdrawals = sqlite3_column_int64(s, 1);
		t->balances = sqlite3_column_int64(s, 2);
		t->held = sqlite3_column_int64(s, 3);
		t->escrow = sqlite3_column_int64(s, 4);
		t->reserved = sqlite3_column_int64(s, 5);
		t->live_claims = sqlite3_column_int64(s, 6);
		t->entries_sum_zero = sqlite3_column_int64(s, 7);
	}
	sqlite3_reset(s);
	return st;
}

w3w_status w3w__sq_ledger_totals(w3w_storage *st, const char *currency, w3w_ledger_totals *out)
{
	totals_args a = { currency, out };

	memset(out, 0, sizeof(*out));
	if (!currency || strlen(currency) >= W3W_CURRENCY_SIZE)
		return w3w_error_set(W3W_EINVAL, "currency: 1..10 characters");
	strcpy(out->currency, currency);
	return w3w__sq_read(w3w__sq(st), totals_tx, &a);
}

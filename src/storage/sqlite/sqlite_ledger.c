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

w3w_status w3w__sq_account_move(w3w__sq_conn *c, w3w__sq_move move, const char *user_id,
	const char *currency, w3w_amount amount, w3w_time now)
{
	/* Bound (?1 user, ?2 currency, ?3 amount, ?4 now); the WHERE clause is the rule. */
	static const char *const sql[] = {
		[W3W__SQ_DEBIT] = "UPDATE accounts SET balance = balance - ?3, updated_at = ?4"
			" WHERE user_id = ?1 AND currency = ?2 AND balance - held >= ?3",
		[W3W__SQ_CREDIT] = "INSERT INTO accounts(user_id, currency, balance, held, updated_at)"
			" VALUES (?1, ?2, ?3, 0, ?4)"
			" ON CONFLICT(user_id, currency) DO UPDATE SET balance = balance + excluded.balance,"
			" updated_at = excluded.updated_at",
		[W3W__SQ_HOLD] = "UPDATE accounts SET held = held + ?3, updated_at = ?4"
			" WHERE user_id = ?1 AND currency = ?2 AND balance - held >= ?3",
		[W3W__SQ_UNHOLD] = "UPDATE accounts SET held = held - ?3, updated_at = ?4"
			" WHERE user_id = ?1 AND currency = ?2 AND held >= ?3",
		[W3W__SQ_SETTLE] = "UPDATE accounts SET balance = balance - ?3, held = held - ?3, updated_at = ?4"
			" WHERE user_id = ?1 AND currency = ?2 AND held >= ?3",
	};
	char text[W3W_AMOUNT_STRLEN];
	w3w_status st = w3w__sq_run(c, sql[move], "ttII", user_id, currency, amount, now);

	/* The CHECK on balance (STRICT also refuses the REAL an int64 overflow becomes). */
	if (st != W3W_OK && move == W3W__SQ_CREDIT && w3w__sq_check_violated(c))
		return w3w_error_set(W3W_EINVAL, "account %s/%s: balance would exceed " AMOUNT_MAX_TEXT,
			user_id, currency);
	if (st != W3W_OK || move == W3W__SQ_CREDIT || sqlite3_changes(c->db) > 0)
		return st;
	if (move == W3W__SQ_UNHOLD || move == W3W__SQ_SETTLE)
		return w3w_error_set(W3W_EINTERNAL, "account %s/%s: held below the escrow being %s",
			user_id, currency, move == W3W__SQ_UNHOLD ? "released" : "settled");
	format_amount(text, amount);
	return w3w_error_set(W3W_EINSUFFICIENT, "account %s/%s: available funds below %s",
		user_id, currency, text);
}

static w3w_status entry_put(w3w__sq_conn *c, const w3w_transfer *t, const char *user_id, w3w_amount amount)
{
	return w3w__sq_run(c,
		"INSERT INTO ledger_entries(transfer_id, user_id, currency, amount, created_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5)", "tttII", t->id, user_id, t->currency, amount, t->created_at);
}

/* Why the transfer INSERT hit a unique index: the deposit reference or the id. */
static w3w_status transfer_conflict(w3w__sq_conn *c, const w3w_transfer *t)
{
	sqlite3_stmt *s;
	int row = 0;
	w3w_status st;

	if (t->kind != W3W_TRANSFER_DEPOSIT)
		return w3w_error_set(W3W_ECONFLICT, "transfer %s: already exists", t->id);
	st = w3w__sq_query(c, &s, "SELECT 1 FROM transfers WHERE kind = 'deposit' AND reference = ?1",
		"t", t->reference);
	if (st != W3W_OK)
		return st;
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
	const char *kind = w3w__sq_transfer_kind(t->kind);
	w3w_status st;

	if (!kind)
		return w3w_error_set(W3W_EINTERNAL, "transfer %s: unknown kind %d", t->id, (int)t->kind);
	st = w3w__sq_run(c,
		"INSERT INTO transfers(id, kind, from_user_id, to_user_id, currency, amount, reference, created_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", "tttttItI",
		t->id, kind, t->from_user_id, t->to_user_id, t->currency, t->amount, t->reference, t->created_at);
	if (st != W3W_OK && w3w__sq_unique_violated(c))
		return transfer_conflict(c, t);
	if (st == W3W_OK)
		st = entry_put(c, t, t->from_user_id, -t->amount);
	if (st == W3W_OK)
		st = entry_put(c, t, t->to_user_id, t->amount);
	return st;
}

static w3w_status read_transfer(sqlite3_stmt *s, void *item)
{
	w3w_transfer *out = item;
	char kind[16];

	memset(out, 0, sizeof(*out));
	w3w__sq_cols(s, 0, "tttttItI", out->id, sizeof(out->id), kind, sizeof(kind),
		out->from_user_id, sizeof(out->from_user_id), out->to_user_id, sizeof(out->to_user_id),
		out->currency, sizeof(out->currency), &out->amount, out->reference, sizeof(out->reference),
		&out->created_at);
	out->kind = (w3w_transfer_kind)w3w__sq_parse_transfer_kind(kind);
	return W3W_OK;
}

w3w_status w3w__sq_transfer_load(w3w__sq_conn *c, const char *id, w3w_transfer *out)
{
	return w3w__sq_get(c,
		"SELECT id, kind, from_user_id, to_user_id, currency, amount, reference, created_at"
		" FROM transfers WHERE id = ?1", id, read_transfer, out, "transfer %s: not found");
}

/* ---- the transfer command ------------------------------------------------ */

static w3w_status transfer(w3w__sq_conn *c, w3w_cmd_transfer *cmd, w3w_transfer *out)
{
	w3w_write_meta *meta = &cmd->meta;
	const w3w_transfer *t = &cmd->t;
	char result_id[W3W_ID_SIZE];
	w3w_status st = w3w__sq_idem_check(c, meta, result_id);

	if (st != W3W_OK || meta->replayed)
		return st != W3W_OK ? st : w3w__sq_transfer_load(c, result_id, out);
	if (t->kind == W3W_TRANSFER_WITHDRAWAL)
		st = w3w__sq_limit_take(c, t->from_user_id, t->currency, t->amount, meta->now, t->id);
	if (st == W3W_OK && !is_external(t->from_user_id))
		st = w3w__sq_account_move(c, W3W__SQ_DEBIT, t->from_user_id, t->currency, t->amount, meta->now);
	if (st == W3W_OK && !is_external(t->to_user_id))
		st = w3w__sq_account_move(c, W3W__SQ_CREDIT, t->to_user_id, t->currency, t->amount, meta->now);
	if (st == W3W_OK)
		st = w3w__sq_transfer_record(c, t);
	if (st == W3W_OK)
		st = w3w__sq_finish_write(c, meta, t->id);
	if (st == W3W_OK)
		*out = *t;
	return st;
}

W3W__SQ_WRITE_ENTRY(w3w__sq_transfer, transfer, w3w_cmd_transfer, w3w_transfer)
W3W__SQ_BATCH_ENTRY(w3w__sq_transfer_batch, transfer, w3w_cmd_transfer, w3w_transfer)

/* ---- reads --------------------------------------------------------------- */

static w3w_status read_account(sqlite3_stmt *s, void *item)
{
	w3w_account *acc = item;

	w3w__sq_cols(s, 0, "tII", acc->currency, sizeof(acc->currency), &acc->balance, &acc->held);
	acc->available = acc->balance - acc->held;
	return W3W_OK;
}

w3w_status w3w__sq_accounts(w3w_storage *st, const char *user_id, w3w_account_list **out)
{
	w3w_account_list *list;
	void *items = NULL;
	w3w_status rc;

	*out = NULL;
	if (!user_id || strlen(user_id) >= W3W_ID_SIZE)
		return w3w_error_set(W3W_EINVAL, "user_id: not an id");
	if (!(list = calloc(1, sizeof(*list))))
		return w3w_error_set(W3W_ENOMEM, "accounts: out of memory");
	/* The external account never has a row, so it is never listed. */
	rc = w3w__sq_read_all(w3w__sq(st), read_account, sizeof(w3w_account), 0, &items, &list->count,
		"SELECT currency, balance, held FROM accounts WHERE user_id = ?1 ORDER BY currency", "t", user_id);
	list->items = items;
	if (rc != W3W_OK) {
		free(list->items);
		free(list);
		return rc;
	}
	for (size_t i = 0; i < list->count; i++)
		strcpy(list->items[i].user_id, user_id);
	*out = list;
	return W3W_OK;
}

static w3w_status read_totals(sqlite3_stmt *s, void *item)
{
	w3w_ledger_totals *t = item;

	w3w__sq_cols(s, 0, "IIIIIIII", &t->deposits, &t->withdrawals, &t->balances, &t->held, &t->escrow,
		&t->reserved, &t->live_claims, &t->entries_sum_zero);
	return W3W_OK;
}

w3w_status w3w__sq_ledger_totals(w3w_storage *st, const char *currency, w3w_ledger_totals *out)
{
	memset(out, 0, sizeof(*out));
	if (!currency || strlen(currency) >= W3W_CURRENCY_SIZE)
		return w3w_error_set(W3W_EINVAL, "currency: 1..10 characters");
	strcpy(out->currency, currency);
	/* One statement, one snapshot. SUM raises "integer overflow" rather than go inexact. */
	return w3w__sq_read_row(w3w__sq(st),
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
		" (SELECT COALESCE(SUM(amount), 0) = 0 FROM ledger_entries WHERE currency = ?1)", currency, read_totals, out);
}

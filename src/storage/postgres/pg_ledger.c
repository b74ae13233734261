/* Ledger: transfers (one function call), accounts of a user, reconciliation totals. */
#include <stdlib.h>
#include <string.h>

#include "storage/postgres/pg.h"

static w3w_status transfer_get(w3w_storage *st, const char *id, w3w_transfer *out)
{
	w3w__pg_params p;
	PGresult *r = NULL;
	w3w_status rc;

	w3w__pg_params_init(&p);
	w3w__pg_p_text(&p, id);
	if ((rc = w3w__pg_run(w3w__pg_of(st), PG_TRANSFER_GET, &p, "transfer", &r)) != W3W_OK)
		return rc;
	rc = PQntuples(r) == 1 ? w3w__pg_row_transfer(r, 0, 0, out)
	                       : w3w_error_set(W3W_ENOTFOUND, "transfer %s not found", id);
	PQclear(r);
	return rc;
}

w3w_status w3w__pg_transfer(w3w_storage *st, w3w_cmd_transfer *cmd, w3w_transfer *out)
{
	const w3w_transfer *t = &cmd->t;
	const char *kind = w3w__pg_transfer_kind(t->kind);
	w3w__pg_params p;
	PGresult *r = NULL;
	w3w_transfer tmp;
	w3w_status rc;

	if (!out)
		out = &tmp;
	cmd->meta.replayed = 0;
	if (!kind)
		return w3w_error_set(W3W_EINVAL, "kind: %d is not a transfer kind", (int)t->kind);
	w3w__pg_command_params(&p, &cmd->meta);
	w3w__pg_p_text(&p, t->id);
	w3w__pg_p_text(&p, kind);
	w3w__pg_p_text(&p, t->from_user_id);
	w3w__pg_p_text(&p, t->to_user_id);
	w3w__pg_p_text(&p, t->currency);
	w3w__pg_p_i64(&p, t->amount);
	w3w__pg_p_text(&p, t->reference);
	w3w__pg_p_i64(&p, t->created_at);
	rc = w3w__pg_write(w3w__pg_of(st), PG_TRANSFER, &p, &cmd->meta, "transfer", &r);
	w3w__pg_params_free(&p);
	if (rc == W3W__PG_COMMITTED)
		return transfer_get(st, t->id, out);
	if (rc != W3W_OK)
		return rc;
	if (PQntuples(r) != 1)
		rc = w3w_error_set(W3W_EINTERNAL, "postgres: transfer %s: no row returned", t->id);
	else if ((rc = w3w__pg_row_transfer(r, 0, 1, out)) == W3W_OK)
		w3w__pg_take_meta(r, &cmd->meta);
	PQclear(r);
	return rc;
}

/* The external account has no row (sql/001a_schema.sql), so it never shows here. */
static w3w_status read_account(const PGresult *r, int row, void *out)
{
	w3w_account *a = out;

	w3w__pg_col_text(a->user_id, sizeof(a->user_id), r, row, 0);
	w3w__pg_col_text(a->currency, sizeof(a->currency), r, row, 1);
	a->balance = w3w__pg_col_i64(r, row, 2);
	a->held = w3w__pg_col_i64(r, row, 3);
	a->available = a->balance - a->held;
	return W3W_OK;
}

w3w_status w3w__pg_accounts(w3w_storage *st, const char *user_id, w3w_account_list **out)
{
	w3w_account_list *list;
	w3w__pg_params p;
	PGresult *r = NULL;
	w3w_status rc;
	void *items;

	*out = NULL;
	if (!w3w__pg_is_uuid(user_id))
		return w3w_error_set(W3W_EINVAL, "user_id: not a UUID");
	w3w__pg_params_init(&p);
	w3w__pg_p_text(&p, user_id);
	if ((rc = w3w__pg_run(w3w__pg_of(st), PG_ACCOUNTS, &p, "accounts", &r)) != W3W_OK)
		return rc;
	if (!(list = calloc(1, sizeof(*list))))
		rc = w3w_error_set(W3W_ENOMEM, "postgres: out of memory");
	else if ((rc = w3w__pg_read_rows(r, -1, sizeof(*list->items), read_account, NULL, &items,
		&list->count)) == W3W_OK)
		list->items = items;
	PQclear(r);
	if (rc != W3W_OK) {
		free(list);
		return rc;
	}
	*out = list;
	return W3W_OK;
}

w3w_status w3w__pg_ledger_totals(w3w_storage *st, const char *currency, w3w_ledger_totals *out)
{
	w3w__pg_params p;
	PGresult *r = NULL;
	w3w_status rc;

	memset(out, 0, sizeof(*out));
	if (!currency || !*currency || strlen(currency) >= sizeof(out->currency))
		return w3w_error_set(W3W_EINVAL, "currency: 1..10 characters");
	w3w__pg_params_init(&p);
	w3w__pg_p_text(&p, currency);
	if ((rc = w3w__pg_run(w3w__pg_of(st), PG_LEDGER_TOTALS, &p, "ledger_totals", &r)) != W3W_OK)
		return rc;
	if (PQntuples(r) != 1 || PQnfields(r) != 8) {
		PQclear(r);
		return w3w_error_set(W3W_EINTERNAL, "postgres: ledger_totals: unexpected answer");
	}
	strcpy(out->currency, currency);
	out->deposits = w3w__pg_col_i64(r, 0, 0);
	out->withdrawals = w3w__pg_col_i64(r, 0, 1);
	out->balances = w3w__pg_col_i64(r, 0, 2);
	out->held = w3w__pg_col_i64(r, 0, 3);
	out->escrow = w3w__pg_col_i64(r, 0, 4);
	out->reserved = w3w__pg_col_i64(r, 0, 5);
	out->live_claims = w3w__pg_col_i64(r, 0, 6);
	out->entries_sum_zero = w3w__pg_col_bool(r, 0, 7);
	PQclear(r);
	return W3W_OK;
}

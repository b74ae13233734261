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
	w3w__pg_p(&p, "tttttItI", t->id, kind, t->from_user_id, t->to_user_id, t->currency, t->amount, t->reference,
		t->created_at);
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

	w3w__pg_cols(r, row, 0, "ttII", a->user_id, sizeof(a->user_id), a->currency, sizeof(a->currency), &a->balance,
		&a->held);
	a->available = a->balance - a->held;
	return W3W_OK;
}

w3w_status w3w__pg_accounts(w3w_storage *st, const char *user_id, w3w_account_list **out)
{
	w3w__pg_params p;
	PGresult *r = NULL;
	void *items = NULL, *list = NULL;
	w3w_status rc;
	size_t n = 0;

	*out = NULL;
	if ((rc = w3w__pg_user_params(&p, user_id)) != W3W_OK)
		return rc;
	rc = w3w__pg_run(w3w__pg_of(st), PG_ACCOUNTS, &p, "accounts", &r);
	if ((rc = w3w__pg_take_rows(rc, r, sizeof(w3w_account), read_account, NULL, &items, &n)) == W3W_OK)
		rc = w3w__pg_list_of(items, n, W3W__PG_LIST_LAYOUT(w3w_account_list), &list);
	*out = list;
	return rc;
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
	w3w__pg_cols(r, 0, 0, "IIIIIII", &out->deposits, &out->withdrawals, &out->balances, &out->held, &out->escrow,
		&out->reserved, &out->live_claims);
	out->entries_sum_zero = w3w__pg_col_bool(r, 0, 7);
	PQclear(r);
	return W3W_OK;
}

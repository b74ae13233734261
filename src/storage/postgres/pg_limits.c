/*
 * PostgreSQL storage, withdrawal limits: the members that set and report
 * them (schema version 4, sql/004_withdrawal_limits.sql). The check itself
 * is w3w_limit_take() in SQL, called by the two functions that take money
 * for a withdrawal, under a lock per user and currency.
 */
#include <stdlib.h>
#include <string.h>

#include "storage/postgres/pg_wallet.h"

/* The defaults' rows carry the nil UUID; the library calls them "". */
static const char *user_param(const char *user_id)
{
	return user_id && *user_id ? user_id : W3W_EXTERNAL_USER_ID;
}

static void read_user(char out[W3W_ID_SIZE], const PGresult *r, int row, int col)
{
	w3w__pg_col_text(out, W3W_ID_SIZE, r, row, col);
	if (strcmp(out, W3W_EXTERNAL_USER_ID) == 0)
		out[0] = '\0';
}

/* currency, user_id, per_withdrawal, daily, updated_at from column `col` on. */
static void read_values(const PGresult *r, int row, int col, w3w_withdrawal_limit *l)
{
	memset(l, 0, sizeof(*l));
	w3w__pg_col_text(l->currency, sizeof(l->currency), r, row, col);
	read_user(l->user_id, r, row, col + 1);
	strcpy(l->source, l->user_id[0] ? "user" : "default");
	l->per_withdrawal = w3w__pg_col_i64(r, row, col + 2);
	l->daily = w3w__pg_col_i64(r, row, col + 3);
	l->updated_at = w3w__pg_col_i64(r, row, col + 4);
}

w3w_status w3w__pg_limit_set(w3w_storage *st, w3w_cmd_limit_set *cmd, w3w_withdrawal_limit *out)
{
	w3w_withdrawal_limit scratch;
	w3w__pg_params p;
	PGresult *r = NULL;
	w3w_status rc;

	if (!out)
		out = &scratch;
	w3w__pg_command_params(&p, &cmd->meta);
	w3w__pg_p_text(&p, user_param(cmd->user_id));
	w3w__pg_p_text(&p, cmd->currency);
	w3w__pg_p_i64(&p, cmd->per_withdrawal);
	w3w__pg_p_i64(&p, cmd->daily);
	w3w__pg_p_bool(&p, cmd->clear);
	rc = w3w__pg_run_sql(w3w__pg_of(st), "SELECT * FROM w3w_limit_set($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,"
		"$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24)", &p, &cmd->meta, "limit_set", &r);
	w3w__pg_params_free(&p);
	if (rc == W3W__PG_COMMITTED) {
		/* Its answer was lost after the commit: what was asked is what is stored. */
		memset(out, 0, sizeof(*out));
		strcpy(out->currency, cmd->currency);
		strcpy(out->user_id, cmd->user_id);
		strcpy(out->source, cmd->user_id[0] ? "user" : "default");
		out->per_withdrawal = cmd->per_withdrawal;
		out->daily = cmd->daily;
		out->updated_at = cmd->meta.now;
		return W3W_OK;
	}
	if (rc != W3W_OK)
		return rc;
	if (PQntuples(r) == 1)
		read_values(r, 0, 1, out);
	else
		rc = w3w_error_set(W3W_EINTERNAL, "postgres: limit_set: no row returned");
	PQclear(r);
	return rc;
}

static w3w_status read_standing(const PGresult *r, int row, void *out)
{
	w3w_withdrawal_limit *l = out;
	w3w_time oldest = w3w__pg_col_i64(r, row, 6);

	read_values(r, row, 0, l);
	l->used = w3w__pg_col_i64(r, row, 5);
	l->next_release_at = PQgetisnull(r, row, 6) ? 0 : oldest + W3W_LIMIT_WINDOW;
	l->next_release_amount = w3w__pg_col_i64(r, row, 7);
	return W3W_OK;
}

w3w_status w3w__pg_limit_list(w3w_storage *st, const char *user_id, const char *currency, w3w_time now,
	w3w_withdrawal_limit **out, size_t *count)
{
	w3w__pg_params p;
	PGresult *r = NULL;
	void *items = NULL;
	w3w_status rc;

	*out = NULL;
	*count = 0;
	if (user_id && *user_id && !w3w__pg_is_uuid(user_id))
		return w3w_error_set(W3W_EINVAL, "user_id: not a UUID");
	w3w__pg_params_init(&p);
	w3w__pg_p_text(&p, user_param(user_id));
	w3w__pg_p_text(&p, currency ? currency : "");
	w3w__pg_p_i64(&p, now);
	rc = w3w__pg_run_sql(w3w__pg_of(st), "SELECT * FROM w3w_limit_list($1, $2, $3)", &p, NULL, "limit_list", &r);
	w3w__pg_params_free(&p);
	if (rc != W3W_OK)
		return rc;
	rc = w3w__pg_read_rows(r, -1, sizeof(w3w_withdrawal_limit), read_standing, NULL, &items, count);
	PQclear(r);
	if (rc != W3W_OK)
		return rc;
	*out = items;
	for (size_t i = 0; i < *count; i++)
		strcpy((*out)[i].user_id, user_id ? user_id : ""); /* whose standing it is, whichever row gave the values */
	return W3W_OK;
}

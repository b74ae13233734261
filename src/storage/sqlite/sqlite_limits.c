/*
 * SQLite storage, withdrawal limits (sql/005_withdrawal_limits.sql): the
 * check every withdrawal makes inside its write transaction, which
 * BEGIN IMMEDIATE already serializes against every other writer, and the
 * members that set and report the limits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/sqlite/sqlite_wallet.h"

/* The values in force: the user's row, else the currency's default ('' sorts first). */
#define LIMIT_IN_FORCE "SELECT per_withdrawal, daily FROM withdrawal_limits" \
	" WHERE currency = ?2 AND user_id IN (?1, '') ORDER BY user_id DESC LIMIT 1"

typedef struct in_force {
	w3w_amount per_withdrawal, daily;
} in_force;

static w3w_status read_in_force(sqlite3_stmt *s, void *item)
{
	in_force *l = item;
	w3w__sq_cols(s, 0, "II", &l->per_withdrawal, &l->daily);
	return W3W_OK;
}

/* What the window holds: the sum, and its oldest time (0: empty) with the amount recorded then. */
typedef struct window {
	w3w_amount used;
	w3w_time oldest;
	w3w_amount oldest_amount;
} window;

#define WINDOW_OF(USER, CUR, SINCE)                                                                      \
	"(SELECT COALESCE(SUM(amount), 0) FROM withdrawal_usage WHERE user_id = " USER " AND currency = " CUR \
	"   AND created_at > " SINCE "),"                                                                    \
	" (SELECT MIN(created_at) FROM withdrawal_usage WHERE user_id = " USER " AND currency = " CUR        \
	"   AND created_at > " SINCE "),"                                                                    \
	" (SELECT COALESCE(SUM(amount), 0) FROM withdrawal_usage WHERE user_id = " USER " AND currency = " CUR \
	"   AND created_at = (SELECT MIN(created_at) FROM withdrawal_usage WHERE user_id = " USER               \
	"   AND currency = " CUR " AND created_at > " SINCE "))"

static void read_window(sqlite3_stmt *s, int first, window *w)
{
	w3w__sq_cols(s, first, "I-I", &w->used, &w->oldest_amount);
	w->oldest = sqlite3_column_type(s, first + 1) == SQLITE_NULL ? 0 : sqlite3_column_int64(s, first + 1);
}

static w3w_status read_window_row(sqlite3_stmt *s, void *item)
{
	read_window(s, 0, item);
	return W3W_OK;
}

static void format_amount(char buf[W3W_AMOUNT_STRLEN], w3w_amount amount)
{
	if (w3w_amount_format(buf, W3W_AMOUNT_STRLEN, amount) != W3W_OK)
		strcpy(buf, "?");
}

/* The refusal of a withdrawal past the 24-hour limit: what remains, and when more frees up. */
static w3w_status daily_refusal(const char *currency, w3w_amount amount, w3w_amount daily, const window *w)
{
	char asked[W3W_AMOUNT_STRLEN], limit[W3W_AMOUNT_STRLEN], left[W3W_AMOUNT_STRLEN];
	char freed[W3W_AMOUNT_STRLEN], at[40], more[128] = "";

	format_amount(asked, amount);
	format_amount(limit, daily);
	format_amount(left, daily > w->used ? daily - w->used : 0);
	if (w->oldest) {
		format_amount(freed, w->oldest_amount);
		if (w3w_time_format(at, sizeof(at), w->oldest + W3W_LIMIT_WINDOW) != W3W_OK)
			strcpy(at, "?");
		snprintf(more, sizeof(more), "; %s more frees up at %s", freed, at);
	}
	return w3w_error_set(W3W_ELIMIT, "withdrawal limit: %s %s would pass the 24-hour limit of %s %s: %s remaining now%s",
		asked, currency, limit, currency, left, more);
}

w3w_status w3w__sq_limit_take(w3w__sq_conn *c, const char *user_id, const char *currency, w3w_amount amount,
	w3w_time now, const char *source_id)
{
	in_force l = { W3W_LIMIT_NONE, W3W_LIMIT_NONE };
	window w = { 0, 0, 0 };
	w3w_time since = now - W3W_LIMIT_WINDOW;
	sqlite3_stmt *s;
	int row = 0;
	w3w_status st;

	/* What left the window never counts again. */
	if ((st = w3w__sq_run(c, "DELETE FROM withdrawal_usage WHERE user_id = ?1 AND currency = ?2 AND created_at <= ?3",
		"ttI", user_id, currency, since)) != W3W_OK ||
	    (st = w3w__sq_query(c, &s, LIMIT_IN_FORCE, "tt", user_id, currency)) != W3W_OK ||
	    (st = w3w__sq_one(c, s, read_in_force, &l, &row)) != W3W_OK)
		return st;
	if (l.per_withdrawal != W3W_LIMIT_NONE && amount > l.per_withdrawal) {
		char asked[W3W_AMOUNT_STRLEN], max[W3W_AMOUNT_STRLEN];
		format_amount(asked, amount);
		format_amount(max, l.per_withdrawal);
		return w3w_error_set(W3W_ELIMIT, "withdrawal limit: %s %s is above the per-withdrawal maximum of %s %s",
			asked, currency, max, currency);
	}
	if (l.daily != W3W_LIMIT_NONE) {
		st = w3w__sq_query(c, &s, "SELECT " WINDOW_OF("?1", "?2", "?3"), "ttI", user_id, currency, since);
		if (st == W3W_OK)
			st = w3w__sq_one(c, s, read_window_row, &w, &row);
		if (st != W3W_OK)
			return st;
		if (amount > l.daily - w.used)
			return daily_refusal(currency, amount, l.daily, &w);
	}
	return w3w__sq_run(c, "INSERT INTO withdrawal_usage(source_id, user_id, currency, amount, created_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5)", "tttII", source_id, user_id, currency, amount, now);
}

/* ---- setting limits -------------------------------------------------------------- */

#define LIMIT_COLS "currency, user_id, per_withdrawal, daily, updated_at"

static w3w_status read_limit(sqlite3_stmt *s, void *item)
{
	w3w_withdrawal_limit *l = item;

	memset(l, 0, sizeof(*l));
	w3w__sq_cols(s, 0, "ttIII", l->currency, sizeof(l->currency), l->user_id, sizeof(l->user_id),
		&l->per_withdrawal, &l->daily, &l->updated_at);
	strcpy(l->source, l->user_id[0] ? "user" : "default");
	return W3W_OK;
}

static w3w_status limit_set(w3w__sq_conn *c, w3w_cmd_limit_set *cmd, w3w_withdrawal_limit *out)
{
	sqlite3_stmt *s;
	int row = 0;
	w3w_status st;

	if (cmd->clear)
		st = w3w__sq_query(c, &s, "DELETE FROM withdrawal_limits WHERE user_id = ?1 AND currency = ?2"
			" RETURNING " LIMIT_COLS, "tt", cmd->user_id, cmd->currency);
	else
		st = w3w__sq_query(c, &s, "INSERT INTO withdrawal_limits(" LIMIT_COLS ") VALUES (?2, ?1, ?3, ?4, ?5)"
			" ON CONFLICT(currency, user_id) DO UPDATE SET per_withdrawal = excluded.per_withdrawal,"
			" daily = excluded.daily, updated_at = excluded.updated_at RETURNING " LIMIT_COLS, "ttIII",
			cmd->user_id, cmd->currency, cmd->per_withdrawal, cmd->daily, cmd->meta.now);
	if (st == W3W_OK)
		st = w3w__sq_one(c, s, read_limit, out, &row);
	if (st == W3W_OK && !row)
		st = w3w_error_set(cmd->clear ? W3W_ENOTFOUND : W3W_EINTERNAL, "withdrawal limits of %s in %s: %s",
			cmd->user_id[0] ? cmd->user_id : "the default", cmd->currency, cmd->clear ? "none set" : "not stored");
	if (st == W3W_OK)
		st = w3w__sq_finish_write(c, &cmd->meta, cmd->meta.event.aggregate_id);
	return st;
}

W3W__SQ_WRITE_ENTRY(w3w__sq_limit_set, limit_set, w3w_cmd_limit_set, w3w_withdrawal_limit)

/* ---- where a user stands ----------------------------------------------------------- */

static w3w_status read_standing(sqlite3_stmt *s, void *item)
{
	w3w_withdrawal_limit *l = item;
	window w;

	read_limit(s, item);
	read_window(s, 5, &w);
	l->used = w.used;
	l->next_release_at = w.oldest ? w.oldest + W3W_LIMIT_WINDOW : 0;
	l->next_release_amount = w.oldest_amount;
	return W3W_OK;
}

w3w_status w3w__sq_limit_list(w3w_storage *st, const char *user_id, const char *currency, w3w_time now,
	w3w_withdrawal_limit **out, size_t *count)
{
	void *items = NULL;
	w3w_status rc;

	*out = NULL;
	*count = 0;
	/* The user's rows, and the defaults of the currencies where the user has none. */
	rc = w3w__sq_read_all(w3w__sq(st), read_standing, sizeof(w3w_withdrawal_limit), 0, &items, count,
		"SELECT " LIMIT_COLS ", " WINDOW_OF("?1", "l.currency", "?3")
		" FROM withdrawal_limits l WHERE (?2 = '' OR l.currency = ?2) AND (l.user_id = ?1 OR (l.user_id = ''"
		"   AND NOT EXISTS (SELECT 1 FROM withdrawal_limits u WHERE u.currency = l.currency AND u.user_id = ?1)))"
		" ORDER BY l.currency", "ttI", user_id, currency, now - W3W_LIMIT_WINDOW);
	if (rc != W3W_OK)
		return rc;
	*out = items;
	for (size_t i = 0; i < *count; i++)
		strcpy((*out)[i].user_id, user_id); /* whose standing it is, whichever row gave the values */
	return W3W_OK;
}

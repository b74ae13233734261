/*
 * Supplies: create, update, delete (conditional UPDATEs, diagnosed only
 * when they change nothing), get and keyset-paged lists.
 */
#include <stdlib.h>
#include <string.h>

#include "storage/sqlite/sqlite_internal.h"

#define SUPPLY_COLS "id, user_id, currency, amount, reserved, status, created_at, updated_at"

static void read_supply(sqlite3_stmt *s, w3w_supply *out)
{
	char status[16];

	memset(out, 0, sizeof(*out));
	w3w__sq_col_text(out->id, sizeof(out->id), s, 0);
	w3w__sq_col_text(out->user_id, sizeof(out->user_id), s, 1);
	w3w__sq_col_text(out->currency, sizeof(out->currency), s, 2);
	out->amount = sqlite3_column_int64(s, 3);
	out->reserved = sqlite3_column_int64(s, 4);
	w3w__sq_col_text(status, sizeof(status), s, 5);
	out->status = (w3w_supply_status)w3w__sq_parse_supply_status(status);
	out->created_at = sqlite3_column_int64(s, 6);
	out->updated_at = sqlite3_column_int64(s, 7);
}

/* Step a statement that yields at most one supply row (SELECT or ... RETURNING). */
static w3w_status one_supply(w3w__sq_conn *c, sqlite3_stmt *s, w3w_supply *out, int *found)
{
	int row = 0;
	w3w_status st = w3w__sq_step(c, s, &row);

	*found = st == W3W_OK && row;
	if (*found)
		read_supply(s, out);
	/* Stepping to the end finishes an UPDATE ... RETURNING before reset. */
	while (st == W3W_OK && row)
		st = w3w__sq_step(c, s, &row);
	sqlite3_reset(s);
	return st;
}

w3w_status w3w__sq_supply_load(w3w__sq_conn *c, const char *id, w3w_supply *out)
{
	sqlite3_stmt *s;
	int found = 0;
	w3w_status st = w3w__sq_stmt(c, SQ_SUPPLY_GET,
		"SELECT " SUPPLY_COLS " FROM supplies WHERE id = ?1", &s);

	if (st != W3W_OK)
		return st;
	w3w__sq_bind_text(s, 1, id);
	st = one_supply(c, s, out, &found);
	if (st == W3W_OK && !found)
		st = w3w_error_set(W3W_ENOTFOUND, "supply %s: not found", id);
	return st;
}

/*
 * A conditional UPDATE changed nothing: say why. Not found also covers
 * "owned by someone else", so the answer does not reveal that it exists.
 */
static w3w_status diagnose(w3w__sq_conn *c, const char *id, const char *user_id, int deleting)
{
	w3w_supply cur;
	w3w_status st = w3w__sq_supply_load(c, id, &cur);

	if (st == W3W_ENOTFOUND || (st == W3W_OK && strcmp(cur.user_id, user_id) != 0))
		return w3w_error_set(W3W_ENOTFOUND, "supply %s: not found", id);
	if (st != W3W_OK)
		return st;
	if (cur.status == W3W_SUPPLY_DELETED)
		return w3w_error_set(W3W_ESTATE, "supply %s: deleted", id);
	if (deleting)
		return w3w_error_set(W3W_ECONFLICT, "supply %s: claims still reserve part of it", id);
	return w3w_error_set(W3W_ECONFLICT, "supply %s: amount below what claims reserve", id);
}

/* ---- create -------------------------------------------------------------- */

typedef struct create_args {
	w3w_cmd_supply_create *cmd;
	w3w_supply *out;
} create_args;

static w3w_status create_tx(w3w__sq_conn *c, void *arg)
{
	create_args *a = arg;
	w3w_write_meta *meta = &a->cmd->meta;
	const w3w_supply *in = &a->cmd->s;
	char result_id[W3W_ID_SIZE];
	sqlite3_stmt *s;
	int found = 0;
	w3w_status st = w3w__sq_idem_check(c, meta, &meta->replayed, result_id);

	if (st != W3W_OK)
		return st;
	if (meta->replayed)
		return w3w__sq_supply_load(c, result_id, a->out);
	if (!w3w__sq_supply_status(in->status))
		return w3w_error_set(W3W_EINTERNAL, "supply %s: unknown status %d", in->id, (int)in->status);
	st = w3w__sq_stmt(c, SQ_SUPPLY_PUT,
		"INSERT INTO supplies(" SUPPLY_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
		" RETURNING " SUPPLY_COLS, &s);
	if (st != W3W_OK)
		return st;
	w3w__sq_bind_text(s, 1, in->id);
	w3w__sq_bind_text(s, 2, in->user_id);
	w3w__sq_bind_text(s, 3, in->currency);
	sqlite3_bind_int64(s, 4, in->amount);
	sqlite3_bind_int64(s, 5, in->reserved);
	w3w__sq_bind_text(s, 6, w3w__sq_supply_status(in->status));
	sqlite3_bind_int64(s, 7, in->created_at);
	sqlite3_bind_int64(s, 8, in->updated_at);
	st = one_supply(c, s, a->out, &found);
	if (st != W3W_OK && w3w__sq_unique_violated(c))
		return w3w_error_set(W3W_ECONFLICT, "supply %s: already exists", in->id);
	if (st == W3W_OK)
		st = w3w__sq_finish_write(c, meta, in->id);
	return st;
}

w3w_status w3w__sq_supply_create(w3w_storage *st, w3w_cmd_supply_create *cmd, w3w_supply *out)
{
	w3w_supply scratch;
	create_args a = { cmd, out ? out : &scratch }; /* out is optional for writes */
	return w3w__sq_write(w3w__sq(st), create_tx, &a);
}

/* ---- update -------------------------------------------------------------- */

typedef struct update_args {
	w3w_cmd_supply_update *cmd;
	w3w_supply *out;
} update_args;

static w3w_status update_tx(w3w__sq_conn *c, void *arg)
{
	update_args *a = arg;
	w3w_write_meta *meta = &a->cmd->meta;
	const w3w_supply_patch *p = &a->cmd->patch;
	char result_id[W3W_ID_SIZE];
	sqlite3_stmt *s;
	int found = 0;
	w3w_status st = w3w__sq_idem_check(c, meta, &meta->replayed, result_id);

	if (st != W3W_OK)
		return st;
	if (meta->replayed)
		return w3w__sq_supply_load(c, result_id, a->out);
	if (p->status && !w3w__sq_supply_status(p->status))
		return w3w_error_set(W3W_EINTERNAL, "supply %s: unknown status %d", a->cmd->id, p->status);
	/*
	 * ?4 set_amount, ?5 amount, ?6 explicit status or NULL. The status rule
	 * of storage.h: explicit status wins; else amount 0 -> exhausted, > 0 on
	 * an exhausted supply -> active; else unchanged.
	 */
	st = w3w__sq_stmt(c, SQ_SUPPLY_UPDATE,
		"UPDATE supplies SET"
		" amount = CASE WHEN ?4 THEN ?5 ELSE amount END,"
		" status = CASE WHEN ?6 IS NOT NULL THEN ?6"
		"   WHEN ?4 AND ?5 = 0 THEN 'exhausted'"
		"   WHEN ?4 AND ?5 > 0 AND status = 'exhausted' THEN 'active'"
		"   ELSE status END,"
		" updated_at = ?3"
		" WHERE id = ?1 AND user_id = ?2 AND status <> 'deleted' AND (NOT ?4 OR ?5 >= reserved)"
		" RETURNING " SUPPLY_COLS, &s);
	if (st != W3W_OK)
		return st;
	w3w__sq_bind_text(s, 1, a->cmd->id);
	w3w__sq_bind_text(s, 2, a->cmd->user_id);
	sqlite3_bind_int64(s, 3, meta->now);
	sqlite3_bind_int(s, 4, p->set_amount ? 1 : 0);
	sqlite3_bind_int64(s, 5, p->amount);
	if (p->status)
		w3w__sq_bind_text(s, 6, w3w__sq_supply_status(p->status));
	else
		sqlite3_bind_null(s, 6);
	st = one_supply(c, s, a->out, &found);
	if (st == W3W_OK && !found)
		return diagnose(c, a->cmd->id, a->cmd->user_id, 0);
	if (st == W3W_OK)
		st = w3w__sq_finish_write(c, meta, a->cmd->id);
	return st;
}

w3w_status w3w__sq_supply_update(w3w_storage *st, w3w_cmd_supply_update *cmd, w3w_supply *out)
{
	w3w_supply scratch;
	update_args a = { cmd, out ? out : &scratch }; /* out is optional for writes */
	return w3w__sq_write(w3w__sq(st), update_tx, &a);
}

/* ---- delete -------------------------------------------------------------- */

typedef struct delete_args {
	w3w_cmd_supply_delete *cmd;
	w3w_supply *out;
} delete_args;

static w3w_status delete_tx(w3w__sq_conn *c, void *arg)
{
	delete_args *a = arg;
	w3w_write_meta *meta = &a->cmd->meta;
	char result_id[W3W_ID_SIZE];
	sqlite3_stmt *s;
	int found = 0;
	w3w_status st = w3w__sq_idem_check(c, meta, &meta->replayed, result_id);

	if (st != W3W_OK)
		return st;
	if (meta->replayed)
		return w3w__sq_supply_load(c, result_id, a->out);
	st = w3w__sq_stmt(c, SQ_SUPPLY_DELETE,
		"UPDATE supplies SET status = 'deleted', updated_at = ?3"
		" WHERE id = ?1 AND user_id = ?2 AND status <> 'deleted' AND reserved = 0"
		" RETURNING " SUPPLY_COLS, &s);
	if (st != W3W_OK)
		return st;
	w3w__sq_bind_text(s, 1, a->cmd->id);
	w3w__sq_bind_text(s, 2, a->cmd->user_id);
	sqlite3_bind_int64(s, 3, meta->now);
	st = one_supply(c, s, a->out, &found);
	if (st == W3W_OK && !found)
		return diagnose(c, a->cmd->id, a->cmd->user_id, 1);
	if (st == W3W_OK)
		st = w3w__sq_finish_write(c, meta, a->cmd->id);
	return st;
}

w3w_status w3w__sq_supply_delete(w3w_storage *st, w3w_cmd_supply_delete *cmd, w3w_supply *out)
{
	w3w_supply scratch;
	delete_args a = { cmd, out ? out : &scratch }; /* out is optional for writes */
	return w3w__sq_write(w3w__sq(st), delete_tx, &a);
}

/* ---- reads --------------------------------------------------------------- */

typedef struct get_args {
	const char *id;
	w3w_supply *out;
} get_args;

static w3w_status get_tx(w3w__sq_conn *c, void *arg)
{
	get_args *a = arg;
	return w3w__sq_supply_load(c, a->id, a->out);
}

w3w_status w3w__sq_supply_get(w3w_storage *st, const char *id, w3w_supply *out)
{
	get_args a = { id, out };
	return w3w__sq_read(w3w__sq(st), get_tx, &a);
}

/* Variant v = has_user + 2 * has_status; each variant has its own statement, so each uses its index. */
static const char *const list_sql[4] = {
	"SELECT " SUPPLY_COLS " FROM supplies WHERE id > ?1 ORDER BY id LIMIT ?4",
	"SELECT " SUPPLY_COLS " FROM supplies WHERE user_id = ?2 AND id > ?1 ORDER BY id LIMIT ?4",
	"SELECT " SUPPLY_COLS " FROM supplies WHERE status = ?3 AND id > ?1 ORDER BY id LIMIT ?4",
	"SELECT " SUPPLY_COLS " FROM supplies WHERE user_id = ?2 AND status = ?3 AND id > ?1"
	" ORDER BY id LIMIT ?4",
};

typedef struct list_args {
	const w3w_storage_query *q;
	w3w_supply_page *page;
} list_args;

static w3w_status list_tx(w3w__sq_conn *c, void *arg)
{
	list_args *a = arg;
	const w3w_storage_query *q = a->q;
	w3w_supply_page *page = a->page;
	int v = (q->user_id[0] ? 1 : 0) + (q->status ? 2 : 0);
	size_t limit = (size_t)q->limit, cap = 0;
	sqlite3_stmt *s;
	int row = 0;
	w3w_status st = w3w__sq_stmt(c, SQ_SUPPLY_LIST + v, list_sql[v], &s);

	if (st != W3W_OK)
		return st;
	w3w__sq_bind_text(s, 1, q->after_id);
	w3w__sq_bind_text(s, 2, q->user_id);
	w3w__sq_bind_text(s, 3, q->status ? w3w__sq_supply_status(q->status) : "");
	/* One more than asked: its presence says there is a next page. */
	sqlite3_bind_int64(s, 4, (sqlite3_int64)limit + 1);
	while ((st = w3w__sq_step(c, s, &row)) == W3W_OK && row) {
		if (page->count == limit) {
			strcpy(page->next_cursor, page->items[limit - 1].id);
			break;
		}
		if (page->count == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			w3w_supply *items = realloc(page->items, ncap * sizeof(*items));
			if (!items) {
				st = w3w_error_set(W3W_ENOMEM, "supplies: out of memory");
				break;
			}
			page->items = items;
			cap = ncap;
		}
		read_supply(s, &page->items[page->count++]);
	}
	sqlite3_reset(s);
	return st;
}

w3w_status w3w__sq_supply_list(w3w_storage *st, const w3w_storage_query *q, w3w_supply_page **out)
{
	list_args a;
	w3w_status rc;

	*out = NULL;
	if (!q || q->limit < 1 || q->limit > W3W_LIST_LIMIT_MAX)
		return w3w_error_set(W3W_EINVAL, "limit: must be 1..%d", W3W_LIST_LIMIT_MAX);
	if (q->status && !w3w__sq_supply_status(q->status))
		return w3w_error_set(W3W_EINVAL, "status: unknown supply status %d", q->status);
	a.q = q;
	a.page = calloc(1, sizeof(*a.page));
	if (!a.page)
		return w3w_error_set(W3W_ENOMEM, "supplies: out of memory");
	rc = w3w__sq_read(w3w__sq(st), list_tx, &a);
	if (rc != W3W_OK) {
		free(a.page->items);
		free(a.page);
		return rc;
	}
	*out = a.page;
	return W3W_OK;
}

/*
 * Reads: one record by id; lists: reading a result's rows into a fresh array, and the keyset-paged
 * lists (supplies, orders) that share one query shape: after-id cursor,
 * limit + 1 rows, optional user and status filters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/postgres/pg.h"

#define NIL_UUID "00000000-0000-0000-0000-000000000000"

w3w_status w3w__pg_get(w3w__pg *pg, int stmt, const char *id, const char *noun, const char *what,
	PGresult **out)
{
	w3w__pg_params p;

	*out = NULL;
	if (!w3w__pg_is_uuid(id))
		return w3w_error_set(W3W_ENOTFOUND, "%s %s not found", noun, id ? id : "(null)");
	w3w__pg_params_init(&p);
	w3w__pg_p_text(&p, id);
	return w3w__pg_run(pg, stmt, &p, what, out);
}

w3w_status w3w__pg_read_rows(const PGresult *r, int max, size_t size, w3w__pg_row_reader read,
	w3w__pg_row_drop drop, void **items, size_t *count)
{
	int rows = PQntuples(r);
	unsigned char *a = NULL;
	w3w_status rc = W3W_OK;
	size_t n = 0;

	*items = NULL;
	*count = 0;
	if (max >= 0 && rows > max)
		rows = max;
	if (rows > 0 && !(a = calloc((size_t)rows, size)))
		return w3w_error_set(W3W_ENOMEM, "postgres: out of memory");
	for (int i = 0; i < rows && rc == W3W_OK; i++)
		if ((rc = read(r, i, a + (size_t)i * size)) == W3W_OK)
			n++;
	if (rc != W3W_OK) {
		for (size_t i = 0; drop && i < n; i++)
			drop(a + i * size);
		free(a);
		return rc;
	}
	*items = a;
	*count = n;
	return W3W_OK;
}

/* The rows of one page into items/count; next_cursor set when more follow. */
static w3w_status page_rows(w3w__pg *pg, const w3w_storage_query *q, const char *status,
	const int stmts[4], const char *noun, size_t size, w3w__pg_row_reader read,
	void **items, size_t *count, char *next_cursor)
{
	int by_user = q->user_id[0] != '\0', by_status = status != NULL;
	int limit = q->limit;
	const char *after = q->after_id[0] ? q->after_id : NIL_UUID;
	PGresult *r = NULL;
	w3w__pg_params p;
	w3w_status rc;
	char what[32];

	*items = NULL;
	*count = 0;
	if (limit < 1 || limit > W3W_LIST_LIMIT_MAX)
		return w3w_error_set(W3W_EINVAL, "limit: must be 1..%d", W3W_LIST_LIMIT_MAX);
	if (!w3w__pg_is_uuid(after) || (by_user && !w3w__pg_is_uuid(q->user_id)))
		return w3w_error_set(W3W_EINVAL, "%s list: user_id and cursor must be UUIDs", noun);
	snprintf(what, sizeof(what), "%s_list", noun);
	w3w__pg_params_init(&p);
	w3w__pg_p_text(&p, after);
	w3w__pg_p_i64(&p, limit + 1); /* one more tells whether a next page exists */
	if (by_user)
		w3w__pg_p_text(&p, q->user_id);
	if (by_status)
		w3w__pg_p_text(&p, status);
	if ((rc = w3w__pg_run(pg, stmts[by_user * 2 + by_status], &p, what, &r)) != W3W_OK)
		return rc;
	rc = w3w__pg_read_rows(r, limit, size, read, NULL, items, count);
	/* next_cursor: the last id (first column) of this page, when more follow (core's cursor is an id). */
	if (rc == W3W_OK && PQntuples(r) > limit)
		w3w__pg_col_text(next_cursor, W3W_CURSOR_SIZE, r, limit - 1, 0);
	PQclear(r);
	return rc;
}

w3w_status w3w__pg_list_of(void *items, size_t n, size_t size, size_t items_at, size_t count_at, void **out)
{
	unsigned char *list = calloc(1, size);

	*out = list;
	if (!list) {
		free(items);
		return w3w_error_set(W3W_ENOMEM, "postgres: out of memory");
	}
	memcpy(list + items_at, &items, sizeof(items));
	memcpy(list + count_at, &n, sizeof(n));
	return W3W_OK;
}

w3w_status w3w__pg_take_rows(w3w_status rc, PGresult *r, size_t size, w3w__pg_row_reader read,
	w3w__pg_row_drop drop, void **items, size_t *count)
{
	*items = NULL;
	*count = 0;
	if (rc != W3W_OK)
		return rc;
	rc = w3w__pg_read_rows(r, -1, size, read, drop, items, count);
	PQclear(r);
	return rc;
}

w3w_status w3w__pg_page(w3w__pg *pg, const w3w__pg_list *list, const w3w_storage_query *q, void **out)
{
	char cursor[W3W_CURSOR_SIZE] = "";
	const char *status = NULL;
	void *items = NULL;
	size_t count = 0;
	w3w_status rc;

	*out = NULL;
	if (q->status && !(status = list->status_name(q->status)))
		return w3w_error_set(W3W_EINVAL, "status: %d is not %s status", q->status, list->a_status);
	rc = page_rows(pg, q, status, list->stmts, list->noun, list->elem, list->read, &items, &count, cursor);
	if (rc == W3W_OK && (rc = w3w__pg_list_of(items, count, list->page_size, list->items_at, list->count_at, out))
		== W3W_OK)
		memcpy((char *)*out + list->cursor_at, cursor, sizeof(cursor));
	return rc;
}

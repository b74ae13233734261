/* List queries (see query.h). */
#include <stdio.h>
#include <string.h>

#include "core/query.h"
#include "core/validate.h"

w3w_status w3w__query_prepare(w3w_storage_query *sq, const w3w_list_query *q, int status_max)
{
	static const w3w_list_query defaults = W3W_LIST_QUERY_INIT;
	w3w_status st;

	if (!q)
		q = &defaults;
	memset(sq, 0, sizeof(*sq));
	if (q->version != W3W_LIST_QUERY_VERSION)
		return w3w_error_set(W3W_EVERSION, "query: version %u, library has %u", q->version, W3W_LIST_QUERY_VERSION);
	if (q->limit < 0 || q->limit > W3W_LIST_LIMIT_MAX)
		return w3w_error_set(W3W_EINVAL, "limit: must be 1..%d", W3W_LIST_LIMIT_MAX);
	if (q->status < 0 || q->status > status_max)
		return w3w_error_set(W3W_EINVAL, "status: unknown value");
	if (memchr(q->user_id, '\0', sizeof(q->user_id)) == NULL || memchr(q->cursor, '\0', sizeof(q->cursor)) == NULL)
		return w3w_error_set(W3W_EINVAL, "query: text field not NUL-terminated");
	if (q->user_id[0] && (st = w3w__check_id(sq->user_id, q->user_id, "user_id")) != W3W_OK)
		return st;
	if (q->cursor[0] && w3w_id_normalize(sq->after_id, sizeof(sq->after_id), q->cursor) != W3W_OK)
		return w3w_error_set(W3W_EINVAL, "cursor: not a cursor from a previous page");
	sq->status = q->status;
	sq->limit = q->limit ? q->limit : W3W__LIST_LIMIT_DEFAULT;
	return W3W_OK;
}

int w3w__query_is_first_page(const w3w_list_query *q)
{
	return !q || (q->status == 0 && q->cursor[0] == '\0' &&
		(q->limit == 0 || q->limit == W3W__LIST_LIMIT_DEFAULT));
}

/* Paging and filter parameters of list routes (see list_query.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "list_query.h"

int list_query_limit(exchange *ex, int max, int *limit)
{
	int present;
	const char *v = ex_query(ex, "limit", &present);
	size_t len = v ? strlen(v) : 0;
	long n = 0;

	if (!present)
		return 0;
	if (len == 0 || len > 6 || strspn(v, "0123456789") != len || (n = strtol(v, NULL, 10)) < 1 || n > max) {
		ex_error(ex, 400, "invalid", "limit: must be an integer from 1 to %d", max);
		return -1;
	}
	*limit = (int)n;
	return 0;
}

int list_query_parse(exchange *ex, w3w_list_query *q, status_parse_fn parse_status)
{
	const char *v;
	int present;
	w3w_list_query_init(q, W3W_LIST_QUERY_VERSION);

	if (list_query_limit(ex, W3W_LIST_LIMIT_MAX, &q->limit) != 0)
		return -1;
	v = ex_query(ex, "cursor", &present);
	if (present && v && *v) {
		if (strlen(v) >= sizeof(q->cursor)) {
			ex_error(ex, 400, "invalid", "cursor: not a cursor from a previous page");
			return -1;
		}
		snprintf(q->cursor, sizeof(q->cursor), "%s", v);
	}
	v = ex_query(ex, "status", &present);
	if (present) {
		if (!v || !*v || parse_status(&q->status, v) != W3W_OK) {
			ex_error(ex, 400, "invalid", "status: unknown value");
			return -1;
		}
	}
	v = ex_query(ex, "user_id", &present);
	if (present) {
		if (!v || w3w_id_normalize(q->user_id, sizeof(q->user_id), v) != W3W_OK) {
			ex_error(ex, 400, "invalid", "user_id: must be a UUID");
			return -1;
		}
	}
	return 0;
}

int list_query_after(exchange *ex, int64_t *after)
{
	int present;
	const char *v = ex_query(ex, "after", &present);
	size_t len = v ? strlen(v) : 0;

	*after = 0;
	if (!present)
		return 0;
	if (len == 0 || len > 18 || strspn(v, "0123456789") != len) {
		ex_error(ex, 400, "invalid", "after: must be the next_after of a previous page (an integer, 0 or more)");
		return -1;
	}
	*after = strtoll(v, NULL, 10);
	return 0;
}

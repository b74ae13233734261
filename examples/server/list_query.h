/* ?limit=&cursor=&status=&user_id= of list routes -> w3w_list_query. */
#ifndef W3W_SERVER_LIST_QUERY_H
#define W3W_SERVER_LIST_QUERY_H

#include "exchange.h"

typedef w3w_status (*status_parse_fn)(int *out, const char *text);

/** ?limit= from 1 to max into *limit, left as it is when absent; 0, or -1 after a 400 response. */
int list_query_limit(exchange *ex, int max, int *limit);

/** Fill *q from the query string; 0, or -1 after a 400 response. */
int list_query_parse(exchange *ex, w3w_list_query *q, status_parse_fn parse_status);

/** ?after= of routes paged by position (audit records, events): 0 when absent; 0, or -1 after a 400. */
int list_query_after(exchange *ex, int64_t *after);

#endif

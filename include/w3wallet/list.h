/*
 * Lists are paged by an opaque cursor: pass the previous page's
 * next_cursor to get the next page; "" means the first page, and a page
 * whose next_cursor is "" is the last.
 */
#ifndef W3WALLET_LIST_H
#define W3WALLET_LIST_H

#include "w3wallet/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define W3W_LIST_QUERY_VERSION 1
#define W3W_LIST_LIMIT_MAX 500

/** Filter and page of list calls. Initialize with W3W_LIST_QUERY_INIT or w3w_list_query_init(). */
typedef struct w3w_list_query {
	unsigned int version;
	char user_id[W3W_ID_SIZE]; /**< "" = the actor's own (supplies) / everyone's (orders) */
	int status;                /**< 0 = any, else a W3W_SUPPLY_* / W3W_ORDER_* value */
	int limit;                 /**< 1..500; 0 = 50 */
	char cursor[W3W_CURSOR_SIZE]; /**< "" = first page, else the previous page's next_cursor */
} w3w_list_query;

#define W3W_LIST_QUERY_INIT { W3W_LIST_QUERY_VERSION, "", 0, 0, "" }

W3W_EXTERN w3w_status w3w_list_query_init(w3w_list_query *query, unsigned int version);

#ifdef __cplusplus
}
#endif
#endif

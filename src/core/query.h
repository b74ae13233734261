/* Validating list queries into storage queries (limit, cursor). */
#ifndef W3W_CORE_QUERY_H
#define W3W_CORE_QUERY_H

#include "w3wallet.h"
#include "w3wallet/sys/storage.h"

#define W3W__LIST_LIMIT_DEFAULT 50

/**
 * Check `q` (NULL = defaults) and fill `sq`. `status_max` bounds the status
 * filter. The cursor is the last id of the previous page.
 */
w3w_status w3w__query_prepare(w3w_storage_query *sq, const w3w_list_query *q, int status_max);

/** True if the query is the default first page of one user (the cached one). */
int w3w__query_is_first_page(const w3w_list_query *q);

#endif

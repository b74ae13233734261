/* URL query options, for every backend that takes them (redis://, kafka://, ...). */
#include <string.h>

#include "w3wallet/sys/backend.h"

w3w_status w3w_url_options_each(const char *query, w3w_url_option_fn fn, void *arg)
{
	w3w_status st;

	if (!query)
		return W3W_OK;
	if (*query == '?')
		query++;
	while (*query) {
		size_t len = strcspn(query, "&");
		if (len > 0 && (st = fn(arg, query, len)) != W3W_OK)
			return st;
		query += len;
		if (*query == '&')
			query++;
	}
	return W3W_OK;
}

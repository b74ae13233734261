/* Internal time helpers beyond w3wallet/id.h. */
#ifndef W3W_UTIL_TIME_H
#define W3W_UTIL_TIME_H

#include "w3wallet/id.h"

/** Parse exactly the form w3w_time_format() writes ("2026-11-25T14:24:27.123456Z"). */
w3w_status w3w__time_parse(w3w_time *out, const char *text);

#endif

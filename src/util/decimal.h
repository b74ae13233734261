/* Internal amount helpers beyond the public ones in w3wallet/amount.h. */
#ifndef W3W_UTIL_DECIMAL_H
#define W3W_UTIL_DECIMAL_H

#include "w3wallet/amount.h"

/**
 * Parse a decimal that may carry a leading '-' (storage backends read the
 * external account's negative balance and NUMERIC sums this way). The
 * magnitude may be up to INT64_MAX units (sums exceed DECIMAL(18,8)).
 */
w3w_status w3w__amount_parse_signed(w3w_amount *out, const char *text);

#endif

/*
 * Exact amounts: a signed 64-bit count of 10^-8 units, the DECIMAL(18,8)
 * of the schema. Money never touches floating point.
 */
#ifndef W3WALLET_AMOUNT_H
#define W3WALLET_AMOUNT_H

#include "w3wallet/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** An amount in units of 10^-8 ("1.5" is 150000000). */
typedef int64_t w3w_amount;

#define W3W_AMOUNT_SCALE    100000000LL            /**< units per whole coin */
#define W3W_AMOUNT_DECIMALS 8
/** Largest DECIMAL(18,8) value: 9999999999.99999999. */
#define W3W_AMOUNT_MAX      999999999999999999LL
/** Buffer size that holds any formatted amount, sign and NUL included. */
#define W3W_AMOUNT_STRLEN   24

/**
 * Parse a non-negative decimal string ("12.5", "0.00000001", "7").
 *
 * Accepted: digits, optionally one '.' followed by 1..8 digits, value at
 * most W3W_AMOUNT_MAX. Refused with W3W_EINVAL (message says why): empty
 * string, sign, exponent, spaces, more than 8 decimals, overflow, junk.
 */
W3W_EXTERN w3w_status w3w_amount_parse(w3w_amount *out, const char *text);

/**
 * Format an amount in its shortest exact form ("12.5", "0.00000001", "0").
 * `buf` must hold at least W3W_AMOUNT_STRLEN bytes. Negative amounts (only
 * seen on the external ledger account) are printed with a leading '-'.
 */
W3W_EXTERN w3w_status w3w_amount_format(char *buf, size_t buflen, w3w_amount amount);

/**
 * out = price × quantity, refusing overflow past W3W_AMOUNT_MAX with
 * W3W_EINVAL.
 */
W3W_EXTERN w3w_status w3w_amount_mul(w3w_amount *out, w3w_amount price, int64_t quantity);

/** out = a + b, refusing overflow past W3W_AMOUNT_MAX with W3W_EINVAL. */
W3W_EXTERN w3w_status w3w_amount_add(w3w_amount *out, w3w_amount a, w3w_amount b);

#ifdef __cplusplus
}
#endif
#endif

/*
 * Wallet routes. The wallet API (w3w_wallet_*: derived deposit addresses,
 * sealed keys) is not in the public headers yet; until it is, these routes
 * answer 501 so that clients can tell "not yet" from "no such route".
 */
#include "handlers.h"
#include "json_input.h"

void h_wallet_create(exchange *ex)
{
	ex_error(ex, 501, "not_implemented",
		"wallets are not available in this build yet (the library has no public wallet API)");
}

void h_wallet_list(exchange *ex)
{
	ex_error(ex, 501, "not_implemented",
		"wallets are not available in this build yet (the library has no public wallet API)");
}

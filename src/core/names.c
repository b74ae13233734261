/* Names of statuses and kinds, as stored and as shown in JSON. */
#include <string.h>

#include "w3wallet.h"
#include "w3wallet/sys/backend.h"

static const char *const supply_names[] = { NULL, "active", "paused", "exhausted", "deleted" };
static const char *const order_names[] = { NULL, "open", "claimed", "completed", "cancelled" };
static const char *const claim_names[] = { NULL, "pending", "processed", "released" };
static const char *const transfer_names[] = { NULL, "deposit", "withdrawal", "transfer", "settlement" };

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const char *name_of(const char *const *names, int count, int value)
{
	return value > 0 && value < count ? names[value] : NULL;
}

static w3w_status parse_name(int *out, const char *const *names, int count, const char *text, const char *what)
{
	if (!out || !text)
		return w3w_error_set(W3W_EINVAL, "%s: missing", what);
	for (int i = 1; i < count; i++)
		if (strcmp(names[i], text) == 0) {
			*out = i;
			return W3W_OK;
		}
	return w3w_error_set(W3W_EINVAL, "%s: unknown value", what);
}

const char *w3w_supply_status_name(int status)
{
	return name_of(supply_names, COUNT(supply_names), status);
}

w3w_status w3w_supply_status_parse(int *out, const char *text)
{
	return parse_name(out, supply_names, COUNT(supply_names), text, "supply status");
}

const char *w3w_order_status_name(int status)
{
	return name_of(order_names, COUNT(order_names), status);
}

w3w_status w3w_order_status_parse(int *out, const char *text)
{
	return parse_name(out, order_names, COUNT(order_names), text, "order status");
}

const char *w3w_claim_status_name(int status)
{
	return name_of(claim_names, COUNT(claim_names), status);
}

w3w_status w3w_claim_status_parse(int *out, const char *text)
{
	return parse_name(out, claim_names, COUNT(claim_names), text, "claim status");
}

w3w_status w3w_transfer_kind_parse(int *out, const char *text)
{
	return parse_name(out, transfer_names, COUNT(transfer_names), text, "transfer kind");
}

const char *w3w_transfer_kind_name(w3w_transfer_kind kind)
{
	return name_of(transfer_names, COUNT(transfer_names), (int)kind);
}

/*
 * The marketplace story of docs/design.md, end to end, on the embedded default
 * (a SQLite file, in-process cache and events):
 *
 *   a service deposits funds for a buyer; a shopper declares supply; the
 *   buyer orders items (escrow held); the shopper claims the order; the
 *   buyer confirms (processes the claim); escrow settles to the shopper.
 *
 * Usage: marketplace [STORAGE_URL]   (default sqlite:marketplace.db)
 */
#include <stdio.h>
#include <string.h>

#include <w3wallet.h>

#define CHECK(call) \
	do { \
		w3w_status st_ = (call); \
		if (st_ != W3W_OK) { \
			fprintf(stderr, "%s failed: %s (%s)\n", #call, w3w_error_message(), w3w_status_name(st_)); \
			goto out; \
		} \
	} while (0)

static void on_event(const w3w_event *ev, void *userdata)
{
	int *count = userdata;
	char when[W3W_TIME_STRLEN];
	w3w_time_format(when, sizeof(when), ev->created_at);
	printf("  event %-18s %-14s key=%s at %s\n", ev->type, ev->topic, ev->aggregate_id, when);
	(*count)++;
}

static void print_accounts(w3w_ctx *ctx, const w3w_actor *who, const char *name)
{
	w3w_account_list *accounts = NULL;
	if (w3w_accounts(&accounts, ctx, who, NULL) != W3W_OK) {
		fprintf(stderr, "accounts: %s\n", w3w_error_message());
		return;
	}
	for (size_t i = 0; i < accounts->count; i++) {
		char bal[W3W_AMOUNT_STRLEN], held[W3W_AMOUNT_STRLEN], avail[W3W_AMOUNT_STRLEN];
		w3w_amount_format(bal, sizeof(bal), accounts->items[i].balance);
		w3w_amount_format(held, sizeof(held), accounts->items[i].held);
		w3w_amount_format(avail, sizeof(avail), accounts->items[i].available);
		printf("  %-8s %s balance=%s held=%s available=%s\n", name, accounts->items[i].currency, bal, held, avail);
	}
	w3w_account_list_free(accounts);
}

int main(int argc, char **argv)
{
	w3w_options opts;
	w3w_ctx *ctx = NULL;
	w3w_subscription *sub = NULL;
	w3w_actor service, buyer, shopper;
	char service_id[W3W_ID_SIZE], buyer_id[W3W_ID_SIZE], shopper_id[W3W_ID_SIZE], ref[64];
	w3w_supply supply;
	w3w_order *order = NULL;
	w3w_order_item items[2];
	w3w_claim claim;
	w3w_amount amount;
	int events = 0, rc = 1;
	size_t pumped = 0;

	printf("libw3wallet %s\n", w3w_version());
	w3w_options_init(&opts, W3W_OPTIONS_VERSION);
	snprintf(opts.storage_url, sizeof(opts.storage_url), "%s", argc > 1 ? argv[1] : "sqlite:marketplace.db");
	opts.background_relay = 0; /* this program pumps events itself, to print them in order */
	CHECK(w3w_ctx_open(&ctx, &opts));
	CHECK(w3w_subscribe(&sub, ctx, on_event, &events, 0));

	w3w_id_new(service_id, sizeof(service_id));
	w3w_id_new(buyer_id, sizeof(buyer_id));
	w3w_id_new(shopper_id, sizeof(shopper_id));
	CHECK(w3w_actor_init(&service, service_id, W3W_ROLE_SERVICE));
	CHECK(w3w_actor_init(&buyer, buyer_id, W3W_ROLE_USER));
	CHECK(w3w_actor_init(&shopper, shopper_id, W3W_ROLE_USER));

	printf("1. deposit 100 USDC for the buyer\n");
	CHECK(w3w_amount_parse(&amount, "100"));
	snprintf(ref, sizeof(ref), "bank-transfer-%s", buyer_id);
	CHECK(w3w_deposit(NULL, ctx, &service, buyer_id, "USDC", amount, ref, NULL));

	printf("2. the shopper declares 50 USDC of supply\n");
	CHECK(w3w_amount_parse(&amount, "50"));
	CHECK(w3w_supply_create(&supply, ctx, &shopper, "USDC", amount, NULL));

	printf("3. the buyer orders 2 x 12.5 + 1 x 0.25 USDC\n");
	memset(items, 0, sizeof(items));
	w3w_id_new(items[0].product_id, sizeof(items[0].product_id));
	snprintf(items[0].product_name, sizeof(items[0].product_name), "Hardware wallet");
	CHECK(w3w_amount_parse(&items[0].price, "12.5"));
	items[0].quantity = 2;
	w3w_id_new(items[1].product_id, sizeof(items[1].product_id));
	snprintf(items[1].product_name, sizeof(items[1].product_name), "Sticker");
	CHECK(w3w_amount_parse(&items[1].price, "0.25"));
	items[1].quantity = 1;
	CHECK(w3w_order_create(&order, ctx, &buyer, "USDC", items, 2, "order-1"));

	printf("4. the shopper claims the order\n");
	CHECK(w3w_claim_order(&claim, ctx, &shopper, order->id, NULL));

	printf("5. the buyer confirms delivery: the claim is processed\n");
	CHECK(w3w_claim_process(&claim, ctx, &buyer, claim.id, NULL));

	printf("balances:\n");
	print_accounts(ctx, &buyer, "buyer");
	print_accounts(ctx, &shopper, "shopper");
	CHECK(w3w_supply_get(&supply, ctx, &shopper, supply.id));
	{
		char a[W3W_AMOUNT_STRLEN], r[W3W_AMOUNT_STRLEN];
		w3w_amount_format(a, sizeof(a), supply.amount);
		w3w_amount_format(r, sizeof(r), supply.reserved);
		printf("  supply   amount=%s reserved=%s status=%s\n", a, r, w3w_supply_status_name(supply.status));
	}

	printf("events:\n");
	CHECK(w3w_events_pump(ctx, 0, &pumped));
	printf("(%d events delivered)\n", events);
	rc = events == 5 ? 0 : 1;
out:
	w3w_order_free(order);
	w3w_unsubscribe(sub);
	w3w_ctx_close(ctx);
	return rc;
}

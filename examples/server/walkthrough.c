/* The marketplace story as curl commands with real tokens (see walkthrough.h). */
#include <stdlib.h>
#include <string.h>

#include "walkthrough.h"

#define TTL_S 3600

int walkthrough_print(FILE *out, const struct server *srv, const char *base_url)
{
	char service_id[W3W_ID_SIZE], buyer_id[W3W_ID_SIZE], shopper_id[W3W_ID_SIZE], product_id[W3W_ID_SIZE];
	char why[160], *service = NULL, *buyer = NULL, *shopper = NULL;
	const char *k = strncmp(base_url, "https:", 6) == 0 ? "k" : "";
	int rc = -1;

	w3w_id_new(service_id, sizeof(service_id));
	w3w_id_new(buyer_id, sizeof(buyer_id));
	w3w_id_new(shopper_id, sizeof(shopper_id));
	w3w_id_new(product_id, sizeof(product_id));
	service = auth_sign(&srv->keys, service_id, "service", TTL_S, why, sizeof(why));
	buyer = auth_sign(&srv->keys, buyer_id, "user", TTL_S, why, sizeof(why));
	shopper = auth_sign(&srv->keys, shopper_id, "user", TTL_S, why, sizeof(why));
	if (!service || !buyer || !shopper) {
		fprintf(out, "(no walkthrough: %s)\n", why);
		goto out;
	}
	fprintf(out,
		"\nw3wallet-server is up on %s. The marketplace story, from another terminal\n"
		"(tokens valid for 1 hour; needs curl and jq):\n\n"
		"# --- walkthrough ---\n"
		"API=%s\n"
		"SERVICE=%s\n"
		"BUYER=%s\n"
		"SHOPPER=%s\n"
		"J='Content-Type: application/json'\n\n",
		base_url, base_url, service, buyer, shopper);
	fprintf(out,
		"# 1. a payment service deposits 100 USDC for the buyer\n"
		"curl -s%s -X POST $API/v1/deposits -H \"Authorization: Bearer $SERVICE\" -H \"$J\" \\\n"
		"  -d '{\"user_id\":\"%s\",\"currency\":\"USDC\",\"amount\":\"100\",\"reference\":\"walkthrough-%s\"}'; echo\n"
		"# 2. the shopper declares 50 USDC of supply\n"
		"curl -s%s -X POST $API/v1/supplies -H \"Authorization: Bearer $SHOPPER\" -H \"$J\" \\\n"
		"  -d '{\"currency\":\"USDC\",\"amount\":\"50\"}'; echo\n"
		"# 3. the buyer orders 2 x 12.5 USDC: 25 USDC of the buyer's funds are held in escrow\n"
		"ORDER=$(curl -s%s -X POST $API/v1/orders -H \"Authorization: Bearer $BUYER\" -H \"$J\" \\\n"
		"  -d '{\"currency\":\"USDC\",\"items\":[{\"product_id\":\"%s\",\"product_name\":\"Hardware wallet\",\"price\":\"12.5\",\"quantity\":2}]}' | jq -r .id)\n"
		"echo \"order $ORDER\"\n"
		"# 4. the shopper claims the order (one claim wins; others get 409)\n"
		"CLAIM=$(curl -s%s -X POST $API/v1/orders/$ORDER/claim -H \"Authorization: Bearer $SHOPPER\" | jq -r .id)\n"
		"echo \"claim $CLAIM\"\n"
		"# 5. the buyer confirms delivery: escrow settles to the shopper\n"
		"curl -s%s -X POST $API/v1/claims/$CLAIM/process -H \"Authorization: Bearer $BUYER\"; echo\n"
		"# 6. balances: the buyer has 75 USDC, the shopper 25\n"
		"curl -s%s $API/v1/accounts -H \"Authorization: Bearer $BUYER\"; echo\n"
		"curl -s%s $API/v1/accounts -H \"Authorization: Bearer $SHOPPER\"; echo\n"
		"# --- end ---\n\n"
		"More tokens: w3wallet-server token --data-dir %s --sub $(cat /proc/sys/kernel/random/uuid) --roles user\n"
		"Stop the server with Ctrl-C (it drains in-flight requests first).\n\n",
		k, buyer_id, buyer_id, k, k, product_id, k, k, k, k, srv->cfg->data_dir);
	fflush(out);
	rc = 0;
out:
	free(service);
	free(buyer);
	free(shopper);
	return rc;
}

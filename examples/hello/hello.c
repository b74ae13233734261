/*
 * The smallest libw3wallet program, built the way a user builds it:
 *   cc hello.c $(pkg-config --cflags --libs w3wallet) -o hello
 * Usage: hello [STORAGE_URL]
 */
#include <stdio.h>
#include <string.h>

#include <w3wallet.h>

int main(int argc, char **argv)
{
	w3w_options opts;
	w3w_ctx *ctx = NULL;
	w3w_actor service, user;
	w3w_account_list *accounts = NULL;
	char service_id[W3W_ID_SIZE], user_id[W3W_ID_SIZE], text[W3W_AMOUNT_STRLEN];
	w3w_amount amount;
	int rc = 1;

	if (strcmp(w3w_version(), W3W_VERSION) != 0) {
		fprintf(stderr, "header %s but library %s\n", W3W_VERSION, w3w_version());
		return 1;
	}
	w3w_options_init(&opts, W3W_OPTIONS_VERSION);
	snprintf(opts.storage_url, sizeof(opts.storage_url), "%s", argc > 1 ? argv[1] : "sqlite:hello.db");
	w3w_id_new(service_id, sizeof(service_id));
	w3w_id_new(user_id, sizeof(user_id));
	if (w3w_ctx_open(&ctx, &opts) != W3W_OK ||
	    w3w_actor_init(&service, service_id, W3W_ROLE_SERVICE) != W3W_OK ||
	    w3w_actor_init(&user, user_id, W3W_ROLE_USER) != W3W_OK ||
	    w3w_amount_parse(&amount, "1.23456789") != W3W_OK ||
	    w3w_deposit(NULL, ctx, &service, user_id, "ETH", amount, user_id, NULL) != W3W_OK ||
	    w3w_accounts(&accounts, ctx, &user, NULL) != W3W_OK) {
		fprintf(stderr, "hello: %s\n", w3w_error_message());
		goto out;
	}
	w3w_amount_format(text, sizeof(text), accounts->items[0].balance);
	printf("hello from libw3wallet %s: %s %s\n", w3w_version(), text, accounts->items[0].currency);
	rc = strcmp(text, "1.23456789") == 0 ? 0 : 1;
out:
	w3w_account_list_free(accounts);
	w3w_ctx_close(ctx);
	return rc;
}

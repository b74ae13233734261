/* The test harness of the chain end-to-end programs: checks, and anvil reached directly. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/u256.h"
#include "harness.h"
#include "w3wallet/sys/chain.h"

int failures, checks;
w3w_actor alice, bob, admin, service;
w3w__rpc node;
char token[W3W_ADDRESS_SIZE];

void check(int ok, const char *file, int line, const char *what, const char *fmt, ...)
{
	va_list ap;

	checks++;
	if (ok)
		return;
	failures++;
	fprintf(stderr, "%s:%d: FAILED %s: ", file, line, what);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " [last error: %s]\n", w3w_error_message());
}

double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* ---- the node, directly ----------------------------------------------------------- */

/* Call `method` with params given as JSON text; the result is returned (caller deletes). */
cJSON *rpc(const char *method, const char *params_json)
{
	w3w__rpc_reply r;
	cJSON *result = NULL;

	if (w3w__rpc_call(&node, method, cJSON_Parse(params_json), &r) == W3W_OK)
		result = cJSON_Duplicate(r.result, 1);
	else
		fprintf(stderr, "e2e_chain: %s failed: %s\n", method, w3w_error_message());
	w3w__rpc_reply_free(&r);
	return result;
}

void mine(int blocks)
{
	char params[32];
	snprintf(params, sizeof(params), "[\"0x%x\"]", blocks);
	cJSON_Delete(rpc("anvil_mine", params));
}

uint64_t head(void)
{
	cJSON *r = rpc("eth_blockNumber", "[]");
	uint64_t n = r && cJSON_IsString(r) ? strtoull(r->valuestring + 2, NULL, 16) : 0;
	cJSON_Delete(r);
	return n;
}

/* eth_sendTransaction from an unlocked anvil account (mined at once); returns the receipt. */
cJSON *send_tx(const char *from, const char *to, const char *value_hex, const char *data_hex)
{
	char *params = malloc(strlen(data_hex ? data_hex : "") + 512);
	cJSON *hash, *receipt;

	sprintf(params, "[{\"from\":\"%s\"%s%s%s,\"value\":\"%s\"%s%s%s,\"gas\":\"0x300000\"}]", from,
		to ? ",\"to\":\"" : "", to ? to : "", to ? "\"" : "", value_hex,
		data_hex ? ",\"data\":\"0x" : "", data_hex ? data_hex : "", data_hex ? "\"" : "");
	hash = rpc("eth_sendTransaction", params);
	free(params);
	if (!cJSON_IsString(hash)) {
		cJSON_Delete(hash);
		return NULL;
	}
	params = malloc(128);
	snprintf(params, 128, "[\"%s\"]", hash->valuestring);
	/* Automine mines at once, but the receipt may show up a moment later. */
	for (int i = 0; i < 200; i++) {
		struct timespec pause = { 0, 10 * 1000000L };
		receipt = rpc("eth_getTransactionReceipt", params);
		if (cJSON_IsObject(receipt))
			break;
		cJSON_Delete(receipt);
		receipt = NULL;
		nanosleep(&pause, NULL);
	}
	free(params);
	cJSON_Delete(hash);
	return receipt;
}

void send_eth(const char *from, const char *to, const char *wei_hex)
{
	cJSON *r = send_tx(from, to, wei_hex, NULL);
	CHECK(r && cJSON_IsObject(r), "send %s wei to %s", wei_hex, to);
	cJSON_Delete(r);
}

void token_transfer(const char *from, const char *to, uint64_t units)
{
	char data[200];
	cJSON *r;

	snprintf(data, sizeof(data), "a9059cbb000000000000000000000000%s%064llx", to + 2, (unsigned long long)units);
	r = send_tx(from, token, "0x0", data);
	CHECK(r && strcmp(cJSON_GetObjectItem(r, "status")->valuestring, "0x1") == 0, "token transfer to %s", to);
	cJSON_Delete(r);
}

/* Automine mines a broadcast at once, but not synchronously: wait for its receipt. */
void wait_mined(const char *tx_hash)
{
	char params[128];

	snprintf(params, sizeof(params), "[\"%s\"]", tx_hash);
	for (int i = 0; i < 500; i++) {
		struct timespec pause = { 0, 10 * 1000000L };
		cJSON *r = rpc("eth_getTransactionReceipt", params);
		int done = cJSON_IsObject(r);
		cJSON_Delete(r);
		if (done)
			return;
		nanosleep(&pause, NULL);
	}
	fprintf(stderr, "e2e_chain: %s not mined after 5 s\n", tx_hash);
}

void deploy_token(const char *bytecode_file)
{
	FILE *f = fopen(bytecode_file, "r");
	char *code = calloc(1, 1 << 16);
	cJSON *r, *addr;

	if (!f || !fgets(code, 1 << 16, f)) {
		fprintf(stderr, "e2e_chain: cannot read %s\n", bytecode_file);
		exit(2);
	}
	fclose(f);
	code[strcspn(code, "\r\n")] = '\0';
	r = send_tx(DEPLOYER, NULL, "0x0", code);
	free(code);
	addr = r ? cJSON_GetObjectItem(r, "contractAddress") : NULL;
	if (!cJSON_IsString(addr)) {
		fprintf(stderr, "e2e_chain: token deployment failed\n");
		exit(2);
	}
	if (w3w_address_normalize(token, sizeof(token), "evm", addr->valuestring) != W3W_OK)
		exit(2);
	cJSON_Delete(r);
}

/* Native balance (decimal text) of an address. */
void eth_balance(char out[W3W_U256_TEXT_SIZE], const char *address)
{
	char params[128];
	cJSON *r;
	w3w__u256 v;

	snprintf(params, sizeof(params), "[\"%s\", \"latest\"]", address);
	r = rpc("eth_getBalance", params);
	strcpy(out, "?");
	if (cJSON_IsString(r) && w3w__u256_parse(&v, r->valuestring, strlen(r->valuestring)) == 0)
		w3w__u256_to_decimal(out, W3W_U256_TEXT_SIZE, &v);
	cJSON_Delete(r);
}

uint64_t token_balance(const char *address)
{
	char params[256];
	cJSON *r;
	uint64_t v = 0;

	snprintf(params, sizeof(params), "[{\"to\":\"%s\",\"data\":\"0x70a08231000000000000000000000000%s\"},"
		"\"latest\"]", token, address + 2);
	r = rpc("eth_call", params);
	if (cJSON_IsString(r) && strlen(r->valuestring) == 66)
		v = strtoull(r->valuestring + 50, NULL, 16);
	cJSON_Delete(r);
	return v;
}


int wei_grew(const char *before, const char *after, uint64_t wei)
{
	w3w__u256 b, a, x;
	unsigned carry = 0;

	if (w3w__u256_parse(&b, before, strlen(before)) != 0 || w3w__u256_parse(&a, after, strlen(after)) != 0)
		return 0;
	w3w__u256_from_u64(&x, wei);
	for (int k = 31; k >= 0; k--) {
		unsigned s = (unsigned)b.be[k] + x.be[k] + carry;
		b.be[k] = (unsigned char)s;
		carry = s >> 8;
	}
	return !carry && w3w__u256_cmp(&a, &b) == 0;
}

/* ---- the library ----------------------------------------------------------------- */

w3w_amount balance_of(w3w_ctx *ctx, const char *user, const char *currency, w3w_amount *held)
{
	w3w_account_list *list = NULL;
	w3w_amount b = 0;

	if (held)
		*held = 0;
	if (w3w_accounts(&list, ctx, &admin, user) != W3W_OK)
		return -1;
	for (size_t i = 0; i < list->count; i++)
		if (strcmp(list->items[i].currency, currency) == 0) {
			b = list->items[i].balance;
			if (held)
				*held = list->items[i].held;
		}
	w3w_account_list_free(list);
	return b;
}

w3w_chain_poll_stats poll_chain(w3w_chain *chain)
{
	w3w_chain_poll_stats ps;
	w3w_status st = w3w_chain_poll(chain, &service, &ps);
	CHECK(st == W3W_OK, "poll: %s", w3w_status_name(st));
	return ps;
}

void automine(int on)
{
	cJSON_Delete(rpc("evm_setAutomine", on ? "[true]" : "[false]"));
}

/* A block at 1 gwei base fee: the next withdrawal's cap is about 3 gwei. */
void calm(void)
{
	cJSON_Delete(rpc("anvil_setNextBlockBaseFeePerGas", "[\"0x3b9aca00\"]"));
	mine(1);
}

/* The next block's base fee (100 gwei) is above a pending transaction's cap: anvil mines without it. */
void stick(void)
{
	cJSON_Delete(rpc("anvil_setNextBlockBaseFeePerGas", "[\"0x174876e800\"]"));
	mine(1);
}

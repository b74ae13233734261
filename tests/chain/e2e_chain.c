/*
 * End to end on a real Ethereum node (anvil): deposits to derived
 * addresses credited after confirmations (native and ERC-20, with dust),
 * a restart of the watcher midway, a reorganisation shallower than the
 * confirmation depth (evm_snapshot / evm_revert), withdrawals that change
 * on-chain balances, stuck withdrawals (a base fee raised above their cap)
 * replaced, cancelled or replaced by the poll and settled once, bad input, and nodes that are down, answer garbage or
 * never answer. Driven by tests/chain/run.sh.
 *
 *   e2e_chain RPC_URL TOKEN_BYTECODE_FILE STORAGE_URL [SPARE_PORT_BASE]
 *
 * Anvil's own JSON-RPC (anvil_mine, evm_snapshot, eth_sendTransaction from
 * its unlocked accounts) is reached with the library's internal client.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "chain/evm/rpc.h"
#include "crypto/u256.h"
#include "harness.h"
#include "w3wallet.h"
#include "w3wallet/sys/chain.h"


static const char *rpc_url, *storage_url;

/* ---- the library ----------------------------------------------------------------- */

static w3w_ctx *open_ctx_with(const char *key)
{
	w3w_options o;
	w3w_ctx *ctx = NULL;

	w3w_options_init(&o, W3W_OPTIONS_VERSION);
	snprintf(o.storage_url, sizeof(o.storage_url), "%s", storage_url);
	strcpy(o.master_key_hex, key);
	o.background_relay = 0;
	if (w3w_ctx_open(&ctx, &o) != W3W_OK) {
		fprintf(stderr, "e2e_chain: open %s: %s\n", storage_url, w3w_error_message());
		exit(2);
	}
	return ctx;
}

static w3w_ctx *open_ctx(void)
{
	return open_ctx_with(KEY);
}

/* The test chain's options; replace_after_blocks > 0 turns the automatic replacement on. */
static w3w_chain *open_chain_with(w3w_ctx *ctx, const char *url, int64_t start, int timeout_ms,
	int replace_after_blocks, uint64_t replace_max_fee)
{
	w3w_chain_options o;
	w3w_chain *chain = NULL;

	w3w_chain_options_init(&o, W3W_CHAIN_OPTIONS_VERSION);
	snprintf(o.url, sizeof(o.url), "%s", url);
	o.chain_id = 31337;
	o.confirmations = CONFIRMATIONS;
	o.timeout_ms = timeout_ms;
	o.start_block = start;
	snprintf(o.assets, sizeof(o.assets), "ETH=native:18,TKN=%s:6", token);
	o.replace_after_blocks = replace_after_blocks;
	o.replace_max_fee_per_gas = replace_max_fee;
	if (w3w_chain_open(&chain, ctx, &o) != W3W_OK) {
		fprintf(stderr, "e2e_chain: chain open: %s\n", w3w_error_message());
		exit(2);
	}
	return chain;
}

static w3w_chain *open_chain(w3w_ctx *ctx, const char *url, int64_t start, int timeout_ms)
{
	return open_chain_with(ctx, url, start, timeout_ms, 0, 0);
}

static void lower(char *out, const char *in)
{
	size_t i;
	for (i = 0; in[i]; i++)
		out[i] = (char)(in[i] >= 'A' && in[i] <= 'F' ? in[i] + 32 : in[i]);
	out[i] = '\0';
}

/* ---- a node that answers garbage, or nothing -------------------------------------- */

typedef struct fake_node {
	int fd;
	int silent;   /* accept and read, never answer */
	int stop;
	pthread_t thread;
} fake_node;

static void *fake_main(void *arg)
{
	fake_node *f = arg;
	static const char garbage[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 19\r\n"
		"Connection: close\r\n\r\n<html>surprise</htm";

	while (!f->stop) {
		char buf[4096];
		int c = accept(f->fd, NULL, NULL);
		if (c < 0)
			continue;
		if (read(c, buf, sizeof(buf)) > 0 && !f->silent) {
			ssize_t w = write(c, garbage, sizeof(garbage) - 1);
			(void)w;
		}
		if (f->silent) {
			struct timespec ts = { 1, 0 };
			nanosleep(&ts, NULL);
		}
		close(c);
	}
	return NULL;
}

static int fake_start(fake_node *f, int port, int silent)
{
	struct sockaddr_in a;
	int one = 1;

	memset(f, 0, sizeof(*f));
	f->silent = silent;
	f->fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(f->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(f->fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(f->fd, 8) != 0) {
		fprintf(stderr, "e2e_chain: cannot listen on 127.0.0.1:%d\n", port);
		return -1;
	}
	return pthread_create(&f->thread, NULL, fake_main, f);
}

static void fake_stop(fake_node *f, int port)
{
	char url[64];
	w3w__rpc r;
	w3w__rpc_reply reply;

	f->stop = 1;
	/* Wake the accept() with one last connection. */
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
	if (w3w__rpc_init(&r, url, 200) == W3W_OK) {
		w3w__rpc_call(&r, "x", cJSON_CreateArray(), &reply);
		w3w__rpc_reply_free(&reply);
		w3w__rpc_destroy(&r);
	}
	pthread_join(f->thread, NULL);
	close(f->fd);
}

/* ---- withdrawals from several threads ---------------------------------------------- */

#define RACERS 4
#define PER_RACER 3

typedef struct racer {
	w3w_chain *chain;
	int64_t nonces[PER_RACER];
	int ok;
} racer;

static void *race_withdraw(void *arg)
{
	racer *r = arg;
	for (int i = 0; i < PER_RACER; i++) {
		w3w_withdrawal w;
		if (w3w_wallet_withdraw(&w, r->chain, &alice, "ETH", COIN / 100, EXTERNAL, NULL) == W3W_OK) {
			r->nonces[r->ok++] = w.nonce;
		} else {
			fprintf(stderr, "e2e_chain: racing withdrawal: %s\n", w3w_error_message());
		}
	}
	return NULL;
}

/* ---- stuck withdrawals: replaced, cancelled, or the first one mined after all -------- */

static w3w_withdrawal_attempts *attempts_of(w3w_ctx *ctx, const char *id)
{
	w3w_withdrawal_attempts *list = NULL;
	if (w3w_withdrawal_attempt_list(&list, ctx, &admin, id) != W3W_OK)
		fprintf(stderr, "e2e_chain: attempts of %s: %s\n", id, w3w_error_message());
	return list;
}

static size_t attempt_count(w3w_ctx *ctx, const char *id)
{
	w3w_withdrawal_attempts *list = attempts_of(ctx, id);
	size_t n = list ? list->count : 0;
	w3w_withdrawal_attempts_free(list);
	return n;
}

static int fee_at_least(const char *fee, const char *earlier)
{
	w3w__u256 a, b;
	/* a >= ceil(1.125 b), checked as 8a >= 9b */
	if (w3w__u256_parse(&a, fee, strlen(fee)) != 0 || w3w__u256_parse(&b, earlier, strlen(earlier)) != 0 ||
	    w3w__u256_mul_add_small(&a, 8, 0) != 0 || w3w__u256_mul_add_small(&b, 9, 0) != 0)
		return 0;
	return w3w__u256_cmp(&a, &b) >= 0;
}

static w3w_chain *open_chain_replacing(w3w_ctx *ctx, int after_blocks, uint64_t ceiling)
{
	return open_chain_with(ctx, rpc_url, (int64_t)head(), 5000, after_blocks, ceiling);
}

typedef struct racing_poll {
	w3w_chain *chain;
	w3w_chain_poll_stats stats;
	w3w_status st;
} racing_poll;

static void *poll_main(void *arg)
{
	racing_poll *p = arg;
	p->st = w3w_chain_poll(p->chain, &service, &p->stats);
	return NULL;
}

/* Two processes' worth of followers (own contexts on the same storage) settle at once: only one does. */
static size_t race_settle(w3w_chain *chain)
{
	w3w_ctx *other = open_ctx();
	w3w_chain *chain2 = open_chain(other, rpc_url, (int64_t)head(), 5000);
	racing_poll p[2] = { { chain, { 0 }, W3W_OK }, { chain2, { 0 }, W3W_OK } };
	pthread_t th[2];

	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, poll_main, &p[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	CHECK(p[0].st == W3W_OK && p[1].st == W3W_OK, "racing polls: %s, %s", w3w_status_name(p[0].st),
		w3w_status_name(p[1].st));
	w3w_chain_close(chain2);
	w3w_ctx_close(other);
	return p[0].stats.withdrawals_confirmed + p[1].stats.withdrawals_confirmed;
}

static void stuck_withdrawals(w3w_ctx *ctx, w3w_chain *chain)
{
	const w3w_amount amount = 5000000; /* 0.05 ETH */
	w3w_amount start = balance_of(ctx, alice.user_id, "ETH", NULL), held = -1;
	char before[W3W_U256_TEXT_SIZE], after[W3W_U256_TEXT_SIZE], first_hash[W3W_TX_HASH_SIZE];
	w3w_withdrawal_attempts *list;
	w3w_withdrawal w, r;
	w3w_chain_poll_stats ps;
	w3w_chain *chain_low, *chain_auto;
	int64_t depth = -1;

	automine(0);

	/* a. Stuck under the base fee; replaced; the replacement mines and settles once. */
	calm();
	eth_balance(before, EXTERNAL);
	CHECK(w3w_wallet_withdraw(&w, chain, &alice, "ETH", amount, EXTERNAL, NULL) == W3W_OK &&
		w.status == W3W_WITHDRAWAL_BROADCAST, "stuck a: withdrawn");
	stick();
	CHECK(w3w_chain_confirmations(&depth, chain, w.tx_hash) == W3W_OK && depth == 0, "stuck a: not mined under"
		" the higher base fee");
	ps = poll_chain(chain);
	CHECK(ps.withdrawals_pending == 1 && ps.withdrawals_failed == 0 && ps.withdrawals_dropped == 0,
		"stuck a: stuck is pending, not failed (%zu/%zu)", ps.withdrawals_pending, ps.withdrawals_failed);
	CHECK(w3w_withdrawal_replace(&r, chain, &admin, w.id, NULL, NULL) == W3W_OK &&
		r.status == W3W_WITHDRAWAL_BROADCAST && strcmp(r.tx_hash, w.tx_hash) != 0 && r.nonce == w.nonce,
		"stuck a: replaced (%s)", w3w_error_message());
	list = attempts_of(ctx, w.id);
	CHECK(list && list->count == 2 && list->items[0].kind == W3W_ATTEMPT_ORIGINAL &&
		list->items[1].kind == W3W_ATTEMPT_REPLACEMENT && strcmp(list->items[1].tx_hash, r.tx_hash) == 0 &&
		fee_at_least(list->items[1].max_fee_per_gas, list->items[0].max_fee_per_gas) &&
		fee_at_least(list->items[1].max_priority_fee_per_gas, list->items[0].max_priority_fee_per_gas),
		"stuck a: two attempts, fees raised by at least 12.5%%");
	w3w_withdrawal_attempts_free(list);
	mine(1 + CONFIRMATIONS);
	CHECK(w3w_chain_confirmations(&depth, chain, r.tx_hash) == W3W_OK && depth == CONFIRMATIONS + 1,
		"stuck a: the replacement mined (depth %lld)", (long long)depth);
	ps = poll_chain(chain);
	CHECK(ps.withdrawals_confirmed == 1, "stuck a: confirmed: %zu", ps.withdrawals_confirmed);
	ps = poll_chain(chain);
	CHECK(ps.withdrawals_confirmed == 0, "stuck a: and only once");
	CHECK(w3w_withdrawal_get(&w, ctx, &alice, w.id) == W3W_OK && w.status == W3W_WITHDRAWAL_CONFIRMED &&
		strcmp(w.tx_hash, r.tx_hash) == 0, "stuck a: confirmed with the replacement's hash");
	list = attempts_of(ctx, w.id);
	CHECK(list && list->fee_paid[0] && strcmp(list->fee_paid, list->items[1].fee_paid) == 0 &&
		!list->items[0].fee_paid[0], "stuck a: fee paid recorded on the replacement (%s wei)",
		list ? list->fee_paid : "?");
	w3w_withdrawal_attempts_free(list);
	eth_balance(after, EXTERNAL);
	CHECK(wei_grew(before, after, 50000000000000000ULL), "stuck a: external +0.05 ETH once (%s -> %s)", before, after);
	CHECK(balance_of(ctx, alice.user_id, "ETH", &held) == start - amount && held == 0, "stuck a: alice paid once");
	CHECK(w3w_withdrawal_replace(NULL, chain, &admin, w.id, NULL, NULL) == W3W_ESTATE &&
		strstr(w3w_error_message(), "confirmed"), "stuck a: a confirmed withdrawal is not replaced");

	/* b. Stuck beyond the policy's ceiling (waits), refused input, then cancelled. */
	calm();
	chain_low = open_chain_replacing(ctx, 1, 1000); /* 1000 wei per gas: never enough */
	eth_balance(before, EXTERNAL);
	CHECK(w3w_wallet_withdraw(&w, chain_low, &alice, "ETH", amount, EXTERNAL, NULL) == W3W_OK, "stuck b: withdrawn");
	strcpy(first_hash, w.tx_hash);
	stick();
	mine(1);
	ps = poll_chain(chain_low);
	CHECK(ps.withdrawals_pending == 1 && attempt_count(ctx, w.id) == 1, "stuck b: above the ceiling, not replaced");
	CHECK(w3w_withdrawal_replace(&r, chain, &alice, w.id, NULL, NULL) == W3W_EFORBIDDEN, "stuck b: users may not");
	CHECK(w3w_withdrawal_cancel(&r, chain, &alice, w.id, NULL, NULL) == W3W_EFORBIDDEN, "stuck b: nor cancel");
	CHECK(w3w_withdrawal_replace(&r, chain, &admin, "01900000-0000-7000-8000-00000000dead", NULL, NULL) ==
		W3W_ENOTFOUND, "stuck b: unknown id");
	CHECK(w3w_withdrawal_replace(&r, chain, &admin, "not-an-id", NULL, NULL) == W3W_EINVAL, "stuck b: bad id");
	CHECK(w3w_withdrawal_replace(&r, chain, &service, w.id, "1000", NULL) == W3W_EINVAL &&
		strstr(w3w_error_message(), "below the minimum"), "stuck b: a fee below the minimum (%s)", w3w_error_message());
	CHECK(w3w_withdrawal_replace(&r, chain, &service, w.id, "12x", NULL) == W3W_EINVAL, "stuck b: not a number");
	CHECK(attempt_count(ctx, w.id) == 1, "stuck b: refusals changed nothing");
	CHECK(w3w_withdrawal_cancel(&r, chain, &service, w.id, NULL, NULL) == W3W_OK &&
		r.status == W3W_WITHDRAWAL_BROADCAST && r.nonce == w.nonce, "stuck b: cancellation sent (%s)",
		w3w_error_message());
	CHECK(w3w_withdrawal_replace(NULL, chain, &admin, w.id, NULL, NULL) == W3W_ESTATE &&
		strstr(w3w_error_message(), "cancellation was sent"), "stuck b: no replacement after a cancellation");
	list = attempts_of(ctx, w.id);
	CHECK(list && list->count == 2 && list->items[1].kind == W3W_ATTEMPT_CANCELLATION, "stuck b: recorded");
	w3w_withdrawal_attempts_free(list);
	balance_of(ctx, alice.user_id, "ETH", &held);
	CHECK(held == amount, "stuck b: still held while the cancellation is pending");
	mine(1 + CONFIRMATIONS);
	ps = poll_chain(chain);
	CHECK(ps.withdrawals_failed == 1, "stuck b: ended: %zu", ps.withdrawals_failed);
	CHECK(w3w_withdrawal_get(&w, ctx, &alice, w.id) == W3W_OK && w.status == W3W_WITHDRAWAL_FAILED &&
		strncmp(w.error, "cancelled", 9) == 0 && !w.transfer_id[0], "stuck b: failed \"%s\"", w.error);
	list = attempts_of(ctx, w.id);
	CHECK(list && list->fee_paid[0] && strcmp(list->fee_paid, "0") != 0, "stuck b: the cancellation's fee recorded"
		" (%s wei)", list ? list->fee_paid : "?");
	w3w_withdrawal_attempts_free(list);
	eth_balance(after, EXTERNAL);
	CHECK(strcmp(before, after) == 0, "stuck b: nothing reached the recipient");
	CHECK(balance_of(ctx, alice.user_id, "ETH", &held) == start - amount && held == 0,
		"stuck b: hold released, alice has her 0.05 ETH back");
	CHECK(w3w_withdrawal_cancel(NULL, chain, &admin, w.id, NULL, NULL) == W3W_ESTATE, "stuck b: a final one is refused");
	w3w_chain_close(chain_low);

	/* c. A replacement the node refused; the first transaction is mined: settled once, by two racing followers. */
	calm();
	eth_balance(before, EXTERNAL);
	CHECK(w3w_wallet_withdraw(&w, chain, &alice, "ETH", amount, EXTERNAL, NULL) == W3W_OK, "stuck c: withdrawn");
	CHECK(w3w_withdrawal_replace(&r, chain, &admin, w.id, "1000000000000000000000", NULL) == W3W_EUNAVAILABLE &&
		strstr(w3w_error_message(), "earlier transactions stand"), "stuck c: the node refused the replacement (%s)",
		w3w_error_message());
	CHECK(attempt_count(ctx, w.id) == 2, "stuck c: it is recorded all the same");
	mine(1 + CONFIRMATIONS);
	CHECK(race_settle(chain) == 1, "stuck c: two racing followers settled it once");
	CHECK(w3w_withdrawal_get(&r, ctx, &alice, w.id) == W3W_OK && r.status == W3W_WITHDRAWAL_CONFIRMED &&
		strcmp(r.tx_hash, w.tx_hash) == 0, "stuck c: confirmed with the first transaction's hash");
	ps = poll_chain(chain);
	CHECK(ps.withdrawals_confirmed == 0, "stuck c: nothing left to settle");
	eth_balance(after, EXTERNAL);
	CHECK(wei_grew(before, after, 50000000000000000ULL), "stuck c: external +0.05 ETH once");
	CHECK(balance_of(ctx, alice.user_id, "ETH", &held) == start - 2 * amount && held == 0, "stuck c: alice paid once");

	/* d. The poll replaces by itself after 2 blocks stuck, within its ceiling (1000 gwei). */
	calm();
	chain_auto = open_chain_replacing(ctx, 2, 1000000000000ULL);
	CHECK(w3w_wallet_withdraw(&w, chain_auto, &alice, "ETH", amount, EXTERNAL, NULL) == W3W_OK, "stuck d: withdrawn");
	stick();
	ps = poll_chain(chain_auto);
	CHECK(attempt_count(ctx, w.id) == 1, "stuck d: 1 block stuck: waits");
	mine(1);
	ps = poll_chain(chain_auto);
	list = attempts_of(ctx, w.id);
	CHECK(list && list->count == 2 && list->items[1].kind == W3W_ATTEMPT_REPLACEMENT, "stuck d: replaced by the poll");
	w3w_withdrawal_attempts_free(list);
	mine(1 + CONFIRMATIONS);
	ps = poll_chain(chain_auto);
	CHECK(ps.withdrawals_confirmed == 1, "stuck d: confirmed");
	CHECK(balance_of(ctx, alice.user_id, "ETH", &held) == start - 3 * amount && held == 0, "stuck d: alice paid once");
	w3w_chain_close(chain_auto);

	automine(1);
}

/* ---- the story ---------------------------------------------------------------------- */

int main(int argc, char **argv)
{
	w3w_ctx *ctx;
	w3w_chain *chain;
	w3w_wallet wa, wb, tmp;
	w3w_withdrawal w;
	w3w_chain_poll_stats ps;
	w3w_chain_deposit d;
	w3w_ledger_totals t;
	char hot[W3W_ADDRESS_SIZE], a_lower[W3W_ADDRESS_SIZE], b_lower[W3W_ADDRESS_SIZE];
	char before[W3W_U256_TEXT_SIZE], after[W3W_U256_TEXT_SIZE], ref[W3W_NAME_SIZE], url[64];
	int spare = argc > 4 ? atoi(argv[4]) : 18546;
	w3w_amount held;
	cJSON *receipt, *snap;
	double t0, ms_withdraw, ms_poll_credit;
	w3w_status st;

	if (argc < 4) {
		fprintf(stderr, "usage: %s RPC_URL TOKEN_BYTECODE_FILE STORAGE_URL [SPARE_PORT_BASE]\n", argv[0]);
		return 2;
	}
	rpc_url = argv[1];
	storage_url = argv[3];
	if (w3w__rpc_init(&node, rpc_url, 10000) != W3W_OK)
		return 2;
	w3w_actor_init(&alice, "01900000-0000-7000-8000-0000000000a1", W3W_ROLE_USER);
	w3w_actor_init(&bob, "01900000-0000-7000-8000-0000000000b0", W3W_ROLE_USER);
	w3w_actor_init(&admin, "01900000-0000-7000-8000-0000000000ad", W3W_ROLE_ADMIN);
	w3w_actor_init(&service, "01900000-0000-7000-8000-00000000005e", W3W_ROLE_SERVICE);

	deploy_token(argv[2]);
	printf("token deployed at %s\n", token);

	/* Deposit wallets (a fresh seed, generated on first use) and the hot wallet, funded. */
	ctx = open_ctx();
	CHECK(w3w_wallet_create(&wa, ctx, &alice, "evm") == W3W_OK, "alice wallet");
	CHECK(w3w_wallet_create(&wb, ctx, &bob, "evm") == W3W_OK, "bob wallet");
	CHECK(w3w_wallet_create(&tmp, ctx, &alice, "bitcoin") == W3W_EINVAL, "unknown chain");
	lower(a_lower, wa.address);
	lower(b_lower, wb.address);
	chain = open_chain(ctx, rpc_url, (int64_t)head() + 1, 5000);
	CHECK(w3w_chain_hot_address(hot, sizeof(hot), chain, &service) == W3W_OK, "hot address");
	send_eth(FUNDER, hot, "0x8ac7230489e80000"); /* 10 ETH for gas and withdrawals */
	token_transfer(DEPLOYER, hot, 100000000);     /* 100 TKN */
	printf("alice %s, bob %s, hot wallet %s\n", wa.address, wb.address, hot);

	/* 1. A native deposit with 1 wei of dust, credited at depth 3 and not before. */
	receipt = send_tx(PAYER, wa.address, "0xde0b6b3a7640001", NULL); /* 1 ETH + 1 wei */
	ps = poll_chain(chain);
	CHECK(balance_of(ctx, alice.user_id, "ETH", NULL) == 0, "not credited at depth 1");
	mine(1);
	ps = poll_chain(chain);
	CHECK(balance_of(ctx, alice.user_id, "ETH", NULL) == 0, "not credited at depth 2");
	mine(1);
	t0 = now_ms();
	ps = poll_chain(chain);
	ms_poll_credit = now_ms() - t0;
	CHECK(ps.deposits_credited == 1, "credited at depth 3: %zu", ps.deposits_credited);
	CHECK(balance_of(ctx, alice.user_id, "ETH", NULL) == COIN, "alice has 1 ETH");
	snprintf(ref, sizeof(ref), "evm:31337:%s:native",
		receipt ? cJSON_GetObjectItem(receipt, "transactionHash")->valuestring : "?");
	CHECK(w3w_chain_deposit_get(&d, ctx, &service, ref) == W3W_OK && strcmp(d.dust, "1") == 0 &&
		strcmp(d.value, "1000000000000000001") == 0 && d.amount == COIN, "dust of 1 wei recorded (%s)", d.dust);
	cJSON_Delete(receipt);

	/* 2. A token deposit. */
	token_transfer(DEPLOYER, wb.address, 2500000); /* 2.5 TKN */
	mine(CONFIRMATIONS - 1);
	ps = poll_chain(chain);
	CHECK(ps.deposits_credited == 1, "token deposit credited: %zu", ps.deposits_credited);
	CHECK(balance_of(ctx, bob.user_id, "TKN", NULL) == 250000000, "bob has 2.5 TKN");

	/* 3. Restart midway: a deposit seen at depth 2 by one process, credited once by the next. */
	receipt = send_tx(PAYER, wa.address, "0x6f05b59d3b20000", NULL); /* 0.5 ETH */
	mine(1);
	ps = poll_chain(chain);
	CHECK(balance_of(ctx, alice.user_id, "ETH", NULL) == COIN, "0.5 not credited yet");
	w3w_chain_close(chain);
	w3w_ctx_close(ctx);
	ctx = open_ctx();
	chain = open_chain(ctx, rpc_url, 0, 5000);
	mine(1);
	ps = poll_chain(chain);
	CHECK(ps.deposits_credited == 1 && ps.deposits_known == 0, "credited after the restart: %zu/%zu",
		ps.deposits_credited, ps.deposits_known);
	ps = poll_chain(chain);
	CHECK(ps.deposits_credited == 0, "and only once");
	CHECK(balance_of(ctx, alice.user_id, "ETH", NULL) == 150000000, "alice has 1.5 ETH");
	snprintf(ref, sizeof(ref), "evm:31337:%s:native",
		receipt ? cJSON_GetObjectItem(receipt, "transactionHash")->valuestring : "?");
	CHECK(w3w_chain_deposit_get(&d, ctx, &alice, ref) == W3W_OK && d.amount == 50000000, "deposit record %s", ref);
	cJSON_Delete(receipt);

	/* 4. A reorganisation shallower than the confirmation depth: the reverted deposit is never credited. */
	snap = rpc("evm_snapshot", "[]");
	send_eth(PAYER, wa.address, "0x6124fee993bc0000"); /* 7 ETH */
	mine(1);
	ps = poll_chain(chain);
	{
		char params[64];
		cJSON *ok;
		snprintf(params, sizeof(params), "[\"%s\"]", cJSON_IsString(snap) ? snap->valuestring : "0x0");
		ok = rpc("evm_revert", params);
		CHECK(cJSON_IsTrue(ok), "evm_revert");
		cJSON_Delete(ok);
	}
	cJSON_Delete(snap);
	send_eth(PAYER, wb.address, "0x3782dace9d90000"); /* 0.25 ETH to bob on the new branch */
	mine(CONFIRMATIONS + 1);
	ps = poll_chain(chain);
	CHECK(balance_of(ctx, alice.user_id, "ETH", NULL) == 150000000, "the 7 ETH of the lost branch never credited");
	CHECK(balance_of(ctx, bob.user_id, "ETH", NULL) == 25000000, "bob's 0.25 ETH of the new branch credited");

	/* 4b. The deposits recorded, as a user lists them: newest first, this chain only. */
	{
		w3w_chain_deposits *list = NULL;
		CHECK(w3w_chain_deposit_list(&list, ctx, &alice, NULL, "evm:31337", 50) == W3W_OK && list->count == 2 &&
			list->items[0].amount == 50000000 && list->items[1].amount == COIN, "alice's 2 deposits listed");
		w3w_chain_deposits_free(list);
		list = NULL;
		CHECK(w3w_chain_deposit_list(&list, ctx, &bob, NULL, NULL, 50) == W3W_OK && list->count == 2,
			"bob's token and native deposits listed");
		w3w_chain_deposits_free(list);
		list = NULL;
		CHECK(w3w_chain_deposit_list(&list, ctx, &bob, alice.user_id, NULL, 50) == W3W_EFORBIDDEN && !list,
			"another user's deposits are staff only");
	}

	/* 5. Withdrawals change balances on chain. */
	eth_balance(before, EXTERNAL);
	t0 = now_ms();
	st = w3w_wallet_withdraw(&w, chain, &alice, "ETH", 40000000, EXTERNAL, "alice-out-1");
	ms_withdraw = now_ms() - t0;
	CHECK(st == W3W_OK && w.status == W3W_WITHDRAWAL_BROADCAST, "withdraw 0.4 ETH: %s", w3w_status_name(st));
	balance_of(ctx, alice.user_id, "ETH", &held);
	CHECK(held == 40000000, "0.4 held while in flight");
	wait_mined(w.tx_hash);
	eth_balance(after, EXTERNAL);
	CHECK(wei_grew(before, after, 400000000000000000ULL), "external balance %s -> %s (+0.4 ETH)", before, after);
	{
		int64_t depth = -1;
		CHECK(w3w_chain_confirmations(&depth, chain, w.tx_hash) == W3W_OK && depth == 1, "mined: depth %lld",
			(long long)depth);
		mine(CONFIRMATIONS);
		CHECK(w3w_chain_confirmations(&depth, chain, w.tx_hash) == W3W_OK && depth == CONFIRMATIONS + 1,
			"depth %lld after %d more blocks", (long long)depth, CONFIRMATIONS);
	}
	ps = poll_chain(chain);
	CHECK(ps.withdrawals_confirmed == 1, "withdrawal confirmed: %zu", ps.withdrawals_confirmed);
	CHECK(w3w_withdrawal_get(&w, ctx, &alice, w.id) == W3W_OK && w.status == W3W_WITHDRAWAL_CONFIRMED,
		"status confirmed");
	CHECK(balance_of(ctx, alice.user_id, "ETH", &held) == 110000000 && held == 0, "alice has 1.1 ETH, none held");

	{
		uint64_t tb = token_balance(EXTERNAL);
		st = w3w_wallet_withdraw(&w, chain, &bob, "TKN", 150000000, EXTERNAL, NULL);
		CHECK(st == W3W_OK, "withdraw 1.5 TKN: %s", w3w_status_name(st));
		wait_mined(w.tx_hash);
		CHECK(token_balance(EXTERNAL) == tb + 1500000, "external TKN balance +1.5");
		mine(CONFIRMATIONS);
		ps = poll_chain(chain);
		CHECK(ps.withdrawals_confirmed == 1, "token withdrawal confirmed");
		CHECK(balance_of(ctx, bob.user_id, "TKN", &held) == 100000000 && held == 0, "bob has 1 TKN");
	}

	/* 6. Bad input: clear errors, nothing held, nothing sent. */
	{
		uint64_t nonce_before;
		char params[128];
		cJSON *n;
		snprintf(params, sizeof(params), "[\"%s\", \"pending\"]", hot);
		n = rpc("eth_getTransactionCount", params);
		nonce_before = n ? strtoull(n->valuestring + 2, NULL, 16) : 0;
		cJSON_Delete(n);
		CHECK(w3w_wallet_withdraw(&w, chain, &alice, "ETH", COIN / 10, "0xA0ee7A142d267C1f36714E4a8F75612F20a79720", NULL)
			== W3W_EINVAL && strstr(w3w_error_message(), "checksum"), "wrong checksum");
		CHECK(w3w_wallet_withdraw(&w, chain, &alice, "ETH", COIN / 10, "0xa0ee7a142d267c1f36714e4a8f75612f20a797", NULL)
			== W3W_EINVAL && strstr(w3w_error_message(), "length"), "wrong length");
		CHECK(w3w_wallet_withdraw(&w, chain, &alice, "ETH", COIN / 10, "0xa0ee7a142d267c1f36714e4a8f75612f20a7972g", NULL)
			== W3W_EINVAL && strstr(w3w_error_message(), "character"), "non-hex");
		CHECK(w3w_wallet_withdraw(&w, chain, &bob, "TKN", 1, EXTERNAL, NULL) == W3W_EINVAL &&
			strstr(w3w_error_message(), "6 decimals"), "more precision than TKN has");
		CHECK(w3w_wallet_withdraw(&w, chain, &alice, "BTC", COIN, EXTERNAL, NULL) == W3W_EINVAL &&
			strstr(w3w_error_message(), "not configured"), "unknown asset");
		CHECK(w3w_wallet_withdraw(&w, chain, &alice, "ETH", 50 * COIN, EXTERNAL, NULL) == W3W_EINSUFFICIENT,
			"more than alice has");
		CHECK(w3w_wallet_withdraw(&w, chain, &alice, "ETH", COIN / 10, "0x0000000000000000000000000000000000000000",
			NULL) == W3W_EINVAL && strstr(w3w_error_message(), "zero address"), "the zero address");
		CHECK(w3w_wallet_withdraw(&w, chain, &alice, "ETH", COIN / 10, hot, NULL) == W3W_EINVAL &&
			strstr(w3w_error_message(), "hot wallet"), "the hot wallet");
		CHECK(w3w_wallet_withdraw(&w, chain, &alice, "ETH", COIN / 10, b_lower, NULL) == W3W_EINVAL &&
			strstr(w3w_error_message(), "deposit address"), "bob's deposit address");
		CHECK(w3w_wallet_withdraw(&w, chain, &alice, "ETH", COIN / 10, "0XA0ee7A142d267C1f36714E4a8F75612F20a79720",
			NULL) == W3W_EINVAL && strstr(w3w_error_message(), "lowercase 0x"), "0X prefix");
		snprintf(params, sizeof(params), "[\"%s\", \"pending\"]", hot);
		n = rpc("eth_getTransactionCount", params);
		CHECK(n && strtoull(n->valuestring + 2, NULL, 16) == nonce_before, "nothing sent");
		cJSON_Delete(n);
		balance_of(ctx, alice.user_id, "ETH", &held);
		CHECK(held == 0, "nothing held");
	}

	/* 7. Nodes that are down, answer garbage, or never answer. */
	{
		fake_node garbage, silent;
		const char *kinds[3] = { "down", "garbage", "silent" };
		int ports[3] = { spare, spare + 1, spare + 2 };
		int started = fake_start(&garbage, ports[1], 0) == 0 && fake_start(&silent, ports[2], 1) == 0;
		CHECK(started, "fake nodes");
		for (int k = 0; k < 3 && started; k++) {
			w3w_chain *bad;
			double t1;
			snprintf(url, sizeof(url), "http://127.0.0.1:%d", ports[k]);
			bad = open_chain(ctx, url, 0, 500);
			t1 = now_ms();
			st = w3w_wallet_withdraw(&w, bad, &alice, "ETH", COIN / 10, EXTERNAL, NULL);
			CHECK(st == W3W_EUNAVAILABLE, "%s node: withdraw %s (%s)", kinds[k], w3w_status_name(st),
				w3w_error_message());
			printf("%s node: withdraw refused in %.0f ms: %s\n", kinds[k], now_ms() - t1, w3w_error_message());
			CHECK(strstr(w3w_error_message(), "evm node") != NULL, "message names the node");
			CHECK(strstr(w3w_error_message(), url) == NULL, "message does not print the URL");
			st = w3w_chain_poll(bad, &service, &ps);
			CHECK(st == W3W_EUNAVAILABLE, "%s node: poll %s", kinds[k], w3w_status_name(st));
			w3w_chain_close(bad);
		}
		if (started) {
			fake_stop(&garbage, ports[1]);
			fake_stop(&silent, ports[2]);
		}
		balance_of(ctx, alice.user_id, "ETH", &held);
		CHECK(held == 0 && balance_of(ctx, alice.user_id, "ETH", NULL) == 110000000, "no funds moved");
	}

	/* 8. Withdrawals from several threads at once: distinct nonces, all mined, all settled. */
	{
		pthread_t th[RACERS];
		racer rs[RACERS];
		int64_t seen[RACERS * PER_RACER];
		int total = 0, distinct = 1;
		eth_balance(before, EXTERNAL);
		for (int i = 0; i < RACERS; i++) {
			memset(&rs[i], 0, sizeof(rs[i]));
			rs[i].chain = chain;
			pthread_create(&th[i], NULL, race_withdraw, &rs[i]);
		}
		for (int i = 0; i < RACERS; i++) {
			pthread_join(th[i], NULL);
			for (int k = 0; k < rs[i].ok; k++)
				seen[total++] = rs[i].nonces[k];
		}
		/* Every racing transaction mined before the confirmations are mined on top. */
		{
			char params[128];
			for (int i = 0; i < 500; i++) {
				struct timespec pause = { 0, 10 * 1000000L };
				cJSON *n;
				snprintf(params, sizeof(params), "[\"%s\", \"latest\"]", hot);
				n = rpc("eth_getTransactionCount", params);
				int64_t mined = n && cJSON_IsString(n) ? (int64_t)strtoull(n->valuestring + 2, NULL, 16) : 0;
				int64_t highest = 0;
				cJSON_Delete(n);
				for (int k = 0; k < total; k++)
					highest = seen[k] > highest ? seen[k] : highest;
				if (mined > highest)
					break;
				nanosleep(&pause, NULL);
			}
		}
		CHECK(total == RACERS * PER_RACER, "%d of %d racing withdrawals went out", total, RACERS * PER_RACER);
		for (int i = 0; i < total; i++)
			for (int k = 0; k < i; k++)
				distinct &= seen[i] != seen[k];
		CHECK(distinct, "racing withdrawals got distinct nonces");
		mine(CONFIRMATIONS);
		ps = poll_chain(chain);
		CHECK(ps.withdrawals_confirmed == (size_t)total, "racing withdrawals confirmed: %zu", ps.withdrawals_confirmed);
		eth_balance(after, EXTERNAL);
		{
			w3w__u256 b, a;
			char want[W3W_U256_TEXT_SIZE];
			w3w__u256_parse(&b, before, strlen(before));
			/* + total x 0.01 ETH (10^16 wei each); before is far below 2^64 wei x 1000 here */
			w3w__u256_parse(&a, after, strlen(after));
			{
				unsigned __int128 x = 0, y = 0;
				for (int k = 16; k < 32; k++) {
					x = x << 8 | b.be[k];
					y = y << 8 | a.be[k];
				}
				snprintf(want, sizeof(want), "%s", y - x == (unsigned __int128)total * 10000000000000000ULL ? "ok" : "bad");
			}
			CHECK(strcmp(want, "ok") == 0, "external balance grew by %d x 0.01 ETH (%s -> %s)", total, before, after);
		}
		CHECK(balance_of(ctx, alice.user_id, "ETH", &held) == 110000000 - total * (COIN / 100) && held == 0,
			"alice paid exactly the racing withdrawals");
	}

	/* 8b. Stuck withdrawals: replaced, cancelled, the first one mined after a replacement, replaced by the poll. */
	stuck_withdrawals(ctx, chain);

	/* 9. Rotating the master key on this storage: both keys work, then only the new one. */
	{
		w3w_ctx *ctx2 = open_ctx_with(KEY2);
		w3w_chain *chain2;
		char hot2[W3W_ADDRESS_SIZE];
		int64_t deleted = 0;
		CHECK(w3w_master_seed_import(ctx, &admin, "test test test test test test test test test test test junk", NULL)
			== W3W_ECONFLICT, "a seed is never replaced");
		CHECK(w3w_master_key_rotate(ctx, &admin, KEY2) == W3W_OK, "rotate");
		chain2 = open_chain(ctx2, rpc_url, 0, 5000);
		CHECK(w3w_chain_hot_address(hot2, sizeof(hot2), chain2, &service) == W3W_OK && strcmp(hot2, hot) == 0,
			"the new key opens the same seed");
		CHECK(w3w_master_key_retire(ctx2, &admin, &deleted) == W3W_OK && deleted == 2, "retire: %lld",
			(long long)deleted);
		st = w3w_wallet_withdraw(&w, chain, &alice, "ETH", COIN / 100, EXTERNAL, NULL);
		CHECK(st == W3W_ECRYPTO, "the retired key opens nothing: %s", w3w_status_name(st));
		balance_of(ctx, alice.user_id, "ETH", &held);
		CHECK(held == 0, "and holds nothing");
		st = w3w_wallet_withdraw(&w, chain2, &alice, "ETH", COIN / 100, EXTERNAL, NULL);
		CHECK(st == W3W_OK, "the new key signs: %s", w3w_status_name(st));
		wait_mined(w.tx_hash);
		mine(CONFIRMATIONS);
		ps = poll_chain(chain2);
		CHECK(ps.withdrawals_confirmed == 1, "confirmed under the new key");
		w3w_chain_close(chain2);
		w3w_ctx_close(ctx2);
	}

	/* 10. The books balance. */
	CHECK(w3w_ledger_totals_get(&t, ctx, &admin, "ETH") == W3W_OK, "totals");
	CHECK(t.balances == t.deposits - t.withdrawals && t.entries_sum_zero, "ETH: balances %lld = deposits %lld -"
		" withdrawals %lld", (long long)t.balances, (long long)t.deposits, (long long)t.withdrawals);
	CHECK(w3w_ledger_totals_get(&t, ctx, &admin, "TKN") == W3W_OK && t.balances == t.deposits - t.withdrawals,
		"TKN balances");

	printf("measured: withdraw (preflight, hold, sign, broadcast) %.1f ms; poll that credited a deposit %.1f ms\n",
		ms_withdraw, ms_poll_credit);
	w3w_chain_close(chain);
	w3w_ctx_close(ctx);
	w3w__rpc_destroy(&node);
	printf("e2e_chain (%s): %d checks, %d failed\n", strncmp(storage_url, "sqlite", 6) == 0 ? "sqlite" : "postgres",
		checks, failures);
	return failures ? 1 : 0;
}

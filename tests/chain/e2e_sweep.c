/*
 * End to end on anvil: sweeps of deposit addresses to the hot wallet.
 * A token sweep whose process is SIGKILLed between its gas top-up and its
 * broadcast, resumed by a fresh process (exactly one top-up on chain, the
 * tokens arrive); a native sweep; fees recorded equal to what the chain
 * charged (balance arithmetic); the ledger unchanged; a second round doing
 * nothing; two rounds at once doubling nothing; a sweep through
 * w3wallet-signer in its own process, and its policy refusing custody
 * transactions that pay anyone but the hot wallet. Driven by tests/chain/run.sh.
 *
 *   e2e_sweep RPC_URL TOKEN_BYTECODE_FILE STORAGE_URL SIGNER_BIN WORK_DIR
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crypto/u256.h"
#include "harness.h"
#include "w3wallet.h"
#include "w3wallet/sys/chain.h"
#include "w3wallet/sys/signer.h"

#define SHARED "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"
#define TOPUP_MAX "5000000000000000" /* 0.005 ETH */

static const char *rpc_url, *storage_url, *signer_bin, *work;
static char sock_path[100], log_path[256];
static pid_t signer_pid = -1;
static w3w_actor carol, dave;
static int sweep_interval_ms; /* of the chains opened from now on */

/* ---- the library ------------------------------------------------------------------- */

static w3w_ctx *open_ctx_signed(const char *master_hex, int with_signer)
{
	w3w_options o;
	w3w_ctx *ctx = NULL;

	w3w_options_init(&o, W3W_OPTIONS_VERSION);
	snprintf(o.storage_url, sizeof(o.storage_url), "%s", storage_url);
	snprintf(o.master_key_hex, sizeof(o.master_key_hex), "%s", master_hex);
	if (with_signer) {
		snprintf(o.signer_url, sizeof(o.signer_url), "unix:%s", sock_path);
		strcpy(o.signer_key_hex, SHARED);
	}
	o.background_relay = 0;
	if (w3w_ctx_open(&ctx, &o) != W3W_OK) {
		fprintf(stderr, "e2e_sweep: open %s: %s\n", storage_url, w3w_error_message());
		exit(2);
	}
	return ctx;
}

static w3w_ctx *open_ctx(void)
{
	return open_ctx_signed(KEY, 0);
}

static w3w_chain *open_chain_with(w3w_ctx *ctx, const char *adapter, const char *thresholds)
{
	w3w_chain_options o;
	w3w_chain *chain = NULL;

	w3w_chain_options_init(&o, W3W_CHAIN_OPTIONS_VERSION);
	snprintf(o.adapter, sizeof(o.adapter), "%s", adapter);
	snprintf(o.url, sizeof(o.url), "%s", rpc_url);
	o.chain_id = 31337;
	o.confirmations = CONFIRMATIONS;
	o.start_block = -1;
	snprintf(o.assets, sizeof(o.assets), "ETH=native:18,TKN=%s:6", token);
	snprintf(o.sweep_thresholds, sizeof(o.sweep_thresholds), "%s", thresholds);
	strcpy(o.sweep_topup_max_wei, TOPUP_MAX);
	o.sweep_interval_ms = sweep_interval_ms;
	if (w3w_chain_open(&chain, ctx, &o) != W3W_OK) {
		fprintf(stderr, "e2e_sweep: chain open: %s\n", w3w_error_message());
		exit(2);
	}
	return chain;
}

static w3w_chain *open_chain(w3w_ctx *ctx)
{
	return open_chain_with(ctx, "evm", "ETH=0.5,TKN=1");
}

static w3w_sweep_stats sweep_round(w3w_chain *chain)
{
	w3w_sweep_stats s;
	w3w_status st = w3w_chain_sweep(chain, &service, &s);

	CHECK(st == W3W_OK, "sweep round: %s", w3w_status_name(st));
	return s;
}

/* The newest sweep of `address` (the list is newest first); 0 when none. */
static int sweep_of(w3w_ctx *ctx, const char *address, w3w_sweep *out, int *count)
{
	w3w_sweeps *list = NULL;
	int found = 0;

	*count = 0;
	if (w3w_sweep_list(&list, ctx, &service, "evm:31337", 500) != W3W_OK)
		return 0;
	for (size_t i = 0; i < list->count; i++)
		if (strcmp(list->items[i].address, address) == 0) {
			if (!found)
				*out = list->items[i];
			found = 1;
			(*count)++;
		}
	w3w_sweeps_free(list);
	return found;
}

static uint64_t nonce_of(const char *address)
{
	char params[128];
	cJSON *r;
	uint64_t n = 0;

	snprintf(params, sizeof(params), "[\"%s\", \"latest\"]", address);
	r = rpc("eth_getTransactionCount", params);
	if (cJSON_IsString(r))
		n = strtoull(r->valuestring + 2, NULL, 16);
	cJSON_Delete(r);
	return n;
}

static void u256_of(w3w__u256 *v, const char *text)
{
	if (w3w__u256_parse(v, text, strlen(text)) != 0)
		memset(v, 0xff, sizeof(*v));
}

/* a == b + c - d (all decimal wei texts). */
static int wei_is(const char *a, const char *b, const char *plus, const char *minus1, const char *minus2)
{
	w3w__u256 va, vb, p, m1, m2;

	u256_of(&va, a);
	u256_of(&vb, b);
	u256_of(&p, plus);
	u256_of(&m1, minus1);
	u256_of(&m2, minus2);
	return w3w__u256_add(&vb, &vb, &p) == 0 && w3w__u256_sub(&vb, &vb, &m1) == 0 && w3w__u256_sub(&vb, &vb, &m2) == 0 &&
		w3w__u256_cmp(&va, &vb) == 0;
}

/* Deposit, confirmed and credited by the watcher. */
static void credited(w3w_chain *chain)
{
	mine(CONFIRMATIONS);
	poll_chain(chain);
}

/* ---- a process killed between the top-up and the sweep's broadcast ----------------------------- */

static w3w_status (*real_send)(w3w_chain_adapter *a, const unsigned char *raw, size_t len, w3w_chain_send_result *out);
static unsigned char token_bytes[20];

/* The token transfer (its bytes name the token contract) never leaves: the process dies first. */
static w3w_status killing_send(w3w_chain_adapter *a, const unsigned char *raw, size_t len, w3w_chain_send_result *out)
{
	if (memmem(raw, len, token_bytes, sizeof(token_bytes)))
		raise(SIGKILL);
	return real_send(a, raw, len, out);
}

static w3w_status killing_open(w3w_chain_adapter **out, const char *url, const w3w_chain_adapter_config *cfg)
{
	w3w_status st = w3w_chain_adapter_evm_open(out, url, cfg);

	if (st == W3W_OK) {
		real_send = (*out)->send_raw;
		(*out)->send_raw = killing_send;
	}
	return st;
}

/* In a child: sweep rounds until the token sweep's broadcast kills it. */
static void sweep_until_killed(void)
{
	w3w_ctx *ctx;
	w3w_chain *chain;

	for (int i = 0; i < 20; i++)
		sscanf(token + 2 + 2 * i, "%2hhx", &token_bytes[i]);
	w3w_chain_adapter_register("evmkill", killing_open);
	ctx = open_ctx();
	chain = open_chain_with(ctx, "evmkill", "ETH=0.5,TKN=1");
	for (int round = 0; round < 40; round++) {
		struct timespec pause = { 0, 100 * 1000000L };
		w3w_chain_sweep(chain, &service, NULL);
		nanosleep(&pause, NULL);
	}
	_exit(3); /* never killed: the test fails */
}

static void restart_between_topup_and_sweep(const w3w_wallet *wb, const char *hot)
{
	char hot_eth0[W3W_U256_TEXT_SIZE], hot_eth1[W3W_U256_TEXT_SIZE], dep_eth[W3W_U256_TEXT_SIZE];
	uint64_t hot_nonce0 = nonce_of(hot), hot_tkn0 = token_balance(hot);
	w3w_sweep_stats s;
	w3w_sweep sw = { .status = 0 };
	w3w_ctx *ctx;
	w3w_chain *chain;
	int status = 0, n = 0;
	pid_t child;

	eth_balance(hot_eth0, hot);
	fflush(NULL);
	child = fork();
	if (child == 0)
		sweep_until_killed();
	waitpid(child, &status, 0);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "the sweeping process died at the sweep's broadcast"
		" (status %d)", status);

	ctx = open_ctx();
	CHECK(sweep_of(ctx, wb->address, &sw, &n) && n == 1 && sw.status == W3W_SWEEP_SIGNED && sw.topup_tx_hash[0] &&
		sw.tx_hash[0], "one sweep, stored as signed before the broadcast that never happened (%d, %s)", n,
		w3w_sweep_status_name(sw.status));
	CHECK(nonce_of(hot) == hot_nonce0 + 1, "one top-up mined from the hot wallet");

	/* A fresh process resumes: the stored bytes are broadcast, nothing is signed again. */
	chain = open_chain(ctx);
	s = sweep_round(chain);
	CHECK(s.topups == 0 && s.planned == 0 && s.pending == 1, "resumed: re-broadcast (topups %zu, planned %zu,"
		" pending %zu)", s.topups, s.planned, s.pending);
	wait_mined(sw.tx_hash);
	mine(CONFIRMATIONS);
	s = sweep_round(chain);
	CHECK(s.confirmed == 1, "the sweep confirmed: %zu", s.confirmed);
	CHECK(sweep_of(ctx, wb->address, &sw, &n) && n == 1 && sw.status == W3W_SWEEP_CONFIRMED &&
		strcmp(sw.amount, "5000000") == 0, "confirmed, 5 TKN (%s, %s)", w3w_sweep_status_name(sw.status), sw.amount);

	/* On chain: exactly one top-up (the hot wallet's nonce and balance), the tokens at the hot wallet. */
	CHECK(nonce_of(hot) == hot_nonce0 + 1, "still exactly one transaction from the hot wallet");
	CHECK(token_balance(hot) == hot_tkn0 + 5000000 && token_balance(wb->address) == 0, "5 TKN moved to the hot wallet");
	eth_balance(hot_eth1, hot);
	CHECK(wei_is(hot_eth1, hot_eth0, "0", sw.topup_value, sw.topup_fee),
		"hot wallet paid the top-up and its fee exactly: %s = %s - %s - %s", hot_eth1, hot_eth0, sw.topup_value,
		sw.topup_fee);
	eth_balance(dep_eth, wb->address);
	CHECK(wei_is(dep_eth, sw.topup_value, "0", sw.sweep_fee, "0"), "the deposit address paid the sweep's fee: %s = %s - %s",
		dep_eth, sw.topup_value, sw.sweep_fee);
	CHECK(strcmp(sw.topup_fee, "0") != 0 && strcmp(sw.sweep_fee, "0") != 0 && strcmp(sw.fee_currency, "ETH") == 0,
		"both fees recorded in ETH");

	/* A second round does nothing. */
	s = sweep_round(chain);
	CHECK(s.planned == 0 && s.topups == 0 && s.sent == 0 && s.confirmed == 0 && s.addresses >= 2,
		"second round: nothing to do (planned %zu, sent %zu, examined %zu)", s.planned, s.sent, s.addresses);
	CHECK(nonce_of(hot) == hot_nonce0 + 1, "and sends nothing");
	w3w_chain_close(chain);
	w3w_ctx_close(ctx);
}

/* ---- a native sweep ----------------------------------------------------------------------------- */

static void native_sweep(w3w_ctx *ctx, w3w_chain *chain, const w3w_wallet *wa, const char *hot)
{
	char hot0[W3W_U256_TEXT_SIZE], hot1[W3W_U256_TEXT_SIZE], dep0[W3W_U256_TEXT_SIZE], dep1[W3W_U256_TEXT_SIZE];
	uint64_t hot_nonce = nonce_of(hot);
	w3w_sweep_stats s;
	w3w_sweep sw = { .status = 0 };
	int n = 0;

	eth_balance(hot0, hot);
	eth_balance(dep0, wa->address);
	s = sweep_round(chain);
	CHECK(s.planned == 1 && s.sent == 1 && s.topups == 0, "native sweep planned and sent, no top-up (%zu %zu %zu)",
		s.planned, s.sent, s.topups);
	CHECK(sweep_of(ctx, wa->address, &sw, &n) && sw.status == W3W_SWEEP_SIGNED && sw.topup_nonce == -1,
		"signed, without top-up");
	wait_mined(sw.tx_hash);
	mine(CONFIRMATIONS);
	s = sweep_round(chain);
	CHECK(s.confirmed == 1, "native sweep confirmed");
	sweep_of(ctx, wa->address, &sw, &n);
	eth_balance(hot1, hot);
	eth_balance(dep1, wa->address);
	CHECK(wei_is(hot1, hot0, sw.amount, "0", "0"), "hot wallet got the swept amount: %s = %s + %s", hot1, hot0,
		sw.amount);
	CHECK(wei_is(dep1, dep0, "0", sw.amount, sw.sweep_fee), "deposit address paid amount and fee: %s = %s - %s - %s",
		dep1, dep0, sw.amount, sw.sweep_fee);
	CHECK(nonce_of(hot) == hot_nonce && nonce_of(wa->address) == 1, "the hot wallet sent nothing; the address once");
}

/* ---- two rounds at once ---------------------------------------------------------------------------- */

static void *concurrent_round(void *arg)
{
	w3w_chain *chain = arg;
	w3w_sweep_stats s;

	for (int i = 0; i < 3; i++)
		w3w_chain_sweep(chain, &service, &s);
	return NULL;
}

static void rounds_at_once(const w3w_wallet *wc, const char *hot)
{
	w3w_ctx *c1 = open_ctx(), *c2 = open_ctx();
	w3w_chain *a = open_chain(c1), *b = open_chain(c2);
	uint64_t hot_nonce = nonce_of(hot);
	pthread_t t1, t2;
	w3w_sweep sw = { .status = 0 };
	int n = 0;

	pthread_create(&t1, NULL, concurrent_round, a);
	pthread_create(&t2, NULL, concurrent_round, b);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	for (int i = 0; i < 10 && (!sweep_of(c1, wc->address, &sw, &n) || sw.status != W3W_SWEEP_CONFIRMED); i++) {
		mine(1);
		w3w_chain_sweep(a, &service, NULL);
	}
	CHECK(sweep_of(c1, wc->address, &sw, &n) && n == 1 && sw.status == W3W_SWEEP_CONFIRMED,
		"two processes' rounds: one sweep, confirmed (%d, %s: %s)", n, w3w_sweep_status_name(sw.status), sw.error);
	CHECK(nonce_of(hot) == hot_nonce + 1, "one top-up: hot nonce %llu -> %llu", (unsigned long long)hot_nonce,
		(unsigned long long)nonce_of(hot));
	CHECK(token_balance(wc->address) == 0, "carol's tokens swept");
	w3w_chain_close(a);
	w3w_chain_close(b);
	w3w_ctx_close(c1);
	w3w_ctx_close(c2);
}

/* ---- through w3wallet-signer ------------------------------------------------------------------------ */

/* w3wallet-signer in its own process; without `topups` it signs no gas top-up. */
static void signer_start(int topups)
{
	char max_token[128];
	struct stat st;

	snprintf(max_token, sizeof(max_token), "%s=1000000", token);
	signer_pid = fork();
	if (signer_pid == 0) {
		char *env[] = { "W3W_MASTER_KEY=" KEY, "W3W_SIGNER_KEY=" SHARED, NULL };
		char *argv[] = { (char *)signer_bin, "--socket", sock_path, "--storage", (char *)storage_url, "--chain-id",
			"31337", "--max", "native=1000", "--max", max_token, "--max-topup", TOPUP_MAX, NULL };
		int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
		dup2(fd, 2);
		if (!topups)
			argv[11] = NULL;
		execve(signer_bin, argv, env);
		_exit(127);
	}
	for (int i = 0; i < 500 && stat(sock_path, &st) != 0; i++) {
		struct timespec pause = { 0, 10 * 1000000L };
		nanosleep(&pause, NULL);
	}
	CHECK(stat(sock_path, &st) == 0, "signer listening on %s", sock_path);
}

static void signer_stop(void)
{
	int status = 0;

	if (signer_pid <= 0)
		return;
	kill(signer_pid, SIGTERM);
	waitpid(signer_pid, &status, 0);
	signer_pid = -1;
}

/* The signer refuses custody transactions that pay anyone but the hot wallet, or top up too much. */
static void signer_refusals(int64_t index, const char *deposit_address, const char *hot)
{
	w3w_signer_config cfg = { W3W_SIGNER_CONFIG_VERSION, 5000, SHARED };
	unsigned char *raw = NULL, hash[32], data[68] = { 0xa9, 0x05, 0x9c, 0xbb };
	size_t raw_len = 0;
	w3w_signer *s = NULL;
	w3w_signer_tx tx;
	w3w__u256 v;
	char url[128];
	w3w_status st;

	snprintf(url, sizeof(url), "unix:%s", sock_path);
	CHECK(w3w_signer_unix_open(&s, url, &cfg) == W3W_OK && s->version >= 2 && s->sign_custody_tx, "signer v2");
	if (!s)
		return;
	memset(&tx, 0, sizeof(tx));
	tx.type = 2;
	tx.chain_id = 31337;
	tx.gas_limit = 21000;
	w3w__u256_from_u64(&v, 2000000000);
	memcpy(tx.max_fee_per_gas.be, v.be, 32);
	w3w__u256_from_u64(&v, 1000000000000000ULL);
	memcpy(tx.value.be, v.be, 32);
	for (int i = 0; i < 20; i++)
		sscanf(EXTERNAL + 2 + 2 * i, "%2hhx", &tx.to[i]);
	st = s->sign_custody_tx(s, W3W_SIGNER_SWEEP, index, &tx, &raw, &raw_len, hash);
	CHECK(st == W3W_EFORBIDDEN && strstr(w3w_error_message(), "hot wallet"), "native sweep elsewhere refused: %s",
		w3w_error_message());
	/* A token transfer of the deposit address to someone else. */
	for (int i = 0; i < 20; i++) {
		sscanf(token + 2 + 2 * i, "%2hhx", &tx.to[i]);
		sscanf(EXTERNAL + 2 + 2 * i, "%2hhx", &data[16 + i]);
	}
	data[67] = 1;
	memset(tx.value.be, 0, 32);
	tx.data = data;
	tx.data_len = sizeof(data);
	tx.gas_limit = 60000;
	st = s->sign_custody_tx(s, W3W_SIGNER_SWEEP, index, &tx, &raw, &raw_len, hash);
	CHECK(st == W3W_EFORBIDDEN && strstr(w3w_error_message(), "recipient"), "token sweep elsewhere refused: %s",
		w3w_error_message());
	/* The same to the hot wallet is signed. */
	for (int i = 0; i < 20; i++)
		sscanf(hot + 2 + 2 * i, "%2hhx", &data[16 + i]);
	st = s->sign_custody_tx(s, W3W_SIGNER_SWEEP, index, &tx, &raw, &raw_len, hash);
	CHECK(st == W3W_OK && raw_len > 0, "token sweep to the hot wallet signed");
	free(raw);
	raw = NULL;
	/* A top-up above the maximum, and one to an address that is not the deposit address of the index. */
	tx.data = NULL;
	tx.data_len = 0;
	tx.gas_limit = 21000;
	for (int i = 0; i < 20; i++)
		sscanf(deposit_address + 2 + 2 * i, "%2hhx", &tx.to[i]);
	w3w__u256_from_u64(&v, 6000000000000000ULL);
	memcpy(tx.value.be, v.be, 32);
	st = s->sign_custody_tx(s, W3W_SIGNER_TOPUP, index, &tx, &raw, &raw_len, hash);
	CHECK(st == W3W_EFORBIDDEN && strstr(w3w_error_message(), "maximum"), "top-up above the maximum refused: %s",
		w3w_error_message());
	w3w__u256_from_u64(&v, 1000000000000000ULL);
	memcpy(tx.value.be, v.be, 32);
	st = s->sign_custody_tx(s, W3W_SIGNER_TOPUP, index + 1, &tx, &raw, &raw_len, hash);
	CHECK(st == W3W_EFORBIDDEN && strstr(w3w_error_message(), "deposit address"), "top-up of another index refused: %s",
		w3w_error_message());
	s->free(s);
}

static void through_the_signer(const w3w_wallet *wd, const char *hot)
{
	w3w_ctx *ctx;
	w3w_chain *chain;
	w3w_sweep sw = { .status = 0 };
	int n = 0;
	uint64_t hot_tkn = token_balance(hot), hot_nonce = nonce_of(hot);

	/* A signer that signs no top-up: the sweep fails, its nonce goes back, and the watch thread leaves the address alone. */
	signer_start(0);
	ctx = open_ctx_signed("", 1); /* no master key: only the signer can sign */
	chain = open_chain(ctx);
	{
		w3w_chain_sweep_state state = { .rounds = 0 };
		w3w_sweep_stats s = sweep_round(chain);
		w3w_chain *watched;
		struct timespec pause = { 0, 600 * 1000000L };

		CHECK(s.planned == 1 && s.failed == 1 && s.topups == 0, "top-up refused: planned %zu, failed %zu", s.planned,
			s.failed);
		CHECK(sweep_of(ctx, wd->address, &sw, &n) && n == 1 && sw.status == W3W_SWEEP_FAILED &&
			strstr(sw.error, "--max-topup"), "failed, saying why: %s", sw.error);
		sweep_interval_ms = 100; /* the watch thread's rounds leave dave alone for 10 intervals */
		watched = open_chain(ctx);
		sweep_interval_ms = 0;
		CHECK(w3w_chain_watch_start(watched, &service, 50) == W3W_OK, "watch thread");
		nanosleep(&pause, NULL);
		w3w_chain_watch_stop(watched);
		CHECK(w3w_chain_sweep_state_get(&state, watched) == W3W_OK && state.enabled && state.rounds >= 2 &&
			state.last.skipped >= 1 && state.status == W3W_OK, "watch rounds: %llu, skipped %zu",
			(unsigned long long)state.rounds, state.last.skipped);
		CHECK(sweep_of(ctx, wd->address, &sw, &n) && n == 1, "no second failed sweep of dave: %d", n);
		CHECK(nonce_of(hot) == hot_nonce, "no top-up sent");
		w3w_chain_close(watched);
	}
	signer_stop();
	signer_start(1);
	for (int i = 0; i < 10 && (!sweep_of(ctx, wd->address, &sw, &n) || sw.status != W3W_SWEEP_CONFIRMED); i++) {
		w3w_chain_sweep(chain, &service, NULL);
		mine(1);
	}
	CHECK(sweep_of(ctx, wd->address, &sw, &n) && sw.status == W3W_SWEEP_CONFIRMED && n == 2,
		"dave's tokens swept through the signer (%s: %s)", w3w_sweep_status_name(sw.status), sw.error);
	CHECK(token_balance(hot) == hot_tkn + 3000000 && nonce_of(hot) == hot_nonce + 1, "3 TKN at the hot wallet, one top-up");
	signer_refusals(wd->index, wd->address, hot);
	w3w_chain_close(chain);
	w3w_ctx_close(ctx);
	signer_stop();
}

/* ---- the story ------------------------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
	w3w_ctx *ctx;
	w3w_chain *chain;
	w3w_wallet wa, wb, wc, wd;
	w3w_ledger_totals t0, t1;
	w3w_sweep_fee_totals *fees = NULL;
	w3w_sweep_stats s;
	char hot[W3W_ADDRESS_SIZE];
	w3w_status st;

	if (argc < 6) {
		fprintf(stderr, "usage: %s RPC_URL TOKEN_BYTECODE_FILE STORAGE_URL SIGNER_BIN WORK_DIR\n", argv[0]);
		return 2;
	}
	rpc_url = argv[1];
	storage_url = argv[3];
	signer_bin = argv[4];
	work = argv[5];
	snprintf(sock_path, sizeof(sock_path), "%s/sweep-signer.sock", work);
	snprintf(log_path, sizeof(log_path), "%s/signer-sweep.log", work);
	if (w3w__rpc_init(&node, rpc_url, 10000) != W3W_OK)
		return 2;
	w3w_actor_init(&alice, "01900000-0000-7000-8000-0000000005a1", W3W_ROLE_USER);
	w3w_actor_init(&bob, "01900000-0000-7000-8000-0000000005b0", W3W_ROLE_USER);
	w3w_actor_init(&carol, "01900000-0000-7000-8000-0000000005c0", W3W_ROLE_USER);
	w3w_actor_init(&dave, "01900000-0000-7000-8000-0000000005d0", W3W_ROLE_USER);
	w3w_actor_init(&admin, "01900000-0000-7000-8000-0000000005ad", W3W_ROLE_ADMIN);
	w3w_actor_init(&service, "01900000-0000-7000-8000-00000000055e", W3W_ROLE_SERVICE);
	deploy_token(argv[2]);

	ctx = open_ctx();
	CHECK(w3w_wallet_create(&wa, ctx, &alice, "evm") == W3W_OK && w3w_wallet_create(&wb, ctx, &bob, "evm") == W3W_OK &&
		w3w_wallet_create(&wc, ctx, &carol, "evm") == W3W_OK && w3w_wallet_create(&wd, ctx, &dave, "evm") == W3W_OK,
		"deposit wallets");
	chain = open_chain(ctx);
	CHECK(w3w_chain_hot_address(hot, sizeof(hot), chain, &service) == W3W_OK, "hot address");
	send_eth(FUNDER, hot, "0x8ac7230489e80000"); /* 10 ETH of gas */
	poll_chain(chain); /* the watcher's cursor starts here */

	/* Bad input: a user cannot sweep; a chain without a policy has none. */
	{
		w3w_chain *plain = open_chain_with(ctx, "evm", "");
		CHECK(w3w_chain_sweep(chain, &alice, &s) == W3W_EFORBIDDEN, "a user cannot sweep");
		st = w3w_chain_sweep(plain, &service, &s);
		CHECK(st == W3W_EINVAL && strstr(w3w_error_message(), "sweep_thresholds"), "no policy: %s", w3w_error_message());
		w3w_chain_close(plain);
	}

	/* Deposits, credited (alice's below her threshold). */
	token_transfer(DEPLOYER, wb.address, 5000000);        /* 5 TKN to bob */
	send_eth(PAYER, wa.address, "0x2c68af0bb140000");     /* 0.2 ETH to alice: below 0.5 */
	credited(chain);
	CHECK(w3w_ledger_totals_get(&t0, ctx, &admin, "TKN") == W3W_OK, "ledger totals before");
	w3w_chain_close(chain);
	w3w_ctx_close(ctx);

	/* 1. Bob's token sweep, its process killed between top-up and sweep, resumed by another. */
	restart_between_topup_and_sweep(&wb, hot);

	ctx = open_ctx();
	chain = open_chain(ctx);
	/* 2. A native sweep, once alice holds 1.2 ETH. */
	send_eth(PAYER, wa.address, "0xde0b6b3a7640000");     /* + 1 ETH */
	credited(chain);
	native_sweep(ctx, chain, &wa, hot);

	/* 3. The ledger did not move: users own what they owned. */
	CHECK(balance_of(ctx, alice.user_id, "ETH", NULL) == COIN + COIN / 5 && balance_of(ctx, bob.user_id, "TKN", NULL) ==
		5 * COIN, "alice 1.2 ETH and bob 5 TKN on the ledger, as deposited");
	/* The gas top-up of bob's address (seen by the watcher since) is custody's own money, not a deposit. */
	CHECK(balance_of(ctx, bob.user_id, "ETH", NULL) == 0, "bob's gas top-up not credited: %lld",
		(long long)balance_of(ctx, bob.user_id, "ETH", NULL));
	CHECK(w3w_ledger_totals_get(&t1, ctx, &admin, "TKN") == W3W_OK && t1.balances == t0.balances &&
		t1.deposits == t0.deposits && t1.withdrawals == t0.withdrawals && t1.entries_sum_zero, "TKN books unchanged");

	/* 4. Fee totals: what the three mined transactions cost. */
	CHECK(w3w_sweep_fee_totals_get(&fees, ctx, &admin, "evm:31337") == W3W_OK && fees->count == 1 &&
		strcmp(fees->items[0].currency, "ETH") == 0 && fees->items[0].transactions == 3, "fee totals: %zu rows",
		fees ? fees->count : 0);
	w3w_sweep_fee_totals_free(fees);

	/* 5. Two processes sweeping at once double nothing. */
	token_transfer(DEPLOYER, wc.address, 2000000);        /* 2 TKN to carol */
	credited(chain);
	w3w_chain_close(chain);
	w3w_ctx_close(ctx);
	rounds_at_once(&wc, hot);

	/* 6. Through w3wallet-signer, and its refusals. */
	token_transfer(DEPLOYER, wd.address, 3000000);        /* 3 TKN to dave */
	ctx = open_ctx();
	chain = open_chain(ctx);
	credited(chain);
	w3w_chain_close(chain);
	w3w_ctx_close(ctx);
	through_the_signer(&wd, hot);

	w3w__rpc_destroy(&node);
	printf("e2e_sweep (%s): %d checks, %d failed\n", strncmp(storage_url, "sqlite", 6) == 0 ? "sqlite" : "postgres",
		checks, failures);
	return failures ? 1 : 0;
}

/*
 * End to end with w3wallet-signer in its own process, on anvil: the
 * context that withdraws has no master key at all, so every signature
 * comes from the signer. Withdrawals (native and ERC-20) are mined and
 * settled; what the signer's policy refuses (over the maximum, the zero
 * address) fails with the hold released; a signer that is down leaves a
 * withdrawal held, nothing lost, and it goes out once the signer is back;
 * tampered requests (bad tag, wrong chain id, zero address, over the
 * maximum, a replayed seq or session) are refused and logged; a context
 * with the signer for all its keys gets its deposit addresses from it.
 * Driven by tests/chain/run.sh.
 *
 *   e2e_signer RPC_URL TOKEN_BYTECODE_FILE STORAGE_URL SIGNER_BINARY WORK_DIR
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crypto/bip39.h"
#include "crypto/u256.h"
#include "harness.h"
#include "signer/protocol.h"
#include "wallet/wallet_internal.h"
#include "w3wallet/sys/chain.h"

#define MASTER "3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c"
#define SHARED "7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e"
#define WRONG  "7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7f"
#define ZERO "0x0000000000000000000000000000000000000000"
#define CHAIN_ID "31337"
#define NATIVE_MAX "1000000000000000000" /* 1 ETH per withdrawal at most */
#define TOKEN_MAX "2000000"              /* 2 TKN (6 decimals) */

static const char *rpc_url, *storage_url, *signer_bin, *work;
static char sock_path[100], log_path[256];
static pid_t signer_pid = -1;

/* ---- the signer process ------------------------------------------------------------ */

static void signer_start(void)
{
	char max_token[128];
	struct stat st;

	snprintf(max_token, sizeof(max_token), "%s=%s", token, TOKEN_MAX);
	signer_pid = fork();
	if (signer_pid == 0) {
		char *env[] = { "W3W_MASTER_KEY=" MASTER, "W3W_SIGNER_KEY=" SHARED, NULL };
		int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
		dup2(fd, 2);
		execle(signer_bin, signer_bin, "--socket", sock_path, "--storage", storage_url, "--chain-id", CHAIN_ID,
			"--max", "native=" NATIVE_MAX, "--max", max_token, (char *)NULL, env);
		_exit(127);
	}
	for (int i = 0; i < 500 && stat(sock_path, &st) != 0; i++) {
		struct timespec pause = { 0, 10 * 1000000L };
		nanosleep(&pause, NULL);
	}
	CHECK(stat(sock_path, &st) == 0 && S_ISSOCK(st.st_mode) && (st.st_mode & 0777) == 0600,
		"signer listening on %s, mode 0600", sock_path);
}

static void signer_stop(void)
{
	int status = 0;

	if (signer_pid <= 0)
		return;
	kill(signer_pid, SIGTERM);
	waitpid(signer_pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "signer stopped cleanly (status %d)", status);
	signer_pid = -1;
}

static int log_has(const char *needle)
{
	char *text = calloc(1, 1 << 20);
	FILE *f = fopen(log_path, "r");
	int found = 0;

	if (f && text) {
		size_t n = fread(text, 1, (1 << 20) - 1, f);
		text[n] = '\0';
		found = strstr(text, needle) != NULL;
	}
	if (f)
		fclose(f);
	free(text);
	return found;
}

/* ---- the library ------------------------------------------------------------------- */

/* A context with the master key, or with none and (signer_key given) the signer for the whole context. */
static w3w_ctx *open_ctx_signed(const char *master_hex, const char *signer_key)
{
	w3w_options o;
	w3w_ctx *ctx = NULL;

	w3w_options_init(&o, W3W_OPTIONS_VERSION);
	snprintf(o.storage_url, sizeof(o.storage_url), "%s", storage_url);
	snprintf(o.master_key_hex, sizeof(o.master_key_hex), "%s", master_hex);
	if (signer_key) {
		snprintf(o.signer_url, sizeof(o.signer_url), "unix:%s", sock_path);
		snprintf(o.signer_key_hex, sizeof(o.signer_key_hex), "%s", signer_key);
	}
	o.background_relay = 0;
	if (w3w_ctx_open(&ctx, &o) != W3W_OK) {
		fprintf(stderr, "e2e_signer: open %s: %s\n", storage_url, w3w_error_message());
		exit(2);
	}
	return ctx;
}

static w3w_ctx *open_ctx(const char *master_hex)
{
	return open_ctx_signed(master_hex, NULL);
}

static w3w_chain *open_chain(w3w_ctx *ctx, const char *signer_key)
{
	w3w_chain_options o;
	w3w_chain *chain = NULL;

	w3w_chain_options_init(&o, W3W_CHAIN_OPTIONS_VERSION);
	snprintf(o.url, sizeof(o.url), "%s", rpc_url);
	o.chain_id = 31337;
	o.confirmations = CONFIRMATIONS;
	o.start_block = -1;
	snprintf(o.assets, sizeof(o.assets), "ETH=native:18,TKN=%s:6", token);
	if (signer_key) {
		snprintf(o.signer_url, sizeof(o.signer_url), "unix:%s", sock_path);
		snprintf(o.signer_key_hex, sizeof(o.signer_key_hex), "%s", signer_key);
	}
	if (w3w_chain_open(&chain, ctx, &o) != W3W_OK) {
		fprintf(stderr, "e2e_signer: chain open: %s\n", w3w_error_message());
		exit(2);
	}
	return chain;
}

/* Withdraw, wait for the block, mine the confirmations, poll: the withdrawal must end confirmed. */
static void withdraw_settled(w3w_ctx *ctx, w3w_chain *chain, const char *currency, w3w_amount amount)
{
	w3w_withdrawal w;
	w3w_chain_poll_stats ps;
	w3w_status st = w3w_wallet_withdraw(&w, chain, &alice, currency, amount, EXTERNAL, NULL);

	CHECK(st == W3W_OK && w.status == W3W_WITHDRAWAL_BROADCAST, "withdraw %s: %s", currency, w3w_status_name(st));
	wait_mined(w.tx_hash);
	mine(CONFIRMATIONS);
	ps = poll_chain(chain);
	CHECK(ps.withdrawals_confirmed == 1, "%s withdrawal confirmed: %zu", currency, ps.withdrawals_confirmed);
	CHECK(w3w_withdrawal_get(&w, ctx, &alice, w.id) == W3W_OK && w.status == W3W_WITHDRAWAL_CONFIRMED,
		"status confirmed");
}

/* What the signer's policy refuses: failed, with the hold released. */
static void withdraw_refused(w3w_ctx *ctx, w3w_chain *chain, const char *currency, w3w_amount amount,
	const char *to, const char *why)
{
	w3w_withdrawal w;
	w3w_amount held = -1;
	w3w_status st = w3w_wallet_withdraw(&w, chain, &alice, currency, amount, to, NULL);

	CHECK(st == W3W_EFORBIDDEN && strstr(w3w_error_message(), why), "%s %lld to %s refused (%s): %s", currency,
		(long long)amount, to, why, w3w_status_name(st));
	CHECK(w.status == W3W_WITHDRAWAL_FAILED && strstr(w.error, why), "withdrawal failed: %s", w.error);
	balance_of(ctx, alice.user_id, currency, &held);
	CHECK(held == 0, "nothing held after the refusal");
}

/* ---- speaking the protocol directly ------------------------------------------------- */

typedef struct conn {
	int fd;
	char session[W3W__SP_SESSION_SIZE];
	unsigned char key[32];
} conn;

static int conn_open(conn *c)
{
	struct sockaddr_un a;
	char *json = NULL, why[200];

	memset(c, 0, sizeof(*c));
	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", sock_path);
	for (int i = 0; i < 32; i++)
		c->key[i] = 0x7e;
	c->fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (connect(c->fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    w3w__sp_recv(c->fd, c->key, W3W__SP_HELLO, &json) != W3W__SP_OK ||
	    w3w__sp_hello_parse(c->session, json, why, sizeof(why)) != 0) {
		free(json);
		return -1;
	}
	free(json);
	return 0;
}

/* A valid native transfer request; callers spoil one field. */
static void request_init(w3w__sp_request *r, const conn *c, uint64_t seq)
{
	w3w__u256 v;

	memset(r, 0, sizeof(*r));
	strcpy(r->session, c->session);
	r->seq = seq;
	r->op = W3W__SP_OP_SIGN;
	r->tx.type = 2;
	r->tx.chain_id = 31337;
	r->tx.nonce = 1000;
	r->tx.gas_limit = 21000;
	w3w__u256_from_u64(&v, 1000000000);
	memcpy(r->tx.max_fee_per_gas.be, v.be, 32);
	memcpy(r->tx.to, "\xa0\xee\x7a\x14\x2d\x26\x7c\x1f\x36\x71\x4e\x4a\x8f\x75\x61\x2f\x20\xa7\x97\x20", 20);
	w3w__u256_from_u64(&v, 1000);
	memcpy(r->tx.value.be, v.be, 32);
}

/* Send `r` framed under `key`; the answer (checked under the shared key) into `a`. 0 or -1. */
static int ask(conn *c, const w3w__sp_request *r, const unsigned char *key, w3w__sp_answer *a)
{
	char *json = w3w__sp_request_json(r), why[200];
	int rc = json && w3w__sp_send(c->fd, key, W3W__SP_REQUEST, json) == W3W__SP_OK ? 0 : -1;

	free(json);
	json = NULL;
	if (rc == 0 && (w3w__sp_recv(c->fd, c->key, W3W__SP_ANSWER, &json) != W3W__SP_OK ||
	                w3w__sp_answer_parse(a, json, why, sizeof(why)) != 0))
		rc = -1;
	free(json);
	return rc;
}

static void tampered_requests(void)
{
	w3w__sp_request r;
	w3w__sp_answer a;
	unsigned char wrong[32];
	char old_session[W3W__SP_SESSION_SIZE];
	conn c;

	memset(wrong, 0x7e, sizeof(wrong));
	wrong[31] = 0x7f;
	/* A tag under another key: refused, and the connection ends. */
	CHECK(conn_open(&c) == 0, "connect");
	request_init(&r, &c, 1);
	CHECK(ask(&c, &r, wrong, &a) == 0 && !a.ok && strcmp(a.code, "auth") == 0, "bad tag: %s %s", a.code, a.error);
	close(c.fd);

	CHECK(conn_open(&c) == 0, "connect");
	request_init(&r, &c, 1);
	r.tx.chain_id = 1;
	CHECK(ask(&c, &r, c.key, &a) == 0 && !a.ok && strcmp(a.code, "policy") == 0 && strstr(a.error, "chain_id"),
		"wrong chain id: %s", a.error);
	request_init(&r, &c, 2);
	memset(r.tx.to, 0, 20);
	CHECK(ask(&c, &r, c.key, &a) == 0 && !a.ok && strstr(a.error, "zero address"), "zero address: %s", a.error);
	request_init(&r, &c, 3);
	memset(r.tx.value.be, 0xff, 32);
	CHECK(ask(&c, &r, c.key, &a) == 0 && !a.ok && strstr(a.error, "maximum"), "over the maximum: %s", a.error);
	request_init(&r, &c, 4);
	r.tx.max_fee_per_gas.be[20] = 1; /* a fee that would empty the hot wallet */
	CHECK(ask(&c, &r, c.key, &a) == 0 && !a.ok && strstr(a.error, "fee:"), "a huge fee: %s", a.error);
	request_init(&r, &c, 5);
	r.tx.data = (const unsigned char *)"\x12\x34\x56\x78";
	r.tx.data_len = 4;
	CHECK(ask(&c, &r, c.key, &a) == 0 && !a.ok && strstr(a.error, "call data"), "other call data: %s", a.error);
	request_init(&r, &c, 6);
	CHECK(ask(&c, &r, c.key, &a) == 0 && a.ok && a.raw_len > 100, "a valid request is signed (%s)", a.error);
	/* The same request again: its seq is used. */
	CHECK(ask(&c, &r, c.key, &a) == 0 && !a.ok && strcmp(a.code, "replay") == 0, "replayed seq: %s", a.code);
	strcpy(old_session, c.session);
	close(c.fd);

	/* A recorded request of an earlier connection. */
	CHECK(conn_open(&c) == 0, "connect");
	request_init(&r, &c, 1);
	strcpy(r.session, old_session);
	CHECK(ask(&c, &r, c.key, &a) == 0 && !a.ok && strcmp(a.code, "replay") == 0, "replayed session: %s", a.code);
	close(c.fd);

	CHECK(log_has("\"event\":\"refused\",\"op\":\"?\",\"code\":\"auth\",\"reason\":\"request tag does not verify\""), "bad tag logged");
	CHECK(log_has("\"code\":\"policy\",\"reason\":\"chain_id: 1 is not a chain"), "wrong chain id logged");
	CHECK(log_has("\"reason\":\"to: the zero address\""), "zero address logged");
	CHECK(log_has("\"code\":\"replay\""), "replay logged");
	CHECK(log_has("\"event\":\"signed\""), "signatures logged");
}

/*
 * The whole context through the signer: deposit addresses derived there
 * (checked against the seed, exported through a context that has the
 * master key), and a chain opened without a signer of its own signs
 * through the context's.
 */
static void context_wide_signer(void)
{
	w3w_ctx *keyed = open_ctx(MASTER), *ctx = open_ctx_signed("", SHARED);
	w3w_wallet we, ws;
	w3w_withdrawal w;
	w3w_chain *chain;
	w3w_chain_poll_stats ps;
	char *words = NULL, want[W3W_ADDRESS_SIZE];
	unsigned char seed[64];
	w3w_status st;

	CHECK(w3w_wallet_create(&we, ctx, &bob, "evm") == W3W_OK, "bob's evm wallet through the signer");
	CHECK(w3w_wallet_create(&ws, ctx, &bob, "solana") == W3W_OK, "bob's solana wallet through the signer");
	CHECK(w3w_master_mnemonic_export(&words, keyed, &admin) == W3W_OK && words &&
		w3w__bip39_seed(seed, words, NULL) == 0, "the seed, from the mnemonic");
	CHECK(w3w__derive_address(want, seed, W3W__FAMILY_EVM, we.index) == W3W_OK && strcmp(want, we.address) == 0,
		"evm index %lld: %s, derived here %s", (long long)we.index, we.address, want);
	CHECK(w3w__derive_address(want, seed, W3W__FAMILY_SOLANA, ws.index) == W3W_OK && strcmp(want, ws.address) == 0,
		"solana index %lld: %s, derived here %s", (long long)ws.index, ws.address, want);
	memset(seed, 0, sizeof(seed));
	w3w_string_free(words);

	CHECK(w3w_deposit(NULL, ctx, &service, bob.user_id, "ETH", COIN, "signer-e2e-bob", NULL) == W3W_OK, "bob credited");
	chain = open_chain(ctx, NULL);
	st = w3w_wallet_withdraw(&w, chain, &bob, "ETH", COIN / 10, EXTERNAL, NULL);
	CHECK(st == W3W_OK && w.status == W3W_WITHDRAWAL_BROADCAST, "withdrawal through the context's signer: %s",
		w3w_status_name(st));
	wait_mined(w.tx_hash);
	mine(CONFIRMATIONS);
	ps = poll_chain(chain);
	CHECK(ps.withdrawals_confirmed == 1, "and confirmed: %zu", ps.withdrawals_confirmed);
	w3w_chain_close(chain);
	w3w_ctx_close(ctx);
	w3w_ctx_close(keyed);
	CHECK(log_has("\"op\":\"deposit_address\",\"family\":\"solana\""), "deposit addresses logged");
}

/* ---- the story ------------------------------------------------------------------------ */

/* A stuck withdrawal replaced, another cancelled: both signed by the signer; a fee above its cap refused, changing nothing. */
static void stuck_through_the_signer(w3w_ctx *ctx, w3w_chain *chain)
{
	w3w_withdrawal w, r;
	w3w_withdrawal_attempts *list = NULL;
	w3w_chain_poll_stats ps;
	w3w_amount start = balance_of(ctx, alice.user_id, "ETH", NULL), held = -1;

	automine(0);
	calm();
	CHECK(w3w_wallet_withdraw(&w, chain, &alice, "ETH", COIN / 20, EXTERNAL, NULL) == W3W_OK, "stuck: withdrawn");
	stick();
	ps = poll_chain(chain);
	CHECK(ps.withdrawals_pending == 1, "stuck: pending under the higher base fee");
	CHECK(w3w_withdrawal_replace(&r, chain, &service, w.id, NULL, NULL) == W3W_OK && r.nonce == w.nonce &&
		strcmp(r.tx_hash, w.tx_hash) != 0, "stuck: the signer signed the replacement (%s)", w3w_error_message());
	mine(1 + CONFIRMATIONS);
	ps = poll_chain(chain);
	CHECK(ps.withdrawals_confirmed == 1, "stuck: the replacement settled");
	CHECK(balance_of(ctx, alice.user_id, "ETH", &held) == start - COIN / 20 && held == 0, "stuck: paid once");

	calm();
	CHECK(w3w_wallet_withdraw(&w, chain, &alice, "ETH", COIN / 20, EXTERNAL, NULL) == W3W_OK, "cancel: withdrawn");
	stick();
	CHECK(w3w_withdrawal_replace(&r, chain, &service, w.id, "2000000000000", NULL) == W3W_EFORBIDDEN &&
		strstr(w3w_error_message(), "fee"), "cancel: a fee above the signer's cap refused (%s)", w3w_error_message());
	CHECK(w3w_withdrawal_get(&r, ctx, &alice, w.id) == W3W_OK && r.status == W3W_WITHDRAWAL_BROADCAST &&
		strcmp(r.tx_hash, w.tx_hash) == 0, "cancel: the refusal changed nothing");
	CHECK(w3w_withdrawal_cancel(&r, chain, &service, w.id, NULL, NULL) == W3W_OK, "cancel: the signer signed the"
		" cancellation (%s)", w3w_error_message());
	{
		char hot[W3W_ADDRESS_SIZE], needle[W3W_ADDRESS_SIZE + 16];
		CHECK(w3w_chain_hot_address(hot, sizeof(hot), chain, &service) == W3W_OK, "hot address");
		for (char *c = hot; *c; c++)
			*c = (char)(*c >= 'A' && *c <= 'F' ? *c + 32 : *c);
		snprintf(needle, sizeof(needle), "\"to\":\"%s\"", hot);
		CHECK(log_has(needle), "cancel: the signer signed 0 to itself (%s)", needle);
	}
	CHECK(w3w_withdrawal_attempt_list(&list, ctx, &admin, w.id) == W3W_OK && list->count == 2 &&
		list->items[1].kind == W3W_ATTEMPT_CANCELLATION, "cancel: recorded");
	w3w_withdrawal_attempts_free(list);
	mine(1 + CONFIRMATIONS);
	ps = poll_chain(chain);
	CHECK(w3w_withdrawal_get(&r, ctx, &alice, w.id) == W3W_OK && r.status == W3W_WITHDRAWAL_FAILED &&
		strncmp(r.error, "cancelled", 9) == 0, "cancel: ended \"%s\"", r.error);
	CHECK(balance_of(ctx, alice.user_id, "ETH", &held) == start - COIN / 20 && held == 0, "cancel: released");
	automine(1);
}

int main(int argc, char **argv)
{
	w3w_ctx *ctx;
	w3w_chain *chain, *local;
	w3w_wallet wa;
	w3w_withdrawal w;
	w3w_chain_poll_stats ps;
	w3w_ledger_totals t;
	char hot[W3W_ADDRESS_SIZE], via_signer[W3W_ADDRESS_SIZE];
	w3w_amount held;
	w3w_status st;

	if (argc < 6) {
		fprintf(stderr, "usage: %s RPC_URL TOKEN_BYTECODE_FILE STORAGE_URL SIGNER_BINARY WORK_DIR\n", argv[0]);
		return 2;
	}
	rpc_url = argv[1];
	storage_url = argv[3];
	signer_bin = argv[4];
	work = argv[5];
	snprintf(sock_path, sizeof(sock_path), "%s/signer-%d.sock", work, (int)getpid());
	snprintf(log_path, sizeof(log_path), "%s/signer-%d.log", work, (int)getpid());
	if (w3w__rpc_init(&node, rpc_url, 10000) != W3W_OK)
		return 2;
	w3w_actor_init(&alice, "01900000-0000-7000-8000-0000000000a1", W3W_ROLE_USER);
	w3w_actor_init(&bob, "01900000-0000-7000-8000-0000000000b0", W3W_ROLE_USER);
	w3w_actor_init(&admin, "01900000-0000-7000-8000-0000000000ad", W3W_ROLE_ADMIN);
	w3w_actor_init(&service, "01900000-0000-7000-8000-00000000005e", W3W_ROLE_SERVICE);
	deploy_token(argv[2]);

	/* Setup by a context that has the master key: the seed, the funded hot wallet, alice's money. */
	ctx = open_ctx(MASTER);
	CHECK(w3w_wallet_create(&wa, ctx, &alice, "evm") == W3W_OK, "alice's wallet (the seed is made)");
	local = open_chain(ctx, NULL);
	CHECK(w3w_chain_hot_address(hot, sizeof(hot), local, &service) == W3W_OK, "hot address in process");
	w3w_chain_close(local);
	send_eth(FUNDER, hot, "0x8ac7230489e80000"); /* 10 ETH */
	token_transfer(DEPLOYER, hot, 100000000);     /* 100 TKN */
	CHECK(w3w_deposit(NULL, ctx, &service, alice.user_id, "ETH", 5 * COIN, "signer-e2e-eth", NULL) == W3W_OK &&
		w3w_deposit(NULL, ctx, &service, alice.user_id, "TKN", 10 * COIN, "signer-e2e-tkn", NULL) == W3W_OK,
		"alice credited 5 ETH and 10 TKN");
	w3w_ctx_close(ctx);

	/* From here on the withdrawing context has no master key: only the signer can sign. */
	signer_start();
	ctx = open_ctx("");
	chain = open_chain(ctx, SHARED);
	CHECK(w3w_chain_hot_address(via_signer, sizeof(via_signer), chain, &service) == W3W_OK &&
		strcmp(via_signer, hot) == 0, "the signer's address is the hot wallet %s: %s", hot, via_signer);

	/* 1. Withdrawals signed by the signer are mined and settled. */
	{
		char before[W3W_U256_TEXT_SIZE], after[W3W_U256_TEXT_SIZE];
		uint64_t tb = token_balance(EXTERNAL);
		eth_balance(before, EXTERNAL);
		withdraw_settled(ctx, chain, "ETH", COIN / 10);
		eth_balance(after, EXTERNAL);
		CHECK(wei_grew(before, after, 100000000000000000ULL), "external balance +0.1 ETH: %s -> %s", before, after);
		withdraw_settled(ctx, chain, "TKN", 150000000);
		CHECK(token_balance(EXTERNAL) == tb + 1500000, "external TKN balance +1.5");
	}

	/* 2. What the signer's policy refuses fails, with the hold released. */
	withdraw_refused(ctx, chain, "ETH", 2 * COIN, EXTERNAL, "maximum");
	withdraw_refused(ctx, chain, "TKN", 3 * COIN, EXTERNAL, "maximum");
	/* The zero address: refused by the library itself where it checks destinations, else by the signer. */
	st = w3w_wallet_withdraw(&w, chain, &alice, "ETH", COIN / 100, ZERO, NULL);
	CHECK((st == W3W_EINVAL || st == W3W_EFORBIDDEN) && strstr(w3w_error_message(), "zero address"),
		"the zero address refused: %s", w3w_error_message());
	balance_of(ctx, alice.user_id, "ETH", &held);
	CHECK(held == 0, "nothing held after the refusal");

	/* 3. The signer is down: the withdrawal is held, waits, and goes out once the signer is back. */
	signer_stop();
	st = w3w_wallet_withdraw(&w, chain, &alice, "ETH", COIN / 5, EXTERNAL, "while-down");
	CHECK(st == W3W_OK && w.status == W3W_WITHDRAWAL_HELD, "held while the signer is down: %s %s",
		w3w_status_name(st), w3w_withdrawal_status_name(w.status));
	CHECK(balance_of(ctx, alice.user_id, "ETH", &held) > 0 && held == COIN / 5, "0.2 ETH held");
	st = w3w_chain_poll(chain, &service, &ps);
	CHECK(st == W3W_EUNAVAILABLE && strstr(w3w_error_message(), "signer"), "poll says the signer is down: %s",
		w3w_error_message());
	CHECK(w3w_withdrawal_get(&w, ctx, &alice, w.id) == W3W_OK && w.status == W3W_WITHDRAWAL_HELD, "still held");
	signer_start();
	ps = poll_chain(chain);
	CHECK(w3w_withdrawal_get(&w, ctx, &alice, w.id) == W3W_OK && w.status == W3W_WITHDRAWAL_BROADCAST,
		"signed and broadcast once the signer is back: %s", w3w_withdrawal_status_name(w.status));
	wait_mined(w.tx_hash);
	mine(CONFIRMATIONS);
	ps = poll_chain(chain);
	CHECK(ps.withdrawals_confirmed == 1, "and confirmed: %zu", ps.withdrawals_confirmed);
	CHECK(balance_of(ctx, alice.user_id, "ETH", &held) == 5 * COIN - COIN / 10 - COIN / 5 && held == 0,
		"alice paid exactly 0.1 + 0.2 ETH");

	/* 3b. Stuck withdrawals through the signer: replaced, cancelled. */
	stuck_through_the_signer(ctx, chain);

	/* 4. Tampered requests, spoken directly on the socket. */
	tampered_requests();

	/* 5. A library with the wrong shared key cannot use the signer (the signer's answers fail to verify). */
	{
		w3w_chain *wrong = open_chain(ctx, WRONG);
		char addr[W3W_ADDRESS_SIZE];
		st = w3w_chain_hot_address(addr, sizeof(addr), wrong, &service);
		CHECK(st == W3W_EUNAVAILABLE && strstr(w3w_error_message(), "authentication"), "wrong key: %s",
			w3w_error_message());
		w3w_chain_close(wrong);
	}

	/* 6. The whole context through the signer. */
	context_wide_signer();

	/* 7. The books balance. */
	CHECK(w3w_ledger_totals_get(&t, ctx, &admin, "ETH") == W3W_OK && t.balances == t.deposits - t.withdrawals &&
		t.entries_sum_zero, "ETH books balance");
	w3w_chain_close(chain);
	w3w_ctx_close(ctx);
	signer_stop();
	w3w__rpc_destroy(&node);
	printf("e2e_signer (%s): %d checks, %d failed\n", strncmp(storage_url, "sqlite", 6) == 0 ? "sqlite" : "postgres",
		checks, failures);
	return failures ? 1 : 0;
}

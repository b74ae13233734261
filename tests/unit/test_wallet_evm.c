/*
 * The "evm" chain adapter against a scripted HTTP node on loopback: what
 * each JSON-RPC answer becomes (blocks, receipts, logs, fees), how node
 * refusals of a broadcast are classified ("already known", "nonce too
 * low", the rest), and that garbage, HTTP errors, wrong ids and silence
 * give W3W_EUNAVAILABLE, never a made-up value.
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <valgrind/valgrind.h>

#include "w3wallet.h"
#include "w3wallet/sys/chain.h"

#define MAX_SCRIPT 16
/* Every call's timeout; valgrind makes the first connection slow. */
#define TIMEOUT_MS (RUNNING_ON_VALGRIND ? 3000 : 300)

/* ---- a node that answers from a script ------------------------------------------------ */

static struct {
	int fd, port, stop;
	pthread_t thread;
	pthread_mutex_t mu;
	const char *bodies[MAX_SCRIPT];   /* JSON body; "%ID%" is replaced by the request's id */
	int status[MAX_SCRIPT];           /* HTTP status; 0 = say nothing and close */
	int count, next;
	char last_request[8192];
} N = { .mu = PTHREAD_MUTEX_INITIALIZER };

static void script(int status, const char *body)
{
	pthread_mutex_lock(&N.mu);
	N.status[N.count] = status;
	N.bodies[N.count++] = body;
	pthread_mutex_unlock(&N.mu);
}

static void script_reset(void)
{
	pthread_mutex_lock(&N.mu);
	N.count = N.next = 0;
	pthread_mutex_unlock(&N.mu);
}

/* The id of the JSON-RPC request in buf ("id":N). */
static long request_id(const char *buf)
{
	const char *p = strstr(buf, "\"id\":");
	return p ? strtol(p + 5, NULL, 10) : 0;
}

static void *node_main(void *arg)
{
	(void)arg;
	while (!N.stop) {
		char buf[8192], body[4096], out[5000];
		const char *tmpl = "{}";
		int status = 200;
		ssize_t n = 0, got;
		int c = accept(N.fd, NULL, NULL);

		if (c < 0 || N.stop) {
			if (c >= 0)
				close(c);
			continue;
		}
		/* Headers and a small body arrive together on loopback; read until the JSON closes. */
		while (n < (ssize_t)sizeof(buf) - 1 && (got = read(c, buf + n, sizeof(buf) - 1 - (size_t)n)) > 0) {
			n += got;
			buf[n] = '\0';
			if (strstr(buf, "\r\n\r\n") && buf[n - 1] == '}')
				break;
		}
		buf[n > 0 ? n : 0] = '\0';
		pthread_mutex_lock(&N.mu);
		snprintf(N.last_request, sizeof(N.last_request), "%s", buf);
		if (N.next < N.count) {
			status = N.status[N.next];
			tmpl = N.bodies[N.next++];
		}
		pthread_mutex_unlock(&N.mu);
		if (status > 0) {
			const char *at = strstr(tmpl, "%ID%");
			if (at)
				snprintf(body, sizeof(body), "%.*s%ld%s", (int)(at - tmpl), tmpl, request_id(buf), at + 4);
			else
				snprintf(body, sizeof(body), "%s", tmpl);
			snprintf(out, sizeof(out), "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
				"Connection: close\r\n\r\n%s", status, strlen(body), body);
			got = write(c, out, strlen(out));
			(void)got;
		} else {
			int ms = TIMEOUT_MS + 400;
			struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
			nanosleep(&ts, NULL); /* silence: the client times out first */
		}
		close(c);
	}
	return NULL;
}

/* Listen on the first free port of a range below 32768 (parallel test runs take others). */
static void node_start(void)
{
	int one = 1;

	N.fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(N.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	for (N.port = 18600 + (int)(getpid() % 200); N.port < 19000; N.port++) {
		struct sockaddr_in a;
		memset(&a, 0, sizeof(a));
		a.sin_family = AF_INET;
		a.sin_port = htons((uint16_t)N.port);
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (bind(N.fd, (struct sockaddr *)&a, sizeof(a)) == 0)
			break;
	}
	ck_assert_int_eq(listen(N.fd, 16), 0);
	N.stop = 0;
	ck_assert_int_eq(pthread_create(&N.thread, NULL, node_main, NULL), 0);
}

static void node_stop(void)
{
	struct sockaddr_in a;
	int c = socket(AF_INET, SOCK_STREAM, 0);

	N.stop = 1;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)N.port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	connect(c, (struct sockaddr *)&a, sizeof(a)); /* wakes accept() */
	close(c);
	pthread_join(N.thread, NULL);
	close(N.fd);
}

static w3w_chain_adapter *A;

static void setup(void)
{
	char url[64];
	w3w_chain_adapter_config cfg = { W3W_CHAIN_ADAPTER_CONFIG_VERSION, TIMEOUT_MS, 31337 };

	node_start();
	script_reset();
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/rpc", N.port);
	ck_assert_int_eq(w3w_chain_adapter_evm_open(&A, url, &cfg), W3W_OK);
}

static void teardown(void)
{
	A->free(A);
	node_stop();
}

#define OK(result) "{\"jsonrpc\":\"2.0\",\"id\":%ID%,\"result\":" result "}"
#define ERR(code, msg) "{\"jsonrpc\":\"2.0\",\"id\":%ID%,\"error\":{\"code\":" #code ",\"message\":\"" msg "\"}}"
#define HASH_A "0xAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define HASH_B "0xbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define ADDR_1 "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"

START_TEST(quantities_and_blocks)
{
	uint64_t v = 0;
	w3w_chain_block *b = NULL;

	script(200, OK("\"0x7a69\""));
	ck_assert_int_eq(A->chain_id(A, &v), W3W_OK);
	ck_assert_uint_eq(v, 31337);
	ck_assert_ptr_nonnull(strstr(N.last_request, "\"method\":\"eth_chainId\""));
	ck_assert_ptr_nonnull(strstr(N.last_request, "POST /rpc"));

	script(200, OK("{\"number\":\"0x10\",\"hash\":\"" HASH_A "\",\"parentHash\":\"" HASH_B "\",\"timestamp\":\"0x65\","
		"\"baseFeePerGas\":\"0x3b9aca00\",\"transactions\":[{\"hash\":\"" HASH_B "\",\"from\":\"" ADDR_1 "\","
		"\"to\":null,\"value\":\"0xde0b6b3a7640000\"}]}"));
	ck_assert_int_eq(A->block(A, 16, 1, &b), W3W_OK);
	ck_assert_ptr_nonnull(strstr(N.last_request, "[\"0x10\",true]"));
	ck_assert_uint_eq(b->number, 16);
	ck_assert_str_eq(b->hash, "0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	ck_assert_int_eq(b->has_base_fee, 1);
	ck_assert_uint_eq(b->tx_count, 1);
	ck_assert_str_eq(b->txs[0].to, "");                                       /* contract creation */
	ck_assert_str_eq(b->txs[0].from, "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"); /* lowercased */
	ck_assert_uint_eq(b->txs[0].value.be[31], 0x00);
	ck_assert_uint_eq(b->txs[0].value.be[24], 0x0d);
	A->block_free(A, b);

	script(200, OK("null"));
	ck_assert_int_eq(A->block(A, 99, 0, &b), W3W_ENOTFOUND);
	ck_assert_ptr_null(b);
}
END_TEST

START_TEST(garbage_is_never_believed)
{
	uint64_t v = 0;
	w3w_chain_block *b = NULL;
	w3w_chain_receipt rc;

	script(200, OK("\"7a69\""));                          /* no 0x */
	ck_assert_int_eq(A->head(A, &v), W3W_EUNAVAILABLE);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "eth_blockNumber"));
	script(200, OK("\"0x11112222333344445\""));           /* more than 64 bits */
	ck_assert_int_eq(A->head(A, &v), W3W_EUNAVAILABLE);
	script(200, OK("12"));                                /* a number, not a quantity */
	ck_assert_int_eq(A->head(A, &v), W3W_EUNAVAILABLE);
	script(200, "{\"jsonrpc\":\"2.0\",\"id\":424242,\"result\":\"0x1\"}"); /* someone else's answer */
	ck_assert_int_eq(A->head(A, &v), W3W_EUNAVAILABLE);
	script(200, "not json at all");
	ck_assert_int_eq(A->head(A, &v), W3W_EUNAVAILABLE);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "not JSON-RPC"));
	script(500, OK("\"0x1\""));                           /* HTTP error */
	ck_assert_int_eq(A->head(A, &v), W3W_EUNAVAILABLE);
	script(200, ERR(-32000, "header not found"));         /* an error object where an answer was due */
	ck_assert_int_eq(A->head(A, &v), W3W_EUNAVAILABLE);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "header not found"));
	script(200, OK("{\"number\":\"0x1\",\"hash\":\"0x1234\",\"parentHash\":\"" HASH_B "\",\"timestamp\":\"0x1\"}"));
	ck_assert_int_eq(A->block(A, 1, 0, &b), W3W_EUNAVAILABLE);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "hash"));
	script(200, OK("{\"transactionHash\":\"" HASH_A "\",\"blockHash\":\"" HASH_B "\",\"blockNumber\":\"0x5\","
		"\"gasUsed\":\"0x5208\"}"));                       /* no status */
	ck_assert_int_eq(A->receipt(A, HASH_A, &rc), W3W_EUNAVAILABLE);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "status"));
	script(0, "");                                        /* silence (last: the node sleeps it off) */
	ck_assert_int_eq(A->head(A, &v), W3W_EUNAVAILABLE);
	{
		char want[64];
		snprintf(want, sizeof(want), "no answer within %d ms", TIMEOUT_MS);
		ck_assert_ptr_nonnull(strstr(w3w_error_message(), want));
	}
}
END_TEST

START_TEST(receipts_and_pool)
{
	w3w_chain_receipt rc;
	int known = -1;

	script(200, OK("{\"transactionHash\":\"" HASH_A "\",\"blockHash\":\"" HASH_B "\",\"blockNumber\":\"0x5\","
		"\"gasUsed\":\"0x5208\",\"status\":\"0x0\"}"));
	ck_assert_int_eq(A->receipt(A, HASH_A, &rc), W3W_OK);
	ck_assert_uint_eq(rc.block_number, 5);
	ck_assert_int_eq(rc.success, 0);
	ck_assert_uint_eq(rc.gas_used, 21000);
	script(200, OK("null"));
	ck_assert_int_eq(A->receipt(A, HASH_A, &rc), W3W_ENOTFOUND);
	script(200, OK("null"));
	ck_assert_int_eq(A->tx_known(A, HASH_A, &known), W3W_OK);
	ck_assert_int_eq(known, 0);
	script(200, OK("{\"hash\":\"" HASH_A "\"}"));
	ck_assert_int_eq(A->tx_known(A, HASH_A, &known), W3W_OK);
	ck_assert_int_eq(known, 1);
}
END_TEST

START_TEST(broadcast_outcomes)
{
	static const unsigned char raw[] = { 0x02, 0xc0 };
	w3w_chain_send_result res;

	script(200, OK("\"" HASH_A "\""));
	ck_assert_int_eq(A->send_raw(A, raw, sizeof(raw), &res), W3W_OK);
	ck_assert_int_eq(res.outcome, W3W_SEND_ACCEPTED);
	ck_assert_ptr_nonnull(strstr(N.last_request, "[\"0x02c0\"]"));

	/* Already in the pool: as good as accepted; the hash is computed from the bytes. */
	script(200, ERR(-32000, "already known"));
	ck_assert_int_eq(A->send_raw(A, raw, sizeof(raw), &res), W3W_OK);
	ck_assert_int_eq(res.outcome, W3W_SEND_ACCEPTED);
	ck_assert_int_eq((int)strlen(res.tx_hash), 66);

	script(200, ERR(-32003, "nonce too low: next nonce 5, tx nonce 4"));
	ck_assert_int_eq(A->send_raw(A, raw, sizeof(raw), &res), W3W_EUNAVAILABLE);
	ck_assert_int_eq(res.outcome, W3W_SEND_NONCE_USED);
	script(200, ERR(-32003, "Nonce too low"));
	A->send_raw(A, raw, sizeof(raw), &res);
	ck_assert_int_eq(res.outcome, W3W_SEND_NONCE_USED);

	script(200, ERR(-32003, "insufficient funds for gas * price + value"));
	ck_assert_int_eq(A->send_raw(A, raw, sizeof(raw), &res), W3W_EUNAVAILABLE);
	ck_assert_int_eq(res.outcome, W3W_SEND_REJECTED);
	ck_assert_ptr_nonnull(strstr(res.message, "insufficient funds"));

	/* No usable answer: it may have arrived. */
	script(200, "garbage");
	A->send_raw(A, raw, sizeof(raw), &res);
	ck_assert_int_eq(res.outcome, W3W_SEND_UNKNOWN);
	script(0, "");
	A->send_raw(A, raw, sizeof(raw), &res);
	ck_assert_int_eq(res.outcome, W3W_SEND_UNKNOWN);
}
END_TEST

START_TEST(nothing_listening_is_not_sent)
{
	w3w_chain_adapter *down = NULL;
	w3w_chain_adapter_config cfg = { W3W_CHAIN_ADAPTER_CONFIG_VERSION, TIMEOUT_MS, 1 };
	static const unsigned char raw[] = { 0x01 };
	w3w_chain_send_result res;
	char url[64];

	/* The scripted node's port plus one is very likely closed. */
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", N.port + 1 < 19000 ? N.port + 1 : N.port - 1);
	ck_assert_int_eq(w3w_chain_adapter_evm_open(&down, url, &cfg), W3W_OK);
	ck_assert_int_eq(down->send_raw(down, raw, 1, &res), W3W_EUNAVAILABLE);
	ck_assert_int_eq(res.outcome, W3W_SEND_NOT_SENT);
	ck_assert_ptr_null(strstr(w3w_error_message(), url));
	down->free(down);
	ck_assert_int_eq(w3w_chain_adapter_evm_open(&down, "file:///etc/passwd", &cfg), W3W_EINVAL);
}
END_TEST

START_TEST(fees_and_estimates)
{
	w3w_chain_fees f;
	w3w_chain_call call;
	uint64_t gas = 0;

	/* EIP-1559: cap = 2 x base fee (1 gwei) + tip (2 gwei) = 4 gwei. */
	script(200, OK("{\"number\":\"0x1\",\"hash\":\"" HASH_A "\",\"parentHash\":\"" HASH_B "\",\"timestamp\":\"0x1\","
		"\"baseFeePerGas\":\"0x3b9aca00\"}"));
	script(200, OK("\"0x77359400\""));
	ck_assert_int_eq(A->fees(A, &f), W3W_OK);
	ck_assert_int_eq(f.eip1559, 1);
	ck_assert_uint_eq(f.max_fee_per_gas.be[28], 0xee);
	ck_assert_uint_eq(f.max_fee_per_gas.be[29], 0x6b);
	ck_assert_uint_eq(f.max_fee_per_gas.be[30], 0x28);
	ck_assert_uint_eq(f.max_fee_per_gas.be[31], 0x00);
	/* No base fee: a legacy gas price. */
	script(200, OK("{\"number\":\"0x1\",\"hash\":\"" HASH_A "\",\"parentHash\":\"" HASH_B "\",\"timestamp\":\"0x1\"}"));
	script(200, OK("\"0x4a817c800\""));
	ck_assert_int_eq(A->fees(A, &f), W3W_OK);
	ck_assert_int_eq(f.eip1559, 0);
	ck_assert_uint_eq(f.gas_price.be[27], 0x04);

	memset(&call, 0, sizeof(call));
	call.to = "0x5fbdb2315678afecb367f032d93f642f64180aa3";
	script(200, OK("\"0xc738\""));
	ck_assert_int_eq(A->estimate_gas(A, &call, &gas), W3W_OK);
	ck_assert_uint_eq(gas, 51000);
	/* A revert is the caller's business (W3W_EINVAL with the node's words), not an outage. */
	script(200, ERR(3, "execution reverted: TKN: transfer amount exceeds balance"));
	ck_assert_int_eq(A->estimate_gas(A, &call, &gas), W3W_EINVAL);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "exceeds balance"));
}
END_TEST

START_TEST(logs_by_block_hash)
{
	static const unsigned char topic0[32] = { 0xdd, 0xf2 };
	const char *contracts[1] = { "0x5fbdb2315678afecb367f032d93f642f64180aa3" };
	w3w_chain_log *logs = NULL;
	size_t n = 9;

	script(200, OK("[{\"transactionHash\":\"" HASH_A "\",\"logIndex\":\"0x3\","
		"\"address\":\"0x5FbDB2315678afecb367f032d93F642f64180aa3\",\"topics\":[\"" HASH_B "\",\"" HASH_A "\",\""
		HASH_B "\"],\"data\":\"0x00000000000000000000000000000000000000000000000000000000000f4240\"},"
		"{\"transactionHash\":\"" HASH_B "\",\"logIndex\":\"0x4\",\"address\":\"0x5FbDB2315678afecb367f032d93F642f64180aa3\","
		"\"topics\":[],\"data\":\"0x\",\"removed\":true}]"));
	ck_assert_int_eq(A->logs(A, HASH_A, contracts, 1, topic0, &logs, &n), W3W_OK);
	ck_assert_ptr_nonnull(strstr(N.last_request, "\"blockHash\":\"" HASH_A "\""));
	ck_assert_uint_eq(n, 1); /* the removed one is left out */
	ck_assert_uint_eq(logs[0].log_index, 3);
	ck_assert_uint_eq(logs[0].topic_count, 3);
	ck_assert_uint_eq(logs[0].data_len, 32);
	ck_assert_uint_eq(logs[0].data[31], 0x40);
	ck_assert_str_eq(logs[0].address, contracts[0]);
	free(logs);
	script(200, OK("[{\"transactionHash\":\"" HASH_A "\",\"logIndex\":\"0x3\",\"address\":\"0x5f\","
		"\"topics\":[],\"data\":\"0x\"}]"));
	ck_assert_int_eq(A->logs(A, HASH_A, contracts, 1, topic0, &logs, &n), W3W_EUNAVAILABLE);
	ck_assert_ptr_null(logs);
}
END_TEST

int main(void)
{
	w3w_chain_adapter *probe = NULL;
	Suite *s;
	TCase *tc;
	SRunner *sr;
	int failed;

	if (w3w_chain_adapter_evm_open(&probe, "http://127.0.0.1:1", NULL) != W3W_OK &&
	    strstr(w3w_error_message(), "libcurl")) {
		printf("wallet_evm: this build has no evm adapter (no libcurl): nothing to test\n");
		return EXIT_SUCCESS;
	}
	if (probe)
		probe->free(probe);
	s = suite_create("wallet_evm");
	tc = tcase_create("evm");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, quantities_and_blocks);
	tcase_add_test(tc, garbage_is_never_believed);
	tcase_add_test(tc, receipts_and_pool);
	tcase_add_test(tc, broadcast_outcomes);
	tcase_add_test(tc, nothing_listening_is_not_sent);
	tcase_add_test(tc, fees_and_estimates);
	tcase_add_test(tc, logs_by_block_hash);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

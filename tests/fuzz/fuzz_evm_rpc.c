/*
 * JSON-RPC answers of a chain node, through the real "evm" adapter and its
 * JSON-RPC client (src/chain/evm: rpc.c, evm_json.c, evm_adapter.c). No
 * network: this harness defines the few libcurl functions rpc.c calls, so
 * the program's own definitions win over libcurl's and "sending" a
 * request hands the fuzzed answer to rpc.c's write callback.
 *
 * Input: one byte picks the adapter call, the rest is the node's answers to
 * its successive requests, separated by "\n===\n". An answer starting with
 * '!' is a transport failure; "#NNN " before an answer is its HTTP status.
 * Request ids count from 1 for each input (a fresh adapter).
 *
 * Properties: every call ends in a status the adapter documents; values it
 * accepts are well formed ("0x" + lowercase hex of the right length);
 * W3W_OK of send_raw means the node has the transaction.
 */
#define CURL_DISABLE_TYPECHECK
#include <ctype.h>
#include <stdarg.h>

#include <curl/curl.h>

#include "fuzz.h"

#include "w3wallet.h"
#include "w3wallet/sys/chain.h"

#define SEP "\n===\n"

/* ---- a libcurl that answers from the script ------------------------------------ */

static struct {
	const char *next, *end;
	int performs;
} script;

typedef struct fake_handle {
	curl_write_callback write;
	void *write_data;
	long http;
} fake_handle;

CURLcode curl_global_init(long flags)
{
	(void)flags;
	return CURLE_OK;
}

CURL *curl_easy_init(void)
{
	return calloc(1, sizeof(fake_handle));
}

void curl_easy_cleanup(CURL *h)
{
	free(h);
}

CURLcode curl_easy_setopt(CURL *h, CURLoption option, ...)
{
	fake_handle *f = h;
	va_list ap;
	va_start(ap, option);
	if (option == CURLOPT_WRITEFUNCTION)
		f->write = va_arg(ap, curl_write_callback);
	else if (option == CURLOPT_WRITEDATA)
		f->write_data = va_arg(ap, void *);
	va_end(ap);
	return CURLE_OK;
}

CURLcode curl_easy_perform(CURL *h)
{
	fake_handle *f = h;
	const char *a = script.next, *sep, *end;
	size_t len;

	script.performs++;
	f->http = 0;
	if (!a)
		return CURLE_COULDNT_CONNECT; /* no more answers: the node is gone */
	sep = memmem(a, (size_t)(script.end - a), SEP, sizeof(SEP) - 1);
	end = sep ? sep : script.end;
	script.next = sep ? sep + sizeof(SEP) - 1 : NULL;
	if (a < end && *a == '!')
		return CURLE_OPERATION_TIMEDOUT;
	f->http = 200;
	if (end - a > 5 && a[0] == '#' && isdigit((unsigned char)a[1]) && isdigit((unsigned char)a[2]) &&
	    isdigit((unsigned char)a[3]) && a[4] == ' ') {
		f->http = strtol(a + 1, NULL, 10);
		a += 5;
	}
	/* In two pieces, as a network would: the reader must join them. */
	len = (size_t)(end - a);
	for (size_t off = 0, piece = len / 2 + 1; off < len; off += piece) {
		size_t n = len - off < piece ? len - off : piece;
		if (f->write((char *)a + off, 1, n, f->write_data) != n)
			return CURLE_WRITE_ERROR;
	}
	return CURLE_OK;
}

CURLcode curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
	fake_handle *f = h;
	va_list ap;
	va_start(ap, info);
	if (info == CURLINFO_RESPONSE_CODE)
		*va_arg(ap, long *) = f->http;
	va_end(ap);
	return CURLE_OK;
}

/* ---- checks ---------------------------------------------------------------------- */

static int lower_hex(const char *s, size_t digits)
{
	if (strncmp(s, "0x", 2) != 0 || strlen(s) != digits + 2)
		return 0;
	for (s += 2; *s; s++)
		if (!isdigit((unsigned char)*s) && !(*s >= 'a' && *s <= 'f'))
			return 0;
	return 1;
}

static int documented(w3w_status st)
{
	return st == W3W_OK || st == W3W_EUNAVAILABLE || st == W3W_ENOTFOUND || st == W3W_EINVAL || st == W3W_ENOMEM;
}

static void check_block(const w3w_chain_block *b, int with_txs)
{
	FUZZ_CHECK(lower_hex(b->hash, 64) && lower_hex(b->parent_hash, 64));
	FUZZ_CHECK(with_txs || b->tx_count == 0);
	for (size_t i = 0; i < b->tx_count; i++) {
		FUZZ_CHECK(lower_hex(b->txs[i].hash, 64) && lower_hex(b->txs[i].from, 40));
		FUZZ_CHECK(b->txs[i].to[0] == '\0' || lower_hex(b->txs[i].to, 40));
	}
}

static const char addr[] = "0x00000000000000000000000000000000000000aa";
static const char hash[] = "0x00000000000000000000000000000000000000000000000000000000000000bb";

static void drive(w3w_chain_adapter *a, unsigned int which)
{
	static const unsigned char raw[] = { 0x02, 0xc0 };
	static const unsigned char topic0[32] = { 0xdd };
	const char *contracts[] = { addr };
	w3w_chain_call call = { addr, addr, {{0}}, raw, sizeof(raw) };
	w3w_chain_block *b = NULL;
	w3w_chain_receipt rc;
	w3w_chain_fees fees;
	w3w_chain_send_result sent;
	w3w_chain_log *logs = NULL;
	w3w_u256 u;
	unsigned char *out = NULL;
	size_t n = 0;
	uint64_t q;
	int known = -1;
	w3w_status st;

	switch (which) {
	case 0: st = a->chain_id(a, &q); break;
	case 1: st = a->head(a, &q); break;
	case 2:
	case 3:
		st = a->block(a, 7, which == 3, &b);
		if (st == W3W_OK)
			check_block(b, which == 3);
		else
			FUZZ_CHECK(b == NULL);
		a->block_free(a, b);
		break;
	case 4:
		st = a->receipt(a, hash, &rc);
		if (st == W3W_OK)
			FUZZ_CHECK(lower_hex(rc.tx_hash, 64) && lower_hex(rc.block_hash, 64));
		break;
	case 5: st = a->nonce(a, addr, 1, &q); break;
	case 6:
		st = a->fees(a, &fees);
		FUZZ_CHECK(st != W3W_ENOTFOUND);
		break;
	case 7: st = a->estimate_gas(a, &call, &q); break;
	case 8:
		st = a->send_raw(a, raw, sizeof(raw), &sent);
		FUZZ_CHECK((st == W3W_OK) == (sent.outcome == W3W_SEND_ACCEPTED));
		if (st == W3W_OK)
			FUZZ_CHECK(lower_hex(sent.tx_hash, 64));
		break;
	case 9:
		st = a->logs(a, hash, contracts, 1, topic0, &logs, &n);
		if (st == W3W_OK)
			for (size_t i = 0; i < n; i++)
				FUZZ_CHECK(logs[i].topic_count <= 4 && lower_hex(logs[i].address, 40) &&
					lower_hex(logs[i].tx_hash, 64));
		else
			FUZZ_CHECK(logs == NULL && n == 0);
		free(logs);
		break;
	case 10:
		st = a->tx_known(a, hash, &known);
		FUZZ_CHECK(st != W3W_OK || known == 0 || known == 1);
		break;
	case 11: st = a->balance(a, addr, &u); break;
	default:
		st = a->call(a, &call, &out, &n);
		FUZZ_CHECK(st == W3W_OK ? out != NULL : out == NULL);
		free(out);
		break;
	}
	FUZZ_CHECK(documented(st));
	if (st != W3W_OK)
		FUZZ_CHECK(w3w_error_message()[0] != '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Port 9 of loopback: were the fake not in use, nothing would leave the machine. */
	static const w3w_chain_adapter_config cfg = { W3W_CHAIN_ADAPTER_CONFIG_VERSION, 1000, 0 };
	w3w_chain_adapter *a = NULL;

	if (size < 1)
		return 0;
	script.next = (const char *)data + 1;
	script.end = (const char *)data + size;
	script.performs = 0;
	FUZZ_CHECK(w3w_chain_adapter_evm_open(&a, "http://127.0.0.1:9/", &cfg) == W3W_OK);
	drive(a, data[0] % 13);
	/* Proof the answers came from here: every call made at least one request. */
	FUZZ_CHECK(script.performs > 0);
	a->free(a);
	return 0;
}

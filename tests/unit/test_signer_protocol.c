/*
 * The signer protocol (src/signer/): frames and their tags over a socket
 * pair, the strict JSON of requests and answers, and the signer's policy
 * (chain ids, the zero address, per-transaction maxima, token transfers
 * only, the gas bound).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "signer/protocol.h"

#define TOKEN "0x5FbDB2315678afecb367f032d93F642f64180aa3"
#define SESSION "00112233445566778899aabbccddeeff"

static unsigned char key[32], other[32];

static void keys(void)
{
	memset(key, 0x11, sizeof(key));
	memset(other, 0x22, sizeof(other));
}

/* ---- frames --------------------------------------------------------------------- */

START_TEST(frames_round_trip_and_are_authenticated)
{
	int sv[2];
	char *json = NULL;

	keys();
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(w3w__sp_send(sv[0], key, W3W__SP_REQUEST, "{\"a\":1}"), W3W__SP_OK);
	ck_assert_int_eq(w3w__sp_recv(sv[1], key, W3W__SP_REQUEST, &json), W3W__SP_OK);
	ck_assert_str_eq(json, "{\"a\":1}");
	free(json);
	/* Another key, or a frame of another direction, does not verify. */
	ck_assert_int_eq(w3w__sp_send(sv[0], other, W3W__SP_REQUEST, "{}"), W3W__SP_OK);
	ck_assert_int_eq(w3w__sp_recv(sv[1], key, W3W__SP_REQUEST, &json), W3W__SP_EMAC);
	ck_assert_ptr_null(json);
	ck_assert_int_eq(w3w__sp_send(sv[0], key, W3W__SP_ANSWER, "{}"), W3W__SP_OK);
	ck_assert_int_eq(w3w__sp_recv(sv[1], key, W3W__SP_REQUEST, &json), W3W__SP_EMAC);
	/* A length past the limit is refused unread; one shorter than the tag too. */
	ck_assert_int_eq(write(sv[0], "\x00\x01\x00\x00", 4), 4);
	ck_assert_int_eq(w3w__sp_recv(sv[1], key, W3W__SP_REQUEST, &json), W3W__SP_ETOOLONG);
	ck_assert_int_eq(write(sv[0], "\x00\x00\x00\x1f", 4), 4);
	ck_assert_int_eq(w3w__sp_recv(sv[1], key, W3W__SP_REQUEST, &json), W3W__SP_ETOOLONG);
	/* A frame cut short by the peer closing. */
	ck_assert_int_eq(write(sv[0], "\x00\x00\x00\x40xyz", 7), 7);
	close(sv[0]);
	ck_assert_int_eq(w3w__sp_recv(sv[1], key, W3W__SP_REQUEST, &json), W3W__SP_EIO);
	close(sv[1]);
}
END_TEST

START_TEST(every_byte_of_a_body_is_covered)
{
	const char *json = "{\"v\":1}";
	unsigned char body[W3W__SP_TAG_LEN + 7];

	keys();
	w3w__sp_tag(body, key, W3W__SP_REQUEST, json, 7);
	memcpy(body + W3W__SP_TAG_LEN, json, 7);
	ck_assert_int_eq(w3w__sp_body_check(key, W3W__SP_REQUEST, body, sizeof(body)), W3W__SP_OK);
	for (size_t i = 0; i < sizeof(body); i++) {
		body[i] ^= 0x01;
		ck_assert_int_eq(w3w__sp_body_check(key, W3W__SP_REQUEST, body, sizeof(body)), W3W__SP_EMAC);
		body[i] ^= 0x01;
	}
	ck_assert_int_eq(w3w__sp_body_check(key, W3W__SP_REQUEST, body, W3W__SP_TAG_LEN - 1), W3W__SP_ETOOLONG);
}
END_TEST

/* ---- messages -------------------------------------------------------------------- */

static void sample(w3w__sp_request *r, int type)
{
	static const unsigned char data[68] = { 0xa9, 0x05, 0x9c, 0xbb };

	memset(r, 0, sizeof(*r));
	strcpy(r->session, SESSION);
	r->seq = 18446744073709551615ULL;
	r->op = W3W__SP_OP_SIGN;
	r->tx.type = type;
	r->tx.chain_id = 31337;
	r->tx.nonce = 7;
	r->tx.gas_limit = 65000;
	r->tx.gas_price.be[31] = 9;
	r->tx.max_fee_per_gas.be[0] = 1; /* 2^248: no double could carry it */
	r->tx.max_priority_fee_per_gas.be[31] = 2;
	memset(r->tx.to, 0xab, 20);
	r->tx.value.be[30] = 1;
	r->tx.data = data;
	r->tx.data_len = sizeof(data);
}

START_TEST(requests_round_trip_exactly)
{
	w3w__sp_request r, back;
	char why[200], *json;

	for (int type = 0; type <= 2; type += 2) {
		sample(&r, type);
		json = w3w__sp_request_json(&r);
		ck_assert_ptr_nonnull(json);
		ck_assert_msg(w3w__sp_request_parse(&back, json, why, sizeof(why)) == 0, "%s", why);
		free(json);
		ck_assert_str_eq(back.session, r.session);
		ck_assert_uint_eq(back.seq, r.seq);
		ck_assert_int_eq(back.tx.type, type);
		ck_assert_uint_eq(back.tx.chain_id, 31337);
		ck_assert_uint_eq(back.tx.nonce, 7);
		ck_assert_uint_eq(back.tx.gas_limit, 65000);
		ck_assert_mem_eq(back.tx.to, r.tx.to, 20);
		ck_assert_mem_eq(back.tx.value.be, r.tx.value.be, 32);
		ck_assert_uint_eq(back.tx.data_len, 68);
		ck_assert_mem_eq(back.tx.data, r.tx.data, 68);
		if (type == 2) {
			ck_assert_mem_eq(back.tx.max_fee_per_gas.be, r.tx.max_fee_per_gas.be, 32);
			ck_assert_mem_eq(back.tx.max_priority_fee_per_gas.be, r.tx.max_priority_fee_per_gas.be, 32);
		} else {
			ck_assert_mem_eq(back.tx.gas_price.be, r.tx.gas_price.be, 32);
		}
	}
	r.op = W3W__SP_OP_ADDRESS;
	json = w3w__sp_request_json(&r);
	ck_assert_int_eq(w3w__sp_request_parse(&back, json, why, sizeof(why)), 0);
	ck_assert_int_eq(back.op, W3W__SP_OP_ADDRESS);
	free(json);
	r.op = W3W__SP_OP_DEPOSIT_ADDRESS;
	strcpy(r.family, "solana");
	r.index = W3W__SP_INDEX_LIMIT - 1;
	json = w3w__sp_request_json(&r);
	ck_assert_msg(w3w__sp_request_parse(&back, json, why, sizeof(why)) == 0, "%s", why);
	free(json);
	ck_assert_int_eq(back.op, W3W__SP_OP_DEPOSIT_ADDRESS);
	ck_assert_str_eq(back.family, "solana");
	ck_assert_int_eq(back.index, W3W__SP_INDEX_LIMIT - 1);
}
END_TEST

static void refused(const char *json, const char *why_part)
{
	w3w__sp_request r;
	char why[200] = "";

	ck_assert_msg(w3w__sp_request_parse(&r, json, why, sizeof(why)) == -1, "accepted: %s", json);
	ck_assert_msg(strstr(why, why_part) != NULL, "%s: said \"%s\", expected \"%s\"", json, why, why_part);
}

#define HEAD "{\"v\":1,\"session\":\"" SESSION "\",\"seq\":\"1\",\"op\":\"sign\",\"tx\":"
#define TX_REST "\"chain_id\":\"1\",\"nonce\":\"0\",\"gas_limit\":\"21000\"," \
	"\"to\":\"0xabababababababababababababababababababab\",\"value\":\"1\",\"data\":\"0x\"}}"

START_TEST(requests_are_parsed_strictly)
{
	w3w__sp_request r;
	char why[200];

	ck_assert_msg(w3w__sp_request_parse(&r, HEAD "{\"type\":0,\"gas_price\":\"1\"," TX_REST, why, sizeof(why)) == 0,
		"%s", why);
	ck_assert_ptr_null(r.tx.data);
	refused("[]", "request: not a JSON object");
	refused("{\"v\":1", "not JSON");
	refused(HEAD "{\"type\":0,\"gas_price\":\"1\"," TX_REST "x", "not JSON");
	refused("{\"v\":2,\"session\":\"" SESSION "\",\"seq\":\"1\",\"op\":\"address\"}", "v: protocol version");
	refused("{\"v\":1,\"session\":\"0011\",\"seq\":\"1\",\"op\":\"address\"}", "session: expected 32");
	refused("{\"v\":1,\"session\":\"" SESSION "\",\"seq\":1,\"op\":\"address\"}", "seq: missing or not a string");
	refused("{\"v\":1,\"session\":\"" SESSION "\",\"seq\":\"01\",\"op\":\"address\"}", "seq: not a decimal");
	refused("{\"v\":1,\"session\":\"" SESSION "\",\"seq\":\"18446744073709551616\",\"op\":\"address\"}",
		"seq: above 2^64");
	refused("{\"v\":1,\"session\":\"" SESSION "\",\"seq\":\"1\",\"op\":\"send\"}", "op:");
	refused("{\"v\":1,\"session\":\"" SESSION "\",\"seq\":\"1\",\"op\":\"address\",\"x\":1}", "unknown member \"x\"");
	refused("{\"v\":1,\"session\":\"" SESSION "\",\"seq\":\"1\",\"op\":\"address\",\"tx\":{}}", "tx: not part");
	refused("{\"v\":1,\"session\":\"" SESSION "\",\"seq\":\"1\",\"op\":\"sign\"}", "tx: missing");
	refused(HEAD "{\"type\":1,\"gas_price\":\"1\"," TX_REST, "type: 0");
	refused("{\"v\":1,\"session\":\"" SESSION "\",\"seq\":\"1\",\"op\":\"deposit_address\",\"family\":\"btc\","
		"\"index\":\"0\"}", "family:");
	refused("{\"v\":1,\"session\":\"" SESSION "\",\"seq\":\"1\",\"op\":\"deposit_address\",\"family\":\"evm\","
		"\"index\":\"2147483648\"}", "index: at most 2^31 - 1");
	refused("{\"v\":1,\"session\":\"" SESSION "\",\"seq\":\"1\",\"op\":\"deposit_address\",\"family\":\"evm\"}",
		"index: missing");
	refused("{\"v\":1,\"session\":\"" SESSION "\",\"seq\":\"1\",\"op\":\"address\",\"index\":\"1\"}",
		"only with ops deposit_address, sweep and topup");
	/* A legacy transaction has no EIP-1559 fees, and the other way round. */
	refused(HEAD "{\"type\":0,\"max_fee_per_gas\":\"1\"," TX_REST, "unknown member \"max_fee_per_gas\"");
	refused(HEAD "{\"type\":2,\"gas_price\":\"1\"," TX_REST, "unknown member \"gas_price\"");
	refused(HEAD "{\"type\":0," TX_REST, "gas_price: missing");
	refused(HEAD "{\"type\":0,\"gas_price\":\"-1\"," TX_REST, "gas_price: not a decimal");
	refused(HEAD "{\"type\":0,\"gas_price\":\"0x10\"," TX_REST, "gas_price: not a decimal");
	refused(HEAD "{\"type\":0,\"gas_price\":\"1157920892373161954235709850086879078532699846656405640394575840079131296399360\","
		TX_REST, "gas_price: not a decimal number below 2^256");
	refused(HEAD "{\"type\":0,\"gas_price\":\"1\",\"chain_id\":\"1\",\"nonce\":\"0\",\"gas_limit\":\"21000\","
		"\"to\":\"0xabab\",\"value\":\"1\",\"data\":\"0x\"}}", "to: expected 0x and 40");
	refused(HEAD "{\"type\":0,\"gas_price\":\"1\",\"chain_id\":\"1\",\"nonce\":\"0\",\"gas_limit\":\"21000\","
		"\"to\":\"0xabababababababababababababababababababab\",\"value\":\"1\",\"data\":\"0xabc\"}}", "data: expected");
}
END_TEST

START_TEST(answers_round_trip)
{
	w3w__sp_answer a, back;
	char why[200], *json;

	memset(&a, 0, sizeof(a));
	strcpy(a.session, SESSION);
	a.seq = 3;
	a.ok = 1;
	strcpy(a.address, "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
	a.raw_len = 110;
	memset(a.raw, 0x02, a.raw_len);
	memset(a.hash, 0xee, 32);
	json = w3w__sp_answer_json(&a);
	ck_assert_msg(w3w__sp_answer_parse(&back, json, why, sizeof(why)) == 0, "%s", why);
	free(json);
	ck_assert_int_eq(back.ok, 1);
	ck_assert_uint_eq(back.seq, 3);
	ck_assert_str_eq(back.address, a.address);
	ck_assert_uint_eq(back.raw_len, 110);
	ck_assert_mem_eq(back.raw, a.raw, 110);
	ck_assert_mem_eq(back.hash, a.hash, 32);

	a.ok = 0;
	strcpy(a.code, "policy");
	strcpy(a.error, "to: the zero address");
	json = w3w__sp_answer_json(&a);
	ck_assert_int_eq(w3w__sp_answer_parse(&back, json, why, sizeof(why)), 0);
	free(json);
	ck_assert_int_eq(back.ok, 0);
	ck_assert_str_eq(back.code, "policy");
	ck_assert_str_eq(back.error, "to: the zero address");
	ck_assert_int_eq(w3w__sp_answer_parse(&back, "{\"v\":1,\"session\":\"" SESSION "\",\"seq\":\"1\",\"ok\":1}",
		why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "ok: missing or not a boolean"));
}
END_TEST

/* ---- policy ------------------------------------------------------------------------ */

static w3w__sp_policy policy;

static void policy_setup(void)
{
	char why[200];

	memset(&policy, 0, sizeof(policy));
	ck_assert_int_eq(w3w__sp_policy_chain(&policy, "31337", why, sizeof(why)), 0);
	ck_assert_int_eq(w3w__sp_policy_max(&policy, "native=1000", why, sizeof(why)), 0);
	ck_assert_int_eq(w3w__sp_policy_max(&policy, TOKEN "=500", why, sizeof(why)), 0);
}

static void native(w3w_signer_tx *tx, unsigned value)
{
	memset(tx, 0, sizeof(*tx));
	tx->type = 2;
	tx->chain_id = 31337;
	tx->gas_limit = 21000;
	memset(tx->to, 0x42, 20);
	tx->value.be[30] = (unsigned char)(value >> 8);
	tx->value.be[31] = (unsigned char)value;
}

static unsigned char call[68];

static void token(w3w_signer_tx *tx, unsigned amount, int zero_recipient)
{
	static const unsigned char contract[20] = { 0x5f, 0xbd, 0xb2, 0x31, 0x56, 0x78, 0xaf, 0xec, 0xb3, 0x67,
		0xf0, 0x32, 0xd9, 0x3f, 0x64, 0x2f, 0x64, 0x18, 0x0a, 0xa3 };

	native(tx, 0);
	memcpy(tx->to, contract, 20);
	memset(call, 0, sizeof(call));
	memcpy(call, "\xa9\x05\x9c\xbb", 4);
	if (!zero_recipient)
		memset(call + 16, 0x42, 20);
	call[66] = (unsigned char)(amount >> 8);
	call[67] = (unsigned char)amount;
	tx->data = call;
	tx->data_len = sizeof(call);
}

static void check_refused(const w3w_signer_tx *tx, const char *why_part)
{
	char why[200] = "";

	ck_assert_int_eq(w3w__sp_policy_check(&policy, tx, why, sizeof(why)), -1);
	ck_assert_msg(strstr(why, why_part) != NULL, "said \"%s\", expected \"%s\"", why, why_part);
}

START_TEST(policy_allows_only_what_it_lists)
{
	w3w_signer_tx tx;
	char why[200] = "";

	policy_setup();
	native(&tx, 1000);
	ck_assert_msg(w3w__sp_policy_check(&policy, &tx, why, sizeof(why)) == 0, "%s", why);
	native(&tx, 1001);
	check_refused(&tx, "value: 1001 wei above the per-transaction maximum 1000");
	native(&tx, 1);
	tx.chain_id = 1;
	check_refused(&tx, "chain_id: 1 is not a chain");
	native(&tx, 1);
	memset(tx.to, 0, 20);
	check_refused(&tx, "to: the zero address");
	policy.allow_zero_address = 1;
	ck_assert_int_eq(w3w__sp_policy_check(&policy, &tx, why, sizeof(why)), 0);
	policy.allow_zero_address = 0;
	native(&tx, 1);
	tx.gas_limit = W3W__SP_GAS_DEFAULT + 1;
	check_refused(&tx, "gas_limit");
	policy.max_gas = 1000000;
	ck_assert_int_eq(w3w__sp_policy_check(&policy, &tx, why, sizeof(why)), 0);
	native(&tx, 1);
	tx.type = 1;
	check_refused(&tx, "type: 1");

	/* Fees come out of the hot wallet too: bounded per gas (1000 gwei unless configured). */
	native(&tx, 1);
	tx.max_fee_per_gas.be[25] = 0x01; /* 2^48 wei, about 281000 gwei */
	check_refused(&tx, "fee: 281474976710656 wei per gas above the maximum 1000000000000");
	ck_assert_int_eq(w3w__sp_policy_max_fee(&policy, "281474976710656", why, sizeof(why)), 0);
	ck_assert_int_eq(w3w__sp_policy_check(&policy, &tx, why, sizeof(why)), 0);
	tx.max_priority_fee_per_gas = tx.max_fee_per_gas;
	tx.max_priority_fee_per_gas.be[31] = 1;
	check_refused(&tx, "max_priority_fee_per_gas: above max_fee_per_gas");
	native(&tx, 1);
	tx.type = 0;
	tx.gas_price.be[25] = 0x02;
	check_refused(&tx, "fee: 562949953421312 wei per gas");
	ck_assert_int_eq(w3w__sp_policy_max_fee(&policy, "1e9", why, sizeof(why)), -1);

	token(&tx, 500, 0);
	ck_assert_msg(w3w__sp_policy_check(&policy, &tx, why, sizeof(why)) == 0, "%s", why);
	token(&tx, 501, 0);
	check_refused(&tx, "amount: 501 above the per-transaction maximum 500");
	token(&tx, 1, 1);
	check_refused(&tx, "recipient: the zero address");
	token(&tx, 1, 0);
	tx.value.be[31] = 1;
	check_refused(&tx, "value: a token transfer sends no native value");
	token(&tx, 1, 0);
	tx.to[0] ^= 1;
	check_refused(&tx, "not a listed token");
	token(&tx, 1, 0);
	call[0] = 0x09; /* approve() or anything else */
	check_refused(&tx, "call data");
	token(&tx, 1, 0);
	call[4] = 1; /* a recipient word that is not an address */
	check_refused(&tx, "call data");
	token(&tx, 1, 0);
	tx.data_len = 67;
	check_refused(&tx, "call data");

	/* Without a native maximum nothing native is signed. */
	policy.has_native_max = 0;
	native(&tx, 1);
	check_refused(&tx, "no maximum for native transfers");
}
END_TEST

/* Custody transactions: sweeps pay only the hot wallet (any amount), top-ups only gas to their own address. */
START_TEST(policy_of_sweeps_and_topups)
{
	unsigned char hot[20], deposit[20];
	w3w__sp_request r, back;
	w3w_signer_tx tx;
	char why[200] = "", *json;

	policy_setup();
	memset(hot, 0x42, 20);     /* the recipient native() and token() use */
	memset(deposit, 0x77, 20);
	native(&tx, 60000);        /* above the native maximum: a sweep may move the whole balance */
	ck_assert_msg(w3w__sp_policy_custody(&policy, W3W__SP_OP_SWEEP, &tx, hot, deposit, why, sizeof(why)) == 0, "%s", why);
	tx.to[0] = 0x43;
	ck_assert_int_eq(w3w__sp_policy_custody(&policy, W3W__SP_OP_SWEEP, &tx, hot, deposit, why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "a sweep pays only the hot wallet"));
	token(&tx, 60000, 0);      /* above the token maximum too */
	ck_assert_int_eq(w3w__sp_policy_custody(&policy, W3W__SP_OP_SWEEP, &tx, hot, deposit, why, sizeof(why)), 0);
	call[16] = 0x43;
	ck_assert_int_eq(w3w__sp_policy_custody(&policy, W3W__SP_OP_SWEEP, &tx, hot, deposit, why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "recipient: a sweep pays only the hot wallet"));
	tx.chain_id = 1;
	ck_assert_int_eq(w3w__sp_policy_custody(&policy, W3W__SP_OP_SWEEP, &tx, hot, deposit, why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "chain_id"));

	/* Top-ups: none without --max-topup, then up to it, only to the index's own address, no call data. */
	native(&tx, 500);
	memcpy(tx.to, deposit, 20);
	ck_assert_int_eq(w3w__sp_policy_custody(&policy, W3W__SP_OP_TOPUP, &tx, hot, deposit, why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "--max-topup"));
	ck_assert_int_eq(w3w__sp_policy_topup_max(&policy, "500", why, sizeof(why)), 0);
	ck_assert_int_eq(w3w__sp_policy_custody(&policy, W3W__SP_OP_TOPUP, &tx, hot, deposit, why, sizeof(why)), 0);
	tx.value.be[31]++;
	ck_assert_int_eq(w3w__sp_policy_custody(&policy, W3W__SP_OP_TOPUP, &tx, hot, deposit, why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "top-up of 501 wei above the maximum 500"));
	native(&tx, 1);
	ck_assert_int_eq(w3w__sp_policy_custody(&policy, W3W__SP_OP_TOPUP, &tx, hot, deposit, why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "only to the deposit address of its index"));
	ck_assert_int_eq(w3w__sp_policy_topup_max(&policy, "-1", why, sizeof(why)), -1);

	/* Their requests: index and tx, no family. */
	sample(&r, 2);
	r.op = W3W__SP_OP_SWEEP;
	r.index = 17;
	json = w3w__sp_request_json(&r);
	ck_assert_msg(w3w__sp_request_parse(&back, json, why, sizeof(why)) == 0, "%s", why);
	free(json);
	ck_assert_int_eq(back.op, W3W__SP_OP_SWEEP);
	ck_assert_int_eq(back.index, 17);
	ck_assert_uint_eq(back.tx.data_len, 68);
	refused("{\"v\":1,\"session\":\"" SESSION "\",\"seq\":\"1\",\"op\":\"topup\",\"index\":\"1\"}", "tx: missing");
	refused("{\"v\":1,\"session\":\"" SESSION "\",\"seq\":\"1\",\"op\":\"sweep\",\"family\":\"evm\",\"index\":\"1\","
		"\"tx\":{}}", "family: not part of ops sweep and topup");
}
END_TEST

/* A cancellation (0 to the hot wallet itself) uses a stuck withdrawal's nonce: signed even without a native maximum. */
START_TEST(policy_signs_a_cancellation)
{
	w3w_signer_tx tx;
	char why[200] = "";

	policy_setup();
	policy.has_native_max = 0;
	policy.has_self = 1;
	memset(policy.self, 0x42, 20);
	native(&tx, 0);
	ck_assert_msg(w3w__sp_policy_check(&policy, &tx, why, sizeof(why)) == 0, "%s", why);
	native(&tx, 1);
	check_refused(&tx, "value: no maximum for native transfers");
	native(&tx, 0);
	memset(tx.to, 0x43, 20);
	check_refused(&tx, "value: no maximum for native transfers");
	/* Its fee is bounded like any other. */
	native(&tx, 0);
	tx.max_fee_per_gas.be[25] = 0x01;
	check_refused(&tx, "fee: 281474976710656 wei per gas above the maximum");
}
END_TEST

START_TEST(policy_options_are_checked)
{
	w3w__sp_policy p;
	char why[200];

	memset(&p, 0, sizeof(p));
	ck_assert_int_eq(w3w__sp_policy_chain(&p, "0", why, sizeof(why)), -1);
	ck_assert_int_eq(w3w__sp_policy_chain(&p, "1x", why, sizeof(why)), -1);
	ck_assert_int_eq(w3w__sp_policy_chain(&p, "18446744073709551616", why, sizeof(why)), -1);
	for (int i = 0; i < W3W__SP_CHAINS_MAX; i++)
		ck_assert_int_eq(w3w__sp_policy_chain(&p, "5", why, sizeof(why)), 0);
	ck_assert_int_eq(w3w__sp_policy_chain(&p, "5", why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "at most"));
	ck_assert_int_eq(w3w__sp_policy_max(&p, "native", why, sizeof(why)), -1);
	ck_assert_int_eq(w3w__sp_policy_max(&p, "native=-1", why, sizeof(why)), -1);
	ck_assert_int_eq(w3w__sp_policy_max(&p, "0x1234=5", why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "not an address"));
	ck_assert_int_eq(w3w__sp_policy_max(&p, "native=0", why, sizeof(why)), 0);
	ck_assert_int_eq(p.has_native_max, 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("signer_protocol");
	TCase *tc = tcase_create("protocol");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, frames_round_trip_and_are_authenticated);
	tcase_add_test(tc, every_byte_of_a_body_is_covered);
	tcase_add_test(tc, requests_round_trip_exactly);
	tcase_add_test(tc, requests_are_parsed_strictly);
	tcase_add_test(tc, answers_round_trip);
	tcase_add_test(tc, policy_allows_only_what_it_lists);
	tcase_add_test(tc, policy_options_are_checked);
	tcase_add_test(tc, policy_of_sweeps_and_topups);
	tcase_add_test(tc, policy_signs_a_cancellation);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

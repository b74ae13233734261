/*
 * The signer protocol's parsers (src/signer/): what w3wallet-signer reads
 * from its socket. The first byte picks the parser: 0 request, 1 answer,
 * 2 hello, 3 a frame body (tag || JSON) under a fixed key. Whatever a
 * parser accepts must encode back to JSON that parses to the same thing,
 * so what the signer checks is what it signs.
 */
#include "fuzz.h"

#include "signer/protocol.h"

static void same_tx(const w3w_signer_tx *a, const w3w_signer_tx *b)
{
	FUZZ_CHECK(a->type == b->type && a->chain_id == b->chain_id && a->nonce == b->nonce);
	FUZZ_CHECK(a->gas_limit == b->gas_limit && memcmp(a->to, b->to, 20) == 0);
	FUZZ_CHECK(memcmp(a->value.be, b->value.be, 32) == 0 && memcmp(a->gas_price.be, b->gas_price.be, 32) == 0);
	FUZZ_CHECK(memcmp(a->max_fee_per_gas.be, b->max_fee_per_gas.be, 32) == 0);
	FUZZ_CHECK(memcmp(a->max_priority_fee_per_gas.be, b->max_priority_fee_per_gas.be, 32) == 0);
	FUZZ_CHECK(a->data_len == b->data_len && (a->data_len == 0 || memcmp(a->data, b->data, a->data_len) == 0));
}

static void request(const char *text)
{
	static w3w__sp_request r, back;
	char why[W3W__SP_ERROR_SIZE], *json;

	if (w3w__sp_request_parse(&r, text, why, sizeof(why)) != 0) {
		FUZZ_CHECK(why[0] != '\0');
		return;
	}
	FUZZ_CHECK((json = w3w__sp_request_json(&r)) != NULL);
	FUZZ_CHECK(w3w__sp_request_parse(&back, json, why, sizeof(why)) == 0);
	free(json);
	FUZZ_CHECK(strcmp(r.session, back.session) == 0 && r.seq == back.seq && r.op == back.op);
	if (r.op == W3W__SP_OP_DEPOSIT_ADDRESS)
		FUZZ_CHECK(strcmp(r.family, back.family) == 0 && r.index == back.index && r.index < W3W__SP_INDEX_LIMIT);
	if (r.op == W3W__SP_OP_SIGN)
		same_tx(&r.tx, &back.tx);
}

static void answer(const char *text)
{
	static w3w__sp_answer a, back;
	char why[W3W__SP_ERROR_SIZE], *json;

	if (w3w__sp_answer_parse(&a, text, why, sizeof(why)) != 0)
		return;
	FUZZ_CHECK((json = w3w__sp_answer_json(&a)) != NULL);
	FUZZ_CHECK(w3w__sp_answer_parse(&back, json, why, sizeof(why)) == 0);
	free(json);
	FUZZ_CHECK(a.ok == back.ok && a.seq == back.seq && strcmp(a.session, back.session) == 0);
	FUZZ_CHECK(strcmp(a.code, back.code) == 0 && strcmp(a.error, back.error) == 0);
	if (a.ok)
		FUZZ_CHECK(strcmp(a.address, back.address) == 0 && a.raw_len == back.raw_len &&
			memcmp(a.raw, back.raw, a.raw_len) == 0 && memcmp(a.hash, back.hash, 32) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char key[W3W__SP_KEY_LEN] = { 1, 2, 3 };
	char session[W3W__SP_SESSION_SIZE], why[W3W__SP_ERROR_SIZE], *text;

	if (size == 0)
		return 0;
	if (data[0] == 3) {
		/* Only a body whose tag is right passes; a fuzzer cannot forge one. */
		w3w__sp_result rc = w3w__sp_body_check(key, W3W__SP_REQUEST, data + 1, size - 1);
		FUZZ_CHECK(rc == W3W__SP_EMAC || rc == W3W__SP_ETOOLONG);
		return 0;
	}
	text = fuzz_cstr(data + 1, size - 1);
	if (data[0] == 0)
		request(text);
	else if (data[0] == 1)
		answer(text);
	else if (data[0] == 2 && w3w__sp_hello_parse(session, text, why, sizeof(why)) == 0)
		FUZZ_CHECK(strlen(session) == 32);
	free(text);
	return 0;
}

/*
 * JSON of the signer protocol's hello, request and answer (protocol.h).
 * Parsers are strict: an unknown member, a missing one, a number given
 * as a JSON number (doubles lose wei) or hex with the wrong length is
 * refused, so what the signer checks is exactly what it signs.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "crypto/hex.h"
#include "crypto/u256.h"
#include "signer/protocol.h"

int w3w__sp_refuse(char *why, size_t why_len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, why_len, fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- reading members ---------------------------------------------------------------- */

/* Every member of `obj` is one of `names` (NULL-terminated), and `obj` is an object. */
static int only_members(const cJSON *obj, const char *const *names, const char *what, char *why, size_t n)
{
	const cJSON *m;

	if (!cJSON_IsObject(obj))
		return w3w__sp_refuse(why, n, "%s: not a JSON object", what);
	cJSON_ArrayForEach(m, obj) {
		size_t i;
		for (i = 0; names[i] && strcmp(names[i], m->string) != 0; i++)
			;
		if (!names[i])
			return w3w__sp_refuse(why, n, "%s: unknown member \"%.40s\"", what, m->string);
	}
	return 0;
}

static const char *text_of(const cJSON *obj, const char *name, char *why, size_t n)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	if (!cJSON_IsString(v)) {
		w3w__sp_refuse(why, n, "%s: missing or not a string", name);
		return NULL;
	}
	return v->valuestring;
}

/* Canonical decimal text: digits only, no leading zero. */
static int decimal_ok(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > 78 || (s[0] == '0' && len > 1))
		return 0;
	return strspn(s, "0123456789") == len;
}

static int u256_member(w3w_u256 *out, const cJSON *obj, const char *name, char *why, size_t n)
{
	const char *s = text_of(obj, name, why, n);
	w3w__u256 v;

	if (!s)
		return -1;
	if (!decimal_ok(s) || w3w__u256_parse(&v, s, strlen(s)) != 0)
		return w3w__sp_refuse(why, n, "%s: not a decimal number below 2^256", name);
	memcpy(out->be, v.be, 32);
	return 0;
}

static int u64_member(uint64_t *out, const cJSON *obj, const char *name, char *why, size_t n)
{
	w3w_u256 v;

	if (u256_member(&v, obj, name, why, n) != 0)
		return -1;
	for (int i = 0; i < 24; i++)
		if (v.be[i])
			return w3w__sp_refuse(why, n, "%s: above 2^64 - 1", name);
	*out = 0;
	for (int i = 24; i < 32; i++)
		*out = *out << 8 | v.be[i];
	return 0;
}

/* "0x" + hex of exactly `len` bytes (len 0: any length up to `cap`; *got gets it). */
static int hex_member(unsigned char *out, size_t cap, size_t len, size_t *got, const cJSON *obj, const char *name,
	char *why, size_t n)
{
	const char *s = text_of(obj, name, why, n);
	size_t w = 0;

	if (!s)
		return -1;
	if (strncmp(s, "0x", 2) != 0 || w3w__crypto_hex_decode(out, cap, &w, s + 2, strlen(s + 2)) != 0 ||
	    (len && w != len))
		return w3w__sp_refuse(why, n, "%s: expected 0x and %s hex digits", name, len == 20 ? "40" : len == 32 ? "64" : "even");
	if (got)
		*got = w;
	return 0;
}

static int session_member(char out[W3W__SP_SESSION_SIZE], const cJSON *obj, char *why, size_t n)
{
	const char *s = text_of(obj, "session", why, n);

	if (!s)
		return -1;
	if (strlen(s) != W3W__SP_SESSION_SIZE - 1 || strspn(s, "0123456789abcdef") != W3W__SP_SESSION_SIZE - 1)
		return w3w__sp_refuse(why, n, "session: expected 32 lowercase hex digits");
	memcpy(out, s, W3W__SP_SESSION_SIZE);
	return 0;
}

static int version_member(const cJSON *obj, char *why, size_t n)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, "v");

	if (!cJSON_IsNumber(v) || v->valuedouble != W3W__SP_VERSION)
		return w3w__sp_refuse(why, n, "v: protocol version %d expected", W3W__SP_VERSION);
	return 0;
}

static cJSON *parse(const char *json, char *why, size_t n)
{
	cJSON *root = cJSON_ParseWithOpts(json, NULL, 1);

	if (!root)
		w3w__sp_refuse(why, n, "not JSON");
	return root;
}

/* ---- writing members ------------------------------------------------------------------ */

static void add_u256(cJSON *obj, const char *name, const w3w_u256 *v)
{
	char text[W3W__U256_DECIMAL_SIZE];
	w3w__u256 x;

	memcpy(x.be, v->be, 32);
	w3w__u256_to_decimal(text, sizeof(text), &x);
	cJSON_AddStringToObject(obj, name, text);
}

static void add_u64(cJSON *obj, const char *name, uint64_t v)
{
	char text[24];

	snprintf(text, sizeof(text), "%" PRIu64, v);
	cJSON_AddStringToObject(obj, name, text);
}

static void add_hex(cJSON *obj, const char *name, const unsigned char *p, size_t len)
{
	char text[2 * W3W__SP_RAW_MAX + 3];

	strcpy(text, "0x");
	w3w__crypto_hex_encode(text + 2, sizeof(text) - 2, p, len);
	cJSON_AddStringToObject(obj, name, text);
}

static char *print(cJSON *root)
{
	char *out = root ? cJSON_PrintUnformatted(root) : NULL;

	cJSON_Delete(root);
	return out;
}

static cJSON *header(const char *session, uint64_t seq, int with_seq)
{
	cJSON *root = cJSON_CreateObject();

	if (root) {
		cJSON_AddNumberToObject(root, "v", W3W__SP_VERSION);
		cJSON_AddStringToObject(root, "session", session);
		if (with_seq)
			add_u64(root, "seq", seq);
	}
	return root;
}

/* ---- hello ------------------------------------------------------------------------------ */

char *w3w__sp_hello_json(const char *session)
{
	return print(header(session, 0, 0));
}

int w3w__sp_hello_parse(char session[W3W__SP_SESSION_SIZE], const char *json, char *why, size_t why_len)
{
	static const char *const names[] = { "v", "session", NULL };
	cJSON *root = parse(json, why, why_len);
	int rc = root && only_members(root, names, "hello", why, why_len) == 0 &&
		version_member(root, why, why_len) == 0 && session_member(session, root, why, why_len) == 0 ? 0 : -1;

	cJSON_Delete(root);
	return rc;
}

/* ---- request ------------------------------------------------------------------------------ */

static cJSON *tx_json(const w3w_signer_tx *tx)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "type", tx->type);
	add_u64(o, "chain_id", tx->chain_id);
	add_u64(o, "nonce", tx->nonce);
	if (tx->type == 2) {
		add_u256(o, "max_fee_per_gas", &tx->max_fee_per_gas);
		add_u256(o, "max_priority_fee_per_gas", &tx->max_priority_fee_per_gas);
	} else {
		add_u256(o, "gas_price", &tx->gas_price);
	}
	add_u64(o, "gas_limit", tx->gas_limit);
	add_hex(o, "to", tx->to, 20);
	add_u256(o, "value", &tx->value);
	add_hex(o, "data", tx->data, tx->data_len);
	return o;
}

const char *w3w__sp_op_name(w3w__sp_op op)
{
	switch (op) {
	case W3W__SP_OP_SIGN:            return "sign";
	case W3W__SP_OP_DEPOSIT_ADDRESS: return "deposit_address";
	case W3W__SP_OP_SWEEP:           return "sweep";
	case W3W__SP_OP_TOPUP:           return "topup";
	default:                         return "address";
	}
}

char *w3w__sp_request_json(const w3w__sp_request *r)
{
	cJSON *root = header(r->session, r->seq, 1);
	int with_tx = r->op == W3W__SP_OP_SIGN || r->op == W3W__SP_OP_SWEEP || r->op == W3W__SP_OP_TOPUP;

	if (!root)
		return NULL;
	cJSON_AddStringToObject(root, "op", w3w__sp_op_name(r->op));
	if (r->op == W3W__SP_OP_DEPOSIT_ADDRESS)
		cJSON_AddStringToObject(root, "family", r->family);
	if (r->op != W3W__SP_OP_ADDRESS && r->op != W3W__SP_OP_SIGN)
		add_u64(root, "index", (uint64_t)r->index);
	if (with_tx && r->tx.data_len > W3W__SP_DATA_MAX) {
		cJSON_Delete(root);
		return NULL;
	}
	if (with_tx)
		cJSON_AddItemToObject(root, "tx", tx_json(&r->tx));
	return print(root);
}

static int tx_parse(w3w__sp_request *r, const cJSON *o, char *why, size_t n)
{
	static const char *const legacy[] = { "type", "chain_id", "nonce", "gas_price", "gas_limit", "to", "value",
		"data", NULL };
	static const char *const eip1559[] = { "type", "chain_id", "nonce", "max_fee_per_gas",
		"max_priority_fee_per_gas", "gas_limit", "to", "value", "data", NULL };
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(o, "type");
	w3w_signer_tx *tx = &r->tx;

	if (!cJSON_IsObject(o))
		return w3w__sp_refuse(why, n, "tx: missing or not an object");
	if (!cJSON_IsNumber(type) || (type->valuedouble != 0 && type->valuedouble != 2))
		return w3w__sp_refuse(why, n, "type: 0 (legacy) or 2 (EIP-1559)");
	tx->type = (int)type->valuedouble;
	if (only_members(o, tx->type == 2 ? eip1559 : legacy, "tx", why, n) != 0 ||
	    u64_member(&tx->chain_id, o, "chain_id", why, n) != 0 || u64_member(&tx->nonce, o, "nonce", why, n) != 0 ||
	    u64_member(&tx->gas_limit, o, "gas_limit", why, n) != 0 ||
	    hex_member(tx->to, 20, 20, NULL, o, "to", why, n) != 0 || u256_member(&tx->value, o, "value", why, n) != 0 ||
	    hex_member(r->data, sizeof(r->data), 0, &tx->data_len, o, "data", why, n) != 0)
		return -1;
	if (tx->type == 2)
		return u256_member(&tx->max_fee_per_gas, o, "max_fee_per_gas", why, n) != 0 ||
			u256_member(&tx->max_priority_fee_per_gas, o, "max_priority_fee_per_gas", why, n) != 0 ? -1 : 0;
	return u256_member(&tx->gas_price, o, "gas_price", why, n);
}

/* family and index of op deposit_address. */
static int deposit_parse(w3w__sp_request *r, const cJSON *root, char *why, size_t n)
{
	const char *family = text_of(root, "family", why, n);
	uint64_t index = 0;

	if (!family)
		return -1;
	if (strcmp(family, "evm") != 0 && strcmp(family, "solana") != 0)
		return w3w__sp_refuse(why, n, "family: \"evm\" or \"solana\"");
	if (u64_member(&index, root, "index", why, n) != 0)
		return -1;
	if (index >= (uint64_t)W3W__SP_INDEX_LIMIT)
		return w3w__sp_refuse(why, n, "index: at most 2^31 - 1");
	strcpy(r->family, family);
	r->index = (int64_t)index;
	return cJSON_GetObjectItemCaseSensitive(root, "tx") ? w3w__sp_refuse(why, n, "tx: not part of op deposit_address")
	                                                      : 0;
}

/* index and tx of ops sweep and topup (EVM deposit addresses only: no family). */
static int custody_parse(w3w__sp_request *r, const cJSON *root, char *why, size_t n)
{
	uint64_t index = 0;

	if (cJSON_GetObjectItemCaseSensitive(root, "family"))
		return w3w__sp_refuse(why, n, "family: not part of ops sweep and topup (EVM only)");
	if (u64_member(&index, root, "index", why, n) != 0)
		return -1;
	if (index >= (uint64_t)W3W__SP_INDEX_LIMIT)
		return w3w__sp_refuse(why, n, "index: at most 2^31 - 1");
	r->index = (int64_t)index;
	if (tx_parse(r, cJSON_GetObjectItemCaseSensitive(root, "tx"), why, n) != 0)
		return -1;
	r->tx.data = r->tx.data_len ? r->data : NULL;
	return 0;
}

int w3w__sp_request_parse(w3w__sp_request *r, const char *json, char *why, size_t why_len)
{
	static const char *const names[] = { "v", "session", "seq", "op", "tx", "family", "index", NULL };
	cJSON *root = parse(json, why, why_len);
	const char *op;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	if (!root || only_members(root, names, "request", why, why_len) != 0 || version_member(root, why, why_len) != 0 ||
	    session_member(r->session, root, why, why_len) != 0 || u64_member(&r->seq, root, "seq", why, why_len) != 0 ||
	    !(op = text_of(root, "op", why, why_len)))
		goto done;
	if (strcmp(op, "deposit_address") == 0) {
		r->op = W3W__SP_OP_DEPOSIT_ADDRESS;
		rc = deposit_parse(r, root, why, why_len);
		goto done;
	}
	if (strcmp(op, "sweep") == 0 || strcmp(op, "topup") == 0) {
		r->op = op[0] == 's' ? W3W__SP_OP_SWEEP : W3W__SP_OP_TOPUP;
		rc = custody_parse(r, root, why, why_len);
		goto done;
	}
	/* family and index belong to ops deposit_address, sweep and topup only. */
	if (cJSON_GetObjectItemCaseSensitive(root, "family") || cJSON_GetObjectItemCaseSensitive(root, "index")) {
		rc = w3w__sp_refuse(why, why_len, "family, index: only with ops deposit_address, sweep and topup");
		goto done;
	}
	if (strcmp(op, "address") == 0) {
		r->op = W3W__SP_OP_ADDRESS;
		rc = cJSON_GetObjectItemCaseSensitive(root, "tx") ? w3w__sp_refuse(why, why_len, "tx: not part of op address") : 0;
	} else if (strcmp(op, "sign") == 0) {
		r->op = W3W__SP_OP_SIGN;
		rc = tx_parse(r, cJSON_GetObjectItemCaseSensitive(root, "tx"), why, why_len);
		r->tx.data = r->tx.data_len ? r->data : NULL;
	} else {
		rc = w3w__sp_refuse(why, why_len, "op: \"address\", \"sign\", \"deposit_address\", \"sweep\" or \"topup\"");
	}
done:
	cJSON_Delete(root);
	return rc;
}

/* ---- answer ------------------------------------------------------------------------------- */

char *w3w__sp_answer_json(const w3w__sp_answer *a)
{
	cJSON *root = header(a->session, a->seq, 1);

	if (!root)
		return NULL;
	cJSON_AddBoolToObject(root, "ok", a->ok);
	if (!a->ok) {
		cJSON_AddStringToObject(root, "code", a->code);
		cJSON_AddStringToObject(root, "error", a->error);
		return print(root);
	}
	cJSON_AddStringToObject(root, "address", a->address);
	if (a->raw_len) {
		add_hex(root, "raw", a->raw, a->raw_len);
		add_hex(root, "hash", a->hash, 32);
	}
	return print(root);
}

int w3w__sp_answer_parse(w3w__sp_answer *a, const char *json, char *why, size_t why_len)
{
	static const char *const signed_names[] = { "v", "session", "seq", "ok", "address", "raw", "hash", NULL };
	static const char *const refused_names[] = { "v", "session", "seq", "ok", "code", "error", NULL };
	cJSON *root = parse(json, why, why_len);
	const cJSON *ok = root ? cJSON_GetObjectItemCaseSensitive(root, "ok") : NULL;
	const char *s, *code, *error;
	int rc = -1;

	memset(a, 0, sizeof(*a));
	if (!root)
		return -1;
	if (!cJSON_IsBool(ok)) {
		w3w__sp_refuse(why, why_len, "ok: missing or not a boolean");
		goto done;
	}
	a->ok = cJSON_IsTrue(ok);
	if (only_members(root, a->ok ? signed_names : refused_names, "answer", why, why_len) != 0 ||
	    version_member(root, why, why_len) != 0 || session_member(a->session, root, why, why_len) != 0 ||
	    u64_member(&a->seq, root, "seq", why, why_len) != 0)
		goto done;
	if (!a->ok) {
		if ((code = text_of(root, "code", why, why_len)) && (error = text_of(root, "error", why, why_len))) {
			snprintf(a->code, sizeof(a->code), "%s", code);
			snprintf(a->error, sizeof(a->error), "%s", error);
			rc = 0;
		}
		goto done;
	}
	if (!(s = text_of(root, "address", why, why_len)) || strlen(s) >= sizeof(a->address))
		goto done;
	strcpy(a->address, s);
	/* The signed bytes and their hash come together, or not at all (op address). */
	if (!cJSON_GetObjectItemCaseSensitive(root, "raw") && !cJSON_GetObjectItemCaseSensitive(root, "hash")) {
		rc = 0;
		goto done;
	}
	if (hex_member(a->raw, sizeof(a->raw), 0, &a->raw_len, root, "raw", why, why_len) != 0 ||
	    hex_member(a->hash, 32, 32, NULL, root, "hash", why, why_len) != 0)
		goto done;
	rc = a->raw_len ? 0 : w3w__sp_refuse(why, why_len, "raw: empty");
done:
	cJSON_Delete(root);
	return rc;
}

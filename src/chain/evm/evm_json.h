/*
 * Reading and writing the JSON of Ethereum JSON-RPC: quantities ("0x1a"),
 * 256-bit numbers, 32-byte hashes, 20-byte addresses, byte strings. A
 * field that is not what the protocol says is garbage from the node:
 * W3W_EUNAVAILABLE naming the method and the field, never a guessed value.
 */
#ifndef W3W_CHAIN_EVM_JSON_H
#define W3W_CHAIN_EVM_JSON_H

#include <cjson/cJSON.h>

#include "w3wallet/sys/chain.h"

w3w_status w3w__ej_quantity(const cJSON *v, uint64_t *out, const char *method, const char *field);
w3w_status w3w__ej_u256(const cJSON *v, w3w_u256 *out, const char *method, const char *field);
/** "0x" + 64 hex digits, stored lowercase. */
w3w_status w3w__ej_hash(const cJSON *v, char out[W3W_TX_HASH_SIZE], const char *method, const char *field);
/** "0x" + 40 hex digits, stored lowercase; JSON null gives "" when allow_null. */
w3w_status w3w__ej_address(const cJSON *v, char out[W3W_ADDRESS_SIZE], int allow_null, const char *method,
	const char *field);
/** "0x" + an even number of hex digits; *out malloc'd (free()), at least 1 byte allocated. */
w3w_status w3w__ej_bytes(const cJSON *v, unsigned char **out, size_t *len, const char *method, const char *field);
const cJSON *w3w__ej_get(const cJSON *obj, const char *name);

/** JSON string "0x..." of a quantity / 256-bit number / bytes. */
cJSON *w3w__ej_from_u64(uint64_t v);
cJSON *w3w__ej_from_u256(const w3w_u256 *v);
cJSON *w3w__ej_from_bytes(const unsigned char *p, size_t len);

#endif

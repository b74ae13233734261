/* Ethereum JSON-RPC values <-> C (see evm_json.h). */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/evm/evm_json.h"
#include "crypto/hex.h"
#include "crypto/u256.h"

static w3w_status garbage(const char *method, const char *field, const char *what)
{
	return w3w_error_set(W3W_EUNAVAILABLE, "evm node: %s: answer field %s is not %s", method, field, what);
}

const cJSON *w3w__ej_get(const cJSON *obj, const char *name)
{
	return cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, name) : NULL;
}

static int hex_text(const char *s, size_t min_digits, size_t max_digits)
{
	size_t n;

	if (!s || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return 0;
	n = strlen(s + 2);
	if (n < min_digits || n > max_digits)
		return 0;
	for (size_t i = 2; s[i]; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

w3w_status w3w__ej_quantity(const cJSON *v, uint64_t *out, const char *method, const char *field)
{
	if (!cJSON_IsString(v) || !hex_text(v->valuestring, 1, 16))
		return garbage(method, field, "a quantity");
	*out = strtoull(v->valuestring + 2, NULL, 16);
	return W3W_OK;
}

w3w_status w3w__ej_u256(const cJSON *v, w3w_u256 *out, const char *method, const char *field)
{
	w3w__u256 x;

	if (!cJSON_IsString(v) || !hex_text(v->valuestring, 1, 64) ||
	    w3w__u256_parse(&x, v->valuestring, strlen(v->valuestring)) != 0)
		return garbage(method, field, "a 256-bit quantity");
	memcpy(out->be, x.be, 32);
	return W3W_OK;
}

static void lower_copy(char *out, const char *in)
{
	size_t i;
	for (i = 0; in[i]; i++)
		out[i] = (char)tolower((unsigned char)in[i]);
	out[i] = '\0';
}

w3w_status w3w__ej_hash(const cJSON *v, char out[W3W_TX_HASH_SIZE], const char *method, const char *field)
{
	if (!cJSON_IsString(v) || !hex_text(v->valuestring, 64, 64))
		return garbage(method, field, "a 32-byte hash");
	lower_copy(out, v->valuestring);
	return W3W_OK;
}

w3w_status w3w__ej_address(const cJSON *v, char out[W3W_ADDRESS_SIZE], int allow_null, const char *method,
	const char *field)
{
	if (allow_null && (!v || cJSON_IsNull(v))) {
		out[0] = '\0';
		return W3W_OK;
	}
	if (!cJSON_IsString(v) || !hex_text(v->valuestring, 40, 40))
		return garbage(method, field, "an address");
	lower_copy(out, v->valuestring);
	return W3W_OK;
}

w3w_status w3w__ej_bytes(const cJSON *v, unsigned char **out, size_t *len, const char *method, const char *field)
{
	size_t digits, n = 0;
	unsigned char *buf;

	*out = NULL;
	*len = 0;
	if (!cJSON_IsString(v) || !hex_text(v->valuestring, 0, (size_t)-1 / 4) ||
	    (digits = strlen(v->valuestring) - 2) % 2 != 0)
		return garbage(method, field, "hex bytes");
	if (!(buf = malloc(digits / 2 + 1)))
		return w3w_error_set(W3W_ENOMEM, "evm node: %s: out of memory", method);
	if (digits && w3w__crypto_hex_decode(buf, digits / 2, &n, v->valuestring, digits + 2) != 0) {
		free(buf);
		return garbage(method, field, "hex bytes");
	}
	*out = buf;
	*len = n;
	return W3W_OK;
}

cJSON *w3w__ej_from_u64(uint64_t v)
{
	char buf[24];
	snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
	return cJSON_CreateString(buf);
}

cJSON *w3w__ej_from_u256(const w3w_u256 *v)
{
	static const char digits[] = "0123456789abcdef";
	char buf[67];
	size_t n = 2;
	int started = 0;

	strcpy(buf, "0x");
	for (int i = 0; i < 32; i++)
		for (int half = 0; half < 2; half++) {
			int d = half ? v->be[i] & 15 : v->be[i] >> 4;
			if (!d && !started)
				continue;
			started = 1;
			buf[n++] = digits[d];
		}
	if (!started)
		buf[n++] = '0';
	buf[n] = '\0';
	return cJSON_CreateString(buf);
}

cJSON *w3w__ej_from_bytes(const unsigned char *p, size_t len)
{
	char *buf = malloc(2 * len + 3);
	cJSON *j;

	if (!buf)
		return NULL;
	strcpy(buf, "0x");
	if (len)
		w3w__crypto_hex_encode(buf + 2, 2 * len + 1, p, len);
	j = cJSON_CreateString(buf);
	free(buf);
	return j;
}

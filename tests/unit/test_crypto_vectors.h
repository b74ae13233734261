/*
 * Helpers shared by the tests/unit/test_crypto_*.c executables (header
 * only: each test file is its own program). Vectors are JSON files under
 * $W3W_VECTORS_DIR/crypto/, by default W3W_SOURCE_DIR/tests/vectors/crypto/.
 */
#ifndef W3W_TEST_CRYPTO_VECTORS_H
#define W3W_TEST_CRYPTO_VECTORS_H

#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/hex.h"

#ifndef W3W_SOURCE_DIR
#define W3W_SOURCE_DIR "."
#endif

/* Parse crypto/<name> of the vectors directory; the caller cJSON_Delete()s it. */
static inline cJSON *w3w_test_load_vectors(const char *name)
{
	const char *dir = getenv("W3W_VECTORS_DIR");
	char path[4096];
	FILE *f;
	long size;
	char *text;
	cJSON *json;

	if (dir == NULL || *dir == '\0')
		dir = W3W_SOURCE_DIR "/tests/vectors";
	snprintf(path, sizeof path, "%s/crypto/%s", dir, name);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open vector file %s", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	ck_assert_int_ge(size, 0);
	rewind(f);
	text = malloc((size_t)size + 1);
	ck_assert_ptr_nonnull(text);
	ck_assert_uint_eq(fread(text, 1, (size_t)size, f), (size_t)size);
	text[size] = '\0';
	fclose(f);
	json = cJSON_Parse(text);
	free(text);
	ck_assert_msg(json != NULL, "invalid JSON in %s", path);
	return json;
}

/* String member of obj, failing the test when missing. */
static inline const char *w3w_test_str(const cJSON *obj, const char *key)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);

	ck_assert_msg(cJSON_IsString(item), "vector field \"%s\" missing", key);
	return item->valuestring;
}

static inline double w3w_test_num(const cJSON *obj, const char *key)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);

	ck_assert_msg(cJSON_IsNumber(item), "vector field \"%s\" missing", key);
	return item->valuedouble;
}

/* Decode hex text (from a vector) into out; returns the byte count. */
static inline size_t w3w_test_unhex(unsigned char *out, size_t out_size, const char *hex)
{
	size_t n = 0;
	int rc = w3w__crypto_hex_decode(out, out_size, &n, hex, strlen(hex));

	ck_assert_msg(rc == 0, "bad hex in vector: %s", hex);
	return n;
}

/* Fail unless got[0..len) is the bytes of expected_hex. */
static inline void w3w_test_assert_hex(const unsigned char *got, size_t len, const char *expected_hex)
{
	char *text = malloc(2 * len + 1);

	ck_assert_ptr_nonnull(text);
	ck_assert_int_eq(w3w__crypto_hex_encode(text, 2 * len + 1, got, len), 0);
	if (strncmp(expected_hex, "0x", 2) == 0)
		expected_hex += 2;
	ck_assert_str_eq(text, expected_hex);
	free(text);
}

/* Run one suite; exit status for ctest. */
static inline int w3w_test_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif

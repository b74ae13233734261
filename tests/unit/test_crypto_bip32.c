/* BIP-32: test vectors 1-3 (every chain, xprv and xpub), the raw keys of
 * vector 1, uncompressed public keys, and refused input. */
#include "test_crypto_vectors.h"

#include "crypto/bip32.h"

static void master_of(w3w__bip32_key *m, const char *seed_hex)
{
	unsigned char seed[64];
	size_t len = w3w_test_unhex(seed, sizeof seed, seed_hex);

	ck_assert_int_eq(w3w__bip32_master_from_seed(m, seed, len), 0);
}

START_TEST(test_vectors_1_to_3)
{
	cJSON *v = w3w_test_load_vectors("bip32.json");
	const cJSON *vec, *chain;
	int vectors = 0, chains = 0;

	cJSON_ArrayForEach(vec, cJSON_GetObjectItem(v, "vectors")) {
		w3w__bip32_key master, key;

		master_of(&master, w3w_test_str(vec, "seed"));
		cJSON_ArrayForEach(chain, cJSON_GetObjectItem(vec, "chains")) {
			char xprv[W3W__BIP32_XKEY_SIZE], xpub[W3W__BIP32_XKEY_SIZE];
			const char *path = w3w_test_str(chain, "path");

			ck_assert_int_eq(w3w__bip32_derive_path(&key, &master, path), 0);
			ck_assert_int_eq(w3w__bip32_to_xprv(xprv, sizeof xprv, &key), 0);
			ck_assert_int_eq(w3w__bip32_to_xpub(xpub, sizeof xpub, &key), 0);
			ck_assert_msg(strcmp(xprv, w3w_test_str(chain, "xprv")) == 0, "xprv of %s", path);
			ck_assert_msg(strcmp(xpub, w3w_test_str(chain, "xpub")) == 0, "xpub of %s", path);
			chains++;
		}
		w3w__bip32_key_wipe(&master);
		w3w__bip32_key_wipe(&key);
		vectors++;
	}
	ck_assert_int_eq(vectors, 3);
	ck_assert_int_eq(chains, 14);
	cJSON_Delete(v);
}
END_TEST

START_TEST(step_by_step_equals_path)
{
	/* Vector 1 one CKDpriv at a time, checking the raw key material. */
	cJSON *v = w3w_test_load_vectors("bip32.json");
	const cJSON *keys = cJSON_GetObjectItem(v, "secp256k1_keys"), *chain;
	static const uint32_t steps[] = { 0x80000000u, 1, 0x80000002u, 2, 1000000000u };
	w3w__bip32_key key;
	int depth = 0;

	master_of(&key, w3w_test_str(keys, "seed"));
	cJSON_ArrayForEach(chain, cJSON_GetObjectItem(keys, "chains")) {
		w3w__bip32_key by_path, master;
		unsigned char pub[33], fp[4];

		if (depth > 0)
			ck_assert_int_eq(w3w__bip32_ckd_priv(&key, &key, steps[depth - 1]), 0);
		ck_assert_uint_eq(key.depth, depth);
		w3w_test_assert_hex(key.priv, 32, w3w_test_str(chain, "private"));
		w3w_test_assert_hex(key.chain_code, 32, w3w_test_str(chain, "chain_code"));
		ck_assert_int_eq(w3w__bip32_pubkey(pub, sizeof pub, &key), 0);
		w3w_test_assert_hex(pub, sizeof pub, w3w_test_str(chain, "public"));
		fp[0] = (unsigned char)(key.parent_fingerprint >> 24);
		fp[1] = (unsigned char)(key.parent_fingerprint >> 16);
		fp[2] = (unsigned char)(key.parent_fingerprint >> 8);
		fp[3] = (unsigned char)key.parent_fingerprint;
		w3w_test_assert_hex(fp, 4, w3w_test_str(chain, "fingerprint"));
		master_of(&master, w3w_test_str(keys, "seed"));
		ck_assert_int_eq(w3w__bip32_derive_path(&by_path, &master, w3w_test_str(chain, "path")), 0);
		ck_assert_mem_eq(&by_path.priv, &key.priv, 32);
		depth++;
	}
	ck_assert_int_eq(depth, 6);
	cJSON_Delete(v);
}
END_TEST

START_TEST(uncompressed_pubkey)
{
	/* Private key 1 is the generator G. */
	static const char *g =
		"0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
		"483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8";
	w3w__bip32_key key;
	unsigned char pub[65], bad[40];

	memset(&key, 0, sizeof key);
	key.priv[31] = 1;
	w3w_test_unhex(key.pub, sizeof key.pub, "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
	ck_assert_int_eq(w3w__bip32_pubkey(pub, sizeof pub, &key), 0);
	w3w_test_assert_hex(pub, sizeof pub, g);
	ck_assert_int_eq(w3w__bip32_pubkey(bad, sizeof bad, &key), W3W__CRYPTO_ELENGTH);
}
END_TEST

START_TEST(refused_input)
{
	unsigned char seed[65] = { 1 };
	w3w__bip32_key master, child;
	char small[50];

	ck_assert_int_eq(w3w__bip32_master_from_seed(&master, seed, 15), W3W__CRYPTO_ELENGTH);
	ck_assert_int_eq(w3w__bip32_master_from_seed(&master, seed, 65), W3W__CRYPTO_ELENGTH);
	ck_assert_int_eq(w3w__bip32_master_from_seed(&master, NULL, 16), W3W__CRYPTO_EINVAL);
	ck_assert_int_eq(w3w__bip32_master_from_seed(&master, seed, 16), 0);
	ck_assert_int_eq(w3w__bip32_derive_path(&child, &master, "m/44'/60'/x"), W3W__CRYPTO_EPATH);
	ck_assert_int_eq(w3w__bip32_derive_path(&child, &master, "44'/60'"), W3W__CRYPTO_EPATH);
	/* Paths start at a master key, not at a child. */
	ck_assert_int_eq(w3w__bip32_derive_path(&child, &master, "m/1"), 0);
	ck_assert_int_eq(w3w__bip32_derive_path(&master, &child, "m/1"), W3W__CRYPTO_EPATH);
	ck_assert_int_eq(w3w__bip32_to_xprv(small, sizeof small, &child), W3W__CRYPTO_ELENGTH);
	child.depth = 255;
	ck_assert_int_eq(w3w__bip32_ckd_priv(&master, &child, 0), W3W__CRYPTO_EPATH);
}
END_TEST

START_TEST(invalid_parent_key)
{
	/* A seed whose I_L is >= n cannot be found by search (2^-127), so the
	 * key check is exercised through parents that are not scalars. */
	w3w__bip32_key parent, child;

	memset(&parent, 0, sizeof parent);
	memset(&child, 0x11, sizeof child);
	ck_assert_int_eq(w3w__bip32_ckd_priv(&child, &parent, 0x80000000u), W3W__CRYPTO_EKEY);
	memset(parent.priv, 0xff, sizeof parent.priv); /* >= n */
	ck_assert_int_eq(w3w__bip32_ckd_priv(&child, &parent, 0x80000000u), W3W__CRYPTO_EKEY);
	/* The output is left alone on failure. */
	ck_assert_int_eq(child.priv[0], 0x11);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("crypto_bip32");
	TCase *tc = tcase_create("bip32");

	tcase_add_test(tc, test_vectors_1_to_3);
	tcase_add_test(tc, step_by_step_equals_path);
	tcase_add_test(tc, uncompressed_pubkey);
	tcase_add_test(tc, refused_input);
	tcase_add_test(tc, invalid_parent_key);
	suite_add_tcase(s, tc);
	return w3w_test_run(s);
}

/* SLIP-10 Ed25519: test vectors 1 and 2 (every chain), hardened-only rule. */
#include "test_crypto_vectors.h"

#include "crypto/ripemd160.h"
#include "crypto/slip10.h"

START_TEST(test_vectors_1_and_2)
{
	cJSON *v = w3w_test_load_vectors("slip10_ed25519.json");
	const cJSON *vec, *chain;
	int vectors = 0, chains = 0;

	cJSON_ArrayForEach(vec, cJSON_GetObjectItem(v, "vectors")) {
		unsigned char seed[64], parent_pub[33] = { 0 };
		size_t seed_len = w3w_test_unhex(seed, sizeof seed, w3w_test_str(vec, "seed"));
		w3w__slip10_key master, key;

		ck_assert_int_eq(w3w__slip10_master_from_seed(&master, seed, seed_len), 0);
		cJSON_ArrayForEach(chain, cJSON_GetObjectItem(vec, "chains")) {
			const char *path = w3w_test_str(chain, "path");
			unsigned char pub[33], fp[20];

			ck_assert_msg(w3w__slip10_derive_path(&key, &master, path) == 0, "derive %s", path);
			w3w_test_assert_hex(key.priv, 32, w3w_test_str(chain, "private"));
			w3w_test_assert_hex(key.chain_code, 32, w3w_test_str(chain, "chain_code"));
			pub[0] = 0x00; /* SLIP-10 shows Ed25519 keys with a 0x00 prefix */
			ck_assert_int_eq(w3w__slip10_pubkey(pub + 1, &key), 0);
			w3w_test_assert_hex(pub, sizeof pub, w3w_test_str(chain, "public"));
			/* Fingerprint: HASH160 of the parent's 0x00-prefixed key. */
			if (chains > 0 && key.depth > 0) {
				ck_assert_int_eq(w3w__hash160(fp, parent_pub, sizeof parent_pub), 0);
				w3w_test_assert_hex(fp, 4, w3w_test_str(chain, "fingerprint"));
			}
			memcpy(parent_pub, pub, sizeof pub);
			chains++;
		}
		w3w__slip10_key_wipe(&master);
		w3w__slip10_key_wipe(&key);
		vectors++;
	}
	ck_assert_int_eq(vectors, 2);
	ck_assert_int_eq(chains, 12);
	cJSON_Delete(v);
}
END_TEST

START_TEST(hardened_only)
{
	unsigned char seed[16] = { 0 };
	w3w__slip10_key master, child;

	memset(&child, 0x33, sizeof child);
	ck_assert_int_eq(w3w__slip10_master_from_seed(&master, seed, sizeof seed), 0);
	ck_assert_int_eq(w3w__slip10_ckd_priv(&child, &master, 0), W3W__CRYPTO_EPATH);
	ck_assert_int_eq(w3w__slip10_derive_path(&child, &master, "m/44'/501'/0'/0"), W3W__CRYPTO_EPATH);
	ck_assert_int_eq(w3w__slip10_derive_path(&child, &master, "m/44'/501'/0'/0'/"), W3W__CRYPTO_EPATH);
	ck_assert_int_eq(child.priv[0], 0x33);
	ck_assert_int_eq(w3w__slip10_derive_path(&child, &master, "m/44'/501'/0'/0'"), 0);
	ck_assert_uint_eq(child.depth, 4);
	ck_assert_int_eq(w3w__slip10_derive_path(&master, &child, "m/0'"), W3W__CRYPTO_EPATH);
}
END_TEST

START_TEST(seed_lengths)
{
	unsigned char seed[65] = { 0 };
	w3w__slip10_key k;

	ck_assert_int_eq(w3w__slip10_master_from_seed(&k, seed, 15), W3W__CRYPTO_ELENGTH);
	ck_assert_int_eq(w3w__slip10_master_from_seed(&k, seed, 65), W3W__CRYPTO_ELENGTH);
	ck_assert_int_eq(w3w__slip10_master_from_seed(&k, seed, 64), 0);
	ck_assert_int_eq(w3w__slip10_master_from_seed(NULL, seed, 64), W3W__CRYPTO_EINVAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("crypto_slip10");
	TCase *tc = tcase_create("slip10");

	tcase_add_test(tc, test_vectors_1_and_2);
	tcase_add_test(tc, hardened_only);
	tcase_add_test(tc, seed_lengths);
	suite_add_tcase(s, tc);
	return w3w_test_run(s);
}

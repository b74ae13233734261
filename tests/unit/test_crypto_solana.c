/* Solana: RFC 8032 Ed25519 vectors, base58 addresses, SLIP-10 paths. */
#include "test_crypto_vectors.h"

#include "crypto/bip39.h"
#include "crypto/slip10.h"
#include "crypto/solana.h"

START_TEST(rfc8032_vectors)
{
	cJSON *v = w3w_test_load_vectors("ed25519.json");
	const cJSON *c;
	int n = 0;

	cJSON_ArrayForEach(c, cJSON_GetObjectItem(v, "vectors")) {
		unsigned char secret[32], pub[32], msg[16] = { 0 }, sig[64], expected_sig[64];
		char addr[W3W__SOLANA_ADDRESS_SIZE];
		size_t msg_len = w3w_test_unhex(msg, sizeof msg, w3w_test_str(c, "message"));
		const char *addr_text = w3w_test_str(c, "solana_address");
		unsigned char parsed[32];

		w3w_test_unhex(secret, sizeof secret, w3w_test_str(c, "secret"));
		w3w_test_unhex(expected_sig, sizeof expected_sig, w3w_test_str(c, "signature"));
		ck_assert_int_eq(w3w__solana_pubkey(pub, secret, sizeof secret), 0);
		w3w_test_assert_hex(pub, sizeof pub, w3w_test_str(c, "public"));
		ck_assert_int_eq(w3w__solana_sign(sig, msg_len ? msg : NULL, msg_len, secret, sizeof secret), 0);
		ck_assert_mem_eq(sig, expected_sig, 64);
		ck_assert_int_eq(w3w__solana_verify(sig, sizeof sig, msg, msg_len, pub, sizeof pub), 0);
		ck_assert_int_eq(w3w__solana_address(addr, pub, sizeof pub), 0);
		ck_assert_str_eq(addr, addr_text);
		ck_assert_int_eq(w3w__solana_address_parse(parsed, addr_text, strlen(addr_text)), 0);
		ck_assert_mem_eq(parsed, pub, 32);
		/* a changed message or signature does not verify */
		msg[0] ^= 1;
		ck_assert_int_eq(w3w__solana_verify(sig, sizeof sig, msg, msg_len ? msg_len : 1, pub, sizeof pub),
		                 W3W__CRYPTO_ESIGNATURE);
		msg[0] ^= 1;
		sig[5] ^= 0x40;
		ck_assert_int_eq(w3w__solana_verify(sig, sizeof sig, msg, msg_len, pub, sizeof pub),
		                 W3W__CRYPTO_ESIGNATURE);
		n++;
	}
	ck_assert_int_eq(n, 3);
	cJSON_Delete(v);
}
END_TEST

START_TEST(system_program_address)
{
	cJSON *v = w3w_test_load_vectors("ed25519.json");
	const cJSON *c = cJSON_GetObjectItem(v, "system_program");
	unsigned char zero[32] = { 0 };
	char addr[W3W__SOLANA_ADDRESS_SIZE];

	ck_assert_int_eq(w3w__solana_address(addr, zero, sizeof zero), 0);
	ck_assert_str_eq(addr, w3w_test_str(c, "solana_address"));
	cJSON_Delete(v);
}
END_TEST

START_TEST(address_errors)
{
	unsigned char pub[32];
	char addr[W3W__SOLANA_ADDRESS_SIZE];

	memset(pub, 0x99, sizeof pub);
	ck_assert_int_eq(w3w__solana_address(addr, pub, 31), W3W__CRYPTO_ELENGTH);
	/* 0, O, I, l are not base58 */
	ck_assert_int_eq(w3w__solana_address_parse(pub, "FVen3X669xLzsi6N2V91DoiyzHzg1uAgqiT8jZ9nS960", 44),
	                 W3W__CRYPTO_ECHARSET);
	/* decodes, but not to 32 bytes */
	ck_assert_int_eq(w3w__solana_address_parse(pub, "FVen3X669xLzsi6N2V91DoiyzHzg1uAgqiT8jZ9nS9", 42),
	                 W3W__CRYPTO_ELENGTH);
	ck_assert_int_eq(w3w__solana_address_parse(pub, "FVen3X669xLzsi6N2V91DoiyzHzg1uAgqiT8jZ9nS96Zzz", 46),
	                 W3W__CRYPTO_ELENGTH);
	ck_assert_int_eq(w3w__solana_address_parse(pub, "", 0), W3W__CRYPTO_ELENGTH);
	ck_assert_int_eq(pub[0], 0x99);
}
END_TEST

START_TEST(sign_and_verify_errors)
{
	unsigned char secret[32] = { 7 }, sig[64], pub[32];

	ck_assert_int_eq(w3w__solana_sign(sig, (const unsigned char *)"m", 1, secret, 31), W3W__CRYPTO_ELENGTH);
	ck_assert_int_eq(w3w__solana_pubkey(pub, secret, 33), W3W__CRYPTO_ELENGTH);
	ck_assert_int_eq(w3w__solana_pubkey(pub, secret, sizeof secret), 0);
	ck_assert_int_eq(w3w__solana_sign(sig, (const unsigned char *)"m", 1, secret, sizeof secret), 0);
	ck_assert_int_eq(w3w__solana_verify(sig, 63, (const unsigned char *)"m", 1, pub, sizeof pub),
	                 W3W__CRYPTO_ELENGTH);
	ck_assert_int_eq(w3w__solana_verify(sig, 64, (const unsigned char *)"m", 1, pub, 31), W3W__CRYPTO_ELENGTH);
	ck_assert_int_eq(w3w__solana_verify(sig, 64, NULL, 1, pub, 32), W3W__CRYPTO_EINVAL);
}
END_TEST

START_TEST(derived_deposit_addresses_differ)
{
	/* m/44'/501'/i'/0' for a few users: distinct, stable addresses. */
	unsigned char seed[64], pub[32];
	char addrs[4][W3W__SOLANA_ADDRESS_SIZE], again[W3W__SOLANA_ADDRESS_SIZE], path[64];
	w3w__slip10_key master, key;

	ck_assert_int_eq(w3w__bip39_seed(seed, "test test test test test test test test test test test junk", ""), 0);
	ck_assert_int_eq(w3w__slip10_master_from_seed(&master, seed, sizeof seed), 0);
	for (int i = 0; i < 4; i++) {
		snprintf(path, sizeof path, "m/44'/501'/%d'/0'", i);
		ck_assert_int_eq(w3w__slip10_derive_path(&key, &master, path), 0);
		ck_assert_int_eq(w3w__slip10_pubkey(pub, &key), 0);
		ck_assert_int_eq(w3w__solana_address(addrs[i], pub, sizeof pub), 0);
		for (int j = 0; j < i; j++)
			ck_assert_str_ne(addrs[i], addrs[j]);
	}
	ck_assert_int_eq(w3w__slip10_derive_path(&key, &master, "m/44'/501'/2'/0'"), 0);
	ck_assert_int_eq(w3w__slip10_pubkey(pub, &key), 0);
	ck_assert_int_eq(w3w__solana_address(again, pub, sizeof pub), 0);
	ck_assert_str_eq(again, addrs[2]);
	w3w__slip10_key_wipe(&master);
	w3w__slip10_key_wipe(&key);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("crypto_solana");
	TCase *tc = tcase_create("solana");

	tcase_add_test(tc, rfc8032_vectors);
	tcase_add_test(tc, system_program_address);
	tcase_add_test(tc, address_errors);
	tcase_add_test(tc, sign_and_verify_errors);
	tcase_add_test(tc, derived_deposit_addresses_differ);
	suite_add_tcase(s, tc);
	return w3w_test_run(s);
}

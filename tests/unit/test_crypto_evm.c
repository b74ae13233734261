/* EVM: EIP-55 addresses, the EIP-155 example transaction, an EIP-1559
 * transaction, personal_sign and recovery, HD account addresses. */
#include "test_crypto_vectors.h"

#include "crypto/bip32.h"
#include "crypto/bip39.h"
#include "crypto/evm.h"
#include "crypto/keccak.h"

static void u256_of(w3w__u256 *out, const cJSON *obj, const char *key)
{
	const char *text = w3w_test_str(obj, key);

	ck_assert_int_eq(w3w__u256_parse(out, text, strlen(text)), 0);
}

START_TEST(eip55_examples)
{
	cJSON *v = w3w_test_load_vectors("evm.json");
	const cJSON *a;
	int n = 0;

	cJSON_ArrayForEach(a, cJSON_GetObjectItem(cJSON_GetObjectItem(v, "eip55"), "addresses")) {
		const char *text = a->valuestring;
		unsigned char addr[20], strict[20];
		char back[W3W__EVM_ADDRESS_TEXT_SIZE];

		ck_assert_int_eq(w3w__evm_address_parse(addr, text, strlen(text), 0), 0);
		ck_assert_int_eq(w3w__evm_address_parse(strict, text, strlen(text), W3W__EVM_ADDRESS_STRICT), 0);
		ck_assert_mem_eq(addr, strict, 20);
		ck_assert_int_eq(w3w__evm_address_to_text(back, addr), 0);
		ck_assert_str_eq(back, text);
		n++;
	}
	ck_assert_int_eq(n, 8);
	cJSON_Delete(v);
}
END_TEST

START_TEST(address_parse_failures)
{
	unsigned char addr[20];
	const char *good = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";

	memset(addr, 0x77, sizeof addr);
	/* wrong checksum: one letter's case flipped */
	ck_assert_int_eq(w3w__evm_address_parse(addr, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", 42, 0),
	                 W3W__CRYPTO_ECHECKSUM);
	ck_assert_int_eq(w3w__evm_address_parse(addr, "0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", 42, 0),
	                 W3W__CRYPTO_ECHECKSUM);
	/* wrong lengths */
	ck_assert_int_eq(w3w__evm_address_parse(addr, good, 41, 0), W3W__CRYPTO_ELENGTH);
	ck_assert_int_eq(w3w__evm_address_parse(addr, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAedAA", 44, 0),
	                 W3W__CRYPTO_ELENGTH);
	ck_assert_int_eq(w3w__evm_address_parse(addr, "5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", 40, 0),
	                 W3W__CRYPTO_ELENGTH);
	ck_assert_int_eq(w3w__evm_address_parse(addr, "", 0, 0), W3W__CRYPTO_ELENGTH);
	/* non-hex */
	ck_assert_int_eq(w3w__evm_address_parse(addr, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeg", 42, 0),
	                 W3W__CRYPTO_ECHARSET);
	ck_assert_int_eq(w3w__evm_address_parse(addr, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeA d", 42, 0),
	                 W3W__CRYPTO_ECHARSET);
	/* no 0x prefix */
	ck_assert_int_eq(w3w__evm_address_parse(addr, "005aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", 42, 0),
	                 W3W__CRYPTO_EFORMAT);
	/* single-case text carries no checksum: accepted unless strict */
	ck_assert_int_eq(w3w__evm_address_parse(addr, "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", 42, 0), 0);
	ck_assert_int_eq(w3w__evm_address_parse(addr, "0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED", 42, 0), 0);
	memset(addr, 0x77, sizeof addr);
	ck_assert_int_eq(w3w__evm_address_parse(addr, "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", 42,
	                                        W3W__EVM_ADDRESS_STRICT), W3W__CRYPTO_ECHECKSUM);
	/* refused input leaves the output alone */
	ck_assert_int_eq(addr[0], 0x77);
}
END_TEST

START_TEST(address_from_keys)
{
	cJSON *v = w3w_test_load_vectors("evm.json");
	const cJSON *one = cJSON_GetObjectItem(v, "private_key_one");
	const cJSON *ps = cJSON_GetObjectItem(v, "personal_sign");
	unsigned char priv[32], addr[20], bad[33];
	char text[W3W__EVM_ADDRESS_TEXT_SIZE];

	w3w_test_unhex(priv, sizeof priv, w3w_test_str(one, "private_key"));
	ck_assert_int_eq(w3w__evm_address_from_privkey(addr, priv, sizeof priv), 0);
	w3w__evm_address_to_text(text, addr);
	ck_assert_str_eq(text, w3w_test_str(one, "address"));
	w3w_test_unhex(priv, sizeof priv, w3w_test_str(ps, "private_key"));
	ck_assert_int_eq(w3w__evm_address_from_privkey(addr, priv, sizeof priv), 0);
	w3w__evm_address_to_text(text, addr);
	ck_assert_str_eq(text, w3w_test_str(ps, "address"));

	memset(bad, 0, sizeof bad);
	ck_assert_int_eq(w3w__evm_address_from_privkey(addr, bad, 32), W3W__CRYPTO_EKEY);
	ck_assert_int_eq(w3w__evm_address_from_privkey(addr, priv, 31), W3W__CRYPTO_ELENGTH);
	ck_assert_int_eq(w3w__evm_address_from_pubkey(addr, bad, 32), W3W__CRYPTO_ELENGTH);
	memset(bad, 0xff, sizeof bad);
	bad[0] = 0x02; /* x >= p is not a field element */
	ck_assert_int_eq(w3w__evm_address_from_pubkey(addr, bad, 33), W3W__CRYPTO_EKEY);
	cJSON_Delete(v);
}
END_TEST

START_TEST(hd_accounts)
{
	cJSON *v = w3w_test_load_vectors("evm.json");
	const cJSON *hd = cJSON_GetObjectItem(v, "hd_accounts"), *acct;
	unsigned char seed[64];
	w3w__bip32_key master, key;
	int n = 0;

	ck_assert_int_eq(w3w__bip39_seed(seed, w3w_test_str(hd, "mnemonic"), ""), 0);
	ck_assert_int_eq(w3w__bip32_master_from_seed(&master, seed, sizeof seed), 0);
	cJSON_ArrayForEach(acct, cJSON_GetObjectItem(hd, "accounts")) {
		unsigned char pub[65], addr[20];
		char text[W3W__EVM_ADDRESS_TEXT_SIZE];

		ck_assert_int_eq(w3w__bip32_derive_path(&key, &master, w3w_test_str(acct, "path")), 0);
		w3w_test_assert_hex(key.priv, 32, w3w_test_str(acct, "private_key"));
		ck_assert_int_eq(w3w__bip32_pubkey(pub, sizeof pub, &key), 0);
		ck_assert_int_eq(w3w__evm_address_from_pubkey(addr, pub, sizeof pub), 0);
		w3w__evm_address_to_text(text, addr);
		ck_assert_str_eq(text, w3w_test_str(acct, "address"));
		/* the compressed key gives the same address */
		ck_assert_int_eq(w3w__evm_address_from_pubkey(addr, key.pub, sizeof key.pub), 0);
		w3w__evm_address_to_text(text, addr);
		ck_assert_str_eq(text, w3w_test_str(acct, "address"));
		n++;
	}
	ck_assert_int_eq(n, 3);
	w3w__bip32_key_wipe(&master);
	w3w__bip32_key_wipe(&key);
	cJSON_Delete(v);
}
END_TEST

static void tx_from_vector(w3w__evm_tx *tx, const cJSON *c, w3w__evm_tx_type type)
{
	const char *to = w3w_test_str(c, "to");

	w3w__evm_tx_init(tx, type);
	tx->chain_id = (uint64_t)w3w_test_num(c, "chain_id");
	tx->nonce = (uint64_t)w3w_test_num(c, "nonce");
	tx->gas_limit = (uint64_t)w3w_test_num(c, "gas_limit");
	if (type == W3W__EVM_TX_LEGACY) {
		u256_of(&tx->gas_price, c, "gas_price");
	} else {
		u256_of(&tx->max_priority_fee_per_gas, c, "max_priority_fee_per_gas");
		u256_of(&tx->max_fee_per_gas, c, "max_fee_per_gas");
	}
	ck_assert_int_eq(w3w__evm_address_parse(tx->to, to, strlen(to), 0), 0);
	tx->has_to = 1;
	u256_of(&tx->value, c, "value");
}

START_TEST(eip155_example)
{
	cJSON *v = w3w_test_load_vectors("evm.json");
	const cJSON *c = cJSON_GetObjectItem(v, "eip155");
	unsigned char priv[32], hash[32], tx_hash[32], *raw = NULL, check[32];
	w3w__u256 r, s;
	size_t raw_len = 0;
	w3w__evm_tx tx;

	tx_from_vector(&tx, c, W3W__EVM_TX_LEGACY);
	w3w_test_unhex(priv, sizeof priv, w3w_test_str(c, "private_key"));
	ck_assert_int_eq(w3w__evm_tx_signing_hash(hash, &tx), 0);
	w3w_test_assert_hex(hash, sizeof hash, w3w_test_str(c, "signing_hash"));
	ck_assert_int_eq(w3w__evm_tx_sign(&raw, &raw_len, tx_hash, &tx, priv, sizeof priv), 0);
	w3w_test_assert_hex(raw, raw_len, w3w_test_str(c, "raw"));
	w3w__keccak256(check, raw, raw_len);
	ck_assert_mem_eq(check, tx_hash, 32);
	/* r and s as the EIP prints them, in decimal; v = 37 = 1 * 2 + 35 + 0 */
	u256_of(&r, c, "r");
	u256_of(&s, c, "s");
	ck_assert_mem_eq(raw + raw_len - 65, r.be, 32);
	ck_assert_mem_eq(raw + raw_len - 32, s.be, 32);
	ck_assert_int_eq(raw[raw_len - 67], (int)w3w_test_num(c, "v"));
	free(raw);
	cJSON_Delete(v);
}
END_TEST

START_TEST(eip1559_matches_ethers)
{
	cJSON *v = w3w_test_load_vectors("evm.json");
	const cJSON *c = cJSON_GetObjectItem(v, "eip1559");
	unsigned char priv[32], tx_hash[32], *raw = NULL, signer[20], sig[65], hash[32];
	size_t raw_len = 0;
	w3w__evm_tx tx;

	tx_from_vector(&tx, c, W3W__EVM_TX_EIP1559);
	w3w_test_unhex(priv, sizeof priv, w3w_test_str(c, "private_key"));
	ck_assert_int_eq(w3w__evm_tx_sign(&raw, &raw_len, tx_hash, &tx, priv, sizeof priv), 0);
	w3w_test_assert_hex(raw, raw_len, w3w_test_str(c, "raw"));
	w3w_test_assert_hex(tx_hash, 32, w3w_test_str(c, "tx_hash"));
	/* The signature recovers to the key's address. */
	ck_assert_int_eq(w3w__evm_tx_signing_hash(hash, &tx), 0);
	memcpy(sig, raw + raw_len - 32 - 33, 32);
	memcpy(sig + 32, raw + raw_len - 32, 32);
	sig[64] = raw[raw_len - 67] == 0x80 ? 0 : raw[raw_len - 67];
	ck_assert_int_eq(w3w__evm_recover(signer, hash, sig, sizeof sig), 0);
	{
		unsigned char expect[20];

		w3w__evm_address_from_privkey(expect, priv, sizeof priv);
		ck_assert_mem_eq(signer, expect, 20);
	}
	free(raw);
	cJSON_Delete(v);
}
END_TEST

START_TEST(tx_refused)
{
	unsigned char priv[32], *raw = (unsigned char *)"unchanged";
	size_t raw_len = 5;
	w3w__evm_tx tx;

	memset(priv, 0x46, sizeof priv);
	w3w__evm_tx_init(&tx, W3W__EVM_TX_EIP1559);
	ck_assert_int_eq(w3w__evm_tx_sign(&raw, &raw_len, NULL, &tx, priv, sizeof priv), W3W__CRYPTO_ERANGE);
	tx.chain_id = 1;
	tx.type = (w3w__evm_tx_type)1;
	ck_assert_int_eq(w3w__evm_tx_sign(&raw, &raw_len, NULL, &tx, priv, sizeof priv), W3W__CRYPTO_EINVAL);
	tx.type = W3W__EVM_TX_LEGACY;
	tx.chain_id = UINT64_MAX / 2;
	ck_assert_int_eq(w3w__evm_tx_sign(&raw, &raw_len, NULL, &tx, priv, sizeof priv), W3W__CRYPTO_ERANGE);
	tx.chain_id = 1;
	tx.data_len = 3; /* data NULL */
	ck_assert_int_eq(w3w__evm_tx_sign(&raw, &raw_len, NULL, &tx, priv, sizeof priv), W3W__CRYPTO_EINVAL);
	tx.data_len = 0;
	ck_assert_int_eq(w3w__evm_tx_sign(&raw, &raw_len, NULL, &tx, priv, 31), W3W__CRYPTO_ELENGTH);
	memset(priv, 0, sizeof priv);
	ck_assert_int_eq(w3w__evm_tx_sign(&raw, &raw_len, NULL, &tx, priv, sizeof priv), W3W__CRYPTO_EKEY);
	ck_assert_str_eq((const char *)raw, "unchanged");
	ck_assert_uint_eq(raw_len, 5);
}
END_TEST

START_TEST(contract_creation_and_data)
{
	/* No "to" encodes as the empty string (0x80); data goes in as bytes. */
	static const unsigned char code[] = { 0x60, 0x80, 0x60, 0x40, 0x52 };
	unsigned char priv[32], *raw = NULL, hash[32], signer[20], expect[20], sig[65];
	size_t raw_len = 0;
	w3w__evm_tx tx;

	memset(priv, 0x21, sizeof priv);
	w3w__evm_tx_init(&tx, W3W__EVM_TX_LEGACY);
	tx.chain_id = 31337;
	tx.gas_limit = 100000;
	w3w__u256_from_u64(&tx.gas_price, 1);
	tx.data = code;
	tx.data_len = sizeof code;
	ck_assert_int_eq(w3w__evm_tx_sign(&raw, &raw_len, NULL, &tx, priv, sizeof priv), 0);
	/* list header, nonce 0 -> 80, gas price 01, gas 830186a0, to 80, value 80, data 85... */
	ck_assert_mem_eq(raw + 2, "\x80\x01\x83\x01\x86\xa0\x80\x80\x85\x60\x80\x60\x40\x52", 14);
	/* v = 31337 * 2 + 35 + recid = 0xf4f5 or 0xf4f6, as 82 f4 f5|f6 */
	ck_assert_int_eq(raw[16], 0x82);
	ck_assert_int_eq(raw[17], 0xf4);
	ck_assert(raw[18] == 0xf5 || raw[18] == 0xf6);
	ck_assert_int_eq(w3w__evm_tx_signing_hash(hash, &tx), 0);
	ck_assert_int_eq(w3w__evm_sign_hash(sig, hash, priv, sizeof priv), 0);
	ck_assert_int_eq(sig[64], raw[18] - 0xf5);
	ck_assert_int_eq(w3w__evm_recover(signer, hash, sig, sizeof sig), 0);
	w3w__evm_address_from_privkey(expect, priv, sizeof priv);
	ck_assert_mem_eq(signer, expect, 20);
	free(raw);
}
END_TEST

START_TEST(personal_sign_vector)
{
	cJSON *v = w3w_test_load_vectors("evm.json");
	const cJSON *c = cJSON_GetObjectItem(v, "personal_sign");
	const char *msg = w3w_test_str(c, "message"), *addr_text = w3w_test_str(c, "address");
	unsigned char priv[32], hash[32], sig[65], addr[20], signer[20], expected_sig[65];

	w3w_test_unhex(priv, sizeof priv, w3w_test_str(c, "private_key"));
	w3w_test_unhex(expected_sig, sizeof expected_sig, w3w_test_str(c, "signature"));
	ck_assert_int_eq(w3w__evm_address_parse(addr, addr_text, strlen(addr_text), 0), 0);
	ck_assert_int_eq(w3w__evm_personal_hash(hash, (const unsigned char *)msg, strlen(msg)), 0);
	w3w_test_assert_hex(hash, sizeof hash, w3w_test_str(c, "message_hash"));
	ck_assert_int_eq(w3w__evm_personal_sign(sig, (const unsigned char *)msg, strlen(msg), priv, sizeof priv), 0);
	w3w_test_assert_hex(sig, sizeof sig, w3w_test_str(c, "signature"));
	ck_assert_int_eq(w3w__evm_personal_recover(signer, (const unsigned char *)msg, strlen(msg),
	                                           expected_sig, sizeof expected_sig), 0);
	ck_assert_mem_eq(signer, addr, 20);
	ck_assert_int_eq(w3w__evm_personal_verify(addr, (const unsigned char *)msg, strlen(msg),
	                                          expected_sig, sizeof expected_sig), 0);
	/* v as 0/1 is accepted too */
	expected_sig[64] -= 27;
	ck_assert_int_eq(w3w__evm_personal_verify(addr, (const unsigned char *)msg, strlen(msg),
	                                          expected_sig, sizeof expected_sig), 0);
	/* another message does not verify */
	ck_assert_int_eq(w3w__evm_personal_verify(addr, (const unsigned char *)"Some dat", 8,
	                                          expected_sig, sizeof expected_sig), W3W__CRYPTO_ESIGNATURE);
	cJSON_Delete(v);
}
END_TEST

START_TEST(recover_refuses_bad_signatures)
{
	/* secp256k1 order n and n/2 (the low-s bound) */
	static const char *n_hex = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";
	unsigned char priv[32], sig[65], bad[65], addr[20], signer[20], n[32];
	const unsigned char *msg = (const unsigned char *)"hello";

	memset(priv, 0x11, sizeof priv);
	w3w__evm_address_from_privkey(addr, priv, sizeof priv);
	ck_assert_int_eq(w3w__evm_personal_sign(sig, msg, 5, priv, sizeof priv), 0);
	ck_assert_int_eq(w3w__evm_personal_verify(addr, msg, 5, sig, sizeof sig), 0);
	ck_assert_int_eq(w3w__evm_personal_recover(signer, msg, 5, sig, 64), W3W__CRYPTO_ELENGTH);
	ck_assert_int_eq(w3w__evm_personal_recover(signer, msg, 5, sig, 66), W3W__CRYPTO_ELENGTH);
	/* v outside {0, 1, 27, 28} */
	memcpy(bad, sig, sizeof bad);
	bad[64] = 29;
	ck_assert_int_eq(w3w__evm_personal_recover(signer, msg, 5, bad, sizeof bad), W3W__CRYPTO_ESIGNATURE);
	bad[64] = 2;
	ck_assert_int_eq(w3w__evm_personal_recover(signer, msg, 5, bad, sizeof bad), W3W__CRYPTO_ESIGNATURE);
	/* r = 0 */
	memcpy(bad, sig, sizeof bad);
	memset(bad, 0, 32);
	ck_assert_int_eq(w3w__evm_personal_recover(signer, msg, 5, bad, sizeof bad), W3W__CRYPTO_ESIGNATURE);
	/* s >= n */
	memcpy(bad, sig, sizeof bad);
	memset(bad + 32, 0xff, 32);
	ck_assert_int_eq(w3w__evm_personal_recover(signer, msg, 5, bad, sizeof bad), W3W__CRYPTO_ESIGNATURE);
	/* the high-s twin (n - s, v flipped) is refused (EIP-2) */
	w3w_test_unhex(n, sizeof n, n_hex);
	memcpy(bad, sig, sizeof bad);
	{
		int borrow = 0;

		for (int i = 31; i >= 0; i--) {
			int d = n[i] - sig[32 + i] - borrow;

			borrow = d < 0;
			bad[32 + i] = (unsigned char)(d + (borrow ? 256 : 0));
		}
	}
	bad[64] = sig[64] == 27 ? 28 : 27;
	ck_assert_int_eq(w3w__evm_personal_recover(signer, msg, 5, bad, sizeof bad), W3W__CRYPTO_ESIGNATURE);
	/* a flipped bit in r recovers some other key, or none: never addr */
	memcpy(bad, sig, sizeof bad);
	bad[10] ^= 0x01;
	ck_assert_int_ne(w3w__evm_personal_verify(addr, msg, 5, bad, sizeof bad), 0);
}
END_TEST

START_TEST(signatures_are_deterministic_and_low_s)
{
	unsigned char priv[32], hash[32], a[65], b[65];

	memset(priv, 0x42, sizeof priv);
	for (int i = 0; i < 64; i++) {
		memset(hash, i, sizeof hash);
		ck_assert_int_eq(w3w__evm_sign_hash(a, hash, priv, sizeof priv), 0);
		ck_assert_int_eq(w3w__evm_sign_hash(b, hash, priv, sizeof priv), 0);
		ck_assert_mem_eq(a, b, 65);
		/* s <= n/2: its top bit is clear */
		ck_assert_int_lt(a[32], 0x80);
		ck_assert(a[64] == 0 || a[64] == 1);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("crypto_evm");
	TCase *tc = tcase_create("evm");

	tcase_add_test(tc, eip55_examples);
	tcase_add_test(tc, address_parse_failures);
	tcase_add_test(tc, address_from_keys);
	tcase_add_test(tc, hd_accounts);
	tcase_add_test(tc, eip155_example);
	tcase_add_test(tc, eip1559_matches_ethers);
	tcase_add_test(tc, tx_refused);
	tcase_add_test(tc, contract_creation_and_data);
	tcase_add_test(tc, personal_sign_vector);
	tcase_add_test(tc, recover_refuses_bad_signatures);
	tcase_add_test(tc, signatures_are_deterministic_and_low_s);
	suite_add_tcase(s, tc);
	return w3w_test_run(s);
}

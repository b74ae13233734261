/*
 * Cross-check driver for libw3wallet's crypto layer (src/crypto/).
 *
 *   sign_samples               print JSON samples made by the library from a
 *                              fixed test mnemonic: derived EVM and Solana
 *                              accounts, signed legacy and EIP-1559
 *                              transactions, personal_sign and Ed25519
 *                              signatures, BIP-39 seeds, Keccak digests
 *   sign_samples verify FILE   check signatures made by ethers / noble
 *                              (written by check.mjs); exit 1 on a mismatch
 *
 * check.mjs verifies the first output with independent implementations;
 * run.sh chains both directions.
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/bip32.h"
#include "crypto/bip39.h"
#include "crypto/crypto.h"
#include "crypto/evm.h"
#include "crypto/hex.h"
#include "crypto/keccak.h"
#include "crypto/slip10.h"
#include "crypto/solana.h"

/* The well-known Hardhat / anvil test mnemonic: never holds real funds. */
#define MNEMONIC "test test test test test test test test test test test junk"
#define EVM_ACCOUNTS 5
#define SOL_ACCOUNTS 3

static void die(const char *what, int rc)
{
	fprintf(stderr, "sign_samples: %s: %s\n", what, w3w__crypto_strerror(rc));
	exit(2);
}

static void check(int rc, const char *what)
{
	if (rc != 0)
		die(what, rc);
}

/* "0x" + hex, malloc'd. */
static char *hex0x(const unsigned char *p, size_t len)
{
	char *s = malloc(2 * len + 3);

	if (s == NULL)
		die("hex", W3W__CRYPTO_ENOMEM);
	s[0] = '0';
	s[1] = 'x';
	check(w3w__crypto_hex_encode(s + 2, 2 * len + 1, p, len), "hex");
	return s;
}

static void add_hex(cJSON *obj, const char *key, const unsigned char *p, size_t len)
{
	char *s = hex0x(p, len);

	cJSON_AddStringToObject(obj, key, s);
	free(s);
}

static void add_u256(cJSON *obj, const char *key, const w3w__u256 *v)
{
	char text[W3W__U256_DECIMAL_SIZE];

	check(w3w__u256_to_decimal(text, sizeof text, v), "u256");
	cJSON_AddStringToObject(obj, key, text);
}

/* Decimal text: JSON numbers lose precision above 2^53. */
static void add_u64(cJSON *obj, const char *key, uint64_t v)
{
	char text[24];

	snprintf(text, sizeof text, "%llu", (unsigned long long)v);
	cJSON_AddStringToObject(obj, key, text);
}

/* Deterministic filler bytes for messages and call data. */
static void fill(unsigned char *p, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (unsigned char)((i * 131 + seed * 17 + 7) & 0xff);
}

static w3w__bip32_key evm_keys[EVM_ACCOUNTS];

static void evm_accounts(cJSON *out, const unsigned char seed[64])
{
	w3w__bip32_key master;
	cJSON *arr = cJSON_AddArrayToObject(out, "accounts");

	check(w3w__bip32_master_from_seed(&master, seed, 64), "bip32 master");
	for (int i = 0; i < EVM_ACCOUNTS; i++) {
		char path[64], text[W3W__EVM_ADDRESS_TEXT_SIZE];
		unsigned char pub[65], addr[20];
		cJSON *a = cJSON_CreateObject();

		snprintf(path, sizeof path, "m/44'/60'/0'/0/%d", i);
		check(w3w__bip32_derive_path(&evm_keys[i], &master, path), "bip32 derive");
		check(w3w__bip32_pubkey(pub, sizeof pub, &evm_keys[i]), "pubkey");
		check(w3w__evm_address_from_pubkey(addr, pub, sizeof pub), "address");
		check(w3w__evm_address_to_text(text, addr), "address text");
		cJSON_AddStringToObject(a, "path", path);
		cJSON_AddStringToObject(a, "address", text);
		add_hex(a, "pubkey", pub, sizeof pub);
		cJSON_AddItemToArray(arr, a);
	}
	w3w__bip32_key_wipe(&master);
}

struct tx_case {
	w3w__evm_tx_type type;
	uint64_t chain_id, nonce, gas_limit;
	const char *fee_a, *fee_b; /* gas price, or priority fee and max fee */
	const char *value;
	int create;               /* no "to": contract creation */
	size_t data_len;
};

static const struct tx_case tx_cases[] = {
	{ W3W__EVM_TX_LEGACY, 1, 0, 21000, "20000000000", NULL, "1000000000000000000", 0, 0 },
	{ W3W__EVM_TX_LEGACY, 31337, 7, 60000, "1", NULL, "0", 0, 68 },
	{ W3W__EVM_TX_LEGACY, 11155111, 123456789, 3000000, "0x3b9aca00", NULL, "1", 1, 300 },
	{ W3W__EVM_TX_LEGACY, 1099511627776ULL, 9007199254740991ULL, 21000, "999", NULL,
	  "115792089237316195423570985008687907853269984665640564039457584007913129639935", 0, 0 },
	{ W3W__EVM_TX_EIP1559, 1, 9, 21000, "2000000000", "30000000000", "1000000000000000000", 0, 0 },
	{ W3W__EVM_TX_EIP1559, 31337, 0, 90000, "0", "1", "0", 0, 36 },
	{ W3W__EVM_TX_EIP1559, 8453, 42, 5000000, "1500000000", "100000000000", "12345678901234567890", 1, 1000 },
	{ W3W__EVM_TX_EIP1559, 1099511627776ULL, 1, 21000, "1", "2",
	  "340282366920938463463374607431768211456", 0, 0 },
};

static void u256_text(w3w__u256 *v, const char *text)
{
	check(w3w__u256_parse(v, text, strlen(text)), "u256 parse");
}

static void evm_transactions(cJSON *out)
{
	cJSON *arr = cJSON_AddArrayToObject(out, "transactions");

	for (size_t i = 0; i < sizeof tx_cases / sizeof tx_cases[0]; i++) {
		const struct tx_case *c = &tx_cases[i];
		int from = (int)(i % EVM_ACCOUNTS), to_index = (int)((i + 1) % EVM_ACCOUNTS);
		unsigned char data[1000], *raw = NULL, hash[32], to[20];
		char to_text[W3W__EVM_ADDRESS_TEXT_SIZE];
		size_t raw_len = 0;
		w3w__evm_tx tx;
		cJSON *t = cJSON_CreateObject();

		w3w__evm_tx_init(&tx, c->type);
		tx.chain_id = c->chain_id;
		tx.nonce = c->nonce;
		tx.gas_limit = c->gas_limit;
		if (c->type == W3W__EVM_TX_LEGACY) {
			u256_text(&tx.gas_price, c->fee_a);
		} else {
			u256_text(&tx.max_priority_fee_per_gas, c->fee_a);
			u256_text(&tx.max_fee_per_gas, c->fee_b);
		}
		u256_text(&tx.value, c->value);
		fill(data, c->data_len, (unsigned)i);
		tx.data = c->data_len ? data : NULL;
		tx.data_len = c->data_len;
		if (!c->create) {
			check(w3w__evm_address_from_privkey(to, evm_keys[to_index].priv, 32), "to");
			memcpy(tx.to, to, 20);
			tx.has_to = 1;
		}
		check(w3w__evm_tx_sign(&raw, &raw_len, hash, &tx, evm_keys[from].priv, 32), "tx sign");

		cJSON_AddNumberToObject(t, "type", c->type);
		cJSON_AddNumberToObject(t, "from_index", from);
		add_u64(t, "chain_id", c->chain_id);
		add_u64(t, "nonce", c->nonce);
		add_u64(t, "gas_limit", c->gas_limit);
		if (c->type == W3W__EVM_TX_LEGACY) {
			add_u256(t, "gas_price", &tx.gas_price);
		} else {
			add_u256(t, "max_priority_fee_per_gas", &tx.max_priority_fee_per_gas);
			add_u256(t, "max_fee_per_gas", &tx.max_fee_per_gas);
		}
		if (c->create) {
			cJSON_AddNullToObject(t, "to");
		} else {
			check(w3w__evm_address_to_text(to_text, tx.to), "to text");
			cJSON_AddStringToObject(t, "to", to_text);
		}
		add_u256(t, "value", &tx.value);
		add_hex(t, "data", data, c->data_len);
		add_hex(t, "raw", raw, raw_len);
		add_hex(t, "hash", hash, sizeof hash);
		cJSON_AddItemToArray(arr, t);
		free(raw);
	}
}

static const size_t message_lengths[] = { 0, 1, 5, 32, 100, 1000 };

static void evm_messages(cJSON *out)
{
	cJSON *arr = cJSON_AddArrayToObject(out, "personal_sign");
	unsigned char msg[1000], sig[65];

	for (size_t i = 0; i < sizeof message_lengths / sizeof message_lengths[0]; i++) {
		int who = (int)(i % EVM_ACCOUNTS);
		cJSON *m = cJSON_CreateObject();

		fill(msg, message_lengths[i], (unsigned)(i + 100));
		if (i == 2)
			memcpy(msg, "hello", 5);
		check(w3w__evm_personal_sign(sig, msg, message_lengths[i], evm_keys[who].priv, 32), "personal_sign");
		cJSON_AddNumberToObject(m, "index", who);
		add_hex(m, "message", msg, message_lengths[i]);
		add_hex(m, "signature", sig, sizeof sig);
		cJSON_AddItemToArray(arr, m);
	}
}

static void solana(cJSON *out, const unsigned char seed[64])
{
	w3w__slip10_key master, keys[SOL_ACCOUNTS];
	cJSON *accts = cJSON_AddArrayToObject(out, "accounts");
	cJSON *sigs = cJSON_AddArrayToObject(out, "signatures");
	unsigned char msg[1000], sig[64], pub[32];

	check(w3w__slip10_master_from_seed(&master, seed, 64), "slip10 master");
	for (int i = 0; i < SOL_ACCOUNTS; i++) {
		char path[64], addr[W3W__SOLANA_ADDRESS_SIZE];
		cJSON *a = cJSON_CreateObject();

		snprintf(path, sizeof path, "m/44'/501'/%d'/0'", i);
		check(w3w__slip10_derive_path(&keys[i], &master, path), "slip10 derive");
		check(w3w__slip10_pubkey(pub, &keys[i]), "ed25519 pubkey");
		check(w3w__solana_address(addr, pub, sizeof pub), "solana address");
		cJSON_AddStringToObject(a, "path", path);
		cJSON_AddStringToObject(a, "address", addr);
		add_hex(a, "pubkey", pub, sizeof pub);
		cJSON_AddItemToArray(accts, a);
	}
	for (size_t i = 0; i < sizeof message_lengths / sizeof message_lengths[0]; i++) {
		int who = (int)(i % SOL_ACCOUNTS);
		cJSON *s = cJSON_CreateObject();

		fill(msg, message_lengths[i], (unsigned)(i + 200));
		check(w3w__solana_sign(sig, msg, message_lengths[i], keys[who].priv, 32), "ed25519 sign");
		cJSON_AddNumberToObject(s, "index", who);
		add_hex(s, "message", msg, message_lengths[i]);
		add_hex(s, "signature", sig, sizeof sig);
		cJSON_AddItemToArray(sigs, s);
	}
	w3w__slip10_key_wipe(&master);
	for (int i = 0; i < SOL_ACCOUNTS; i++)
		w3w__slip10_key_wipe(&keys[i]);
}

static void bip39(cJSON *out)
{
	static const char *passphrases[] = { "", "TREZOR", "correct horse battery staple" };
	cJSON *arr = cJSON_AddArrayToObject(out, "bip39");

	for (size_t len = 16; len <= 32; len += 4) {
		unsigned char entropy[32], seed[64];
		char words[W3W__BIP39_MNEMONIC_SIZE];
		const char *pass = passphrases[len % 3];
		cJSON *b = cJSON_CreateObject();

		fill(entropy, len, (unsigned)len);
		check(w3w__bip39_mnemonic_from_entropy(words, sizeof words, entropy, len), "mnemonic");
		check(w3w__bip39_seed(seed, words, pass), "seed");
		add_hex(b, "entropy", entropy, len);
		cJSON_AddStringToObject(b, "mnemonic", words);
		cJSON_AddStringToObject(b, "passphrase", pass);
		add_hex(b, "seed", seed, sizeof seed);
		cJSON_AddItemToArray(arr, b);
	}
}

static void keccak(cJSON *out)
{
	cJSON *arr = cJSON_AddArrayToObject(out, "keccak256");
	unsigned char in[600], hash[32];

	for (size_t len = 0; len <= 600; len += (len < 140 ? 1 : 37)) {
		cJSON *k = cJSON_CreateObject();

		fill(in, len, (unsigned)len);
		check(w3w__keccak256(hash, in, len), "keccak");
		add_hex(k, "input", in, len);
		add_hex(k, "hash", hash, sizeof hash);
		cJSON_AddItemToArray(arr, k);
	}
}

static int samples(void)
{
	unsigned char seed[64];
	cJSON *root = cJSON_CreateObject();
	char *text;

	check(w3w__bip39_seed(seed, MNEMONIC, ""), "seed");
	cJSON_AddStringToObject(root, "mnemonic", MNEMONIC);
	evm_accounts(cJSON_AddObjectToObject(root, "evm"), seed);
	evm_transactions(cJSON_GetObjectItem(root, "evm"));
	evm_messages(cJSON_GetObjectItem(root, "evm"));
	solana(cJSON_AddObjectToObject(root, "solana"), seed);
	bip39(root);
	keccak(root);
	for (int i = 0; i < EVM_ACCOUNTS; i++)
		w3w__bip32_key_wipe(&evm_keys[i]);
	text = cJSON_Print(root);
	puts(text);
	free(text);
	cJSON_Delete(root);
	return 0;
}

/* ---- verify mode: signatures made by ethers and noble ---- */

static int passed, failed;

static void expect(int ok, const char *what, int index)
{
	if (ok) {
		passed++;
	} else {
		failed++;
		fprintf(stderr, "MISMATCH %s #%d\n", what, index);
	}
}

static size_t unhex(unsigned char *out, size_t size, const cJSON *obj, const char *key)
{
	const cJSON *item = cJSON_GetObjectItem(obj, key);
	size_t n = 0;

	if (!cJSON_IsString(item) ||
	    w3w__crypto_hex_decode(out, size, &n, item->valuestring, strlen(item->valuestring)) != 0)
		die(key, W3W__CRYPTO_EFORMAT);
	return n;
}

static const char *str(const cJSON *obj, const char *key)
{
	const cJSON *item = cJSON_GetObjectItem(obj, key);

	if (!cJSON_IsString(item))
		die(key, W3W__CRYPTO_EFORMAT);
	return item->valuestring;
}

static void verify_evm_messages(const cJSON *arr)
{
	const cJSON *m;
	int i = 0;

	cJSON_ArrayForEach(m, arr) {
		unsigned char msg[2048], sig[65], addr[20], signer[20];
		size_t len = unhex(msg, sizeof msg, m, "message");
		const char *addr_text = str(m, "address");

		unhex(sig, sizeof sig, m, "signature");
		expect(w3w__evm_address_parse(addr, addr_text, strlen(addr_text), W3W__EVM_ADDRESS_STRICT) == 0,
		       "ethers address is EIP-55", i);
		expect(w3w__evm_personal_recover(signer, msg, len, sig, sizeof sig) == 0 &&
		       memcmp(signer, addr, 20) == 0, "personal_sign recovery", i);
		expect(w3w__evm_personal_verify(addr, msg, len, sig, sizeof sig) == 0, "personal_sign verify", i);
		sig[40] ^= 0x01;
		expect(w3w__evm_personal_verify(addr, msg, len, sig, sizeof sig) != 0, "tampered personal_sign refused", i);
		i++;
	}
}

static void verify_evm_hashes(const cJSON *arr)
{
	const cJSON *h;
	int i = 0;

	cJSON_ArrayForEach(h, arr) {
		unsigned char hash[32], sig[65], addr[20], signer[20];
		const char *addr_text = str(h, "address");

		unhex(hash, sizeof hash, h, "hash");
		unhex(sig, sizeof sig, h, "signature");
		expect(w3w__evm_address_parse(addr, addr_text, strlen(addr_text), 0) == 0, "address", i);
		expect(w3w__evm_recover(signer, hash, sig, sizeof sig) == 0 && memcmp(signer, addr, 20) == 0,
		       "transaction signer recovery", i);
		i++;
	}
}

static void verify_ed25519(const cJSON *arr)
{
	const cJSON *s;
	int i = 0;

	cJSON_ArrayForEach(s, arr) {
		unsigned char msg[2048], sig[64], pub[32], parsed[32];
		char addr[W3W__SOLANA_ADDRESS_SIZE];
		size_t len = unhex(msg, sizeof msg, s, "message");
		const char *addr_text = str(s, "address");

		unhex(sig, sizeof sig, s, "signature");
		unhex(pub, sizeof pub, s, "pubkey");
		expect(w3w__solana_verify(sig, sizeof sig, msg, len, pub, sizeof pub) == 0, "ed25519 verify", i);
		expect(w3w__solana_address(addr, pub, sizeof pub) == 0 && strcmp(addr, addr_text) == 0,
		       "solana address", i);
		expect(w3w__solana_address_parse(parsed, addr_text, strlen(addr_text)) == 0 &&
		       memcmp(parsed, pub, 32) == 0, "solana address parse", i);
		sig[3] ^= 0x10;
		expect(w3w__solana_verify(sig, sizeof sig, msg, len, pub, sizeof pub) != 0,
		       "tampered ed25519 refused", i);
		i++;
	}
}

static int verify(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *text;
	long size;
	cJSON *root;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0) {
		fprintf(stderr, "sign_samples: cannot read %s\n", path);
		return 2;
	}
	rewind(f);
	text = malloc((size_t)size + 1);
	if (text == NULL || fread(text, 1, (size_t)size, f) != (size_t)size)
		die("read", W3W__CRYPTO_ENOMEM);
	text[size] = '\0';
	fclose(f);
	root = cJSON_Parse(text);
	free(text);
	if (root == NULL)
		die("reverse JSON", W3W__CRYPTO_EFORMAT);
	verify_evm_messages(cJSON_GetObjectItem(root, "evm_messages"));
	verify_evm_hashes(cJSON_GetObjectItem(root, "evm_hashes"));
	verify_ed25519(cJSON_GetObjectItem(root, "ed25519"));
	cJSON_Delete(root);
	printf("C verifies ethers/noble signatures: %d passed, %d failed\n", passed, failed);
	return failed == 0 && passed > 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 1)
		return samples();
	if (argc == 3 && strcmp(argv[1], "verify") == 0)
		return verify(argv[2]);
	fprintf(stderr, "usage: %s [verify FILE]\n", argv[0]);
	return 2;
}

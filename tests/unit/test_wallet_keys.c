/*
 * Wallet keys on SQLite: the master seed generated on first use or
 * imported, audited export, derived deposit addresses (known anvil
 * accounts), one wallet per user and chain, online key rotation and
 * retirement, and that no secret reaches events, messages or the database
 * file in clear.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/bip32.h"
#include "crypto/bip39.h"
#include "crypto/evm.h"
#include "crypto/slip10.h"
#include "crypto/solana.h"
#include "test_wallet_util.h"

static void setup(void)
{
	util_fresh_db();
}

static void teardown(void)
{
	util_remove_db();
}

START_TEST(first_use_generates_one_seed)
{
	w3w_ctx *ctx = util_open(KEY1);
	w3w_wallet a, b, s, again;
	w3w_master_seed_info info;
	char *words = NULL;

	ck_assert_int_eq(w3w_master_seed_info_get(&info, ctx, &admin), W3W_OK);
	ck_assert_int_eq(info.exists, 0);
	ck_assert_int_eq(w3w_wallet_create(&a, ctx, &alice, "evm"), W3W_OK);
	ck_assert_int_eq(w3w_wallet_create(&b, ctx, &bob, "evm"), W3W_OK);
	ck_assert_int_eq(w3w_wallet_create(&s, ctx, &alice, "solana"), W3W_OK);
	ck_assert_int_eq(a.index, 0);
	ck_assert_int_eq(b.index, 1);
	ck_assert_int_eq(s.index, 0);
	ck_assert_str_eq(a.user_id, U_ALICE);
	ck_assert_str_eq(a.chain, "evm");
	ck_assert_str_ne(a.address, b.address);
	ck_assert_int_eq((int)strlen(a.address), 42);

	/* One wallet per user and chain; the refusal names the existing one and spends no index. */
	ck_assert_int_eq(w3w_wallet_create(&again, ctx, &alice, "evm"), W3W_ECONFLICT);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), a.id));
	ck_assert_int_eq(w3w_wallet_create(&again, ctx, &alice, "bitcoin"), W3W_EINVAL);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "chain"));

	ck_assert_int_eq(w3w_master_seed_info_get(&info, ctx, &admin), W3W_OK);
	ck_assert_int_eq(info.exists, 1);
	ck_assert_str_eq(info.origin, "generated");
	ck_assert_str_eq(info.key_ids, info.context_key_id);

	/* The addresses are the ones the exported mnemonic derives (checked with the crypto layer directly). */
	ck_assert_int_eq(w3w_master_mnemonic_export(&words, ctx, &admin), W3W_OK);
	ck_assert_int_eq(w3w__bip39_mnemonic_check(words), 0);
	{
		unsigned char seed[64], pub[32], addr[20];
		char text[64];
		w3w__bip32_key m, k;
		w3w__slip10_key sm, sk;
		ck_assert_int_eq(w3w__bip39_seed(seed, words, ""), 0);
		ck_assert_int_eq(w3w__bip32_master_from_seed(&m, seed, 64), 0);
		ck_assert_int_eq(w3w__bip32_derive_path(&k, &m, "m/44'/60'/0'/0/1"), 0);
		ck_assert_int_eq(w3w__evm_address_from_pubkey(addr, k.pub, sizeof(k.pub)), 0);
		ck_assert_int_eq(w3w__evm_address_to_text(text, addr), 0);
		ck_assert_str_eq(text, b.address);
		ck_assert_int_eq(w3w__slip10_master_from_seed(&sm, seed, 64), 0);
		ck_assert_int_eq(w3w__slip10_derive_path(&sk, &sm, "m/44'/501'/0'/0'"), 0);
		ck_assert_int_eq(w3w__slip10_pubkey(pub, &sk), 0);
		ck_assert_int_eq(w3w__solana_address(text, pub, 32), 0);
		ck_assert_str_eq(text, s.address);
		w3w__bip32_key_wipe(&m);
		w3w__bip32_key_wipe(&k);
		w3w__slip10_key_wipe(&sm);
		w3w__slip10_key_wipe(&sk);
	}
	w3w_string_free(words);
	w3w_ctx_close(ctx);
}
END_TEST

START_TEST(import_gives_the_known_anvil_accounts)
{
	w3w_ctx *ctx = util_open(KEY1);
	w3w_wallet a, b;
	w3w_master_seed_info info;

	ck_assert_int_eq(w3w_master_seed_import(ctx, &alice, ANVIL_MNEMONIC, NULL), W3W_EFORBIDDEN);
	ck_assert_int_eq(util_audit_count(ctx, "wallet.seed_import", "forbidden"), 1);
	ck_assert_int_eq(w3w_master_seed_import(ctx, &admin, "  test test test test test test test test test"
		"\ttest  test junk ", ""), W3W_OK);
	ck_assert_int_eq(w3w_wallet_create(&a, ctx, &alice, "evm"), W3W_OK);
	ck_assert_int_eq(w3w_wallet_create(&b, ctx, &bob, "evm"), W3W_OK);
	ck_assert_str_eq(a.address, "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
	ck_assert_str_eq(b.address, "0x70997970C51812dc3A010C7d01b50e0d17dc79C8");

	/* Never replaced, whoever asks. */
	ck_assert_int_eq(w3w_master_seed_import(ctx, &admin, ANVIL_MNEMONIC, NULL), W3W_ECONFLICT);
	ck_assert_int_eq(w3w_master_seed_info_get(&info, ctx, &admin), W3W_OK);
	ck_assert_str_eq(info.origin, "imported");
	ck_assert_int_eq(w3w_master_seed_info_get(&info, ctx, &alice), W3W_EFORBIDDEN);
	w3w_ctx_close(ctx);
}
END_TEST

START_TEST(import_refuses_bad_mnemonics_without_echoing_them)
{
	w3w_ctx *ctx = util_open(KEY1);
	w3w_master_seed_info info;

	/* Wrong checksum, unknown word, wrong count, non-ASCII passphrase. */
	ck_assert_int_eq(w3w_master_seed_import(ctx, &admin,
		"test test test test test test test test test test test test", NULL), W3W_EINVAL);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "mnemonic"));
	ck_assert_ptr_null(strstr(w3w_error_message(), "test"));
	ck_assert_int_eq(w3w_master_seed_import(ctx, &admin,
		"test test test test test test test test test test test zebraxyz", NULL), W3W_EINVAL);
	ck_assert_ptr_null(strstr(w3w_error_message(), "zebraxyz"));
	ck_assert_int_eq(w3w_master_seed_import(ctx, &admin, "test test test", NULL), W3W_EINVAL);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "12, 15, 18, 21 or 24"));
	ck_assert_int_eq(w3w_master_seed_import(ctx, &admin, ANVIL_MNEMONIC, "caf\xc3\xa9"), W3W_EINVAL);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "passphrase"));
	ck_assert_int_eq(w3w_master_seed_import(ctx, &admin, NULL, NULL), W3W_EINVAL);
	ck_assert_int_eq(w3w_master_seed_info_get(&info, ctx, &admin), W3W_OK);
	ck_assert_int_eq(info.exists, 0);
	w3w_ctx_close(ctx);
}
END_TEST

START_TEST(export_is_admin_only_and_audited)
{
	w3w_ctx *ctx = util_open(KEY1);
	char *words = NULL;

	ck_assert_int_eq(w3w_master_mnemonic_export(&words, ctx, &admin), W3W_ENOTFOUND);
	ck_assert_int_eq(w3w_master_seed_import(ctx, &admin, ANVIL_MNEMONIC, "a passphrase"), W3W_OK);
	ck_assert_int_eq(w3w_master_mnemonic_export(&words, ctx, &alice), W3W_EFORBIDDEN);
	ck_assert_ptr_null(words);
	ck_assert_int_eq(w3w_master_mnemonic_export(&words, ctx, &service), W3W_EFORBIDDEN);
	ck_assert_int_eq(w3w_master_mnemonic_export(&words, ctx, &admin), W3W_OK);
	ck_assert_str_eq(words, ANVIL_MNEMONIC);
	w3w_string_free(words);
	ck_assert_int_eq(util_audit_count(ctx, "wallet.seed_export", "ok"), 1);
	ck_assert_int_eq(util_audit_count(ctx, "wallet.seed_export", "forbidden"), 2);
	ck_assert_int_eq(util_audit_count(ctx, "wallet.seed_export", "not_found"), 1);
	w3w_ctx_close(ctx);
}
END_TEST

/* Collects every event payload into one string. */
static char *all_payloads(w3w_ctx *ctx, w3w_subscription *sub)
{
	size_t cap = 1 << 16, len = 0, delivered = 0;
	char *buf = calloc(1, cap);
	w3w_event *ev;

	ck_assert_int_eq(w3w_events_pump(ctx, 100000, &delivered), W3W_OK);
	while (w3w_subscription_next(&ev, sub, 0) == W3W_OK) {
		size_t n = strlen(ev->payload);
		if (len + n + 2 < cap) {
			memcpy(buf + len, ev->payload, n);
			len += n;
			buf[len++] = '\n';
		}
		w3w_event_free(ev);
	}
	return buf;
}

START_TEST(secrets_never_leave_in_clear)
{
	w3w_ctx *ctx = util_open(KEY1);
	w3w_subscription *sub = NULL;
	w3w_wallet a;
	char *words = NULL, *payloads, seed_hex[129];
	unsigned char seed[64];

	ck_assert_int_eq(w3w_subscribe(&sub, ctx, NULL, NULL, 1000), W3W_OK);
	ck_assert_int_eq(w3w_master_seed_import(ctx, &admin, ANVIL_MNEMONIC, NULL), W3W_OK);
	ck_assert_int_eq(w3w_wallet_create(&a, ctx, &alice, "evm"), W3W_OK);
	ck_assert_int_eq(w3w_master_key_rotate(ctx, &admin, KEY2), W3W_OK);
	ck_assert_int_eq(w3w_master_mnemonic_export(&words, ctx, &admin), W3W_OK);
	w3w_string_free(words);
	payloads = all_payloads(ctx, sub);
	ck_assert_ptr_nonnull(strstr(payloads, "wallet"));
	ck_assert_ptr_nonnull(strstr(payloads, a.address));
	ck_assert_ptr_null(strstr(payloads, "test test"));
	ck_assert_int_eq(w3w__bip39_seed(seed, ANVIL_MNEMONIC, ""), 0);
	for (int i = 0; i < 64; i++)
		sprintf(seed_hex + 2 * i, "%02x", seed[i]);
	ck_assert_ptr_null(strstr(payloads, seed_hex + 64)); /* half of it is enough to tell */
	free(payloads);
	w3w_unsubscribe(sub);
	w3w_ctx_close(ctx);
	/* The database file holds the mnemonic and the seed only sealed. */
	ck_assert_int_eq(util_file_contains(test_db, "test test test"), 0);
	{
		char wal[160];
		snprintf(wal, sizeof(wal), "%s-wal", test_db);
		ck_assert_int_eq(util_file_contains(wal, "test test test"), 0);
	}
	ck_assert_int_eq(util_file_contains(test_db, "wallet.seed_import"), 1); /* the scan does see text */
}
END_TEST

START_TEST(rotation_keeps_every_process_working)
{
	w3w_ctx *c1 = util_open(KEY1), *c2 = util_open(KEY2), *c3;
	w3w_master_seed_info info;
	char id1[W3W_KEY_ID_SIZE], id2[W3W_KEY_ID_SIZE];
	w3w_wallet a, b, s;
	int64_t deleted = -1;

	ck_assert_int_eq(w3w_master_key_id(id1, sizeof(id1), KEY1), W3W_OK);
	ck_assert_int_eq(w3w_master_key_id(id2, sizeof(id2), KEY2), W3W_OK);
	ck_assert_str_ne(id1, id2);
	ck_assert_int_eq(w3w_wallet_create(&a, c1, &alice, "evm"), W3W_OK);

	/* A process with another key cannot open the seed; it says which keys, never the secret. */
	ck_assert_int_eq(w3w_wallet_create(&b, c2, &bob, "evm"), W3W_ECRYPTO);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), id1));
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), id2));

	ck_assert_int_eq(w3w_master_key_rotate(c1, &alice, KEY2), W3W_EFORBIDDEN);
	ck_assert_int_eq(w3w_master_key_rotate(c1, &admin, "xyz"), W3W_EINVAL);
	ck_assert_int_eq(w3w_master_key_rotate(c1, &admin, KEY1), W3W_EINVAL);
	ck_assert_int_eq(w3w_master_key_rotate(c1, &admin, KEY2), W3W_OK);
	ck_assert_int_eq(util_audit_count(c1, "wallet.key_rotate", "ok"), 1);

	/* Both keys work now: old processes keep running while new ones start. */
	ck_assert_int_eq(w3w_wallet_create(&b, c2, &bob, "evm"), W3W_OK);
	ck_assert_int_eq(w3w_wallet_create(&s, c1, &alice, "solana"), W3W_OK);
	ck_assert_int_eq(w3w_master_seed_info_get(&info, c2, &admin), W3W_OK);
	ck_assert_ptr_nonnull(strstr(info.key_ids, id1));
	ck_assert_ptr_nonnull(strstr(info.key_ids, id2));
	ck_assert_str_eq(info.context_key_id, id2);

	/* Retiring from a context whose key has no copy would lose the seed: refused. */
	c3 = util_open(KEY3);
	ck_assert_int_eq(w3w_master_key_retire(c3, &admin, &deleted), W3W_ESTATE);
	w3w_ctx_close(c3);
	ck_assert_int_eq(w3w_master_key_retire(c2, &admin, &deleted), W3W_OK);
	ck_assert_int_eq(deleted, 2); /* seed and mnemonic under key 1 */
	ck_assert_int_eq(w3w_master_seed_info_get(&info, c2, &admin), W3W_OK);
	ck_assert_str_eq(info.key_ids, id2);

	/* The old key is useless now; the same seed lives on under the new one. */
	{
		w3w_wallet c;
		w3w_actor carol;
		ck_assert_int_eq(w3w_actor_init(&carol, "01900000-0000-7000-8000-0000000000c0", W3W_ROLE_USER), W3W_OK);
		ck_assert_int_eq(w3w_wallet_create(&c, c1, &carol, "evm"), W3W_ECRYPTO);
		ck_assert_int_eq(w3w_master_key_rotate(c1, &admin, KEY3), W3W_ECRYPTO);
		ck_assert_int_eq(w3w_wallet_create(&c, c2, &carol, "evm"), W3W_OK);
		ck_assert_int_eq(c.index, 2);
	}
	w3w_ctx_close(c1);

	/* A second rotation drops copies under keys other than the two involved. */
	ck_assert_int_eq(w3w_master_key_rotate(c2, &admin, KEY3), W3W_OK);
	c3 = util_open(KEY3);
	{
		char *words = NULL;
		ck_assert_int_eq(w3w_master_mnemonic_export(&words, c3, &admin), W3W_OK);
		w3w_string_free(words);
	}
	ck_assert_int_eq(w3w_master_key_retire(c3, &admin, &deleted), W3W_OK);
	ck_assert_int_eq(deleted, 2);
	w3w_ctx_close(c3);
	w3w_ctx_close(c2);
}
END_TEST

START_TEST(no_master_key_no_wallets)
{
	w3w_ctx *ctx = util_open(NULL);
	w3w_wallet a;

	ck_assert_int_eq(w3w_wallet_create(&a, ctx, &alice, "evm"), W3W_EINVAL);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "master_key_hex"));
	ck_assert_int_eq(w3w_master_seed_import(ctx, &admin, ANVIL_MNEMONIC, NULL), W3W_EINVAL);
	w3w_ctx_close(ctx);
}
END_TEST

START_TEST(list_own_and_others)
{
	w3w_ctx *ctx = util_open(KEY1);
	w3w_wallets *list = NULL;
	w3w_wallet a, s;
	char *json = NULL;

	ck_assert_int_eq(w3w_wallet_create(&s, ctx, &alice, "solana"), W3W_OK);
	ck_assert_int_eq(w3w_wallet_create(&a, ctx, &alice, "evm"), W3W_OK);
	ck_assert_int_eq(w3w_wallet_list(&list, ctx, &alice, NULL), W3W_OK);
	ck_assert_uint_eq(list->count, 2);
	ck_assert_str_eq(list->items[0].chain, "evm");
	ck_assert_str_eq(list->items[1].chain, "solana");
	ck_assert_int_eq(w3w_wallets_to_json(&json, list), W3W_OK);
	ck_assert_ptr_nonnull(strstr(json, a.address));
	w3w_string_free(json);
	w3w_wallets_free(list);
	ck_assert_int_eq(w3w_wallet_list(&list, ctx, &bob, U_ALICE), W3W_EFORBIDDEN);
	ck_assert_int_eq(w3w_wallet_list(&list, ctx, &admin, U_ALICE), W3W_OK);
	ck_assert_uint_eq(list->count, 2);
	w3w_wallets_free(list);
	ck_assert_int_eq(w3w_wallet_list(&list, ctx, &bob, NULL), W3W_OK);
	ck_assert_uint_eq(list->count, 0);
	w3w_wallets_free(list);
	ck_assert_int_eq(w3w_wallet_to_json(&json, &a), W3W_OK);
	ck_assert_ptr_nonnull(strstr(json, "\"index\":0"));
	w3w_string_free(json);
	w3w_ctx_close(ctx);
}
END_TEST

START_TEST(address_normalize_says_what_is_wrong)
{
	char buf[W3W_ADDRESS_SIZE];

	ck_assert_int_eq(w3w_address_normalize(buf, sizeof(buf), "evm", "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"), W3W_OK);
	ck_assert_str_eq(buf, "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
	ck_assert_int_eq(w3w_address_normalize(buf, sizeof(buf), "evm", "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92267"), W3W_EINVAL);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "checksum"));
	ck_assert_int_eq(w3w_address_normalize(buf, sizeof(buf), "evm", "0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266"), W3W_EINVAL);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "checksum"));
	ck_assert_int_eq(w3w_address_normalize(buf, sizeof(buf), "evm", "0xf39fd6e51aad88f6f4ce6ab8827279cfffb922"), W3W_EINVAL);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "length"));
	ck_assert_int_eq(w3w_address_normalize(buf, sizeof(buf), "evm", "0xg39fd6e51aad88f6f4ce6ab8827279cfffb92266"), W3W_EINVAL);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "character"));
	ck_assert_int_eq(w3w_address_normalize(buf, sizeof(buf), "evm", "00f39fd6e51aad88f6f4ce6ab8827279cfffb92266"), W3W_EINVAL);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "0x"));
	ck_assert_int_eq(w3w_address_normalize(buf, sizeof(buf), "evm", ""), W3W_EINVAL);
	ck_assert_int_eq(w3w_address_normalize(buf, sizeof(buf), "tron", "T..."), W3W_EINVAL);
	ck_assert_int_eq(w3w_address_normalize(buf, sizeof(buf), "solana", "11111111111111111111111111111111"), W3W_OK);
	ck_assert_int_eq(w3w_address_normalize(buf, sizeof(buf), "solana", "0OIl1111111111111111111111111111"), W3W_EINVAL);
	ck_assert_int_eq(w3w_address_normalize(buf, sizeof(buf), "solana", "1111"), W3W_EINVAL);
}
END_TEST

/* ---- a third-party backend without the wallet members -------------------------------- */

static w3w_status nowallet_open(w3w_storage **out, const char *url, const w3w_backend_config *cfg)
{
	char real[256];
	w3w_status st;

	snprintf(real, sizeof(real), "sqlite:%s", url + strlen("nowallet:"));
	if ((st = w3w_storage_sqlite_open(out, real, cfg)) != W3W_OK)
		return st;
	/* A backend without the optional wallet table. */
	(*out)->wallet = NULL;
	return W3W_OK;
}

START_TEST(backend_without_wallet_support)
{
	w3w_options o;
	w3w_ctx *ctx = NULL;
	w3w_wallet a;
	w3w_wallets *list = NULL;
	w3w_chain_options co;
	w3w_chain *chain = NULL;

	ck_assert_int_eq(w3w_storage_register("nowallet", nowallet_open), W3W_OK);
	ck_assert_int_eq(w3w_options_init(&o, W3W_OPTIONS_VERSION), W3W_OK);
	snprintf(o.storage_url, sizeof(o.storage_url), "nowallet:%s", test_db);
	strcpy(o.master_key_hex, KEY1);
	o.background_relay = 0;
	ck_assert_int_eq(w3w_ctx_open(&ctx, &o), W3W_OK);
	ck_assert_int_eq(w3w_wallet_create(&a, ctx, &alice, "evm"), W3W_EINVAL);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "storage backend has no wallet support"));
	ck_assert_int_eq(w3w_wallet_list(&list, ctx, &alice, NULL), W3W_EINVAL);
	ck_assert_int_eq(w3w_master_seed_import(ctx, &admin, ANVIL_MNEMONIC, NULL), W3W_EINVAL);
	w3w_chain_options_init(&co, W3W_CHAIN_OPTIONS_VERSION);
	strcpy(co.url, "http://127.0.0.1:1");
	co.chain_id = 1;
	ck_assert_int_eq(w3w_chain_open(&chain, ctx, &co), W3W_EINVAL);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "no wallet support"));
	/* The rest of the library works as before. */
	ck_assert_int_eq(w3w_deposit(NULL, ctx, &admin, U_ALICE, "ETH", COIN, "ref-1", NULL), W3W_OK);
	w3w_ctx_close(ctx);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("wallet_keys");
	TCase *tc = tcase_create("keys");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, first_use_generates_one_seed);
	tcase_add_test(tc, import_gives_the_known_anvil_accounts);
	tcase_add_test(tc, import_refuses_bad_mnemonics_without_echoing_them);
	tcase_add_test(tc, export_is_admin_only_and_audited);
	tcase_add_test(tc, secrets_never_leave_in_clear);
	tcase_add_test(tc, rotation_keeps_every_process_working);
	tcase_add_test(tc, no_master_key_no_wallets);
	tcase_add_test(tc, list_own_and_others);
	tcase_add_test(tc, address_normalize_says_what_is_wrong);
	tcase_add_test(tc, backend_without_wallet_support);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

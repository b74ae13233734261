/*
 * The signer seam (w3wallet/sys/signer.h) on the mock chain, with a signer
 * registered by this test: a context without any master key withdraws
 * through it; a signer that is down leaves the withdrawal held and the
 * follower signs it once it is back; a policy refusal fails it with the
 * hold and the nonce given back; a context-wide signer derives deposit
 * addresses and signs for chains without their own; chain options of
 * versions 1 and 2 still open; bad signer options are refused naming the field.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "signer/protocol.h"
#include "test_wallet_mock.h"
#include "test_wallet_util.h"

#define EXTERNAL "0x8626f6940E2eb28930eFb4CeF49B2d1F2C9C1199"
#define ANVIL0 "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
#define SHARED "abababababababababababababababababababababababababababababababab"

static const unsigned char anvil0_key[32] = { 0xac, 0x09, 0x74, 0xbe, 0xc3, 0x9a, 0x17, 0xe3, 0x6b, 0xa4, 0xa6,
	0xb4, 0xd2, 0x38, 0xff, 0x94, 0x4b, 0xac, 0xb4, 0x78, 0xcb, 0xed, 0x5e, 0xfc, 0xae, 0x78, 0x4d, 0x7b, 0xf4,
	0xf2, 0xff, 0x80 };

/* ---- a signer of this test ------------------------------------------------------------ */

static struct {
	int down, refuse, signatures, addresses, deposits, lowercase;
	char key_hex[65];
	w3w_signer_tx last;
} fake;

/* Deposit addresses of the fake: anvil's accounts 1 and 2 stand for indexes 0 and 1. */
static const char *const fake_deposit[] = { "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
	"0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC" };

static w3w_status fake_deposit_address(w3w_signer *s, const char *family, int64_t index,
	char out[W3W_ADDRESS_SIZE])
{
	(void)s;
	if (fake.down)
		return w3w_error_set(W3W_EUNAVAILABLE, "signer: not reachable (fake)");
	ck_assert_str_eq(family, "evm");
	ck_assert(index >= 0 && index < 2);
	fake.deposits++;
	strcpy(out, fake_deposit[index]);
	if (fake.lowercase)
		for (char *p = out + 2; *p; p++)
			*p = (char)(*p >= 'A' && *p <= 'F' ? *p + 32 : *p);
	return W3W_OK;
}

static w3w_status fake_address(w3w_signer *s, char out[W3W_ADDRESS_SIZE])
{
	(void)s;
	if (fake.down)
		return w3w_error_set(W3W_EUNAVAILABLE, "signer: not reachable (fake)");
	fake.addresses++;
	strcpy(out, ANVIL0);
	return W3W_OK;
}

static w3w_status fake_sign(w3w_signer *s, const w3w_signer_tx *tx, unsigned char **raw, size_t *raw_len,
	unsigned char hash[32])
{
	(void)s;
	if (fake.down)
		return w3w_error_set(W3W_EUNAVAILABLE, "signer: not reachable (fake)");
	if (fake.refuse)
		return w3w_error_set(W3W_EFORBIDDEN, "signer refused: value: above the per-transaction maximum");
	fake.last = *tx;
	fake.signatures++;
	return w3w__sp_sign(tx, anvil0_key, raw, raw_len, hash) == 0 ? W3W_OK : W3W_ECRYPTO;
}

static void fake_free(w3w_signer *s)
{
	free(s);
}

static w3w_status fake_open(w3w_signer **out, const char *url, const w3w_signer_config *cfg)
{
	w3w_signer *s = malloc(sizeof(*s));

	ck_assert_int_eq(w3w_signer_init(s, W3W_SIGNER_VERSION), W3W_OK);
	s->name = "fake";
	/* "fake:future" plays a signer built against a later interface than this library's. */
	if (strcmp(url, "fake:future") == 0)
		s->version = W3W_SIGNER_VERSION + 1;
	s->address = fake_address;
	s->sign_tx = fake_sign;
	s->free = fake_free;
	if (strcmp(url, "fake:no-deposits") != 0)
		s->deposit_address = fake_deposit_address;
	snprintf(fake.key_hex, sizeof(fake.key_hex), "%s", cfg->key_hex);
	*out = s;
	return W3W_OK;
}

/* ---- fixtures ------------------------------------------------------------------------------ */

static w3w_ctx *ctx;

static void setup(void)
{
	util_fresh_db();
	mock_reset(31337);
	memset(&fake, 0, sizeof(fake));
	ck_assert_int_eq(w3w_chain_adapter_register("mock", mock_open), W3W_OK);
	ck_assert_int_eq(w3w_signer_register("fake", fake_open), W3W_OK);
	ctx = util_open(NULL); /* no master key: nothing here could sign */
	ck_assert_int_eq(w3w_deposit(NULL, ctx, &admin, U_ALICE, "ETH", 10 * COIN, "seed-eth", NULL), W3W_OK);
}

static void teardown(void)
{
	w3w_ctx_close(ctx);
	util_remove_db();
}

static w3w_status open_chain(w3w_chain **chain, unsigned int version, const char *signer_url, const char *key)
{
	w3w_chain_options o;

	ck_assert_int_eq(w3w_chain_options_init(&o, W3W_CHAIN_OPTIONS_VERSION), W3W_OK);
	o.version = version;
	strcpy(o.adapter, "mock");
	strcpy(o.url, "mock://node");
	o.chain_id = 31337;
	o.confirmations = 3;
	o.start_block = 0;
	strcpy(o.assets, "ETH=native:18");
	snprintf(o.signer_url, sizeof(o.signer_url), "%s", signer_url);
	snprintf(o.signer_key_hex, sizeof(o.signer_key_hex), "%s", key);
	*chain = NULL;
	return w3w_chain_open(chain, ctx, &o);
}

/* ---- tests ---------------------------------------------------------------------------------- */

START_TEST(withdrawals_sign_through_the_signer)
{
	w3w_chain *chain;
	w3w_withdrawal w;
	w3w_wallet wallet;
	w3w_chain_poll_stats ps;
	char hot[W3W_ADDRESS_SIZE];

	ck_assert_msg(open_chain(&chain, W3W_CHAIN_OPTIONS_VERSION, "fake:x", SHARED) == W3W_OK, "%s", w3w_error_message());
	ck_assert_str_eq(fake.key_hex, SHARED);
	/* This context holds no key: deposit wallets need one, withdrawals do not. */
	ck_assert_int_eq(w3w_wallet_create(&wallet, ctx, &alice, "evm"), W3W_EINVAL);
	ck_assert_int_eq(w3w_chain_hot_address(hot, sizeof(hot), chain, &service), W3W_OK);
	ck_assert_str_eq(hot, ANVIL0);
	ck_assert_msg(w3w_wallet_withdraw(&w, chain, &alice, "ETH", 150000000, EXTERNAL, NULL) == W3W_OK, "%s",
		w3w_error_message());
	ck_assert_int_eq(w.status, W3W_WITHDRAWAL_BROADCAST);
	ck_assert_str_eq(w.from_address, ANVIL0);
	ck_assert_int_eq(fake.signatures, 1);
	ck_assert_int_eq(fake.addresses, 1); /* asked once, then remembered */
	ck_assert_uint_eq(fake.last.chain_id, 31337);
	ck_assert_uint_eq(fake.last.nonce, 0);
	ck_assert_str_eq(w.tx_hash, M.pool[0]);
	mock_mine(3);
	ck_assert_int_eq(w3w_chain_poll(chain, &service, &ps), W3W_OK);
	ck_assert_uint_eq(ps.withdrawals_confirmed, 1);
	ck_assert_int_eq(util_account(ctx, U_ALICE, "ETH").balance, 10 * COIN - 150000000);
	w3w_chain_close(chain);
}
END_TEST

START_TEST(a_signer_that_is_down_leaves_withdrawals_held)
{
	w3w_chain *chain;
	w3w_withdrawal w;
	w3w_chain_poll_stats ps;

	ck_assert_int_eq(open_chain(&chain, W3W_CHAIN_OPTIONS_VERSION, "fake:x", SHARED), W3W_OK);
	/* Never reached: not even the hot address is known, so nothing is held. */
	fake.down = 1;
	ck_assert_int_eq(w3w_wallet_withdraw(&w, chain, &alice, "ETH", COIN, EXTERNAL, NULL), W3W_EUNAVAILABLE);
	ck_assert_int_eq(util_account(ctx, U_ALICE, "ETH").held, 0);
	fake.down = 0;
	ck_assert_int_eq(w3w_wallet_withdraw(&w, chain, &alice, "ETH", COIN, EXTERNAL, NULL), W3W_OK);
	mock_mine(3);
	ck_assert_int_eq(w3w_chain_poll(chain, &service, &ps), W3W_OK);

	/* Down after the address is known: held, and it waits. */
	fake.down = 1;
	ck_assert_int_eq(w3w_wallet_withdraw(&w, chain, &alice, "ETH", 2 * COIN, EXTERNAL, "k1"), W3W_OK);
	ck_assert_int_eq(w.status, W3W_WITHDRAWAL_HELD);
	ck_assert_int_eq(util_account(ctx, U_ALICE, "ETH").held, 2 * COIN);
	ck_assert_int_eq(w3w_chain_poll(chain, &service, &ps), W3W_EUNAVAILABLE);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "signer"));
	ck_assert_int_eq(w3w_withdrawal_get(&w, ctx, &alice, w.id), W3W_OK);
	ck_assert_int_eq(w.status, W3W_WITHDRAWAL_HELD);
	/* Back: the next poll signs and broadcasts it, without the abandoned-row grace period. */
	fake.down = 0;
	ck_assert_int_eq(w3w_chain_poll(chain, &service, &ps), W3W_OK);
	ck_assert_int_eq(w3w_withdrawal_get(&w, ctx, &alice, w.id), W3W_OK);
	ck_assert_int_eq(w.status, W3W_WITHDRAWAL_BROADCAST);
	ck_assert_uint_eq(fake.last.nonce, 1);
	mock_mine(3);
	ck_assert_int_eq(w3w_chain_poll(chain, &service, &ps), W3W_OK);
	ck_assert_uint_eq(ps.withdrawals_confirmed, 1);
	ck_assert_int_eq(util_account(ctx, U_ALICE, "ETH").balance, 7 * COIN);
	ck_assert_int_eq(util_account(ctx, U_ALICE, "ETH").held, 0);
	w3w_chain_close(chain);
}
END_TEST

START_TEST(a_policy_refusal_releases_the_hold)
{
	w3w_chain *chain;
	w3w_withdrawal w;

	ck_assert_int_eq(open_chain(&chain, W3W_CHAIN_OPTIONS_VERSION, "fake:x", SHARED), W3W_OK);
	fake.refuse = 1;
	ck_assert_int_eq(w3w_wallet_withdraw(&w, chain, &alice, "ETH", 5 * COIN, EXTERNAL, NULL), W3W_EFORBIDDEN);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "maximum"));
	ck_assert_int_eq(w.status, W3W_WITHDRAWAL_FAILED);
	ck_assert_ptr_nonnull(strstr(w.error, "signer refused"));
	ck_assert_int_eq(util_account(ctx, U_ALICE, "ETH").held, 0);
	ck_assert_int_eq(M.sends, 0);
	/* The nonce came back: the next withdrawal uses it. */
	fake.refuse = 0;
	ck_assert_int_eq(w3w_wallet_withdraw(&w, chain, &alice, "ETH", COIN, EXTERNAL, NULL), W3W_OK);
	ck_assert_int_eq(w.nonce, 0);
	w3w_chain_close(chain);
}
END_TEST

static w3w_ctx *open_ctx_with_signer(const char *url)
{
	w3w_options o;
	w3w_ctx *c = NULL;

	ck_assert_int_eq(w3w_options_init(&o, W3W_OPTIONS_VERSION), W3W_OK);
	snprintf(o.storage_url, sizeof(o.storage_url), "sqlite:%s", test_db);
	o.background_relay = 0;
	strcpy(o.signer_url, url);
	strcpy(o.signer_key_hex, SHARED);
	ck_assert_msg(w3w_ctx_open(&c, &o) == W3W_OK, "%s", w3w_error_message());
	return c;
}

START_TEST(a_context_wide_signer_derives_and_signs)
{
	w3w_ctx *sctx = open_ctx_with_signer("fake:ctx");
	w3w_chain *chain;
	w3w_wallet wa, wb;
	w3w_withdrawal w;
	w3w_chain_options o;

	/* Down: refused before an index is spent. */
	fake.down = 1;
	ck_assert_int_eq(w3w_wallet_create(&wa, sctx, &alice, "evm"), W3W_EUNAVAILABLE);
	fake.down = 0;
	/* An answer that is not a canonical address is not stored. */
	fake.lowercase = 1;
	ck_assert_int_eq(w3w_wallet_create(&wa, sctx, &alice, "evm"), W3W_EUNAVAILABLE);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "not a canonical evm address"));
	fake.lowercase = 0;
	ck_assert_msg(w3w_wallet_create(&wa, sctx, &alice, "evm") == W3W_OK, "%s", w3w_error_message());
	ck_assert_int_eq(wa.index, 1); /* the refused answer spent index 0 */
	ck_assert_str_eq(wa.address, fake_deposit[1]);
	ck_assert_int_eq(w3w_wallet_create(&wb, sctx, &alice, "evm"), W3W_ECONFLICT);

	/* A chain without a signer of its own signs through the context's. */
	ck_assert_int_eq(w3w_chain_options_init(&o, W3W_CHAIN_OPTIONS_VERSION), W3W_OK);
	strcpy(o.adapter, "mock");
	strcpy(o.url, "mock://node");
	o.chain_id = 31337;
	strcpy(o.assets, "ETH=native:18");
	ck_assert_int_eq(w3w_chain_open(&chain, sctx, &o), W3W_OK);
	ck_assert_int_eq(w3w_wallet_withdraw(&w, chain, &alice, "ETH", COIN, EXTERNAL, NULL), W3W_OK);
	ck_assert_str_eq(w.from_address, ANVIL0);
	ck_assert_int_eq(fake.signatures, 1);
	w3w_chain_close(chain);
	w3w_ctx_close(sctx);

	/* A signer that cannot derive deposit addresses says so. */
	sctx = open_ctx_with_signer("fake:no-deposits");
	ck_assert_int_eq(w3w_wallet_create(&wb, sctx, &bob, "evm"), W3W_EINVAL);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "cannot derive deposit addresses"));
	w3w_ctx_close(sctx);
}
END_TEST

START_TEST(chain_options_of_older_versions_still_open)
{
	w3w_chain *chain;
	char hot[W3W_ADDRESS_SIZE];

	/* Callers of versions 1 and 2 have no signer members: whatever lies there is not read. */
	for (unsigned int v = 1; v < 3; v++) {
		ck_assert_int_eq(open_chain(&chain, v, "fake:x", SHARED), W3W_OK);
		ck_assert_int_eq(w3w_chain_hot_address(hot, sizeof(hot), chain, &service), W3W_EINVAL);
		ck_assert_ptr_nonnull(strstr(w3w_error_message(), "master_key_hex"));
		ck_assert_int_eq(fake.addresses, 0);
		w3w_chain_close(chain);
	}
	ck_assert_int_eq(open_chain(&chain, 0, "", ""), W3W_EVERSION);
	ck_assert_int_eq(open_chain(&chain, W3W_CHAIN_OPTIONS_VERSION + 1, "", ""), W3W_EVERSION);
}
END_TEST

START_TEST(bad_signer_options_are_refused)
{
	w3w_chain *chain;
	char hot[W3W_ADDRESS_SIZE];

	ck_assert_int_eq(w3w_signer_init(NULL, W3W_SIGNER_VERSION), W3W_EINVAL);
	ck_assert_int_eq(open_chain(&chain, W3W_CHAIN_OPTIONS_VERSION, "fake:future", SHARED), W3W_EVERSION);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "signer: interface version 3"));
	ck_assert_int_eq(open_chain(&chain, W3W_CHAIN_OPTIONS_VERSION, "nope:x", SHARED), W3W_EINVAL);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "unknown scheme 'nope'"));
	ck_assert_int_eq(open_chain(&chain, W3W_CHAIN_OPTIONS_VERSION, "unix:relative/sock", SHARED), W3W_EINVAL);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "absolute"));
	ck_assert_int_eq(open_chain(&chain, W3W_CHAIN_OPTIONS_VERSION, "unix:/tmp/w3w-no-such.sock", ""), W3W_EINVAL);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "64 hex"));
	ck_assert_int_eq(open_chain(&chain, W3W_CHAIN_OPTIONS_VERSION, "unix:/tmp/w3w-no-such.sock", "zz"), W3W_EINVAL);
	ck_assert_ptr_null(chain);
	/* A signer nobody listens for: unavailable, naming the signer. */
	ck_assert_int_eq(open_chain(&chain, W3W_CHAIN_OPTIONS_VERSION, "unix:/tmp/w3w-no-such.sock", SHARED), W3W_OK);
	ck_assert_int_eq(w3w_chain_hot_address(hot, sizeof(hot), chain, &service), W3W_EUNAVAILABLE);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "signer: not reachable"));
	w3w_chain_close(chain);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("wallet_signer");
	TCase *tc = tcase_create("signer");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, withdrawals_sign_through_the_signer);
	tcase_add_test(tc, a_signer_that_is_down_leaves_withdrawals_held);
	tcase_add_test(tc, a_policy_refusal_releases_the_hold);
	tcase_add_test(tc, a_context_wide_signer_derives_and_signs);
	tcase_add_test(tc, chain_options_of_older_versions_still_open);
	tcase_add_test(tc, bad_signer_options_are_refused);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

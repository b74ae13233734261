/* Context counters: cache hits/misses and command outcomes move as commands and reads run. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "w3wallet.h"

START_TEST(counters_follow_reads_and_commands)
{
	char dir[] = "/tmp/w3w-stats-XXXXXX", sid[W3W_ID_SIZE], uid[W3W_ID_SIZE];
	w3w_options o;
	w3w_ctx *ctx;
	w3w_actor service, user;
	w3w_supply s, got;
	w3w_ctx_stats st;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	w3w_options_init(&o, W3W_OPTIONS_VERSION);
	snprintf(o.storage_url, sizeof(o.storage_url), "sqlite:%s/stats.db", dir);
	ck_assert_int_eq(w3w_ctx_open(&ctx, &o), W3W_OK);
	w3w_id_new(sid, sizeof(sid));
	w3w_id_new(uid, sizeof(uid));
	w3w_actor_init(&service, sid, W3W_ROLE_SERVICE);
	w3w_actor_init(&user, uid, W3W_ROLE_USER);

	ck_assert_int_eq(w3w_ctx_stats_get(&st, ctx), W3W_OK);
	ck_assert_uint_eq(st.commands_ok + st.cache_hits + st.cache_misses, 0);

	ck_assert_int_eq(w3w_supply_create(&s, ctx, &user, "USDC", 100000000, NULL), W3W_OK);
	ck_assert_int_eq(w3w_supply_get(&got, ctx, &user, s.id), W3W_OK); /* miss, fills */
	ck_assert_int_eq(w3w_supply_get(&got, ctx, &user, s.id), W3W_OK); /* hit */
	/* Refused at storage: withdrawing what the user does not have. */
	ck_assert_int_eq(w3w_withdraw(NULL, ctx, &user, "USDC", 1, "evm", "0xabc", NULL), W3W_EINSUFFICIENT);

	ck_assert_int_eq(w3w_ctx_stats_get(&st, ctx), W3W_OK);
	ck_assert_uint_eq(st.commands_ok, 1);
	ck_assert_uint_eq(st.commands_refused, 1);
	ck_assert_uint_eq(st.cache_hits, 1);
	ck_assert_uint_eq(st.cache_misses, 1);
	ck_assert_uint_gt(st.command_us_total, 0);
	ck_assert_int_eq(w3w_ctx_stats_get(NULL, ctx), W3W_EINVAL);
	w3w_ctx_close(ctx);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stats");
	TCase *tc = tcase_create("stats");
	SRunner *sr;
	int failed;
	tcase_add_test(tc, counters_follow_reads_and_commands);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

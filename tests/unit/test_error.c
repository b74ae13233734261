/*
 * The thread-local last error: a message may wrap the previous one, long
 * messages are cut, not overrun, and each thread keeps its own.
 */
#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <w3wallet.h>
#include <w3wallet/sys/backend.h>

START_TEST(wraps_the_previous_message)
{
	w3w_error_set(W3W_EINSUFFICIENT, "supply %s is short", "s-1");
	ck_assert_int_eq(w3w_error_set(W3W_EINSUFFICIENT, "order %s: %s", "o-1", w3w_error_message()),
		W3W_EINSUFFICIENT);
	ck_assert_str_eq(w3w_error_message(), "order o-1: supply s-1 is short");
	ck_assert_int_eq(w3w_error_code(), W3W_EINSUFFICIENT);
}
END_TEST

START_TEST(long_message_is_cut)
{
	char big[2048];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	w3w_error_set(W3W_EINVAL, "%s", big);
	ck_assert_uint_lt(strlen(w3w_error_message()), sizeof(big) - 1);
	ck_assert_uint_gt(strlen(w3w_error_message()), 100);
	/* wrapping a full message still ends in a terminated string */
	w3w_error_set(W3W_EINVAL, "again: %s", w3w_error_message());
	ck_assert_int_eq(strncmp(w3w_error_message(), "again: xxx", 10), 0);
}
END_TEST

static void *set_in_thread(void *arg)
{
	(void)arg;
	w3w_error_set(W3W_ECONFLICT, "from the other thread");
	return NULL;
}

START_TEST(per_thread)
{
	pthread_t t;
	w3w_error_set(W3W_ENOTFOUND, "mine");
	ck_assert_int_eq(pthread_create(&t, NULL, set_in_thread, NULL), 0);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert_str_eq(w3w_error_message(), "mine");
	ck_assert_int_eq(w3w_error_code(), W3W_ENOTFOUND);
	w3w_error_clear();
	ck_assert_str_eq(w3w_error_message(), "");
	ck_assert_int_eq(w3w_error_code(), W3W_OK);
}
END_TEST

static Suite *error_suite(void)
{
	Suite *s = suite_create("error");
	TCase *tc = tcase_create("last error");
	tcase_add_test(tc, wraps_the_previous_message);
	tcase_add_test(tc, long_message_is_cut);
	tcase_add_test(tc, per_thread);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(error_suite());
	int failed;
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/*
 * UUIDv7 ids and time: canonical form, version and variant bits, ordering
 * within a thread, uniqueness across threads, normalization, RFC 3339.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* timegm */
#endif
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <w3wallet.h>

/* Fewer under Valgrind (W3W_VALGRIND=1), where contended threads run serialized and slow. */
#define N_IDS (getenv("W3W_VALGRIND") ? 500 : 10000)
#define N_THREADS 4

static int is_lower_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static int hexval(char c)
{
	return c <= '9' ? c - '0' : c - 'a' + 10;
}

/*
 * Canonical lowercase UUIDv7 with the RFC 9562 variant. Checked without
 * ck_assert in the loop: Check records every assertion (a write each), which
 * made 10,000-id loops take minutes under Valgrind.
 */
static void assert_canonical_v7(const char *id)
{
	int ok = strlen(id) == 36;
	for (int i = 0; ok && i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23)
			ok = id[i] == '-';
		else
			ok = is_lower_hex(id[i]);
	}
	ok = ok && id[14] == '7' && (hexval(id[19]) & 0xc) == 0x8;
	if (!ok)
		ck_abort_msg("\"%s\" is not a canonical lowercase UUIDv7 (version 7, variant 8..b)", id);
}

/* The 48-bit Unix millisecond timestamp at the front of a UUIDv7. */
static int64_t v7_millis(const char *id)
{
	int64_t ms = 0;
	for (int i = 0; i < 13; i++) {
		if (id[i] == '-')
			continue;
		ms = ms * 16 + hexval(id[i]);
	}
	return ms;
}

START_TEST(new_is_canonical_v7)
{
	char id[W3W_ID_SIZE];
	int64_t before = w3w_time_now() / 1000;
	ck_assert_int_eq(w3w_id_new(id, sizeof(id)), W3W_OK);
	int64_t after = w3w_time_now() / 1000;
	assert_canonical_v7(id);
	/* The timestamp is the creation time (a counter may push it a few ms ahead). */
	ck_assert_int_ge(v7_millis(id), before);
	ck_assert_int_le(v7_millis(id), after + 1000);
}
END_TEST

START_TEST(new_refuses_short_buffer)
{
	char buf[W3W_ID_SIZE + 8];
	memset(buf, 'x', sizeof(buf));
	ck_assert_int_eq(w3w_id_new(buf, W3W_ID_SIZE - 1), W3W_EINVAL);
	ck_assert_msg(buf[0] == 'x' || buf[W3W_ID_SIZE - 1] == 'x', "wrote a full id into a short buffer");
	ck_assert_int_eq(w3w_id_new(NULL, W3W_ID_SIZE), W3W_EINVAL);
}
END_TEST

static int cmp_ids(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

START_TEST(monotonic_in_one_thread)
{
	char (*ids)[W3W_ID_SIZE] = malloc(sizeof(*ids) * N_IDS);
	ck_assert_ptr_nonnull(ids);
	for (int i = 0; i < N_IDS; i++)
		if (w3w_id_new(ids[i], W3W_ID_SIZE) != W3W_OK)
			ck_abort_msg("w3w_id_new failed: %s", w3w_error_message());
	for (int i = 0; i < N_IDS; i++) {
		assert_canonical_v7(ids[i]);
		if (i > 0 && strcmp(ids[i - 1], ids[i]) >= 0)
			ck_abort_msg("id %d \"%s\" not after \"%s\"", i, ids[i], ids[i - 1]);
	}
	free(ids);
}
END_TEST

struct gen_arg {
	char (*ids)[W3W_ID_SIZE];
	int failures;
};

static void *gen_thread(void *p)
{
	struct gen_arg *arg = p;
	for (int i = 0; i < N_IDS; i++) {
		if (w3w_id_new(arg->ids[i], W3W_ID_SIZE) != W3W_OK)
			arg->failures++;
		/* Ordered within each thread even while other threads draw ids. */
		else if (i > 0 && strcmp(arg->ids[i - 1], arg->ids[i]) >= 0)
			arg->failures++;
	}
	return NULL;
}

START_TEST(unique_across_threads)
{
	char (*ids)[W3W_ID_SIZE] = malloc(sizeof(*ids) * N_IDS * N_THREADS);
	pthread_t th[N_THREADS];
	struct gen_arg args[N_THREADS];

	ck_assert_ptr_nonnull(ids);
	for (int t = 0; t < N_THREADS; t++) {
		args[t].ids = ids + (size_t)t * N_IDS;
		args[t].failures = 0;
		ck_assert_int_eq(pthread_create(&th[t], NULL, gen_thread, &args[t]), 0);
	}
	for (int t = 0; t < N_THREADS; t++) {
		pthread_join(th[t], NULL);
		ck_assert_int_eq(args[t].failures, 0);
	}
	qsort(ids, (size_t)N_IDS * N_THREADS, W3W_ID_SIZE, cmp_ids);
	for (size_t i = 1; i < (size_t)N_IDS * N_THREADS; i++)
		if (strcmp(ids[i - 1], ids[i]) == 0)
			ck_abort_msg("duplicate id %s", ids[i]);
	free(ids);
}
END_TEST

/* ---- normalize ------------------------------------------------------------ */

START_TEST(normalize_accepts_and_lowercases)
{
	char out[W3W_ID_SIZE];
	ck_assert_int_eq(w3w_id_normalize(out, sizeof(out), "0190C2A1-7B3C-7D10-8E2F-1234567890AB"), W3W_OK);
	ck_assert_str_eq(out, "0190c2a1-7b3c-7d10-8e2f-1234567890ab");
	ck_assert_int_eq(w3w_id_normalize(out, sizeof(out), "0190c2a1-7b3c-7D10-8e2F-1234567890ab"), W3W_OK);
	ck_assert_str_eq(out, "0190c2a1-7b3c-7d10-8e2f-1234567890ab");
	/* Any UUID version, and the nil UUID (the external ledger account). */
	ck_assert_int_eq(w3w_id_normalize(out, sizeof(out), "f47ac10b-58cc-4372-a567-0e02b2c3d479"), W3W_OK);
	ck_assert_str_eq(out, "f47ac10b-58cc-4372-a567-0e02b2c3d479");
	ck_assert_int_eq(w3w_id_normalize(out, sizeof(out), "00000000-0000-0000-0000-000000000000"), W3W_OK);
	ck_assert_str_eq(out, "00000000-0000-0000-0000-000000000000");
}
END_TEST

START_TEST(normalize_in_place)
{
	char id[W3W_ID_SIZE] = "ABCDEF01-2345-6789-ABCD-EF0123456789";
	ck_assert_int_eq(w3w_id_normalize(id, sizeof(id), id), W3W_OK);
	ck_assert_str_eq(id, "abcdef01-2345-6789-abcd-ef0123456789");
}
END_TEST

START_TEST(normalize_refuses)
{
	static const char *bad[] = {
		"",
		"0190c2a1-7b3c-7d10-8e2f-1234567890a",    /* 35 chars */
		"0190c2a1-7b3c-7d10-8e2f-1234567890abc",  /* 37 chars */
		"0190c2a1-7b3c-7d10-8e2f-1234567890ab ",  /* trailing space */
		" 0190c2a1-7b3c-7d10-8e2f-1234567890ab",  /* leading space */
		"0190c2a1-7b3c-7d10-8e2f-1234567890ag",   /* non-hex */
		"0190c2a1-7b3c-7d10-8e2f-12345678-0ab",   /* dash in the last group */
		"0190c2a17-b3c-7d10-8e2f-1234567890ab",   /* misplaced dash */
		"0190c2a1-7b3c-7d108-e2f-1234567890ab",   /* misplaced dash */
		"0190c2a1_7b3c_7d10_8e2f_1234567890ab",   /* wrong separator */
		"0190c2a1-7b3c-7d10-8e2f1-234567890ab",
		"0190c2a17b3c7d108e2f1234567890ab",       /* 32 hex, no dashes */
		"{0190c2a1-7b3c-7d10-8e2f-1234567890ab}", /* braces */
		"urn:uuid:0190c2a1-7b3c-7d10-8e2f-1234567890ab",
		"0190c2a1-7b3c-7d10-8e2f-1234567890a\xc3\xa9", /* non-ASCII */
		"------------------------------------",
		"g190c2a1-7b3c-7d10-8e2f-1234567890ab",
		"0190c2a1-7b3c-7d10-8e2f-1234567890+b",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char out[W3W_ID_SIZE] = "untouched";
		w3w_error_clear();
		ck_assert_msg(w3w_id_normalize(out, sizeof(out), bad[i]) == W3W_EINVAL,
			"accepted \"%s\"", bad[i]);
		ck_assert_str_eq(out, "untouched");
		ck_assert_str_ne(w3w_error_message(), "");
	}
	{
		char out[W3W_ID_SIZE];
		char embedded_nul[] = "0190c2a1-7b3c-7d10-8e2f-1234567890ab";
		embedded_nul[20] = '\0';
		ck_assert_int_eq(w3w_id_normalize(out, sizeof(out), embedded_nul), W3W_EINVAL);
		ck_assert_int_eq(w3w_id_normalize(out, sizeof(out), NULL), W3W_EINVAL);
		ck_assert_int_eq(w3w_id_normalize(out, W3W_ID_SIZE - 1,
			"0190c2a1-7b3c-7d10-8e2f-1234567890ab"), W3W_EINVAL);
	}
}
END_TEST

/* ---- time ----------------------------------------------------------------- */

/* Parse what w3w_time_format wrote with libc alone: the round trip. */
static w3w_time parse_rfc3339(const char *text)
{
	struct tm tm;
	int micros = -1;
	char z = 0;
	memset(&tm, 0, sizeof(tm));
	ck_assert_int_eq(strlen(text), 27);
	ck_assert_int_eq(sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d.%6d%c", &tm.tm_year, &tm.tm_mon,
		&tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &micros, &z), 8);
	ck_assert_int_eq(z, 'Z');
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (w3w_time)timegm(&tm) * 1000000 + micros;
}

START_TEST(time_format_known_values)
{
	char buf[W3W_TIME_STRLEN];
	ck_assert_int_eq(w3w_time_format(buf, sizeof(buf), 0), W3W_OK);
	ck_assert_str_eq(buf, "1970-01-01T00:00:00.000000Z");
	ck_assert_int_eq(w3w_time_format(buf, sizeof(buf), 1), W3W_OK);
	ck_assert_str_eq(buf, "1970-01-01T00:00:00.000001Z");
	ck_assert_int_eq(w3w_time_format(buf, sizeof(buf), 1795616667123456LL), W3W_OK);
	ck_assert_str_eq(buf, "2026-11-25T14:24:27.123456Z");
	ck_assert_int_eq(w3w_time_format(buf, sizeof(buf), 951782400000000LL), W3W_OK);
	ck_assert_str_eq(buf, "2000-02-29T00:00:00.000000Z");
	ck_assert_int_eq(w3w_time_format(buf, sizeof(buf), 253402300799999999LL), W3W_OK);
	ck_assert_str_eq(buf, "9999-12-31T23:59:59.999999Z");
	/* Before the epoch the microseconds still count forward within the second. */
	ck_assert_int_eq(w3w_time_format(buf, sizeof(buf), -1), W3W_OK);
	ck_assert_str_eq(buf, "1969-12-31T23:59:59.999999Z");
}
END_TEST

START_TEST(time_round_trip)
{
	char buf[W3W_TIME_STRLEN];
	w3w_time now = w3w_time_now();
	uint64_t x = 0;

	ck_assert_int_gt(now, 1700000000LL * 1000000);
	for (int i = 0; i < 2000; i++) {
		x = (i == 0) ? (uint64_t)now : x * 6364136223846793005ULL + 1442695040888963407ULL;
		w3w_time v = (w3w_time)(x % 253402300800000000ULL); /* years 1970..9999 */
		ck_assert_int_eq(w3w_time_format(buf, sizeof(buf), v), W3W_OK);
		ck_assert_msg(parse_rfc3339(buf) == v, "%lld -> %s", (long long)v, buf);
	}
}
END_TEST

START_TEST(time_refuses_short_buffer)
{
	char buf[W3W_TIME_STRLEN];
	ck_assert_int_eq(w3w_time_format(buf, 27, 0), W3W_EINVAL);
	ck_assert_int_eq(w3w_time_format(NULL, W3W_TIME_STRLEN, 0), W3W_EINVAL);
}
END_TEST

START_TEST(time_now_moves_forward)
{
	w3w_time a = w3w_time_now();
	struct timespec ts = { 0, 2000000 };
	nanosleep(&ts, NULL);
	w3w_time b = w3w_time_now();
	ck_assert_int_gt(b, a);
	ck_assert_int_lt(b - a, 5 * 1000000);
}
END_TEST

/* Parent and forked child draw different ids even though the child inherits the parent's state. */
START_TEST(distinct_after_fork)
{
	char parent_id[W3W_ID_SIZE], child_id[W3W_ID_SIZE] = "";
	int fds[2], status;
	pid_t pid;

	ck_assert_int_eq(w3w_id_new(parent_id, sizeof(parent_id)), W3W_OK); /* fills this thread's pool */
	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char id[W3W_ID_SIZE];
		w3w_id_new(id, sizeof(id));
		_exit(write(fds[1], id, sizeof(id)) == (ssize_t)sizeof(id) ? 0 : 1);
	}
	close(fds[1]);
	ck_assert_int_eq(read(fds[0], child_id, sizeof(child_id)), (ssize_t)sizeof(child_id));
	close(fds[0]);
	waitpid(pid, &status, 0);
	ck_assert_int_eq(w3w_id_new(parent_id, sizeof(parent_id)), W3W_OK); /* the parent's next id */
	/* The last 16 hex digits are random: with a shared pool they would be equal. */
	ck_assert_str_ne(parent_id + 20, child_id + 20);
}
END_TEST

static Suite *id_suite(void)
{
	Suite *s = suite_create("id");
	TCase *ids = tcase_create("uuid");
	TCase *time = tcase_create("time");
	tcase_add_test(ids, new_is_canonical_v7);
	tcase_add_test(ids, new_refuses_short_buffer);
	tcase_add_test(ids, monotonic_in_one_thread);
	tcase_add_test(ids, unique_across_threads);
	tcase_add_test(ids, normalize_accepts_and_lowercases);
	tcase_add_test(ids, normalize_in_place);
	tcase_add_test(ids, normalize_refuses);
	tcase_add_test(ids, distinct_after_fork);
	tcase_add_test(time, time_format_known_values);
	tcase_add_test(time, time_round_trip);
	tcase_add_test(time, time_refuses_short_buffer);
	tcase_add_test(time, time_now_moves_forward);
	suite_add_tcase(s, ids);
	suite_add_tcase(s, time);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(id_suite());
	int failed;
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* The file: event sink: whole lines only, a torn tail cut on open, a failed write cut back, options. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "core/registry.h"
#include "w3wallet.h"

static char dir[64], path[128], url[160];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/w3w-file-sink-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/events.jsonl", dir);
	snprintf(url, sizeof(url), "file:%s", path);
}

static void teardown(void)
{
	unlink(path);
	rmdir(dir);
}

static void event_init(w3w_event *ev, const char *payload)
{
	memset(ev, 0, sizeof(*ev));
	w3w_id_new(ev->id, sizeof(ev->id));
	w3w_id_new(ev->aggregate_id, sizeof(ev->aggregate_id));
	w3w_id_new(ev->actor_id, sizeof(ev->actor_id));
	strcpy(ev->type, "order.created");
	strcpy(ev->topic, "order-events");
	strcpy(ev->region, "local");
	ev->created_at = w3w_time_now();
	ev->payload = (char *)payload;
}

static void write_raw(const char *text)
{
	FILE *fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	fputs(text, fp);
	fclose(fp);
}

/* Every line is a complete JSON object, the file ends with '\n'; returns the line count. */
static int whole_lines(void)
{
	FILE *fp = fopen(path, "r");
	char line[8192];
	int n = 0, last_nl = 1;
	ck_assert_ptr_nonnull(fp);
	while (fgets(line, sizeof(line), fp)) {
		size_t len = strlen(line);
		cJSON *j;
		last_nl = len > 0 && line[len - 1] == '\n';
		ck_assert_msg(last_nl, "line %d is not terminated: %.60s", n + 1, line);
		j = cJSON_Parse(line);
		ck_assert_msg(cJSON_IsObject(j), "line %d is not a JSON object: %.60s", n + 1, line);
		cJSON_Delete(j);
		n++;
	}
	fclose(fp);
	ck_assert(last_nl);
	return n;
}

static w3w_event_sink *open_sink(const char *u)
{
	w3w_event_sink *s = NULL;
	ck_assert_msg(w3w__event_sink_file_open(&s, u, NULL) == W3W_OK, "%s", w3w_error_message());
	return s;
}

static void publish_one(w3w_event_sink *s, const char *payload)
{
	w3w_event ev;
	unsigned char acked = 0;
	event_init(&ev, payload);
	ck_assert_int_eq(s->publish(s, &ev, 1, &acked), W3W_OK);
	ck_assert_int_eq(acked, 1);
}

START_TEST(torn_tail_is_cut_on_open)
{
	w3w_event_sink *s = open_sink(url);
	publish_one(s, "{\"n\":1}");
	publish_one(s, "{\"n\":2}");
	s->free(s);
	ck_assert_int_eq(whole_lines(), 2);
	/* A crash cut the third line mid-write. */
	{
		FILE *fp = fopen(path, "a");
		fputs("{\"id\":\"0190c2a1-7b3c-7d10-8e2f-12345", fp);
		fclose(fp);
	}
	s = open_sink(url);
	publish_one(s, "{\"n\":3}"); /* the re-sent event starts a line of its own */
	s->free(s);
	ck_assert_int_eq(whole_lines(), 3);
}
END_TEST

START_TEST(a_file_without_any_newline_is_emptied)
{
	w3w_event_sink *s;
	write_raw("{\"id\":\"torn");
	s = open_sink(url);
	publish_one(s, "{}");
	s->free(s);
	ck_assert_int_eq(whole_lines(), 1);
}
END_TEST

START_TEST(a_failed_write_leaves_no_partial_line)
{
	enum { N = 64 };
	static char big[2048];
	w3w_event_sink *s = open_sink(url);
	w3w_event evs[N];
	unsigned char acked[N];
	struct rlimit old, lim;

	publish_one(s, "{\"n\":1}");
	memset(big, 0, sizeof(big));
	strcpy(big, "{\"pad\":\"");
	memset(big + 8, 'x', sizeof(big) - 11);
	strcpy(big + sizeof(big) - 3, "\"}");
	for (int i = 0; i < N; i++)
		event_init(&evs[i], big);
	memset(acked, 0, sizeof(acked));
	/* The file may grow by only 10 KiB more: the 64 x 2 KiB batch is written part way, then fails. */
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	lim = old;
	lim.rlim_cur = (rlim_t)(10 * 1024);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	ck_assert_int_eq(s->publish(s, evs, N, acked), W3W_EUNAVAILABLE);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "write failed"));
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
	for (int i = 0; i < N; i++)
		ck_assert_int_eq(acked[i], 0);
	ck_assert_int_eq(whole_lines(), 1);
	/* The retry appends cleanly. */
	ck_assert_int_eq(s->publish(s, evs, 4, acked), W3W_OK);
	s->free(s);
	ck_assert_int_eq(whole_lines(), 5);
}
END_TEST

START_TEST(options)
{
	w3w_event_sink *s = NULL;
	char u[200];
	snprintf(u, sizeof(u), "file:%s?fsync=1", path);
	s = open_sink(u);
	publish_one(s, "{}");
	s->free(s);
	ck_assert_int_eq(access(path, F_OK), 0);
	snprintf(u, sizeof(u), "file://%s?fsync=0", path);
	s = open_sink(u);
	s->free(s);
	snprintf(u, sizeof(u), "file:%s?fsync=2", path);
	ck_assert_int_eq(w3w__event_sink_file_open(&s, u, NULL), W3W_EINVAL);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), "fsync"));
	snprintf(u, sizeof(u), "file:%s?sync=1", path);
	ck_assert_int_eq(w3w__event_sink_file_open(&s, u, NULL), W3W_EINVAL);
	ck_assert_int_eq(w3w__event_sink_file_open(&s, "file:", NULL), W3W_EINVAL);
	ck_assert_int_eq(w3w__event_sink_file_open(&s, "file:?fsync=1", NULL), W3W_EINVAL);
	ck_assert_int_eq(w3w__event_sink_file_open(&s, "file:/nonexistent-dir/x/events", NULL), W3W_EUNAVAILABLE);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("file_sink");
	TCase *tc = tcase_create("file_sink");
	SRunner *sr;
	int failed;
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, torn_tail_is_cut_on_open);
	tcase_add_test(tc, a_file_without_any_newline_is_emptied);
	tcase_add_test(tc, a_failed_write_leaves_no_partial_line);
	tcase_add_test(tc, options);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

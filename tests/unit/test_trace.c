/*
 * Tracing: the W3C traceparent parser (valid forms, each malformed form,
 * version ff, all-zero ids), the thread's trace context, and the span hooks
 * of the context options: called in nesting order for a command, its
 * storage transaction and cache call, and the relay's publish of its event,
 * whose payload carries the traceparent. No trace set or no tracer: no spans.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <w3wallet.h>

#define TRACE "4bf92f3577b34da6a3ce929d0e0e4736"
#define SPAN  "00f067aa0ba902b7"

START_TEST(parse_valid)
{
	w3w_trace_context tc;
	char buf[W3W_TRACEPARENT_SIZE];
	ck_assert_int_eq(w3w_traceparent_parse(&tc, "00-" TRACE "-" SPAN "-01"), W3W_OK);
	ck_assert_str_eq(tc.trace_id, TRACE);
	ck_assert_str_eq(tc.span_id, SPAN);
	ck_assert_uint_eq(tc.flags, 1);
	ck_assert_int_eq(w3w_traceparent_format(buf, sizeof(buf), &tc), W3W_OK);
	ck_assert_str_eq(buf, "00-" TRACE "-" SPAN "-01");
	ck_assert_int_eq(w3w_traceparent_parse(&tc, "00-" TRACE "-" SPAN "-00"), W3W_OK);
	ck_assert_uint_eq(tc.flags, 0);
	/* A later version may append fields; only the known prefix is read. */
	ck_assert_int_eq(w3w_traceparent_parse(&tc, "cc-" TRACE "-" SPAN "-09-what-ever"), W3W_OK);
	ck_assert_uint_eq(tc.flags, 9);
	ck_assert_int_eq(w3w_traceparent_parse(&tc, "01-" TRACE "-" SPAN "-01"), W3W_OK);
}
END_TEST

START_TEST(parse_malformed)
{
	static const char *const bad[] = {
		"",
		"00",
		"00-" TRACE "-" SPAN,                  /* no flags */
		"00-" TRACE "-" SPAN "-1",             /* short flags */
		"00-" TRACE "-" SPAN "-01-",           /* version 00 has nothing after the flags */
		"00-" TRACE "-" SPAN "-01x",
		"01-" TRACE "-" SPAN "-01x",           /* a later version appends only after "-" */
		"ff-" TRACE "-" SPAN "-01",            /* version ff is forbidden */
		"0g-" TRACE "-" SPAN "-01",
		"00-4BF92F3577B34DA6A3CE929D0E0E4736-" SPAN "-01", /* uppercase */
		"00-" TRACE "-00F067AA0BA902B7-01",
		"00-" TRACE "-" SPAN "-0A",
		"00-00000000000000000000000000000000-" SPAN "-01", /* all-zero trace id */
		"00-" TRACE "-0000000000000000-01",    /* all-zero parent id */
		"00_" TRACE "-" SPAN "-01",
		"00-" TRACE "_" SPAN "-01",
		"00-" TRACE "-" SPAN "_01",
		"00-4bf92f3577b34da6a3ce929d0e0e473-" SPAN "-01",  /* trace id one short */
		"00-" TRACE "-00f067aa0ba902b-01",     /* span id one short */
		"00-" TRACE "-" SPAN "-0 ",
		" 00-" TRACE "-" SPAN "-01",
	};
	w3w_trace_context tc;
	memset(&tc, 'x', sizeof(tc));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (w3w_traceparent_parse(&tc, bad[i]) != W3W_EINVAL)
			ck_abort_msg("accepted \"%s\"", bad[i]);
		ck_assert_str_ne(w3w_error_message(), "");
	}
	ck_assert_int_eq(w3w_traceparent_parse(&tc, NULL), W3W_EINVAL);
	ck_assert_int_eq(tc.trace_id[0], 'x'); /* nothing written on failure */
}
END_TEST

START_TEST(thread_context)
{
	w3w_trace_context tc, got, bad;
	ck_assert_int_eq(w3w_trace_get(&got), W3W_ENOTFOUND);
	ck_assert_int_eq(w3w_trace_context_new(&tc), W3W_OK);
	ck_assert_uint_eq(strlen(tc.trace_id), 32);
	ck_assert_uint_eq(strlen(tc.span_id), 16);
	ck_assert_int_eq(w3w_trace_set(&tc), W3W_OK);
	ck_assert_int_eq(w3w_trace_get(&got), W3W_OK);
	ck_assert_str_eq(got.trace_id, tc.trace_id);
	bad = tc;
	strcpy(bad.span_id, "0000000000000000");
	ck_assert_int_eq(w3w_trace_set(&bad), W3W_EINVAL);
	ck_assert_int_eq(w3w_trace_get(&got), W3W_OK);
	ck_assert_str_eq(got.span_id, tc.span_id); /* unchanged by the refused set */
	ck_assert_int_eq(w3w_trace_set(NULL), W3W_OK);
	ck_assert_int_eq(w3w_trace_get(&got), W3W_ENOTFOUND);
}
END_TEST

/* New trace and span ids come from a per-thread pool of OS randomness: many in a row are distinct,
 * and a forked child does not hand out the parent's unspent bytes. */
START_TEST(new_ids_distinct_and_fork_safe)
{
	enum { N = 512 };
	static char spans[N][W3W_SPAN_ID_SIZE];
	w3w_trace_context tc, child = { 0 };
	int fds[2], status;
	pid_t pid;

	for (int i = 0; i < N; i++) {
		ck_assert_int_eq(w3w_span_id_new(spans[i], sizeof(spans[i])), W3W_OK);
		ck_assert_uint_eq(strlen(spans[i]), 16);
		for (int k = 0; k < i; k++)
			ck_assert_str_ne(spans[i], spans[k]);
	}
	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		w3w_trace_context_new(&tc);
		_exit(write(fds[1], &tc, sizeof(tc)) == (ssize_t)sizeof(tc) ? 0 : 1);
	}
	close(fds[1]);
	ck_assert_int_eq(read(fds[0], &child, sizeof(child)), (ssize_t)sizeof(child));
	close(fds[0]);
	waitpid(pid, &status, 0);
	ck_assert_int_eq(w3w_trace_context_new(&tc), W3W_OK); /* the parent's next ids */
	ck_assert_str_ne(tc.trace_id, child.trace_id);
	ck_assert_str_ne(tc.span_id, child.span_id);
}
END_TEST

/* ---- hooks ----------------------------------------------------------------- */

#define CALLS_MAX 32

typedef struct call {
	char what[8]; /* "start" / "end" */
	char name[32];
	w3w_span span;
} call;

typedef struct recorder {
	call calls[CALLS_MAX];
	int n;
} recorder;

static void record(const char *what, const w3w_span *s, void *userdata)
{
	recorder *r = userdata;
	if (r->n == CALLS_MAX)
		return;
	snprintf(r->calls[r->n].what, sizeof(r->calls[0].what), "%s", what);
	snprintf(r->calls[r->n].name, sizeof(r->calls[0].name), "%s", s->name);
	r->calls[r->n].span = *s;
	r->calls[r->n].span.name = r->calls[r->n].span.detail = NULL;
	r->n++;
}

static void on_start(const w3w_span *s, void *userdata)
{
	record("start", s, userdata);
}

static void on_end(const w3w_span *s, void *userdata)
{
	record("end", s, userdata);
}

static w3w_ctx *open_ctx(recorder *rec, char *dir)
{
	w3w_options o;
	w3w_ctx *ctx;
	w3w_options_init(&o, W3W_OPTIONS_VERSION);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(o.storage_url, sizeof(o.storage_url), "sqlite:%s/t.db", dir);
	o.background_relay = 0;
	if (rec) {
		o.tracer.version = W3W_TRACER_VERSION;
		o.tracer.span_start = on_start;
		o.tracer.span_end = on_end;
		o.tracer.userdata = rec;
	}
	ck_assert_int_eq(w3w_ctx_open(&ctx, &o), W3W_OK);
	return ctx;
}

static void create_supply(w3w_ctx *ctx, w3w_actor *actor)
{
	w3w_amount amount;
	char uid[W3W_ID_SIZE];
	w3w_id_new(uid, sizeof(uid));
	ck_assert_int_eq(w3w_actor_init(actor, uid, W3W_ROLE_USER), W3W_OK);
	ck_assert_int_eq(w3w_amount_parse(&amount, "5"), W3W_OK);
	ck_assert_int_eq(w3w_supply_create(NULL, ctx, actor, "USDT", amount, NULL), W3W_OK);
}

START_TEST(hooks_in_order)
{
	recorder *rec = calloc(1, sizeof(*rec));
	char dir[] = "/tmp/w3w-trace-XXXXXX";
	w3w_ctx *ctx = open_ctx(rec, dir);
	w3w_trace_context caller, after;
	w3w_subscription *sub;
	w3w_event *ev;
	w3w_actor actor;
	char want[W3W_TRACEPARENT_SIZE + 32];
	static const char *const order[][2] = {
		{ "start", "supply.create" }, { "start", "storage.write" }, { "end", "storage.write" },
		{ "start", "cache.invalidate" }, { "end", "cache.invalidate" }, { "end", "supply.create" },
		{ "start", "relay.publish" }, { "end", "relay.publish" },
	};

	ck_assert_int_eq(w3w_subscribe(&sub, ctx, NULL, NULL, 0), W3W_OK);
	/* No trace on the thread: the command makes no spans. */
	create_supply(ctx, &actor);
	ck_assert_int_eq(w3w_events_pump(ctx, 0, NULL), W3W_OK);
	ck_assert_int_eq(rec->n, 0);
	ck_assert_int_eq(w3w_subscription_next(&ev, sub, 1000), W3W_OK);
	ck_assert_ptr_null(strstr(ev->payload, "traceparent"));
	w3w_event_free(ev);

	ck_assert_int_eq(w3w_traceparent_parse(&caller, "00-" TRACE "-" SPAN "-01"), W3W_OK);
	ck_assert_int_eq(w3w_trace_set(&caller), W3W_OK);
	create_supply(ctx, &actor);
	/* The thread's context is the caller's again after the command. */
	ck_assert_int_eq(w3w_trace_get(&after), W3W_OK);
	ck_assert_str_eq(after.span_id, SPAN);
	w3w_trace_set(NULL);
	ck_assert_int_eq(w3w_events_pump(ctx, 0, NULL), W3W_OK);

	ck_assert_int_eq(rec->n, (int)(sizeof(order) / sizeof(order[0])));
	for (int i = 0; i < rec->n; i++) {
		ck_assert_str_eq(rec->calls[i].what, order[i][0]);
		ck_assert_str_eq(rec->calls[i].name, order[i][1]);
		ck_assert_str_eq(rec->calls[i].span.trace_id, TRACE);
	}
	/* Parents: the command under the caller; storage and cache under the command; so is the publish. */
	const w3w_span *command = &rec->calls[5].span;
	ck_assert_str_eq(command->parent_span_id, SPAN);
	ck_assert_int_eq(command->kind, W3W_SPAN_INTERNAL);
	ck_assert_uint_eq(command->flags, 1);
	ck_assert_int_eq(command->status, W3W_OK);
	ck_assert_int_ge(command->end, command->start);
	ck_assert_str_eq(rec->calls[2].span.parent_span_id, command->span_id);
	ck_assert_int_eq(rec->calls[2].span.kind, W3W_SPAN_CLIENT);
	ck_assert_str_eq(rec->calls[4].span.parent_span_id, command->span_id);
	ck_assert_str_eq(rec->calls[7].span.parent_span_id, command->span_id);
	ck_assert_int_eq(rec->calls[7].span.kind, W3W_SPAN_PRODUCER);
	ck_assert_str_ne(rec->calls[2].span.span_id, command->span_id);

	/* The event carries the traceparent of the command span. */
	snprintf(want, sizeof(want), "\"traceparent\":\"00-%s-%s-01\"", TRACE, command->span_id);
	ck_assert_int_eq(w3w_subscription_next(&ev, sub, 1000), W3W_OK);
	ck_assert_ptr_nonnull(strstr(ev->payload, want));
	w3w_event_free(ev);
	w3w_unsubscribe(sub);
	w3w_ctx_close(ctx);
	free(rec);
}
END_TEST

START_TEST(no_tracer_still_stamps_events)
{
	char dir[] = "/tmp/w3w-trace-XXXXXX";
	w3w_ctx *ctx = open_ctx(NULL, dir);
	w3w_trace_context caller;
	w3w_subscription *sub;
	w3w_event *ev;
	w3w_actor actor;

	ck_assert_int_eq(w3w_subscribe(&sub, ctx, NULL, NULL, 0), W3W_OK);
	ck_assert_int_eq(w3w_traceparent_parse(&caller, "00-" TRACE "-" SPAN "-01"), W3W_OK);
	ck_assert_int_eq(w3w_trace_set(&caller), W3W_OK);
	create_supply(ctx, &actor);
	w3w_trace_set(NULL);
	ck_assert_int_eq(w3w_events_pump(ctx, 0, NULL), W3W_OK);
	ck_assert_int_eq(w3w_subscription_next(&ev, sub, 1000), W3W_OK);
	/* No span of its own: the caller's span is the event's parent. */
	ck_assert_ptr_nonnull(strstr(ev->payload, "\"traceparent\":\"00-" TRACE "-" SPAN "-01\""));
	w3w_event_free(ev);
	w3w_unsubscribe(sub);
	w3w_ctx_close(ctx);
}
END_TEST

START_TEST(options_versions)
{
	w3w_options o;
	w3w_ctx *ctx;
	char dir[] = "/tmp/w3w-trace-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	/* A version 2 caller (no tracer member) still opens. */
	ck_assert_int_eq(w3w_options_init(&o, 2), W3W_OK);
	memset(&o.tracer, 0x5a, sizeof(o.tracer)); /* beyond what a version 2 caller has: ignored */
	snprintf(o.storage_url, sizeof(o.storage_url), "sqlite:%s/v2.db", dir);
	ck_assert_int_eq(w3w_ctx_open(&ctx, &o), W3W_OK);
	w3w_ctx_close(ctx);
	ck_assert_int_eq(w3w_options_init(&o, W3W_OPTIONS_VERSION), W3W_OK);
	ck_assert_uint_eq(o.tracer.version, 0);
	snprintf(o.storage_url, sizeof(o.storage_url), "sqlite:%s/v3.db", dir);
	o.tracer.version = W3W_TRACER_VERSION + 1;
	ck_assert_int_eq(w3w_ctx_open(&ctx, &o), W3W_EVERSION);
	ck_assert_ptr_null(ctx);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("trace");
	TCase *parse = tcase_create("traceparent");
	TCase *hooks = tcase_create("hooks");
	SRunner *sr;
	int failed;
	tcase_add_test(parse, parse_valid);
	tcase_add_test(parse, parse_malformed);
	tcase_add_test(parse, thread_context);
	tcase_add_test(parse, new_ids_distinct_and_fork_safe);
	tcase_add_test(hooks, hooks_in_order);
	tcase_add_test(hooks, no_tracer_still_stamps_events);
	tcase_add_test(hooks, options_versions);
	suite_add_tcase(s, parse);
	suite_add_tcase(s, hooks);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

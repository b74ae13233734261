/*
 * Batched commands (w3wallet/batch.h) on every backend: each element has
 * the single command's outcome, one refused element leaves the others
 * applied, keys replay per element, the limits are refused whole, and
 * concurrent batches over the same orders still make one winner per order.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static void claim_req(w3w_claim_request *r, const char *order_id, const char *key)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->order_id, sizeof(r->order_id), "%s", order_id);
	snprintf(r->idempotency_key, sizeof(r->idempotency_key), "%s", key ? key : "");
}

static void expect(const w3w_batch_results *res, size_t i, w3w_status want, const char *in_message)
{
	const w3w_batch_result *r = &res->items[i];
	ck_assert_msg(r->status == want, "element %zu: got %s, want %s (%s)", i, w3w_status_name(r->status),
		w3w_status_name(want), r->message);
	if (want == W3W_OK) {
		ck_assert_msg(r->message[0] == '\0', "element %zu: success with message %s", i, r->message);
		ck_assert_int_eq(strlen(r->id), W3W_ID_SIZE - 1);
	} else {
		ck_assert_msg(r->message[0] != '\0', "element %zu: refused without a message", i);
		ck_assert_msg(r->id[0] == '\0', "element %zu: refused with an id", i);
	}
	if (in_message)
		ck_assert_msg(h_contains(r->message, in_message), "element %zu: \"%s\" does not name \"%s\"", i,
			r->message, in_message);
}

/* The order.claimed event of `order` names the order's owner and the claim's supply. */
static void claimed_event_names(const char *order, const char *owner, const char *supply)
{
	w3w_event_list *list = NULL;
	int seen = 0;
	H_OK(w3w_events_of(&list, H.ctx, &H.admin, order, 0, 50));
	for (size_t i = 0; i < list->count; i++) {
		const char *payload = list->items[i].payload;
		if (strcmp(list->items[i].type, "order.claimed") != 0)
			continue;
		ck_assert_msg(h_contains(payload, "order_user_id") && strstr(payload, owner), "payload %s lacks the owner",
			payload);
		ck_assert_msg(h_contains(payload, "supply_id") && strstr(payload, supply), "payload %s lacks the supply",
			payload);
		seen++;
	}
	ck_assert_int_eq(seen, 1);
	w3w_event_list_free(list);
}

/* ---- one failing element amid good ones ---------------------------------------- */

START_TEST(claim_batch_outcomes)
{
	w3w_actor buyer, shopper;
	w3w_supply s;
	w3w_batch_results *res = NULL;
	w3w_claim_request req[6];
	char o1[W3W_ID_SIZE], o2[W3W_ID_SIZE], own[W3W_ID_SIZE], missing[W3W_ID_SIZE];
	w3w_claim live;
	int64_t outbox;

	h_user(&buyer);
	h_user(&shopper);
	h_fund(&buyer, H.cur, "10");
	h_fund(&shopper, H.cur, "1");
	h_supply(&s, &shopper, H.cur, "10");
	h_order(o1, &buyer, H.cur, "2");
	h_order(o2, &buyer, H.cur, "3");
	h_order(own, &shopper, H.cur, "1");
	h_new_id(missing);
	claim_req(&req[0], o1, NULL);
	claim_req(&req[1], "not-a-uuid", NULL);
	claim_req(&req[2], own, NULL);
	claim_req(&req[3], o2, NULL);
	claim_req(&req[4], o1, NULL);     /* the first element won it */
	claim_req(&req[5], missing, NULL);
	outbox = h_outbox_total();

	H_OK(w3w_claim_batch(&res, H.ctx, &shopper, req, 6));
	ck_assert_uint_eq(res->count, 6);
	ck_assert_uint_eq(res->ok, 2);
	expect(res, 0, W3W_OK, NULL);
	expect(res, 1, W3W_EINVAL, "order_id");
	expect(res, 2, W3W_EFORBIDDEN, own);
	expect(res, 3, W3W_OK, NULL);
	expect(res, 4, W3W_ECONFLICT, o1);
	expect(res, 5, W3W_ENOTFOUND, missing);
	ck_assert_int_eq(res->items[0].replayed, 0);

	/* The winners are the live claims, with their own events; the refusals changed nothing. */
	H_OK(w3w_claim_get_by_order(&live, H.ctx, &H.admin, o1));
	ck_assert_str_eq(live.id, res->items[0].id);
	ck_assert_str_eq(live.supply_id, s.id);
	H_OK(w3w_claim_get_by_order(&live, H.ctx, &H.admin, o2));
	ck_assert_str_eq(live.id, res->items[3].id);
	ck_assert_int_eq(h_order_status(own), W3W_ORDER_OPEN);
	ck_assert_int_eq(h_outbox_total() - outbox, 2);
	H_OK(w3w_supply_get(&s, H.ctx, &shopper, s.id));
	ck_assert_int_eq(s.reserved, h_amt("5"));
	/* Their events carry what only the storage knows, as a single claim's do. */
	claimed_event_names(o1, buyer.user_id, s.id);
	claimed_event_names(o2, buyer.user_id, s.id);
	w3w_batch_results_free(res);
}
END_TEST

/* ---- a traced batch: every record of it names the trace -------------------------- */

/* The trace id of the sealed `action` record on `target` ("" if it has none). */
static void audit_trace_of(char *out, const char *action, const char *target)
{
	w3w_audit_page *page = NULL;
	int64_t after = 0;
	out[0] = '\0';
	for (;;) {
		H_OK(w3w_audit_read(&page, H.ctx, &H.auditor, after, 500));
		for (size_t i = 0; i < page->count; i++)
			if (strcmp(page->items[i].target_id, target) == 0 && strcmp(page->items[i].action, action) == 0)
				snprintf(out, W3W_TRACE_ID_SIZE, "%s", page->items[i].trace_id);
		after = page->next_after;
		if (page->count == 0) {
			w3w_audit_page_free(page);
			return;
		}
		w3w_audit_page_free(page);
	}
}

START_TEST(traced_batch_audits_its_trace)
{
	w3w_actor buyer, shopper;
	w3w_supply s;
	w3w_batch_results *res = NULL;
	w3w_claim_request req[2];
	w3w_trace_context tc;
	char o1[W3W_ID_SIZE], o2[W3W_ID_SIZE], trace[W3W_TRACE_ID_SIZE];

	h_user(&buyer);
	h_user(&shopper);
	h_fund(&buyer, H.cur, "10");
	h_supply(&s, &shopper, H.cur, "10");
	h_order(o1, &buyer, H.cur, "2");
	h_order(o2, &buyer, H.cur, "3");
	claim_req(&req[0], o1, NULL);
	claim_req(&req[1], o2, NULL);
	H_OK(w3w_trace_context_new(&tc));
	H_OK(w3w_trace_set(&tc));
	H_OK(w3w_claim_batch(&res, H.ctx, &shopper, req, 2));
	w3w_trace_set(NULL);
	ck_assert_uint_eq(res->ok, 2);
	for (size_t i = 0; i < 2; i++) {
		audit_trace_of(trace, "claim.create", req[i].order_id); /* a claim's record names its order */
		ck_assert_msg(strcmp(trace, tc.trace_id) == 0, "claim %zu: audit trace \"%s\", want %s", i, trace,
			tc.trace_id);
	}
	w3w_batch_results_free(res);
}
END_TEST

START_TEST(batch_limits)
{
	w3w_actor shopper;
	w3w_batch_results *res = NULL;
	w3w_claim_request *req = calloc(W3W_BATCH_MAX + 1, sizeof(*req));
	w3w_actor buyer;
	char order[W3W_ID_SIZE];
	int64_t outbox;

	ck_assert_ptr_nonnull(req);
	h_user(&shopper);
	h_user(&buyer);
	h_fund(&buyer, H.cur, "1");
	h_order(order, &buyer, H.cur, "1");
	outbox = h_outbox_total();
	for (size_t i = 0; i <= W3W_BATCH_MAX; i++)
		claim_req(&req[i], order, NULL);
	H_REFUSED(W3W_EINVAL, "count", w3w_claim_batch(&res, H.ctx, &shopper, req, 0));
	ck_assert_ptr_null(res);
	H_REFUSED(W3W_EINVAL, "8190", w3w_claim_batch(&res, H.ctx, &shopper, req, W3W_BATCH_MAX + 1));
	ck_assert_ptr_null(res);
	H_REFUSED(W3W_EINVAL, NULL, w3w_claim_batch(NULL, H.ctx, &shopper, req, 1));
	H_REFUSED(W3W_EINVAL, NULL, w3w_claim_batch(&res, H.ctx, &shopper, NULL, 1));
	ck_assert_int_eq(h_outbox_total(), outbox);
	ck_assert_int_eq(h_order_status(order), W3W_ORDER_OPEN);
	free(req);
}
END_TEST

/*
 * The largest batch of each kind runs whole, each in one commit: W3W_BATCH_MAX deposits to as
 * many users, transfers from one user to them, orders of one buyer and the claims of those
 * orders. How fast is the benchmark's to say (docs/benchmarks.md: 0.3-0.7 s for each kind on
 * PostgreSQL, inside the default 5 s timeout_ms); this test must not fail because the machine
 * is busy, so its context waits up to a minute.
 */
static w3w_ctx *ctx_with_room(void)
{
	w3w_options opts;
	w3w_ctx *ctx = NULL;
	h_options(&opts);
	opts.timeout_ms = 60000;
	H_OK(w3w_ctx_open(&ctx, &opts));
	return ctx;
}

static void fund_units(w3w_ctx *ctx, const w3w_actor *user, w3w_amount units)
{
	char ref[64];
	snprintf(ref, sizeof(ref), "max-fund-%s", user->user_id);
	H_OK(w3w_deposit(NULL, ctx, &H.service, user->user_id, H.cur, units, ref, NULL));
}

START_TEST(batches_of_the_maximum)
{
	const size_t n = W3W_BATCH_MAX;
	w3w_deposit_request *dep = calloc(n, sizeof(*dep));
	w3w_transfer_request *tr = calloc(n, sizeof(*tr));
	w3w_order_request *orq = calloc(n, sizeof(*orq));
	w3w_claim_request *crq = calloc(n, sizeof(*crq));
	w3w_batch_results *res = NULL;
	w3w_ledger_totals before, after;
	w3w_actor payer, buyer, shopper;
	w3w_order_item item;
	w3w_account acc;
	w3w_supply s;
	w3w_ctx *ctx = ctx_with_room();
	int64_t outbox;

	ck_assert(dep && tr && orq && crq);
	for (size_t i = 0; i < n; i++) {
		h_new_id(dep[i].user_id);
		snprintf(dep[i].currency, sizeof(dep[i].currency), "%s", H.cur);
		dep[i].amount = (w3w_amount)i + 1;
		snprintf(dep[i].reference, sizeof(dep[i].reference), "max-%s", dep[i].user_id);
	}
	outbox = h_outbox_total();
	h_totals(&before, H.cur);
	H_OK(w3w_deposit_batch(&res, ctx, &H.service, dep, n));
	ck_assert_uint_eq(res->ok, n);
	w3w_batch_results_free(res);
	h_totals(&after, H.cur);
	ck_assert_int_eq(after.deposits - before.deposits, (int64_t)n * (int64_t)(n + 1) / 2);
	h_account(&acc, dep[n - 1].user_id, H.cur);
	ck_assert_int_eq(acc.balance, (int64_t)n);
	ck_assert_int_eq(h_outbox_total() - outbox, (int64_t)n);

	/* One unit from one payer to each of them: the last transfer takes the payer's last unit. */
	h_user(&payer);
	fund_units(ctx, &payer, (w3w_amount)n);
	for (size_t i = 0; i < n; i++) {
		snprintf(tr[i].to_user_id, sizeof(tr[i].to_user_id), "%s", dep[i].user_id);
		snprintf(tr[i].currency, sizeof(tr[i].currency), "%s", H.cur);
		tr[i].amount = 1;
	}
	H_OK(w3w_transfer_batch(&res, ctx, &payer, tr, n));
	ck_assert_uint_eq(res->ok, n);
	w3w_batch_results_free(res);
	h_account(&acc, payer.user_id, H.cur);
	ck_assert_int_eq(acc.balance, 0);
	h_account(&acc, dep[n - 1].user_id, H.cur);
	ck_assert_int_eq(acc.balance, (int64_t)n + 1);

	/* Orders of one unit each, held from one buyer; then one shopper claims them all. */
	h_user(&buyer);
	h_user(&shopper);
	fund_units(ctx, &buyer, (w3w_amount)n);
	h_item(&item, "0.00000001", 1);
	for (size_t i = 0; i < n; i++) {
		snprintf(orq[i].currency, sizeof(orq[i].currency), "%s", H.cur);
		orq[i].items = &item;
		orq[i].item_count = 1;
	}
	H_OK(w3w_order_create_batch(&res, ctx, &buyer, orq, n));
	ck_assert_uint_eq(res->ok, n);
	for (size_t i = 0; i < n; i++)
		claim_req(&crq[i], res->items[i].id, NULL);
	w3w_batch_results_free(res);
	h_account(&acc, buyer.user_id, H.cur);
	ck_assert_int_eq(acc.held, (int64_t)n);
	H_OK(w3w_supply_create(&s, ctx, &shopper, H.cur, (w3w_amount)n, NULL));
	H_OK(w3w_claim_batch(&res, ctx, &shopper, crq, n));
	ck_assert_uint_eq(res->ok, n);
	w3w_batch_results_free(res);
	H_OK(w3w_supply_get(&s, ctx, &shopper, s.id));
	ck_assert_int_eq(s.reserved, (int64_t)n);
	w3w_ctx_close(ctx);
	h_check_invariants(H.cur);
	free(dep);
	free(tr);
	free(orq);
	free(crq);
}
END_TEST

/* ---- idempotency per element ----------------------------------------------------- */

START_TEST(batch_replay)
{
	w3w_actor buyer, shopper;
	w3w_supply s;
	w3w_batch_results *first = NULL, *again = NULL;
	w3w_claim_request req[3];
	char o1[W3W_ID_SIZE], o2[W3W_ID_SIZE], o3[W3W_ID_SIZE];
	w3w_claim single;
	int64_t outbox;

	h_user(&buyer);
	h_user(&shopper);
	h_fund(&buyer, H.cur, "10");
	h_supply(&s, &shopper, H.cur, "10");
	h_order(o1, &buyer, H.cur, "1");
	h_order(o2, &buyer, H.cur, "1");
	h_order(o3, &buyer, H.cur, "1");
	claim_req(&req[0], o1, "batch-k1");
	claim_req(&req[1], o2, "batch-k2");
	claim_req(&req[2], o3, NULL);
	H_OK(w3w_claim_batch(&first, H.ctx, &shopper, req, 3));
	ck_assert_uint_eq(first->ok, 3);
	outbox = h_outbox_total();

	/* The retry replays the keyed elements; the keyless one is a new claim of a claimed order. */
	H_OK(w3w_claim_batch(&again, H.ctx, &shopper, req, 3));
	expect(again, 0, W3W_OK, NULL);
	expect(again, 1, W3W_OK, NULL);
	expect(again, 2, W3W_ECONFLICT, o3);
	ck_assert_int_eq(again->items[0].replayed, 1);
	ck_assert_int_eq(again->items[1].replayed, 1);
	ck_assert_str_eq(again->items[0].id, first->items[0].id);
	ck_assert_str_eq(again->items[1].id, first->items[1].id);
	ck_assert_int_eq(h_outbox_total(), outbox);
	w3w_batch_results_free(again);

	/* A batch key is the single command's key: same request replays, another is refused. */
	H_OK(w3w_claim_order(&single, H.ctx, &shopper, o1, "batch-k1"));
	ck_assert_str_eq(single.id, first->items[0].id);
	claim_req(&req[0], o2, "batch-k1");
	H_OK(w3w_claim_batch(&again, H.ctx, &shopper, req, 1));
	expect(again, 0, W3W_EIDEMPOTENCY, "batch-k1");
	w3w_batch_results_free(again);
	w3w_batch_results_free(first);
}
END_TEST

/* ---- deposits, transfers, orders, processing -------------------------------------- */

static void deposit_req(w3w_deposit_request *r, const char *user, const char *amount, const char *ref)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->user_id, sizeof(r->user_id), "%s", user);
	snprintf(r->currency, sizeof(r->currency), "%s", H.cur);
	r->amount = h_amt(amount);
	snprintf(r->reference, sizeof(r->reference), "%s", ref);
}

static void transfer_req(w3w_transfer_request *r, const char *to, const char *amount)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->to_user_id, sizeof(r->to_user_id), "%s", to);
	snprintf(r->currency, sizeof(r->currency), "%s", H.cur);
	r->amount = h_amt(amount);
}

START_TEST(deposit_and_transfer_batches)
{
	w3w_actor a, b;
	w3w_deposit_request dep[3];
	w3w_transfer_request tr[4];
	w3w_batch_results *res = NULL;
	w3w_account acc;
	char ref[64];

	h_user(&a);
	h_user(&b);
	snprintf(ref, sizeof(ref), "batch-dep-%s", a.user_id);
	deposit_req(&dep[0], a.user_id, "6", ref);
	deposit_req(&dep[1], b.user_id, "1", ref);   /* the reference was just used */
	deposit_req(&dep[2], a.user_id, "4", ref);
	dep[2].reference[strlen(ref) - 1] ^= 1; /* another reference */
	H_OK(w3w_deposit_batch(&res, H.ctx, &H.service, dep, 3));
	expect(res, 0, W3W_OK, NULL);
	expect(res, 1, W3W_ECONFLICT, ref);
	expect(res, 2, W3W_OK, NULL);
	w3w_batch_results_free(res);
	h_account(&acc, a.user_id, H.cur);
	ck_assert_int_eq(acc.balance, h_amt("10"));

	/* A user may not deposit: every element is refused, and says so. */
	deposit_req(&dep[0], a.user_id, "1", "batch-dep-user");
	H_OK(w3w_deposit_batch(&res, H.ctx, &a, dep, 1));
	expect(res, 0, W3W_EFORBIDDEN, "deposit");
	w3w_batch_results_free(res);

	transfer_req(&tr[0], b.user_id, "4");
	transfer_req(&tr[1], b.user_id, "4");
	transfer_req(&tr[2], b.user_id, "4");        /* 2 left */
	transfer_req(&tr[3], a.user_id, "1");        /* to oneself */
	H_OK(w3w_transfer_batch(&res, H.ctx, &a, tr, 4));
	expect(res, 0, W3W_OK, NULL);
	expect(res, 1, W3W_OK, NULL);
	expect(res, 2, W3W_EINSUFFICIENT, NULL);
	expect(res, 3, W3W_EINVAL, "to_user_id");
	w3w_batch_results_free(res);
	h_account(&acc, a.user_id, H.cur);
	ck_assert_int_eq(acc.balance, h_amt("2"));
	h_account(&acc, b.user_id, H.cur);
	ck_assert_int_eq(acc.balance, h_amt("8"));
}
END_TEST

/*
 * Keys per element of the set-based kinds: an element whose key an earlier element of the same
 * batch took replays it (same request) or is refused (another); a retried batch replays every
 * element that ran, writing nothing more; a deposit reference used before is refused.
 */
START_TEST(batch_keys_of_deposits_transfers_orders)
{
	w3w_actor a, b;
	w3w_deposit_request dep[4];
	w3w_transfer_request tr[3];
	w3w_order_request orq[3];
	w3w_order_item item;
	w3w_batch_results *res = NULL, *again = NULL;
	w3w_account acc;
	char ref[64];
	int64_t outbox;

	h_user(&a);
	h_user(&b);
	snprintf(ref, sizeof(ref), "keys-%s", a.user_id);
	deposit_req(&dep[0], a.user_id, "5", ref);
	snprintf(dep[0].idempotency_key, sizeof(dep[0].idempotency_key), "dk1");
	dep[1] = dep[0];                                     /* the same request: replays element 0 */
	dep[2] = dep[0];
	dep[2].amount = h_amt("6");                          /* the same key, another request */
	deposit_req(&dep[3], a.user_id, "1", ref);           /* keyless, the reference element 0 used */
	/* The second run, a retry, replays from the table; the keyless element is still refused. */
	for (int run = 0; run < 2; run++) {
		outbox = h_outbox_total();
		H_OK(w3w_deposit_batch(run ? &again : &res, H.ctx, &H.service, dep, 4));
		expect(run ? again : res, 0, W3W_OK, NULL);
		expect(run ? again : res, 1, W3W_OK, NULL);
		expect(run ? again : res, 2, W3W_EIDEMPOTENCY, "dk1");
		expect(run ? again : res, 3, W3W_ECONFLICT, ref);
		ck_assert_int_eq((run ? again : res)->items[0].replayed, run);
		ck_assert_int_eq((run ? again : res)->items[1].replayed, 1);
		ck_assert_str_eq((run ? again : res)->items[1].id, res->items[0].id);
		ck_assert_int_eq(h_outbox_total() - outbox, run ? 0 : 1);
		h_account(&acc, a.user_id, H.cur);
		ck_assert_int_eq(acc.balance, h_amt("5"));
	}
	w3w_batch_results_free(again);
	w3w_batch_results_free(res);

	transfer_req(&tr[0], b.user_id, "2");
	snprintf(tr[0].idempotency_key, sizeof(tr[0].idempotency_key), "tk1");
	tr[1] = tr[0];
	transfer_req(&tr[2], b.user_id, "4");                /* 3 left: refused */
	H_OK(w3w_transfer_batch(&res, H.ctx, &a, tr, 3));
	expect(res, 0, W3W_OK, NULL);
	expect(res, 1, W3W_OK, NULL);
	expect(res, 2, W3W_EINSUFFICIENT, a.user_id);
	ck_assert_int_eq(res->items[1].replayed, 1);
	ck_assert_str_eq(res->items[1].id, res->items[0].id);
	H_OK(w3w_transfer_batch(&again, H.ctx, &a, tr, 2));
	ck_assert_int_eq(again->items[0].replayed, 1);
	ck_assert_str_eq(again->items[0].id, res->items[0].id);
	w3w_batch_results_free(again);
	w3w_batch_results_free(res);
	h_account(&acc, a.user_id, H.cur);
	ck_assert_int_eq(acc.balance, h_amt("3"));
	h_account(&acc, b.user_id, H.cur);
	ck_assert_int_eq(acc.balance, h_amt("2"));

	h_item(&item, "1", 1);
	memset(orq, 0, sizeof(orq));
	for (int i = 0; i < 3; i++) {
		snprintf(orq[i].currency, sizeof(orq[i].currency), "%s", H.cur);
		orq[i].items = &item;
		orq[i].item_count = 1;
	}
	snprintf(orq[0].idempotency_key, sizeof(orq[0].idempotency_key), "ok1");
	snprintf(orq[1].idempotency_key, sizeof(orq[1].idempotency_key), "ok1");
	H_OK(w3w_order_create_batch(&res, H.ctx, &a, orq, 3));
	expect(res, 0, W3W_OK, NULL);
	expect(res, 1, W3W_OK, NULL);
	expect(res, 2, W3W_OK, NULL);
	ck_assert_int_eq(res->items[1].replayed, 1);
	ck_assert_str_eq(res->items[1].id, res->items[0].id);
	h_account(&acc, a.user_id, H.cur);
	ck_assert_int_eq(acc.held, h_amt("2"));
	outbox = h_outbox_total();
	H_OK(w3w_order_create_batch(&again, H.ctx, &a, orq, 2));
	ck_assert_int_eq(again->items[0].replayed, 1);
	ck_assert_int_eq(again->items[1].replayed, 1);
	ck_assert_str_eq(again->items[0].id, res->items[0].id);
	ck_assert_int_eq(h_outbox_total(), outbox);
	w3w_batch_results_free(again);
	w3w_batch_results_free(res);
	h_check_invariants(H.cur);
}
END_TEST

START_TEST(order_and_process_batches)
{
	w3w_actor buyer, shopper;
	w3w_supply s;
	w3w_order_item items[2];
	w3w_order_request orq[3];
	w3w_claim_request crq[2];
	w3w_process_request prq[3];
	w3w_batch_results *orders = NULL, *claims = NULL, *done = NULL;
	w3w_account acc;
	w3w_order *o = NULL;

	h_user(&buyer);
	h_user(&shopper);
	h_fund(&buyer, H.cur, "10");
	h_supply(&s, &shopper, H.cur, "10");
	h_item(&items[0], "2", 2);   /* 4 */
	h_item(&items[1], "1", 1);   /* 1 */
	memset(orq, 0, sizeof(orq));
	for (int i = 0; i < 3; i++)
		snprintf(orq[i].currency, sizeof(orq[i].currency), "%s", H.cur);
	orq[0].items = items;
	orq[0].item_count = 2;
	orq[1].items = items;
	orq[1].item_count = 0;       /* no items */
	orq[2].items = items;
	orq[2].item_count = 2;       /* 5 more: 10 held in all */
	H_OK(w3w_order_create_batch(&orders, H.ctx, &buyer, orq, 3));
	expect(orders, 0, W3W_OK, NULL);
	expect(orders, 1, W3W_EINVAL, "items");
	expect(orders, 2, W3W_OK, NULL);
	H_OK(w3w_order_get(&o, H.ctx, &buyer, orders->items[2].id));
	ck_assert_uint_eq(o->item_count, 2);
	ck_assert_int_eq(o->amount, h_amt("5"));
	ck_assert_str_eq(o->items[0].product_id, items[0].product_id);
	w3w_order_free(o);
	H_OK(w3w_order_create_batch(&done, H.ctx, &buyer, orq, 1)); /* 5 more than available */
	expect(done, 0, W3W_EINSUFFICIENT, NULL);
	w3w_batch_results_free(done);

	claim_req(&crq[0], orders->items[0].id, NULL);
	claim_req(&crq[1], orders->items[2].id, NULL);
	H_OK(w3w_claim_batch(&claims, H.ctx, &shopper, crq, 2));
	ck_assert_uint_eq(claims->ok, 2);

	memset(prq, 0, sizeof(prq));
	snprintf(prq[0].claim_id, sizeof(prq[0].claim_id), "%s", claims->items[0].id);
	snprintf(prq[1].claim_id, sizeof(prq[1].claim_id), "%s", claims->items[0].id); /* processed just before */
	snprintf(prq[2].claim_id, sizeof(prq[2].claim_id), "%s", claims->items[1].id);
	/* Only the order's owner (or admin, service) may process: the shopper is refused per element. */
	H_OK(w3w_claim_process_batch(&done, H.ctx, &shopper, prq, 1));
	expect(done, 0, W3W_EFORBIDDEN, NULL);
	w3w_batch_results_free(done);
	H_OK(w3w_claim_process_batch(&done, H.ctx, &buyer, prq, 3));
	expect(done, 0, W3W_OK, NULL);
	expect(done, 1, W3W_ESTATE, NULL);
	expect(done, 2, W3W_OK, NULL);
	ck_assert_str_eq(done->items[0].id, claims->items[0].id);
	ck_assert_int_eq(h_order_status(orders->items[0].id), W3W_ORDER_COMPLETED);
	h_account(&acc, shopper.user_id, H.cur);
	ck_assert_int_eq(acc.balance, h_amt("10"));
	h_account(&acc, buyer.user_id, H.cur);
	ck_assert_int_eq(acc.balance, 0);
	ck_assert_int_eq(acc.held, 0);
	H_OK(w3w_supply_get(&s, H.ctx, &shopper, s.id));
	ck_assert_int_eq(s.amount, 0);
	ck_assert_int_eq(s.status, W3W_SUPPLY_EXHAUSTED);
	w3w_batch_results_free(done);
	w3w_batch_results_free(claims);
	w3w_batch_results_free(orders);
}
END_TEST

/* ---- race: batches of several shoppers over the same orders --------------------- */

#define RACE_THREADS 4
#define RACE_ORDERS 60

typedef struct batch_race {
	char orders[RACE_ORDERS][W3W_ID_SIZE];
	w3w_actor shoppers[RACE_THREADS];
	int won[RACE_THREADS][RACE_ORDERS];
	char odd[RACE_THREADS][256];
	w3w_ctx *ctx[RACE_THREADS];
	pthread_barrier_t barrier;
} batch_race;

typedef struct race_arg {
	batch_race *r;
	int t;
} race_arg;

static void *race_thread(void *p)
{
	race_arg *a = p;
	batch_race *r = a->r;
	w3w_claim_request req[RACE_ORDERS];
	int at[RACE_ORDERS];

	/* Each shopper its own order of the same orders: forwards, backwards, interleaved. */
	for (int i = 0; i < RACE_ORDERS; i++) {
		int k = a->t % 2 ? RACE_ORDERS - 1 - i : i;
		if (a->t >= 2)
			k = (k * 7 + a->t) % RACE_ORDERS;
		at[i] = k;
		claim_req(&req[i], r->orders[k], NULL);
	}
	pthread_barrier_wait(&r->barrier);
	/* Two batches of half each: a thread is sometimes ahead, sometimes behind. */
	for (int half = 0; half < 2; half++) {
		w3w_batch_results *res = NULL;
		size_t from = (size_t)half * RACE_ORDERS / 2;
		w3w_status st = w3w_claim_batch(&res, r->ctx[a->t], &r->shoppers[a->t], req + from, RACE_ORDERS / 2);
		if (st != W3W_OK) {
			snprintf(r->odd[a->t], sizeof(r->odd[a->t]), "batch: %s (%s)", w3w_status_name(st),
				w3w_error_message());
			return NULL;
		}
		for (size_t i = 0; i < res->count; i++) {
			w3w_status el = res->items[i].status;
			if (el == W3W_OK)
				r->won[a->t][at[from + i]] = 1;
			else if (el != W3W_ECONFLICT && !r->odd[a->t][0])
				snprintf(r->odd[a->t], sizeof(r->odd[a->t]), "element: %s (%.200s)", w3w_status_name(el),
					res->items[i].message);
		}
		w3w_batch_results_free(res);
	}
	return NULL;
}

START_TEST(batch_claim_race)
{
	batch_race *r = calloc(1, sizeof(*r));
	pthread_t th[RACE_THREADS];
	race_arg args[RACE_THREADS];
	w3w_actor buyer;
	w3w_supply s;
	w3w_ledger_totals totals;

	ck_assert_ptr_nonnull(r);
	h_user(&buyer);
	h_fund(&buyer, H.cur, "60");
	for (int i = 0; i < RACE_ORDERS; i++)
		h_order(r->orders[i], &buyer, H.cur, "1");
	for (int t = 0; t < RACE_THREADS; t++) {
		h_user(&r->shoppers[t]);
		h_supply(&s, &r->shoppers[t], H.cur, "60");
		r->ctx[t] = t == 0 ? H.ctx : h_ctx_open(0);
	}
	pthread_barrier_init(&r->barrier, NULL, RACE_THREADS);
	for (int t = 0; t < RACE_THREADS; t++) {
		args[t].r = r;
		args[t].t = t;
		ck_assert_int_eq(pthread_create(&th[t], NULL, race_thread, &args[t]), 0);
	}
	for (int t = 0; t < RACE_THREADS; t++)
		pthread_join(th[t], NULL);
	pthread_barrier_destroy(&r->barrier);
	for (int t = 1; t < RACE_THREADS; t++)
		w3w_ctx_close(r->ctx[t]);
	for (int t = 0; t < RACE_THREADS; t++)
		ck_assert_msg(!r->odd[t][0], "shopper %d: unexpected %s", t, r->odd[t]);

	/* Exactly one winner per order, and it holds the order's live claim. */
	for (int i = 0; i < RACE_ORDERS; i++) {
		int winners = 0, who = -1;
		w3w_claim live;
		for (int t = 0; t < RACE_THREADS; t++)
			if (r->won[t][i]) {
				winners++;
				who = t;
			}
		ck_assert_msg(winners == 1, "order %d: %d winners", i, winners);
		ck_assert_int_eq(h_order_status(r->orders[i]), W3W_ORDER_CLAIMED);
		H_OK(w3w_claim_get_by_order(&live, H.ctx, &H.admin, r->orders[i]));
		ck_assert_str_eq(live.user_id, r->shoppers[who].user_id);
	}
	h_totals(&totals, H.cur);
	ck_assert_int_eq(totals.reserved, h_amt("60"));
	ck_assert_int_eq(totals.live_claims, h_amt("60"));
	h_check_invariants(H.cur);
	free(r);
}
END_TEST

/*
 * Race of the set-based money batches: two users transfer to each other in batches while two
 * service threads deposit with the same references. No deadlock reaches the caller, money is
 * conserved, and each reference is used once.
 */
#define MONEY_REFS 20
#define MONEY_TRANSFERS 30

typedef struct money_race {
	w3w_actor a, b, sinks[2];
	char refs[MONEY_REFS][64];
	int won[2][MONEY_REFS];
	char odd[4][256];
	w3w_ctx *ctx[4];
	pthread_barrier_t barrier;
} money_race;

typedef struct money_arg {
	money_race *r;
	int t;
} money_arg;

static void money_odd(money_race *r, int t, const char *what, w3w_status st, const char *message)
{
	if (!r->odd[t][0])
		snprintf(r->odd[t], sizeof(r->odd[t]), "%s: %s (%.200s)", what, w3w_status_name(st), message);
}

static void *money_thread(void *p)
{
	money_arg *m = p;
	money_race *r = m->r;
	w3w_batch_results *res = NULL;
	w3w_status st;

	pthread_barrier_wait(&r->barrier);
	if (m->t < 2) {
		const w3w_actor *from = m->t ? &r->b : &r->a;
		w3w_transfer_request req[MONEY_TRANSFERS / 2];
		for (int half = 0; half < 2; half++) {
			for (int i = 0; i < MONEY_TRANSFERS / 2; i++)
				transfer_req(&req[i], m->t ? r->a.user_id : r->b.user_id, "1");
			st = w3w_transfer_batch(&res, r->ctx[m->t], from, req, MONEY_TRANSFERS / 2);
			if (st != W3W_OK) {
				money_odd(r, m->t, "transfer batch", st, w3w_error_message());
				return NULL;
			}
			for (size_t i = 0; i < res->count; i++)
				if (res->items[i].status != W3W_OK && res->items[i].status != W3W_EINSUFFICIENT)
					money_odd(r, m->t, "transfer", res->items[i].status, res->items[i].message);
			w3w_batch_results_free(res);
		}
	} else {
		int d = m->t - 2;
		w3w_deposit_request req[MONEY_REFS];
		for (int i = 0; i < MONEY_REFS; i++)  /* the two threads in opposite orders */
			deposit_req(&req[i], r->sinks[d].user_id, "1", r->refs[d ? MONEY_REFS - 1 - i : i]);
		st = w3w_deposit_batch(&res, r->ctx[m->t], &H.service, req, MONEY_REFS);
		if (st != W3W_OK) {
			money_odd(r, m->t, "deposit batch", st, w3w_error_message());
			return NULL;
		}
		for (int i = 0; i < MONEY_REFS; i++) {
			if (res->items[i].status == W3W_OK)
				r->won[d][d ? MONEY_REFS - 1 - i : i] = 1;
			else if (res->items[i].status != W3W_ECONFLICT)
				money_odd(r, m->t, "deposit", res->items[i].status, res->items[i].message);
		}
		w3w_batch_results_free(res);
	}
	return NULL;
}

START_TEST(batch_money_race)
{
	money_race *r = calloc(1, sizeof(*r));
	pthread_t th[4];
	money_arg args[4];
	w3w_account acc_a, acc_b, sink;
	int64_t sinks = 0;

	ck_assert_ptr_nonnull(r);
	h_user(&r->a);
	h_user(&r->b);
	h_user(&r->sinks[0]);
	h_user(&r->sinks[1]);
	h_fund(&r->a, H.cur, "10");
	h_fund(&r->b, H.cur, "10");
	for (int i = 0; i < MONEY_REFS; i++)
		snprintf(r->refs[i], sizeof(r->refs[i]), "race-%d-%s", i, r->a.user_id);
	for (int t = 0; t < 4; t++)
		r->ctx[t] = h_ctx_open(0);
	pthread_barrier_init(&r->barrier, NULL, 4);
	for (int t = 0; t < 4; t++) {
		args[t].r = r;
		args[t].t = t;
		ck_assert_int_eq(pthread_create(&th[t], NULL, money_thread, &args[t]), 0);
	}
	for (int t = 0; t < 4; t++)
		pthread_join(th[t], NULL);
	pthread_barrier_destroy(&r->barrier);
	for (int t = 0; t < 4; t++) {
		w3w_ctx_close(r->ctx[t]);
		ck_assert_msg(!r->odd[t][0], "thread %d: unexpected %s", t, r->odd[t]);
	}
	h_account(&acc_a, r->a.user_id, H.cur);
	h_account(&acc_b, r->b.user_id, H.cur);
	ck_assert_int_eq(acc_a.balance + acc_b.balance, h_amt("20"));
	for (int i = 0; i < MONEY_REFS; i++)
		ck_assert_msg(r->won[0][i] + r->won[1][i] == 1, "reference %d: %d deposits", i, r->won[0][i] + r->won[1][i]);
	for (int d = 0; d < 2; d++) {
		h_account(&sink, r->sinks[d].user_id, H.cur);
		sinks += sink.balance;
	}
	ck_assert_int_eq(sinks, h_amt("20"));
	h_check_invariants(H.cur);
	free(r);
}
END_TEST

TCase *conf_batch_tcase(void)
{
	TCase *tc = h_tcase("batch");
	tcase_add_test(tc, claim_batch_outcomes);
	tcase_add_test(tc, batch_limits);
	tcase_add_test(tc, batches_of_the_maximum);
	tcase_add_test(tc, batch_replay);
	tcase_add_test(tc, deposit_and_transfer_batches);
	tcase_add_test(tc, order_and_process_batches);
	tcase_add_test(tc, batch_keys_of_deposits_transfers_orders);
	tcase_add_test(tc, batch_money_race);
	tcase_add_test(tc, batch_claim_race);
	tcase_add_test(tc, traced_batch_audits_its_trace);
	return tc;
}

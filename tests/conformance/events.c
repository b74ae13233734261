/*
 * Events through the outbox: the marketplace story produces exactly the
 * expected events, in order, with their aggregate ids; refused commands
 * produce none; subscriptions see only what was committed after they began.
 * The harness opens contexts with background_relay = 0, so the test drives
 * delivery with w3w_events_pump().
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define MAX_EVENTS 64

typedef struct seen_event {
	char type[W3W_EVENT_TYPE_SIZE];
	char topic[W3W_EVENT_TYPE_SIZE];
	char aggregate_id[W3W_ID_SIZE];
	char actor_id[W3W_ID_SIZE];
	char id[W3W_ID_SIZE];
	int64_t seq;
} seen_event;

/* Only events of this test's actors count: the storage may be shared. */
typedef struct actor_filter {
	const char *ids[8];
	int n;
} actor_filter;

static int is_ours(const actor_filter *f, const char *actor_id)
{
	for (int i = 0; i < f->n; i++)
		if (strcmp(f->ids[i], actor_id) == 0)
			return 1;
	return 0;
}

static void check_event(const w3w_event *e)
{
	char id[W3W_ID_SIZE];
	cJSON *payload;

	H_OK(w3w_id_normalize(id, sizeof(id), e->id));
	ck_assert_str_eq(id, e->id);
	ck_assert_str_eq(e->region, "local");
	ck_assert_int_gt(e->created_at, 0);
	ck_assert_int_gt(e->seq, 0);
	ck_assert_ptr_nonnull(e->payload);
	payload = cJSON_Parse(e->payload);
	ck_assert_msg(cJSON_IsObject(payload), "payload of %s is not a JSON object: %s", e->type, e->payload);
	cJSON_Delete(payload);
	/* Topics by type (events.h). */
	if (strcmp(e->type, "order.claimed") == 0 || strncmp(e->type, "claim.", 6) == 0)
		ck_assert_str_eq(e->topic, "claim-events");
	else if (strncmp(e->type, "order.", 6) == 0)
		ck_assert_str_eq(e->topic, "order-events");
	else if (strncmp(e->type, "supply.", 7) == 0)
		ck_assert_str_eq(e->topic, "supply-events");
	else if (strncmp(e->type, "wallet.", 7) == 0)
		ck_assert_str_eq(e->topic, "wallet-events");
	else
		ck_abort_msg("unknown event type %s", e->type);
	/* The JSON envelope names the same fields. */
	{
		char *json = NULL;
		cJSON *env;
		H_OK(w3w_event_to_json(&json, e));
		env = cJSON_Parse(json);
		ck_assert_ptr_nonnull(env);
		ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(env, "type")), e->type);
		ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(env, "aggregate_id")), e->aggregate_id);
		ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(env, "id")), e->id);
		cJSON_Delete(env);
		w3w_string_free(json);
	}
}

/* Drain a queue subscription, keeping our events. */
static int drain(w3w_subscription *sub, const actor_filter *f, seen_event *out, int max)
{
	int n = 0;
	w3w_event *e = NULL;
	while (w3w_subscription_next(&e, sub, 0) == W3W_OK) {
		ck_assert_ptr_nonnull(e);
		check_event(e);
		if (is_ours(f, e->actor_id)) {
			ck_assert_int_lt(n, max);
			snprintf(out[n].type, sizeof(out[n].type), "%s", e->type);
			snprintf(out[n].topic, sizeof(out[n].topic), "%s", e->topic);
			snprintf(out[n].aggregate_id, sizeof(out[n].aggregate_id), "%s", e->aggregate_id);
			snprintf(out[n].actor_id, sizeof(out[n].actor_id), "%s", e->actor_id);
			snprintf(out[n].id, sizeof(out[n].id), "%s", e->id);
			out[n].seq = e->seq;
			n++;
		}
		w3w_event_free(e);
		e = NULL;
	}
	return n;
}

typedef struct expected {
	const char *type;
	const char *aggregate_id;
	const char *actor_id;
} expected;

static void assert_sequence(const seen_event *got, int n, const expected *want, int n_want)
{
	for (int i = 0; i < n && i < n_want; i++) {
		ck_assert_msg(strcmp(got[i].type, want[i].type) == 0, "event %d: type %s, want %s", i,
			got[i].type, want[i].type);
		ck_assert_msg(strcmp(got[i].aggregate_id, want[i].aggregate_id) == 0,
			"event %d (%s): aggregate %s, want %s", i, got[i].type, got[i].aggregate_id,
			want[i].aggregate_id);
		ck_assert_msg(strcmp(got[i].actor_id, want[i].actor_id) == 0, "event %d (%s): actor %s, want %s",
			i, got[i].type, got[i].actor_id, want[i].actor_id);
		if (i > 0)
			ck_assert_msg(got[i].seq > got[i - 1].seq, "event %d: seq not increasing", i);
		for (int j = 0; j < i; j++)
			ck_assert_str_ne(got[i].id, got[j].id);
	}
	ck_assert_msg(n == n_want, "got %d events, want %d", n, n_want);
}

START_TEST(story_events_in_order)
{
	w3w_actor buyer, shopper;
	w3w_subscription *sub = NULL;
	w3w_transfer dep;
	w3w_supply sup;
	w3w_claim claim, processed;
	char order_id[W3W_ID_SIZE];
	seen_event got[MAX_EVENTS];
	actor_filter f;
	int n;
	w3w_event *none = NULL;

	h_user(&buyer);
	h_user(&shopper);
	f.ids[0] = buyer.user_id;
	f.ids[1] = shopper.user_id;
	f.ids[2] = H.service.user_id;
	f.n = 3;

	H_OK(w3w_subscribe(&sub, H.ctx, NULL, NULL, 0));
	ck_assert_ptr_nonnull(sub);
	h_pump_all();
	drain(sub, &f, got, MAX_EVENTS);
	H_EXPECT(W3W_ENOTFOUND, w3w_subscription_next(&none, sub, 0));
	ck_assert_ptr_null(none);

	{
		char ref[64];
		h_new_id(ref);
		H_OK(w3w_deposit(&dep, H.ctx, &H.service, buyer.user_id, H.cur, h_amt("100"), ref, NULL));
	}
	h_supply(&sup, &shopper, H.cur, "50");
	h_order(order_id, &buyer, H.cur, "10");
	/* Refused commands: no events. */
	H_EXPECT(W3W_EFORBIDDEN, w3w_claim_order(&claim, H.ctx, &buyer, order_id, NULL));
	H_EXPECT(W3W_EINSUFFICIENT, w3w_withdraw(NULL, H.ctx, &shopper, H.cur, h_amt("1"), "evm", "0xab", NULL));
	h_claim(&claim, &shopper, order_id);
	H_EXPECT(W3W_EFORBIDDEN, w3w_claim_process(&processed, H.ctx, &shopper, claim.id, NULL));
	H_OK(w3w_claim_process(&processed, H.ctx, &buyer, claim.id, NULL));

	h_pump_all();
	n = drain(sub, &f, got, MAX_EVENTS);
	{
		const expected want[] = {
			{ "wallet.deposited", dep.id, H.service.user_id },
			{ "supply.created", sup.id, shopper.user_id },
			{ "order.created", order_id, buyer.user_id },
			{ "order.claimed", order_id, shopper.user_id },
			{ "claim.processed", order_id, buyer.user_id },
		};
		uint64_t dropped = w3w_subscription_dropped(sub);
		w3w_unsubscribe(sub);
		w3w_unsubscribe(NULL);
		assert_sequence(got, n, want, 5);
		ck_assert_uint_eq(dropped, 0);
	}
}
END_TEST

START_TEST(every_command_type_has_its_event)
{
	w3w_actor buyer, shopper, friend_;
	w3w_subscription *sub = NULL;
	w3w_supply sup, sup_out;
	w3w_supply_patch p = W3W_SUPPLY_PATCH_INIT;
	w3w_claim c, c_out;
	w3w_transfer wd, tr;
	char o1[W3W_ID_SIZE], o2[W3W_ID_SIZE];
	seen_event got[MAX_EVENTS];
	actor_filter f;
	int n;

	h_user(&buyer);
	h_user(&shopper);
	h_user(&friend_);
	f.ids[0] = buyer.user_id;
	f.ids[1] = shopper.user_id;
	f.n = 2;
	h_fund(&buyer, H.cur, "100");
	H_OK(w3w_subscribe(&sub, H.ctx, NULL, NULL, 0));
	h_pump_all();
	drain(sub, &f, got, MAX_EVENTS);

	h_supply(&sup, &shopper, H.cur, "50");
	p.set_amount = 1;
	p.amount = h_amt("60");
	H_OK(w3w_supply_update(&sup_out, H.ctx, &shopper, sup.id, &p, NULL));
	h_order(o1, &buyer, H.cur, "10");
	h_order(o2, &buyer, H.cur, "10");
	H_OK(w3w_order_cancel(NULL, H.ctx, &buyer, o2, NULL));
	h_claim(&c, &shopper, o1);
	H_OK(w3w_claim_release(&c_out, H.ctx, &shopper, c.id, NULL));
	H_OK(w3w_withdraw(&wd, H.ctx, &buyer, H.cur, h_amt("1"), "evm", "0xab", NULL));
	H_OK(w3w_transfer_funds(&tr, H.ctx, &buyer, friend_.user_id, H.cur, h_amt("1"), NULL));
	H_OK(w3w_order_cancel(NULL, H.ctx, &buyer, o1, NULL));
	H_OK(w3w_supply_delete(&sup_out, H.ctx, &shopper, sup.id, NULL));

	h_pump_all();
	n = drain(sub, &f, got, MAX_EVENTS);
	{
		const expected want[] = {
			{ "supply.created", sup.id, shopper.user_id },
			{ "supply.updated", sup.id, shopper.user_id },
			{ "order.created", o1, buyer.user_id },
			{ "order.created", o2, buyer.user_id },
			{ "order.cancelled", o2, buyer.user_id },
			{ "order.claimed", o1, shopper.user_id },
			{ "claim.released", o1, shopper.user_id },
			{ "wallet.withdrawn", wd.id, buyer.user_id },
			{ "wallet.transferred", tr.id, buyer.user_id },
			{ "order.cancelled", o1, buyer.user_id },
			{ "supply.deleted", sup.id, shopper.user_id },
		};
		w3w_unsubscribe(sub);
		assert_sequence(got, n, want, (int)(sizeof(want) / sizeof(want[0])));
	}
}
END_TEST

/* "Subscribe to events committed from now on." */
START_TEST(subscription_starts_now)
{
	w3w_actor shopper;
	w3w_subscription *sub = NULL;
	w3w_supply before, after;
	seen_event got[MAX_EVENTS];
	actor_filter f;
	int n;

	h_user(&shopper);
	f.ids[0] = shopper.user_id;
	f.n = 1;
	h_supply(&before, &shopper, H.cur, "1"); /* committed, not yet relayed */
	H_OK(w3w_subscribe(&sub, H.ctx, NULL, NULL, 0));
	h_supply(&after, &shopper, H.cur, "2");
	h_pump_all();
	n = drain(sub, &f, got, MAX_EVENTS);
	w3w_unsubscribe(sub);
	for (int i = 0; i < n; i++)
		ck_assert_msg(strcmp(got[i].aggregate_id, before.id) != 0,
			"received supply.created of %s, committed before w3w_subscribe()", before.id);
	{
		const expected want[] = { { "supply.created", after.id, shopper.user_id } };
		assert_sequence(got, n, want, 1);
	}
}
END_TEST

typedef struct collector {
	pthread_mutex_t lock;
	const actor_filter *f;
	char types[MAX_EVENTS][W3W_EVENT_TYPE_SIZE];
	int n;
} collector;

static void collect(const w3w_event *e, void *userdata)
{
	collector *c = userdata;
	pthread_mutex_lock(&c->lock);
	if (is_ours(c->f, e->actor_id) && c->n < MAX_EVENTS)
		snprintf(c->types[c->n++], W3W_EVENT_TYPE_SIZE, "%s", e->type);
	pthread_mutex_unlock(&c->lock);
}

START_TEST(callback_and_queue_subscribers_both_receive)
{
	w3w_actor shopper;
	w3w_subscription *cb = NULL, *q = NULL;
	collector col;
	actor_filter f;
	seen_event got[MAX_EVENTS];
	w3w_supply s1, s2;

	h_user(&shopper);
	f.ids[0] = shopper.user_id;
	f.n = 1;
	memset(&col, 0, sizeof(col));
	pthread_mutex_init(&col.lock, NULL);
	col.f = &f;
	H_OK(w3w_subscribe(&cb, H.ctx, collect, &col, 0));
	H_OK(w3w_subscribe(&q, H.ctx, NULL, NULL, 16));
	h_supply(&s1, &shopper, H.cur, "1");
	H_OK(w3w_supply_delete(&s2, H.ctx, &shopper, s1.id, NULL));
	h_pump_all();
	ck_assert_int_eq(drain(q, &f, got, MAX_EVENTS), 2);
	pthread_mutex_lock(&col.lock);
	ck_assert_int_eq(col.n, 2);
	ck_assert_str_eq(col.types[0], "supply.created");
	ck_assert_str_eq(col.types[1], "supply.deleted");
	pthread_mutex_unlock(&col.lock);
	w3w_unsubscribe(cb);
	w3w_unsubscribe(q);
	pthread_mutex_destroy(&col.lock);
}
END_TEST

START_TEST(full_queue_drops_oldest)
{
	w3w_actor shopper;
	w3w_subscription *sub = NULL;
	w3w_supply s[5];
	w3w_event *e = NULL;

	if (H.shared_storage)
		return; /* other writers on a shared storage make the count inexact */
	h_user(&shopper);
	h_pump_all();
	H_OK(w3w_subscribe(&sub, H.ctx, NULL, NULL, 2));
	for (int i = 0; i < 5; i++)
		h_supply(&s[i], &shopper, H.cur, "1");
	h_pump_all();
	ck_assert_uint_eq(w3w_subscription_dropped(sub), 3);
	H_OK(w3w_subscription_next(&e, sub, 0));
	ck_assert_str_eq(e->aggregate_id, s[3].id);
	w3w_event_free(e);
	H_OK(w3w_subscription_next(&e, sub, 0));
	ck_assert_str_eq(e->aggregate_id, s[4].id);
	w3w_event_free(e);
	e = NULL;
	H_EXPECT(W3W_ENOTFOUND, w3w_subscription_next(&e, sub, 0));
	w3w_unsubscribe(sub);
	w3w_event_free(NULL);
}
END_TEST

START_TEST(pump_empties_the_outbox)
{
	w3w_outbox_stats st;
	w3w_actor shopper;
	size_t delivered = 0;

	if (H.shared_storage)
		return; /* other contexts' relays and writers move these counters */
	h_user(&shopper);
	h_supply(NULL, &shopper, H.cur, "1");
	h_supply(NULL, &shopper, H.cur, "1");
	H_OK(w3w_outbox_stats_get(&st, H.ctx, &H.admin));
	ck_assert_int_ge(st.pending, 2);
	ck_assert_int_gt(st.oldest_pending_at, 0);
	H_OK(w3w_events_pump(H.ctx, 1, &delivered));
	ck_assert_uint_eq(delivered, 1);
	h_pump_all();
	H_OK(w3w_outbox_stats_get(&st, H.ctx, &H.admin));
	ck_assert_int_eq(st.pending, 0);
	ck_assert_int_eq(st.oldest_pending_at, 0);
	ck_assert_int_ge(st.total, 2);
	H_OK(w3w_events_pump(H.ctx, 0, NULL));
}
END_TEST

/* With the default background relay, events arrive without pumping. */
START_TEST(background_relay_delivers)
{
	w3w_ctx *ctx = h_ctx_open(1);
	w3w_subscription *sub = NULL;
	w3w_actor shopper;
	w3w_supply s;
	w3w_event *e = NULL;
	int found = 0;

	h_user(&shopper);
	H_OK(w3w_subscribe(&sub, ctx, NULL, NULL, 0));
	H_OK(w3w_supply_create(&s, ctx, &shopper, H.cur, h_amt("1"), NULL));
	for (int i = 0; i < 50 && !found; i++) {
		if (w3w_subscription_next(&e, sub, 200) != W3W_OK)
			continue;
		found = strcmp(e->aggregate_id, s.id) == 0 && strcmp(e->type, "supply.created") == 0;
		w3w_event_free(e);
		e = NULL;
	}
	w3w_unsubscribe(sub);
	w3w_ctx_close(ctx);
	ck_assert_msg(found, "supply.created not delivered by the background relay within 10 s");
}
END_TEST

TCase *conf_events_tcase(void)
{
	TCase *tc = h_tcase("events");
	tcase_add_test(tc, story_events_in_order);
	tcase_add_test(tc, every_command_type_has_its_event);
	tcase_add_test(tc, subscription_starts_now);
	tcase_add_test(tc, callback_and_queue_subscribers_both_receive);
	tcase_add_test(tc, full_queue_drops_oldest);
	tcase_add_test(tc, pump_empties_the_outbox);
	tcase_add_test(tc, background_relay_delivers);
	return tc;
}

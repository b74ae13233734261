/*
 * Kafka through the outbox relay, end to end (public API only).
 *
 * A context on a fresh PostgreSQL database with events_url = the real
 * broker runs marketplace commands from several threads; the broker is
 * STOPPED and more commands run (they must all succeed, quickly: commands
 * never wait on the sink); the broker is started again; once the outbox
 * reports nothing pending, a plain librdkafka consumer (fresh group, from
 * the beginning) reads the four topics and the result is compared with
 * what the database committed:
 *
 *   truth = the events an in-process queue subscription saw (deduplicated
 *           by id), whose count must equal both the number of commands
 *           that succeeded and the growth of the outbox total;
 *   every committed event is in Kafka, none is invented, duplicates are
 *   counted (at-least-once is allowed), and for each (topic, key) the
 *   first occurrences come in commit order, with the envelope intact.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <librdkafka/rdkafka.h>

#include <w3wallet/sys/kafka.h>

#include "e2e.h"

#define THREADS 4
#define ROUNDS_BEFORE 3     /* per thread, broker up */
#define ROUNDS_STRADDLE 6   /* per thread, while the broker is being stopped */
#define ROUNDS_DOWN 3       /* per thread, broker stopped */
#define ROUNDS_AFTER 1      /* per thread, while the broker starts, and again once it is back */
#define MAX_ACTORS 256
#define CTX_TIMEOUT_MS 4000
#define DOWN_COMMAND_BOUND_MS 2000 /* well under CTX_TIMEOUT_MS: a command never waits on a publish */
#define DRAIN_WAIT_MS 180000

static const char *const TYPES[] = {
	"wallet.deposited", "wallet.withdrawn", "wallet.transferred",
	"supply.created", "supply.updated", "supply.deleted",
	"order.created", "order.cancelled", "order.claimed",
	"claim.processed", "claim.released",
};
#define N_TYPES (sizeof(TYPES) / sizeof(TYPES[0]))
enum { T_DEPOSITED, T_WITHDRAWN, T_TRANSFERRED, T_SUPPLY_CREATED, T_SUPPLY_UPDATED, T_SUPPLY_DELETED,
	T_ORDER_CREATED, T_ORDER_CANCELLED, T_ORDER_CLAIMED, T_CLAIM_PROCESSED, T_CLAIM_RELEASED };

/* What the test did: shared by the command threads. */
typedef struct world {
	w3w_ctx *ctxs[2];           /* two contexts, two relays, one database: two processes of a host */
	w3w_ctx *ctx;               /* ctxs[0], for the checks */
	w3w_actor service, auditor;
	char cur[W3W_CURRENCY_SIZE];
	pthread_mutex_t lock;
	char actors[MAX_ACTORS][W3W_ID_SIZE];
	int n_actors;
	int committed;              /* commands that returned W3W_OK */
	int refused;                /* commands refused as the test wanted */
	int by_type[N_TYPES];
} world;

static world W;

static void world_actor(w3w_actor *out, unsigned int roles)
{
	e2e_actor(out, roles);
	pthread_mutex_lock(&W.lock);
	ck_assert_int_lt(W.n_actors, MAX_ACTORS);
	memcpy(W.actors[W.n_actors++], out->user_id, W3W_ID_SIZE);
	pthread_mutex_unlock(&W.lock);
}

static int is_our_actor(const char *id)
{
	for (int i = 0; i < W.n_actors; i++)
		if (strcmp(W.actors[i], id) == 0)
			return 1;
	return 0;
}

/* ---- one thread's commands ------------------------------------------------------ */

typedef struct runner {
	pthread_t thread;
	w3w_ctx *ctx;
	int rounds;
	w3w_actor buyer, shopper, friend_;
	int failed;
	char msg[640];
	int64_t max_us;        /* slowest command */
	int committed, refused;
	int by_type[N_TYPES];
} runner;

/* A command that must succeed and write one event of `type`. */
#define RUN(type, call) do { \
	int64_t t0_ = e2e_now_us(); \
	w3w_status st_ = (call); \
	int64_t dt_ = e2e_now_us() - t0_; \
	if (dt_ > r->max_us) r->max_us = dt_; \
	if (st_ != W3W_OK) { \
		snprintf(r->msg, sizeof(r->msg), "%s: %s (%s)", #call, w3w_status_name(st_), w3w_error_message()); \
		return -1; \
	} \
	r->committed++; \
	r->by_type[type]++; \
} while (0)

/* A command that must be refused with `want` (and so write no event). */
#define REFUSE(want, call) do { \
	w3w_status st_ = (call); \
	if (st_ != (want)) { \
		snprintf(r->msg, sizeof(r->msg), "%s: got %s, want %s (%s)", #call, w3w_status_name(st_), \
			w3w_status_name(want), w3w_error_message()); \
		return -1; \
	} \
	r->refused++; \
} while (0)

static void make_item(w3w_order_item *it, w3w_amount price, int64_t qty, int n)
{
	memset(it, 0, sizeof(*it));
	w3w_id_new(it->product_id, sizeof(it->product_id));
	snprintf(it->product_name, sizeof(it->product_name), "kafka e2e item %d", n);
	it->price = price;
	it->quantity = qty;
}

/*
 * One round: 15 events on 2 supplies, 2 orders, 2 claims and 3 accounts,
 * plus 2 refused commands (which must write none).
 */
static int round_run(runner *r, int n)
{
	w3w_ctx *ctx = r->ctx;
	const char *cur = W.cur;
	w3w_supply s1, s2, tmp;
	w3w_supply_patch patch = W3W_SUPPLY_PATCH_INIT;
	w3w_order_item items[2];
	w3w_order *o1 = NULL, *o2 = NULL;
	w3w_claim c1, c2, out;
	char ref[96], o1_id[W3W_ID_SIZE], o2_id[W3W_ID_SIZE];
	int rc = 0;

	snprintf(ref, sizeof(ref), "kafka-e2e-%s-%d-b", r->buyer.user_id, n);
	RUN(T_DEPOSITED, w3w_deposit(NULL, ctx, &W.service, r->buyer.user_id, cur, 100 * W3W_AMOUNT_SCALE, ref, NULL));
	snprintf(ref, sizeof(ref), "kafka-e2e-%s-%d-s", r->shopper.user_id, n);
	RUN(T_DEPOSITED, w3w_deposit(NULL, ctx, &W.service, r->shopper.user_id, cur, 5 * W3W_AMOUNT_SCALE, ref, NULL));
	RUN(T_SUPPLY_CREATED, w3w_supply_create(&s1, ctx, &r->shopper, cur, 50 * W3W_AMOUNT_SCALE, NULL));
	RUN(T_SUPPLY_CREATED, w3w_supply_create(&s2, ctx, &r->shopper, cur, 10 * W3W_AMOUNT_SCALE, NULL));
	patch.set_amount = 1;
	patch.amount = 60 * W3W_AMOUNT_SCALE;
	RUN(T_SUPPLY_UPDATED, w3w_supply_update(&tmp, ctx, &r->shopper, s1.id, &patch, NULL));

	make_item(&items[0], 3 * W3W_AMOUNT_SCALE, 2, n);
	make_item(&items[1], 450000000, 1, n);
	RUN(T_ORDER_CREATED, w3w_order_create(&o1, ctx, &r->buyer, cur, items, 2, NULL));
	snprintf(o1_id, sizeof(o1_id), "%s", o1->id);
	w3w_order_free(o1);
	RUN(T_ORDER_CLAIMED, w3w_claim_order(&c1, ctx, &r->shopper, o1_id, NULL));
	REFUSE(W3W_ECONFLICT, w3w_claim_order(&out, ctx, &r->shopper, o1_id, NULL));
	RUN(T_CLAIM_PROCESSED, w3w_claim_process(&out, ctx, &W.service, c1.id, NULL));

	make_item(&items[0], 7 * W3W_AMOUNT_SCALE, 1, n);
	RUN(T_ORDER_CREATED, w3w_order_create(&o2, ctx, &r->buyer, cur, items, 1, NULL));
	snprintf(o2_id, sizeof(o2_id), "%s", o2->id);
	w3w_order_free(o2);
	RUN(T_ORDER_CLAIMED, w3w_claim_order(&c2, ctx, &r->shopper, o2_id, NULL));
	RUN(T_CLAIM_RELEASED, w3w_claim_release(&out, ctx, &r->shopper, c2.id, NULL));
	RUN(T_ORDER_CANCELLED, w3w_order_cancel(NULL, ctx, &r->buyer, o2_id, NULL));

	RUN(T_TRANSFERRED, w3w_transfer_funds(NULL, ctx, &r->buyer, r->friend_.user_id, cur, 125000000, NULL));
	RUN(T_WITHDRAWN, w3w_withdraw(NULL, ctx, &r->friend_, cur, 25000000, "evm:1",
		"0x52908400098527886E0F7030069857D2E4169EE7", NULL));
	REFUSE(W3W_EINSUFFICIENT, w3w_withdraw(NULL, ctx, &r->friend_, cur, 1000 * W3W_AMOUNT_SCALE, "evm:1",
		"0x52908400098527886E0F7030069857D2E4169EE7", NULL));
	RUN(T_SUPPLY_DELETED, w3w_supply_delete(&tmp, ctx, &r->shopper, s2.id, NULL));
	return rc;
}

static void *runner_main(void *p)
{
	runner *r = p;
	for (int i = 0; i < r->rounds && !r->failed; i++)
		if (round_run(r, i) != 0)
			r->failed = 1;
	return NULL;
}

typedef struct phase_result {
	int committed, refused;
	int64_t max_us;
} phase_result;

typedef struct phase_run {
	const char *name;
	runner rs[THREADS];
} phase_run;

/* Start `rounds` rounds on each of THREADS threads, each thread with fresh users. */
static void phase_begin(phase_run *p, const char *name, int rounds)
{
	memset(p, 0, sizeof(*p));
	p->name = name;
	for (int t = 0; t < THREADS; t++) {
		p->rs[t].rounds = rounds;
		p->rs[t].ctx = W.ctxs[t % 2];
		world_actor(&p->rs[t].buyer, W3W_ROLE_USER);
		world_actor(&p->rs[t].shopper, W3W_ROLE_USER);
		world_actor(&p->rs[t].friend_, W3W_ROLE_USER);
	}
	for (int t = 0; t < THREADS; t++)
		ck_assert_int_eq(pthread_create(&p->rs[t].thread, NULL, runner_main, &p->rs[t]), 0);
}

/* Wait for the phase's threads; every command must have done what the test wanted. */
static phase_result phase_end(phase_run *p)
{
	phase_result res = { 0, 0, 0 };
	char failure[700] = "";

	for (int t = 0; t < THREADS; t++)
		pthread_join(p->rs[t].thread, NULL);
	for (int t = 0; t < THREADS; t++) {
		runner *r = &p->rs[t];
		if (r->failed && !failure[0])
			snprintf(failure, sizeof(failure), "%s", r->msg);
		res.committed += r->committed;
		res.refused += r->refused;
		if (r->max_us > res.max_us)
			res.max_us = r->max_us;
		W.committed += r->committed;
		W.refused += r->refused;
		for (size_t k = 0; k < N_TYPES; k++)
			W.by_type[k] += r->by_type[k];
	}
	fprintf(stderr, "e2e kafka: phase %s: %d commands committed, %d refused, slowest %.1f ms\n",
		p->name, res.committed, res.refused, (double)res.max_us / 1000.0);
	ck_assert_msg(!failure[0], "phase %s: %s", p->name, failure);
	return res;
}

/* ---- the truth: what the subscription saw --------------------------------------- */

typedef struct truth_event {
	w3w_event *ev;
	int prev_same_key;   /* index of the previous event of the same (topic, key), -1 if first */
	int delivered;       /* first seen in Kafka */
} truth_event;

typedef struct id_index {
	const char *id;
	int idx;
} id_index;

/* Append what `sub` queued to truth[], dropping (and counting) ids already there. */
static void truth_take(w3w_subscription *sub, truth_event *truth, int *n, int *dups)
{
	w3w_event *ev = NULL;
	while (w3w_subscription_next(&ev, sub, 0) == W3W_OK) {
		int dup = 0;
		for (int i = 0; i < *n && !dup; i++)
			dup = strcmp(truth[i].ev->id, ev->id) == 0;
		if (dup) {
			(*dups)++;
			w3w_event_free(ev);
		} else {
			ck_assert_msg(*n < W.committed, "the subscriptions saw more events than commands committed (%d)",
				W.committed);
			truth[(*n)++].ev = ev;
		}
		ev = NULL;
	}
}

static int cmp_seq(const void *a, const void *b)
{
	const truth_event *x = a, *y = b;
	return (x->ev->seq > y->ev->seq) - (x->ev->seq < y->ev->seq);
}

static int cmp_id(const void *a, const void *b)
{
	return strcmp(((const id_index *)a)->id, ((const id_index *)b)->id);
}

static int find_id(const id_index *ix, int n, const char *id)
{
	id_index key = { id, -1 };
	const id_index *hit = bsearch(&key, ix, (size_t)n, sizeof(*ix), cmp_id);
	return hit ? hit->idx : -1;
}

/* ---- a plain consumer: every message of a topic, from the beginning --------------- */

typedef struct kmsg {
	char topic[W3W_EVENT_TYPE_SIZE];
	char key[64];
	char header_id[64];
	cJSON *value;
} kmsg;

typedef struct kmsgs {
	kmsg *items;
	size_t count, cap;
} kmsgs;

static void kmsgs_push(kmsgs *l, const char *topic, const rd_kafka_message_t *m)
{
	rd_kafka_headers_t *hdrs = NULL;
	const void *hv = NULL;
	size_t hlen = 0;
	kmsg *k;

	if (l->count == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 1024;
		l->items = realloc(l->items, l->cap * sizeof(*l->items));
		ck_assert_ptr_nonnull(l->items);
	}
	k = &l->items[l->count++];
	memset(k, 0, sizeof(*k));
	snprintf(k->topic, sizeof(k->topic), "%s", topic);
	snprintf(k->key, sizeof(k->key), "%.*s", (int)m->key_len, m->key ? (const char *)m->key : "");
	if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR &&
	    rd_kafka_header_get_last(hdrs, "event_id", &hv, &hlen) == RD_KAFKA_RESP_ERR_NO_ERROR)
		snprintf(k->header_id, sizeof(k->header_id), "%.*s", (int)hlen, (const char *)hv);
	k->value = cJSON_ParseWithLength(m->payload, m->len);
}

static void kmsgs_free(kmsgs *l)
{
	for (size_t i = 0; i < l->count; i++)
		cJSON_Delete(l->items[i].value);
	free(l->items);
}

static rd_kafka_t *consumer_new(const char *brokers, const char *group)
{
	char err[512];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	ck_assert(rd_kafka_conf_set(conf, "bootstrap.servers", brokers, err, sizeof err) == RD_KAFKA_CONF_OK);
	ck_assert(rd_kafka_conf_set(conf, "group.id", group, err, sizeof err) == RD_KAFKA_CONF_OK);
	ck_assert(rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err) == RD_KAFKA_CONF_OK);
	ck_assert(rd_kafka_conf_set(conf, "auto.offset.reset", "earliest", err, sizeof err) == RD_KAFKA_CONF_OK);
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
	ck_assert_msg(rk != NULL, "consumer: %s", err);
	return rk;
}

/* Append every message of `topic` (all partitions, beginning to the high watermark) to `out`. */
static void consume_topic(const char *brokers, const char *group, const char *topic, kmsgs *out)
{
	rd_kafka_t *rk = consumer_new(brokers, group);
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
	rd_kafka_topic_partition_list_t *parts;
	int64_t high[64], next[64];
	int np, remaining = 0;
	int64_t deadline;
	size_t before = out->count;

	ck_assert_int_eq(rd_kafka_metadata(rk, 0, rkt, &md, 20000), RD_KAFKA_RESP_ERR_NO_ERROR);
	ck_assert_int_eq(md->topic_cnt, 1);
	ck_assert_msg(md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR, "topic %s: %s", topic,
		rd_kafka_err2str(md->topics[0].err));
	np = md->topics[0].partition_cnt;
	ck_assert_msg(np > 0 && np <= 64, "topic %s: %d partitions", topic, np);
	parts = rd_kafka_topic_partition_list_new(np);
	for (int p = 0; p < np; p++) {
		int32_t id = md->topics[0].partitions[p].id;
		int64_t low = 0;
		ck_assert_int_lt(id, 64);
		ck_assert_int_eq(rd_kafka_query_watermark_offsets(rk, topic, id, &low, &high[id], 20000),
			RD_KAFKA_RESP_ERR_NO_ERROR);
		next[id] = low;
		if (high[id] > low)
			remaining++;
		rd_kafka_topic_partition_list_add(parts, topic, id)->offset = RD_KAFKA_OFFSET_BEGINNING;
	}
	rd_kafka_metadata_destroy(md);
	rd_kafka_topic_destroy(rkt);
	ck_assert_int_eq(rd_kafka_assign(rk, parts), RD_KAFKA_RESP_ERR_NO_ERROR);
	rd_kafka_topic_partition_list_destroy(parts);

	deadline = e2e_now_ms() + 60000;
	while (remaining > 0 && e2e_now_ms() < deadline) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 200);
		if (!m)
			continue;
		if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR && m->partition < 64 && m->offset >= next[m->partition] &&
		    next[m->partition] < high[m->partition]) {
			kmsgs_push(out, topic, m);
			next[m->partition] = m->offset + 1;
			if (next[m->partition] >= high[m->partition])
				remaining--;
		}
		rd_kafka_message_destroy(m);
	}
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
	ck_assert_msg(remaining == 0, "topic %s: %d partitions not read to their end within 60 s", topic, remaining);
	fprintf(stderr, "e2e kafka: %s: %zu messages\n", topic, out->count - before);
}

static const char *jstr(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	return cJSON_IsString(v) ? v->valuestring : "";
}

/*
 * On a fresh broker the context's open makes the broker create the four
 * topics, which on a busy 2-core box can take longer than the short
 * timeout this test wants for publishing: create them first through the
 * sink's own open with a generous timeout.
 */
static void ensure_topics(const char *kafka_url)
{
	w3w_backend_config cfg = { W3W_BACKEND_CONFIG_VERSION, 1, 60000, "e2e" };
	w3w_event_sink *sink = NULL;
	int64_t t0 = e2e_now_ms();
	E2E_OK(w3w_event_sink_kafka_open(&sink, kafka_url, &cfg));
	sink->free(sink);
	fprintf(stderr, "e2e kafka: the four topics are there (%lld ms)\n", (long long)(e2e_now_ms() - t0));
}

/* ---- the test ------------------------------------------------------------------ */

START_TEST(broker_down_then_back_every_committed_event_in_kafka_in_order)
{
	const char *kafka_url = e2e_env("W3W_TEST_KAFKA_URL");
	const char *brokers = e2e_env("W3W_TEST_KAFKA_BROKERS");
	static const char *const topics[] = { "supply-events", "order-events", "claim-events", "wallet-events" };
	char storage[W3W_URL_SIZE], db[64], group[64];
	w3w_subscription *subs[2] = { NULL, NULL };
	w3w_outbox_stats s0, s_down, s;
	phase_result down;
	phase_run run;
	truth_event *truth = NULL;
	id_index *ix = NULL;
	int n_truth = 0, sub_dups = 0, by_type[N_TYPES] = { 0 };
	int64_t t_start, t_drained;
	kmsgs got = { NULL, 0, 0 };
	int dups = 0, invented = 0, foreign = 0, delivered = 0, order_errors = 0, envelope_errors = 0;
	char first_problem[512] = "";

	e2e_env("W3W_SERVICES_DIR");
	memset(&W, 0, sizeof(W));
	pthread_mutex_init(&W.lock, NULL);
	e2e_pg_fresh(storage, db);
	ensure_topics(kafka_url);
	for (int c = 0; c < 2; c++)
		W.ctxs[c] = e2e_open(storage, "memory:", kafka_url, 1, CTX_TIMEOUT_MS);
	W.ctx = W.ctxs[0];
	world_actor(&W.service, W3W_ROLE_SERVICE);
	world_actor(&W.auditor, W3W_ROLE_AUDITOR);
	e2e_currency(W.cur);
	for (int c = 0; c < 2; c++)
		E2E_OK(w3w_subscribe(&subs[c], W.ctxs[c], NULL, NULL, 1 << 16));
	s0 = e2e_outbox(W.ctx, &W.service);

	phase_begin(&run, "before", ROUNDS_BEFORE);
	phase_end(&run);
	/* Stop the broker while commands run and their events are being published. */
	phase_begin(&run, "straddling the stop", ROUNDS_STRADDLE);
	e2e_sleep_ms(50);
	e2e_service("stop", "kafka");
	phase_end(&run);
	phase_begin(&run, "broker down", ROUNDS_DOWN);
	down = phase_end(&run);
	s_down = e2e_outbox(W.ctx, &W.service);
	fprintf(stderr, "e2e kafka: with the broker down: %lld pending (oldest %.1f s old)\n",
		(long long)s_down.pending,
		s_down.oldest_pending_at ? (double)(w3w_time_now() - s_down.oldest_pending_at) / 1e6 : 0.0);
	/* Nothing of the outage phase can have been acknowledged by a stopped broker. */
	ck_assert_msg(s_down.pending >= down.committed, "only %lld pending after %d commands with the broker down",
		(long long)s_down.pending, down.committed);
	ck_assert_msg(down.max_us < (int64_t)DOWN_COMMAND_BOUND_MS * 1000,
		"a command took %.1f ms with the broker down: commands must not wait on the sink",
		(double)down.max_us / 1000.0);
	/* Start it again while commands run. */
	phase_begin(&run, "straddling the start", ROUNDS_AFTER);
	e2e_service("start", "kafka");
	t_start = e2e_now_ms();
	phase_end(&run);
	phase_begin(&run, "after", ROUNDS_AFTER);
	phase_end(&run);

	/* The relay empties the outbox once the broker answers again (bounded). */
	do {
		s = e2e_outbox(W.ctx, &W.service);
		if (s.pending == 0)
			break;
		e2e_sleep_ms(200);
	} while (e2e_now_ms() - t_start < DRAIN_WAIT_MS);
	t_drained = e2e_now_ms();
	ck_assert_msg(s.pending == 0, "%lld events still pending %d s after the broker came back",
		(long long)s.pending, DRAIN_WAIT_MS / 1000);
	fprintf(stderr, "e2e kafka: outbox drained %lld ms after the broker was started again\n",
		(long long)(t_drained - t_start));
	ck_assert_msg(s.total - s0.total == W.committed, "outbox total grew by %lld, %d commands committed",
		(long long)(s.total - s0.total), W.committed);

	/*
	 * Truth: what the relays handed to the in-process subscriptions (each
	 * relay delivers what it published, after Kafka acknowledged it).
	 */
	truth = calloc((size_t)W.committed + 1, sizeof(*truth));
	ck_assert_ptr_nonnull(truth);
	for (int c = 0; c < 2; c++) {
		int before = n_truth;
		truth_take(subs[c], truth, &n_truth, &sub_dups);
		ck_assert_uint_eq(w3w_subscription_dropped(subs[c]), 0);
		fprintf(stderr, "e2e kafka: relay %d published %d events\n", c, n_truth - before);
	}
	ck_assert_msg(n_truth == W.committed, "subscriptions saw %d distinct events, %d commands committed",
		n_truth, W.committed);
	qsort(truth, (size_t)n_truth, sizeof(*truth), cmp_seq);
	ix = calloc((size_t)n_truth + 1, sizeof(*ix));
	ck_assert_ptr_nonnull(ix);
	for (int i = 0; i < n_truth; i++) {
		const w3w_event *e = truth[i].ev;
		size_t k;
		ck_assert_msg(is_our_actor(e->actor_id), "event %s by unknown actor %s", e->id, e->actor_id);
		for (k = 0; k < N_TYPES && strcmp(TYPES[k], e->type) != 0; k++)
			;
		ck_assert_msg(k < N_TYPES, "event %s has unknown type %s", e->id, e->type);
		by_type[k]++;
		truth[i].prev_same_key = -1;
		for (int j = i - 1; j >= 0; j--)
			if (strcmp(truth[j].ev->aggregate_id, e->aggregate_id) == 0 &&
			    strcmp(truth[j].ev->topic, e->topic) == 0) {
				truth[i].prev_same_key = j;
				break;
			}
		ix[i].id = e->id;
		ix[i].idx = i;
	}
	for (size_t k = 0; k < N_TYPES; k++)
		ck_assert_msg(by_type[k] == W.by_type[k], "%s: %d events, %d such commands committed",
			TYPES[k], by_type[k], W.by_type[k]);
	qsort(ix, (size_t)n_truth, sizeof(*ix), cmp_id);

	/* Kafka: every topic from the beginning, with a consumer group nobody used before. */
	{
		char gid[W3W_ID_SIZE];
		E2E_OK(w3w_id_new(gid, sizeof(gid)));
		snprintf(group, sizeof(group), "e2e-%s", gid);
	}
	for (size_t t = 0; t < 4; t++)
		consume_topic(brokers, group, topics[t], &got);

	for (size_t m = 0; m < got.count; m++) {
		const kmsg *k = &got.items[m];
		const char *id = jstr(k->value, "id");
		int i = find_id(ix, n_truth, id);
		char problem[512] = "";

		if (i < 0) {
			if (is_our_actor(jstr(k->value, "actor_id"))) {
				invented++;
				snprintf(problem, sizeof(problem), "message %s in %s by our actor was never committed",
					id, k->topic);
			} else {
				foreign++;   /* another test's event on the same broker */
			}
		} else {
			const w3w_event *e = truth[i].ev;
			if (strcmp(k->topic, e->topic) != 0 || strcmp(k->key, e->aggregate_id) != 0 ||
			    strcmp(k->header_id, e->id) != 0 || strcmp(jstr(k->value, "type"), e->type) != 0 ||
			    strcmp(jstr(k->value, "topic"), e->topic) != 0 ||
			    strcmp(jstr(k->value, "aggregate_id"), e->aggregate_id) != 0 ||
			    strcmp(jstr(k->value, "actor_id"), e->actor_id) != 0 ||
			    strcmp(jstr(k->value, "region"), "e2e") != 0 ||
			    !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(k->value, "payload"))) {
				envelope_errors++;
				snprintf(problem, sizeof(problem), "message %s (%s in %s, key %s) differs from the committed event "
					"(%s in %s, key %s)", id, jstr(k->value, "type"), k->topic, k->key, e->type, e->topic,
					e->aggregate_id);
			}
			if (truth[i].delivered) {
				dups++;
			} else {
				int prev = truth[i].prev_same_key;
				if (prev >= 0 && !truth[prev].delivered) {
					order_errors++;
					snprintf(problem, sizeof(problem), "key %s in %s: %s (seq %lld) came before %s (seq %lld)",
						e->aggregate_id, e->topic, e->type, (long long)e->seq, truth[prev].ev->type,
						(long long)truth[prev].ev->seq);
				}
				truth[i].delivered = 1;
				delivered++;
			}
		}
		if (problem[0] && !first_problem[0])
			snprintf(first_problem, sizeof(first_problem), "%s", problem);
	}
	for (int i = 0; i < n_truth && !first_problem[0]; i++)
		if (!truth[i].delivered)
			snprintf(first_problem, sizeof(first_problem), "committed event %s (%s, key %s, seq %lld) is not in Kafka",
				truth[i].ev->id, truth[i].ev->type, truth[i].ev->aggregate_id, (long long)truth[i].ev->seq);

	fprintf(stderr, "e2e kafka: %d committed (%d refused wrote none), %zu messages consumed: %d delivered, "
		"%d duplicates, %d invented, %d out of order, %d bad envelopes, %d of other tests; "
		"delivered by both relays %d\n", W.committed, W.refused, got.count, delivered, dups, invented,
		order_errors, envelope_errors, foreign, sub_dups);

	for (int i = 0; i < n_truth; i++)
		w3w_event_free(truth[i].ev);
	free(truth);
	free(ix);
	kmsgs_free(&got);
	for (int c = 0; c < 2; c++)
		w3w_unsubscribe(subs[c]);
	e2e_check_invariants(W.ctx, &W.auditor, W.cur, NULL);
	for (int c = 0; c < 2; c++)
		w3w_ctx_close(W.ctxs[c]);
	e2e_pg_drop(db);
	pthread_mutex_destroy(&W.lock);

	ck_assert_msg(delivered == n_truth && invented == 0 && order_errors == 0 && envelope_errors == 0,
		"%d of %d committed events delivered, %d invented, %d out of order, %d bad envelopes; first: %s",
		delivered, n_truth, invented, order_errors, envelope_errors, first_problem);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("e2e_kafka_outbox");
	TCase *tc = tcase_create("kafka");
	SRunner *sr;
	int failed;

	tcase_add_unchecked_fixture(tc, NULL, e2e_services_restore);
	tcase_set_timeout(tc, 900);
	tcase_add_test(tc, broker_down_then_back_every_committed_event_in_kafka_in_order);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* Reads compared with the model (see reads.h). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reads.h"

#define READ_ATTEMPTS 8

/* Retry what a fault made unavailable: reads have no side effects. */
#define RETRY_READ(st, call)                                                       \
	do {                                                                           \
		for (int attempt_ = 0; attempt_ < READ_ATTEMPTS; attempt_++) {             \
			(st) = (call);                                                         \
			if ((st) != W3W_EUNAVAILABLE)                                          \
				break;                                                             \
		}                                                                          \
	} while (0)

static void read_failed(sim_run *r, const char *what, const char *id, w3w_status st)
{
	/* With faults on, a read may stay unavailable; with them off (checkpoints) it must not. */
	if (sim_faults_active() && st == W3W_EUNAVAILABLE)
		return;
	sim_violation(&r->report, "read_failed", "%s %s: %s (%s)", what, id, sim_status_name(st), w3w_error_message());
}

/* ---- comparisons: 0 when equal, else why in buf ------------------------------------ */

static int cmp_order(const m_order *m, const w3w_order *o, char *why, size_t n)
{
	if ((int)o->status != m->status || o->amount != m->amount || strcmp(o->user_id, m->user) != 0 ||
	    strcmp(o->currency, m->cur) != 0 || (o->items && o->item_count != m->items)) {
		snprintf(why, n, "status %s amount %lld items %zu, committed: status %s amount %lld items %zu",
			w3w_order_status_name(o->status), (long long)o->amount, o->item_count,
			w3w_order_status_name(m->status), (long long)m->amount, m->items);
		return 1;
	}
	return 0;
}

static int cmp_claim(const m_claim *m, const w3w_claim *c, char *why, size_t n)
{
	if ((int)c->status != m->status || strcmp(c->order_id, m->order_id) != 0 || strcmp(c->user_id, m->user) != 0 ||
	    strcmp(c->supply_id, m->supply_id) != 0 || strcmp(c->id, m->id) != 0) {
		snprintf(why, n, "claim %s status %s supply %s, committed: claim %s status %s supply %s",
			c->id, w3w_claim_status_name(c->status), c->supply_id,
			m->id, w3w_claim_status_name(m->status), m->supply_id);
		return 1;
	}
	return 0;
}

static int cmp_supply(const m_supply *m, const w3w_supply *s, char *why, size_t n)
{
	if ((int)s->status != m->status || s->amount != m->amount || s->reserved != m->reserved ||
	    strcmp(s->user_id, m->user) != 0 || strcmp(s->currency, m->cur) != 0) {
		snprintf(why, n, "status %s amount %lld reserved %lld, committed: status %s amount %lld reserved %lld",
			w3w_supply_status_name(s->status), (long long)s->amount, (long long)s->reserved,
			w3w_supply_status_name(m->status), (long long)m->amount, (long long)m->reserved);
		return 1;
	}
	return 0;
}

/* ---- truth reads -------------------------------------------------------------------- */

/* 1 if storage agrees with the model, 0 if not (why in buf), -1 if it could not be read. */
static int truth_order_agrees(sim_run *r, const m_order *mo, char *why, size_t n)
{
	w3w_order *o = NULL;
	w3w_status st;
	int agree;
	RETRY_READ(st, w3w_order_get(&o, r->truth, &r->admin, mo->id));
	if (st != W3W_OK) {
		snprintf(why, n, "%s (%s)", sim_status_name(st), w3w_error_message());
		return st == W3W_ENOTFOUND ? 0 : -1;
	}
	agree = !cmp_order(mo, o, why, n);
	w3w_order_free(o);
	return agree;
}

static int truth_claim_agrees(sim_run *r, const m_claim *mc, char *why, size_t n)
{
	w3w_claim c;
	w3w_status st;
	RETRY_READ(st, w3w_claim_get(&c, r->truth, &r->admin, mc->id));
	if (st != W3W_OK) {
		snprintf(why, n, "%s (%s)", sim_status_name(st), w3w_error_message());
		return st == W3W_ENOTFOUND ? 0 : -1;
	}
	return !cmp_claim(mc, &c, why, n);
}

static int truth_supply_agrees(sim_run *r, const m_supply *ms, char *why, size_t n)
{
	w3w_supply s;
	w3w_status st;
	RETRY_READ(st, w3w_supply_get(&s, r->truth, &r->admin, ms->id));
	if (st != W3W_OK) {
		snprintf(why, n, "%s (%s)", sim_status_name(st), w3w_error_message());
		return st == W3W_ENOTFOUND ? 0 : -1;
	}
	return !cmp_supply(ms, &s, why, n);
}

void sim_truth_order(sim_run *r, const m_order *mo)
{
	char why[512];
	if (truth_order_agrees(r, mo, why, sizeof(why)) != 1)
		sim_violation(&r->report, "storage_vs_commits", "order %s in storage: %s", mo->id, why);
}

void sim_truth_claim(sim_run *r, const m_claim *mc)
{
	char why[512];
	if (truth_claim_agrees(r, mc, why, sizeof(why)) != 1)
		sim_violation(&r->report, "storage_vs_commits", "claim %s in storage: %s", mc->id, why);
}

void sim_truth_supply(sim_run *r, const m_supply *ms)
{
	char why[512];
	if (truth_supply_agrees(r, ms, why, sizeof(why)) != 1)
		sim_violation(&r->report, "storage_vs_commits", "supply %s in storage: %s", ms->id, why);
}

/* A read through the cache disagreed: blame the cache if storage agrees with the commits. */
static void disagree(sim_run *r, const char *what, const char *id, const char *seen, int truth_agrees,
	const char *truth_why)
{
	if (truth_agrees == 1)
		sim_violation(&r->report, "stale_read", "%s %s read through the cache: %s (storage has the committed state)",
			what, id, seen);
	else
		sim_violation(&r->report, "storage_vs_commits", "%s %s: read shows %s; storage: %s", what, id, seen, truth_why);
}

/* ---- reads through the simulated context -------------------------------------------- */

void sim_read_order(sim_lane *l, const m_order *mo, int strict)
{
	sim_run *r = l->run;
	w3w_order *o = NULL;
	w3w_status st;
	char why[512], twhy[512];
	const w3w_actor *reader = &l->users[0];

	l->stats.reads++;
	RETRY_READ(st, w3w_order_get(&o, r->ctx, reader, mo->id));
	if (st != W3W_OK) {
		if (strict)
			read_failed(r, "order", mo->id, st);
		return;
	}
	if (strict && cmp_order(mo, o, why, sizeof(why)))
		disagree(r, "order", mo->id, why, truth_order_agrees(r, mo, twhy, sizeof(twhy)), twhy);
	w3w_order_free(o);
}

void sim_read_claim(sim_lane *l, const m_claim *mc, int strict)
{
	sim_run *r = l->run;
	w3w_claim c;
	w3w_status st;
	char why[512], twhy[512];
	w3w_actor claimer;

	l->stats.reads++;
	w3w_actor_init(&claimer, mc->user, W3W_ROLE_USER);
	RETRY_READ(st, w3w_claim_get(&c, r->ctx, &claimer, mc->id));
	if (st != W3W_OK) {
		if (strict)
			read_failed(r, "claim", mc->id, st);
		return;
	}
	if (strict && cmp_claim(mc, &c, why, sizeof(why)))
		disagree(r, "claim", mc->id, why, truth_claim_agrees(r, mc, twhy, sizeof(twhy)), twhy);
}

void sim_read_claim_by_order(sim_lane *l, const m_order *mo, int strict)
{
	sim_run *r = l->run;
	m_claim *live = sim_model_live_claim(&l->model, mo->id);
	w3w_claim c, t;
	w3w_status st, tst;
	w3w_actor owner;
	char why[512];

	l->stats.reads++;
	w3w_actor_init(&owner, mo->user, W3W_ROLE_USER);
	RETRY_READ(st, w3w_claim_get_by_order(&c, r->ctx, &owner, mo->id));
	if (!strict || st == W3W_EUNAVAILABLE)
		return;
	if (st == W3W_OK && live && !cmp_claim(live, &c, why, sizeof(why)))
		return;
	if (st == W3W_ENOTFOUND && !live)
		return;
	if (st != W3W_OK && st != W3W_ENOTFOUND) {
		read_failed(r, "live claim of order", mo->id, st);
		return;
	}
	if (st == W3W_OK && live)
		snprintf(why, sizeof(why), "claim %s (%s), committed live claim %s (%s)", c.id,
			w3w_claim_status_name(c.status), live->id, w3w_claim_status_name(live->status));
	else if (st == W3W_OK)
		snprintf(why, sizeof(why), "claim %s (%s), committed: no live claim", c.id, w3w_claim_status_name(c.status));
	else
		snprintf(why, sizeof(why), "no live claim, committed: %s (%s)", live->id, w3w_claim_status_name(live->status));
	/* Which one is wrong: what does storage say? */
	RETRY_READ(tst, w3w_claim_get_by_order(&t, r->truth, &r->admin, mo->id));
	if ((tst == W3W_ENOTFOUND && !live) || (tst == W3W_OK && live && strcmp(t.id, live->id) == 0 && (int)t.status == live->status))
		sim_violation(&r->report, "stale_read", "live claim of order %s read through the cache: %s (storage has the committed state)",
			mo->id, why);
	else
		sim_violation(&r->report, "one_live_claim", "live claim of order %s: %s; storage answers %s %s",
			mo->id, why, sim_status_name(tst), tst == W3W_OK ? t.id : "");
}

void sim_read_supply(sim_lane *l, const m_supply *ms, int strict)
{
	sim_run *r = l->run;
	w3w_supply s;
	w3w_status st;
	char why[512], twhy[512];
	w3w_actor owner;

	l->stats.reads++;
	w3w_actor_init(&owner, ms->user, W3W_ROLE_USER);
	RETRY_READ(st, w3w_supply_get(&s, r->ctx, &owner, ms->id));
	if (st != W3W_OK) {
		if (strict)
			read_failed(r, "supply", ms->id, st);
		return;
	}
	if (strict && cmp_supply(ms, &s, why, sizeof(why)))
		disagree(r, "supply", ms->id, why, truth_supply_agrees(r, ms, twhy, sizeof(twhy)), twhy);
}

/* ---- lists (first pages are cached: orders:user:{id}, supplies:user:{id}) ------------ */

static int by_id(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Ids of the model's records of `user`, ascending (ids are time-ordered), at most `limit`. */
static size_t model_ids(const char **ids, size_t max, const void *items, size_t count, size_t stride,
	size_t user_offset, const char *user)
{
	size_t n = 0;
	for (size_t i = 0; i < count && n < max; i++) {
		const char *rec = (const char *)items + i * stride;
		if (strcmp(rec + user_offset, user) == 0)
			ids[n++] = rec; /* the id is each record's first field */
	}
	qsort(ids, n, sizeof(*ids), by_id);
	return n;
}

void sim_read_order_list(sim_lane *l, const w3w_actor *user, int strict)
{
	sim_run *r = l->run;
	w3w_list_query q;
	w3w_order_page *page = NULL;
	w3w_status st;
	const char **ids;
	size_t n;

	l->stats.reads++;
	w3w_list_query_init(&q, W3W_LIST_QUERY_VERSION);
	snprintf(q.user_id, sizeof(q.user_id), "%s", user->user_id);
	RETRY_READ(st, w3w_order_list(&page, r->ctx, user, &q));
	if (st != W3W_OK) {
		if (strict)
			read_failed(r, "order list of", user->user_id, st);
		return;
	}
	if (strict && (ids = calloc(l->model.n_orders + 1, sizeof(*ids))) != NULL) {
		n = model_ids(ids, l->model.n_orders, l->model.orders, l->model.n_orders, sizeof(m_order),
			offsetof(m_order, user), user->user_id);
		if (n > 50)
			n = 50;
		for (size_t i = 0; i < n || i < page->count; i++) {
			const m_order *mo = i < n ? sim_model_order(&l->model, ids[i]) : NULL;
			const w3w_order *o = i < page->count ? &page->items[i] : NULL;
			if (!mo || !o || strcmp(mo->id, o->id) != 0 || mo->status != (int)o->status) {
				sim_violation(&r->report, "stale_read",
					"order list of %s read through the cache: entry %zu is %s (%s), committed %s (%s)",
					user->user_id, i, o ? o->id : "missing", o ? w3w_order_status_name(o->status) : "-",
					mo ? mo->id : "none", mo ? w3w_order_status_name(mo->status) : "-");
				break;
			}
		}
		free(ids);
	}
	w3w_order_page_free(page);
}

void sim_read_supply_list(sim_lane *l, const w3w_actor *user, int strict)
{
	sim_run *r = l->run;
	w3w_list_query q;
	w3w_supply_page *page = NULL;
	w3w_status st;
	const char **ids;
	char why[512];
	size_t n;

	l->stats.reads++;
	w3w_list_query_init(&q, W3W_LIST_QUERY_VERSION);
	RETRY_READ(st, w3w_supply_list(&page, r->ctx, user, &q));
	if (st != W3W_OK) {
		if (strict)
			read_failed(r, "supply list of", user->user_id, st);
		return;
	}
	if (strict && (ids = calloc(l->model.n_supplies + 1, sizeof(*ids))) != NULL) {
		n = model_ids(ids, l->model.n_supplies, l->model.supplies, l->model.n_supplies, sizeof(m_supply),
			offsetof(m_supply, user), user->user_id);
		if (n > 50)
			n = 50;
		for (size_t i = 0; i < n || i < page->count; i++) {
			const m_supply *ms = i < n ? sim_model_supply(&l->model, ids[i]) : NULL;
			const w3w_supply *s = i < page->count ? &page->items[i] : NULL;
			if (!ms || !s || strcmp(ms->id, s->id) != 0 || cmp_supply(ms, s, why, sizeof(why))) {
				sim_violation(&r->report, "stale_read",
					"supply list of %s read through the cache: entry %zu is %s, committed %s%s%s",
					user->user_id, i, s ? s->id : "missing", ms ? ms->id : "none",
					ms && s && strcmp(ms->id, s->id) == 0 ? ": " : "",
					ms && s && strcmp(ms->id, s->id) == 0 ? why : "");
				break;
			}
		}
		free(ids);
	}
	w3w_supply_page_free(page);
}

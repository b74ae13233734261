/* The checker (see checker.h). */
#include <stdlib.h>
#include <string.h>

#include "checker.h"
#include "pump.h"
#include "reads.h"

/* ---- events ------------------------------------------------------------------------ */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_logged(const void *a, const void *b)
{
	return strcmp(((const sim_logged_event *)a)->id, ((const sim_logged_event *)b)->id);
}

static size_t total_commits(const sim_run *r)
{
	size_t n = 0;
	for (int i = 0; i < r->n_lanes; i++)
		n += r->lanes[i].model.n_commits;
	return n;
}

/* A consumer's log against the commits: missing, extra, wrong type, out of order per aggregate. */
static void check_log(sim_run *r, const char *who, sim_event_log *log)
{
	sim_logged_event *sorted = NULL, key;
	const char **committed = NULL;
	size_t n = log->count, n_commits = total_commits(r), reported = 0, k = 0;

	if (log->oom) {
		sim_violation(&r->report, "events", "%s: out of memory while recording events", who);
		return;
	}
	sorted = malloc((n ? n : 1) * sizeof(*sorted));
	committed = malloc((n_commits ? n_commits : 1) * sizeof(*committed));
	if (!sorted || !committed) {
		sim_violation(&r->report, "events", "%s: out of memory while checking", who);
		goto done;
	}
	if (n)
		memcpy(sorted, log->items, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_logged);
	for (int l = 0; l < r->n_lanes; l++)
		for (size_t i = 0; i < r->lanes[l].model.n_commits; i++)
			committed[k++] = r->lanes[l].model.commits[i].event_id;
	qsort(committed, n_commits, sizeof(*committed), cmp_str);

	/* Every commit delivered, with its type. */
	for (int l = 0; l < r->n_lanes; l++)
	for (size_t i = 0; i < r->lanes[l].model.n_commits; i++) {
		const m_commit *c = &r->lanes[l].model.commits[i];
		sim_logged_event *got;
		memset(&key, 0, sizeof(key));
		strcpy(key.id, c->event_id);
		got = bsearch(&key, sorted, n, sizeof(*sorted), cmp_logged);
		if (!got && reported++ < 3)
			sim_violation(&r->report, "event_missing", "%s never received event %s (%s, committed at step %d)",
				who, c->event_id, c->type, c->step);
		else if (got && strcmp(got->type, c->type) != 0)
			sim_violation(&r->report, "event_type", "%s received event %s as %s, committed as %s",
				who, c->event_id, got->type, c->type);
	}
	/* Nothing that did not commit; duplicates are allowed (at least once) and counted. */
	for (size_t i = 0; i < n; i++) {
		const char *id = sorted[i].id;
		if (i > 0 && strcmp(sorted[i - 1].id, id) == 0)
			continue;
		if (!bsearch(&id, committed, n_commits, sizeof(*committed), cmp_str))
			sim_violation(&r->report, "event_extra", "%s received event %s (%s) that no committed command wrote",
				who, id, sorted[i].type);
	}
	/* Per aggregate, first deliveries come in commit (seq) order. */
	for (size_t i = 0; i < n; i++) {
		const sim_logged_event *e = &log->items[i];
		int first = 1;
		for (size_t j = 0; j < i && first; j++)
			first = strcmp(log->items[j].id, e->id) != 0;
		if (!first)
			continue;
		for (size_t j = 0; j < i; j++) {
			const sim_logged_event *p = &log->items[j];
			if (strcmp(p->aggregate_id, e->aggregate_id) == 0 && p->seq > e->seq) {
				sim_violation(&r->report, "event_order", "%s: event seq %lld of %s arrived after seq %lld",
					who, (long long)e->seq, e->aggregate_id, (long long)p->seq);
				break;
			}
		}
	}
done:
	free(sorted);
	free(committed);
}

static void check_events(sim_run *r)
{
	check_log(r, "the subscription", &r->sub_log);
	check_log(r, "the sink", &r->sink_log);
	if (w3w_subscription_dropped(r->sub) > 0)
		sim_violation(&r->report, "events", "the subscription dropped %llu events",
			(unsigned long long)w3w_subscription_dropped(r->sub));
}

/* ---- money -------------------------------------------------------------------------- */

static void check_totals(sim_lane *lane, const char *cur)
{
	sim_run *r = lane->run;
	w3w_ledger_totals t;
	m_currency *mc = sim_model_currency(&lane->model, cur);
	w3w_amount model_balances = 0, model_held = 0;
	w3w_status st = w3w_ledger_totals_get(&t, r->truth, &r->admin, cur);

	if (st != W3W_OK) {
		sim_violation(&r->report, "read_failed", "ledger totals of %s: %s (%s)", cur, sim_status_name(st),
			w3w_error_message());
		return;
	}
	if (t.balances != t.deposits - t.withdrawals || !t.entries_sum_zero)
		sim_violation(&r->report, "conservation",
			"%s: balances %lld != deposits %lld - withdrawals %lld (entries sum to zero: %s)", cur,
			(long long)t.balances, (long long)t.deposits, (long long)t.withdrawals,
			t.entries_sum_zero ? "yes" : "no");
	if (t.held != t.escrow)
		sim_violation(&r->report, "held_escrow", "%s: held %lld != escrow of open and claimed orders %lld", cur,
			(long long)t.held, (long long)t.escrow);
	if (t.reserved != t.live_claims)
		sim_violation(&r->report, "reserved_claims", "%s: supply reserved %lld != live claims %lld", cur,
			(long long)t.reserved, (long long)t.live_claims);
	for (size_t i = 0; i < lane->model.n_accounts; i++)
		if (strcmp(lane->model.accounts[i].cur, cur) == 0) {
			model_balances += lane->model.accounts[i].balance;
			model_held += lane->model.accounts[i].held;
		}
	if (mc && (t.deposits != mc->deposits || t.withdrawals != mc->withdrawals || t.balances != model_balances ||
	           t.held != model_held))
		sim_violation(&r->report, "storage_vs_commits",
			"%s totals: deposits %lld withdrawals %lld balances %lld held %lld; the commits make %lld %lld %lld %lld",
			cur, (long long)t.deposits, (long long)t.withdrawals, (long long)t.balances, (long long)t.held,
			(long long)mc->deposits, (long long)mc->withdrawals, (long long)model_balances, (long long)model_held);
}

/* Accounts of one user as storage has them, against the model; and held = escrow of their orders. */
static void check_accounts(sim_lane *lane, const w3w_actor *u)
{
	sim_run *r = lane->run;
	w3w_account_list *list = NULL;
	w3w_status st = w3w_accounts(&list, r->truth, &r->admin, u->user_id);

	if (st != W3W_OK) {
		sim_violation(&r->report, "read_failed", "accounts of %s: %s", u->user_id, sim_status_name(st));
		return;
	}
	for (int c = 0; c < SIM_CURRENCIES; c++) {
		const char *cur = lane->currencies[c];
		m_account *ma = sim_model_account(&lane->model, u->user_id, cur);
		w3w_amount bal = 0, held = 0, escrow = 0;
		for (size_t i = 0; i < list->count; i++)
			if (strcmp(list->items[i].currency, cur) == 0) {
				bal = list->items[i].balance;
				held = list->items[i].held;
			}
		if (bal != (ma ? ma->balance : 0) || held != (ma ? ma->held : 0))
			sim_violation(&r->report, "storage_vs_commits",
				"account %s %s: balance %lld held %lld; the commits make balance %lld held %lld",
				u->user_id, cur, (long long)bal, (long long)held,
				(long long)(ma ? ma->balance : 0), (long long)(ma ? ma->held : 0));
		for (size_t i = 0; i < lane->model.n_orders; i++) {
			const m_order *o = &lane->model.orders[i];
			if (strcmp(o->user, u->user_id) == 0 && strcmp(o->cur, cur) == 0 &&
			    (o->status == W3W_ORDER_OPEN || o->status == W3W_ORDER_CLAIMED))
				escrow += o->amount;
		}
		if (held != escrow)
			sim_violation(&r->report, "held_escrow", "account %s %s: held %lld != escrow of the user's open and claimed orders %lld",
				u->user_id, cur, (long long)held, (long long)escrow);
	}
	w3w_account_list_free(list);
}

/* ---- records ------------------------------------------------------------------------- */

static void check_records(sim_lane *lane)
{
	sim_run *r = lane->run;
	sim_model *m = &lane->model;

	for (size_t i = 0; i < m->n_orders; i++) {
		int live = 0;
		for (size_t j = 0; j < m->n_claims; j++)
			live += strcmp(m->claims[j].order_id, m->orders[i].id) == 0 &&
				(m->claims[j].status == W3W_CLAIM_PENDING || m->claims[j].status == W3W_CLAIM_PROCESSED);
		if (live > 1)
			sim_violation(&r->report, "one_live_claim", "order %s has %d live claims", m->orders[i].id, live);
		sim_truth_order(r, &m->orders[i]);
		sim_read_order(lane, &m->orders[i], 1);
		sim_read_claim_by_order(lane, &m->orders[i], 1);
	}
	for (size_t i = 0; i < m->n_claims; i++) {
		sim_truth_claim(r, &m->claims[i]);
		sim_read_claim(lane, &m->claims[i], 1);
	}
	for (size_t i = 0; i < m->n_supplies; i++) {
		const m_supply *s = &m->supplies[i];
		w3w_supply got;
		w3w_amount live = 0;
		sim_truth_supply(r, s);
		sim_read_supply(lane, s, 1);
		for (size_t j = 0; j < m->n_claims; j++)
			if (strcmp(m->claims[j].supply_id, s->id) == 0 && m->claims[j].status == W3W_CLAIM_PENDING) {
				const m_order *o = sim_model_order(m, m->claims[j].order_id);
				live += o ? o->amount : 0;
			}
		if (w3w_supply_get(&got, r->truth, &r->admin, s->id) == W3W_OK && got.reserved != live)
			sim_violation(&r->report, "reserved_claims", "supply %s: reserved %lld != its pending claims %lld",
				s->id, (long long)got.reserved, (long long)live);
	}
	for (int i = 0; i < lane->n_users; i++) {
		sim_read_order_list(lane, &lane->users[i], 1);
		sim_read_supply_list(lane, &lane->users[i], 1);
	}
}

static void check_audit(sim_run *r)
{
	uint64_t refusals = 0, expected;
	w3w_audit_report rep;
	w3w_status st = w3w_audit_verify(&rep, r->ctx, &r->auditor);

	if (st != W3W_OK) {
		sim_violation(&r->report, "audit", "w3w_audit_verify: %s (%s)", sim_status_name(st), w3w_error_message());
		return;
	}
	if (!rep.ok || rep.unsealed != 0)
		sim_violation(&r->report, "audit", "chain does not verify: first bad record %lld (%s), %lld unsealed",
			(long long)rep.first_bad, rep.reason, (long long)rep.unsealed);
	/* One record per committed command, and one per command refused by a decision. */
	for (int l = 0; l < r->n_lanes; l++)
		refusals += r->lanes[l].stats.refusals;
	expected = total_commits(r) + refusals;
	if ((uint64_t)rep.records < expected && r->faults.audit_append_failed)
		sim_violation(&r->report, "audit_refusal_lost",
			"%llu audit records for %zu committed and %llu refused commands: %llu refusal records could not be "
			"written (%s) and the library answered the refusal anyway", (unsigned long long)rep.records,
			total_commits(r), (unsigned long long)refusals, (unsigned long long)r->faults.audit_append_failed,
			r->faults.audit_append_error);
	else if ((uint64_t)rep.records != expected)
		sim_violation(&r->report, "audit", "%lld audit records for %zu committed and %llu refused commands",
			(long long)rep.records, total_commits(r), (unsigned long long)refusals);
}

void sim_check(sim_run *r)
{
	int was;

	r->lanes[0].stats.checkpoints++;
	if (sim_drain(r) != 0)
		sim_violation(&r->report, "relay_stuck", "events still pending after draining the relay");
	was = sim_faults_quiet(1);
	check_events(r);
	for (int l = 0; l < r->n_lanes; l++) {
		sim_lane *lane = &r->lanes[l];
		for (int c = 0; c < SIM_CURRENCIES; c++)
			check_totals(lane, lane->currencies[c]);
		for (int i = 0; i < lane->n_users; i++)
			check_accounts(lane, &lane->users[i]);
		check_records(lane);
	}
	check_audit(r);
	sim_faults_quiet(was);
}

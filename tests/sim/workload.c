/* The workload (see workload.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <w3wallet/sys/storage.h>

#include "reads.h"
#include "workload.h"

#define WRITE_ATTEMPTS 8
#define EXPECT_ANY 1000      /* no prediction */
#define EXPECT_REFUSED 1001  /* some refusal, nothing applied */
#define RING 64

/* One write as the workload sends it (and may send again). */
typedef struct sim_req {
	sim_op op;
	int kind;                         /* transfer kind of SIM_OP_TRANSFER */
	w3w_actor actor;
	char key[32];                     /* "" = none */
	char user_id[W3W_ID_SIZE];        /* deposit / transfer: receiver */
	char currency[W3W_CURRENCY_SIZE];
	w3w_amount amount;
	char reference[48];               /* deposit */
	char target[W3W_ID_SIZE];         /* supply, order or claim id */
	w3w_supply_patch patch;
	w3w_order_item items[3];
	size_t n_items;
	int hostile;                      /* sent as the reserved nil UUID: must be refused */
	int misuse;                       /* a used key with another request: W3W_EIDEMPOTENCY */
	char result_id[W3W_ID_SIZE];      /* of the last W3W_OK */
} sim_req;

/* The lane's writes that were answered W3W_OK with a key, for resends and key misuse. */
#define RING_OF(l) ((sim_req *)(l)->ring)

typedef enum {
	A_DEPOSIT, A_TRANSFER, A_WITHDRAW, A_SUPPLY_CREATE, A_SUPPLY_UPDATE, A_SUPPLY_DELETE,
	A_ORDER_CREATE, A_ORDER_CANCEL, A_CLAIM, A_PROCESS, A_RELEASE, A_READ, A_RESEND,
	A_KEY_MISUSE, A_HOSTILE, A_COUNT
} action;

static const unsigned weights[A_COUNT] = { 10, 5, 3, 5, 3, 1, 10, 3, 10, 6, 3, 16, 4, 1, 1 };

const char *sim_status_name(w3w_status st)
{
	return st == W3W_EUNKNOWN ? "outcome_unknown" : w3w_status_name(st);
}

/* ---- setup -------------------------------------------------------------------------- */

static int fresh_actor(w3w_actor *a, unsigned roles)
{
	char id[W3W_ID_SIZE];
	return w3w_id_new(id, sizeof(id)) != W3W_OK || w3w_actor_init(a, id, roles) != W3W_OK;
}

int sim_workload_setup_run(sim_run *r)
{
	return fresh_actor(&r->service, W3W_ROLE_SERVICE) | fresh_actor(&r->admin, W3W_ROLE_ADMIN) |
		fresh_actor(&r->auditor, W3W_ROLE_AUDITOR);
}

int sim_workload_setup_lane(sim_lane *l)
{
	int users = l->run->cfg->users, bad = 0;

	l->n_users = users < 2 ? 2 : users > SIM_MAX_USERS ? SIM_MAX_USERS : users;
	for (int i = 0; i < l->n_users; i++)
		bad |= fresh_actor(&l->users[i], W3W_ROLE_USER);
	/* Each lane its own currencies: its totals are its own. */
	if (l->index == 0) {
		snprintf(l->currencies[0], sizeof(l->currencies[0]), "SIMUSD");
		snprintf(l->currencies[1], sizeof(l->currencies[1]), "SIMEUR");
	} else {
		snprintf(l->currencies[0], sizeof(l->currencies[0]), "SIM%dUSD", l->index);
		snprintf(l->currencies[1], sizeof(l->currencies[1]), "SIM%dEUR", l->index);
	}
	l->ring = calloc(RING, sizeof(sim_req));
	l->ring_count = 0;
	return bad || !l->ring;
}

void sim_workload_free_lane(sim_lane *l)
{
	free(l->ring);
	l->ring = NULL;
}

/* ---- choices ------------------------------------------------------------------------- */

static uint64_t below(sim_lane *l, uint64_t n)
{
	return sim_rng_below(&l->rng, n);
}

static int chance(sim_lane *l, uint32_t percent)
{
	return sim_rng_chance(&l->rng, percent * 10000u);
}

static const w3w_actor *any_user(sim_lane *l)
{
	return &l->users[below(l, (uint64_t)l->n_users)];
}

static const w3w_actor *other_user(sim_lane *l, const char *not_id)
{
	const w3w_actor *u;
	do
		u = any_user(l);
	while (strcmp(u->user_id, not_id) == 0);
	return u;
}

static const w3w_actor *user_by_id(sim_lane *l, const char *id)
{
	for (int i = 0; i < l->n_users; i++)
		if (strcmp(l->users[i].user_id, id) == 0)
			return &l->users[i];
	return NULL;
}

static const char *any_currency(sim_lane *l)
{
	return l->currencies[below(l, SIM_CURRENCIES)];
}

/* Whole coins in [lo, hi], with a fraction down to 10^-8 a quarter of the time. */
static w3w_amount coins(sim_lane *l, int lo, int hi)
{
	w3w_amount a = sim_rng_range(&l->rng, lo, hi) * W3W_AMOUNT_SCALE;
	if (chance(l, 25))
		a += sim_rng_range(&l->rng, 1, W3W_AMOUNT_SCALE - 1);
	return a;
}

/* A record of the model, preferring (pct % of the time) those in status `want`. */
#define PICK(arr, type)                                                     \
	static type *pick_##arr(sim_lane *l, int want, int pct)                                \
	{                                                                                     \
		size_t n = l->model.n_##arr, matching = 0, k;                                     \
		if (n == 0)                                                                       \
			return NULL;                                                                  \
		for (size_t i = 0; i < n; i++)                                                    \
			matching += l->model.arr[i].status == want;                                   \
		if (matching == 0 || !chance(l, (uint32_t)pct))                                   \
			return &l->model.arr[below(l, n)];                                            \
		k = below(l, matching);                                                           \
		for (size_t i = 0; i < n; i++)                                                    \
			if (l->model.arr[i].status == want && k-- == 0)                               \
				return &l->model.arr[i];                                                  \
		return NULL;                                                                      \
	}

PICK(orders, m_order)
PICK(claims, m_claim)
PICK(supplies, m_supply)

static void new_req(sim_lane *l, sim_req *q, sim_op op, const w3w_actor *actor)
{
	memset(q, 0, sizeof(*q));
	q->op = op;
	q->actor = *actor;
	/* A few writes go without a key: after an unknown outcome they cannot be retried. */
	if (!chance(l, 8))
		snprintf(q->key, sizeof(q->key), "k%d-%llu", l->index, (unsigned long long)++l->next_key);
}

/* ---- prediction from the model ------------------------------------------------------- */

static int is_admin(const w3w_actor *a)
{
	return (a->roles & W3W_ROLE_ADMIN) != 0;
}

static w3w_amount order_amount(const sim_req *q)
{
	w3w_amount total = 0;
	for (size_t i = 0; i < q->n_items; i++)
		total += q->items[i].price * q->items[i].quantity;
	return total;
}

/* The answer the storage contract gives for q in the committed state (EXPECT_ANY: unsure). */
static int predict(sim_lane *l, const sim_req *q)
{
	sim_model *m = &l->model;
	const char *me = q->actor.user_id;
	m_supply *s;
	m_order *o;
	m_claim *c;

	if (q->hostile)
		return EXPECT_REFUSED;
	if (sim_model_key_commit(m, me, q->key))
		return q->misuse ? W3W_EIDEMPOTENCY : W3W_OK;
	switch (q->op) {
	case SIM_OP_TRANSFER:
		if (q->kind == W3W_TRANSFER_DEPOSIT)
			return sim_model_deposit_ref_used(m, q->reference) ? W3W_ECONFLICT : W3W_OK;
		return sim_model_available(m, me, q->currency) >= q->amount ? W3W_OK : W3W_EINSUFFICIENT;
	case SIM_OP_SUPPLY_CREATE:
		return W3W_OK;
	case SIM_OP_SUPPLY_UPDATE:
	case SIM_OP_SUPPLY_DELETE:
		if (!(s = sim_model_supply(m, q->target)) || (strcmp(s->user, me) != 0 && !is_admin(&q->actor)))
			return W3W_ENOTFOUND;
		if (s->status == W3W_SUPPLY_DELETED)
			return W3W_ESTATE;
		if (q->op == SIM_OP_SUPPLY_DELETE)
			return s->reserved > 0 ? W3W_ECONFLICT : W3W_OK;
		return q->patch.set_amount && q->patch.amount < s->reserved ? W3W_ECONFLICT : W3W_OK;
	case SIM_OP_ORDER_CREATE:
		return sim_model_available(m, me, q->currency) >= order_amount(q) ? W3W_OK : W3W_EINSUFFICIENT;
	case SIM_OP_ORDER_CANCEL:
		if (!(o = sim_model_order(m, q->target)))
			return W3W_ENOTFOUND;
		if (strcmp(o->user, me) != 0 && !is_admin(&q->actor))
			return W3W_EFORBIDDEN;
		return o->status == W3W_ORDER_OPEN ? W3W_OK : o->status == W3W_ORDER_CLAIMED ? W3W_ECONFLICT : W3W_ESTATE;
	case SIM_OP_CLAIM_CREATE:
		if (!(o = sim_model_order(m, q->target)))
			return W3W_ENOTFOUND;
		if (strcmp(o->user, me) == 0)
			return W3W_EFORBIDDEN;
		if (o->status != W3W_ORDER_OPEN)
			return o->status == W3W_ORDER_CANCELLED ? W3W_ESTATE : W3W_ECONFLICT;
		return sim_model_pick_supply(m, me, o->cur, o->amount) ? W3W_OK : W3W_EINSUFFICIENT;
	case SIM_OP_CLAIM_PROCESS:
	case SIM_OP_CLAIM_RELEASE:
		if (!(c = sim_model_claim(m, q->target)) || !(o = sim_model_order(m, c->order_id)))
			return W3W_ENOTFOUND;
		if (q->op == SIM_OP_CLAIM_PROCESS && strcmp(o->user, me) != 0 &&
		    !(q->actor.roles & (W3W_ROLE_ADMIN | W3W_ROLE_SERVICE)))
			return W3W_EFORBIDDEN;
		if (q->op == SIM_OP_CLAIM_RELEASE && strcmp(c->user, me) != 0 && !is_admin(&q->actor))
			return W3W_EFORBIDDEN;
		return c->status == W3W_CLAIM_PENDING ? W3W_OK : W3W_ESTATE;
	default:
		return EXPECT_ANY;
	}
}

/* ---- one API call --------------------------------------------------------------------- */

static w3w_status invoke(sim_lane *l, sim_req *q)
{
	const char *key = q->key[0] ? q->key : NULL;
	const w3w_actor *a = &q->actor;
	w3w_status st = W3W_EINTERNAL;
	w3w_transfer t;
	w3w_supply s;
	w3w_claim c;
	w3w_order *o = NULL;
	const char *id = NULL;

	memset(&t, 0, sizeof(t));
	memset(&s, 0, sizeof(s));
	memset(&c, 0, sizeof(c));
	switch (q->op) {
	case SIM_OP_TRANSFER:
		if (q->kind == W3W_TRANSFER_DEPOSIT)
			st = w3w_deposit(&t, l->run->ctx, a, q->user_id, q->currency, q->amount, q->reference, key);
		else if (q->kind == W3W_TRANSFER_WITHDRAWAL)
			st = w3w_withdraw(&t, l->run->ctx, a, q->currency, q->amount, "ethereum",
				"0x00000000000000000000000000000000000000aa", key);
		else
			st = w3w_transfer_funds(&t, l->run->ctx, a, q->user_id, q->currency, q->amount, key);
		id = t.id;
		break;
	case SIM_OP_SUPPLY_CREATE:
		st = w3w_supply_create(&s, l->run->ctx, a, q->currency, q->amount, key);
		id = s.id;
		break;
	case SIM_OP_SUPPLY_UPDATE:
		st = w3w_supply_update(&s, l->run->ctx, a, q->target, &q->patch, key);
		id = s.id;
		break;
	case SIM_OP_SUPPLY_DELETE:
		st = w3w_supply_delete(&s, l->run->ctx, a, q->target, key);
		id = s.id;
		break;
	case SIM_OP_ORDER_CREATE:
		st = w3w_order_create(&o, l->run->ctx, a, q->currency, q->items, q->n_items, key);
		break;
	case SIM_OP_ORDER_CANCEL:
		st = w3w_order_cancel(&o, l->run->ctx, a, q->target, key);
		break;
	case SIM_OP_CLAIM_CREATE:
		st = w3w_claim_order(&c, l->run->ctx, a, q->target, key);
		id = c.id;
		break;
	case SIM_OP_CLAIM_PROCESS:
		st = w3w_claim_process(&c, l->run->ctx, a, q->target, key);
		id = c.id;
		break;
	case SIM_OP_CLAIM_RELEASE:
		st = w3w_claim_release(&c, l->run->ctx, a, q->target, key);
		id = c.id;
		break;
	default:
		break;
	}
	if (o)
		id = o->id;
	if (st == W3W_OK)
		snprintf(q->result_id, sizeof(q->result_id), "%s", id ? id : "");
	w3w_order_free(o);
	return st;
}

/* ---- checks of one attempt -------------------------------------------------------------- */

static int transient(w3w_status st)
{
	return st == W3W_EUNAVAILABLE || st == W3W_EUNKNOWN;
}

static int known_status(w3w_status st)
{
	switch (st) {
	case W3W_OK: case W3W_EINVAL: case W3W_ENOTFOUND: case W3W_ECONFLICT: case W3W_EINSUFFICIENT:
	case W3W_EFORBIDDEN: case W3W_ESTATE: case W3W_EIDEMPOTENCY: case W3W_EUNAVAILABLE: case W3W_EUNKNOWN:
		return 1;
	default:
		return 0;
	}
}

static const char *expect_name(int expect)
{
	return expect == EXPECT_REFUSED ? "a refusal" : expect == EXPECT_ANY ? "anything" : sim_status_name(expect);
}

/* A refusal that is a decision about the command (not bad input or an outage): audited. */
static int audited_refusal(w3w_status st)
{
	return st != W3W_OK && st != W3W_EINVAL && st != W3W_ENOMEM && st != W3W_EUNAVAILABLE && st != W3W_EUNKNOWN &&
		known_status(st);
}

static void check_attempt(sim_lane *l, const sim_req *q, w3w_status st, int expect, int had_commit)
{
	const sim_trace *t = sim_trace_get();
	const char *op = sim_op_name(q->op);
	m_commit *kc;

	if (audited_refusal(st))
		l->stats.refusals++;
	if (!known_status(st))
		sim_violation(&l->run->report, "unexpected_status", "%s answered %s: %s", op, sim_status_name(st),
			w3w_error_message());
	if (q->hostile && (st == W3W_OK || t->commits > 0))
		sim_violation(&l->run->report, "reserved_actor",
			"%s naming the nil UUID (the ledger's external account) as %s %s%s",
			op, strcmp(q->actor.user_id, W3W_EXTERNAL_USER_ID) == 0 ? "actor" : "receiver",
			t->commits > 0 ? "committed" : "was accepted",
			q->op == SIM_OP_TRANSFER ? ": money without a counterpart" : "");
	if (st == W3W_EUNAVAILABLE && t->commits > 0)
		sim_violation(&l->run->report, "unavailable_but_applied",
			"%s answered unavailable (\"nothing was applied\") but committed (event %s)%s", op,
			t->commit_event_id, q->key[0] ? "; a keyed write whose answer was lost" : "");
	else if (st != W3W_OK && !transient(st) && t->commits > 0)
		sim_violation(&l->run->report, "refused_but_applied", "%s answered %s but committed (event %s)", op,
			sim_status_name(st), t->commit_event_id);
	if (st == W3W_OK) {
		if (t->commits == 0 && t->replays == 0)
			sim_violation(&l->run->report, "ack_without_commit", "%s answered ok but nothing committed or replayed", op);
		kc = sim_model_key_commit(&l->model, q->actor.user_id, q->key);
		if (q->key[0] && (!kc || strcmp(kc->result_id, q->result_id) != 0))
			sim_violation(&l->run->report, "replay_mismatch", "%s with key %s answered record %s, the key's commit made %s",
				op, q->key, q->result_id, kc ? kc->result_id : "nothing");
	}
	if (had_commit && !q->misuse && st != W3W_OK && !transient(st))
		sim_violation(&l->run->report, "retry_refused_after_commit",
			"%s retried with key %s after its command committed: answered %s instead of the first result",
			op, q->key, sim_status_name(st));
	/* (A hostile call that went through is reserved_actor above, not also an oracle miss.) */
	if (expect != EXPECT_ANY && expect != EXPECT_REFUSED && !transient(st) && known_status(st) && st != expect)
		sim_violation(&l->run->report, "oracle", "%s answered %s%s%s%s; the committed state says %s", op,
			sim_status_name(st), st ? " (" : "", st ? w3w_error_message() : "", st ? ")" : "",
			expect_name(expect));
}

/* Which commits the caller has not heard of (see run.h): reads of what they touched may be stale. */
static void track_unacked(sim_lane *l, const sim_req *q, w3w_status st)
{
	const sim_trace *t = sim_trace_get();
	m_commit *kc;

	if (st != W3W_OK && t->commits > 0) {
		/* Full: as if one stays unheard until the relay catches up (only less strict). */
		if (l->n_unacked < SIM_MAX_UNACKED)
			memcpy(l->unacked[l->n_unacked++], t->commit_event_id, W3W_ID_SIZE);
		return;
	}
	if (st != W3W_OK || !(kc = sim_model_key_commit(&l->model, q->actor.user_id, q->key)))
		return;
	for (int i = 0; i < l->n_unacked; i++)
		if (strcmp(l->unacked[i], kc->event_id) == 0) {
			memmove(l->unacked[i], l->unacked[i + 1], (size_t)(l->n_unacked - i - 1) * W3W_ID_SIZE);
			l->n_unacked--;
			break;
		}
}

/* Send q until it has a definite answer: resend after unavailable (nothing applied), and
 * after an unknown outcome if keyed (the key resolves it). */
static w3w_status run_write(sim_lane *l, sim_req *q)
{
	w3w_status st = W3W_EUNAVAILABLE;
	int extra = 0;

	l->stats.calls++;
	for (int attempt = 0; attempt < WRITE_ATTEMPTS + extra; attempt++) {
		int had_commit = sim_model_key_commit(&l->model, q->actor.user_id, q->key) != NULL;
		int expect = predict(l, q);
		sim_trace_reset();
		st = invoke(l, q);
		l->stats.attempts++;
		check_attempt(l, q, st, expect, had_commit);
		track_unacked(l, q, st);
		if (l->run->cfg->verbose)
			printf("    %s%s key=%s attempt %d: %s%s%s\n", sim_op_name(q->op), q->hostile ? " (nil actor)" : "",
				q->key[0] ? q->key : "-", attempt + 1, sim_status_name(st), st ? " " : "", st ? w3w_error_message() : "");
		if (st == W3W_EUNAVAILABLE || (st == W3W_EUNKNOWN && q->key[0]))
			continue;
		/* Clients also resend refusals blindly: a refusal stored nothing, so it must repeat. */
		if (st != W3W_OK && st != W3W_EUNKNOWN && q->key[0] && !extra && chance(l, 10)) {
			extra = 1;
			continue;
		}
		break;
	}
	l->stats.status[st <= 0 && st > -16 ? -st : 15]++;
	if (st == W3W_OK && q->key[0] && !q->hostile && !q->misuse) {
		RING_OF(l)[l->ring_count % RING] = *q;
		l->ring_count++;
	}
	return st;
}

/* ---- actions ---------------------------------------------------------------------------- */

static w3w_status act_deposit(sim_lane *l)
{
	sim_req q;
	new_req(l, &q, SIM_OP_TRANSFER, chance(l, 85) ? &l->run->service : &l->run->admin);
	q.kind = W3W_TRANSFER_DEPOSIT;
	snprintf(q.user_id, sizeof(q.user_id), "%s", any_user(l)->user_id);
	snprintf(q.currency, sizeof(q.currency), "%s", any_currency(l));
	q.amount = coins(l, 50, 600);
	/* Now and then a reference already used: one deposit per reference. */
	if (l->next_ref > 0 && chance(l, 5))
		snprintf(q.reference, sizeof(q.reference), "ref-%d-%llu", l->index,
			(unsigned long long)(1 + below(l, l->next_ref)));
	else
		snprintf(q.reference, sizeof(q.reference), "ref-%d-%llu", l->index, (unsigned long long)++l->next_ref);
	return run_write(l, &q);
}

static w3w_status act_move(sim_lane *l, int kind)
{
	const w3w_actor *from = any_user(l);
	const char *cur = any_currency(l);
	w3w_amount avail = sim_model_available(&l->model, from->user_id, cur);
	sim_req q;

	new_req(l, &q, SIM_OP_TRANSFER, from);
	q.kind = kind;
	snprintf(q.currency, sizeof(q.currency), "%s", cur);
	/* Mostly what is there, sometimes more than there is. */
	q.amount = avail > 0 && !chance(l, 15) ? 1 + (w3w_amount)below(l, (uint64_t)avail) : coins(l, 1, 300);
	if (kind == W3W_TRANSFER_TRANSFER)
		snprintf(q.user_id, sizeof(q.user_id), "%s", other_user(l, from->user_id)->user_id);
	return run_write(l, &q);
}

static w3w_status act_supply_create(sim_lane *l)
{
	sim_req q;
	new_req(l, &q, SIM_OP_SUPPLY_CREATE, any_user(l));
	snprintf(q.currency, sizeof(q.currency), "%s", any_currency(l));
	q.amount = coins(l, 20, 800);
	return run_write(l, &q);
}

static w3w_status act_supply_change(sim_lane *l, int del)
{
	m_supply *s = pick_supplies(l, W3W_SUPPLY_ACTIVE, 70);
	const w3w_actor *owner;
	uint64_t how;
	sim_req q;

	if (!s || !(owner = user_by_id(l, s->user)))
		return act_supply_create(l);
	new_req(l, &q, del ? SIM_OP_SUPPLY_DELETE : SIM_OP_SUPPLY_UPDATE,
		chance(l, 10) ? other_user(l, s->user) : chance(l, 10) ? &l->run->admin : owner);
	snprintf(q.target, sizeof(q.target), "%s", s->id);
	how = below(l, 4);
	if (!del && how < 2) {
		q.patch.set_amount = 1;
		/* Sometimes below what claims hold (refused), sometimes 0 (exhausted). */
		q.patch.amount = s->reserved > 0 && chance(l, 20) ? s->reserved - 1
			: chance(l, 10) ? 0 : s->reserved + coins(l, 1, 500);
		if (q.patch.amount < 0)
			q.patch.amount = 0;
	} else if (!del) {
		q.patch.status = how == 2 ? W3W_SUPPLY_PAUSED : W3W_SUPPLY_ACTIVE;
	}
	return run_write(l, &q);
}

static w3w_status act_order_create(sim_lane *l)
{
	sim_req q;
	new_req(l, &q, SIM_OP_ORDER_CREATE, any_user(l));
	snprintf(q.currency, sizeof(q.currency), "%s", any_currency(l));
	q.n_items = 1 + below(l, 3);
	for (size_t i = 0; i < q.n_items; i++) {
		w3w_order_item *it = &q.items[i];
		/* Product ids from the workload's stream: equal runs send equal requests. */
		snprintf(it->product_id, sizeof(it->product_id), "00000000-0000-7000-8000-%012llx",
			(unsigned long long)(below(l, 0xffffffffffffULL) + 1));
		snprintf(it->product_name, sizeof(it->product_name), "sim product %zu", i);
		it->price = coins(l, 1, 60);
		it->quantity = (int64_t)(1 + below(l, 3));
	}
	return run_write(l, &q);
}

static w3w_status act_order_cancel(sim_lane *l)
{
	m_order *o = pick_orders(l, W3W_ORDER_OPEN, 60);
	const w3w_actor *owner;
	sim_req q;

	if (!o || !(owner = user_by_id(l, o->user)))
		return act_order_create(l);
	new_req(l, &q, SIM_OP_ORDER_CANCEL, chance(l, 12) ? other_user(l, o->user) : chance(l, 15) ? &l->run->admin : owner);
	snprintf(q.target, sizeof(q.target), "%s", o->id);
	return run_write(l, &q);
}

static w3w_status act_claim(sim_lane *l)
{
	m_order *o = pick_orders(l, W3W_ORDER_OPEN, 75);
	const w3w_actor *owner;
	sim_req q;

	if (!o)
		return act_order_create(l);
	owner = user_by_id(l, o->user);
	new_req(l, &q, SIM_OP_CLAIM_CREATE, owner && chance(l, 8) ? owner : other_user(l, o->user));
	snprintf(q.target, sizeof(q.target), "%s", o->id);
	return run_write(l, &q);
}

static w3w_status act_claim_step(sim_lane *l, int process)
{
	m_claim *c = pick_claims(l, W3W_CLAIM_PENDING, 80);
	m_order *o = c ? sim_model_order(&l->model, c->order_id) : NULL;
	const w3w_actor *actor;
	sim_req q;

	if (!c || !o)
		return act_claim(l);
	if (process)
		actor = chance(l, 10) ? other_user(l, o->user) : chance(l, 35) ? &l->run->service : user_by_id(l, o->user);
	else
		actor = chance(l, 10) ? other_user(l, c->user) : chance(l, 15) ? &l->run->admin : user_by_id(l, c->user);
	if (!actor)
		return W3W_EINTERNAL;
	new_req(l, &q, process ? SIM_OP_CLAIM_PROCESS : SIM_OP_CLAIM_RELEASE, actor);
	snprintf(q.target, sizeof(q.target), "%s", c->id);
	return run_write(l, &q);
}

static w3w_status act_read(sim_lane *l)
{
	/* Fresh at once after acknowledged writes; after unheard commits, once the relay ran. */
	int strict = l->caught_up || l->n_unacked == 0;
	m_order *o;
	m_claim *c;
	m_supply *s;

	switch (below(l, 7)) {
	case 0:
	case 1:
		if ((o = pick_orders(l, W3W_ORDER_OPEN, 50)) != NULL)
			sim_read_order(l, o, strict);
		break;
	case 2:
		if ((c = pick_claims(l, W3W_CLAIM_PENDING, 50)) != NULL)
			sim_read_claim(l, c, strict);
		break;
	case 3:
		if ((o = pick_orders(l, W3W_ORDER_CLAIMED, 50)) != NULL)
			sim_read_claim_by_order(l, o, strict);
		break;
	case 4:
		if ((s = pick_supplies(l, W3W_SUPPLY_ACTIVE, 50)) != NULL)
			sim_read_supply(l, s, strict);
		break;
	case 5:
		sim_read_order_list(l, any_user(l), strict);
		break;
	default:
		sim_read_supply_list(l, any_user(l), strict);
		break;
	}
	return W3W_OK;
}

/* Send an earlier keyed write again, unchanged: it must replay its first result. */
static w3w_status act_resend(sim_lane *l)
{
	sim_req q;
	if (l->ring_count == 0)
		return act_deposit(l);
	q = RING_OF(l)[below(l, l->ring_count < RING ? l->ring_count : RING)];
	return run_write(l, &q);
}

/*
 * An earlier key with a different request: W3W_EIDEMPOTENCY, nothing applied. Only writes
 * that go to storage without reading first (process, release and an admin's supply
 * change look their target up, so an unknown one is W3W_ENOTFOUND before the key).
 */
static w3w_status act_key_misuse(sim_lane *l)
{
	size_t n = l->ring_count < RING ? l->ring_count : RING, start, i;
	sim_req q;

	if (n == 0)
		return act_deposit(l);
	start = below(l, n);
	for (i = 0; i < n; i++) {
		const sim_req *c = &RING_OF(l)[(start + i) % n];
		if (c->op != SIM_OP_CLAIM_PROCESS && c->op != SIM_OP_CLAIM_RELEASE &&
		    !((c->op == SIM_OP_SUPPLY_UPDATE || c->op == SIM_OP_SUPPLY_DELETE) && is_admin(&c->actor)))
			break;
	}
	if (i == n)
		return act_deposit(l);
	q = RING_OF(l)[(start + i) % n];
	q.misuse = 1;
	switch (q.op) {
	case SIM_OP_TRANSFER:
	case SIM_OP_SUPPLY_CREATE:
		q.amount += 1;
		break;
	case SIM_OP_ORDER_CREATE:
		q.items[0].price += 1;
		break;
	default:
		q.target[0] = q.target[0] == 'f' ? '0' : 'f'; /* another (unknown) id */
		break;
	}
	return run_write(l, &q);
}

/* The nil UUID is the ledger's external account: as an actor it could create money. */
static w3w_status act_hostile(sim_lane *l)
{
	w3w_actor probe;
	sim_req q;
	uint64_t what = below(l, 7);

	if (w3w_actor_init(&probe, W3W_EXTERNAL_USER_ID, W3W_ROLE_USER) == W3W_OK)
		sim_violation(&l->run->report, "reserved_actor", "w3w_actor_init accepted the nil UUID (the ledger's external account)");
	memset(&q, 0, sizeof(q));
	new_req(l, &q, SIM_OP_TRANSFER, &l->users[0]);
	memset(&q.actor, 0, sizeof(q.actor));
	strcpy(q.actor.user_id, W3W_EXTERNAL_USER_ID);
	q.actor.roles = W3W_ROLE_USER;
	q.hostile = 1;
	snprintf(q.currency, sizeof(q.currency), "%s", any_currency(l));
	q.amount = coins(l, 100, 1000);
	snprintf(q.user_id, sizeof(q.user_id), "%s", any_user(l)->user_id);
	switch (what) {
	case 0: /* pay someone from nothing */
		q.kind = W3W_TRANSFER_TRANSFER;
		break;
	case 1: /* withdraw what it does not have */
		q.kind = W3W_TRANSFER_WITHDRAWAL;
		break;
	case 2: /* deposit as a service acting as the external account */
		q.kind = W3W_TRANSFER_DEPOSIT;
		q.actor.roles = W3W_ROLE_SERVICE;
		snprintf(q.reference, sizeof(q.reference), "nil-%d-%llu", l->index, (unsigned long long)++l->next_ref);
		break;
	case 3: /* a real user paying the external account */
		q.kind = W3W_TRANSFER_TRANSFER;
		q.actor = *any_user(l);
		strcpy(q.user_id, W3W_EXTERNAL_USER_ID);
		break;
	case 4: /* a real service depositing to the external account */
		q.kind = W3W_TRANSFER_DEPOSIT;
		q.actor = l->run->service;
		strcpy(q.user_id, W3W_EXTERNAL_USER_ID);
		snprintf(q.reference, sizeof(q.reference), "nil-%d-%llu", l->index, (unsigned long long)++l->next_ref);
		break;
	case 5:
		q.op = SIM_OP_SUPPLY_CREATE;
		break;
	default:
		q.op = SIM_OP_ORDER_CREATE;
		q.n_items = 1;
		snprintf(q.items[0].product_id, sizeof(q.items[0].product_id), "00000000-0000-7000-8000-00000000000%d", 1);
		snprintf(q.items[0].product_name, sizeof(q.items[0].product_name), "nothing");
		q.items[0].price = q.amount;
		q.items[0].quantity = 1;
		break;
	}
	return run_write(l, &q);
}

void sim_workload_step(sim_lane *l)
{
	unsigned total = 0, pick;
	action a = A_READ;
	w3w_status st = W3W_OK;

	for (int i = 0; i < A_COUNT; i++)
		total += weights[i];
	pick = (unsigned)below(l, total);
	for (int i = 0; i < A_COUNT; i++) {
		if (pick < weights[i]) {
			a = (action)i;
			break;
		}
		pick -= weights[i];
	}
	switch (a) {
	case A_DEPOSIT: st = act_deposit(l); break;
	case A_TRANSFER: st = act_move(l, W3W_TRANSFER_TRANSFER); break;
	case A_WITHDRAW: st = act_move(l, W3W_TRANSFER_WITHDRAWAL); break;
	case A_SUPPLY_CREATE: st = act_supply_create(l); break;
	case A_SUPPLY_UPDATE: st = act_supply_change(l, 0); break;
	case A_SUPPLY_DELETE: st = act_supply_change(l, 1); break;
	case A_ORDER_CREATE: st = act_order_create(l); break;
	case A_ORDER_CANCEL: st = act_order_cancel(l); break;
	case A_CLAIM: st = act_claim(l); break;
	case A_PROCESS: st = act_claim_step(l, 1); break;
	case A_RELEASE: st = act_claim_step(l, 0); break;
	case A_READ: st = act_read(l); break;
	case A_RESEND: st = act_resend(l); break;
	case A_KEY_MISUSE: st = act_key_misuse(l); break;
	default: st = act_hostile(l); break;
	}
	/* Ids are random, so the digest takes only the shape of the run: actions and answers. */
	l->stats.digest = sim_hash4(l->stats.digest, (uint64_t)l->step, (uint64_t)a, (uint64_t)(int64_t)st);
}

/* The model of committed state (see model.h). Linear searches: a seed has hundreds of records. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <w3wallet/sys/storage.h>

#include "model.h"

/* Append a zeroed element to an M_ARRAY; NULL (and m->oom) when out of memory. */
#define M_PUSH(m, name) ((__typeof__((m)->name))push_raw((void **)&(m)->name, &(m)->n_##name, \
	&(m)->cap_##name, sizeof(*(m)->name), &(m)->oom))

static void *push_raw(void **items, size_t *n, size_t *cap, size_t size, int *oom)
{
	char *slot;
	if (*n == *cap) {
		size_t grown = *cap ? *cap * 2 : 64;
		void *p = realloc(*items, grown * size);
		if (!p) {
			*oom = 1;
			return NULL;
		}
		*items = p;
		*cap = grown;
	}
	slot = (char *)*items + (*n)++ * size;
	memset(slot, 0, size);
	return slot;
}

void sim_model_init(sim_model *m, sim_report *report)
{
	memset(m, 0, sizeof(*m));
	pthread_mutex_init(&m->lock, NULL);
	m->report = report;
}

void sim_model_free(sim_model *m)
{
	free(m->accounts);
	free(m->supplies);
	free(m->orders);
	free(m->claims);
	free(m->commits);
	free(m->currencies);
	free(m->deposit_refs);
	pthread_mutex_destroy(&m->lock);
	memset(m, 0, sizeof(*m));
}

/* ---- lookups ---------------------------------------------------------------- */

#define FIND_BY_ID(name, arr)                                  \
	for (size_t i = 0; i < m->n_##arr; i++)                     \
		if (strcmp(m->arr[i].id, name) == 0)                    \
			return &m->arr[i];                                  \
	return NULL

m_order *sim_model_order(sim_model *m, const char *id) { FIND_BY_ID(id, orders); }
m_claim *sim_model_claim(sim_model *m, const char *id) { FIND_BY_ID(id, claims); }
m_supply *sim_model_supply(sim_model *m, const char *id) { FIND_BY_ID(id, supplies); }

m_account *sim_model_account(sim_model *m, const char *user, const char *cur)
{
	for (size_t i = 0; i < m->n_accounts; i++)
		if (strcmp(m->accounts[i].user, user) == 0 && strcmp(m->accounts[i].cur, cur) == 0)
			return &m->accounts[i];
	return NULL;
}

m_currency *sim_model_currency(sim_model *m, const char *cur)
{
	m_currency *c;
	for (size_t i = 0; i < m->n_currencies; i++)
		if (strcmp(m->currencies[i].cur, cur) == 0)
			return &m->currencies[i];
	if ((c = M_PUSH(m, currencies)) != NULL)
		strcpy(c->cur, cur);
	return c;
}

w3w_amount sim_model_available(sim_model *m, const char *user, const char *cur)
{
	m_account *a = sim_model_account(m, user, cur);
	return a ? a->balance - a->held : 0;
}

m_claim *sim_model_live_claim(sim_model *m, const char *order_id)
{
	for (size_t i = 0; i < m->n_claims; i++)
		if (strcmp(m->claims[i].order_id, order_id) == 0 &&
		    (m->claims[i].status == W3W_CLAIM_PENDING || m->claims[i].status == W3W_CLAIM_PROCESSED))
			return &m->claims[i];
	return NULL;
}

m_supply *sim_model_pick_supply(sim_model *m, const char *user, const char *cur, w3w_amount amount)
{
	m_supply *best = NULL;
	for (size_t i = 0; i < m->n_supplies; i++) {
		m_supply *s = &m->supplies[i];
		if (strcmp(s->user, user) != 0 || strcmp(s->cur, cur) != 0 || s->status != W3W_SUPPLY_ACTIVE ||
		    s->amount - s->reserved < amount)
			continue;
		if (!best || s->created_at < best->created_at ||
		    (s->created_at == best->created_at && strcmp(s->id, best->id) < 0))
			best = s;
	}
	return best;
}

m_commit *sim_model_key_commit(sim_model *m, const char *actor, const char *key)
{
	if (!key || !*key)
		return NULL;
	for (size_t i = 0; i < m->n_commits; i++)
		if (strcmp(m->commits[i].key, key) == 0 && strcmp(m->commits[i].actor, actor) == 0)
			return &m->commits[i];
	return NULL;
}

m_commit *sim_model_event_commit(sim_model *m, const char *event_id)
{
	for (size_t i = 0; i < m->n_commits; i++)
		if (strcmp(m->commits[i].event_id, event_id) == 0)
			return &m->commits[i];
	return NULL;
}

int sim_model_deposit_ref_used(sim_model *m, const char *reference)
{
	for (size_t i = 0; i < m->n_deposit_refs; i++)
		if (strcmp(m->deposit_refs[i].text, reference) == 0)
			return 1;
	return 0;
}

const char *sim_model_event_type(sim_op op, int transfer_kind)
{
	switch (op) {
	case SIM_OP_TRANSFER:
		return transfer_kind == W3W_TRANSFER_DEPOSIT ? "wallet.deposited"
		     : transfer_kind == W3W_TRANSFER_WITHDRAWAL ? "wallet.withdrawn" : "wallet.transferred";
	case SIM_OP_SUPPLY_CREATE: return "supply.created";
	case SIM_OP_SUPPLY_UPDATE: return "supply.updated";
	case SIM_OP_SUPPLY_DELETE: return "supply.deleted";
	case SIM_OP_ORDER_CREATE: return "order.created";
	case SIM_OP_ORDER_CANCEL: return "order.cancelled";
	case SIM_OP_CLAIM_CREATE: return "order.claimed";
	case SIM_OP_CLAIM_PROCESS: return "claim.processed";
	case SIM_OP_CLAIM_RELEASE: return "claim.released";
	default: return "?";
	}
}

/* ---- applying commits --------------------------------------------------------- */

static int is_external(const char *user)
{
	return strcmp(user, W3W_EXTERNAL_USER_ID) == 0;
}

static m_account *account_for(sim_model *m, const char *user, const char *cur)
{
	m_account *a = sim_model_account(m, user, cur);
	if (!a && (a = M_PUSH(m, accounts)) != NULL) {
		strcpy(a->user, user);
		strcpy(a->cur, cur);
	}
	return a;
}

/* A debit the backend committed must have been covered by available funds. */
static void debit(sim_model *m, const char *user, const char *cur, w3w_amount amount, const char *what)
{
	m_account *a = account_for(m, user, cur);
	if (!a)
		return;
	if (a->balance - a->held < amount)
		sim_violation(m->report, "commit_rule", "%s committed a debit of %lld units from %s (%s) with only %lld available",
			what, (long long)amount, user, cur, (long long)(a->balance - a->held));
	a->balance -= amount;
}

static void credit(sim_model *m, const char *user, const char *cur, w3w_amount amount)
{
	m_account *a = account_for(m, user, cur);
	if (a)
		a->balance += amount;
}

static void apply_transfer(sim_model *m, const w3w_transfer *t)
{
	m_currency *c = sim_model_currency(m, t->currency);
	m_ref *r;

	if (t->kind == W3W_TRANSFER_DEPOSIT) {
		if (sim_model_deposit_ref_used(m, t->reference))
			sim_violation(m->report, "commit_rule", "deposit reference %s committed twice", t->reference);
		if ((r = M_PUSH(m, deposit_refs)) != NULL)
			snprintf(r->text, sizeof(r->text), "%s", t->reference);
		if (c)
			c->deposits += t->amount;
	} else if (t->kind == W3W_TRANSFER_WITHDRAWAL && c) {
		c->withdrawals += t->amount;
	}
	/* As the backend applies it: the external (nil) side of a transfer has no account. */
	if (!is_external(t->from_user_id))
		debit(m, t->from_user_id, t->currency, t->amount, w3w_transfer_kind_name(t->kind));
	if (!is_external(t->to_user_id))
		credit(m, t->to_user_id, t->currency, t->amount);
}

static void apply_supply_update(sim_model *m, const w3w_cmd_supply_update *cmd)
{
	m_supply *s = sim_model_supply(m, cmd->id);
	if (!s) {
		sim_violation(m->report, "commit_rule", "supply update committed on unknown supply %s", cmd->id);
		return;
	}
	if (s->status == W3W_SUPPLY_DELETED)
		sim_violation(m->report, "commit_rule", "supply %s updated after deletion", s->id);
	if (cmd->patch.set_amount) {
		if (cmd->patch.amount < s->reserved)
			sim_violation(m->report, "commit_rule", "supply %s amount set below its reservations", s->id);
		s->amount = cmd->patch.amount;
	}
	if (cmd->patch.status)
		s->status = cmd->patch.status;
	else if (cmd->patch.set_amount && s->amount == 0)
		s->status = W3W_SUPPLY_EXHAUSTED;
	else if (cmd->patch.set_amount && s->amount > 0 && s->status == W3W_SUPPLY_EXHAUSTED)
		s->status = W3W_SUPPLY_ACTIVE;
}

static void apply_supply_delete(sim_model *m, const w3w_cmd_supply_delete *cmd)
{
	m_supply *s = sim_model_supply(m, cmd->id);
	if (!s) {
		sim_violation(m->report, "commit_rule", "supply delete committed on unknown supply %s", cmd->id);
		return;
	}
	if (s->status == W3W_SUPPLY_DELETED || s->reserved > 0)
		sim_violation(m->report, "commit_rule", "supply %s deleted while %s", s->id,
			s->reserved > 0 ? "it holds reservations" : "already deleted");
	s->status = W3W_SUPPLY_DELETED;
}

static void apply_order_create(sim_model *m, const w3w_order *o)
{
	m_account *a = account_for(m, o->user_id, o->currency);
	m_order *mo = M_PUSH(m, orders);

	if (a) {
		if (a->balance - a->held < o->amount)
			sim_violation(m->report, "commit_rule", "order %s holds %lld units with only %lld available",
				o->id, (long long)o->amount, (long long)(a->balance - a->held));
		a->held += o->amount;
	}
	if (!mo)
		return;
	strcpy(mo->id, o->id);
	strcpy(mo->user, o->user_id);
	strcpy(mo->cur, o->currency);
	mo->amount = o->amount;
	mo->status = W3W_ORDER_OPEN;
	mo->items = o->item_count;
}

static void apply_order_cancel(sim_model *m, const w3w_cmd_order_cancel *cmd)
{
	m_order *o = sim_model_order(m, cmd->id);
	m_account *a;
	if (!o) {
		sim_violation(m->report, "commit_rule", "cancel committed on unknown order %s", cmd->id);
		return;
	}
	if (o->status != W3W_ORDER_OPEN)
		sim_violation(m->report, "commit_rule", "order %s cancelled while %s", o->id, w3w_order_status_name(o->status));
	if ((a = account_for(m, o->user, o->cur)) != NULL)
		a->held -= o->amount;
	o->status = W3W_ORDER_CANCELLED;
}

static void apply_claim_create(sim_model *m, const w3w_cmd_claim_create *cmd, const w3w_claim *out)
{
	m_order *o = sim_model_order(m, cmd->c.order_id);
	m_claim *live = sim_model_live_claim(m, cmd->c.order_id);
	m_supply *want, *got;
	m_claim *c;

	if (!o) {
		sim_violation(m->report, "commit_rule", "claim committed on unknown order %s", cmd->c.order_id);
		return;
	}
	if (live)
		sim_violation(m->report, "one_live_claim", "claim %s committed on order %s, which already has live claim %s",
			out->id, o->id, live->id);
	else if (o->status != W3W_ORDER_OPEN)
		sim_violation(m->report, "commit_rule", "claim %s committed on order %s while %s", out->id, o->id,
			w3w_order_status_name(o->status));
	if (strcmp(o->user, cmd->c.user_id) == 0)
		sim_violation(m->report, "commit_rule", "claim %s: %s claimed its own order", out->id, o->user);
	want = sim_model_pick_supply(m, cmd->c.user_id, o->cur, o->amount);
	got = sim_model_supply(m, out->supply_id);
	if (want != got)
		sim_violation(m->report, "commit_rule", "claim %s reserved supply %s, the rule (oldest active with room) gives %s",
			out->id, out->supply_id, want ? want->id : "none");
	if (got)
		got->reserved += o->amount;
	o->status = W3W_ORDER_CLAIMED;
	if ((c = M_PUSH(m, claims)) != NULL) {
		strcpy(c->id, out->id);
		strcpy(c->order_id, o->id);
		strcpy(c->user, cmd->c.user_id);
		strcpy(c->supply_id, out->supply_id);
		c->status = W3W_CLAIM_PENDING;
	}
}

/* Process (settle) or release a pending claim. */
static void apply_claim_step(sim_model *m, const char *claim_id, int process, const w3w_transfer *settlement)
{
	m_claim *c = sim_model_claim(m, claim_id);
	m_order *o = c ? sim_model_order(m, c->order_id) : NULL;
	m_supply *s = c ? sim_model_supply(m, c->supply_id) : NULL;
	m_account *buyer;

	if (!c || !o || !s) {
		sim_violation(m->report, "commit_rule", "claim step committed on unknown claim %s", claim_id);
		return;
	}
	if (c->status != W3W_CLAIM_PENDING)
		sim_violation(m->report, "commit_rule", "claim %s %s while %s", c->id, process ? "processed" : "released",
			w3w_claim_status_name(c->status));
	s->reserved -= o->amount;
	if (!process) {
		c->status = W3W_CLAIM_RELEASED;
		o->status = W3W_ORDER_OPEN;
		return;
	}
	if (settlement->amount != o->amount || strcmp(settlement->from_user_id, o->user) != 0 ||
	    strcmp(settlement->to_user_id, c->user) != 0)
		sim_violation(m->report, "commit_rule", "claim %s settled %lld units from %s to %s; the order says %lld from %s to %s",
			c->id, (long long)settlement->amount, settlement->from_user_id, settlement->to_user_id,
			(long long)o->amount, o->user, c->user);
	if ((buyer = account_for(m, o->user, o->cur)) != NULL) {
		buyer->balance -= o->amount;
		buyer->held -= o->amount;
	}
	credit(m, c->user, o->cur, o->amount);
	s->amount -= o->amount;
	if (s->amount == 0)
		s->status = W3W_SUPPLY_EXHAUSTED;
	c->status = W3W_CLAIM_PROCESSED;
	o->status = W3W_ORDER_COMPLETED;
}

void sim_model_on_commit(void *arg, const sim_commit *c)
{
	sim_model *m = arg;
	const w3w_write_meta *meta = c->meta;
	const char *type;
	int kind = 0;
	m_commit *k, *prev;
	m_supply *s;

	pthread_mutex_lock(&m->lock);
	if (c->op == SIM_OP_TRANSFER)
		kind = ((const w3w_cmd_transfer *)c->cmd)->t.kind;
	type = sim_model_event_type(c->op, kind);
	if (strcmp(type, meta->event.type) != 0)
		sim_violation(m->report, "event_type", "%s committed event type %s, expected %s",
			sim_op_name(c->op), meta->event.type, type);
	if ((prev = sim_model_key_commit(m, meta->actor_id, meta->idem_key)) != NULL)
		sim_violation(m->report, "applied_twice", "%s under idempotency key %s committed again (first: event %s, step %d)",
			sim_op_name(c->op), meta->idem_key, prev->event_id, prev->step);
	if ((k = M_PUSH(m, commits)) != NULL) {
		k->op = c->op;
		k->step = sim_report_step();
		strcpy(k->event_id, meta->event.id);
		snprintf(k->type, sizeof(k->type), "%s", meta->event.type);
		strcpy(k->actor, meta->actor_id);
		snprintf(k->key, sizeof(k->key), "%s", meta->idem_key);
	}

	switch (c->op) {
	case SIM_OP_TRANSFER:
		apply_transfer(m, &((const w3w_cmd_transfer *)c->cmd)->t);
		if (k)
			strcpy(k->result_id, ((const w3w_cmd_transfer *)c->cmd)->t.id);
		break;
	case SIM_OP_SUPPLY_CREATE:
		if ((s = M_PUSH(m, supplies)) != NULL) {
			const w3w_supply *in = &((const w3w_cmd_supply_create *)c->cmd)->s;
			strcpy(s->id, in->id);
			strcpy(s->user, in->user_id);
			strcpy(s->cur, in->currency);
			s->amount = in->amount;
			s->status = W3W_SUPPLY_ACTIVE;
			s->created_at = in->created_at;
			if (k)
				strcpy(k->result_id, in->id);
		}
		break;
	case SIM_OP_SUPPLY_UPDATE:
		apply_supply_update(m, c->cmd);
		if (k)
			strcpy(k->result_id, ((const w3w_cmd_supply_update *)c->cmd)->id);
		break;
	case SIM_OP_SUPPLY_DELETE:
		apply_supply_delete(m, c->cmd);
		if (k)
			strcpy(k->result_id, ((const w3w_cmd_supply_delete *)c->cmd)->id);
		break;
	case SIM_OP_ORDER_CREATE:
		apply_order_create(m, ((const w3w_cmd_order_create *)c->cmd)->o);
		if (k)
			strcpy(k->result_id, ((const w3w_cmd_order_create *)c->cmd)->o->id);
		break;
	case SIM_OP_ORDER_CANCEL:
		apply_order_cancel(m, c->cmd);
		if (k)
			strcpy(k->result_id, ((const w3w_cmd_order_cancel *)c->cmd)->id);
		break;
	case SIM_OP_CLAIM_CREATE:
		apply_claim_create(m, c->cmd, c->out);
		if (k)
			strcpy(k->result_id, ((const w3w_claim *)c->out)->id);
		break;
	case SIM_OP_CLAIM_PROCESS:
		apply_claim_step(m, ((const w3w_cmd_claim_process *)c->cmd)->id, 1,
			&((const w3w_cmd_claim_process *)c->cmd)->settlement);
		if (k)
			strcpy(k->result_id, ((const w3w_cmd_claim_process *)c->cmd)->id);
		break;
	case SIM_OP_CLAIM_RELEASE:
		apply_claim_step(m, ((const w3w_cmd_claim_release *)c->cmd)->id, 0, NULL);
		if (k)
			strcpy(k->result_id, ((const w3w_cmd_claim_release *)c->cmd)->id);
		break;
	default:
		break;
	}
	pthread_mutex_unlock(&m->lock);
}

/* Helpers shared by the contract scenarios: ids, time, write meta, commands, state probes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contract.h"


/* ---- ids, time, meta ------------------------------------------------------ */

unsigned long long id_counter;

/* Canonical, increasing ids (like UUIDv7 they sort by creation). */
void new_id(char out[W3W_ID_SIZE])
{
	unsigned long long n = __atomic_add_fetch(&id_counter, 1, __ATOMIC_RELAXED);
	snprintf(out, W3W_ID_SIZE, "01910000-0000-7000-8000-%012llx", n);
}

static w3w_time clock_us = 1700000000000000LL;

w3w_time tick(void)
{
	return __atomic_add_fetch(&clock_us, 1000, __ATOMIC_RELAXED);
}

char payload[] = "{\"test\":true}";

/* What core prepares for every write: idempotency, event, audit record. */
void meta_init(w3w_write_meta *m, const char *actor, const char *key, int hash_byte,
	const char *type, const char *aggregate_id)
{
	memset(m, 0, sizeof(*m));
	strcpy(m->actor_id, actor);
	snprintf(m->idem_key, sizeof(m->idem_key), "%s", key ? key : "");
	memset(m->idem_hash, hash_byte, sizeof(m->idem_hash));
	m->now = tick();
	m->idem_expires_at = m->now + 3600LL * 1000000;
	new_id(m->event.id);
	snprintf(m->event.type, sizeof(m->event.type), "%s", type);
	strcpy(m->event.topic, "test-events");
	snprintf(m->event.aggregate_id, sizeof(m->event.aggregate_id), "%s", aggregate_id);
	strcpy(m->event.actor_id, actor);
	strcpy(m->event.region, "local");
	m->event.created_at = m->now;
	m->event.payload = payload;
	new_id(m->audit.id);
	strcpy(m->audit.actor_id, actor);
	snprintf(m->audit.action, sizeof(m->audit.action), "%s", type);
	snprintf(m->audit.target_id, sizeof(m->audit.target_id), "%s", aggregate_id);
	strcpy(m->audit.outcome, "ok");
	m->audit.created_at = m->now;
}

/* ---- command helpers ------------------------------------------------------ */

w3w_status transfer_in(w3w_storage *s, w3w_transfer_kind kind, const char *from, const char *to,
	const char *currency, w3w_amount amount, const char *reference, const char *key, w3w_transfer *out)
{
	w3w_cmd_transfer cmd;
	w3w_transfer tmp;

	memset(&cmd, 0, sizeof(cmd));
	new_id(cmd.t.id);
	meta_init(&cmd.meta, kind == W3W_TRANSFER_DEPOSIT ? ADMIN : from, key, 1, "wallet.moved", cmd.t.id);
	cmd.t.kind = kind;
	strcpy(cmd.t.from_user_id, from);
	strcpy(cmd.t.to_user_id, to);
	strcpy(cmd.t.currency, currency);
	cmd.t.amount = amount;
	snprintf(cmd.t.reference, sizeof(cmd.t.reference), "%s", reference ? reference : "");
	cmd.t.created_at = cmd.meta.now;
	return s->market->transfer(s, &cmd, out ? out : &tmp);
}

w3w_status do_transfer(w3w_storage *s, w3w_transfer_kind kind, const char *from, const char *to,
	w3w_amount amount, const char *reference, const char *key, w3w_transfer *out)
{
	return transfer_in(s, kind, from, to, "USDT", amount, reference, key, out);
}

w3w_status deposit(const char *user, w3w_amount amount)
{
	char ref[W3W_ID_SIZE];
	new_id(ref);
	return do_transfer(st, W3W_TRANSFER_DEPOSIT, W3W_EXTERNAL_USER_ID, user, amount, ref, NULL, NULL);
}

w3w_status supply_create_in(w3w_storage *s, const char *user, const char *currency,
	w3w_amount amount, w3w_supply *out)
{
	w3w_cmd_supply_create cmd;

	memset(&cmd, 0, sizeof(cmd));
	new_id(cmd.s.id);
	meta_init(&cmd.meta, user, NULL, 2, "supply.created", cmd.s.id);
	strcpy(cmd.s.user_id, user);
	strcpy(cmd.s.currency, currency);
	cmd.s.amount = amount;
	cmd.s.status = W3W_SUPPLY_ACTIVE;
	cmd.s.created_at = cmd.s.updated_at = cmd.meta.now;
	return s->market->supply_create(s, &cmd, out);
}

w3w_status supply_create(const char *user, w3w_amount amount, w3w_supply *out)
{
	return supply_create_in(st, user, "USDT", amount, out);
}

w3w_status supply_update(const char *id, const char *user, int set_amount, w3w_amount amount,
	int status, w3w_supply *out)
{
	w3w_cmd_supply_update cmd;

	memset(&cmd, 0, sizeof(cmd));
	meta_init(&cmd.meta, user, NULL, 3, "supply.updated", id);
	strcpy(cmd.id, id);
	strcpy(cmd.user_id, user);
	cmd.patch.set_amount = set_amount;
	cmd.patch.amount = amount;
	cmd.patch.status = status;
	return st->market->supply_update(st, &cmd, out);
}

w3w_status supply_delete(const char *id, const char *user, w3w_supply *out)
{
	w3w_cmd_supply_delete cmd;

	memset(&cmd, 0, sizeof(cmd));
	meta_init(&cmd.meta, user, NULL, 4, "supply.deleted", id);
	strcpy(cmd.id, id);
	strcpy(cmd.user_id, user);
	return st->market->supply_delete(st, &cmd, out);
}

/* An order of `count` items priced `price` x 1, 2, 3 ...; *id gets its id. */
w3w_status order_create_in(w3w_storage *s, const char *user, w3w_amount price, size_t count,
	const char *key, int hash_byte, char id[W3W_ID_SIZE], w3w_order **out)
{
	w3w_cmd_order_create cmd;
	w3w_order o;
	w3w_order_item items[8];
	w3w_order *tmp = NULL;
	w3w_status rc;

	ck_assert_uint_le(count, 8);
	memset(&o, 0, sizeof(o));
	memset(items, 0, sizeof(items));
	new_id(o.id);
	strcpy(o.user_id, user);
	strcpy(o.currency, "USDT");
	o.status = W3W_ORDER_OPEN;
	for (size_t i = 0; i < count; i++) {
		new_id(items[i].id);
		new_id(items[i].product_id);
		snprintf(items[i].product_name, sizeof(items[i].product_name), "product %zu", i);
		items[i].price = price;
		items[i].quantity = (int64_t)i + 1;
		o.amount += price * items[i].quantity;
	}
	o.items = items;
	o.item_count = count;
	memset(&cmd, 0, sizeof(cmd));
	meta_init(&cmd.meta, user, key, hash_byte, "order.created", o.id);
	o.created_at = o.updated_at = cmd.meta.now;
	cmd.o = &o;
	rc = s->market->order_create(s, &cmd, out ? out : &tmp);
	w3w_order_free(tmp);
	if (id)
		strcpy(id, rc == W3W_OK ? o.id : "");
	return rc;
}

w3w_status order_create(const char *user, w3w_amount price, size_t count, char id[W3W_ID_SIZE])
{
	return order_create_in(st, user, price, count, NULL, 5, id, NULL);
}

w3w_status order_cancel(const char *id, const char *user, int any_owner, w3w_order **out)
{
	w3w_cmd_order_cancel cmd;
	w3w_order *tmp = NULL;
	w3w_status rc;

	memset(&cmd, 0, sizeof(cmd));
	meta_init(&cmd.meta, user, NULL, 6, "order.cancelled", id);
	strcpy(cmd.id, id);
	strcpy(cmd.user_id, user);
	cmd.any_owner = any_owner;
	rc = st->market->order_cancel(st, &cmd, out ? out : &tmp);
	w3w_order_free(tmp);
	return rc;
}

void claim_cmd_init(w3w_cmd_claim_create *cmd, const char *order_id, const char *user, const char *key)
{
	memset(cmd, 0, sizeof(*cmd));
	new_id(cmd->c.id);
	meta_init(&cmd->meta, user, key, 7, "order.claimed", order_id);
	strcpy(cmd->c.order_id, order_id);
	strcpy(cmd->c.user_id, user);
	cmd->c.status = W3W_CLAIM_PENDING;
	cmd->c.claimed_at = cmd->meta.now;
}

w3w_status claim_in(w3w_storage *s, const char *order_id, const char *user, const char *key,
	w3w_claim *out, char order_user[W3W_ID_SIZE])
{
	w3w_cmd_claim_create cmd;
	w3w_claim tmp;
	w3w_status rc;

	claim_cmd_init(&cmd, order_id, user, key);
	rc = s->market->claim_create(s, &cmd, out ? out : &tmp);
	if (order_user)
		strcpy(order_user, cmd.order_user_id);
	return rc;
}

w3w_status claim(const char *order_id, const char *user, w3w_claim *out)
{
	return claim_in(st, order_id, user, NULL, out, NULL);
}

w3w_status claim_process(const char *id, w3w_claim *out, w3w_transfer *settlement)
{
	w3w_cmd_claim_process cmd;
	w3w_claim tmp;
	w3w_status rc;

	memset(&cmd, 0, sizeof(cmd));
	meta_init(&cmd.meta, ADMIN, NULL, 8, "claim.processed", id);
	strcpy(cmd.id, id);
	new_id(cmd.settlement.id);
	cmd.settlement.created_at = cmd.meta.now;
	rc = st->market->claim_process(st, &cmd, out ? out : &tmp);
	if (settlement)
		*settlement = cmd.settlement;
	if (rc == W3W_OK)
		ck_assert_str_ne(cmd.order_user_id, "");
	return rc;
}

w3w_status claim_release(const char *id, w3w_claim *out)
{
	w3w_cmd_claim_release cmd;
	w3w_claim tmp;

	memset(&cmd, 0, sizeof(cmd));
	meta_init(&cmd.meta, ADMIN, NULL, 9, "claim.released", id);
	strcpy(cmd.id, id);
	return st->market->claim_release(st, &cmd, out ? out : &tmp);
}

/* ---- state probes --------------------------------------------------------- */

w3w_account account_of(const char *user)
{
	w3w_account_list *list = NULL;
	w3w_account acc;

	memset(&acc, 0, sizeof(acc));
	ck_assert_int_eq(st->market->accounts(st, user, &list), W3W_OK);
	for (size_t i = 0; i < list->count; i++)
		if (strcmp(list->items[i].currency, "USDT") == 0)
			acc = list->items[i];
	w3w_account_list_free(list);
	return acc;
}

int64_t outbox_total(void)
{
	w3w_outbox_stats s;
	ck_assert_int_eq(st->outbox->stats(st, &s), W3W_OK);
	return s.total;
}

int64_t audit_unsealed(void)
{
	int64_t n = -1;
	ck_assert_int_eq(st->audit->unsealed(st, &n), W3W_OK);
	return n;
}

w3w_order_status order_status(const char *id)
{
	w3w_order *o = NULL;
	w3w_order_status s;
	ck_assert_int_eq(st->market->order_get(st, id, &o), W3W_OK);
	s = o->status;
	w3w_order_free(o);
	return s;
}

void check_invariants(void)
{
	w3w_ledger_totals t;
	ck_assert_int_eq(st->market->ledger_totals(st, "USDT", &t), W3W_OK);
	ck_assert_int_eq(t.balances, t.deposits - t.withdrawals);
	ck_assert_int_eq(t.held, t.escrow);
	ck_assert_int_eq(t.reserved, t.live_claims);
	ck_assert_int_eq(t.entries_sum_zero, 1);
}


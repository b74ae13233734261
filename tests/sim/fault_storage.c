/*
 * Storage wrapper "sim:INNER" (INNER a sqlite: or postgres URL): passes
 * each call to the inner backend, or, as the fault controller decides,
 * fails it before the call (W3W_EUNAVAILABLE, nothing applied), loses the
 * answer of a write after the inner backend ran it (sim_fx->lost_status),
 * delays it, or fails a run of calls (a lost connection). Every write the
 * inner backend committed is reported to the simulator (sim_note_commit),
 * which is how the checker knows the truth whatever the caller heard.
 *
 * It has no wallet table: the simulator does not drive wallets.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wrappers.h"
#include "faults.h"

typedef struct fstorage {
	w3w_storage base;
	w3w_storage *in;
} fstorage;

static w3w_storage *inner(w3w_storage *st)
{
	return ((fstorage *)st)->in;
}

static w3w_status fail_before(const char *what)
{
	return w3w_error_set(W3W_EUNAVAILABLE, "sim storage: %s: connection failed (nothing applied)", what);
}

static w3w_status answer_lost(const char *what)
{
	return w3w_error_set(sim_fx->lost_status, "sim storage: %s: the answer was lost (it may have committed)", what);
}

/* After the inner backend ran a write: trace it for the caller's checks, report a commit. */
static void after_write(sim_op op, const w3w_write_meta *meta, w3w_status rc, const void *cmd,
	const void *out, const char *result_id, sim_plan plan)
{
	sim_trace *t = sim_trace_get();
	sim_commit c;

	if (plan == SIM_LOST)
		t->lost++;
	if (rc != W3W_OK)
		return;
	snprintf(t->result_id, sizeof(t->result_id), "%s", result_id ? result_id : "");
	if (meta->replayed) {
		t->replays++;
		return;
	}
	t->commits++;
	memcpy(t->commit_event_id, meta->event.id, sizeof(t->commit_event_id));
	c.op = op;
	c.meta = meta;
	c.cmd = cmd;
	c.out = out;
	sim_note_commit(&c);
}

/* Writes whose result is a fixed-size record with an `id`. */
#define FS_WRITE(fn, OP, cmd_type, out_type)                                              \
	static w3w_status fs_##fn(w3w_storage *st, cmd_type *cmd, out_type *out)              \
	{                                                                                     \
		out_type res;                                                                     \
		w3w_status rc;                                                                    \
		sim_plan plan = sim_plan_write();                                                 \
		if (plan == SIM_BEFORE)                                                           \
			return fail_before(#fn);                                                      \
		memset(&res, 0, sizeof(res));                                                     \
		rc = inner(st)->market->fn(inner(st), cmd, &res);                                         \
		after_write(OP, &cmd->meta, rc, cmd, &res, res.id, plan);                         \
		if (plan == SIM_LOST)                                                             \
			return answer_lost(#fn);                                                      \
		if (rc == W3W_OK && out)                                                          \
			*out = res;                                                                   \
		return rc;                                                                        \
	}

FS_WRITE(transfer, SIM_OP_TRANSFER, w3w_cmd_transfer, w3w_transfer)
FS_WRITE(supply_create, SIM_OP_SUPPLY_CREATE, w3w_cmd_supply_create, w3w_supply)
FS_WRITE(supply_update, SIM_OP_SUPPLY_UPDATE, w3w_cmd_supply_update, w3w_supply)
FS_WRITE(supply_delete, SIM_OP_SUPPLY_DELETE, w3w_cmd_supply_delete, w3w_supply)
FS_WRITE(claim_create, SIM_OP_CLAIM_CREATE, w3w_cmd_claim_create, w3w_claim)
FS_WRITE(claim_process, SIM_OP_CLAIM_PROCESS, w3w_cmd_claim_process, w3w_claim)
FS_WRITE(claim_release, SIM_OP_CLAIM_RELEASE, w3w_cmd_claim_release, w3w_claim)

/* Order writes answer an allocated order: a lost answer frees it (the caller never got it). */
#define FS_ORDER_WRITE(fn, OP, cmd_type)                                                  \
	static w3w_status fs_##fn(w3w_storage *st, cmd_type *cmd, w3w_order **out)            \
	{                                                                                     \
		w3w_order *res = NULL;                                                            \
		w3w_status rc;                                                                    \
		sim_plan plan = sim_plan_write();                                                 \
		if (plan == SIM_BEFORE)                                                           \
			return fail_before(#fn);                                                      \
		rc = inner(st)->market->fn(inner(st), cmd, &res);                                         \
		after_write(OP, &cmd->meta, rc, cmd, res, res ? res->id : "", plan);              \
		if (plan == SIM_LOST || rc != W3W_OK || !out) {                                   \
			w3w_order_free(res);                                                          \
			res = NULL;                                                                   \
		}                                                                                 \
		if (out)                                                                          \
			*out = res;                                                                   \
		return plan == SIM_LOST ? answer_lost(#fn) : rc;                                  \
	}

FS_ORDER_WRITE(order_create, SIM_OP_ORDER_CREATE, w3w_cmd_order_create)
FS_ORDER_WRITE(order_cancel, SIM_OP_ORDER_CANCEL, w3w_cmd_order_cancel)

/* Reads fail before the call, as a lost connection would; nothing else about them changes. */
#define FS_READ(fn, arg_type, out_type)                                                   \
	static w3w_status fs_##fn(w3w_storage *st, arg_type arg, out_type out)                \
	{                                                                                     \
		if (sim_plan_read())                                                              \
			return fail_before(#fn);                                                      \
		return inner(st)->market->fn(inner(st), arg, out);                                        \
	}

FS_READ(supply_get, const char *, w3w_supply *)
FS_READ(supply_list, const w3w_storage_query *, w3w_supply_page **)
FS_READ(order_get, const char *, w3w_order **)
FS_READ(order_list, const w3w_storage_query *, w3w_order_page **)
FS_READ(claim_get, const char *, w3w_claim *)
FS_READ(claim_get_live, const char *, w3w_claim *)
FS_READ(accounts, const char *, w3w_account_list **)
FS_READ(ledger_totals, const char *, w3w_ledger_totals *)

static w3w_status fs_outbox_take(w3w_storage *st, size_t max, int lease_ms, w3w_event **out, size_t *count)
{
	return inner(st)->outbox->take(inner(st), max, lease_ms, out, count);
}

/* A failed ack: the relay already published, so the batch goes out again after its lease. */
static w3w_status fs_outbox_ack(w3w_storage *st, const int64_t *seqs, size_t count)
{
	if (count && sim_relay_fault(SIM_F_OUTBOX_ACK, seqs[0], count))
		return fail_before("outbox_ack");
	return inner(st)->outbox->ack(inner(st), seqs, count);
}

static w3w_status fs_outbox_stats(w3w_storage *st, w3w_outbox_stats *out)
{
	return inner(st)->outbox->stats(inner(st), out);
}

static w3w_status fs_outbox_events_of(w3w_storage *st, const char *aggregate_id, int64_t after_seq, size_t max,
	w3w_event **out, size_t *count)
{
	return inner(st)->outbox->events_of(inner(st), aggregate_id, after_seq, max, out, count);
}

/* Never faulted; a failure of its own is noted (the caller, core, drops it silently). */
static w3w_status fs_audit_append(w3w_storage *st, const w3w_audit_record *record)
{
	w3w_status rc = inner(st)->audit->append(inner(st), record);
	if (rc != W3W_OK && sim_fx) {
		pthread_mutex_lock(&sim_fx->lock);
		sim_fx->audit_append_failed++;
		snprintf(sim_fx->audit_append_error, sizeof(sim_fx->audit_append_error), "%s: %s",
			w3w_status_name(rc), w3w_error_message());
		pthread_mutex_unlock(&sim_fx->lock);
	}
	return rc;
}

static w3w_status fs_audit_seal(w3w_storage *st, w3w_audit_hash_fn fn, size_t max, size_t *sealed)
{
	return inner(st)->audit->seal(inner(st), fn, max, sealed);
}

static w3w_status fs_audit_read(w3w_storage *st, int64_t after_pos, size_t max,
	w3w_audit_record **out, size_t *count)
{
	return inner(st)->audit->read(inner(st), after_pos, max, out, count);
}

static w3w_status fs_audit_unsealed(w3w_storage *st, int64_t *count)
{
	return inner(st)->audit->unsealed(inner(st), count);
}

static w3w_status fs_ping(w3w_storage *st)
{
	return inner(st)->ping(inner(st));
}

static w3w_status fs_purge_expired(w3w_storage *st, w3w_time now, int64_t *deleted)
{
	return inner(st)->market->purge_expired(inner(st), now, deleted);
}

static void fs_free(w3w_storage *st)
{
	if (!st)
		return;
	inner(st)->free(inner(st));
	free(st);
}

static w3w_status open_inner(w3w_storage **out, const char *url, const w3w_backend_config *cfg)
{
	if (strncmp(url, "sqlite:", 7) == 0)
		return w3w_storage_sqlite_open(out, url, cfg);
#ifdef W3W_WITH_POSTGRES
	if (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0 || strchr(url, '='))
		return w3w_storage_postgres_open(out, url, cfg);
#endif
	return w3w_error_set(W3W_EINVAL, "sim storage: inner URL must be sqlite: or postgres (built in?)");
}

/* Version 1, before the batch members: the simulator drives single commands
 * (core would run a batch element by element through this table). */
static const w3w_market_store fs_market = {
	.version = 1,
	.transfer = fs_transfer,
	.supply_create = fs_supply_create,
	.supply_update = fs_supply_update,
	.supply_delete = fs_supply_delete,
	.order_create = fs_order_create,
	.order_cancel = fs_order_cancel,
	.claim_create = fs_claim_create,
	.claim_process = fs_claim_process,
	.claim_release = fs_claim_release,
	.supply_get = fs_supply_get,
	.supply_list = fs_supply_list,
	.order_get = fs_order_get,
	.order_list = fs_order_list,
	.claim_get = fs_claim_get,
	.claim_get_live = fs_claim_get_live,
	.accounts = fs_accounts,
	.ledger_totals = fs_ledger_totals,
	.purge_expired = fs_purge_expired,
};

static const w3w_outbox_store fs_outbox = {
	.version = W3W_OUTBOX_STORE_VERSION,
	.take = fs_outbox_take,
	.ack = fs_outbox_ack,
	.stats = fs_outbox_stats,
	.events_of = fs_outbox_events_of,
};

static const w3w_audit_store fs_audit = {
	.version = W3W_AUDIT_STORE_VERSION,
	.append = fs_audit_append,
	.seal = fs_audit_seal,
	.read = fs_audit_read,
	.unsealed = fs_audit_unsealed,
};

static w3w_status fs_open(w3w_storage **out, const char *url, const w3w_backend_config *cfg)
{
	fstorage *fs;
	w3w_storage *in = NULL;
	w3w_status rc;

	*out = NULL;
	if (strncmp(url, SIM_SCHEME ":", sizeof(SIM_SCHEME)) != 0)
		return w3w_error_set(W3W_EINVAL, "sim storage: URL must be " SIM_SCHEME ":INNER");
	if ((rc = open_inner(&in, url + sizeof(SIM_SCHEME), cfg)) != W3W_OK)
		return rc;
	if (!(fs = calloc(1, sizeof(*fs)))) {
		in->free(in);
		return w3w_error_set(W3W_ENOMEM, "sim storage: out of memory");
	}
	fs->in = in;
	fs->base = (w3w_storage)W3W_STORAGE_INIT("sim");
	fs->base.market = &fs_market;
	fs->base.outbox = &fs_outbox;
	fs->base.audit = &fs_audit;
	fs->base.ping = fs_ping;
	fs->base.free = fs_free;
	*out = &fs->base;
	return W3W_OK;
}

w3w_status sim_storage_register(void)
{
	return w3w_storage_register(SIM_SCHEME, fs_open);
}

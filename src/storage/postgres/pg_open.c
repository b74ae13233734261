/*
 * w3w_storage_postgres_open(): check the URL, connect once (bounded by
 * cfg->timeout_ms, so a bad host, password or database fails here with a
 * message naming it), apply migrations, and hand out the vtable. That
 * first connection stays in the pool; the others open on demand.
 */
#include <stdlib.h>
#include <string.h>

#include "storage/postgres/pg.h"
#include "storage/postgres/pg_wallet.h"

#define DEFAULT_POOL_SIZE 8
#define DEFAULT_TIMEOUT_MS 5000

static w3w_status pg_ping(w3w_storage *st)
{
	w3w__pg_params p;
	PGresult *r = NULL;
	w3w_status s;

	w3w__pg_params_init(&p);
	s = w3w__pg_run(w3w__pg_of(st), PG_PING, &p, "ping", &r);
	if (s == W3W_OK && strcmp(PQgetvalue(r, 0, 0), "t") == 0)
		s = w3w_error_set(W3W_ESTATE, "postgres: read-only (a standby in recovery, or default_transaction_read_only)");
	PQclear(r);
	return s;
}

static w3w_status copy_position(char out[W3W_POSITION_SIZE], const PGresult *r)
{
	const char *v = PQgetisnull(r, 0, 0) ? "" : PQgetvalue(r, 0, 0);
	if (!*v || strlen(v) >= W3W_POSITION_SIZE)
		return w3w_error_set(W3W_EINTERNAL, "postgres: no WAL position (replication not streaming?)");
	strcpy(out, v);
	return W3W_OK;
}

static w3w_status pg_commit_position(w3w_storage *st, char out[W3W_POSITION_SIZE])
{
	w3w__pg_params p;
	PGresult *r = NULL;
	w3w_status s;

	w3w__pg_params_init(&p);
	if ((s = w3w__pg_run(w3w__pg_of(st), PG_COMMIT_POSITION, &p, "commit position", &r)) == W3W_OK)
		s = copy_position(out, r);
	PQclear(r);
	return s;
}

static w3w_status pg_replay_position(w3w_storage *st, char out[W3W_POSITION_SIZE], int64_t *lag_ms)
{
	w3w__pg_params p;
	PGresult *r = NULL;
	w3w_status s;

	w3w__pg_params_init(&p);
	if ((s = w3w__pg_run(w3w__pg_of(st), PG_REPLAY_POSITION, &p, "replay position", &r)) == W3W_OK &&
	    (s = copy_position(out, r)) == W3W_OK)
		*lag_ms = w3w__pg_col_i64(r, 0, 1);
	PQclear(r);
	return s;
}

static w3w_status pg_purge_expired(w3w_storage *st, w3w_time now, int64_t *deleted)
{
	w3w__pg_params p;
	PGresult *r = NULL;
	w3w_status s;

	if (deleted)
		*deleted = 0;
	w3w__pg_params_init(&p);
	w3w__pg_p_i64(&p, now);
	s = w3w__pg_run(w3w__pg_of(st), PG_PURGE_EXPIRED, &p, "purge_expired", &r);
	if (s == W3W_OK && deleted)
		*deleted = strtoll(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	return s;
}

static void pg_free(w3w_storage *st)
{
	w3w__pg *pg = w3w__pg_of(st);

	if (!pg)
		return;
	w3w__pg_pool_destroy(&pg->pool);
	free(pg);
}

static const w3w_market_store pg_market = {
	.version = W3W_MARKET_STORE_VERSION,
	.transfer = w3w__pg_transfer,
	.supply_create = w3w__pg_supply_create,
	.supply_update = w3w__pg_supply_update,
	.supply_delete = w3w__pg_supply_delete,
	.order_create = w3w__pg_order_create,
	.order_cancel = w3w__pg_order_cancel,
	.claim_create = w3w__pg_claim_create,
	.claim_process = w3w__pg_claim_process,
	.claim_release = w3w__pg_claim_release,
	.supply_get = w3w__pg_supply_get,
	.supply_list = w3w__pg_supply_list,
	.order_get = w3w__pg_order_get,
	.order_list = w3w__pg_order_list,
	.claim_get = w3w__pg_claim_get,
	.claim_get_live = w3w__pg_claim_get_live,
	.accounts = w3w__pg_accounts,
	.ledger_totals = w3w__pg_ledger_totals,
	.purge_expired = pg_purge_expired,
	.transfer_batch = w3w__pg_transfer_batch,
	.order_create_batch = w3w__pg_order_create_batch,
	.claim_create_batch = w3w__pg_claim_create_batch,
	.claim_process_batch = w3w__pg_claim_process_batch,
};

static const w3w_outbox_store pg_outbox = {
	.version = W3W_OUTBOX_STORE_VERSION,
	.take = w3w__pg_outbox_take,
	.ack = w3w__pg_outbox_ack,
	.stats = w3w__pg_outbox_stats,
	.events_of = w3w__pg_outbox_events_of,
};

static const w3w_audit_store pg_audit = {
	.version = W3W_AUDIT_STORE_VERSION,
	.append = w3w__pg_audit_append,
	.seal = w3w__pg_audit_seal,
	.read = w3w__pg_audit_read,
	.unsealed = w3w__pg_audit_unsealed,
};

static const w3w_wallet_store pg_wallet = {
	.version = W3W_WALLET_STORE_VERSION,
	.secrets_create = w3w__pg_secrets_create,
	.secrets_reseal = w3w__pg_secrets_reseal,
	.secrets_retire = w3w__pg_secrets_retire,
	.secret_list = w3w__pg_secret_list,
	.wallet_index_next = w3w__pg_wallet_index_next,
	.wallet_create = w3w__pg_wallet_create,
	.wallet_list = w3w__pg_wallet_list,
	.wallet_find = w3w__pg_wallet_find,
	.withdrawal_create = w3w__pg_withdrawal_create,
	.withdrawal_update = w3w__pg_withdrawal_update,
	.withdrawal_get = w3w__pg_withdrawal_get,
	.withdrawal_list_open = w3w__pg_withdrawal_list_open,
	.watch_cursor = w3w__pg_watch_cursor,
	.watch_block = w3w__pg_watch_block,
	.watch_advance = w3w__pg_watch_advance,
	.chain_deposit_put = w3w__pg_chain_deposit_put,
	.chain_deposit_get = w3w__pg_chain_deposit_get,
	.limit_set = w3w__pg_limit_set,
	.limit_list = w3w__pg_limit_list,
	.chain_deposit_list = w3w__pg_chain_deposit_list,
	.wallet_list_from = w3w__pg_wallet_list_from,
	.sweep_create = w3w__pg_sweep_create,
	.sweep_update = w3w__pg_sweep_update,
	.sweep_list = w3w__pg_sweep_list,
	.sweep_fee_totals = w3w__pg_sweep_fee_totals,
	.withdrawal_attempt_add = w3w__pg_withdrawal_attempt_add,
	.withdrawal_attempt_list = w3w__pg_withdrawal_attempt_list,
	.withdrawal_attempt_mined = w3w__pg_withdrawal_attempt_mined,
};

static const w3w_replica_store pg_replica = {
	.version = W3W_REPLICA_STORE_VERSION,
	.commit_position = pg_commit_position,
	.replay_position = pg_replay_position,
};

static void fill_vtable(w3w_storage *v)
{
	v->version = W3W_STORAGE_VERSION;
	v->name = "postgres";
	v->market = &pg_market;
	v->outbox = &pg_outbox;
	v->audit = &pg_audit;
	v->wallet = &pg_wallet;
	v->replica = &pg_replica;
	v->ping = pg_ping;
	v->free = pg_free;
}

w3w_status w3w_storage_postgres_open(w3w_storage **out, const char *url, const w3w_backend_config *cfg)
{
	int pool_size = DEFAULT_POOL_SIZE, timeout_ms = DEFAULT_TIMEOUT_MS;
	w3w__pg_conn *c = NULL;
	char *target = NULL;
	w3w__pg *pg;
	w3w_status st;

	if (!out)
		return w3w_error_set(W3W_EINVAL, "postgres: out: NULL");
	*out = NULL;
	if (cfg) {
		/* Later config versions only add members: the ones known here are read. */
		if (cfg->version < 1)
			return w3w_error_set(W3W_EVERSION, "postgres: backend config version %u unknown", cfg->version);
		if (cfg->pool_size > 0)
			pool_size = cfg->pool_size;
		if (cfg->timeout_ms > 0)
			timeout_ms = cfg->timeout_ms;
	}
	if ((st = w3w__pg_url_check(url, &target)) != W3W_OK)
		return st;
	pg = calloc(1, sizeof(*pg));
	if (!pg) {
		free(target);
		return w3w_error_set(W3W_ENOMEM, "postgres: out of memory");
	}
	fill_vtable(&pg->base);
	st = w3w__pg_pool_init(&pg->pool, url, target, pool_size, timeout_ms);
	free(target);
	if (st != W3W_OK) {
		free(pg);
		return st;
	}
	st = w3w__pg_acquire(&pg->pool, 1, &c);
	if (st == W3W_OK) {
		st = w3w__pg_migrate(c->pg, timeout_ms);
		w3w__pg_release(&pg->pool, c, st != W3W_OK);
	}
	if (st != W3W_OK) {
		pg_free(&pg->base);
		return st;
	}
	*out = &pg->base;
	return W3W_OK;
}

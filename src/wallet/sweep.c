/*
 * A sweep round: open sweeps moved on, then deposit addresses examined (a
 * bounded slice per round, going round the wallets) and a sweep started
 * where an asset's balance reached its threshold. The watch thread runs
 * one every options.sweep_interval_ms.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/validate.h"
#include "core/write.h"
#include "wallet/wallet_internal.h"

#define NATIVE_GAS 21000
/* The watch thread leaves an address whose sweep failed alone for this many intervals. */
#define SWEEP_BACKOFF_ROUNDS 10

/* ---- starting a sweep -------------------------------------------------------------------- */

/* The fee plan of a new sweep: the node's fees now, and the gas of the sweep transaction. */
static w3w_status fee_plan(w3w_chain *chain, w3w_sweep_row *row, const w3w__asset *asset, const char *hot,
	const w3w__u256 *balance, w3w__u256 *gas_cost)
{
	w3w_chain_adapter *a = chain->adapter;
	w3w_chain_fees fees;
	w3w__u256 max_fee, tip;
	uint64_t gas = NATIVE_GAS;
	w3w_status st;

	if ((st = a->fees(a, &fees)) != W3W_OK)
		return st;
	row->fee_type = fees.eip1559 ? 2 : 0;
	memcpy(max_fee.be, fees.eip1559 ? fees.max_fee_per_gas.be : fees.gas_price.be, 32);
	memcpy(tip.be, fees.eip1559 ? fees.max_priority_fee_per_gas.be : (unsigned char[32]){ 0 }, 32);
	w3w__u256_to_decimal(row->max_fee, sizeof(row->max_fee), &max_fee);
	w3w__u256_to_decimal(row->priority_fee, sizeof(row->priority_fee), &tip);
	if (!asset->native) {
		unsigned char data[68], to[20];
		w3w_chain_call call;

		if ((st = w3w__evm_address_read(to, hot, "hot address")) != W3W_OK)
			return st;
		w3w__erc20_transfer_data(data, to, balance);
		memset(&call, 0, sizeof(call));
		call.from = row->s.address;
		call.to = asset->contract_hex;
		call.data = data;
		call.data_len = sizeof(data);
		if ((st = a->estimate_gas(a, &call, &gas)) != W3W_OK)
			return st;
		gas += gas / 4 + 1000; /* contract code may vary: the margin withdrawals use */
	}
	row->gas_limit = (int64_t)gas;
	return w3w__u256_mul_u64(gas_cost, &max_fee, gas) == 0 ? W3W_OK
		: w3w_error_set(W3W_EUNAVAILABLE, "chain %s: the node's fee is out of range", chain->key);
}

static w3w_status create(w3w_chain *chain, const w3w_actor *actor, w3w_cmd_sweep_create *cmd, w3w_sweep_row *out)
{
	w3w_ctx *ctx = chain->ctx;
	const w3w_sweep *s = &cmd->row.s;
	w3w__write w;
	w3w_status st;

	if ((st = w3w__write_begin(&w, &cmd->meta, ctx, actor, "wallet.sweep_planned", NULL)) != W3W_OK)
		return st;
	cmd->row.s.created_at = cmd->row.s.updated_at = cmd->meta.now;
	w3w__write_payload(&w, "sweep_id", s->id);
	w3w__write_payload(&w, "status", "planned");
	w3w__write_payload(&w, "chain", s->chain);
	w3w__write_payload(&w, "address", s->address);
	w3w__write_payload(&w, "currency", s->currency);
	w3w__write_payload(&w, "amount", s->amount);
	w3w__write_payload(&w, "topup_value", s->topup_value);
	if ((st = w3w__write_prepare(&w, "wallet.sweep_planned", s->id, s->id)) == W3W_OK)
		st = ctx->store.wallet.sweep_create(ctx->store.handle, cmd, out);
	return w3w__write_finish(&w, st);
}

/*
 * Start a sweep of `asset` of wallet `wal` holding `balance` (above the
 * threshold), and move it on at once. *started = 1 when one was recorded.
 */
static w3w_status start(w3w_chain *chain, const w3w_actor *actor, const w3w_wallet *wal, const w3w__asset *asset,
	const char *hot, const w3w__u256 *balance, w3w_sweep_stats *stats, int *started)
{
	const w3w__asset *native = w3w__asset_native(chain);
	w3w_cmd_sweep_create *cmd = calloc(1, sizeof(*cmd));
	w3w_sweep_row *row = calloc(1, sizeof(*row));
	w3w__u256 gas_cost, held, need;
	uint64_t floor = 0;
	w3w_sweep *s;
	w3w_status st;

	*started = 0;
	if (!cmd || !row) {
		free(cmd);
		free(row);
		return w3w_error_set(W3W_ENOMEM, "sweep: out of memory");
	}
	s = &cmd->row.s;
	w3w_id_new(s->id, sizeof(s->id));
	snprintf(s->chain, sizeof(s->chain), "%s", chain->key);
	snprintf(s->address, sizeof(s->address), "%s", wal->address);
	s->wallet_index = wal->index;
	snprintf(s->currency, sizeof(s->currency), "%s", asset->currency);
	snprintf(s->to_address, sizeof(s->to_address), "%s", hot);
	s->status = W3W_SWEEP_PLANNED;
	w3w__u256_to_decimal(s->amount, sizeof(s->amount), balance);
	s->nonce = s->topup_nonce = -1;
	strcpy(s->topup_value, "0");
	snprintf(s->fee_currency, sizeof(s->fee_currency), "%s", native->currency);
	strcpy(s->topup_fee, "0");
	strcpy(s->sweep_fee, "0");
	cmd->topup_nonce_floor = -1;
	if ((st = fee_plan(chain, &cmd->row, asset, hot, balance, &gas_cost)) != W3W_OK)
		goto done;
	if (asset->native) {
		/* What is left after the fee must be worth a transaction. */
		if (w3w__u256_cmp(balance, &gas_cost) <= 0) {
			stats->skipped++;
			goto done;
		}
	} else {
		/* Exactly the gas the sweep can cost, less what the address already holds. */
		if ((st = w3w__sweep_balance(chain, native, wal->address, &held)) != W3W_OK)
			goto done;
		if (w3w__u256_cmp(&held, &gas_cost) < 0) {
			w3w__u256_sub(&need, &gas_cost, &held);
			if (w3w__u256_cmp(&need, &chain->topup_max) > 0) {
				stats->skipped++;
				goto done;
			}
			w3w__u256_to_decimal(s->topup_value, sizeof(s->topup_value), &need);
			if ((st = chain->adapter->nonce(chain->adapter, hot, 1, &floor)) != W3W_OK)
				goto done;
			cmd->topup_nonce_floor = (int64_t)floor;
		}
	}
	st = create(chain, actor, cmd, row);
	if (st == W3W_ECONFLICT) {
		st = W3W_OK; /* another round (another process) has one open for this address */
		goto done;
	}
	if (st != W3W_OK)
		goto done;
	*started = 1;
	stats->planned++;
	st = w3w__sweep_advance(chain, actor, row, stats);
done:
	free(cmd);
	free(row);
	return st;
}

/* The first asset of `wal` at or above its threshold (tokens first: the native coin pays their gas). */
static w3w_status examine(w3w_chain *chain, const w3w_actor *actor, const w3w_wallet *wal, const char *hot,
	w3w_sweep_stats *stats)
{
	for (int native_pass = 0; native_pass < 2; native_pass++)
		for (size_t i = 0; i < chain->asset_count; i++) {
			const w3w__asset *asset = &chain->assets[i];
			w3w__u256 balance;
			int started = 0;
			w3w_status st;

			if (!chain->sweep_has[i] || asset->native != native_pass)
				continue;
			if ((st = w3w__sweep_balance(chain, asset, wal->address, &balance)) != W3W_OK)
				return st;
			if (w3w__u256_cmp(&balance, &chain->sweep_threshold[i]) < 0)
				continue;
			st = start(chain, actor, wal, asset, hot, &balance, stats, &started);
			if (st != W3W_OK || started)
				return st == W3W_ESTATE ? W3W_OK : st;
		}
	return W3W_OK;
}

/* 1 if `rows` hold a sweep of `address` (with `failed_since` > 0: one that failed after that time). */
static int has_sweep(const w3w_sweep_row *rows, size_t n, const char *address, w3w_time failed_since)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(rows[i].s.address, address) == 0 &&
		    (!failed_since || (rows[i].s.status == W3W_SWEEP_FAILED && rows[i].s.updated_at > failed_since)))
			return 1;
	return 0;
}

/* ---- the round -------------------------------------------------------------------------------- */

/* Keep the first error (its message too); W3W_EUNAVAILABLE means the node is gone for this round. */
static int keep_first(w3w_status st, w3w_status *first, char *message, size_t size)
{
	if (st == W3W_OK || st == W3W_ESTATE) /* ESTATE: another round moved it first; theirs stands */
		return 0;
	if (*first == W3W_OK) {
		*first = st;
		snprintf(message, size, "%s", w3w_error_message());
	}
	return st == W3W_EUNAVAILABLE;
}

/*
 * A round. With backoff_us > 0 (the watch thread's rounds), an address whose
 * sweep failed less than that long ago is left alone: a cause that persists
 * (a refusing signer, a node refusing the top-up) is not retried, and
 * recorded, every interval. Among the chain's newest sweeps only.
 */
static w3w_status round_of(w3w_chain *chain, const w3w_actor *actor, const w3w__store *storage, const char *hot,
	w3w_time backoff_us, w3w_sweep_stats *stats)
{
	w3w_sweep_row *open = NULL, *recent = NULL;
	w3w_wallet *wallets = NULL;
	size_t n_open = 0, n_wallets = 0, n_recent = 0;
	w3w_time failed_since = backoff_us > 0 ? w3w_time_now() - backoff_us : 0;
	char message[512] = "";
	int64_t from;
	w3w_status st, first = W3W_OK;
	int node_gone = 0;

	if ((st = storage->wallet.sweep_list(storage->handle, chain->key, 1, W3W__SWEEP_FOLLOW_MAX, &open, &n_open)) != W3W_OK)
		return st;
	for (size_t i = 0; i < n_open && !node_gone; i++)
		node_gone = keep_first(w3w__sweep_advance(chain, actor, &open[i], stats), &first, message, sizeof(message));
	pthread_mutex_lock(&chain->hot_mu);
	from = chain->sweep_next_index;
	pthread_mutex_unlock(&chain->hot_mu);
	if (!node_gone && failed_since &&
	    (st = storage->wallet.sweep_list(storage->handle, chain->key, 0, W3W__SWEEP_FOLLOW_MAX, &recent, &n_recent)) != W3W_OK)
		keep_first(st, &first, message, sizeof(message));
	if (!node_gone && (st = storage->wallet.wallet_list_from(storage->handle, "evm", from,
		(size_t)chain->opts.sweep_max_per_round, &wallets, &n_wallets)) != W3W_OK)
		keep_first(st, &first, message, sizeof(message));
	for (size_t i = 0; i < n_wallets && !node_gone; i++) {
		stats->addresses++;
		if (has_sweep(open, n_open, wallets[i].address, 0))
			continue;
		if (failed_since && has_sweep(recent, n_recent, wallets[i].address, failed_since)) {
			stats->skipped++;
			continue;
		}
		node_gone = keep_first(examine(chain, actor, &wallets[i], hot, stats), &first, message, sizeof(message));
	}
	/* The next round goes on after the last wallet examined, or from the start once all were. */
	pthread_mutex_lock(&chain->hot_mu);
	if (!node_gone)
		chain->sweep_next_index = n_wallets == (size_t)chain->opts.sweep_max_per_round
			? wallets[n_wallets - 1].index + 1 : 0;
	pthread_mutex_unlock(&chain->hot_mu);
	free(open);
	free(recent);
	free(wallets);
	return first == W3W_OK ? W3W_OK : w3w_error_set(first, "%s", message);
}

/* w3w_chain_sweep() with the watch thread's backoff (0: none). */
static w3w_status sweep_round(w3w_chain *chain, const w3w_actor *actor, w3w_time backoff_us, w3w_sweep_stats *out)
{
	w3w_sweep_stats stats;
	const w3w__store *storage;
	char hot[W3W_ADDRESS_SIZE];
	w3w_status st;

	if (out)
		memset(out, 0, sizeof(*out));
	if (!chain)
		return w3w_error_set(W3W_EINVAL, "chain: NULL");
	if ((st = w3w__sweep_storage(chain->ctx, &storage)) || (st = w3w__check_actor(actor)))
		return st;
	if (!w3w__has_role(actor, W3W_ROLE_SERVICE | W3W_ROLE_ADMIN))
		return w3w_error_set(W3W_EFORBIDDEN, "sweep: needs the service or admin role");
	if (!chain->sweep_enabled)
		return w3w_error_set(W3W_EINVAL, "chain %s: no sweep policy (options.sweep_thresholds)", chain->key);
	if (!chain->signer && (st = w3w__wallet_need_key(chain->ctx)) != W3W_OK)
		return st;
	if ((st = w3w__chain_check_id(chain)) != W3W_OK || (st = w3w__hot_address(chain, actor, 0, hot)) != W3W_OK)
		return st;
	memset(&stats, 0, sizeof(stats));
	st = round_of(chain, actor, storage, hot, backoff_us, &stats);
	if (out)
		*out = stats;
	return st;
}

w3w_status w3w_chain_sweep(w3w_chain *chain, const w3w_actor *actor, w3w_sweep_stats *out)
{
	return sweep_round(chain, actor, 0, out);
}

/* ---- from the watch thread ---------------------------------------------------------------------- */

void w3w__sweep_watch_round(w3w_chain *chain)
{
	w3w_sweep_stats stats;
	w3w_time now = w3w_time_now();
	w3w_status st;

	if (!chain->opts.sweep_interval_ms || now < chain->next_sweep_at)
		return;
	chain->next_sweep_at = now + (w3w_time)chain->opts.sweep_interval_ms * 1000;
	st = sweep_round(chain, &chain->watch_actor, (w3w_time)chain->opts.sweep_interval_ms * 1000 * SWEEP_BACKOFF_ROUNDS,
		&stats);
	pthread_mutex_lock(&chain->mu);
	chain->sweep_state.rounds++;
	chain->sweep_state.status = st;
	snprintf(chain->sweep_state.last_error, sizeof(chain->sweep_state.last_error), "%s",
		st == W3W_OK ? "" : w3w_error_message());
	if (st != W3W_OK)
		chain->sweep_state.errors++;
	else
		chain->sweep_state.last_ok_at = w3w_time_now();
	chain->sweep_state.last = stats;
	chain->sweep_state.confirmed += stats.confirmed;
	chain->sweep_state.failed += stats.failed;
	pthread_mutex_unlock(&chain->mu);
}

w3w_status w3w_chain_sweep_state_get(w3w_chain_sweep_state *out, w3w_chain *chain)
{
	if (!out || !chain)
		return w3w_error_set(W3W_EINVAL, "out/chain: NULL");
	pthread_mutex_lock(&chain->mu);
	*out = chain->sweep_state;
	out->enabled = chain->opts.sweep_interval_ms > 0;
	pthread_mutex_unlock(&chain->mu);
	return W3W_OK;
}

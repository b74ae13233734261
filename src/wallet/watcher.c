/*
 * The deposit watcher: walks final blocks (depth >= confirmations) in
 * order, credits native transfers and ERC-20 Transfer logs to deposit
 * addresses through the ledger's deposit command, and advances a cursor
 * stored with the hashes of the blocks it processed.
 *
 * Why it is correct across restarts and shallow reorganisations:
 *  - only final blocks are read, so a reorganisation shallower than the
 *    confirmation depth never touches what is credited;
 *  - each block's parent hash must be the stored hash of the block before
 *    it, and the cursor block is re-checked every round: a deeper
 *    reorganisation stops crediting (W3W_ESTATE) instead of guessing;
 *  - a deposit's reference is "evm:<chain id>:<tx hash>:<log index>",
 *    unique in the ledger (and the idempotency key of its deposit), and the
 *    cursor moves only after every deposit of its block is credited: a
 *    crash in between re-processes the block and credits nothing twice.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crypto/crypto.h"
#include "crypto/hex.h"
#include "wallet/wallet_internal.h"

/* Keccak-256("Transfer(address,address,uint256)") */
static const unsigned char transfer_topic[32] = {
	0xdd, 0xf2, 0x52, 0xad, 0x1b, 0xe2, 0xc8, 0x9b, 0x69, 0xc2, 0xb0, 0x68, 0xfc, 0x37, 0x8d, 0xaa,
	0x95, 0x2b, 0xa7, 0xf1, 0x63, 0xc4, 0xa1, 0x16, 0x28, 0xf5, 0x5a, 0x4d, 0xf5, 0x23, 0xb3, 0xef
};

typedef struct found {
	const w3w__asset *asset;
	const w3w_wallet *wallet;
	const char *tx_hash;
	int64_t log_index;     /* -1: native */
	w3w__u256 value;
} found;

/* The deposit wallet at an address given as the node writes it (any case). */
static w3w_status wallet_at(w3w_chain *chain, const char *addr_text, w3w_wallet *out, int *hit)
{
	unsigned char addr[20];
	char canon[W3W_ADDRESS_SIZE];
	const w3w__store *st = &chain->ctx->store;
	w3w_status rc;

	*hit = 0;
	if (!addr_text[0] || w3w__evm_address_read(addr, addr_text, "address") != W3W_OK) {
		w3w_error_clear();
		return W3W_OK;
	}
	w3w__evm_address_text(canon, addr);
	rc = st->wallet.wallet_find(st->handle, "evm", canon, out);
	if (rc == W3W_ENOTFOUND) {
		w3w_error_clear();
		return W3W_OK;
	}
	*hit = rc == W3W_OK;
	return rc;
}

static w3w_status credit(w3w_chain *chain, const w3w_actor *actor, const w3w_chain_block *b, const found *f,
	w3w_chain_poll_stats *stats)
{
	w3w_ctx *ctx = chain->ctx;
	w3w_chain_deposit d;
	w3w_transfer t;
	int inserted = 0;
	w3w_status st;

	memset(&d, 0, sizeof(d));
	if (f->log_index < 0)
		snprintf(d.reference, sizeof(d.reference), "%s:%s:native", chain->key, f->tx_hash);
	else
		snprintf(d.reference, sizeof(d.reference), "%s:%s:%" PRId64, chain->key, f->tx_hash, f->log_index);
	strcpy(d.chain, chain->key);
	strcpy(d.user_id, f->wallet->user_id);
	strcpy(d.address, f->wallet->address);
	strcpy(d.currency, f->asset->currency);
	snprintf(d.tx_hash, sizeof(d.tx_hash), "%s", f->tx_hash);
	d.log_index = f->log_index;
	d.block_number = (int64_t)b->number;
	snprintf(d.block_hash, sizeof(d.block_hash), "%s", b->hash);
	w3w__u256_to_decimal(d.value, sizeof(d.value), &f->value);
	d.created_at = w3w_time_now();

	st = w3w__units_from_chain(&d.amount, d.dust, &f->value, f->asset->decimals);
	if (st != W3W_OK) {
		/* More than the ledger can hold: recorded for an operator, never silently cut. */
		w3w_error_clear();
		d.amount = 0;
		strcpy(d.dust, d.value);
		strcpy(d.status, "too_large");
	} else {
		strcpy(d.status, d.amount > 0 ? "credited" : "dust");
	}
	if (d.amount > 0) {
		/* The reference is also the idempotency key: a replay returns the first transfer. */
		st = w3w_deposit(&t, ctx, actor, d.user_id, d.currency, d.amount, d.reference, d.reference);
		if (st == W3W_OK)
			strcpy(d.transfer_id, t.id);
		else if (st == W3W_ECONFLICT)
			w3w_error_clear(); /* credited long ago (the key expired): the reference says so */
		else
			return st;
	}
	if ((st = ctx->store.wallet.chain_deposit_put(ctx->store.handle, &d, &inserted)) != W3W_OK)
		return st;
	if (!inserted)
		stats->deposits_known++;
	else if (d.amount > 0)
		stats->deposits_credited++;
	else
		stats->deposits_dust++;
	return W3W_OK;
}

static void u256_from_public(w3w__u256 *out, const w3w_u256 *in)
{
	memcpy(out->be, in->be, 32);
}

/*
 * Native value the hot wallet sends a deposit address is custody moving
 * within itself (a sweep's gas top-up), not a user's deposit: never
 * credited. A chain that sweeps must know its hot wallet to tell; one
 * that does not and cannot (no master key, no signer) has made no top-ups.
 */
static w3w_status from_hot_wallet(w3w_chain *chain, const w3w_actor *actor, const w3w_chain_tx *tx, int *yes)
{
	char hot[W3W_ADDRESS_SIZE];
	w3w_status st = w3w__hot_address(chain, actor, 0, hot);

	*yes = 0;
	if (st != W3W_OK)
		return chain->sweep_enabled ? st : W3W_OK;
	*yes = strcasecmp(hot, tx->from) == 0;
	return W3W_OK;
}

static w3w_status native_deposits(w3w_chain *chain, const w3w_actor *actor, const w3w_chain_block *b,
	const w3w__asset *native, w3w_chain_poll_stats *stats)
{
	w3w_chain_adapter *a = chain->adapter;

	for (size_t i = 0; i < b->tx_count; i++) {
		const w3w_chain_tx *tx = &b->txs[i];
		w3w_chain_receipt rc;
		w3w_wallet wallet;
		found f;
		int hit = 0;
		w3w_status st;

		memset(&f, 0, sizeof(f));
		u256_from_public(&f.value, &tx->value);
		if (w3w__u256_is_zero(&f.value))
			continue;
		if ((st = wallet_at(chain, tx->to, &wallet, &hit)) != W3W_OK)
			return st;
		if (!hit)
			continue;
		if ((st = from_hot_wallet(chain, actor, tx, &hit)) != W3W_OK)
			return st;
		if (hit)
			continue;
		/* A reverted transaction moved nothing. A final block's receipt must exist. */
		memset(&rc, 0, sizeof(rc));
		if ((st = a->receipt(a, tx->hash, &rc)) != W3W_OK)
			return st == W3W_ENOTFOUND ? w3w_error_set(W3W_EUNAVAILABLE,
				"chain %s: the node has no receipt for %s of final block %" PRIu64, chain->key,
				tx->hash, b->number) : st;
		if (!rc.success)
			continue;
		f.asset = native;
		f.wallet = &wallet;
		f.tx_hash = tx->hash;
		f.log_index = -1;
		if ((st = credit(chain, actor, b, &f, stats)) != W3W_OK)
			return st;
	}
	return W3W_OK;
}

static w3w_status token_deposits(w3w_chain *chain, const w3w_actor *actor, const w3w_chain_block *b,
	w3w_chain_poll_stats *stats)
{
	w3w_chain_adapter *a = chain->adapter;
	const char *contracts[W3W__ASSETS_MAX];
	w3w_chain_log *logs = NULL;
	size_t nc = 0, n = 0;
	w3w_status st = W3W_OK;

	for (size_t i = 0; i < chain->asset_count; i++)
		if (!chain->assets[i].native)
			contracts[nc++] = chain->assets[i].contract_hex;
	if (nc == 0)
		return W3W_OK;
	if ((st = a->logs(a, b->hash, contracts, nc, transfer_topic, &logs, &n)) != W3W_OK)
		return st;
	for (size_t i = 0; i < n && st == W3W_OK; i++) {
		const w3w_chain_log *lg = &logs[i];
		char to[W3W_ADDRESS_SIZE];
		w3w_wallet wallet;
		found f;
		int hit = 0;

		/* ERC-20: Transfer(from indexed, to indexed, value); ERC-721 has three topics and no data. */
		if (lg->topic_count != 3 || lg->data_len != 32 || memcmp(lg->topics[0], transfer_topic, 32) != 0)
			continue;
		memset(&f, 0, sizeof(f));
		if (!(f.asset = w3w__asset_by_contract(chain, lg->address)))
			continue;
		strcpy(to, "0x");
		w3w__crypto_hex_encode(to + 2, sizeof(to) - 2, lg->topics[2] + 12, 20);
		if ((st = wallet_at(chain, to, &wallet, &hit)) != W3W_OK || !hit)
			continue;
		memcpy(f.value.be, lg->data, 32);
		if (w3w__u256_is_zero(&f.value))
			continue;
		f.wallet = &wallet;
		f.tx_hash = lg->tx_hash;
		f.log_index = (int64_t)lg->log_index;
		st = credit(chain, actor, b, &f, stats);
	}
	free(logs);
	return st;
}

static w3w_status deep_reorg(w3w_chain *chain, int64_t number, const char *stored, const char *now)
{
	return w3w_error_set(W3W_ESTATE,
		"chain %s: processed block %" PRId64 " was %s and is now %s: a reorganisation deeper than %d"
		" confirmations; crediting stopped until an operator checks the deposits", chain->key,
		number, stored, now, chain->opts.confirmations);
}

/* The cursor block must still be on the chain (hash unchanged). */
static w3w_status recheck_cursor(w3w_chain *chain, const w3w_watch_block *cursor, uint64_t head)
{
	w3w_chain_adapter *a = chain->adapter;
	w3w_chain_block *b = NULL;
	w3w_status st;

	if ((uint64_t)cursor->number > head)
		return w3w_error_set(W3W_ESTATE, "chain %s: the node's head %" PRIu64 " is below the processed"
			" block %" PRId64 " (a different or reset chain?)", chain->key, head, cursor->number);
	if ((st = a->block(a, (uint64_t)cursor->number, 0, &b)) != W3W_OK)
		return st;
	if (strcmp(b->hash, cursor->hash) != 0)
		st = deep_reorg(chain, cursor->number, cursor->hash, b->hash);
	a->block_free(a, b);
	return st;
}

static w3w_status process_block(w3w_chain *chain, const w3w_actor *actor, const w3w_chain_block *b,
	w3w_chain_poll_stats *stats)
{
	const w3w__asset *native = w3w__asset_native(chain);
	w3w_status st = W3W_OK;

	if (native)
		st = native_deposits(chain, actor, b, native, stats);
	if (st == W3W_OK)
		st = token_deposits(chain, actor, b, stats);
	return st;
}

/* Blocks processed but not yet stored as processed: written in one storage command. */
typedef struct progress {
	w3w_watch_block blocks[W3W__WATCH_FLUSH];
	size_t count;
	int64_t stored;            /* the cursor as storage has it (-1: none) */
} progress;

static w3w_status flush(w3w_chain *chain, progress *pr, w3w_chain_poll_stats *stats)
{
	const w3w__store *storage = &chain->ctx->store;
	w3w_cmd_watch_advance adv;
	w3w_status st;

	if (pr->count == 0)
		return W3W_OK;
	memset(&adv, 0, sizeof(adv));
	strcpy(adv.chain, chain->key);
	adv.expect_cursor = pr->stored;
	adv.blocks = pr->blocks;
	adv.count = pr->count;
	adv.keep = W3W__WATCH_KEEP;
	if ((st = storage->wallet.watch_advance(storage->handle, &adv)) != W3W_OK)
		return st;
	pr->stored = pr->blocks[pr->count - 1].number;
	stats->cursor = pr->stored;
	pr->count = 0;
	return W3W_OK;
}

/* Keep what this round did (when it can) and report `st`. */
static w3w_status stop(w3w_chain *chain, progress *pr, w3w_chain_poll_stats *stats, w3w_status st)
{
	char message[512];

	snprintf(message, sizeof(message), "%s", w3w_error_message());
	flush(chain, pr, stats);
	return w3w_error_set(st, "%s", message);
}

w3w_status w3w__watch_deposits(w3w_chain *chain, const w3w_actor *actor, w3w_chain_poll_stats *stats)
{
	w3w_chain_adapter *a = chain->adapter;
	const w3w__store *storage = &chain->ctx->store;
	w3w_watch_block prev;
	progress *pr;
	uint64_t head = 0, final, next, last;
	int have_prev;
	w3w_status st;

	if ((st = a->head(a, &head)) != W3W_OK)
		return st;
	stats->head = head;
	memset(&prev, 0, sizeof(prev));
	st = storage->wallet.watch_cursor(storage->handle, chain->key, &prev);
	if (st != W3W_OK && st != W3W_ENOTFOUND)
		return st;
	have_prev = st == W3W_OK;
	stats->cursor = have_prev ? prev.number : -1;
	if (head + 1 < (uint64_t)chain->opts.confirmations)
		return W3W_OK; /* no final block yet */
	final = head + 1 - (uint64_t)chain->opts.confirmations;
	if (have_prev) {
		if ((st = recheck_cursor(chain, &prev, head)) != W3W_OK)
			return st;
		next = (uint64_t)prev.number + 1;
	} else {
		next = chain->opts.start_block >= 0 ? (uint64_t)chain->opts.start_block : final;
	}
	if (next > final)
		return W3W_OK;
	last = final - next + 1 > (uint64_t)chain->opts.max_blocks_per_poll
		? next + (uint64_t)chain->opts.max_blocks_per_poll - 1 : final;
	if (!(pr = calloc(1, sizeof(*pr))))
		return w3w_error_set(W3W_ENOMEM, "watcher: out of memory");
	pr->stored = have_prev ? prev.number : -1;

	/* The cursor moves after the deposits of its blocks are credited, a batch of blocks at a time. */
	for (uint64_t n = next; n <= last; n++) {
		w3w_chain_block *b = NULL;

		if ((st = a->block(a, n, 1, &b)) != W3W_OK) {
			st = st == W3W_ENOTFOUND ? w3w_error_set(W3W_EUNAVAILABLE,
				"chain %s: the node lost final block %" PRIu64, chain->key, n) : st;
			break;
		}
		if (have_prev && strcmp(b->parent_hash, prev.hash) != 0)
			st = deep_reorg(chain, prev.number, prev.hash, b->parent_hash);
		else
			st = process_block(chain, actor, b, stats);
		if (st == W3W_OK) {
			w3w_watch_block *wb = &pr->blocks[pr->count++];
			wb->number = (int64_t)b->number;
			snprintf(wb->hash, sizeof(wb->hash), "%s", b->hash);
			prev = *wb;
			have_prev = 1;
			stats->blocks++;
		}
		a->block_free(a, b);
		if (st == W3W_OK && pr->count == W3W__WATCH_FLUSH)
			st = flush(chain, pr, stats);
		if (st == W3W_ECONFLICT) {
			pr->count = 0; /* nothing left to store: the other watcher is ahead */
			break;
		}
		if (st != W3W_OK)
			break;
	}
	if (st == W3W_OK)
		st = flush(chain, pr, stats);
	else if (st != W3W_ECONFLICT)
		st = stop(chain, pr, stats, st);
	free(pr);
	/* Another watcher (process) moved the cursor first: its work stands, ours was idempotent. */
	if (st == W3W_ECONFLICT) {
		w3w_error_clear();
		st = W3W_OK;
	}
	return st;
}

/*
 * Loading a storage backend: check its handle and tables, copy them into
 * core's view at this library's versions (members an older table lacks
 * stay NULL), and read handles of the flat interface (versions 2 and 3).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"
#include "core/registry.h"
#include "core/store.h"
#include "util/assert.h"

typedef void (*any_fn)(void);

/* Size of each table at each of its versions (index = version; members are only appended). */
#define SIZES(T) { 0, sizeof(T) }
static const size_t market_sizes[] = { 0, offsetof(w3w_market_store, transfer_batch), sizeof(w3w_market_store) };
static const size_t outbox_sizes[] = { 0, offsetof(w3w_outbox_store, events_of), sizeof(w3w_outbox_store) };
/* Audit version 2 has the same members; its records carry trace_id (w3w__store_audit_read). */
static const size_t audit_sizes[] = { 0, sizeof(w3w_audit_store), sizeof(w3w_audit_store) };
/* Wallet version 2 appended the withdrawal limits, 3 chain_deposit_list, 4 the sweeps, 5 the withdrawal attempts. */
static const size_t wallet_sizes[] = { 0, offsetof(w3w_wallet_store, limit_set),
	offsetof(w3w_wallet_store, chain_deposit_list), offsetof(w3w_wallet_store, wallet_list_from),
	offsetof(w3w_wallet_store, withdrawal_attempt_add),
	sizeof(w3w_wallet_store) };
static const size_t replica_sizes[] = SIZES(w3w_replica_store);
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Function members of a table copied at `size` bytes: how many are NULL. */
static size_t null_members(const void *table, size_t first, size_t size)
{
	size_t missing = 0;
	for (size_t at = first; at + sizeof(any_fn) <= size; at += sizeof(any_fn)) {
		any_fn fn;
		memcpy(&fn, (const char *)table + at, sizeof(fn));
		missing += fn == NULL;
	}
	return missing;
}

/*
 * Copy `src` (a table of the backend's version) into `dst` (this library's
 * size), zeroing what the backend's version lacks. Every member the
 * backend's version has must be set: half a table would fail mid-command.
 */
static w3w_status adopt_table(const char *backend, const char *what, void *dst, size_t dst_size,
	const void *src, const size_t *sizes, size_t nsizes, size_t first)
{
	unsigned int version;
	memset(dst, 0, dst_size);
	if (!src)
		return W3W_OK;
	memcpy(&version, src, sizeof(version));
	if (version == 0 || version >= nsizes)
		return w3w_error_set(W3W_EVERSION, "storage backend '%s': %s table version %u, this library loads 1 to %zu",
			backend, what, version, nsizes - 1);
	memcpy(dst, src, sizes[version]);
	if (null_members(dst, first, sizes[version]) != 0)
		return w3w_error_set(W3W_EINVAL, "storage backend '%s': %s table has NULL members", backend, what);
	return W3W_OK;
}

#define ADOPT(s, what, field, T, src, sizes, first_member)                                        \
	adopt_table((s)->name, (what), &(s)->field, sizeof((s)->field), (src), (sizes), COUNT(sizes), \
		offsetof(T, first_member))

/*
 * Versions 2 and 3: after version and name, one flat list of function
 * pointers. Where each of them lives now, in their old order (version 3
 * appended the last two).
 */
static const size_t flat_members[] = {
	offsetof(w3w__store, market.transfer), offsetof(w3w__store, market.supply_create),
	offsetof(w3w__store, market.supply_update), offsetof(w3w__store, market.supply_delete),
	offsetof(w3w__store, market.order_create), offsetof(w3w__store, market.order_cancel),
	offsetof(w3w__store, market.claim_create), offsetof(w3w__store, market.claim_process),
	offsetof(w3w__store, market.claim_release), offsetof(w3w__store, market.supply_get),
	offsetof(w3w__store, market.supply_list), offsetof(w3w__store, market.order_get),
	offsetof(w3w__store, market.order_list), offsetof(w3w__store, market.claim_get),
	offsetof(w3w__store, market.claim_get_live), offsetof(w3w__store, market.accounts),
	offsetof(w3w__store, market.ledger_totals), offsetof(w3w__store, outbox.take),
	offsetof(w3w__store, outbox.ack), offsetof(w3w__store, outbox.stats),
	offsetof(w3w__store, audit.append), offsetof(w3w__store, audit.seal),
	offsetof(w3w__store, audit.read), offsetof(w3w__store, audit.unsealed),
	offsetof(w3w__store, ping), offsetof(w3w__store, market.purge_expired),
	offsetof(w3w__store, free), offsetof(w3w__store, wallet.secrets_create),
	offsetof(w3w__store, wallet.secrets_reseal), offsetof(w3w__store, wallet.secrets_retire),
	offsetof(w3w__store, wallet.secret_list), offsetof(w3w__store, wallet.wallet_index_next),
	offsetof(w3w__store, wallet.wallet_create), offsetof(w3w__store, wallet.wallet_list),
	offsetof(w3w__store, wallet.wallet_find), offsetof(w3w__store, wallet.withdrawal_create),
	offsetof(w3w__store, wallet.withdrawal_update), offsetof(w3w__store, wallet.withdrawal_get),
	offsetof(w3w__store, wallet.withdrawal_list_open), offsetof(w3w__store, wallet.watch_cursor),
	offsetof(w3w__store, wallet.watch_block), offsetof(w3w__store, wallet.watch_advance),
	offsetof(w3w__store, wallet.chain_deposit_put), offsetof(w3w__store, wallet.chain_deposit_get),
	offsetof(w3w__store, replica.commit_position), offsetof(w3w__store, replica.replay_position),
};
#define FLAT_V2_MEMBERS 44

struct flat_handle {
	unsigned int version;
	const char *name;
	any_fn members[COUNT(flat_members)];
};

/* The flat handle's tables, checked as the versioned ones are. */
static w3w_status adopt_flat(w3w__store *s, const w3w_storage *handle)
{
	struct flat_handle flat;
	size_t n = handle->version == 2 ? FLAT_V2_MEMBERS : COUNT(flat_members);
	w3w__store copy;

	W3W_ASSERT(handle->version == 2 || handle->version == 3);

	memset(&flat, 0, sizeof(flat));
	memcpy(&flat, handle, offsetof(struct flat_handle, members) + n * sizeof(any_fn));
	memset(&copy, 0, sizeof(copy));
	for (size_t i = 0; i < n; i++)
		memcpy((char *)&copy + flat_members[i], &flat.members[i], sizeof(any_fn));
	copy.market.version = copy.outbox.version = copy.audit.version = 1;
	copy.wallet.version = copy.wallet.secrets_create ? 1 : 0;
	copy.replica.version = copy.replica.commit_position ? 1 : 0;
	s->ping = copy.ping;
	s->free = copy.free;
	return ADOPT(s, "market", market, w3w_market_store, &copy.market, market_sizes, transfer) ||
	       ADOPT(s, "outbox", outbox, w3w_outbox_store, &copy.outbox, outbox_sizes, take) ||
	       ADOPT(s, "audit", audit, w3w_audit_store, &copy.audit, audit_sizes, append) ||
	       ADOPT(s, "wallet", wallet, w3w_wallet_store, copy.wallet.version ? &copy.wallet : NULL, wallet_sizes,
		       secrets_create) ||
	       ADOPT(s, "replica", replica, w3w_replica_store, copy.replica.version ? &copy.replica : NULL, replica_sizes,
		       commit_position)
		? w3w_error_code() : W3W_OK;
}

static w3w_status adopt_tables(w3w__store *s, const w3w_storage *h)
{
	s->ping = h->ping;
	s->free = h->free;
	if (!h->market || !h->outbox || !h->audit)
		return w3w_error_set(W3W_EINVAL, "storage backend '%s': the market, outbox and audit tables are required",
			s->name);
	return ADOPT(s, "market", market, w3w_market_store, h->market, market_sizes, transfer) ||
	       ADOPT(s, "outbox", outbox, w3w_outbox_store, h->outbox, outbox_sizes, take) ||
	       ADOPT(s, "audit", audit, w3w_audit_store, h->audit, audit_sizes, append) ||
	       ADOPT(s, "wallet", wallet, w3w_wallet_store, h->wallet, wallet_sizes, secrets_create) ||
	       ADOPT(s, "replica", replica, w3w_replica_store, h->replica, replica_sizes, commit_position)
		? w3w_error_code() : W3W_OK;
}

w3w_status w3w__store_adopt(w3w__store *out, w3w_storage *handle)
{
	w3w_status st;

	W3W_ASSERT(out && handle); /* from a backend's open that answered W3W_OK */
	memset(out, 0, sizeof(*out));
	out->handle = handle;
	out->name = handle->name ? handle->name : "unnamed";
	if (handle->version < W3W_STORAGE_VERSION_MIN || handle->version > W3W_STORAGE_VERSION)
		st = w3w_error_set(W3W_EVERSION, "storage backend '%s': interface version %u, this library loads %u to %u",
			out->name, handle->version, W3W_STORAGE_VERSION_MIN, W3W_STORAGE_VERSION);
	else
		st = handle->version < 4 ? adopt_flat(out, handle) : adopt_tables(out, handle);
	if (st == W3W_OK && (!out->ping || !out->free))
		st = w3w_error_set(W3W_EINVAL, "storage backend '%s': ping and free are required", out->name);
	if (st != W3W_OK) {
		/* Free through what the handle says, whatever else was wrong with it. */
		void (*free_fn)(w3w_storage *) = out->free ? out->free : handle->version >= 4 ? handle->free : NULL;
		if (free_fn)
			free_fn(handle);
		memset(out, 0, sizeof(*out));
	}
	return st;
}

w3w_status w3w__store_open(w3w__store *out, const char *url, const w3w_backend_config *cfg)
{
	w3w_storage *handle = NULL;
	w3w_status st;

	memset(out, 0, sizeof(*out));
	if ((st = w3w__storage_open_url(&handle, url, cfg)) != W3W_OK)
		return st;
	return w3w__store_adopt(out, handle);
}

void w3w__store_close(w3w__store *s)
{
	if (s->handle && s->free)
		s->free(s->handle);
	memset(s, 0, sizeof(*s));
}


/* A version 1 record is a version 2 record cut before trace_id: same members, same offsets. */
_Static_assert(sizeof(w3w_audit_record_v1) == offsetof(w3w_audit_record, trace_id), "audit record v1 is a prefix");
_Static_assert(offsetof(w3w_audit_record_v1, hash) == offsetof(w3w_audit_record, hash), "audit record v1 is a prefix");
_Static_assert(offsetof(w3w_audit_record_v1, created_at) == offsetof(w3w_audit_record, created_at),
	"audit record v1 is a prefix");

w3w_status w3w__store_audit_read(const w3w__store *s, int64_t after_pos, size_t max,
	w3w_audit_record **out, size_t *count)
{
	w3w_audit_record *wide;
	unsigned char *narrow = NULL;
	size_t n = 0;
	w3w_status st;

	*out = NULL;
	*count = 0;
	if (s->audit.version >= 2)
		return s->audit.read(s->handle, after_pos, max, out, count);
	/* Version 1 answers an array of the shorter record: widen it, with no trace. */
	if ((st = s->audit.read(s->handle, after_pos, max, (w3w_audit_record **)(void *)&narrow, &n)) != W3W_OK ||
	    n == 0) {
		free(narrow);
		return st;
	}
	if (!(wide = calloc(n, sizeof(*wide)))) {
		free(narrow);
		return w3w_error_set(W3W_ENOMEM, "audit read: out of memory");
	}
	for (size_t i = 0; i < n; i++)
		memcpy(&wide[i], narrow + i * sizeof(w3w_audit_record_v1), sizeof(w3w_audit_record_v1));
	free(narrow);
	*out = wide;
	*count = n;
	return W3W_OK;
}

w3w_audit_hash_fn w3w__store_audit_hash(const w3w__store *s)
{
	/* A version 1 backend hands the hash function its shorter record: trace_id must not be read. */
	return s->audit.version >= 2 ? w3w__audit_hash : w3w__audit_hash_v1;
}

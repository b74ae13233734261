/*
 * The audit chain. Records are written by commands inside their own
 * transactions; sealing links them afterwards, in the order the sealer
 * reads them, so commands never wait on one global chain lock.
 *   hash(n) = BLAKE2b-256("w3w-audit-v1" | prev_hash | pos | id | actor | action | target | outcome | created_at
 *                         [| trace_id, only when the record has one])
 * A record without a trace (every record written before trace ids were
 * stored) hashes exactly as before, so old chains still verify; one with a
 * trace cannot lose or change it unnoticed.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/audit.h"
#include "core/context.h"
#include "core/query.h"
#include "core/store.h"
#include "core/validate.h"

#define VERIFY_BATCH 4096

static void hash_field(crypto_generichash_state *h, const char *s)
{
	/* Length-prefixed, so fields cannot run into each other. */
	uint32_t n = (uint32_t)strlen(s);
	unsigned char len[4] = { (unsigned char)(n >> 24), (unsigned char)(n >> 16),
		(unsigned char)(n >> 8), (unsigned char)n };
	crypto_generichash_update(h, len, sizeof(len));
	crypto_generichash_update(h, (const unsigned char *)s, n);
}

static void audit_hash(unsigned char hash[32], const unsigned char prev_hash[32], const w3w_audit_record *rec,
	const char *trace_id)
{
	crypto_generichash_state h;
	char num[32];

	crypto_generichash_init(&h, NULL, 0, 32);
	hash_field(&h, "w3w-audit-v1");
	crypto_generichash_update(&h, prev_hash, 32);
	snprintf(num, sizeof(num), "%" PRId64, rec->chain_pos);
	hash_field(&h, num);
	hash_field(&h, rec->id);
	hash_field(&h, rec->actor_id);
	hash_field(&h, rec->action);
	hash_field(&h, rec->target_id);
	hash_field(&h, rec->outcome);
	snprintf(num, sizeof(num), "%" PRId64, rec->created_at);
	hash_field(&h, num);
	if (trace_id[0])
		hash_field(&h, trace_id);
	crypto_generichash_final(&h, hash, 32);
}

void w3w__audit_hash(unsigned char hash[32], const unsigned char prev_hash[32], const w3w_audit_record *rec)
{
	/* A trace id of the wrong shape is hashed as it is: verification then reports the record. */
	audit_hash(hash, prev_hash, rec, memchr(rec->trace_id, '\0', sizeof(rec->trace_id)) ? rec->trace_id : "?");
}

void w3w__audit_hash_v1(unsigned char hash[32], const unsigned char prev_hash[32], const w3w_audit_record *rec)
{
	audit_hash(hash, prev_hash, rec, "");
}

w3w_status w3w_audit_seal(w3w_ctx *ctx, size_t max, size_t *sealed)
{
	size_t total = 0, n;
	w3w_status st = W3W_OK;

	if (!ctx)
		return w3w_error_set(W3W_EINVAL, "ctx: NULL");
	/* max 0: everything, in bounded batches so one call never holds the seal lock long. */
	do {
		size_t batch = max ? max - total : VERIFY_BATCH;
		n = 0;
		st = ctx->store.audit.seal(ctx->store.handle, w3w__store_audit_hash(&ctx->store), batch, &n);
		total += n;
		/* Bounded calls (the relay's) stop at a short batch: a relay round must not keep
		 * sealing a trickle of new records while events wait. max 0 seals to the end. */
		if (n == 0 || (max != 0 && n < batch))
			break;
	} while (st == W3W_OK && (max == 0 || total < max));
	if (sealed)
		*sealed = total;
	return st;
}

/* Reading the audit log is for auditors and admins. */
static w3w_status auditor_only(const w3w_actor *actor, const char *what)
{
	w3w_status st = w3w__check_actor(actor);
	if (st == W3W_OK && !w3w__has_role(actor, W3W_ROLE_AUDITOR | W3W_ROLE_ADMIN))
		st = w3w_error_set(W3W_EFORBIDDEN, "%s: needs the auditor or admin role", what);
	return st;
}

w3w_status w3w_audit_verify(w3w_audit_report *out, w3w_ctx *ctx, const w3w_actor *actor)
{
	unsigned char prev[32] = { 0 }, expect[32];
	int64_t pos = 0;
	w3w_status st;

	if (!out || !ctx)
		return w3w_error_set(W3W_EINVAL, "out/ctx: NULL");
	if ((st = auditor_only(actor, "audit verify")) != W3W_OK)
		return st;
	memset(out, 0, sizeof(*out));
	if ((st = w3w_audit_seal(ctx, 0, NULL)) != W3W_OK)
		return st;
	out->ok = 1;
	for (;;) {
		w3w_audit_record *recs = NULL;
		size_t n = 0;
		if ((st = w3w__store_audit_read(&ctx->store, pos, VERIFY_BATCH, &recs, &n)) != W3W_OK)
			return st;
		for (size_t i = 0; i < n && out->ok; i++) {
			const w3w_audit_record *r = &recs[i];
			const char *why = NULL;
			if (r->chain_pos != pos + 1)
				why = "chain position out of sequence (record missing or inserted)";
			else if (sodium_memcmp(r->prev_hash, prev, 32) != 0)
				why = "prev_hash does not match the previous record";
			else {
				w3w__audit_hash(expect, prev, r);
				if (sodium_memcmp(r->hash, expect, 32) != 0)
					why = "hash does not match the record's contents";
			}
			if (why) {
				out->ok = 0;
				out->first_bad = pos + 1;
				snprintf(out->reason, sizeof(out->reason), "%s", why);
				break;
			}
			memcpy(prev, r->hash, 32);
			pos = r->chain_pos;
			out->records++;
		}
		free(recs);
		if (n == 0 || !out->ok)
			break;
	}
	return ctx->store.audit.unsealed(ctx->store.handle, &out->unsealed);
}

w3w_status w3w_audit_read(w3w_audit_page **out, w3w_ctx *ctx, const w3w_actor *actor, int64_t after_pos, int limit)
{
	w3w_audit_page *page;
	w3w_status st;

	if (!out || !ctx)
		return w3w_error_set(W3W_EINVAL, "out/ctx: NULL");
	*out = NULL;
	if ((st = auditor_only(actor, "audit read")) != W3W_OK)
		return st;
	if (after_pos < 0)
		return w3w_error_set(W3W_EINVAL, "after_pos: must be 0 or more");
	if (limit < 0 || limit > W3W_LIST_LIMIT_MAX)
		return w3w_error_set(W3W_EINVAL, "limit: must be 1 to %d (0: %d)", W3W_LIST_LIMIT_MAX,
			W3W__LIST_LIMIT_DEFAULT);
	if ((st = w3w_audit_seal(ctx, 0, NULL)) != W3W_OK)
		return st;
	if (!(page = calloc(1, sizeof(*page))))
		return w3w_error_set(W3W_ENOMEM, "audit read: out of memory");
	if ((st = w3w__store_audit_read(&ctx->store, after_pos, (size_t)(limit ? limit : W3W__LIST_LIMIT_DEFAULT), &page->items, &page->count)) != W3W_OK) {
		w3w_audit_page_free(page);
		return st;
	}
	page->next_after = page->count ? page->items[page->count - 1].chain_pos : after_pos;
	*out = page;
	return W3W_OK;
}

void w3w_audit_page_free(w3w_audit_page *page)
{
	if (!page)
		return;
	free(page->items);
	free(page);
}

w3w_status w3w_outbox_stats_get(w3w_outbox_stats *out, w3w_ctx *ctx, const w3w_actor *actor)
{
	w3w_status st;
	if (!out || !ctx)
		return w3w_error_set(W3W_EINVAL, "out/ctx: NULL");
	if ((st = w3w__check_actor(actor)) != W3W_OK)
		return st;
	if (!w3w__has_role(actor, W3W_ROLE_ADMIN | W3W_ROLE_AUDITOR | W3W_ROLE_SERVICE))
		return w3w_error_set(W3W_EFORBIDDEN, "outbox stats: need admin, auditor or service");
	memset(out, 0, sizeof(*out));
	return ctx->store.outbox.stats(ctx->store.handle, out);
}

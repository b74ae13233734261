/*
 * Audit: every command (committed or refused) leaves a record (actor,
 * action, target, outcome, and the trace it ran in). Records are written
 * inside the command's transaction and linked afterwards, in commit order,
 * into a BLAKE2b hash chain by a sealer (the relay thread, or
 * w3w_audit_seal()), so the chain is never one global lock that every
 * command waits on.
 */
#ifndef W3WALLET_AUDIT_H
#define W3WALLET_AUDIT_H

#include "w3wallet/context.h"
#include "w3wallet/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

/** One audit record: who did what to which record, with what outcome, in which trace. */
typedef struct w3w_audit_record {
	int64_t chain_pos;                  /**< position in the chain; 0 until sealed */
	char id[W3W_ID_SIZE];
	char actor_id[W3W_ID_SIZE];
	char action[W3W_EVENT_TYPE_SIZE];   /**< "claim.create" */
	char target_id[W3W_ID_SIZE];        /**< "" when none */
	char outcome[W3W_EVENT_TYPE_SIZE];  /**< w3w_status_name() of the result ("ok" on success) */
	w3w_time created_at;
	unsigned char prev_hash[32];        /**< sealed only */
	unsigned char hash[32];             /**< sealed only */
	/**
	 * The W3C trace the command ran in (w3w_trace_set() on its thread): ""
	 * when none, and in records written by libw3wallet 0.2 and older. Part
	 * of the record's hash when set (see "Audit" in docs/api.md).
	 */
	char trace_id[W3W_TRACE_ID_SIZE];
} w3w_audit_record;

/** Sealed audit records in chain order. Free with w3w_audit_page_free(). */
typedef struct w3w_audit_page {
	w3w_audit_record *items;
	size_t count;
	int64_t next_after;  /**< the next page's after_pos: chain_pos of the last item (after_pos when none) */
} w3w_audit_page;

typedef struct w3w_audit_report {
	int ok;                /**< 1 if every sealed record links and hashes correctly */
	int64_t records;       /**< sealed records checked */
	int64_t unsealed;      /**< records written but not linked yet */
	int64_t first_bad;     /**< chain position of the first bad record, 0 if ok */
	char reason[128];      /**< why first_bad is bad */
} w3w_audit_report;

/**
 * Seal what is pending, then walk the whole chain (roles: auditor or admin).
 * A broken chain is reported in *out with W3W_OK; the status is for
 * failures to verify at all.
 */
W3W_EXTERN w3w_status w3w_audit_verify(w3w_audit_report *out, w3w_ctx *ctx, const w3w_actor *actor);

/**
 * Seal what is pending, then read up to `limit` (1..W3W_LIST_LIMIT_MAX; 0:
 * 50) sealed records with chain_pos > after_pos, in chain order (roles:
 * auditor or admin).
 */
W3W_EXTERN w3w_status w3w_audit_read(w3w_audit_page **out, w3w_ctx *ctx, const w3w_actor *actor,
	int64_t after_pos, int limit);

W3W_EXTERN void w3w_audit_page_free(w3w_audit_page *page);

/** Link up to `max` (0 = all) pending records into the chain; *sealed may be NULL. */
W3W_EXTERN w3w_status w3w_audit_seal(w3w_ctx *ctx, size_t max, size_t *sealed);

#ifdef __cplusplus
}
#endif
#endif

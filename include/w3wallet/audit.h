/*
 * Audit: every command (committed or refused) leaves a record (actor,
 * action, target, outcome). Records are written inside the command's
 * transaction and linked afterwards, in commit order, into a BLAKE2b hash
 * chain by a sealer (the relay thread, or w3w_audit_seal()), so the chain
 * is never one global lock that every command waits on.
 */
#ifndef W3WALLET_AUDIT_H
#define W3WALLET_AUDIT_H

#include "w3wallet/context.h"

#ifdef __cplusplus
extern "C" {
#endif

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

/** Link up to `max` (0 = all) pending records into the chain; *sealed may be NULL. */
W3W_EXTERN w3w_status w3w_audit_seal(w3w_ctx *ctx, size_t max, size_t *sealed);

#ifdef __cplusplus
}
#endif
#endif

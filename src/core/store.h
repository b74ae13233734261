/*
 * The storage as core calls it: the backend's handle and copies of its
 * tables upgraded to this library's versions, so that core never checks a
 * version at a call site: a member the backend's version lacks is NULL.
 * Handles of interface versions 2 and 3 (one flat table) load through the
 * same view.
 */
#ifndef W3W_CORE_STORE_H
#define W3W_CORE_STORE_H

#include "w3wallet/sys/storage.h"

typedef struct w3w__store {
	w3w_storage *handle;        /* what every table function takes */
	const char *name;
	w3w_market_store market;
	w3w_outbox_store outbox;
	w3w_audit_store audit;
	w3w_wallet_store wallet;    /* version 0: the backend has no wallet support */
	w3w_replica_store replica;  /* version 0: no replica positions */
	w3w_status (*ping)(w3w_storage *st);
	void (*free)(w3w_storage *st);
} w3w__store;

/* Opens the backend registered for url's scheme and checks its tables. */
w3w_status w3w__store_open(w3w__store *out, const char *url, const w3w_backend_config *cfg);
/* Takes over a handle a backend's open function returned (closes it on failure). */
w3w_status w3w__store_adopt(w3w__store *out, w3w_storage *handle);
void w3w__store_close(w3w__store *s);

/* Sealed audit records as this library's w3w_audit_record, whatever the backend's audit table version. */
w3w_status w3w__store_audit_read(const w3w__store *s, int64_t after_pos, size_t max,
	w3w_audit_record **out, size_t *count);
/* The hash function to give the backend's audit seal (its version decides the record it passes). */
w3w_audit_hash_fn w3w__store_audit_hash(const w3w__store *s);

#endif

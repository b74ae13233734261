/* The audit chain's hash: BLAKE2b-256 over the previous hash and the record's canonical bytes. */
#ifndef W3W_CORE_AUDIT_H
#define W3W_CORE_AUDIT_H

#include "w3wallet/sys/storage.h"

/* hash(n) of a record; its trace id is hashed when set, so records without one hash as in version 1. */
void w3w__audit_hash(unsigned char hash[32], const unsigned char prev_hash[32], const w3w_audit_record *rec);
/* The same for a record of audit table version 1 (w3w_audit_record_v1 passed as w3w_audit_record): no trace. */
void w3w__audit_hash_v1(unsigned char hash[32], const unsigned char prev_hash[32], const w3w_audit_record *rec);

#endif

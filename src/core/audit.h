/* The audit chain's hash: BLAKE2b-256 over the previous hash and the record's canonical bytes. */
#ifndef W3W_CORE_AUDIT_H
#define W3W_CORE_AUDIT_H

#include "w3wallet/sys/storage.h"

void w3w__audit_hash(unsigned char hash[32], const unsigned char prev_hash[32], const w3w_audit_record *rec);

#endif

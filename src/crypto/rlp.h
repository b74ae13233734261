/*
 * A small RLP encoder (Ethereum yellow paper, appendix B): byte strings,
 * big-endian integers without leading zeros, and nested lists. Errors are
 * sticky: after a failed append every later call does nothing and
 * w3w__rlp_error() reports the first failure, so a caller checks once.
 */
#ifndef W3W_CRYPTO_RLP_H
#define W3W_CRYPTO_RLP_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
	unsigned char *data; /* owned: malloc'd, freed by w3w__rlp_free */
	size_t len;
	size_t cap;
	int err;
} w3w__rlp;

void w3w__rlp_init(w3w__rlp *r);
void w3w__rlp_free(w3w__rlp *r);
int w3w__rlp_error(const w3w__rlp *r);

/* Append raw bytes as they are (for the 0x02 type prefix of EIP-2718). */
void w3w__rlp_put_raw(w3w__rlp *r, const unsigned char *p, size_t len);
/* A byte string. */
void w3w__rlp_put_bytes(w3w__rlp *r, const unsigned char *p, size_t len);
/* An integer given big-endian; leading zero bytes are dropped (0 is the empty string). */
void w3w__rlp_put_uint_be(w3w__rlp *r, const unsigned char *be, size_t len);
void w3w__rlp_put_u64(w3w__rlp *r, uint64_t v);

/* Lists: begin returns a mark, end turns everything after it into one list. */
size_t w3w__rlp_list_begin(const w3w__rlp *r);
void w3w__rlp_list_end(w3w__rlp *r, size_t mark);

/* Hand the encoded bytes to the caller (free() them) and reset r. */
int w3w__rlp_take(w3w__rlp *r, unsigned char **out, size_t *out_len);

#endif

/*
 * Ethereum (EVM) primitives: addresses with the EIP-55 checksum, signing
 * of legacy EIP-155 and EIP-1559 (type 2) transactions, and EIP-191
 * personal_sign messages with signer recovery.
 *
 * Signatures are RFC 6979 deterministic and low-s (EIP-2), made by
 * libsecp256k1. Private keys are 32-byte secp256k1 scalars passed as
 * (p, len); a wrong length is ELENGTH, an invalid scalar EKEY.
 */
#ifndef W3W_CRYPTO_EVM_H
#define W3W_CRYPTO_EVM_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/u256.h"

#define W3W__EVM_ADDRESS_LEN 20
#define W3W__EVM_ADDRESS_TEXT_SIZE 43 /* "0x" + 40 hex digits + NUL */
#define W3W__EVM_HASH_LEN 32
#define W3W__EVM_SIGNATURE_LEN 65     /* r || s || v */

/* ---- addresses ---- */

/* Last 20 bytes of Keccak-256 of the 64-byte public key (x || y). pub is
 * 33 (compressed) or 65 (uncompressed) bytes; EKEY if not on the curve. */
int w3w__evm_address_from_pubkey(unsigned char out[W3W__EVM_ADDRESS_LEN],
                                 const unsigned char *pub, size_t pub_len);
int w3w__evm_address_from_privkey(unsigned char out[W3W__EVM_ADDRESS_LEN],
                                  const unsigned char *priv, size_t priv_len);

/* "0x" + EIP-55 mixed-case hex, NUL-terminated. */
int w3w__evm_address_to_text(char out[W3W__EVM_ADDRESS_TEXT_SIZE],
                             const unsigned char addr[W3W__EVM_ADDRESS_LEN]);

/* Accept only text whose letters match the EIP-55 checksum exactly. */
#define W3W__EVM_ADDRESS_STRICT 1u

/*
 * Parse "0x" + 40 hex digits. Errors, checked in this order: ELENGTH when
 * the text is not 42 characters, EFORMAT without the "0x" prefix,
 * ECHARSET for a non-hex digit, ECHECKSUM when the letters are mixed case
 * and do not match EIP-55. Without W3W__EVM_ADDRESS_STRICT, all-lowercase
 * and all-uppercase text carries no checksum and is accepted (as ethers
 * and geth do); with it, it must match too.
 */
int w3w__evm_address_parse(unsigned char out[W3W__EVM_ADDRESS_LEN],
                           const char *text, size_t len, unsigned flags);

/* ---- transactions ---- */

typedef enum {
	W3W__EVM_TX_LEGACY = 0,  /* EIP-155 replay-protected legacy transaction */
	W3W__EVM_TX_EIP1559 = 2  /* EIP-2718 type 2, empty access list */
} w3w__evm_tx_type;

typedef struct {
	w3w__evm_tx_type type;
	uint64_t chain_id;                 /* >= 1 */
	uint64_t nonce;
	w3w__u256 gas_price;               /* legacy only */
	w3w__u256 max_priority_fee_per_gas; /* EIP-1559 only */
	w3w__u256 max_fee_per_gas;          /* EIP-1559 only */
	uint64_t gas_limit;
	int has_to;                        /* 0: contract creation */
	unsigned char to[W3W__EVM_ADDRESS_LEN];
	w3w__u256 value;                   /* wei */
	const unsigned char *data;         /* call data, may be NULL when data_len is 0 */
	size_t data_len;
} w3w__evm_tx;

/* Zeroed transaction of the given type (to set field by field). */
void w3w__evm_tx_init(w3w__evm_tx *tx, w3w__evm_tx_type type);

/* The hash that gets signed (EIP-155 / EIP-1559 signing payload). */
int w3w__evm_tx_signing_hash(unsigned char out32[W3W__EVM_HASH_LEN], const w3w__evm_tx *tx);

/*
 * Sign tx: *raw_out gets the raw signed transaction (as sent with
 * eth_sendRawTransaction; malloc'd, the caller free()s it) and hash_out
 * (may be NULL) the transaction hash, Keccak-256 of the raw bytes.
 * ERANGE for chain_id 0 or too large for EIP-155's v, EINVAL for an
 * unknown type.
 */
int w3w__evm_tx_sign(unsigned char **raw_out, size_t *raw_len,
                     unsigned char hash_out[W3W__EVM_HASH_LEN],
                     const w3w__evm_tx *tx, const unsigned char *priv, size_t priv_len);

/* ---- signatures and messages ---- */

/* Sign a 32-byte hash: out = r || s || recovery id (0 or 1). */
int w3w__evm_sign_hash(unsigned char out[W3W__EVM_SIGNATURE_LEN],
                       const unsigned char hash[W3W__EVM_HASH_LEN],
                       const unsigned char *priv, size_t priv_len);

/*
 * Address that signed hash. sig is 65 bytes r || s || v with v in
 * {0, 1, 27, 28}; ELENGTH for another length, ESIGNATURE for another v, a
 * zero or out-of-range r or s, a high s (EIP-2 malleability rule), or a
 * signature from which no key can be recovered.
 */
int w3w__evm_recover(unsigned char out[W3W__EVM_ADDRESS_LEN],
                     const unsigned char hash[W3W__EVM_HASH_LEN],
                     const unsigned char *sig, size_t sig_len);

/* EIP-191 version 0x45: Keccak-256("\x19Ethereum Signed Message:\n" + len + msg). */
int w3w__evm_personal_hash(unsigned char out32[W3W__EVM_HASH_LEN],
                           const unsigned char *msg, size_t len);

/* personal_sign: 65 bytes r || s || v with v = 27 or 28, as wallets produce. */
int w3w__evm_personal_sign(unsigned char out[W3W__EVM_SIGNATURE_LEN],
                           const unsigned char *msg, size_t len,
                           const unsigned char *priv, size_t priv_len);

int w3w__evm_personal_recover(unsigned char out[W3W__EVM_ADDRESS_LEN],
                              const unsigned char *msg, size_t len,
                              const unsigned char *sig, size_t sig_len);

/* 0 when sig is addr's personal_sign of msg; ESIGNATURE when it is not
 * (or the errors of w3w__evm_recover). */
int w3w__evm_personal_verify(const unsigned char addr[W3W__EVM_ADDRESS_LEN],
                             const unsigned char *msg, size_t len,
                             const unsigned char *sig, size_t sig_len);

#endif

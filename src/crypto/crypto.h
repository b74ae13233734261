/*
 * Crypto layer: status codes shared by every src/crypto/ module, one-time
 * initialisation, and the mapping to the public w3w_status codes.
 *
 * Every w3w__ function of this layer returns 0 on success or one of the
 * negative codes below; each names one kind of bad input, so a caller (and
 * a test) can tell a wrong checksum from a wrong length. Messages never
 * contain key material: they describe the kind of failure only.
 */
#ifndef W3W_CRYPTO_CRYPTO_H
#define W3W_CRYPTO_CRYPTO_H

enum {
	W3W__CRYPTO_OK        =    0,
	W3W__CRYPTO_EINVAL    =   -1, /* NULL pointer or unusable argument */
	W3W__CRYPTO_ENOMEM    =   -2, /* allocation failed */
	W3W__CRYPTO_ELENGTH   = -101, /* input or output has the wrong length */
	W3W__CRYPTO_ECHARSET  = -102, /* a character outside the encoding's alphabet */
	W3W__CRYPTO_EFORMAT   = -103, /* malformed structure (missing 0x, empty field, ...) */
	W3W__CRYPTO_ECHECKSUM = -104, /* checksum (EIP-55, base58check, BIP-39) mismatch */
	W3W__CRYPTO_EWORD     = -105, /* word not in the BIP-39 English list */
	W3W__CRYPTO_EPATH     = -106, /* malformed or unsupported derivation path */
	W3W__CRYPTO_EKEY      = -107, /* invalid key (out of curve range, not a point) */
	W3W__CRYPTO_ESIGNATURE = -108, /* signature malformed or does not verify */
	W3W__CRYPTO_EOPEN     = -109, /* sealed blob failed authentication (key, purpose or data) */
	W3W__CRYPTO_EVERSION  = -110, /* unknown sealed-blob version */
	W3W__CRYPTO_ERANGE    = -111, /* number out of range (256-bit overflow, chain id) */
	W3W__CRYPTO_EINIT     = -112  /* libsodium or libsecp256k1 could not start */
};

/*
 * Initialise libsodium and the shared libsecp256k1 context. Idempotent and
 * thread-safe; every function that needs either calls it itself.
 */
int w3w__crypto_init(void);

/* Short English description of a code above ("bad checksum", ...). */
const char *w3w__crypto_strerror(int err);

/* Map a code above to the public w3w_status (W3W_EINVAL, W3W_ECRYPTO, ...). */
int w3w__crypto_status(int err);

#endif

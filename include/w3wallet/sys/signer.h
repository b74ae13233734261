/*
 * Signer interface: who signs a chain's withdrawals.
 *
 * Without a signer, a context derives deposit addresses and the hot key
 * from the master seed (w3w_options.master_key_hex) in process. With
 * w3w_options.signer_url (for the whole context) or
 * w3w_chain_options.signer_url (for one chain) set, it asks the signer
 * registered for that URL's scheme instead and never opens the seed: the
 * built-in "unix" signer talks to w3wallet-signer over a Unix socket
 * (docs/signer.md has the protocol). A signer signs only what its own
 * policy allows; the wallet core builds the transaction, the signer
 * decides whether to sign it.
 *
 * The struct starts with a version: members are only ever added at the
 * end. Initialize a vtable with W3W_SIGNER_INIT so members added later
 * are NULL.
 */
#ifndef W3WALLET_SYS_SIGNER_H
#define W3WALLET_SYS_SIGNER_H

#include "w3wallet/sys/chain.h"

#ifdef __cplusplus
extern "C" {
#endif

/** 2 added sign_custody_tx (sweeps); core still takes version 1 signers (which cannot sweep). */
#define W3W_SIGNER_VERSION 2

/** What a custody transaction of sign_custody_tx is. */
typedef enum w3w_signer_purpose {
	/** Signed by deposit address `index`; pays only the hot wallet (native, or a listed token's transfer). */
	W3W_SIGNER_SWEEP = 1,
	/** Signed by the hot wallet; sends gas (native, no call data) to deposit address `index`. */
	W3W_SIGNER_TOPUP = 2
} w3w_signer_purpose;

/** An EVM transaction to sign (what the wallet core built). */
typedef struct w3w_signer_tx {
	int type;                           /**< 0: legacy with EIP-155, 2: EIP-1559 */
	uint64_t chain_id;
	uint64_t nonce;
	w3w_u256 gas_price;                 /**< legacy only */
	w3w_u256 max_fee_per_gas;           /**< EIP-1559 only */
	w3w_u256 max_priority_fee_per_gas;  /**< EIP-1559 only */
	uint64_t gas_limit;
	unsigned char to[20];
	w3w_u256 value;                     /**< wei */
	const unsigned char *data;          /**< call data (an ERC-20 transfer), NULL when data_len is 0 */
	size_t data_len;
} w3w_signer_tx;

typedef struct w3w_signer w3w_signer;

struct w3w_signer {
	unsigned int version;   /**< W3W_SIGNER_VERSION */
	const char *name;       /**< "unix" */
	/** The address that signs (EIP-55 text): the hot wallet. W3W_EUNAVAILABLE when unreachable. */
	w3w_status (*address)(w3w_signer *s, char out[W3W_ADDRESS_SIZE]);
	/**
	 * Sign `tx`: *raw (malloc'd, free()) gets the bytes to broadcast and
	 * `hash` their Keccak-256. W3W_EFORBIDDEN when the signer's policy
	 * refuses the transaction (the message says why; retrying will not
	 * help), W3W_EUNAVAILABLE when it cannot be asked now (down, slow,
	 * an answer that fails authentication).
	 */
	w3w_status (*sign_tx)(w3w_signer *s, const w3w_signer_tx *tx, unsigned char **raw, size_t *raw_len,
		unsigned char hash[32]);
	void (*free)(w3w_signer *s);

	/* Optional (NULL: deposit wallets cannot be created through this signer). */
	/**
	 * The deposit address of `index` in address family `family` ("evm":
	 * m/44'/60'/0'/0/i, "solana": m/44'/501'/i'/0'), as text (EIP-55 or
	 * base58). W3W_EUNAVAILABLE when unreachable.
	 */
	w3w_status (*deposit_address)(w3w_signer *s, const char *family, int64_t index, char out[W3W_ADDRESS_SIZE]);

	/* Version 2, optional (NULL: sweeps cannot be signed through this signer). */
	/**
	 * Sign a custody transaction of EVM deposit address `index`
	 * (m/44'/60'/0'/0/index): its sweep to the hot wallet, or the hot
	 * wallet's gas top-up of it (w3w_signer_purpose). Results and errors as
	 * sign_tx.
	 */
	w3w_status (*sign_custody_tx)(w3w_signer *s, w3w_signer_purpose purpose, int64_t index, const w3w_signer_tx *tx,
		unsigned char **raw, size_t *raw_len, unsigned char hash[32]);
};

/** A vtable whose members are all NULL but version and name. */
#define W3W_SIGNER_INIT(NAME) { .version = W3W_SIGNER_VERSION, .name = (NAME) }
/** The same for a signer you allocate (EINVAL for a version this library does not know). */
W3W_EXTERN w3w_status w3w_signer_init(w3w_signer *s, unsigned int version);

#define W3W_SIGNER_CONFIG_VERSION 1

typedef struct w3w_signer_config {
	unsigned int version;
	int timeout_ms;         /**< every request, connect included */
	/** Shared secret authenticating requests and answers (64 hex characters). */
	const char *key_hex;
} w3w_signer_config;

/** Opens a signer at `url` (its own syntax). Should not contact the signer. */
typedef w3w_status (*w3w_signer_open_fn)(w3w_signer **out, const char *url, const w3w_signer_config *cfg);

/**
 * Register a signer under URL scheme `scheme` (1..31 characters),
 * replacing a previous one. Process-global; call before opening chains.
 */
W3W_EXTERN w3w_status w3w_signer_register(const char *scheme, w3w_signer_open_fn open);

/** The built-in "unix:/path/to/socket" signer (w3wallet-signer). */
W3W_EXTERN w3w_status w3w_signer_unix_open(w3w_signer **out, const char *url, const w3w_signer_config *cfg);

#ifdef __cplusplus
}
#endif
#endif

/* EVM transaction encoding and signing: legacy with EIP-155 replay
 * protection, and EIP-1559 (EIP-2718 type 2). */
#include "crypto/evm.h"

#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "crypto/crypto.h"
#include "crypto/keccak.h"
#include "crypto/rlp.h"

/* v = chain_id * 2 + 35 + recovery id must fit in 64 bits. */
#define MAX_LEGACY_CHAIN_ID ((UINT64_MAX - 36) / 2)

void w3w__evm_tx_init(w3w__evm_tx *tx, w3w__evm_tx_type type)
{
	memset(tx, 0, sizeof *tx);
	tx->type = type;
}

static int check_tx(const w3w__evm_tx *tx)
{
	if (tx == NULL || (tx->data == NULL && tx->data_len != 0))
		return W3W__CRYPTO_EINVAL;
	if (tx->type != W3W__EVM_TX_LEGACY && tx->type != W3W__EVM_TX_EIP1559)
		return W3W__CRYPTO_EINVAL;
	if (tx->chain_id == 0)
		return W3W__CRYPTO_ERANGE;
	if (tx->type == W3W__EVM_TX_LEGACY && tx->chain_id > MAX_LEGACY_CHAIN_ID)
		return W3W__CRYPTO_ERANGE;
	return W3W__CRYPTO_OK;
}

/* The fields both types share, in their common order: to, value, data. */
static void put_to_value_data(w3w__rlp *r, const w3w__evm_tx *tx)
{
	w3w__rlp_put_bytes(r, tx->to, tx->has_to ? W3W__EVM_ADDRESS_LEN : 0);
	w3w__rlp_put_uint_be(r, tx->value.be, sizeof tx->value.be);
	w3w__rlp_put_bytes(r, tx->data, tx->data_len);
}

/*
 * Encode tx into r. sig NULL: the signing payload. Otherwise the signed
 * transaction with sig = r || s || recovery id.
 */
static void encode(w3w__rlp *r, const w3w__evm_tx *tx, const unsigned char *sig)
{
	static const unsigned char type2 = 0x02;
	size_t list;

	if (tx->type == W3W__EVM_TX_EIP1559) {
		/* 0x02 || rlp([chain_id, nonce, max_priority_fee_per_gas,
		 *   max_fee_per_gas, gas_limit, to, value, data, access_list
		 *   (, y_parity, r, s)]) */
		w3w__rlp_put_raw(r, &type2, 1);
		list = w3w__rlp_list_begin(r);
		w3w__rlp_put_u64(r, tx->chain_id);
		w3w__rlp_put_u64(r, tx->nonce);
		w3w__rlp_put_uint_be(r, tx->max_priority_fee_per_gas.be, 32);
		w3w__rlp_put_uint_be(r, tx->max_fee_per_gas.be, 32);
		w3w__rlp_put_u64(r, tx->gas_limit);
		put_to_value_data(r, tx);
		w3w__rlp_list_end(r, w3w__rlp_list_begin(r)); /* empty access list */
		if (sig != NULL) {
			w3w__rlp_put_u64(r, sig[64]);
			w3w__rlp_put_uint_be(r, sig, 32);
			w3w__rlp_put_uint_be(r, sig + 32, 32);
		}
		w3w__rlp_list_end(r, list);
		return;
	}
	/* rlp([nonce, gas_price, gas_limit, to, value, data, then
	 *   chain_id, 0, 0 to sign, or v, r, s when signed]) */
	list = w3w__rlp_list_begin(r);
	w3w__rlp_put_u64(r, tx->nonce);
	w3w__rlp_put_uint_be(r, tx->gas_price.be, 32);
	w3w__rlp_put_u64(r, tx->gas_limit);
	put_to_value_data(r, tx);
	if (sig == NULL) {
		w3w__rlp_put_u64(r, tx->chain_id);
		w3w__rlp_put_u64(r, 0);
		w3w__rlp_put_u64(r, 0);
	} else {
		w3w__rlp_put_u64(r, tx->chain_id * 2 + 35 + sig[64]);
		w3w__rlp_put_uint_be(r, sig, 32);
		w3w__rlp_put_uint_be(r, sig + 32, 32);
	}
	w3w__rlp_list_end(r, list);
}

int w3w__evm_tx_signing_hash(unsigned char out32[W3W__EVM_HASH_LEN], const w3w__evm_tx *tx)
{
	w3w__rlp r;
	int rc = check_tx(tx);

	if (rc != W3W__CRYPTO_OK)
		return rc;
	if (out32 == NULL)
		return W3W__CRYPTO_EINVAL;
	w3w__rlp_init(&r);
	encode(&r, tx, NULL);
	rc = w3w__rlp_error(&r);
	if (rc == W3W__CRYPTO_OK)
		w3w__keccak256(out32, r.data, r.len);
	w3w__rlp_free(&r);
	return rc;
}

int w3w__evm_tx_sign(unsigned char **raw_out, size_t *raw_len,
                     unsigned char hash_out[W3W__EVM_HASH_LEN],
                     const w3w__evm_tx *tx, const unsigned char *priv, size_t priv_len)
{
	unsigned char signing_hash[W3W__EVM_HASH_LEN], sig[W3W__EVM_SIGNATURE_LEN];
	unsigned char *raw = NULL;
	size_t len = 0;
	w3w__rlp r;
	int rc;

	if (raw_out == NULL || raw_len == NULL || priv == NULL)
		return W3W__CRYPTO_EINVAL;
	rc = w3w__evm_tx_signing_hash(signing_hash, tx);
	if (rc == W3W__CRYPTO_OK)
		rc = w3w__evm_sign_hash(sig, signing_hash, priv, priv_len);
	if (rc != W3W__CRYPTO_OK)
		return rc;
	w3w__rlp_init(&r);
	encode(&r, tx, sig);
	rc = w3w__rlp_take(&r, &raw, &len);
	if (rc != W3W__CRYPTO_OK)
		return rc;
	if (hash_out != NULL)
		w3w__keccak256(hash_out, raw, len);
	*raw_out = raw;
	*raw_len = len;
	return W3W__CRYPTO_OK;
}

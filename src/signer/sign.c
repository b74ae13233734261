/* Signing a w3w_signer_tx with a secp256k1 key: the one step both the library and w3wallet-signer take. */
#include <string.h>

#include "crypto/evm.h"
#include "signer/protocol.h"

int w3w__sp_sign(const w3w_signer_tx *in, const unsigned char priv[32], unsigned char **raw, size_t *raw_len,
	unsigned char hash[32])
{
	w3w__evm_tx tx;

	w3w__evm_tx_init(&tx, in->type == 2 ? W3W__EVM_TX_EIP1559 : W3W__EVM_TX_LEGACY);
	tx.chain_id = in->chain_id;
	tx.nonce = in->nonce;
	memcpy(tx.gas_price.be, in->gas_price.be, 32);
	memcpy(tx.max_fee_per_gas.be, in->max_fee_per_gas.be, 32);
	memcpy(tx.max_priority_fee_per_gas.be, in->max_priority_fee_per_gas.be, 32);
	tx.gas_limit = in->gas_limit;
	tx.has_to = 1;
	memcpy(tx.to, in->to, 20);
	memcpy(tx.value.be, in->value.be, 32);
	tx.data = in->data_len ? in->data : NULL;
	tx.data_len = in->data_len;
	return w3w__evm_tx_sign(raw, raw_len, hash, &tx, priv, 32);
}

/* EVM addresses: derivation from keys and EIP-55 checksummed text. */
#include "crypto/evm.h"

#include <string.h>
#include <sodium.h>

#include "crypto/crypto.h"
#include "crypto/hex.h"
#include "crypto/keccak.h"
#include "crypto/secp.h"

int w3w__evm_address_from_pubkey(unsigned char out[W3W__EVM_ADDRESS_LEN],
                                 const unsigned char *pub, size_t pub_len)
{
	const secp256k1_context *ctx = w3w__secp_ctx();
	unsigned char full[65], hash[W3W__KECCAK256_LEN];
	secp256k1_pubkey pk;
	size_t len = sizeof full;

	if (out == NULL || pub == NULL)
		return W3W__CRYPTO_EINVAL;
	if (pub_len != 33 && pub_len != 65)
		return W3W__CRYPTO_ELENGTH;
	if (ctx == NULL)
		return W3W__CRYPTO_EINIT;
	if (!secp256k1_ec_pubkey_parse(ctx, &pk, pub, pub_len))
		return W3W__CRYPTO_EKEY;
	secp256k1_ec_pubkey_serialize(ctx, full, &len, &pk, SECP256K1_EC_UNCOMPRESSED);
	/* Hash x || y, without the 0x04 prefix. */
	w3w__keccak256(hash, full + 1, 64);
	memcpy(out, hash + 12, W3W__EVM_ADDRESS_LEN);
	return W3W__CRYPTO_OK;
}

int w3w__evm_address_from_privkey(unsigned char out[W3W__EVM_ADDRESS_LEN],
                                  const unsigned char *priv, size_t priv_len)
{
	const secp256k1_context *ctx = w3w__secp_ctx();
	unsigned char pub[65];
	secp256k1_pubkey pk;
	size_t len = sizeof pub;

	if (out == NULL || priv == NULL)
		return W3W__CRYPTO_EINVAL;
	if (priv_len != 32)
		return W3W__CRYPTO_ELENGTH;
	if (ctx == NULL)
		return W3W__CRYPTO_EINIT;
	if (!secp256k1_ec_pubkey_create(ctx, &pk, priv))
		return W3W__CRYPTO_EKEY;
	secp256k1_ec_pubkey_serialize(ctx, pub, &len, &pk, SECP256K1_EC_UNCOMPRESSED);
	return w3w__evm_address_from_pubkey(out, pub, len);
}

/* EIP-55: hex letter i is uppercase when nibble i of
 * Keccak-256(lowercase hex text) is >= 8. */
static void checksum_text(char hex40[41], const unsigned char addr[W3W__EVM_ADDRESS_LEN])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char hash[W3W__KECCAK256_LEN];

	for (int i = 0; i < W3W__EVM_ADDRESS_LEN; i++) {
		hex40[2 * i] = digits[addr[i] >> 4];
		hex40[2 * i + 1] = digits[addr[i] & 0x0f];
	}
	hex40[40] = '\0';
	w3w__keccak256(hash, (const unsigned char *)hex40, 40);
	for (int i = 0; i < 40; i++) {
		unsigned nib = (i % 2 == 0) ? hash[i / 2] >> 4 : hash[i / 2] & 0x0f;

		if (hex40[i] >= 'a' && nib >= 8)
			hex40[i] = (char)(hex40[i] - 'a' + 'A');
	}
}

int w3w__evm_address_to_text(char out[W3W__EVM_ADDRESS_TEXT_SIZE],
                             const unsigned char addr[W3W__EVM_ADDRESS_LEN])
{
	if (out == NULL || addr == NULL)
		return W3W__CRYPTO_EINVAL;
	out[0] = '0';
	out[1] = 'x';
	checksum_text(out + 2, addr);
	return W3W__CRYPTO_OK;
}

int w3w__evm_address_parse(unsigned char out[W3W__EVM_ADDRESS_LEN],
                           const char *text, size_t len, unsigned flags)
{
	unsigned char addr[W3W__EVM_ADDRESS_LEN];
	char expected[41];
	const char *hex;
	int lower = 0, upper = 0;

	if (out == NULL || text == NULL)
		return W3W__CRYPTO_EINVAL;
	if (len != 42)
		return W3W__CRYPTO_ELENGTH;
	if (text[0] != '0' || (text[1] != 'x' && text[1] != 'X'))
		return W3W__CRYPTO_EFORMAT;
	hex = text + 2;
	for (int i = 0; i < 40; i++) {
		if (w3w__crypto_hex_nibble(hex[i]) < 0)
			return W3W__CRYPTO_ECHARSET;
		lower |= hex[i] >= 'a' && hex[i] <= 'f';
		upper |= hex[i] >= 'A' && hex[i] <= 'F';
	}
	for (int i = 0; i < W3W__EVM_ADDRESS_LEN; i++)
		addr[i] = (unsigned char)(w3w__crypto_hex_nibble(hex[2 * i]) << 4 |
			w3w__crypto_hex_nibble(hex[2 * i + 1]));
	if ((lower && upper) || (flags & W3W__EVM_ADDRESS_STRICT)) {
		checksum_text(expected, addr);
		if (memcmp(expected, hex, 40) != 0)
			return W3W__CRYPTO_ECHECKSUM;
	}
	memcpy(out, addr, sizeof addr);
	return W3W__CRYPTO_OK;
}

/* Mapping of crypto-layer codes to the public w3w_status codes. Kept apart
 * from crypto.c so the layer builds without the generated public headers
 * (tests/crosscheck compiles src/crypto/ alone). */
#include "crypto/crypto.h"

#include "w3wallet/common.h"

int w3w__crypto_status(int err)
{
	switch (err) {
	case W3W__CRYPTO_OK:         return W3W_OK;
	case W3W__CRYPTO_ENOMEM:     return W3W_ENOMEM;
	case W3W__CRYPTO_ESIGNATURE:
	case W3W__CRYPTO_EOPEN:      return W3W_ECRYPTO;
	case W3W__CRYPTO_EVERSION:   return W3W_EVERSION;
	case W3W__CRYPTO_EINIT:      return W3W_EINTERNAL;
	default:                     return W3W_EINVAL;
	}
}

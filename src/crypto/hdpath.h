/*
 * Derivation path text ("m/44'/60'/0'/0/5") to child indices. A hardened
 * component is marked with ', h or H and gets bit 31 set; each index must
 * be below 2^31 as written. Shared by BIP-32 and SLIP-10.
 */
#ifndef W3W_CRYPTO_HDPATH_H
#define W3W_CRYPTO_HDPATH_H

#include <stddef.h>
#include <stdint.h>

#define W3W__HD_HARDENED 0x80000000u
#define W3W__HDPATH_MAX_DEPTH 255

/*
 * Parse path into indices[0..*count). "m" alone gives *count = 0.
 * EPATH for anything else than "m" followed by "/index" components
 * (empty component, sign, space, index >= 2^31, trailing slash), or more
 * than max components.
 */
int w3w__hdpath_parse(uint32_t *indices, size_t max, size_t *count, const char *path);

#endif

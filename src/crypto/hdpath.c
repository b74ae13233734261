#include "crypto/hdpath.h"

#include "crypto/crypto.h"

int w3w__hdpath_parse(uint32_t *indices, size_t max, size_t *count, const char *path)
{
	const char *p;
	size_t n = 0;

	if (indices == NULL || count == NULL || path == NULL)
		return W3W__CRYPTO_EINVAL;
	if (path[0] != 'm')
		return W3W__CRYPTO_EPATH;
	p = path + 1;
	while (*p != '\0') {
		uint64_t value = 0;
		size_t digits = 0;

		if (*p++ != '/')
			return W3W__CRYPTO_EPATH;
		while (*p >= '0' && *p <= '9') {
			value = value * 10 + (uint64_t)(*p++ - '0');
			if (++digits > 10 || value >= W3W__HD_HARDENED)
				return W3W__CRYPTO_EPATH;
		}
		if (digits == 0)
			return W3W__CRYPTO_EPATH;
		if (*p == '\'' || *p == 'h' || *p == 'H') {
			value |= W3W__HD_HARDENED;
			p++;
		}
		if (n == max || n == W3W__HDPATH_MAX_DEPTH)
			return W3W__CRYPTO_EPATH;
		indices[n++] = (uint32_t)value;
	}
	*count = n;
	return W3W__CRYPTO_OK;
}

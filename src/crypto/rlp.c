#include "crypto/rlp.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"

void w3w__rlp_init(w3w__rlp *r)
{
	memset(r, 0, sizeof *r);
}

void w3w__rlp_free(w3w__rlp *r)
{
	free(r->data);
	memset(r, 0, sizeof *r);
}

int w3w__rlp_error(const w3w__rlp *r)
{
	return r->err;
}

static int reserve(w3w__rlp *r, size_t extra)
{
	size_t need, cap;
	unsigned char *p;

	if (r->err != W3W__CRYPTO_OK)
		return r->err;
	if (extra > SIZE_MAX - r->len) {
		r->err = W3W__CRYPTO_ELENGTH;
		return r->err;
	}
	need = r->len + extra;
	if (need <= r->cap)
		return W3W__CRYPTO_OK;
	cap = r->cap ? r->cap : 128;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = realloc(r->data, cap);
	if (p == NULL) {
		r->err = W3W__CRYPTO_ENOMEM;
		return r->err;
	}
	r->data = p;
	r->cap = cap;
	return W3W__CRYPTO_OK;
}

void w3w__rlp_put_raw(w3w__rlp *r, const unsigned char *p, size_t len)
{
	if (len == 0 || reserve(r, len) != W3W__CRYPTO_OK)
		return;
	memcpy(r->data + r->len, p, len);
	r->len += len;
}

/* Header for a payload of len bytes: short form below 56, else the length
 * of the length and the length itself. Writes to hdr, returns its size. */
static size_t header(unsigned char hdr[9], unsigned char short_base, size_t len)
{
	size_t n = 0;

	if (len < 56) {
		hdr[0] = (unsigned char)(short_base + len);
		return 1;
	}
	for (size_t v = len; v != 0; v >>= 8)
		n++;
	hdr[0] = (unsigned char)(short_base + 55 + n);
	for (size_t i = 0; i < n; i++)
		hdr[1 + i] = (unsigned char)(len >> (8 * (n - 1 - i)));
	return 1 + n;
}

void w3w__rlp_put_bytes(w3w__rlp *r, const unsigned char *p, size_t len)
{
	unsigned char hdr[9];

	if (p == NULL && len != 0) {
		if (r->err == W3W__CRYPTO_OK)
			r->err = W3W__CRYPTO_EINVAL;
		return;
	}
	/* A single byte below 0x80 is its own encoding. */
	if (len == 1 && p[0] < 0x80) {
		w3w__rlp_put_raw(r, p, 1);
		return;
	}
	w3w__rlp_put_raw(r, hdr, header(hdr, 0x80, len));
	w3w__rlp_put_raw(r, p, len);
}

void w3w__rlp_put_uint_be(w3w__rlp *r, const unsigned char *be, size_t len)
{
	while (len > 0 && be[0] == 0) {
		be++;
		len--;
	}
	w3w__rlp_put_bytes(r, be, len);
}

void w3w__rlp_put_u64(w3w__rlp *r, uint64_t v)
{
	unsigned char be[8];

	for (int i = 7; i >= 0; i--) {
		be[i] = (unsigned char)v;
		v >>= 8;
	}
	w3w__rlp_put_uint_be(r, be, sizeof be);
}

size_t w3w__rlp_list_begin(const w3w__rlp *r)
{
	return r->len;
}

void w3w__rlp_list_end(w3w__rlp *r, size_t mark)
{
	unsigned char hdr[9];
	size_t payload, n;

	if (r->err != W3W__CRYPTO_OK)
		return;
	if (mark > r->len) {
		r->err = W3W__CRYPTO_EINVAL;
		return;
	}
	payload = r->len - mark;
	n = header(hdr, 0xc0, payload);
	if (reserve(r, n) != W3W__CRYPTO_OK)
		return;
	memmove(r->data + mark + n, r->data + mark, payload);
	memcpy(r->data + mark, hdr, n);
	r->len += n;
}

int w3w__rlp_take(w3w__rlp *r, unsigned char **out, size_t *out_len)
{
	if (out == NULL || out_len == NULL)
		return W3W__CRYPTO_EINVAL;
	if (r->err != W3W__CRYPTO_OK) {
		int err = r->err;

		w3w__rlp_free(r);
		return err;
	}
	if (r->data == NULL && reserve(r, 1) != W3W__CRYPTO_OK)
		return r->err;
	*out = r->data;
	*out_len = r->len;
	memset(r, 0, sizeof *r);
	return W3W__CRYPTO_OK;
}

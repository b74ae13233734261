/*
 * RLP. The library only encodes (transactions it signs), so the fuzzed
 * bytes go through a strict decoder here, and every canonical item is
 * re-encoded with the library's encoder, three ways: strings as byte
 * strings, as big-endian integers, and (up to 8 bytes) as uint64. Each
 * must give back exactly the input bytes: any difference is an encoder
 * bug that would produce a transaction other nodes decode differently.
 */
#include "fuzz.h"

#include "crypto/crypto.h"
#include "crypto/rlp.h"

#define DEPTH_MAX 256

enum { AS_BYTES, AS_UINT_BE, AS_U64, WAYS };

typedef struct {
	const uint8_t *in;
	size_t len, pos;
	w3w__rlp out[WAYS];
} decoder;

/* Length of the big-endian length field, canonical: no leading zero, >= 56. */
static int read_length(decoder *d, size_t n, size_t *out)
{
	size_t v = 0;
	if (n > sizeof(size_t) || d->len - d->pos < n || d->in[d->pos] == 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		v = v << 8 | d->in[d->pos + i];
	d->pos += n;
	if (v < 56)
		return -1;
	*out = v;
	return 0;
}

static void put_string(decoder *d, const uint8_t *p, size_t n)
{
	w3w__rlp_put_bytes(&d->out[AS_BYTES], p, n);
	/* An integer has no leading zero byte (0 is the empty string). */
	if (n == 0 || p[0] != 0) {
		w3w__rlp_put_uint_be(&d->out[AS_UINT_BE], p, n);
		if (n <= 8) {
			uint64_t v = 0;
			for (size_t i = 0; i < n; i++)
				v = v << 8 | p[i];
			w3w__rlp_put_u64(&d->out[AS_U64], v);
		} else {
			w3w__rlp_put_uint_be(&d->out[AS_U64], p, n);
		}
	} else {
		w3w__rlp_put_bytes(&d->out[AS_UINT_BE], p, n);
		w3w__rlp_put_bytes(&d->out[AS_U64], p, n);
	}
}

/* One item at d->pos; 0 if canonical. */
static int item(decoder *d, int depth)
{
	uint8_t b;
	size_t n;

	if (d->pos >= d->len || depth > DEPTH_MAX)
		return -1;
	b = d->in[d->pos++];
	if (b < 0x80) {
		put_string(d, &b, 1);
		return 0;
	}
	if (b < 0xc0) {
		if (b <= 0xb7) {
			n = (size_t)(b - 0x80);
		} else if (read_length(d, (size_t)(b - 0xb7), &n) != 0) {
			return -1;
		}
		if (d->len - d->pos < n || (n == 1 && d->in[d->pos] < 0x80))
			return -1; /* short, or a single low byte not encoded as itself */
		put_string(d, d->in + d->pos, n);
		d->pos += n;
		return 0;
	}
	if (b <= 0xf7) {
		n = (size_t)(b - 0xc0);
	} else if (read_length(d, (size_t)(b - 0xf7), &n) != 0) {
		return -1;
	}
	if (d->len - d->pos < n)
		return -1;
	{
		size_t end = d->pos + n, marks[WAYS];
		for (int w = 0; w < WAYS; w++)
			marks[w] = w3w__rlp_list_begin(&d->out[w]);
		while (d->pos < end) {
			size_t saved = d->len;
			d->len = end; /* children must stay inside the list */
			if (item(d, depth + 1) != 0)
				return -1;
			d->len = saved;
		}
		for (int w = 0; w < WAYS; w++)
			w3w__rlp_list_end(&d->out[w], marks[w]);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	decoder d = { data, size, 0, {{0}} };
	int ok;

	for (int w = 0; w < WAYS; w++)
		w3w__rlp_init(&d.out[w]);
	ok = size > 0 && item(&d, 0) == 0 && d.pos == size;
	for (int w = 0; w < WAYS; w++) {
		unsigned char *enc = NULL;
		size_t enc_len = 0;
		if (ok) {
			FUZZ_CHECK(w3w__rlp_error(&d.out[w]) == W3W__CRYPTO_OK);
			FUZZ_CHECK(w3w__rlp_take(&d.out[w], &enc, &enc_len) == W3W__CRYPTO_OK);
			FUZZ_CHECK(enc_len == size && memcmp(enc, data, size) == 0);
			free(enc);
		}
		w3w__rlp_free(&d.out[w]);
	}
	return 0;
}

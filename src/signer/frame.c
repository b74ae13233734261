/* Signer protocol frames: length, tag, JSON (see protocol.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "signer/protocol.h"

void w3w__sp_tag(unsigned char tag[W3W__SP_TAG_LEN], const unsigned char key[W3W__SP_KEY_LEN], int dir,
	const char *json, size_t json_len)
{
	crypto_auth_hmacsha512256_state st;
	unsigned char d = (unsigned char)dir;

	crypto_auth_hmacsha512256_init(&st, key, W3W__SP_KEY_LEN);
	crypto_auth_hmacsha512256_update(&st, &d, 1);
	crypto_auth_hmacsha512256_update(&st, (const unsigned char *)json, json_len);
	crypto_auth_hmacsha512256_final(&st, tag);
	sodium_memzero(&st, sizeof(st));
}

w3w__sp_result w3w__sp_body_check(const unsigned char key[W3W__SP_KEY_LEN], int dir, const unsigned char *body,
	size_t body_len)
{
	unsigned char want[W3W__SP_TAG_LEN];
	int same;

	if (body_len < W3W__SP_TAG_LEN || body_len > W3W__SP_FRAME_MAX)
		return W3W__SP_ETOOLONG;
	w3w__sp_tag(want, key, dir, (const char *)body + W3W__SP_TAG_LEN, body_len - W3W__SP_TAG_LEN);
	same = sodium_memcmp(want, body, W3W__SP_TAG_LEN) == 0;
	return same ? W3W__SP_OK : W3W__SP_EMAC;
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int read_all(int fd, unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = ECONNRESET;
			return -1;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

w3w__sp_result w3w__sp_send(int fd, const unsigned char key[W3W__SP_KEY_LEN], int dir, const char *json)
{
	size_t len = strlen(json), body = W3W__SP_TAG_LEN + len;
	unsigned char *frame;
	int rc;

	if (body > W3W__SP_FRAME_MAX)
		return W3W__SP_ETOOLONG;
	if (!(frame = malloc(4 + body)))
		return W3W__SP_ENOMEM;
	frame[0] = (unsigned char)(body >> 24);
	frame[1] = (unsigned char)(body >> 16);
	frame[2] = (unsigned char)(body >> 8);
	frame[3] = (unsigned char)body;
	w3w__sp_tag(frame + 4, key, dir, json, len);
	memcpy(frame + 4 + W3W__SP_TAG_LEN, json, len);
	rc = write_all(fd, frame, 4 + body);
	free(frame);
	return rc == 0 ? W3W__SP_OK : W3W__SP_EIO;
}

w3w__sp_result w3w__sp_recv(int fd, const unsigned char key[W3W__SP_KEY_LEN], int dir, char **json)
{
	unsigned char head[4], *body;
	size_t len;
	w3w__sp_result rc;

	*json = NULL;
	if (read_all(fd, head, 4) != 0)
		return W3W__SP_EIO;
	len = (size_t)head[0] << 24 | (size_t)head[1] << 16 | (size_t)head[2] << 8 | head[3];
	if (len < W3W__SP_TAG_LEN || len > W3W__SP_FRAME_MAX)
		return W3W__SP_ETOOLONG;
	if (!(body = malloc(len + 1)))
		return W3W__SP_ENOMEM;
	if (read_all(fd, body, len) != 0) {
		free(body);
		return W3W__SP_EIO;
	}
	if ((rc = w3w__sp_body_check(key, dir, body, len)) != W3W__SP_OK) {
		free(body);
		return rc;
	}
	/* The JSON moves to the front and gets its NUL. */
	memmove(body, body + W3W__SP_TAG_LEN, len - W3W__SP_TAG_LEN);
	body[len - W3W__SP_TAG_LEN] = '\0';
	*json = (char *)body;
	return W3W__SP_OK;
}

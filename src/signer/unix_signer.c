/*
 * The "unix" signer: w3wallet-signer over a Unix stream socket
 * ("unix:/run/w3wallet-signer/sock"). One connection per request: the
 * signer's hello gives the session id, the request (seq 1) names it, the
 * answer must repeat both and carry a valid tag. Nothing is cached here
 * but the shared key, in locked memory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <sodium.h>

#include "crypto/seal.h"
#include "signer/protocol.h"

typedef struct unix_signer {
	w3w_signer base;
	struct sockaddr_un addr;
	unsigned char *key; /* sodium_malloc'd */
	int timeout_ms;
} unix_signer;

static w3w_status down(const char *what, const char *detail)
{
	return w3w_error_set(W3W_EUNAVAILABLE, "signer: %s (%s)", what, detail);
}

static int connect_to(const unix_signer *s)
{
	struct timeval tv = { s->timeout_ms / 1000, (s->timeout_ms % 1000) * 1000 };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	/* Bounds connect (a full backlog), reads and writes alike. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0 ||
	    connect(fd, (const struct sockaddr *)&s->addr, sizeof(s->addr)) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static const char *frame_problem(w3w__sp_result rc)
{
	switch (rc) {
	case W3W__SP_EMAC:     return "an answer failed authentication: is W3W_SIGNER_KEY the signer's?";
	case W3W__SP_ETOOLONG: return "an answer of impossible length";
	case W3W__SP_ENOMEM:   return "out of memory";
	default:               return errno == EAGAIN || errno == EWOULDBLOCK ? "no answer in time" : strerror(errno);
	}
}

/* One request and its answer over a new connection. */
static w3w_status exchange(unix_signer *s, w3w__sp_request *req, w3w__sp_answer *ans)
{
	char *json = NULL, why[W3W__SP_ERROR_SIZE];
	w3w__sp_result rc;
	w3w_status st = W3W_OK;
	int fd = connect_to(s);

	if (fd < 0)
		return down("not reachable", strerror(errno));
	if ((rc = w3w__sp_recv(fd, s->key, W3W__SP_HELLO, &json)) != W3W__SP_OK) {
		st = down("no valid hello", frame_problem(rc));
		goto done;
	}
	if (w3w__sp_hello_parse(req->session, json, why, sizeof(why)) != 0) {
		st = down("bad hello", why);
		goto done;
	}
	free(json);
	json = NULL;
	req->seq = 1;
	if (!(json = w3w__sp_request_json(req))) {
		st = w3w_error_set(W3W_ENOMEM, "signer: out of memory");
		goto done;
	}
	if ((rc = w3w__sp_send(fd, s->key, W3W__SP_REQUEST, json)) != W3W__SP_OK) {
		st = down("request not sent", frame_problem(rc));
		goto done;
	}
	free(json);
	json = NULL;
	if ((rc = w3w__sp_recv(fd, s->key, W3W__SP_ANSWER, &json)) != W3W__SP_OK)
		st = down("no valid answer", frame_problem(rc));
	else if (w3w__sp_answer_parse(ans, json, why, sizeof(why)) != 0)
		st = down("bad answer", why);
	else if (strcmp(ans->session, req->session) != 0 || ans->seq != req->seq)
		st = down("bad answer", "not the answer to this request");
	else if (!ans->ok && strcmp(ans->code, "policy") == 0)
		st = w3w_error_set(W3W_EFORBIDDEN, "signer refused: %s", ans->error);
	else if (!ans->ok)
		st = down(ans->code, ans->error);
done:
	free(json);
	close(fd);
	return st;
}

/* An address the signer answers with: its hot address, or a deposit address. */
static w3w_status ask_address(unix_signer *s, w3w__sp_op op, const char *family, int64_t index,
	char out[W3W_ADDRESS_SIZE])
{
	w3w__sp_request *req = calloc(1, sizeof(*req));
	w3w__sp_answer *ans = calloc(1, sizeof(*ans));
	w3w_status st;

	if (!req || !ans) {
		free(req);
		free(ans);
		return w3w_error_set(W3W_ENOMEM, "signer: out of memory");
	}
	req->op = op;
	snprintf(req->family, sizeof(req->family), "%s", family);
	req->index = index;
	if ((st = exchange(s, req, ans)) == W3W_OK)
		snprintf(out, W3W_ADDRESS_SIZE, "%s", ans->address);
	free(req);
	free(ans);
	return st;
}

static w3w_status unix_address(w3w_signer *base, char out[W3W_ADDRESS_SIZE])
{
	return ask_address((unix_signer *)base, W3W__SP_OP_ADDRESS, "", 0, out);
}

static w3w_status unix_deposit_address(w3w_signer *base, const char *family, int64_t index,
	char out[W3W_ADDRESS_SIZE])
{
	return ask_address((unix_signer *)base, W3W__SP_OP_DEPOSIT_ADDRESS, family, index, out);
}

/* A sign request of `op` (sign, sweep, topup) for `tx`; `index` is the deposit address of sweep and topup. */
static w3w_status sign_request(unix_signer *s, w3w__sp_op op, int64_t index, const w3w_signer_tx *tx,
	unsigned char **raw, size_t *raw_len, unsigned char hash[32])
{
	w3w__sp_request *req = calloc(1, sizeof(*req));
	w3w__sp_answer *ans = calloc(1, sizeof(*ans));
	w3w_status st;

	*raw = NULL;
	*raw_len = 0;
	if (!req || !ans) {
		free(req);
		free(ans);
		return w3w_error_set(W3W_ENOMEM, "signer: out of memory");
	}
	req->op = op;
	req->index = index;
	req->tx = *tx;
	st = exchange(s, req, ans);
	if (st == W3W_OK && ans->raw_len == 0)
		st = down("bad answer", "no signed transaction");
	if (st == W3W_OK && !(*raw = malloc(ans->raw_len)))
		st = w3w_error_set(W3W_ENOMEM, "signer: out of memory");
	if (st == W3W_OK) {
		memcpy(*raw, ans->raw, ans->raw_len);
		*raw_len = ans->raw_len;
		memcpy(hash, ans->hash, 32);
	}
	free(req);
	free(ans);
	return st;
}

static w3w_status unix_sign(w3w_signer *base, const w3w_signer_tx *tx, unsigned char **raw, size_t *raw_len,
	unsigned char hash[32])
{
	return sign_request((unix_signer *)base, W3W__SP_OP_SIGN, 0, tx, raw, raw_len, hash);
}

static w3w_status unix_sign_custody(w3w_signer *base, w3w_signer_purpose purpose, int64_t index,
	const w3w_signer_tx *tx, unsigned char **raw, size_t *raw_len, unsigned char hash[32])
{
	return sign_request((unix_signer *)base, purpose == W3W_SIGNER_SWEEP ? W3W__SP_OP_SWEEP : W3W__SP_OP_TOPUP, index,
		tx, raw, raw_len, hash);
}

static void unix_free(w3w_signer *base)
{
	unix_signer *s = (unix_signer *)base;

	w3w__secret_free(s->key);
	free(s);
}

w3w_status w3w_signer_unix_open(w3w_signer **out, const char *url, const w3w_signer_config *cfg)
{
	static const w3w_signer vt = W3W_SIGNER_INIT("unix");
	const char *path = url ? url + 5 : "";
	size_t len = 0;
	unix_signer *s;

	if (!out)
		return w3w_error_set(W3W_EINVAL, "out: NULL");
	*out = NULL;
	if (!url || strncmp(url, "unix:", 5) != 0 || path[0] != '/')
		return w3w_error_set(W3W_EINVAL, "signer URL: expected unix:/absolute/path/of/the/socket");
	if (strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return w3w_error_set(W3W_EINVAL, "signer URL: socket path longer than %zu bytes",
			sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
	if (!cfg || cfg->version != W3W_SIGNER_CONFIG_VERSION)
		return w3w_error_set(W3W_EVERSION, "signer config: version %u, library has %d", cfg ? cfg->version : 0,
			W3W_SIGNER_CONFIG_VERSION);
	if (!(s = calloc(1, sizeof(*s))) || w3w__secret_alloc(&s->key, W3W__SP_KEY_LEN) != 0) {
		free(s);
		return w3w_error_set(W3W_ENOMEM, "signer: out of memory");
	}
	if (!cfg->key_hex || strlen(cfg->key_hex) != 64 ||
	    sodium_hex2bin(s->key, W3W__SP_KEY_LEN, cfg->key_hex, 64, NULL, &len, NULL) != 0 || len != W3W__SP_KEY_LEN) {
		unix_free(&s->base);
		return w3w_error_set(W3W_EINVAL, "signer key: must be 64 hex characters (the signer's W3W_SIGNER_KEY)");
	}
	s->base = vt;
	s->base.address = unix_address;
	s->base.sign_tx = unix_sign;
	s->base.free = unix_free;
	s->base.deposit_address = unix_deposit_address;
	s->base.sign_custody_tx = unix_sign_custody;
	s->addr.sun_family = AF_UNIX;
	strcpy(s->addr.sun_path, path);
	s->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 5000;
	*out = &s->base;
	return W3W_OK;
}

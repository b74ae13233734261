/*
 * The signer's socket: one connection at a time (signing takes
 * microseconds; a connection that stalls is cut at the timeout), a
 * random session id per connection, requests counted from 1. Every
 * request is logged with its outcome and the client's pid and uid.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "crypto/hex.h"
#include "wallet/wallet_internal.h"
#include "signer.h"

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

void signer_log(const char *event, ...)
{
	cJSON *line = cJSON_CreateObject();
	struct timespec ts;
	const char *name;
	char *text;
	va_list ap;

	clock_gettime(CLOCK_REALTIME, &ts);
	cJSON_AddNumberToObject(line, "ts", (double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
	cJSON_AddStringToObject(line, "event", event);
	va_start(ap, event);
	while ((name = va_arg(ap, const char *)) != NULL) {
		const char *value = va_arg(ap, const char *);
		if (value && *value) /* what does not apply is left out */
			cJSON_AddStringToObject(line, name, value);
	}
	va_end(ap);
	if ((text = cJSON_PrintUnformatted(line)) != NULL) {
		fprintf(stderr, "%s\n", text);
		free(text);
	}
	cJSON_Delete(line);
}

/* ---- one request ------------------------------------------------------------------ */

typedef struct peer {
	char pid[16], uid[16];
} peer;

static void refuse(w3w__sp_answer *a, const char *code, const char *why)
{
	a->ok = 0;
	snprintf(a->code, sizeof(a->code), "%s", code);
	snprintf(a->error, sizeof(a->error), "%s", why);
}

static void log_request(const w3w__sp_request *r, const w3w__sp_answer *a, const peer *p)
{
	char chain[24] = "", nonce[24] = "", to[43] = "", hash[67] = "", index[24] = "";
	const char *op = r ? w3w__sp_op_name(r->op) : "?";
	int signs = r && (r->op == W3W__SP_OP_SIGN || r->op == W3W__SP_OP_SWEEP || r->op == W3W__SP_OP_TOPUP);

	if (signs) {
		snprintf(chain, sizeof(chain), "%" PRIu64, r->tx.chain_id);
		snprintf(nonce, sizeof(nonce), "%" PRIu64, r->tx.nonce);
		strcpy(to, "0x");
		w3w__crypto_hex_encode(to + 2, sizeof(to) - 2, r->tx.to, 20);
	}
	if (r && r->op != W3W__SP_OP_ADDRESS && r->op != W3W__SP_OP_SIGN)
		snprintf(index, sizeof(index), "%lld", (long long)r->index);
	if (a->ok && a->raw_len) {
		strcpy(hash, "0x");
		w3w__crypto_hex_encode(hash + 2, sizeof(hash) - 2, a->hash, 32);
	}
	signer_log(a->ok ? (a->raw_len ? "signed" : "answered") : "refused", "op", op, "code", a->ok ? "" : a->code,
		"reason", a->ok ? "" : a->error, "chain_id", chain, "nonce", nonce, "to", to, "tx_hash", hash,
		"family", r && r->op == W3W__SP_OP_DEPOSIT_ADDRESS ? r->family : "", "index", index,
		"peer_pid", p->pid, "peer_uid", p->uid, (const char *)NULL);
}

/* Deposit addresses are public, but only their derivation from the seed makes them ours. */
static void deposit_address(signer_state *s, const w3w__sp_request *r, w3w__sp_answer *a)
{
	w3w__family family = strcmp(r->family, "solana") == 0 ? W3W__FAMILY_SOLANA : W3W__FAMILY_EVM;
	w3w_status st;

	sodium_mprotect_readonly(s->seed);
	st = w3w__derive_address(a->address, s->seed, family, r->index);
	sodium_mprotect_noaccess(s->seed);
	if (st != W3W_OK)
		refuse(a, "internal", "the address could not be derived");
}

/* Sign `r->tx` with `key` (made readable for the length of this call only) into the answer. */
static void sign_with(unsigned char *key, const w3w__sp_request *r, w3w__sp_answer *a)
{
	unsigned char *raw = NULL;
	size_t raw_len = 0;
	int err;

	sodium_mprotect_readonly(key);
	err = w3w__sp_sign(&r->tx, key, &raw, &raw_len, a->hash);
	sodium_mprotect_noaccess(key);
	if (err != 0 || raw_len > sizeof(a->raw)) {
		free(raw);
		refuse(a, "internal", "the transaction could not be signed");
		return;
	}
	memcpy(a->raw, raw, raw_len);
	a->raw_len = raw_len;
	free(raw);
}

static void sign(signer_state *s, const w3w__sp_request *r, w3w__sp_answer *a)
{
	char why[W3W__SP_ERROR_SIZE];

	if (w3w__sp_policy_check(&s->policy, &r->tx, why, sizeof(why)) != 0) {
		refuse(a, "policy", why);
		return;
	}
	sign_with(s->hot_key, r, a);
}

/*
 * A sweep (signed by deposit key `index`, paying the hot wallet) or a gas
 * top-up of that deposit address (signed by the hot key): the deposit
 * address comes from the seed here, never from the request.
 */
static void sign_custody(signer_state *s, const w3w__sp_request *r, w3w__sp_answer *a)
{
	unsigned char hot[20], deposit[20], *key = NULL;
	char address[W3W_ADDRESS_SIZE], why[W3W__SP_ERROR_SIZE];
	w3w_status st;

	if ((key = sodium_malloc(32)) == NULL) {
		refuse(a, "internal", "out of memory");
		return;
	}
	sodium_mprotect_readonly(s->seed);
	st = w3w__deposit_key(address, key, s->seed, r->index);
	sodium_mprotect_noaccess(s->seed);
	if (st != W3W_OK || w3w__evm_address_read(deposit, address, "deposit") != W3W_OK ||
	    w3w__evm_address_read(hot, s->address, "hot") != W3W_OK) {
		sodium_free(key);
		refuse(a, "internal", "the deposit key could not be derived");
		return;
	}
	if (w3w__sp_policy_custody(&s->policy, r->op, &r->tx, hot, deposit, why, sizeof(why)) != 0)
		refuse(a, "policy", why);
	else if (r->op == W3W__SP_OP_SWEEP)
		sign_with(key, r, a);
	else
		sign_with(s->hot_key, r, a);
	sodium_free(key); /* wiped */
}

static int answer(signer_state *s, int fd, const w3w__sp_answer *a)
{
	char *json = w3w__sp_answer_json(a);
	int rc = json && w3w__sp_send(fd, s->auth_key, W3W__SP_ANSWER, json) == W3W__SP_OK ? 0 : -1;

	free(json);
	return rc;
}

/* Requests of one connection until it closes, fails, or breaks a rule. */
static void converse(signer_state *s, int fd)
{
	unsigned char raw[16];
	char session[W3W__SP_SESSION_SIZE], *json = NULL, why[W3W__SP_ERROR_SIZE];
	w3w__sp_request *req = malloc(sizeof(*req));
	w3w__sp_answer *a = malloc(sizeof(*a));
	struct ucred cred;
	socklen_t cred_len = sizeof(cred);
	peer p = { "?", "?" };
	uint64_t expected = 1;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len) == 0) {
		snprintf(p.pid, sizeof(p.pid), "%d", (int)cred.pid);
		snprintf(p.uid, sizeof(p.uid), "%u", (unsigned)cred.uid);
	}
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(session, sizeof(session), raw, sizeof(raw));
	json = w3w__sp_hello_json(session);
	if (!req || !a || !json || w3w__sp_send(fd, s->auth_key, W3W__SP_HELLO, json) != W3W__SP_OK)
		goto done;
	for (;;) {
		w3w__sp_result rc;
		int parsed;

		free(json);
		json = NULL;
		memset(a, 0, sizeof(*a));
		strcpy(a->session, session);
		rc = w3w__sp_recv(fd, s->auth_key, W3W__SP_REQUEST, &json);
		if (rc == W3W__SP_EIO)
			break; /* closed (the normal end) or timed out */
		if (rc != W3W__SP_OK) {
			/* Unauthenticated: nothing of it is believed, the connection ends. */
			refuse(a, "auth", rc == W3W__SP_EMAC ? "request tag does not verify" : "frame length out of range");
			log_request(NULL, a, &p);
			answer(s, fd, a);
			break;
		}
		parsed = w3w__sp_request_parse(req, json, why, sizeof(why)) == 0;
		a->seq = parsed ? req->seq : 0;
		if (!parsed)
			refuse(a, "request", why);
		else if (strcmp(req->session, session) != 0 || req->seq != expected)
			refuse(a, "replay", "not this connection's session, or not its next seq");
		else {
			strcpy(a->address, s->address);
			a->ok = 1;
			if (req->op == W3W__SP_OP_SIGN)
				sign(s, req, a);
			else if (req->op == W3W__SP_OP_DEPOSIT_ADDRESS)
				deposit_address(s, req, a);
			else if (req->op == W3W__SP_OP_SWEEP || req->op == W3W__SP_OP_TOPUP)
				sign_custody(s, req, a);
		}
		log_request(parsed ? req : NULL, a, &p);
		if (answer(s, fd, a) != 0 || (!a->ok && strcmp(a->code, "policy") != 0))
			break; /* anything but a policy refusal ends the conversation */
		expected++;
	}
done:
	free(json);
	free(req);
	free(a);
}

/* ---- the socket -------------------------------------------------------------------- */

static int listen_on(const char *path, mode_t mode)
{
	struct sockaddr_un addr;
	struct stat st;
	mode_t old;
	int fd;

	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "w3wallet-signer: --socket: longer than %zu bytes\n", sizeof(addr.sun_path) - 1);
		return -1;
	}
	strcpy(addr.sun_path, path);
	/* A socket left by a previous run is replaced; any other file is not touched. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			fprintf(stderr, "w3wallet-signer: %s exists and is not a socket\n", path);
			return -1;
		}
		unlink(path);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		perror("w3wallet-signer: socket");
		return -1;
	}
	old = umask(0777 & ~mode); /* created with the final mode: no moment of wider access */
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 || listen(fd, 16) != 0) {
		fprintf(stderr, "w3wallet-signer: cannot listen on %s: %s\n", path, strerror(errno));
		umask(old);
		close(fd);
		return -1;
	}
	umask(old);
	return fd;
}

int signer_serve(signer_state *s, const char *path, mode_t mode)
{
	struct timeval tv = { s->timeout_ms / 1000, (s->timeout_ms % 1000) * 1000 };
	struct sigaction sa;
	int lfd = listen_on(path, mode);

	if (lfd < 0)
		return 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signer_log("listening", "socket", path, "address", s->address, (const char *)NULL);
	while (!stopping) {
		struct pollfd pfd = { lfd, POLLIN, 0 };
		int fd;

		if (poll(&pfd, 1, 500) <= 0)
			continue;
		if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		converse(s, fd);
		close(fd);
	}
	close(lfd);
	unlink(path);
	signer_log("stopped", (const char *)NULL);
	return 0;
}

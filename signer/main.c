/*
 * w3wallet-signer: the hot wallet's key in a process of its own.
 *
 *   w3wallet-signer --version
 *   w3wallet-signer --socket PATH --storage URL --chain-id ID [--chain-id ID...]
 *                   --max native=WEI [--max 0xTOKEN=UNITS...] [--allow-zero-address]
 *                   [--max-gas N] [--max-fee-per-gas WEI] [--max-topup WEI] [--socket-mode 0660] [--timeout-ms 5000]
 *
 * Secrets only from the environment (never flags: they show in ps):
 * W3W_MASTER_KEY or W3W_MASTER_KEY_FILE opens the sealed master seed in
 * the storage (as w3wallet-server does), W3W_SIGNER_KEY or
 * W3W_SIGNER_KEY_FILE is the key clients authenticate with. At start the
 * seed is read into locked memory and the hot key derived from it, the
 * master key is wiped and the storage closed: from then on the process
 * holds the seed (for deposit addresses) and the hot key, each readable
 * only while an address is derived or a signature made.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "crypto/seal.h"
#include "signer.h"
#include "w3wallet.h"
#include "wallet/wallet_internal.h"

static int usage(void)
{
	fprintf(stderr, "usage: w3wallet-signer --version\n"
		"       w3wallet-signer --socket PATH --storage URL --chain-id ID [--chain-id ID...]\n"
		"                       --max native=WEI [--max 0xTOKEN=UNITS...] [--allow-zero-address]\n"
		"                       [--max-gas N] [--max-fee-per-gas WEI] [--max-topup WEI] [--socket-mode 0600]\n"
		"                       [--timeout-ms 5000]\n"
		"                       [--create-seed]\n"
		"environment: W3W_MASTER_KEY or W3W_MASTER_KEY_FILE, W3W_SIGNER_KEY or W3W_SIGNER_KEY_FILE\n"
		"(64 hex characters each); see docs/signer.md\n");
	return 2;
}

/*
 * 64 hex characters from VAR, or from the file VAR_FILE names (a regular
 * file only its owner can read; a line end ignored), into `hex` (65 bytes,
 * locked memory). 0, or -1 (printed).
 */
static int secret_hex(char *hex, const char *var, const char *file_var)
{
	const char *value = getenv(var), *path = getenv(file_var);
	struct stat st;
	ssize_t n = 0;
	int fd;

	if ((value && *value) == (path && *path)) {
		fprintf(stderr, "w3wallet-signer: set %s or %s (one of them)\n", var, file_var);
		return -1;
	}
	if (value && *value) {
		n = (ssize_t)strlen(value);
		if (n == 64)
			memcpy(hex, value, 65);
	} else {
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077)) {
			fprintf(stderr, "w3wallet-signer: %s: %s must be a regular file only its owner can read (chmod 600)\n",
				file_var, path);
			if (fd >= 0)
				close(fd);
			return -1;
		}
		char next = '\n';
		n = read(fd, hex, 64);
		if (n == 64 && read(fd, &next, 1) == 1 && next != '\n' && next != '\r')
			n = -1; /* longer than a key: refused, not cut */
		close(fd);
		hex[n > 0 ? n : 0] = '\0';
	}
	if (n != 64 || strspn(hex, "0123456789abcdefABCDEF") != 64) {
		fprintf(stderr, "w3wallet-signer: %s: expected 64 hex characters\n", value ? var : file_var);
		return -1;
	}
	return 0;
}

/*
 * The seed sealed in `storage` under the master key (generated first when
 * `create` and there is none), the hot key and its address. 0 or -1 (printed).
 */
static int load_keys(signer_state *s, const char *storage, const char *master_hex, int create)
{
	w3w_options o;
	w3w_ctx *ctx = NULL;
	w3w_actor self;
	unsigned char *seed = NULL;
	w3w_status st;

	w3w_options_init(&o, W3W_OPTIONS_VERSION);
	snprintf(o.storage_url, sizeof(o.storage_url), "%s", storage);
	memcpy(o.master_key_hex, master_hex, 65);
	o.background_relay = 0;
	o.pool_size = 1; /* one read, then closed */
	st = w3w_ctx_open(&ctx, &o);
	sodium_memzero(o.master_key_hex, sizeof(o.master_key_hex));
	if (st != W3W_OK) {
		fprintf(stderr, "w3wallet-signer: --storage: %s\n", w3w_error_message());
		return -1;
	}
	w3w_actor_init(&self, "00000000-0000-7000-8000-000000000000", W3W_ROLE_SERVICE);
	st = w3w__seed_get(ctx, &self, create, &seed);
	if (st == W3W_OK) {
		memcpy(s->seed, seed, 64);
		st = w3w__hot_wallet(s->address, s->hot_key, seed);
	}
	/* Its own address: where a cancellation sends 0. */
	if (st == W3W_OK)
		s->policy.has_self = w3w__evm_address_read(s->policy.self, s->address, "address") == W3W_OK;
	w3w__secret_free(seed);
	if (st != W3W_OK)
		fprintf(stderr, "w3wallet-signer: the master seed: %s%s\n", w3w_error_message(),
			st == W3W_ENOTFOUND ? " (start once with --create-seed, or import one as admin)" : "");
	w3w_ctx_close(ctx); /* wipes the master key */
	return st == W3W_OK ? 0 : -1;
}

typedef struct args {
	const char *socket, *storage;
	mode_t mode;
	int create_seed;
} args;

static int parse_args(args *a, signer_state *s, int argc, char **argv)
{
	char why[200];

	for (int i = 1; i < argc; i++) {
		const char *f = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		char *end = NULL;
		int rc = 0;

		if (strcmp(f, "--allow-zero-address") == 0) {
			s->policy.allow_zero_address = 1;
			continue;
		}
		if (strcmp(f, "--create-seed") == 0) {
			a->create_seed = 1;
			continue;
		}
		if (!v)
			return usage();
		i++;
		errno = 0;
		if (strcmp(f, "--socket") == 0)
			a->socket = v;
		else if (strcmp(f, "--storage") == 0)
			a->storage = v;
		else if (strcmp(f, "--chain-id") == 0)
			rc = w3w__sp_policy_chain(&s->policy, v, why, sizeof(why));
		else if (strcmp(f, "--max") == 0)
			rc = w3w__sp_policy_max(&s->policy, v, why, sizeof(why));
		else if (strcmp(f, "--max-fee-per-gas") == 0)
			rc = w3w__sp_policy_max_fee(&s->policy, v, why, sizeof(why));
		else if (strcmp(f, "--max-topup") == 0)
			rc = w3w__sp_policy_topup_max(&s->policy, v, why, sizeof(why));
		else if (strcmp(f, "--max-gas") == 0)
			rc = (s->policy.max_gas = strtoull(v, &end, 10)) == 0 || *end || errno ? -1 : 0;
		else if (strcmp(f, "--socket-mode") == 0)
			rc = (a->mode = (mode_t)strtoul(v, &end, 8)) == 0 || *end || (a->mode & ~0777u) ? -1 : 0;
		else if (strcmp(f, "--timeout-ms") == 0)
			rc = (s->timeout_ms = (int)strtol(v, &end, 10)) < 1 || s->timeout_ms > 600000 || *end ? -1 : 0;
		else
			return usage();
		if (rc != 0) {
			fprintf(stderr, "w3wallet-signer: %s %s: %s\n", f, v, end ? "not a valid number" : why);
			return 2;
		}
	}
	if (!a->socket || !a->storage || !s->policy.chain_count) {
		fprintf(stderr, "w3wallet-signer: --socket, --storage and at least one --chain-id are required\n");
		return usage();
	}
	if (!s->policy.has_native_max && !s->policy.token_count) {
		fprintf(stderr, "w3wallet-signer: no --max: nothing could ever be signed\n");
		return 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct rlimit no_core = { 0, 0 };
	signer_state s;
	args a = { NULL, NULL, 0600, 0 };
	unsigned char *auth_key = NULL;
	char *hex = NULL;
	int rc;

	if (argc == 2 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0)) {
		printf("w3wallet-signer %s (libw3wallet %s, signer protocol %d)\n", W3W_VERSION, w3w_version(),
			W3W__SP_VERSION);
		return 0;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "w3wallet-signer: libsodium failed to initialize\n");
		return 1;
	}
	/* No core dump and no ptrace by same-uid processes: a dump would hold the key. */
	setrlimit(RLIMIT_CORE, &no_core);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	memset(&s, 0, sizeof(s));
	s.timeout_ms = 5000;
	if ((rc = parse_args(&a, &s, argc, argv)) != 0)
		return rc;
	if (w3w__secret_alloc(&auth_key, W3W__SP_KEY_LEN) != 0 || w3w__secret_alloc(&s.hot_key, 32) != 0 ||
	    w3w__secret_alloc(&s.seed, 64) != 0 ||
	    w3w__secret_alloc((unsigned char **)&hex, 65) != 0) {
		fprintf(stderr, "w3wallet-signer: out of locked memory (RLIMIT_MEMLOCK?)\n");
		return 1;
	}
	rc = secret_hex(hex, "W3W_SIGNER_KEY", "W3W_SIGNER_KEY_FILE") != 0 ||
		sodium_hex2bin(auth_key, W3W__SP_KEY_LEN, hex, 64, NULL, NULL, NULL) != 0 ||
		secret_hex(hex, "W3W_MASTER_KEY", "W3W_MASTER_KEY_FILE") != 0 || load_keys(&s, a.storage, hex, a.create_seed) != 0;
	w3w__secret_free((unsigned char *)hex);
	/* The environment's copies are not needed any more. */
	unsetenv("W3W_SIGNER_KEY");
	unsetenv("W3W_MASTER_KEY");
	if (rc == 0) {
		sodium_mprotect_noaccess(s.hot_key);
		sodium_mprotect_noaccess(s.seed);
		sodium_mprotect_readonly(auth_key);
		s.auth_key = auth_key;
		rc = signer_serve(&s, a.socket, a.mode);
	} else {
		rc = 1;
	}
	w3w__secret_free(s.hot_key);
	w3w__secret_free(s.seed);
	w3w__secret_free(auth_key);
	return rc;
}

/* Secrets from the environment or the data directory (see keys.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "keys.h"

/* A secret file holds at most AUTH_SECRET_MAX bytes and a line end; a longer one is refused, not cut. */
#define SECRET_FILE_MAX (AUTH_SECRET_MAX + 4)

int keys_data_dir(const config *cfg)
{
	char path[PATH_MAX];
	size_t len = strlen(cfg->data_dir);
	if (len == 0 || len >= sizeof(path)) {
		fprintf(stderr, "w3wallet-server: --data-dir: bad path\n");
		return -1;
	}
	memcpy(path, cfg->data_dir, len + 1);
	for (char *p = path + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char saved = *p;
			*p = '\0';
			if (mkdir(path, 0700) != 0 && errno != EEXIST) {
				fprintf(stderr, "w3wallet-server: cannot create %s: %s\n", path, strerror(errno));
				return -1;
			}
			*p = saved;
			if (!saved)
				break;
		}
	}
	return 0;
}

/* Read a secret file; refuse one that others can read. Returns length or -1 (printed); -2 if absent. */
static long read_secret(const char *path, char *buf, size_t cap)
{
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return -2;
		fprintf(stderr, "w3wallet-server: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077)) {
		fprintf(stderr, "w3wallet-server: %s must be a regular file only its owner can read (chmod 600)\n", path);
		close(fd);
		return -1;
	}
	n = read(fd, buf, cap - 1);
	close(fd);
	if (n < 0) {
		fprintf(stderr, "w3wallet-server: cannot read %s: %s\n", path, strerror(errno));
		return -1;
	}
	if ((size_t)n == cap - 1) {
		fprintf(stderr, "w3wallet-server: %s: too long for a secret\n", path);
		sodium_memzero(buf, cap);
		return -1;
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	return n;
}

/*
 * Load DIR/name, or generate 32 random bytes as 64 hex characters into it
 * (O_EXCL: two processes starting at once end up with the same secret).
 */
static long load_or_generate(const config *cfg, const char *name, const char *what, char *buf, size_t cap)
{
	char path[PATH_MAX + 32];
	unsigned char raw[32];
	long n;
	int fd;
	snprintf(path, sizeof(path), "%s/%s", cfg->data_dir, name);
	if ((n = read_secret(path, buf, cap)) != -2)
		return n;
	/* A token signed with a secret made just now would be refused by the server that has its own. */
	if (cfg->command == CMD_TOKEN) {
		fprintf(stderr, "w3wallet-server token: no %s: %s does not exist and no key is set in the environment;"
			" give the server's --data-dir (or its W3W_JWT_SECRET / W3W_JWT_ED25519_PRIVATE_KEY), or start"
			" the server once to generate it\n", what, path);
		return -1;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			return read_secret(path, buf, cap);
		fprintf(stderr, "w3wallet-server: cannot create %s: %s\n", path, strerror(errno));
		return -1;
	}
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(buf, cap, raw, sizeof(raw));
	sodium_memzero(raw, sizeof(raw));
	buf[64] = '\n';
	if (write(fd, buf, 65) != 65 || fsync(fd) != 0) {
		fprintf(stderr, "w3wallet-server: cannot write %s: %s\n", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	buf[64] = '\0';
	fprintf(stderr, "w3wallet-server: generated a new %s in %s (mode 0600; not printed)\n", what, path);
	return 64;
}

/*
 * A secret given in the environment: VAR holds it, or VAR_FILE names a file holding it (a systemd
 * credential, a mounted secret; checked as the data directory's files are, a line end ignored).
 * Returns its length with the secret in buf, -2 if neither is set, -1 on error (printed).
 * *name says which of the two it came from, for messages.
 */
static long env_secret(const char *var, const char *fv, char *buf, size_t cap, const char **name)
{
	const char *value = getenv(var), *path = getenv(fv);
	long n;
	if (value && !*value)
		value = NULL;
	if (path && !*path)
		path = NULL;
	*name = path ? fv : var;
	if (value && path) {
		fprintf(stderr, "w3wallet-server: set %s or %s, not both\n", var, fv);
		return -1;
	}
	if (value) {
		n = (long)strlen(value);
		if ((size_t)n >= cap) {
			fprintf(stderr, "w3wallet-server: %s: too long for a secret\n", var);
			return -1;
		}
		memcpy(buf, value, (size_t)n + 1);
		return n;
	}
	if (!path)
		return -2;
	n = read_secret(path, buf, cap);
	if (n == -2) {
		fprintf(stderr, "w3wallet-server: %s: %s does not exist\n", fv, path);
		return -1;
	}
	return n;
}

static int load_jwt(const config *cfg, auth_keys *keys)
{
	const char *pub = getenv("W3W_JWT_ED25519_PUBLIC_KEY");
	const char *priv = getenv("W3W_JWT_ED25519_PRIVATE_KEY");
	const char *from;
	char buf[SECRET_FILE_MAX];
	long n = env_secret("W3W_JWT_SECRET", "W3W_JWT_SECRET_FILE", buf, sizeof(buf), &from);

	if (n == -1)
		return -1;
	if (pub && !*pub)
		pub = NULL;
	if (priv && !*priv)
		priv = NULL;
	if (n >= 0 && (pub || priv)) {
		fprintf(stderr, "w3wallet-server: set %s (HS256) or an Ed25519 key (EdDSA), not both: "
			"the accepted algorithm is pinned to one\n", from);
		sodium_memzero(buf, sizeof(buf));
		return -1;
	}
	if (pub || priv) {
		unsigned char derived[32];
		keys->alg = AUTH_EDDSA;
		if (priv) {
			if (auth_parse_ed25519_private(keys->secret_key, derived, priv) != 0) {
				fprintf(stderr, "w3wallet-server: W3W_JWT_ED25519_PRIVATE_KEY: expected 64 hex characters (seed)\n");
				return -1;
			}
			keys->can_sign = 1;
		}
		if (pub && auth_parse_ed25519_public(keys->public_key, pub) != 0) {
			fprintf(stderr, "w3wallet-server: W3W_JWT_ED25519_PUBLIC_KEY: expected 32 bytes as hex, base64 or PEM\n");
			return -1;
		}
		if (!pub)
			memcpy(keys->public_key, derived, 32);
		else if (priv && memcmp(keys->public_key, derived, 32) != 0) {
			fprintf(stderr, "w3wallet-server: the Ed25519 private and public keys do not match\n");
			return -1;
		}
		return 0;
	}
	keys->alg = AUTH_HS256;
	if (n >= 0) {
		if (n < AUTH_SECRET_MIN || n > AUTH_SECRET_MAX) {
			fprintf(stderr, "w3wallet-server: %s: must be %d to %d bytes\n", from, AUTH_SECRET_MIN, AUTH_SECRET_MAX);
			sodium_memzero(buf, sizeof(buf));
			return -1;
		}
		memcpy(keys->secret, buf, (size_t)n);
		keys->secret_len = (size_t)n;
		keys->can_sign = 1;
		sodium_memzero(buf, sizeof(buf));
		return 0;
	}
	n = load_or_generate(cfg, "jwt-secret", "JWT secret (HS256)", buf, sizeof(buf));
	if (n < 0)
		return -1;
	if (n < AUTH_SECRET_MIN || n > AUTH_SECRET_MAX) {
		fprintf(stderr, "w3wallet-server: %s/jwt-secret: must be %d to %d bytes\n", cfg->data_dir, AUTH_SECRET_MIN, AUTH_SECRET_MAX);
		sodium_memzero(buf, sizeof(buf));
		return -1;
	}
	memcpy(keys->secret, buf, (size_t)n);
	keys->secret_len = (size_t)n;
	keys->can_sign = 1;
	sodium_memzero(buf, sizeof(buf));
	return 0;
}

static int valid_hex64(const char *s)
{
	if (strlen(s) != 64)
		return 0;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F')))
			return 0;
	return 1;
}

int keys_load(const config *cfg, auth_keys *keys, char master_hex[65])
{
	const char *from;
	char buf[SECRET_FILE_MAX];
	long n;
	memset(keys, 0, sizeof(*keys));
	if (keys_data_dir(cfg) != 0 || load_jwt(cfg, keys) != 0 || auth_init(keys) != 0)
		return -1;
	if (cfg->command == CMD_TOKEN) { /* signing needs no master key: none is read or made */
		master_hex[0] = '\0';
		return 0;
	}
	if (cfg->signer[0]) { /* the wallet keys are the signer's: none is read or made here */
		master_hex[0] = '\0';
		if ((getenv("W3W_MASTER_KEY") && *getenv("W3W_MASTER_KEY")) ||
		    (getenv("W3W_MASTER_KEY_FILE") && *getenv("W3W_MASTER_KEY_FILE"))) {
			fprintf(stderr, "w3wallet-server: with --signer the server holds no master key:"
				" unset W3W_MASTER_KEY and W3W_MASTER_KEY_FILE (the signer has it)\n");
			return -1;
		}
		return 0;
	}
	n = env_secret("W3W_MASTER_KEY", "W3W_MASTER_KEY_FILE", buf, sizeof(buf), &from);
	if (n == -1)
		return -1;
	if (n >= 0) {
		int ok = valid_hex64(buf);
		if (ok)
			memcpy(master_hex, buf, 65);
		sodium_memzero(buf, sizeof(buf));
		if (!ok) {
			fprintf(stderr, "w3wallet-server: %s: expected 64 hex characters\n", from);
			return -1;
		}
		return 0;
	}
	n = load_or_generate(cfg, "master-key", "master key", buf, sizeof(buf));
	if (n < 0)
		return -1;
	if (!valid_hex64(buf)) {
		fprintf(stderr, "w3wallet-server: %s/master-key: expected 64 hex characters\n", cfg->data_dir);
		sodium_memzero(buf, sizeof(buf));
		return -1;
	}
	memcpy(master_hex, buf, 65);
	sodium_memzero(buf, sizeof(buf));
	return 0;
}

int keys_signer(const config *cfg, char key_hex[65])
{
	const char *from;
	char buf[SECRET_FILE_MAX];
	long n;
	int ok;

	key_hex[0] = '\0';
	if (!cfg->signer[0])
		return 0;
	n = env_secret("W3W_SIGNER_KEY", "W3W_SIGNER_KEY_FILE", buf, sizeof(buf), &from);
	if (n == -2) {
		fprintf(stderr, "w3wallet-server: --signer needs W3W_SIGNER_KEY or W3W_SIGNER_KEY_FILE"
			" (the key w3wallet-signer was started with)\n");
		return -1;
	}
	if (n < 0)
		return -1;
	ok = valid_hex64(buf);
	if (ok)
		memcpy(key_hex, buf, 65);
	sodium_memzero(buf, sizeof(buf));
	if (!ok)
		fprintf(stderr, "w3wallet-server: %s: expected 64 hex characters\n", from);
	return ok ? 0 : -1;
}

int keys_check_seed(w3w_ctx *ctx, const w3w_actor *service, const config *cfg)
{
	w3w_master_seed_info info;
	w3w_status st;
	size_t n;
	const char *p;

	if (cfg->signer[0])
		return 0;
	/* A storage without wallet support (or one that cannot tell now) has nothing to refuse. */
	if ((st = w3w_master_seed_info_get(&info, ctx, service)) != W3W_OK || !info.exists)
		return 0;
	n = strlen(info.context_key_id);
	for (p = info.key_ids; n && *p; p += strcspn(p, ","), p += *p == ',')
		if (strncmp(p, info.context_key_id, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return 0;
	fprintf(stderr, "w3wallet-server: the wallet seed in this storage is sealed under master key %s, not under"
		" this server's key %s: start with the master key it was sealed under (W3W_MASTER_KEY or"
		" W3W_MASTER_KEY_FILE), or rotate it to this key first (docs/operations.md)\n",
		info.key_ids, info.context_key_id);
	return -1;
}

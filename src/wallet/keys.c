/*
 * The master seed and the master key: generation on first use, import,
 * audited export, online rotation and retirement of old copies.
 *
 * Stored secrets are the seed (64 bytes, purpose "seed") and its
 * mnemonic (purpose "mnemonic"), each sealed under the context's master
 * key with the purpose as associated data. A row names the key that
 * sealed it by key id, so a context finds its own copy and can tell a
 * wrong key from a tampered blob. Plaintexts live only in sodium_malloc'd
 * memory and are wiped as soon as the call is done.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/validate.h"
#include "core/write.h"
#include "crypto/bip39.h"
#include "crypto/crypto.h"
#include "crypto/seal.h"
#include "wallet/wallet_internal.h"

#define PURPOSE_SEED "seed"
#define PURPOSE_MNEMONIC "mnemonic"

void w3w__key_id(char out[W3W_KEY_ID_SIZE], const unsigned char key[32])
{
	static const char label[] = "w3wallet master key id v1";
	crypto_generichash_state s;
	unsigned char h[16];

	crypto_generichash_init(&s, NULL, 0, sizeof(h));
	crypto_generichash_update(&s, (const unsigned char *)label, sizeof(label) - 1);
	crypto_generichash_update(&s, key, 32);
	crypto_generichash_final(&s, h, sizeof(h));
	sodium_bin2hex(out, W3W_KEY_ID_SIZE, h, 8);
}

w3w_status w3w_master_key_id(char *buf, size_t buflen, const char *key_hex)
{
	unsigned char *key;
	size_t len = 0;
	int bad;

	if (!buf || buflen < W3W_KEY_ID_SIZE)
		return w3w_error_set(W3W_EINVAL, "buf: needs %d bytes", W3W_KEY_ID_SIZE);
	if (w3w__secret_alloc(&key, 32) != 0)
		return w3w_error_set(W3W_ENOMEM, "master key: out of memory");
	bad = !key_hex || strlen(key_hex) != 64 ||
		sodium_hex2bin(key, 32, key_hex, 64, NULL, &len, NULL) != 0 || len != 32;
	if (!bad)
		w3w__key_id(buf, key);
	w3w__secret_free(key);
	return bad ? w3w_error_set(W3W_EINVAL, "key_hex: must be 64 hex characters") : W3W_OK;
}

/* ---- reading secrets ----------------------------------------------------- */

static void key_ids_of(char *out, size_t size, const w3w_secret_record *rows, size_t n)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n && used + W3W_KEY_ID_SIZE < size; i++) {
		if (strstr(out, rows[i].key_id))
			continue;
		used += (size_t)snprintf(out + used, size - used, "%s%s", used ? "," : "", rows[i].key_id);
	}
}

/*
 * Open the secret of `purpose` sealed under the context's key: *out in
 * sodium memory. W3W_ENOTFOUND when no copy under any key exists.
 */
static w3w_status secret_open(w3w_ctx *ctx, const w3w__store *st, const char *purpose,
	unsigned char **out, size_t *out_len)
{
	w3w_secret_record *rows = NULL;
	size_t n = 0;
	char mine[W3W_KEY_ID_SIZE], ids[4 * W3W_KEY_ID_SIZE];
	w3w_status rc = st->wallet.secret_list(st->handle, purpose, &rows, &n);

	if (rc != W3W_OK)
		return rc;
	if (n == 0) {
		free(rows);
		return w3w_error_set(W3W_ENOTFOUND, "master seed: none yet");
	}
	w3w__key_id(mine, ctx->master_key);
	for (size_t i = 0; i < n; i++) {
		int err;
		if (strcmp(rows[i].key_id, mine) != 0)
			continue;
		err = w3w__seal_open(out, out_len, ctx->master_key, 32, purpose, rows[i].blob, rows[i].blob_len);
		free(rows);
		if (err != 0)
			return w3w_error_set(w3w__crypto_status(err),
				"%s: the stored copy under master key %s does not open (%s): tampered or corrupt",
				purpose, mine, w3w__crypto_strerror(err));
		return W3W_OK;
	}
	key_ids_of(ids, sizeof(ids), rows, n);
	free(rows);
	return w3w_error_set(W3W_ECRYPTO,
		"%s: sealed under master key %s, not under this context's key %s", purpose, ids, mine);
}

/* ---- storing a new seed ---------------------------------------------------- */

static w3w_status seal_record(w3w_secret_record *rec, w3w_ctx *ctx, const char *purpose,
	const char *origin, const unsigned char *secret, size_t len)
{
	int err;

	memset(rec, 0, sizeof(*rec));
	snprintf(rec->purpose, sizeof(rec->purpose), "%s", purpose);
	snprintf(rec->origin, sizeof(rec->origin), "%s", origin);
	w3w__key_id(rec->key_id, ctx->master_key);
	rec->created_at = w3w_time_now();
	err = w3w__seal(rec->blob, sizeof(rec->blob), &rec->blob_len, ctx->master_key, 32, purpose, secret, len);
	if (err != 0)
		return w3w_error_set(w3w__crypto_status(err), "%s: cannot seal (%s)", purpose, w3w__crypto_strerror(err));
	return W3W_OK;
}

/* Seal seed and mnemonic and store them as one storage command. */
static w3w_status store_seed(w3w_ctx *ctx, const w3w_actor *actor, const char *mnemonic,
	const unsigned char *seed, const char *origin, const char *action, const char *event_type)
{
	w3w_secret_record recs[2];
	w3w_cmd_secrets_create cmd;
	char aggregate[W3W_ID_SIZE];
	w3w__write w;
	w3w_status st;

	memset(&cmd, 0, sizeof(cmd));
	if ((st = seal_record(&recs[0], ctx, PURPOSE_SEED, origin, seed, W3W__BIP39_SEED_LEN)) != W3W_OK ||
	    (st = seal_record(&recs[1], ctx, PURPOSE_MNEMONIC, origin, (const unsigned char *)mnemonic,
	                      strlen(mnemonic))) != W3W_OK)
		return st;
	cmd.records = recs;
	cmd.count = 2;
	if ((st = w3w__write_begin(&w, &cmd.meta, ctx, actor, action, NULL)) != W3W_OK)
		return st;
	w3w__write_field(&w, "origin", origin);
	w3w__write_field(&w, "key_id", recs[0].key_id);
	w3w_id_new(aggregate, sizeof(aggregate));
	if ((st = w3w__write_prepare(&w, event_type, aggregate, "")) == W3W_OK)
		st = ctx->store.wallet.secrets_create(ctx->store.handle, &cmd);
	return w3w__write_finish(&w, st);
}

static w3w_status generate_seed(w3w_ctx *ctx, const w3w_actor *actor)
{
	unsigned char *mnemonic = NULL, *seed = NULL;
	w3w_status st;
	int err;

	if (w3w__secret_alloc(&mnemonic, W3W__BIP39_MNEMONIC_SIZE) != 0 ||
	    w3w__secret_alloc(&seed, W3W__BIP39_SEED_LEN) != 0) {
		w3w__secret_free(mnemonic);
		return w3w_error_set(W3W_ENOMEM, "master seed: out of memory");
	}
	err = w3w__bip39_mnemonic_generate((char *)mnemonic, W3W__BIP39_MNEMONIC_SIZE, 24);
	if (err == 0)
		err = w3w__bip39_seed(seed, (const char *)mnemonic, NULL);
	st = err ? w3w_error_set(w3w__crypto_status(err), "master seed: cannot generate (%s)",
	                         w3w__crypto_strerror(err))
	         : store_seed(ctx, actor, (const char *)mnemonic, seed, "generated",
	                      "wallet.seed_create", "wallet.seed_created");
	w3w__secret_free(mnemonic);
	w3w__secret_free(seed);
	return st;
}

w3w_status w3w__seed_get(w3w_ctx *ctx, const w3w_actor *actor, int create, unsigned char **seed)
{
	const w3w__store *st;
	size_t len = 0;
	w3w_status rc;

	*seed = NULL;
	if ((rc = w3w__wallet_storage(ctx, &st)) || (rc = w3w__wallet_need_key(ctx)))
		return rc;
	rc = secret_open(ctx, st, PURPOSE_SEED, seed, &len);
	if (rc == W3W_ENOTFOUND && create) {
		rc = generate_seed(ctx, actor);
		/* Lost the race to another first use: theirs is the seed. */
		if (rc == W3W_OK || rc == W3W_ECONFLICT)
			rc = secret_open(ctx, st, PURPOSE_SEED, seed, &len);
	}
	if (rc == W3W_OK && len != W3W__BIP39_SEED_LEN) {
		w3w__secret_free(*seed);
		*seed = NULL;
		rc = w3w_error_set(W3W_EINTERNAL, "master seed: stored seed has %zu bytes", len);
	}
	return rc;
}

/* ---- admin calls ----------------------------------------------------------- */

static w3w_status need_admin(w3w_ctx *ctx, const w3w_actor *actor, const char *action)
{
	if (!w3w__has_role(actor, W3W_ROLE_ADMIN))
		return w3w__audit_refusal(ctx, actor, action, "",
			w3w_error_set(W3W_EFORBIDDEN, "%s: needs the admin role", action));
	return W3W_OK;
}

w3w_status w3w_master_seed_import(w3w_ctx *ctx, const w3w_actor *actor, const char *mnemonic,
	const char *passphrase)
{
	unsigned char entropy[W3W__BIP39_ENTROPY_MAX];
	unsigned char *canon = NULL, *seed = NULL;
	const w3w__store *storage;
	size_t n = 0;
	w3w_status st;
	int err;

	if ((st = w3w__wallet_storage(ctx, &storage)) || (st = w3w__check_actor(actor)) ||
	    (st = need_admin(ctx, actor, "wallet.seed_import")) || (st = w3w__wallet_need_key(ctx)))
		return st;
	if (!mnemonic)
		return w3w_error_set(W3W_EINVAL, "mnemonic: missing");
	/* The messages name the rule broken, never the words. */
	err = w3w__bip39_mnemonic_to_entropy(entropy, sizeof(entropy), &n, mnemonic);
	if (err != 0)
		return w3w_error_set(W3W_EINVAL, "mnemonic: %s", err == W3W__CRYPTO_ELENGTH ?
			"must have 12, 15, 18, 21 or 24 words" : w3w__crypto_strerror(err));
	if (w3w__secret_alloc(&canon, W3W__BIP39_MNEMONIC_SIZE) != 0 ||
	    w3w__secret_alloc(&seed, W3W__BIP39_SEED_LEN) != 0) {
		sodium_memzero(entropy, sizeof(entropy));
		w3w__secret_free(canon);
		return w3w_error_set(W3W_ENOMEM, "mnemonic: out of memory");
	}
	/* Stored in its canonical form: lowercase words, single spaces. */
	err = w3w__bip39_mnemonic_from_entropy((char *)canon, W3W__BIP39_MNEMONIC_SIZE, entropy, n);
	sodium_memzero(entropy, sizeof(entropy));
	if (err == 0)
		err = w3w__bip39_seed(seed, (const char *)canon, passphrase);
	if (err == W3W__CRYPTO_ECHARSET || err == W3W__CRYPTO_ELENGTH)
		st = w3w_error_set(W3W_EINVAL, "passphrase: %s", err == W3W__CRYPTO_ECHARSET ?
			"must be ASCII (BIP-39 NFKD normalisation is not implemented)" : "too long");
	else if (err != 0)
		st = w3w_error_set(w3w__crypto_status(err), "mnemonic: %s", w3w__crypto_strerror(err));
	else
		st = store_seed(ctx, actor, (const char *)canon, seed, "imported",
			"wallet.seed_import", "wallet.seed_imported");
	w3w__secret_free(canon);
	w3w__secret_free(seed);
	if (st == W3W_ECONFLICT)
		w3w_error_set(W3W_ECONFLICT, "master seed: one already exists and is never replaced");
	return st;
}

w3w_status w3w_master_seed_info_get(w3w_master_seed_info *out, w3w_ctx *ctx, const w3w_actor *actor)
{
	w3w_secret_record *rows = NULL;
	const w3w__store *storage;
	size_t n = 0;
	w3w_status st;

	if (!out)
		return w3w_error_set(W3W_EINVAL, "out: NULL");
	if ((st = w3w__wallet_storage(ctx, &storage)) || (st = w3w__check_actor(actor)))
		return st;
	if (!w3w__has_role(actor, W3W_ROLE_ADMIN | W3W_ROLE_AUDITOR | W3W_ROLE_SERVICE))
		return w3w_error_set(W3W_EFORBIDDEN, "master seed info: needs admin, auditor or service");
	if ((st = storage->wallet.secret_list(storage->handle, PURPOSE_SEED, &rows, &n)) != W3W_OK)
		return st;
	memset(out, 0, sizeof(*out));
	out->exists = n > 0;
	if (n > 0) {
		snprintf(out->origin, sizeof(out->origin), "%s", rows[0].origin);
		out->created_at = rows[0].created_at;
		key_ids_of(out->key_ids, sizeof(out->key_ids), rows, n);
	}
	if (ctx->has_master_key)
		w3w__key_id(out->context_key_id, ctx->master_key);
	free(rows);
	return W3W_OK;
}

w3w_status w3w_master_mnemonic_export(char **out, w3w_ctx *ctx, const w3w_actor *actor)
{
	static const char action[] = "wallet.seed_export";
	unsigned char *words = NULL;
	const w3w__store *storage;
	size_t len = 0;
	w3w_status st;

	if (!out)
		return w3w_error_set(W3W_EINVAL, "out: NULL");
	*out = NULL;
	if ((st = w3w__wallet_storage(ctx, &storage)) || (st = w3w__check_actor(actor)) ||
	    (st = need_admin(ctx, actor, action)))
		return st;
	st = w3w__wallet_need_key(ctx);
	if (st == W3W_OK)
		st = secret_open(ctx, storage, PURPOSE_MNEMONIC, &words, &len);
	if (st == W3W_OK) {
		*out = malloc(len + 1);
		if (*out) {
			memcpy(*out, words, len);
			(*out)[len] = '\0';
		} else {
			st = w3w_error_set(W3W_ENOMEM, "mnemonic: out of memory");
		}
		w3w__secret_free(words);
	}
	w3w__wallet_audit(ctx, actor, action, "", st);
	return st;
}

/* ---- rotation -------------------------------------------------------------- */

static w3w_status read_new_key(unsigned char **key, const char *hex, const unsigned char *current)
{
	size_t len = 0;

	if (w3w__secret_alloc(key, 32) != 0)
		return w3w_error_set(W3W_ENOMEM, "new_key_hex: out of memory");
	if (!hex || strlen(hex) != 64 || sodium_hex2bin(*key, 32, hex, 64, NULL, &len, NULL) != 0 || len != 32) {
		w3w__secret_free(*key);
		*key = NULL;
		return w3w_error_set(W3W_EINVAL, "new_key_hex: must be 64 hex characters");
	}
	if (sodium_memcmp(*key, current, 32) == 0) {
		w3w__secret_free(*key);
		*key = NULL;
		return w3w_error_set(W3W_EINVAL, "new_key_hex: is the current master key");
	}
	return W3W_OK;
}

/* Copies under `new_key` of every secret that has a copy under the context's key. */
static w3w_status reseal_all(w3w_ctx *ctx, const w3w__store *storage, const unsigned char *new_key,
	w3w_secret_record **out, size_t *count)
{
	w3w_secret_record *rows = NULL, *copies;
	char mine[W3W_KEY_ID_SIZE], theirs[W3W_KEY_ID_SIZE];
	size_t n = 0, made = 0;
	w3w_status st = storage->wallet.secret_list(storage->handle, "", &rows, &n);

	*out = NULL;
	*count = 0;
	if (st != W3W_OK)
		return st;
	w3w__key_id(mine, ctx->master_key);
	w3w__key_id(theirs, new_key);
	copies = calloc(n ? n : 1, sizeof(*copies));
	if (!copies) {
		free(rows);
		return w3w_error_set(W3W_ENOMEM, "rotate: out of memory");
	}
	for (size_t i = 0; i < n && st == W3W_OK; i++) {
		int have = 0, err;
		if (i > 0 && strcmp(rows[i].purpose, rows[i - 1].purpose) == 0)
			continue;
		for (size_t j = i; j < n && strcmp(rows[j].purpose, rows[i].purpose) == 0; j++) {
			if (strcmp(rows[j].key_id, mine) != 0)
				continue;
			copies[made] = rows[j];
			strcpy(copies[made].key_id, theirs);
			err = w3w__seal_reseal(copies[made].blob, sizeof(copies[made].blob), &copies[made].blob_len,
				ctx->master_key, new_key, 32, rows[j].purpose, rows[j].blob, rows[j].blob_len);
			if (err != 0)
				st = w3w_error_set(w3w__crypto_status(err), "rotate: %s does not open under key %s (%s)",
					rows[j].purpose, mine, w3w__crypto_strerror(err));
			made++;
			have = 1;
			break;
		}
		if (st == W3W_OK && !have)
			st = w3w_error_set(W3W_ECRYPTO,
				"rotate: %s has no copy under this context's key %s: rotate from a context with its key",
				rows[i].purpose, mine);
	}
	free(rows);
	if (st != W3W_OK) {
		free(copies);
		return st;
	}
	*out = copies;
	*count = made;
	return W3W_OK;
}

w3w_status w3w_master_key_rotate(w3w_ctx *ctx, const w3w_actor *actor, const char *new_key_hex)
{
	w3w_cmd_secrets_reseal cmd;
	w3w_secret_record *copies = NULL;
	unsigned char *new_key = NULL;
	const w3w__store *storage;
	char aggregate[W3W_ID_SIZE], to_id[W3W_KEY_ID_SIZE], count_text[24];
	size_t count = 0;
	w3w__write w;
	w3w_status st;

	if ((st = w3w__wallet_storage(ctx, &storage)) || (st = w3w__check_actor(actor)) ||
	    (st = need_admin(ctx, actor, "wallet.key_rotate")) || (st = w3w__wallet_need_key(ctx)) ||
	    (st = read_new_key(&new_key, new_key_hex, ctx->master_key)))
		return st;
	st = reseal_all(ctx, storage, new_key, &copies, &count);
	w3w__key_id(to_id, new_key);
	w3w__secret_free(new_key);
	if (st != W3W_OK || count == 0) {
		free(copies);
		return st;
	}
	memset(&cmd, 0, sizeof(cmd));
	cmd.records = copies;
	cmd.count = count;
	w3w__key_id(cmd.from_key_id, ctx->master_key);
	if ((st = w3w__write_begin(&w, &cmd.meta, ctx, actor, "wallet.key_rotate", NULL)) != W3W_OK) {
		free(copies);
		return st;
	}
	snprintf(count_text, sizeof(count_text), "%zu", count);
	w3w__write_field(&w, "from_key_id", cmd.from_key_id);
	w3w__write_field(&w, "to_key_id", to_id);
	w3w__write_payload(&w, "secrets", count_text);
	w3w_id_new(aggregate, sizeof(aggregate));
	if ((st = w3w__write_prepare(&w, "wallet.master_key_rotated", aggregate, "")) == W3W_OK)
		st = storage->wallet.secrets_reseal(storage->handle, &cmd);
	st = w3w__write_finish(&w, st);
	free(copies);
	return st;
}

w3w_status w3w_master_key_retire(w3w_ctx *ctx, const w3w_actor *actor, int64_t *deleted)
{
	w3w_cmd_secrets_retire cmd;
	const w3w__store *storage;
	char aggregate[W3W_ID_SIZE];
	w3w__write w;
	w3w_status st;

	if (deleted)
		*deleted = 0;
	if ((st = w3w__wallet_storage(ctx, &storage)) || (st = w3w__check_actor(actor)) ||
	    (st = need_admin(ctx, actor, "wallet.key_retire")) || (st = w3w__wallet_need_key(ctx)))
		return st;
	memset(&cmd, 0, sizeof(cmd));
	w3w__key_id(cmd.keep_key_id, ctx->master_key);
	if ((st = w3w__write_begin(&w, &cmd.meta, ctx, actor, "wallet.key_retire", NULL)) != W3W_OK)
		return st;
	w3w__write_field(&w, "key_id", cmd.keep_key_id);
	w3w_id_new(aggregate, sizeof(aggregate));
	if ((st = w3w__write_prepare(&w, "wallet.master_key_retired", aggregate, "")) == W3W_OK)
		st = storage->wallet.secrets_retire(storage->handle, &cmd);
	st = w3w__write_finish(&w, st);
	if (st == W3W_OK && deleted)
		*deleted = cmd.deleted;
	return st;
}

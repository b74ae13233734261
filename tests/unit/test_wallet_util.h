/*
 * Shared helpers of the wallet tests: a context on a fresh SQLite file
 * with a master key, actors, and looks into what was written (events,
 * audit records, the database file's bytes).
 */
#ifndef W3W_TEST_WALLET_UTIL_H
#define W3W_TEST_WALLET_UTIL_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/context.h"
#include "w3wallet.h"
#include "w3wallet/sys/storage.h"

#define KEY1 "1111111111111111111111111111111111111111111111111111111111111111"
#define KEY2 "2222222222222222222222222222222222222222222222222222222222222222"
#define KEY3 "3333333333333333333333333333333333333333333333333333333333333333"
#define ANVIL_MNEMONIC "test test test test test test test test test test test junk"

#define U_ALICE   "01900000-0000-7000-8000-0000000000a1"
#define U_BOB     "01900000-0000-7000-8000-0000000000b0"
#define U_ADMIN   "01900000-0000-7000-8000-0000000000ad"
#define U_SERVICE "01900000-0000-7000-8000-00000000005e"
#define COIN W3W_AMOUNT_SCALE

static char test_dir[64];
static char test_db[128];

static w3w_actor alice, bob, admin, service;

static inline void util_actors(void)
{
	ck_assert_int_eq(w3w_actor_init(&alice, U_ALICE, W3W_ROLE_USER), W3W_OK);
	ck_assert_int_eq(w3w_actor_init(&bob, U_BOB, W3W_ROLE_USER), W3W_OK);
	ck_assert_int_eq(w3w_actor_init(&admin, U_ADMIN, W3W_ROLE_ADMIN), W3W_OK);
	ck_assert_int_eq(w3w_actor_init(&service, U_SERVICE, W3W_ROLE_SERVICE), W3W_OK);
}

/* A fresh database file for this test. */
static inline void util_fresh_db(void)
{
	strcpy(test_dir, "/tmp/w3w-wallet-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(test_dir));
	snprintf(test_db, sizeof(test_db), "%s/w.db", test_dir);
	util_actors();
}

static inline void util_remove_db(void)
{
	char path[160];
	const char *suffix[] = { "", "-wal", "-shm" };
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s%s", test_db, suffix[i]);
		unlink(path);
	}
	rmdir(test_dir);
}

/* A context on the test database; key may be NULL (no master key). */
static inline w3w_ctx *util_open(const char *key)
{
	w3w_options o;
	w3w_ctx *ctx = NULL;

	ck_assert_int_eq(w3w_options_init(&o, W3W_OPTIONS_VERSION), W3W_OK);
	snprintf(o.storage_url, sizeof(o.storage_url), "sqlite:%s", test_db);
	snprintf(o.master_key_hex, sizeof(o.master_key_hex), "%s", key ? key : "");
	o.background_relay = 0;
	ck_assert_msg(w3w_ctx_open(&ctx, &o) == W3W_OK, "open: %s", w3w_error_message());
	return ctx;
}

/* How many audit records of `action` with `outcome` exist. */
static inline int util_audit_count(w3w_ctx *ctx, const char *action, const char *outcome)
{
	w3w_audit_record *recs = NULL;
	size_t n = 0, sealed = 0;
	int found = 0;

	ck_assert_int_eq(w3w_audit_seal(ctx, 100000, &sealed), W3W_OK);
	ck_assert_int_eq(ctx->store.audit.read(ctx->store.handle, 0, 100000, &recs, &n), W3W_OK);
	for (size_t i = 0; i < n; i++)
		if (strcmp(recs[i].action, action) == 0 && (!outcome || strcmp(recs[i].outcome, outcome) == 0))
			found++;
	free(recs);
	return found;
}

/* 1 if `needle` occurs anywhere in the file's bytes. */
static inline int util_file_contains(const char *path, const char *needle)
{
	FILE *f = fopen(path, "rb");
	size_t n = strlen(needle), len;
	char *buf;
	int hit = 0;

	if (!f)
		return 0;
	fseek(f, 0, SEEK_END);
	len = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(len + 1);
	ck_assert_uint_eq(fread(buf, 1, len, f), len);
	fclose(f);
	for (size_t i = 0; i + n <= len && !hit; i++)
		hit = memcmp(buf + i, needle, n) == 0;
	free(buf);
	return hit;
}

static inline w3w_account util_account(w3w_ctx *ctx, const char *user, const char *currency)
{
	w3w_account_list *list = NULL;
	w3w_account a;

	memset(&a, 0, sizeof(a));
	ck_assert_int_eq(w3w_accounts(&list, ctx, &admin, user), W3W_OK);
	for (size_t i = 0; i < list->count; i++)
		if (strcmp(list->items[i].currency, currency) == 0)
			a = list->items[i];
	w3w_account_list_free(list);
	return a;
}

#endif

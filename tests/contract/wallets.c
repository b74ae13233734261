/*
 * The storage contract, wallet table: deposit wallets, chain deposits,
 * withdrawals with their holds and nonces, the watcher's cursor, the
 * sealed master secrets. Driven
 * the way src/wallet drives it (indexes from wallet_index_next, credits
 * through the ledger first, withdrawals moved step by step).
 */
#include <stdlib.h>
#include <string.h>

#include "contract.h"

#define CHAIN "evm:31337"
#define HOT   "0x00000000000000000000000000000000000000h0"

static const w3w_wallet_store *ws(void)
{
	ck_assert_msg(st->wallet != NULL, "the backend under test has no wallet table");
	return st->wallet;
}

static void wallet_cmd_init(w3w_cmd_wallet_create *cmd, const char *user, const char *chain, const char *address,
	const char *key, int64_t index)
{
	memset(cmd, 0, sizeof(*cmd));
	new_id(cmd->w.id);
	meta_init(&cmd->meta, user, key, 0x31, "wallet.created", cmd->w.id);
	strcpy(cmd->w.user_id, user);
	strcpy(cmd->w.chain, chain);
	strcpy(cmd->w.address, address);
	cmd->w.index = index;
	cmd->w.created_at = cmd->meta.now;
}

/* As core does it: the next index of the chain, then the wallet. */
static w3w_status wallet_create(const char *user, const char *chain, const char *address, const char *key,
	w3w_wallet *out)
{
	w3w_cmd_wallet_create cmd;
	int64_t index;
	w3w_status rc;

	if ((rc = ws()->wallet_index_next(st, chain, &index)) != W3W_OK)
		return rc;
	wallet_cmd_init(&cmd, user, chain, address, key, index);
	return ws()->wallet_create(st, &cmd, out);
}

START_TEST(test_wallet_create_list_find)
{
	w3w_wallet a, b, again, found;
	w3w_wallets *list = NULL;
	w3w_cmd_wallet_create cmd;
	int64_t idx = -1, events;

	ck_assert_int_eq(ws()->wallet_list(st, BUYER, &list), W3W_OK);
	ck_assert_uint_eq(list->count, 0);
	w3w_wallets_free(list);

	ck_assert_int_eq(wallet_create(BUYER, "solana", "So1anaAddre55BuyerXXXXXXXXXXXXXXXXXXXXXXX", NULL, &a), W3W_OK);
	ck_assert_int_eq(a.index, 0);
	ck_assert_int_eq(wallet_create(BUYER, "evm", "0x00000000000000000000000000000000000000b1", "w-1", &b), W3W_OK);
	ck_assert_int_eq(b.index, 0);   /* indexes count per chain */
	ck_assert_str_eq(b.user_id, BUYER);
	ck_assert_str_eq(b.address, "0x00000000000000000000000000000000000000b1");
	/* Indexes are never handed out twice, used or not. */
	ck_assert_int_eq(ws()->wallet_index_next(st, "evm", &idx), W3W_OK);
	ck_assert_int_eq(idx, 1);
	events = outbox_total();

	/* One wallet per user and chain (named); an address or index is one wallet's. */
	ck_assert_int_eq(wallet_create(BUYER, "evm", "0x00000000000000000000000000000000000000b2", NULL, &again),
		W3W_ECONFLICT);
	ck_assert_ptr_nonnull(strstr(w3w_error_message(), b.id));
	ck_assert_int_eq(wallet_create(SHOPPER, "evm", "0x00000000000000000000000000000000000000b1", NULL, &again),
		W3W_ECONFLICT);
	wallet_cmd_init(&cmd, SHOPPER, "evm", "0x00000000000000000000000000000000000000c1", NULL, b.index);
	ck_assert_int_eq(ws()->wallet_create(st, &cmd, &again), W3W_ECONFLICT);
	ck_assert_int_eq(outbox_total(), events);

	/* A retry with the key returns the first wallet. */
	wallet_cmd_init(&cmd, BUYER, "evm", "0x00000000000000000000000000000000000000b3", "w-1", 7);
	ck_assert_int_eq(ws()->wallet_create(st, &cmd, &again), W3W_OK);
	ck_assert_int_eq(cmd.meta.replayed, 1);
	ck_assert_mem_eq(&again, &b, sizeof(b));
	ck_assert_int_eq(outbox_total(), events);

	ck_assert_int_eq(ws()->wallet_list(st, BUYER, &list), W3W_OK);
	ck_assert_uint_eq(list->count, 2);
	ck_assert_mem_eq(&list->items[0], &b, sizeof(b));   /* chain ascending: evm, solana */
	ck_assert_mem_eq(&list->items[1], &a, sizeof(a));
	w3w_wallets_free(list);

	ck_assert_int_eq(ws()->wallet_find(st, "evm", b.address, &found), W3W_OK);
	ck_assert_mem_eq(&found, &b, sizeof(b));
	ck_assert_int_eq(ws()->wallet_find(st, "solana", b.address, &found), W3W_ENOTFOUND);
	ck_assert_int_eq(ws()->wallet_find(st, "evm", "0x00000000000000000000000000000000000000b9", &found),
		W3W_ENOTFOUND);
}
END_TEST

static void chain_deposit_init(w3w_chain_deposit *d, const char *reference, w3w_amount amount)
{
	memset(d, 0, sizeof(*d));
	strcpy(d->reference, reference);
	strcpy(d->chain, CHAIN);
	strcpy(d->user_id, BUYER);
	strcpy(d->address, "0x00000000000000000000000000000000000000b1");
	strcpy(d->currency, "USDT");
	strcpy(d->tx_hash, "0x1111111111111111111111111111111111111111111111111111111111111111");
	d->log_index = 3;
	d->block_number = 42;
	strcpy(d->block_hash, "0x2222222222222222222222222222222222222222222222222222222222222222");
	strcpy(d->value, "5000000");
	d->amount = amount;
	strcpy(d->dust, "0");
	strcpy(d->status, amount > 0 ? "credited" : "dust");
	d->created_at = tick();
}

/* As the watcher does it: credit through the ledger (reference as key), then record the deposit once. */
START_TEST(test_chain_deposit_credit)
{
	static const char ref[] = CHAIN ":0x1111111111111111111111111111111111111111111111111111111111111111:3";
	w3w_chain_deposit d, got, other;
	w3w_transfer t;
	int inserted = -1;

	ck_assert_int_eq(ws()->chain_deposit_get(st, ref, &got), W3W_ENOTFOUND);
	ck_assert_int_eq(do_transfer(st, W3W_TRANSFER_DEPOSIT, W3W_EXTERNAL_USER_ID, BUYER, 5 * COIN, ref, ref, &t),
		W3W_OK);
	chain_deposit_init(&d, ref, 5 * COIN);
	strcpy(d.transfer_id, t.id);
	ck_assert_int_eq(ws()->chain_deposit_put(st, &d, &inserted), W3W_OK);
	ck_assert_int_eq(inserted, 1);
	ck_assert_int_eq(ws()->chain_deposit_get(st, ref, &got), W3W_OK);
	ck_assert_mem_eq(&got, &d, sizeof(d));
	ck_assert_int_eq(account_of(BUYER).balance, 5 * COIN);

	/* Seen again (a re-scan): the ledger replays, the record stays as first written. */
	ck_assert_int_eq(do_transfer(st, W3W_TRANSFER_DEPOSIT, W3W_EXTERNAL_USER_ID, BUYER, 5 * COIN, ref, ref, &t),
		W3W_OK);
	ck_assert_str_eq(t.id, d.transfer_id);
	chain_deposit_init(&other, ref, 5 * COIN);
	other.block_number = 43;
	ck_assert_int_eq(ws()->chain_deposit_put(st, &other, &inserted), W3W_OK);
	ck_assert_int_eq(inserted, 0);
	ck_assert_int_eq(ws()->chain_deposit_put(st, &other, NULL), W3W_OK);
	ck_assert_int_eq(ws()->chain_deposit_get(st, ref, &got), W3W_OK);
	ck_assert_int_eq(got.block_number, 42);
	ck_assert_int_eq(account_of(BUYER).balance, 5 * COIN);

	/* Dust is recorded with nothing credited. */
	chain_deposit_init(&d, CHAIN ":0x3333333333333333333333333333333333333333333333333333333333333333:0", 0);
	strcpy(d.value, "7");
	strcpy(d.dust, "7");
	ck_assert_int_eq(ws()->chain_deposit_put(st, &d, &inserted), W3W_OK);
	ck_assert_int_eq(inserted, 1);
	ck_assert_int_eq(ws()->chain_deposit_get(st, d.reference, &got), W3W_OK);
	ck_assert_str_eq(got.status, "dust");
	ck_assert_str_eq(got.transfer_id, "");
	ck_assert_int_eq(got.amount, 0);
	check_invariants();
}
END_TEST

/* A user's recorded deposits, newest first, of one chain or all (wallet table version 3). */
START_TEST(test_chain_deposit_list)
{
	static const char *const refs[] = {
		CHAIN ":0x4444444444444444444444444444444444444444444444444444444444444444:0",
		"evm:1:0x4444444444444444444444444444444444444444444444444444444444444444:native",
		CHAIN ":0x5555555555555555555555555555555555555555555555555555555555555555:1",
	};
	w3w_chain_deposit d, *list = NULL;
	size_t n = 99;

	ck_assert_msg(ws()->version >= 3 && ws()->chain_deposit_list, "wallet table below version 3: no deposit list");
	ck_assert_int_eq(ws()->chain_deposit_list(st, BUYER, "", 10, &list, &n), W3W_OK);
	ck_assert_uint_eq(n, 0);
	free(list);
	for (int i = 0; i < 3; i++) {
		chain_deposit_init(&d, refs[i], COIN);
		if (i == 1)
			strcpy(d.chain, "evm:1");
		ck_assert_int_eq(ws()->chain_deposit_put(st, &d, NULL), W3W_OK);
	}
	chain_deposit_init(&d, CHAIN ":0x6666666666666666666666666666666666666666666666666666666666666666:0", COIN);
	strcpy(d.user_id, SHOPPER);
	ck_assert_int_eq(ws()->chain_deposit_put(st, &d, NULL), W3W_OK);

	ck_assert_int_eq(ws()->chain_deposit_list(st, BUYER, "", 10, &list, &n), W3W_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(list[0].reference, refs[2]);   /* newest first */
	ck_assert_str_eq(list[1].reference, refs[1]);
	ck_assert_str_eq(list[2].reference, refs[0]);
	ck_assert_str_eq(list[0].user_id, BUYER);
	free(list);
	ck_assert_int_eq(ws()->chain_deposit_list(st, BUYER, CHAIN, 10, &list, &n), W3W_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(list[0].reference, refs[2]);
	ck_assert_str_eq(list[1].reference, refs[0]);
	free(list);
	ck_assert_int_eq(ws()->chain_deposit_list(st, BUYER, "", 1, &list, &n), W3W_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(list[0].reference, refs[2]);
	free(list);
	ck_assert_int_eq(ws()->chain_deposit_list(st, SHOPPER, "", 10, &list, &n), W3W_OK);
	ck_assert_uint_eq(n, 1);
	free(list);
}
END_TEST

static w3w_status withdrawal_create(w3w_amount amount, int64_t floor, const char *key, w3w_withdrawal_row *out)
{
	w3w_cmd_withdrawal_create cmd;

	memset(&cmd, 0, sizeof(cmd));
	new_id(cmd.w.id);
	meta_init(&cmd.meta, BUYER, key, 0x41, "wallet.withdrawal_held", cmd.w.id);
	strcpy(cmd.w.user_id, BUYER);
	strcpy(cmd.w.chain, CHAIN);
	strcpy(cmd.w.currency, "USDT");
	cmd.w.amount = amount;
	strcpy(cmd.w.to_address, "0x00000000000000000000000000000000000000d1");
	strcpy(cmd.w.from_address, HOT);
	cmd.w.status = W3W_WITHDRAWAL_HELD;
	cmd.w.nonce = -1;
	cmd.w.created_at = cmd.w.updated_at = cmd.meta.now;
	cmd.nonce_floor = floor;
	return ws()->withdrawal_create(st, &cmd, out);
}

static w3w_status withdrawal_move(const char *id, w3w_withdrawal_status from, w3w_withdrawal_status to,
	int give_back_nonce, w3w_withdrawal_row *out, char settlement_id[W3W_ID_SIZE])
{
	w3w_cmd_withdrawal_update cmd;

	memset(&cmd, 0, sizeof(cmd));
	meta_init(&cmd.meta, ADMIN, NULL, 0x42, "wallet.withdrawal", id);
	strcpy(cmd.id, id);
	cmd.from_status = from;
	cmd.to_status = to;
	if (to == W3W_WITHDRAWAL_SIGNED) {
		strcpy(cmd.tx_hash, "0x4444444444444444444444444444444444444444444444444444444444444444");
		strcpy(cmd.raw_tx, "0x02f8");
	}
	if (to == W3W_WITHDRAWAL_FAILED)
		strcpy(cmd.error, "node refused it");
	cmd.give_back_nonce = give_back_nonce;
	if (to == W3W_WITHDRAWAL_CONFIRMED) {
		new_id(cmd.settlement.id);
		cmd.settlement.created_at = cmd.meta.now;
		strcpy(cmd.settlement.reference, CHAIN ":0xd1:0x4444");
		strcpy(settlement_id, cmd.settlement.id);
	}
	return ws()->withdrawal_update(st, &cmd, out);
}

START_TEST(test_withdrawal_holds_and_nonces)
{
	w3w_withdrawal_row w1, w2, w3, got, *open = NULL;
	w3w_ledger_totals tot;
	char settlement[W3W_ID_SIZE] = "";
	size_t n = 0;
	int64_t events;

	ck_assert_int_eq(withdrawal_create(COIN, 0, NULL, &w1), W3W_EINSUFFICIENT);   /* no account: 0 */
	ck_assert_int_eq(deposit(BUYER, 10 * COIN), W3W_OK);

	/* Held at once; the nonce is max(next, the node's floor). */
	ck_assert_int_eq(withdrawal_create(3 * COIN, 5, "wd-1", &w1), W3W_OK);
	ck_assert_int_eq(w1.w.status, W3W_WITHDRAWAL_HELD);
	ck_assert_int_eq(w1.w.nonce, 5);
	ck_assert_str_eq(w1.raw_tx, "");
	ck_assert_int_eq(account_of(BUYER).held, 3 * COIN);
	ck_assert_int_eq(account_of(BUYER).available, 7 * COIN);
	ck_assert_int_eq(withdrawal_create(3 * COIN, 5, "wd-1", &got), W3W_OK);   /* replay */
	ck_assert_mem_eq(&got, &w1, sizeof(got));
	ck_assert_int_eq(withdrawal_create(2 * COIN, 0, NULL, &w2), W3W_OK);
	ck_assert_int_eq(w2.w.nonce, 6);
	events = outbox_total();
	ck_assert_int_eq(withdrawal_create(5 * COIN + 1, 0, NULL, &w3), W3W_EINSUFFICIENT);
	ck_assert_int_eq(outbox_total(), events);
	ck_assert_int_eq(account_of(BUYER).held, 5 * COIN);

	ck_assert_int_eq(ws()->withdrawal_list_open(st, CHAIN, 10, &open, &n), W3W_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(open[0].w.id, w1.w.id);   /* oldest first */
	ck_assert_str_eq(open[1].w.id, w2.w.id);
	free(open);

	/* Step by step to confirmed: the hold settles as a ledger withdrawal. */
	ck_assert_int_eq(withdrawal_move(w1.w.id, W3W_WITHDRAWAL_BROADCAST, W3W_WITHDRAWAL_SIGNED, 0, &got, NULL),
		W3W_ESTATE);
	ck_assert_int_eq(withdrawal_move(BUYER, W3W_WITHDRAWAL_HELD, W3W_WITHDRAWAL_SIGNED, 0, &got, NULL),
		W3W_ENOTFOUND);
	ck_assert_int_eq(withdrawal_move(w1.w.id, W3W_WITHDRAWAL_HELD, W3W_WITHDRAWAL_SIGNED, 0, &got, NULL), W3W_OK);
	ck_assert_int_eq(got.w.status, W3W_WITHDRAWAL_SIGNED);
	ck_assert_str_eq(got.w.tx_hash, "0x4444444444444444444444444444444444444444444444444444444444444444");
	ck_assert_str_eq(got.raw_tx, "0x02f8");
	ck_assert_int_eq(withdrawal_move(w1.w.id, W3W_WITHDRAWAL_SIGNED, W3W_WITHDRAWAL_BROADCAST, 0, &got, NULL),
		W3W_OK);
	ck_assert_str_eq(got.raw_tx, "0x02f8");   /* kept when the step gives none */
	ck_assert_int_eq(withdrawal_move(w1.w.id, W3W_WITHDRAWAL_BROADCAST, W3W_WITHDRAWAL_CONFIRMED, 0, &got,
		settlement), W3W_OK);
	ck_assert_int_eq(got.w.status, W3W_WITHDRAWAL_CONFIRMED);
	ck_assert_str_eq(got.w.transfer_id, settlement);
	ck_assert_int_eq(account_of(BUYER).balance, 7 * COIN);
	ck_assert_int_eq(account_of(BUYER).held, 2 * COIN);
	ck_assert_int_eq(st->market->ledger_totals(st, "USDT", &tot), W3W_OK);
	ck_assert_int_eq(tot.withdrawals, 3 * COIN);
	ck_assert_int_eq(ws()->withdrawal_get(st, w1.w.id, &got), W3W_OK);
	ck_assert_int_eq(got.w.status, W3W_WITHDRAWAL_CONFIRMED);

	/* Refused by the node: the hold is released and the unused nonce given back for the next one. */
	ck_assert_int_eq(withdrawal_move(w2.w.id, W3W_WITHDRAWAL_HELD, W3W_WITHDRAWAL_FAILED, 1, &got, NULL), W3W_OK);
	ck_assert_str_eq(got.w.error, "node refused it");
	ck_assert_int_eq(account_of(BUYER).held, 0);
	ck_assert_int_eq(account_of(BUYER).balance, 7 * COIN);
	check_invariants();   /* no hold left (the invariants count only order escrow as held) */
	ck_assert_int_eq(withdrawal_create(COIN, 0, NULL, &w3), W3W_OK);
	ck_assert_int_eq(w3.w.nonce, 6);
	ck_assert_int_eq(withdrawal_create(COIN, 0, NULL, &w3), W3W_OK);
	ck_assert_int_eq(w3.w.nonce, 7);
	ck_assert_int_eq(ws()->withdrawal_list_open(st, CHAIN, 1, &open, &n), W3W_OK);
	ck_assert_uint_eq(n, 1);
	free(open);
	ck_assert_int_eq(ws()->withdrawal_get(st, BUYER, &got), W3W_ENOTFOUND);
}
END_TEST

START_TEST(test_watch_cursor_advances_once)
{
	w3w_watch_block blocks[3] = { { 1, "0xb1" }, { 2, "0xb2" }, { 3, "0xb3" } }, got;
	w3w_cmd_watch_advance cmd = { CHAIN, -1, blocks, 3, 1 };

	ck_assert_int_eq(ws()->watch_cursor(st, CHAIN, &got), W3W_ENOTFOUND);
	ck_assert_int_eq(ws()->watch_advance(st, &cmd), W3W_OK);
	ck_assert_int_eq(ws()->watch_cursor(st, CHAIN, &got), W3W_OK);
	ck_assert_int_eq(got.number, 3);
	ck_assert_str_eq(got.hash, "0xb3");
	ck_assert_int_eq(ws()->watch_block(st, CHAIN, 2, &got), W3W_OK);
	ck_assert_str_eq(got.hash, "0xb2");
	ck_assert_int_eq(ws()->watch_block(st, CHAIN, 1, &got), W3W_ENOTFOUND);   /* below 3 - keep */
	/* Another watcher that still expects no cursor lost the race; the cursor stays. */
	cmd.blocks = &blocks[1];
	cmd.count = 1;
	ck_assert_int_eq(ws()->watch_advance(st, &cmd), W3W_ECONFLICT);
	ck_assert_int_eq(ws()->watch_cursor(st, CHAIN, &got), W3W_OK);
	ck_assert_int_eq(got.number, 3);
	ck_assert_int_eq(ws()->watch_cursor(st, "evm:1", &got), W3W_ENOTFOUND);
}
END_TEST

/* The seed and its mnemonic sealed under `key_id` (bytes, not text: a NUL inside). */
static void secrets_init(w3w_secret_record recs[2], const char *key_id, unsigned char fill)
{
	static const char *const purposes[2] = { "seed", "mnemonic" };

	for (int i = 0; i < 2; i++) {
		memset(&recs[i], 0, sizeof(recs[i]));
		strcpy(recs[i].purpose, purposes[i]);
		strcpy(recs[i].key_id, key_id);
		strcpy(recs[i].origin, "generated");
		memset(recs[i].blob, fill + i, 100);
		recs[i].blob[0] = 0;
		recs[i].blob_len = 100;
		recs[i].created_at = tick();
	}
}

/* The sealed master secrets: created once, rotated to a new key, the old copies retired. */
START_TEST(test_secrets_create_reseal_retire)
{
	w3w_secret_record recs[2], again[2], *list = NULL;
	w3w_cmd_secrets_create create;
	w3w_cmd_secrets_reseal reseal;
	w3w_cmd_secrets_retire retire;
	size_t n = 0;

	ck_assert_int_eq(ws()->secret_list(st, "", &list, &n), W3W_OK);
	ck_assert_uint_eq(n, 0);
	free(list);
	secrets_init(recs, "00000000000000k1", 0xa1);
	memset(&create, 0, sizeof(create));
	meta_init(&create.meta, ADMIN, NULL, 0x51, "wallet.seed_created", ADMIN);
	create.records = recs;
	create.count = 2;
	ck_assert_int_eq(ws()->secrets_create(st, &create), W3W_OK);
	meta_init(&create.meta, ADMIN, NULL, 0x51, "wallet.seed_created", ADMIN);
	ck_assert_int_eq(ws()->secrets_create(st, &create), W3W_ECONFLICT);   /* never a second seed */

	ck_assert_int_eq(ws()->secret_list(st, "", &list, &n), W3W_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(list[0].purpose, "mnemonic");   /* purpose, then key id */
	ck_assert_mem_eq(&list[1], &recs[0], sizeof(recs[0]));
	free(list);

	secrets_init(again, "00000000000000k2", 0xb1);
	memset(&reseal, 0, sizeof(reseal));
	meta_init(&reseal.meta, ADMIN, NULL, 0x52, "wallet.resealed", ADMIN);
	reseal.records = again;
	reseal.count = 2;
	strcpy(reseal.from_key_id, "00000000000000k9");
	ck_assert_int_eq(ws()->secrets_reseal(st, &reseal), W3W_ESTATE);   /* nothing under that key */
	meta_init(&reseal.meta, ADMIN, NULL, 0x52, "wallet.resealed", ADMIN);
	strcpy(reseal.from_key_id, "00000000000000k1");
	ck_assert_int_eq(ws()->secrets_reseal(st, &reseal), W3W_OK);
	ck_assert_int_eq(ws()->secret_list(st, "seed", &list, &n), W3W_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(list[1].key_id, "00000000000000k2");
	free(list);

	memset(&retire, 0, sizeof(retire));
	meta_init(&retire.meta, ADMIN, NULL, 0x53, "wallet.retired", ADMIN);
	strcpy(retire.keep_key_id, "00000000000000k2");
	ck_assert_int_eq(ws()->secrets_retire(st, &retire), W3W_OK);
	ck_assert_int_eq(retire.deleted, 2);
	ck_assert_int_eq(ws()->secret_list(st, "", &list, &n), W3W_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_mem_eq(&list[1], &again[0], sizeof(again[0]));
	free(list);
}
END_TEST

TCase *contract_wallets_tcase(void)
{
	TCase *tc = tcase_create("wallets");

	tcase_add_test(tc, test_wallet_create_list_find);
	tcase_add_test(tc, test_chain_deposit_credit);
	tcase_add_test(tc, test_chain_deposit_list);
	tcase_add_test(tc, test_withdrawal_holds_and_nonces);
	tcase_add_test(tc, test_watch_cursor_advances_once);
	tcase_add_test(tc, test_secrets_create_reseal_retire);
	return tc;
}

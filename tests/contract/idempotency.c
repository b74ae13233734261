/* The storage contract: one key used by several writers at once applies once. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contract.h"

typedef struct same_key {
	w3w_storage *st;
	char user[W3W_ID_SIZE];
	char id[W3W_ID_SIZE];
	w3w_status rc;
	int replayed;
	char why[200];
} same_key;

static void *same_key_thread(void *arg)
{
	same_key *k = arg;
	w3w_cmd_supply_create cmd;
	w3w_supply out;

	memset(&cmd, 0, sizeof(cmd));
	new_id(cmd.s.id);
	meta_init(&cmd.meta, k->user, "same", 0x44, "supply.created", cmd.s.id);
	strcpy(cmd.s.user_id, k->user);
	strcpy(cmd.s.currency, "USD");
	cmd.s.amount = 1;
	cmd.s.status = W3W_SUPPLY_ACTIVE;
	cmd.s.created_at = cmd.s.updated_at = cmd.meta.now;
	k->rc = k->st->market->supply_create(k->st, &cmd, &out);
	k->replayed = cmd.meta.replayed;
	if (k->rc == W3W_OK)
		strcpy(k->id, out.id);
	else /* the error message is thread-local: keep it for the report */
		snprintf(k->why, sizeof(k->why), "%s", w3w_error_message());
	return NULL;
}

/* Six threads, one key (from the PostgreSQL tests): one applies, five replay its answer. */
START_TEST(test_idempotency_concurrent_same_key)
{
	same_key k[6];
	pthread_t th[6];
	int first = 0;
	char user[W3W_ID_SIZE];
	w3w_supply_page *page = NULL;
	w3w_storage_query q;

	new_id(user);
	for (int i = 0; i < 6; i++) {
		memset(&k[i], 0, sizeof(k[i]));
		k[i].st = st;
		strcpy(k[i].user, user);
		pthread_create(&th[i], NULL, same_key_thread, &k[i]);
	}
	for (int i = 0; i < 6; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < 6; i++) {
		ck_assert_msg(k[i].rc == W3W_OK, "writer %d: %d %s", i, k[i].rc, k[i].why);
		first += !k[i].replayed;
		ck_assert_str_eq(k[i].id, k[0].id);
	}
	ck_assert_int_eq(first, 1);
	memset(&q, 0, sizeof(q));
	q.limit = 100;
	ck_assert_int_eq(st->market->supply_list(st, &q, &page), W3W_OK);
	ck_assert_int_eq(page->count, 1);
	w3w_supply_page_free(page);
	ck_assert_int_eq(outbox_total(), 1);
}
END_TEST

TCase *contract_idempotency_tcase(void)
{
	TCase *tc = tcase_create("idempotency");

	tcase_add_test(tc, test_idempotency_concurrent_same_key);
	return tc;
}

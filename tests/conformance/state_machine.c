/*
 * Runs the scenarios of tests/vectors/state_machine.json (format in
 * tests/vectors/README.md): one loop test per scenario. Every refused step
 * must also change nothing; every scenario ends with the reconciliation
 * invariants (checked by the fixture's teardown).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define MAX_NAMES 32

typedef struct binding {
	char name[64];
	char id[W3W_ID_SIZE];
} binding;

typedef struct named_actor {
	char name[64];
	w3w_actor actor;
} named_actor;

typedef struct runner {
	const char *scenario;
	int step;
	char where[256];
	named_actor actors[MAX_NAMES];
	int n_actors;
	binding ids[MAX_NAMES];
	int n_ids;
	char alt[W3W_CURRENCY_SIZE];
} runner;

static runner R;

#define FAIL_IF(cond, ...) do { \
	if (cond) { \
		char m_[512]; \
		snprintf(m_, sizeof(m_), __VA_ARGS__); \
		ck_abort_msg("%s: %s", R.where, m_); \
	} \
} while (0)

/* ---- names ---------------------------------------------------------------- */

static const w3w_actor *actor_named(const char *name)
{
	FAIL_IF(!name, "step without an actor");
	for (int i = 0; i < R.n_actors; i++)
		if (strcmp(R.actors[i].name, name) == 0)
			return &R.actors[i].actor;
	FAIL_IF(1, "unknown actor \"%s\"", name);
	return NULL;
}

static void add_actor(const char *name, unsigned int roles)
{
	FAIL_IF(R.n_actors == MAX_NAMES, "too many actors");
	snprintf(R.actors[R.n_actors].name, sizeof(R.actors[0].name), "%s", name);
	if (strcmp(name, "admin") == 0)
		R.actors[R.n_actors].actor = H.admin;
	else if (strcmp(name, "service") == 0)
		R.actors[R.n_actors].actor = H.service;
	else if (strcmp(name, "auditor") == 0)
		R.actors[R.n_actors].actor = H.auditor;
	else
		h_actor(&R.actors[R.n_actors].actor, roles);
	R.n_actors++;
}

static const char *bound_id(const char *name)
{
	for (int i = 0; i < R.n_ids; i++)
		if (strcmp(R.ids[i].name, name) == 0)
			return R.ids[i].id;
	return NULL;
}

static void bind_id(const char *name, const char *id)
{
	const char *old = bound_id(name);
	if (old) {
		FAIL_IF(strcmp(old, id) != 0, "\"%s\" is %s but the step produced %s", name, old, id);
		return;
	}
	FAIL_IF(R.n_ids == MAX_NAMES, "too many names");
	snprintf(R.ids[R.n_ids].name, sizeof(R.ids[0].name), "%s", name);
	memcpy(R.ids[R.n_ids].id, id, W3W_ID_SIZE);
	R.n_ids++;
}

/* ---- args ----------------------------------------------------------------- */

static const char *arg_str(const cJSON *args, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const char *arg_str_req(const cJSON *args, const char *key)
{
	const char *s = arg_str(args, key);
	FAIL_IF(!s, "argument \"%s\" missing", key);
	return s;
}

/* An id argument: a bound name, or "$NEW_ID". `buf` keeps a fresh id alive. */
static const char *arg_id(const cJSON *args, const char *key, char buf[W3W_ID_SIZE])
{
	const char *name = arg_str_req(args, key);
	const char *id;
	if (strcmp(name, "$NEW_ID") == 0) {
		h_new_id(buf);
		return buf;
	}
	id = bound_id(name);
	FAIL_IF(!id, "\"%s\" names nothing yet", name);
	return id;
}

static const char *arg_currency(const cJSON *args)
{
	const char *c = arg_str(args, "currency");
	if (!c || strcmp(c, "$CUR") == 0)
		return H.cur;
	if (strcmp(c, "$ALT") == 0) {
		if (!R.alt[0])
			h_currency(R.alt);
		return R.alt;
	}
	return c;
}

static w3w_amount arg_amount(const cJSON *args, const char *key)
{
	return h_amt(arg_str_req(args, key));
}

static int has_arg(const cJSON *args, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(args, key) != NULL;
}

/* ---- checks --------------------------------------------------------------- */

static void check_amount(const cJSON *args, const char *key, w3w_amount got)
{
	if (has_arg(args, key)) {
		w3w_amount want = arg_amount(args, key);
		char g[W3W_AMOUNT_STRLEN], w[W3W_AMOUNT_STRLEN];
		w3w_amount_format(g, sizeof(g), got);
		w3w_amount_format(w, sizeof(w), want);
		FAIL_IF(got != want, "%s is %s, want %s", key, g, w);
	}
}

static void check_status(const cJSON *args, const char *got_name)
{
	const char *want = arg_str(args, "status");
	if (want)
		FAIL_IF(!got_name || strcmp(got_name, want) != 0, "status is %s, want %s",
			got_name ? got_name : "(unknown)", want);
}

static w3w_status run_check(const char *command, const w3w_actor *actor, const cJSON *args)
{
	char buf[W3W_ID_SIZE];
	w3w_status st;

	if (strcmp(command, "check_account") == 0) {
		w3w_account acc;
		const w3w_actor *user = actor_named(arg_str_req(args, "user"));
		h_account(&acc, user->user_id, arg_currency(args));
		check_amount(args, "balance", acc.balance);
		check_amount(args, "held", acc.held);
		check_amount(args, "available", acc.available);
		return W3W_OK;
	}
	if (strcmp(command, "check_supply") == 0) {
		w3w_supply s;
		if ((st = w3w_supply_get(&s, H.ctx, actor, arg_id(args, "supply", buf))) != W3W_OK)
			return st;
		check_amount(args, "amount", s.amount);
		check_amount(args, "reserved", s.reserved);
		check_status(args, w3w_supply_status_name(s.status));
		return W3W_OK;
	}
	if (strcmp(command, "check_order") == 0) {
		w3w_order *o = NULL;
		const char *name;
		if ((st = w3w_order_get(&o, H.ctx, actor, arg_id(args, "order", buf))) != W3W_OK)
			return st;
		name = w3w_order_status_name(o->status);
		w3w_order_free(o);
		check_status(args, name);
		return W3W_OK;
	}
	if (strcmp(command, "check_claim") == 0) {
		w3w_claim c;
		char sbuf[W3W_ID_SIZE];
		if ((st = w3w_claim_get(&c, H.ctx, actor, arg_id(args, "claim", buf))) != W3W_OK)
			return st;
		check_status(args, w3w_claim_status_name(c.status));
		if (has_arg(args, "supply")) {
			const char *want = arg_id(args, "supply", sbuf);
			FAIL_IF(strcmp(c.supply_id, want) != 0, "claim reserved supply %s, want %s", c.supply_id, want);
		}
		return W3W_OK;
	}
	if (strcmp(command, "check_live_claim") == 0) {
		w3w_claim c;
		const cJSON *want = cJSON_GetObjectItemCaseSensitive(args, "claim");
		st = w3w_claim_get_by_order(&c, H.ctx, actor, arg_id(args, "order", buf));
		if (cJSON_IsNull(want)) {
			FAIL_IF(st != W3W_ENOTFOUND, "live claim lookup: %s, want not_found", w3w_status_name(st));
			return W3W_OK;
		}
		if (st != W3W_OK)
			return st;
		FAIL_IF(strcmp(c.id, arg_id(args, "claim", buf)) != 0, "live claim is %s", c.id);
		FAIL_IF(c.status == W3W_CLAIM_RELEASED, "live claim is released");
		return W3W_OK;
	}
	FAIL_IF(1, "unknown command \"%s\"", command);
	return W3W_EINTERNAL;
}

/* ---- commands ------------------------------------------------------------- */

/* Perform one command; on success write the produced record's id to `id`. */
static w3w_status run_command(const char *command, const w3w_actor *actor, const cJSON *args,
	char id[W3W_ID_SIZE])
{
	const char *key = arg_str(args, "idempotency_key");
	char buf[W3W_ID_SIZE];
	w3w_status st;

	id[0] = '\0';
	if (strncmp(command, "check_", 6) == 0)
		return run_check(command, actor, args);

	if (strcmp(command, "deposit") == 0 || strcmp(command, "withdraw") == 0 ||
	    strcmp(command, "transfer") == 0) {
		w3w_transfer t;
		if (command[0] == 'd') {
			char ref[64];
			const char *r = arg_str(args, "reference");
			if (!r) {
				h_new_id(buf);
				snprintf(ref, sizeof(ref), "sm-%s", buf);
				r = ref;
			}
			st = w3w_deposit(&t, H.ctx, actor, actor_named(arg_str_req(args, "user"))->user_id,
				arg_currency(args), arg_amount(args, "amount"), r, key);
		} else if (command[0] == 'w') {
			const char *chain = arg_str(args, "chain");
			const char *addr = arg_str(args, "to_address");
			st = w3w_withdraw(&t, H.ctx, actor, arg_currency(args), arg_amount(args, "amount"),
				chain ? chain : "evm", addr ? addr : "0x000000000000000000000000000000000000dead", key);
		} else {
			st = w3w_transfer_funds(&t, H.ctx, actor, actor_named(arg_str_req(args, "to"))->user_id,
				arg_currency(args), arg_amount(args, "amount"), key);
		}
		if (st == W3W_OK)
			memcpy(id, t.id, W3W_ID_SIZE);
		return st;
	}
	if (strncmp(command, "supply_", 7) == 0) {
		w3w_supply s;
		if (strcmp(command, "supply_create") == 0) {
			st = w3w_supply_create(&s, H.ctx, actor, arg_currency(args), arg_amount(args, "amount"), key);
		} else if (strcmp(command, "supply_update") == 0) {
			w3w_supply_patch p = W3W_SUPPLY_PATCH_INIT;
			if (has_arg(args, "amount")) {
				p.set_amount = 1;
				p.amount = arg_amount(args, "amount");
			}
			if (has_arg(args, "status"))
				FAIL_IF(w3w_supply_status_parse(&p.status, arg_str_req(args, "status")) != W3W_OK,
					"bad status in vectors");
			st = w3w_supply_update(&s, H.ctx, actor, arg_id(args, "supply", buf), &p, key);
		} else if (strcmp(command, "supply_delete") == 0) {
			st = w3w_supply_delete(&s, H.ctx, actor, arg_id(args, "supply", buf), key);
		} else if (strcmp(command, "supply_get") == 0) {
			st = w3w_supply_get(&s, H.ctx, actor, arg_id(args, "supply", buf));
		} else {
			FAIL_IF(1, "unknown command \"%s\"", command);
			return W3W_EINTERNAL;
		}
		if (st == W3W_OK)
			memcpy(id, s.id, W3W_ID_SIZE);
		return st;
	}
	if (strncmp(command, "order_", 6) == 0) {
		w3w_order *o = NULL;
		if (strcmp(command, "order_create") == 0) {
			w3w_order_item items[W3W_ORDER_ITEMS_MAX];
			size_t n = 0;
			const cJSON *list = cJSON_GetObjectItemCaseSensitive(args, "items");
			if (list) {
				const cJSON *it;
				cJSON_ArrayForEach(it, list) {
					const cJSON *q = cJSON_GetObjectItemCaseSensitive(it, "quantity");
					FAIL_IF(n == W3W_ORDER_ITEMS_MAX || !cJSON_IsNumber(q), "bad items in vectors");
					h_item(&items[n], arg_str_req(it, "price"), (int64_t)q->valuedouble);
					n++;
				}
			} else {
				h_item(&items[0], arg_str_req(args, "amount"), 1);
				n = 1;
			}
			st = w3w_order_create(&o, H.ctx, actor, arg_currency(args), items, n, key);
		} else if (strcmp(command, "order_cancel") == 0) {
			st = w3w_order_cancel(&o, H.ctx, actor, arg_id(args, "order", buf), key);
		} else if (strcmp(command, "order_get") == 0) {
			st = w3w_order_get(&o, H.ctx, actor, arg_id(args, "order", buf));
		} else {
			FAIL_IF(1, "unknown command \"%s\"", command);
			return W3W_EINTERNAL;
		}
		if (st == W3W_OK) {
			FAIL_IF(!o, "%s succeeded without an order", command);
			memcpy(id, o->id, W3W_ID_SIZE);
		}
		w3w_order_free(o);
		return st;
	}
	if (strncmp(command, "claim_", 6) == 0) {
		w3w_claim c;
		if (strcmp(command, "claim_order") == 0)
			st = w3w_claim_order(&c, H.ctx, actor, arg_id(args, "order", buf), key);
		else if (strcmp(command, "claim_process") == 0)
			st = w3w_claim_process(&c, H.ctx, actor, arg_id(args, "claim", buf), key);
		else if (strcmp(command, "claim_release") == 0)
			st = w3w_claim_release(&c, H.ctx, actor, arg_id(args, "claim", buf), key);
		else if (strcmp(command, "claim_get") == 0)
			st = w3w_claim_get(&c, H.ctx, actor, arg_id(args, "claim", buf));
		else {
			FAIL_IF(1, "unknown command \"%s\"", command);
			return W3W_EINTERNAL;
		}
		if (st == W3W_OK)
			memcpy(id, c.id, W3W_ID_SIZE);
		return st;
	}
	FAIL_IF(1, "unknown command \"%s\"", command);
	return W3W_EINTERNAL;
}

/* ---- the loop test -------------------------------------------------------- */

START_TEST(scenario)
{
	cJSON *root = h_vectors_load("state_machine.json");
	const cJSON *sc, *actors, *a, *steps, *step;

	ck_assert_msg(root != NULL, "tests/vectors/state_machine.json unreadable");
	sc = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, "scenarios"), _i);
	ck_assert_ptr_nonnull(sc);
	memset(&R, 0, sizeof(R));
	R.scenario = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(sc, "name"));
	snprintf(R.where, sizeof(R.where), "scenario \"%s\"", R.scenario);

	add_actor("admin", W3W_ROLE_ADMIN);
	add_actor("service", W3W_ROLE_SERVICE);
	add_actor("auditor", W3W_ROLE_AUDITOR);
	actors = cJSON_GetObjectItemCaseSensitive(sc, "actors");
	cJSON_ArrayForEach(a, actors) {
		unsigned int roles = 0;
		const cJSON *r;
		cJSON_ArrayForEach(r, a) {
			unsigned int bit = 0;
			FAIL_IF(w3w_roles_parse(&bit, cJSON_GetStringValue(r)) != W3W_OK, "bad role of %s", a->string);
			roles |= bit;
		}
		add_actor(a->string, roles);
	}

	steps = cJSON_GetObjectItemCaseSensitive(sc, "steps");
	R.step = 0;
	cJSON_ArrayForEach(step, steps) {
		const char *actor_name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(step, "actor"));
		const char *command = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(step, "command"));
		const char *expect = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(step, "expect"));
		const char *save = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(step, "save"));
		const cJSON *args = cJSON_GetObjectItemCaseSensitive(step, "args");
		const w3w_actor *actor;
		char id[W3W_ID_SIZE];
		h_snapshot before, after;
		w3w_status st;

		R.step++;
		snprintf(R.where, sizeof(R.where), "scenario \"%s\" step %d (%s %s)", R.scenario, R.step,
			actor_name ? actor_name : "?", command ? command : "?");
		FAIL_IF(!command || !expect, "step lacks command or expect");
		actor = actor_named(actor_name);
		if (strcmp(expect, "ok") != 0)
			h_snap(&before);
		w3w_error_clear();
		st = run_command(command, actor, args, id);
		FAIL_IF(strcmp(w3w_status_name(st), expect) != 0, "got %s, want %s (%s)", w3w_status_name(st),
			expect, w3w_error_message());
		if (st != W3W_OK) {
			FAIL_IF(w3w_error_message()[0] == '\0', "refused without a message");
			h_snap(&after);
			h_snap_assert_same(&before, &after, R.where);
		} else if (save) {
			FAIL_IF(!id[0], "nothing to save");
			bind_id(save, id);
		}
	}
	cJSON_Delete(root);
}
END_TEST

START_TEST(vectors_missing)
{
	ck_abort_msg("tests/vectors/state_machine.json is missing or not JSON (W3W_VECTORS_DIR?)");
}
END_TEST

TCase *conf_state_machine_tcase(void)
{
	TCase *tc = h_tcase("state_machine");
	cJSON *root = h_vectors_load("state_machine.json");
	int n = root ? cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(root, "scenarios")) : 0;
	if (n > 0)
		tcase_add_loop_test(tc, scenario, 0, n);
	else
		tcase_add_test(tc, vectors_missing);
	cJSON_Delete(root);
	return tc;
}

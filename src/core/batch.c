/*
 * Batched commands (w3wallet/batch.h). Each element is prepared exactly as
 * its single command (commands.h), the prepared ones go to the storage in
 * one batch call (one transaction, one round trip), and each is finished
 * with its own status: audit of a refusal, cache keys, counters. A backend
 * whose market table predates the batch members gets the elements one
 * single command at a time: same outcomes, no shared commit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cache_aside.h"
#include "core/commands.h"
#include "core/validate.h"

/* A kind's batch member when the backend's table lacks it. */
#define NO_BATCH 1

/* What differs between the kinds of batch; cmd, out and extra are arrays of their sizes. */
typedef struct batch_kind {
	const char *what;
	size_t cmd_size, out_size, extra_size;
	/* Prepare request `i` into cmd (see commands.h). */
	w3w_status (*prepare)(w3w__write *w, void *cmd, void *extra, w3w_ctx *ctx, const w3w_actor *actor,
		const void *requests, size_t i);
	/* The backend's batch member; NO_BATCH when its table is older. */
	w3w_status (*batch)(const w3w__store *s, void *cmds, void *outs, w3w_batch_result *r, size_t n);
	w3w_status (*one)(const w3w__store *s, void *cmd, void *out);
	w3w_status (*finish)(w3w__write *w, void *cmd, const void *out, w3w_status st);
	const char *(*result_id)(const void *out);
	void (*drop)(void *extra); /* what prepare allocated in extra, or NULL */
} batch_kind;

/* Fixed-size text of a request must end within its array. */
static w3w_status terminated(const char *field, size_t size, const char *name)
{
	return memchr(field, '\0', size) ? W3W_OK : w3w_error_set(W3W_EINVAL, "%s: longer than %zu bytes", name, size - 1);
}
#define TERMINATED(req, field) terminated((req)->field, sizeof((req)->field), #field)

/* ---- claims ---------------------------------------------------------------- */

static w3w_status claim_prepare(w3w__write *w, void *cmd, void *extra, w3w_ctx *ctx, const w3w_actor *actor,
	const void *requests, size_t i)
{
	const w3w_claim_request *r = (const w3w_claim_request *)requests + i;
	w3w_status st;
	(void)extra;
	if ((st = TERMINATED(r, order_id)) || (st = TERMINATED(r, idempotency_key)))
		return st;
	return w3w__claim_create_prepare(w, cmd, ctx, actor, r->order_id, r->idempotency_key);
}

static w3w_status claim_batch(const w3w__store *s, void *cmds, void *outs, w3w_batch_result *r, size_t n)
{
	return s->market.claim_create_batch ? s->market.claim_create_batch(s->handle, cmds, outs, r, n) : NO_BATCH;
}

static w3w_status claim_one(const w3w__store *s, void *cmd, void *out)
{
	return s->market.claim_create(s->handle, cmd, out);
}

static w3w_status claim_finish(w3w__write *w, void *cmd, const void *out, w3w_status st)
{
	return w3w__claim_create_finish(w, cmd, out, st);
}

static const char *claim_id(const void *out)
{
	return ((const w3w_claim *)out)->id;
}

/* ---- claim processing ------------------------------------------------------ */

static w3w_status process_prepare(w3w__write *w, void *cmd, void *extra, w3w_ctx *ctx, const w3w_actor *actor,
	const void *requests, size_t i)
{
	const w3w_process_request *r = (const w3w_process_request *)requests + i;
	w3w_status st;
	if ((st = TERMINATED(r, claim_id)) || (st = TERMINATED(r, idempotency_key)))
		return st;
	return w3w__claim_process_prepare(w, cmd, extra, ctx, actor, r->claim_id, r->idempotency_key);
}

static w3w_status process_batch(const w3w__store *s, void *cmds, void *outs, w3w_batch_result *r, size_t n)
{
	return s->market.claim_process_batch ? s->market.claim_process_batch(s->handle, cmds, outs, r, n) : NO_BATCH;
}

static w3w_status process_one(const w3w__store *s, void *cmd, void *out)
{
	return s->market.claim_process(s->handle, cmd, out);
}

static w3w_status process_finish(w3w__write *w, void *cmd, const void *out, w3w_status st)
{
	return w3w__claim_process_finish(w, cmd, out, st);
}

/* ---- deposits and transfers ------------------------------------------------ */

static w3w_status deposit_prepare(w3w__write *w, void *cmd, void *extra, w3w_ctx *ctx, const w3w_actor *actor,
	const void *requests, size_t i)
{
	const w3w_deposit_request *r = (const w3w_deposit_request *)requests + i;
	w3w_status st;
	(void)extra;
	if ((st = TERMINATED(r, user_id)) || (st = TERMINATED(r, currency)) || (st = TERMINATED(r, reference)) ||
	    (st = TERMINATED(r, idempotency_key)))
		return st;
	return w3w__deposit_prepare(w, cmd, ctx, actor, r->user_id, r->currency, r->amount, r->reference,
		r->idempotency_key);
}

static w3w_status transfer_prepare(w3w__write *w, void *cmd, void *extra, w3w_ctx *ctx, const w3w_actor *actor,
	const void *requests, size_t i)
{
	const w3w_transfer_request *r = (const w3w_transfer_request *)requests + i;
	w3w_status st;
	(void)extra;
	if ((st = TERMINATED(r, to_user_id)) || (st = TERMINATED(r, currency)) || (st = TERMINATED(r, idempotency_key)))
		return st;
	return w3w__transfer_funds_prepare(w, cmd, ctx, actor, r->to_user_id, r->currency, r->amount,
		r->idempotency_key);
}

static w3w_status transfer_batch(const w3w__store *s, void *cmds, void *outs, w3w_batch_result *r, size_t n)
{
	return s->market.transfer_batch ? s->market.transfer_batch(s->handle, cmds, outs, r, n) : NO_BATCH;
}

static w3w_status transfer_one(const w3w__store *s, void *cmd, void *out)
{
	return s->market.transfer(s->handle, cmd, out);
}

static w3w_status transfer_finish(w3w__write *w, void *cmd, const void *out, w3w_status st)
{
	(void)cmd;
	(void)out;
	return w3w__transfer_finish(w, st);
}

static const char *transfer_id(const void *out)
{
	return ((const w3w_transfer *)out)->id;
}

/* ---- orders ---------------------------------------------------------------- */

static w3w_status order_prepare(w3w__write *w, void *cmd, void *extra, w3w_ctx *ctx, const w3w_actor *actor,
	const void *requests, size_t i)
{
	const w3w_order_request *r = (const w3w_order_request *)requests + i;
	w3w_status st;
	memset(extra, 0, sizeof(w3w_order));
	if ((st = TERMINATED(r, currency)) || (st = TERMINATED(r, idempotency_key)))
		return st;
	return w3w__order_create_prepare(w, cmd, extra, ctx, actor, r->currency, r->items, r->item_count,
		r->idempotency_key);
}

static w3w_status order_batch(const w3w__store *s, void *cmds, void *outs, w3w_batch_result *r, size_t n)
{
	return s->market.order_create_batch ? s->market.order_create_batch(s->handle, cmds, outs, r, n) : NO_BATCH;
}

/* The single member allocates its order: keep its head, as the batch member gives. */
static w3w_status order_one(const w3w__store *s, void *cmd, void *out)
{
	w3w_order *o = NULL;
	w3w_status st = s->market.order_create(s->handle, cmd, &o);
	if (st == W3W_OK) {
		*(w3w_order *)out = *o;
		((w3w_order *)out)->items = NULL;
		((w3w_order *)out)->item_count = 0;
	}
	w3w_order_free(o);
	return st;
}

static w3w_status order_finish(w3w__write *w, void *cmd, const void *out, w3w_status st)
{
	(void)cmd;
	(void)out;
	return w3w__order_create_finish(w, st);
}

static const char *order_id(const void *out)
{
	return ((const w3w_order *)out)->id;
}

static void order_drop(void *extra)
{
	free(((w3w_order *)extra)->items);
}

static const batch_kind claims = { "claims", sizeof(w3w_cmd_claim_create), sizeof(w3w_claim), 0,
	claim_prepare, claim_batch, claim_one, claim_finish, claim_id, NULL };
static const batch_kind processes = { "claim processing", sizeof(w3w_cmd_claim_process), sizeof(w3w_claim),
	sizeof(w3w_claim), process_prepare, process_batch, process_one, process_finish, claim_id, NULL };
static const batch_kind deposits = { "deposits", sizeof(w3w_cmd_transfer), sizeof(w3w_transfer), 0,
	deposit_prepare, transfer_batch, transfer_one, transfer_finish, transfer_id, NULL };
static const batch_kind transfers = { "transfers", sizeof(w3w_cmd_transfer), sizeof(w3w_transfer), 0,
	transfer_prepare, transfer_batch, transfer_one, transfer_finish, transfer_id, NULL };
static const batch_kind orders = { "orders", sizeof(w3w_cmd_order_create), sizeof(w3w_order),
	sizeof(w3w_order), order_prepare, order_batch, order_one, order_finish, order_id, order_drop };

/* ---- the run ----------------------------------------------------------------- */

/* The working arrays of one batch: element k of them is the k-th prepared request. */
typedef struct batch_run {
	char *cmds, *outs, *extras;
	w3w__write *writes;
	w3w_batch_result *storage;  /* the storage's answer per prepared element */
	size_t *request_of;         /* k -> index of the request */
	size_t prepared;
	w3w__key_sink sink;
} batch_run;

static void run_free(batch_run *b)
{
	free(b->cmds);
	free(b->outs);
	free(b->extras);
	free(b->writes);
	free(b->storage);
	free(b->request_of);
	free(b->sink.keys);
}

static w3w_status run_alloc(batch_run *b, const batch_kind *k, size_t count)
{
	memset(b, 0, sizeof(*b));
	b->cmds = calloc(count, k->cmd_size);
	b->outs = calloc(count, k->out_size);
	b->extras = k->extra_size ? calloc(count, k->extra_size) : NULL;
	b->writes = calloc(count, sizeof(*b->writes));
	b->storage = calloc(count, sizeof(*b->storage));
	b->request_of = calloc(count, sizeof(*b->request_of));
	b->sink.cap = count * W3W__INVALIDATE_MAX;
	b->sink.keys = calloc(b->sink.cap, sizeof(*b->sink.keys));
	if (!b->cmds || !b->outs || (k->extra_size && !b->extras) || !b->writes || !b->storage || !b->request_of ||
	    !b->sink.keys) {
		run_free(b);
		return w3w_error_set(W3W_ENOMEM, "batch of %s: out of memory", k->what);
	}
	return W3W_OK;
}

#define AT(base, size, k) ((void *)((base) + (size) * (k)))

static int key_order(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Each stale key once: a batch's elements share most of theirs (the buyer's list, the supply). */
static size_t keys_unique(const char **keys, size_t n)
{
	size_t kept = 0;
	qsort(keys, n, sizeof(*keys), key_order);
	for (size_t i = 0; i < n; i++)
		if (kept == 0 || strcmp(keys[kept - 1], keys[i]) != 0)
			keys[kept++] = keys[i];
	return kept;
}

static void set_result(w3w_batch_result *r, w3w_status st, const char *message)
{
	r->status = st;
	snprintf(r->message, sizeof(r->message), "%s", st == W3W_OK ? "" : message);
}

/*
 * Storage: the batch member, or one single command per element on an older
 * backend, or for a lone element (the single member is the cheaper call).
 */
static w3w_status run_storage(const batch_kind *k, w3w_ctx *ctx, batch_run *b)
{
	w3w_status st = b->prepared > 1 ? k->batch(&ctx->store, b->cmds, b->outs, b->storage, b->prepared) : NO_BATCH;
	if (st != NO_BATCH)
		return st;
	for (size_t i = 0; i < b->prepared; i++) {
		st = k->one(&ctx->store, AT(b->cmds, k->cmd_size, i), AT(b->outs, k->out_size, i));
		set_result(&b->storage[i], st, w3w_error_message());
	}
	/* A lone element's outage is the call's, as a batch transaction's would be. */
	if (b->prepared == 1 && (st == W3W_EUNAVAILABLE || st == W3W_EUNKNOWN || st == W3W_ENOMEM))
		return st;
	return W3W_OK;
}

static w3w_status run_batch(const batch_kind *k, w3w_batch_results **out, w3w_ctx *ctx, const w3w_actor *actor,
	const void *requests, size_t count)
{
	char message[W3W_BATCH_MESSAGE_SIZE] = "";
	w3w_batch_results *res;
	batch_run b;
	w3w_status st;

	if (out)
		*out = NULL;
	if (!out || !ctx || !requests)
		return w3w_error_set(W3W_EINVAL, "out/ctx/requests: NULL");
	if (count < 1 || count > W3W_BATCH_MAX)
		return w3w_error_set(W3W_EINVAL, "count: a batch has 1..%d elements, not %zu", W3W_BATCH_MAX, count);
	if ((st = w3w__check_actor(actor)) != W3W_OK)
		return st;
	res = calloc(1, sizeof(*res));
	if (!res || !(res->items = calloc(count, sizeof(*res->items)))) {
		free(res);
		return w3w_error_set(W3W_ENOMEM, "batch of %s: out of memory", k->what);
	}
	res->count = count;
	if ((st = run_alloc(&b, k, count)) != W3W_OK) {
		w3w_batch_results_free(res);
		return st;
	}

	for (size_t i = 0; i < count; i++) {
		size_t at = b.prepared;
		void *extra = k->extra_size ? AT(b.extras, k->extra_size, at) : NULL;
		st = k->prepare(&b.writes[at], AT(b.cmds, k->cmd_size, at), extra, ctx, actor, requests, i);
		if (st != W3W_OK) {
			set_result(&res->items[i], st, w3w_error_message());
			if (k->drop)
				k->drop(extra);
			continue;
		}
		b.writes[at].sink = &b.sink;
		b.request_of[b.prepared++] = i;
	}

	st = b.prepared ? run_storage(k, ctx, &b) : W3W_OK;
	if (st != W3W_OK) {
		/* The transaction failed as a whole: every prepared element hears why, nothing was applied. */
		snprintf(message, sizeof(message), "%s", w3w_error_message());
		for (size_t j = 0; j < b.prepared; j++) {
			w3w_error_set(st, "%s", message);
			k->finish(&b.writes[j], AT(b.cmds, k->cmd_size, j), AT(b.outs, k->out_size, j), st);
		}
	} else {
		for (size_t j = 0; j < b.prepared; j++) {
			w3w_batch_result *r = &res->items[b.request_of[j]];
			w3w_status el = b.storage[j].status;
			const w3w_write_meta *meta = (const w3w_write_meta *)AT(b.cmds, k->cmd_size, j); /* first member */
			if (el != W3W_OK)
				w3w_error_set(el, "%s", b.storage[j].message);
			el = k->finish(&b.writes[j], AT(b.cmds, k->cmd_size, j), AT(b.outs, k->out_size, j), el);
			set_result(r, el, w3w_error_message());
			if (el == W3W_OK) {
				r->replayed = meta->replayed;
				snprintf(r->id, sizeof(r->id), "%s", k->result_id(AT(b.outs, k->out_size, j)));
				res->ok++;
			}
		}
		w3w__cache_invalidate(ctx, b.sink.keys, keys_unique(b.sink.keys, b.sink.count));
	}
	for (size_t j = 0; k->drop && j < b.prepared; j++)
		k->drop(AT(b.extras, k->extra_size, j));
	run_free(&b);
	if (st != W3W_OK) {
		w3w_batch_results_free(res);
		return w3w_error_set(st, "%s", message);
	}
	w3w_error_clear();
	*out = res;
	return W3W_OK;
}

w3w_status w3w_claim_batch(w3w_batch_results **out, w3w_ctx *ctx, const w3w_actor *actor,
	const w3w_claim_request *requests, size_t count)
{
	return run_batch(&claims, out, ctx, actor, requests, count);
}

w3w_status w3w_deposit_batch(w3w_batch_results **out, w3w_ctx *ctx, const w3w_actor *actor,
	const w3w_deposit_request *requests, size_t count)
{
	return run_batch(&deposits, out, ctx, actor, requests, count);
}

w3w_status w3w_transfer_batch(w3w_batch_results **out, w3w_ctx *ctx, const w3w_actor *actor,
	const w3w_transfer_request *requests, size_t count)
{
	return run_batch(&transfers, out, ctx, actor, requests, count);
}

w3w_status w3w_order_create_batch(w3w_batch_results **out, w3w_ctx *ctx, const w3w_actor *actor,
	const w3w_order_request *requests, size_t count)
{
	return run_batch(&orders, out, ctx, actor, requests, count);
}

w3w_status w3w_claim_process_batch(w3w_batch_results **out, w3w_ctx *ctx, const w3w_actor *actor,
	const w3w_process_request *requests, size_t count)
{
	return run_batch(&processes, out, ctx, actor, requests, count);
}

void w3w_batch_results_free(w3w_batch_results *results)
{
	if (!results)
		return;
	free(results->items);
	free(results);
}

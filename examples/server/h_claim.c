/* Claim routes: claim an order (the race), read, process (settle), release. */
#include "handlers.h"
#include "json_input.h"
#include "metrics.h"
#include "server.h"

static void respond_claim(exchange *ex, unsigned int status, w3w_status st, const w3w_claim *c)
{
	char *text = NULL;
	if (st != W3W_OK) {
		if (st == W3W_EINSUFFICIENT)
			metrics_count(M_INSUFFICIENT_FUNDS);
		ex_fail(ex, st);
		return;
	}
	st = w3w_claim_to_json(&text, c);
	ex_record(ex, status, st, text);
}

void h_order_claim(exchange *ex)
{
	w3w_claim c;
	w3w_status st;
	if (json_body_empty(ex) != 0)
		return;
	st = w3w_claim_order(&c, ex->srv->ctx, &ex->actor, ex->params[0], ex->idempotency_key);
	metrics_count_claim(st);
	respond_claim(ex, 201, st, &c);
}

void h_claim_get(exchange *ex)
{
	w3w_claim c;
	respond_claim(ex, 200, w3w_claim_get(&c, ex->srv->ctx, &ex->actor, ex->params[0]), &c);
}

void h_claim_process(exchange *ex)
{
	w3w_claim c;
	if (json_body_empty(ex) != 0)
		return;
	respond_claim(ex, 200, w3w_claim_process(&c, ex->srv->ctx, &ex->actor, ex->params[0], ex->idempotency_key), &c);
}

void h_claim_release(exchange *ex)
{
	w3w_claim c;
	if (json_body_empty(ex) != 0)
		return;
	respond_claim(ex, 200, w3w_claim_release(&c, ex->srv->ctx, &ex->actor, ex->params[0], ex->idempotency_key), &c);
}

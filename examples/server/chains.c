/* The configured chains and their deposit watchers (see chains.h). */
#include <stdio.h>
#include <string.h>

#include "chains.h"
#include "log.h"

static struct served {
	const chain_spec *spec;
	w3w_chain *chain;
} served[CHAINS_MAX];
static int served_count;
static w3w_ctx *served_ctx;          /* for the sweep fee totals of /metrics */
static w3w_actor served_service;

int chains_start(w3w_ctx *ctx, const config *cfg, const w3w_actor *service)
{
	served_ctx = ctx;
	served_service = *service;
	for (int i = 0; i < cfg->chain_count; i++) {
		const chain_spec *spec = &cfg->chains[i];
		w3w_chain *c = NULL;
		char hot[W3W_ADDRESS_SIZE];
		w3w_status st = w3w_chain_open(&c, ctx, &spec->opts);
		cJSON *f;
		if (st != W3W_OK) {
			fprintf(stderr, "w3wallet-server: chain %s: %s (%s)%s\n", spec->name, w3w_error_message(),
				w3w_status_name(st), st == W3W_EUNAVAILABLE ?
				"; give chain_id= to start while the node is down" : "");
			return -1;
		}
		served[served_count].spec = spec;
		served[served_count++].chain = c;
		if ((st = w3w_chain_watch_start(c, service, cfg->chain_poll_ms)) != W3W_OK) {
			fprintf(stderr, "w3wallet-server: chain %s: watcher: %s\n", spec->name, w3w_error_message());
			return -1;
		}
		f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "chain", spec->name);
		cJSON_AddStringToObject(f, "key", w3w_chain_key(c));
		/* The address the operator funds with gas and the assets users withdraw. */
		if (w3w_chain_hot_address(hot, sizeof(hot), c, service) == W3W_OK)
			cJSON_AddStringToObject(f, "hot_address", hot);
		cJSON_AddNumberToObject(f, "confirmations", w3w_chain_confirmations_required(c));
		cJSON_AddNumberToObject(f, "poll_interval_ms", cfg->chain_poll_ms);
		cJSON_AddNumberToObject(f, "sweep_interval_ms", spec->opts.sweep_interval_ms);
		log_lifecycle("chain watcher started", f);
	}
	return 0;
}

void chains_stop(void)
{
	for (int i = 0; i < served_count; i++)
		w3w_chain_close(served[i].chain); /* stops its watcher first */
	served_count = 0;
}

int chains_count(void)
{
	return served_count;
}

w3w_chain *chains_find(const char *name, const char **label)
{
	for (int i = 0; name && i < served_count; i++)
		if (strcmp(served[i].spec->name, name) == 0 || strcmp(w3w_chain_key(served[i].chain), name) == 0) {
			if (label)
				*label = served[i].spec->name;
			return served[i].chain;
		}
	return NULL;
}

void chains_names(char *buf, size_t size)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int i = 0; i < served_count && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "", served[i].spec->name);
}

/* The sweep rounds of the watch thread, when the chain has them: "sweeps" of its /readyz entry. */
static void sweeps_readyz(cJSON *j, const struct served *sv)
{
	w3w_chain_sweep_state s;
	cJSON *o;

	if (w3w_chain_sweep_state_get(&s, sv->chain) != W3W_OK || !s.enabled)
		return;
	o = cJSON_AddObjectToObject(j, "sweeps");
	cJSON_AddStringToObject(o, "status", !s.rounds ? "starting" : s.status == W3W_OK ? "ok" : "error");
	if (s.status != W3W_OK) {
		cJSON *f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "chain", sv->spec->name);
		cJSON_AddStringToObject(f, "detail", s.last_error);
		log_event("warn", "sweeps failing", f);
		cJSON_AddStringToObject(o, "last_error", w3w_status_name(s.status));
	}
	cJSON_AddNumberToObject(o, "rounds", (double)s.rounds);
	cJSON_AddNumberToObject(o, "errors", (double)s.errors);
	cJSON_AddNumberToObject(o, "confirmed", (double)s.confirmed);
	cJSON_AddNumberToObject(o, "failed", (double)s.failed);
	cJSON_AddNumberToObject(o, "pending", (double)s.last.pending);
}

/* The currency of "CUR=native:DECIMALS" in an assets list (fees are paid in it); 0 when there is none. */
static int native_currency(const char *assets, char out[W3W_CURRENCY_SIZE])
{
	const char *at = strstr(assets, "=native:"), *start;

	if (!at)
		return 0;
	for (start = at; start > assets && start[-1] != ','; start--)
		;
	if (at - start <= 0 || at - start >= W3W_CURRENCY_SIZE)
		return 0;
	snprintf(out, W3W_CURRENCY_SIZE, "%.*s", (int)(at - start), start);
	return 1;
}

/* Sweep counters of the watch threads and the fees sweeping has cost (Prometheus text). */
static void sweeps_render(FILE *out)
{
	static const struct { const char *name, *type, *help; } m[] = {
		{ "w3w_chain_sweep_up", "gauge", "1 if the last sweep round of the chain's watch thread succeeded." },
		{ "w3w_chain_sweep_rounds_total", "counter", "Sweep rounds the watch thread finished." },
		{ "w3w_chain_sweep_errors_total", "counter", "Sweep rounds that ended in an error." },
		{ "w3w_chain_sweeps_confirmed_total", "counter", "Sweeps confirmed by the watch thread's rounds." },
		{ "w3w_chain_sweeps_failed_total", "counter", "Sweeps failed in the watch thread's rounds." },
	};
	w3w_sweep_fee_totals *fees = NULL;

	for (size_t k = 0; k < sizeof(m) / sizeof(m[0]); k++) {
		fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", m[k].name, m[k].help, m[k].name, m[k].type);
		for (int i = 0; i < served_count; i++) {
			w3w_chain_sweep_state s;
			double v;
			if (w3w_chain_sweep_state_get(&s, served[i].chain) != W3W_OK || !s.enabled)
				continue;
			v = k == 0 ? (s.rounds && s.status == W3W_OK) : k == 1 ? (double)s.rounds : k == 2 ? (double)s.errors
				: k == 3 ? (double)s.confirmed : (double)s.failed;
			fprintf(out, "%s{chain=\"%s\",key=\"%s\"} %.17g\n", m[k].name, served[i].spec->name,
				w3w_chain_key(served[i].chain), v);
		}
	}
	/* An operator cost, from the sweep records (not the ledger): base units of the fee currency. */
	fprintf(out, "# HELP w3w_sweep_fees_total Fees paid by sweeps and their gas top-ups, in base units (wei) of the"
		" currency.\n# TYPE w3w_sweep_fees_total counter\n");
	if (!served_count || w3w_sweep_fee_totals_get(&fees, served_ctx, &served_service, NULL) != W3W_OK)
		return;
	for (size_t i = 0; i < fees->count; i++)
		fprintf(out, "w3w_sweep_fees_total{key=\"%s\",currency=\"%s\"} %s\n", fees->items[i].chain,
			fees->items[i].currency, fees->items[i].total);
	/* A sweeping chain that has paid nothing yet starts at 0 (a counter is exported from the start). */
	for (int i = 0; i < served_count; i++) {
		char native[W3W_CURRENCY_SIZE];
		int paid = 0;
		if (!served[i].spec->opts.sweep_thresholds[0] || !native_currency(served[i].spec->opts.assets, native))
			continue;
		for (size_t k = 0; k < fees->count && !paid; k++)
			paid = strcmp(fees->items[k].chain, w3w_chain_key(served[i].chain)) == 0 &&
				strcmp(fees->items[k].currency, native) == 0;
		if (!paid)
			fprintf(out, "w3w_sweep_fees_total{key=\"%s\",currency=\"%s\"} 0\n", w3w_chain_key(served[i].chain),
				native);
	}
	w3w_sweep_fee_totals_free(fees);
}

/* Final blocks the watcher has not processed yet (0 when it keeps up). */
static double lag_of(const w3w_chain_watch_state *s, int confirmations)
{
	int64_t final = (int64_t)s->head - confirmations + 1;
	if (!s->head || s->cursor < 0)
		return 0;
	return final > s->cursor ? (double)(final - s->cursor) : 0;
}

/* Seconds the oldest open withdrawal has waited (0 when none is open). */
static double oldest_open_age_s(const w3w_chain_open_withdrawals *o)
{
	w3w_time now = w3w_time_now();
	return o->count && now > o->oldest_created_at ? (double)(now - o->oldest_created_at) / 1e6 : 0;
}

cJSON *chains_readyz(void)
{
	cJSON *all = cJSON_CreateObject();
	for (int i = 0; i < served_count; i++) {
		w3w_chain_watch_state s;
		w3w_chain_open_withdrawals o;
		cJSON *j = cJSON_AddObjectToObject(all, served[i].spec->name);
		w3w_chain_watch_state_get(&s, served[i].chain);
		cJSON_AddStringToObject(j, "chain", w3w_chain_key(served[i].chain));
		/* The status name only: the message (a node's host) goes to the log. */
		cJSON_AddStringToObject(j, "status", !s.rounds ? "starting" : s.status == W3W_OK ? "ok" : "error");
		if (s.status != W3W_OK) {
			cJSON *f = cJSON_CreateObject();
			cJSON_AddStringToObject(f, "chain", served[i].spec->name);
			cJSON_AddStringToObject(f, "detail", s.last_error);
			log_event("warn", "chain watcher failing", f);
			cJSON_AddStringToObject(j, "last_error", w3w_status_name(s.status));
		}
		cJSON_AddNumberToObject(j, "head", (double)s.head);
		cJSON_AddNumberToObject(j, "cursor", (double)s.cursor);
		cJSON_AddNumberToObject(j, "lag_blocks", lag_of(&s, w3w_chain_confirmations_required(served[i].chain)));
		cJSON_AddNumberToObject(j, "confirmations", w3w_chain_confirmations_required(served[i].chain));
		cJSON_AddNumberToObject(j, "polls", (double)s.rounds);
		cJSON_AddNumberToObject(j, "errors", (double)s.errors);
		w3w_chain_open_withdrawals_get(&o, served[i].chain);
		cJSON_AddNumberToObject(j, "open_withdrawals", (double)o.count);
		if (o.count) {
			cJSON_AddStringToObject(j, "oldest_open_withdrawal", o.oldest_id);
			cJSON_AddNumberToObject(j, "oldest_open_withdrawal_age_s", oldest_open_age_s(&o));
		}
		sweeps_readyz(j, &served[i]);
	}
	return all;
}

void chains_render(FILE *out)
{
	static const struct { const char *name, *type, *help; } m[] = {
		{ "w3w_chain_up", "gauge", "1 if the last deposit watcher round of the chain succeeded." },
		{ "w3w_chain_head_block", "gauge", "The node's latest block, as of the watcher's last round that read it." },
		{ "w3w_chain_cursor_block", "gauge", "The last block the deposit watcher fully processed (-1: none yet)." },
		{ "w3w_chain_lag_blocks", "gauge", "Final blocks (at the confirmation depth) not processed yet." },
		{ "w3w_chain_polls_total", "counter", "Deposit watcher rounds finished." },
		{ "w3w_chain_poll_errors_total", "counter", "Deposit watcher rounds that failed (node down or wrong, storage, deep reorganisation)." },
		{ "w3w_chain_last_ok_timestamp_seconds", "gauge", "End of the watcher's last successful round (0: none yet)." },
		{ "w3w_chain_withdrawals_open", "gauge", "Withdrawals not final yet (held, signed, broadcast), as the watcher's last round listed them (at most 100 counted)." },
		{ "w3w_chain_oldest_open_withdrawal_age_seconds", "gauge", "Age of the oldest of them (0: none): a stuck transaction or a signer that is down." },
	};
	for (size_t k = 0; k < sizeof(m) / sizeof(m[0]); k++) {
		fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", m[k].name, m[k].help, m[k].name, m[k].type);
		for (int i = 0; i < served_count; i++) {
			w3w_chain_watch_state s;
			w3w_chain_open_withdrawals o;
			double v;
			w3w_chain_watch_state_get(&s, served[i].chain);
			w3w_chain_open_withdrawals_get(&o, served[i].chain);
			switch (k) {
			case 0: v = s.rounds && s.status == W3W_OK; break;
			case 1: v = (double)s.head; break;
			case 2: v = (double)s.cursor; break;
			case 3: v = lag_of(&s, w3w_chain_confirmations_required(served[i].chain)); break;
			case 4: v = (double)s.rounds; break;
			case 5: v = (double)s.errors; break;
			case 6: v = (double)s.last_ok_at / 1e6; break;
			case 7: v = (double)o.count; break;
			default: v = oldest_open_age_s(&o); break;
			}
			fprintf(out, "%s{chain=\"%s\",key=\"%s\"} %.17g\n", m[k].name, served[i].spec->name,
				w3w_chain_key(served[i].chain), v);
		}
	}
	sweeps_render(out);
}

/* --chain values -> chain_spec (see chain_spec.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain_spec.h"

#define FAIL(...) (fprintf(stderr, "w3wallet-server: --chain: " __VA_ARGS__), fputc('\n', stderr), -1)

static int parse_i64(const char *name, const char *text, long long min, long long max, long long *out)
{
	char *end = NULL;
	errno = 0;
	*out = strtoll(text, &end, 10);
	if (errno || !*text || *end || *out < min || *out > max)
		return FAIL("%s=%s: expected an integer %lld..%lld", name, text, min, max);
	return 0;
}

static int parse_yes_no(const char *name, const char *text, int *out)
{
	if (strcmp(text, "yes") == 0 || strcmp(text, "1") == 0 || strcmp(text, "true") == 0)
		*out = 1;
	else if (strcmp(text, "no") == 0 || strcmp(text, "0") == 0 || strcmp(text, "false") == 0)
		*out = 0;
	else
		return FAIL("%s=%s: expected yes or no", name, text);
	return 0;
}

/* One KEY=VALUE word after the URL. */
static int apply(chain_spec *c, const char *word)
{
	const char *eq = strchr(word, '=');
	char key[32];
	const char *v;
	long long n;

	if (!eq || eq == word || (size_t)(eq - word) >= sizeof(key))
		return FAIL("%s: \"%s\": expected KEY=VALUE", c->name, word);
	snprintf(key, sizeof(key), "%.*s", (int)(eq - word), word);
	v = eq + 1;
	if (strcmp(key, "confirmations") == 0) {
		if (parse_i64(key, v, 1, 10000, &n))
			return -1;
		c->opts.confirmations = (int)n;
	} else if (strcmp(key, "assets") == 0) {
		if (strlen(v) >= sizeof(c->opts.assets))
			return FAIL("%s: assets: too long", c->name);
		snprintf(c->opts.assets, sizeof(c->opts.assets), "%s", v);
	} else if (strcmp(key, "chain_id") == 0) {
		if (parse_i64(key, v, 1, (long long)1 << 53, &n))
			return -1;
		c->opts.chain_id = (uint64_t)n;
	} else if (strcmp(key, "start_block") == 0) {
		if (parse_i64(key, v, -1, (long long)1 << 53, &n))
			return -1;
		c->opts.start_block = n;
	} else if (strcmp(key, "timeout_ms") == 0) {
		if (parse_i64(key, v, 1, 600000, &n))
			return -1;
		c->opts.timeout_ms = (int)n;
	} else if (strcmp(key, "allow_zero_address") == 0) {
		return parse_yes_no(key, v, &c->opts.allow_zero_address);
	} else if (strcmp(key, "allow_custody_addresses") == 0) {
		return parse_yes_no(key, v, &c->opts.allow_custody_addresses);
	} else if (strcmp(key, "sweep_thresholds") == 0) {
		if (strlen(v) >= sizeof(c->opts.sweep_thresholds))
			return FAIL("%s: sweep_thresholds: too long", c->name);
		snprintf(c->opts.sweep_thresholds, sizeof(c->opts.sweep_thresholds), "%s", v);
	} else if (strcmp(key, "sweep_interval_ms") == 0) {
		if (parse_i64(key, v, 0, 86400000, &n))
			return -1;
		c->opts.sweep_interval_ms = (int)n;
	} else if (strcmp(key, "sweep_max_per_round") == 0) {
		if (parse_i64(key, v, 1, 10000, &n))
			return -1;
		c->opts.sweep_max_per_round = (int)n;
	} else if (strcmp(key, "sweep_topup_max_wei") == 0) {
		if (!*v || strlen(v) >= sizeof(c->opts.sweep_topup_max_wei) || strspn(v, "0123456789") != strlen(v))
			return FAIL("%s=%s: expected wei as a decimal number", key, v);
		snprintf(c->opts.sweep_topup_max_wei, sizeof(c->opts.sweep_topup_max_wei), "%s", v);
	} else if (strcmp(key, "replace_after_blocks") == 0) {
		if (parse_i64(key, v, 0, 100000, &n))
			return -1;
		c->opts.replace_after_blocks = (int)n;
	} else if (strcmp(key, "replace_max_fee_per_gas") == 0) {
		if (parse_i64(key, v, 1, (long long)1 << 62, &n))
			return -1;
		c->opts.replace_max_fee_per_gas = (uint64_t)n;
	} else {
		return FAIL("%s: unknown key \"%s\" (confirmations, assets, chain_id, start_block, timeout_ms,"
			" allow_zero_address, allow_custody_addresses, sweep_thresholds, sweep_interval_ms,"
			" sweep_max_per_round, sweep_topup_max_wei, replace_after_blocks, replace_max_fee_per_gas)",
			c->name, key);
	}
	return 0;
}

static int name_ok(const char *name, size_t n)
{
	if (n == 0 || n >= sizeof(((chain_spec *)0)->name))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789_-", name[i]))
			return 0;
	return 1;
}

/* One chain: NAME=URL followed by KEY=VALUE words, separated by spaces. */
static int parse_one(config *cfg, char *text)
{
	char *save = NULL, *word = strtok_r(text, " \t", &save), *eq;
	chain_spec *c;

	if (!word)
		return 0; /* a blank line */
	if (cfg->chain_count == CHAINS_MAX)
		return FAIL("more than %d chains", CHAINS_MAX);
	c = &cfg->chains[cfg->chain_count];
	memset(c, 0, sizeof(*c));
	w3w_chain_options_init(&c->opts, W3W_CHAIN_OPTIONS_VERSION);
	eq = strchr(word, '=');
	if (!eq || !name_ok(word, (size_t)(eq - word)))
		return FAIL("\"%.40s\": expected NAME=URL, NAME of 1 to 31 characters a-z 0-9 _ -", word);
	memcpy(c->name, word, (size_t)(eq - word));
	if (strncmp(eq + 1, "http://", 7) != 0 && strncmp(eq + 1, "https://", 8) != 0)
		return FAIL("%s: the node URL must be http:// or https://", c->name);
	if (strlen(eq + 1) >= sizeof(c->opts.url))
		return FAIL("%s: URL too long", c->name);
	snprintf(c->opts.url, sizeof(c->opts.url), "%s", eq + 1);
	while ((word = strtok_r(NULL, " \t", &save)))
		if (apply(c, word))
			return -1;
	if (!c->opts.assets[0])
		return FAIL("%s: assets=CUR=native:18[,CUR=0xCONTRACT:DECIMALS...] is required", c->name);
	for (int i = 0; i < cfg->chain_count; i++)
		if (strcmp(cfg->chains[i].name, c->name) == 0)
			return FAIL("%s: configured twice", c->name);
	cfg->chain_count++;
	return 0;
}

/* Every chain of `text`, separated by newlines or ';'; lines starting with # are comments. */
static int parse_all(config *cfg, char *text)
{
	char *save = NULL, *line;
	for (line = strtok_r(text, "\n;", &save); line; line = strtok_r(NULL, "\n;", &save)) {
		char *p = line + strspn(line, " \t\r");
		p[strcspn(p, "\r")] = '\0';
		if (*p == '#' || !*p)
			continue;
		if (parse_one(cfg, p))
			return -1;
	}
	return 0;
}

int chain_specs_parse(config *cfg)
{
	static char text[CHAIN_SPECS_SIZE];
	FILE *f;
	size_t n;

	cfg->chain_count = 0;
	snprintf(text, sizeof(text), "%s", cfg->chain_specs);
	if (parse_all(cfg, text))
		return -1;
	if (!cfg->chains_file[0])
		return 0;
	if (!(f = fopen(cfg->chains_file, "r"))) {
		fprintf(stderr, "w3wallet-server: --chains-file %s: %s\n", cfg->chains_file, strerror(errno));
		return -1;
	}
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	if (!feof(f) || ferror(f)) {
		fprintf(stderr, "w3wallet-server: --chains-file %s: unreadable or larger than %d bytes\n", cfg->chains_file,
			CHAIN_SPECS_SIZE - 1);
		fclose(f);
		return -1;
	}
	fclose(f);
	return parse_all(cfg, text);
}

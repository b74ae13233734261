/*
 * sim: the deterministic fault simulator of libw3wallet (docs/testing.md,
 * "Simulator"). One seed decides the workload and every fault, so
 *
 *   sim --seed N [--storage sqlite|postgres] [--cache memory|redis] [--steps K]
 *
 * reproduces a run from its seed alone. --seeds A..B runs a range,
 * --duration 10m runs random seeds for that long (printing each), and
 * every failure prints its seed, the first failing check and the command
 * that reproduces it. Exit status: 0 all passed, 1 a seed failed, 2 usage
 * or setup error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "run.h"
#include "wrappers.h"

#define MAX_SEEDS 4096

typedef struct cli {
	sim_config cfg;
	uint64_t seeds[MAX_SEEDS];
	size_t n_seeds;
	double duration_s;   /* long mode when > 0 */
	int expect_fail;     /* the checker self-test: every seed must fail */
	int twice;           /* run each seed twice: the digests and faults must be equal */
	int timeout_set;
	const char *lost_as_text;
} cli;

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [--seed N]... [--seeds A..B] [--duration 10m] [options]\n"
		"  --storage sqlite|postgres   storage under test (postgres: W3W_TEST_PG_URL, a fresh schema per seed)\n"
		"  --cache memory|redis        cache under test (redis: W3W_TEST_REDIS_URL)\n"
		"  --steps K                   workload steps per seed (default 300)\n"
		"  --checkpoint-every N        full checks every N steps, and at the end (default 50)\n"
		"  --users N                   shoppers and buyers per lane (default 6)\n"
		"  --threads N                 N lanes on N threads, each on data of its own (default 1; 1 is\n"
		"                              deterministic, more is not: thread timing decides the interleaving)\n"
		"  --relay-faults N            relay-blocking faults per seed, each a lease wait (default 2)\n"
		"  --lost-as auto|unknown|unavailable  status of a lost answer (auto: outcome_unknown if the library has it)\n"
		"  --lying-cache               the cache also serves old values (checker self-test: must fail)\n"
		"  --expect-fail               exit 0 only if every seed fails (for the self-test)\n"
		"  --twice                     run each seed twice: same actions, answers and faults, or it fails\n"
		"  --timeout-ms N              the simulated context's timeout (default 100 sqlite, 2000 postgres)\n"
		"  -v, --verbose | -q, --quiet\n", prog);
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	if (!s || !*s)
		return -1;
	*out = strtoull(s, &end, 10);
	return *end ? -1 : 0;
}

static int parse_duration(const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || v <= 0)
		return -1;
	if (*end == '\0' || strcmp(end, "s") == 0)
		*out = v;
	else if (strcmp(end, "m") == 0)
		*out = v * 60;
	else if (strcmp(end, "h") == 0)
		*out = v * 3600;
	else
		return -1;
	return 0;
}

static int add_seed(cli *c, uint64_t seed)
{
	if (c->n_seeds == MAX_SEEDS)
		return -1;
	c->seeds[c->n_seeds++] = seed;
	return 0;
}

static int parse_args(cli *c, int argc, char **argv)
{
	memset(c, 0, sizeof(*c));
	c->cfg.steps = 300;
	c->cfg.checkpoint_every = 50;
	c->cfg.users = 6;
	c->cfg.relay_faults = 2;
	c->cfg.threads = 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		uint64_t n, lo, hi;
		if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			c->cfg.verbose = 1;
			continue;
		}
		if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
			c->cfg.quiet = 1;
			continue;
		}
		if (strcmp(a, "--lying-cache") == 0) {
			c->cfg.lying = 1;
			continue;
		}
		if (strcmp(a, "--expect-fail") == 0) {
			c->expect_fail = 1;
			continue;
		}
		if (strcmp(a, "--twice") == 0) {
			c->twice = 1;
			continue;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout, argv[0]);
			exit(0);
		}
		if (!v) {
			fprintf(stderr, "sim: %s needs a value\n", a);
			return -1;
		}
		i++;
		if (strcmp(a, "--seed") == 0) {
			if (parse_u64(v, &n) || add_seed(c, n))
				goto bad;
		} else if (strcmp(a, "--seeds") == 0) {
			const char *dots = strstr(v, "..");
			char first[32];
			if (!dots || (size_t)(dots - v) >= sizeof(first))
				goto bad;
			memcpy(first, v, (size_t)(dots - v));
			first[dots - v] = '\0';
			if (parse_u64(first, &lo) || parse_u64(dots + 2, &hi) || hi < lo || hi - lo >= MAX_SEEDS)
				goto bad;
			for (uint64_t s = lo; s <= hi; s++)
				if (add_seed(c, s))
					goto bad;
		} else if (strcmp(a, "--duration") == 0) {
			if (parse_duration(v, &c->duration_s))
				goto bad;
		} else if (strcmp(a, "--storage") == 0) {
			if (strcmp(v, "sqlite") == 0)
				c->cfg.storage = SIM_STORAGE_SQLITE;
			else if (strcmp(v, "postgres") == 0)
				c->cfg.storage = SIM_STORAGE_POSTGRES;
			else
				goto bad;
		} else if (strcmp(a, "--cache") == 0) {
			if (strcmp(v, "memory") == 0)
				c->cfg.cache = SIM_CACHE_MEMORY;
			else if (strcmp(v, "redis") == 0)
				c->cfg.cache = SIM_CACHE_REDIS;
			else
				goto bad;
		} else if (strcmp(a, "--lost-as") == 0) {
			c->lost_as_text = v;
			if (strcmp(v, "auto") == 0)
				c->cfg.lost_as = 0;
			else if (strcmp(v, "unknown") == 0)
				c->cfg.lost_as = W3W_EUNKNOWN;
			else if (strcmp(v, "unavailable") == 0)
				c->cfg.lost_as = W3W_EUNAVAILABLE;
			else
				goto bad;
		} else {
			int *field = strcmp(a, "--steps") == 0 ? &c->cfg.steps
				: strcmp(a, "--checkpoint-every") == 0 ? &c->cfg.checkpoint_every
				: strcmp(a, "--users") == 0 ? &c->cfg.users
				: strcmp(a, "--threads") == 0 ? &c->cfg.threads
				: strcmp(a, "--relay-faults") == 0 ? &c->cfg.relay_faults
				: strcmp(a, "--timeout-ms") == 0 ? &c->cfg.timeout_ms : NULL;
			if (!field || parse_u64(v, &n) || n > 1000000)
				goto bad;
			*field = (int)n;
			if (field == &c->cfg.timeout_ms)
				c->timeout_set = 1;
		}
		continue;
bad:
		fprintf(stderr, "sim: bad %s %s\n", a, v);
		return -1;
	}
	if (!c->timeout_set)
		c->cfg.timeout_ms = c->cfg.storage == SIM_STORAGE_POSTGRES ? 2000 : 100;
	/* A service run without its service fails (never skips). */
	if (c->cfg.storage == SIM_STORAGE_POSTGRES &&
	    (!(c->cfg.pg_url = getenv("W3W_TEST_PG_URL")) || !*c->cfg.pg_url)) {
		fprintf(stderr, "sim: --storage postgres needs W3W_TEST_PG_URL: run under scripts/services/with-services.sh\n");
		return -2;
	}
	if (c->cfg.cache == SIM_CACHE_REDIS &&
	    (!(c->cfg.redis_url = getenv("W3W_TEST_REDIS_URL")) || !*c->cfg.redis_url)) {
		fprintf(stderr, "sim: --cache redis needs W3W_TEST_REDIS_URL: run under scripts/services/with-services.sh\n");
		return -2;
	}
	if (c->cfg.threads < 1 || c->cfg.threads > SIM_MAX_LANES) {
		fprintf(stderr, "sim: --threads must be 1..%d\n", SIM_MAX_LANES);
		return -1;
	}
	if (c->n_seeds == 0 && c->duration_s <= 0)
		add_seed(c, 1);
	return 0;
}

/* The command line that reproduces one seed: the seed and every non-default option. */
static void repro(const cli *c, const char *prog, uint64_t seed, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s --seed %llu --storage %s --cache %s --steps %d", prog,
		(unsigned long long)seed, c->cfg.storage == SIM_STORAGE_POSTGRES ? "postgres" : "sqlite",
		c->cfg.cache == SIM_CACHE_REDIS ? "redis" : "memory", c->cfg.steps);
	size_t used = n > 0 ? (size_t)n : 0;
#define MORE(...) do { int m_ = snprintf(buf + used, used < size ? size - used : 0, __VA_ARGS__); \
	if (m_ > 0) used += (size_t)m_; } while (0)
	if (c->cfg.checkpoint_every != 50)
		MORE(" --checkpoint-every %d", c->cfg.checkpoint_every);
	if (c->cfg.users != 6)
		MORE(" --users %d", c->cfg.users);
	if (c->cfg.threads != 1)
		MORE(" --threads %d", c->cfg.threads);
	if (c->cfg.relay_faults != 2)
		MORE(" --relay-faults %d", c->cfg.relay_faults);
	if (c->lost_as_text && strcmp(c->lost_as_text, "auto") != 0)
		MORE(" --lost-as %s", c->lost_as_text);
	if (c->cfg.lying)
		MORE(" --lying-cache");
	if (c->timeout_set)
		MORE(" --timeout-ms %d", c->cfg.timeout_ms);
#undef MORE
}

/* Run one seed and print its line; 1 if it failed, 0 if it passed, -1 on setup error. */
static int one_seed(const cli *c, const char *prog, uint64_t seed)
{
	sim_outcome out;
	char cmd[512];

	if (!c->cfg.quiet && c->duration_s <= 0)
		printf("seed %llu: running\n", (unsigned long long)seed);
	fflush(stdout);
	sim_run_seed(&c->cfg, seed, &out);
	repro(c, prog, seed, cmd, sizeof(cmd));
	if (out.violations < 0) {
		printf("seed %llu: ERROR %s\n", (unsigned long long)seed, out.first_message);
		return -1;
	}
	printf("seed %llu: %s in %.1f s: %llu steps, %llu writes (%llu attempts, %llu committed), %llu reads, "
		"%llu checkpoints, %llu lease waits; faults: %s; digest %016llx\n",
		(unsigned long long)seed, out.violations ? "FAILED" : "ok", out.seconds,
		(unsigned long long)out.stats.steps, (unsigned long long)out.stats.calls,
		(unsigned long long)out.stats.attempts, (unsigned long long)out.stats.commits,
		(unsigned long long)out.stats.reads, (unsigned long long)out.stats.checkpoints,
		(unsigned long long)out.stats.lease_waits, out.faults, (unsigned long long)out.stats.digest);
	if (c->twice && out.violations == 0) {
		sim_outcome again;
		sim_run_seed(&c->cfg, seed, &again);
		if (again.violations != 0 || again.stats.digest != out.stats.digest || strcmp(again.faults, out.faults) != 0) {
			printf("seed %llu: second run differs: digest %016llx, faults: %s%s\n", (unsigned long long)seed,
				(unsigned long long)again.stats.digest, again.faults, again.violations ? " (and it failed)" : "");
			out.violations = 1;
			snprintf(out.first_check, sizeof(out.first_check), "determinism");
			snprintf(out.first_message, sizeof(out.first_message), "the same seed ran differently twice");
			snprintf(out.summary, sizeof(out.summary), "determinism x1");
		}
	}
	if (out.violations) {
		printf("seed %llu: first failing check: %s at step %d: %s\n", (unsigned long long)seed,
			out.first_check, out.first_step, out.first_message);
		printf("seed %llu: %d violations (%s)\n", (unsigned long long)seed, out.violations, out.summary);
		printf("seed %llu: reproduce: %s\n", (unsigned long long)seed, cmd);
	}
	fflush(stdout);
	return out.violations ? 1 : 0;
}

int main(int argc, char **argv)
{
	static cli c;
	uint64_t failed[64];
	size_t n_failed = 0, tried = 0, errors = 0;
	int64_t t0 = sim_now_ms();
	int rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if ((rc = parse_args(&c, argc, argv)) != 0) {
		if (rc == -1)
			usage(stderr, argv[0]);
		return 2;
	}
	if (sim_wrappers_register() != W3W_OK) {
		fprintf(stderr, "sim: cannot register the wrapper backends: %s\n", w3w_error_message());
		return 2;
	}
	printf("sim: libw3wallet %s, storage %s, cache %s, %d steps per seed, lost answers report %s\n",
		w3w_version(), c.cfg.storage == SIM_STORAGE_POSTGRES ? "postgres" : "sqlite",
		c.cfg.cache == SIM_CACHE_REDIS ? "redis" : "memory", c.cfg.steps,
		c.cfg.lost_as ? sim_status_name(c.cfg.lost_as)
		: strcmp(w3w_status_name(W3W_EUNKNOWN), "outcome_unknown") == 0 ? "outcome_unknown"
		: "unavailable (this library has no W3W_EUNKNOWN)");
	for (size_t i = 0;; i++) {
		uint64_t seed;
		if (c.duration_s > 0) {
			if ((double)(sim_now_ms() - t0) / 1000.0 >= c.duration_s)
				break;
			if (i < c.n_seeds) {
				seed = c.seeds[i];
			} else {
				uint32_t rnd = 0;
				if (getrandom(&rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
					rnd = (uint32_t)sim_now_ms();
				seed = rnd;
			}
		} else if (i < c.n_seeds) {
			seed = c.seeds[i];
		} else {
			break;
		}
		rc = one_seed(&c, argv[0], seed);
		tried++;
		if (rc < 0)
			errors++;
		if (rc > 0 && n_failed < sizeof(failed) / sizeof(failed[0]))
			failed[n_failed++] = seed;
	}
	printf("sim: %zu seeds in %.1f s, %zu failed%s", tried, (double)(sim_now_ms() - t0) / 1000.0, n_failed,
		n_failed ? ":" : "");
	for (size_t i = 0; i < n_failed; i++)
		printf(" %llu", (unsigned long long)failed[i]);
	printf("%s\n", errors ? " (and setup errors)" : "");
	if (errors)
		return 2;
	if (c.expect_fail)
		return n_failed == tried && tried > 0 ? 0 : 1;
	return n_failed ? 1 : 0;
}

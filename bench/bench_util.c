#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"

static double ts_us(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

double bench_now_us(void)
{
	return ts_us(CLOCK_MONOTONIC);
}

double bench_wall_s(void)
{
	return ts_us(CLOCK_REALTIME) / 1e6;
}

double bench_thread_cpu_us(void)
{
	return ts_us(CLOCK_THREAD_CPUTIME_ID);
}

double bench_process_cpu_us(void)
{
	return ts_us(CLOCK_PROCESS_CPUTIME_ID);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Nearest rank: the smallest sample with at least p of the samples at or below it. */
static double rank(const double *v, size_t n, double p)
{
	size_t i = (size_t)(p * (double)n + 0.999999);
	if (i == 0)
		i = 1;
	return v[(i > n ? n : i) - 1];
}

void bench_stats_of(bench_stats *out, double *v, size_t n)
{
	double sum = 0;

	memset(out, 0, sizeof(*out));
	out->n = n;
	if (n == 0)
		return;
	qsort(v, n, sizeof(double), cmp_double);
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	out->mean = sum / (double)n;
	out->p50 = rank(v, n, 0.50);
	out->p90 = rank(v, n, 0.90);
	out->p99 = rank(v, n, 0.99);
	out->p999 = rank(v, n, 0.999);
	out->max = v[n - 1];
}

void bench_die(const char *what)
{
	fprintf(stderr, "w3w-bench: %s: %s\n", what, w3w_error_message());
	exit(1);
}

void bench_actor(w3w_actor *a, unsigned roles)
{
	char id[W3W_ID_SIZE];
	w3w_id_new(id, sizeof(id));
	if (w3w_actor_init(a, id, roles) != W3W_OK)
		bench_die("actor");
}

int bench_ids_read(const char *path, size_t skip, size_t count, bench_id **out, size_t *n)
{
	FILE *f = fopen(path, "r");
	char line[128];
	size_t cap = count ? count : 1024, seen = 0;
	bench_id *ids;

	*out = NULL;
	*n = 0;
	if (!f) {
		fprintf(stderr, "w3w-bench: %s: %s\n", path, strerror(errno));
		return -1;
	}
	ids = malloc(cap * sizeof(*ids));
	while (ids && fgets(line, sizeof(line), f) && (count == 0 || *n < count)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!line[0] || seen++ < skip)
			continue;
		if (*n == cap) {
			bench_id *more = realloc(ids, 2 * cap * sizeof(*ids));
			if (!more) {
				free(ids);
				ids = NULL;
				break;
			}
			ids = more;
			cap *= 2;
		}
		if (strlen(line) >= sizeof(bench_id)) {
			fprintf(stderr, "w3w-bench: %s: not an id: %s\n", path, line);
			free(ids);
			fclose(f);
			return -1;
		}
		memcpy(ids[(*n)++], line, strlen(line) + 1);
	}
	fclose(f);
	if (!ids) {
		fprintf(stderr, "w3w-bench: %s: out of memory\n", path);
		return -1;
	}
	*out = ids;
	return 0;
}

int bench_ids_write(const char *path, const bench_id *ids, size_t n)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "w3w-bench: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s\n", ids[i]);
	return fclose(f) == 0 ? 0 : -1;
}

const char *bench_arg(const bench_args *a, const char *name, const char *def)
{
	for (int i = 0; i + 1 < a->argc; i += 2)
		if (strcmp(a->argv[i], name) == 0)
			return a->argv[i + 1];
	return def;
}

long bench_arg_long(const bench_args *a, const char *name, long def)
{
	const char *v = bench_arg(a, name, NULL);
	return v ? strtol(v, NULL, 10) : def;
}

double bench_arg_double(const bench_args *a, const char *name, double def)
{
	const char *v = bench_arg(a, name, NULL);
	return v ? strtod(v, NULL) : def;
}

int bench_args_check(const bench_args *a, const char *const *known)
{
	for (int i = 0; i < a->argc; i += 2) {
		int found = 0;
		for (const char *const *k = known; *k; k++)
			found |= strcmp(*k, a->argv[i]) == 0;
		if (!found || i + 1 >= a->argc) {
			fprintf(stderr, "w3w-bench: unknown option or missing value: %s\n", a->argv[i]);
			return -1;
		}
	}
	return 0;
}

w3w_ctx *bench_open(const char *storage, const char *cache, int pool, int relay)
{
	return bench_open_events(storage, "", cache, "", pool, relay);
}

w3w_ctx *bench_open_replica(const char *storage, const char *read_storage, const char *cache, int pool, int relay)
{
	return bench_open_events(storage, read_storage, cache, "", pool, relay);
}

w3w_ctx *bench_open_events(const char *storage, const char *read_storage, const char *cache, const char *events,
	int pool, int relay)
{
	w3w_options o;
	w3w_ctx *ctx;

	w3w_options_init(&o, W3W_OPTIONS_VERSION);
	snprintf(o.storage_url, sizeof(o.storage_url), "%s", storage);
	snprintf(o.read_storage_url, sizeof(o.read_storage_url), "%s", read_storage);
	snprintf(o.cache_url, sizeof(o.cache_url), "%s", cache);
	snprintf(o.events_url, sizeof(o.events_url), "%s", events);
	o.pool_size = pool;
	o.background_relay = relay;
	if (w3w_ctx_open(&ctx, &o) != W3W_OK)
		bench_die("open");
	return ctx;
}

const char *bench_backend_name(const char *url)
{
	if (strncmp(url, "postgres", 8) == 0 || strchr(url, '=') != NULL)
		return "postgres";
	if (strncmp(url, "sqlite", 6) == 0)
		return "sqlite";
	if (strncmp(url, "redis", 5) == 0)
		return "redis";
	if (strncmp(url, "memory", 6) == 0)
		return "memory";
	if (strncmp(url, "none", 4) == 0)
		return "none";
	return "other";
}

static void json_put(bench_json *j, const char *fmt, const char *key, const char *s, double d)
{
	size_t room = sizeof(j->buf) - j->len;
	int w = s ? snprintf(j->buf + j->len, room, fmt, j->len > 1 ? "," : "", key, s)
	          : snprintf(j->buf + j->len, room, fmt, j->len > 1 ? "," : "", key, d);
	if (w > 0 && (size_t)w < room)
		j->len += (size_t)w;
}

void bench_json_begin(bench_json *j, const char *bench)
{
	j->len = 0;
	j->buf[j->len++] = '{';
	j->buf[j->len] = '\0';
	bench_json_str(j, "bench", bench);
}

/* Values are ours (names, labels, ids): no quoting needed beyond refusing quotes. */
void bench_json_str(bench_json *j, const char *key, const char *value)
{
	char clean[256];
	size_t k = 0;
	for (const char *p = value; *p && k + 1 < sizeof(clean); p++)
		clean[k++] = (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20) ? '_' : *p;
	clean[k] = '\0';
	json_put(j, "%s\"%s\":\"%s\"", key, clean, 0);
}

void bench_json_num(bench_json *j, const char *key, double value)
{
	json_put(j, "%s\"%s\":%.15g", key, NULL, value);
}

void bench_json_raw(bench_json *j, const char *key, const char *raw)
{
	json_put(j, "%s\"%s\":%s", key, raw, 0);
}

void bench_json_stats(bench_json *j, const char *prefix, const bench_stats *s)
{
	char key[64];
	const struct { const char *name; double v; } f[] = {
		{ "mean_us", s->mean }, { "p50_us", s->p50 }, { "p90_us", s->p90 },
		{ "p99_us", s->p99 }, { "p999_us", s->p999 }, { "max_us", s->max },
	};
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		snprintf(key, sizeof(key), "%s%s", prefix, f[i].name);
		bench_json_num(j, key, f[i].v);
	}
}

void bench_json_end(bench_json *j)
{
	printf("%s}\n", j->buf);
	fflush(stdout);
}

void bench_run_threads(int n, void *(*fn)(void *), void *args, size_t size)
{
	pthread_t *t = calloc((size_t)n, sizeof(*t));
	if (!t) {
		fprintf(stderr, "w3w-bench: out of memory\n");
		exit(1);
	}
	for (int i = 0; i < n; i++)
		if (pthread_create(&t[i], NULL, fn, (char *)args + (size_t)i * size) != 0) {
			fprintf(stderr, "w3w-bench: cannot start thread %d\n", i);
			exit(1);
		}
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	free(t);
}

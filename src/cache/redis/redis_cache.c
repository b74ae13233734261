/*
 * The Redis cache: the w3w_cache vtable on top of the connection pool.
 *
 *   get        GET key              (the tombstone marker reads as a miss)
 *   get_many   MGET keys            (one round trip for an order and its items)
 *              with near_cache=N: the near cache first, else CLIENT CACHING yes +
 *              the read, and the values are kept near (redis_near.c)
 *   fill       SET key value NX EX ttl
 *   invalidate SET key <marker> PX W3W_CACHE_TOMBSTONE_MS, pipelined
 *   rate_take  token bucket script (redis_rate.c)
 *   rate_sync  reconcile script of hosts' local buckets, pipelined (redis_rate.c)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "cache/redis/redis_near.h"
#include "cache/redis/redis_pool.h"
#include "cache/redis/redis_rate.h"
#include "cache/redis/redis_url.h"
#include "w3wallet/sys/redis.h"

#define MAX_KEY_LEN 1024
#define DEFAULT_TIMEOUT_MS 5000
#define DEFAULT_POOL 4
#define MAX_COMMAND_TIMEOUT_MS 200

/*
 * What an invalidated key holds. It starts with a NUL byte, so no JSON
 * value (what core stores) can be mistaken for it; fill refuses it.
 */
static const char TOMBSTONE[] = "\0w3w:tombstone";
#define TOMBSTONE_LEN (sizeof TOMBSTONE - 1)

typedef struct redis_cache {
	w3w_cache base;   /* first member: the vtable the caller sees */
	w3w__redis_pool pool;
	w3w__near *near;  /* NULL without near_cache= */
	char prefix[W3W__REDIS_PREFIX_SIZE];
	size_t prefix_len;
} redis_cache;

/* Key as sent to Redis: prefix + key, on the stack when short. */
typedef struct full_key {
	char small[256];
	char *p;
	size_t len;
} full_key;

static w3w_status key_make(full_key *k, const redis_cache *rc, const char *key)
{
	size_t n;
	if (!key || !*key)
		return w3w_error_set(W3W_EINVAL, "key: empty");
	n = strlen(key);
	if (n > MAX_KEY_LEN)
		return w3w_error_set(W3W_EINVAL, "key: longer than %d bytes", MAX_KEY_LEN);
	k->len = rc->prefix_len + n;
	k->p = k->len < sizeof k->small ? k->small : malloc(k->len + 1);
	if (!k->p)
		return w3w_error_set(W3W_ENOMEM, "redis: out of memory");
	memcpy(k->p, rc->prefix, rc->prefix_len);
	memcpy(k->p + rc->prefix_len, key, n + 1);
	return W3W_OK;
}

static void key_done(full_key *k)
{
	if (k->p && k->p != k->small) free(k->p);
	k->p = NULL;
}

/* An error reply where a value or OK was expected: Redis is not usable now. */
static w3w_status unexpected_reply(const char *op, const redisReply *r)
{
	return w3w_error_set(W3W_EUNAVAILABLE, "redis %s: %.120s", op,
		r->type == REDIS_REPLY_ERROR && r->str ? r->str : "unexpected reply type");
}

/* A GET-style reply: a copy of the value, or W3W_ENOTFOUND for nil and the tombstone marker. */
static w3w_status value_of(const redisReply *r, const char *op, char **value, size_t *len)
{
	char *copy;
	if (r->type == REDIS_REPLY_NIL)
		return W3W_ENOTFOUND;
	if (r->type != REDIS_REPLY_STRING)
		return unexpected_reply(op, r);
	if (r->len == TOMBSTONE_LEN && memcmp(r->str, TOMBSTONE, TOMBSTONE_LEN) == 0)
		return W3W_ENOTFOUND;
	if (!(copy = malloc(r->len + 1)))
		return w3w_error_set(W3W_ENOMEM, "redis: out of memory");
	memcpy(copy, r->str, r->len);
	copy[r->len] = '\0';
	*value = copy;
	*len = r->len;
	return W3W_OK;
}

/*
 * `cmd` preceded by CLIENT CACHING yes, so Redis tracks the keys it reads;
 * *tag is the connection's near-cache tag, 0 when Redis would not track.
 */
static w3w_status tracked_read(redis_cache *rc, const w3w__redis_cmd *cmd, redisReply **r, uint64_t *tag)
{
	static const char *const caching[3] = { "CLIENT", "CACHING", "yes" };
	static const size_t caching_len[3] = { 6, 7, 3 };
	w3w__redis_cmd cmds[2] = { { 3, (const char **)caching, caching_len }, *cmd };
	redisReply *replies[2] = { NULL, NULL };
	w3w_status st = w3w__redis_pipeline_tagged(&rc->pool, cmds, 2, replies, tag);
	if (st != W3W_OK)
		return st;
	if (replies[0]->type != REDIS_REPLY_STATUS)
		*tag = 0;
	freeReplyObject(replies[0]);
	*r = replies[1];
	return W3W_OK;
}

/* Send `cmd`, through tracked_read when there is a near cache. */
static w3w_status read_cmd(redis_cache *rc, const w3w__redis_cmd *cmd, redisReply **r, uint64_t *tag)
{
	*tag = 0;
	return rc->near ? tracked_read(rc, cmd, r, tag) : w3w__redis_pipeline(&rc->pool, cmd, 1, r);
}

static w3w_status redis_get(w3w_cache *c, const char *key, char **value, size_t *len)
{
	redis_cache *rc = (redis_cache *)c;
	full_key k;
	redisReply *r = NULL;
	w3w__near_ticket ticket = { 0, 0 };
	uint64_t tag;
	w3w_status st;

	if (!value || !len)
		return w3w_error_set(W3W_EINVAL, "value: missing output");
	*value = NULL;
	*len = 0;
	if ((st = key_make(&k, rc, key)) != W3W_OK)
		return st;
	if (rc->near) {
		if (w3w__near_get(rc->near, k.p, k.len, value, len)) {
			key_done(&k);
			return W3W_OK;
		}
		ticket = w3w__near_ticket_for(rc->near, k.p, k.len);
	}
	{
		const char *argv[2] = { "GET", k.p };
		size_t argvlen[2] = { 3, k.len };
		w3w__redis_cmd cmd = { 2, argv, argvlen };
		st = read_cmd(rc, &cmd, &r, &tag);
	}
	if (st == W3W_OK) {
		st = value_of(r, "GET", value, len);
		freeReplyObject(r);
		if (st == W3W_OK && rc->near)
			w3w__near_store(rc->near, k.p, k.len, *value, *len, tag, ticket);
	}
	key_done(&k);
	return st;
}

static void keys_done(full_key *fk, size_t count)
{
	for (size_t i = 0; fk && i < count; i++)
		key_done(&fk[i]);
	free(fk);
}

/* `count` prefixed keys (fk[i]) and their argv entries from argv[first] on. */
static w3w_status keys_make(full_key **out, const redis_cache *rc, const char *const *keys, size_t count,
	const char **argv, size_t *argvlen)
{
	full_key *fk = calloc(count, sizeof *fk);
	w3w_status st = W3W_OK;
	if (!fk)
		return w3w_error_set(W3W_ENOMEM, "redis: out of memory");
	for (size_t i = 0; i < count && st == W3W_OK; i++) {
		if ((st = key_make(&fk[i], rc, keys[i])) == W3W_OK) {
			argv[i] = fk[i].p;
			argvlen[i] = fk[i].len;
		}
	}
	if (st != W3W_OK) {
		keys_done(fk, count);
		fk = NULL;
	}
	*out = fk;
	return st;
}

/*
 * Every key from the near cache (1), or none: then the values found are
 * freed and each key's ticket taken for the read that follows.
 */
static int near_get_all(redis_cache *rc, const full_key *fk, size_t count, char **values, size_t *lens,
	w3w__near_ticket *tickets)
{
	size_t i;
	for (i = 0; i < count; i++)
		if (!w3w__near_get(rc->near, fk[i].p, fk[i].len, &values[i], &lens[i]))
			break;
	if (i == count)
		return 1;
	for (i = 0; i < count; i++) {
		free(values[i]);
		values[i] = NULL;
		lens[i] = 0;
		tickets[i] = w3w__near_ticket_for(rc->near, fk[i].p, fk[i].len);
	}
	return 0;
}

static w3w_status redis_get_many(w3w_cache *c, const char *const *keys, size_t count, char **values, size_t *lens)
{
	redis_cache *rc = (redis_cache *)c;
	const char **argv = NULL;
	size_t *argvlen = NULL;
	full_key *fk = NULL;
	w3w__near_ticket *tickets = NULL;
	redisReply *r = NULL;
	uint64_t tag = 0;
	w3w_status st;

	if (!keys || !values || !lens || count == 0)
		return w3w_error_set(W3W_EINVAL, "get_many: missing keys or outputs");
	memset(values, 0, count * sizeof *values);
	memset(lens, 0, count * sizeof *lens);
	argv = calloc(count + 1, sizeof *argv);
	argvlen = calloc(count + 1, sizeof *argvlen);
	if (rc->near)
		tickets = calloc(count, sizeof *tickets);
	if (!argv || !argvlen || (rc->near && !tickets))
		st = w3w_error_set(W3W_ENOMEM, "redis: out of memory");
	else
		st = keys_make(&fk, rc, keys, count, argv + 1, argvlen + 1);
	if (st == W3W_OK && rc->near && near_get_all(rc, fk, count, values, lens, tickets)) {
		keys_done(fk, count);
		free(argv);
		free(argvlen);
		free(tickets);
		return W3W_OK;
	}
	if (st == W3W_OK) {
		w3w__redis_cmd cmd = { (int)count + 1, argv, argvlen };
		argv[0] = "MGET";
		argvlen[0] = 4;
		st = read_cmd(rc, &cmd, &r, &tag);
	}
	free(argv);
	free(argvlen);
	if (st != W3W_OK) {
		keys_done(fk, count);
		free(tickets);
		return st;
	}
	if (r->type != REDIS_REPLY_ARRAY || r->elements != count)
		st = unexpected_reply("MGET", r);
	for (size_t i = 0; st == W3W_OK && i < count; i++) {
		w3w_status one = value_of(r->element[i], "MGET", &values[i], &lens[i]);
		if (one != W3W_OK && one != W3W_ENOTFOUND)
			st = one;
		else if (one == W3W_OK && rc->near)
			w3w__near_store(rc->near, fk[i].p, fk[i].len, values[i], lens[i], tag, tickets[i]);
	}
	keys_done(fk, count);
	free(tickets);
	if (st != W3W_OK)
		for (size_t i = 0; i < count; i++) {
			free(values[i]);
			values[i] = NULL;
		}
	freeReplyObject(r);
	return st;
}

static w3w_status redis_fill(w3w_cache *c, const char *key, const char *value, size_t len, int ttl_s)
{
	redis_cache *rc = (redis_cache *)c;
	full_key k;
	redisReply *r = NULL;
	char ttl[16];
	w3w_status st;

	if (!value && len > 0)
		return w3w_error_set(W3W_EINVAL, "value: missing");
	if (ttl_s <= 0)
		return w3w_error_set(W3W_EINVAL, "ttl_s: must be positive");
	if (len == TOMBSTONE_LEN && memcmp(value, TOMBSTONE, TOMBSTONE_LEN) == 0)
		return w3w_error_set(W3W_EINVAL, "value: reserved for tombstones");
	if ((st = key_make(&k, rc, key)) != W3W_OK)
		return st;
	snprintf(ttl, sizeof ttl, "%d", ttl_s);
	{
		const char *argv[6] = { "SET", k.p, value ? value : "", "NX", "EX", ttl };
		size_t argvlen[6] = { 3, k.len, len, 2, 2, strlen(ttl) };
		w3w__redis_cmd cmd = { 6, argv, argvlen };
		st = w3w__redis_pipeline(&rc->pool, &cmd, 1, &r);
	}
	key_done(&k);
	if (st != W3W_OK)
		return st;
	/* OK: stored; nil: an entry or a tombstone is there, which wins. */
	if (r->type != REDIS_REPLY_STATUS && r->type != REDIS_REPLY_NIL)
		st = unexpected_reply("SET NX", r);
	freeReplyObject(r);
	return st;
}

static w3w_status redis_invalidate(w3w_cache *c, const char *const *keys, size_t count)
{
	redis_cache *rc = (redis_cache *)c;
	static const char *const tombstone_ms = "10000";
	full_key *fk = NULL;
	w3w__redis_cmd *cmds = NULL;
	const char **argv = NULL;
	size_t *argvlen = NULL;
	redisReply **replies = NULL;
	size_t made = 0;
	w3w_status st = W3W_OK;

	_Static_assert(W3W_CACHE_TOMBSTONE_MS == 10000, "tombstone_ms must match W3W_CACHE_TOMBSTONE_MS");
	if (count == 0)
		return W3W_OK;
	if (!keys)
		return w3w_error_set(W3W_EINVAL, "keys: missing");
	fk = calloc(count, sizeof *fk);
	cmds = calloc(count, sizeof *cmds);
	argv = calloc(count * 5, sizeof *argv);
	argvlen = calloc(count * 5, sizeof *argvlen);
	replies = calloc(count, sizeof *replies);
	if (!fk || !cmds || !argv || !argvlen || !replies) {
		st = w3w_error_set(W3W_ENOMEM, "redis: out of memory");
		goto done;
	}
	for (; made < count; made++) {
		const char **a = argv + made * 5;
		size_t *l = argvlen + made * 5;
		if ((st = key_make(&fk[made], rc, keys[made])) != W3W_OK)
			goto done;
		a[0] = "SET"; l[0] = 3;
		a[1] = fk[made].p; l[1] = fk[made].len;
		a[2] = TOMBSTONE; l[2] = TOMBSTONE_LEN;
		a[3] = "PX"; l[3] = 2;
		a[4] = tombstone_ms; l[4] = strlen(tombstone_ms);
		cmds[made].argc = 5;
		cmds[made].argv = a;
		cmds[made].argvlen = l;
	}
	st = w3w__redis_pipeline(&rc->pool, cmds, count, replies);
	/* after the write, so a read of the old value in flight cannot store it again */
	for (size_t i = 0; rc->near && i < count; i++)
		w3w__near_drop(rc->near, fk[i].p, fk[i].len);
	if (st == W3W_OK) {
		for (size_t i = 0; i < count; i++) {
			if (st == W3W_OK && replies[i]->type != REDIS_REPLY_STATUS)
				st = unexpected_reply("SET tombstone", replies[i]);
			freeReplyObject(replies[i]);
		}
	}
done:
	for (size_t i = 0; fk && i < made; i++)
		key_done(&fk[i]);
	free(fk);
	free(cmds);
	free(argv);
	free(argvlen);
	free(replies);
	return st;
}

static w3w_status redis_rate_take(w3w_cache *c, const char *key, double rate_per_s, double burst,
	int *allowed, int64_t *retry_after_ms)
{
	redis_cache *rc = (redis_cache *)c;
	full_key k;
	w3w_status st;

	if (!allowed || !retry_after_ms)
		return w3w_error_set(W3W_EINVAL, "allowed: missing output");
	*allowed = 0;
	*retry_after_ms = 0;
	if ((st = key_make(&k, rc, key)) != W3W_OK)
		return st;
	st = w3w__redis_rate_take(&rc->pool, k.p, k.len, rate_per_s, burst, allowed, retry_after_ms);
	key_done(&k);
	return st;
}

static w3w_status redis_rate_sync(w3w_cache *c, w3w_cache_rate_sync *items, size_t count)
{
	redis_cache *rc = (redis_cache *)c;
	const char **keys = NULL;
	size_t *lens = NULL;
	full_key *fk = NULL;
	w3w_status st;

	if (count == 0)
		return W3W_OK;
	if (!items)
		return w3w_error_set(W3W_EINVAL, "rate_sync: items missing");
	keys = calloc(count, sizeof *keys);
	lens = calloc(count, sizeof *lens);
	if (!keys || !lens) {
		st = w3w_error_set(W3W_ENOMEM, "redis: out of memory");
	} else {
		for (size_t i = 0; i < count; i++)
			keys[i] = items[i].key;
		st = keys_make(&fk, rc, keys, count, keys, lens);
	}
	if (st == W3W_OK)
		st = w3w__redis_rate_sync(&rc->pool, keys, lens, items, count);
	keys_done(fk, count);
	free(keys);
	free(lens);
	return st;
}

static w3w_status redis_ping(w3w_cache *c)
{
	redis_cache *rc = (redis_cache *)c;
	const char *argv[1] = { "PING" };
	size_t argvlen[1] = { 4 };
	w3w__redis_cmd cmd = { 1, argv, argvlen };
	redisReply *r = NULL;
	w3w_status st = w3w__redis_pipeline(&rc->pool, &cmd, 1, &r);
	if (st != W3W_OK)
		return st;
	if (r->type != REDIS_REPLY_STATUS)
		st = unexpected_reply("PING", r);
	freeReplyObject(r);
	return st;
}

static void redis_free(w3w_cache *c)
{
	redis_cache *rc = (redis_cache *)c;
	if (!rc) return;
	w3w__near_stop(rc->near);
	w3w__redis_pool_destroy(&rc->pool);
	free(rc);
}

w3w__near *w3w__redis_cache_near(w3w_cache *c)
{
	return c && c->name && strcmp(c->name, "redis") == 0 ? ((redis_cache *)c)->near : NULL;
}

W3W_EXTERN w3w_status w3w_cache_redis_open(w3w_cache **out, const char *url, const w3w_backend_config *cfg)
{
	w3w__redis_url u;
	redis_cache *rc;
	int timeout_ms = DEFAULT_TIMEOUT_MS, pool_size = DEFAULT_POOL, command_ms;
	w3w_status st;

	if (!out)
		return w3w_error_set(W3W_EINVAL, "out: missing");
	*out = NULL;
	if (cfg && cfg->version != W3W_BACKEND_CONFIG_VERSION)
		return w3w_error_set(W3W_EVERSION, "redis: backend config version %u, expected %d",
			cfg->version, W3W_BACKEND_CONFIG_VERSION);
	if (cfg && cfg->timeout_ms > 0) timeout_ms = cfg->timeout_ms;
	if (cfg && cfg->pool_size > 0) pool_size = cfg->pool_size > 64 ? 64 : cfg->pool_size;
	if ((st = w3w__redis_url_parse(&u, url)) != W3W_OK)
		return st;
	if (u.pool) pool_size = u.pool;
	command_ms = u.timeout_ms ? u.timeout_ms
		: timeout_ms < MAX_COMMAND_TIMEOUT_MS ? timeout_ms : MAX_COMMAND_TIMEOUT_MS;

	rc = calloc(1, sizeof *rc);
	if (!rc) {
		w3w__redis_url_wipe(&u);
		return w3w_error_set(W3W_ENOMEM, "redis: out of memory");
	}
	rc->base.version = W3W_CACHE_VERSION;
	rc->base.name = "redis";
	rc->base.get = redis_get;
	rc->base.fill = redis_fill;
	rc->base.invalidate = redis_invalidate;
	rc->base.rate_take = redis_rate_take;
	rc->base.ping = redis_ping;
	rc->base.free = redis_free;
	rc->base.get_many = redis_get_many;
	rc->base.rate_sync = redis_rate_sync;
	memcpy(rc->prefix, u.prefix, sizeof rc->prefix);
	rc->prefix_len = strlen(rc->prefix);

	/* reconnects later use the short timeout: a caller waits at most that long */
	st = w3w__redis_pool_init(&rc->pool, &u, (size_t)pool_size, command_ms, command_ms);
	w3w__redis_url_wipe(&u);
	if (st != W3W_OK) {
		free(rc);
		return st;
	}
	if (rc->pool.url.near_cache > 0 &&
	    (st = w3w__near_start(&rc->near, &rc->pool, (size_t)rc->pool.url.near_cache)) != W3W_OK) {
		redis_free(&rc->base);
		return st;
	}
	if (rc->pool.url.lazy) {
		/* warm one connection if Redis is there; never wait long for it */
		if (w3w__redis_pool_check(&rc->pool, command_ms) != W3W_OK)
			w3w_error_clear();
	} else if ((st = w3w__redis_pool_check(&rc->pool, timeout_ms)) != W3W_OK) {
		redis_free(&rc->base);
		return st;
	}
	*out = &rc->base;
	return W3W_OK;
}

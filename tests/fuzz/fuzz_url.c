/*
 * Backend URLs, parsed without connecting anywhere. The first byte picks
 * the scheme's parser; the rest is the URL:
 *   0 redis://   w3w__redis_url_parse
 *   1 kafka://   w3w__kafka_url_parse
 *   2 postgres   w3w__pg_url_check (libpq's PQconninfoParse, no connection) and w3w__pg_scrub
 *   3 memory: / none:   the cache registry and open, then a fill/get round trip
 *   4 file:      the event sink open (parse + open/truncate of the file)
 *   5 sqlite:    the storage open (parse + open of the database)
 * The file and SQLite openers touch the file system, so they only run on
 * single-component paths, inside a private directory emptied after each
 * input: a fuzzed "file:/some/real/file" must never be opened (the sink
 * cuts a torn last line off the file it opens).
 * Properties: accepted URLs give values inside their documented ranges;
 * a password never shows in a postgres description or error message.
 */
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include "fuzz.h"

#include "w3wallet.h"
#include "core/registry.h"
#include "w3wallet/sys/storage.h"
#ifdef W3W_WITH_REDIS
#include "cache/redis/redis_url.h"
#endif
#ifdef W3W_WITH_KAFKA
#include "events/kafka/kafka_url.h"
#endif
#ifdef W3W_WITH_POSTGRES
#include "storage/postgres/pg.h"
#endif

static char sandbox[64];
static int home_fd = -1;

static void sandbox_remove(void)
{
	rmdir(sandbox);
}

/* Work inside the sandbox only while an opener runs: libFuzzer writes its
 * artifacts relative to the directory it started in. */
static void sandbox_enter(void)
{
	if (!sandbox[0]) {
		snprintf(sandbox, sizeof(sandbox), "/tmp/w3w-fuzz-url-XXXXXX");
		if (!mkdtemp(sandbox))
			abort();
		atexit(sandbox_remove);
	}
	if ((home_fd = open(".", O_RDONLY | O_DIRECTORY)) < 0 || chdir(sandbox) != 0)
		abort();
}

/* Empty the sandbox and go back. */
static void sandbox_leave(void)
{
	DIR *d = opendir(".");
	struct dirent *e;
	if (!d)
		abort();
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			unlink(e->d_name);
	closedir(d);
	if (fchdir(home_fd) != 0)
		abort();
	close(home_fd);
}

/* A path after "scheme:" that stays inside the sandbox: one component, no '/'. */
static int confined(const char *rest)
{
	if (strncmp(rest, "//", 2) == 0)
		rest += 2;
	return strchr(rest, '/') == NULL;
}

#ifdef W3W_WITH_REDIS
static void redis(const char *url)
{
	w3w__redis_url u;
	if (w3w__redis_url_parse(&u, url) != W3W_OK)
		return;
	FUZZ_CHECK(u.host[0] && !strchr(u.host, '@') && !strchr(u.host, '%'));
	FUZZ_CHECK(u.port >= 1 && u.port <= 65535 && u.db >= 0 && u.db <= 1000000);
	FUZZ_CHECK(u.pool >= 0 && u.pool <= 64 && u.timeout_ms >= 0 && u.timeout_ms <= 60000);
	FUZZ_CHECK(u.lazy == 0 || u.lazy == 1);
	FUZZ_CHECK(strlen(u.prefix) < sizeof(u.prefix) && strlen(u.password) < sizeof(u.password));
	w3w__redis_url_wipe(&u);
	FUZZ_CHECK(u.password[0] == '\0');
}
#endif

#ifdef W3W_WITH_KAFKA
static int kafka_word(const char *s, int comma_ok)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '.' || *s == '-' || *s == '_' || (comma_ok && *s == ',')))
			return 0;
	return 1;
}

static void kafka(const char *url)
{
	w3w__kafka_url u;
	if (w3w__kafka_url_parse(&u, url) != W3W_OK)
		return;
	FUZZ_CHECK(u.brokers[0] && !strchr(u.brokers, '@') && !strchr(u.brokers, '/') && strchr(u.brokers, ':'));
	FUZZ_CHECK(u.client_id[0] && kafka_word(u.client_id, 0));
	FUZZ_CHECK(kafka_word(u.topics, 1) && !strstr(u.topics, ",,") && u.topics[0] != ',');
	FUZZ_CHECK(u.linger_ms >= 0 && u.linger_ms <= 1000 && (u.lazy | u.log) <= 1);
}
#endif

#ifdef W3W_WITH_POSTGRES
static int alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* A password that cannot be mistaken for anything else: 8+ letters and
 * digits (both), written once. Written into pw; "" when the URL has none such. */
static void distinctive_password(char pw[256], const char *url)
{
	const char *start = NULL, *end = NULL;
	long digits = 0;
	pw[0] = '\0';
	if (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0) {
		const char *auth = strstr(url, "://") + 3, *stop = auth + strcspn(auth, "/?"), *at = NULL;
		for (const char *p = auth; p < stop; p++)
			if (*p == '@')
				at = p;
		start = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
		if (start)
			start++, end = at;
	} else if ((start = strstr(url, "password")) != NULL && !strstr(start + 1, "password") &&
		   (start == url || start[-1] == ' ') && start[8] == '=') {
		/* One "password" in the whole string: no doubt which keyword libpq reads. */
		start += 9;
		for (end = start; alnum(*end); end++)
			;
		if (*end && *end != ' ')
			start = NULL;
	}
	if (!start || end - start < 8 || end - start > 255)
		return;
	for (const char *p = start; p < end; p++)
		if (!alnum(*p))
			return;
		else
			digits += *p >= '0' && *p <= '9';
	/* Letters and digits: never one of libpq's own words ("connection"). */
	if (digits == 0 || digits == end - start)
		return;
	memcpy(pw, start, (size_t)(end - start));
	pw[end - start] = '\0';
	if (strstr(url, pw) != start || strstr(end, pw))
		pw[0] = '\0';
}

static void postgres(const char *url)
{
	char pw[256], buf[512], *target = NULL;
	w3w_status st = w3w__pg_url_check(url, &target);

	distinctive_password(pw, url);
	if (st == W3W_OK) {
		FUZZ_CHECK(target && target[0]);
		FUZZ_CHECK(!pw[0] || !strstr(target, pw));
	} else {
		FUZZ_CHECK(target == NULL && (st == W3W_EINVAL || st == W3W_ENOMEM));
		FUZZ_CHECK(!pw[0] || !strstr(w3w_error_message(), pw));
	}
	free(target);
	/* A message that repeats the URL (libpq's often do) comes out without the password. */
	w3w__pg_scrub(buf, sizeof(buf), url, url);
	FUZZ_CHECK(strlen(buf) < sizeof(buf));
	FUZZ_CHECK(!pw[0] || !strstr(buf, pw));
}
#endif

static void cache(const char *url)
{
	w3w_cache *c = NULL;
	char *value = NULL;
	size_t len = 0;

	/* Only in-process schemes: redis:// would connect. */
	if (strncmp(url, "memory:", 7) != 0 && strncmp(url, "none:", 5) != 0)
		return;
	if (w3w__cache_open_url(&c, url, NULL) != W3W_OK)
		return;
	FUZZ_CHECK(c->fill(c, "k", "v1", 2, 60) == W3W_OK);
	if (strcmp(c->name, "memory") == 0)
		FUZZ_CHECK(c->get(c, "k", &value, &len) == W3W_OK && len == 2 && memcmp(value, "v1", 3) == 0);
	else
		FUZZ_CHECK(c->get(c, "k", &value, &len) == W3W_ENOTFOUND);
	free(value);
	c->free(c);
}

static void file_sink(const char *url)
{
	w3w_event_sink *s = NULL;
	if (strncmp(url, "file:", 5) != 0 || !confined(url + 5))
		return;
	sandbox_enter();
	if (w3w__event_sink_open_url(&s, url, NULL) == W3W_OK)
		s->free(s);
	sandbox_leave();
}

static void sqlite(const char *url)
{
	w3w_storage *s = NULL;
	if (strncmp(url, "sqlite:", 7) != 0 || !confined(url + 7))
		return;
	sandbox_enter();
	if (w3w__storage_open_url(&s, url, NULL) == W3W_OK) {
		FUZZ_CHECK(s->ping(s) == W3W_OK);
		s->free(s);
	}
	sandbox_leave();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *url;

	if (size < 1)
		return 0;
	url = fuzz_cstr(data + 1, size - 1);
	switch (data[0] % 6) {
#ifdef W3W_WITH_REDIS
	case 0: redis(url); break;
#endif
#ifdef W3W_WITH_KAFKA
	case 1: kafka(url); break;
#endif
#ifdef W3W_WITH_POSTGRES
	case 2: postgres(url); break;
#endif
	case 3: cache(url); break;
	case 4: file_sink(url); break;
	case 5: sqlite(url); break;
	default: break;
	}
	free(url);
	return 0;
}

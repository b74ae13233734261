/*
 * "file:PATH[?fsync=1]" event sink: one JSON envelope per line (see
 * w3w_event_to_json), for one process at a time.
 *
 * A batch is written with whole lines only: it is built in memory and
 * appended; if the write fails part way, the file is cut back to the last
 * complete line before the batch is refused. On open, a line torn by a
 * crash (kill -9 mid-write) is cut off the same way: its events were never
 * acknowledged, so the relay sends them again after the cut.
 *
 * Durability of an acknowledged event: without fsync it is in the page
 * cache, which survives the process being killed but not the machine
 * losing power; with ?fsync=1 the file is fsync'ed before the
 * acknowledgement, which survives both.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/registry.h"
#include "w3wallet/json.h"

typedef struct file_sink {
	w3w_event_sink base;
	pthread_mutex_t lock;
	int fd;
	int fsync_each;  /* ?fsync=1 */
	off_t end;       /* just past the last complete line */
	char path[W3W_URL_SIZE];
} file_sink;

typedef struct line_buf {
	char *data;
	size_t len, cap;
} line_buf;

static int buf_append(line_buf *b, const char *s, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *p;
		while (cap < b->len + n)
			cap *= 2;
		if (!(p = realloc(b->data, cap)))
			return -1;
		b->data = p;
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	return 0;
}

/* Append all of `b` at f->end; on any failure cut the file back to f->end. */
static w3w_status write_whole(file_sink *f, const line_buf *b)
{
	size_t done = 0;
	while (done < b->len) {
		ssize_t n = pwrite(f->fd, b->data + done, b->len - done, f->end + (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int err = n < 0 ? errno : ENOSPC;
			if (ftruncate(f->fd, f->end) != 0)
				return w3w_error_set(W3W_EUNAVAILABLE, "file sink %s: write failed (%s) and the partial"
					" line could not be cut (%s)", f->path, strerror(err), strerror(errno));
			return w3w_error_set(W3W_EUNAVAILABLE, "file sink %s: write failed: %s", f->path, strerror(err));
		}
		done += (size_t)n;
	}
	if (f->fsync_each && fsync(f->fd) != 0) {
		int err = errno;
		/* After a failed fsync the page cache state is unknown: the batch is not acknowledged. */
		if (ftruncate(f->fd, f->end) != 0) { /* nothing more to do: the next open cuts torn lines */ }
		return w3w_error_set(W3W_EUNAVAILABLE, "file sink %s: fsync failed: %s", f->path, strerror(err));
	}
	f->end += (off_t)b->len;
	return W3W_OK;
}

static w3w_status file_publish(w3w_event_sink *sink, const w3w_event *events, size_t count, unsigned char *acked)
{
	file_sink *f = (file_sink *)sink;
	line_buf b = { NULL, 0, 0 };
	w3w_status st = W3W_OK;

	for (size_t i = 0; i < count && st == W3W_OK; i++) {
		char *line = NULL;
		if ((st = w3w_event_to_json(&line, &events[i])) != W3W_OK)
			break;
		if (buf_append(&b, line, strlen(line)) != 0 || buf_append(&b, "\n", 1) != 0)
			st = w3w_error_set(W3W_ENOMEM, "file sink %s: out of memory", f->path);
		free(line);
	}
	if (st == W3W_OK) {
		pthread_mutex_lock(&f->lock);
		st = write_whole(f, &b);
		pthread_mutex_unlock(&f->lock);
	}
	free(b.data);
	if (st == W3W_OK)
		memset(acked, 1, count);
	return st;
}

/*
 * Offset just past the last '\n' of the file (0 if it has none): what a
 * crash left after it is a torn line.
 */
static int last_line_end(int fd, off_t size, off_t *out)
{
	char buf[4096];
	off_t pos = size;
	while (pos > 0) {
		size_t n = pos < (off_t)sizeof(buf) ? (size_t)pos : sizeof(buf);
		ssize_t got = pread(fd, buf, n, pos - (off_t)n);
		if (got != (ssize_t)n)
			return -1;
		for (size_t i = n; i > 0; i--)
			if (buf[i - 1] == '\n') {
				*out = pos - (off_t)n + (off_t)i;
				return 0;
			}
		pos -= (off_t)n;
	}
	*out = 0;
	return 0;
}

static w3w_status cut_torn_tail(file_sink *f)
{
	struct stat sb;
	if (fstat(f->fd, &sb) != 0 || last_line_end(f->fd, sb.st_size, &f->end) != 0)
		return w3w_error_set(W3W_EUNAVAILABLE, "file sink %s: cannot read: %s", f->path, strerror(errno));
	if (f->end < sb.st_size && (ftruncate(f->fd, f->end) != 0 || fsync(f->fd) != 0))
		return w3w_error_set(W3W_EUNAVAILABLE, "file sink %s: cannot cut the torn last line: %s",
			f->path, strerror(errno));
	return W3W_OK;
}

static w3w_status file_ping(w3w_event_sink *sink)
{
	(void)sink;
	return W3W_OK;
}

static void file_free(w3w_event_sink *sink)
{
	file_sink *f = (file_sink *)sink;
	close(f->fd);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

static w3w_status parse_option(void *arg, const char *option, size_t len)
{
	file_sink *f = arg;
	if (len == 7 && (memcmp(option, "fsync=0", 7) == 0 || memcmp(option, "fsync=1", 7) == 0)) {
		f->fsync_each = option[6] == '1';
		return W3W_OK;
	}
	return w3w_error_set(W3W_EINVAL, "events URL: file: unknown option '%.*s' (only ?fsync=0 or ?fsync=1)",
		(int)(len < 40 ? len : 40), option);
}

/* "PATH" or "PATH?fsync=0|1": the only option; anything else after '?' is refused, not ignored. */
static w3w_status parse_url(file_sink *f, const char *url)
{
	const char *path = url + strlen("file:");
	const char *query;
	size_t len;

	if (strncmp(path, "//", 2) == 0)
		path += 2;
	query = strchr(path, '?');
	len = query ? (size_t)(query - path) : strlen(path);
	if (len == 0)
		return w3w_error_set(W3W_EINVAL, "events URL: file: needs a path");
	if (len >= sizeof(f->path))
		return w3w_error_set(W3W_EINVAL, "events URL: file: path longer than %zu bytes", sizeof(f->path) - 1);
	memcpy(f->path, path, len);
	f->path[len] = '\0';
	return w3w_url_options_each(query, parse_option, f);
}

w3w_status w3w__event_sink_file_open(w3w_event_sink **out, const char *url, const w3w_backend_config *cfg)
{
	file_sink *f;
	w3w_status st;

	(void)cfg;
	f = calloc(1, sizeof(*f));
	if (!f)
		return w3w_error_set(W3W_ENOMEM, "file sink: out of memory");
	f->fd = -1;
	if ((st = parse_url(f, url)) != W3W_OK) {
		free(f);
		return st;
	}
	f->fd = open(f->path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (f->fd < 0) {
		st = w3w_error_set(W3W_EUNAVAILABLE, "events URL: cannot open %s: %s", f->path, strerror(errno));
		free(f);
		return st;
	}
	if ((st = cut_torn_tail(f)) != W3W_OK) {
		close(f->fd);
		free(f);
		return st;
	}
	pthread_mutex_init(&f->lock, NULL);
	f->base.version = W3W_EVENT_SINK_VERSION;
	f->base.name = "file";
	f->base.publish = file_publish;
	f->base.ping = file_ping;
	f->base.free = file_free;
	*out = &f->base;
	return W3W_OK;
}

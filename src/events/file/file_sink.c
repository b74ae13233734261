/*
 * "file:PATH" event sink: appends one JSON envelope per line (see
 * w3w_event_to_json) and fsyncs before acknowledging, so an acknowledged
 * event is on disk. Writes from several threads are serialized.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/registry.h"
#include "w3wallet/json.h"

typedef struct file_sink {
	w3w_event_sink base;
	pthread_mutex_t lock;
	FILE *fp;
	char path[W3W_URL_SIZE];
} file_sink;

static w3w_status file_publish(w3w_event_sink *sink, const w3w_event *events, size_t count, unsigned char *acked)
{
	file_sink *f = (file_sink *)sink;
	w3w_status st = W3W_OK;
	size_t written = 0;

	pthread_mutex_lock(&f->lock);
	for (; written < count; written++) {
		char *line = NULL;
		if ((st = w3w_event_to_json(&line, &events[written])) != W3W_OK)
			break;
		int bad = fputs(line, f->fp) == EOF || fputc('\n', f->fp) == EOF;
		free(line);
		if (bad) {
			st = w3w_error_set(W3W_EUNAVAILABLE, "file sink %s: write failed", f->path);
			break;
		}
	}
	if (fflush(f->fp) != 0 || fsync(fileno(f->fp)) != 0) {
		st = w3w_error_set(W3W_EUNAVAILABLE, "file sink %s: flush failed", f->path);
		written = 0;
	}
	pthread_mutex_unlock(&f->lock);
	for (size_t i = 0; i < written; i++)
		acked[i] = 1;
	return st;
}

static w3w_status file_ping(w3w_event_sink *sink)
{
	return W3W_OK;
}

static void file_free(w3w_event_sink *sink)
{
	file_sink *f = (file_sink *)sink;
	fclose(f->fp);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

w3w_status w3w__event_sink_file_open(w3w_event_sink **out, const char *url, const w3w_backend_config *cfg)
{
	const char *path = url + strlen("file:");
	file_sink *f;

	if (strncmp(path, "//", 2) == 0)
		path += 2;
	if (*path == '\0')
		return w3w_error_set(W3W_EINVAL, "events URL: file: needs a path");
	f = calloc(1, sizeof(*f));
	if (!f)
		return w3w_error_set(W3W_ENOMEM, "file sink: out of memory");
	snprintf(f->path, sizeof(f->path), "%s", path);
	f->fp = fopen(f->path, "a");
	if (!f->fp) {
		free(f);
		return w3w_error_set(W3W_EUNAVAILABLE, "events URL: cannot open %s for appending", path);
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

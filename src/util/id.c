/* UUIDv7 ids (time-ordered, monotonic within the process) and UTC time. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "w3wallet/id.h"
#include "w3wallet/sys/backend.h"
#include "util/random.h"

static pthread_mutex_t v7_lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t v7_last_ms;
static uint16_t v7_seq; /* 12-bit counter in rand_a: keeps ids ordered within one millisecond */

w3w_time w3w_time_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (w3w_time)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* 8-4-4-4-12 lowercase hex and a NUL (W3W_ID_SIZE bytes); by hand, as printf costs more than the rest of an id. */
static void uuid_text(char *out, const unsigned char b[16])
{
	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*out++ = '-';
		*out++ = hex[b[i] >> 4];
		*out++ = hex[b[i] & 0x0f];
	}
	*out = '\0';
}

w3w_status w3w_id_new(char *buf, size_t buflen)
{
	unsigned char b[16];
	uint64_t ms;
	uint16_t seq;

	if (!buf || buflen < W3W_ID_SIZE)
		return w3w_error_set(W3W_EINVAL, "id: buffer shorter than W3W_ID_SIZE");
	w3w__random_bytes(b, sizeof(b));
	ms = (uint64_t)(w3w_time_now() / 1000);

	pthread_mutex_lock(&v7_lock);
	if (ms > v7_last_ms) {
		v7_last_ms = ms;
		v7_seq = (uint16_t)(b[6] & 0x03); /* random start, room to count up */
	} else {
		ms = v7_last_ms; /* clock went back or same ms: stay monotonic */
		if (++v7_seq > 0x0fff) {
			v7_last_ms = ++ms;
			v7_seq = 0;
		}
	}
	seq = v7_seq;
	pthread_mutex_unlock(&v7_lock);

	for (int i = 0; i < 6; i++)
		b[i] = (unsigned char)(ms >> (40 - 8 * i));
	b[6] = (unsigned char)(0x70 | (seq >> 8));
	b[7] = (unsigned char)(seq & 0xff);
	b[8] = (unsigned char)(0x80 | (b[8] & 0x3f));

	uuid_text(buf, b);
	return W3W_OK;
}

w3w_status w3w_id_normalize(char *buf, size_t buflen, const char *text)
{
	char tmp[W3W_ID_SIZE];

	if (!buf || buflen < W3W_ID_SIZE)
		return w3w_error_set(W3W_EINVAL, "id: buffer shorter than W3W_ID_SIZE");
	if (!text)
		return w3w_error_set(W3W_EINVAL, "id: missing");
	if (strnlen(text, 37) != 36)
		return w3w_error_set(W3W_EINVAL, "id: must be a 36-character UUID");
	for (int i = 0; i < 36; i++) {
		char c = text[i];
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return w3w_error_set(W3W_EINVAL, "id: must be a UUID (dash expected at %d)", i);
			tmp[i] = c;
		} else if (c >= '0' && c <= '9') {
			tmp[i] = c;
		} else if (c >= 'a' && c <= 'f') {
			tmp[i] = c;
		} else if (c >= 'A' && c <= 'F') {
			tmp[i] = (char)(c - 'A' + 'a');
		} else {
			return w3w_error_set(W3W_EINVAL, "id: must be a UUID (hex digit expected at %d)", i);
		}
	}
	tmp[36] = '\0';
	memcpy(buf, tmp, W3W_ID_SIZE);
	return W3W_OK;
}

w3w_status w3w_time_format(char *buf, size_t buflen, w3w_time t)
{
	struct tm tm;
	time_t secs;
	int64_t micros;

	if (!buf || buflen < W3W_TIME_STRLEN)
		return w3w_error_set(W3W_EINVAL, "time: buffer shorter than W3W_TIME_STRLEN");
	secs = (time_t)(t / 1000000);
	micros = t % 1000000;
	if (micros < 0) {
		micros += 1000000;
		secs -= 1;
	}
	if (!gmtime_r(&secs, &tm))
		return w3w_error_set(W3W_EINVAL, "time: out of range");
	snprintf(buf, buflen, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
		tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)micros);
	return W3W_OK;
}

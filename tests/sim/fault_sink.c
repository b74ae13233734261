/*
 * Event sink wrapper "sim:record": the inner sink appends every event it
 * is handed to sim_fx->sink_log and acknowledges it (a broker that never
 * loses what it accepted). The wrapper fails a publish (sometimes after
 * the inner sink got the batch, as when only the acknowledgement is
 * lost), acknowledges only some events of a batch, or delivers a batch
 * twice. Decisions are keyed by the batch's first seq (faults.h), so they
 * do not depend on how often the relay was pumped while blocked.
 */
#include <stdlib.h>
#include <string.h>

#include <w3wallet/sys/events.h>

#include "faults.h"
#include "wrappers.h"

typedef struct fsink {
	w3w_event_sink base;
} fsink;

/* The inner sink: record and acknowledge. */
static void record(const w3w_event *events, size_t count, unsigned char *acked)
{
	for (size_t i = 0; i < count; i++) {
		if (sim_fx && sim_fx->sink_log)
			sim_event_log_add(sim_fx->sink_log, &events[i]);
		if (acked)
			acked[i] = 1;
	}
}

static w3w_status fk_publish(w3w_event_sink *sink, const w3w_event *events, size_t count,
	unsigned char *acked)
{
	int64_t first = count ? events[0].seq : 0;
	size_t kept = 0;

	if (count == 0)
		return W3W_OK;
	if (sim_relay_fault(SIM_F_SINK_FAIL, first, count)) {
		if (sim_fault_draw(2, first))
			record(events, count, NULL); /* written, but the acknowledgement never came */
		return w3w_error_set(W3W_EUNAVAILABLE, "sim sink: publish failed");
	}
	if (sim_relay_fault(SIM_F_SINK_PARTIAL, first, count)) {
		record(events, count, NULL);
		for (size_t i = 0; i < count; i++) {
			acked[i] = (unsigned char)(sim_fault_draw(2, first + (int64_t)i) != 0);
			kept += acked[i];
		}
		if (kept == count)
			acked[count - 1] = 0; /* a partial ack leaves at least one out */
		return w3w_error_set(W3W_EUNAVAILABLE, "sim sink: acknowledged %zu of %zu", kept, count);
	}
	if (sim_relay_fault(SIM_F_SINK_TWICE, first, count))
		record(events, count, NULL);
	record(events, count, acked);
	return W3W_OK;
}

static w3w_status fk_ping(w3w_event_sink *sink)
{
	return W3W_OK;
}

static void fk_free(w3w_event_sink *sink)
{
	free(sink);
}

static w3w_status fk_open(w3w_event_sink **out, const char *url, const w3w_backend_config *cfg)
{
	fsink *f;

	*out = NULL;
	if (strcmp(url, SIM_SCHEME ":record") != 0)
		return w3w_error_set(W3W_EINVAL, "sim sink: URL must be " SIM_SCHEME ":record");
	if (!(f = calloc(1, sizeof(*f))))
		return w3w_error_set(W3W_ENOMEM, "sim sink: out of memory");
	f->base.version = W3W_EVENT_SINK_VERSION;
	f->base.name = "sim";
	f->base.publish = fk_publish;
	f->base.ping = fk_ping;
	f->base.free = fk_free;
	*out = &f->base;
	return W3W_OK;
}

w3w_status sim_sink_register(void)
{
	return w3w_event_sink_register(SIM_SCHEME, fk_open);
}

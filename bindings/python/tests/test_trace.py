"""The trace context functions through the raw binding: parse, format, the thread's context."""
import threading

import pytest

from w3wallet import InvalidInputError, NotFoundError, capi

HEADER = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def test_parse_format_round_trip():
    tc = capi.w3w_traceparent_parse(HEADER)
    assert (tc.trace_id, tc.span_id, tc.flags) == ("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", 1)
    assert capi.w3w_traceparent_format(tc) == HEADER


@pytest.mark.parametrize("bad", ["", "ff" + HEADER[2:], HEADER.upper(), HEADER + "-", "00-" + "0" * 32 + HEADER[35:]])
def test_malformed_is_refused(bad):
    with pytest.raises(InvalidInputError, match="traceparent"):
        capi.w3w_traceparent_parse(bad)


def test_thread_context_is_per_thread():
    tc = capi.w3w_trace_context_new()
    assert len(tc.trace_id) == 32 and len(tc.span_id) == 16 and tc.flags == 1
    capi.w3w_trace_set(tc)
    try:
        assert capi.w3w_trace_get().trace_id == tc.trace_id
        seen = []

        def other():
            try:
                capi.w3w_trace_get()
            except NotFoundError:
                seen.append("none")
        t = threading.Thread(target=other)
        t.start()
        t.join()
        assert seen == ["none"]
    finally:
        capi.w3w_trace_set(None)
    with pytest.raises(NotFoundError):
        capi.w3w_trace_get()

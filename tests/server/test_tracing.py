"""Tracing and structured logs: a claim made over HTTP with a W3C traceparent is followed through its
spans (exported over OTLP/HTTP JSON to a receiver in this test), its access log line and its event
(file sink embedded, Kafka with a traceparent header in services mode); a collector that is down or
hangs never slows a command; logs are JSON lines that never hold a token or a password."""
import json
import os
import re
import secrets
import socket
import subprocess
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from helpers import MODE, Server, User, deposit, item, new_currency

TRACE_ID = secrets.token_hex(16)
CALLER_SPAN = secrets.token_hex(8)
TRACEPARENT = f"00-{TRACE_ID}-{CALLER_SPAN}-01"


class Receiver:
    """A minimal OTLP/HTTP JSON collector: keeps every span it is sent."""

    def __init__(self, ipv6=False):
        spans, lock = [], threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                assert self.path == "/v1/traces" and self.headers["Content-Type"] == "application/json"
                with lock:
                    for rs in body["resourceSpans"]:
                        for ss in rs["scopeSpans"]:
                            spans.extend(ss["spans"])
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.spans, self.lock = spans, lock
        if ipv6:
            self.httpd = type("V6", (ThreadingHTTPServer,), {"address_family": socket.AF_INET6})(("::1", 0), Handler)
            self.url = f"http://[::1]:{self.httpd.server_address[1]}"
        else:
            self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
            self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def trace(self, trace_id):
        with self.lock:
            return [s for s in self.spans if s["traceId"] == trace_id]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def start_server(extra, data_dir=None):
    data_dir = data_dir or __import__("tempfile").mkdtemp(prefix="w3w-trace-")
    env = {} if MODE == "services" else {"W3W_EVENTS": "file:" + os.path.join(data_dir, "events.jsonl")}
    return Server(["--rate-limit", "off"] + list(extra), env=env, secret=secrets.token_hex(24), data_dir=data_dir)


def claimable_order(server):
    """A buyer's open order and a shopper with supply for it; returns (shopper, order id)."""
    cur = new_currency()
    service, buyer, shopper = User(server, ("service",)), User(server), User(server)
    deposit(service, buyer, cur, "100")
    assert shopper.post("/v1/supplies", {"currency": cur, "amount": "50"}).status_code == 201
    r = buyer.post("/v1/orders", {"currency": cur, "items": [item("5", 1)]})
    assert r.status_code == 201, r.text
    return shopper, r.json()["id"]


def wait_for(predicate, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    return predicate()


def claim_event_envelope(server, data_dir, claim_id):
    """The order.claimed envelope of `claim_id` from the sink, with its Kafka headers in services mode."""
    if MODE == "services":
        broker = os.environ["W3W_TEST_KAFKA_URL"].split("://", 1)[1].split("?")[0]
        p = subprocess.run(["kcat", "-C", "-b", broker, "-t", "claim-events", "-o", "beginning", "-e", "-q",
                            "-f", "%h\t%s\n"], capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stderr
        for line in p.stdout.splitlines():
            headers, _, value = line.partition("\t")
            env = json.loads(value)
            if env["payload"].get("claim_id") == claim_id:
                return env, dict(h.split("=", 1) for h in headers.split(",") if "=" in h)
        return None
    path = os.path.join(data_dir, "events.jsonl")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        for line in f:
            env = json.loads(line)
            if env["type"] == "order.claimed" and env["payload"].get("claim_id") == claim_id:
                return env, {}
    return None


def test_claim_span_tree_log_line_and_event():
    rx = Receiver()
    server = start_server(["--otlp-endpoint", rx.url])
    try:
        shopper, order_id = claimable_order(server)
        r = shopper.post(f"/v1/orders/{order_id}/claim", headers={"traceparent": TRACEPARENT})
        assert r.status_code == 201, r.text
        assert r.headers["X-Trace-Id"] == TRACE_ID
        claim_id = r.json()["id"]

        def tree():
            spans = rx.trace(TRACE_ID)
            names = {s["name"] for s in spans}
            want = {"POST /v1/orders/{id}/claim", "claim.create", "storage.write", "relay.publish"}
            return spans if want <= names else None
        spans = wait_for(tree)
        assert spans, f"spans of the trace: {[s['name'] for s in rx.trace(TRACE_ID)]}"
        by_name = {}
        for s in spans:
            by_name.setdefault(s["name"], []).append(s)
        http = by_name["POST /v1/orders/{id}/claim"]
        assert len(http) == 1 and http[0]["parentSpanId"] == CALLER_SPAN and http[0]["kind"] == 2
        assert {"key": "http.response.status_code", "value": {"intValue": "201"}} in http[0]["attributes"]
        command = by_name["claim.create"]
        assert len(command) == 1 and command[0]["parentSpanId"] == http[0]["spanId"] and command[0]["kind"] == 1
        storage = by_name["storage.write"]
        assert len(storage) == 1 and storage[0]["parentSpanId"] == command[0]["spanId"] and storage[0]["kind"] == 3
        caches = [s for s in spans if s["name"].startswith("cache.")]
        assert caches and all(s["parentSpanId"] == command[0]["spanId"] and s["kind"] == 3 for s in caches)
        relay = by_name["relay.publish"]
        assert len(relay) == 1 and relay[0]["parentSpanId"] == command[0]["spanId"] and relay[0]["kind"] == 4
        # Children nest in time inside their parents (nanosecond strings).
        t = lambda s, k: int(s[k + "TimeUnixNano"])
        for child in [command[0]]:
            assert t(http[0], "start") <= t(child, "start") <= t(child, "end") <= t(http[0], "end")
        for child in storage + caches:
            assert t(command[0], "start") <= t(child, "start") <= t(child, "end") <= t(command[0], "end")
        assert all(s["status"]["code"] == 1 for s in [http[0], command[0], storage[0], relay[0]])

        # The access log line of the claim carries the trace id, the user, and no token.
        line = wait_for(lambda: [e for e in server.logs if e.get("msg") == "request" and e.get("trace_id") == TRACE_ID])
        assert len(line) == 1 and line[0]["route"] == "/v1/orders/{id}/claim" and line[0]["status"] == 201
        assert line[0]["user_id"] == shopper.id and line[0]["span_id"] == http[0]["spanId"]
        assert isinstance(line[0]["duration_ms"], (int, float))

        # The event carries the traceparent (parent: the command span), in its payload and in Kafka's headers.
        found = wait_for(lambda: claim_event_envelope(server, server.data_dir, claim_id), timeout=60)
        assert found, "the order.claimed event is not in the sink"
        env, headers = found
        want = f"00-{TRACE_ID}-{command[0]['spanId']}-01"
        assert env["payload"]["traceparent"] == want
        if MODE == "services":
            assert headers.get("traceparent") == want, headers
        # Without a traceparent the request starts a trace of its own.
        r = shopper.get(f"/v1/orders/{order_id}")
        assert re.fullmatch(r"[0-9a-f]{32}", r.headers["X-Trace-Id"]) and r.headers["X-Trace-Id"] != TRACE_ID
    finally:
        assert server.stop() == 0
        rx.close()


def test_reads_have_command_and_storage_spans():
    """Every read command is a span under the HTTP request, with its storage or cache calls under it."""
    rx = Receiver()
    server = start_server(["--otlp-endpoint", rx.url])
    try:
        shopper, order_id = claimable_order(server)
        claim_id = shopper.post(f"/v1/orders/{order_id}/claim").json()["id"]
        r = shopper.post("/v1/supplies", {"currency": new_currency(), "amount": "7"})
        assert r.status_code == 201, r.text
        supply_id = r.json()["id"]
        reads = [("supply.get", f"/v1/supplies/{supply_id}"), ("supply.list", "/v1/supplies?limit=3"),
                 ("order.get", f"/v1/orders/{order_id}"), ("order.list", "/v1/orders?limit=3"),
                 ("claim.get", f"/v1/claims/{claim_id}"), ("claim.get_by_order", f"/v1/orders/{order_id}/claim")]
        storage_reads = set()
        for name, path in reads:
            trace_id = secrets.token_hex(16)
            r = shopper.get(path, headers={"traceparent": f"00-{trace_id}-{CALLER_SPAN}-01"})
            assert r.status_code == 200, (path, r.text)

            def command_and_children():
                spans = rx.trace(trace_id)
                command = [s for s in spans if s["name"] == name]
                children = [s for s in spans if command and s["parentSpanId"] == command[0]["spanId"]]
                http = [s for s in spans if s["parentSpanId"] == CALLER_SPAN]
                return (command, children, http) if command and children and http else None
            found = wait_for(command_and_children)
            assert found, f"{name}: spans {[s['name'] for s in rx.trace(trace_id)]}"
            command, children, http = found
            assert len(command) == 1 and command[0]["kind"] == 1 and command[0]["status"]["code"] == 1, command
            assert command[0]["parentSpanId"] == http[0]["spanId"], name
            assert all(c["kind"] == 3 and (c["name"] == "storage.read" or c["name"].startswith("cache.")) for c in children), children
            t = lambda s, k: int(s[k + "TimeUnixNano"])
            for c in children:
                assert t(command[0], "start") <= t(c, "start") <= t(c, "end") <= t(command[0], "end"), (name, c)
            storage_reads |= {name for c in children if c["name"] == "storage.read"}
        # A new supply is in no cache, and only default first pages are cached: both are read from storage.
        assert {"supply.get", "order.list"} <= storage_reads, storage_reads
        outbox_drained(server)
    finally:
        assert server.stop() == 0
        rx.close()


def outbox_drained(server):
    """Wait until the outbox has nothing pending: a server stopped mid-batch would leave its lease to the next."""
    def pending():
        m = re.search(r"^w3w_outbox_pending (\d+)", requests.get(server.url + "/metrics", timeout=10).text, re.M)
        return m and int(m.group(1)) == 0
    assert wait_for(pending, timeout=60), "the outbox did not drain"


def audit_records_of(admin, target_id):
    """The audit records about `target_id`, read through GET /v1/audit/records from near the chain's end."""
    r = admin.get("/v1/audit/verify")
    assert r.status_code == 200 and r.json()["ok"], r.text
    after, found = max(0, r.json()["records"] - 200), []
    while True:
        r = admin.get(f"/v1/audit/records?after={after}&limit=100")
        assert r.status_code == 200, r.text
        page = r.json()
        found += [rec for rec in page["items"] if rec["target_id"] == target_id]
        if not page["items"]:
            return found
        assert page["next_after"] == page["items"][-1]["chain_pos"] > after
        after = page["next_after"]


def test_audit_records_carry_the_trace():
    """A traced claim's audit record, and a traced refusal's, name their trace; the chain still verifies."""
    server = start_server([])
    try:
        shopper, order_id = claimable_order(server)
        admin, auditor, rival = User(server, ("admin",)), User(server, ("auditor",)), User(server)
        r = shopper.post(f"/v1/orders/{order_id}/claim", headers={"traceparent": TRACEPARENT})
        assert r.status_code == 201, r.text
        refused_trace = secrets.token_hex(16)
        r = rival.post(f"/v1/orders/{order_id}/claim", headers={"traceparent": f"00-{refused_trace}-{CALLER_SPAN}-01"})
        assert r.status_code == 409, r.text

        records = {rec["actor_id"]: rec for rec in audit_records_of(auditor, order_id) if rec["action"] == "claim.create"}
        won, lost = records[shopper.id], records[rival.id]
        assert won["outcome"] == "ok" and won["trace_id"] == TRACE_ID, won
        assert lost["outcome"] != "ok" and lost["trace_id"] == refused_trace, lost
        assert re.fullmatch(r"[0-9a-f]{64}", won["hash"]) and won["chain_pos"] >= 1
        # Every record has a trace: a request without traceparent runs in one of its own.
        order_records = audit_records_of(admin, order_id)
        assert all(re.fullmatch(r"[0-9a-f]{32}", rec["trace_id"]) for rec in order_records), order_records
        assert admin.get("/v1/audit/verify").json()["ok"]

        # Only auditors and admins read it, and bad paging is refused.
        assert shopper.get("/v1/audit/records").status_code == 403
        for bad in ("after=-1", "after=x", "limit=0", "limit=501", "cursor=abc"):
            assert auditor.get(f"/v1/audit/records?{bad}").status_code == 400, bad
        outbox_drained(server)
    finally:
        assert server.stop() == 0


def test_spans_are_flushed_on_shutdown():
    rx = Receiver()
    server = start_server(["--otlp-endpoint", rx.url, "--log-level", "debug"])
    try:
        shopper, order_id = claimable_order(server)
        trace_id = secrets.token_hex(16)
        r = shopper.post(f"/v1/orders/{order_id}/claim", headers={"traceparent": f"00-{trace_id}-{CALLER_SPAN}-01"})
        assert r.status_code == 201, r.text
        # The debug line of the relay's publish span: it ended and is queued (the exporter posts every 200 ms).
        assert wait_for(lambda: any(e.get("msg") == "span" and e["trace_id"] == trace_id and e["name"] == "relay.publish"
                                    for e in server.logs))
    finally:
        assert server.stop() == 0  # at once: the last spans are still queued
    try:
        names = {s["name"] for s in rx.trace(trace_id)}
        assert {"POST /v1/orders/{id}/claim", "claim.create", "storage.write", "relay.publish"} <= names, names
    finally:
        rx.close()


def test_malformed_traceparent_starts_a_new_trace():
    rx = Receiver(ipv6=True)  # and the endpoint may be an IPv6 address
    server = start_server(["--otlp-endpoint", rx.url])
    try:
        user = User(server)
        bad = ["01-" + TRACE_ID, f"00-{TRACE_ID.upper()}-{CALLER_SPAN}-01", f"00-{'0' * 32}-{CALLER_SPAN}-01",
               f"00-{TRACE_ID}-{'0' * 16}-01", f"ff-{TRACE_ID}-{CALLER_SPAN}-01", f"00-{TRACE_ID}-{CALLER_SPAN}-01-x"]
        for header in bad:
            r = user.get("/v1/accounts", headers={"traceparent": header})
            assert r.status_code == 200 and r.headers["X-Trace-Id"] != TRACE_ID, header
        # A later version may append fields: its ids are kept.
        r = user.get("/v1/accounts", headers={"traceparent": f"01-{TRACE_ID}-{CALLER_SPAN}-01-future"})
        assert r.headers["X-Trace-Id"] == TRACE_ID
        # Not sampled (flags 00): the trace id is kept, but no span is exported; a sampled one after it is.
        unsampled, sampled = secrets.token_hex(16), secrets.token_hex(16)
        r = user.get("/v1/accounts", headers={"traceparent": f"00-{unsampled}-{CALLER_SPAN}-00"})
        assert r.headers["X-Trace-Id"] == unsampled
        user.get("/v1/accounts", headers={"traceparent": f"00-{sampled}-{CALLER_SPAN}-01"})
        assert wait_for(lambda: rx.trace(sampled)) and rx.trace(unsampled) == []
    finally:
        assert server.stop() == 0
        rx.close()


def test_collector_down_or_hanging_never_slows_commands():
    # A listener that accepts and never answers: each export waits for its timeout.
    hang = socket.socket()
    hang.bind(("127.0.0.1", 0))
    hang.listen(64)
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()  # nothing listens there: connections are refused
    try:
        for endpoint in (f"http://127.0.0.1:{hang.getsockname()[1]}", f"http://127.0.0.1:{closed_port}/v1/traces"):
            server = start_server(["--otlp-endpoint", endpoint, "--otlp-queue", "16"])
            try:
                slowest = 0.0
                for _ in range(8):
                    shopper, order_id = claimable_order(server)
                    t0 = time.monotonic()
                    r = shopper.post(f"/v1/orders/{order_id}/claim", headers={"traceparent": TRACEPARENT})
                    slowest = max(slowest, time.monotonic() - t0)
                    assert r.status_code == 201, r.text
                assert slowest < 0.5, f"{endpoint}: a claim took {slowest:.3f} s"

                def dropped():
                    text = requests.get(server.url + "/metrics", timeout=10).text
                    m = re.search(r'^w3w_otlp_spans_total\{outcome="dropped"\} (\d+)', text, re.M)
                    return int(m.group(1)) if m and int(m.group(1)) > 0 else 0
                assert wait_for(dropped, timeout=30) > 0, endpoint
                t0 = time.monotonic()
                assert server.stop() == 0
                # Shutdown flushes for a bounded time, whatever the collector does.
                assert time.monotonic() - t0 < 20
            finally:
                server.kill()
    finally:
        hang.close()


def test_log_level_and_no_secrets_in_logs():
    server = start_server(["--log-level", "debug"])
    try:
        shopper, order_id = claimable_order(server)
        assert shopper.post(f"/v1/orders/{order_id}/claim", headers={"traceparent": TRACEPARENT}).status_code == 201
        # Every line is one JSON object with the documented base fields.
        # The command's span ends after its storage span: its line may come a moment later.
        def span_names():
            return {e["name"] for e in server.logs if e.get("msg") == "span" and e.get("trace_id") == TRACE_ID}
        assert wait_for(lambda: {"claim.create", "storage.write"} <= span_names()), span_names()
        for line in server.raw_stderr:
            e = json.loads(line)
            assert {"time", "level", "msg"} <= set(e) and e["level"] in ("debug", "info", "warn", "error"), e
    finally:
        assert server.stop() == 0
    text = "".join(server.raw_stderr + server.stdout_lines)
    assert shopper.token not in text and shopper.token.split(".")[2] not in text and server.secret not in text

    quiet = start_server(["--log-level", "warn"])
    try:
        user = User(quiet)
        assert user.get("/v1/accounts").status_code == 200
        assert user.get("/v1/nothing-here").status_code == 404
    finally:
        assert quiet.stop() == 0
    assert not any(e.get("msg") == "request" for e in quiet.logs)
    assert {"ready", "draining", "stopped"} <= {e.get("msg") for e in quiet.logs}

    # A password in a storage URL never reaches the log, even when opening fails.
    password = "pw-" + uuid.uuid4().hex
    data_dir = __import__("tempfile").mkdtemp(prefix="w3w-trace-")
    p = subprocess.run([os.environ["W3W_SERVER_BIN"], "serve", "--data-dir", data_dir, "--listen", "127.0.0.1:0",
                        "--log-level", "debug", "--storage", f"postgres://w3w:{password}@127.0.0.1:1/w3w"],
                       capture_output=True, text=True, timeout=60,
                       env={**os.environ, "W3W_MASTER_KEY": secrets.token_hex(32), "W3W_JWT_SECRET": secrets.token_hex(24)})
    assert p.returncode != 0 and "postgres" in p.stderr, p.stderr
    assert password not in p.stderr + p.stdout


def test_bad_log_level_and_endpoint_are_refused():
    for args, needle in ((["--log-level", "verbose"], "--log-level"), (["--otlp-endpoint", "https://x:1"], "--otlp-endpoint"),
                         (["--otlp-endpoint", "http://nohost"], "--otlp-endpoint"), (["--otlp-queue", "0"], "--otlp-queue")):
        p = subprocess.run([os.environ["W3W_SERVER_BIN"], "serve", "--listen", "127.0.0.1:0"] + args,
                           capture_output=True, text=True, timeout=60)
        assert p.returncode != 0 and needle in p.stderr, (args, p.stderr)

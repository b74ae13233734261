"""Process lifecycle: SIGTERM drains, idle clients time out, TLS 1.3, the metrics listener, make run's walkthrough."""
import json
import os
import re
import socket
import ssl
import subprocess
import tempfile
import time
import uuid

import requests

from helpers import MODE, RawClient, Server, User, assert_error


def connect(server):
    host, port = server.listen.rsplit(":", 1)
    return socket.create_connection((host, int(port)), timeout=10)


def read_response(sock, timeout=10):
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    m = re.search(rb"content-length: *(\d+)", head, re.I)
    length = int(m.group(1)) if m else 0
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return head, rest


def test_sigterm_drains_in_flight_requests(secret):
    events = os.path.join(tempfile.mkdtemp(), "events.jsonl")
    env = {} if MODE == "services" else {"W3W_EVENTS": "file:" + events}
    s = Server(secret=secret, env=env)
    u = User(s)
    cur = "DRAIN"
    body = json.dumps({"currency": cur, "amount": "1"}).encode()

    slow = connect(s)  # a request whose body is still arriving when SIGTERM comes
    slow.sendall(b"POST /v1/supplies HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + u.token.encode() +
                 b"\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body[:5])
    idle = connect(s)  # a keep-alive connection, already accepted
    idle.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
    assert read_response(idle)[0].startswith(b"HTTP/1.1 200")
    time.sleep(0.3)

    s.proc.send_signal(15)
    time.sleep(0.7)
    assert s.proc.poll() is None, "exited with a request in flight"
    assert any(e.get("msg") == "draining" for e in s.logs)

    idle.sendall(b"GET /readyz HTTP/1.1\r\nHost: t\r\n\r\n")
    head, rest = read_response(idle)
    assert head.startswith(b"HTTP/1.1 503"), head
    assert b"connection: close" in head.lower()
    assert json.loads(rest)["error"]["code"] == "unavailable"

    # New connections are not served any more.
    try:
        late = connect(s)
        late.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        late.settimeout(1.0)
        try:
            got = late.recv(100)
        except socket.timeout:
            got = b""
        assert not got.startswith(b"HTTP/1.1 200"), got
    except OSError:
        pass

    slow.sendall(body[5:])
    head, rest = read_response(slow)
    assert head.startswith(b"HTTP/1.1 201"), head + rest
    assert s.proc.wait(30) == 0
    assert s.logs[-1]["msg"] == "stopped"
    if MODE != "services":
        # Closing the context drained the relay: the supply's event reached the sink before exit.
        with open(events) as f:
            types = [json.loads(line)["type"] for line in f if line.strip()]
        assert "supply.created" in types, types


def test_idle_and_slow_clients_time_out(secret):
    s = Server(["--idle-timeout", "2"], secret=secret)
    try:
        idle, slow = connect(s), connect(s)
        slow.sendall(b"GET /healthz HTTP/1.1\r\nHo")  # headers that never finish
        t0 = time.time()
        for sock in (idle, slow):
            sock.settimeout(10)
            try:
                got = sock.recv(100)
            except ConnectionResetError:
                got = b""
            assert got == b"" or got.startswith(b"HTTP/1.1 408"), got
        elapsed = time.time() - t0
        assert 1.5 < elapsed < 8, elapsed
        # The server is still fine for others.
        assert requests.get(s.url + "/healthz").status_code == 200
    finally:
        assert s.stop() == 0


def make_cert(directory):
    key, cert = os.path.join(directory, "key.pem"), os.path.join(directory, "cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


def test_tls13(secret):
    cert, key = make_cert(tempfile.mkdtemp())
    s = Server(["--tls-cert", cert, "--tls-key", key], secret=secret)
    try:
        assert s.url.startswith("https://")
        host, port = s.listen.rsplit(":", 1)
        ctx = ssl.create_default_context(cafile=cert)
        ctx.check_hostname = False
        with socket.create_connection((host, int(port))) as raw, ctx.wrap_socket(raw) as tls:
            assert tls.version() == "TLSv1.3"
            tls.sendall(b"GET /v1/accounts HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " +
                        s.token().encode() + b"\r\n\r\n")
            head, _ = read_response(tls)
            assert head.startswith(b"HTTP/1.1 200"), head
        old = ssl.create_default_context(cafile=cert)
        old.check_hostname = False
        old.maximum_version = ssl.TLSVersion.TLSv1_2
        with socket.create_connection((host, int(port))) as raw:
            try:
                old.wrap_socket(raw)
                raise AssertionError("TLS 1.2 was accepted")
            except (ssl.SSLError, ConnectionResetError):
                pass
    finally:
        assert s.stop() == 0


def test_metrics_listener(secret):
    s = Server(["--metrics-listen", "127.0.0.1:0"], secret=secret)
    try:
        assert s.metrics_url
        r = requests.get(s.metrics_url + "/metrics")
        assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/plain")
        assert "w3w_outbox_pending" in r.text
        assert requests.get(s.metrics_url + "/readyz").status_code == 200
        assert_error(requests.get(s.url + "/metrics"), 404, "not_found")
        assert_error(requests.get(s.metrics_url + "/v1/accounts"), 404, "not_found")
    finally:
        assert s.stop() == 0


def test_walkthrough_runs(secret):
    """What `make run` prints is a working script: the story ends with balances 75 and 25."""
    s = Server(["--walkthrough"])
    try:
        deadline = time.time() + 10
        while time.time() < deadline and not any("# --- end ---" in line for line in s.stdout_lines):
            time.sleep(0.1)
        text = "".join(s.stdout_lines)
        script = text[text.index("# --- walkthrough ---"):text.index("# --- end ---")]
        out = subprocess.run(["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        lines = out.stdout.strip().splitlines()
        assert json.loads(lines[-2]) == [{"currency": "USDC", "balance": "75", "held": "0", "available": "75"}], lines
        assert json.loads(lines[-1]) == [{"currency": "USDC", "balance": "25", "held": "0", "available": "25"}], lines
        assert json.loads(lines[-3])["status"] == "processed"
    finally:
        assert s.stop() == 0


def test_bad_configuration_is_refused():
    from helpers import SERVER_BIN
    env = {"PATH": "/usr/bin:/bin"}
    d = tempfile.mkdtemp()
    for args, extra, needle in [
        (["--listen", "nonsense"], {}, "listen"),
        (["--rate-limit", "fast"], {}, "rate-limit"),
        (["--threads", "0"], {}, "threads"),
        (["--bogus"], {}, "unknown option"),
        ([], {"W3W_JWT_SECRET": "short"}, "W3W_JWT_SECRET"),
        ([], {"W3W_MASTER_KEY": "xyz"}, "W3W_MASTER_KEY"),
        ([], {"W3W_JWT_SECRET": "s" * 40, "W3W_JWT_ED25519_PUBLIC_KEY": "00" * 32}, "not both"),
        ([], {"W3W_STORAGE": "nosuch://x"}, "cannot open"),
        (["--tls-cert", "/nonexistent"], {}, "tls"),
        (["--signer", "tcp://127.0.0.1:1"], {}, "--signer: expected unix:/"),
        (["--signer", "unix:/run/w3wallet-signer.sock"], {}, "needs W3W_SIGNER_KEY"),
        (["--signer", "unix:/run/w3wallet-signer.sock"], {"W3W_SIGNER_KEY": "xyz"}, "W3W_SIGNER_KEY: expected 64 hex"),
    ]:
        r = subprocess.run([SERVER_BIN, "serve", "--data-dir", d, "--listen", "127.0.0.1:0"] + args,
                           env={**env, **extra}, capture_output=True, text=True, timeout=30)
        assert r.returncode != 0 and needle in r.stderr, (args, extra, r.stderr)


def test_an_unreadable_certificate_is_refused_before_anything_is_made():
    from helpers import SERVER_BIN
    data_dir = os.path.join(tempfile.mkdtemp(), "new")
    r = subprocess.run([SERVER_BIN, "serve", "--data-dir", data_dir, "--listen", "127.0.0.1:0",
                        "--tls-cert", "/nonexistent.pem", "--tls-key", "/nonexistent.key"],
                       env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True, timeout=30)
    assert r.returncode != 0 and "--tls-cert: cannot read /nonexistent.pem" in r.stderr, r.stderr
    assert not os.path.exists(data_dir)


def test_a_seed_under_another_master_key_is_refused_at_start(secret):
    """Every wallet call would fail later: the start is refused, naming key ids and never a key."""
    from helpers import SERVER_BIN, backend_env
    server = Server(secret=secret)
    try:
        assert User(server).post("/v1/wallets", {"chain": "evm"}).status_code == 201  # the seed exists now
    finally:
        assert server.stop() == 0
    other = "5e" * 32
    r = subprocess.run([SERVER_BIN, "serve", "--data-dir", server.data_dir, "--listen", "127.0.0.1:0"],
                       env={"PATH": "/usr/bin:/bin", **backend_env(), "W3W_JWT_SECRET": secret, "W3W_MASTER_KEY": other},
                       capture_output=True, text=True, timeout=60)
    assert r.returncode != 0 and "sealed under master key" in r.stderr and "rotate" in r.stderr, r.stderr
    assert other not in r.stderr + r.stdout

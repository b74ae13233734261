"""Starting w3wallet-server, making tokens, calling the API: shared by the tests."""
import base64
import hashlib
import hmac
import json
import os
import signal
import sqlite3
import subprocess
import tempfile
import threading
import time
import uuid

import requests

SERVER_BIN = os.environ.get("W3W_SERVER_BIN", "")
MODE = os.environ.get("W3W_SERVER_MODE", "embedded")
# One master key for every server of the session: on shared storage the wallet seed is sealed under it.
MASTER_KEY = os.environ.get("W3W_SERVER_TEST_MASTER_KEY") or __import__("secrets").token_hex(32)


def backend_env():
    """The storage/cache/events URLs of the run: embedded default, or the real services."""
    if MODE != "services":
        return {}
    missing = [v for v in ("W3W_TEST_PG_URL", "W3W_TEST_REDIS_URL", "W3W_TEST_KAFKA_URL") if not os.environ.get(v)]
    if missing:
        raise RuntimeError("services mode needs " + ", ".join(missing))
    return {
        # run.sh gives this suite a schema of its own (search_path) inside the test database.
        "W3W_STORAGE": os.environ.get("W3W_SERVER_PG_URL") or os.environ["W3W_TEST_PG_URL"],
        "W3W_CACHE": os.environ["W3W_TEST_REDIS_URL"],
        "W3W_EVENTS": os.environ["W3W_TEST_KAFKA_URL"],
    }


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_token(secret, sub, roles=("user",), ttl=3600, alg="HS256", header=None, claims=None, signing_key=None,
               now=None):
    """A JWT. `secret` is the HS256 key (str/bytes); `signing_key` a nacl SigningKey for EdDSA."""
    now = int(time.time()) if now is None else now
    hdr = {"alg": alg, "typ": "JWT"}
    if header is not None:
        hdr = header
    body = {"sub": sub, "roles": list(roles), "iat": now, "exp": now + ttl}
    if claims:
        body.update(claims)
        body = {k: v for k, v in body.items() if v is not None}
    signing_input = b64url(json.dumps(hdr, separators=(",", ":")).encode()) + "." + \
        b64url(json.dumps(body, separators=(",", ":")).encode())
    if alg == "none":
        return signing_input + "."
    if alg == "EdDSA":
        sig = signing_key.sign(signing_input.encode()).signature
    elif alg == "HS256":
        key = secret.encode() if isinstance(secret, str) else secret
        sig = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    elif alg == "HS384":
        key = secret.encode() if isinstance(secret, str) else secret
        sig = hmac.new(key, signing_input.encode(), hashlib.sha384).digest()
    else:
        raise ValueError(alg)
    return signing_input + "." + b64url(sig)


class Server:
    """One w3wallet-server process on a free port, with its log lines collected."""

    def __init__(self, args=(), env=None, secret=None, data_dir=None, command="serve", ready_timeout=60):
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="w3w-server-test-")
        self.secret = secret
        full_env = dict(os.environ)
        for k in list(full_env):
            if k.startswith("W3W_") and not k.startswith("W3W_TEST_"):
                del full_env[k]
        full_env.update(backend_env())
        full_env["W3W_MASTER_KEY"] = MASTER_KEY
        if secret is not None:
            full_env["W3W_JWT_SECRET"] = secret
        full_env.update(env or {})
        self.env = full_env
        argv = [SERVER_BIN, command, "--data-dir", self.data_dir]
        if not any(a.startswith("--listen") for a in args):
            argv += ["--listen", "127.0.0.1:0"]
        argv += list(args)
        self.proc = subprocess.Popen(argv, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.logs, self.raw_stderr, self.stdout_lines = [], [], []
        self.ready = threading.Event()
        self.listen = None
        self.metrics_listen = None
        threading.Thread(target=self._read_stderr, daemon=True).start()
        threading.Thread(target=self._read_stdout, daemon=True).start()
        if not self.ready.wait(ready_timeout):
            self.kill()
            raise RuntimeError("server did not become ready:\n" + "".join(self.raw_stderr[-40:]))
        scheme = "https" if any(a.startswith("--tls-cert") for a in args) else "http"
        self.url = f"{scheme}://{self.listen}"
        self.metrics_url = f"http://{self.metrics_listen}" if self.metrics_listen else None

    def _read_stderr(self):
        for line in self.proc.stderr:
            self.raw_stderr.append(line)
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            self.logs.append(entry)
            if entry.get("msg") == "ready":
                self.listen = entry["listen"]
                self.metrics_listen = entry.get("metrics_listen")
                self.ready.set()
        self.ready.set()

    def _read_stdout(self):
        for line in self.proc.stdout:
            self.stdout_lines.append(line)

    def wait_log(self, msg, timeout=10):
        """The first log entry with this msg, waiting for the stderr reader (it runs behind the responses)."""
        deadline = time.monotonic() + timeout
        while True:
            found = [e for e in list(self.logs) if e.get("msg") == msg]
            if found or time.monotonic() > deadline:
                return found[0] if found else None
            time.sleep(0.02)

    def token(self, sub=None, roles=("user",), **kw):
        return make_token(self.secret, sub or str(uuid.uuid4()), roles, **kw)

    def stop(self, timeout=30):
        """SIGTERM, then wait; returns the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class User:
    """A caller: an id, roles and a token, with a keep-alive session."""

    def __init__(self, server, roles=("user",), user_id=None):
        self.server = server
        self.id = user_id or str(uuid.uuid4())
        self.roles = roles
        self.token = server.token(self.id, roles)
        self.session = requests.Session()
        self.session.headers["Authorization"] = "Bearer " + self.token
        if server.url.startswith("https"):
            self.session.verify = False

    def call(self, method, path, json_body=None, headers=None, data=None, params=None):
        h = dict(headers or {})
        if json_body is not None:
            data = json.dumps(json_body)
            h.setdefault("Content-Type", "application/json")
        return self.session.request(method, self.server.url + path, data=data, headers=h, params=params, timeout=60)

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.call("POST", path, json_body=body, **kw)

    def patch(self, path, body=None, **kw):
        return self.call("PATCH", path, json_body=body, **kw)

    def delete(self, path, **kw):
        return self.call("DELETE", path, **kw)

    def balance(self, currency):
        r = self.get("/v1/accounts")
        assert r.status_code == 200, r.text
        for a in r.json():
            if a["currency"] == currency:
                return a
        return {"currency": currency, "balance": "0", "held": "0", "available": "0"}


def new_currency():
    """A currency code of its own per test, so sums are not disturbed by other tests on shared storage."""
    return "T" + uuid.uuid4().hex[:9].upper()


def deposit(service, user, currency, amount, reference=None):
    r = service.post("/v1/deposits", {"user_id": user.id, "currency": currency, "amount": amount,
                                      "reference": reference or "test-" + str(uuid.uuid4())})
    assert r.status_code == 201, r.text
    return r.json()


def item(price="12.5", quantity=2, name="Hardware wallet"):
    return {"product_id": str(uuid.uuid4()), "product_name": name, "price": price, "quantity": quantity}


def assert_error(r, status, code, field=None):
    assert r.status_code == status, f"{r.status_code} {r.text}"
    body = r.json()
    assert set(body) == {"error"}, body
    assert body["error"]["code"] == code, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if field is not None:
        assert body["error"]["message"].startswith(field), body["error"]["message"]
    return body["error"]["message"]


class RawClient:
    """A minimal keep-alive HTTP/1.1 client on one socket: cheap enough for 100k requests from Python."""

    def __init__(self, server, token):
        import socket
        host, port = server.listen.rsplit(":", 1)
        self.addr = (host.strip("[]"), int(port))
        self.auth = b"Authorization: Bearer " + token.encode() + b"\r\n"
        self.sock = None
        self.buf = b""
        self._socket = socket

    def _connect(self):
        self.sock = self._socket.create_connection(self.addr, timeout=60)
        self.sock.setsockopt(self._socket.IPPROTO_TCP, self._socket.TCP_NODELAY, 1)
        self.buf = b""

    def request(self, method, path, body=b""):
        for attempt in range(2):
            if self.sock is None:
                self._connect()
            try:
                self.sock.sendall(b"%s %s HTTP/1.1\r\nHost: t\r\n%sContent-Length: %d\r\n%s\r\n%s" % (
                    method.encode(), path.encode(), self.auth, len(body),
                    b"Content-Type: application/json\r\n" if body else b"", body))
                return self._read()
            except (ConnectionError, OSError):
                self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def _read(self):
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ")[1])
        length, close = 0, False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        while len(self.buf) < length:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk
        body, self.buf = self.buf[:length], self.buf[length:]
        if close:
            self.close()
        return status, body

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None


class Books:
    """Hand-made changes to the server's storage: its SQLite file, or its PostgreSQL schema (psql)."""

    def __init__(self, server):
        self.server = server
        if MODE != "services":
            self.db = sqlite3.connect(os.path.join(server.data_dir, "w3wallet.db"), timeout=30, isolation_level=None)

    def run(self, sql, *params):
        """One statement; returns the rows (as text on PostgreSQL). Parameters are quoted literals."""
        if MODE != "services":
            return self.db.execute(sql.replace("%s", "?"), params).fetchall()
        literal = tuple("'" + str(p).replace("'", "''") + "'" for p in params)
        out = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql % literal,
                              self.server.env["W3W_STORAGE"]], capture_output=True, text=True, timeout=60, check=True)
        return [tuple(line.split("|")) for line in out.stdout.splitlines() if line]

    def close(self):
        if MODE != "services":
            self.db.close()


def seed_withdrawal(server, user_id, status="broadcast"):
    """An on-chain withdrawal row as the wallet module writes one (the server has no chain to make it): its id.

    On a chain no test serves: on shared storage a watcher of evm:31337 (test_chain) would try to follow it."""
    wid, books = str(uuid.uuid4()), Books(server)
    # A sender of its own: a nonce carries one withdrawal of a sender (uq_withdrawals_nonce).
    to, sender, tx = "0x" + "ab" * 20, "0x" + uuid.uuid4().hex + "cdcdcdcd", "0x" + "ef" * 32
    try:
        if MODE != "services":
            now = int(time.time() * 1e6)
            books.run("INSERT INTO withdrawals (id, user_id, chain, currency, amount, to_address, from_address, nonce,"
                      " tx_hash, status, created_at, updated_at) VALUES (%s, %s, 'evm:4242424', 'USDC', 150000000, %s,"
                      " %s, 7, %s, %s, %s, %s)", wid, user_id, to, sender, tx, status, now, now)
        else:
            books.run("INSERT INTO withdrawals (id, user_id, chain, currency, amount, to_address, from_address, nonce,"
                      " tx_hash, status, created_at, updated_at) VALUES (%s, %s, 'evm:4242424', 'USDC', 1.5, %s, %s, 7,"
                      " %s, %s, now(), now())", wid, user_id, to, sender, tx, status)
    finally:
        books.close()
    return wid

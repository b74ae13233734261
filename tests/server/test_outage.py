"""Outages on real PostgreSQL streaming replication: 503 never 500, no backend details, read-only hosts.

Each test makes its own primary and standby (scripts/services/pg-replicas.sh) in a temporary
directory, because it stops the primary and promotes the standby.
"""
import os
import re
import random
import shutil
import socket
import subprocess
import tempfile
import time
import uuid

import pytest
import requests

from helpers import Server, User, deposit, new_currency
from test_monitoring import gauge

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REPLICAS = os.path.join(ROOT, "scripts", "services", "pg-replicas.sh")


def free_port():
    """A port below 32768 that nothing listens on (the services' rule: no ephemeral ports)."""
    for _ in range(200):
        port = random.randint(20000, 32000)
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no free port")


class Pair:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="w3w-pg-pair-")
        self.primary_port, self.standby_port = free_port(), free_port()
        self.run("primary", str(self.primary_port))
        self.run("standby", "s1", str(self.standby_port))

    def run(self, *args):
        subprocess.run([REPLICAS, self.dir, *args], check=True, capture_output=True, text=True)

    def url(self, *ports, **params):
        hosts = ",".join(f"127.0.0.1:{p}" for p in ports)
        query = "&".join(f"{k}={v}" for k, v in params.items())
        return f"postgres://w3w:w3w@{hosts}/w3w" + ("?" + query if query else "")

    def wait_replayed(self):
        """The standby has replayed everything the primary wrote so far."""
        lsn = psql(self.primary_port, "SELECT pg_current_wal_lsn()")
        for _ in range(200):
            if psql(self.standby_port, f"SELECT pg_last_wal_replay_lsn() >= '{lsn}'") == "t":
                return
            time.sleep(0.05)
        raise AssertionError("standby did not catch up")

    def close(self):
        subprocess.run([REPLICAS, self.dir, "stop-all"], capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


def psql(port, sql):
    return subprocess.run(["psql", "-X", "-Atq", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", "w3w",
                           "-c", sql], check=True, capture_output=True, text=True).stdout.strip()


def start_redis(port, data_dir):
    p = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                          "--appendonly", "no", "--dir", data_dir], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    for _ in range(100):
        if subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True).stdout.strip() == "PONG":
            return p
        time.sleep(0.05)
    raise RuntimeError("redis did not start")


@pytest.fixture
def pair():
    p = Pair()
    yield p
    p.close()


def start(secret, storage):
    return Server(["--threads", "4"], secret=secret, env={"W3W_STORAGE": storage, "W3W_CACHE": "memory:",
                                                          "W3W_EVENTS": ""})


def assert_no_backend_details(pair, r):
    """Answers name the kind of failure only: no host, port, user or database."""
    text = r.text
    for needle in ("127.0.0.1", str(pair.primary_port), str(pair.standby_port), "user=", "dbname", "w3w:w3w",
                   "postgres", "read-only transaction", "SQLSTATE", "[25006]"):
        assert needle not in text, f"{needle!r} in {r.status_code} {text}"


def transfer(user, to, cur, amount="1", key=None):
    headers = {"Idempotency-Key": key} if key else None
    return user.post("/v1/transfers", {"to_user_id": to.id, "currency": cur, "amount": amount}, headers=headers)


def transfer_after_promotion(buyer, payee, cur, key):
    """The pool drops read-only sessions: within seconds a new one reaches the promoted server (503 until)."""
    deadline = time.time() + 30
    while True:
        r = transfer(buyer, payee, cur, key=key)
        if r.status_code == 201 or time.time() > deadline:
            break
        assert r.status_code == 503, r.text
        time.sleep(0.2)
    assert r.status_code == 201, r.text


def test_host_on_a_standby_starts_read_only_and_writes_after_promotion(secret, pair):
    cur = new_currency()
    on_primary = start(secret, pair.url(pair.primary_port))  # creates the schema
    try:
        buyer, payee = User(on_primary), User(on_primary)
        deposit(User(on_primary, ("service",)), buyer, cur, "10")
    finally:
        assert on_primary.stop() == 0
    pair.wait_replayed()
    pair.run("stop", "primary")

    host = start(secret, pair.url(pair.standby_port))  # refused at open before: CREATE TABLE on a standby
    try:
        buyer, payee = User(host, user_id=buyer.id), User(host, user_id=payee.id)
        r = requests.get(host.url + "/readyz", timeout=30)
        assert r.status_code == 503, r.text
        assert r.json()["error"]["code"] == "unavailable"
        assert "read-only" in r.json()["error"]["message"]
        assert_no_backend_details(pair, r)
        assert buyer.balance(cur)["balance"] == "10"  # reads are served by the standby
        text = requests.get(host.url + "/metrics", timeout=30).text  # what W3WStorageReadOnly watches
        assert gauge(text, "w3w_backend_up", 'backend="storage"') == 1 and gauge(text, "w3w_storage_writable") == 0

        r = transfer(buyer, payee, cur, key="after-promotion")
        assert r.status_code == 503, r.text
        assert r.json()["error"]["code"] == "unavailable"  # nothing applied: the standby refused it
        assert_no_backend_details(pair, r)
        assert host.wait_log("backend unavailable")  # the detail is in the log

        pair.run("promote", "s1")
        transfer_after_promotion(buyer, payee, cur, "after-promotion")
        assert requests.get(host.url + "/readyz", timeout=30).status_code == 200
        assert payee.balance(cur)["balance"] == "1"
        assert gauge(requests.get(host.url + "/metrics", timeout=30).text, "w3w_storage_writable") == 1
    finally:
        assert host.stop() == 0


def test_primary_lost_before_promotion_is_503_never_500(secret, pair):
    cur = new_currency()
    host = start(secret, pair.url(pair.primary_port, pair.standby_port))
    try:
        buyer, payee = User(host), User(host)
        deposit(User(host, ("service",)), buyer, cur, "10")
        assert transfer(buyer, payee, cur).status_code == 201
        pair.wait_replayed()
        pair.run("stop", "primary")

        statuses = set()
        for i in range(10):  # the pool moves to the standby: reads work, writes are refused
            r = transfer(buyer, payee, cur, key=f"lost-{i}")
            statuses.add(r.status_code)
            assert r.status_code == 503, r.text
            assert r.json()["error"]["code"] in ("unavailable", "outcome_unknown")
            assert_no_backend_details(pair, r)
        r = requests.get(host.url + "/readyz", timeout=30)
        assert r.status_code == 503 and "read-only" in r.json()["error"]["message"], r.text
        assert_no_backend_details(pair, r)
        assert buyer.balance(cur)["balance"] == "9"
        assert payee.balance(cur)["balance"] == "1"

        pair.run("promote", "s1")
        transfer_after_promotion(buyer, payee, cur, "lost-0")
        assert payee.balance(cur)["balance"] == "2"  # the refused attempts applied nothing
    finally:
        assert host.stop() == 0


def test_no_schema_on_a_standby_is_a_clear_error(secret, pair):
    """A standby of a database that was never migrated: the host refuses to start, naming the version."""
    pair.wait_replayed()
    s = subprocess.run([os.environ["W3W_SERVER_BIN"], "serve", "--data-dir", tempfile.mkdtemp(),
                        "--listen", "127.0.0.1:0"],
                       env={"PATH": "/usr/bin:/bin", "W3W_STORAGE": pair.url(pair.standby_port),
                            "W3W_JWT_SECRET": secret}, capture_output=True, text=True, timeout=60)
    assert s.returncode != 0
    assert "read-only" in s.stderr and re.search(r"creates schema version [1-9][0-9]*\b", s.stderr), s.stderr


def test_readyz_reports_cache_and_sink_without_failing(secret, tmp_path):
    """A cache or event sink that is down slows reads or delays events: reported, still ready."""
    port = free_port()
    redis = start_redis(port, str(tmp_path))
    # Its own outbox (a SQLite file): on the shared PostgreSQL, the suite's other server (whose sink
    # works) could take this host's event first, and this sink would never fail to publish it.
    host = Server(["--threads", "4"], secret=secret, env={"W3W_CACHE": f"redis://127.0.0.1:{port}/0",
                                                          "W3W_EVENTS": "kafka://127.0.0.1:1?lazy=1",
                                                          "W3W_STORAGE": f"sqlite:{tmp_path}/outage.db"})
    try:
        user = User(host)
        deposit(User(host, ("service",)), user, new_currency(), "1")  # an event the sink cannot take
        ready = requests.get(host.url + "/readyz", timeout=30).json()
        assert ready["cache"] == "ok"
        deadline = time.time() + 30
        while ready["events"] != "unavailable":
            assert time.time() < deadline, ready
            time.sleep(0.2)
            ready = requests.get(host.url + "/readyz", timeout=30).json()
        redis.kill()
        redis.wait()
        r = requests.get(host.url + "/readyz", timeout=30)
        assert r.status_code == 200, r.text
        assert r.json()["cache"] == "unavailable" and r.json()["storage"] == "ok"
        assert user.get("/v1/accounts").status_code == 200  # reads go on without the cache
        text = requests.get(host.url + "/metrics", timeout=30).text  # what W3WCacheDown, W3WEventSinkDown watch
        assert [gauge(text, "w3w_backend_up", f'backend="{b}"') for b in ("storage", "cache", "events")] == [1, 0, 0]
    finally:
        redis.kill()
        assert host.stop() == 0

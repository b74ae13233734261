"""Backups: continuous WAL archiving and point-in-time recovery with PostgreSQL's own tools.

A primary archives its WAL; a base backup is taken; the server works on; a moment T is noted between a
marker order before it and one after it; the backup is restored with the archive and recovered to T.
A server on the restored database sees the first marker and not the second, its audit chain verifies,
and its books balance (balances = deposits - withdrawals, held = escrow of open and claimed orders).
"""
import os
import shutil
import subprocess
import tempfile
import time
import uuid

import requests

from helpers import Server, User, deposit, item, new_currency
from test_outage import REPLICAS, free_port, psql


def run(d, *args):
    subprocess.run([REPLICAS, d, *args], check=True, capture_output=True, text=True,
                   env={**os.environ, "W3W_PG_ARCHIVE": "1"})


def sql(port, query):
    return psql(port, query)


def test_point_in_time_recovery(secret):
    d = tempfile.mkdtemp(prefix="w3w-pitr-")  # under /tmp: the postgres user must reach it
    primary, restored = free_port(), free_port()
    cur = new_currency()
    url = lambda port: f"postgres://w3w:w3w@127.0.0.1:{port}/w3w"
    run(d, "primary", str(primary))
    host = None
    try:
        host = Server(["--threads", "4"], secret=secret,
                      env={"W3W_STORAGE": url(primary), "W3W_CACHE": "none:", "W3W_EVENTS": ""})
        service, buyer, shopper = User(host, ("service",)), User(host), User(host)
        run(d, "backup", "nightly")  # the schema exists; everything after comes from the archive
        deposit(service, buyer, cur, "50")
        assert shopper.post("/v1/supplies", {"currency": cur, "amount": "100"}).status_code == 201
        for i in range(20):
            o = buyer.post("/v1/orders", {"currency": cur, "items": [item("1", 1)]}).json()
            if i % 3 == 0:
                assert shopper.post(f"/v1/orders/{o['id']}/claim").status_code == 201
        before = buyer.post("/v1/orders", {"currency": cur, "items": [item("2", 1)]}).json()["id"]
        time.sleep(1.1)
        target = sql(primary, "SELECT now()")
        time.sleep(1.1)
        after = buyer.post("/v1/orders", {"currency": cur, "items": [item("3", 1)]}).json()["id"]
        deposit(service, buyer, cur, "7")
        subprocess.run(["psql", "-X", "-q", "-h", "127.0.0.1", "-p", str(primary), "-U", "postgres", "-d", "w3w",
                        "-c", "SELECT pg_switch_wal()"], check=True, capture_output=True)
        time.sleep(1)  # the archiver copies the switched segment
        assert host.stop() == 0
        host = None

        run(d, "restore", "nightly", "restored", str(restored), target)
        host = Server(["--threads", "4"], secret=secret,
                      env={"W3W_STORAGE": url(restored), "W3W_CACHE": "none:", "W3W_EVENTS": ""})
        buyer = User(host, user_id=buyer.id)
        assert buyer.get(f"/v1/orders/{before}").status_code == 200
        assert buyer.get(f"/v1/orders/{after}").status_code == 404  # made after T: not restored
        r = requests.get(host.url + "/v1/audit/verify", timeout=60,
                         headers={"Authorization": "Bearer " + host.token(str(uuid.uuid4()), ("auditor",))})
        assert r.status_code == 200 and r.json()["ok"] is True, r.text
        balances = sql(restored, f"SELECT coalesce(sum(balance), 0) FROM accounts WHERE currency = '{cur}'")
        moved = sql(restored, "SELECT coalesce(sum(CASE kind WHEN 'deposit' THEN amount WHEN 'withdrawal'"
                              f" THEN -amount ELSE 0 END), 0) FROM transfers WHERE currency = '{cur}'")
        assert balances == moved == "50.00000000", (balances, moved)
        held = sql(restored, f"SELECT coalesce(sum(held), 0) FROM accounts WHERE currency = '{cur}'")
        escrow = sql(restored, "SELECT coalesce(sum(amount), 0) FROM orders"
                               f" WHERE currency = '{cur}' AND status IN ('open', 'claimed')")
        assert held == escrow, (held, escrow)
        # The restored database takes writes again (it was promoted at T).
        assert buyer.post("/v1/orders", {"currency": cur, "items": [item("1", 1)]}).status_code == 201
    finally:
        if host:
            host.kill()
        subprocess.run([REPLICAS, d, "stop-all"], capture_output=True)
        shutil.rmtree(d, ignore_errors=True)

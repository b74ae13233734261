"""Reads from a streaming replica over HTTP: W3W-Commit-Position on writes, W3W-Read-After on reads.

A primary and an asynchronous replica of the test's own (test_outage.Pair); replay is paused on the
replica to make it lag on purpose.
"""
import time

import requests

from helpers import Server, User, deposit, item, new_currency
from test_outage import Pair, psql

import pytest


@pytest.fixture
def pair():
    p = Pair()
    yield p
    p.close()


def replica_sql(pair, sql):
    return psql(pair.standby_port, sql)


def pause_replay(pair):
    """Pause the replica's replay and wait until it took effect (the request is asynchronous)."""
    replica_sql(pair, "SELECT pg_wal_replay_pause()")
    for _ in range(200):
        if replica_sql(pair, "SELECT pg_get_wal_replay_pause_state()") == "paused":
            return
        time.sleep(0.02)
    raise AssertionError("replay did not pause")


def test_read_your_writes_over_http(secret, pair):
    cur = new_currency()
    host = Server(["--threads", "4", "--read-storage", pair.url(pair.standby_port),
                   "--max-replica-lag-ms", "3600000"],  # lag never excludes the replica: positions decide
                  secret=secret, env={"W3W_STORAGE": pair.url(pair.primary_port), "W3W_CACHE": "none:",
                                      "W3W_EVENTS": ""})
    try:
        buyer = User(host)
        deposit(User(host, ("service",)), buyer, cur, "10")
        r = buyer.post("/v1/orders", {"currency": cur, "items": [item("1", 1)]})
        assert r.status_code == 201, r.text
        first, first_pos = r.json()["id"], r.headers["W3W-Commit-Position"]
        pair.wait_replayed()
        pause_replay(pair)
        r = buyer.post("/v1/orders", {"currency": cur, "items": [item("2", 1)]})
        assert r.status_code == 201, r.text
        second, second_pos = r.json()["id"], r.headers["W3W-Commit-Position"]
        assert second_pos != first_pos

        assert buyer.get(f"/v1/orders/{second}").status_code == 404  # the lagging replica answered
        r = buyer.get(f"/v1/orders/{second}", headers={"W3W-Read-After": second_pos})
        assert r.status_code == 200 and r.json()["id"] == second  # never older than that commit
        r = buyer.get(f"/v1/orders/{first}", headers={"W3W-Read-After": first_pos})
        assert r.status_code == 200
        assert buyer.get(f"/v1/orders/{second}", headers={"W3W-Read-After": first_pos}).status_code == 404
        r = buyer.get(f"/v1/orders/{second}", headers={"W3W-Read-After": "yesterday"})
        assert r.status_code == 400 and r.json()["error"]["code"] == "invalid"
        assert "W3W-Read-After" in r.json()["error"]["message"]
        assert "W3W-Commit-Position" not in buyer.get(f"/v1/orders/{first}").headers  # reads leave none

        ready = requests.get(host.url + "/readyz", timeout=30).json()
        assert ready["storage_role"] == "primary"
        assert ready["replica"]["reachable"] is True and ready["replica"]["lag_ms"] >= 0
        # The same state on /metrics, for the W3WReplicaLagHigh and W3WReplicaDown alerts.
        text = requests.get(host.url + "/metrics", timeout=30).text
        assert "\nw3w_replica_configured 1\n" in text and "\nw3w_replica_up 1\n" in text
        paused_lag = float(text.split("\nw3w_replica_lag_seconds ")[1].split()[0])
        assert paused_lag > 0, text

        replica_sql(pair, "SELECT pg_wal_replay_resume()")
        pair.wait_replayed()
        assert buyer.get(f"/v1/orders/{second}").status_code == 200
    finally:
        assert host.stop() == 0

"""The failover drill: two regions under load, region A lost entirely, the synchronous standby promoted.

Topology (all on loopback, made here): a PostgreSQL primary P in region A with a synchronous standby S
(the failover target) and an asynchronous read replica R; region A's host and its own Redis; region B's
host with its Redis; one Kafka broker. Both hosts reach the storage through one multi-host URL with
target_session_attrs=read-write, read from R, and follow every region's events for their cache.

The drill: load of every write kind through both regions; then P, region A's host and region A's Redis
are killed (SIGKILL); S is promoted; region B keeps going. Reported: RTO (seconds from the kill until a
write succeeds again through B) and RPO (acknowledged writes lost: must be 0 with a synchronous standby).
Then every promise is checked (workload.check_everything) and no read presenting W3W-Read-After saw an
older state.
"""
import os
import signal
import subprocess
import threading
import time
import uuid

import requests

from helpers import Server, make_token
from test_outage import Pair, free_port, start_redis
from workload import Load, check_everything, drain, run_load, settle_all

WORKERS = 6


def redis_db(url, n):
    base = url.split("://", 1)[1].split("/", 1)[0]
    return f"redis://{base}/{n}"


def test_region_a_lost_sync_standby_promoted(secret, tmp_path):
    cur = "F" + uuid.uuid4().hex[:9].upper()
    pair = Pair()  # P (primary) and s1
    replica_port = free_port()
    pair.run("standby", "r1", str(replica_port))       # the asynchronous read replica
    sync_port = pair.standby_port
    subprocess.run(["psql", "-X", "-q", "-h", "127.0.0.1", "-p", str(pair.primary_port), "-U", "postgres", "-d",
                    "postgres", "-c", "ALTER SYSTEM SET synchronous_standby_names = 's1'",
                    "-c", "SELECT pg_reload_conf()"], check=True, capture_output=True)
    redis_a_port = free_port()
    redis_a = start_redis(redis_a_port, str(tmp_path))
    kafka = os.environ["W3W_TEST_KAFKA_URL"]
    storage = pair.url(pair.primary_port, sync_port, target_session_attrs="read-write")
    common = ["--threads", "16", "--read-storage", pair.url(replica_port), "--cache-follow", kafka]
    hosts = {}

    def host(region, cache):
        return Server(common, secret=secret, data_dir=str(tmp_path / region),
                      env={"W3W_STORAGE": storage, "W3W_CACHE": cache, "W3W_EVENTS": kafka, "W3W_REGION": region})

    load = Load(secret, cur)
    stop = threading.Event()
    threads = []
    try:
        hosts["a"] = host("region-a", f"redis://127.0.0.1:{redis_a_port}/0")
        hosts["b"] = host("region-b", redis_db(os.environ["W3W_TEST_REDIS_URL"], 6))
        load.urls = [hosts["a"].url, hosts["b"].url]
        for b in load.buyers:
            load.run("deposit", "POST", "/v1/deposits", {"user_id": b, "currency": cur, "amount": "100",
                     "reference": "drill-seed-" + b}, load.service, ("service",))
        threads = run_load(load, WORKERS, 3600, stop)
        time.sleep(3)

        # Region A is lost: its primary, its host and its Redis, all at once.
        with load.lock:
            acked_before = sum(1 for o in load.ops.values() if o["status"] is not None and o["status"] < 300)
        t_kill = time.time()
        load.urls = [hosts["b"].url]
        hosts["a"].proc.send_signal(signal.SIGKILL)
        redis_a.send_signal(signal.SIGKILL)
        pg_pid = int(open(os.path.join(pair.dir, "primary", "data", "postmaster.pid")).readline())
        os.kill(pg_pid, signal.SIGKILL)
        pair.run("promote", "s1")
        t_promoted = time.time()

        # RTO: until a write succeeds through region B (by users outside the workload's books).
        outsider = str(uuid.uuid4())
        probe = {"Authorization": "Bearer " + make_token(secret, str(uuid.uuid4()), ("service",))}
        while True:
            r = requests.post(hosts["b"].url + "/v1/deposits", headers=probe, timeout=30, json={
                "user_id": outsider, "currency": cur, "amount": "5", "reference": "rto-" + str(uuid.uuid4())})
            if r.status_code == 201:
                break
            assert r.status_code == 503, r.text  # never 500
            assert time.time() - t_kill < 120, "region B never wrote again"
            time.sleep(0.05)
        rto = time.time() - t_kill
        time.sleep(3)  # region B goes on under load
        stop.set()
        for t in threads:
            t.join(60)
        settle_all(load)
        drain(load)

        # Read-your-writes after the failover: the newest order, read with its position through B.
        h = {"Authorization": "Bearer " + make_token(secret, outsider), "Content-Type": "application/json"}
        r = requests.post(hosts["b"].url + "/v1/orders", headers=h, timeout=30, data='{"currency":"%s","items":'
                          '[{"product_id":"%s","product_name":"x","price":"1","quantity":1}]}' % (cur, uuid.uuid4()))
        assert r.status_code == 201, r.text
        pos = r.headers["W3W-Commit-Position"]
        got = requests.get(hosts["b"].url + f"/v1/orders/{r.json()['id']}",
                           headers={**h, "W3W-Read-After": pos}, timeout=30)
        assert got.status_code == 200, got.text
        requests.delete(hosts["b"].url + f"/v1/orders/{r.json()['id']}", headers=h, timeout=30)

        # RPO: every acknowledged write is present (check_everything reads each record and the books).
        done, events = check_everything(load)
        print(f"failover drill: RTO {rto:.2f} s (promotion took {t_promoted - t_kill:.2f} s);"
              f" RPO 0 of {acked_before} writes acknowledged before the loss ({len(done)} committed in all,"
              f" {len(load.lost)} answers lost and settled by retry, {len(events)} events)")
    finally:
        stop.set()
        for h_ in hosts.values():
            h_.kill()
        redis_a.kill()
        pair.close()


def test_async_standby_promoted_what_it_risks(secret, tmp_path):
    """What promoting an asynchronous standby costs: measured, and its books still balance.

    The primary has no synchronous standby here; under load it is killed and its asynchronous standby
    promoted. Acknowledged writes it had not received are lost (the RPO an asynchronous standby risks);
    what it has is consistent: conservation and escrow hold in its data and its audit chain verifies.
    """
    cur = "A" + uuid.uuid4().hex[:9].upper()
    pair = Pair()  # P and s1, asynchronous (no synchronous_standby_names)
    load = Load(secret, cur)
    stop = threading.Event()
    host = None
    try:
        host = Server(["--threads", "16"], secret=secret, data_dir=str(tmp_path / "h"),
                      env={"W3W_STORAGE": pair.url(pair.primary_port), "W3W_CACHE": "none:", "W3W_EVENTS": ""})
        load.urls = [host.url]
        for b in load.buyers:
            load.run("deposit", "POST", "/v1/deposits", {"user_id": b, "currency": cur, "amount": "100",
                     "reference": "async-seed-" + b}, load.service, ("service",))
        threads = run_load(load, WORKERS, 3600, stop)
        time.sleep(3)
        pg_pid = int(open(os.path.join(pair.dir, "primary", "data", "postmaster.pid")).readline())
        os.kill(pg_pid, signal.SIGKILL)  # under load: the standby may not have the last commits
        stop.set()
        for t in threads:
            t.join(60)
        host.kill()
        pair.run("promote", "s1")
        host = Server(["--threads", "4"], secret=secret, data_dir=str(tmp_path / "h"),
                      env={"W3W_STORAGE": pair.url(pair.standby_port), "W3W_CACHE": "none:", "W3W_EVENTS": ""})
        load.urls = [host.url]
        acked = [o for o in load.ops.values() if o["status"] is not None and o["status"] < 300 and o["kind"] == "order"]
        admin = {"Authorization": "Bearer " + make_token(secret, str(uuid.uuid4()), ("admin",))}
        lost = sum(1 for o in acked
                   if requests.get(host.url + f"/v1/orders/{o['json']['id']}", headers=admin, timeout=30).status_code == 404)
        port = pair.standby_port
        q = lambda sql: subprocess.run(["psql", "-X", "-Atq", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
                                        "-d", "w3w", "-c", sql], check=True, capture_output=True, text=True).stdout.strip()
        balances = q(f"SELECT coalesce(sum(balance), 0) FROM accounts WHERE currency = '{cur}'")
        moved = q("SELECT coalesce(sum(CASE kind WHEN 'deposit' THEN amount WHEN 'withdrawal' THEN -amount ELSE 0 END), 0)"
                  f" FROM transfers WHERE currency = '{cur}'")
        held = q(f"SELECT coalesce(sum(held), 0) FROM accounts WHERE currency = '{cur}'")
        escrow = q(f"SELECT coalesce(sum(amount), 0) FROM orders WHERE currency = '{cur}' AND status IN ('open', 'claimed')")
        assert balances == moved and held == escrow, (balances, moved, held, escrow)
        r = requests.get(host.url + "/v1/audit/verify", timeout=120,
                         headers={"Authorization": "Bearer " + make_token(secret, str(uuid.uuid4()), ("auditor",))})
        assert r.status_code == 200 and r.json()["ok"] is True, r.text
        print(f"async standby promoted: {lost} of {len(acked)} acknowledged order creations lost"
              " (what an asynchronous standby risks); its books balance and its audit chain verifies")
    finally:
        stop.set()
        if host:
            host.kill()
        pair.close()

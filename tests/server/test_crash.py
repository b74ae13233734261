"""Crash recovery, proven: kill -9 the server under a concurrent load of every write kind, restart it.

Requests whose answer a kill cut are settled by retrying with the same key (workload.py), then every
promise is checked against what committed. Embedded default: SQLite + file: sink. Services: PostgreSQL +
Redis + Kafka (read back with kcat).
"""
import os
import threading
import time
import uuid
from collections import Counter

from helpers import MODE, Server
from workload import Load, check_everything, drain, run_load, settle_all

WORKERS = 6
SEGMENT_S = 1.5   # load between kills
KILLS = 3


def test_kill_9_under_load_loses_nothing(secret, tmp_path):
    cur = "K" + uuid.uuid4().hex[:9].upper()
    data_dir = str(tmp_path)
    env = {} if MODE == "services" else {"W3W_EVENTS": "file:" + os.path.join(data_dir, "events.jsonl")}
    load = Load(secret, cur)

    def start():
        s = Server(["--threads", "16"], secret=secret, env=env, data_dir=data_dir)
        load.urls = [s.url]
        return s

    server = start()
    for b in load.buyers:  # funds for orders
        load.run("deposit", "POST", "/v1/deposits", {"user_id": b, "currency": cur, "amount": "100",
                 "reference": "crash-seed-" + b}, load.service, ("service",))
    stop = threading.Event()
    threads = run_load(load, WORKERS, 3600, stop)
    try:
        for kill in range(KILLS):
            time.sleep(SEGMENT_S * (0.5 + kill * 0.5))  # several moments: early, mid, late in a segment
            server.proc.kill()  # SIGKILL: no drain, no last relay round
            server.proc.wait()
            load.urls = []
            time.sleep(0.3)
            server = start()
        time.sleep(SEGMENT_S)
        stop.set()
        for t in threads:
            t.join(60)
        settle_all(load)
        kinds = Counter(o["kind"] for o in load.ops.values() if o["status"] < 300)
        assert kinds["order"] > 5 and kinds["claim"] > 0, kinds
        drain(load)
        done, events = check_everything(load, data_dir)
        print(f"crash test ({MODE}): {len(load.ops)} requests, {len(done)} committed {dict(kinds)},"
              f" {sum(1 for o in load.ops.values() if o['status'] >= 400)} refused, {KILLS} kills,"
              f" {len(load.lost)} answers lost and settled by retry, {len(events)} events")
        assert load.lost, "no request was cut by a kill: the test proved nothing"
    finally:
        stop.set()
        assert server.stop() == 0

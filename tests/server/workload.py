"""The workload of the crash and failover tests, and the checks of every promise after it.

Every request carries an Idempotency-Key. A request whose answer never came (a process died, or 503)
is sent again later with the same key until it gets a definitive answer (settle_all), so in the end the
set of commands that committed is known exactly, and check_everything() can hold the books against it.
"""
import json
import os
import random
import subprocess
import threading
import time
import uuid
from collections import Counter, defaultdict
from decimal import Decimal

import requests

from helpers import MODE, make_token

EVENT_OF = {  # what each kind of command emits when it commits
    "deposit": "wallet.deposited", "transfer": "wallet.transferred", "withdraw": "wallet.withdrawn",
    "supply": "supply.created", "supply_update": "supply.updated", "order": "order.created",
    "claim": "order.claimed", "process": "claim.processed", "release": "claim.released", "cancel": "order.cancelled",
}


class Load:
    """The workload and its ledger of answers: key -> (kind, request, final answer)."""

    def __init__(self, secret, cur):
        self.secret, self.cur = secret, cur
        self.lock = threading.Lock()
        self.ops = {}            # key -> dict(kind, method, path, body, sub, roles, status, json)
        self.pending = []        # keys without a definitive answer
        self.lost = set()        # keys whose answer was lost at least once
        self.orders, self.claims, self.supplies = [], [], []
        self.service = str(uuid.uuid4())
        self.buyers = [str(uuid.uuid4()) for _ in range(4)]
        self.shoppers = [str(uuid.uuid4()) for _ in range(4)]
        self.urls = []           # the hosts requests go to (a random live one each time)

    def token(self, sub, roles=("user",)):
        return make_token(self.secret, sub, roles)

    @property
    def url(self):
        return self.urls[0]

    def send(self, key):
        op = self.ops[key]
        if not self.urls:
            return None
        base = random.choice(self.urls)
        h = {"Authorization": "Bearer " + self.token(op["sub"], op["roles"]), "Idempotency-Key": key,
             "Content-Type": "application/json"}
        try:
            r = requests.request(op["method"], base + op["path"], headers=h, timeout=10,
                                 data=json.dumps(op["body"]) if op["body"] is not None else None)
        except requests.RequestException:
            return None
        if r.status_code >= 500:
            assert r.status_code == 503, f"{op['kind']}: {r.status_code} {r.text}"  # never 500
            return None
        return r

    def run(self, kind, method, path, body, sub, roles=("user",)):
        key = str(uuid.uuid4())
        with self.lock:
            self.ops[key] = dict(kind=kind, method=method, path=path, body=body, sub=sub, roles=roles, status=None)
        self.settle(key, self.send(key))

    def settle(self, key, r):
        with self.lock:
            op = self.ops[key]
            if r is None:
                self.pending.append(key)
                self.lost.add(key)
                return
            op["status"], op["json"] = r.status_code, r.json() if r.content else None
            if r.status_code < 300:
                j = op["json"]
                if op["kind"] == "order":
                    self.orders.append((j["id"], op["sub"]))
                elif op["kind"] == "claim":
                    self.claims.append((j["id"], op["sub"], j["order_id"]))
                elif op["kind"] == "supply":
                    self.supplies.append((j["id"], op["sub"]))

    def step(self, rnd):
        if not self.urls:  # between a kill and the restart: wait rather than pile up requests
            time.sleep(0.01)
            return
        b, s = rnd.choice(self.buyers), rnd.choice(self.shoppers)
        with self.lock:
            orders, claims, supplies = list(self.orders), list(self.claims), list(self.supplies)
        k = rnd.random()
        if k < 0.10:
            self.run("deposit", "POST", "/v1/deposits", {"user_id": b, "currency": self.cur, "amount": "5",
                     "reference": "crash-" + str(uuid.uuid4())}, self.service, ("service",))
        elif k < 0.18:
            self.run("transfer", "POST", "/v1/transfers", {"to_user_id": rnd.choice(self.buyers),
                     "currency": self.cur, "amount": "0.5"}, b)
        elif k < 0.24:
            self.run("withdraw", "POST", "/v1/withdrawals", {"currency": self.cur, "amount": "0.25", "chain": "evm",
                     "to_address": "0x00000000000000000000000000000000000000aa"}, b)
        elif k < 0.30:
            self.run("supply", "POST", "/v1/supplies", {"currency": self.cur, "amount": "200"}, s)
        elif k < 0.34 and supplies:
            sid, owner = rnd.choice(supplies)
            self.run("supply_update", "PATCH", f"/v1/supplies/{sid}", {"amount": str(rnd.randint(150, 300))}, owner)
        elif k < 0.55:
            self.run("order", "POST", "/v1/orders", {"currency": self.cur, "items": [{
                     "product_id": str(uuid.uuid4()), "product_name": "thing", "price": str(rnd.randint(1, 3)),
                     "quantity": 1}]}, b)
        elif k < 0.75 and orders:
            oid, _ = rnd.choice(orders)
            self.run("claim", "POST", f"/v1/orders/{oid}/claim", None, s)
        elif k < 0.85 and claims:
            cid, _, oid = rnd.choice(claims)
            owner = next(o for i, o in orders if i == oid)
            self.run("process", "POST", f"/v1/claims/{cid}/process", None, owner)
        elif k < 0.93 and claims:
            cid, claimer, _ = rnd.choice(claims)
            self.run("release", "POST", f"/v1/claims/{cid}/release", None, claimer)
        elif orders:
            oid, owner = rnd.choice(orders)
            self.run("cancel", "DELETE", f"/v1/orders/{oid}", None, owner)


def admin_get(load, path):
    r = requests.get(load.url + path, timeout=30,
                     headers={"Authorization": "Bearer " + load.token(str(uuid.uuid4()), ("admin",))})
    assert r.status_code == 200, f"{path}: {r.status_code} {r.text}"
    return r.json()


def read_events(data_dir, actors):
    """Events of our actors in the sink, as parsed envelopes (every line must parse)."""
    out = []
    if MODE == "services":
        broker = os.environ["W3W_TEST_KAFKA_URL"].split("://", 1)[1].split("?")[0]
        for topic in ("supply-events", "order-events", "claim-events", "wallet-events"):
            p = subprocess.run(["kcat", "-C", "-b", broker, "-t", topic, "-o", "beginning", "-e", "-q",
                                "-f", "%s\n"], capture_output=True, text=True, timeout=120)
            assert p.returncode == 0, p.stderr
            out += [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
    else:
        with open(os.path.join(data_dir, "events.jsonl")) as f:
            for n, line in enumerate(f, 1):
                assert line.endswith("\n"), f"line {n} is torn: {line[:80]}"
                out.append(json.loads(line))
    return [e for e in out if e["actor_id"] in actors]


def run_load(load, workers, seconds, stop=None):
    """`workers` threads stepping the workload for `seconds` (or until `stop` is set)."""
    stop = stop or threading.Event()
    deadline = time.time() + seconds

    def worker(seed):
        rnd = random.Random(seed)
        while not stop.is_set() and time.time() < deadline:
            load.step(rnd)

    threads = [threading.Thread(target=worker, args=(seed,), daemon=True) for seed in range(workers)]
    for t in threads:
        t.start()
    return threads


def settle_all(load, rounds=50):
    """Send every request without a definitive answer again (same key) until it has one."""
    for _ in range(rounds):
        with load.lock:
            keys, load.pending = list(dict.fromkeys(load.pending)), []
        if not keys:
            break
        for key in keys:
            if load.ops[key]["status"] is None:
                load.settle(key, load.send(key))
        time.sleep(0.2)
    assert not load.pending, f"{len(load.pending)} requests never got a definitive answer"


def drain(load, timeout=60):
    """Wait until the relay has published everything that committed."""
    deadline = time.time() + timeout
    while requests.get(load.url + "/readyz", timeout=30).json()["outbox"]["pending"] > 0:
        assert time.time() < deadline, "outbox not drained"
        time.sleep(0.2)


def check_everything(load, data_dir=None):
    """Every promise, against what committed; returns (committed ops, distinct events)."""
    cur = load.cur
    ops = list(load.ops.values())
    assert all(o["status"] is not None for o in ops)
    done = [o for o in ops if o["status"] < 300]

    # Conservation: balances = deposits - withdrawals, over every user of the run.
    balance = Decimal(0)
    held_of = {}
    for u in load.buyers + load.shoppers:
        acc = [a for a in admin_get(load, f"/v1/accounts?user_id={u}") if a["currency"] == cur]
        if acc:
            balance += Decimal(acc[0]["balance"])
            held_of[u] = Decimal(acc[0]["held"])
    deposits = sum(Decimal(o["body"]["amount"]) for o in done if o["kind"] == "deposit")
    withdrawals = sum(Decimal(o["body"]["amount"]) for o in done if o["kind"] == "withdraw")
    assert balance == deposits - withdrawals, (balance, deposits, withdrawals)

    # Every acknowledged record is there; escrow and reservations match the orders and claims now.
    orders = {oid: admin_get(load, f"/v1/orders/{oid}") for oid, _ in load.orders}
    escrow = defaultdict(Decimal)
    for o in orders.values():
        if o["status"] in ("open", "claimed"):
            escrow[o["user_id"]] += Decimal(o["amount"])
    for u in load.buyers:
        assert held_of.get(u, Decimal(0)) == escrow[u], (u, held_of.get(u), escrow[u])
    live = defaultdict(list)
    reserved = defaultdict(Decimal)
    for cid, _, oid in load.claims:
        c = admin_get(load, f"/v1/claims/{cid}")
        if c["status"] == "pending":
            live[oid].append(cid)
            reserved[c["supply_id"]] += Decimal(orders[oid]["amount"])
    for oid, o in orders.items():
        assert len(live[oid]) == (1 if o["status"] == "claimed" else 0), (oid, o["status"], live[oid])
    for sid, _ in load.supplies:
        assert Decimal(admin_get(load, f"/v1/supplies/{sid}")["reserved"]) == reserved[sid], sid

    # The event sink: exactly one event per committed command, none torn, none invented.
    events = read_events(data_dir, set(load.buyers + load.shoppers + [load.service]))
    by_id = {e["id"]: e for e in events}
    got = Counter(e["type"] for e in by_id.values())
    want = Counter(EVENT_OF[o["kind"]] for o in done)
    assert got == want, f"events {dict(got)} != committed {dict(want)}"

    r = requests.get(load.url + "/v1/audit/verify", timeout=120,
                     headers={"Authorization": "Bearer " + load.token(str(uuid.uuid4()), ("auditor",))})
    assert r.status_code == 200 and r.json().get("ok") is True, r.text
    return done, by_id

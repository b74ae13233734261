"""200 concurrent clients race to claim the same 500 orders: exactly one 201 per order, the rest 409,
and the ledger is conserved (checked through GET /v1/accounts of everyone)."""
import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from helpers import RawClient, User, deposit, item, new_currency

CLIENTS = int(os.environ.get("W3W_RACE_CLIENTS", "200"))
ORDERS = int(os.environ.get("W3W_RACE_ORDERS", "500"))
BUYERS = 10
PRICE = Decimal("0.01")


def test_claim_race(server, service):
    cur = new_currency()
    buyers = [User(server) for _ in range(BUYERS)]
    shoppers = [User(server) for _ in range(CLIENTS)]
    deposit_each = PRICE * ORDERS  # plenty: each buyer places ORDERS / BUYERS orders
    for b in buyers:
        deposit(service, b, cur, str(deposit_each))

    def supply(s):
        r = s.post("/v1/supplies", {"currency": cur, "amount": str(PRICE * ORDERS)})
        assert r.status_code == 201, r.text

    def place(i):
        r = buyers[i % BUYERS].post("/v1/orders", {"currency": cur, "items": [item(str(PRICE), 1)]})
        assert r.status_code == 201, r.text
        return r.json()["id"], buyers[i % BUYERS]

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(supply, shoppers))
        orders = list(pool.map(place, range(ORDERS)))

    # Every client walks the orders in the same sequence, so all of them contend on each order.
    results = [[] for _ in range(CLIENTS)]
    barrier = threading.Barrier(CLIENTS)
    errors = []

    def race(k):
        client = RawClient(server, shoppers[k].token)
        try:
            barrier.wait()
            for order_id, _ in orders:
                status, body = client.request("POST", f"/v1/orders/{order_id}/claim")
                results[k].append((order_id, status, json.loads(body)["id"] if status == 201 else None))
        except Exception as e:  # reported below, with the thread's context
            errors.append(repr(e))
        finally:
            client.close()

    threads = [threading.Thread(target=race, args=(k,)) for k in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:5]

    winners = {}
    statuses = {}
    for k, rows in enumerate(results):
        assert len(rows) == ORDERS
        for order_id, status, claim_id in rows:
            statuses[status] = statuses.get(status, 0) + 1
            if status == 201:
                assert order_id not in winners, f"two winners for {order_id}"
                winners[order_id] = (k, claim_id)
    assert set(statuses) <= {201, 409}, statuses
    assert statuses[201] == ORDERS and len(winners) == ORDERS, statuses
    assert statuses[409] == ORDERS * (CLIENTS - 1)

    # The buyers' keep-alive connections sat idle through the race and the server's idle
    # timeout may have closed them: start the settling phase on fresh connections.
    for b in buyers:
        b.session.close()

    # Each order is claimed by its winner; the buyer settles it.
    def settle(entry):
        (order_id, buyer), (k, claim_id) = entry, winners[entry[0]]
        c = buyer.get(f"/v1/claims/{claim_id}").json()
        assert c["order_id"] == order_id and c["user_id"] == shoppers[k].id and c["status"] == "pending"
        r = buyer.post(f"/v1/claims/{claim_id}/process")
        assert r.status_code == 200, r.text

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(settle, orders))

    # Conservation over everyone's accounts: what was deposited is all still there, moved buyer -> winners.
    wins = [0] * CLIENTS
    for k, _ in winners.values():
        wins[k] += 1
    total = Decimal(0)
    for k, s in enumerate(shoppers):
        a = s.balance(cur)
        assert Decimal(a["balance"]) == PRICE * wins[k] and a["held"] == "0", (k, a)
        total += Decimal(a["balance"])
    for i, b in enumerate(buyers):
        a = b.balance(cur)
        placed = len([1 for j in range(ORDERS) if j % BUYERS == i])
        assert Decimal(a["balance"]) == deposit_each - PRICE * placed and a["held"] == "0", a
        total += Decimal(a["balance"])
    assert total == deposit_each * BUYERS
